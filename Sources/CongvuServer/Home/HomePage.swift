/// The signed-in home: what needs the person now (`Morning`), then a card per thing they look after.
struct HomePage: Page {
    static let template = "home"
    struct Card: Decodable { var title: String; var value: Int?; var href: String; var note: String }
    struct Grant: Decodable { var role: String; var unit: String; var unit_id: Int64 }
    /// Today in the unit of the principal's first attendance grant; a count shows only when not zero.
    struct Today: Decodable {
        struct Person: Decodable { var id: Int64; var name: String; var title: String; var detail: String }
        var unit: String
        var unit_id: Int64
        var at: String
        var present: Int
        var total: Int
        var late: [Person]
        var late_count: Int?
        var absent: [Person]
        var absent_count: Int?
        var away: [Person]
        var away_count: Int?
        var title: String
    }
    /// A notice, leave or explanation waiting for a decision, with its one-tap form.
    struct Approval: Decodable {
        var kind: String
        var name: String
        var what: String
        var when: String
        var action: String
        var yes: String
        var yes_label: String
        var more: String
        /// For the office: who may decide it.
        var deciders: String?
    }
    struct Dossiers: Decodable {
        struct Row: Decodable { var id: Int64; var code: String; var applicant: String; var procedure: String; var due: String; var unit: String }
        var overdue: [Row]
        var overdue_count: Int?
        var soon: [Row]
        var soon_count: Int?
        var has_any: Bool
        var title: String
    }
    struct Alert: Decodable { var what: String; var `where`: String; var at: String; var href: String }
    struct TaskReminder: Decodable { var id: Int64; var title: String; var due: String; var overdue: Bool; var when: String; var unacknowledged: Bool }
    struct Mine: Decodable { var day: String; var what: String; var reasons: String; var href: String; var button: String }
    struct Counter: Decodable {
        var id: Int64
        var code: String
        var applicant: String
        var procedure: String
        var status: String
        var due: String
        var overdue: Bool
    }
    var cards: [Card]
    var grants: [Grant]
    var warnings: [String]
    var sign_in_alert: String?
    var today: Today?
    var dossiers: Dossiers?
    var approvals: [Approval]
    var has_approvals: Bool
    var approvals_count: Int
    var watched_approvals: [Approval]
    var has_watched_approvals: Bool
    var alerts: [Alert]
    var has_alerts: Bool
    var mine: [Mine]
    var has_mine: Bool
    var tasks: [TaskReminder]
    var has_tasks: Bool
    var counter: [Counter]
    var has_counter: Bool
}
