import Foundation

/// Every node of the one organisation tree: the administrative units (province, commune, ward,
/// special zone, and the district level abolished on 1 July 2025, kept for history) and the
/// organisation units under them (People's Committee, departments and offices, the one-stop centre).
public enum UnitKind: String, CaseIterable, Codable, Sendable {
    case province
    case district
    case commune
    case ward
    case specialZone = "special_zone"
    case peoplesCommittee = "peoples_committee"
    case partyCommittee = "party_committee"
    case department
    case office
    case serviceCentre = "service_centre"

    public var isAdministrative: Bool {
        switch self {
        case .province, .district, .commune, .ward, .specialZone: return true
        default: return false
        }
    }

    /// Which kinds may stand directly under this one.
    public func allowsChild(_ child: UnitKind) -> Bool {
        switch self {
        case .province:
            return child != .province
        case .district:
            return [.commune, .ward, .peoplesCommittee, .partyCommittee, .department, .office, .serviceCentre].contains(child)
        case .commune, .ward, .specialZone:
            return !child.isAdministrative
        case .peoplesCommittee, .partyCommittee, .department, .office, .serviceCentre:
            return !child.isAdministrative
        }
    }
}

public struct OrgUnit: Sendable, Equatable, Codable {
    public var id: Int64
    public var parentID: Int64?
    public var kind: UnitKind
    /// The official identifier code for administrative units (e.g. the national list's code), or a local code.
    public var code: String
    public var name: String
    public var validFrom: Day?
    public var validTo: Day?
    /// For a unit merged away: the unit that took it over.
    public var successorID: Int64?
    /// Materialised ancestry, `/1/7/12/`, so that a subtree is one prefix match.
    public var path: String

    public init(id: Int64, parentID: Int64?, kind: UnitKind, code: String, name: String,
                validFrom: Day? = nil, validTo: Day? = nil, successorID: Int64? = nil, path: String) {
        self.id = id
        self.parentID = parentID
        self.kind = kind
        self.code = code
        self.name = name
        self.validFrom = validFrom
        self.validTo = validTo
        self.successorID = successorID
        self.path = path
    }

    public func isActive(on day: Day) -> Bool {
        if let from = validFrom, day < from { return false }
        if let to = validTo, to < day { return false }
        return true
    }

    /// True when `other` is this unit or lies below it.
    public func contains(path other: String) -> Bool {
        other.hasPrefix(path)
    }

    public static func path(parentPath: String?, id: Int64) -> String {
        (parentPath ?? "/") + "\(id)/"
    }

    /// The ids on a path, root first.
    public static func ids(inPath path: String) -> [Int64] {
        path.split(separator: "/").compactMap { Int64($0) }
    }
}

/// What a person types into the unit form, checked before anything is stored.
public struct UnitDraft: Sendable, Equatable {
    public var parentID: Int64?
    public var kind: String
    public var code: String
    public var name: String
    public var validFrom: String
    public var validTo: String
    public var successorID: Int64?

    public init(parentID: Int64?, kind: String, code: String, name: String,
                validFrom: String = "", validTo: String = "", successorID: Int64? = nil) {
        self.parentID = parentID
        self.kind = kind
        self.code = code
        self.name = name
        self.validFrom = validFrom
        self.validTo = validTo
        self.successorID = successorID
    }

    public struct Valid: Sendable, Equatable {
        public var parentID: Int64?
        public var kind: UnitKind
        public var code: String
        public var name: String
        public var validFrom: Day?
        public var validTo: Day?
        public var successorID: Int64?

        public init(parentID: Int64?, kind: UnitKind, code: String, name: String,
                    validFrom: Day? = nil, validTo: Day? = nil, successorID: Int64? = nil) {
            self.parentID = parentID
            self.kind = kind
            self.code = code
            self.name = name
            self.validFrom = validFrom
            self.validTo = validTo
            self.successorID = successorID
        }
    }

    /// Checks the fields alone; `parentKind` is the kind of the chosen parent, when there is one.
    public func validate(parentKind: UnitKind?) throws -> Valid {
        var errors = ValidationErrors()
        let kind = UnitKind(rawValue: kind)
        if kind == nil { errors.add("kind", "unit_kind_invalid") }
        let name = name.tidied
        if name.isEmpty { errors.add("name", "required") } else if name.count > 200 { errors.add("name", "too_long") }
        let code = code.tidied
        if code.count > 32 { errors.add("code", "too_long") }
        if code.contains(where: { !($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == ".") }) {
            errors.add("code", "code_invalid")
        }
        let from = validFrom.tidied.isEmpty ? nil : Day(validFrom)
        if !validFrom.tidied.isEmpty && from == nil { errors.add("valid_from", "date_invalid") }
        let to = validTo.tidied.isEmpty ? nil : Day(validTo)
        if !validTo.tidied.isEmpty && to == nil { errors.add("valid_to", "date_invalid") }
        if let from, let to, to < from { errors.add("valid_to", "date_before_start") }
        if let kind {
            if let parentKind {
                if !parentKind.allowsChild(kind) { errors.add("parent_id", "unit_parent_invalid") }
            } else if kind != .province {
                errors.add("parent_id", "unit_parent_required")
            }
        }
        try errors.throwIfAny()
        return Valid(parentID: parentID, kind: kind!, code: code, name: name,
                     validFrom: from, validTo: to, successorID: successorID)
    }
}
