import CongvuDomain
import Foundation

/// The message catalogs (`Resources/i18n/vi.json`, `en.json`): every user-facing string lives there.
/// Vietnamese is the default; a key missing in English falls back to Vietnamese.
public struct Catalogs: Sendable {
    public let messages: [AppLocale: [String: String]]
    /// Each language's full table (Vietnamese filling its gaps), built once: every page uses one.
    private let tables: [AppLocale: [String: String]]

    public init(messages: [AppLocale: [String: String]]) {
        self.messages = messages
        let vi = messages[.vi] ?? [:]
        tables = Dictionary(uniqueKeysWithValues: AppLocale.allCases.map { locale in
            (locale, vi.merging(messages[locale] ?? [:]) { _, translated in translated })
        })
    }

    public static func load(from directory: String) throws -> Catalogs {
        var messages: [AppLocale: [String: String]] = [:]
        for locale in AppLocale.allCases {
            let url = URL(fileURLWithPath: directory).appendingPathComponent("\(locale.rawValue).json")
            messages[locale] = try JSONDecoder().decode([String: String].self, from: Data(contentsOf: url))
        }
        return Catalogs(messages: messages)
    }

    public func table(_ locale: AppLocale) -> [String: String] { tables[locale] ?? [:] }

    public func text(_ key: String, _ locale: AppLocale) -> String {
        messages[locale]?[key] ?? messages[.vi]?[key] ?? key
    }

    /// A message with its arguments in place of `{0}`, `{1}`…
    public func text(_ key: String, _ locale: AppLocale, _ args: [String]) -> String {
        var s = text(key, locale)
        for (i, a) in args.enumerated() { s = s.replacingOccurrences(of: "{\(i)}", with: a) }
        return s
    }

    /// A validation message: `error.<key>`, where a key may carry an argument after a colon
    /// (`import_missing_column:full_name`) that replaces `{0}` in the message.
    public func error(_ key: String, _ locale: AppLocale) -> String {
        let parts = key.split(separator: ":", maxSplits: 1).map(String.init)
        return text("error_" + parts[0], locale, Array(parts.dropFirst()))
    }

    /// Labels for enumerations: `unit_kind_commune`, `category_civil_servant`, `role_leader`…
    public func label(_ prefix: String, _ raw: String, _ locale: AppLocale) -> String {
        text("\(prefix)_\(raw)", locale)
    }
}
