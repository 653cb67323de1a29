import CongvuDomain
import CongvuStore
import CongvuTestSupport
import Foundation
import Testing

/// The figures `/metrics` and `/healthz` read, on both databases: a terminal heard from and one
/// silent, a pending one, a task overdue; everything else empty.
@Suite struct OperationsFiguresTests {
    @Test(arguments: TestDatabases.kinds)
    func theWorksFiguresAreCountedInTheDatabase(kind: DatabaseKind) async throws {
        try await TestDatabases.withFresh(kind) { db, _ in
            let tree = try await Tree.make(db)
            let terminals = TerminalStore(database: db), now = Date()
            for (serial, seen) in [("HEARD0001", now), ("SILENT001", now.addingTimeInterval(-3600))] {
                _ = try await terminals.contact(serial: serial, vendor: "zkteco", family: "2.x", address: "10.0.0.1", now: seen)
                try await terminals.approve(serial: serial, unitID: tree.committeeA.id, by: Tree.actor)
            }
            _ = try await terminals.contact(serial: "PENDING01", vendor: "zkteco", family: "2.x", address: "10.0.0.2", now: now)
            let person = try await Tree.person(db, "Nguyễn Văn An", in: tree.committeeA)
            _ = try await TaskStore(database: db).create(WorkTask(unitID: tree.committeeA.id, year: 2026, title: "Báo cáo tháng", assignerID: person.id,
                                                                  ownerID: person.id, assignedAt: now, due: Day(now, in: CivilTime.vietnam).previous), by: Tree.actor)
            let f = try await OperationsFigures.read(db, now: now)
            #expect(f.terminalsOnline == 1 && f.terminalsOffline == 1 && f.terminalsPending == 1)
            #expect(f.tasksOpen == 1 && f.tasksOverdue == 1 && f.dossiersOpen == 0 && f.punches == 0)
            #expect(f.exposition.contains("congvu_terminals{state=\"offline\"} 1\n") && f.exposition.contains("congvu_tasks_open{overdue=\"true\"} 1\n"))
            let health = try await HealthFigures.read(db, terminalsSince: now.addingTimeInterval(-600))
            #expect(health.terminals == 2 && health.terminalsOnline == 1 && health.cameras == 0)
        }
    }
}

/// The change feed on both databases: punches after a cursor in the reader's scope only, nothing
/// repeated, and the feed stopping before a row too recent to be settled.
@Suite struct ChangeFeedTests {
    @Test(arguments: TestDatabases.kinds)
    func theFeedMovesOnRepeatsNothingAndWaitsForRecentRows(kind: DatabaseKind) async throws {
        try await TestDatabases.withFresh(kind) { db, _ in
            let tree = try await Tree.make(db)
            let a = try await Tree.person(db, "Nguyễn Văn An", in: tree.committeeA), b = try await Tree.person(db, "Lê Thị Bình", in: tree.committeeB)
            let punches = PunchStore(database: db), now = Date()
            for i in 0..<5 {
                for person in [a, b] {
                    _ = try await punches.record(PunchInput(personID: person.id, at: now.addingTimeInterval(Double(-3600 + i)), source: .api, method: .card,
                                                            idempotencyKey: "feed:\(person.id):\(i)"), by: Tree.actor)
                }
            }
            let later = now.addingTimeInterval(60)
            let first = try await ChangeFeed.read(db, after: .init(), dossierScopes: [], punchScopes: [tree.communeA.path], limit: 3, now: later)
            #expect(first.punches.count == 3 && first.punches.allSatisfy { $0.personID == a.id } && first.dossiers.isEmpty)
            let second = try await ChangeFeed.read(db, after: first.next, dossierScopes: [], punchScopes: [tree.communeA.path], limit: 3, now: later)
            #expect(second.punches.count == 2 && Set(second.punches.map(\.id)).isDisjoint(with: first.punches.map(\.id)))
            let done = try await ChangeFeed.read(db, after: second.next, dossierScopes: [], punchScopes: [tree.communeA.path], limit: 3, now: later)
            #expect(done.punches.isEmpty && done.next == second.next)
            // Read at the moment they were written: nothing is settled yet, so nothing is given.
            #expect(try await ChangeFeed.read(db, after: .init(), dossierScopes: [], punchScopes: [tree.province.path], limit: 100, now: now).punches.isEmpty)
            #expect(ChangeFeed.Cursor("d12.p7") == ChangeFeed.Cursor(dossierEvent: 12, punch: 7) && ChangeFeed.Cursor("12.7") == nil)
        }
    }
}
