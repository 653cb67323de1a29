import CongvuDomain
import CongvuStore
import CongvuTestSupport
import SQLKit
import Testing

@Suite struct AuditStoreTests {
    @Test(arguments: TestDatabases.kinds)
    func everyChangeIsChainedAndVerifies(kind: DatabaseKind) async throws {
        try await TestDatabases.withFresh(kind) { db, _ in
            let t = try await Tree.make(db)
            try await Tree.person(db, "Đỗ Thị Hạnh", in: t.committeeA)
            let audit = AuditLog(database: db)
            let records = try await audit.recent(limit: 100)
            #expect(records.count == 7) // five units, one person, one post
            #expect(records.last?.prevHash == AuditRecord.genesisHash)
            #expect(try await audit.verify() == .intact(count: 7))
        }
    }

    @Test(arguments: TestDatabases.kinds)
    func theDatabaseRefusesToChangeTheLog(kind: DatabaseKind) async throws {
        try await TestDatabases.withFresh(kind) { db, _ in
            _ = try await Tree.make(db)
            await #expect(throws: (any Error).self) {
                try await db.write { try await $0.raw("UPDATE audit_log SET reason = 'x' WHERE seq = 2").run() }
            }
            await #expect(throws: (any Error).self) {
                try await db.write { try await $0.raw("DELETE FROM audit_log WHERE seq = 2").run() }
            }
            #expect(try await AuditLog(database: db).verify() == .intact(count: 5))
        }
    }

    /// Someone with direct database access removes the guard and edits a record: verify names it.
    @Test(arguments: TestDatabases.kinds)
    func tamperingIsCaughtAtTheFirstBrokenRecord(kind: DatabaseKind) async throws {
        try await TestDatabases.withFresh(kind) { db, _ in
            _ = try await Tree.make(db)
            try await db.write { sql in
                switch kind {
                case .sqlite: try await sql.raw("DROP TRIGGER audit_log_no_update").run()
                case .postgres: try await sql.raw("DROP TRIGGER audit_log_no_change ON audit_log").run()
                }
                try await sql.raw("UPDATE audit_log SET after_json = REPLACE(after_json, 'Đông Hòa', 'Đông Hoà') WHERE seq = 3").run()
            }
            #expect(try await AuditLog(database: db).verify() == .broken(seq: 3, problem: "hash"))
        }
    }

    @Test(arguments: TestDatabases.kinds)
    func concurrentWritersKeepOneChain(kind: DatabaseKind) async throws {
        try await TestDatabases.withFresh(kind) { db, _ in
            let t = try await Tree.make(db)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for i in 0..<24 {
                    group.addTask { try await Tree.person(db, "Người Thử \(i)", in: i % 2 == 0 ? t.committeeA : t.committeeB) }
                }
                try await group.waitForAll()
            }
            #expect(try await AuditLog(database: db).verify() == .intact(count: 5 + 48))
        }
    }
}
