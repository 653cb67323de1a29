/// One problem on one line of an import file. `key` names a catalog message.
public struct ImportIssue: Sendable, Equatable, Codable {
    public var line: Int
    public var field: String
    public var key: String

    public init(line: Int, field: String, key: String) {
        self.line = line
        self.field = field
        self.key = key
    }
}

/// A checked file: the rows that passed, the problems of the others, and how many data rows it had.
public struct ParsedImport<Row: Sendable>: Sendable {
    public var rows: [Row]
    public var issues: [ImportIssue]
    public var total: Int
}

/// The rows of an import file, keyed by column, once its form and required columns are checked.
enum ImportTable {
    static func read(_ text: String, aliases: [String: String], required: [String]) throws -> [(line: Int, values: [String: String])] {
        let table: (header: [String], rows: [(line: Int, values: [String: String])])
        do { table = try CSV.records(text, aliases: aliases) } catch let e as CSV.ParseError {
            throw ImportFileError(key: "import_csv_malformed", line: e.line)
        }
        if table.header.isEmpty { throw ImportFileError(key: "import_empty", line: nil) }
        for column in required where !table.header.contains(column) {
            throw ImportFileError(key: "import_missing_column:\(column)", line: 1)
        }
        return table.rows
    }
}

public struct ImportFileError: Error, Equatable, Sendable {
    public var key: String
    public var line: Int?

    public init(key: String, line: Int?) {
        self.key = key
        self.line = line
    }
}

/// A people file: one row per person with their current post.
public enum PeopleImport {
    public static let aliases: [String: String] = [
        "ho_ten": "full_name", "ho_va_ten": "full_name", "name": "full_name",
        "gioi_tinh": "gender", "ngay_sinh": "birth_date", "dien_thoai": "phone", "so_dien_thoai": "phone",
        "so_the": "card_number", "ma_the": "card_number", "ma_don_vi": "unit_code", "unit": "unit_code",
        "chuc_danh": "title", "chuc_vu": "title", "phan_loai": "category", "loai": "category",
        "lanh_dao": "leader", "is_leader": "leader", "tu_ngay": "valid_from", "from": "valid_from",
    ]
    public static let required = ["full_name", "unit_code", "title", "category"]

    public struct Row: Sendable, Equatable {
        public var line: Int
        public var person: Person
        public var unitCode: String
        public var assignment: AssignmentDraft
    }

    public static func parse(_ text: String, today: Day) throws -> ParsedImport<Row> {
        let table = try ImportTable.read(text, aliases: aliases, required: required)
        var rows: [Row] = []
        var issues: [ImportIssue] = []
        var cards: [String: Int] = [:]
        for (line, v) in table {
            let draft = PersonDraft(fullName: v["full_name"] ?? "", gender: v["gender"] ?? "",
                                    birthDate: v["birth_date"] ?? "", phone: v["phone"] ?? "",
                                    email: v["email"] ?? "", cardNumber: v["card_number"] ?? "")
            var rowIssues: [ImportIssue] = []
            var person: Person?
            do { person = try draft.validate(today: today) } catch let e as ValidationErrors {
                rowIssues += e.errors.map { ImportIssue(line: line, field: $0.field, key: $0.key) }
            }
            let unitCode = (v["unit_code"] ?? "").tidied
            if unitCode.isEmpty { rowIssues.append(ImportIssue(line: line, field: "unit_code", key: "required")) }
            let assignment = AssignmentDraft(unitID: 0, title: v["title"] ?? "", category: v["category"] ?? "",
                                             isLeader: truthy(v["leader"] ?? ""),
                                             validFrom: (v["valid_from"] ?? "").tidied.isEmpty ? today.description : v["valid_from"]!)
            do { _ = try assignment.validate(personID: -1) } catch let e as ValidationErrors {
                rowIssues += e.errors.map { ImportIssue(line: line, field: $0.field, key: $0.key) }
            }
            let card = draft.cardNumber.tidied
            if !card.isEmpty {
                if cards[card] != nil { rowIssues.append(ImportIssue(line: line, field: "card_number", key: "card_duplicate_in_file")) }
                cards[card] = line
            }
            if rowIssues.isEmpty, let person {
                rows.append(Row(line: line, person: person, unitCode: unitCode, assignment: assignment))
            }
            issues += rowIssues
        }
        return ParsedImport(rows: rows, issues: issues, total: table.count)
    }

    static func truthy(_ text: String) -> Bool {
        ["x", "1", "co", "yes", "true", "y", "lanh dao"].contains(SearchKey.fold(text))
    }
}

/// A units file: administrative and organisation units, parents before children or in any order.
public enum UnitImport {
    public static let aliases: [String: String] = [
        "ma": "code", "ma_don_vi": "code", "ten": "name", "ten_don_vi": "name", "cap": "kind", "loai": "kind",
        "ma_cap_tren": "parent_code", "ma_don_vi_cha": "parent_code", "parent": "parent_code",
        "tu_ngay": "valid_from", "hieu_luc_tu": "valid_from", "den_ngay": "valid_to", "hieu_luc_den": "valid_to",
        "ma_ke_thua": "successor_code", "don_vi_ke_thua": "successor_code", "successor": "successor_code",
    ]
    public static let required = ["code", "name", "kind"]

    public struct Row: Sendable, Equatable {
        public var line: Int
        public var code: String
        public var name: String
        public var kind: UnitKind
        public var parentCode: String
        public var validFrom: Day?
        public var validTo: Day?
        public var successorCode: String
    }

    public static func kind(_ text: String) -> UnitKind? {
        if let k = UnitKind(rawValue: text.tidied) { return k }
        switch SearchKey.fold(text) {
        case "tinh", "thanh pho truc thuoc trung uong": return .province
        case "huyen", "quan", "thi xa", "thanh pho thuoc tinh": return .district
        case "xa": return .commune
        case "phuong": return .ward
        case "dac khu": return .specialZone
        case "ubnd", "uy ban nhan dan": return .peoplesCommittee
        case "dang uy": return .partyCommittee
        case "phong": return .department
        case "van phong": return .office
        case "trung tam", "trung tam phuc vu hanh chinh cong", "bo phan mot cua": return .serviceCentre
        default: return nil
        }
    }

    public static func parse(_ text: String) throws -> ParsedImport<Row> {
        let table = try ImportTable.read(text, aliases: aliases, required: required)
        var rows: [Row] = []
        var issues: [ImportIssue] = []
        var seen: Set<String> = []
        for (line, v) in table {
            let code = (v["code"] ?? "").tidied
            let draft = UnitDraft(parentID: nil, kind: kind(v["kind"] ?? "")?.rawValue ?? "?", code: code,
                                  name: v["name"] ?? "", validFrom: v["valid_from"] ?? "", validTo: v["valid_to"] ?? "")
            var rowIssues: [ImportIssue] = []
            if code.isEmpty { rowIssues.append(ImportIssue(line: line, field: "code", key: "required")) }
            if seen.contains(code) { rowIssues.append(ImportIssue(line: line, field: "code", key: "code_duplicate_in_file")) }
            seen.insert(code)
            var valid: UnitDraft.Valid?
            // The parent's kind is checked when references are resolved; here only the fields.
            do { valid = try draft.validate(parentKind: .province) } catch let e as ValidationErrors {
                rowIssues += e.errors.filter { $0.field != "parent_id" }.map { ImportIssue(line: line, field: $0.field, key: $0.key) }
            }
            if rowIssues.isEmpty, let valid {
                rows.append(Row(line: line, code: code, name: valid.name, kind: valid.kind,
                                parentCode: (v["parent_code"] ?? "").tidied, validFrom: valid.validFrom,
                                validTo: valid.validTo, successorCode: (v["successor_code"] ?? "").tidied))
            }
            issues += rowIssues
        }
        return ParsedImport(rows: rows, issues: issues, total: table.count)
    }
}
