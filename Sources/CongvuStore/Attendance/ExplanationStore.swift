import CongvuDomain
import Foundation
import SQLKit

/// An explanation case with the person it concerns.
public struct ExplanationRow: Sendable {
    public var explanation: Explanation
    public var fullName: String
    public var unitName: String
    public var unitPath: String
}

/// Explanation cases: opened on a violation, explained once by the person, decided once by a
/// leader. Every step is audited; nothing is ever removed.
public struct ExplanationStore: Sendable {
    let database: Database

    public init(database: Database) { self.database = database }

    static func decode(_ row: any SQLRow) throws -> Explanation {
        guard let verdict = DayVerdict.Status(rawValue: try row.decode(column: "verdict", as: String.self)) else { throw CorruptRow(column: "verdict") }
        guard let status = Explanation.Status(rawValue: try row.decode(column: "status", as: String.self)) else { throw CorruptRow(column: "status") }
        return Explanation(id: try row.decode(column: "id", as: Int64.self), personID: try row.decode(column: "person_id", as: Int64.self),
                           day: try row.requiredDay("day"), verdict: verdict, minutes: try row.decode(column: "minutes", as: Int.self),
                           openedAt: try row.instant("opened_at"), openedBy: try row.optional("opened_by", as: Int64.self),
                           dueAt: try row.instant("due_at"), status: status, text: try row.decode(column: "text", as: String.self),
                           attachmentName: try row.decode(column: "attachment_name", as: String.self), explainedAt: try row.optionalInstant("explained_at"),
                           decidedBy: try row.optional("decided_by", as: Int64.self), decidedAt: try row.optionalInstant("decided_at"),
                           decisionNote: try row.decode(column: "decision_note", as: String.self))
    }

    /// Cases with the person's name and the unit they served in on the case's day.
    func select(_ sql: any SQLDatabase) -> SQLSelectBuilder {
        sql.select().column(SQLRaw("e.*")).column(col("p.full_name")).column(col("u.path")).column(col("u.name"), as: "unit_name")
            .from(SQLAlias(SQLIdentifier("explanations"), as: SQLIdentifier("e")))
            .join(SQLAlias(SQLIdentifier("people"), as: SQLIdentifier("p")), on: SQLRaw("p.id = e.person_id"))
            .join(SQLAlias(SQLIdentifier("assignments"), as: SQLIdentifier("a")),
                  on: PostOnDay.join(person: "e.person_id", day: "e.day"))
            .join(SQLAlias(SQLIdentifier("units"), as: SQLIdentifier("u")), on: SQLRaw("u.id = a.unit_id"))
    }

    static func decodeRow(_ row: any SQLRow) throws -> ExplanationRow {
        ExplanationRow(explanation: try decode(row), fullName: try row.decode(column: "full_name", as: String.self),
                       unitName: try row.decode(column: "unit_name", as: String.self), unitPath: try row.decode(column: "path", as: String.self))
    }

    public func open(_ e: Explanation, by actor: Actor) async throws -> Explanation {
        let kind = database.kind
        return try await database.write { sql in try await Self.insert(e, by: actor, in: sql, kind: kind) }
    }

    /// The same inside a caller's transaction: an inspection's minutes open their violators' cases
    /// together with the minutes.
    public static func insert(_ e: Explanation, by actor: Actor, in sql: any SQLDatabase, kind: DatabaseKind) async throws -> Explanation {
        if try await sql.select().column("id").from("explanations").where("person_id", .equal, e.personID)
            .where("day", .equal, e.day.description).first() != nil {
            throw StoreError.conflict(field: "day", key: "explanation_exists")
        }
        let row = try await sql.insert(into: "explanations")
            .columns("person_id", "day", "verdict", "minutes", "opened_at", "opened_by", "due_at", "status")
            .values(SQLBind(e.personID), SQLBind(e.day.description), SQLBind(e.verdict.rawValue), SQLBind(e.minutes),
                    SQLBind(Instant.format(e.openedAt)), SQLBind(e.openedBy), SQLBind(Instant.format(e.dueAt)), SQLBind(Explanation.Status.open.rawValue))
            .returning("id").first()
        var stored = e
        stored.id = try row!.decode(column: "id", as: Int64.self)
        try await AuditLog.append(.init(action: .create, objectType: "explanation", objectID: String(stored.id),
                                        after: AuditJSON.encode(["person_id": String(e.personID), "day": e.day.description,
                                                                 "verdict": e.verdict.rawValue, "due_at": Instant.format(e.dueAt)])),
                                  by: actor, in: sql, kind: kind)
        try await NotificationStore.raise(
            NotificationDraft(key: NotificationKey(.explanationDue, recordType: "explanation", recordID: stored.id),
                              params: ["subject": e.day.description], link: "/explanations/\(stored.id)"),
            toPeople: [e.personID], at: e.openedAt, in: sql)
        return stored
    }

    public func get(_ id: Int64) async throws -> ExplanationRow? {
        try await database.read { sql in try await select(sql).where(col("e.id"), .equal, SQLBind(id)).first().map(ExplanationStore.decodeRow) }
    }

    /// The stored file name of a case's attachment (inside the data directory).
    public func attachmentFile(_ id: Int64) async throws -> String? {
        try await database.read { sql in
            try await sql.select().column("attachment_file").from("explanations").where("id", .equal, id).first()?
                .decode(column: "attachment_file", as: String.self)
        }
    }

    /// A person's cases, newest day first.
    public func list(personID: Int64) async throws -> [ExplanationRow] {
        try await database.read { sql in
            try await select(sql).where(col("e.person_id"), .equal, SQLBind(personID)).orderBy(col("e.day"), SQLDirection.descending).all().map(ExplanationStore.decodeRow)
        }
    }

    /// Cases of people in the scopes, optionally in some statuses, newest first.
    public func list(scopes: [String], statuses: [Explanation.Status] = [], limit: Int = 200) async throws -> [ExplanationRow] {
        try await database.read { sql in
            var q = select(sql).within(scopes: scopes, column: col("u.path"))
            if !statuses.isEmpty { q = q.where(col("e.status"), .in, SQLBind.group(statuses.map(\.rawValue))) }
            return try await q.orderBy(col("e.day"), SQLDirection.descending).orderBy(col("e.id"), SQLDirection.descending).limit(limit).all().map(ExplanationStore.decodeRow)
        }
    }

    /// The person's explanation, once, while the case is open.
    public func explain(_ id: Int64, text: String, attachment: (name: String, file: String)?, at now: Date = Date(), by actor: Actor) async throws -> Explanation {
        let text = try Explanation.validateText(text)
        let kind = database.kind
        return try await database.write { sql in
            guard let current = try await sql.select().column("*").from("explanations").where("id", .equal, id).first().map(ExplanationStore.decode) else {
                throw StoreError.notFound("explanation")
            }
            guard current.status == .open else { throw StoreError.conflict(field: "status", key: "explanation_not_open") }
            try await sql.update("explanations").set("status", to: Explanation.Status.explained.rawValue).set("text", to: text)
                .set("attachment_name", to: attachment?.name ?? "").set("attachment_file", to: attachment?.file ?? "")
                .set("explained_at", to: Instant.format(now)).where("id", .equal, id).run()
            var updated = current
            updated.status = .explained
            updated.text = text
            updated.attachmentName = attachment?.name ?? ""
            updated.explainedAt = now
            try await AuditLog.append(.init(action: .update, objectType: "explanation", objectID: String(id),
                                            before: "{\"status\":\"open\"}",
                                            after: AuditJSON.encode(["status": "explained", "late": String(updated.explainedLate),
                                                                     "attachment": attachment?.name ?? ""])),
                                      by: actor, in: sql, kind: kind)
            return updated
        }
    }

    /// A leader's decision on an explained case; a rejection needs a reason.
    public func decide(_ id: Int64, accept: Bool, note: String, by actor: Actor) async throws -> Explanation {
        let note = note.tidied
        if !accept && note.count < 3 { throw ValidationErrors([FieldError("note", "reason_required")]) }
        let kind = database.kind
        return try await database.write { sql in
            guard let current = try await sql.select().column("*").from("explanations").where("id", .equal, id).first().map(ExplanationStore.decode) else {
                throw StoreError.notFound("explanation")
            }
            guard current.status == .explained else { throw StoreError.conflict(field: "status", key: "explanation_not_explained") }
            let status: Explanation.Status = accept ? .accepted : .rejected
            let now = Date()
            try await sql.update("explanations").set("status", to: status.rawValue).set("decided_by", to: actor.id)
                .set("decided_at", to: Instant.format(now)).set("decision_note", to: note).where("id", .equal, id).run()
            try await AuditLog.append(.init(action: .update, objectType: "explanation", objectID: String(id),
                                            before: "{\"status\":\"explained\"}", after: "{\"status\":\"\(status.rawValue)\"}", reason: note),
                                      by: actor, in: sql, kind: kind)
            var decided = current
            decided.status = status
            decided.decidedBy = actor.id
            decided.decidedAt = now
            decided.decisionNote = note
            try await NotificationStore.raise(
                NotificationDraft(key: NotificationKey(.explanationDecided, recordType: "explanation", recordID: id),
                                  params: ["subject": current.day.description], link: "/explanations/\(id)"),
                toPeople: [current.personID], at: now, in: sql)
            return decided
        }
    }

    /// The cases of some people on some days, by person and day (for month views and lists).
    public func byDay(personIDs: [Int64], first: Day, last: Day) async throws -> [Int64: [Day: Explanation]] {
        guard !personIDs.isEmpty else { return [:] }
        let rows = try await database.read { sql in
            try await sql.select().column("*").from("explanations").where("person_id", .in, personIDs)
                .where("day", .greaterThanOrEqual, first.description).where("day", .lessThanOrEqual, last.description).all()
                .map(ExplanationStore.decode)
        }
        var out: [Int64: [Day: Explanation]] = [:]
        for e in rows { out[e.personID, default: [:]][e.day] = e }
        return out
    }
}
