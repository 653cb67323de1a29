/// The tasks' page models (see `Page`).

/// A task as lists show it.
struct TaskView: Decodable {
    var id: Int64
    var reference: String
    var title: String
    var unit: String
    var owner: String
    var owner_id: Int64
    var assigner: String
    var due: String
    /// The first deadline, when an extension moved it.
    var extended: String?
    var status: String
    var status_label: String
    /// One of the Government Office's four states (or `cancelled`).
    var standing: String
    var standing_label: String?
    var overdue: Bool
    var urgent: Bool
    var priority: String
    var percent: Int
    /// "2 working days left", "due today", "3 working days overdue".
    var left: String?
    /// A pending extension request's day.
    var extension_asked: String?
}

/// The person's own tasks, on a phone.
struct MyTasksPage: Page {
    static let template = "tasks"
    var tasks: [TaskView]
    var has_tasks: Bool
    var overdue: Int?
    var can_assign: Bool
    var can_board: Bool
}

/// A unit's tasks.
struct TaskBoardPage: Page {
    static let template = "task_board"
    struct Owner: Decodable { var name: String; var open: Int; var overdue: Int? }
    var unit: UnitRef
    var units: [Option]
    var shows: [Option]
    var show: String
    var q: String
    var tasks: [TaskView]
    var has_tasks: Bool
    var overdue: Int
    var owners: [Owner]
    var can_assign: Bool
}

struct TaskFormPage: Page {
    static let template = "task_form"
    /// Someone who may co-operate on or watch the task.
    struct Person: Decodable { var id: Int64; var label: String; var co: Bool; var watch: Bool }
    var form: FormView
    var owners: [Option]
    var people: [Person]
    var priorities: [Option]
    var sources: [Option]
    /// The task this one is a part of.
    var parent: TaskRef?
    var recurrences: [Option]
}

/// A task named by a link.
struct TaskRef: Decodable { var id: Int64; var title: String; var reference: String }

/// One task: what, who, by when, its history, and the steps open to the viewer.
struct TaskPage: Page {
    static let template = "task"
    struct Event: Decodable {
        var at: String
        var actor: String
        var action: String
        var percent: String?
        var note: String?
        var due: String?
        var quality: String?
        var files: [FileLink]
    }
    /// A file attached to the task or a step: a link, its name and size.
    struct FileLink: Decodable {
        var id: Int64
        var name: String
        var size: String
        var by: String
        var at: String
    }
    var form: FormView
    var task: TaskView
    var version: Int
    var content: String?
    var source: String?
    var assigned: String
    var acknowledged: String?
    var parent: TaskRef?
    /// The parts it was split into.
    var children: [TaskView]
    var has_children: Bool
    var can_split: Bool
    /// Who acts for the lead while the lead is away, and whether the lead is away now.
    var substitute: String?
    var lead_away: Bool
    var can_name_substitute: Bool
    var substitutes: [Option]
    /// The series' rule, for a recurring task; whether more tasks are still generated, how far, and
    /// whether the principal may end it.
    var recurrence: String?
    var series_running: Bool
    var series_through: String?
    var series_stopped: String?
    var can_stop_series: Bool
    /// Every file of the task, those given with it first.
    var files: [FileLink]
    var has_files: Bool
    /// Given more than a working day ago and not yet acknowledged.
    var unacknowledged: Bool
    var reported: String?
    var timeliness: String?
    var quality: String?
    var co_owners: String
    var watchers: String
    var extension_reason: String?
    var actions: [Option]
    var has_actions: Bool
    var can_report: Bool
    var can_extend: Bool
    var can_accept: Bool
    var can_reassign: Bool
    var qualities: [Option]
    var new_owners: [Option]
    var events: [Event]
}

/// The task slip (phiếu giao việc), on A4.
struct TaskSlipPage: Page {
    static let template = "task_slip"
    var reference: String
    var title: String
    var content: String?
    var unit_name: String
    var parent_name: String?
    var owner: String
    var assigner: String
    var co_owners: String?
    var source: String?
    var assigned: String
    var due: String
    var priority: String
    /// SVG drawn by the server.
    var qr: String
    var url: String
    var today: String
    var id: Int64
}

/// Tasks whose lead left their post, to hand on.
struct OrphansPage: Page {
    static let template = "task_orphans"
    struct Row: Decodable {
        var task: TaskView
        /// "waiting 7 working days"; past the escalation, the level above sees it.
        var waited: String
        var escalated: Bool
        var owners: [Option]
    }
    var form: FormView
    var tasks: [Row]
    var has_tasks: Bool
    var escalated: Int?
    /// How many working days before the level above is told.
    var escalation_help: String
    var everyone: [Option]
}

/// The leader's week: every department's book, missing and late first.
struct DutyBooksPage: Page {
    static let template = "duty_books"
    struct Row: Decodable {
        var unit_id: Int64
        var unit: String
        var state: String
        var state_label: String
        var submitted: String?
        var by: String?
        /// Written in but not yet submitted.
        var started: Bool
        var bad: Bool
        /// The book's lines and how many of them are overdue (counted for the print and the workbook).
        var lines: Int
        var overdue: Int
    }
    var week: String
    var week_vn: String
    var prev: String
    var next: String
    var deadline: String
    var rows: [Row]
    var has_rows: Bool
    var missing: Int
}

/// Every department's book of a week on A4 for the weekly meeting: the states first, then each book.
struct DutyBooksPrintPage: Page {
    static let template = "duty_books_print"
    var week: String
    var week_vn: String
    var deadline: String
    var rows: [DutyBooksPage.Row]
    var has_rows: Bool
    var books: [DutyBookPage]
    var auditAnchor: String?
    var layout: PageLayout { PageLayout(auditAnchor: auditAnchor) }
    var today: String
}

/// One department's book for a week.
struct DutyBookPage: Page {
    static let template = "duty_book"
    struct Line: Decodable {
        var task_id: Int64
        var reference: String
        var title: String
        var owner: String
        var due: String
        var standing: String
        var overdue: Bool
        /// Urgent, high priority or overdue: the department comments on these.
        var key: Bool
        var percent: Int
        var events: [String]
        var comment: String
    }
    struct Addendum: Decodable { var at: String; var by: String; var text: String }
    var form: FormView
    var unit: UnitRef
    var week: String
    var week_vn: String
    var prev: String
    var next: String
    var deadline: String
    var state: String
    var state_label: String
    var late: Bool
    var lines: [Line]
    var has_lines: Bool
    /// The book's line limit, when this week reached it (the rest are on the board).
    var full: String?
    var editable: Bool
    var submitted: String?
    var submitted_by: String?
    var version: Int
    var strengths: String?
    var weaknesses: String?
    var addenda: [Addendum]
    var can_add: Bool
}

/// The book on A4 for the weekly meeting, with the audit checkpoint.
struct DutyBookPrintPage: Page {
    static let template = "duty_book_print"
    var book: DutyBookPage
    var auditAnchor: String?
    var layout: PageLayout { PageLayout(auditAnchor: auditAnchor) }
    var today: String
}

/// A unit's people with their written duties; those past the grace period without them flagged.
struct DutiesPage: Page {
    static let template = "duties"
    struct Row: Decodable {
        var person_id: Int64
        var name: String
        var title: String
        var unit: String
        var post_from: String
        var approved: String?
        var text: String?
        var draft: Bool
        var flagged: Bool
    }
    var unit: UnitRef
    var units: [Option]
    var rows: [Row]
    var has_rows: Bool
    var flagged: Int
    var grace: Int
}

/// A unit's written duties on A4.
struct DutiesPrintPage: Page {
    static let template = "duties_print"
    var unit: String
    var rows: [DutiesPage.Row]
    var today: String
}

/// One person's duties: the approved versions, the draft, and the forms to write and approve.
struct PersonDutiesPage: Page {
    static let template = "person_duties"
    struct Version: Decodable { var valid_from: String; var text: String; var by: String; var approved: String?; var approved_by: String? }
    var form: FormView
    var person_id: Int64
    var name: String
    var title: String
    var unit: String
    var unit_id: Int64
    var post_from: String
    var draft: Version?
    var version: Int
    var may_write: Bool
    var may_approve: Bool
    var history: [Version]
}

/// A year's tasks per lead: the four states, the on-time rate and the grades.
struct TaskStatsPage: Page {
    static let template = "task_stats"
    struct Row: Decodable {
        var person_id: Int64
        var name: String
        var total: Int
        var on_time: Int
        var late: Int
        var overdue: Int
        var within: Int
        var rate: String
        /// Accepted tasks per grade, in the order of `qualities`.
        var quality: [Int]
    }
    var unit: UnitRef
    var units: [Option]
    var year: Int
    var prev: Int
    var next: Int
    var rows: [Row]
    var has_rows: Bool
    var total: Row
    var qualities: [String]
}
