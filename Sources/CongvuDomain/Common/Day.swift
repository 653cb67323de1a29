import Foundation

/// A calendar day with no time or zone, stored as `YYYY-MM-DD`.
public struct Day: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public let year: Int
    public let month: Int
    public let day: Int

    /// For days computed from valid days, which need no checking.
    private init(unchecked year: Int, _ month: Int, _ day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    public init?(year: Int, month: Int, day: Int) {
        guard (1900...2200).contains(year), (1...12).contains(month), day >= 1,
              day <= Day.daysIn(month: month, year: year) else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    /// Parses `YYYY-MM-DD` and the Vietnamese `DD/MM/YYYY`.
    public init?(_ text: String) {
        // The stored form, read for every day column of every row: digits straight from the bytes.
        var text = text
        let stored = text.withUTF8 { u -> (Int, Int, Int)? in
            guard u.count == 10, u[4] == 45, u[7] == 45 else { return nil }
            func number(_ from: Int, _ to: Int) -> Int? {
                var n = 0
                for i in from..<to {
                    guard u[i] >= 48 && u[i] <= 57 else { return nil }
                    n = n * 10 + Int(u[i] - 48)
                }
                return n
            }
            guard let y = number(0, 4), let m = number(5, 7), let d = number(8, 10) else { return nil }
            return (y, m, d)
        }
        if let (y, m, d) = stored { self.init(year: y, month: m, day: d); return }
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let iso = trimmed.split(separator: "-", omittingEmptySubsequences: false)
        let vn = trimmed.split(separator: "/", omittingEmptySubsequences: false)
        if iso.count == 3, iso[0].count == 4, let y = Int(iso[0]), let m = Int(iso[1]), let d = Int(iso[2]) {
            self.init(year: y, month: m, day: d)
        } else if vn.count == 3, vn[2].count == 4, let d = Int(vn[0]), let m = Int(vn[1]), let y = Int(vn[2]) {
            self.init(year: y, month: m, day: d)
        } else {
            return nil
        }
    }

    public static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// The day an instant falls on in `zone`.
    public init(_ instant: Date, in zone: TimeZone) {
        // Vietnam keeps UTC+7 all year: integer arithmetic instead of a calendar per call.
        if zone.identifier == CivilTime.vietnam.identifier,
           let d = LunarCalendar.day(julianDay: Int(((instant.timeIntervalSince1970 + 7 * 3600) / 86400).rounded(.down)) + 2_440_588) {
            self = d
            return
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let c = calendar.dateComponents([.year, .month, .day], from: instant)
        self.year = c.year!
        self.month = c.month!
        self.day = c.day!
    }

    public var description: String {
        Digits.join([.number(year, 4), .text("-"), .number(month, 2), .text("-"), .number(day, 2)])
    }

    /// `DD/MM/YYYY`, the form Vietnamese documents use.
    public var vietnamese: String {
        Digits.join([.number(day, 2), .text("/"), .number(month, 2), .text("/"), .number(year, 4)])
    }

    public static func < (a: Day, b: Day) -> Bool {
        (a.year, a.month, a.day) < (b.year, b.month, b.day)
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let day = Day(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a day: \(text)"))
        }
        self = day
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}

/// The zone every Vietnamese unit works in.
public enum CivilTime {
    public static let vietnam = TimeZone(identifier: "Asia/Ho_Chi_Minh")!

    /// Local midnight in Vietnam (UTC+7 all year) at the start of a day.
    public static func startOfDay(_ day: Day) -> Date {
        Date(timeIntervalSince1970: TimeInterval((LunarCalendar.julianDay(day) - 2_440_588) * 86400 - 7 * 3600))
    }
}

/// Instants are stored as UTC text with millisecond precision (`2026-11-22T02:30:00.000Z`):
/// readable in both databases, and ordered the same as text and as time.
public enum Instant {
    public static func format(_ date: Date) -> String {
        // Nearest millisecond: truncating turned a stored .642 into .641 after the binary round trip.
        let ms = Int64((date.timeIntervalSince1970 * 1000).rounded())
        let (days, msOfDay) = (floorDiv(ms, 86_400_000), floorMod(ms, 86_400_000))
        let day = LunarCalendar.day(julianDay: Int(days) + 2440588)
        let seconds = Int(msOfDay / 1000), millis = Int(msOfDay % 1000)
        let (y, mo, d) = day.map { ($0.year, $0.month, $0.day) } ?? (0, 0, 0)
        // Written digit by digit: this runs for every stored instant.
        var b = [UInt8](repeating: 0, count: 24)
        func put(_ v: Int, _ at: Int, _ width: Int) {
            var v = v
            for i in stride(from: at + width - 1, through: at, by: -1) {
                b[i] = UInt8(48 + v % 10)
                v /= 10
            }
        }
        put(y, 0, 4); b[4] = 45; put(mo, 5, 2); b[7] = 45; put(d, 8, 2); b[10] = 84
        put(seconds / 3600, 11, 2); b[13] = 58; put(seconds / 60 % 60, 14, 2); b[16] = 58; put(seconds % 60, 17, 2)
        b[19] = 46; put(millis, 20, 3); b[23] = 90
        return String(decoding: b, as: UTF8.self)
    }

    /// Reads the stored form with integer arithmetic (it is read for every stored instant);
    /// other ISO 8601 forms go through the general parser.
    public static func parse(_ text: String) -> Date? {
        let u = Array(text.utf8)
        func number(_ from: Int, _ count: Int) -> Int? {
            var n = 0
            for i in from..<(from + count) {
                guard u[i] >= 48 && u[i] <= 57 else { return nil }
                n = n * 10 + Int(u[i] - 48)
            }
            return n
        }
        if u.count == 24, u[4] == 45, u[7] == 45, u[10] == 84, u[13] == 58, u[16] == 58, u[19] == 46, u[23] == 90 {
            // The stored shape: impossible values (30 February, 24:00) are unreadable, not rolled over.
            guard let y = number(0, 4), let mo = number(5, 2), let d = number(8, 2), let h = number(11, 2), let mi = number(14, 2),
                  let sec = number(17, 2), let ms = number(20, 3), let day = Day(year: y, month: mo, day: d), h < 24, mi < 60, sec < 60
            else { return nil }
            let days = Int64(LunarCalendar.julianDay(day) - 2440588)
            let total = days * 86_400_000 + Int64(((h * 60 + mi) * 60 + sec) * 1000 + ms)
            return Date(timeIntervalSince1970: TimeInterval(total) / 1000)
        }
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.date(from: text)
    }

    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 { a >= 0 ? a / b : (a - b + 1) / b }
    static func floorMod(_ a: Int64, _ b: Int64) -> Int64 { a - floorDiv(a, b) * b }

    /// `2026-06-05 07:30` (or `05/06/2026 07:30`) read in a zone: how people and scripts type a moment.
    public static func parseLocal(_ text: String, in zone: TimeZone = CivilTime.vietnam) -> Date? {
        let parts = text.split(separator: " ", omittingEmptySubsequences: true)
        guard parts.count == 2, let day = Day(String(parts[0])), let time = ClockTime(String(parts[1])), time.minutes < 1440 else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        return calendar.date(from: DateComponents(year: day.year, month: day.month, day: day.day,
                                                  hour: time.minutes / 60, minute: time.minutes % 60))
    }

    /// `2026-06-05 07:30` in a zone: the form `parseLocal` reads.
    public static func formatLocal(_ date: Date, in zone: TimeZone = CivilTime.vietnam) -> String {
        "\(Day(date, in: zone)) \(clock(date, in: zone))"
    }

    /// `07:30` in a zone.
    public static func clock(_ date: Date, in zone: TimeZone = CivilTime.vietnam) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let c = calendar.dateComponents([.hour, .minute], from: date)
        return String(format: "%02d:%02d", c.hour!, c.minute!)
    }

    /// `DD/MM/YYYY HH:mm` in the given zone, for pages: the date as Vietnamese write it, then the time.
    public static func display(_ date: Date, in zone: TimeZone = CivilTime.vietnam) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        return Digits.join([.number(c.day!, 2), .text("/"), .number(c.month!, 2), .text("/"), .number(c.year!, 4), .text(" "),
                            .number(c.hour!, 2), .text(":"), .number(c.minute!, 2)])
    }
}

extension Day {
    /// The day before this one.
    public var previous: Day {
        if day > 1 { return Day(unchecked: year, month, day - 1) }
        if month > 1 { return Day(unchecked: year, month - 1, Day.daysIn(month: month - 1, year: year)) }
        return Day(unchecked: year - 1, 12, 31)
    }

    /// The day after this one.
    public var next: Day {
        if day < Day.daysIn(month: month, year: year) { return Day(unchecked: year, month, day + 1) }
        if month < 12 { return Day(unchecked: year, month + 1, 1) }
        return Day(unchecked: year + 1, 1, 1)
    }

    /// Every day from `self` to `last`, both included.
    public func through(_ last: Day) -> [Day] {
        var out: [Day] = []
        var d = self
        while d <= last { out.append(d); d = d.next }
        return out
    }
}

/// A calendar month, as reports ask for it ("2026-11").
public struct Month: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let year: Int
    public let month: Int

    public init?(year: Int, month: Int) {
        guard (1...12).contains(month), (1900...2199).contains(year) else { return nil }
        self.year = year
        self.month = month
    }

    public init?(_ text: String) {
        let parts = text.split(separator: "-")
        guard parts.count == 2, parts[0].count == 4, parts[1].count == 2, let y = Int(parts[0]), let m = Int(parts[1]) else { return nil }
        self.init(year: y, month: m)
    }

    public init(_ day: Day) {
        self.year = day.year
        self.month = day.month
    }

    public var first: Day { Day(year: year, month: month, day: 1)! }
    public var last: Day { Day(year: year, month: month, day: Day.daysIn(month: month, year: year))! }
    public var days: [Day] { first.through(last) }
    public var previous: Month { month == 1 ? Month(year: year - 1, month: 12)! : Month(year: year, month: month - 1)! }
    public var next: Month { month == 12 ? Month(year: year + 1, month: 1)! : Month(year: year, month: month + 1)! }
    public var description: String { Digits.join([.number(year, 4), .text("-"), .number(month, 2)]) }
    /// "11/2026", as Vietnamese forms write it.
    public var vietnamese: String { Digits.join([.number(month, 2), .text("/"), .number(year, 4)]) }

    public static func < (a: Month, b: Month) -> Bool { (a.year, a.month) < (b.year, b.month) }
}
