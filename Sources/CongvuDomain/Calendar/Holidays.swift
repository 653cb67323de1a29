/// What a special day changes. A make-up working day is a Saturday or Sunday that is worked.
public enum SpecialDayKind: String, CaseIterable, Codable, Sendable {
    case holiday
    case compensatory = "compensatory_day_off"
    case makeUpWorkday = "make_up_working_day"
    case localDayOff = "local_day_off"

    public var isDayOff: Bool { self != .makeUpWorkday }
}

/// A day that departs from the weekly pattern. `name` and `reference` are catalog keys for the
/// proposals the rules make, or text an administrator typed.
public struct SpecialDay: Hashable, Sendable, Codable {
    public var day: Day
    public var kind: SpecialDayKind
    public var name: String
    public var reference: String

    public init(day: Day, kind: SpecialDayKind, name: String, reference: String = "") {
        self.day = day
        self.kind = kind
        self.name = name
        self.reference = reference
    }
}

/// Proposes a year's days off from the Labour Code 2019, Art. 112: 1 January, five days of Tết
/// (the last two days of the lunar year and the first three of the new one), Hùng Kings' day
/// (10/3 lunar), 30 April, 1 May, 2 September and a day next to it, and a compensatory day off
/// after each holiday that falls on a weekend. Make-up Saturdays come only from the year's
/// official notice. Nothing here is final: an administrator confirms or edits every day.
public enum HolidayRules {
    public static let reference = "ref_labour_code_112"

    public static func proposals(year: Int) -> [SpecialDay] {
        var days: [SpecialDay] = []
        func holiday(_ day: Day?, _ name: String) {
            if let day { days.append(SpecialDay(day: day, kind: .holiday, name: name, reference: reference)) }
        }
        holiday(Day(year: year, month: 1, day: 1), "holiday_new_year")
        if let tet = LunarCalendar.solar(LunarDate(year: year, month: 1, day: 1)) {
            let jd = LunarCalendar.julianDay(tet)
            for offset in -2...2 { holiday(LunarCalendar.day(julianDay: jd + offset), "holiday_tet") }
        }
        holiday(LunarCalendar.solar(LunarDate(year: year, month: 3, day: 10)), "holiday_hung_kings")
        holiday(Day(year: year, month: 4, day: 30), "holiday_reunification")
        holiday(Day(year: year, month: 5, day: 1), "holiday_labour")
        let national = Day(year: year, month: 9, day: 2)!
        holiday(national, "holiday_national_day")
        holiday(adjacentToNationalDay(year), "holiday_national_day")

        // A compensatory day follows each holiday on a weekend, after the block of days off.
        let off = Set(days.map(\.day))
        var taken = off
        for h in days.sorted(by: { $0.day < $1.day }) where isWeekend(h.day) {
            var jd = LunarCalendar.julianDay(h.day) + 1
            while let d = LunarCalendar.day(julianDay: jd), isWeekend(d) || taken.contains(d) { jd += 1 }
            if let d = LunarCalendar.day(julianDay: jd) {
                taken.insert(d)
                days.append(SpecialDay(day: d, kind: .compensatory, name: h.name, reference: "ref_labour_code_112_3"))
            }
        }
        return days.sorted { $0.day < $1.day }
    }

    /// The day next to 2 September: the weekday of 1 and 3 September that touches a weekend,
    /// else 1 September (2024: Tuesday 3; 2025: Monday 1).
    static func adjacentToNationalDay(_ year: Int) -> Day? {
        let before = Day(year: year, month: 9, day: 1)!, after = Day(year: year, month: 9, day: 3)!
        let candidates = [before, after].filter { !isWeekend($0) }
        return candidates.first { [1, 5].contains(weekday($0)) } ?? candidates.first
    }

    /// 0 = Sunday … 6 = Saturday.
    public static func weekday(_ day: Day) -> Int { (LunarCalendar.julianDay(day) + 1) % 7 }

    public static func isWeekend(_ day: Day) -> Bool { let w = weekday(day); return w == 0 || w == 6 }
}
