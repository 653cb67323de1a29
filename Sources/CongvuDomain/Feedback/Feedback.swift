import Foundation

// Citizens' feedback and petitions (phản ánh, kiến nghị; issue 23): one register for every
// channel, each item with a public tracking code, an answer deadline in working days per category,
// an owner, escalation to the level above when the deadline passes, an answer, the citizen's
// rating, and a "is it solved?" that can reopen it. The rules here are pure; the store applies them.

/// How an item reached the unit.
public enum FeedbackChannel: String, CaseIterable, Codable, Sendable {
    /// The public form (phone-first, no account).
    case web
    /// The suggestion box, entered by the office from an opening of the box.
    case box
    /// A call to the hotline, logged by the officer who took it.
    case hotline
    case email
    case letter
    /// A third-party client through the Open311 GeoReport v2 API.
    case open311

    /// Channels the office enters by hand.
    public static let entered: [FeedbackChannel] = [.box, .hotline, .email, .letter]
}

/// Where an item stands. DIGIT's states, with the register's own ends (merged, spam) that keep the
/// item rather than delete it.
public enum FeedbackStatus: String, CaseIterable, Codable, Sendable {
    /// Received, waiting for the office to assign it.
    case received
    /// With an owner unit and person, to answer by the deadline.
    case assigned
    /// Answered; the citizen may rate the answer and say whether it solved the matter.
    case answered
    /// The citizen said it is solved, or the answer stood past the time to say otherwise.
    case closed
    /// A duplicate, merged into another item (with a reason).
    case merged
    /// Marked as spam (with a reason); kept, never shown to the public.
    case spam

    /// Still waiting for an answer: the deadline runs and escalation applies.
    public var isOpen: Bool { self == .received || self == .assigned }
    /// Open311's two states.
    public var open311: String { isOpen ? "open" : "closed" }
}

/// A category of feedback, kept as data: its answer deadline in working days.
public struct FeedbackCategory: Sendable, Equatable, Codable {
    public var code: String
    public var nameVi: String
    public var nameEn: String
    /// Working days from receipt (or from forwarding) to the answer.
    public var answerDays: Int
    public var active: Bool

    public init(code: String, nameVi: String, nameEn: String, answerDays: Int, active: Bool = true) {
        self.code = code
        self.nameVi = nameVi
        self.nameEn = nameEn
        self.answerDays = answerDays
        self.active = active
    }

    public func name(_ locale: String) -> String { locale == "en" ? nameEn : nameVi }

    public func validated() throws -> FeedbackCategory {
        var errors = ValidationErrors(), c = self
        c.code = code.tidied
        c.nameVi = nameVi.tidied
        c.nameEn = nameEn.tidied
        if c.code.isEmpty || c.code.count > 20 || !c.code.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }) {
            errors.add("code", "feedback_category_code")
        }
        if c.nameVi.isEmpty || c.nameVi.count > 120 { errors.add("name_vi", "required") }
        if c.nameEn.count > 120 { errors.add("name_en", "too_long") }
        if !(1...60).contains(answerDays) { errors.add("answer_days", "number_out_of_range") }
        try errors.throwIfAny()
        return c
    }
}

/// What a citizen (or the officer for them) files. Only what it describes is accepted.
public struct FeedbackDraft: Sendable, Equatable {
    public var category: String
    public var channel: FeedbackChannel
    public var description: String
    public var citizenName: String
    /// A phone number or an e-mail address; optional.
    public var contact: String
    public var address: String
    /// Where it happened, when the citizen gave a place (Open311's lat and long).
    public var latitude: Double?
    public var longitude: Double?
    /// The answer is sent to the citizen alone rather than published.
    public var answerPrivately: Bool
    /// A dossier the feedback is about, by its code, when known.
    public var dossierCode: String

    public init(category: String, channel: FeedbackChannel, description: String, citizenName: String = "", contact: String = "", address: String = "",
                latitude: Double? = nil, longitude: Double? = nil, answerPrivately: Bool = false, dossierCode: String = "") {
        self.category = category
        self.channel = channel
        self.description = description
        self.citizenName = citizenName
        self.contact = contact
        self.address = address
        self.latitude = latitude
        self.longitude = longitude
        self.answerPrivately = answerPrivately
        self.dossierCode = dossierCode
    }

    /// Open311's bound on a description, which the form keeps too.
    public static let maxDescription = 4_000

    public func validated(categories: [FeedbackCategory]) throws -> FeedbackDraft {
        var errors = ValidationErrors(), d = self
        d.description = description.trimmingCharacters(in: .whitespacesAndNewlines)
        d.citizenName = citizenName.tidied
        d.address = address.tidied
        d.dossierCode = dossierCode.tidied.uppercased()
        d.contact = contact.tidied
        if !categories.contains(where: { $0.code == category && $0.active }) { errors.add("category", "required") }
        if d.description.count < 10 { errors.add("description", "feedback_too_short") }
        if d.description.count > Self.maxDescription { errors.add("description", "too_long") }
        if d.citizenName.count > 120 { errors.add("citizen_name", "too_long") }
        if d.address.count > 300 { errors.add("address", "too_long") }
        if d.dossierCode.count > 40 { errors.add("dossier_code", "too_long") }
        if !d.contact.isEmpty {
            if Contact.isEmail(d.contact), d.contact.count <= 120 {
                d.contact = d.contact.lowercased()
            } else if let phone = Contact.phone(d.contact), !phone.isEmpty {
                d.contact = phone
            } else {
                errors.add("contact", "feedback_contact")
            }
        }
        if d.answerPrivately && d.contact.isEmpty && d.channel != .web && d.channel != .open311 {
            // Without a contact, a private answer can only be read with the tracking code, which a
            // letter or a call leaves the citizen without.
            errors.add("contact", "feedback_private_needs_contact")
        }
        switch (latitude, longitude) {
        case (nil, nil): break
        case let (lat?, long?) where (-90...90).contains(lat) && (-180...180).contains(long): break
        default: errors.add("lat", "feedback_location")
        }
        try errors.throwIfAny()
        return d
    }
}

/// Public tracking codes: `PA` and eight characters from an alphabet without look-alikes, random
/// (a code must not lead to its neighbours, which hold other citizens' matters).
public enum FeedbackCode {
    static let alphabet = Array("23456789ABCDEFGHJKMNPQRSTUVWXYZ")

    public static func make<G: RandomNumberGenerator>(using generator: inout G) -> String {
        "PA" + String((0..<8).map { _ in alphabet.randomElement(using: &generator)! })
    }

    public static func make() -> String {
        var g = SystemRandomNumberGenerator()
        return make(using: &g)
    }

    /// A code as a citizen may type it: case and spaces, dashes and dots ignored; nil when it cannot be one.
    public static func normalise(_ text: String) -> String? {
        let t = text.uppercased().filter { !$0.isWhitespace && $0 != "-" && $0 != "." }
        guard t.count == 10, t.hasPrefix("PA"), t.dropFirst(2).allSatisfy({ alphabet.contains($0) }) else { return nil }
        return t
    }
}

/// Deadlines and escalation, in working days on the owner's calendar.
public enum FeedbackClock {
    /// Decree 20/2008: feedback outside the receiver's competence is forwarded within 5 working days.
    public static let forwardDays = 5

    /// The answer's deadline for an item received (or forwarded, or reopened) on `day`.
    public static func due(from day: Day, days: Int, calendar: WorkCalendar) throws -> Day {
        try calendar.addingWorkingDays(days, to: day)
    }

    /// The last day to forward an item received on `day`.
    public static func forwardBy(received day: Day, calendar: WorkCalendar) throws -> Day {
        try calendar.addingWorkingDays(forwardDays, to: day)
    }

    /// Whether an open item is late on `today`.
    public static func isOverdue(status: FeedbackStatus, due: Day, today: Day) -> Bool {
        status.isOpen && today > due
    }

    /// The unit an open item escalated `level` times goes to next: `levels` are the administrative
    /// levels above the owner's own (its province, and a district in older data), nearest first;
    /// nil at the top.
    public static func escalationTarget(levels: [Int64], level: Int) -> Int64? {
        levels.indices.contains(level) ? levels[level] : nil
    }

    /// After an escalation on `day`, the level above has `days` working days (the category's
    /// answer time) before the matter goes further up (DIGIT's time per escalation level).
    public static func nextEscalation(after day: Day, days: Int, calendar: WorkCalendar) throws -> Day {
        try calendar.addingWorkingDays(days, to: day)
    }
}

/// The office's and owner's moves on an item, checked against where it stands.
public enum FeedbackAction: String, Sendable, CaseIterable {
    case assign, reassign, forward, answer, merge, spam, reopen, close, escalate

    public enum Refusal: String, Error, Sendable {
        case notAllowed = "feedback_not_allowed"
        case reasonRequired = "feedback_reason_required"
    }

    /// Whether the action may be taken on an item in `status`; a reason is required to reassign,
    /// forward, merge, mark as spam and reopen.
    public func check(_ status: FeedbackStatus, reason: String) throws(Refusal) {
        let allowed: Bool = switch self {
        case .assign: status == .received
        case .reassign: status == .assigned
        case .forward, .escalate: status.isOpen
        case .answer: status == .assigned
        case .merge, .spam: status.isOpen
        case .reopen: status == .answered || status == .closed
        case .close: status == .answered
        }
        guard allowed else { throw .notAllowed }
        if [.reassign, .forward, .merge, .spam, .reopen].contains(self), reason.tidied.count < 5 { throw .reasonRequired }
    }
}

/// The answer the owner gives: its text (published unless the citizen asked otherwise).
public struct FeedbackAnswer: Sendable, Equatable {
    public var text: String

    public init(text: String) { self.text = text }

    public func validated() throws -> FeedbackAnswer {
        let t = text.trimmingCharacters(in: .whitespacesAndNewlines)
        var errors = ValidationErrors()
        if t.count < 10 { errors.add("answer", "feedback_too_short") }
        if t.count > 8_000 { errors.add("answer", "too_long") }
        try errors.throwIfAny()
        return FeedbackAnswer(text: t)
    }
}

/// The register's figures over a set of items, for the report and the weekly pack.
public struct FeedbackCounts: Sendable, Equatable {
    public struct Item: Sendable {
        public var category: String
        public var unitID: Int64
        public var status: FeedbackStatus
        public var due: Day
        public var answeredOn: Day?
        public var escalations: Int

        public init(category: String, unitID: Int64, status: FeedbackStatus, due: Day, answeredOn: Day?, escalations: Int) {
            self.category = category
            self.unitID = unitID
            self.status = status
            self.due = due
            self.answeredOn = answeredOn
            self.escalations = escalations
        }
    }

    public var total = 0
    public var byStatus: [FeedbackStatus: Int] = [:]
    public var byCategory: [String: Int] = [:]
    public var byUnit: [Int64: Int] = [:]
    public var answered = 0
    public var answeredOnTime = 0
    public var overdue = 0
    public var escalated = 0

    /// Spam is counted under its status only: it is not feedback.
    public init(_ items: [Item], today: Day) {
        for i in items {
            total += 1
            byStatus[i.status, default: 0] += 1
            guard i.status != .spam else { continue }
            byCategory[i.category, default: 0] += 1
            byUnit[i.unitID, default: 0] += 1
            if let a = i.answeredOn {
                answered += 1
                if a <= i.due { answeredOnTime += 1 }
            }
            if FeedbackClock.isOverdue(status: i.status, due: i.due, today: today) { overdue += 1 }
            if i.escalations > 0 { escalated += 1 }
        }
    }

    /// Answered on time, in percent of those answered; nil when none was.
    public var onTimePercent: Double? {
        answered == 0 ? nil : Double(answeredOnTime) * 100 / Double(answered)
    }
}
