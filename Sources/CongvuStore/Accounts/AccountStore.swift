import CongvuDomain
import Foundation
import SQLKit

public struct Account: Sendable, Equatable {
    public var id: Int64
    public var username: String
    public var displayName: String
    public var passwordHash: String
    public var personID: Int64?
    public var totpEnabled: Bool
    public var disabled: Bool
}

public struct Session: Sendable, Equatable {
    public var id: String
    public var userID: Int64
    public var csrfToken: String
    public var secondFactorPending: Bool
    public var expiresAt: Date
}

/// Accounts, their grants, server-side sessions, API tokens and failed sign-ins.
public struct AccountStore: Sendable {
    let database: Database
    let secrets: SecretBox
    public static let sessionLifetime: TimeInterval = 12 * 3600

    public init(database: Database, secrets: SecretBox) {
        self.database = database
        self.secrets = secrets
    }

    static func decode(_ row: any SQLRow) throws -> Account {
        Account(id: try row.decode(column: "id", as: Int64.self),
                username: try row.decode(column: "username", as: String.self),
                displayName: try row.decode(column: "display_name", as: String.self),
                passwordHash: try row.decode(column: "password_hash", as: String.self),
                personID: try row.optional("person_id", as: Int64.self),
                totpEnabled: try row.decode(column: "totp_enabled", as: Bool.self),
                disabled: try row.decode(column: "disabled", as: Bool.self))
    }

    public static func normalise(_ username: String) -> String {
        username.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
    }

    public func byUsername(_ username: String) async throws -> Account? {
        let name = AccountStore.normalise(username)
        return try await database.read { sql in
            try await sql.select().column("*").from("users").where("username", .equal, name).first().map(AccountStore.decode)
        }
    }

    /// The person's account that is not disabled (the first made, should there be several).
    public func byPerson(_ personID: Int64) async throws -> Account? {
        try await database.read { sql in
            try await sql.select().column("*").from("users").where("person_id", .equal, personID).where("disabled", .equal, false)
                .orderBy("id").first().map(AccountStore.decode)
        }
    }

    public func get(_ id: Int64) async throws -> Account? {
        try await database.read { sql in
            try await sql.select().column("*").from("users").where("id", .equal, id).first().map(AccountStore.decode)
        }
    }

    /// Creates an account with its grants. `passwordHash` is a bcrypt hash made by the caller.
    public func create(username: String, displayName: String, passwordHash: String, personID: Int64?,
                       grants: [(Role, Int64)], by actor: Actor) async throws -> Account {
        let name = AccountStore.normalise(username)
        guard !name.isEmpty, name.count <= 64, name.allSatisfy({ $0.isLetter || $0.isNumber || "._-@".contains($0) }) else {
            throw StoreError.conflict(field: "username", key: "username_invalid")
        }
        let kind = database.kind
        return try await database.write { sql in
            if try await sql.select().column("id").from("users").where("username", .equal, name).first() != nil {
                throw StoreError.conflict(field: "username", key: "username_taken")
            }
            let now = Instant.now()
            let row = try await sql.insert(into: "users")
                .columns("username", "display_name", "password_hash", "person_id", "created_at", "password_changed_at")
                .values(SQLBind(name), SQLBind(displayName), SQLBind(passwordHash), SQLBind(personID), SQLBind(now), SQLBind(now))
                .returning("id").first()
            let id = try row!.decode(column: "id", as: Int64.self)
            for (role, unitID) in grants {
                try await sql.insert(into: "grants").columns("user_id", "role", "unit_id")
                    .values(SQLBind(id), SQLBind(role.rawValue), SQLBind(unitID)).run()
            }
            let after = "{\"username\":\"\(name)\",\"grants\":[\(grants.map { "\"\($0.0.rawValue)@\($0.1)\"" }.joined(separator: ","))]}"
            try await AuditLog.append(.init(action: .create, objectType: "user", objectID: String(id), after: after), by: actor, in: sql, kind: kind)
            return Account(id: id, username: name, displayName: displayName, passwordHash: passwordHash,
                           personID: personID, totpEnabled: false, disabled: false)
        }
    }

    /// Replaces the password, ends every session of the account and revokes its API tokens.
    public func setPassword(userID: Int64, passwordHash: String, by actor: Actor, reason: String) async throws {
        defer { accessChanged() }
        let kind = database.kind
        try await database.write { sql in
            try await sql.update("users").set("password_hash", to: passwordHash).set("password_changed_at", to: Instant.now())
                .where("id", .equal, userID).run()
            try await sql.delete(from: "sessions").where("user_id", .equal, userID).run()
            try await Self.revokeAllTokens(userID: userID, in: sql)
            try await AuditLog.append(.init(action: .update, objectType: "user", objectID: String(userID),
                                            after: "{\"password\":\"changed\"}", reason: reason), by: actor, in: sql, kind: kind)
        }
    }

    /// Links an account to the person it stands for (an inspector who signs minutes, a leader who
    /// gives tasks); the display name follows the person's.
    public func setPerson(userID: Int64, person: Person, by actor: Actor, reason: String) async throws {
        defer { accessChanged() }
        let kind = database.kind
        try await database.write { sql in
            try await sql.update("users").set("person_id", to: person.id).set("display_name", to: person.fullName).where("id", .equal, userID).run()
            try await AuditLog.append(.init(action: .update, objectType: "user", objectID: String(userID),
                                            after: AuditJSON.encode(["person_id": String(person.id)]), reason: reason), by: actor, in: sql, kind: kind)
        }
    }

    /// Disables or re-enables an account; disabling ends its sessions and revokes its API tokens.
    public func setDisabled(userID: Int64, _ disabled: Bool, by actor: Actor, reason: String) async throws {
        defer { accessChanged() }
        let kind = database.kind
        try await database.write { sql in
            try await sql.update("users").set("disabled", to: disabled).where("id", .equal, userID).run()
            if disabled {
                try await sql.delete(from: "sessions").where("user_id", .equal, userID).run()
                try await Self.revokeAllTokens(userID: userID, in: sql)
            }
            try await AuditLog.append(.init(action: .update, objectType: "user", objectID: String(userID),
                                            after: "{\"disabled\":\(disabled)}", reason: reason), by: actor, in: sql, kind: kind)
        }
    }

    /// The principal an account acts as: its grants with the paths of their units.
    public func principal(for account: Account) async throws -> Principal {
        let rows = try await database.read { sql in
            try await Self.withGrants(sql.select().from("users")).where(col("users.id"), .equal, SQLBind(account.id)).orderBy(col("grants.id")).all()
        }
        return try Self.principal(account, grants: rows)
    }

    /// A query on `users` with each of the account's grants and its unit's path (one row per grant;
    /// one row with none when it has none): `grants(_:)` reads them. Sessions, tokens and accounts
    /// all find their principal this way.
    static func withGrants(_ query: SQLSelectBuilder) -> SQLSelectBuilder {
        query.column(col("grants.role"), as: "grant_role").column(col("grants.unit_id"), as: "grant_unit_id").column(col("units.path"), as: "grant_path")
            .join("grants", method: SQLJoinMethod.left, on: SQLRaw("grants.user_id = users.id"))
            .join("units", method: SQLJoinMethod.left, on: SQLRaw("units.id = grants.unit_id"))
    }

    /// The grants of rows read through `withGrants` (none for the one row of an account without grants).
    static func grants(_ rows: [any SQLRow]) throws -> [Grant] {
        try rows.compactMap { row -> Grant? in
            guard let raw = try row.optional("grant_role", as: String.self), let role = Role(rawValue: raw),
                  let unit = try row.optional("grant_unit_id", as: Int64.self), let path = try row.optional("grant_path", as: String.self) else { return nil }
            return Grant(role: role, unitID: unit, unitPath: path)
        }
    }

    static func principal(_ account: Account, grants rows: [any SQLRow]) throws -> Principal {
        Principal(userID: account.id, username: account.username, displayName: account.displayName,
                  personID: account.personID, grants: try grants(rows))
    }

    // MARK: Two-factor

    public func totpSecret(userID: Int64) async throws -> String? {
        let sealed = try await database.read { sql in
            try await sql.select().column("totp_secret").from("users").where("id", .equal, userID).first()?
                .decode(column: "totp_secret", as: String.self)
        }
        guard let sealed, !sealed.isEmpty else { return nil }
        return try secrets.open(sealed)
    }

    /// Stores a new seed (encrypted) and switches two-factor on or leaves it pending confirmation.
    public func setTOTP(userID: Int64, secret: String?, enabled: Bool, by actor: Actor) async throws {
        let sealed = try secret.map { try secrets.seal($0) } ?? ""
        let kind = database.kind
        try await database.write { sql in
            try await sql.update("users").set("totp_secret", to: sealed).set("totp_enabled", to: enabled)
                .where("id", .equal, userID).run()
            try await AuditLog.append(.init(action: .update, objectType: "user", objectID: String(userID),
                                            after: "{\"totp_enabled\":\(enabled)}"), by: actor, in: sql, kind: kind)
        }
    }

    // MARK: Sessions

    /// Starts a session and returns the cookie token; only its hash is stored.
    public func startSession(userID: Int64, secondFactorPending: Bool, address: String) async throws -> (token: String, session: Session) {
        let token = Token.random()
        let now = Date()
        let session = Session(id: Token.hash(token), userID: userID, csrfToken: Token.random(bytes: 24),
                              secondFactorPending: secondFactorPending, expiresAt: now.addingTimeInterval(AccountStore.sessionLifetime))
        try await database.write { sql in
            try await sql.insert(into: "sessions")
                .columns("id", "user_id", "csrf_token", "second_factor_pending", "address", "created_at", "expires_at")
                .values(SQLBind(session.id), SQLBind(userID), SQLBind(session.csrfToken), SQLBind(secondFactorPending),
                        SQLBind(address), SQLBind(Instant.format(now)), SQLBind(Instant.format(session.expiresAt)))
                .run()
            // Expired sessions are swept as new ones start.
            try await sql.delete(from: "sessions").where("expires_at", .lessThan, Instant.format(now)).run()
        }
        return (token, session)
    }

    /// Every page's first statement, kept as text (`KeptStatement`): slot 0 the session's id, 1 now.
    static let bySession = KeptStatement { sql, slot in
        withGrants(sql.select()
            .column(SQLRaw("sessions.user_id, sessions.csrf_token, sessions.second_factor_pending, sessions.expires_at"))
            .column(SQLRaw("users.username, users.display_name, users.person_id, users.disabled"))
            .from("sessions")
            .join("users", on: SQLRaw("users.id = sessions.user_id")))
            .where(col("sessions.id"), .equal, slot(0)).where(col("sessions.expires_at"), .greaterThan, slot(1))
            .orderBy(col("grants.id")).query
    }

    /// The live session for a cookie token with its account's principal, in one query kept a few
    /// seconds (`admitted`): this runs on every page. Nil for an unknown or expired session, or a
    /// disabled account.
    public func signedIn(token: String, now: Date = Date()) async throws -> (Session, Principal)? {
        let id = Token.hash(token)
        guard let admission = try await admitted("s" + id, now: now, read: { [database] in
            let rows = try await database.read { sql in try await Self.bySession.all(on: sql, id, Instant.format(now)) }
            guard let first = rows.first, !(try first.decode(column: "disabled", as: Bool.self)) else { return nil }
            let userID = try first.decode(column: "user_id", as: Int64.self)
            let session = Session(id: id, userID: userID, csrfToken: try first.decode(column: "csrf_token", as: String.self),
                                  secondFactorPending: try first.decode(column: "second_factor_pending", as: Bool.self),
                                  expiresAt: try first.instant("expires_at"))
            let principal = Principal(userID: userID, username: try first.decode(column: "username", as: String.self),
                                      displayName: try first.decode(column: "display_name", as: String.self),
                                      personID: try first.optional("person_id", as: Int64.self), grants: try Self.grants(rows))
            return Admission(principal: principal, session: session, until: session.expiresAt)
        }), let session = admission.session else { return nil }
        return (session, admission.principal)
    }

    public func completeSecondFactor(sessionID: String) async throws {
        defer { accessChanged() }
        try await database.write { sql in
            try await sql.update("sessions").set("second_factor_pending", to: false).where("id", .equal, sessionID).run()
        }
    }

    public func endSession(id: String) async throws {
        defer { accessChanged() }
        try await database.write { sql in
            try await sql.delete(from: "sessions").where("id", .equal, id).run()
        }
    }

    public func list(scopes: [String]) async throws -> [(Account, [Grant])] {
        let rows = try await database.read { sql in
            try await sql.select().column(SQLColumn(SQLLiteral.all, table: SQLIdentifier("users")))
                .column(SQLRaw("grants.role AS g_role, grants.unit_id AS g_unit, units.path AS g_path"))
                .from("users").join("grants", on: SQLRaw("grants.user_id = users.id"))
                .join("units", on: SQLRaw("units.id = grants.unit_id"))
                .within(scopes: scopes, column: col("units.path")).orderBy(col("users.username")).all()
        }
        var out: [(Account, [Grant])] = []
        for row in rows {
            let account = try AccountStore.decode(row)
            guard let role = Role(rawValue: try row.decode(column: "g_role", as: String.self)) else { continue }
            let grant = Grant(role: role, unitID: try row.decode(column: "g_unit", as: Int64.self), unitPath: try row.decode(column: "g_path", as: String.self))
            if let last = out.last, last.0.id == account.id { out[out.count - 1].1.append(grant) } else { out.append((account, [grant])) }
        }
        return out
    }
}
