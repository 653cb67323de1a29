import CongvuDomain
import CongvuStore

/// What a form page shows: the values typed so far and a message under each field at fault.
struct FormView {
    var values: [String: String] = [:]
    var errors: [String: String] = [:]

    /// `checked.<field>` is true for fields with a value: for sections and checkboxes, since
    /// Mustache here treats an empty string as true.
    var data: [String: Any] {
        ["values": values, "checked": values.filter { !$0.value.isEmpty }.mapValues { _ in true },
         "errors": errors, "has_errors": !errors.isEmpty]
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
    static func options(_ items: [(value: String, label: String)], selected: String) -> [[String: Any]] {
        items.map { ["value": $0.value, "label": $0.label, "selected": $0.value == selected] }
    }
}

/// A reason is required for every change to an existing record: the audit log keeps it.
func requireReason(_ form: FormData) throws -> String {
    let reason = form["reason"].tidied
    if reason.count < 3 { throw ValidationErrors([FieldError("reason", "reason_required")]) }
    return reason
}
