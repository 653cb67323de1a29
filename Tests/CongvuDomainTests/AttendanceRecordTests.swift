import CongvuDomain
import Foundation
import Testing

/// Friday 5 June 2026, Nghệ An summer hours: 07:00–11:30 and 13:30–17:00.
@Suite struct AttendanceRecordTests {
    let day = Day("2026-06-05")!
    let policy = AttendancePolicy()

    func t(_ hhmm: String) -> Date { at("2026-06-05 \(hhmm)") }

    @Test func reasonsRoundTripThroughTheirCodes() throws {
        let reasons: [DayVerdict.Reason] = [.late(minutes: 12, session: 0), .leftEarly(minutes: 30, session: 1), .sessionMissed(session: 1),
                                            .missingCheckIn, .missingCheckOut, .excused(by: "absence-7", kind: .businessTrip), .ignoredPunches(count: 2)]
        var v = DayVerdict(status: .late)
        v.reasons = reasons
        #expect(try DayVerdict.reasons(fromCodes: v.reasonCodes) == reasons)
        #expect(try DayVerdict.reasons(fromCodes: "") == [])
        #expect(throws: UnreadableValue.self) { try DayVerdict.reasons(fromCodes: "late:x:0") }
        #expect(throws: UnreadableValue.self) { try DayVerdict.reasons(fromCodes: "excused:absence-1:holiday_trip") }
    }

    @Test func theKioskSaysCheckInOrOutAndHowLate() {
        let cal = proposedCalendar
        let arrive = Presence.feedback(at: t("07:24"), earlier: [], day: day, calendar: cal, policy: policy)
        #expect(arrive == Presence.Feedback(kind: .checkIn, minutes: 24, repeated: false))
        #expect(Presence.feedback(at: t("07:04"), earlier: [], day: day, calendar: cal, policy: policy).minutes == 0)  // within the grace
        let again = Presence.feedback(at: t("07:25"), earlier: [t("07:24")], day: day, calendar: cal, policy: policy)
        #expect(again.repeated)
        let leave = Presence.feedback(at: t("16:40"), earlier: [t("07:24")], day: day, calendar: cal, policy: policy)
        #expect(leave == Presence.Feedback(kind: .checkOut, minutes: 20, repeated: false))
        // Leaving for an approved afternoon notice is not early.
        let notice = Excuse(id: "n", kind: .notice, from: t("13:30"), to: t("17:00"))
        #expect(Presence.feedback(at: t("11:31"), earlier: [t("06:58")], day: day, calendar: cal, policy: policy, excuses: [notice]).minutes == 0)
        // Two notices over the same hour excuse it once: leaving at 15:00 with notices 15:00–16:00
        // and 15:30–16:00 is an hour early, not a minute less.
        let overlapping = [Excuse(id: "a", kind: .notice, from: t("15:00"), to: t("16:00")), Excuse(id: "b", kind: .notice, from: t("15:30"), to: t("16:00"))]
        #expect(Presence.feedback(at: t("15:00"), earlier: [t("06:58")], day: day, calendar: cal, policy: policy, excuses: overlapping).minutes == 60)
        // Per session: an afternoon arrival is measured from the afternoon's start.
        let perSession = AttendancePolicy(derivation: .perSession)
        let back = Presence.feedback(at: t("13:42"), earlier: [t("06:58"), t("11:31")], day: day, calendar: cal, policy: perSession)
        #expect(back == Presence.Feedback(kind: .checkIn, minutes: 12, repeated: false))
        // After the working day has ended a check-in is not "late 480 minutes": it is outside
        // working hours, which ended at 17:00 (the working minutes missed are still counted).
        let evening = Presence.feedback(at: t("20:12"), earlier: [], day: day, calendar: cal, policy: policy)
        #expect(evening.kind == .checkIn && evening.outsideHours == ClockTime("17:00") && evening.minutes == 8 * 60)
        // Late within the day is lateness, not outside hours; so is an arrival in the lunch gap.
        #expect(Presence.feedback(at: t("16:59"), earlier: [], day: day, calendar: cal, policy: policy).outsideHours == nil)
        #expect(Presence.feedback(at: t("12:00"), earlier: [], day: day, calendar: cal, policy: policy).outsideHours == nil)
        // A check-out before the day has started: outside hours, from 07:00.
        let dawn = Presence.feedback(at: t("06:10"), earlier: [t("06:00")], day: day, calendar: cal, policy: policy)
        #expect(dawn.kind == .checkOut && dawn.outsideHours == ClockTime("07:00"))
        // An approved notice for the whole day: nothing missed, nothing outside to say.
        let away = Excuse(id: "w", kind: .businessTrip, from: t("07:00"), to: t("17:00"))
        #expect(Presence.feedback(at: t("20:12"), earlier: [], day: day, calendar: cal, policy: policy, excuses: [away]) == Presence.Feedback(kind: .checkIn, minutes: 0, repeated: false))
        // A weekend: in and out, nothing to measure.
        #expect(Presence.feedback(at: at("2026-06-06 08:00"), earlier: [], day: Day("2026-06-06")!, calendar: cal, policy: policy).minutes == 0)
    }

    @Test func theBoardPlacesEveryoneNow() {
        let cal = proposedCalendar
        func now(_ hhmm: String, _ punches: [String], _ excuses: [Excuse] = []) -> Presence.Now {
            Presence.now(t(hhmm), day: day, punches: punches.map(t), excuses: excuses, calendar: cal, policy: policy)
        }
        #expect(now("06:30", []).state == .notArrived)
        #expect(now("08:00", ["06:55"]).state == .present)
        let late = now("08:00", ["07:20"])
        #expect((late.state, late.lateMinutes) == (.late, 20))
        #expect(now("17:10", ["06:55", "17:05"]).state == .left)
        #expect(now("08:00", ["08:30"]).state == .notArrived)  // a punch in the future does not count yet
        #expect(now("14:00", ["06:55"], [Excuse(id: "a", kind: .businessTrip, from: t("13:30"), to: t("17:00"))]).state == .onNotice)
        #expect(now("09:00", [], [Excuse(id: "b", kind: .annualLeave, from: t("00:00"), to: t("23:59"))]).state == .onLeave)
        #expect(Presence.now(at("2026-06-06 09:00"), day: Day("2026-06-06")!, punches: [], excuses: [], calendar: cal, policy: policy).state == .dayOff)
        // Coming in on a Saturday anyway: in.
        #expect(Presence.now(at("2026-06-06 09:00"), day: Day("2026-06-06")!, punches: [at("2026-06-06 08:10")], excuses: [], calendar: cal,
                             policy: policy).state == .present)
    }

    @Test func todayIsNeverJudgedAheadOfTheClock() {
        let cal = proposedCalendar
        func v(_ now: String, _ punches: [String]) -> DayVerdict {
            VerdictEngine.provisional(day: day, now: t(now), punches: punches.map { Punch(at: t($0)) }, excuses: [], calendar: cal,
                                      policy: policy, isHoliday: false)
        }
        #expect(v("05:00", []).status == .pending)  // nobody is absent at dawn
        #expect(v("09:00", ["06:58"]).status == .onTime)  // no check-out due yet
        #expect(v("09:00", ["06:58"]).reasons.isEmpty)
        let late = v("09:00", ["07:30"])
        #expect((late.status, late.lateMinutes) == (.late, 30))
        let missing = v("09:00", [])  // two hours gone without a punch: absent so far, for those two hours only
        #expect((missing.status, missing.missingMinutes) == (.absent, 120))
        // Once the day is over the provisional verdict is the verdict.
        let over = VerdictEngine.provisional(day: day, now: at("2026-06-06 01:00"), punches: [Punch(at: t("06:58"))], excuses: [], calendar: cal,
                                             policy: policy, isHoliday: false)
        #expect(over.status == .missingPunch)
    }

    @Test func timesheetCodesAndTotals() {
        func verdict(_ s: DayVerdict.Status, late: Int = 0, early: Int = 0, kind: Excuse.Kind? = nil) -> DayVerdict {
            var v = DayVerdict(status: s)
            v.lateMinutes = late
            v.earlyMinutes = early
            if let kind { v.reasons = [.excused(by: "x", kind: kind)] }
            return v
        }
        let month = [verdict(.onTime), verdict(.late, late: 12), verdict(.leftEarly, early: 20), verdict(.halfDayAbsent, early: 200),
                     verdict(.absent), verdict(.excused, kind: .annualLeave), verdict(.excused, kind: .businessTrip), verdict(.excused, kind: .sickLeave),
                     verdict(.holiday), verdict(.notScheduled), verdict(.missingPunch), verdict(.pending)]
        #expect(month.map(Timesheet.code) == ["+", "M", "S", "½V", "V", "P", "CT", "Ô", "L", "", "Q", ""])
        var totals = Timesheet.Totals()
        for v in month { totals.add(v) }
        #expect(totals.scheduled == 9)
        #expect(totals.worked == 4.5)
        #expect(totals.absent == 1.5)
        #expect(totals.excused == 3)
        #expect((totals.lateCount, totals.lateMinutes, totals.earlyCount, totals.missingPunches) == (1, 12, 2, 1))
        #expect(Set(Timesheet.legend.map(\.code)).isSuperset(of: Set(month.map(Timesheet.code).filter { !$0.isEmpty })))
        var c = Compliance()
        for v in month { c.add(v) }
        #expect((c.expected, c.kept, c.excused) == (6, 1, 3))
        #expect(c.rate == 1.0 / 6.0)
        #expect(Compliance().rate == nil)
    }

    @Test func explanationsOpenOnlyOnViolationsWithAWorkingDayDeadline() throws {
        var late = DayVerdict(status: .late)
        late.lateMinutes = 25
        // Opened on Friday morning with 3 working days: due Wednesday at the same time.
        let e = try Explanation.open(personID: 1, day: day, verdict: late, at: t("09:00"), by: 7, calendar: proposedCalendar, workingDays: 3)
        #expect(e.dueAt == at("2026-06-10 09:00"))
        #expect((e.status, e.minutes, e.verdict) == (.open, 25, .late))
        #expect(!e.isOverdue(at: at("2026-06-10 08:59")))
        #expect(e.isOverdue(at: at("2026-06-10 09:01")))
        #expect(throws: ValidationErrors([FieldError("day", "explanation_not_needed")])) {
            try Explanation.open(personID: 1, day: day, verdict: DayVerdict(status: .onTime), at: t("09:00"), by: nil, calendar: proposedCalendar, workingDays: 3)
        }
        #expect(throws: ValidationErrors([FieldError("text", "explanation_too_short")])) { try Explanation.validateText(" ngắn ") }
        #expect(try Explanation.validateText("  Xe hỏng trên đường  ") == "Xe hỏng trên đường")
    }

    @Test func policiesAreBounded() throws {
        let p = try AttendancePolicy.validate(derivation: "per_session", grace: "10", collapse: "60", window: "120", halfDay: "200",
                                              absentBelow: "20", explanationDays: "5", typedCards: "pin")
        #expect(p == AttendancePolicy(derivation: .perSession, graceMinutes: 10, collapseSeconds: 60, windowMinutes: 120, halfDayMinutes: 200,
                                      absentBelowMinutes: 20, explanationDays: 5, typedCards: .pin))
        #expect(throws: ValidationErrors([FieldError("derivation", "policy_derivation_invalid"), FieldError("typed_cards", "policy_typed_cards_invalid"),
                                          FieldError("grace_minutes", "number_out_of_range"), FieldError("explanation_days", "number_out_of_range")])) {
            try AttendancePolicy.validate(derivation: "hourly", grace: "-1", collapse: "60", window: "120", halfDay: "200", absentBelow: "20",
                                          explanationDays: "x", typedCards: "sometimes")
        }
    }

    @Test func monthsAndDays() {
        let m = Month("2026-02")!
        #expect(m.days.count == 28)
        #expect(m.previous.description == "2026-01")
        #expect(Month("2026-12")!.next.description == "2027-01")
        #expect(Month("2026-13") == nil)
        #expect(Month("26-01") == nil)
        #expect(Day("2026-12-31")!.next == Day("2027-01-01")!)
        #expect(Day("2028-02-28")!.next == Day("2028-02-29")!)
        #expect(Day("2026-06-05")!.through(Day("2026-06-07")!).count == 3)
        #expect(CivilTime.startOfDay(Day("2026-06-05")!) == at("2026-06-05 00:00"))
        // The day of an instant in Vietnam, by arithmetic, agrees with Foundation's calendar around every midnight.
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = CivilTime.vietnam
        for i in 0..<3000 {
            let instant = Date(timeIntervalSince1970: 946_684_800 + Double(i) * 86_400 * 3.7 + Double(i % 5 - 2))
            let c = calendar.dateComponents([.year, .month, .day], from: instant)
            #expect(Day(instant, in: CivilTime.vietnam) == Day(year: c.year!, month: c.month!, day: c.day!))
        }
    }
}
