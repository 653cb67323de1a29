/// A problem with one field of user input. `key` names a message in the catalogs
/// (`error.<key>`), never a sentence: the server translates it.
public struct FieldError: Error, Equatable, Sendable {
    public let field: String
    public let key: String

    public init(_ field: String, _ key: String) {
        self.field = field
        self.key = key
    }
}

/// All the problems found in one submission.
public struct ValidationErrors: Error, Equatable, Sendable {
    public var errors: [FieldError]

    public init(_ errors: [FieldError] = []) { self.errors = errors }

    public var isEmpty: Bool { errors.isEmpty }

    public mutating func add(_ field: String, _ key: String) {
        errors.append(FieldError(field, key))
    }

    public func first(for field: String) -> FieldError? {
        errors.first { $0.field == field }
    }

    public func throwIfAny() throws {
        if !errors.isEmpty { throw self }
    }
}

extension String {
    /// The text with surrounding white space removed and inner runs of white space collapsed to one space.
    public var tidied: String {
        split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
    }
}

/// Contact details as people type them.
public enum Contact {
    /// A phone number without spaces, dots and dashes (9–12 digits, `+` allowed first); nil when it
    /// is not one, "" when nothing was typed.
    public static func phone(_ text: String) -> String? {
        let phone = text.filter { !$0.isWhitespace && $0 != "." && $0 != "-" }
        if phone.isEmpty { return "" }
        guard phone.count >= 9, phone.count <= 12, phone.dropFirst(phone.hasPrefix("+") ? 1 : 0).allSatisfy(\.isASCIIDigit) else { return nil }
        return phone
    }

    /// A plausible e-mail address (empty counts as absent).
    public static func isEmail(_ text: String) -> Bool {
        let parts = text.split(separator: "@")
        return parts.count == 2 && parts[1].contains(".") && !text.contains(" ")
    }
}
