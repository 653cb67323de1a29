/// The office's register of a unit: filters, figures, the items, the form to enter one.
struct FeedbackListPage: Page {
    static let template = "feedback_list"
    struct Row: Decodable {
        var id: Int64
        var code: String
        var received: String
        var category: String
        var channel: String
        var status: String
        var status_code: String
        var due: String
        var overdue: Bool
        var escalated: Bool
        var description: String
        /// The unit it was forwarded to, when not this one.
        var owner: String?
    }
    struct Tile: Decodable { var label: String; var value: String }
    var form: FormView
    var unit: UnitRef
    var code: String
    var units: [Option]
    var statuses: [Option]
    var categories: [Option]
    var channels: [Option]
    var q: String
    var from: String
    var to: String
    var overdue: Bool
    /// The filters as a query string, for the workbook and the next page.
    var query: String
    var rows: [Row]
    var has_rows: Bool
    var total: Int
    var more: String?
    var counts: [Tile]
    var entry_categories: [Option]
    var entry_channels: [Option]
    var openings: [Option]
    var people: [Option]
}

/// One item: what was filed, where it stands, its history and the moves the reader may make.
struct FeedbackItemPage: Page {
    static let template = "feedback_item"
    struct Event: Decodable { var at: String; var actor: String; var kind: String; var reason: String? }
    struct Ref: Decodable { var id: Int64; var code: String }
    var form: FormView
    var id: Int64
    var code: String
    var version: Int
    var status: String
    var status_code: String
    var category: String
    var channel: String
    var received: String
    var due: String
    var overdue: Bool
    var forward_by: String
    var description: String
    var filed: String
    var owner: String
    var owner_person: String?
    var escalated: String?
    var escalations: Int?
    var sees_citizen: Bool
    var citizen: String?
    var contact: String?
    var address: String?
    var private_answer: Bool
    var dossier: String?
    var concerned: String?
    var client: String?
    var photos: [Int]
    var answer: String?
    var answered: String?
    /// What the outbox sent the citizen (their e-mail), for those who see the citizen.
    var sent: Sent?
    /// Above the answer form: how the citizen will hear of it.
    var answer_note: String?
    var rating: String?
    var solved: String?
    var reopened: Int?
    var merged_into: Ref?
    var task: Int64?
    var history: [Event]
    var can_assign: Bool
    var can_reassign: Bool
    var can_forward: Bool
    var can_answer: Bool
    var can_merge: Bool
    var tracking: String
    var units: [Option]
    var people: [Option]
    var targets: [Option]
}

extension FeedbackItemPage {
    struct Sent: Decodable {
        struct Item: Decodable {
            var address: String
            var at: String
            var state: String
            var reason: String?
        }
        var items: [Item]
    }
}

/// The openings of a unit's suggestion box and the form to record one.
struct FeedbackBoxPage: Page {
    static let template = "feedback_box"
    struct Opening: Decodable {
        var day: String
        var opened_by: String
        var witnesses: String
        var letters: Int
        var entered: Int
        var complete: Bool
    }
    var form: FormView
    var unit: UnitRef
    var units: [Option]
    var today: String
    var openings: [Opening]
    var has_openings: Bool
}

/// The public form of a unit, phone-first, and its published answers.
struct FeedbackFormPage: Page {
    static let template = "feedback_public"
    struct Answered: Decodable {
        var code: String
        var received: String
        var category: String
        var description: String
        var answer: String
        var answered: String
    }
    var form: FormView
    var form_csrf: String
    var unit: String
    var code: String
    var categories: [Option]
    var notice: String?
    var answered: [Answered]
    var has_answered: Bool
}

/// What the citizen reads with the tracking code: where the matter stands, the answer, and the
/// questions put to them once it is answered.
struct FeedbackTrackingPage: Page {
    static let template = "feedback_tracking"
    struct Step: Decodable { var at: String; var kind: String }
    var form: FormView
    var form_csrf: String
    var code: String
    var found: Bool
    var notice: String?
    var thanks: Bool = false
    var status: String = ""
    var status_code: String = ""
    var category: String = ""
    var unit: String = ""
    var received: String = ""
    var due: String = ""
    var description: String = ""
    var answer: String?
    var answered: String?
    var merged_into: String?
    var steps: [Step] = []
    var ask_solved: Bool = false
    var ask_rating: Bool = false
    var rating: String?
    var choices: [Option] = []
}
