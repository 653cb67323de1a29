import Foundation

/// An out-of-office notice (thông báo vắng mặt / đi công tác) or a leave request.
public struct AbsenceRequest: Equatable, Sendable {
    public enum Status: String, Codable, Sendable { case pending, approved, rejected }

    public var id: Int64
    public var personID: Int64
    public var kind: Excuse.Kind
    /// Where the person goes, and for which work.
    public var place: String
    public var purpose: String
    /// The task the absence serves, when there is one (a reference or its title).
    public var task: String
    public var from: Date
    public var to: Date
    public var filedAt: Date
    public var status: Status
    public var decidedBy: Int64?
    public var decisionNote: String

    public init(id: Int64, personID: Int64, kind: Excuse.Kind, place: String, purpose: String, task: String = "", from: Date, to: Date,
                filedAt: Date, status: Status = .pending, decidedBy: Int64? = nil, decisionNote: String = "") {
        self.id = id
        self.personID = personID
        self.kind = kind
        self.place = place
        self.purpose = purpose
        self.task = task
        self.from = from
        self.to = to
        self.filedAt = filedAt
        self.status = status
        self.decidedBy = decidedBy
        self.decisionNote = decisionNote
    }

    /// The days the request touches, in Vietnam.
    public var days: [Day] { Day(from, in: CivilTime.vietnam).through(Day(to.addingTimeInterval(-1), in: CivilTime.vietnam)) }

    /// Filed after it began: allowed, but marked.
    public var filedLate: Bool { filedAt > from }

    /// What an approved request gives the verdict engine.
    public var excuse: Excuse? {
        status == .approved ? Excuse(id: "absence-\(id)", kind: kind, from: from, to: to) : nil
    }
}

/// What a person types when filing.
public struct AbsenceDraft: Sendable {
    public var kind: String
    public var place: String
    public var purpose: String
    public var task: String
    public var from: Date?
    public var to: Date?

    public init(kind: String, place: String, purpose: String, task: String = "", from: Date?, to: Date?) {
        self.kind = kind
        self.place = place
        self.purpose = purpose
        self.task = task
        self.from = from
        self.to = to
    }

    /// A valid request (id 0, pending), or every problem found.
    public func validate(personID: Int64, filedAt: Date) throws -> AbsenceRequest {
        var errors = ValidationErrors()
        let kind = Excuse.Kind(rawValue: kind)
        if kind == nil { errors.add("kind", "absence_kind_invalid") }
        let purpose = purpose.tidied
        if purpose.isEmpty { errors.add("purpose", "required") } else if purpose.count > 500 { errors.add("purpose", "too_long") }
        let place = place.tidied
        if place.count > 200 { errors.add("place", "too_long") }
        let task = task.tidied
        if task.count > 200 { errors.add("task", "too_long") }
        if kind == .notice || kind == .businessTrip, place.isEmpty { errors.add("place", "required") }
        if from == nil { errors.add("from", "date_invalid") }
        if to == nil { errors.add("to", "date_invalid") }
        if let from, let to, to <= from { errors.add("to", "date_before_start") }
        if let from, let to, to.timeIntervalSince(from) > 366 * 86400 { errors.add("to", "absence_too_long") }
        try errors.throwIfAny()
        return AbsenceRequest(id: 0, personID: personID, kind: kind!, place: place, purpose: purpose, task: task, from: from!, to: to!, filedAt: filedAt)
    }
}

/// Who decides on a request: a leader whose scope covers the person, never the person; a
/// leader's own request goes to the level above (a leader grant strictly above every leader
/// grant the person holds).
public enum AbsenceRules {
    public static func mayDecide(_ approver: Principal, personID: Int64, personUnitPaths: [String], personLeaderPaths: [String]) -> Bool {
        guard approver.personID != personID else { return false }
        return approver.grants.contains { g in
            g.role == .leader
                && personUnitPaths.contains { $0.hasPrefix(g.unitPath) }
                && personLeaderPaths.allSatisfy { $0 != g.unitPath && $0.hasPrefix(g.unitPath) }
        }
    }
}

/// A case (giải trình) opened on a late arrival, an early leave, a missing punch or an absence:
/// the person explains before the deadline, a leader accepts or rejects with a reason. Nothing
/// follows automatically; the trail is the evidence.
public struct Explanation: Equatable, Sendable {
    public enum Status: String, CaseIterable, Codable, Sendable { case open, explained, accepted, rejected }

    public var id: Int64
    public var personID: Int64
    public var day: Day
    /// The verdict the case was opened on, and its minutes (late plus early).
    public var verdict: DayVerdict.Status
    public var minutes: Int
    public var openedAt: Date
    public var openedBy: Int64?
    public var dueAt: Date
    public var status: Status
    public var text: String
    public var attachmentName: String
    public var explainedAt: Date?
    public var decidedBy: Int64?
    public var decidedAt: Date?
    public var decisionNote: String

    public init(id: Int64 = 0, personID: Int64, day: Day, verdict: DayVerdict.Status, minutes: Int, openedAt: Date, openedBy: Int64?,
                dueAt: Date, status: Status = .open, text: String = "", attachmentName: String = "", explainedAt: Date? = nil,
                decidedBy: Int64? = nil, decidedAt: Date? = nil, decisionNote: String = "") {
        self.id = id
        self.personID = personID
        self.day = day
        self.verdict = verdict
        self.minutes = minutes
        self.openedAt = openedAt
        self.openedBy = openedBy
        self.dueAt = dueAt
        self.status = status
        self.text = text
        self.attachmentName = attachmentName
        self.explainedAt = explainedAt
        self.decidedBy = decidedBy
        self.decidedAt = decidedAt
        self.decisionNote = decisionNote
    }

    /// Still waiting for the person's explanation after the deadline.
    public func isOverdue(at now: Date) -> Bool { status == .open && now > dueAt }

    /// Explained, but after the deadline.
    public var explainedLate: Bool { explainedAt.map { $0 > dueAt } ?? false }

    /// Opens a case on a day's verdict: only on what needs explaining; the deadline is a number
    /// of working days after opening, on the person's calendar.
    public static func open(personID: Int64, day: Day, verdict: DayVerdict, at now: Date, by user: Int64?,
                            calendar: WorkCalendar, workingDays: Int) throws -> Explanation {
        guard verdict.needsExplanation else { throw ValidationErrors([FieldError("day", "explanation_not_needed")]) }
        let due = (try? calendar.addingWorkingDays(workingDays, to: now)) ?? now.addingTimeInterval(TimeInterval(workingDays) * 86400)
        return Explanation(personID: personID, day: day, verdict: verdict.status, minutes: verdict.lateMinutes + verdict.earlyMinutes,
                           openedAt: now, openedBy: user, dueAt: due)
    }

    /// The person's explanation: some words (and optionally a file), once.
    public static func validateText(_ text: String) throws -> String {
        let t = text.tidied
        if t.count < 10 { throw ValidationErrors([FieldError("text", "explanation_too_short")]) }
        if t.count > 2000 { throw ValidationErrors([FieldError("text", "too_long")]) }
        return t
    }
}
