import Foundation

/// Where a punch came from and how the person identified themselves.
public enum PunchSource: String, CaseIterable, Codable, Sendable { case kiosk, terminal, web, api, manual }
public enum PunchMethod: String, CaseIterable, Codable, Sendable {
    /// `typedCard`: a card number typed at the browser kiosk's field instead of read by its reader.
    case card, typedCard = "typed_card", pin, fingerprint, face, password, manual
}

/// One check-in or check-out, whatever its source. Punches are never deleted: corrections add punches.
public struct Punch: Hashable, Sendable {
    public var at: Date
    public var source: PunchSource
    public var method: PunchMethod

    public init(at: Date, source: PunchSource = .terminal, method: PunchMethod = .card) {
        self.at = at
        self.source = source
        self.method = method
    }
}

/// An approved out-of-office notice or leave: it excuses missing presence inside its window.
public struct Excuse: Hashable, Sendable {
    public enum Kind: String, CaseIterable, Codable, Sendable {
        case notice, annualLeave = "annual_leave", sickLeave = "sick_leave", businessTrip = "business_trip",
             training, compensatory
    }

    public var id: String
    public var kind: Kind
    public var from: Date
    public var to: Date

    public init(id: String, kind: Kind, from: Date, to: Date) {
        self.id = id
        self.kind = kind
        self.from = from
        self.to = to
    }
}

/// A unit's attendance rules.
public struct AttendancePolicy: Hashable, Sendable {
    public enum Derivation: String, Codable, Sendable {
        /// First punch is the check-in and last the check-out, for the whole day.
        case perDay = "per_day"
        /// Each session has its own check-in and check-out (the half-day card boards).
        case perSession = "per_session"
    }

    /// What the browser kiosk accepts of a card number typed by hand rather than read by the USB
    /// reader: knowing a colleague's number is all it takes to punch for them.
    public enum TypedCards: String, CaseIterable, Codable, Sendable {
        /// Accepted and recorded as typed.
        case allow
        /// Accepted with the holder's PIN after it.
        case pin
        /// Refused: the reader or the PIN keypad only.
        case refuse
    }

    public var derivation: Derivation
    public var typedCards: TypedCards
    /// Lateness and early leave up to this many minutes count as on time.
    public var graceMinutes: Int
    /// Punches closer than this to the previous one are the same punch (a double tap).
    public var collapseSeconds: Int
    /// Punches earlier than this before the first session, or later than this after the last, are ignored.
    public var windowMinutes: Int
    /// Unexcused missing working time from this many minutes on is half a day absent.
    public var halfDayMinutes: Int
    /// Present less than this many working minutes (unexcused) is absent.
    public var absentBelowMinutes: Int
    /// Working days a person has to explain a violation once a case is opened.
    public var explanationDays: Int

    public init(derivation: Derivation = .perDay, graceMinutes: Int = 5, collapseSeconds: Int = 120, windowMinutes: Int = 180,
                halfDayMinutes: Int = 180, absentBelowMinutes: Int = 30, explanationDays: Int = 3, typedCards: TypedCards = .allow) {
        self.derivation = derivation
        self.typedCards = typedCards
        self.graceMinutes = graceMinutes
        self.collapseSeconds = collapseSeconds
        self.windowMinutes = windowMinutes
        self.halfDayMinutes = halfDayMinutes
        self.absentBelowMinutes = absentBelowMinutes
        self.explanationDays = explanationDays
    }

    /// A policy from a form's fields, every number within sensible bounds.
    public static func validate(derivation: String, grace: String, collapse: String, window: String, halfDay: String,
                                absentBelow: String, explanationDays: String, typedCards: String) throws -> AttendancePolicy {
        var errors = ValidationErrors()
        func number(_ field: String, _ text: String, _ range: ClosedRange<Int>) -> Int {
            guard let n = Int(text.trimmingCharacters(in: .whitespaces)), range.contains(n) else {
                errors.add(field, "number_out_of_range")
                return range.lowerBound
            }
            return n
        }
        let d = Derivation(rawValue: derivation)
        if d == nil { errors.add("derivation", "policy_derivation_invalid") }
        let typed = TypedCards(rawValue: typedCards)
        if typed == nil { errors.add("typed_cards", "policy_typed_cards_invalid") }
        let policy = AttendancePolicy(derivation: d ?? .perDay, graceMinutes: number("grace_minutes", grace, 0...60),
                                      collapseSeconds: number("collapse_seconds", collapse, 0...1800),
                                      windowMinutes: number("window_minutes", window, 30...360),
                                      halfDayMinutes: number("half_day_minutes", halfDay, 30...480),
                                      absentBelowMinutes: number("absent_below_minutes", absentBelow, 0...240),
                                      explanationDays: number("explanation_days", explanationDays, 1...15), typedCards: typed ?? .allow)
        try errors.throwIfAny()
        return policy
    }
}

/// The verdict on one person's working day.
public struct DayVerdict: Equatable, Sendable {
    public enum Status: String, CaseIterable, Codable, Sendable {
        case onTime = "on_time", late, leftEarly = "left_early", lateAndLeftEarly = "late_and_left_early",
             missingPunch = "missing_punch", halfDayAbsent = "half_day_absent", absent, excused, holiday,
             notScheduled = "not_scheduled",
             /// Today, before anything can be said: nothing has been missed yet.
             pending
    }

    /// Why: each a catalog key with its numbers.
    public enum Reason: Equatable, Sendable {
        case late(minutes: Int, session: Int)
        case leftEarly(minutes: Int, session: Int)
        case sessionMissed(session: Int)
        case missingCheckOut
        case missingCheckIn
        case excused(by: String, kind: Excuse.Kind)
        case ignoredPunches(count: Int)
    }

    public var status: Status
    public var lateMinutes = 0
    public var earlyMinutes = 0
    /// Working minutes missing and not excused (lateness, early leave, missed sessions).
    public var missingMinutes = 0
    public var checkIn: Date?
    public var checkOut: Date?
    public var reasons: [Reason] = []

    public init(status: Status) { self.status = status }
}

/// Turns punches, approved excuses and the calendar into the verdict on a working day.
public enum VerdictEngine {
    /// Working minutes in [a, b] that no excuse covers; overlapping excuses count once.
    /// `sortedExcuses` are in order of their start.
    public static func unexcusedMinutes(from a: Date, to b: Date, sortedExcuses: [Excuse], calendar: WorkCalendar) -> Int {
        guard b > a else { return 0 }
        var total = (try? calendar.workingTime(from: a, to: b)) ?? 0
        var covered: (Date, Date)?
        for e in sortedExcuses {
            let s = max(a, e.from), t = min(b, e.to)
            guard t > s else { continue }
            if let c = covered, s <= c.1 { covered = (c.0, max(c.1, t)); continue }
            if let c = covered { total -= (try? calendar.workingTime(from: c.0, to: c.1)) ?? 0 }
            covered = (s, t)
        }
        if let c = covered { total -= (try? calendar.workingTime(from: c.0, to: c.1)) ?? 0 }
        return Int((max(0, total) / 60).rounded())
    }

    /// The verdict so far on a day still running at `now`: the rest of the day counts as neither
    /// missed nor worked, so nobody is absent at dawn and a check-out is not yet due.
    public static func provisional(day: Day, now: Date, punches: [Punch], excuses: [Excuse], calendar: WorkCalendar,
                                   policy: AttendancePolicy, isHoliday: Bool) -> DayVerdict {
        let end = calendar.startOfDay(day).addingTimeInterval(86400)
        guard now < end else { return verdict(day: day, punches: punches, excuses: excuses, calendar: calendar, policy: policy, isHoliday: isHoliday) }
        let rest = Excuse(id: "rest-of-day", kind: .notice, from: now, to: end)
        var v = verdict(day: day, punches: punches.filter { $0.at <= now }, excuses: excuses + [rest], calendar: calendar,
                        policy: policy, isHoliday: isHoliday)
        v.reasons.removeAll { $0 == .excused(by: rest.id, kind: rest.kind) }
        if v.status == .excused && !v.reasons.contains(where: { if case .excused = $0 { return true }; return false }) {
            v.status = .pending
        }
        return v
    }

    public static func verdict(day: Day, punches: [Punch], excuses: [Excuse], calendar: WorkCalendar,
                               policy: AttendancePolicy, isHoliday: Bool) -> DayVerdict {
        let sessions = calendar.sessions(on: day)
        guard !sessions.isEmpty else { return DayVerdict(status: isHoliday ? .holiday : .notScheduled) }
        let midnight = calendar.startOfDay(day)
        func at(_ t: ClockTime) -> Date { midnight.addingTimeInterval(TimeInterval(t.minutes * 60)) }
        let first = at(sessions[0].start), last = at(sessions[sessions.count - 1].end)
        let window = TimeInterval(policy.windowMinutes * 60)

        // The day's punches: inside the window, repeated taps collapsed.
        var kept: [Date] = []
        var ignored = 0
        for p in punches.map(\.at).sorted() {
            guard p >= first.addingTimeInterval(-window), p <= last.addingTimeInterval(window) else { ignored += 1; continue }
            if let previous = kept.last, p.timeIntervalSince(previous) < TimeInterval(policy.collapseSeconds) { continue }
            kept.append(p)
        }
        var v = DayVerdict(status: .onTime)
        if ignored > 0 { v.reasons.append(.ignoredPunches(count: ignored)) }

        let windows = excuses.filter { $0.to > first && $0.from < last }.sorted { $0.from < $1.from }
        func unexcused(_ a: Date, _ b: Date) -> Int { unexcusedMinutes(from: a, to: b, sortedExcuses: windows, calendar: calendar) }
        let dayMinutes = Int(((try? calendar.workingTime(from: first, to: last)) ?? 0) / 60)
        for e in windows { v.reasons.append(.excused(by: e.id, kind: e.kind)) }
        if unexcused(first, last) == 0 {
            v.status = .excused
            v.checkIn = kept.first
            v.checkOut = kept.count > 1 ? kept.last : nil
            return v
        }
        guard !kept.isEmpty else {
            v.status = .absent
            v.missingMinutes = unexcused(first, last)
            for i in sessions.indices { v.reasons.append(.sessionMissed(session: i)) }
            return v
        }

        // Each span that must be covered: the whole day, or each session.
        let spans: [(Date, Date, Date, Date)]  // session start, end, and the window its punches belong to
        switch policy.derivation {
        case .perDay:
            spans = [(first, last, first.addingTimeInterval(-window), last.addingTimeInterval(window))]
        case .perSession:
            spans = sessions.indices.map { i in
                let start = at(sessions[i].start), end = at(sessions[i].end)
                let lower = i == 0 ? start.addingTimeInterval(-window) : at(sessions[i - 1].end).addingTimeInterval(start.timeIntervalSince(at(sessions[i - 1].end)) / 2)
                let upper = i == sessions.count - 1 ? end.addingTimeInterval(window) : end.addingTimeInterval(at(sessions[i + 1].start).timeIntervalSince(end) / 2)
                return (start, end, lower, upper)
            }
        }
        let grace = policy.graceMinutes
        var onePunch = false
        for (index, span) in spans.enumerated() {
            let (start, end, lower, upper) = span
            let inSpan = kept.filter { $0 >= lower && $0 < upper }
            if inSpan.isEmpty {
                let missing = unexcused(start, end)
                if missing > 0 { v.reasons.append(.sessionMissed(session: index)); v.missingMinutes += missing }
                continue
            }
            var checkIn: Date? = inSpan.first, checkOut: Date? = inSpan.count > 1 ? inSpan.last : nil
            if inSpan.count == 1 {
                // One punch: a check-in if it comes before the middle of the span, else a check-out.
                // The other punch is missing unless an excuse covers the rest of the span.
                // Leaving on a notice that runs to the end of the span needs no check-out: its start
                // stands for one; returning from one that began before the span stands for a check-in.
                let leftOn = windows.filter { $0.from >= inSpan[0] && $0.from < end && $0.to >= end }.map(\.from).min()
                let backFrom = windows.filter { $0.from <= start && $0.to > start && $0.to <= inSpan[0] }.map(\.to).max()
                if inSpan[0] > start.addingTimeInterval(end.timeIntervalSince(start) / 2) {
                    checkIn = backFrom
                    checkOut = inSpan[0]
                    if backFrom == nil && unexcused(start, inSpan[0]) > grace { onePunch = true; v.reasons.append(.missingCheckIn) }
                } else {
                    checkOut = leftOn
                    if leftOn == nil && unexcused(inSpan[0], end) > grace { onePunch = true; v.reasons.append(.missingCheckOut) }
                }
            }
            if v.checkIn == nil { v.checkIn = checkIn }
            if let checkOut { v.checkOut = checkOut }
            if let checkIn {
                let late = unexcused(start, min(checkIn, end))
                if late > grace { v.lateMinutes += late; v.missingMinutes += late; v.reasons.append(.late(minutes: late, session: index)) }
            }
            if let checkOut {
                let early = unexcused(max(checkOut, start), end)
                if early > grace { v.earlyMinutes += early; v.missingMinutes += early; v.reasons.append(.leftEarly(minutes: early, session: index)) }
            }
        }
        let present = dayMinutes - v.missingMinutes
        if onePunch && v.lateMinutes == 0 && v.earlyMinutes == 0 && !v.reasons.contains(where: { if case .sessionMissed = $0 { return true }; return false }) {
            v.status = .missingPunch
        } else if present < policy.absentBelowMinutes {
            v.status = .absent
        } else if v.missingMinutes >= policy.halfDayMinutes {
            v.status = .halfDayAbsent
        } else if v.lateMinutes > 0 && v.earlyMinutes > 0 {
            v.status = .lateAndLeftEarly
        } else if v.lateMinutes > 0 {
            v.status = .late
        } else if v.earlyMinutes > 0 {
            v.status = .leftEarly
        } else if onePunch {
            v.status = .missingPunch
        } else {
            v.status = .onTime
        }
        return v
    }
}

/// Punches that cannot be trusted are kept but held (flagged), and verdicts leave them out until
/// the office accepts them: a device clock ahead of the server, a punch uploaded long after, or
/// an origin in doubt.
public enum PunchFlag: String, Codable, Sendable, CaseIterable {
    case none = ""
    case future
    case stale
    /// From a terminal that was never told of that PIN and never reported it: someone may be
    /// posting punches in the terminal's name.
    case unenrolled
    /// A punch the kiosk queued while offline without a valid signature of the kiosk's key.
    case unsigned
    /// A queued punch sent later than the unit's window allows after it was made.
    case lateQueue = "late_queue"

    public static let tolerance: TimeInterval = 5 * 60
    public static let staleAfter: TimeInterval = 7 * 86400

    public static func check(at: Date, receivedAt: Date) -> PunchFlag {
        if at > receivedAt.addingTimeInterval(tolerance) { return .future }
        if receivedAt.timeIntervalSince(at) > staleAfter { return .stale }
        return .none
    }
}
