import CongvuDomain
import Foundation
import SQLKit

/// Notices and leave: filed by the person, decided by a leader, audited, and read back as the
/// excuses that verdicts honour.
public struct AbsenceStore: Sendable {
    let database: Database

    public init(database: Database) { self.database = database }

    static func decode(_ row: any SQLRow) throws -> AbsenceRequest {
        AbsenceRequest(id: try row.decode(column: "id", as: Int64.self),
                       personID: try row.decode(column: "person_id", as: Int64.self),
                       kind: Excuse.Kind(rawValue: try row.decode(column: "kind", as: String.self)) ?? .notice,
                       place: try row.decode(column: "place", as: String.self),
                       purpose: try row.decode(column: "purpose", as: String.self),
                       from: try row.instant("starts_at"),
                       to: try row.instant("ends_at"),
                       filedAt: try row.instant("filed_at"),
                       status: AbsenceRequest.Status(rawValue: try row.decode(column: "status", as: String.self)) ?? .pending,
                       decidedBy: try row.decode(column: "decided_by", as: Int64?.self),
                       decisionNote: try row.decode(column: "decision_note", as: String.self))
    }

    public func file(_ r: AbsenceRequest, by actor: Actor) async throws -> AbsenceRequest {
        let kind = database.kind
        return try await database.write { sql in
            let row = try await sql.insert(into: "absence_requests")
                .columns("person_id", "kind", "place", "purpose", "starts_at", "ends_at", "filed_at", "status")
                .values(SQLBind(r.personID), SQLBind(r.kind.rawValue), SQLBind(r.place), SQLBind(r.purpose),
                        SQLBind(Instant.format(r.from)), SQLBind(Instant.format(r.to)), SQLBind(Instant.format(r.filedAt)),
                        SQLBind(AbsenceRequest.Status.pending.rawValue))
                .returning("id").first()
            var stored = r
            stored.id = try row!.decode(column: "id", as: Int64.self)
            stored.status = .pending
            try await AuditLog.append(.init(action: .create, objectType: "absence", objectID: String(stored.id),
                                            after: "{\"person_id\":\(r.personID),\"kind\":\"\(r.kind.rawValue)\",\"late\":\(r.filedLate)}"),
                                      by: actor, in: sql, kind: kind)
            return stored
        }
    }

    /// Approves or rejects a pending request; a decided request cannot be decided again.
    public func decide(_ id: Int64, approve: Bool, note: String, by actor: Actor) async throws -> AbsenceRequest {
        let kind = database.kind
        return try await database.write { sql in
            guard let current = try await sql.select().column("*").from("absence_requests").where("id", .equal, id).first().map(AbsenceStore.decode) else {
                throw StoreError.notFound("absence")
            }
            guard current.status == .pending else { throw StoreError.conflict(field: "status", key: "absence_already_decided") }
            let status: AbsenceRequest.Status = approve ? .approved : .rejected
            if !approve && note.tidied.count < 3 { throw ValidationErrors([FieldError("note", "reason_required")]) }
            try await sql.update("absence_requests").set("status", to: status.rawValue).set("decided_by", to: actor.id)
                .set("decided_at", to: Instant.now()).set("decision_note", to: note.tidied).where("id", .equal, id).run()
            try await AuditLog.append(.init(action: .update, objectType: "absence", objectID: String(id),
                                            before: "{\"status\":\"pending\"}", after: "{\"status\":\"\(status.rawValue)\"}", reason: note.tidied),
                                      by: actor, in: sql, kind: kind)
            var decided = current
            decided.status = status
            decided.decidedBy = actor.id
            decided.decisionNote = note.tidied
            return decided
        }
    }

    /// A person's requests overlapping [from, to), newest first.
    public func requests(personID: Int64, from: Date, to: Date) async throws -> [AbsenceRequest] {
        try await database.read { sql in
            try await sql.select().column("*").from("absence_requests").where("person_id", .equal, personID)
                .where("starts_at", .lessThan, Instant.format(to)).where("ends_at", .greaterThan, Instant.format(from))
                .orderBy("starts_at", .descending).all().map(AbsenceStore.decode)
        }
    }

    /// Everyone's approved requests overlapping [from, to), as excuses, by person.
    public func excuses(personIDs: [Int64], from: Date, to: Date) async throws -> [Int64: [Excuse]] {
        guard !personIDs.isEmpty else { return [:] }
        let rows = try await database.read { sql in
            try await sql.select().column("*").from("absence_requests").where("person_id", .in, personIDs)
                .where("status", .equal, AbsenceRequest.Status.approved.rawValue)
                .where("starts_at", .lessThan, Instant.format(to)).where("ends_at", .greaterThan, Instant.format(from)).all()
                .map(AbsenceStore.decode)
        }
        var out: [Int64: [Excuse]] = [:]
        for r in rows { if let e = r.excuse { out[r.personID, default: []].append(e) } }
        return out
    }

    /// The approved requests overlapping [from, to) as excuses for the verdict engine.
    public func excuses(personID: Int64, from: Date, to: Date) async throws -> [Excuse] {
        try await requests(personID: personID, from: from, to: to).compactMap(\.excuse)
    }
}
