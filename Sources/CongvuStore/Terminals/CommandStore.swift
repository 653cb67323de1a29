import CongvuDomain
import CongvuTerminals
import Foundation
import SQLKit

/// A command waiting for, on its way to, or back from a terminal.
public struct TerminalCommand: Sendable, Equatable {
    public enum Kind: String, CaseIterable, Sendable {
        case userUpdate = "user_update", userDelete = "user_delete", queryLog = "query_log", countLog = "count_log"
        case reboot, message, info
        /// Destructive: queued only once a second administrator approves.
        case clearLog = "clear_log"

        public var destructive: Bool { self == .clearLog }
    }

    public enum State: String, CaseIterable, Sendable {
        case awaitingApproval = "awaiting_approval", queued, sent, done, expired
    }

    public var id: Int64
    public var serial: String
    public var kind: Kind
    public var command: String
    /// What the office reads (a person's name, a day), besides the raw command.
    public var label: String
    public var state: State
    public var createdBy: Int64?
    public var createdAt: Date
    public var approvedBy: Int64?
    public var sentAt: Date?
    public var doneAt: Date?
    public var returnCode: Int?
    public var result: String
    public var expiresAt: Date

    /// Done with a code other than 0.
    public var failed: Bool { state == .done && (returnCode ?? 0) != 0 }
}

public struct NewTerminalCommand: Sendable, Equatable {
    public var kind: TerminalCommand.Kind
    public var command: String
    public var label: String

    public init(kind: TerminalCommand.Kind, command: String, label: String = "") {
        self.kind = kind
        self.command = command
        self.label = label
    }
}

/// The queue of commands per terminal. A command is *sent* when it leaves in a poll's reply and
/// *done* only when its id comes back in `devicecmd`; what is not done within a day expires.
public struct CommandStore: Sendable {
    let database: Database

    public init(database: Database) { self.database = database }

    static func decode(_ row: any SQLRow) throws -> TerminalCommand {
        guard let kind = TerminalCommand.Kind(rawValue: try row.decode(column: "kind", as: String.self)),
              let state = TerminalCommand.State(rawValue: try row.decode(column: "state", as: String.self)) else { throw CorruptRow(column: "kind") }
        return TerminalCommand(id: try row.decode(column: "id", as: Int64.self), serial: try row.decode(column: "serial", as: String.self), kind: kind,
                               command: try row.decode(column: "command", as: String.self), label: try row.decode(column: "label", as: String.self),
                               state: state, createdBy: try row.optional("created_by", as: Int64.self), createdAt: try row.instant("created_at"),
                               approvedBy: try row.optional("approved_by", as: Int64.self), sentAt: try row.optionalInstant("sent_at"),
                               doneAt: try row.optionalInstant("done_at"), returnCode: try row.optional("return_code", as: Int.self),
                               result: try row.decode(column: "result", as: String.self), expiresAt: try row.instant("expires_at"))
    }

    func select(_ sql: any SQLDatabase) -> SQLSelectBuilder {
        sql.select().column(SQLRaw("c.*")).column(col("t.serial"))
            .from(SQLAlias(SQLIdentifier("terminal_commands"), as: SQLIdentifier("c")))
            .join(SQLAlias(SQLIdentifier("terminals"), as: SQLIdentifier("t")), on: SQLRaw("t.id = c.terminal_id"))
    }

    /// Queues commands for a terminal, audited as one action. Destructive ones wait for a second
    /// administrator's approval.
    @discardableResult
    public func enqueue(_ commands: [NewTerminalCommand], terminalID: Int64, by actor: Actor, now: Date = Date()) async throws -> [Int64] {
        guard !commands.isEmpty else { return [] }
        let kind = database.kind
        return try await database.write { sql in
            var ids: [Int64] = []
            for c in commands {
                let state: TerminalCommand.State = c.kind.destructive ? .awaitingApproval : .queued
                let row = try await sql.insert(into: "terminal_commands")
                    .columns("terminal_id", "kind", "command", "label", "state", "created_by", "created_at", "expires_at")
                    .values(SQLBind(terminalID), SQLBind(c.kind.rawValue), SQLBind(c.command), SQLBind(String(c.label.prefix(200))),
                            SQLBind(state.rawValue), SQLBind(actor.id), SQLBind(Instant.format(now)),
                            SQLBind(Instant.format(now.addingTimeInterval(FleetRules.commandLifetime))))
                    .returning("id").first()
                ids.append(try row!.decode(column: "id", as: Int64.self))
            }
            let kinds = Dictionary(grouping: commands, by: \.kind.rawValue).mapValues { String($0.count) }
            try await AuditLog.append(.init(action: .create, objectType: "terminal_command", objectID: String(terminalID), after: AuditJSON.encode(kinds)),
                                      by: actor, in: sql, kind: kind)
            return ids
        }
    }

    /// A second administrator releases a destructive command; its author cannot.
    public func approve(_ id: Int64, by actor: Actor, now: Date = Date()) async throws {
        let kind = database.kind
        try await database.write { sql in
            guard let row = try await select(sql).where(col("c.id"), .equal, SQLBind(id)).first() else { throw StoreError.notFound("command") }
            let command = try CommandStore.decode(row)
            guard command.state == .awaitingApproval else { throw ValidationErrors([FieldError("command", "not_awaiting_approval")]) }
            guard let approver = actor.id, approver != command.createdBy else { throw ValidationErrors([FieldError("command", "second_admin_required")]) }
            try await sql.update("terminal_commands").set("state", to: TerminalCommand.State.queued.rawValue).set("approved_by", to: approver)
                .set("expires_at", to: Instant.format(now.addingTimeInterval(FleetRules.commandLifetime))).where("id", .equal, id).run()
            try await AuditLog.append(.init(action: .update, objectType: "terminal_command", objectID: String(id),
                                            before: "{\"state\":\"awaiting_approval\"}", after: "{\"state\":\"queued\"}"),
                                      by: actor, in: sql, kind: kind)
        }
    }

    /// Commands not done in time become expired (run nightly, and before a poll takes commands).
    @discardableResult
    public func expire(terminalID: Int64? = nil, now: Date = Date()) async throws -> Int {
        try await database.write { sql in try await CommandStore.expire(terminalID: terminalID, now: now, in: sql) }
    }

    static func expire(terminalID: Int64?, now: Date, in sql: any SQLDatabase) async throws -> Int {
        var stale = sql.select().column("id").from("terminal_commands").where("expires_at", .lessThan, Instant.format(now))
            .where("state", .in, [TerminalCommand.State.queued.rawValue, TerminalCommand.State.sent.rawValue,
                                  TerminalCommand.State.awaitingApproval.rawValue])
        if let terminalID { stale = stale.where("terminal_id", .equal, terminalID) }
        let ids = try await stale.all().map { try $0.decode(column: "id", as: Int64.self) }
        guard !ids.isEmpty else { return 0 }
        try await sql.update("terminal_commands").set("state", to: TerminalCommand.State.expired.rawValue).where("id", .in, ids).run()
        return ids.count
    }

    /// The next commands for a poll's reply, marked sent. A poll with nothing due (the usual
    /// case, every few seconds per terminal) only reads.
    public func take(terminalID: Int64, limit: Int = 50, now: Date = Date()) async throws -> [TerminalCommand] {
        let at = Instant.format(now)
        let anyDue = try await database.read { sql in
            try await sql.select().column("id").from("terminal_commands").where("terminal_id", .equal, terminalID)
                .where("state", .equal, TerminalCommand.State.queued.rawValue).limit(1).first() != nil
        }
        guard anyDue else { return [] }
        return try await database.write { sql in
            _ = try await CommandStore.expire(terminalID: terminalID, now: now, in: sql)
            let due = try await select(sql).where(col("c.terminal_id"), .equal, SQLBind(terminalID))
                .where(col("c.state"), .equal, SQLBind(TerminalCommand.State.queued.rawValue)).orderBy(col("c.id")).limit(limit).all()
                .map(CommandStore.decode)
            guard !due.isEmpty else { return [] }
            try await sql.update("terminal_commands").set("state", to: TerminalCommand.State.sent.rawValue).set("sent_at", to: at)
                .where("id", .in, due.map(\.id)).run()
            return due
        }
    }

    /// Results from `devicecmd`: each id of this terminal that was sent becomes done with its code.
    /// Returns the commands completed now (a resent result completes nothing twice).
    public func complete(_ results: [CommandResult], terminalID: Int64, now: Date = Date()) async throws -> [TerminalCommand] {
        let ids = results.compactMap { Int64($0.id) }
        guard !ids.isEmpty else { return [] }
        return try await database.write { sql in
            let open = try await select(sql).where(col("c.terminal_id"), .equal, SQLBind(terminalID)).where(col("c.id"), .in, SQLBind.group(ids))
                .where(col("c.state"), .in, SQLBind.group([TerminalCommand.State.sent.rawValue, TerminalCommand.State.queued.rawValue,
                                                           TerminalCommand.State.expired.rawValue]))
                .all().map(CommandStore.decode)
            var done: [TerminalCommand] = []
            for var command in open {
                guard let r = results.last(where: { $0.id == String(command.id) }) else { continue }
                let detail = (r.fields.filter { !["ID", "Return", "CMD"].contains($0.key) } .merging(r.info) { a, _ in a })
                    .sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "\n")
                try await sql.update("terminal_commands").set("state", to: TerminalCommand.State.done.rawValue).set("done_at", to: Instant.format(now))
                    .set("return_code", to: r.returnCode).set("result", to: String(detail.prefix(4000))).where("id", .equal, command.id).run()
                command.state = .done
                command.returnCode = r.returnCode
                command.result = detail
                command.doneAt = now
                done.append(command)
                // What the terminal now holds: a PIN it confirmed taking, or giving up.
                if r.returnCode == 0, let pin = PushText.fields(Substring(command.command.split(separator: " ", maxSplits: 3).last ?? ""))["PIN"] {
                    if command.kind == .userUpdate {
                        try await TerminalStore.enrol([pin], terminalID: terminalID, source: .command, in: sql, now: now)
                    } else if command.kind == .userDelete {
                        try await sql.delete(from: "terminal_enrolments").where("terminal_id", .equal, terminalID).where("pin", .equal, pin).run()
                    }
                }
            }
            return done
        }
    }

    public func list(terminalID: Int64, limit: Int = 100) async throws -> [TerminalCommand] {
        try await database.read { sql in
            try await select(sql).where(col("c.terminal_id"), .equal, SQLBind(terminalID)).orderBy(col("c.id"), SQLDirection.descending).limit(limit)
                .all().map(CommandStore.decode)
        }
    }

    /// Whether a command of this kind and label was already queued for the terminal (nightly jobs run once).
    public func exists(kind: TerminalCommand.Kind, label: String, terminalID: Int64) async throws -> Bool {
        try await database.read { sql in
            try await sql.select().column("id").from("terminal_commands").where("terminal_id", .equal, terminalID)
                .where("kind", .equal, kind.rawValue).where("label", .equal, label).first() != nil
        }
    }

    public func get(_ id: Int64) async throws -> TerminalCommand? {
        try await database.read { sql in try await select(sql).where(col("c.id"), .equal, SQLBind(id)).first().map(CommandStore.decode) }
    }

    /// Per terminal id: commands still to do (awaiting, queued or sent), and those that failed in the last week.
    public func counts(terminalID: Int64? = nil, now: Date = Date()) async throws -> [Int64: (pending: Int, failed: Int)] {
        let since = Instant.format(now.addingTimeInterval(-7 * 86400))
        return try await database.read { sql in
            var out: [Int64: (pending: Int, failed: Int)] = [:]
            let only: SQLQueryString = terminalID.map { "WHERE terminal_id = \(bind: $0)" } ?? ""
            let rows = try await sql.raw("""
                SELECT terminal_id,
                  SUM(CASE WHEN state IN ('awaiting_approval','queued','sent') THEN 1 ELSE 0 END) AS pending,
                  SUM(CASE WHEN state = 'done' AND return_code <> 0 AND done_at >= \(bind: since) THEN 1 ELSE 0 END) AS failed
                FROM terminal_commands \(only) GROUP BY terminal_id
                """).all()
            for row in rows {
                out[try row.decode(column: "terminal_id", as: Int64.self)] = (try row.decode(column: "pending", as: Int.self),
                                                                               try row.decode(column: "failed", as: Int.self))
            }
            return out
        }
    }
}
