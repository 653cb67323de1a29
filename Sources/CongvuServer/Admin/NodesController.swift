import CongvuDomain
import CongvuStore
import Foundation
import Hummingbird

/// The installation's nodes for its administrators (issue 25): each node's roles, site, version,
/// schema step and last heartbeat, whether it is alive, the cameras a recorder records, and the scheduled work of the last slots
/// with the node that ran it.
struct NodesController {
    let services: AppServices

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get(use: page)
        group.get("xlsx", use: workbook)
    }

    /// What the page and the workbook show, read once.
    func read(_ context: AppRequestContext) async throws -> (nodes: [NodesPage.Node], runs: [NodesPage.Run]) {
        try AuditController.requireAudit(context)
        let now = Date(), catalogs = services.views.catalogs, locale = context.locale
        let nodes = try await services.cluster.nodes.list()
        let runs = try await services.cluster.claims.recent(limit: 50, excluding: ["camera"])
        // The cameras each node records now (their leases live).
        let cameras = try await services.cluster.claims.holders("camera").values.filter { $0.live(at: now) }
            .reduce(into: [String: Int]()) { $0[$1.node, default: 0] += 1 }
        return (nodes.map { n in
                    .init(name: n.name, roles: n.roles.map { catalogs.label("node_role", $0, locale) }.joined(separator: ", "), site: Template.optional(n.site),
                          version: n.version, schema: n.schemaStep, address: n.address, started: Instant.display(n.startedAt),
                          heartbeat: Instant.display(n.heartbeatAt), seconds: max(0, Int(now.timeIntervalSince(n.heartbeatAt))), alive: n.alive(at: now),
                          this: n.name == services.cluster.node.name, other_schema: n.schemaStep != Schema.all.count,
                          cameras: n.roles.contains("recorder") ? cameras[n.name] ?? 0 : nil)
                },
                runs.map { .init(job: $0.job, slot: $0.slot, node: $0.node, attempts: $0.attempts, finished: $0.finished, result: $0.result) })
    }

    func page(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let (nodes, runs) = try await read(context)
        return try services.views.page(NodesPage(this: services.cluster.node.name, nodes: nodes, runs: runs, has_runs: !runs.isEmpty), context)
    }

    /// The same as a workbook: the nodes, and the recent scheduled work on a second sheet.
    func workbook(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let (nodes, runs) = try await read(context)
        let catalogs = services.views.catalogs, locale = context.locale, today = services.today
        func text(_ key: String) -> String { catalogs.text(key, locale) }
        // Column heads from the page's labels, without the colon some of them end with there.
        func head(_ key: String) -> String { text(key).trimmingCharacters(in: CharacterSet(charactersIn: ": ")) }
        var list = XLSXSheet(name: text("nodes_title"))
        list.title = "\(text("nodes_title")) · \(today.vietnamese)"
        list.header = ["nodes_name", "nodes_site", "nodes_roles", "nodes_cameras", "nodes_version", "nodes_schema", "nodes_heartbeat",
                       "nodes_state", "nodes_address", "nodes_started"].map(head)
        list.widths = [24, 18, 30, 10, 10, 8, 17, 12, 22, 17]
        list.rows = nodes.map { n in
            [.text(n.name), .text(n.site ?? ""), .text(n.roles), n.cameras.map { .number(Double($0)) } ?? .empty, .text(n.version),
             .number(Double(n.schema)), .text(n.heartbeat), .text(text(n.alive ? "nodes_alive" : "nodes_silent")), .text(n.address), .text(n.started)]
        }
        var work = XLSXSheet(name: text("nodes_runs"))
        work.title = text("nodes_runs")
        work.header = ["nodes_job", "nodes_slot", "nodes_name", "nodes_attempts", "nodes_result"].map(head)
        work.widths = [24, 17, 24, 8, 60]
        work.rows = runs.map { [.text($0.job), .text($0.slot), .text($0.node), .number(Double($0.attempts)),
                                .text($0.finished ? $0.result : text("nodes_running"))] }
        return try XLSXSheet.response([list, work], filename: "cac-nut-\(today).xlsx")
    }
}

struct NodesPage: Page {
    static let template = "admin_nodes"
    struct Node: Decodable {
        var name: String
        var roles: String
        var site: String?
        var version: String
        var schema: Int
        var address: String
        var started: String
        var heartbeat: String
        var seconds: Int
        var alive: Bool
        var this: Bool
        var other_schema: Bool
        /// The cameras a recorder node records now (nil for a node without the role).
        var cameras: Int?
    }
    struct Run: Decodable {
        var job: String
        var slot: String
        var node: String
        var attempts: Int
        var finished: Bool
        var result: String
    }
    var this: String
    var nodes: [Node]
    var runs: [Run]
    var has_runs: Bool
}
