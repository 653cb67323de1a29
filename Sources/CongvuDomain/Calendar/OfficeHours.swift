/// A time of day to the minute, in the unit's zone.
public struct ClockTime: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let minutes: Int

    public init?(hour: Int, minute: Int) {
        guard (0...24).contains(hour), (0...59).contains(minute), hour * 60 + minute <= 1440 else { return nil }
        minutes = hour * 60 + minute
    }

    /// `07:30` or `7:30`.
    public init?(_ text: String) {
        let parts = text.trimmingCharacters(in: .whitespaces).split(separator: ":")
        guard parts.count == 2, parts[1].count == 2, let h = Int(parts[0]), let m = Int(parts[1]) else { return nil }
        self.init(hour: h, minute: m)
    }

    public var description: String { Digits.join([.number(minutes / 60, 2), .text(":"), .number(minutes % 60, 2)]) }
    public static func < (a: ClockTime, b: ClockTime) -> Bool { a.minutes < b.minutes }
}

/// One working session of a day (a morning or an afternoon).
public struct WorkSession: Hashable, Sendable, CustomStringConvertible {
    public let start: ClockTime
    public let end: ClockTime

    public init?(start: ClockTime, end: ClockTime) {
        guard start < end else { return nil }
        self.start = start
        self.end = end
    }

    /// `07:00-11:30`.
    public init?(_ text: String) {
        let parts = text.split(separator: "-").map { String($0) }
        guard parts.count == 2, let s = ClockTime(parts[0]), let e = ClockTime(parts[1]) else { return nil }
        self.init(start: s, end: e)
    }

    public var description: String { "\(start)-\(end)" }
    var seconds: Int { (end.minutes - start.minutes) * 60 }
}

/// A day of the year without a year, for seasons that recur (16/4).
public struct MonthDay: Hashable, Comparable, Sendable {
    public let month: Int
    public let day: Int

    public init?(month: Int, day: Int) {
        guard (1...12).contains(month), (1...Day.daysIn(month: month, year: 2024)).contains(day) else { return nil }
        self.month = month
        self.day = day
    }

    public static func < (a: MonthDay, b: MonthDay) -> Bool { (a.month, a.day) < (b.month, b.day) }
}

/// The sessions of a working day, by season. A season runs from `from` to `to` inclusive and may
/// wrap the new year (16/10 to 15/4); the seasons together cover the whole year.
public struct OfficeHours: Hashable, Sendable {
    public struct Season: Hashable, Sendable {
        public let from: MonthDay
        public let to: MonthDay
        public let sessions: [WorkSession]

        public init(from: MonthDay, to: MonthDay, sessions: [WorkSession]) {
            self.from = from
            self.to = to
            self.sessions = sessions.sorted { $0.start < $1.start }
        }

        func contains(_ d: MonthDay) -> Bool {
            from <= to ? (from <= d && d <= to) : (d >= from || d <= to)
        }
    }

    public let seasons: [Season]

    public enum Problem: Error, Equatable {
        case noSeason, overlappingSessions, yearNotCovered
    }

    /// Checks that every day of the year falls in exactly one season and that no sessions overlap.
    public init(seasons: [Season]) throws {
        guard !seasons.isEmpty else { throw Problem.noSeason }
        for s in seasons {
            guard !s.sessions.isEmpty, zip(s.sessions, s.sessions.dropFirst()).allSatisfy({ $0.end <= $1.start }) else {
                throw Problem.overlappingSessions
            }
        }
        for month in 1...12 {
            for day in 1...Day.daysIn(month: month, year: 2024) {
                let d = MonthDay(month: month, day: day)!
                guard seasons.filter({ $0.contains(d) }).count == 1 else { throw Problem.yearNotCovered }
            }
        }
        self.seasons = seasons
    }

    /// The index of the season a day falls in.
    public func seasonIndex(_ day: Day) -> Int {
        let d = MonthDay(month: day.month, day: day.day)!
        return seasons.firstIndex { $0.contains(d) }!
    }

    public func sessions(on day: Day) -> [WorkSession] { seasons[seasonIndex(day)].sessions }

    /// The form kept in the database and typed in the page, one season per line or `;`:
    /// `16/04-15/10 07:00-11:30 13:30-17:00; 16/10-15/04 07:30-12:00 13:30-17:00`.
    public var text: String {
        seasons.map { s in
            String(format: "%02d/%02d-%02d/%02d ", s.from.day, s.from.month, s.to.day, s.to.month)
                + s.sessions.map(\.description).joined(separator: " ")
        }.joined(separator: "; ")
    }

    public static func parse(_ text: String) -> OfficeHours? {
        var seasons: [Season] = []
        for part in text.split(whereSeparator: { $0 == ";" || $0 == "\n" }) {
            let fields = part.split(separator: " ").map(String.init)
            guard fields.count >= 2 else { return nil }
            let range = fields[0].split(separator: "-").map { $0.split(separator: "/").compactMap { Int($0) } }
            guard range.count == 2, range[0].count == 2, range[1].count == 2,
                  let from = MonthDay(month: range[0][1], day: range[0][0]), let to = MonthDay(month: range[1][1], day: range[1][0]) else { return nil }
            let sessions = fields.dropFirst().compactMap(WorkSession.init)
            guard sessions.count == fields.count - 1 else { return nil }
            seasons.append(Season(from: from, to: to, sessions: sessions))
        }
        return try? OfficeHours(seasons: seasons)
    }

    /// Nghệ An's hours, the demo's: summer (16/4–15/10) 07:00–11:30 and 13:30–17:00,
    /// winter (16/10–15/4) 07:30–12:00 and 13:30–17:00.
    public static let ngheAn = try! OfficeHours(seasons: [
        Season(from: MonthDay(month: 4, day: 16)!, to: MonthDay(month: 10, day: 15)!,
               sessions: [WorkSession("07:00-11:30")!, WorkSession("13:30-17:00")!]),
        Season(from: MonthDay(month: 10, day: 16)!, to: MonthDay(month: 4, day: 15)!,
               sessions: [WorkSession("07:30-12:00")!, WorkSession("13:30-17:00")!]),
    ])

    /// A year-round 40-hour week (Decision 188/1999/QĐ-TTg): 07:30–11:30 and 13:30–17:30.
    public static let standard = try! OfficeHours(seasons: [
        Season(from: MonthDay(month: 1, day: 1)!, to: MonthDay(month: 12, day: 31)!,
               sessions: [WorkSession("07:30-11:30")!, WorkSession("13:30-17:30")!]),
    ])
}

import Foundation
