import Foundation

/// A framework as one table (issue 24), what a Home Affairs office keeps in a spreadsheet: a row
/// per fact, its `type` saying which. `meta` rows carry the version's facts (`code`, `version`,
/// `year`, `issuer`, `title`, `peer_groups`, `tie_break`, `measures_version`, `remediation_below`,
/// `is_example`: the key in `code`, the value in `name`); `band` rows a classification (code, name,
/// minimum % in `maximum`, the floor under every criterion in `steps`); then `area`, `criterion`
/// and `item` rows in order, each criterion under the area above it, each item under the criterion
/// above it. An item's `steps` are `95:4; 90:3` (at least that share: those points). Headers and
/// words may be Vietnamese (`loai`, `ma`, `ten`, `diem_toi_da`, `phuong_phap`…; `linh vuc`,
/// `tieu chi`, `tu cham`, `tinh tu so lieu`…).
public enum ReformFrameworkTable {
    public static let columns = ["type", "code", "name", "maximum", "method", "measure", "steps", "when_nothing", "applies_to", "evidence_required"]

    public static let aliases: [String: String] = [
        "loai": "type", "loai_dong": "type", "ma": "code", "ten": "name", "noi_dung": "name", "diem_toi_da": "maximum", "diem": "maximum",
        "phuong_phap": "method", "cach_cham": "method", "phep_do": "measure", "chi_so_do": "measure", "cac_muc": "steps", "muc": "steps",
        "khi_khong_co": "when_nothing", "ap_dung_cho": "applies_to", "ap_dung": "applies_to", "can_kiem_chung": "evidence_required",
        "tai_lieu_kiem_chung": "evidence_required",
    ]

    static let types: [String: String] = [
        "meta": "meta", "thong tin": "meta", "band": "band", "xep loai": "band", "area": "area", "linh vuc": "area",
        "criterion": "criterion", "tieu chi": "criterion", "item": "item", "tieu chi thanh phan": "item",
    ]

    static let methods: [String: String] = [
        "manual": "manual", "tu cham": "manual", "computed": "computed", "tinh tu so lieu": "computed", "tu dong": "computed",
        "survey": "survey", "dieu tra": "survey", "khao sat": "survey", "dieu tra xa hoi hoc": "survey",
        "bonus": "bonus", "diem thuong": "bonus", "thuong": "bonus", "penalty": "penalty", "diem tru": "penalty", "tru": "penalty",
    ]

    /// A file read: the framework (checked whole) when no line is at fault, and every problem by line.
    public struct Parsed: Sendable {
        public var framework: ReformFramework?
        public var issues: [ImportIssue]
    }

    /// Reads the table's records (as `CSV.records` gives them, from a CSV file or a workbook's first sheet).
    public static func parse(_ table: (header: [String], rows: [(line: Int, values: [String: String])])) -> Parsed {
        var issues: [ImportIssue] = []
        for column in ["type", "code", "name"] where !table.header.contains(column) {
            issues.append(ImportIssue(line: 1, field: column, key: "import_missing_column:\(column)"))
        }
        guard issues.isEmpty else { return Parsed(framework: nil, issues: issues) }
        var meta: [String: String] = [:]
        var bands: [ReformFramework.Band] = [], areas: [ReformFramework.Area] = []
        for (line, v) in table.rows {
            func value(_ c: String) -> String { (v[c] ?? "").tidied }
            func issue(_ field: String, _ key: String) { issues.append(ImportIssue(line: line, field: field, key: key)) }
            func points(_ c: String) -> Points? {
                guard let p = Points(value(c)) else { issue(c, "reform_points"); return nil }
                return p
            }
            let code = value("code"), name = value("name")
            switch types[SearchKey.fold(value("type"))] {
            case "meta":
                meta[SearchKey.fold(code).replacingOccurrences(of: " ", with: "_")] = name
            case "band":
                guard let minimum = Percent(value("maximum")) else { issue("maximum", "reform_index_value"); continue }
                let floor = value("steps").isEmpty ? nil : Percent(value("steps"))
                if !value("steps").isEmpty && floor == nil { issue("steps", "reform_index_value") }
                bands.append(.init(code: code, name: name, minimum: minimum, criterionFloor: floor))
            case "area":
                areas.append(.init(code: code, name: name, criteria: []))
            case "criterion":
                guard !areas.isEmpty else { issue("type", "reform_table_order"); continue }
                areas[areas.count - 1].criteria.append(.init(code: code, name: name, items: []))
            case "item":
                guard !areas.isEmpty, !areas[areas.count - 1].criteria.isEmpty else { issue("type", "reform_table_order"); continue }
                guard let maximum = points("maximum") else { continue }
                guard let method = method(value, issue: issue) else { continue }
                let applies = value("applies_to").split(whereSeparator: { $0 == "," || $0 == ";" || $0 == "|" }).map { String($0).tidied }.filter { !$0.isEmpty }
                let evidence = ["x", "1", "co", "yes", "true", "y", "can"].contains(SearchKey.fold(value("evidence_required")))
                let a = areas.count - 1, c = areas[a].criteria.count - 1
                areas[a].criteria[c].items.append(.init(code: code, name: name, maximum: maximum, method: method, appliesTo: applies, evidenceRequired: evidence))
            default:
                issue("type", "reform_table_type")
            }
        }
        func int(_ key: String) -> Int? { meta[key].flatMap { Int($0) } }
        let groups = (meta["peer_groups"] ?? "").split(whereSeparator: { $0 == "," || $0 == ";" || $0 == "|" }).map { String($0).tidied }.filter { !$0.isEmpty }
        let framework = ReformFramework(
            code: meta["code"] ?? "", version: int("version") ?? 0, year: int("year") ?? 0, issuer: meta["issuer"] ?? "", title: meta["title"] ?? "",
            isExample: ["x", "1", "co", "yes", "true"].contains(SearchKey.fold(meta["is_example"] ?? "")), peerGroups: groups, areas: areas, bands: bands,
            tieBreak: meta["tie_break"].flatMap { ReformFramework.TieBreak(rawValue: $0) } ?? .surveyPoints,
            measuresVersion: int("measures_version") ?? ReformMeasure.definitions,
            remediationBelow: meta["remediation_below"].flatMap { Percent($0) } ?? Percent(hundredths: 5000))
        guard issues.isEmpty else { return Parsed(framework: nil, issues: issues) }
        do {
            return Parsed(framework: try framework.validated(), issues: [])
        } catch let e as ValidationErrors {
            return Parsed(framework: nil, issues: e.errors.map { ImportIssue(line: 0, field: $0.field, key: $0.key) })
        } catch {
            return Parsed(framework: nil, issues: [ImportIssue(line: 0, field: "file", key: "import_failed")])
        }
    }

    static func method(_ value: (String) -> String, issue: (String, String) -> Void) -> ReformFramework.Method? {
        switch methods[SearchKey.fold(value("method"))] {
        case "manual": return .manual
        case "survey": return .survey
        case "bonus": return .bonus
        case "penalty": return .penalty
        case "computed":
            guard let measure = ReformMeasure(rawValue: value("measure")) else { issue("measure", "reform_measure"); return nil }
            var steps: [MeasureScoring.Step] = []
            for part in value("steps").split(separator: ";").map({ $0.trimmingCharacters(in: .whitespaces) }).filter({ !$0.isEmpty }) {
                let pair = part.split(separator: ":").map { String($0).trimmingCharacters(in: .whitespaces) }
                guard pair.count == 2, let atLeast = Percent(pair[0]), let points = Points(pair[1]) else { issue("steps", "reform_steps"); return nil }
                steps.append(.init(atLeast: atLeast, points: points))
            }
            let when = value("when_nothing").isEmpty ? MeasureScoring.WhenNothing.full : MeasureScoring.WhenNothing(rawValue: value("when_nothing"))
            guard let when else { issue("when_nothing", "reform_when_nothing"); return nil }
            return .computed(MeasureScoring(measure: measure, steps: steps, whenNothing: when))
        default:
            issue("method", "reform_method")
            return nil
        }
    }

    /// The framework as the table's rows, header first: what the export writes and the import reads back.
    public static func rows(_ f: ReformFramework) -> [[String]] {
        var out = [columns]
        func row(_ cells: String...) { out.append(cells + Array(repeating: "", count: columns.count - cells.count)) }
        for (key, value) in [("code", f.code), ("version", String(f.version)), ("year", String(f.year)), ("issuer", f.issuer), ("title", f.title),
                             ("peer_groups", f.peerGroups.joined(separator: ", ")), ("tie_break", f.tieBreak.rawValue),
                             ("measures_version", String(f.measuresVersion)), ("remediation_below", f.remediationBelow.description),
                             ("is_example", f.isExample ? "x" : "")] {
            row("meta", key, value)
        }
        for b in f.bands { row("band", b.code, b.name, b.minimum.description, "", "", b.criterionFloor?.description ?? "") }
        for a in f.areas {
            row("area", a.code, a.name)
            for c in a.criteria {
                row("criterion", c.code, c.name)
                for s in c.items {
                    var method = "", measure = "", steps = "", when = ""
                    switch s.method {
                    case .manual: method = "manual"
                    case .survey: method = "survey"
                    case .bonus: method = "bonus"
                    case .penalty: method = "penalty"
                    case .computed(let m):
                        method = "computed"
                        measure = m.measure.rawValue
                        steps = m.steps.map { "\($0.atLeast):\($0.points)" }.joined(separator: "; ")
                        when = m.whenNothing.rawValue
                    }
                    row("item", s.code, s.name, s.maximum.description, method, measure, steps, when, s.appliesTo.joined(separator: ", "), s.evidenceRequired ? "x" : "")
                }
            }
        }
        return out
    }
}
