import CongvuDomain
import Foundation
import Testing

/// Nghệ An summer hours on Friday 5 June 2026: 07:00–11:30 and 13:30–17:00.
@Suite struct VerdictTests {
    let day = Day("2026-06-05")!
    let policy = AttendancePolicy()

    func punches(_ times: String...) -> [Punch] { times.map { Punch(at: at("2026-06-05 \($0)")) } }

    func verdict(_ punches: [Punch], excuses: [Excuse] = [], day: Day? = nil, policy: AttendancePolicy? = nil,
                 calendar: WorkCalendar = proposedCalendar, holiday: Bool = false) -> DayVerdict {
        VerdictEngine.verdict(day: day ?? self.day, punches: punches, excuses: excuses, calendar: calendar,
                              policy: policy ?? self.policy, isHoliday: holiday)
    }

    func excuse(_ from: String, _ to: String, kind: Excuse.Kind = .notice) -> Excuse {
        Excuse(id: "n1", kind: kind, from: at("2026-06-05 \(from)"), to: at("2026-06-05 \(to)"))
    }

    @Test func onTimeWithinTheGrace() {
        let v = verdict(punches("06:55", "17:02"))
        #expect(v.status == .onTime)
        #expect(v.checkIn == at("2026-06-05 06:55"))
        #expect(v.checkOut == at("2026-06-05 17:02"))
        #expect(verdict(punches("07:05", "16:55")).status == .onTime)
        let late = verdict(punches("07:06", "17:00"))
        #expect(late.status == .late)
        #expect(late.lateMinutes == 6)
        #expect(late.reasons == [.late(minutes: 6, session: 0)])
    }

    @Test func lateAndEarlyAreCountedInWorkingMinutes() {
        let v = verdict(punches("07:20", "16:30"))
        #expect(v.status == .lateAndLeftEarly)
        #expect((v.lateMinutes, v.earlyMinutes) == (20, 30))
        // Arriving after lunch: the morning's 270 working minutes are missing, not the lunch break.
        let afternoon = verdict(punches("13:25", "17:00"))
        #expect(afternoon.lateMinutes == 270)
        #expect(afternoon.status == .halfDayAbsent)
        let leftAtLunch = verdict(punches("06:58", "11:31"))
        #expect(leftAtLunch.earlyMinutes == 210)
        #expect(leftAtLunch.status == .halfDayAbsent)
        #expect(verdict(punches("06:58", "15:00")).status == .leftEarly)
    }

    @Test func noticesExcuseTheirWindowOnly() {
        // Afternoon out on a notice: a morning of work is a full day.
        let v = verdict(punches("06:58", "11:31"), excuses: [excuse("13:30", "17:00")])
        #expect(v.status == .onTime)
        #expect(v.reasons.contains(.excused(by: "n1", kind: .notice)))
        // A notice spanning the lunch break, back before the end of the day.
        #expect(verdict(punches("06:58", "16:59"), excuses: [excuse("09:00", "15:00")]).status == .onTime)
        // Left for the notice and never came back: early leave after the notice ends (and the
        // minute between the last punch and the notice's start).
        let gone = verdict(punches("06:58", "08:59"), excuses: [excuse("09:00", "15:00")])
        #expect(gone.status == .leftEarly)
        #expect(gone.earlyMinutes == 121)
        // A notice that ends at 08:00 does not excuse a 10:00 arrival.
        #expect(verdict(punches("10:00", "17:00"), excuses: [excuse("07:00", "08:00")]).lateMinutes == 120)
        // Overlapping excuses are not counted twice.
        let overlapping = verdict(punches("10:00", "17:00"), excuses: [excuse("07:00", "09:00"), excuse("08:00", "09:30")])
        #expect(overlapping.lateMinutes == 30)
    }

    @Test func wholeDayLeaveAndAbsence() {
        let leave = verdict([], excuses: [excuse("00:00", "23:59", kind: .annualLeave)])
        #expect(leave.status == .excused)
        let absent = verdict([])
        #expect(absent.status == .absent)
        #expect(absent.missingMinutes == 480)
        #expect(absent.reasons == [.sessionMissed(session: 0), .sessionMissed(session: 1)])
        // Present for ten minutes is still absent.
        #expect(verdict(punches("16:50", "17:00")).status == .absent)
    }

    @Test func holidaysWeekendsAndMakeUpSaturdays() {
        #expect(verdict([], day: Day("2026-09-02")!, holiday: true).status == .holiday)
        #expect(verdict([], day: Day("2026-06-06")!).status == .notScheduled)
        let makeUp = SpecialDay(day: Day("2026-06-13")!, kind: .makeUpWorkday, name: "make_up")
        let calendar = WorkCalendar(hours: .ngheAn, specialDays: HolidayRules.proposals(year: 2026) + [makeUp], years: 2026...2026)
        #expect(verdict([], day: Day("2026-06-13")!, calendar: calendar).status == .absent)
        let worked = [Punch(at: at("2026-06-13 06:59")), Punch(at: at("2026-06-13 17:01"))]
        #expect(verdict(worked, day: Day("2026-06-13")!, calendar: calendar).status == .onTime)
    }

    @Test func nightPunchesAndDoubleTapsDoNotCount() {
        let v = verdict(punches("02:10", "06:59", "07:00", "17:01", "23:40"))
        #expect(v.status == .onTime)
        #expect(v.reasons == [.ignoredPunches(count: 2)])
        #expect(verdict(punches("02:10", "23:40")).status == .absent)
        // A double tap at the door is one punch: the check-out is missing.
        let tap = verdict(punches("06:59", "07:00"))
        #expect(tap.status == .missingPunch)
        #expect(tap.reasons == [.missingCheckOut])
        let evening = verdict(punches("16:59"))
        #expect(evening.reasons == [.missingCheckIn])
        #expect(evening.status == .missingPunch)
    }

    @Test func perSessionBoardsCheckEachHalfDay() {
        let policy = AttendancePolicy(derivation: .perSession)
        let v = verdict(punches("06:58", "11:31", "13:40", "17:01"), policy: policy)
        #expect(v.status == .late)
        #expect(v.reasons == [.late(minutes: 10, session: 1)])
        let morningOnly = verdict(punches("06:58", "11:31"), policy: policy)
        #expect(morningOnly.status == .halfDayAbsent)
        #expect(morningOnly.reasons == [.sessionMissed(session: 1)])
        // Out on a notice from 10:00 to 15:00: no check-out in the morning is needed.
        let notice = verdict(punches("06:58", "15:05", "17:01"), excuses: [excuse("10:00", "15:00")], policy: policy)
        #expect(notice.status == .onTime)
        #expect(notice.reasons == [.excused(by: "n1", kind: .notice)])
        // Back from a morning notice with only an afternoon check-out: the notice's end is the check-in.
        let back = verdict(punches("16:59"), excuses: [excuse("06:30", "14:00")], policy: policy)
        #expect(back.status == .onTime)
        #expect(back.checkIn == at("2026-06-05 14:00"))
        #expect(verdict(punches("16:59"), excuses: [excuse("06:30", "11:30")], policy: policy).reasons.contains(.missingCheckIn))
    }
}

@Suite struct PunchFlagTests {
    @Test func devicesAheadOrUploadsLongAfterAreFlagged() {
        let now = Date(timeIntervalSince1970: 1_780_632_000)
        #expect(PunchFlag.check(at: now.addingTimeInterval(300), receivedAt: now) == PunchFlag.none)
        #expect(PunchFlag.check(at: now.addingTimeInterval(301), receivedAt: now) == .future)
        #expect(PunchFlag.check(at: now.addingTimeInterval(-7 * 86400), receivedAt: now) == PunchFlag.none)
        #expect(PunchFlag.check(at: now.addingTimeInterval(-7 * 86400 - 1), receivedAt: now) == .stale)
    }
}
