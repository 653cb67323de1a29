import CongvuDomain
import CongvuStore
import CongvuTestSupport
import Foundation
import SQLKit
import Testing

@Suite struct MigrationTests {
    /// Steps live with their features; the one list keeps them numbered 1, 2, 3… with distinct names.
    @Test func stepsAreNumberedInOrder() {
        #expect(Schema.all.map(\.version) == Array(1...Schema.all.count))
        #expect(Set(Schema.all.map(\.name)).count == Schema.all.count)
    }

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

/// Upgrading a database that already holds terminals and their punches (step 19): approved
/// terminals are pinned to the address they last called from, and every PIN that has punched on a
/// terminal is taken as enrolled there, so nothing that counted before is held after the upgrade.
@Suite struct DeviceTrustUpgradeTests {
    @Test(arguments: TestDatabases.kinds)
    func anUpgradeKeepsWhatCountedBefore(kind: DatabaseKind) async throws {
        try await TestDatabases.withFresh(kind, migrate: false) { db, _ in
            _ = try await Migrator(Schema.all.filter { $0.version < 19 }).migrate(db)
            let tree = try await Tree.make(db)
            let personID = try await Tree.person(db, "Hà Văn Sáu", in: tree.committeeA).id
            let now = Instant.format(Date())
            try await db.write { sql in
                try await sql.raw("UPDATE people SET terminal_pin = '1201' WHERE id = \(bind: personID)").run()
                for (serial, status, address) in [("ZK1", "approved", "10.0.5.17"), ("ZK2", "pending", "10.0.5.99")] {
                    try await sql.raw("""
                        INSERT INTO terminals (serial, vendor, family, status, unit_id, first_seen_at, last_seen_at, last_address)
                        VALUES (\(bind: serial), 'zkteco', '2.x', \(bind: status), \(bind: tree.committeeA.id), \(bind: now), \(bind: now), \(bind: address))
                        """).run()
                }
                for (personID, pin, key) in [(Optional(personID), "", "k1"), (Optional(personID), "", "k2"), (nil, "7777", "k3")] {
                    try await sql.raw("""
                        INSERT INTO punches (person_id, terminal_pin, at, received_at, source, method, device, idempotency_key)
                        VALUES (\(bind: personID), \(bind: pin), \(bind: now), \(bind: now), 'terminal', 'fingerprint', 'terminal:ZK1', \(bind: key))
                        """).run()
                }
            }
            #expect(try await Migrator().migrate(db) == [19])
            // Every reader sees the new columns at once, including those that read before the step.
            for _ in 0..<2 * ProcessInfo.processInfo.activeProcessorCount + 2 { _ = try await TerminalStore(database: db).list() }
            let terminals = TerminalStore(database: db)
            let zk1 = try #require(try await terminals.get(serial: "ZK1"))
            #expect(zk1.pinnedAddress == "10.0.5.17" && zk1.admits(address: "10.0.5.17") && !zk1.admits(address: "10.0.5.18"))
            #expect(try await terminals.get(serial: "ZK2")?.pinnedAddress == "")
            #expect(try await terminals.enrolled(["1201", "7777", "5555"], terminalID: zk1.id) == ["1201", "7777"])
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
