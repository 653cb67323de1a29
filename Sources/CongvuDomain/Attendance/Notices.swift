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
    public var from: Date
    public var to: Date
    public var filedAt: Date
    public var status: Status
    public var decidedBy: Int64?
    public var decisionNote: String

    public init(id: Int64, personID: Int64, kind: Excuse.Kind, place: String, purpose: String, from: Date, to: Date,
                filedAt: Date, status: Status = .pending, decidedBy: Int64? = nil, decisionNote: String = "") {
        self.id = id
        self.personID = personID
        self.kind = kind
        self.place = place
        self.purpose = purpose
        self.from = from
        self.to = to
        self.filedAt = filedAt
        self.status = status
        self.decidedBy = decidedBy
        self.decisionNote = decisionNote
    }

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
    public var from: Date?
    public var to: Date?

    public init(kind: String, place: String, purpose: String, from: Date?, to: Date?) {
        self.kind = kind
        self.place = place
        self.purpose = purpose
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
        if kind == .notice || kind == .businessTrip, place.isEmpty { errors.add("place", "required") }
        if from == nil { errors.add("from", "date_invalid") }
        if to == nil { errors.add("to", "date_invalid") }
        if let from, let to, to <= from { errors.add("to", "date_before_start") }
        if let from, let to, to.timeIntervalSince(from) > 366 * 86400 { errors.add("to", "absence_too_long") }
        try errors.throwIfAny()
        return AbsenceRequest(id: 0, personID: personID, kind: kind!, place: place, purpose: purpose, from: from!, to: to!, filedAt: filedAt)
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
