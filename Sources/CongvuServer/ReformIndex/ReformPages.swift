/// The reform index's rounds the reader takes part in or sits on the council of; for a council the
/// forms to open a round and to enter a past year.
struct ReformIndexPage: Page {
    static let template = "reform"
    struct Round: Decodable {
        var id: Int64
        var year: Int
        var title: String
        var body: String
        var status: String
        var status_code: String
        var deadline: String
        var units: Int
        var submitted: Int
        var example: Bool
        var own: [Link]
        var council: Bool
    }
    struct Link: Decodable { var href: String; var name: String }
    struct Candidate: Decodable { var id: Int64; var name: String; var kind: String; var checked: Bool }
    struct Issue: Decodable { var line: String; var field: String; var message: String }
    /// An uploaded framework's check (and whether it was stored).
    struct Check: Decodable { var title: String; var summary: [String]; var issues: [Issue]; var stored: Bool }
    struct Framework: Decodable { var id: Int64; var label: String; var example: Bool }
    var form: FormView
    var rounds: [Round]
    var has_rounds: Bool
    var council: Bool
    var check: Check?
    var stored: [Framework]
    var has_stored: Bool
    var frameworks: [Option]
    var bodies: [Option]
    var candidates: [Candidate]
    var history_units: [Option]
}

/// A round: where it stands, the ranking by peer group (live for the council; a unit sees only its
/// own row until publication), and the council's closing and publication.
struct ReformRoundPage: Page {
    static let template = "reform_round"
    struct Row: Decodable {
        var unit_id: Int64
        var unit: String
        var group: String
        var rank: String
        var points: String
        var maximum: String
        var index: String
        var band: String
        var submitted: Bool
        /// The index as a bar's width (0–100).
        var width: Int
    }
    struct Group: Decodable { var name: String; var rows: [Row] }
    var form: FormView
    var id: Int64
    var title: String
    var year: Int
    var issuer: String
    var body: String
    var example: Bool
    var status: String
    var status_code: String
    var deadline: String
    var decision: String?
    var decision_day: String?
    var council: Bool
    var can_close: Bool
    var can_publish: Bool
    var version: Int
    var groups: [Group]
    var framework_id: Int64
    var bands: String
}

/// A unit's scored framework: the projected (or published) index, bars by area, points at risk, the
/// years before, and per sub-criterion the measured value, the unit's points and evidence, the
/// council's points and reason, with the forms the reader may use.
struct ReformSheetPage: Page {
    static let template = "reform_sheet"
    struct Evidence: Decodable { var id: Int64; var label: String; var href: String }
    struct Item: Decodable {
        var code: String
        var name: String
        var maximum: String
        var method: String
        var manual: Bool
        var evidence_required: Bool
        var measured: String?
        var measure: String?
        var measure_link: String?
        var self_points: String?
        var note: String?
        var council_points: String?
        var council_reason: String?
        var not_applicable: Bool
        var points: String
        var evidence: [Evidence]
        var error: String?
        var can_assess: Bool
        var can_appraise: Bool
        var width: Int
    }
    struct Criterion: Decodable { var code: String; var name: String; var points: String; var maximum: String; var items: [Item] }
    struct Area: Decodable { var code: String; var name: String; var points: String; var maximum: String; var width: Int; var criteria: [Criterion] }
    struct Risk: Decodable { var code: String; var name: String; var points: String }
    struct Year: Decodable { var year: Int; var unit: String; var index: String; var band: String; var rank: String?; var width: Int }
    var form: FormView
    var round_id: Int64
    var unit_id: Int64
    var unit: String
    var title: String
    var year: Int
    var example: Bool
    var group: String
    var status: String
    var status_code: String
    var deadline: String
    var submitted: String?
    var decision: String?
    var points: String
    var maximum: String
    var index: String
    /// During the year: the index over the sub-criteria scored so far.
    var scored: String?
    var band: String
    var below_floor: String?
    var rank: String?
    /// Not yet published: the figures are a projection.
    var projected: Bool
    var last_year: String?
    var change: String?
    var areas: [Area]
    var risks: [Risk]
    var has_risks: Bool
    var history: [Year]
    var can_assess: Bool
    var can_submit: Bool
    var missing: String?
    var can_appraise: Bool
    var council: Bool
}

/// The records behind a computed sub-criterion's value.
struct ReformMeasurePage: Page {
    static let template = "reform_measure"
    struct Record: Decodable { var label: String; var detail: String; var met: Bool; var link: String? }
    var round_id: Int64
    var unit_id: Int64
    var unit: String
    var code: String
    var name: String
    var measure: String
    var definition: String
    var period: String
    var value: String
    var records: [Record]
    var has_records: Bool
}
