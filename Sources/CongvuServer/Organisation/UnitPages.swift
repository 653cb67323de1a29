/// The organisation pages' models (see `Page`).
struct UnitRow: Decodable {
    var id: Int64
    var name: String
    var code: String?
    var kind: String
    var depth: Int
    var indent: String
    var active: Bool
    var valid_from: String?
    var valid_to: String?
    var administrative: Bool
}

struct UnitsPage: Page {
    static let template = "units"
    var units: [UnitRow]
    var q: String
    var history: Bool
    var count: Int
    var can_create: Bool
}

struct UnitPage: Page {
    static let template = "unit"
    var unit: UnitRow
    var ancestors: [UnitRow]
    var children: [UnitRow]
    var predecessors: [UnitRow]
    var has_predecessors: Bool
    var successor: UnitRow?
    var staff: [PersonRow]
    var staff_total: Int
    var can_edit: Bool
}

struct UnitFormPage: Page {
    static let template = "unit_form"
    struct Editing: Decodable { var id: Int64; var name: String }
    var form: FormView
    var parents: [Option]
    var successors: [Option]
    var kinds: [Option]
    var editing: Editing?
}
