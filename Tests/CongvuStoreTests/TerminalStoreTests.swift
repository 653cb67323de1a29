import CongvuDomain
import CongvuStore
import CongvuTestSupport
import Foundation
import SQLKit
import Testing

@Suite struct TerminalStoreTests {
    /// A terminal retrying its first contact on several connections at once is one pending terminal.
    @Test(arguments: TestDatabases.kinds)
    func concurrentFirstContactsMakeOneTerminal(kind: DatabaseKind) async throws {
        try await TestDatabases.withFresh(kind) { db, _ in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<8 {
                    group.addTask { _ = try await TerminalStore(database: db).contact(serial: "CKJ1", vendor: "zkteco", family: "2.x", address: "10.0.0.9") }
                }
                try await group.waitForAll()
            }
            let all = try await TerminalStore(database: db).list()
            #expect(all.map(\.serial) == ["CKJ1"])
            #expect(all.first?.status == .pending)
        }
    }

    /// The journal refuses edits at the database, and an edit made around the guard is found.
    @Test(arguments: TestDatabases.kinds)
    func theJournalIsAppendOnlyAndChained(kind: DatabaseKind) async throws {
        try await TestDatabases.withFresh(kind) { db, _ in
            let store = TerminalStore(database: db)
            for i in 0..<3 {
                try await store.journal(JournalEntry(serial: "T1", receivedAt: Instant.format(Date()), method: "POST", path: "/iclock/cdata",
                                                     query: "SN=T1&table=ATTLOG", headers: "content-type: text/plain",
                                                     body: Data("1001\t2026-03-03 07:2\(i):00\t0\t1".utf8) + Data([0, 0xFF]),
                                                     replyStatus: 200, reply: "OK:1"))
            }
            #expect(try await store.verifyJournal() == nil)
            #expect(try await store.journalEntries(serial: "T1").first?.body.last == 0xFF)  // the bytes as sent
            await #expect(throws: (any Error).self) {
                try await db.write { try await $0.raw("UPDATE terminal_journal SET reply = 'OK:9' WHERE seq = 2").run() }
            }
            await #expect(throws: (any Error).self) {
                try await db.write { try await $0.raw("DELETE FROM terminal_journal WHERE seq = 2").run() }
            }
            try await db.write { sql in
                switch kind {
                case .sqlite: try await sql.raw("DROP TRIGGER terminal_journal_no_update").run()
                case .postgres: try await sql.raw("DROP TRIGGER terminal_journal_no_change ON terminal_journal").run()
                }
                try await sql.raw("UPDATE terminal_journal SET reply = 'OK:9' WHERE seq = 2").run()
            }
            #expect(try await store.verifyJournal() == 2)
        }
    }
}
