import CongvuDomain
import CongvuStore
import CongvuTestSupport
import Crypto
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

            // The stamp public pages are kept under moves with every write, and knows no unknown code.
            let span = (week.start, week.next.start)
            let drafted = try #require(try await store.stamp(unitCode: "CA-UB", from: span.0, to: span.1))
            #expect(try await store.stamp(unitCode: "KHONG-CO", from: span.0, to: span.1) == nil)
            #expect(try await store.stamp(unitCode: "CB-UB", from: span.0, to: span.1) != drafted)
            #expect(try await store.publish(unitID: tree.committeeA.id, week: week, by: Tree.actor) == 3)
            let stamped = try #require(try await store.stamp(unitCode: "CA-UB", from: span.0, to: span.1))
            #expect(stamped != drafted)
            #expect(try await store.stamp(unitCode: "CA-UB", from: span.0, to: span.1) == stamped)
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
            #expect(try await store.stamp(unitCode: "CA-UB", from: span.0, to: span.1) != stamped)
            // The history of changes is append-only at the database.
            await #expect(throws: (any Error).self) { try await db.write { sql in try await sql.raw("DELETE FROM schedule_changes").run() } }
        }
    }

    /// A meeting between levels: the invited unit's leaders hear of it when it is published and
    /// again after a change (not before, not twice); each unit's attendance is append-only with the
    /// last mark counting; a conclusion becomes a task once, in one transaction.
    @Test(arguments: TestDatabases.kinds)
    func aMeetingInvitesMarksAndHandsOnConclusions(kind: DatabaseKind) async throws {
        try await TestDatabases.withFresh(kind) { db, _ in
            let tree = try await Tree.make(db)
            let chair = try await Tree.person(db, "Lê Văn Chủ", in: tree.committeeA)
            let guest = try await Tree.person(db, "Phạm Thị Khách", in: tree.committeeB)
            let accounts = accountStore(db)
            _ = try await accounts.create(username: "chutich.b", displayName: "Chủ tịch B", passwordHash: "x", personID: guest.id,
                                          grants: [(.leader, tree.communeB.id)], by: Tree.actor)
            let store = ScheduleStore(database: db), meetings = MeetingStore(database: db), notifications = NotificationStore(database: db)
            var draft = try ScheduleDraft(day: "2026-12-10", start: "14:00", end: "16:00", content: "Hội nghị trực tuyến liên xã", chairID: chair.id,
                                          agenda: "1. Phòng chống rét", participantUnits: [tree.committeeB.id, tree.committeeB.id]).validate(unitID: tree.committeeA.id)
            #expect(draft.participantUnits == [tree.committeeB.id] && draft.isMeeting)
            draft = try await store.create(draft, by: Tree.actor)
            #expect(try await store.get(draft.id)?.participantUnits == [tree.committeeB.id])
            #expect(try await notifications.inbox(personID: guest.id).isEmpty)  // a draft invites no one
            try await store.publish(unitID: tree.committeeA.id, week: DutyWeek(containing: draft.day), by: Tree.actor)
            #expect(try await notifications.inbox(personID: guest.id).map(\.kind) == [.meetingInvitation])
            var moved = try #require(try await store.get(draft.id))
            moved.start = ClockTime("15:00")!
            moved = try await store.update(moved, version: moved.version, by: Tree.actor)
            let inbox = try await notifications.inbox(personID: guest.id)
            #expect(inbox.count == 2 && inbox.allSatisfy { $0.link == "/schedules/\(draft.id)" })
            #expect(try await store.changes(draft.id).last?.fields == ["time"])

            try await meetings.mark(entryID: draft.id, unitID: tree.committeeB.id, attendees: ["Phạm Thị Khách, Chủ tịch"], online: false, by: Tree.actor)
            try await meetings.mark(entryID: draft.id, unitID: tree.committeeB.id, attendees: ["Phạm Thị Khách, Chủ tịch", "Công chức Văn phòng"], online: true,
                                    by: Tree.actor)
            let marked = try #require(try await meetings.attendance(entryID: draft.id)[tree.committeeB.id])
            #expect(marked.attendees.count == 2 && marked.online)
            await #expect(throws: (any Error).self) { try await db.write { sql in try await sql.raw("UPDATE meeting_attendance SET online = 0").run() } }

            await #expect(throws: ValidationErrors.self) { try await meetings.conclude(entryID: draft.id, text: "  ", by: Tree.actor) }
            let c = try await meetings.conclude(entryID: draft.id, text: "Xã Đông Hòa che chắn chuồng trại trước đợt rét", by: Tree.actor)
            let task = WorkTask(unitID: tree.committeeB.id, year: 2026, title: c.text, source: TaskSource(kind: .meeting, recordType: "meeting_conclusion", recordID: c.id),
                                assignerID: chair.id, ownerID: guest.id, assignedAt: Date(), due: Day("2026-12-18")!)
            let given = try await meetings.handOn(conclusionID: c.id, as: task, by: Tree.actor)
            #expect(try await meetings.conclusions(entryID: draft.id).first?.taskID == given.id)
            #expect(try await TaskStore(database: db).get(given.id)?.task.source.kind == .meeting)
            await #expect(throws: StoreError.self) { try await meetings.handOn(conclusionID: c.id, as: task, by: Tree.actor) }
            #expect(try await db.read { sql in try await sql.raw("SELECT COUNT(*) AS n FROM tasks").first()!.decode(column: "n", as: Int.self) } == 1)
        }
    }

    /// The reception log: an entry with its follow-up task in one transaction, its result recorded
    /// against the version read (an older read refused), counts by period; a counter's notices replaced whole.
    @Test(arguments: TestDatabases.kinds)
    func theReceptionLogAndTheCounterBoard(kind: DatabaseKind) async throws {
        try await TestDatabases.withFresh(kind) { db, _ in
            let tree = try await Tree.make(db)
            let chair = try await Tree.person(db, "Lê Văn Chủ", in: tree.committeeA)
            let officer = try await Tree.person(db, "Trần Thị Lan", in: tree.committeeA)
            let log = ReceptionLogStore(database: db)
            let today = Day("2026-12-10")!
            let complaint = try ReceptionRecord(day: Day("2026-12-09")!, receiverID: chair.id, citizenName: "Nguyễn Văn Hòa", citizenID: "001 099 012 345",
                                                content: "Khiếu nại việc đo đạc ranh giới thửa đất", classification: .complaint, handling: .received)
                .validated(today: today)
            #expect(complaint.citizenID == "001099012345")
            let task = WorkTask(unitID: tree.committeeA.id, year: 2026, title: "Trả lời khiếu nại", assignerID: chair.id, ownerID: officer.id,
                                assignedAt: Date(), due: Day("2026-12-20")!)
            let first = try await log.add(complaint, unitID: tree.committeeA.id, followUp: task, by: Tree.actor)
            let followUpID = try #require(first.taskID)
            let followUp = try #require(try await TaskStore(database: db).get(followUpID))
            #expect(followUp.task.source.recordType == "reception_log" && followUp.task.source.recordID == first.id && followUp.task.source.reference == "TCD-\(first.id)")
            let answered = try ReceptionRecord(day: Day("2026-12-09")!, receiverID: chair.id, citizenName: "Trần Thị Mai", content: "Phản ánh đèn đường hỏng",
                                               classification: .reflection, handling: .answered).validated(today: today)
            let second = try await log.add(answered, unitID: tree.committeeA.id, by: Tree.actor)
            #expect(second.taskID == nil)
            // A result dated before the reception, or read at an old version, is refused; then it is kept.
            await #expect(throws: ValidationErrors.self) {
                try await log.settle(second.id, result: "Đã sửa", on: Day("2026-12-08")!, version: 1, today: today, by: Tree.actor)
            }
            try await log.settle(second.id, result: "Đã sửa đèn", on: today, version: 1, today: today, by: Tree.actor)
            await #expect(throws: StoreError.self) { try await log.settle(second.id, result: "Lần nữa", on: today, version: 1, today: today, by: Tree.actor) }
            let entries = try await log.list(unitIDs: [tree.committeeA.id], from: Day("2026-12-01")!, to: today)
            #expect(entries.count == 2)
            let counts = ReceptionCounts(entries.map(\.record))
            #expect(counts.days == 1 && counts.citizens == 2 && counts.settled == 1 && counts.byClassification[.complaint] == 1)
            #expect(try await log.list(unitIDs: [tree.committeeB.id], from: Day("2026-12-01")!, to: today).isEmpty)

            let board = CounterNoticeStore(database: db)
            let land = try CounterNotice(field: " Đất đai ", workingHours: "7h30–17h", receivingDays: "Thứ Hai, thứ Tư", returningDays: "Thứ Ba").validated()
            let hotline = try Hotline(name: "Lê Văn Chủ", title: "Chủ tịch", phone: "+84 912 345 678").validated()
            try await board.save(unitID: tree.committeeA.id, notices: [land], hotlines: [hotline], by: Tree.actor)
            try await board.save(unitID: tree.committeeA.id, notices: [land, land], hotlines: [], by: Tree.actor)
            let saved = try await board.board(unitID: tree.committeeA.id)
            #expect(saved.notices.map(\.field) == ["Đất đai", "Đất đai"] && saved.hotlines.isEmpty)
        }
    }

    /// A leader's regular reception day: the week's sessions drafted from it once (not twice, not
    /// on a day the calendar does not work), ended with a date and kept.
    @Test(arguments: TestDatabases.kinds)
    func regularReceptionDaysDraftTheWeek(kind: DatabaseKind) async throws {
        try await TestDatabases.withFresh(kind) { db, _ in
            let tree = try await Tree.make(db)
            let chair = try await Tree.person(db, "Lê Văn Chủ", in: tree.committeeA)
            let store = ScheduleStore(database: db)
            let calendar = WorkCalendar(hours: .ngheAn, specialDays: HolidayRules.proposals(year: 2026) + HolidayRules.proposals(year: 2027), years: 2026...2027)
            let rule = try await store.addReceptionDay(try ReceptionDay.validated(unitID: tree.committeeA.id, chairID: chair.id, weekday: "5", nth: "0", start: "07:30",
                                                                                  end: "11:30", place: "Phòng tiếp dân", from: Day("2026-12-01")!), by: Tree.actor)
            let week = DutyWeek(containing: Day("2026-12-07")!)
            let made = try await store.draftReceptions(unitID: tree.committeeA.id, week: week, calendar: calendar, content: "Tiếp công dân định kỳ", by: Tree.actor)
            #expect(made.map(\.day) == [Day("2026-12-11")!] && made.allSatisfy { $0.reception && $0.chairID == chair.id && $0.status == .draft })
            #expect(try await store.draftReceptions(unitID: tree.committeeA.id, week: week, calendar: calendar, content: "x", by: Tree.actor).isEmpty)
            // New Year's Day takes that week's Friday away.
            #expect(try await store.draftReceptions(unitID: tree.committeeA.id, week: DutyWeek(containing: Day("2026-12-28")!), calendar: calendar,
                                                    content: "x", by: Tree.actor).isEmpty)
            try await store.endReceptionDay(rule.id, unitID: tree.committeeA.id, after: Day("2026-12-20")!, by: Tree.actor)
            await #expect(throws: StoreError.self) { try await store.endReceptionDay(rule.id, unitID: tree.committeeA.id, after: Day("2026-12-21")!, by: Tree.actor) }
            await #expect(throws: StoreError.self) { try await store.endReceptionDay(rule.id, unitID: tree.committeeB.id, after: Day("2026-12-21")!, by: Tree.actor) }
            #expect(try await store.regularReceptionDays(unitID: tree.committeeA.id, inForceFrom: Day("2026-12-21")!).isEmpty)
            #expect(try await store.regularReceptionDays(unitID: tree.committeeA.id, inForceFrom: Day("2026-12-14")!).first?.validTo == Day("2026-12-20"))
            #expect(try await store.draftReceptions(unitID: tree.committeeA.id, week: DutyWeek(containing: Day("2027-01-04")!), calendar: calendar,
                                                    content: "x", by: Tree.actor).isEmpty)
        }
    }
}
