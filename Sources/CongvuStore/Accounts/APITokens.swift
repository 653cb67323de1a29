import CongvuDomain
import Foundation
import SQLKit

/// An API token as its owner sees it in the list (never the token itself: only its hash is kept).
public struct APITokenInfo: Sendable, Equatable {
    public var id: Int64
    public var name: String
    public var createdAt: Date
    /// Nil for tokens issued before tokens expired (shown as such, to be replaced).
    public var expiresAt: Date?
    public var lastUsedAt: Date?
    public var revoked: Bool

    public func usable(at now: Date) -> Bool { !revoked && (expiresAt.map { $0 > now } ?? true) }
}

/// Tokens for integrations: issued for a number of days, listed with their last use, revoked one by
/// one by their owner, all at once when the account is disabled or its password replaced.
extension AccountStore {
    /// Lifetimes offered, in days.
    public static let tokenLifetimes = [30, 90, 365]

    /// Issues a token for `days` and returns it; it is shown once and stored only as a hash.
    public func issueAPIToken(userID: Int64, name: String, days: Int = 90, by actor: Actor, now: Date = Date()) async throws -> String {
        guard Self.tokenLifetimes.contains(days) else { throw ValidationErrors([FieldError("days", "invalid")]) }
        let token = "cv_" + Token.random()
        let kind = database.kind
        let expires = now.addingTimeInterval(TimeInterval(days) * 86400)
        try await database.write { sql in
            try await sql.insert(into: "api_tokens").columns("user_id", "name", "token_hash", "created_at", "expires_at")
                .values(SQLBind(userID), SQLBind(name), SQLBind(Token.hash(token)), SQLBind(Instant.format(now)), SQLBind(Instant.format(expires))).run()
            try await AuditLog.append(.init(action: .create, objectType: "api_token", objectID: name,
                                            after: AuditJSON.encode(["user_id": String(userID), "expires_at": Instant.format(expires)])),
                                      by: actor, in: sql, kind: kind)
        }
        return token
    }

    /// Who a token stands for, with their grants, in one query: the token not revoked, not expired,
    /// the account enabled. Kept a few seconds (`admitted`); its last use is noted at most once a
    /// minute (one write per token and minute, not per request).
    public func principal(apiToken: String, now: Date = Date()) async throws -> Principal? {
        let hash = Token.hash(apiToken)
        return try await admitted("t" + hash, now: now) { [database] in
            let moment = Instant.format(now)
            let minuteAgo = Instant.format(now.addingTimeInterval(-60))
            let rows = try await database.read { sql in try await Self.byToken.all(on: sql, hash, moment) }
            guard let row = rows.first else { return nil }
            // A write only when the last use noted is over a minute old: most reads only read.
            if (try row.optional("token_last_used", as: String.self)).map({ $0 < minuteAgo }) ?? true {
                try await database.write { sql in
                    try await sql.update("api_tokens").set("last_used_at", to: SQLBind(moment)).where("token_hash", .equal, SQLBind(hash))
                        .where { $0.where("last_used_at", .is, SQLLiteral.null).orWhere("last_used_at", .lessThan, SQLBind(minuteAgo)) }.run()
                }
            }
            return Admission(principal: try AccountStore.principal(try AccountStore.decode(row), grants: rows), session: nil,
                             until: try row.optionalInstant("token_expires"))
        }?.principal
    }

    /// Every API request's first statement, kept as text (`KeptStatement`): slot 0 the token's hash, 1 now.
    static let byToken = KeptStatement { sql, slot in
        AccountStore.withGrants(sql.select().column(SQLColumn(SQLLiteral.all, table: SQLIdentifier("users")))
            .column(col("api_tokens.last_used_at"), as: "token_last_used").column(col("api_tokens.expires_at"), as: "token_expires").from("users")
            .join("api_tokens", on: SQLRaw("api_tokens.user_id = users.id")))
            .where(col("api_tokens.token_hash"), .equal, slot(0)).where(col("api_tokens.revoked"), .equal, SQLBind(false))
            .where { $0.where(col("api_tokens.expires_at"), .is, SQLLiteral.null).orWhere(col("api_tokens.expires_at"), .greaterThan, slot(1)) }
            .where(col("users.disabled"), .equal, SQLBind(false)).orderBy(col("grants.id")).query
    }

    /// The account's tokens, newest first.
    public func tokens(userID: Int64) async throws -> [APITokenInfo] {
        try await database.read { sql in
            try await sql.select().column("*").from("api_tokens").where("user_id", .equal, userID).orderBy("id", .descending).all().map { r in
                APITokenInfo(id: try r.decode(column: "id", as: Int64.self), name: try r.decode(column: "name", as: String.self),
                             createdAt: try r.instant("created_at"), expiresAt: try r.optionalInstant("expires_at"),
                             lastUsedAt: try r.optionalInstant("last_used_at"), revoked: try r.decode(column: "revoked", as: Bool.self))
            }
        }
    }

    /// Revokes one of the account's tokens (audited); another account's token is not found.
    public func revokeAPIToken(id: Int64, userID: Int64, by actor: Actor) async throws {
        defer { accessChanged() }
        let kind = database.kind
        try await database.write { sql in
            guard let row = try await sql.select().column("name").from("api_tokens").where("id", .equal, id).where("user_id", .equal, userID).first() else {
                throw StoreError.notFound("api_token")
            }
            try await sql.update("api_tokens").set("revoked", to: SQLBind(true)).where("id", .equal, id).run()
            try await AuditLog.append(.init(action: .update, objectType: "api_token", objectID: try row.decode(column: "name", as: String.self),
                                            after: "{\"revoked\":true}"), by: actor, in: sql, kind: kind)
        }
    }

    static func revokeAllTokens(userID: Int64, in sql: any SQLDatabase) async throws {
        try await sql.update("api_tokens").set("revoked", to: SQLBind(true)).where("user_id", .equal, userID).run()
    }
}
