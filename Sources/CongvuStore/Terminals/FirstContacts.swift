import CongvuDomain
import Foundation
import SQLKit

/// A first contact refused, as the office's fleet page lists it.
public struct RefusedContacts: Sendable, Equatable {
    public var address: String
    public var lastSerial: String
    public var refused: Int
    public var lastAt: Date
}

/// Anyone on the network can make up serial numbers, and each new one used to become a pending
/// terminal: new serials are admitted a few per address and hour, up to a ceiling of pending
/// terminals; the rest are refused and counted per address for the office to see.
extension TerminalStore {
    public struct FirstContactLimits: Sendable {
        public var perAddressPerHour: Int
        public var pendingCeiling: Int
        public init(perAddressPerHour: Int = 10, pendingCeiling: Int = 200) {
            self.perAddressPerHour = perAddressPerHour
            self.pendingCeiling = pendingCeiling
        }
    }

    /// Whether a request from `serial` may go on: a known serial always; a new one while the limits
    /// allow (it then becomes pending through `contact`). A refusal is counted.
    public func admit(serial: String, address: String, limits: FirstContactLimits, now: Date = Date()) async throws -> Bool {
        if try await get(serial: serial) != nil { return true }
        let hourAgo = Instant.format(now.addingTimeInterval(-3600))
        let pending = Terminal.Status.pending.rawValue
        let (fromHere, total) = try await database.read { sql in
            let a = try await sql.select().column(SQLRaw("COUNT(*)"), as: "n").from("terminals").where("status", .equal, SQLBind(pending))
                .where("last_address", .equal, SQLBind(address)).where("first_seen_at", .greaterThan, SQLBind(hourAgo)).first()!
                .decode(column: "n", as: Int.self)
            let b = try await sql.select().column(SQLRaw("COUNT(*)"), as: "n").from("terminals").where("status", .equal, SQLBind(pending)).first()!
                .decode(column: "n", as: Int.self)
            return (a, b)
        }
        guard fromHere >= limits.perAddressPerHour || total >= limits.pendingCeiling else { return true }
        let at = Instant.format(now)
        try await database.write { sql in
            try await sql.insert(into: "terminal_refusals").columns("address", "last_serial", "refused", "first_at", "last_at")
                .values(SQLBind(address), SQLBind(serial), SQLBind(0), SQLBind(at), SQLBind(at)).ignoringConflicts(with: "address").run()
            try await sql.update("terminal_refusals").set("last_serial", to: SQLBind(serial)).set("last_at", to: SQLBind(at))
                .set(SQLIdentifier("refused"), to: SQLRaw("refused + 1")).where("address", .equal, SQLBind(address)).run()
        }
        return false
    }

    /// Addresses whose first contacts were refused since `since`, the latest first.
    public func refusedContacts(since: Date) async throws -> [RefusedContacts] {
        try await database.read { sql in
            try await sql.select().column("*").from("terminal_refusals").where("last_at", .greaterThan, SQLBind(Instant.format(since)))
                .orderBy("last_at", .descending).limit(50).all().map { r in
                    RefusedContacts(address: try r.decode(column: "address", as: String.self), lastSerial: try r.decode(column: "last_serial", as: String.self),
                                    refused: try r.decode(column: "refused", as: Int.self), lastAt: try r.instant("last_at"))
                }
        }
    }
}
