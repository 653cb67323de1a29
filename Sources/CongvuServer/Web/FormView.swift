import CongvuDomain
import CongvuStore

/// What a form page shows: the values typed so far and a message under each field at fault.
/// A page model holds it as `form` (`{{form.values.name}}`, `{{#form.errors.name}}`).
struct FormView: Decodable {
    var values: [String: String] = [:] { didSet { checked = values.filter { !$0.value.isEmpty }.mapValues { _ in true } } }
    var errors: [String: String] = [:] { didSet { has_errors = !errors.isEmpty } }
    /// `checked.<field>` is true for fields with a value: for sections and checkboxes, since
    /// Mustache here treats an empty string as true.
    private(set) var checked: [String: Bool] = [:]
    private(set) var has_errors = false

    init(values: [String: String] = [:], errors: [String: String] = [:]) {
        self.values = values
        self.errors = errors
        checked = values.filter { !$0.value.isEmpty }.mapValues { _ in true }
        has_errors = !errors.isEmpty
    }

    /// Folds a store conflict or validation failure into field messages; anything else is rethrown.
    mutating func absorb(_ error: any Error, catalogs: Catalogs, locale: AppLocale) throws {
        switch error {
        case let e as ValidationErrors:
            for f in e.errors where errors[f.field] == nil { errors[f.field] = catalogs.error(f.key, locale) }
        case StoreError.conflict(let field, let key):
            errors[field] = catalogs.error(key, locale)
        default:
            throw error
        }
    }

    /// `<option>` rows for a `<select>`.
    static func options(_ items: [(value: String, label: String)], selected: String) -> [Option] {
        items.map { Option(value: $0.value, label: $0.label, selected: $0.value == selected) }
    }
}

/// An `<option>` of a `<select>`.
struct Option: Decodable {
    var value: String
    var label: String
    var selected: Bool
}

/// A reason is required for every change to an existing record: the audit log keeps it.
func requireReason(_ form: FormData) throws -> String {
    let reason = form["reason"].tidied
    if reason.count < 3 { throw ValidationErrors([FieldError("reason", "reason_required")]) }
    return reason
}
