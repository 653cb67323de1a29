import CongvuDomain
import CongvuStore
import Foundation
import Hummingbird

/// The one-stop desk through the API (issue 26), by the pages' rules: the dossiers received or
/// handled in the caller's scopes, one dossier with its history; and the change feed another
/// system follows (the dossiers' history rows and the punches, after a cursor).
struct OneStopAPIController {
    let oneStop: OneStopServices

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get("dossiers", use: list)
        group.get("dossiers/:id", use: one)
        group.get("changes", use: changes)
    }

    struct DossierDTO: Codable {
        struct EventDTO: Codable {
            var id: Int64; var at: String; var actor: String; var action: String; var fromStatus: String?; var toStatus: String; var toUnitId: Int64?
            var stepName: String; var note: String
            enum CodingKeys: String, CodingKey {
                case id, at, actor, action, fromStatus = "from_status", toStatus = "to_status", toUnitId = "to_unit_id", stepName = "step_name", note
            }
        }
        var id: Int64; var code: String; var procedureCode: String; var procedureName: String; var unitId: Int64; var unitName: String
        var currentUnitId: Int64; var currentUnitName: String; var field: String; var channel: String; var status: String; var applicantName: String
        var receivedAt: String?; var dueAt: String?; var resolvedAt: String?; var deliveredAt: String?; var timeliness: String?; var apologyAt: String?
        var events: [EventDTO]?
        enum CodingKeys: String, CodingKey {
            case id, code, procedureCode = "procedure_code", procedureName = "procedure_name", unitId = "unit_id", unitName = "unit_name",
                 currentUnitId = "current_unit_id", currentUnitName = "current_unit_name", field, channel, status, applicantName = "applicant_name",
                 receivedAt = "received_at", dueAt = "due_at", resolvedAt = "resolved_at", deliveredAt = "delivered_at", timeliness, apologyAt = "apology_at", events
        }

        init(_ r: DossierRow, events: [DossierEvent]? = nil) {
            let d = r.dossier
            id = d.id; code = d.code; procedureCode = r.procedureCode; procedureName = r.procedureName; unitId = d.unitID; unitName = r.unitName
            currentUnitId = d.currentUnitID; currentUnitName = r.currentUnitName; field = d.field; channel = d.channel.key; status = d.status.key
            applicantName = d.applicant.name
            receivedAt = d.receivedAt.map(Instant.format); dueAt = d.dueAt.map(Instant.format); resolvedAt = d.resolvedAt.map(Instant.format)
            deliveredAt = d.deliveredAt.map(Instant.format); timeliness = d.timeliness?.rawValue; apologyAt = d.apologyAt.map(Instant.format)
            self.events = events?.map { e in
                EventDTO(id: e.id, at: Instant.format(e.at), actor: e.actorName, action: e.action, fromStatus: e.fromStatus?.key, toStatus: e.toStatus.key,
                         toUnitId: e.toUnitID, stepName: e.stepName, note: e.note)
            }
        }
    }

    struct ListDTO: Codable, ResponseEncodable, SnakeCaseKeyed { var items: [DossierDTO] }
    struct OneDTO: Codable, ResponseEncodable, SnakeCaseKeyed {
        var dossier: DossierDTO
    }

    /// `filter` (open, overdue, due_soon, resolved, all; default open), `q` (code or applicant, accents ignored), `limit` (≤ 500).
    func list(_ request: Request, _ context: AppRequestContext) async throws -> ListDTO {
        let scopes = try context.signedIn().scopes(for: .viewDossiers)
        guard !scopes.isEmpty else { throw Forbidden() }
        let q = request.uri.queryParameters
        guard let filter = DossierStore.ListFilter(rawValue: q["filter"].map(String.init) ?? "open") else {
            throw ValidationErrors([FieldError("filter", "invalid")])
        }
        let limit = min(500, max(1, q["limit"].flatMap { Int(String($0)) } ?? 100))
        let rows = try await oneStop.dossiers.list(scopes: scopes, filter: filter, search: q["q"].map(String.init) ?? "", limit: limit)
        return ListDTO(items: rows.map { DossierDTO($0) })
    }

    func one(_ request: Request, _ context: AppRequestContext) async throws -> OneDTO {
        guard let id = context.parameters.get("id", as: Int64.self), let row = try await oneStop.dossiers.get(id) else { throw StoreError.notFound("dossier") }
        _ = try context.require(.viewDossiers, atAnyOf: [row.unitPath, row.currentUnitPath])
        return OneDTO(dossier: DossierDTO(row, events: try await oneStop.dossiers.events(id)))
    }

    struct ChangesDTO: Codable, ResponseEncodable, SnakeCaseKeyed {
        struct DossierChangeDTO: Codable {
            var id: Int64; var dossierId: Int64; var code: String; var at: String; var action: String; var status: String
            enum CodingKeys: String, CodingKey { case id, dossierId = "dossier_id", code, at, action, status }
        }
        struct PunchChangeDTO: Codable {
            var id: Int64; var personId: Int64; var at: String; var source: String; var method: String
            enum CodingKeys: String, CodingKey { case id, personId = "person_id", at, source, method }
        }
        var dossiers: [DossierChangeDTO]
        var punches: [PunchChangeDTO]
        var next: String
    }

    /// `since` (the previous answer's `next`; none: from the start), `limit` per kind (≤ 1,000).
    func changes(_ request: Request, _ context: AppRequestContext) async throws -> ChangesDTO {
        let p = try context.signedIn(), q = request.uri.queryParameters
        let dossierScopes = p.scopes(for: .viewDossiers), punchScopes = p.scopes(for: .viewAttendance)
        guard !dossierScopes.isEmpty || !punchScopes.isEmpty else { throw Forbidden() }
        let cursor: ChangeFeed.Cursor
        if let since = q["since"].map(String.init), !since.isEmpty {
            guard let c = ChangeFeed.Cursor(since) else { throw ValidationErrors([FieldError("since", "invalid")]) }
            cursor = c
        } else {
            cursor = ChangeFeed.Cursor()
        }
        let limit = min(1000, max(1, q["limit"].flatMap { Int(String($0)) } ?? 200))
        let page = try await ChangeFeed.read(oneStop.database, after: cursor, dossierScopes: dossierScopes, punchScopes: punchScopes, limit: limit)
        return ChangesDTO(dossiers: page.dossiers.map { .init(id: $0.id, dossierId: $0.dossierID, code: $0.code, at: Instant.format($0.at), action: $0.action,
                                                              status: $0.status.key) },
                          punches: page.punches.map { .init(id: $0.id, personId: $0.personID, at: Instant.format($0.at), source: $0.source, method: $0.method) },
                          next: page.next.description)
    }
}
