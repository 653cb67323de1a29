import CongvuDomain
import SQLKit

public struct UnitStore: Sendable {
    let database: Database

    public init(database: Database) { self.database = database }

    static func decode(_ row: any SQLRow) throws -> OrgUnit {
        OrgUnit(id: try row.decode(column: "id", as: Int64.self),
             parentID: try row.optional("parent_id", as: Int64.self),
             kind: UnitKind(rawValue: try row.decode(column: "kind", as: String.self)) ?? .office,
             code: try row.decode(column: "code", as: String.self),
             name: try row.decode(column: "name", as: String.self),
             validFrom: try row.day("valid_from"),
             validTo: try row.day("valid_to"),
             successorID: try row.optional("successor_id", as: Int64.self),
             path: try row.decode(column: "path", as: String.self))
    }

    public func get(_ id: Int64) async throws -> OrgUnit? {
        try await database.read { sql in
            try await sql.select().column("*").from("units").where("id", .equal, id).first().map(UnitStore.decode)
        }
    }

    public func byCode(_ code: String) async throws -> OrgUnit? {
        try await database.read { sql in
            try await sql.select().column("*").from("units").where("code", .equal, code).first().map(UnitStore.decode)
        }
    }

    /// Every unit within the scopes, in tree order (by path).
    public func list(scopes: [String]) async throws -> [OrgUnit] {
        try await database.read { sql in
            try await sql.select().column("*").from("units").within(scopes: scopes, column: SQLColumn("path"))
                .orderBy("path").all().map(UnitStore.decode)
        }
    }

    public func children(of id: Int64) async throws -> [OrgUnit] {
        try await database.read { sql in
            try await sql.select().column("*").from("units").where("parent_id", .equal, id)
                .orderBy("name").all().map(UnitStore.decode)
        }
    }

    /// Units that were merged into `id` (their successor link points to it).
    public func predecessors(of id: Int64) async throws -> [OrgUnit] {
        try await database.read { sql in
            try await sql.select().column("*").from("units").where("successor_id", .equal, id)
                .orderBy("name").all().map(UnitStore.decode)
        }
    }

    /// The chain of ancestors from the root down to `unit`'s parent.
    public func ancestors(of unit: OrgUnit) async throws -> [OrgUnit] {
        let ids = OrgUnit.ids(inPath: unit.path).filter { $0 != unit.id }
        if ids.isEmpty { return [] }
        return try await database.read { sql in
            try await sql.select().column("*").from("units").where("id", .in, ids).orderBy("path").all().map(UnitStore.decode)
        }
    }

    /// Accent-insensitive search by name or code within the scopes.
    public func search(_ query: String, scopes: [String], limit: Int = 50) async throws -> [OrgUnit] {
        guard let pattern = SearchKey.likePattern(query) else { return try await list(scopes: scopes) }
        let code = query.tidied
        return try await database.read { sql in
            try await sql.select().column("*").from("units").within(scopes: scopes, column: SQLColumn("path"))
                .where { $0.where("search_key", .like, pattern).orWhere("code", .equal, code) }
                .orderBy("path").limit(limit).all().map(UnitStore.decode)
        }
    }

    public func create(_ v: UnitDraft.Valid, by actor: Actor, reason: String = "") async throws -> OrgUnit {
        let kind = database.kind
        return try await database.write { sql in
            try await UnitStore.insert(v, in: sql, kind: kind, by: actor, reason: reason)
        }
    }

    static func insert(_ v: UnitDraft.Valid, in sql: any SQLDatabase, kind: DatabaseKind, by actor: Actor, reason: String) async throws -> OrgUnit {
        var parentPath: String?
        if let parentID = v.parentID {
            guard let p = try await sql.select().column("path").from("units").where("id", .equal, parentID).first() else {
                throw StoreError.notFound("unit")
            }
            parentPath = try p.decode(column: "path", as: String.self)
        }
        if !v.code.isEmpty, try await sql.select().column("id").from("units").where("code", .equal, v.code).first() != nil {
            throw StoreError.conflict(field: "code", key: "code_taken")
        }
        let now = Instant.now()
        let row = try await sql.insert(into: "units")
            .columns("parent_id", "kind", "code", "name", "search_key", "valid_from", "valid_to", "successor_id", "path", "created_at", "updated_at")
            .values(SQLBind(v.parentID), SQLBind(v.kind.rawValue), SQLBind(v.code), SQLBind(v.name), SQLBind(SearchKey.fold(v.name)),
                    SQLBind(v.validFrom?.description), SQLBind(v.validTo?.description), SQLBind(v.successorID), SQLBind(""), SQLBind(now), SQLBind(now))
            .returning("id").first()
        let id = try row!.decode(column: "id", as: Int64.self)
        let path = OrgUnit.path(parentPath: parentPath, id: id)
        try await sql.update("units").set("path", to: path).where("id", .equal, id).run()
        let unit = OrgUnit(id: id, parentID: v.parentID, kind: v.kind, code: v.code, name: v.name,
                        validFrom: v.validFrom, validTo: v.validTo, successorID: v.successorID, path: path)
        try await AuditLog.append(.init(action: .create, objectType: "unit", objectID: String(id), after: AuditJSON.encode(unit), reason: reason),
                                  by: actor, in: sql, kind: kind)
        return unit
    }

    /// Updates a unit. Moving it under another parent rewrites the paths of its whole subtree.
    public func update(_ id: Int64, _ v: UnitDraft.Valid, by actor: Actor, reason: String) async throws -> OrgUnit {
        // A move rewrites the paths that grants reach: who may do what changed.
        defer { database.changes.publish(.access) }
        let kind = database.kind
        return try await database.write { sql in
            guard let old = try await sql.select().column("*").from("units").where("id", .equal, id).first().map(UnitStore.decode) else {
                throw StoreError.notFound("unit")
            }
            var parentPath: String?
            if let parentID = v.parentID {
                guard let p = try await sql.select().column("path").from("units").where("id", .equal, parentID).first() else {
                    throw StoreError.notFound("unit")
                }
                parentPath = try p.decode(column: "path", as: String.self)
                if parentPath!.hasPrefix(old.path) { throw StoreError.conflict(field: "parent_id", key: "unit_parent_cycle") }
            }
            if v.successorID == id { throw StoreError.conflict(field: "successor_id", key: "unit_successor_self") }
            if !v.code.isEmpty, let other = try await sql.select().column("id").from("units").where("code", .equal, v.code).first(),
               try other.decode(column: "id", as: Int64.self) != id {
                throw StoreError.conflict(field: "code", key: "code_taken")
            }
            let path = OrgUnit.path(parentPath: parentPath, id: id)
            try await sql.update("units")
                .set("parent_id", to: v.parentID).set("kind", to: v.kind.rawValue).set("code", to: v.code)
                .set("name", to: v.name).set("search_key", to: SearchKey.fold(v.name))
                .set("valid_from", to: v.validFrom?.description).set("valid_to", to: v.validTo?.description)
                .set("successor_id", to: v.successorID).set("path", to: path).set("updated_at", to: Instant.now())
                .where("id", .equal, id).run()
            if path != old.path {
                let descendants = try await sql.select().column("id").column("path").from("units")
                    .where("path", .like, old.path + "%").where("id", .notEqual, id).all()
                for d in descendants {
                    let dp = try d.decode(column: "path", as: String.self)
                    try await sql.update("units").set("path", to: path + dp.dropFirst(old.path.count))
                        .where("id", .equal, try d.decode(column: "id", as: Int64.self)).run()
                }
            }
            let new = OrgUnit(id: id, parentID: v.parentID, kind: v.kind, code: v.code, name: v.name,
                           validFrom: v.validFrom, validTo: v.validTo, successorID: v.successorID, path: path)
            try await AuditLog.append(.init(action: .update, objectType: "unit", objectID: String(id),
                                            before: AuditJSON.encode(old), after: AuditJSON.encode(new), reason: reason),
                                      by: actor, in: sql, kind: kind)
            return new
        }
    }

    public func count() async throws -> Int {
        try await database.read { sql in
            try await sql.raw("SELECT COUNT(*) AS n FROM units").first()!.decode(column: "n", as: Int.self)
        }
    }
}

/// Errors a store raises for input that is well-formed but does not fit the data.
public enum StoreError: Error, Equatable, Sendable {
    case notFound(String)
    /// `key` names a catalog message for `field`.
    case conflict(field: String, key: String)
}
