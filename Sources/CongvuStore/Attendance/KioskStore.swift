import CongvuDomain
import Foundation
import SQLKit

/// A device at an entrance, unlocked by a unit's office, that records punches for the unit's
/// people. It holds a random token (only its hash is stored); revoking it locks the device out.
public struct Kiosk: Sendable, Equatable {
    public var id: Int64
    public var unitID: Int64
    public var unitName: String
    public var unitPath: String
    public var name: String
    public var createdAt: Date
    public var lastSeenAt: Date?
    public var revoked: Bool
    /// The key it signs queued punches with, sealed; handed to the kiosk's page once.
    public var signingKeySealed: String
    public var keyDelivered: Bool
}

public struct KioskStore: Sendable {
    let database: Database

    public init(database: Database) { self.database = database }

    static func decode(_ row: any SQLRow) throws -> Kiosk {
        Kiosk(id: try row.decode(column: "id", as: Int64.self), unitID: try row.decode(column: "unit_id", as: Int64.self),
              unitName: try row.decode(column: "unit_name", as: String.self), unitPath: try row.decode(column: "path", as: String.self),
              name: try row.decode(column: "name", as: String.self), createdAt: try row.instant("created_at"),
              lastSeenAt: try row.optionalInstant("last_seen_at"),
              revoked: try row.optional("revoked_at", as: String.self) != nil,
              signingKeySealed: try row.decode(column: "signing_key_sealed", as: String.self),
              keyDelivered: try row.optional("key_delivered_at", as: String.self) != nil)
    }

    func select(_ sql: any SQLDatabase) -> SQLSelectBuilder {
        sql.select().columns(col("k.id"), col("k.unit_id"), col("k.name"), col("k.created_at"), col("k.last_seen_at"), col("k.revoked_at"), col("u.path"),
                              col("k.signing_key_sealed"), col("k.key_delivered_at"))
            .column(col("u.name"), as: "unit_name")
            .from(SQLAlias(SQLIdentifier("kiosks"), as: SQLIdentifier("k")))
            .join(SQLAlias(SQLIdentifier("units"), as: SQLIdentifier("u")), on: SQLRaw("u.id = k.unit_id"))
    }

    /// Registers a kiosk and returns it with the token the device keeps.
    /// A new kiosk: its bearer token (returned once, kept only as a hash) and the key it will sign
    /// queued punches with (sealed by the caller, handed to its page once).
    public func register(unitID: Int64, name: String, signingKeySealed: String, by actor: Actor) async throws -> (kiosk: Kiosk, token: String) {
        let name = name.tidied
        if name.isEmpty { throw ValidationErrors([FieldError("name", "required")]) }
        if name.count > 80 { throw ValidationErrors([FieldError("name", "too_long")]) }
        let token = Token.random(bytes: 32)
        let kind = database.kind
        let kiosk = try await database.write { sql in
            let row = try await sql.insert(into: "kiosks").columns("unit_id", "name", "token_hash", "signing_key_sealed", "created_by", "created_at")
                .values(SQLBind(unitID), SQLBind(name), SQLBind(Token.hash(token)), SQLBind(signingKeySealed), SQLBind(actor.id), SQLBind(Instant.now()))
                .returning("id").first()
            let id = try row!.decode(column: "id", as: Int64.self)
            try await AuditLog.append(.init(action: .create, objectType: "kiosk", objectID: String(id),
                                            after: AuditJSON.encode(["unit_id": String(unitID), "name": name])), by: actor, in: sql, kind: kind)
            return try await select(sql).where(col("k.id"), .equal, SQLBind(id)).first().map(KioskStore.decode)!
        }
        return (kiosk, token)
    }

    /// The kiosk holding this token, unless revoked; notes when it was last seen (at most once a minute).
    public func authenticate(_ token: String, now: Date = Date()) async throws -> Kiosk? {
        guard !token.isEmpty else { return nil }
        let hash = Token.hash(token)
        guard let kiosk = try await database.read({ sql in
            try await select(sql).where(col("k.token_hash"), .equal, SQLBind(hash)).where(col("k.revoked_at"), .is, SQLLiteral.null).first().map(KioskStore.decode)
        }) else { return nil }
        if kiosk.lastSeenAt.map({ now.timeIntervalSince($0) > 60 }) ?? true {
            try await database.write { sql in
                try await sql.update("kiosks").set("last_seen_at", to: Instant.format(now)).where("id", .equal, kiosk.id).run()
            }
        }
        return kiosk
    }

    /// Notes that the kiosk's page has taken its signing key: it is never shown again.
    public func keyDelivered(_ id: Int64, now: Date = Date()) async throws -> Bool {
        try await database.write { sql in
            try await sql.update("kiosks").set("key_delivered_at", to: Instant.format(now)).where("id", .equal, id)
                .where("key_delivered_at", .is, SQLLiteral.null).run()
            return try await sql.select().column("key_delivered_at").from("kiosks").where("id", .equal, id).first()?
                .optional("key_delivered_at", as: String.self) == Instant.format(now)
        }
    }

    public func list(scopes: [String]) async throws -> [Kiosk] {
        try await database.read { sql in
            try await select(sql).within(scopes: scopes, column: col("u.path")).orderBy(col("k.id")).all().map(KioskStore.decode)
        }
    }

    public func get(_ id: Int64) async throws -> Kiosk? {
        try await database.read { sql in try await select(sql).where(col("k.id"), .equal, SQLBind(id)).first().map(KioskStore.decode) }
    }

    public func revoke(_ id: Int64, by actor: Actor, reason: String) async throws {
        guard reason.tidied.count >= 3 else { throw ValidationErrors([FieldError("reason", "reason_required")]) }
        let kind = database.kind
        try await database.write { sql in
            try await sql.update("kiosks").set("revoked_at", to: Instant.now()).where("id", .equal, id).run()
            try await AuditLog.append(.init(action: .delete, objectType: "kiosk", objectID: String(id), reason: reason.tidied), by: actor, in: sql, kind: kind)
        }
    }
}
