import CongvuDomain
import CongvuStore
import Hummingbird
import Logging
import Metrics
import ServiceLifecycle

/// The audit log: recent records and a check of the whole chain.
struct AuditController {
    let services: AppServices

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get(use: list)
        group.post("verify", use: verify)
    }

    func rows(_ records: [AuditRecord], _ locale: AppLocale) -> [AuditPage.Record] {
        records.map { r in
            .init(seq: r.seq, at: Instant.parse(r.at).map { Instant.display($0) } ?? r.at, actor: r.actorName,
                  action: services.views.catalogs.label("audit_action", r.action.rawValue, locale),
                  object: "\(r.objectType) #\(r.objectID)", reason: r.reason, hash: String(r.hash.prefix(12)))
        }
    }

    /// Audit records are not tied to one unit, so the log is shown only to roles holding `viewAudit`
    /// (system administrators), wherever their grant is.
    static func requireAudit(_ context: AppRequestContext) throws {
        let p = try context.signedIn()
        guard p.grants.contains(where: { $0.role.permissions.contains(.viewAudit) }) else { throw Forbidden() }
    }

    func list(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        try Self.requireAudit(context)
        let records = try await services.audit.recent(limit: 200)
        return try services.views.page(AuditPage(records: rows(records, context.locale)), context)
    }

    func verify(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        try Self.requireAudit(context)
        _ = try await FormData.read(request, context)
        let verdict = try await services.audit.verify()
        let records = try await services.audit.recent(limit: 200)
        var page = AuditPage(records: rows(records, context.locale))
        switch verdict {
        case .intact(let count): page.intact = .init(count: count)
        case .broken(let seq, let problem): page.broken = .init(seq: seq, problem: services.views.catalogs.text("audit_problem_\(problem)", context.locale))
        }
        return try services.views.page(page, context)
    }
}

/// The audit log through the API (issue 26), for the same readers as its page: the records after
/// a sequence number in the chain's order, each with its hashes, so that another system can keep
/// its own copy and check the chain; optionally for one object.
struct AuditAPIController {
    let audit: AuditLog

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get("audit", use: list)
    }

    struct RecordDTO: Codable {
        var seq: Int64; var at: String; var actorId: Int64?; var actorName: String; var action: String; var objectType: String; var objectId: String
        var before: String; var after: String; var reason: String; var prevHash: String; var hash: String
        enum CodingKeys: String, CodingKey {
            case seq, at, actorId = "actor_id", actorName = "actor_name", action, objectType = "object_type", objectId = "object_id",
                 before, after, reason, prevHash = "prev_hash", hash
        }
    }

    struct PageDTO: Codable, ResponseEncodable { var items: [RecordDTO]; var next: Int64 }

    /// `after` (a sequence number; default 0, the start), `limit` (1–1,000, default 200),
    /// `object_type` and `object_id`. `next` is the last sequence number answered (or `after`).
    func list(_ request: Request, _ context: AppRequestContext) async throws -> PageDTO {
        try AuditController.requireAudit(context)
        let q = request.uri.queryParameters
        let after = try APIController.bounded(request, "after", default: 0, range: 0...Int(Int64.max / 2))
        let limit = try APIController.bounded(request, "limit", default: 200, range: 1...1000)
        let records = try await audit.recent(limit: limit, objectType: q["object_type"].map(String.init), objectID: q["object_id"].map(String.init),
                                             after: Int64(after))
        return PageDTO(items: records.map { r in
            RecordDTO(seq: r.seq, at: r.at, actorId: r.actorID, actorName: r.actorName, action: r.action.rawValue, objectType: r.objectType,
                      objectId: r.objectID, before: r.before, after: r.after, reason: r.reason, prevHash: r.prevHash, hash: r.hash)
        }, next: records.last?.seq ?? Int64(after))
    }
}

/// Writes the audit chain's checkpoint at start and every ten minutes (when the chain moved), and
/// gives the latest to Prometheus, a third place the database's administrators do not write:
/// its sequence number, and the first 48 bits of its hash as a number (exact in a float), so that a
/// chain recomputed after a change shows as another fingerprint for the same record.
struct AuditCheckpointService: Service {
    let services: AppServices
    let logger: Logger

    static func publish(_ checkpoint: AuditCheckpoint) {
        Gauge(label: "congvu_audit_checkpoint_seq").record(Double(checkpoint.seq))
        Gauge(label: "congvu_audit_checkpoint_hash48").record(Double(UInt64(checkpoint.hash.prefix(12), radix: 16) ?? 0))
    }

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await services.auditCheckpoints.write(services.audit)
                    if let latest = services.auditCheckpoints.latest() { Self.publish(latest) }
                } catch {
                    logger.error("audit checkpoint not written", metadata: ["error": "\(error)"])
                }
                try? await Task.sleep(for: .seconds(600))
            }
        }
    }
}

struct AuditPage: Page {
    static let template = "audit"
    struct Record: Decodable {
        var seq: Int64
        var at: String
        var actor: String
        var action: String
        var object: String
        var reason: String
        var hash: String
    }
    struct Intact: Decodable { var count: Int }
    struct Broken: Decodable { var seq: Int64; var problem: String }
    var records: [Record]
    var intact: Intact?
    var broken: Broken?
}
