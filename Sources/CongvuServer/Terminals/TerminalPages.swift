/// The terminal fleet's page models (see `Page`).
struct TerminalView: Decodable {
    var serial: String
    var status: String
    var family: String
    var unit: String
    var location: String
    var firmware: String
    var address: String
    var seen: String
    var online: Bool
    var drift: String?
    var records: String
    var users: String
    var commands_pending: Int
    var commands_failed: Int?
    var problems: String
    var has_problems: Bool
}

struct TerminalAlertView: Decodable {
    var id: Int64
    var serial: String
    var location: String
    var unit: String
    var kind: String
    var at: String
    var detail: String
    var resolved: Bool
    var resolution: String
    /// A terminal calling from a new address: the office may pin it there in one step.
    var new_address: String?
}

struct TerminalsPage: Page {
    static let template = "terminals"
    struct Refused: Decodable { var address: String; var serial: String; var count: Int; var at: String }
    var form: FormView
    var health: Bool
    var pending: [TerminalView]
    var has_pending: Bool
    var terminals: [TerminalView]
    var has_terminals: Bool
    var units: [Option]
    var open_alerts: [TerminalAlertView]
    var refused: [Refused]
    var has_refused: Bool
}

struct TerminalPage: Page {
    static let template = "terminal"
    struct Command: Decodable {
        var id: Int64
        var kind: String
        var label: String
        var state: String
        var created: String
        var done: String?
        var code: String
        var failed: Bool
        var result: String?
        var may_approve: Bool
    }
    struct JournalEntry: Decodable {
        var seq: Int64
        var at: String
        var request: String
        var bytes: Int
        var status: Int
        var reply: String
    }
    var form: FormView
    var terminal: TerminalView
    var approved: Bool
    var units: [Option]
    var offsets: [Option]
    var encodings: [Option]
    var photos: Bool
    var enabled: Bool
    var location: String
    var pinned_address: String?
    var registered: Bool
    var commands: [Command]
    var alerts: [TerminalAlertView]
    var journal: [JournalEntry]
    var yesterday: String
}
