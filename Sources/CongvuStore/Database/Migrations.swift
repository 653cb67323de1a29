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
        let done = Set(try await applied(db))
        var ran: [Int] = []
        for m in migrations where !done.contains(m.version) {
            let kind = db.kind
            do {
                try await db.write { sql in
                    for statement in m.statements(kind) {
                        try await sql.raw(SQLQueryString(Schema.expand(statement, kind))).run()
                    }
                    try await sql.insert(into: "schema_migrations")
                        .columns("version", "name", "applied_at")
                        .values(SQLBind(m.version), SQLBind(m.name), SQLBind(Instant.now()))
                        .run()
                }
            } catch {
                throw MigrationError(version: m.version, name: m.name, underlying: String(reflecting: error))
            }
            ran.append(m.version)
        }
        if !ran.isEmpty { try await db.schemaChanged() }
        return ran
    }

    private func ensureTable(_ db: Database) async throws {
        try await db.write { sql in
            try await sql.raw("""
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)
                """).run()
        }
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
