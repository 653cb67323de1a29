import Foundation

/// A dossier's status, with the national portal's codes 1–10.
public enum DossierStatus: Int, CaseIterable, Codable, Sendable {
    case submitted = 1
    case accepted = 2
    case refused = 3
    case processing = 4
    case supplementRequested = 5
    case awaitingPayment = 6
    case withdrawn = 7
    case stopped = 8
    case resultReady = 9
    case delivered = 10

    public var key: String {
        switch self {
        case .submitted: "submitted"
        case .accepted: "accepted"
        case .refused: "refused"
        case .processing: "processing"
        case .supplementRequested: "supplement_requested"
        case .awaitingPayment: "awaiting_payment"
        case .withdrawn: "withdrawn"
        case .stopped: "stopped"
        case .resultReady: "result_ready"
        case .delivered: "delivered"
        }
    }

    /// Received: accepted at some point (statuses 1 and 3 never were).
    public var isReceived: Bool { self != .submitted && self != .refused }
    public var isResolved: Bool { self == .resultReady || self == .delivered }
    /// Still on someone's desk (or waiting for the citizen): counted "in progress".
    public var isOpen: Bool { isReceived && !isResolved && self != .withdrawn }
    /// The legal clock stands still (supplement, financial obligation, processing stopped).
    public var pausesClock: Bool { self == .supplementRequested || self == .awaitingPayment || self == .stopped }
}

/// How a dossier arrived.
public enum Channel: Int, CaseIterable, Codable, Sendable {
    case direct = 1, online = 2, postal = 3
    public var key: String {
        switch self {
        case .direct: "direct"
        case .online: "online"
        case .postal: "postal"
        }
    }
}

/// What an officer (or the citizen) does to a dossier. Every action is an event.
public enum DossierAction: String, CaseIterable, Codable, Sendable {
    case accept, refuse
    /// Hand the dossier to another unit or step (processing).
    case transfer
    case requestSupplement = "request_supplement"
    case supplementReceived = "supplement_received"
    case requestPayment = "request_payment"
    case paymentReceived = "payment_received"
    case stop, resume, withdraw
    case resultReady = "result_ready"
    case deliver
    /// Not a status change: the apology with a new date.
    case apologise

    /// The statuses the action may start from, and where it leads.
    public var rule: (from: Set<DossierStatus>, to: DossierStatus?) {
        let working: Set<DossierStatus> = [.accepted, .processing]
        switch self {
        case .accept: return ([.submitted], .accepted)
        case .refuse: return ([.submitted], .refused)
        case .transfer: return (working, .processing)
        case .requestSupplement: return (working, .supplementRequested)
        case .supplementReceived: return ([.supplementRequested], .processing)
        case .requestPayment: return (working, .awaitingPayment)
        case .paymentReceived: return ([.awaitingPayment], .processing)
        case .stop: return (working.union([.supplementRequested, .awaitingPayment]), .stopped)
        case .resume: return ([.stopped], .processing)
        case .withdraw: return ([.submitted, .accepted, .processing, .supplementRequested, .awaitingPayment, .stopped], .withdrawn)
        case .resultReady: return (working, .resultReady)
        case .deliver: return ([.resultReady], .delivered)
        case .apologise: return (working.union([.supplementRequested, .awaitingPayment, .stopped]), nil)
        }
    }

    /// The status after the action, or the reason it is refused (a catalog key).
    public func apply(to status: DossierStatus) -> Result<DossierStatus, FieldError> {
        let r = rule
        guard r.from.contains(status) else { return .failure(FieldError("action", "dossier_action_not_allowed")) }
        return .success(r.to ?? status)
    }

    /// Actions that must say why (shown to the citizen on the form it produces).
    public var needsNote: Bool { [.refuse, .requestSupplement, .stop, .withdraw, .apologise, .requestPayment].contains(self) }

    /// The actions open from a status, in the order the page offers them.
    public static func available(from status: DossierStatus) -> [DossierAction] {
        allCases.filter { $0.rule.from.contains(status) }
    }
}

/// The dossier code `{agency}-{yyMMdd}-{NNNN}`: the agency identifier (QCVN 102:2016, from
/// configuration), the day received, and a daily sequence per agency.
public enum DossierCode {
    public static func make(agency: String, day: Day, sequence: Int) -> String {
        Digits.join([.text(agency), .text("-"), .number(day.year % 100, 2), .number(day.month, 2), .number(day.day, 2),
                     .text("-"), .number(sequence, 4)])
    }

    /// An agency's numbering on one day.
    public struct Series: Hashable, Sendable {
        public var agency: String
        public var day: Day

        public init(agency: String, day: Day) {
            self.agency = agency
            self.day = day
        }
    }

    /// The series and number of a code in this form (imported codes may be in another).
    public static func parse(_ code: String) -> (series: Series, sequence: Int)? {
        let parts = code.split(separator: "-", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3, isAgency(parts[0]), parts[1].count == 6, parts[2].count >= 4, parts[2].count <= 9,
              (parts[1] + parts[2]).allSatisfy({ $0.isASCII && $0.isNumber }), let sequence = Int(parts[2]), sequence > 0, let ymd = Int(parts[1]),
              let day = Day(year: 2000 + ymd / 10000, month: ymd / 100 % 100, day: ymd % 100) else { return nil }
        return (Series(agency: parts[0], day: day), sequence)
    }

    /// A code typed by a citizen: trimmed, upper case, at most 64 characters of letters, digits, dots and dashes.
    public static func normalise(_ text: String) -> String? {
        let t = text.trimmingCharacters(in: .whitespacesAndNewlines).uppercased()
        guard !t.isEmpty, t.count <= 64, t.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "-") }) else { return nil }
        return t
    }

    /// An agency identifier: letters, digits and dots (`000.00.06.H56`).
    public static func isAgency(_ text: String) -> Bool {
        !text.isEmpty && text.count <= 32 && text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == ".") }
    }
}

/// A span during which the legal clock stood still. `to` is nil while it lasts.
public struct Pause: Hashable, Codable, Sendable {
    public var from: Date
    public var to: Date?
    public var status: DossierStatus

    public init(from: Date, to: Date?, status: DossierStatus) {
        self.from = from
        self.to = to
        self.status = status
    }
}

/// Early, on time or overdue.
public enum Timeliness: String, CaseIterable, Codable, Sendable {
    case early
    case onTime = "on_time"
    case overdue

    /// Dates are compared, not instants (comparing instants makes "on time" almost never
    /// happen); time of day counts only for hour-based procedures, where finishing after the
    /// due moment is late even on the due date.
    public static func of(resolvedAt: Date, dueAt: Date, hourBased: Bool) -> Timeliness {
        let resolvedDay = Day(resolvedAt, in: CivilTime.vietnam), dueDay = Day(dueAt, in: CivilTime.vietnam)
        if hourBased && resolvedAt > dueAt { return .overdue }
        if resolvedDay < dueDay { return .early }
        return resolvedDay == dueDay ? .onTime : .overdue
    }
}

/// The one-stop rules in force from a date (decrees change them: kept as dated data).
public struct OneStopRules: Equatable, Sendable {
    public var validFrom: Day
    /// Same-day procedures received after this are due the next working day.
    public var sameDayCutOff: ClockTime
    /// How many working days before the due date the officer is alerted to apologise.
    public var apologyLeadDays: Int
    /// The citizen's time to bring a requested supplement, in working days.
    public var supplementDays: Int
    /// How a unit's quarterly evaluation is classified.
    public var bands: [EvaluationBand]
    /// Decree or circular the values come from.
    public var basis: String

    public init(validFrom: Day, sameDayCutOff: ClockTime = ClockTime(hour: 15, minute: 0)!, apologyLeadDays: Int = 1,
                supplementDays: Int = 5, bands: [EvaluationBand] = EvaluationBand.circular2018, basis: String = "") {
        self.validFrom = validFrom
        self.sameDayCutOff = sameDayCutOff
        self.apologyLeadDays = apologyLeadDays
        self.supplementDays = supplementDays
        self.bands = bands
        self.basis = basis
    }

    /// The rules in force on a day, from a list of dated versions (the oldest applies before its date).
    public static func inForce(_ versions: [OneStopRules], on day: Day) -> OneStopRules {
        let sorted = versions.sorted { $0.validFrom < $1.validFrom }
        return sorted.last { $0.validFrom <= day } ?? sorted.first ?? OneStopRules(validFrom: day)
    }
}

/// Due dates from the work calendar.
public enum Deadlines {
    /// The legal due moment for a time received at `receivedAt`: N working days land at the same
    /// clock time (outside the sessions, counting starts at the next session); hours walk the
    /// sessions; calendar days end with the due day's last session (a day off moves it to the next
    /// working day); same day ends that day, or the next working day after the cut-off.
    public static func due(_ time: ProcessingTime, receivedAt: Date, calendar: WorkCalendar, rules: OneStopRules) throws -> Date {
        switch time.unit {
        case .workingDays: return try calendar.addingWorkingDays(time.value, to: receivedAt)
        case .workingHours: return try calendar.addingWorkingTime(TimeInterval(time.value * 3600), to: receivedAt)
        case .sameDay: return try calendar.sameDayDeadline(receivedAt: receivedAt, cutOff: rules.sameDayCutOff)
        case .calendarDays:
            let day = try calendar.calendarDaysDeadline(receivedAt: receivedAt, days: time.value)
            return endOfDay(day, calendar: calendar)
        }
    }

    /// The end of a day's last session (local midnight's end on a day without sessions).
    public static func endOfDay(_ day: Day, calendar: WorkCalendar) -> Date {
        let start = calendar.startOfDay(day)
        guard let last = calendar.sessions(on: day).last else { return start.addingTimeInterval(86400 - 1) }
        return start.addingTimeInterval(TimeInterval(last.end.minutes * 60))
    }

    /// The due moment moved by the working time the clock stood still (an open pause counts up to `now`).
    public static func extended(_ due: Date, by pauses: [Pause], now: Date, calendar: WorkCalendar) throws -> Date {
        var paused: TimeInterval = 0
        for p in pauses { paused += try calendar.workingTime(from: p.from, to: p.to ?? max(now, p.from)) }
        guard paused > 0 else { return due }
        return try calendar.addingWorkingTime(paused, to: due)
    }

    /// The first working day on which the apology alert is due: `lead` working days before the due day.
    public static func apologyAlertDay(due: Date, lead: Int, calendar: WorkCalendar) -> Day {
        let dueDay = Day(due, in: CivilTime.vietnam)
        var day = dueDay
        var counted = 0
        while counted < lead {
            day = day.previous
            if calendar.isWorkingDay(day) { counted += 1 }
            if LunarCalendar.julianDay(dueDay) - LunarCalendar.julianDay(day) > 366 { break }
        }
        return day
    }
}

/// A citizen's ID number: 12 digits (citizen identity card) or, for older papers, 9 digits.
public enum IdentityNumber {
    public static func isValid(_ text: String) -> Bool {
        (text.count == 12 || text.count == 9) && text.allSatisfy { $0.isASCII && $0.isNumber }
    }
}

/// The applicant's initials for public pages: "Nguyễn Văn An" → "N.V.A.".
public func initials(_ name: String) -> String {
    name.split(separator: " ").compactMap { $0.first.map { String($0).uppercased() + "." } }.joined()
}
