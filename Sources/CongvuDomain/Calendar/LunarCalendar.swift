import Foundation

/// A date of the Vietnamese lunisolar calendar (âm lịch).
public struct LunarDate: Hashable, Sendable, CustomStringConvertible {
    public let year: Int
    public let month: Int
    public let day: Int
    /// True in a leap month (tháng nhuận), which repeats the number of the month before it.
    public let isLeapMonth: Bool

    public init(year: Int, month: Int, day: Int, isLeapMonth: Bool = false) {
        self.year = year
        self.month = month
        self.day = day
        self.isLeapMonth = isLeapMonth
    }

    static let stems = ["Giáp", "Ất", "Bính", "Đinh", "Mậu", "Kỷ", "Canh", "Tân", "Nhâm", "Quý"]
    static let branches = ["Tý", "Sửu", "Dần", "Mão", "Thìn", "Tỵ", "Ngọ", "Mùi", "Thân", "Dậu", "Tuất", "Hợi"]

    /// The year's name in the sexagenary cycle (can chi): 2026 is "Bính Ngọ".
    public var yearName: String {
        "\(Self.stems[((year + 6) % 10 + 10) % 10]) \(Self.branches[((year + 8) % 12 + 12) % 12])"
    }

    /// `1/1/2026` or `15/6n/2025` (n marks a leap month), as Vietnamese calendars print it.
    public var description: String { "\(day)/\(month)\(isLeapMonth ? "n" : "")/\(year)" }
}

/// Gregorian ↔ Vietnamese lunar conversion, computed from astronomy at UTC+7.
///
/// The rules: a month begins on the local day (UTC+7) of a new moon; month 11 is the month
/// containing the winter solstice; when 13 new moons begin between two months 11, the first
/// month with no major solar term (the sun's apparent longitude reaching a multiple of 30°) is a
/// leap month. New moons follow Meeus, *Astronomical Algorithms* ch. 49 (with the planetary
/// terms), the sun's longitude ch. 25, and ΔT the Espenak–Meeus polynomials. The month starts for
/// the supported years are computed once and then looked up.
public enum LunarCalendar {
    /// Gregorian years supported.
    public static let range = 1900...2100

    public static func lunar(_ day: Day) -> LunarDate? {
        guard range.contains(day.year) else { return nil }
        return table.lunar(julianDay: julianDay(day))
    }

    /// The Gregorian day of a lunar date, or nil when no such day exists (a 30th in a 29-day
    /// month, a leap month the year does not have, a year out of range).
    public static func solar(_ date: LunarDate) -> Day? {
        table.julianDay(of: date).flatMap(day(julianDay:))
    }

    /// The number of days in a lunar month (29 or 30), or nil when the month does not exist.
    public static func length(year: Int, month: Int, isLeapMonth: Bool = false) -> Int? {
        table.length(year: year, month: month, leap: isLeapMonth)
    }

    /// The leap month of a lunar year, if it has one.
    public static func leapMonth(of year: Int) -> Int? {
        table.leapMonths[year]
    }

    // MARK: Julian day numbers

    public static func julianDay(_ d: Day) -> Int { julianDay(year: d.year, month: d.month, day: d.day) }

    public static func julianDay(year: Int, month: Int, day: Int) -> Int {
        let a = (14 - month) / 12
        let y = year + 4800 - a
        let m = month + 12 * a - 3
        return day + (153 * m + 2) / 5 + 365 * y + y / 4 - y / 100 + y / 400 - 32045
    }

    /// The Gregorian day of a Julian day number, within the years `Day` accepts.
    public static func day(julianDay jd: Int) -> Day? {
        let a = jd + 32044
        let b = (4 * a + 3) / 146097
        let c = a - 146097 * b / 4
        let d = (4 * c + 3) / 1461
        let e = c - 1461 * d / 4
        let m = (5 * e + 2) / 153
        return Day(year: 100 * b + d - 4800 + m / 10, month: m + 3 - 12 * (m / 10), day: e - (153 * m + 2) / 5 + 1)
    }

    // MARK: Astronomy

    static let zone = 7.0 / 24
    static let synodicMonth = 29.530588861

    static func radians(_ degrees: Double) -> Double { degrees * .pi / 180 }

    /// ΔT = TT − UT in seconds (Espenak and Meeus), enough for 1890–2110.
    static func deltaT(year y: Double) -> Double {
        switch y {
        case ..<1920:
            let t = y - 1900
            return -2.79 + 1.494119 * t - 0.0598939 * t * t + 0.0061966 * t * t * t - 0.000197 * t * t * t * t
        case ..<1941:
            let t = y - 1920
            return 21.20 + 0.84493 * t - 0.076100 * t * t + 0.0020936 * t * t * t
        case ..<1961:
            let t = y - 1950
            return 29.07 + 0.407 * t - t * t / 233 + t * t * t / 2547
        case ..<1986:
            let t = y - 1975
            return 45.45 + 1.067 * t - t * t / 260 - t * t * t / 718
        case ..<2005:
            let t = y - 2000
            return 63.86 + 0.3345 * t - 0.060374 * t * t + 0.0017275 * t * t * t + 0.000651814 * t * t * t * t
                + 0.00002373599 * t * t * t * t * t
        case ..<2050:
            let t = y - 2000
            return 62.92 + 0.32217 * t + 0.005589 * t * t
        default:
            let u = (y - 1820) / 100
            return -20 + 32 * u * u - 0.5628 * (2150 - y)
        }
    }

    static func yearOf(julianDate jd: Double) -> Double { 2000 + (jd - 2451545.0) / 365.25 }

    /// The instant (Julian date, UT) of the new moon numbered `k` (k = 0 on 6 January 2000).
    static func newMoon(_ k: Int) -> Double {
        let k = Double(k)
        let t = k / 1236.85
        let t2 = t * t, t3 = t2 * t, t4 = t3 * t
        var jde = 2451550.09766 + synodicMonth * k + 0.00015437 * t2 - 0.000000150 * t3 + 0.00000000073 * t4
        let e = 1 - 0.002516 * t - 0.0000074 * t2
        let m = radians(2.5534 + 29.10535670 * k - 0.0000014 * t2 - 0.00000011 * t3)
        let mp = radians(201.5643 + 385.81693528 * k + 0.0107582 * t2 + 0.00001238 * t3 - 0.000000058 * t4)
        let f = radians(160.7108 + 390.67050284 * k - 0.0016118 * t2 - 0.00000227 * t3 + 0.000000011 * t4)
        let om = radians(124.7746 - 1.56375588 * k + 0.0020672 * t2 + 0.00000215 * t3)
        var c = -0.40720 * sin(mp) + 0.17241 * e * sin(m) + 0.01608 * sin(2 * mp) + 0.01039 * sin(2 * f)
        c += 0.00739 * e * sin(mp - m) - 0.00514 * e * sin(mp + m) + 0.00208 * e * e * sin(2 * m)
        c += -0.00111 * sin(mp - 2 * f) - 0.00057 * sin(mp + 2 * f) + 0.00056 * e * sin(2 * mp + m)
        c += -0.00042 * sin(3 * mp) + 0.00042 * e * sin(m + 2 * f) + 0.00038 * e * sin(m - 2 * f)
        c += -0.00024 * e * sin(2 * mp - m) - 0.00017 * sin(om) - 0.00007 * sin(mp + 2 * m)
        c += 0.00004 * sin(2 * mp - 2 * f) + 0.00004 * sin(3 * m) + 0.00003 * sin(mp + m - 2 * f)
        c += 0.00003 * sin(2 * mp + 2 * f) - 0.00003 * sin(mp + m + 2 * f) + 0.00003 * sin(mp - m + 2 * f)
        c += -0.00002 * sin(mp - m - 2 * f) - 0.00002 * sin(3 * mp + m) + 0.00002 * sin(4 * mp)
        let planetary: [(Double, Double, Double, Double)] = [
            (299.77, 0.107408, -0.009173, 0.000325), (251.88, 0.016321, 0, 0.000165), (251.83, 26.651886, 0, 0.000164),
            (349.42, 36.412478, 0, 0.000126), (84.66, 18.206239, 0, 0.000110), (141.74, 53.303771, 0, 0.000062),
            (207.14, 2.453732, 0, 0.000060), (154.84, 7.306860, 0, 0.000056), (34.52, 27.261239, 0, 0.000047),
            (207.19, 0.121824, 0, 0.000042), (291.34, 1.844379, 0, 0.000040), (161.72, 24.198154, 0, 0.000037),
            (239.56, 25.513099, 0, 0.000035), (331.55, 3.592518, 0, 0.000023),
        ]
        for (a0, a1, a2, coefficient) in planetary { c += coefficient * sin(radians(a0 + a1 * k + a2 * t2)) }
        jde += c
        return jde - deltaT(year: yearOf(julianDate: jde)) / 86400
    }

    /// The local (UTC+7) Julian day number of the day on which new moon `k` falls.
    static func newMoonDay(_ k: Int) -> Int { Int((newMoon(k) + 0.5 + zone).rounded(.down)) }

    /// The sun's apparent geocentric longitude in degrees at an instant (Julian date, UT).
    static func sunLongitude(_ jd: Double) -> Double {
        let jde = jd + deltaT(year: yearOf(julianDate: jd)) / 86400
        let t = (jde - 2451545.0) / 36525
        let l0 = 280.46646 + 36000.76983 * t + 0.0003032 * t * t
        let m = radians(357.52911 + 35999.05029 * t - 0.0001537 * t * t)
        let c = (1.914602 - 0.004817 * t - 0.000014 * t * t) * sin(m) + (0.019993 - 0.000101 * t) * sin(2 * m) + 0.000289 * sin(3 * m)
        let om = radians(125.04 - 1934.136 * t)
        let lambda = l0 + c - 0.00569 - 0.00478 * sin(om)
        return lambda - 360 * (lambda / 360).rounded(.down)
    }

    /// Which 30° sector the sun is in at the start (local midnight) of a local Julian day number.
    static func sector(atStartOf jdn: Int) -> Int { Int(sunLongitude(Double(jdn) - 0.5 - zone) / 30) }

    /// The local Julian day number of the December solstice of a Gregorian year.
    static func solsticeDay(_ year: Int) -> Int {
        var jd = Double(julianDay(year: year, month: 12, day: 21))
        for _ in 0..<8 {
            var ahead = 270 - sunLongitude(jd)
            ahead -= 360 * (ahead / 360).rounded()
            jd += ahead * 365.2422 / 360
        }
        return Int((jd + 0.5 + zone).rounded(.down))
    }

    /// The number `k` of the new moon that begins month 11 of the lunar year ending near `year`'s solstice.
    static func month11(_ year: Int) -> Int {
        let solstice = solsticeDay(year)
        var k = Int(((Double(solstice) - 2451550.1) / synodicMonth).rounded(.down)) + 1
        while newMoonDay(k) > solstice { k -= 1 }
        return k
    }

    // MARK: The month table

    struct Table: Sendable {
        /// Local Julian day number of each month's first day, in order, with one extra end marker.
        var starts: [Int] = []
        /// year * 32 + month * 2 + leap: increasing with `starts`.
        var keys: [Int] = []
        var leapMonths: [Int: Int] = [:]

        static func key(_ year: Int, _ month: Int, _ leap: Bool) -> Int { year * 32 + month * 2 + (leap ? 1 : 0) }

        init() {
            var a = month11(range.lowerBound - 1)
            for year in (range.lowerBound - 1)...range.upperBound {
                let b = month11(year + 1)
                let days = (a...b).map(newMoonDay)
                var leapIndex: Int?
                if b - a == 13 {
                    leapIndex = (1..<13).first { sector(atStartOf: days[$0]) == sector(atStartOf: days[$0 + 1]) }
                }
                var month = 11, lunarYear = year
                for i in 0..<(b - a) {
                    let leap = i == leapIndex
                    if i > 0 && !leap {
                        month += 1
                        if month == 13 { month = 1; lunarYear = year + 1 }
                    }
                    if leap { leapMonths[lunarYear] = month }
                    starts.append(days[i])
                    keys.append(Self.key(lunarYear, month, leap))
                }
                a = b
            }
            starts.append(newMoonDay(a))
        }

        func lunar(julianDay jd: Int) -> LunarDate? {
            // The last month starting on or before the day.
            var lo = 0, hi = keys.count - 1
            guard jd >= starts[0], jd < starts[keys.count] else { return nil }
            while lo < hi {
                let mid = (lo + hi + 1) / 2
                if starts[mid] <= jd { lo = mid } else { hi = mid - 1 }
            }
            let key = keys[lo]
            return LunarDate(year: key / 32, month: (key % 32) / 2, day: jd - starts[lo] + 1, isLeapMonth: key % 2 == 1)
        }

        func index(_ year: Int, _ month: Int, _ leap: Bool) -> Int? {
            let key = Self.key(year, month, leap)
            var lo = 0, hi = keys.count - 1
            while lo <= hi {
                let mid = (lo + hi) / 2
                if keys[mid] == key { return mid }
                if keys[mid] < key { lo = mid + 1 } else { hi = mid - 1 }
            }
            return nil
        }

        func length(year: Int, month: Int, leap: Bool) -> Int? {
            index(year, month, leap).map { starts[$0 + 1] - starts[$0] }
        }

        func julianDay(of date: LunarDate) -> Int? {
            guard let i = index(date.year, date.month, date.isLeapMonth), date.day >= 1,
                  date.day <= starts[i + 1] - starts[i] else { return nil }
            return starts[i] + date.day - 1
        }
    }

    static let table = Table()
}
