import CongvuDomain
import Foundation
import SQLKit

/// Failed sign-ins told to the account's owner: how many, from where, since when.
public struct SignInAlert: Sendable, Equatable {
    public var id: Int64
    public var failures: Int
    /// Up to five distinct addresses (or "a known device"), as seen.
    public var sources: [String]
    public var firstAt: Date
    public var lastAt: Date
}

/// What `SignInThrottle` decides on: failed sign-ins by account and by source (an address, or a
/// known device of that account), the devices an account signed in from, and the alerts its owner sees.
extension AccountStore {
    /// A source of failures: a known device of the account is counted apart from its address, so
    /// that others failing at the same address (a shared proxy, an office's NAT) cannot delay it.
    public static func source(address: String, knownDevice: String?) -> String {
        knownDevice.map { "device:" + String(Token.hash($0).prefix(16)) } ?? address
    }

    /// Records a failure; when the account exists, its owner's open alert counts it.
    public func recordFailure(username: String, source: String, userID: Int64?, now: Date = Date()) async throws {
        let name = AccountStore.normalise(username)
        try await database.write { sql in
            try await sql.insert(into: "login_failures").columns("username", "address", "at")
                .values(SQLBind(name), SQLBind(source), SQLBind(Instant.format(now))).run()
            guard let userID else { return }
            let shown = source.hasPrefix("device:") ? "device" : source
            if let open = try await sql.select().column("id").column("failures").column("sources").from("sign_in_alerts")
                .where("user_id", .equal, userID).where("seen_at", .is, SQLLiteral.null).first() {
                var sources = try open.decode(column: "sources", as: String.self).split(separator: "\n").map(String.init)
                if !sources.contains(shown) && sources.count < 5 { sources.append(shown) }
                try await sql.update("sign_in_alerts")
                    .set("failures", to: SQLBind(try open.decode(column: "failures", as: Int.self) + 1))
                    .set("sources", to: SQLBind(sources.joined(separator: "\n"))).set("last_at", to: SQLBind(Instant.format(now)))
                    .where("id", .equal, try open.decode(column: "id", as: Int64.self)).run()
            } else {
                try await sql.insert(into: "sign_in_alerts").columns("user_id", "failures", "sources", "first_at", "last_at")
                    .values(SQLBind(userID), SQLBind(1), SQLBind(shown), SQLBind(Instant.format(now)), SQLBind(Instant.format(now))).run()
            }
        }
    }

    /// Failures within `window` before `now`: of the source on the account, of the source, of the account.
    public func recentFailures(username: String, source: String, window: TimeInterval, now: Date = Date()) async throws -> SignInThrottle.Failures {
        let since = Instant.format(now.addingTimeInterval(-window))
        let name = AccountStore.normalise(username)
        return try await database.read { sql in
            func count(_ build: (SQLSelectBuilder) -> SQLSelectBuilder) async throws -> (Int, Date?) {
                let row = try await build(sql.select().column(SQLRaw("COUNT(*)"), as: "n").column(SQLRaw("MAX(at)"), as: "last")
                    .from("login_failures").where("at", .greaterThan, SQLBind(since))).first()!
                return (try row.decode(column: "n", as: Int.self), try row.optionalInstant("last"))
            }
            let pair = try await count { $0.where("username", .equal, SQLBind(name)).where("address", .equal, SQLBind(source)) }
            let address = try await count { $0.where("address", .equal, SQLBind(source)) }
            let account = try await count { $0.where("username", .equal, SQLBind(name)) }
            return SignInThrottle.Failures(pair: pair.0, lastPair: pair.1, address: address.0, account: account.0)
        }
    }

    /// After the right password: this source's failures are forgiven (others' stay counted).
    public func clearFailures(username: String, source: String) async throws {
        let name = AccountStore.normalise(username)
        try await database.write { sql in
            try await sql.delete(from: "login_failures").where("username", .equal, SQLBind(name)).where("address", .equal, SQLBind(source)).run()
        }
    }

    /// Whether the browser's device token belongs to the account (and notes its use).
    public func isKnownDevice(userID: Int64, token: String?, now: Date = Date()) async throws -> Bool {
        guard let token, !token.isEmpty else { return false }
        return try await database.write { sql in
            guard try await sql.select().column("id").from("known_devices").where("user_id", .equal, userID)
                .where("token_hash", .equal, SQLBind(Token.hash(token))).first() != nil else { return false }
            try await sql.update("known_devices").set("last_used_at", to: SQLBind(Instant.format(now)))
                .where("token_hash", .equal, SQLBind(Token.hash(token))).run()
            return true
        }
    }

    /// A new device token for the account (the browser keeps it; only its hash is stored).
    public func rememberDevice(userID: Int64, now: Date = Date()) async throws -> String {
        let token = Token.random()
        try await database.write { sql in
            try await sql.insert(into: "known_devices").columns("user_id", "token_hash", "created_at", "last_used_at")
                .values(SQLBind(userID), SQLBind(Token.hash(token)), SQLBind(Instant.format(now)), SQLBind(Instant.format(now))).run()
        }
        return token
    }

    /// The owner's alert not yet seen, once failures are worth telling (`atLeast`).
    public func openSignInAlert(userID: Int64, atLeast: Int) async throws -> SignInAlert? {
        try await database.read { sql in
            guard let r = try await sql.select().column("*").from("sign_in_alerts").where("user_id", .equal, userID)
                .where("seen_at", .is, SQLLiteral.null).where("failures", .greaterThanOrEqual, SQLBind(atLeast)).first() else { return nil }
            return SignInAlert(id: try r.decode(column: "id", as: Int64.self), failures: try r.decode(column: "failures", as: Int.self),
                               sources: try r.decode(column: "sources", as: String.self).split(separator: "\n").map(String.init),
                               firstAt: try r.instant("first_at"), lastAt: try r.instant("last_at"))
        }
    }

    public func markSignInAlertsSeen(userID: Int64, now: Date = Date()) async throws {
        try await database.write { sql in
            try await sql.update("sign_in_alerts").set("seen_at", to: SQLBind(Instant.format(now)))
                .where("user_id", .equal, userID).where("seen_at", .is, SQLLiteral.null).run()
        }
    }
}
