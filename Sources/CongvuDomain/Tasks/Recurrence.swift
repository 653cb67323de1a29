import Foundation

/// A recurring task's rule, the subset of iCalendar RRULE (RFC 5545 §3.3.10) that reports and
/// standing duties need: `FREQ=WEEKLY;BYDAY=FR`, `FREQ=MONTHLY;BYMONTHDAY=25` (or `-1`, the last
/// day), `FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=15`, with `INTERVAL`, `COUNT` and `UNTIL`. Each
/// occurrence falls on a day; one that is not a working day moves to the working day before it
/// (a report due on a holiday is due the day before).
public struct Recurrence: Equatable, Sendable, CustomStringConvertible {
    public enum Frequency: String, Sendable { case weekly = "WEEKLY", monthly = "MONTHLY", yearly = "YEARLY" }

    public var frequency: Frequency
    public var interval: Int
    /// Weekdays, 0 = Sunday … 6 = Saturday (weekly rules).
    public var weekdays: [Int]
    /// Days of the month, 1…31 or -1 for the last (monthly and yearly rules).
    public var monthDays: [Int]
    public var months: [Int]
    public var count: Int?
    public var until: Day?

    static let dayNames = ["SU", "MO", "TU", "WE", "TH", "FR", "SA"]

    public init?(_ text: String) {
        var parts: [String: String] = [:]
        for item in text.uppercased().replacingOccurrences(of: "RRULE:", with: "").split(separator: ";") {
            let kv = item.split(separator: "=", maxSplits: 1).map(String.init)
            guard kv.count == 2, parts[kv[0]] == nil else { return nil }
            parts[kv[0]] = kv[1]
        }
        guard let f = parts.removeValue(forKey: "FREQ").flatMap(Frequency.init) else { return nil }
        frequency = f
        interval = 1
        weekdays = []
        monthDays = []
        months = []
        if let i = parts.removeValue(forKey: "INTERVAL") { guard let n = Int(i), (1...12).contains(n) else { return nil }; interval = n }
        if let d = parts.removeValue(forKey: "BYDAY") {
            let days = d.split(separator: ",").map { Self.dayNames.firstIndex(of: String($0)) }
            guard f == .weekly, !days.contains(nil) else { return nil }
            weekdays = days.compactMap { $0 }.sorted()
        }
        if let m = parts.removeValue(forKey: "BYMONTHDAY") {
            let days = m.split(separator: ",").map { Int($0) }
            guard f != .weekly, days.allSatisfy({ $0.map { (1...31).contains($0) || $0 == -1 } ?? false }) else { return nil }
            monthDays = days.compactMap { $0 }
        }
        if let m = parts.removeValue(forKey: "BYMONTH") {
            let ms = m.split(separator: ",").map { Int($0) }
            guard f == .yearly, ms.allSatisfy({ $0.map { (1...12).contains($0) } ?? false }) else { return nil }
            months = ms.compactMap { $0 }.sorted()
        }
        if let c = parts.removeValue(forKey: "COUNT") { guard let n = Int(c), (1...1000).contains(n) else { return nil }; count = n }
        if let u = parts.removeValue(forKey: "UNTIL") {
            let digits = u.prefix(8)
            guard digits.count == 8, let day = Day("\(digits.prefix(4))-\(digits.dropFirst(4).prefix(2))-\(digits.suffix(2))") else { return nil }
            until = day
        }
        guard parts.isEmpty, count == nil || until == nil else { return nil }
        if f == .weekly && weekdays.isEmpty { return nil }
        if f != .weekly && monthDays.isEmpty { return nil }
        if f == .yearly && months.isEmpty { return nil }
    }

    public var description: String {
        var out = ["FREQ=\(frequency.rawValue)"]
        if interval != 1 { out.append("INTERVAL=\(interval)") }
        if !weekdays.isEmpty { out.append("BYDAY=" + weekdays.map { Self.dayNames[$0] }.joined(separator: ",")) }
        if !months.isEmpty { out.append("BYMONTH=" + months.map(String.init).joined(separator: ",")) }
        if !monthDays.isEmpty { out.append("BYMONTHDAY=" + monthDays.map(String.init).joined(separator: ",")) }
        if let count { out.append("COUNT=\(count)") }
        if let until { out.append("UNTIL=" + until.description.replacingOccurrences(of: "-", with: "")) }
        return out.joined(separator: ";")
    }

    /// The rule's days from `start` (its first period) through `last`, each moved back to a working
    /// day when it falls on a day off, never before `start`. `COUNT` counts from `start`.
    public func occurrences(from start: Day, through last: Day, calendar: WorkCalendar) -> [Day] {
        var raw: [Day] = []
        let end = min(last, until ?? last)
        switch frequency {
        case .weekly:
            // Weeks counted from the Monday of the start's week.
            let startJD = LunarCalendar.julianDay(start)
            let monday = startJD - ((HolidayRules.weekday(start) + 6) % 7)
            var week = 0
            while true {
                let base = monday + week * 7 * interval
                if base > LunarCalendar.julianDay(end) { break }
                for w in weekdays {
                    let jd = base + (w + 6) % 7
                    if let day = LunarCalendar.day(julianDay: jd), day >= start, day <= end { raw.append(day) }
                }
                week += 1
                if let count, raw.count >= count { break }
            }
        case .monthly, .yearly:
            var month = Month(start)
            var step = 0
            while month.first <= end {
                if frequency == .monthly || months.contains(month.month) {
                    for d in monthDays {
                        let n = d == -1 ? Day.daysIn(month: month.month, year: month.year) : d
                        if let day = Day(year: month.year, month: month.month, day: n), day >= start, day <= end { raw.append(day) }
                    }
                }
                step += 1
                for _ in 0..<(frequency == .monthly ? interval : 1) { month = month.next }
                if let count, raw.count >= count { break }
                if step > 12 * 200 { break }
            }
        }
        var out: [Day] = []
        for day in raw.sorted().prefix(count ?? Int.max) {
            var d = day
            while !calendar.isWorkingDay(d), d > start { d = d.previous }
            if out.last != d { out.append(d) }
        }
        return out
    }

    /// Days of tasks a series keeps generated ahead of today (a series without an end is extended
    /// every night to this horizon).
    public static let horizonDays = 92
    /// Tasks generated at one time, at most.
    public static let batch = 60

    static func adding(_ days: Int, to day: Day) -> Day {
        var d = day
        for _ in 0..<days { d = d.next }
        return d
    }

    /// The last day a series is generated through on `today`.
    public static func horizon(from today: Day) -> Day { adding(horizonDays, to: today) }

    /// The end of a series given on `today` as typed: nil for none; a day from today to a year ahead.
    public static func end(_ text: String, today: Day) throws -> Day? {
        let text = text.trimmingCharacters(in: .whitespaces)
        guard !text.isEmpty else { return nil }
        guard let d = Day(text), d >= today, d <= adding(366, to: today) else { throw ValidationErrors([FieldError("repeat_until", "task_repeat_until_invalid")]) }
        return d
    }

    /// The deadlines of a recurring task given on `today`: the rule's days from today through
    /// `until` (or the horizon, three months, when empty), 60 at most; the series' nightly
    /// extension adds the rest. Refuses an unreadable rule or date, and a rule that falls on no
    /// day in that time.
    public static func deadlines(rule: String, until: String, today: Day, calendar: WorkCalendar) throws -> [Day] {
        var errors = ValidationErrors()
        let recurrence = Recurrence(rule)
        if recurrence == nil { errors.add("recurrence", "task_recurrence_invalid") }
        var last = horizon(from: today)
        do { if let end = try end(until, today: today) { last = end } } catch let e as ValidationErrors { errors.errors += e.errors }
        try errors.throwIfAny()
        let days = Array(recurrence!.occurrences(from: today, through: last, calendar: calendar).prefix(batch))
        if days.isEmpty { throw ValidationErrors([FieldError("recurrence", "task_recurrence_empty")]) }
        return days
    }

    /// The deadlines a series started on `start` adds on `today`: the rule's days after the last
    /// one generated, through the horizon (or the series' end, or the rule's own COUNT or UNTIL),
    /// 60 at most. Empty when the series is generated far enough or has ended.
    public func extending(start: Day, generatedThrough: Day, until: Day?, today: Day, calendar: WorkCalendar) -> [Day] {
        let horizon = Self.horizon(from: today)
        let last = until.map { min($0, horizon) } ?? horizon
        guard last > generatedThrough else { return [] }
        return Array(occurrences(from: start, through: last, calendar: calendar).filter { $0 > generatedThrough }.prefix(Self.batch))
    }

    /// The rules the assign form offers by name.
    public static let presets: [(key: String, rule: String)] = [
        ("weekly_friday", "FREQ=WEEKLY;BYDAY=FR"),
        ("monthly_25", "FREQ=MONTHLY;BYMONTHDAY=25"),
        ("monthly_last", "FREQ=MONTHLY;BYMONTHDAY=-1"),
    ]
}
