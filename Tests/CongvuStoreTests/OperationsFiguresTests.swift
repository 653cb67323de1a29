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
