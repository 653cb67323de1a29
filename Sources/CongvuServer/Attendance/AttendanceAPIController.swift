import CongvuDomain
import CongvuStore
import Foundation
import Hummingbird

/// Punches and notices through the API: integrations record punches (idempotent by key),
/// people file notices, leaders decide them.
struct AttendanceAPIController {
    let attendance: AttendanceServices

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.post("punches", use: punch)
        group.get("absences", use: absences)
        group.post("absences", use: file)
        group.post("absences/:id/decision", use: decide)
    }

    struct PunchBody: Decodable {
        var personId: Int64
        var at: String
        var method: String?
        var device: String?
        var idempotencyKey: String?
    }

    struct PunchDTO: Codable, ResponseEncodable {
        var id: Int64
        var personId: Int64?
        var at: String
        var receivedAt: String
        var source: String
        var method: String
        var flag: String
        var created: Bool
    }

    static func decoder() -> JSONDecoder {
        let d = JSONDecoder()
        d.keyDecodingStrategy = .convertFromSnakeCase
        return d
    }

    static func body<T: Decodable>(_ request: Request, _ type: T.Type) async throws -> T {
        let buffer = try await request.body.collect(upTo: 64 * 1024)
        do { return try decoder().decode(T.self, from: Data(buffer.readableBytesView)) } catch {
            throw HTTPError(.badRequest, message: "malformed JSON body")
        }
    }

    /// A punch from an integration, for a person the token may see; the device's time is kept
    /// and checked against the server's (punches far in the future or long past are flagged).
    func punch(_ request: Request, _ context: AppRequestContext) async throws -> PunchDTO {
        let input = try await Self.body(request, PunchBody.self)
        guard let record = try await attendance.people.get(input.personId) else { throw StoreError.notFound("person") }
        try context.require(.editPeople, atAnyOf: record.unitPaths)
        var errors = ValidationErrors()
        // A device's clock may be off, not by centuries: a time outside 2000–2099 is no punch.
        let at = Instant.parse(input.at).flatMap { (2000...2099).contains(Day($0, in: CivilTime.vietnam).year) ? $0 : nil }
        if at == nil { errors.add("at", "date_invalid") }
        let method = PunchMethod(rawValue: input.method ?? "card")
        if method == nil || method == .manual { errors.add("method", "punch_method_invalid") }
        if (input.device ?? "").count > 64 { errors.add("device", "too_long") }
        if (input.idempotencyKey ?? "").count > 128 { errors.add("idempotency_key", "too_long") }
        try errors.throwIfAny()
        let (stored, isNew) = try await attendance.punches.record(
            PunchInput(personID: record.person.id, at: at!, source: .api, method: method!, device: input.device ?? "",
                       idempotencyKey: input.idempotencyKey.map { "api:\($0)" } ?? ""), by: context.actor)
        if isNew { await attendance.announce(personIDs: [record.person.id]) }
        return PunchDTO(id: stored.id, personId: stored.personID, at: Instant.format(stored.punch.at), receivedAt: Instant.format(stored.receivedAt),
                        source: stored.punch.source.rawValue, method: stored.punch.method.rawValue, flag: stored.flag.rawValue, created: isNew)
    }

    struct AbsenceDTO: Codable, Sendable, ResponseEncodable {
        var id: Int64
        var personId: Int64
        var fullName: String?
        var kind: String
        var place: String
        var purpose: String
        var task: String
        var from: String
        var to: String
        var filedAt: String
        var filedLate: Bool
        var status: String
        var decisionNote: String
    }

    static func dto(_ a: AbsenceRequest, name: String? = nil) -> AbsenceDTO {
        AbsenceDTO(id: a.id, personId: a.personID, fullName: name, kind: a.kind.rawValue, place: a.place, purpose: a.purpose, task: a.task,
                   from: Instant.format(a.from), to: Instant.format(a.to), filedAt: Instant.format(a.filedAt), filedLate: a.filedLate,
                   status: a.status.rawValue, decisionNote: a.decisionNote)
    }

    /// The caller's own requests, and those of the people in their attendance scope; `status` filters.
    func absences(_ request: Request, _ context: AppRequestContext) async throws -> APIController.ListDTO<AbsenceDTO> {
        let p = try context.signedIn()
        let status = request.uri.queryParameters["status"].map(String.init)
        var statuses: [AbsenceRequest.Status] = []
        if let status {
            guard let s = AbsenceRequest.Status(rawValue: status) else { throw HTTPError(.badRequest, message: "unknown status") }
            statuses = [s]
        }
        let store = attendance.absences
        var rows: [AbsenceRow] = []
        if let id = p.personID { rows = try await store.list(personID: id) }
        if p.holds(.viewAttendance) { rows += try await store.list(scopes: p.scopes(for: .viewAttendance), statuses: statuses) }
        var seen = Set<Int64>()
        let items = rows.filter { statuses.isEmpty || statuses.contains($0.request.status) }.filter { seen.insert($0.request.id).inserted }
            .map { Self.dto($0.request, name: $0.fullName) }
        return APIController.ListDTO(items: items, total: items.count)
    }

    struct FileBody: Decodable {
        var kind: String
        var place: String?
        var purpose: String
        var task: String?
        var from: String
        var to: String
    }

    func file(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        guard let personID = try context.signedIn().personID else { throw Forbidden() }
        let body = try await Self.body(request, FileBody.self)
        let draft = AbsenceDraft(kind: body.kind, place: body.place ?? "", purpose: body.purpose, task: body.task ?? "",
                                 from: Instant.parse(body.from), to: Instant.parse(body.to))
        let stored = try await attendance.absences.file(try draft.validate(personID: personID, filedAt: Date()), by: context.actor)
        return try Self.dto(stored).response(from: request, context: context).with(status: .created)
    }

    struct DecisionBody: Decodable {
        var approve: Bool
        var note: String?
    }

    func decide(_ request: Request, _ context: AppRequestContext) async throws -> AbsenceDTO {
        let p = try context.signedIn()
        guard let id = context.parameters.get("id", as: Int64.self), let row = try await attendance.absences.get(id) else {
            throw StoreError.notFound("absence")
        }
        guard try await attendance.mayDecide(p, personID: row.request.personID) else { throw Forbidden() }
        let body = try await Self.body(request, DecisionBody.self)
        let decided = try await attendance.absences.decide(id, approve: body.approve, note: body.note ?? "", by: context.actor)
        await attendance.announce(personIDs: [decided.personID])
        return Self.dto(decided, name: row.fullName)
    }
}

extension Response {
    func with(status: HTTPResponse.Status) -> Response {
        var r = self
        r.status = status
        return r
    }
}
