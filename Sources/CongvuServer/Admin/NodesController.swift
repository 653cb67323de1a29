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
    }

    func page(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        try AuditController.requireAudit(context)
        let now = Date(), catalogs = services.views.catalogs, locale = context.locale
        let nodes = try await services.cluster.nodes.list()
        let runs = try await services.cluster.claims.recent(limit: 50, excluding: ["camera"])
        // The cameras each node records now (their leases live).
        let cameras = try await services.cluster.claims.holders("camera").values.filter { $0.live(at: now) }
            .reduce(into: [String: Int]()) { $0[$1.node, default: 0] += 1 }
        return try services.views.page(NodesPage(
            this: services.cluster.node.name,
            nodes: nodes.map { n in
                .init(name: n.name, roles: n.roles.map { catalogs.label("node_role", $0, locale) }.joined(separator: ", "), site: Template.optional(n.site),
                      version: n.version, schema: n.schemaStep, address: n.address, started: Instant.display(n.startedAt),
                      heartbeat: Instant.display(n.heartbeatAt), seconds: max(0, Int(now.timeIntervalSince(n.heartbeatAt))), alive: n.alive(at: now),
                      this: n.name == services.cluster.node.name, other_schema: n.schemaStep != Schema.all.count,
                      cameras: n.roles.contains("recorder") ? cameras[n.name] ?? 0 : nil)
            },
            runs: runs.map { .init(job: $0.job, slot: $0.slot, node: $0.node, attempts: $0.attempts, finished: $0.finished, result: $0.result) },
            has_runs: !runs.isEmpty), context)
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
