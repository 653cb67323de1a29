import CongvuDomain
import Foundation
import Testing

/// Inspections: the roll at a minute (notices, leave, half-days, people who moved that day), the
/// checklist's versions, the backdating window, the duty rotation across holidays, coverage.
@Suite struct InspectionTests {
    let calendar = WorkCalendar(hours: .ngheAn, specialDays: HolidayRules.proposals(year: 2026) + HolidayRules.proposals(year: 2027), years: 2026...2027)
    let policy = AttendancePolicy()
    func day(_ s: String) -> Day { Day(s)! }
    func at(_ s: String) -> Date { Instant.parseLocal(s)! }

    /// The roll's finding for someone whose day so far is `punches` and `excuses`, seen or not at `minute`.
    func finding(_ minute: String, punches: [String] = [], excuses: [Excuse] = [], seen: Bool) -> RollFinding? {
        let d = day(String(minute.prefix(10)))
        let state = Presence.now(at(minute), day: d, punches: punches.map(at), excuses: excuses, calendar: calendar, policy: policy).state
        return InspectionRoll.finding(state: state, sighting: seen ? .seen : .notSeen)
    }

    @Test func theRollTurnsDisagreementsIntoFindings() {
        // Tuesday 8 December 2026, the team arrives at 09:50.
        let v = "2026-12-08 09:50"
        #expect(finding(v, punches: ["2026-12-08 07:05"], seen: true) == nil)
        #expect(finding(v, punches: ["2026-12-08 07:05"], seen: false) == .punchedNotPresent)
        #expect(finding(v, punches: ["2026-12-08 07:40"], seen: false) == .punchedNotPresent)  // late and then gone
        #expect(finding(v, seen: false) == .absentWithoutNotice)
        #expect(finding(v, seen: true) == .presentNoPunch)
        // Punched out at 09:00 and not there: gone without a notice.
        #expect(finding(v, punches: ["2026-12-08 07:00", "2026-12-08 09:00"], seen: false) == .absentWithoutNotice)
        // Out on an approved notice at the minute: nothing to find, seen or not.
        let trip = Excuse(id: "n1", kind: .businessTrip, from: at("2026-12-08 08:00"), to: at("2026-12-08 11:30"))
        #expect(finding(v, excuses: [trip], seen: false) == nil)
        #expect(finding(v, excuses: [trip], seen: true) == nil)
        // A punch after the minute does not count yet.
        #expect(finding(v, punches: ["2026-12-08 10:10"], seen: false) == .absentWithoutNotice)
    }

    @Test func aHalfDayOfLeaveCoversOnlyItsHalf() {
        let morning = Excuse(id: "l1", kind: .annualLeave, from: at("2026-12-08 07:00"), to: at("2026-12-08 11:30"))
        #expect(finding("2026-12-08 09:50", excuses: [morning], seen: false) == nil)
        // In the afternoon the leave is over: no punch and not there is an absence.
        #expect(finding("2026-12-08 14:30", excuses: [morning], seen: false) == .absentWithoutNotice)
        #expect(finding("2026-12-08 14:30", punches: ["2026-12-08 13:25"], excuses: [morning], seen: true) == nil)
    }

    @Test func nobodyIsExpectedOnADayOff() {
        // Saturday: nobody needs marking, and a mark finds nothing.
        let state = Presence.now(at("2026-12-12 09:00"), day: day("2026-12-12"), punches: [], excuses: [], calendar: calendar, policy: policy).state
        #expect(state == .dayOff && !InspectionRoll.needsMark(state))
        #expect(InspectionRoll.finding(state: state, sighting: .notSeen) == nil)
        #expect(InspectionRoll.finding(state: .notArrived, sighting: nil) == nil)  // not marked yet
    }

    @Test func someoneWhoMovedThatDayIsExpectedWhereTheyMovedTo() {
        let posts = [
            InspectionRoll.Post(personID: 1, unitPath: "/1/2/", from: day("2020-01-01"), to: nil),
            // Person 2 left /1/2/ for /1/3/ on 8 December; the old post was closed that same day.
            InspectionRoll.Post(personID: 2, unitPath: "/1/2/", from: day("2021-01-01"), to: day("2026-12-08")),
            InspectionRoll.Post(personID: 2, unitPath: "/1/3/", from: day("2026-12-08"), to: nil),
            // Person 3 moved in to /1/2/ the same day.
            InspectionRoll.Post(personID: 3, unitPath: "/1/3/", from: day("2019-01-01"), to: day("2026-12-08")),
            InspectionRoll.Post(personID: 3, unitPath: "/1/2/5/", from: day("2026-12-08"), to: nil),
            // Person 4's post ended the day before; person 5's begins tomorrow.
            InspectionRoll.Post(personID: 4, unitPath: "/1/2/", from: day("2020-01-01"), to: day("2026-12-07")),
            InspectionRoll.Post(personID: 5, unitPath: "/1/2/", from: day("2026-12-09"), to: nil),
        ]
        let expected = InspectionRoll.expected(posts, in: "/1/2/", on: day("2026-12-08")).map { posts[$0].personID }
        #expect(expected == [1, 3])
        #expect(InspectionRoll.expected(posts, in: "/1/3/", on: day("2026-12-08")).map { posts[$0].personID } == [2])
        // The day before the move, person 2 was still expected in /1/2/.
        #expect(InspectionRoll.expected(posts, in: "/1/2/", on: day("2026-12-07")).map { posts[$0].personID } == [1, 2, 4])
    }

    @Test func aVisitCannotBeBackdatedBeyondTheWindow() throws {
        let now = at("2026-12-08 10:00")
        let window = VisitWindow(backdateHours: 24)
        try window.check(start: at("2026-12-07 10:30"), now: now)
        #expect(throws: ValidationErrors([FieldError("started_at", "visit_backdated")])) { try window.check(start: at("2026-12-07 09:00"), now: now) }
        #expect(throws: ValidationErrors([FieldError("started_at", "visit_in_future")])) { try window.check(start: at("2026-12-08 11:00"), now: now) }
    }

    @Test func checklistsAreCheckedAndTheDefaultIsWhole() throws {
        // The default covers what the teams record, each theme at least once.
        #expect(Set(Checklist.directive26.map(\.theme)) == Set(Checklist.themes))
        #expect(Checklist.directive26.contains { $0.source == .attendance } && Checklist.directive26.contains { $0.source == .writtenDuties })
        #expect(try Checklist.validate(Checklist.directive26) == Checklist.directive26)
        #expect(Checklist.dutyShort.count == 5)
        let added = try Checklist.validate(Checklist.directive26 + [ChecklistItem(code: " Flag_Raised ", theme: "office", text: " Treo cờ  đúng quy định ")])
        #expect(added.last == ChecklistItem(code: "flag_raised", theme: "office", text: "Treo cờ đúng quy định"))
        func errors(_ items: [ChecklistItem]) -> [String] {
            do { _ = try Checklist.validate(items); return [] } catch let e as ValidationErrors { return e.errors.map(\.key) } catch { return ["?"] }
        }
        #expect(errors([]) == ["checklist_empty"])
        #expect(errors([ChecklistItem(code: "x y", theme: "office", text: "A")]) == ["checklist_code_invalid"])
        #expect(errors([ChecklistItem(code: "badges", theme: "conduct"), ChecklistItem(code: "badges", theme: "conduct")]) == ["checklist_code_repeated"])
        #expect(errors([ChecklistItem(code: "mine", theme: "weather", text: "A")]) == ["checklist_theme_unknown"])
        #expect(errors([ChecklistItem(code: "mine", theme: "office")]) == ["checklist_text_missing"])
    }

    @Test func recommendationsNeedAnOwnerAndAFutureDeadline() throws {
        let today = day("2026-12-08")
        let r = try Recommendation.validate(text: " Niêm yết lịch tiếp công dân ", ownerID: 4, due: day("2026-12-31"), today: today)
        #expect(r == Recommendation(text: "Niêm yết lịch tiếp công dân", ownerID: 4, due: day("2026-12-31")))
        #expect(throws: ValidationErrors([FieldError("recommendation", "required"), FieldError("owner", "required"), FieldError("due", "due_in_past")])) {
            try Recommendation.validate(text: "x", ownerID: nil, due: day("2026-12-01"), today: today)
        }
    }

    @Test func coverageCountsUnitsInScopeOnce() {
        let c = Coverage.of(units: [10, 11, 12, 13], visits: [(10, day("2026-03-02")), (10, day("2026-09-14")), (12, day("2026-05-05")), (99, day("2026-05-05"))])
        #expect((c.inspected, c.inScope) == (2, 4))
        #expect(c.never == [11, 13])
        #expect(c.lines.first { $0.unitID == 10 } == Coverage.UnitLine(unitID: 10, visits: 2, last: day("2026-09-14")))
    }

    @Test func theDutyTurnSkipsAWeekOfHolidays() throws {
        // A calendar where the week of 15 February 2027 (Tết) has no working day at all.
        let tet = (15...19).map { SpecialDay(day: Day(year: 2027, month: 2, day: $0)!, kind: .holiday, name: "Tết") }
        let cal = WorkCalendar(hours: .ngheAn, specialDays: tet, years: 2026...2027)
        let start = DutyWeek(containing: day("2027-02-01"))
        let rotation = DutyRotation(order: [7, 8, 9], start: start)
        let weeks = (0..<5).reduce(into: [start]) { ws, _ in ws.append(ws.last!.next) }
        // 1 Feb: 7; 8 Feb: 8; 15 Feb: nobody (no working day); 22 Feb: 9; 1 Mar: 7 again.
        #expect(weeks.map { rotation.onDuty($0, calendar: cal) } == [7, 8, nil, 9, 7, 8])
        #expect(rotation.onDuty(start.previous, calendar: cal) == nil)
        // A swap changes that week only.
        var swapped = rotation
        swapped.swaps[weeks[3]] = 7
        #expect(weeks.map { swapped.onDuty($0, calendar: cal) } == [7, 8, nil, 7, 7, 8])
        // A week shortened to two working days asks for two checks, a full week for three.
        let short = WorkCalendar(hours: .ngheAn, specialDays: (3...5).map { SpecialDay(day: Day(year: 2027, month: 3, day: $0)!, kind: .holiday, name: "x") },
                                 years: 2027...2027)
        #expect(rotation.required(DutyWeek(containing: day("2027-03-01")), calendar: short) == 2)
        #expect(rotation.required(DutyWeek(containing: day("2027-03-08")), calendar: short) == 3)
        #expect(throws: ValidationErrors([FieldError("order", "rotation_repeated")])) { try DutyRotation.validate(order: [7, 7], minimumChecks: 3) }
        #expect(throws: ValidationErrors([FieldError("order", "rotation_too_short"), FieldError("minimum_checks", "out_of_range")])) {
            try DutyRotation.validate(order: [7], minimumChecks: 0)
        }
    }
}
