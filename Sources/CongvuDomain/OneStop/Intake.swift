import Foundation

/// The person who files a dossier.
public struct Applicant: Equatable, Codable, Sendable {
    public var name: String
    public var idNumber: String
    public var address: String
    public var phone: String
    public var email: String

    public init(name: String, idNumber: String = "", address: String = "", phone: String = "", email: String = "") {
        self.name = name
        self.idNumber = idNumber
        self.address = address
        self.phone = phone
        self.email = email
    }
}

/// A checked intake: what the store writes.
public struct Intake: Equatable, Sendable {
    public var procedureID: Int64
    public var channel: Channel
    public var applicant: Applicant
    /// The person or organisation the dossier is for, when not the applicant.
    public var owner: String
    public var documents: [DocumentItem]
    public var sets: Int
    public var returnByPost: Bool

    public init(procedureID: Int64, channel: Channel, applicant: Applicant, owner: String = "", documents: [DocumentItem], sets: Int = 1,
                returnByPost: Bool = false) {
        self.procedureID = procedureID
        self.channel = channel
        self.applicant = applicant
        self.owner = owner
        self.documents = documents
        self.sets = sets
        self.returnByPost = returnByPost
    }
}

/// What the counter officer types. Documents come as the procedure's list, each ticked with the
/// form and quantity actually received.
public struct IntakeDraft: Sendable {
    public struct Received: Sendable {
        public var index: Int
        public var form: String
        public var quantity: String
        public init(index: Int, form: String, quantity: String) {
            self.index = index
            self.form = form
            self.quantity = quantity
        }
    }

    public var channel = "1"
    public var name = ""
    public var idNumber = ""
    public var address = ""
    public var phone = ""
    public var email = ""
    public var owner = ""
    public var received: [Received] = []
    public var sets = "1"
    public var returnByPost = false

    public init() {}

    /// Every problem at once: name, ID number (12 digits, or 9 on old cards), phone, e-mail, and
    /// each required document received in an acceptable form (an original serves where a copy is
    /// asked; a plain copy does not serve where an original or certified copy is).
    public func validate(for procedure: Procedure) throws -> Intake {
        var errors = ValidationErrors()
        let channel = Int(channel).flatMap(Channel.init(rawValue:))
        if channel == nil { errors.add("channel", "invalid") }
        let name = name.tidied
        if name.isEmpty { errors.add("name", "required") } else if name.count > 120 { errors.add("name", "too_long") }
        if name.contains(where: \.isNumber) { errors.add("name", "name_has_digits") }
        let id = idNumber.filter { !$0.isWhitespace }
        if id.isEmpty && channel == .direct { errors.add("id_number", "required") }
        if !id.isEmpty && !IdentityNumber.isValid(id) { errors.add("id_number", "id_number_invalid") }
        let phone = Contact.phone(phone)
        if phone == nil { errors.add("phone", "phone_invalid") }
        let email = email.tidied
        if !email.isEmpty && !Contact.isEmail(email) { errors.add("email", "email_invalid") }
        let sets = Int(sets.tidied)
        if sets == nil || !(1...20).contains(sets!) { errors.add("sets", "number_out_of_range") }
        var documents: [DocumentItem] = []
        var missing = false
        for (i, required) in procedure.documents.enumerated() {
            guard let r = received.first(where: { $0.index == i }), let form = DocumentForm(rawValue: r.form),
                  let qty = Int(r.quantity.tidied), qty > 0 else { missing = true; continue }
            if required.form != .copy && form == .copy { missing = true; continue }
            if qty < required.quantity { missing = true; continue }
            documents.append(DocumentItem(name: required.name, form: form, quantity: qty))
        }
        if missing { errors.add("documents", "documents_missing") }
        try errors.throwIfAny()
        return Intake(procedureID: procedure.id, channel: channel!, applicant: Applicant(name: name, idNumber: id, address: address.tidied,
                                                                                          phone: phone!, email: email),
                      owner: owner.tidied, documents: documents, sets: sets!, returnByPost: returnByPost)
    }
}

/// A dossier as stored: where it stands, its dates, and its version for optimistic concurrency.
public struct Dossier: Equatable, Sendable {
    public var id: Int64
    public var code: String
    public var procedureID: Int64
    public var unitID: Int64
    public var currentUnitID: Int64
    public var field: String
    public var channel: Channel
    public var status: DossierStatus
    public var applicant: Applicant
    public var owner: String
    public var documents: [DocumentItem]
    public var sets: Int
    public var returnByPost: Bool
    public var submittedAt: Date
    public var receivedAt: Date?
    /// The due moment the law gives, and the same moved by the pauses.
    public var legalDueAt: Date?
    public var dueAt: Date?
    public var hourBased: Bool
    public var resolvedAt: Date?
    public var closedDay: Day?
    public var timeliness: Timeliness?
    public var deliveredAt: Date?
    public var stepName: String
    public var stepDueAt: Date?
    public var supplementDueAt: Date?
    public var apologyAt: Date?
    public var promisedAt: Date?
    public var apologyReason: String
    public var imported: Bool
    public var version: Int

    public init(id: Int64, code: String, procedureID: Int64, unitID: Int64, currentUnitID: Int64, field: String, channel: Channel,
                status: DossierStatus, applicant: Applicant, owner: String = "", documents: [DocumentItem] = [], sets: Int = 1,
                returnByPost: Bool = false, submittedAt: Date, receivedAt: Date? = nil, legalDueAt: Date? = nil, dueAt: Date? = nil,
                hourBased: Bool = false, resolvedAt: Date? = nil, closedDay: Day? = nil, timeliness: Timeliness? = nil,
                deliveredAt: Date? = nil, stepName: String = "", stepDueAt: Date? = nil, supplementDueAt: Date? = nil,
                apologyAt: Date? = nil, promisedAt: Date? = nil, apologyReason: String = "", imported: Bool = false, version: Int = 1) {
        self.id = id
        self.code = code
        self.procedureID = procedureID
        self.unitID = unitID
        self.currentUnitID = currentUnitID
        self.field = field
        self.channel = channel
        self.status = status
        self.applicant = applicant
        self.owner = owner
        self.documents = documents
        self.sets = sets
        self.returnByPost = returnByPost
        self.submittedAt = submittedAt
        self.receivedAt = receivedAt
        self.legalDueAt = legalDueAt
        self.dueAt = dueAt
        self.hourBased = hourBased
        self.resolvedAt = resolvedAt
        self.closedDay = closedDay
        self.timeliness = timeliness
        self.deliveredAt = deliveredAt
        self.stepName = stepName
        self.stepDueAt = stepDueAt
        self.supplementDueAt = supplementDueAt
        self.apologyAt = apologyAt
        self.promisedAt = promisedAt
        self.apologyReason = apologyReason
        self.imported = imported
        self.version = version
    }

    /// Open and past its due moment.
    public func isOverdue(at now: Date) -> Bool {
        guard status.isOpen, let due = dueAt else { return false }
        return hourBased ? now > due : Day(now, in: CivilTime.vietnam) > Day(due, in: CivilTime.vietnam)
    }

    /// What it would be if resolved now: for the lists of open dossiers.
    public func standing(at now: Date) -> Timeliness? {
        guard status.isOpen, let due = dueAt else { return timeliness }
        return Timeliness.of(resolvedAt: now, dueAt: due, hourBased: hourBased)
    }
}

/// One event of a dossier's history: the process-control sheet is a view of these.
public struct DossierEvent: Equatable, Sendable {
    public var id: Int64
    public var at: Date
    public var actorName: String
    public var action: String
    public var fromStatus: DossierStatus?
    public var toStatus: DossierStatus
    public var fromUnitID: Int64?
    public var toUnitID: Int64?
    public var stepName: String
    public var stepDueAt: Date?
    /// How the step handed over by this event fared against its own deadline.
    public var stepTimeliness: Timeliness?
    public var note: String
    public var attachmentName: String

    public init(id: Int64, at: Date, actorName: String, action: String, fromStatus: DossierStatus?, toStatus: DossierStatus,
                fromUnitID: Int64?, toUnitID: Int64?, stepName: String, stepDueAt: Date?, stepTimeliness: Timeliness?, note: String,
                attachmentName: String) {
        self.id = id
        self.at = at
        self.actorName = actorName
        self.action = action
        self.fromStatus = fromStatus
        self.toStatus = toStatus
        self.fromUnitID = fromUnitID
        self.toUnitID = toUnitID
        self.stepName = stepName
        self.stepDueAt = stepDueAt
        self.stepTimeliness = stepTimeliness
        self.note = note
        self.attachmentName = attachmentName
    }
}
