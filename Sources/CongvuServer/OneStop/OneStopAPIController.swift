import CongvuDomain
import CongvuStore
import Foundation
import Hummingbird

/// The one-stop desk through the API (issue 26), by the pages' rules: the dossiers received or
/// handled in the caller's scopes, one dossier with its history, the procedures' catalogue, the
/// settlement report (Biểu 06) for a period; and the change feed another system follows (the
/// dossiers' history rows and the punches, after a cursor).
struct OneStopAPIController {
    let oneStop: OneStopServices

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get("dossiers", use: list)
        group.get("dossiers/:id", use: one)
        group.get("changes", use: changes)
        group.get("procedures", use: procedures)
        group.get("procedures/:id", use: procedure)
        group.get("reports/settlement", use: settlement)
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

    // MARK: Procedures

    struct ProcedureDTO: Codable, ResponseEncodable {
        struct TimeDTO: Codable { var value: Int; var unit: String }
        struct DocumentDTO: Codable { var name: String; var form: String; var quantity: Int }
        struct StepDTO: Codable { var name: String; var time: TimeDTO }
        var id: Int64; var code: String; var name: String; var field: String; var level: String; var time: TimeDTO; var onlineLevel: String
        var fee: Int; var feeNote: String; var documents: [DocumentDTO]; var result: String; var legalBasis: String; var version: Int
        var validFrom: String; var validTo: String?; var steps: [StepDTO]; var postedAtCounter: Bool; var postedOnPortal: Bool
        enum CodingKeys: String, CodingKey {
            case id, code, name, field, level, time, onlineLevel = "online_level", fee, feeNote = "fee_note", documents, result,
                 legalBasis = "legal_basis", version, validFrom = "valid_from", validTo = "valid_to", steps,
                 postedAtCounter = "posted_at_counter", postedOnPortal = "posted_on_portal"
        }

        init(_ p: Procedure) {
            func time(_ t: ProcessingTime) -> TimeDTO { TimeDTO(value: t.value, unit: t.unit.rawValue) }
            id = p.id; code = p.code; name = p.name; field = p.field; level = p.level.rawValue; self.time = time(p.time)
            onlineLevel = p.onlineLevel.rawValue; fee = p.fee; feeNote = p.feeNote
            documents = p.documents.map { .init(name: $0.name, form: $0.form.rawValue, quantity: $0.quantity) }
            result = p.result; legalBasis = p.legalBasis; version = p.version; validFrom = p.validFrom.description; validTo = p.validTo?.description
            steps = p.steps.map { .init(name: $0.name, time: time($0.time)) }; postedAtCounter = p.postedAtCounter; postedOnPortal = p.postedOnPortal
        }
    }

    struct ProceduresDTO: Codable, ResponseEncodable { var items: [ProcedureDTO] }

    /// The catalogue as its page shows it, to whoever sees dossiers or manages procedures anywhere:
    /// `q` (code or name, accents ignored), `field`, `valid_on` (a day: the versions in force then).
    func procedures(_ request: Request, _ context: AppRequestContext) async throws -> ProceduresDTO {
        try requireCatalogue(context)
        let q = request.uri.queryParameters
        var validOn: Day?
        if let text = q["valid_on"].map(String.init) {
            guard let day = Day(text), (2000...2100).contains(day.year) else { throw ValidationErrors([FieldError("valid_on", "date_invalid")]) }
            validOn = day
        }
        let list = try await oneStop.procedures.list(search: q["q"].map(String.init) ?? "", field: q["field"].map(String.init) ?? "",
                                                     validOn: validOn, limit: 2000)
        return ProceduresDTO(items: list.map(ProcedureDTO.init))
    }

    func procedure(_ request: Request, _ context: AppRequestContext) async throws -> ProcedureDTO {
        try requireCatalogue(context)
        guard let id = context.parameters.get("id", as: Int64.self), let p = try await oneStop.procedures.get(id) else { throw StoreError.notFound("procedure") }
        return ProcedureDTO(p)
    }

    func requireCatalogue(_ context: AppRequestContext) throws {
        let p = try context.signedIn()
        guard p.holds(.viewDossiers) || p.holds(.manageProcedures) else { throw Forbidden() }
    }

    // MARK: The settlement report

    struct SettlementDTO: Codable, ResponseEncodable {
        struct RowDTO: Codable {
            var unitId: Int64?; var label: String; var received: Int; var online: Int; var directOrPostal: Int; var carriedOver: Int
            var resolved: Int; var early: Int; var onTime: Int; var overdue: Int; var inProgress: Int; var openWithinTime: Int; var openOverdue: Int
            var withdrawn: Int; var onTimeRate: Double?; var onlineRate: Double?
            enum CodingKeys: String, CodingKey {
                case unitId = "unit_id", label, received, online, directOrPostal = "direct_or_postal", carriedOver = "carried_over", resolved, early,
                     onTime = "on_time", overdue, inProgress = "in_progress", openWithinTime = "open_within_time", openOverdue = "open_overdue",
                     withdrawn, onTimeRate = "on_time_rate", onlineRate = "online_rate"
            }

            init(unitID: Int64?, label: String, _ r: SettlementRow) {
                unitId = unitID; self.label = label; received = r.received; online = r.online; directOrPostal = r.directOrPostal
                carriedOver = r.carriedOver; resolved = r.resolved; early = r.early; onTime = r.onTime; overdue = r.overdue
                inProgress = r.inProgress; openWithinTime = r.openWithinTime; openOverdue = r.openOverdue; withdrawn = r.withdrawn
                onTimeRate = r.onTimeRate; onlineRate = r.onlineRate
            }
        }
        var first: String; var last: String; var group: String; var lines: [RowDTO]; var total: RowDTO
    }

    /// Biểu 06 by unit or field for a period, with the page's parameters (`kind`, `year`, `index`,
    /// `gov`, `from`/`to`, `group`), over the units the caller sees dossiers of.
    func settlement(_ request: Request, _ context: AppRequestContext) async throws -> SettlementDTO {
        let scopes = try context.scopes(.viewDossiers)
        let period = try OneStopController.period(request, today: oneStop.today)
        guard let grouping = SettlementReport.Grouping(rawValue: request.uri.queryParameters["group"].map(String.init) ?? "unit") else {
            throw ValidationErrors([FieldError("group", "invalid")])
        }
        let report = try await oneStop.dossiers.settlement(period, grouping: grouping, scopes: scopes, today: oneStop.today)
        return SettlementDTO(first: period.first.description, last: period.last.description, group: grouping.rawValue,
                             lines: report.lines.map { .init(unitID: $0.unitID, label: $0.label, $0.row) },
                             total: .init(unitID: nil, label: "", report.total))
    }
}
