/// The one-stop desk's page models (see `Page`).

/// A dossier as every list shows it; the book and the report's overdue list fill their own columns.
struct DossierSummary: Decodable {
    struct Timeliness: Decodable { var key: String; var label: String }
    var id: Int64
    var code: String
    var procedure: String
    var procedure_code: String
    var applicant: String
    var status: Int
    var status_label: String
    var unit: String
    var current_unit: String
    var received: String?
    var submitted: String
    var due: String?
    var overdue: Bool
    var standing: Timeliness?
    var promised: String?
    var channel: String
    var step: String?
    // The tracking book's columns.
    var n: Int?
    var resolved: String?
    var delivered: String?
    var timeliness: Timeliness?
    // The report's overdue list.
    var resolved_late = false
    var cause: String?
    var apologised = false
}

struct Choice: Decodable {
    var id: Int64
    var name: String
    var selected: Bool
}

struct OneStopPage: Page {
    static let template = "one-stop"
    struct Filter: Decodable { var key: String; var label: String; var selected: Bool }
    var filters: [Filter]
    var filter: String
    var q: String
    var rows: [DossierSummary]
    var has_rows: Bool
    var apologies: [DossierSummary]
    var has_apologies: Bool
    var can_receive: Bool
    var can_manage: Bool
}

struct IntakePage: Page {
    static let template = "one-stop-intake"
    struct ProcedureChoice: Decodable { var id: Int64; var label: String; var selected: Bool }
    struct Procedure: Decodable {
        struct Document: Decodable {
            var index: Int
            var name: String
            var quantity: String
            var required_form: String
            var checked: Bool
            var forms: [Option]
        }
        var id: Int64
        var name: String
        var code: String
        var time: String
        var fee: Int
        var documents: [Document]
    }
    var form: FormView
    var procedures: [ProcedureChoice]
    var counters: [Choice]
    var channels: [Option]
    var procedure: Procedure?
}

struct Applicant: Decodable {
    var name: String
    var id_number: String?
    var address: String?
    var phone: String?
    var email: String?
    var owner: String?
}

struct DossierDocument: Decodable {
    var n: Int
    var name: String
    var form: String
    var quantity: Int
}

struct Apology: Decodable {
    var at: String
    var promised: String
    var reason: String
}

struct DossierPage: Page {
    static let template = "one-stop-dossier"
    struct Event: Decodable {
        var at: String
        var actor: String
        var action: String
        var status: String
        var note: String?
        var to_unit: String?
        var step: String?
        var step_due: String?
        var step_result: DossierSummary.Timeliness?
    }
    struct Pause: Decodable { var from: String; var to: String?; var status: String }
    struct Step: Decodable { var name: String; var selected: Bool }
    struct Printable: Decodable { var key: String; var label: String }
    var form: FormView
    var d: DossierSummary
    var version: Int
    var received_now: Bool
    var applicant: Applicant
    var documents: [DossierDocument]
    var legal_due: String?
    var supplement_due: String?
    var apology: Apology?
    var resolved: String?
    var timeliness: DossierSummary.Timeliness?
    var events: [Event]
    var pauses: [Pause]
    var has_pauses: Bool
    var can_act: Bool
    var actions: [Option]
    var has_actions: Bool
    var units: [Choice]
    var steps: [Step]
    var forms: [Printable]
    var can_rate: Bool
    var rated: Bool
}

/// A printed form of a dossier: receipt, control slip, supplement request, refusal, apology.
struct PrintPage: Page {
    static let template = "one-stop-print"
    struct Row: Decodable {
        var n: Int
        var at: String
        var actor: String
        var action: String
        var step: String
        var step_due: String
        var result: DossierSummary.Timeliness?
        var note: String
    }
    var form: String
    var title: String
    var is_receipt: Bool
    var is_control: Bool
    var is_supplement: Bool
    var is_refusal: Bool
    var is_apology: Bool
    var d: DossierSummary
    var unit_name: String
    var parent_name: String?
    var address: String?
    var applicant: Applicant
    var documents: [DossierDocument]
    var sets: Int
    var return_by: String
    var time: String
    var received_at: String
    var public_url_warning: String?
    /// SVG drawn by the server.
    var qr: String
    var barcode: String
    var tracking_url: String
    var supplement_note: String
    var supplement_due: String?
    var refusal_note: String
    var apology: Apology
    var rows: [Row]
    var today: String
}

/// The tracking book (sổ theo dõi hồ sơ), printed with the audit checkpoint.
struct BookPage: Page {
    static let template = "one-stop-book"
    var auditAnchor: String?
    var layout: PageLayout { PageLayout(auditAnchor: auditAnchor) }
    var from: String
    var to: String
    var from_vn: String
    var to_vn: String
    var rows: [DossierSummary]
}

struct ProceduresPage: Page {
    static let template = "one-stop-procedures"
    struct Procedure: Decodable {
        var code: String
        var name: String
        var field: String
        var version: Int
        var time: String
        var online: String
        var fee: Int
        var posted: Bool
        var valid: Bool
        var valid_from: String
        var valid_to: String?
        var documents: Int
        var steps: Int
    }
    struct Figures: Decodable {
        struct Level: Decodable { var label: String; var count: Int }
        var total: Int
        var posted: Int
        var share: Double
        var levels: [Level]
    }
    struct Counter: Decodable { var unit: String; var agency: String; var address: String?; var phone: String? }
    struct CounterUnit: Decodable { var id: Int64; var name: String }
    var form: FormView
    var q: String
    var procedures: [Procedure]
    var figures: Figures
    var can_manage: Bool
    var levels: [Option]
    var online_levels: [Option]
    var counters: [Counter]
    var has_counters: Bool
    var counter_units: [CounterUnit]
}
