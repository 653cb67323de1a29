import Foundation

/// The Weekly Duty Book (sổ trực tuần / sổ theo dõi nhiệm vụ): for each department and week, the
/// week's task events with the department's comment on each key task and a summary of strengths and
/// weaknesses, submitted by the head before the deadline, then locked (later corrections are dated
/// addenda). No national form exists: the week and the deadline are configurable.
public struct DutyWeek: Equatable, Hashable, Sendable, Comparable {
    /// The week's first day (a Monday).
    public let start: Day

    /// The week holding `day`, starting on Monday.
    public init(containing day: Day) {
        let back = (HolidayRules.weekday(day) + 6) % 7
        var d = day
        for _ in 0..<back { d = d.previous }
        start = d
    }

    /// The days the book covers (Monday to Friday by default).
    public func days(count: Int = 5) -> [Day] {
        var out = [start]
        while out.count < count { out.append(out.last!.next) }
        return out
    }

    public var next: DutyWeek { DutyWeek(containing: days(count: 8).last!) }
    public var previous: DutyWeek {
        var d = start
        for _ in 0..<7 { d = d.previous }
        return DutyWeek(containing: d)
    }

    /// The first instant after the week (Monday 00:00 of the next week, in Vietnam).
    public var end: Date { CivilTime.startOfDay(next.start) }
    public var begin: Date { CivilTime.startOfDay(start) }

    public static func < (a: DutyWeek, b: DutyWeek) -> Bool { a.start < b.start }
}

/// When a week's book is due: by default Friday 16:30.
public struct DutyBookDeadline: Equatable, Sendable {
    /// Days after Monday (4 = Friday) and the time of day.
    public var dayOffset: Int
    public var hour: Int
    public var minute: Int

    public init(dayOffset: Int = 4, hour: Int = 16, minute: Int = 30) {
        self.dayOffset = dayOffset
        self.hour = hour
        self.minute = minute
    }

    public func moment(for week: DutyWeek) -> Date {
        CivilTime.startOfDay(week.days(count: dayOffset + 1).last!).addingTimeInterval(TimeInterval(hour * 3600 + minute * 60))
    }

    /// How a week's book stands at `now`: submitted on time or late, or not yet (overdue once the deadline passed).
    public func state(submittedAt: Date?, week: DutyWeek, now: Date) -> DutyBookState {
        let due = moment(for: week)
        if let submittedAt { return submittedAt <= due ? .onTime : .late }
        return now > due ? .missing : .open
    }
}

public enum DutyBookState: String, CaseIterable, Sendable {
    /// Not submitted and past the deadline.
    case missing
    /// Not submitted, the deadline still ahead.
    case open
    case late
    case onTime = "on_time"

    /// The leader's page puts the missing and late books first.
    public var order: Int { [.missing: 0, .late: 1, .open: 2, .onTime: 3][self]! }
}
