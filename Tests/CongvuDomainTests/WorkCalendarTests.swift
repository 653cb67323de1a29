import CongvuDomain
import Foundation
import Testing

/// Local time in Vietnam (UTC+7).
func at(_ text: String) -> Date { Instant.parseLocal(text)! }
func local(_ date: Date) -> String { Instant.formatLocal(date) }

let proposedCalendar = WorkCalendar(hours: .ngheAn, specialDays: (2019...2028).flatMap { HolidayRules.proposals(year: $0) })

@Suite struct HolidayRuleTests {
    func daysOff(_ from: String, _ to: String) -> [String] {
        var out: [String] = []
        var jd = LunarCalendar.julianDay(Day(from)!)
        while jd <= LunarCalendar.julianDay(Day(to)!) {
            let d = LunarCalendar.day(julianDay: jd)!
            if !proposedCalendar.isWorkingDay(d) { out.append(d.description) }
            jd += 1
        }
        return out
    }

    /// The published notices: Tết 2020 off 23–29 January; National Day 2024 off 31 August – 3 September.
    @Test func proposalsMatchPublishedNotices() {
        #expect(daysOff("2020-01-20", "2020-02-02") == ["2020-01-23", "2020-01-24", "2020-01-25", "2020-01-26", "2020-01-27",
                                                        "2020-01-28", "2020-01-29", "2020-02-01", "2020-02-02"])
        #expect(daysOff("2024-08-30", "2024-09-05") == ["2024-08-31", "2024-09-01", "2024-09-02", "2024-09-03"])
        // Tết 2024 fell on a Saturday: 8–14 February.
        #expect(daysOff("2024-02-07", "2024-02-15") == (8...14).map { "2024-02-\($0 < 10 ? "0" : "")\($0)" })
        // 30/4/2022 and 1/5/2022 fell on a weekend: compensatory 2 and 3 May.
        #expect(daysOff("2022-04-29", "2022-05-04") == ["2022-04-30", "2022-05-01", "2022-05-02", "2022-05-03"])
    }

    @Test func elevenHolidaysAYearAndCompensationForWeekends() {
        for year in 2019...2028 {
            let p = HolidayRules.proposals(year: year)
            #expect(p.filter { $0.kind == .holiday }.count == 11, "\(year)")
            let weekendHolidays = p.filter { $0.kind == .holiday && HolidayRules.isWeekend($0.day) }.count
            #expect(p.filter { $0.kind == .compensatory }.count == weekendHolidays, "\(year)")
            #expect(p.allSatisfy { $0.kind != .compensatory || !HolidayRules.isWeekend($0.day) })
        }
        // 2025: 2 September is a Tuesday, so Monday 1 September goes with it.
        #expect(HolidayRules.proposals(year: 2025).contains { $0.day == Day("2025-09-01") && $0.name == "holiday_national_day" })
        // Hùng Kings' day 2026 is a Sunday: Monday 27 April is the compensatory day.
        #expect(HolidayRules.proposals(year: 2026).contains { $0.day == Day("2026-04-27") && $0.kind == .compensatory })
    }

    @Test func aMakeUpSaturdayIsWorked() {
        let make = SpecialDay(day: Day("2019-01-05")!, kind: .makeUpWorkday, name: "make_up")
        let c = WorkCalendar(hours: .ngheAn, specialDays: HolidayRules.proposals(year: 2019) + [make], years: 2019...2019)
        #expect(c.isWorkingDay(Day("2019-01-05")!))
        #expect(c.sessions(on: Day("2019-01-05")!).count == 2)
        #expect(!c.isWorkingDay(Day("2019-01-06")!))
    }
}

@Suite struct WorkingTimeTests {
    let c = proposedCalendar

    @Test func seasonsFollowNgheAn() {
        #expect(c.sessions(on: Day("2026-04-15")!).map(\.description) == ["07:30-12:00", "13:30-17:00"])
        #expect(c.sessions(on: Day("2026-04-16")!).map(\.description) == ["07:00-11:30", "13:30-17:00"])
        #expect(c.sessions(on: Day("2026-10-16")!).map(\.description) == ["07:30-12:00", "13:30-17:00"])
        #expect(c.sessions(on: Day("2026-04-25")!).isEmpty)  // a Saturday
    }

    /// Friday 24 April 2026, 16:10, plus 3 working days: Monday 27 is the compensatory day for
    /// Hùng Kings' day, 30/4 and 1/5 are holidays, then the weekend: Monday 4 May, 16:10.
    @Test func addingWorkingDaysKeepsTheClockTime() throws {
        #expect(local(try c.addingWorkingDays(3, to: at("2026-04-24 16:10"))) == "2026-05-04 16:10")
        #expect(local(try c.addingWorkingDays(0, to: at("2026-04-24 16:10"))) == "2026-04-24 16:10")
        // Received at 18:00 or on Saturday: counting starts at the next session.
        #expect(local(try c.addingWorkingDays(1, to: at("2026-06-05 18:00"))) == "2026-06-09 07:00")
        #expect(local(try c.addingWorkingDays(1, to: at("2026-06-06 09:00"))) == "2026-06-09 07:00")
        // Into winter hours: 07:10 does not exist there, so the session start.
        #expect(local(try c.addingWorkingDays(1, to: at("2026-10-15 07:10"))) == "2026-10-16 07:30")
        #expect(local(try c.addingWorkingDays(1, to: at("2026-10-15 12:10"))) == "2026-10-16 13:30")
    }

    @Test func workingHoursWalkTheSessions() throws {
        #expect(local(try c.addingWorkingTime(3600, to: at("2026-06-05 11:00"))) == "2026-06-05 14:00")
        #expect(local(try c.addingWorkingTime(8 * 3600, to: at("2026-06-05 07:00"))) == "2026-06-05 17:00")
        #expect(local(try c.addingWorkingTime(8 * 3600 + 60, to: at("2026-06-05 07:00"))) == "2026-06-08 07:01")
        #expect(try c.workingTime(from: at("2026-06-05 07:00"), to: at("2026-06-08 07:01")) == 8 * 3600 + 60)
        #expect(local(try c.nextSessionStart(from: at("2026-06-05 12:00"))) == "2026-06-05 13:30")
        #expect(local(try c.nextSessionStart(from: at("2026-06-05 09:00"))) == "2026-06-05 09:00")
    }

    @Test func sameDayAndCalendarDayDeadlines() throws {
        #expect(local(try c.sameDayDeadline(receivedAt: at("2026-06-05 14:59"))) == "2026-06-05 17:00")
        #expect(local(try c.sameDayDeadline(receivedAt: at("2026-06-05 15:00"))) == "2026-06-08 17:00")
        #expect(local(try c.sameDayDeadline(receivedAt: at("2026-06-06 08:00"))) == "2026-06-08 17:00")
        #expect(try c.calendarDaysDeadline(receivedAt: at("2026-04-20 09:00"), days: 10) == Day("2026-05-04"))
        #expect(try c.calendarDaysDeadline(receivedAt: at("2026-06-01 09:00"), days: 3) == Day("2026-06-04"))
    }

    @Test func outsideTheTablesIsAnError() {
        let small = WorkCalendar(hours: .ngheAn, specialDays: [], years: 2026...2026)
        #expect(throws: WorkCalendar.OutOfRange.beyondTables) { try small.addingWorkingDays(400, to: at("2026-06-01 09:00")) }
        #expect(throws: WorkCalendar.OutOfRange.beyondTables) { try small.nextSessionStart(from: at("2027-06-01 09:00")) }
    }
}

/// The algebra, checked on many seeded random instants and amounts (reproducible).
@Suite struct WorkingTimePropertyTests {
    let c = proposedCalendar

    func instants(_ count: Int, seed: UInt64) -> [Date] {
        var g = SeededGenerator(seed: seed)
        let start = at("2025-01-01 00:00").timeIntervalSince1970
        return (0..<count).map { _ in Date(timeIntervalSince1970: start + Double(Int.random(in: 0..<(3 * 365 * 86400), using: &g))) }
    }

    @Test func addingThenMeasuringGivesTheAmountBack() throws {
        var g = SeededGenerator(seed: 7)
        for a in instants(3000, seed: 1) {
            let amount = TimeInterval(Int.random(in: 0...(120 * 3600), using: &g))
            let b = try c.addingWorkingTime(amount, to: a)
            #expect(try c.workingTime(from: a, to: b) == amount, "\(local(a)) + \(amount)s")
            #expect(c.isWorkingTime(b))
        }
    }

    @Test func resultsFallInsideSessions() throws {
        var g = SeededGenerator(seed: 11)
        for a in instants(3000, seed: 2) {
            let n = Int.random(in: 0...60, using: &g)
            #expect(c.isWorkingTime(try c.addingWorkingDays(n, to: a)), "\(local(a)) + \(n) days")
            #expect(c.isWorkingTime(try c.nextSessionStart(from: a)))
            #expect(c.isWorkingTime(try c.sameDayDeadline(receivedAt: a)))
            #expect(c.isWorkingDay(try c.calendarDaysDeadline(receivedAt: a, days: n)))
        }
    }

    @Test func laterStartsAndLargerAmountsNeverGiveEarlierResults() throws {
        var g = SeededGenerator(seed: 13)
        for a in instants(2000, seed: 3) {
            let b = a.addingTimeInterval(Double(Int.random(in: 0...(5 * 86400), using: &g)))
            let n = Int.random(in: 0...40, using: &g), m = n + Int.random(in: 0...10, using: &g)
            #expect(try c.addingWorkingDays(n, to: a) <= c.addingWorkingDays(n, to: b))
            #expect(try c.addingWorkingDays(n, to: a) <= c.addingWorkingDays(m, to: a))
            let h = TimeInterval(Int.random(in: 0...(50 * 3600), using: &g))
            #expect(try c.addingWorkingTime(h, to: a) <= c.addingWorkingTime(h, to: b))
            #expect(try c.workingTime(from: a, to: b) <= b.timeIntervalSince(a))
        }
    }

    /// Within one season each working day is 8 hours, so N working days are N × 8 working hours.
    @Test func aWorkingDayIsEightHoursWithinASeason() throws {
        var g = SeededGenerator(seed: 17)
        let start = at("2026-05-01 00:00").timeIntervalSince1970
        for _ in 0..<2000 {
            let a = Date(timeIntervalSince1970: start + Double(Int.random(in: 0..<(90 * 86400), using: &g)))
            let n = Int.random(in: 0...30, using: &g)
            let b = try c.addingWorkingDays(n, to: a)
            #expect(try c.workingTime(from: c.nextSessionStart(from: a), to: b) == TimeInterval(n * 8 * 3600), "\(local(a)) + \(n)")
        }
    }
}
