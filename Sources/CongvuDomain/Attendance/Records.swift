import Foundation

// What is kept of a verdict, what a timesheet shows of it, and the figures reports draw from it.

extension DayVerdict.Reason {
    /// A compact, stable text form for storage: `late:12:0`, `excused:absence-4:notice`.
    public var code: String {
        switch self {
        case .late(let m, let s): return "late:\(m):\(s)"
        case .leftEarly(let m, let s): return "left_early:\(m):\(s)"
        case .sessionMissed(let s): return "session_missed:\(s)"
        case .missingCheckOut: return "missing_check_out"
        case .missingCheckIn: return "missing_check_in"
        case .excused(let id, let kind): return "excused:\(id):\(kind.rawValue)"
        case .ignoredPunches(let n): return "ignored_punches:\(n)"
        }
    }

    public init?(code: String) {
        let p = code.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        func int(_ i: Int) -> Int? { p.count > i ? Int(p[i]) : nil }
        switch p[0] {
        case "late": guard let m = int(1), let s = int(2) else { return nil }; self = .late(minutes: m, session: s)
        case "left_early": guard let m = int(1), let s = int(2) else { return nil }; self = .leftEarly(minutes: m, session: s)
        case "session_missed": guard let s = int(1) else { return nil }; self = .sessionMissed(session: s)
        case "missing_check_out": self = .missingCheckOut
        case "missing_check_in": self = .missingCheckIn
        case "excused":
            guard p.count == 3, let kind = Excuse.Kind(rawValue: p[2]) else { return nil }
            self = .excused(by: p[1], kind: kind)
        case "ignored_punches": guard let n = int(1) else { return nil }; self = .ignoredPunches(count: n)
        default: return nil
        }
    }
}

extension DayVerdict {
    /// The reasons as stored: codes joined by `;`.
    public var reasonCodes: String { reasons.map(\.code).joined(separator: ";") }

    /// Reads stored reasons back; an unknown code is an error, not silently dropped.
    public static func reasons(fromCodes text: String) throws -> [Reason] {
        guard !text.isEmpty else { return [] }
        return try text.split(separator: ";").map { part in
            guard let r = Reason(code: String(part)) else { throw UnreadableValue(text: String(part)) }
            return r
        }
    }

    /// A verdict a case (giải trình) can be opened on: lateness, early leave, a missing punch or an unexcused absence.
    public var needsExplanation: Bool {
        // (a pending day has nothing to explain yet)
        [.late, .leftEarly, .lateAndLeftEarly, .missingPunch, .halfDayAbsent, .absent].contains(status)
    }

    /// The kind of the notice or leave that excuses the day, when one does.
    public var excuseKind: Excuse.Kind? {
        for r in reasons { if case .excused(_, let kind) = r { return kind } }
        return nil
    }

    /// Is this verdict the same as another for everything a person or a report sees?
    public func sameOutcome(as other: DayVerdict) -> Bool {
        status == other.status && lateMinutes == other.lateMinutes && earlyMinutes == other.earlyMinutes
            && missingMinutes == other.missingMinutes && checkIn == other.checkIn && checkOut == other.checkOut && reasons == other.reasons
    }
}

/// A stored value that no longer reads as what it should be.
public struct UnreadableValue: Error, Equatable, Sendable {
    public let text: String
    public init(text: String) { self.text = text }
}

/// The monthly timesheet (bảng chấm công): the code of each day and a person's totals.
/// Codes follow the usual public-sector symbols: `+` a day worked, `P` annual leave, `Ô` sick,
/// `CT` out on business, `H` training or meetings, `NB` compensatory leave, `L` a holiday; late
/// arrivals `M`, early leave `S`, a missing punch `Q`, half a day absent `½V` and absence `V`.
public enum Timesheet {
    public static func code(_ v: DayVerdict) -> String {
        switch v.status {
        case .onTime: return "+"
        case .late: return "M"
        case .leftEarly: return "S"
        case .lateAndLeftEarly: return "MS"
        case .missingPunch: return "Q"
        case .halfDayAbsent: return "½V"
        case .absent: return "V"
        case .holiday: return "L"
        case .notScheduled, .pending: return ""
        case .excused:
            switch v.excuseKind ?? .notice {
            case .annualLeave: return "P"
            case .sickLeave: return "Ô"
            case .businessTrip, .notice: return "CT"
            case .training: return "H"
            case .compensatory: return "NB"
            }
        }
    }

    /// Every code with its catalog key, in the order a legend lists them.
    public static let legend: [(code: String, key: String)] = [
        ("+", "on_time"), ("M", "late"), ("S", "left_early"), ("MS", "late_and_left_early"), ("Q", "missing_punch"),
        ("½V", "half_day_absent"), ("V", "absent"), ("P", "annual_leave"), ("Ô", "sick_leave"), ("CT", "business_trip"),
        ("H", "training"), ("NB", "compensatory"), ("L", "holiday"),
    ]

    /// One person's month.
    public struct Totals: Equatable, Sendable {
        /// Scheduled working days.
        public var scheduled = 0
        /// Days worked (half a day absent counts a half).
        public var worked = 0.0
        /// Days excused by notices or leave.
        public var excused = 0
        /// Days absent without reason (half days count a half).
        public var absent = 0.0
        public var lateCount = 0
        public var earlyCount = 0
        public var lateMinutes = 0
        public var earlyMinutes = 0
        public var missingPunches = 0

        public init() {}

        public mutating func add(_ v: DayVerdict) {
            switch v.status {
            case .holiday, .notScheduled, .pending: return
            case .excused: excused += 1
            case .absent: absent += 1
            case .halfDayAbsent: worked += 0.5; absent += 0.5
            case .onTime, .late, .leftEarly, .lateAndLeftEarly, .missingPunch: worked += 1
            }
            scheduled += 1
            if v.lateMinutes > 0 { lateCount += 1; lateMinutes += v.lateMinutes }
            if v.earlyMinutes > 0 { earlyCount += 1; earlyMinutes += v.earlyMinutes }
            if v.status == .missingPunch { missingPunches += 1 }
        }
    }
}

/// Discipline figures for leaders: how many scheduled person-days were kept in full.
public struct Compliance: Equatable, Sendable {
    /// Scheduled person-days not excused: the days that could be kept.
    public var expected = 0
    /// Of those, on time and complete.
    public var kept = 0
    public var late = 0
    public var leftEarly = 0
    public var absent = 0
    public var missingPunch = 0
    public var excused = 0

    public init() {}

    public mutating func add(_ v: DayVerdict) {
        switch v.status {
        case .holiday, .notScheduled, .pending: return
        case .excused: excused += 1; return
        case .onTime: kept += 1
        case .late: late += 1
        case .leftEarly: leftEarly += 1
        case .lateAndLeftEarly: late += 1; leftEarly += 1
        case .missingPunch: missingPunch += 1
        case .halfDayAbsent, .absent: absent += 1
        }
        expected += 1
    }

    /// Kept days as a share of the days that could be kept (nil when there were none).
    public var rate: Double? { expected == 0 ? nil : Double(kept) / Double(expected) }
}

/// What the kiosk says right after a punch, and what the live board shows of a person now.
public enum Presence {
    public enum Kind: String, Sendable { case checkIn = "check_in", checkOut = "check_out" }

    public struct Feedback: Equatable, Sendable {
        public var kind: Kind
        /// Working minutes late (check-in) or early (check-out), beyond the grace; 0 when on time.
        public var minutes: Int
        /// The same card read again within the collapse window: nothing new.
        public var repeated: Bool
        /// Set when the punch falls outside the day's working hours altogether: a check-in at or
        /// after the end of the day's last session (the end is given), or a check-out before the
        /// start of its first session (the start is given). "Late 480 minutes" at 20:12 counts
        /// every working minute of the day, which is not what anyone means by late: the kiosk
        /// says the working day had ended instead. `minutes` still holds the working minutes.
        public var outsideHours: ClockTime?

        public init(kind: Kind, minutes: Int, repeated: Bool, outsideHours: ClockTime? = nil) {
            self.kind = kind
            self.minutes = minutes
            self.repeated = repeated
            self.outsideHours = outsideHours
        }
    }

    /// Reads a punch against the day's earlier punches: odd taps check in, even taps check out.
    /// Late and early are measured from the day's (or, per session, the session's) start and end.
    public static func feedback(at: Date, earlier: [Date], day: Day, calendar: WorkCalendar, policy: AttendancePolicy,
                                excuses: [Excuse] = []) -> Feedback {
        var kept: [Date] = []
        for p in earlier.sorted() where p < at {
            if let last = kept.last, p.timeIntervalSince(last) < TimeInterval(policy.collapseSeconds) { continue }
            kept.append(p)
        }
        if let last = kept.last, at.timeIntervalSince(last) < TimeInterval(policy.collapseSeconds) {
            return Feedback(kind: kept.count % 2 == 1 ? .checkIn : .checkOut, minutes: 0, repeated: true)
        }
        let kind: Kind = kept.count % 2 == 0 ? .checkIn : .checkOut
        let sessions = calendar.sessions(on: day)
        guard !sessions.isEmpty else { return Feedback(kind: kind, minutes: 0, repeated: false) }
        let midnight = calendar.startOfDay(day)
        func time(_ t: ClockTime) -> Date { midnight.addingTimeInterval(TimeInterval(t.minutes * 60)) }
        var start = time(sessions[0].start), end = time(sessions[sessions.count - 1].end)
        if policy.derivation == .perSession {
            // The session the punch belongs to: the last one that starts before the middle of the gap after it.
            var index = 0
            for i in sessions.indices.dropFirst() {
                let gapMiddle = time(sessions[i - 1].end).addingTimeInterval(time(sessions[i].start).timeIntervalSince(time(sessions[i - 1].end)) / 2)
                if at >= gapMiddle { index = i }
            }
            start = time(sessions[index].start)
            end = time(sessions[index].end)
        }
        let sorted = excuses.sorted { $0.from < $1.from }
        func unexcused(_ a: Date, _ b: Date) -> Int { VerdictEngine.unexcusedMinutes(from: a, to: b, sortedExcuses: sorted, calendar: calendar) }
        let minutes = kind == .checkIn ? unexcused(start, at) : unexcused(at, end)
        let dayStart = sessions[0].start, dayEnd = sessions[sessions.count - 1].end
        let outside = kind == .checkIn && at >= time(dayEnd) ? dayEnd : kind == .checkOut && at < time(dayStart) ? dayStart : nil
        return Feedback(kind: kind, minutes: minutes > policy.graceMinutes ? minutes : 0, repeated: false,
                        outsideHours: minutes > policy.graceMinutes ? outside : nil)
    }

    /// Where a person is on the live board.
    public enum State: String, CaseIterable, Sendable {
        case present, late, notArrived = "not_arrived", left, onNotice = "on_notice", onLeave = "on_leave", dayOff = "day_off"
    }

    public struct Now: Equatable, Sendable {
        public var state: State
        /// Minutes late, for `late`.
        public var lateMinutes = 0
        public var checkIn: Date?
        public var checkOut: Date?
        /// The notice or leave being served now.
        public var excuseID: String?
    }

    /// A person's state at `now` from today's punches and the approved notices and leave.
    public static func now(_ now: Date, day: Day, punches: [Date], excuses: [Excuse], calendar: WorkCalendar, policy: AttendancePolicy) -> Now {
        var kept: [Date] = []
        for p in punches.sorted() where p <= now {
            if let last = kept.last, p.timeIntervalSince(last) < TimeInterval(policy.collapseSeconds) { continue }
            kept.append(p)
        }
        // On a day off nobody is expected; whoever comes in anyway is shown in.
        if calendar.sessions(on: day).isEmpty {
            guard let first = kept.first else { return Now(state: .dayOff) }
            return kept.count % 2 == 0 ? Now(state: .left, checkIn: first, checkOut: kept.last) : Now(state: .present, checkIn: first)
        }
        if let e = excuses.first(where: { $0.from <= now && $0.to > now }) {
            let onLeave = [.annualLeave, .sickLeave, .compensatory].contains(e.kind)
            return Now(state: onLeave ? .onLeave : .onNotice, checkIn: kept.first, excuseID: e.id)
        }
        guard let first = kept.first else { return Now(state: .notArrived) }
        if kept.count % 2 == 0 { return Now(state: .left, checkIn: first, checkOut: kept.last) }
        let arrival = feedback(at: first, earlier: [], day: day, calendar: calendar, policy: policy, excuses: excuses)
        return Now(state: arrival.minutes > 0 ? .late : .present, lateMinutes: arrival.minutes, checkIn: first)
    }
}
