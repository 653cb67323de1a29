import CongvuDomain
@testable import CongvuServer
import Foundation
import Testing

/// Every string a page shows comes from the catalogs, in both languages.
@Suite struct CatalogTests {
    let catalogs = try! Catalogs.load(from: Resources.path("i18n"))

    @Test func bothLanguagesHaveTheSameKeys() {
        let vi = Set(catalogs.messages[.vi]!.keys), en = Set(catalogs.messages[.en]!.keys)
        #expect(vi.subtracting(en).isEmpty, "missing in en: \(vi.subtracting(en).sorted())")
        #expect(en.subtracting(vi).isEmpty, "missing in vi: \(en.subtracting(vi).sorted())")
        #expect(catalogs.messages[.vi]!.values.allSatisfy { !$0.isEmpty })
    }

    @Test func everyKeyATemplateUsesExists() throws {
        let pattern = try NSRegularExpression(pattern: "\\{\\{[#^/]?t\\.([a-z0-9_]+)")
        for (file, text) in try templates() {
            for match in pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                let key = String(text[Range(match.range(at: 1), in: text)!])
                #expect(catalogs.messages[.vi]?[key] != nil, "\(file) uses t.\(key), which no catalog has")
            }
        }
    }

    /// Every template's name and text.
    func templates() throws -> [(file: String, text: String)] {
        let dir = Resources.path("templates")
        return try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".mustache") }.map {
            ($0, try String(contentsOfFile: dir + "/" + $0, encoding: .utf8))
        }
    }

    /// The pages' Content Security Policy forbids inline styles and scripts: a `style` attribute is
    /// silently ignored by the browser (the playback timeline piled every span at 00:00), and so is an
    /// inline event handler (the print buttons did nothing).
    @Test(arguments: [("inline style", "<[a-zA-Z][^>]*\\sstyle\\s*=|<style[\\s>]"),
                      ("inline script", "<[a-zA-Z][^>]*\\son[a-z]+\\s*=|<script(?![^>]*\\ssrc=)[^>]*>|javascript:")])
    func noTemplateReliesOnWhatThePolicyBlocks(what: String, pattern: String) throws {
        let regex = try NSRegularExpression(pattern: pattern)
        let all = try templates()
        #expect(all.count >= 10)
        for (file, text) in all {
            #expect(regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) == nil, "\(file) has an \(what)")
        }
    }

    /// Each menu link once, each with a name of its own (two were called "Máy chấm công").
    @Test func theMenuNamesEachPlaceOnce() {
        let everything = Principal(userID: 1, username: "admin", displayName: "Quản trị", personID: 1,
                                   grants: [Grant(role: .systemAdmin, unitID: 1, unitPath: "/1/")])
        let menu = Views.menu(everything)
        #expect(Set(menu.map(\.href)).count == menu.count)
        for locale in [AppLocale.vi, .en] {
            let labels = menu.map { catalogs.text($0.key, locale) }
            #expect(Set(labels).count == labels.count, "\(locale): \(labels)")
        }
        let clerk = Principal(userID: 2, username: "congchuc", displayName: "Công chức", personID: 2,
                              grants: [Grant(role: .civilServant, unitID: 1, unitPath: "/1/")])
        // The two links a phone shows: a civil servant's own attendance and own tasks.
        #expect(Views.menu(clerk).map(\.href).prefix(2) == ["/attendance/me", "/tasks"])
    }

    @Test func everyEnumerationHasALabel() {
        let keys = UnitKind.allCases.map { "unit_kind_\($0.rawValue)" } + Role.allCases.map { "role_\($0.rawValue)" }
            + StaffCategory.allCases.map { "category_\($0.rawValue)" } + Gender.allCases.map { "gender_\($0.rawValue)" }
            + AuditAction.allCases.map { "audit_action_\($0.rawValue)" } + PunchMethod.allCases.map { "punch_method_\($0.rawValue)" }
            + AttendancePolicy.TypedCards.allCases.map { "typed_cards_\($0.rawValue)" }
        for key in keys { #expect(catalogs.messages[.vi]?[key] != nil, "no label \(key)") }
    }

    /// Message keys the code raises, found in the sources, all have a message.
    @Test func everyErrorKeyInTheSourcesHasAMessage() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let sources = root.appendingPathComponent("Sources")
        let pattern = try NSRegularExpression(pattern: "(?:FieldError\\(\"[a-z_]+\", |errors\\.add\\(\"[a-z_]+\", |conflict\\(field: \"[a-z_]+\", key: |ImportFileError\\(key: |ImportIssue\\(line: [^,]+, field: \"[a-z_]+\", key: |Refusal\\(status: \\.[a-zA-Z]+, key: )\"([a-z_]+)[\":]")
        var found = Set<String>()
        for case let url as URL in FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil)! where url.pathExtension == "swift" {
            let text = try String(contentsOf: url, encoding: .utf8)
            for match in pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                found.insert(String(text[Range(match.range(at: 1), in: text)!]))
            }
        }
        #expect(found.count > 20)
        for key in found { #expect(catalogs.messages[.vi]?["error_" + key] != nil, "no message error_\(key)") }
    }
}
