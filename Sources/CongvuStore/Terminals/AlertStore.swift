import CongvuDomain
import CongvuTerminals
import Foundation
import SQLKit

/// An alert about to be raised: `dedupe` makes a resent upload raise it once.
public struct NewTerminalAlert: Sendable, Equatable {
    public var kind: TerminalAlertKind
    public var occurredAt: Date
    public var detail: String
    public var personID: Int64?
    public var dedupe: String

    public init(kind: TerminalAlertKind, occurredAt: Date, detail: String, personID: Int64? = nil, dedupe: String) {
        self.kind = kind
        self.occurredAt = occurredAt
        self.detail = detail
        self.personID = personID
        self.dedupe = dedupe
    }
}

public struct TerminalAlert: Sendable, Equatable {
    public var id: Int64
    public var serial: String
    public var location: String
    public var unitName: String?
    public var kind: TerminalAlertKind
    public var occurredAt: Date
    public var day: Day
    public var detail: String
    public var personID: Int64?
    public var resolvedAt: Date?
    public var resolution: String
}

/// Tamper and health alerts of the fleet: raised by uploads, shown on the office dashboard, the
/// terminal's page and the day view of anyone who punched on that terminal that day; resolved
/// with a note, never deleted.
public struct AlertStore: Sendable {
    let database: Database

    public init(database: Database) { self.database = database }

    static func raise(_ alerts: [NewTerminalAlert], terminalID: Int64, in sql: any SQLDatabase, now: Date) async throws {
        guard !alerts.isEmpty else { return }
        var insert = sql.insert(into: "terminal_alerts").columns("terminal_id", "kind", "occurred_at", "day", "detail", "person_id", "dedupe", "created_at")
        for a in alerts {
            insert = insert.values(SQLBind(terminalID), SQLBind(a.kind.rawValue), SQLBind(Instant.format(a.occurredAt)),
                                   SQLBind(Day(a.occurredAt, in: CivilTime.vietnam).description), SQLBind(String(a.detail.prefix(500))),
                                   SQLBind(a.personID), SQLBind(String(a.dedupe.prefix(200))), SQLBind(Instant.format(now)))
        }
        try await insert.ignoringConflicts(with: "dedupe").run()
        try await notifyTamper(alerts.filter(\.kind.isTamper), terminalID: terminalID, in: sql, now: now)
    }

    /// Tamper alerts reach the terminal's office and the unit's leaders at once, each alert once
    /// (its dedupe is the notification's occasion). A terminal not yet approved has no unit: nobody to tell.
    static func notifyTamper(_ alerts: [NewTerminalAlert], terminalID: Int64, in sql: any SQLDatabase, now: Date) async throws {
        guard !alerts.isEmpty, let t = try await sql.raw("""
            SELECT t.serial, t.location, t.unit_id, u.path FROM terminals t JOIN units u ON u.id = t.unit_id WHERE t.id = \(bind: terminalID)
            """).first() else { return }
        let path = try t.decode(column: "path", as: String.self), serial = try t.decode(column: "serial", as: String.self)
        let location = try t.decode(column: "location", as: String.self)
        var people = try await NotificationStore.nearest([.unitAdmin], over: [path], in: sql)
        people += try await NotificationStore.nearest([.leader], over: [path], in: sql)
        for a in alerts {
            let draft = NotificationDraft(key: NotificationKey(.terminalTamper, recordType: "terminal", recordID: terminalID, occasion: String(a.dedupe.prefix(200))),
                                          unitID: try t.decode(column: "unit_id", as: Int64.self),
                                          params: ["subject": location.isEmpty ? serial : "\(location) (\(serial))"], link: "/terminals/\(serial)#alerts")
            try await NotificationStore.raise(draft, toPeople: people, at: now, in: sql)
        }
    }

    /// Raises what is not raised yet. Those already on record are found by a read first: a
    /// terminal asking every few seconds from a new address, or without its token, would
    /// otherwise take the write lock for each request only to be ignored.
    public func raise(_ alerts: [NewTerminalAlert], terminalID: Int64, now: Date = Date()) async throws {
        guard !alerts.isEmpty else { return }
        let known = try await database.read { sql in
            try await sql.select().column("dedupe").from("terminal_alerts").where("dedupe", .in, SQLBind.group(alerts.map { String($0.dedupe.prefix(200)) }))
                .all().map { try $0.decode(column: "dedupe", as: String.self) }
        }
        let fresh = alerts.filter { !known.contains(String($0.dedupe.prefix(200))) }
        guard !fresh.isEmpty else { return }
        try await database.write { sql in try await AlertStore.raise(fresh, terminalID: terminalID, in: sql, now: now) }
    }

    func select(_ sql: any SQLDatabase) -> SQLSelectBuilder {
        sql.select().column(SQLRaw("a.*")).column(col("t.serial")).column(col("t.location")).column(col("u.name"), as: "unit_name")
            .from(SQLAlias(SQLIdentifier("terminal_alerts"), as: SQLIdentifier("a")))
            .join(SQLAlias(SQLIdentifier("terminals"), as: SQLIdentifier("t")), on: SQLRaw("t.id = a.terminal_id"))
            .join(SQLAlias(SQLIdentifier("units"), as: SQLIdentifier("u")), method: SQLJoinMethod.left, on: SQLRaw("u.id = t.unit_id"))
    }

    static func decode(_ row: any SQLRow) throws -> TerminalAlert {
        guard let kind = TerminalAlertKind(rawValue: try row.decode(column: "kind", as: String.self)) else { throw CorruptRow(column: "kind") }
        return TerminalAlert(id: try row.decode(column: "id", as: Int64.self), serial: try row.decode(column: "serial", as: String.self),
                             location: try row.decode(column: "location", as: String.self),
                             unitName: try row.optional("unit_name", as: String.self), kind: kind, occurredAt: try row.instant("occurred_at"),
                             day: try row.requiredDay("day"), detail: try row.decode(column: "detail", as: String.self),
                             personID: try row.optional("person_id", as: Int64.self),
                             resolvedAt: try row.optionalInstant("resolved_at"),
                             resolution: try row.decode(column: "resolution", as: String.self))
    }

    /// Unresolved alerts of terminals serving units in `scopes`, newest first.
    public func open(scopes: [String], serial: String? = nil, limit: Int = 100) async throws -> [TerminalAlert] {
        try await database.read { sql in
            var q = select(sql).where(col("a.resolved_at"), .is, SQLLiteral.null).within(scopes: scopes, column: col("u.path"))
            if let serial { q = q.where(col("t.serial"), .equal, SQLBind(serial)) }
            return try await q.orderBy(col("a.id"), SQLDirection.descending).limit(limit).all().map(AlertStore.decode)
        }
    }

    /// Every alert of one terminal, newest first.
    public func all(serial: String, limit: Int = 100) async throws -> [TerminalAlert] {
        try await database.read { sql in
            try await select(sql).where(col("t.serial"), .equal, SQLBind(serial)).orderBy(col("a.id"), SQLDirection.descending).limit(limit).all()
                .map(AlertStore.decode)
        }
    }

    /// The alerts that touch a person's day: those of the terminals they punched on that day, and their own.
    public func touching(personID: Int64, day: Day, devices: [String]) async throws -> [TerminalAlert] {
        let serials = devices.compactMap { $0.hasPrefix("terminal:") ? String($0.dropFirst(9)) : nil }
        return try await database.read { sql in
            try await select(sql).where(col("a.day"), .equal, SQLBind(day.description))
                .where { group in
                    var g = group.where(col("a.person_id"), .equal, SQLBind(personID))
                    if !serials.isEmpty { g = g.orWhere(col("t.serial"), .in, SQLBind.group(serials)) }
                    return g
                }
                .orderBy(col("a.occurred_at")).all().map(AlertStore.decode)
        }
    }

    public func get(_ id: Int64) async throws -> (alert: TerminalAlert, unitPath: String?)? {
        try await database.read { sql in
            guard let row = try await select(sql).column(col("u.path")).where(col("a.id"), .equal, SQLBind(id)).first() else { return nil }
            return (try AlertStore.decode(row), try row.optional("path", as: String.self))
        }
    }

    /// Closes an alert with what was found, audited.
    public func resolve(_ id: Int64, by actor: Actor, note: String) async throws {
        let note = note.tidied
        guard !note.isEmpty else { throw ValidationErrors([FieldError("resolution", "required")]) }
        let kind = database.kind
        try await database.write { sql in
            try await sql.update("terminal_alerts").set("resolved_at", to: Instant.now()).set("resolved_by", to: SQLBind(actor.id))
                .set("resolution", to: String(note.prefix(500))).where("id", .equal, id).where("resolved_at", .is, SQLLiteral.null).run()
            try await AuditLog.append(.init(action: .update, objectType: "terminal_alert", objectID: String(id), after: "{\"resolved\":true}",
                                            reason: note), by: actor, in: sql, kind: kind)
        }
    }
}
