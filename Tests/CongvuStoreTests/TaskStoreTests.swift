import CongvuDomain
import CongvuStore
import CongvuTestSupport
import Foundation
import SQLKit
import Testing

/// The task store on both databases: numbering, the 3 steps with their history and audit,
/// optimistic versions, extensions, tasks left without a lead after a move, bulk reassignment.
@Suite struct TaskStoreTests {
    let due = Day(year: 2026, month: 12, day: 11)!
    let at = Instant.parseLocal("2026-12-01 08:00")!

    func draft(_ tree: Tree, assigner: Person, owner: Person, unit: OrgUnit? = nil, year: Int = 2026) -> WorkTask {
        WorkTask(unitID: (unit ?? tree.committeeA).id, year: year, title: "Rà soát hồ sơ tồn đọng", assignerID: assigner.id, ownerID: owner.id,
                 assignedAt: at, due: due)
    }

    @Test(arguments: TestDatabases.kinds)
    func numbersRunPerUnitAndYear(kind: DatabaseKind) async throws {
        try await TestDatabases.withFresh(kind) { db, _ in
            let tree = try await Tree.make(db)
            let chair = try await Tree.person(db, "Lê Văn Chủ", in: tree.committeeA)
            let clerk = try await Tree.person(db, "Trần Thị Lan", in: tree.committeeA)
            let other = try await Tree.person(db, "Hồ Văn Khác", in: tree.committeeB)
            let store = TaskStore(database: db)
            let a1 = try await store.create(draft(tree, assigner: chair, owner: clerk), by: Tree.actor)
            let a2 = try await store.create(draft(tree, assigner: chair, owner: clerk), coOwners: [other.id, clerk.id], watchers: [chair.id], by: Tree.actor)
            let b1 = try await store.create(draft(tree, assigner: other, owner: other, unit: tree.committeeB), by: Tree.actor)
            let a2027 = try await store.create(draft(tree, assigner: chair, owner: clerk, year: 2027), by: Tree.actor)
            #expect([a1.reference, a2.reference, b1.reference, a2027.reference] == ["1/2026", "2/2026", "1/2026", "1/2027"])
            // The lead is not listed again as co-operating.
            #expect(try await store.people(a2.id).map { "\($0.name):\($0.role.rawValue)" } == ["Hồ Văn Khác:co_owner", "Lê Văn Chủ:watcher"])
            // A co-operating person and a watcher see it among their tasks; the lead sees both.
            #expect(try await store.mine(personID: other.id).map(\.task.id).sorted() == [a2.id, b1.id])
            #expect(try await store.mine(personID: chair.id).map(\.task.id) == [a2.id])
            #expect(try await store.mine(personID: clerk.id).count == 3)
            #expect(try await store.board(.init(unitPaths: [tree.communeA.path])).count == 3)
            #expect(try await store.board(.init(unitPaths: [tree.communeA.path], search: "ra soat ho so")).count == 3)
            #expect(try await store.board(.init(unitPaths: [tree.communeB.path])).map(\.task.id) == [b1.id])
            #expect(try await store.events(a1.id).map(\.action) == ["assign"])

            // The lead and the co-operating people find the assignment in their inbox; whoever gave a
            // task to themselves is not told of it, and a watcher is not told of the assignment.
            let inbox = NotificationStore(database: db)
            #expect(try await inbox.inbox(personID: clerk.id).map(\.link) == ["/tasks/\(a2027.id)", "/tasks/\(a2.id)", "/tasks/\(a1.id)"])
            #expect(try await inbox.inbox(personID: clerk.id).last?.params == ["reference": "1/2026", "title": "Rà soát hồ sơ tồn đọng", "due": "2026-12-11"])
            #expect(try await inbox.inbox(personID: other.id).map(\.link) == ["/tasks/\(a2.id)"])
            #expect(try await inbox.inbox(personID: chair.id).isEmpty)
            #expect(try await inbox.unread(personID: clerk.id) == 3)
        }
    }

    @Test(arguments: TestDatabases.kinds)
    func theThreeStepsAreKeptAndNothingIsOverwritten(kind: DatabaseKind) async throws {
        try await TestDatabases.withFresh(kind) { db, _ in
            let tree = try await Tree.make(db)
            let chair = try await Tree.person(db, "Lê Văn Chủ", in: tree.committeeA)
            let clerk = try await Tree.person(db, "Trần Thị Lan", in: tree.committeeA)
            let store = TaskStore(database: db)
            let t = try await store.create(draft(tree, assigner: chair, owner: clerk), by: Tree.actor)
            var v = try await store.act(t.id, TaskStep(action: .acknowledge, version: 1), at: at.addingTimeInterval(3600), by: Tree.actor)
            #expect(v.status == .inProgress && v.version == 2 && v.acknowledgedAt != nil)
            // A second person acting on what they read before is refused, not overwritten.
            await #expect(throws: StoreError.conflict(field: "version", key: "task_changed")) {
                try await store.act(t.id, TaskStep(action: .acknowledge, version: 1), by: Tree.actor)
            }
            await #expect(throws: ValidationErrors.self) { try await store.act(t.id, TaskStep(action: .progress, version: 2, note: "x", percent: 140), by: Tree.actor) }
            v = try await store.act(t.id, TaskStep(action: .progress, version: 2, note: "Đã rà soát 30 hồ sơ", percent: 40), by: Tree.actor)
            // An extension: asked with a reason, approved by the assigner; the first deadline is kept.
            await #expect(throws: ValidationErrors.self) {
                try await store.act(t.id, TaskStep(action: .requestExtension, version: 3, note: "Chờ số liệu", due: Day("2026-12-10")), by: Tree.actor)
            }
            v = try await store.act(t.id, TaskStep(action: .requestExtension, version: 3, note: "Chờ số liệu của huyện cũ", due: Day("2026-12-18")), by: Tree.actor)
            #expect(try await store.get(t.id)?.extensionDue == Day("2026-12-18"))
            await #expect(throws: StoreError.conflict(field: "action", key: "task_action_not_now")) {
                try await store.act(t.id, TaskStep(action: .requestExtension, version: 4, note: "Lần nữa", due: Day("2026-12-20")), by: Tree.actor)
            }
            v = try await store.act(t.id, TaskStep(action: .approveExtension, version: 4), by: Tree.actor)
            #expect(v.due == Day("2026-12-18") && v.originalDue == due)
            #expect(try await store.get(t.id)?.extensionDue == nil)
            v = try await store.act(t.id, TaskStep(action: .reportDone, version: 5, note: "Đã xong"), at: Instant.parseLocal("2026-12-15 10:00")!, by: Tree.actor)
            #expect(v.status == .reported && v.percent == 100)
            await #expect(throws: ValidationErrors.self) { try await store.act(t.id, TaskStep(action: .returnForRework, version: 6, note: ""), by: Tree.actor) }
            v = try await store.act(t.id, TaskStep(action: .returnForRework, version: 6, note: "Thiếu biểu tổng hợp"), by: Tree.actor)
            #expect(v.status == .inProgress && v.reportedAt == nil)
            v = try await store.act(t.id, TaskStep(action: .reportDone, version: 7), at: Instant.parseLocal("2026-12-16 10:00")!, by: Tree.actor)
            await #expect(throws: ValidationErrors.self) { try await store.act(t.id, TaskStep(action: .accept, version: 8), by: Tree.actor) }
            v = try await store.act(t.id, TaskStep(action: .accept, version: 8, quality: .good), at: Instant.parseLocal("2026-12-17 09:00")!, by: Tree.actor)
            #expect(v.status == .accepted && v.quality == .good && v.standing(on: Day("2027-01-01")!) == .doneOnTime)
            #expect(try await store.events(t.id).map(\.action) == ["assign", "acknowledge", "progress", "request_extension", "approve_extension",
                                                                 "report_done", "return", "report_done", "accept"])
            let stored = try #require(try await store.get(t.id)?.task)
            #expect(stored == v)
            // The history cannot be edited, even by hand.
            await #expect(throws: (any Error).self) {
                try await db.write { try await $0.raw("UPDATE task_events SET note = 'sửa' WHERE task_id = \(bind: t.id)").run() }
            }
            let audited = try await db.read { try await $0.raw("SELECT COUNT(*) AS n FROM audit_log WHERE object_type = 'task' AND object_id = \(bind: String(t.id))").first() }
            #expect(try audited?.decode(column: "n", as: Int.self) == 9)
        }
    }

    @Test(arguments: TestDatabases.kinds)
    func aMovedLeadLeavesTasksToReassignInOneGo(kind: DatabaseKind) async throws {
        try await TestDatabases.withFresh(kind) { db, _ in
            let tree = try await Tree.make(db)
            let chair = try await Tree.person(db, "Lê Văn Chủ", in: tree.committeeA)
            let leaving = try await Tree.person(db, "Phan Văn Đi", in: tree.committeeA)
            let staying = try await Tree.person(db, "Vi Thị Ở", in: tree.committeeA)
            let store = TaskStore(database: db)
            let open1 = try await store.create(draft(tree, assigner: chair, owner: leaving), by: Tree.actor)
            let open2 = try await store.create(draft(tree, assigner: chair, owner: leaving), by: Tree.actor)
            let done = try await store.create(draft(tree, assigner: chair, owner: leaving), by: Tree.actor)
            _ = try await store.act(done.id, TaskStep(action: .reportDone, version: 1), by: Tree.actor)
            _ = try await store.act(done.id, TaskStep(action: .accept, version: 2, quality: .satisfactory), by: Tree.actor)
            _ = try await store.create(draft(tree, assigner: chair, owner: staying), by: Tree.actor)
            #expect(try await store.orphans(scopes: [tree.communeA.path], on: today).isEmpty)
            // Transferred to the other commune from 1 December.
            try await PeopleStore(database: db).move(personID: leaving.id, to: Assignment(id: 0, personID: leaving.id, unitID: tree.committeeB.id,
                                                                                          title: "Công chức", category: .civilServant, isLeader: false,
                                                                                          validFrom: Day("2026-12-01")!), by: Tree.actor, reason: "Điều động")
            #expect(try await store.orphans(scopes: [tree.communeA.path], on: Day("2026-11-30")!).isEmpty)
            let orphans = try await store.orphans(scopes: [tree.communeA.path], on: Day("2026-12-01")!)
            #expect(Set(orphans.map(\.task.id)) == [open1.id, open2.id])
            // Each says when its lead left the commune: their last day there, from which it waits.
            #expect(orphans.allSatisfy { $0.leadLeft == Day("2026-11-30") }, "\(orphans.map(\.leadLeft))")
            #expect(try await store.orphans(scopes: [tree.communeB.path], on: Day("2026-12-01")!).isEmpty)
            await #expect(throws: ValidationErrors.self) { try await store.reassign([(open1.id, staying.id)], reason: "", by: Tree.actor) }
            #expect(try await store.reassign(orphans.map { ($0.task.id, staying.id) }, reason: "Bàn giao khi điều động", by: Tree.actor) == 2)
            #expect(try await store.orphans(scopes: [tree.communeA.path], on: Day("2026-12-01")!).isEmpty)
            let history = try await store.events(open1.id)
            #expect(history.last?.action == "reassign" && history.last?.fromOwner == leaving.id && history.last?.toOwner == staying.id)
            #expect(try await store.get(open1.id)?.task.version == 2)
        }
    }

    @Test(arguments: TestDatabases.kinds)
    func aSeriesIsExtendedOnceEvenWhenTwoNodesTryAndStopsWhenEnded(kind: DatabaseKind) async throws {
        try await TestDatabases.withFresh(kind) { db, _ in
            let tree = try await Tree.make(db)
            let chair = try await Tree.person(db, "Lê Văn Chủ", in: tree.committeeA)
            let clerk = try await Tree.person(db, "Trần Thị Lan", in: tree.committeeA)
            let helper = try await Tree.person(db, "Vi Thị Giúp", in: tree.committeeA)
            let store = TaskStore(database: db)
            let rule = try #require(Recurrence("FREQ=MONTHLY;BYMONTHDAY=-1"))
            var d = draft(tree, assigner: chair, owner: clerk)
            d.title = "Báo cáo công tác dân số tháng"
            let given = try await store.createSeries(d, rule: rule, starts: Day("2026-12-01")!, until: nil, deadlines: [Day("2026-12-31")!],
                                                     coOwners: [helper.id], by: Tree.actor)
            let seriesID = try #require(given.first?.seriesID)
            #expect(given.map(\.recurrence) == ["FREQ=MONTHLY;BYMONTHDAY=-1"])
            // The series is due for extension before a horizon past its last deadline, not before one short of it.
            #expect(try await store.seriesToExtend(before: Day("2026-12-31")!).isEmpty)
            let due = try await store.seriesToExtend(before: Day("2027-03-03")!)
            #expect(due.map(\.series.id) == [seriesID] && due.map(\.unitID) == [tree.committeeA.id])
            // Reassigned meanwhile: new tasks follow the latest task's lead and people.
            let other = try await Tree.person(db, "Phan Văn Mới", in: tree.committeeA)
            _ = try await store.reassign([(given[0].id, other.id)], reason: "Phân công lại", by: Tree.actor)
            let added = try await store.extendSeries(seriesID, from: Day("2026-12-31")!, deadlines: [Day("2027-01-29")!, Day("2027-02-26")!], at: at, by: Tree.actor)
            #expect(added.map(\.due) == [Day("2027-01-29")!, Day("2027-02-26")!])
            #expect(added.allSatisfy { $0.seriesID == seriesID && $0.ownerID == other.id && $0.title == d.title && $0.status == .assigned })
            #expect(try await store.people(added[0].id).map(\.personID) == [helper.id])
            // A second node that read the series before adds nothing.
            #expect(try await store.extendSeries(seriesID, from: Day("2026-12-31")!, deadlines: [Day("2027-01-29")!], at: at, by: Tree.actor).isEmpty)
            #expect(try await store.series(seriesID)?.generatedThrough == Day("2027-02-26"))
            let inSeries = try await db.read { try await $0.raw("SELECT COUNT(*) AS n FROM tasks WHERE series_id = \(bind: seriesID)").first() }
            #expect(try inSeries?.decode(column: "n", as: Int.self) == 3)
            // Ended with a reason: no more tasks; those given stay.
            await #expect(throws: ValidationErrors.self) { try await store.stopSeries(seriesID, reason: "", by: Tree.actor) }
            try await store.stopSeries(seriesID, reason: "Chế độ báo cáo tháng đã bãi bỏ", by: Tree.actor)
            await #expect(throws: StoreError.conflict(field: "reason", key: "task_series_stopped")) {
                try await store.stopSeries(seriesID, reason: "Lần hai", by: Tree.actor)
            }
            #expect(try await store.series(seriesID)?.stopReason == "Chế độ báo cáo tháng đã bãi bỏ")
            #expect(try await store.seriesToExtend(before: Day("2027-12-31")!).isEmpty)
            #expect(try await store.extendSeries(seriesID, from: Day("2027-02-26")!, deadlines: [Day("2027-03-31")!], by: Tree.actor).isEmpty)
            #expect(try await store.get(added[1].id)?.task.status == .assigned)
        }
    }

    @Test(arguments: TestDatabases.kinds)
    func filesComeWithTheTaskAndItsStepsAndStay(kind: DatabaseKind) async throws {
        try await TestDatabases.withFresh(kind) { db, dir in
            let tree = try await Tree.make(db)
            let chair = try await Tree.person(db, "Lê Văn Chủ", in: tree.committeeA)
            let clerk = try await Tree.person(db, "Trần Thị Lan", in: tree.committeeA)
            let store = TaskStore(database: db)
            let files = ContentFiles(directory: dir + "/task-files")
            let plan = Data("%PDF-1.4 kế hoạch".utf8)
            let sha = try files.write(plan)
            // Stored once, by content; only a hash names a file.
            #expect(try files.write(plan) == sha && files.read(sha: sha) == plan && files.has(sha: sha))
            #expect(files.read(sha: "../../etc/passwd") == nil && !files.has(sha: String(repeating: "A", count: 64)))
            let t = try await store.create(draft(tree, assigner: chair, owner: clerk),
                                           files: [TaskFile.Upload(sha256: sha, name: "Kế hoạch 15-KH.pdf", ext: "pdf", size: plan.count)], by: Tree.actor)
            let evidence = TaskFile.Upload(sha256: try files.write(Data("%PDF-1.4 biên bản".utf8)), name: "bien-ban.pdf", ext: "pdf", size: 20)
            _ = try await store.act(t.id, TaskStep(action: .progress, version: 1, note: "Đã họp thôn", percent: 30, files: [evidence]), by: Tree.actor)
            let kept = try await store.files(t.id)
            let events = try await store.events(t.id)
            #expect(kept.map(\.name) == ["Kế hoạch 15-KH.pdf", "bien-ban.pdf"])
            #expect(kept.map(\.eventID) == events.map(\.id), "each file with the step it came with")
            #expect(try await store.file(kept[1].id, of: t.id)?.sha256 == evidence.sha256)
            let other = try await store.create(draft(tree, assigner: chair, owner: clerk), by: Tree.actor)
            #expect(try await store.file(kept[1].id, of: other.id) == nil, "a file is found only through its own task")
            // A failed step links nothing.
            await #expect(throws: StoreError.self) {
                try await store.act(t.id, TaskStep(action: .progress, version: 1, note: "Cũ", percent: 40, files: [evidence]), by: Tree.actor)
            }
            #expect(try await store.files(t.id).count == 2)
            await #expect(throws: (any Error).self) { try await db.write { try await $0.raw("DELETE FROM task_files").run() } }
        }
    }

    @Test(arguments: TestDatabases.kinds)
    func aLeaderSeesFiguresOfTheFourStates(kind: DatabaseKind) async throws {
        try await TestDatabases.withFresh(kind) { db, _ in
            let tree = try await Tree.make(db)
            let chair = try await Tree.person(db, "Lê Văn Chủ", in: tree.committeeA)
            let clerk = try await Tree.person(db, "Trần Thị Lan", in: tree.committeeA)
            let store = TaskStore(database: db)
            func task(due: String) async throws -> WorkTask {
                var d = draft(tree, assigner: chair, owner: clerk)
                d.due = Day(due)!
                return try await store.create(d, by: Tree.actor)
            }
            _ = try await task(due: "2026-12-01")  // overdue on the 4th
            _ = try await task(due: "2026-12-04")  // due this week
            let onTime = try await task(due: "2026-12-03")
            _ = try await store.act(onTime.id, TaskStep(action: .reportDone, version: 1), at: Instant.parseLocal("2026-12-03 23:59")!, by: Tree.actor)
            let late = try await task(due: "2026-12-02")
            _ = try await store.act(late.id, TaskStep(action: .reportDone, version: 1), at: Instant.parseLocal("2026-12-03 00:01")!, by: Tree.actor)
            let f = try await store.figures(scopes: [tree.communeA.path], today: Day("2026-12-04")!, weekEnd: Day("2026-12-06")!, since: Day("2026-01-01")!)
            #expect(f == .init(overdue: 1, dueThisWeek: 1, doneOnTime: 1, done: 2))
            // The year per lead, for the annual evaluation: one of each state, and a grade once accepted.
            _ = try await store.act(onTime.id, TaskStep(action: .accept, version: 2, quality: .excellent), by: Tree.actor)
            let year = try await store.statistics(scopes: [tree.communeA.path], first: Day("2026-01-01")!, last: Day("2026-12-31")!, today: Day("2026-12-04")!)
            #expect(year.count == 1)
            let clerkYear = try #require(year.first)
            #expect(clerkYear.name == "Trần Thị Lan" && clerkYear.total == 4 && clerkYear.doneOnTime == 1 && clerkYear.doneLate == 1
                    && clerkYear.openOverdue == 1 && clerkYear.openWithinDeadline == 1 && clerkYear.quality[.excellent] == 1 && clerkYear.quality[.good] == 0)
            #expect(try await store.statistics(scopes: [tree.communeA.path], first: Day("2027-01-01")!, last: Day("2027-12-31")!, today: Day("2026-12-04")!).isEmpty)
            #expect(try await store.figures(scopes: [tree.communeB.path], today: Day("2026-12-04")!, weekEnd: Day("2026-12-06")!, since: Day("2026-01-01")!)
                    == .init(overdue: 0, dueThisWeek: 0, doneOnTime: 0, done: 0))
        }
    }

    /// The stamp boards are kept under: the same while nothing changes, moved by every write to a
    /// task and to the name or path of a unit or person, whoever makes it (here plain SQL); not by
    /// a person's other columns (a terminal's PIN is written at every enrolment).
    @Test(arguments: TestDatabases.kinds)
    func theBoardsStampMovesWithWhatABoardShows(kind: DatabaseKind) async throws {
        try await TestDatabases.withFresh(kind) { db, _ in
            let tree = try await Tree.make(db)
            let chair = try await Tree.person(db, "Lê Văn Chủ", in: tree.committeeA)
            let clerk = try await Tree.person(db, "Trần Thị Lan", in: tree.committeeA)
            let store = TaskStore(database: db)
            var stamps = [try await store.stamp()]
            #expect(try await store.stamp() == stamps[0])
            let task = try await store.create(draft(tree, assigner: chair, owner: clerk), by: Tree.actor)
            stamps.append(try await store.stamp())
            _ = try await store.act(task.id, TaskStep(action: .acknowledge, version: task.version), at: at, by: Tree.actor)
            stamps.append(try await store.stamp())
            try await db.execute("UPDATE tasks SET title = 'Rà soát lại' WHERE id = \(task.id)")
            stamps.append(try await store.stamp())
            try await db.execute("UPDATE people SET terminal_pin = '4321', card_number = '99' WHERE id = \(clerk.id)")
            #expect(try await store.stamp() == stamps.last, "a person's columns a board does not show")
            try await db.execute("UPDATE people SET full_name = 'Trần Thị Lan Anh' WHERE id = \(clerk.id)")
            stamps.append(try await store.stamp())
            try await db.execute("UPDATE units SET name = 'UBND xã A mới' WHERE id = \(tree.committeeA.id)")
            stamps.append(try await store.stamp())
            try await store.setSubstitute(task.id, personID: chair.id, reason: "Vắng", by: Tree.actor)
            #expect(try await store.stamp() == stamps.last, "a task's people besides its lead are not on a board")
            #expect(Set(stamps).count == 6 && stamps == stamps.sorted(), "\(stamps)")
        }
    }

    /// On PostgreSQL a task write takes the audit chain's lock before the count's row, so the two
    /// are always taken in one order: a transaction that appended to the chain and then touches a
    /// task, beside one that touched another task first and then appends, wait for each other in
    /// turn instead of deadlocking (PostgreSQL would cancel one after a second). Each pause lets the
    /// other take its first lock.
    @Test func aTaskWriteAndAnAuditAppendInEitherOrderDoNotDeadlock() async throws {
        guard TestDatabases.kinds.contains(.postgres) else { return }
        try await TestDatabases.withFresh(.postgres) { db, _ in
            let tree = try await Tree.make(db)
            let chair = try await Tree.person(db, "Lê Văn Chủ", in: tree.committeeA)
            let store = TaskStore(database: db)
            let a = try await store.create(draft(tree, assigner: chair, owner: chair), by: Tree.actor)
            let b = try await store.create(draft(tree, assigner: chair, owner: chair), by: Tree.actor)
            let before = try await store.stamp()
            try await writeBesideTheChainBothWays(db, first: { sql in
                try await sql.raw("UPDATE tasks SET percent = percent + 1 WHERE id = \(bind: a.id)").run()
            }, second: { sql in
                try await sql.raw("UPDATE tasks SET percent = percent + 1 WHERE id = \(bind: b.id)").run()
            })
            #expect(try await store.stamp() == before + 6)
            let percents = [try await store.get(a.id)?.task.percent, try await store.get(b.id)?.task.percent]
            #expect(percents == [3, 3])
        }
    }
}
