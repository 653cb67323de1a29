import Foundation

/// How a procedure's legal processing time is counted.
public enum TimeUnit: String, CaseIterable, Codable, Sendable {
    case workingDays = "working_days"
    case calendarDays = "calendar_days"
    case workingHours = "working_hours"
    /// Received before the cut-off: due that day; after it: the next working day.
    case sameDay = "same_day"
}

/// A legal processing time: a number of days or hours, or the same day.
public struct ProcessingTime: Hashable, Codable, Sendable, CustomStringConvertible {
    public var value: Int
    public var unit: TimeUnit

    public init(_ value: Int, _ unit: TimeUnit) {
        self.value = unit == .sameDay ? 0 : value
        self.unit = unit
    }

    /// Hour-based times are judged to the minute; the others by date.
    public var isHourBased: Bool { unit == .workingHours }

    /// `5 working_days`, `same_day`: the form kept in CSV files and the database.
    public var description: String { unit == .sameDay ? unit.rawValue : "\(value) \(unit.rawValue)" }

    public init?(_ text: String) {
        let parts = text.split(separator: " ").map(String.init)
        if parts == [TimeUnit.sameDay.rawValue] { self.init(0, .sameDay); return }
        guard parts.count == 2, let n = Int(parts[0]), n > 0, n <= 3650, let unit = TimeUnit(rawValue: parts[1]), unit != .sameDay else { return nil }
        self.init(n, unit)
    }
}

/// Online public service level (Decree 42/2022: information, partial, full); the old levels 2, 3
/// and 4 are kept for procedures published before it.
public enum OnlineLevel: String, CaseIterable, Codable, Sendable {
    case information, partial, full
    case level2 = "level_2", level3 = "level_3", level4 = "level_4"

    /// True for the levels in force since Decree 42/2022.
    public var isCurrent: Bool { [.information, .partial, .full].contains(self) }
}

/// The level of government competent to decide.
public enum CompetentLevel: String, CaseIterable, Codable, Sendable {
    case central, province
    /// Former districts: kept for procedures and dossiers before 1 July 2025.
    case district
    case commune
}

/// How a document must be handed in.
public enum DocumentForm: String, CaseIterable, Codable, Sendable {
    case original
    case certifiedCopy = "certified_copy"
    case copy
}

/// A document the procedure requires (or a document received with a dossier).
public struct DocumentItem: Hashable, Codable, Sendable {
    public var name: String
    public var form: DocumentForm
    public var quantity: Int

    public init(name: String, form: DocumentForm, quantity: Int = 1) {
        self.name = name
        self.form = form
        self.quantity = quantity
    }
}

/// One step of an optional workflow (receive, appraise, approve, return…) and its own time.
public struct WorkflowStep: Hashable, Codable, Sendable {
    public var name: String
    public var time: ProcessingTime

    public init(name: String, time: ProcessingTime) {
        self.name = name
        self.time = time
    }
}

/// An administrative procedure (thủ tục hành chính) in one of its versions.
public struct Procedure: Equatable, Sendable {
    public var id: Int64
    /// The national code, e.g. `2.000908`. Several versions may share it, with different validity.
    public var code: String
    public var name: String
    public var field: String
    public var level: CompetentLevel
    public var time: ProcessingTime
    public var onlineLevel: OnlineLevel
    /// Fee in đồng (0 = free) and what it is for.
    public var fee: Int
    public var feeNote: String
    public var documents: [DocumentItem]
    public var result: String
    public var legalBasis: String
    public var version: Int
    public var validFrom: Day
    public var validTo: Day?
    public var steps: [WorkflowStep]
    public var postedAtCounter: Bool
    public var postedOnPortal: Bool

    public init(id: Int64 = 0, code: String, name: String, field: String, level: CompetentLevel, time: ProcessingTime,
                onlineLevel: OnlineLevel, fee: Int = 0, feeNote: String = "", documents: [DocumentItem] = [], result: String = "",
                legalBasis: String = "", version: Int = 1, validFrom: Day, validTo: Day? = nil, steps: [WorkflowStep] = [],
                postedAtCounter: Bool = false, postedOnPortal: Bool = false) {
        self.id = id
        self.code = code
        self.name = name
        self.field = field
        self.level = level
        self.time = time
        self.onlineLevel = onlineLevel
        self.fee = fee
        self.feeNote = feeNote
        self.documents = documents
        self.result = result
        self.legalBasis = legalBasis
        self.version = version
        self.validFrom = validFrom
        self.validTo = validTo
        self.steps = steps
        self.postedAtCounter = postedAtCounter
        self.postedOnPortal = postedOnPortal
    }

    /// Publicly posted (công khai): at the counter and on the portal.
    public var isPosted: Bool { postedAtCounter && postedOnPortal }

    public func isValid(on day: Day) -> Bool { validFrom <= day && (validTo.map { day <= $0 } ?? true) }

    /// The version in force on a day; for a day before every version (history older than the
    /// catalogue), the earliest.
    public static func inForce(_ versions: [Procedure], on day: Day) -> Procedure? {
        versions.last { $0.isValid(on: day) }
            ?? versions.min { ($0.validFrom, $0.version) < ($1.validFrom, $1.version) }
    }

    /// Codes look like `1.001234` or `2.000908`: digits and dots, a letter prefix allowed for local procedures.
    public static func isCode(_ text: String) -> Bool {
        !text.isEmpty && text.count <= 32 && text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "-") }
            && text.contains(where: \.isNumber)
    }
}

/// The catalogue's figures: how many procedures are in force, posted, and at each online level.
public struct CatalogueFigures: Equatable, Sendable {
    public var total = 0
    public var posted = 0
    public var byLevel: [OnlineLevel: Int] = [:]

    public init() {}

    public init(_ procedures: [Procedure], on day: Day) {
        for p in procedures where p.isValid(on: day) {
            total += 1
            if p.isPosted { posted += 1 }
            byLevel[p.onlineLevel, default: 0] += 1
        }
    }

    /// Share posted, in per cent with one decimal (75.2 for 282 of 375).
    public var postedShare: Double { total == 0 ? 0 : (Double(posted) * 1000 / Double(total)).rounded() / 10 }
}

/// What an office types (or a CSV row holds) for a procedure; `validate` names every problem.
public struct ProcedureDraft: Sendable {
    public var code = ""
    public var name = ""
    public var field = ""
    public var level = ""
    public var time = ""
    public var onlineLevel = ""
    public var fee = ""
    public var feeNote = ""
    /// One document per line (or `|`-separated): `name; form; quantity`.
    public var documents = ""
    public var result = ""
    public var legalBasis = ""
    public var version = ""
    public var validFrom = ""
    public var validTo = ""
    /// One step per line (or `|`-separated): `name; 2 working_days`.
    public var steps = ""
    public var postedAtCounter = false
    public var postedOnPortal = false

    public init() {}

    static func items(_ text: String) -> [String] {
        text.split(whereSeparator: { $0 == "\n" || $0 == "|" }).map { String($0).tidied }.filter { !$0.isEmpty }
    }

    public func validate() throws -> Procedure {
        var errors = ValidationErrors()
        let code = code.tidied
        if !Procedure.isCode(code) { errors.add("code", code.isEmpty ? "required" : "procedure_code_invalid") }
        let name = name.tidied
        if name.isEmpty { errors.add("name", "required") } else if name.count > 500 { errors.add("name", "too_long") }
        let field = field.tidied
        if field.isEmpty { errors.add("field", "required") }
        let level = CompetentLevel(rawValue: level.tidied)
        if level == nil { errors.add("level", "invalid") }
        let time = ProcessingTime(time.tidied)
        if time == nil { errors.add("time", "processing_time_invalid") }
        let online = OnlineLevel(rawValue: onlineLevel.tidied)
        if online == nil { errors.add("online_level", "invalid") }
        var feeValue = 0
        let feeText = fee.filter { !$0.isWhitespace && $0 != "." && $0 != "," }
        if !feeText.isEmpty {
            if let f = Int(feeText), f >= 0, f < 1_000_000_000 { feeValue = f } else { errors.add("fee", "number_out_of_range") }
        }
        var documents: [DocumentItem] = []
        for line in Self.items(self.documents) {
            let parts = line.split(separator: ";", omittingEmptySubsequences: false).map { String($0).tidied }
            guard let docName = parts.first, !docName.isEmpty,
                  let form = parts.count > 1 ? DocumentForm(rawValue: parts[1]) : .original,
                  let qty = parts.count > 2 ? Int(parts[2]) : 1, qty > 0, qty < 100 else {
                errors.add("documents", "document_line_invalid")
                break
            }
            documents.append(DocumentItem(name: docName, form: form, quantity: qty))
        }
        var steps: [WorkflowStep] = []
        for line in Self.items(self.steps) {
            let parts = line.split(separator: ";", omittingEmptySubsequences: false).map { String($0).tidied }
            guard parts.count == 2, !parts[0].isEmpty, let t = ProcessingTime(parts[1]) else {
                errors.add("steps", "step_line_invalid")
                break
            }
            steps.append(WorkflowStep(name: parts[0], time: t))
        }
        let version = version.tidied.isEmpty ? 1 : Int(version.tidied)
        if version == nil || version! < 1 { errors.add("version", "number_out_of_range") }
        let from = Day(validFrom.tidied)
        if from == nil { errors.add("valid_from", "date_invalid") }
        var to: Day?
        if !validTo.tidied.isEmpty {
            to = Day(validTo.tidied)
            if to == nil { errors.add("valid_to", "date_invalid") } else if let f = from, to! < f { errors.add("valid_to", "invalid_range") }
        }
        try errors.throwIfAny()
        return Procedure(code: code, name: name, field: field, level: level!, time: time!, onlineLevel: online!, fee: feeValue,
                         feeNote: feeNote.tidied, documents: documents, result: result.tidied, legalBasis: legalBasis.tidied,
                         version: version!, validFrom: from!, validTo: to, steps: steps,
                         postedAtCounter: postedAtCounter, postedOnPortal: postedOnPortal)
    }
}
