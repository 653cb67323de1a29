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

/// A person's written standing duties in a post (bản phân công nhiệm vụ): effective from a day,
/// written by the office or the head, approved by the head. A new version supersedes the last once approved.
public struct StandingDuties: Equatable, Sendable {
    public enum Status: String, Codable, Sendable { case draft, approved }
    public var id: Int64
    public var personID: Int64
    public var unitID: Int64
    public var validFrom: Day
    public var text: String
    public var status: Status
    public var writtenBy: String
    public var approvedBy: String
    public var approvedAt: Date?
    public var version: Int

    public init(id: Int64 = 0, personID: Int64, unitID: Int64, validFrom: Day, text: String, status: Status = .draft, writtenBy: String = "",
                approvedBy: String = "", approvedAt: Date? = nil, version: Int = 1) {
        self.id = id
        self.personID = personID
        self.unitID = unitID
        self.validFrom = validFrom
        self.text = text
        self.status = status
        self.writtenBy = writtenBy
        self.approvedBy = approvedBy
        self.approvedAt = approvedAt
        self.version = version
    }

    /// The text of duties as typed: required, at most 20,000 characters.
    public static func validate(text: String) throws -> String {
        let t = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if t.count < 10 { throw ValidationErrors([FieldError("text", "duties_too_short")]) }
        if t.count > 20_000 { throw ValidationErrors([FieldError("text", "too_long")]) }
        return t
    }
}

public enum DutyRules {
    /// Working days a person may be in a new post (hired or transferred) without approved written duties.
    public static let defaultGrace = 10

    /// The latest day a post may have begun and be past the grace on `today`: posts begun on or
    /// before it without approved duties are flagged (one day for a whole list, or a query).
    public static func latestStart(today: Day, calendar: WorkCalendar, grace: Int = defaultGrace) throws -> Day {
        try calendar.subtractingWorkingDays(grace + 1, from: today)
    }

    /// The same judgement against `latestStart`: begun on or before it, with no approved duties for this post.
    public static func overdue(postFrom: Day, approvedFrom: Day?, latestStart: Day) -> Bool {
        postFrom <= latestStart && !(approvedFrom.map { $0 >= postFrom } ?? false)
    }

    /// Whether a post begun on `postFrom` still lacks approved duties too long on `today`: more than
    /// `grace` working days in it with no approved duties dated on or after the post's start.
    public static func overdue(postFrom: Day, approvedFrom: Day?, today: Day, calendar: WorkCalendar, grace: Int = defaultGrace) -> Bool {
        if let approvedFrom, approvedFrom >= postFrom { return false }
        guard postFrom <= today, let days = try? calendar.workingDays(from: postFrom, to: today) else { return false }
        return days > grace
    }
}

/// Tasks whose lead left the post (transfer, retirement, leaving): how long they have waited for
/// the head to hand them on, and when the level above is told.
public enum OrphanRules {
    /// Working days an orphaned task may wait before it is flagged to the level above.
    public static let defaultEscalation = 5

    /// The first day the task had no lead in post: the day after the lead's last day in a post
    /// there, or the day it was assigned when the lead held none there then.
    public static func since(lastDayInPost: Day?, assigned: Day) -> Day {
        lastDayInPost.map { max($0.next, assigned) } ?? assigned
    }

    /// Working days waited by `today`: those from `since` up to today, today not counted.
    public static func waited(since: Day, today: Day, calendar: WorkCalendar) -> Int {
        max(0, (try? calendar.workingDays(from: since, to: today)) ?? 0)
    }

    /// Whether a wait of `waited` working days is past `after`: the leaders above the unit see the task.
    public static func escalated(waited: Int, after: Int = defaultEscalation) -> Bool {
        waited > after
    }
}
