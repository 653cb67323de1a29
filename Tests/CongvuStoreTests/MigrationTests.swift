import CongvuDomain
import CongvuStore
import CongvuTestSupport
import SQLKit
import Testing

@Suite struct MigrationTests {
    @Test(arguments: TestDatabases.kinds)
    func appliesEveryMigrationOnceAndRecordsIt(kind: DatabaseKind) async throws {
        try await TestDatabases.withFresh(kind, migrate: false) { db, _ in
            let migrator = Migrator()
            let first = try await migrator.migrate(db)
            #expect(first == Schema.all.map(\.version))
            #expect(try await migrator.applied(db) == Schema.all.map(\.version))
            #expect(try await migrator.migrate(db).isEmpty)
        }
    }

    @Test(arguments: TestDatabases.kinds)
    func aFailingMigrationLeavesTheDatabaseAsItWas(kind: DatabaseKind) async throws {
        try await TestDatabases.withFresh(kind) { db, _ in
            let broken = Migration(version: 999, name: "broken", sql: [
                "CREATE TABLE half_done (id BIGINT PRIMARY KEY)",
                "INSERT INTO half_done (id) VALUES (1)",
                "THIS IS NOT SQL",
            ])
            await #expect(throws: MigrationError.self) { try await Migrator(Schema.all + [broken]).migrate(db) }
            let applied = try await Migrator().applied(db)
            #expect(!applied.contains(999))
            // The table created by the first statement was rolled back with the rest.
            await #expect(throws: (any Error).self) {
                try await db.read { try await $0.raw("SELECT id FROM half_done").all() }
            }
        }
    }
}

@Suite struct BackupTests {
    @Test func aBackupIsAConsistentCopyThatOpens() async throws {
        try await TestDatabases.withFresh(.sqlite) { db, dir in
            _ = try await Tree.make(db)
            let copy = dir + "/backup.sqlite"
            try await db.backup(to: copy)
            await #expect(throws: BackupTargetExists.self) { try await db.backup(to: copy) }
            let restored = try await Database.open(.sqlite(path: copy), logger: TestDatabases.logger)
            let count = try await UnitStore(database: restored).count()
            let verdict = try await AuditLog(database: restored).verify()
            await restored.shutdown()
            #expect(count == 5)
            #expect(verdict == .intact(count: 5))
        }
    }
}
