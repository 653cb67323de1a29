/// The inspections' page models (see `Page`).

/// A visit as lists and pages show it.
struct VisitView: Decodable {
    var id: Int64
    var unit: String
    var unit_id: Int64
    var kind: String
    var kind_label: String
    var status: String
    var status_label: String
    var planned_for: String?
    var started_at: String?
    var ended_at: String?
    /// The minutes' number, "3/2026", once finalised.
    var number: String?
    var hash: String?
    var representative: String
    var conclusions: String
    var day: String
}

/// Visits the principal may see, and a new one for inspectors.
struct InspectionsPage: Page {
    static let template = "inspections"
    var form: FormView
    var visits: [VisitView]
    var has_visits: Bool
    var can_inspect: Bool
    var units: [Option]
    var kinds: [Option]
    var today: String
    /// The start of an unannounced visit: now, unless the team says it arrived a little earlier.
    var now: String
}

/// One visit: planned (start it), open (the roll, the checklist, recommendations, finalise), or
/// finalised (the minutes, the violators' cases, the corrective tasks, addenda).
struct InspectionPage: Page {
    static let template = "inspection"
    struct RollView: Decodable {
        var person_id: Int64
        var name: String
        var title: String
        var state: String
        var state_label: String
        var detail: String?
        var seen: Bool
        var not_seen: Bool
        var finding: String?
        var needs_mark: Bool
    }
    struct PhotoView: Decodable { var href: String; var at: String }
    struct ItemView: Decodable {
        var code: String
        var text: String
        var answered: Bool
        var result_label: String?
        var pass: Bool
        var fail: Bool
        var na: Bool
        var note: String?
        /// What the system knows, to confirm: "3 of 12 people have no approved written duties".
        var evidence: String?
        var evidence_href: String?
        var photos: [PhotoView]
    }
    struct ThemeView: Decodable { var label: String; var items: [ItemView] }
    struct ViolationView: Decodable {
        var name: String
        var title: String
        var kind: String
        var at: String
        var explanation_id: Int64?
        var explanation: String?
    }
    struct RecommendationView: Decodable {
        var text: String
        var owner: String
        var due: String
        var task_id: Int64?
        var task_status: String?
    }
    struct AddendumView: Decodable { var at: String; var actor: String; var text: String }

    var form: FormView
    var visit: VisitView
    var planned: Bool
    var open: Bool
    var finalised: Bool
    var can_record: Bool
    var can_amend: Bool
    var roll: [RollView]
    var has_roll: Bool
    var unmarked: Int
    var findings: Int
    var themes: [ThemeView]
    var unanswered: Int
    var violations: [ViolationView]
    var has_violations: Bool
    var recommendations: [RecommendationView]
    var has_recommendations: Bool
    var owners: [Option]
    var addenda: [AddendumView]
    var has_addenda: Bool
    /// For finalised minutes: whether their content still matches the hash in the audit chain.
    var verified: Bool?
    var now: String
    var min_due: String
    /// A re-inspection: the earlier minutes' recommendations it checks.
    var followed: [RecommendationView]
    var has_followed: Bool
    var follows_id: Int64?
    var can_reinspect: Bool
    var open_recommendations: Int
}

/// The minutes (biên bản kiểm tra) on A4.
struct MinutesPage: Page {
    static let template = "inspection_minutes"
    struct Member: Decodable { var name: String; var role: String }
    var visit: VisitView
    var body: String
    var place: String
    var team: [Member]
    var themes: [InspectionPage.ThemeView]
    var violations: [InspectionPage.ViolationView]
    var has_violations: Bool
    var recommendations: [InspectionPage.RecommendationView]
    var has_recommendations: Bool
    var addenda: [InspectionPage.AddendumView]
    var has_addenda: Bool
    var present: Int
    var expected: Int
    /// Not finalised yet: printed as a draft.
    var draft: Bool
}

/// A body's year: units inspected of those in scope, never inspected, last visit, findings,
/// violations, recommendations.
struct CoveragePage: Page {
    static let template = "inspection_coverage"
    struct Line: Decodable { var name: String; var visits: Int; var last: String?; var never: Bool; var violations: Int }
    struct Count: Decodable { var label: String; var count: Int; var width: Int }
    struct Person: Decodable { var name: String; var unit: String; var count: Int }
    struct Plan: Decodable { var title: String; var decision: String?; var units: Int; var team: String; var file: String? }
    var body: UnitRef
    var bodies: [Option]
    var year: Int
    var inspected: Int
    var in_scope: Int
    var percent: Int
    var lines: [Line]
    var themes: [Count]
    var has_themes: Bool
    var kinds: [Count]
    var people: [Person]
    var has_people: Bool
    var open: Int
    var overdue: Int
    var done: Int
    var visits: Int
    var plans: [Plan]
    var has_plans: Bool
    var form: FormView
    /// Inspectors of the body may add a plan: its units, team candidates (people posted at the body).
    var can_plan: Bool
    var candidates: [Option]
    var scope_units: [Option]
}

/// The weekly duty unit: the roster, who is on duty, the week's checks per department.
struct DutyUnitPage: Page {
    static let template = "inspection_duty"
    struct Line: Decodable {
        var id: Int64
        var name: String
        var checks: Int
        var required: Int
        var short: Bool
        var on_duty: Bool
        var key_tasks: Int
        /// Open past the week's last day (nil when none).
        var overdue_tasks: Int?
        var violations: Int
        var failures: Int
        var comment: String
    }
    struct Week: Decodable { var start: String; var department: String?; var swapped: String? }
    var form: FormView
    var unit: UnitRef
    var units: [Option]
    var week: String
    var week_label: String
    var previous: String
    var next: String
    var has_roster: Bool
    var on_duty: String?
    var mine: Bool
    var lines: [Line]
    var weeks: [Week]
    var departments: [Option]
    var order: String
    var minimum: Int
    var can_manage: Bool
    /// Departments' requests to swap a week, waiting for the committee.
    struct Request: Decodable { var id: Int64; var week: String; var department: String; var reason: String; var by: String }
    var requests: [Request]
    var has_requests: Bool
    /// People of the roster's departments may ask for a swap.
    var can_request: Bool
}

/// The duty unit's report of the week for the Monday leaders' meeting: each department's checks,
/// findings and key tasks with the duty unit's comment, and a summary; on A4 and as XLSX.
struct DutyReportPage: Page {
    static let template = "inspection_duty_report"
    var form: FormView
    var unit: UnitRef
    var week: String
    var week_label: String
    var previous: String
    var next: String
    var on_duty: String?
    var lines: [DutyUnitPage.Line]
    var summary: String
    var can_comment: Bool
    var today: String
}
