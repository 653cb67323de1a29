import CongvuDomain
import CongvuStore
import Hummingbird
import Logging
import ServiceLifecycle

/// The audit log: recent records and a check of the whole chain.
struct AuditController {
    let services: AppServices

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get(use: list)
        group.post("verify", use: verify)
    }

    func rows(_ records: [AuditRecord], _ locale: AppLocale) -> [[String: Any]] {
        records.map { r in
            ["seq": r.seq, "at": Instant.parse(r.at).map { Instant.display($0) } ?? r.at, "actor": r.actorName,
             "action": services.views.catalogs.label("audit_action", r.action.rawValue, locale),
             "object": "\(r.objectType) #\(r.objectID)", "reason": r.reason, "before": r.before, "after": r.after,
             "hash": String(r.hash.prefix(12))]
        }
    }

    /// Audit records are not tied to one unit, so the log is shown only to roles holding `viewAudit`
    /// (system administrators), wherever their grant is.
    func requireAudit(_ context: AppRequestContext) throws {
        let p = try context.signedIn()
        guard p.grants.contains(where: { $0.role.permissions.contains(.viewAudit) }) else { throw Forbidden() }
    }

    func list(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        try requireAudit(context)
        let records = try await services.audit.recent(limit: 200)
        return try services.views.page("audit", context, ["records": rows(records, context.locale)])
    }

    func verify(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        try requireAudit(context)
        _ = try await FormData.read(request, context)
        let verdict = try await services.audit.verify()
        let records = try await services.audit.recent(limit: 200)
        var data: [String: Any] = ["records": rows(records, context.locale)]
        switch verdict {
        case .intact(let count): data["intact"] = ["count": count]
        case .broken(let seq, let problem): data["broken"] = ["seq": seq, "problem": services.views.catalogs.text("audit_problem_\(problem)", context.locale)]
        }
        return try services.views.page("audit", context, data)
    }
}

/// Writes the audit chain's checkpoint at start and every ten minutes (when the chain moved).
struct AuditCheckpointService: Service {
    let services: AppServices
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do { try await services.auditCheckpoints.write(services.audit) } catch {
                    logger.error("audit checkpoint not written", metadata: ["error": "\(error)"])
                }
                try? await Task.sleep(for: .seconds(600))
            }
        }
    }
}
