import Foundation

// Issue 20's rules, before any outbox or channel exists: which kinds of notification there are,
// where each goes by default, how a person's choices (channels per kind, quiet hours, digests)
// turn one notification into deliveries, when a failed delivery is tried again, and when a
// leader's digests fall due. The store, the worker and the channels apply these; none decides
// on its own.

/// Where a notification can reach a person. The in-app inbox always receives it.
public enum NotificationChannel: String, CaseIterable, Sendable, Codable, Comparable {
    case inbox, email, zalo, telegram
    case webPush = "web_push"

    /// Channels outside the app: they need an address the person confirmed, and keep quiet hours.
    public var isExternal: Bool { self != .inbox }

    public static func < (a: Self, b: Self) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// What a notification is about. Features add their kinds here, each with its rule.
public enum NotificationKind: String, CaseIterable, Sendable, Codable {
    case absentWithoutNotice = "absent_without_notice"
    case lateToday = "late_today"
    case noticeToDecide = "notice_to_decide"
    case explanationDue = "explanation_due"
    case explanationDecided = "explanation_decided"
    case dossierNearDue = "dossier_near_due"
    case dossierOverdue = "dossier_overdue"
    case terminalTamper = "terminal_tamper"
    case terminalOffline = "terminal_offline"
    case cameraOffline = "camera_offline"
    case taskAssigned = "task_assigned"
    case taskDueSoon = "task_due_soon"
    case taskOverdue = "task_overdue"
    case taskReported = "task_reported"
    case taskDecided = "task_decided"
    /// Inspection minutes about one's unit were finalised (issue 21).
    case inspectionMinutes = "inspection_minutes"
    /// A unit is invited to a meeting between levels, or the meeting it was invited to changed (issue 22).
    case meetingInvitation = "meeting_invitation"
    /// A head's published citizen reception days fall short of the law in the coming weeks (issue 22).
    case receptionShort = "reception_short"
    /// Feedback reached the unit and waits for the office to assign it (issue 23).
    case feedbackFiled = "feedback_filed"
    /// Feedback was given to the person to answer.
    case feedbackAssigned = "feedback_assigned"
    /// Feedback went unanswered past its deadline and was raised to the level above.
    case feedbackEscalated = "feedback_escalated"
    /// The citizen said the answer did not solve the matter.
    case feedbackReopened = "feedback_reopened"
    /// The answer to a citizen's feedback, sent to the e-mail address they gave: they have no
    /// account, so it is raised to the address (`toCitizens`), never to a person.
    case feedbackAnswer = "feedback_answer"
    /// A leader's digests: what needs them, once a day or once a week.
    case dailyDigest = "daily_digest"
    case weeklyDigest = "weekly_digest"

    public var isDigest: Bool { self == .dailyDigest || self == .weeklyDigest }

    /// Sent to an address a citizen gave, not to a person: nobody chooses its channels.
    public var toCitizens: Bool { self == .feedbackAnswer }

    public struct Rule: Sendable, Equatable {
        /// Sent at once whatever the hour or the recipient's digests (a terminal opened, a dossier late).
        public var urgent: Bool
        /// Never sent one by one: only counted in leaders' digests (a morning's late arrivals).
        public var digestOnly: Bool
        /// The channels used when the person has not chosen (the inbox is always added).
        public var channels: Set<NotificationChannel>
    }

    /// The values a notification of this kind carries, in the order its message names them
    /// (the catalog's `notification_<kind>`).
    public var fields: [String] {
        switch self {
        case .taskAssigned: ["reference", "title", "due"]
        case .taskDueSoon, .taskOverdue: ["reference", "title", "due"]
        case .taskReported, .taskDecided: ["reference", "title"]
        case .feedbackAnswer: ["unit", "code", "answer"]
        case .dailyDigest, .weeklyDigest: ["day", "absent", "late", "away", "approvals", "dossiers_overdue", "dossiers_soon", "tasks", "alerts"]
        case .absentWithoutNotice, .lateToday, .noticeToDecide, .explanationDue, .explanationDecided, .dossierNearDue,
             .dossierOverdue, .terminalTamper, .terminalOffline, .cameraOffline, .inspectionMinutes, .meetingInvitation, .receptionShort,
             .feedbackFiled, .feedbackAssigned, .feedbackEscalated, .feedbackReopened: ["subject"]
        }
    }

    public var rule: Rule {
        switch self {
        case .absentWithoutNotice, .lateToday: Rule(urgent: false, digestOnly: true, channels: [])
        case .terminalTamper: Rule(urgent: true, digestOnly: false, channels: [.zalo, .telegram, .webPush, .email])
        case .dossierOverdue, .terminalOffline, .cameraOffline: Rule(urgent: true, digestOnly: false, channels: [.zalo, .telegram, .webPush])
        case .noticeToDecide, .explanationDue, .taskAssigned, .taskOverdue, .inspectionMinutes, .meetingInvitation, .receptionShort, .feedbackFiled,
             .feedbackAssigned, .feedbackEscalated, .feedbackReopened: Rule(urgent: false, digestOnly: false, channels: [.zalo, .telegram, .webPush])
        case .explanationDecided, .dossierNearDue, .taskDueSoon, .taskReported, .taskDecided: Rule(urgent: false, digestOnly: false, channels: [.webPush])
        case .dailyDigest, .weeklyDigest: Rule(urgent: false, digestOnly: false, channels: [.email, .zalo, .telegram, .webPush])
        // The citizen's address, at once: they keep no quiet hours here.
        case .feedbackAnswer: Rule(urgent: true, digestOnly: false, channels: [.email])
        }
    }
}

/// Hours in which a person wants no messages outside the app, on the Vietnamese clock; the span
/// may cross midnight (22:00–06:30). Urgent kinds are sent anyway.
public struct QuietHours: Sendable, Equatable, Codable {
    /// Minutes after local midnight.
    public var start: Int
    public var end: Int

    public init?(start: Int, end: Int) {
        guard (0..<1440).contains(start), (0..<1440).contains(end), start != end else { return nil }
        self.start = start
        self.end = end
    }

    public func contains(_ instant: Date) -> Bool {
        let m = Self.minute(of: instant)
        return start < end ? (start..<end).contains(m) : (m >= start || m < end)
    }

    /// The first moment after `instant` when the quiet hours are over (`instant` itself when they are not on).
    public func over(after instant: Date) -> Date {
        guard contains(instant) else { return instant }
        let m = Self.minute(of: instant)
        let wait = (end - m + 1440) % 1440
        let startOfMinute = instant.timeIntervalSince1970 - instant.timeIntervalSince1970.truncatingRemainder(dividingBy: 60)
        return Date(timeIntervalSince1970: startOfMinute + Double(wait * 60))
    }

    static func minute(of instant: Date) -> Int {
        let local = Int((instant.timeIntervalSince1970 + 7 * 3600).rounded(.down))
        return ((local / 60) % 1440 + 1440) % 1440
    }
}

/// A person's choices: channels per kind (none chosen: the kind's defaults), quiet hours, and,
/// for leaders, digests instead of single messages.
public struct NotificationPreferences: Sendable, Equatable, Codable {
    public var channels: [NotificationKind: Set<NotificationChannel>]
    public var quietHours: QuietHours?
    /// A daily digest at this minute of the Vietnamese day (08:15 by default for leaders), or none.
    public var dailyDigest: Int?
    /// A weekly digest: the weekday (0 Sunday … 6 Saturday) and minute, before the leaders' meeting.
    public var weeklyDigest: WeeklySlot?

    public struct WeeklySlot: Sendable, Equatable, Codable {
        public var weekday: Int
        public var minute: Int
        public init?(weekday: Int, minute: Int) {
            guard (0...6).contains(weekday), (0..<1440).contains(minute) else { return nil }
            self.weekday = weekday
            self.minute = minute
        }
    }

    public init(channels: [NotificationKind: Set<NotificationChannel>] = [:], quietHours: QuietHours? = nil,
                dailyDigest: Int? = nil, weeklyDigest: WeeklySlot? = nil) {
        self.channels = channels
        self.quietHours = quietHours
        self.dailyDigest = dailyDigest
        self.weeklyDigest = weeklyDigest
    }

    /// A leader's starting choices: the morning digest at 08:15.
    public static let leader = NotificationPreferences(dailyDigest: 8 * 60 + 15)

    public var takesDigests: Bool { dailyDigest != nil || weeklyDigest != nil }

    enum CodingKeys: String, CodingKey {
        case channels, quietHours = "quiet_hours", dailyDigest = "daily_digest", weeklyDigest = "weekly_digest"
    }

    /// Stored as JSON that is the same text for the same choices (kinds and channels in order),
    /// so that a change is seen by comparing texts and the audit log shows readable choices.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(Dictionary(uniqueKeysWithValues: channels.map { ($0.key.rawValue, $0.value.sorted().map(\.rawValue)) }), forKey: .channels)
        try c.encodeIfPresent(quietHours, forKey: .quietHours)
        try c.encodeIfPresent(dailyDigest, forKey: .dailyDigest)
        try c.encodeIfPresent(weeklyDigest, forKey: .weeklyDigest)
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        var channels: [NotificationKind: Set<NotificationChannel>] = [:]
        for (kind, list) in try c.decodeIfPresent([String: [String]].self, forKey: .channels) ?? [:] {
            // A kind or channel a later version dropped is ignored rather than making the choices unreadable.
            guard let k = NotificationKind(rawValue: kind) else { continue }
            channels[k] = Set(list.compactMap(NotificationChannel.init(rawValue:)))
        }
        self.init(channels: channels, quietHours: try c.decodeIfPresent(QuietHours.self, forKey: .quietHours),
                  dailyDigest: try c.decodeIfPresent(Int.self, forKey: .dailyDigest),
                  weeklyDigest: try c.decodeIfPresent(WeeklySlot.self, forKey: .weeklyDigest))
    }

    public func chosen(for kind: NotificationKind) -> Set<NotificationChannel> {
        (channels[kind] ?? kind.rule.channels).union([.inbox])
    }
}

/// One notification for one person: the deliveries to make and from when, or that it waits for
/// the person's digest.
public struct NotificationRouting: Sendable, Equatable {
    public struct Delivery: Sendable, Equatable {
        public var channel: NotificationChannel
        public var notBefore: Date
    }
    public var deliveries: [Delivery]
    /// Counted in the next digest instead of sent on external channels.
    public var digested: Bool

    /// A notification raised to an address someone gave rather than to a person (a citizen): that
    /// channel alone, at once; there is no inbox, no choices and no quiet hours to keep.
    public static func addressed(_ channel: NotificationChannel, at now: Date) -> NotificationRouting {
        NotificationRouting(deliveries: [Delivery(channel: channel, notBefore: now)], digested: false)
    }

    /// - Parameters:
    ///   - verified: the external channels the person has confirmed an address or chat for.
    public static func route(_ kind: NotificationKind, preferences: NotificationPreferences,
                             verified: Set<NotificationChannel>, at now: Date) -> NotificationRouting {
        let inbox = Delivery(channel: .inbox, notBefore: now)
        let rule = kind.rule
        if rule.digestOnly { return NotificationRouting(deliveries: [inbox], digested: true) }
        if !rule.urgent && !kind.isDigest && preferences.takesDigests { return NotificationRouting(deliveries: [inbox], digested: true) }
        let external = preferences.chosen(for: kind).filter { $0.isExternal && verified.contains($0) }.sorted()
        let from = rule.urgent ? now : (preferences.quietHours?.over(after: now) ?? now)
        return NotificationRouting(deliveries: [inbox] + external.map { Delivery(channel: $0, notBefore: from) }, digested: false)
    }
}

/// When a failed delivery is tried again: doubling waits from 30 seconds up to an hour, eight
/// attempts in all; a provider's permanent refusal (an address that does not exist, a chat that
/// blocked the bot) is not tried again.
public struct RetryPolicy: Sendable, Equatable {
    public var attempts: Int
    public var first: TimeInterval
    public var longest: TimeInterval

    public init(attempts: Int = 8, first: TimeInterval = 30, longest: TimeInterval = 3600) {
        self.attempts = attempts
        self.first = first
        self.longest = longest
    }

    /// The next attempt after `failed` attempts have failed, the last at `at`; nil: give up.
    public func next(afterFailures failed: Int, at: Date, permanent: Bool) -> Date? {
        guard !permanent, failed >= 1, failed < attempts else { return nil }
        return at.addingTimeInterval(Backoff(first: first, longest: longest).delay(afterFailures: failed))
    }
}

/// When a leader's digests fall due, on the Vietnamese clock (UTC+7 all year).
public enum DigestSchedule {
    /// The first daily digest moment strictly after `instant`.
    public static func nextDaily(minute: Int, after instant: Date) -> Date {
        let today = Day(instant, in: CivilTime.vietnam)
        let candidate = CivilTime.startOfDay(today).addingTimeInterval(Double(minute * 60))
        return candidate > instant ? candidate : CivilTime.startOfDay(today.next).addingTimeInterval(Double(minute * 60))
    }

    /// How long after its time a digest is still sent (a server down at 08:15 and back at 09:00
    /// sends it; one back in the evening does not).
    public static let lateness: TimeInterval = 6 * 3600

    /// The day whose daily digest is due at `now`: its time has come, and not long ago.
    public static func dueDaily(minute: Int, at now: Date) -> Day? {
        let today = Day(now, in: CivilTime.vietnam)
        let slot = CivilTime.startOfDay(today).addingTimeInterval(Double(minute * 60))
        return now >= slot && now.timeIntervalSince(slot) < lateness ? today : nil
    }

    /// The day whose weekly digest is due at `now`: today is its weekday, and its time has come, not long ago.
    public static func dueWeekly(_ slot: NotificationPreferences.WeeklySlot, at now: Date) -> Day? {
        let today = Day(now, in: CivilTime.vietnam)
        guard HolidayRules.weekday(today) == slot.weekday else { return nil }
        return dueDaily(minute: slot.minute, at: now)
    }

    /// The first weekly digest moment strictly after `instant`.
    public static func nextWeekly(_ slot: NotificationPreferences.WeeklySlot, after instant: Date) -> Date {
        var day = Day(instant, in: CivilTime.vietnam)
        for _ in 0..<8 {
            let candidate = CivilTime.startOfDay(day).addingTimeInterval(Double(slot.minute * 60))
            if HolidayRules.weekday(day) == slot.weekday && candidate > instant { return candidate }
            day = day.next
        }
        preconditionFailure("a weekday recurs within eight days")
    }
}

/// The key that makes raising a notification twice harmless: one notification per kind, record
/// and occasion (a task's "overdue" once per task and due day; a terminal's "offline" once per outage).
public struct NotificationKey: Sendable, Hashable, CustomStringConvertible {
    public var kind: NotificationKind
    public var recordType: String
    public var recordID: Int64
    public var occasion: String

    public init(_ kind: NotificationKind, recordType: String, recordID: Int64, occasion: String = "") {
        self.kind = kind
        self.recordType = recordType
        self.recordID = recordID
        self.occasion = occasion
    }

    public var description: String { "\(kind.rawValue):\(recordType):\(recordID)" + (occasion.isEmpty ? "" : ":\(occasion)") }
}

/// Keeps the messages toward one provider under its rate (Telegram takes about 30 a second from a
/// bot): each send takes the next slot, `burst` of them at once after a quiet spell, then one every
/// `1/perSecond` seconds. The worker waits for the slot instead of collecting the provider's 429s.
public struct Pacer: Sendable, Equatable {
    public let interval: TimeInterval
    public let burst: Int
    /// When the slot after the last one taken falls, at the steady rate.
    var next = Date.distantPast

    public init(perSecond: Double, burst: Int = 1) {
        precondition(perSecond > 0 && burst >= 1)
        interval = 1 / perSecond
        self.burst = burst
    }

    /// Takes the next slot for a send asked for at `now`; returns when it may go (`now` or later).
    public mutating func slot(at now: Date) -> Date {
        let steady = max(next, now)
        next = steady.addingTimeInterval(interval)
        return max(now, steady.addingTimeInterval(-interval * Double(burst - 1)))
    }
}
