import Foundation

/// Working-time arithmetic for one unit: which days are worked, the sessions of each, and the
/// sums the rest of the product asks for (attendance, one-stop due dates, task deadlines).
///
/// Built once from office hours and confirmed special days, it answers from tables indexed by
/// day: whether the day is worked, how many working days precede it, and how many working
/// seconds precede it, so adding N working days is a constant-time lookup. Vietnam has kept
/// UTC+7 without daylight saving since 1975: instants are turned into local days with that offset.
public struct WorkCalendar: Sendable {
    public let years: ClosedRange<Int>
    /// Every distinct list of sessions the schedule uses; `season` indexes into it.
    let sessionSets: [[WorkSession]]
    /// Julian day number of the first day in the tables.
    let base: Int
    /// Per day: the season's index, or -1 for a day off.
    let season: [Int8]
    /// Per day: working days strictly before it (within the tables).
    let rank: [Int32]
    /// The working days, as offsets from `base`.
    let workDays: [Int32]
    /// Per day: working seconds strictly before it; one extra entry at the end.
    let secondsBefore: [Int64]
    /// Per season: the sessions in seconds of the day.
    let sessionSeconds: [[(start: Int, end: Int)]]

    static let offset = 7 * 3600
    static let unixEpochJulianDay = 2440588

    public init(hours: OfficeHours, specialDays: [SpecialDay], years: ClosedRange<Int> = 1990...2100) {
        self.init(schedule: [], default: hours, specialDays: specialDays, years: years)
    }

    /// Office hours that change over time: each entry applies from its day until the next;
    /// before the first, `default` applies.
    public init(schedule: [(from: Day, hours: OfficeHours)], default fallback: OfficeHours, specialDays: [SpecialDay],
                years: ClosedRange<Int> = 1990...2100) {
        self.years = years
        let schedule = schedule.sorted { $0.from < $1.from }
        var sets: [[WorkSession]] = []
        var setIndex: [[WorkSession]: Int] = [:]
        func index(_ sessions: [WorkSession]) -> Int {
            if let i = setIndex[sessions] { return i }
            sets.append(sessions)
            setIndex[sessions] = sets.count - 1
            return sets.count - 1
        }
        base = LunarCalendar.julianDay(year: years.lowerBound, month: 1, day: 1)
        let end = LunarCalendar.julianDay(year: years.upperBound, month: 12, day: 31)
        var special: [Int: SpecialDayKind] = [:]
        for s in specialDays {
            // Make-up working days override; among days off any kind will do.
            let jd = LunarCalendar.julianDay(s.day)
            if special[jd] != .makeUpWorkday { special[jd] = s.kind }
        }
        var season: [Int8] = [], rank: [Int32] = [], workDays: [Int32] = [], secondsBefore: [Int64] = []
        season.reserveCapacity(end - base + 1)
        var worked: Int32 = 0, seconds: Int64 = 0
        var next = 0
        var hours = fallback
        for jd in base...end {
            let day = LunarCalendar.day(julianDay: jd)!
            while next < schedule.count, schedule[next].from <= day { hours = schedule[next].hours; next += 1 }
            let weekday = (jd + 1) % 7
            var working = weekday != 0 && weekday != 6
            if let kind = special[jd] { working = !kind.isDayOff }
            let s = index(hours.sessions(on: day))
            season.append(working ? Int8(s) : -1)
            rank.append(worked)
            secondsBefore.append(seconds)
            if working {
                workDays.append(Int32(jd - base))
                worked += 1
                seconds += Int64(sets[s].reduce(0) { $0 + $1.seconds })
            }
        }
        sessionSets = sets
        sessionSeconds = sets.map { $0.map { ($0.start.minutes * 60, $0.end.minutes * 60) } }
        secondsBefore.append(seconds)
        self.season = season
        self.rank = rank
        self.workDays = workDays
        self.secondsBefore = secondsBefore
    }

    public enum OutOfRange: Error, Equatable { case beyondTables }

    // MARK: Days

    func index(_ day: Day) -> Int? {
        let i = LunarCalendar.julianDay(day) - base
        return i >= 0 && i < season.count ? i : nil
    }

    public func isWorkingDay(_ day: Day) -> Bool {
        index(day).map { season[$0] >= 0 } ?? false
    }

    /// The sessions of a day; none on a day off.
    public func sessions(on day: Day) -> [WorkSession] {
        guard let i = index(day), season[i] >= 0 else { return [] }
        return sessionSets[Int(season[i])]
    }

    /// The working day `n` working days after `day` (n ≥ 0; 0 is `day` itself when worked, else the next).
    public func addingWorkingDays(_ n: Int, to day: Day) throws -> Day {
        guard let i = index(day) else { throw OutOfRange.beyondTables }
        let target = Int(rank[i]) + n
        guard target < workDays.count else { throw OutOfRange.beyondTables }
        return LunarCalendar.day(julianDay: base + Int(workDays[target]))!
    }

    /// The working day `n` working days before `day` (n ≥ 1; `day` itself does not count).
    public func subtractingWorkingDays(_ n: Int, from day: Day) throws -> Day {
        guard let i = index(day) else { throw OutOfRange.beyondTables }
        let target = Int(rank[i]) - n
        guard target >= 0, target < workDays.count else { throw OutOfRange.beyondTables }
        return LunarCalendar.day(julianDay: base + Int(workDays[target]))!
    }

    /// Working days from `a` up to `b`: those in `a ..< b` (0 for the same day, negative when `b` is
    /// before `a`). From a task's report day to its due day, how early it was done.
    public func workingDays(from a: Day, to b: Day) throws -> Int {
        guard let i = index(a), let j = index(b) else { throw OutOfRange.beyondTables }
        return Int(rank[j]) - Int(rank[i])
    }

    // MARK: Instants

    /// Day index and second of the day of an instant, in local time.
    @inline(__always)
    func split(_ date: Date) -> (Int, Int) {
        let local = Int(date.timeIntervalSince1970.rounded(.down)) + Self.offset
        let days = local >= 0 ? local / 86400 : (local - 86399) / 86400
        return (days + Self.unixEpochJulianDay - base, local - days * 86400)
    }

    @inline(__always)
    func instant(_ dayIndex: Int, _ second: Int) -> Date {
        Date(timeIntervalSince1970: TimeInterval((dayIndex + base - Self.unixEpochJulianDay) * 86400 + second - Self.offset))
    }

    /// The first moment of working time at or after `date`: `date` itself inside a session,
    /// else the next session's start.
    public func nextSessionStart(from date: Date) throws -> Date {
        let (i, s) = try normalized(date)
        return instant(i, s)
    }

    /// Working day index and second of the first working moment at or after `date`.
    @inline(__always)
    func normalized(_ date: Date) throws -> (Int, Int) {
        var (i, s) = split(date)
        guard i >= 0 && i < season.count else { throw OutOfRange.beyondTables }
        if season[i] >= 0 {
            for session in sessionSeconds[Int(season[i])] where s < session.end {
                return (i, max(s, session.start))
            }
        }
        // After the day's last session or on a day off: the next working day's first session.
        let next = Int(rank[i]) + (season[i] >= 0 ? 1 : 0)
        guard next < workDays.count else { throw OutOfRange.beyondTables }
        i = Int(workDays[next])
        s = sessionSeconds[Int(season[i])][0].start
        return (i, s)
    }

    /// Adds `n` working days and lands at the same clock time, as one-stop offices count: a
    /// dossier received outside the sessions starts at the next session start. When the clock
    /// time falls outside the sessions of the landing day (another season's hours), the result
    /// moves to the nearest working moment of that day: the next session's start, or the end of
    /// the last session.
    public func addingWorkingDays(_ n: Int, to date: Date) throws -> Date {
        precondition(n >= 0, "working days are added forwards")
        let (i, s) = try normalized(date)
        let target = Int(rank[i]) + n
        guard target < workDays.count else { throw OutOfRange.beyondTables }
        let t = Int(workDays[target])
        let sessions = sessionSeconds[Int(season[t])]
        for session in sessions where s <= session.end {
            return instant(t, max(s, session.start))
        }
        return instant(t, sessions[sessions.count - 1].end)
    }

    /// Adds working time: the sessions are walked from the first working moment at or after `date`.
    public func addingWorkingTime(_ duration: TimeInterval, to date: Date) throws -> Date {
        precondition(duration >= 0, "working time is added forwards")
        var remaining = Int(duration.rounded())
        var (i, s) = try normalized(date)
        while true {
            for session in sessionSeconds[Int(season[i])] where session.end > s {
                let from = max(s, session.start)
                let available = session.end - from
                if remaining <= available { return instant(i, from + remaining) }
                remaining -= available
            }
            // Whole working days can be skipped with the running sums.
            let next = Int(rank[i]) + 1
            guard next < workDays.count else { throw OutOfRange.beyondTables }
            i = Int(workDays[next])
            s = 0
            while true {
                let dayLength = Int(secondsBefore[i + 1] - secondsBefore[i])
                guard remaining > dayLength, Int(rank[i]) + 1 < workDays.count else { break }
                remaining -= dayLength
                i = Int(workDays[Int(rank[i]) + 1])
            }
        }
    }

    /// Working seconds of day `i` before second `s`.
    @inline(__always)
    func workedBefore(_ i: Int, _ s: Int) -> Int64 {
        guard season[i] >= 0 else { return 0 }
        var total = 0
        for session in sessionSeconds[Int(season[i])] where s > session.start { total += min(s, session.end) - session.start }
        return Int64(total)
    }

    /// The working time between two instants (zero when `to` is not after `from`).
    public func workingTime(from: Date, to: Date) throws -> TimeInterval {
        let (a, sa) = split(from), (b, sb) = split(to)
        guard a >= 0, b >= 0, a < season.count, b < season.count else { throw OutOfRange.beyondTables }
        let start = secondsBefore[a] + workedBefore(a, sa)
        let end = secondsBefore[b] + workedBefore(b, sb)
        return TimeInterval(max(0, end - start))
    }

    /// Same-day procedures: received on a working day before the cut-off, due at the end of that
    /// day's last session; otherwise at the end of the next working day.
    public func sameDayDeadline(receivedAt date: Date, cutOff: ClockTime = ClockTime(hour: 15, minute: 0)!) throws -> Date {
        var (i, s) = split(date)
        guard i >= 0 && i < season.count else { throw OutOfRange.beyondTables }
        if season[i] < 0 || s >= cutOff.minutes * 60 {
            let next = Int(rank[i]) + (season[i] >= 0 ? 1 : 0)
            guard next < workDays.count else { throw OutOfRange.beyondTables }
            i = Int(workDays[next])
        }
        let sessions = sessionSeconds[Int(season[i])]
        s = sessions[sessions.count - 1].end
        return instant(i, s)
    }

    /// Calendar-day procedures: `n` days after the day received; a due day that is not worked
    /// moves to the next working day.
    public func calendarDaysDeadline(receivedAt date: Date, days n: Int) throws -> Day {
        let (i, _) = split(date)
        let due = i + n
        guard due >= 0, due < season.count else { throw OutOfRange.beyondTables }
        if season[due] >= 0 { return LunarCalendar.day(julianDay: base + due)! }
        let next = Int(rank[due])
        guard next < workDays.count else { throw OutOfRange.beyondTables }
        return LunarCalendar.day(julianDay: base + Int(workDays[next]))!
    }

    /// True when `date` lies inside a session (its end included).
    public func isWorkingTime(_ date: Date) -> Bool {
        let (i, s) = split(date)
        guard i >= 0, i < season.count, season[i] >= 0 else { return false }
        return sessionSeconds[Int(season[i])].contains { s >= $0.start && s <= $0.end }
    }

    /// Local midnight at the start of a day.
    public func startOfDay(_ day: Day) -> Date { CivilTime.startOfDay(day) }
}
