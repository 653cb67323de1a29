import CongvuDomain
import CongvuStore
import CongvuTestSupport
import Foundation
import SQLKit
import Testing

/// The Weekly Duty Book on both databases: generated from the week's task events, saved as a draft,
/// submitted once and locked, corrected only by dated addenda.
@Suite struct DutyBookStoreTests {
    @Test func weeksRunMondayToFridayWithAFridayDeadline() {
        let w = DutyWeek(containing: Day("2026-12-03")!)  // a Thursday
        #expect(w.start == Day("2026-11-30")! && w.days().last == Day("2026-12-04")! && w.next.start == Day("2026-12-07")! && w.previous.start == Day("2026-11-23")!)
        #expect(DutyWeek(containing: Day("2026-12-06")!) == w, "Sunday belongs to the week that began on Monday")
        let deadline = DutyBookDeadline()
        #expect(Instant.formatLocal(deadline.moment(for: w)) == "2026-12-04 16:30")
        let friday = Instant.parseLocal("2026-12-04 16:30")!
        #expect(deadline.state(submittedAt: friday, week: w, now: friday) == .onTime)
        #expect(deadline.state(submittedAt: friday.addingTimeInterval(60), week: w, now: friday) == .late)
        #expect(deadline.state(submittedAt: nil, week: w, now: friday) == .open)
        #expect(deadline.state(submittedAt: nil, week: w, now: friday.addingTimeInterval(60)) == .missing)
        #expect(DutyBookState.allCases.sorted { $0.order < $1.order } == [.missing, .late, .open, .onTime])
    }

    @Test(arguments: TestDatabases.kinds)
    func aWeekIsWrittenSubmittedLockedAndCorrectedByAddenda(kind: DatabaseKind) async throws {
        try await TestDatabases.withFresh(kind) { db, _ in
            let tree = try await Tree.make(db)
            let chair = try await Tree.person(db, "Lê Văn Chủ", in: tree.committeeA)
            let clerk = try await Tree.person(db, "Trần Thị Lan", in: tree.committeeA)
            let tasks = TaskStore(database: db)
            let week = DutyWeek(containing: Day("2026-12-02")!)
            let elsewhere = try await Tree.person(db, "Hồ Văn Khác", in: tree.committeeB)
            func task(_ title: String, given: String, due: String, priority: WorkTask.Priority = .normal, unit: OrgUnit? = nil) async throws -> WorkTask {
                try await tasks.create(WorkTask(unitID: (unit ?? tree.committeeA).id, year: 2026, title: title, assignerID: chair.id,
                                                ownerID: unit == nil ? clerk.id : elsewhere.id,
                                                priority: priority, assignedAt: Instant.parseLocal("\(given) 08:00")!, due: Day(due)!), by: Tree.actor)
            }
            let moved = try await task("Báo cáo tuần", given: "2026-12-01", due: "2026-12-04", priority: .high)
            _ = try await tasks.act(moved.id, TaskStep(action: .progress, version: 1, note: "Đã có số liệu", percent: 50),
                                    at: Instant.parseLocal("2026-12-03 10:00")!, by: Tree.actor)
            let overdue = try await task("Việc cũ quá hạn", given: "2026-11-02", due: "2026-11-20")
            _ = try await task("Việc tuần trước, không động tới", given: "2026-11-23", due: "2026-12-30")
            _ = try await task("Việc của xã khác", given: "2026-12-01", due: "2026-12-04", unit: tree.committeeB)
            let books = DutyBookStore(database: db)
            let lines = try await books.lines(unitPath: tree.committeeA.path, week: week)
            // Overdue first, then key tasks; a task untouched that week and still in time is not listed.
            #expect(lines.map(\.task.task.title) == ["Việc cũ quá hạn", "Báo cáo tuần"])
            #expect(lines[1].events.map(\.action) == ["assign", "progress"] && lines[0].events.isEmpty)
            #expect(try await books.get(unitID: tree.committeeA.id, week: week) == nil)
            // A draft, saved twice; someone saving over a newer draft is refused.
            var book = try await books.save(unitID: tree.committeeA.id, week: week, comments: [moved.id: "Đúng tiến độ", overdue.id: " "],
                                            strengths: "", weaknesses: "", version: 0, submit: false, by: Tree.actor)
            #expect(book.comments == [moved.id: "Đúng tiến độ"] && !book.isSubmitted && book.version == 1)
            await #expect(throws: StoreError.conflict(field: "version", key: "duty_book_changed")) {
                try await books.save(unitID: tree.committeeA.id, week: week, comments: [:], strengths: "x", weaknesses: "", version: 0, submit: false, by: Tree.actor)
            }
            await #expect(throws: ValidationErrors.self) {
                try await books.save(unitID: tree.committeeA.id, week: week, comments: [:], strengths: "", weaknesses: "", version: 1, submit: true, by: Tree.actor)
            }
            await #expect(throws: StoreError.conflict(field: "addendum", key: "duty_book_not_submitted")) {
                try await books.addendum(unitID: tree.committeeA.id, week: week, text: "Bổ sung sớm", by: Tree.actor)
            }
            let submitted = Instant.parseLocal("2026-12-04 15:00")!
            book = try await books.save(unitID: tree.committeeA.id, week: week, comments: [moved.id: "Đúng tiến độ", overdue.id: "Chậm do chờ số liệu"],
                                        strengths: "Hoàn thành báo cáo tuần", weaknesses: "Một việc quá hạn", version: 1, submit: true,
                                        at: submitted, by: Tree.actor)
            #expect(book.submittedAt == submitted && DutyBookDeadline().state(submittedAt: book.submittedAt, week: week, now: Date()) == .onTime)
            // Locked: only addenda from now on, dated and kept.
            await #expect(throws: StoreError.conflict(field: "version", key: "duty_book_locked")) {
                try await books.save(unitID: tree.committeeA.id, week: week, comments: [:], strengths: "sửa", weaknesses: "", version: 2, submit: false, by: Tree.actor)
            }
            try await books.addendum(unitID: tree.committeeA.id, week: week, text: "Việc cũ đã xong sáng thứ Bảy", by: Tree.actor)
            let stored = try #require(try await books.get(unitID: tree.committeeA.id, week: week))
            #expect(stored.addenda.map(\.text) == ["Việc cũ đã xong sáng thứ Bảy"] && stored.strengths == "Hoàn thành báo cáo tuần")
            await #expect(throws: (any Error).self) {
                try await db.write { try await $0.raw("DELETE FROM duty_book_addenda").run() }
            }
            #expect(try await books.books(unitIDs: [tree.committeeA.id, tree.committeeB.id], week: week).keys.sorted() == [tree.committeeA.id])
        }
    }

    /// A province's week read at once: each department gets the tasks given in its subtree and
    /// those led by someone holding a post in it, as if asked alone, in the same order.
    @Test(arguments: TestDatabases.kinds)
    func manyDepartmentsAtOnceGetWhatEachWouldAlone(kind: DatabaseKind) async throws {
        try await TestDatabases.withFresh(kind) { db, _ in
            let tree = try await Tree.make(db)
            let chair = try await Tree.person(db, "Lê Văn Chủ", in: tree.committeeA)
            let clerkA = try await Tree.person(db, "Trần Thị Lan", in: tree.committeeA)
            let clerkB = try await Tree.person(db, "Hồ Văn Bình", in: tree.committeeB)
            let tasks = TaskStore(database: db)
            func task(_ title: String, in unit: OrgUnit, lead: Person, due: String) async throws {
                _ = try await tasks.create(WorkTask(unitID: unit.id, year: 2026, title: title, assignerID: chair.id, ownerID: lead.id,
                                                    assignedAt: Instant.parseLocal("2026-12-01 08:00")!, due: Day(due)!), by: Tree.actor)
            }
            try await task("Việc của xã An Bình", in: tree.committeeA, lead: clerkA, due: "2026-12-04")
            try await task("Việc của xã Đông Hòa", in: tree.committeeB, lead: clerkB, due: "2026-12-03")
            try await task("Việc Đông Hòa giao cán bộ An Bình", in: tree.committeeB, lead: clerkA, due: "2026-12-02")
            let books = DutyBookStore(database: db), week = DutyWeek(containing: Day("2026-12-02")!)
            let units = [tree.province, tree.communeA, tree.committeeA, tree.committeeB]
            let all = try await books.lines(unitPaths: units.map(\.path) + [tree.committeeA.path], week: week)
            #expect(Set(all.keys) == Set(units.map(\.path)))
            func titles(_ unit: OrgUnit) -> [String] { (all[unit.path] ?? []).map(\.task.task.title) }
            #expect(titles(tree.province) == ["Việc Đông Hòa giao cán bộ An Bình", "Việc của xã Đông Hòa", "Việc của xã An Bình"])
            #expect(titles(tree.communeA) == ["Việc Đông Hòa giao cán bộ An Bình", "Việc của xã An Bình"])
            #expect(titles(tree.committeeA) == titles(tree.communeA))
            #expect(titles(tree.committeeB) == ["Việc Đông Hòa giao cán bộ An Bình", "Việc của xã Đông Hòa"])
            #expect(all[tree.committeeB.path]!.allSatisfy { $0.events.map(\.action) == ["assign"] })
            for unit in units {
                #expect(try await books.lines(unitPath: unit.path, week: week).map(\.task.task.id) == (all[unit.path] ?? []).map(\.task.task.id))
            }
            #expect(try await books.lines(unitPaths: [tree.communeB.path], week: week)[tree.communeB.path]!.map(\.task.task.title)
                        == titles(tree.committeeB))
        }
    }
}
