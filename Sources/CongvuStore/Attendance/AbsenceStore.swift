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
                       task: try row.decode(column: "task", as: String.self),
                       from: try row.instant("starts_at"),
                       to: try row.instant("ends_at"),
                       filedAt: try row.instant("filed_at"),
                       status: AbsenceRequest.Status(rawValue: try row.decode(column: "status", as: String.self)) ?? .pending,
                       decidedBy: try row.optional("decided_by", as: Int64.self),
                       decisionNote: try row.decode(column: "decision_note", as: String.self))
    }

    public func file(_ r: AbsenceRequest, by actor: Actor) async throws -> AbsenceRequest {
        let kind = database.kind
        return try await database.write { sql in
            let row = try await sql.insert(into: "absence_requests")
                .columns("person_id", "kind", "place", "purpose", "task", "starts_at", "ends_at", "filed_at", "status")
                .values(SQLBind(r.personID), SQLBind(r.kind.rawValue), SQLBind(r.place), SQLBind(r.purpose), SQLBind(r.task),
                        SQLBind(Instant.format(r.from)), SQLBind(Instant.format(r.to)), SQLBind(Instant.format(r.filedAt)),
                        SQLBind(AbsenceRequest.Status.pending.rawValue))
                .returning("id").first()
            var stored = r
            stored.id = try row!.decode(column: "id", as: Int64.self)
            stored.status = .pending
            try await AuditLog.append(.init(action: .create, objectType: "absence", objectID: String(stored.id),
                                            after: "{\"person_id\":\(r.personID),\"kind\":\"\(r.kind.rawValue)\",\"late\":\(r.filedLate)}"),
                                      by: actor, in: sql, kind: kind)
            try await Self.notifyDeciders(stored, in: sql)
            return stored
        }
    }

    /// Those who decide a request hear of it now, not when they next open the home page.
    static func notifyDeciders(_ r: AbsenceRequest, in sql: any SQLDatabase) async throws {
        let name = try await sql.select().column("full_name").from("people").where("id", .equal, r.personID).first()?
            .decode(column: "full_name", as: String.self) ?? ""
        let deciders = try await NotificationStore.deciders(ofPerson: r.personID, on: Day(r.filedAt, in: CivilTime.vietnam), in: sql)
        try await NotificationStore.raise(
            NotificationDraft(key: NotificationKey(.noticeToDecide, recordType: "absence", recordID: r.id),
                              params: ["subject": "\(name), \(Instant.display(r.from)) – \(Instant.display(r.to))"], link: "/absences"),
            toPeople: deciders, at: r.filedAt, in: sql)
    }

    /// Approves or rejects a pending request; a decided request cannot be decided again.
    public func decide(_ id: Int64, approve: Bool, note: String, by actor: Actor) async throws -> AbsenceRequest {
        let kind = database.kind
        let decided = try await database.write { sql in
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
        if approve {
            try await VerdictStore(database: database).refresh(personIDs: [decided.personID], days: decided.days, cause: "absence")
        }
        return decided
    }

    public func get(_ id: Int64) async throws -> AbsenceRow? {
        try await database.read { sql in try await select(sql).where(col("r.id"), .equal, SQLBind(id)).first().map(AbsenceStore.decodeRow) }
    }

    /// Requests of people in the scopes, optionally in some statuses, newest first.
    public func list(scopes: [String], statuses: [AbsenceRequest.Status] = [], limit: Int = 200) async throws -> [AbsenceRow] {
        try await database.read { sql in
            var q = select(sql).within(scopes: scopes, column: col("u.path"))
            if !statuses.isEmpty { q = q.where(col("r.status"), .in, SQLBind.group(statuses.map(\.rawValue))) }
            return try await q.orderBy(col("r.starts_at"), SQLDirection.descending).orderBy(col("r.id"), SQLDirection.descending).limit(limit).all().map(AbsenceStore.decodeRow)
        }
    }

    /// A person's requests, newest first.
    public func list(personID: Int64, limit: Int = 100) async throws -> [AbsenceRow] {
        try await database.read { sql in
            try await select(sql).where(col("r.person_id"), .equal, SQLBind(personID)).orderBy(col("r.starts_at"), SQLDirection.descending).limit(limit).all()
                .map(AbsenceStore.decodeRow)
        }
    }

    /// Requests with the person and the unit they served in when the request began.
    func select(_ sql: any SQLDatabase) -> SQLSelectBuilder {
        let startDay = PostOnDay.vietnamDay(of: "r.starts_at", database.kind)
        return sql.select().column(SQLRaw("r.*")).column(col("p.full_name")).column(col("u.path")).column(col("a.title")).column(col("u.name"), as: "unit_name")
            .from(SQLAlias(SQLIdentifier("absence_requests"), as: SQLIdentifier("r")))
            .join(SQLAlias(SQLIdentifier("people"), as: SQLIdentifier("p")), on: SQLRaw("p.id = r.person_id"))
            .join(SQLAlias(SQLIdentifier("assignments"), as: SQLIdentifier("a")),
                  on: PostOnDay.join(person: "r.person_id", day: startDay))
            .join(SQLAlias(SQLIdentifier("units"), as: SQLIdentifier("u")), on: SQLRaw("u.id = a.unit_id"))
    }

    static func decodeRow(_ row: any SQLRow) throws -> AbsenceRow {
        AbsenceRow(request: try decode(row), fullName: try row.decode(column: "full_name", as: String.self),
                   title: try row.decode(column: "title", as: String.self),
                   unitName: try row.decode(column: "unit_name", as: String.self), unitPath: try row.decode(column: "path", as: String.self))
    }

    /// The units where the person holds a leader grant through their account: their own requests
    /// go to a leader above all of these.
    public func leaderPaths(personID: Int64) async throws -> [String] {
        try await database.read { sql in
            try await sql.select().column(col("u.path")).from(SQLAlias(SQLIdentifier("grants"), as: SQLIdentifier("g")))
                .join(SQLAlias(SQLIdentifier("users"), as: SQLIdentifier("s")), on: SQLRaw("s.id = g.user_id"))
                .join(SQLAlias(SQLIdentifier("units"), as: SQLIdentifier("u")), on: SQLRaw("u.id = g.unit_id"))
                .where(col("s.person_id"), .equal, SQLBind(personID)).where(col("g.role"), .equal, SQLBind(Role.leader.rawValue)).all()
                .map { try $0.decode(column: "path", as: String.self) }
        }
    }

    /// Everyone's approved requests overlapping [from, to), by person (the board shows where and why).
    public func approved(personIDs: [Int64], from: Date, to: Date) async throws -> [Int64: [AbsenceRequest]] {
        guard !personIDs.isEmpty else { return [:] }
        let rows = try await database.read { sql in
            try await sql.select().column("*").from("absence_requests").where("person_id", .in, personIDs)
                .where("status", .equal, AbsenceRequest.Status.approved.rawValue)
                .where("starts_at", .lessThan, Instant.format(to)).where("ends_at", .greaterThan, Instant.format(from)).all()
                .map(AbsenceStore.decode)
        }
        return Dictionary(grouping: rows, by: \.personID)
    }

    /// A person's requests overlapping [from, to), newest first.
    public func requests(personID: Int64, from: Date, to: Date) async throws -> [AbsenceRequest] {
        try await database.read { sql in
            try await sql.select().column("*").from("absence_requests").where("person_id", .equal, personID)
                .where("starts_at", .lessThan, Instant.format(to)).where("ends_at", .greaterThan, Instant.format(from))
                .orderBy("starts_at", SQLDirection.descending).all().map(AbsenceStore.decode)
        }
    }

    /// Everyone's excuses overlapping [from, to), by person: approved requests, and a leader's
    /// published schedule entries away from the office (issue 22), which count as a notice would.
    public func excuses(personIDs: [Int64], from: Date, to: Date) async throws -> [Int64: [Excuse]] {
        var out = try await approved(personIDs: personIDs, from: from, to: to).mapValues { $0.compactMap(\.excuse) }
        for (person, away) in try await ScheduleStore(database: database).excuses(personIDs: personIDs, from: from, to: to) {
            out[person, default: []] += away
        }
        return out
    }

    /// One person's excuses overlapping [from, to) for the verdict engine (the kiosk's answer).
    public func excuses(personID: Int64, from: Date, to: Date) async throws -> [Excuse] {
        try await excuses(personIDs: [personID], from: from, to: to)[personID] ?? []
    }
}

/// A request with the person it concerns and the unit they served in.
public struct AbsenceRow: Sendable {
    public var request: AbsenceRequest
    public var fullName: String
    public var title: String
    public var unitName: String
    public var unitPath: String
}
