/// The attendance pages' models (see `Page`).
struct UnitRef: Decodable {
    var id: Int64
    var name: String
}

struct AttendancePage: Page {
    static let template = "attendance"
    struct Count: Decodable { var status: String; var label: String; var count: Int }
    struct Case: Decodable { var status: String; var label: String; var id: Int64 }
    struct Row: Decodable {
        var id: Int64
        var name: String
        var title: String
        var status: String
        var label: String
        var `in`: String?
        var out: String?
        var reasons: String?
        var day: String
        var `case`: Case?
        var can_open: Bool
    }
    var unit: UnitRef
    var day: String
    var day_vn: String
    var prev: String
    var next: String
    var units: [Option]
    var counts: [Count]
    var unexplained: Int
    var rows: [Row]
    var has_rows: Bool
}

struct AttendancePersonPage: Page {
    static let template = "attendance_person"
    struct Person: Decodable { var id: Int64; var name: String; var title: String }
    struct Row: Decodable {
        var day: String
        var day_vn: String
        var weekday: String
        var status: String
        var label: String
        var code: String
        var `in`: String?
        var out: String?
        var reasons: String?
        var `case`: String?
        var quiet: Bool
    }
    struct Totals: Decodable {
        var scheduled: Int
        var worked: String
        var excused: Int
        var absent: String
        var late: Int
        var late_minutes: Int
        var early: Int
        var missing: Int
    }
    var person: Person
    var month: String
    var month_vn: String
    var prev: String
    var next: String
    var rows: [Row]
    var has_rows: Bool
    var totals: Totals
}

struct AttendanceDayPage: Page {
    static let template = "attendance_day"
    struct Verdict: Decodable { var status: String; var label: String; var reasons: String?; var `in`: String?; var out: String? }
    struct Punch: Decodable {
        var time: String
        var source: String
        var method: String
        var device: String?
        var queued: Bool
        var manual: Bool
        var note: String?
        var flag: String?
        var received: String?
        var photo: String?
        var snapshot: String?
    }
    struct Alert: Decodable { var kind: String; var at: String; var detail: String; var serial: String; var resolved: Bool; var resolution: String }
    struct Absence: Decodable { var kind: String; var place: String?; var purpose: String; var from: String; var to: String; var status: String }
    struct Change: Decodable { var at: String; var label: String; var cause: String; var reasons: String? }
    var form: FormView
    var person: UnitRef
    var day: String
    var day_vn: String
    var month: String
    var prev: String
    var next: String
    var verdict: Verdict?
    var punches: [Punch]
    var has_punches: Bool
    var has_terminal_alerts: Bool
    var terminal_alerts: [Alert]
    var absences: [Absence]
    var history: [Change]
    var has_history: Bool
    var explanation: ExplanationCase?
    var can_open: Bool
    var can_punch: Bool
}

struct AttendanceCardsPage: Page {
    static let template = "attendance_cards"
    struct Held: Decodable {
        var id: Int64
        var person: String
        var person_id: Int64
        var at: String
        var received: String
        var device: String
        var pin: String?
        var why: String
    }
    struct Card: Decodable { var value: String; var card: String; var punches: Int; var last: String; var `where`: String }
    var form: FormView
    var held: [Held]
    var has_held: Bool
    var cards: [Card]
    var has_cards: Bool
    var people: [Option]
}

struct AttendancePolicyPage: Page {
    static let template = "attendance_policy"
    struct Stored: Decodable {
        var unit: String
        var from: String
        var derivation: String
        var grace: Int
        var half_day: Int
        var explanation_days: Int
        var typed_cards: String
    }
    var form: FormView
    var unit: UnitRef
    var units: [Option]
    var derivations: [Option]
    var typed_cards: [Option]
    var stored: [Stored]
    var has_stored: Bool
    var can_edit: Bool
}
