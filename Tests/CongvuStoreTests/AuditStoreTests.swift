import CongvuDomain
import CongvuStore
import CongvuTestSupport
import Crypto
import Foundation
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

/// Whoever can reach the database can drop the append-only triggers: the chain then shows a record
/// changed or removed in the middle, and the keyed checkpoints show its tail deleted or the whole
/// chain recomputed after a change.
@Suite struct AuditCheckpointTests {
    let secrets = SecretBox(key: .init(size: .bits256))

    /// Ten records, a checkpoint at the head, then the triggers dropped (what an intruder does first).
    func tampered(_ db: Database, _ dir: String) async throws -> (AuditLog, AuditCheckpoints) {
        _ = try await Tree.make(db)
        let audit = AuditLog(database: db)
        for i in 0..<5 { try await audit.record(.init(action: .update, objectType: "test", objectID: "\(i)", after: "{\"n\":\(i)}"), by: .system) }
        let checkpoints = AuditCheckpoints(dataDirectory: dir, secrets: secrets)
        let written = try #require(try await checkpoints.write(audit))
        #expect(written.seq == 10)
        #expect(try await checkpoints.write(audit) == nil)  // nothing new: nothing written
        #expect(try await audit.verify(against: checkpoints) == .intact(count: 10))
        let drops = db.kind == .sqlite
            ? ["DROP TRIGGER audit_log_no_update", "DROP TRIGGER audit_log_no_delete"]
            : ["DROP TRIGGER audit_log_no_change ON audit_log"]
        try await db.write { sql in for d in drops { try await sql.raw(SQLQueryString(d)).run() } }
        return (audit, checkpoints)
    }

    @Test(arguments: TestDatabases.kinds)
    func deletedLastRecordsAreNamed(kind: DatabaseKind) async throws {
        try await TestDatabases.withFresh(kind) { db, dir in
            let (audit, checkpoints) = try await tampered(db, dir)
            try await db.write { try await $0.raw("DELETE FROM audit_log WHERE seq >= 9").run() }
            // The chain alone still holds: that is why the checkpoint is kept elsewhere.
            #expect(try await audit.verify() == .intact(count: 8))
            #expect(try await audit.verify(against: checkpoints) == .broken(seq: 9, problem: "truncated"))
        }
    }

    @Test(arguments: TestDatabases.kinds)
    func aRemovedMiddleRecordIsNamed(kind: DatabaseKind) async throws {
        try await TestDatabases.withFresh(kind) { db, dir in
            let (audit, checkpoints) = try await tampered(db, dir)
            try await db.write { try await $0.raw("DELETE FROM audit_log WHERE seq = 4").run() }
            #expect(try await audit.verify(against: checkpoints) == .broken(seq: 4, problem: "missing"))
        }
    }

    @Test(arguments: TestDatabases.kinds)
    func aRechainedCopyIsNamed(kind: DatabaseKind) async throws {
        try await TestDatabases.withFresh(kind) { db, dir in
            let (audit, checkpoints) = try await tampered(db, dir)
            // Record 7 changed, and every hash from there recomputed so that the chain holds again.
            var records = try await audit.recent(limit: 100).reversed().map { $0 }
            records[6].reason = "sửa lén"
            for i in 6..<records.count {
                records[i].prevHash = records[i - 1].hash
                records[i].hash = AuditLog.sha256(records[i].canonical)
                let r = records[i]
                try await db.write { sql in
                    try await sql.update("audit_log").set("reason", to: SQLBind(r.reason)).set("prev_hash", to: SQLBind(r.prevHash))
                        .set("hash", to: SQLBind(r.hash)).where("seq", .equal, SQLBind(r.seq)).run()
                }
            }
            #expect(try await audit.verify() == .intact(count: 10))
            #expect(try await audit.verify(against: checkpoints) == .broken(seq: 10, problem: "rechained"))
        }
    }

    /// Each column of a record, changed in place: the chain names the record.
    @Test(arguments: TestDatabases.kinds)
    func aChangeToAnyColumnIsNamed(kind: DatabaseKind) async throws {
        try await TestDatabases.withFresh(kind) { db, dir in
            let (audit, _) = try await tampered(db, dir)
            let changes: [(String, String)] = [
                ("at", "at = '2020-01-01T00:00:00.000Z'"), ("actor_id", "actor_id = 99"), ("actor_name", "actor_name = 'khác'"),
                ("action", "action = 'delete'"), ("object_type", "object_type = 'khác'"), ("object_id", "object_id = '99'"),
                ("before_json", "before_json = '{}'"), ("after_json", "after_json = '{\"n\":99}'"), ("reason", "reason = 'khác'"),
                ("prev_hash", "prev_hash = '00'"), ("hash", "hash = '00'"),
            ]
            for (column, change) in changes {
                let before = try await audit.recent(limit: 100).first { $0.seq == 7 }!
                try await db.write { try await $0.raw(SQLQueryString("UPDATE audit_log SET " + change + " WHERE seq = 7")).run() }
                let verdict = try await audit.verify()
                #expect(verdict == .broken(seq: 7, problem: column == "prev_hash" ? "link" : "hash"), "\(column)")
                // Put back, for the next column.
                try await db.write { sql in
                    try await sql.update("audit_log").set("at", to: SQLBind(before.at)).set("actor_id", to: SQLBind(before.actorID))
                        .set("actor_name", to: SQLBind(before.actorName)).set("action", to: SQLBind(before.action.rawValue))
                        .set("object_type", to: SQLBind(before.objectType)).set("object_id", to: SQLBind(before.objectID))
                        .set("before_json", to: SQLBind(before.before)).set("after_json", to: SQLBind(before.after))
                        .set("reason", to: SQLBind(before.reason)).set("prev_hash", to: SQLBind(before.prevHash)).set("hash", to: SQLBind(before.hash))
                        .where("seq", .equal, SQLBind(Int64(7))).run()
                }
                #expect(try await audit.verify() == .intact(count: 10), "\(column) put back")
            }
            // A sequence number moved: the chain names the gap.
            try await db.write { try await $0.raw("UPDATE audit_log SET seq = 70 WHERE seq = 7").run() }
            #expect(try await audit.verify() == .broken(seq: 7, problem: "missing"))
        }
    }

    @Test func aForgedCheckpointIsNamed() async throws {
        try await TestDatabases.withFresh(.sqlite) { db, dir in
            let (audit, checkpoints) = try await tampered(db, dir)
            var text = try String(contentsOfFile: checkpoints.path, encoding: .utf8)
            text += "12\t" + String(repeating: "ab", count: 32) + "\t2026-12-04T00:00:00.000Z\t" + String(repeating: "0", count: 64) + "\n"
            try text.write(toFile: checkpoints.path, atomically: true, encoding: .utf8)
            #expect(try await audit.verify(against: checkpoints) == .broken(seq: 12, problem: "checkpoint_forged"))
            // Another key does not make its checkpoints hold either.
            let stranger = AuditCheckpoints(dataDirectory: dir, secrets: SecretBox(key: .init(size: .bits256)))
            #expect(try await audit.verify(against: stranger) == .broken(seq: 10, problem: "checkpoint_forged"))
        }
    }
}
