import Foundation

public enum Gender: String, CaseIterable, Codable, Sendable {
    case male, female, other
}

/// cán bộ, công chức, người hoạt động không chuyên trách, viên chức, hợp đồng lao động.
public enum StaffCategory: String, CaseIterable, Codable, Sendable {
    case cadre
    case civilServant = "civil_servant"
    case partTime = "part_time"
    case publicEmployee = "public_employee"
    case contract
}

public struct Person: Sendable, Equatable, Codable {
    public var id: Int64
    public var fullName: String
    public var gender: Gender?
    public var birthDate: Day?
    public var phone: String
    public var email: String
    public var photoPath: String
    /// The card number the terminals read, unique when set.
    public var cardNumber: String
    /// The PIN typed on terminals.
    public var terminalPIN: String

    public init(id: Int64, fullName: String, gender: Gender? = nil, birthDate: Day? = nil, phone: String = "",
                email: String = "", photoPath: String = "", cardNumber: String = "", terminalPIN: String = "") {
        self.id = id
        self.fullName = fullName
        self.gender = gender
        self.birthDate = birthDate
        self.phone = phone
        self.email = email
        self.photoPath = photoPath
        self.cardNumber = cardNumber
        self.terminalPIN = terminalPIN
    }

    public var searchKey: String { SearchKey.fold(fullName) }
}

/// A person's post in a unit over a period. A move is a new assignment; the old one keeps its dates.
public struct Assignment: Sendable, Equatable, Codable {
    public var id: Int64
    public var personID: Int64
    public var unitID: Int64
    /// Shown on name tags and door boards: "Chủ tịch UBND", "Công chức Văn phòng - Thống kê".
    public var title: String
    public var category: StaffCategory
    public var isLeader: Bool
    public var reportsTo: Int64?
    public var validFrom: Day
    public var validTo: Day?

    public init(id: Int64, personID: Int64, unitID: Int64, title: String, category: StaffCategory,
                isLeader: Bool, reportsTo: Int64? = nil, validFrom: Day, validTo: Day? = nil) {
        self.id = id
        self.personID = personID
        self.unitID = unitID
        self.title = title
        self.category = category
        self.isLeader = isLeader
        self.reportsTo = reportsTo
        self.validFrom = validFrom
        self.validTo = validTo
    }

    public func isActive(on day: Day) -> Bool {
        validFrom <= day && (validTo.map { day <= $0 } ?? true)
    }
}

/// The person form's fields as typed.
public struct PersonDraft: Sendable, Equatable {
    public var fullName: String
    public var gender: String
    public var birthDate: String
    public var phone: String
    public var email: String
    public var cardNumber: String
    public var terminalPIN: String

    public init(fullName: String, gender: String = "", birthDate: String = "", phone: String = "",
                email: String = "", cardNumber: String = "", terminalPIN: String = "") {
        self.fullName = fullName
        self.gender = gender
        self.birthDate = birthDate
        self.phone = phone
        self.email = email
        self.cardNumber = cardNumber
        self.terminalPIN = terminalPIN
    }

    /// A validated person with id 0, to be given an id when stored.
    public func validate(today: Day) throws -> Person {
        var errors = ValidationErrors()
        let name = fullName.tidied
        if name.isEmpty { errors.add("full_name", "required") } else if name.count > 120 { errors.add("full_name", "too_long") }
        if name.contains(where: { $0.isNumber }) { errors.add("full_name", "name_has_digits") }
        var g: Gender?
        if !gender.tidied.isEmpty {
            g = Gender(rawValue: gender.tidied.lowercased()) ?? PersonDraft.vietnameseGender(gender)
            if g == nil { errors.add("gender", "gender_invalid") }
        }
        var birth: Day?
        if !birthDate.tidied.isEmpty {
            birth = Day(birthDate)
            if birth == nil { errors.add("birth_date", "date_invalid") }
            else if let b = birth, !(b < today) { errors.add("birth_date", "date_in_future") }
        }
        let phone = Contact.phone(phone)
        if phone == nil { errors.add("phone", "phone_invalid") }
        let email = email.tidied
        if !email.isEmpty && !Contact.isEmail(email) { errors.add("email", "email_invalid") }
        let card = cardNumber.tidied
        if !card.isEmpty && (card.count > 20 || !card.allSatisfy(\.isASCIIDigit)) { errors.add("card_number", "card_invalid") }
        let pin = terminalPIN.tidied
        if !pin.isEmpty && (pin.count < 4 || pin.count > 8 || !pin.allSatisfy(\.isASCIIDigit)) { errors.add("terminal_pin", "pin_invalid") }
        try errors.throwIfAny()
        return Person(id: 0, fullName: name, gender: g, birthDate: birth, phone: phone ?? "", email: email,
                      cardNumber: card, terminalPIN: pin)
    }

    static func vietnameseGender(_ text: String) -> Gender? {
        switch SearchKey.fold(text) {
        case "nam": return .male
        case "nu": return .female
        case "khac": return .other
        default: return nil
        }
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}

/// The assignment form's fields as typed.
public struct AssignmentDraft: Sendable, Equatable {
    public var unitID: Int64?
    public var title: String
    public var category: String
    public var isLeader: Bool
    public var reportsTo: Int64?
    public var validFrom: String
    public var validTo: String

    public init(unitID: Int64?, title: String, category: String, isLeader: Bool,
                reportsTo: Int64? = nil, validFrom: String, validTo: String = "") {
        self.unitID = unitID
        self.title = title
        self.category = category
        self.isLeader = isLeader
        self.reportsTo = reportsTo
        self.validFrom = validFrom
        self.validTo = validTo
    }

    public func validate(personID: Int64) throws -> Assignment {
        var errors = ValidationErrors()
        if unitID == nil { errors.add("unit_id", "required") }
        let title = title.tidied
        if title.isEmpty { errors.add("title", "required") } else if title.count > 160 { errors.add("title", "too_long") }
        let category = StaffCategory(rawValue: category) ?? AssignmentDraft.vietnameseCategory(category)
        if category == nil { errors.add("category", "category_invalid") }
        let from = Day(validFrom)
        if from == nil { errors.add("valid_from", validFrom.tidied.isEmpty ? "required" : "date_invalid") }
        let to = validTo.tidied.isEmpty ? nil : Day(validTo)
        if !validTo.tidied.isEmpty && to == nil { errors.add("valid_to", "date_invalid") }
        if let from, let to, to < from { errors.add("valid_to", "date_before_start") }
        if reportsTo == personID { errors.add("reports_to", "reports_to_self") }
        try errors.throwIfAny()
        return Assignment(id: 0, personID: personID, unitID: unitID!, title: title, category: category!,
                          isLeader: isLeader, reportsTo: reportsTo, validFrom: from!, validTo: to)
    }

    /// Categories as the office writes them in spreadsheets.
    public static func vietnameseCategory(_ text: String) -> StaffCategory? {
        switch SearchKey.fold(text) {
        case "can bo": return .cadre
        case "cong chuc": return .civilServant
        case "nguoi hoat dong khong chuyen trach", "khong chuyen trach": return .partTime
        case "vien chuc": return .publicEmployee
        case "hop dong", "hop dong lao dong": return .contract
        default: return nil
        }
    }
}
