import Foundation
import SQLKit

/// One schema step. Statements are plain SQL; `{ID}` stands for the dialect's auto-numbered key.
public struct Migration: Sendable {
    public let version: Int
    public let name: String
    public let statements: @Sendable (DatabaseKind) -> [String]

    public init(version: Int, name: String, statements: @escaping @Sendable (DatabaseKind) -> [String]) {
        self.version = version
        self.name = name
        self.statements = statements
    }

    public init(version: Int, name: String, sql: [String]) {
        self.init(version: version, name: name) { _ in sql }
    }
}

/// Applies migrations in order, each in its own transaction with its row in `schema_migrations`:
/// a migration that fails leaves the database exactly as it was before it.
public struct Migrator: Sendable {
    public let migrations: [Migration]

    public init(_ migrations: [Migration] = Schema.all) {
        self.migrations = migrations.sorted { $0.version < $1.version }
    }

    public func applied(_ db: Database) async throws -> [Int] {
        try await ensureTable(db)
        return try await db.read { sql in
            try await sql.raw("SELECT version FROM schema_migrations ORDER BY version").all()
                .map { try $0.decode(column: "version", as: Int.self) }
        }
    }

    /// Applies what is pending and returns the versions it applied.
    @discardableResult
    public func migrate(_ db: Database) async throws -> [Int] {
        let applied = try await applied(db)
        // A node older than the database would misread what newer steps changed.
        if let newest = applied.max(), let known = migrations.last?.version, newest > known {
            throw SchemaTooNew(database: newest, binary: known)
        }
        let done = Set(applied)
        var ran: [Int] = []
        for m in migrations where !done.contains(m.version) {
            let kind = db.kind
            do {
                let didRun = try await db.write { sql -> Bool in
                    // Nodes starting together: one applies the step, the others wait and find it done.
                    try await Self.lock(sql, kind)
                    if try await sql.raw("SELECT version FROM schema_migrations WHERE version = \(bind: m.version)").first() != nil { return false }
                    for statement in m.statements(kind) {
                        try await sql.raw(SQLQueryString(Schema.expand(statement, kind))).run()
                    }
                    try await sql.insert(into: "schema_migrations")
                        .columns("version", "name", "applied_at")
                        .values(SQLBind(m.version), SQLBind(m.name), SQLBind(Instant.now()))
                        .run()
                    return true
                }
                if didRun { ran.append(m.version) }
            } catch {
                throw MigrationError(version: m.version, name: m.name, underlying: String(reflecting: error))
            }
        }
        if !ran.isEmpty { try await db.schemaChanged() }
        return ran
    }

    /// PostgreSQL's transaction-scoped advisory lock of the schema's steps (SQLite's writer is one already).
    static func lock(_ sql: any SQLDatabase, _ kind: DatabaseKind) async throws {
        if kind == .postgres { try await sql.raw("SELECT pg_advisory_xact_lock(7240043)").run() }
    }

    private func ensureTable(_ db: Database) async throws {
        let kind = db.kind
        try await db.write { sql in
            try await Self.lock(sql, kind)
            try await sql.raw("""
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)
                """).run()
        }
    }
}

public struct SchemaTooNew: Error, CustomStringConvertible {
    public let database: Int
    public let binary: Int
    public var description: String {
        "the database is at schema step \(database), newer than this build's \(binary): run the newer release on this node too"
    }
}

public struct MigrationError: Error, CustomStringConvertible {
    public let version: Int
    public let name: String
    public let underlying: String
    public var description: String { "migration \(version) (\(name)) failed and was rolled back: \(underlying)" }
}

import CongvuDomain

extension Instant {
    static func now() -> String { format(Date()) }
}
