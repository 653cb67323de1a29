import CongvuDomain
import CongvuStore
import CongvuTestSupport
import Foundation
import SQLKit
import Testing

/// Work schedules on both databases: drafts, publication, changes kept after it (SEQUENCE raised,
/// append-only history), cancellation, the public week, reception days and the excuses attendance reads.
@Suite struct ScheduleStoreTests {
    @Test(arguments: TestDatabases.kinds)
    func aWeekIsDraftedPublishedChangedAndCancelled(kind: DatabaseKind) async throws {
        try await TestDatabases.withFresh(kind) { db, _ in
            let tree = try await Tree.make(db)
            let chair = try await Tree.person(db, "Lê Văn Chủ", in: tree.committeeA)
            let clerk = try await Tree.person(db, "Trần Thị Lan", in: tree.committeeA)
            let store = ScheduleStore(database: db)
            let week = DutyWeek(containing: Day("2026-12-08")!)
            func entry(_ day: String, _ from: String, _ to: String, _ content: String, away: Bool = false, reception: Bool = false) throws -> ScheduleEntry {
                var e = try ScheduleDraft(day: day, start: from, end: to, content: content, place: "Trụ sở UBND xã", chairID: chair.id, away: away,
                                          reception: reception).validate(unitID: tree.committeeA.id)
                e.participants = [clerk.id]
                e.participantUnits = [tree.committeeA.id]
                return e
            }
            let meeting = try await store.create(try entry("2026-12-07", "07:30", "09:00", "Giao ban đầu tuần"), by: Tree.actor)
            let visit = try await store.create(try entry("2026-12-08", "08:00", "11:00", "Kiểm tra thực địa thôn 3", away: true), by: Tree.actor)
            let reception = try await store.create(try entry("2026-12-10", "07:30", "11:30", "Tiếp công dân định kỳ", reception: true), by: Tree.actor)
            // Drafts are not public, and a draft changes quietly.
            #expect(try await store.week(unitID: tree.committeeA.id, week: week, publicOnly: true).isEmpty)
            var edited = meeting
            edited.end = ClockTime("09:30")!
            let quiet = try await store.update(edited, version: meeting.version, by: Tree.actor)
            #expect(quiet.sequence == 0 && quiet.version == 2)
            #expect(try await store.changes(meeting.id).isEmpty)
            #expect(try await store.receptionDays(chairID: chair.id, from: week.start, to: week.days(count: 7).last!).isEmpty)
            #expect(try await store.excuses(personIDs: [chair.id], from: visit.from, to: visit.to).isEmpty)

            #expect(try await store.publish(unitID: tree.committeeA.id, week: week, by: Tree.actor) == 3)
            let published = try await store.week(unitID: tree.committeeA.id, week: week, publicOnly: true)
            #expect(published.map(\.content) == ["Giao ban đầu tuần", "Kiểm tra thực địa thôn 3", "Tiếp công dân định kỳ"])
            #expect(published.allSatisfy { $0.status == .published && $0.participants == [clerk.id] && $0.participantUnits == [tree.committeeA.id] })
            // Published: a change raises the sequence and is kept; one against an old version is refused.
            var moved = try #require(published.first { $0.id == visit.id })
            moved.start = ClockTime("13:30")!
            moved.end = ClockTime("16:30")!
            moved.place = "Thôn 5"
            await #expect(throws: StoreError.conflict(field: "version", key: "schedule_changed")) {
                try await store.update(moved, version: moved.version - 1, by: Tree.actor)
            }
            let changed = try await store.update(moved, version: moved.version, by: Tree.actor)
            #expect(changed.sequence == 1)
            #expect(try await store.changes(visit.id).map(\.fields) == [["time", "place"]])
            // The chair's afternoon away is excused for attendance; the morning no longer is.
            let excuses = try await store.excuses(personIDs: [chair.id, clerk.id], from: CivilTime.startOfDay(Day("2026-12-08")!),
                                                  to: CivilTime.startOfDay(Day("2026-12-09")!))
            #expect(excuses[chair.id]?.map(\.from) == [Instant.parseLocal("2026-12-08 13:30")!] && excuses[clerk.id] == nil)
            #expect(try await store.receptionDays(chairID: chair.id, from: week.start, to: week.days(count: 7).last!) == [Day("2026-12-10")!])
            // Attendance reads it where it reads approved notices: the chair's afternoon without a punch is excused.
            let honoured = try await AbsenceStore(database: db).excuses(personID: chair.id, from: CivilTime.startOfDay(Day("2026-12-08")!),
                                                                         to: CivilTime.startOfDay(Day("2026-12-09")!))
            #expect(honoured.map(\.id) == ["schedule-\(visit.id)"])
            let posts = try await VerdictStore(database: db).posts(personIDs: [chair.id], first: Day("2026-12-08")!, last: Day("2026-12-08")!)
            let verdict = try #require(try await VerdictStore(database: db).compute(posts: posts, days: [Day("2026-12-08")!],
                                                                                     now: Instant.parseLocal("2026-12-09 08:00")!)[chair.id]?[Day("2026-12-08")!])
            #expect(verdict.reasons.contains { if case .excused = $0 { return true } else { return false } })
            // Cancelled: it stays, marked, with its history; the reception day no longer counts.
            await #expect(throws: ValidationErrors.self) { try await store.cancel(reception.id, reason: "", by: Tree.actor) }
            try await store.cancel(reception.id, reason: "Chủ tịch họp đột xuất tại tỉnh", by: Tree.actor)
            let cancelled = try #require(try await store.get(reception.id))
            #expect(cancelled.status == .cancelled && cancelled.sequence == 1)
            #expect(try await store.receptionDays(chairID: chair.id, from: week.start, to: week.days(count: 7).last!).isEmpty)
            await #expect(throws: StoreError.conflict(field: "status", key: "schedule_cancelled")) {
                try await store.update(cancelled, version: cancelled.version, by: Tree.actor)
            }
            #expect(try await store.week(unitID: tree.committeeA.id, week: week, publicOnly: true).count == 3)
            // The history of changes is append-only at the database.
            await #expect(throws: (any Error).self) { try await db.write { sql in try await sql.raw("DELETE FROM schedule_changes").run() } }
        }
    }
}
