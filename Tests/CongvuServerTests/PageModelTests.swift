import CongvuDomain
import Foundation
import Testing
@testable import CongvuServer

/// Every template has one typed page model, and every name a template uses is a value its model
/// (or the layout's `Chrome`) has: a misspelled key fails here instead of rendering as nothing.
/// Each model is built with every field filled (every optional present, every list with one row)
/// and rendered through the real templates.
@Suite struct PageModelTests {
    static let templates = Resources.path("templates")

    @Test func everyTemplateHasAPageModel() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.templates)
            .filter { $0.hasSuffix(".mustache") }.map { String($0.dropLast(".mustache".count)) }
        let modelled = Set(Pages.all.map { $0.template })
        let notPages: Set = ["layout", "player_states", "duty_book_sheet"]
        let missing = Set(files).subtracting(modelled).subtracting(notPages)
        #expect(missing.isEmpty, "templates without a page model: \(missing.sorted())")
        #expect(Set(files).isSuperset(of: modelled), "page models without a template: \(modelled.subtracting(files).sorted())")
    }

    @Test(arguments: Pages.all.map { PageCase($0) })
    func everyKeyTheTemplateUsesIsInItsModel(_ page: PageCase) async throws {
        let views = try await Views(templates: Self.templates, catalogs: try Catalogs.load(from: Resources.path("i18n")))
        let (model, tree) = try page.sample()
        let chrome = try SampleDecoder.tree(Chrome.self)
        let unresolved = try TemplateNames(directory: Self.templates).unresolved(page.template, in: tree.merged(with: chrome))
        #expect(unresolved.isEmpty, "\(page.template).mustache uses names its model lacks: \(unresolved)")
        let html = try page.render(model, views)
        #expect(html.contains("</html>"))
    }

    /// The check above can fail: a misspelt key, a key outside its section, and a missing partial are caught.
    @Test func theCheckCatchesWhatItShould() throws {
        struct Row: Decodable { var name: String; var done: Bool }
        struct Model: Decodable { var rows: [Row]; var title: String?; var form: FormView }
        let (_, tree) = try SampleDecoder.sample(Model.self)
        let names = TemplateNames(files: [
            "good": "{{title}}{{#rows}}{{name}}{{^done}}{{title}}{{/done}}{{/rows}}{{form.values.anything}}{{#form.errors.x}}!{{/form.errors.x}}",
            "typo": "{{#rows}}{{nmae}}{{/rows}}",
            "outside": "{{name}}{{#rows}}{{/rows}}",
            "deep": "{{rows.name.first}}",
            "partial": "{{> nowhere}}",
        ])
        #expect(try names.unresolved("good", in: tree) == [])
        #expect(try names.unresolved("typo", in: tree) == ["nmae"])
        #expect(try names.unresolved("outside", in: tree) == ["name"])
        #expect(try names.unresolved("deep", in: tree) == ["rows.name.first"])
        #expect(throws: (any Error).self) { try names.unresolved("partial", in: tree) }
    }
}

/// One page model type, for parameterised tests (named by its template).
struct PageCase: CustomTestStringConvertible, Sendable {
    let template: String
    init(_ type: any Page.Type) { template = type.template }
    var type: any Page.Type { Pages.all.first { $0.template == template }! }
    var testDescription: String { template }

    func sample() throws -> (any Page, KeyTree) { try type.sample() }

    func render(_ page: any Page, _ views: Views) throws -> String {
        try page.rendered(by: views, chrome: try SampleDecoder.sample(Chrome.self).0)
    }
}

extension Page {
    static func sample() throws -> (any Page, KeyTree) {
        let (value, tree) = try SampleDecoder.sample(Self.self)
        return (value, tree)
    }

    func rendered(by views: Views, chrome: Chrome) throws -> String { try views.render(self, chrome: chrome) }
}

// MARK: - The names a value offers

/// The names a model offers a template: its stored properties, and theirs (a list's rows are its
/// children, as a Mustache section over a list sees them). A dictionary is open: any name.
final class KeyTree: @unchecked Sendable {
    var children: [String: KeyTree] = [:]
    var open = false

    func child(_ name: String) -> KeyTree {
        if let c = children[name] { return c }
        let c = KeyTree()
        children[name] = c
        return c
    }

    func has(_ name: String) -> KeyTree? { open ? KeyTree.anything : children[name] }

    func merged(with other: KeyTree) -> KeyTree {
        let out = KeyTree()
        out.open = open || other.open
        out.children = other.children.merging(children) { _, mine in mine }
        return out
    }

    static let anything: KeyTree = { let t = KeyTree(); t.open = true; return t }()
}

/// Builds a value of a Decodable type with every field present (strings "x", numbers 1, flags
/// true, one row in every list) and records the names it asked for.
struct SampleDecoder: Decoder {
    let node: KeyTree
    var codingPath: [any CodingKey] = []
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    static func sample<T: Decodable>(_ type: T.Type) throws -> (T, KeyTree) {
        let tree = KeyTree()
        return (try T(from: SampleDecoder(node: tree)), tree)
    }

    static func tree<T: Decodable>(_ type: T.Type) throws -> KeyTree { try sample(type).1 }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        KeyedDecodingContainer(Keyed<Key>(node: node))
    }
    func unkeyedContainer() throws -> any UnkeyedDecodingContainer { Unkeyed(node: node) }
    func singleValueContainer() throws -> any SingleValueDecodingContainer { Single(node: node) }

    struct Unsupported: Error, CustomStringConvertible {
        let type: Any.Type
        var description: String { "a page model holds \(type): give it text, numbers, flags, lists and structs" }
    }

    static func primitive<T>(_ type: T.Type) throws -> T {
        switch type {
        case is String.Type: return "x" as! T
        case is Bool.Type: return true as! T
        case is Int.Type: return 1 as! T
        case is Int64.Type: return Int64(1) as! T
        case is Int32.Type: return Int32(1) as! T
        case is Double.Type: return 1.0 as! T
        default: throw Unsupported(type: type)
        }
    }

    static func value<T: Decodable>(_ type: T.Type, node: KeyTree) throws -> T {
        if let v = try? primitive(type) { return v }
        return try T(from: SampleDecoder(node: node))
    }

    struct Keyed<Key: CodingKey>: KeyedDecodingContainerProtocol {
        let node: KeyTree
        var codingPath: [any CodingKey] = []
        /// Asked only by dictionaries: they offer any name.
        var allKeys: [Key] { node.open = true; return [] }
        func contains(_ key: Key) -> Bool { true }
        func decodeNil(forKey key: Key) throws -> Bool { false }
        func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
            try SampleDecoder.value(type, node: node.child(key.stringValue))
        }
        func nestedContainer<N: CodingKey>(keyedBy type: N.Type, forKey key: Key) throws -> KeyedDecodingContainer<N> {
            KeyedDecodingContainer(Keyed<N>(node: node.child(key.stringValue)))
        }
        func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer { Unkeyed(node: node.child(key.stringValue)) }
        func superDecoder() throws -> any Decoder { SampleDecoder(node: node) }
        func superDecoder(forKey key: Key) throws -> any Decoder { SampleDecoder(node: node.child(key.stringValue)) }
    }

    /// A list of one row; the row's names are the list's own (a section over a list sees each row).
    struct Unkeyed: UnkeyedDecodingContainer {
        let node: KeyTree
        var codingPath: [any CodingKey] = []
        var count: Int? { 1 }
        var currentIndex = 0
        var isAtEnd: Bool { currentIndex >= 1 }
        mutating func decodeNil() throws -> Bool { false }
        mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
            currentIndex += 1
            return try SampleDecoder.value(type, node: node)
        }
        mutating func nestedContainer<N: CodingKey>(keyedBy type: N.Type) throws -> KeyedDecodingContainer<N> {
            currentIndex += 1
            return KeyedDecodingContainer(Keyed<N>(node: node))
        }
        mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer { currentIndex += 1; return Unkeyed(node: node) }
        mutating func superDecoder() throws -> any Decoder { SampleDecoder(node: node) }
    }

    struct Single: SingleValueDecodingContainer {
        let node: KeyTree
        var codingPath: [any CodingKey] = []
        func decodeNil() -> Bool { false }
        func decode<T: Decodable>(_ type: T.Type) throws -> T { try SampleDecoder.value(type, node: node) }
    }
}

// MARK: - The names a template uses

/// Reads Mustache templates and lists the names that do not resolve in a model's names, the way
/// Mustache resolves them: a section over a name looks in that value first, then outwards.
struct TemplateNames {
    struct MissingPartial: Error { let name: String }
    let files: [String: String]

    init(files: [String: String]) { self.files = files }

    init(directory: String) throws {
        var files: [String: String] = [:]
        for f in try FileManager.default.contentsOfDirectory(atPath: directory) where f.hasSuffix(".mustache") {
            files[String(f.dropLast(".mustache".count))] = try String(contentsOfFile: (directory as NSString).appendingPathComponent(f), encoding: .utf8)
        }
        self.files = files
    }

    enum Tag { case name(String), open(String), inverted(String), close(String), partial(String), parent(String), block(String) }

    static func tags(_ text: String) -> [Tag] {
        var out: [Tag] = []
        var rest = Substring(text)
        while let start = rest.range(of: "{{") {
            rest = rest[start.upperBound...]
            let triple = rest.hasPrefix("{")
            guard let end = rest.range(of: triple ? "}}}" : "}}") else { break }
            var body = rest[rest.startIndex..<end.lowerBound]
            rest = rest[end.upperBound...]
            if triple { body = body.dropFirst() }
            let sigil = body.first
            let name = String(body.dropFirst(sigil.map { "#^/>!<$&=".contains($0) } == true ? 1 : 0)).trimmingCharacters(in: .whitespaces)
            switch sigil {
            case "#": out.append(.open(name))
            case "^": out.append(.inverted(name))
            case "/": out.append(.close(name))
            case ">": out.append(.partial(name))
            case "<": out.append(.parent(name))
            case "$": out.append(.block(name))
            case "!", "=": break
            default: out.append(.name(name))
            }
        }
        return out
    }

    func unresolved(_ template: String, in root: KeyTree) throws -> [String] {
        var missing: [String] = []
        try check(template, stack: [root], missing: &missing)
        var seen = Set<String>()
        return missing.filter { seen.insert($0).inserted }
    }

    private func check(_ template: String, stack start: [KeyTree], missing: inout [String]) throws {
        guard let text = files[template] else { throw MissingPartial(name: template) }
        var stack = start
        // Whether each open section pushed a value onto the stack.
        var pushed: [Bool] = []
        for tag in Self.tags(text) {
            switch tag {
            case .name(let n):
                if resolve(n, stack) == nil { missing.append(n) }
            case .open(let n):
                if let node = resolve(n, stack) { stack.append(node) } else { missing.append(n); stack.append(KeyTree.anything) }
                pushed.append(true)
            case .inverted(let n):
                if resolve(n, stack) == nil { missing.append(n) }
                pushed.append(false)
            case .block:
                pushed.append(false)
            case .parent(let n):
                try check(n, stack: stack, missing: &missing)
                pushed.append(false)
            case .close:
                if pushed.popLast() == true { stack.removeLast() }
            case .partial(let n):
                try check(n, stack: stack, missing: &missing)
            }
        }
    }

    /// Mustache's lookup: "." is the current value; otherwise the first name is looked for from the
    /// innermost value outwards, and the rest inside what it found.
    private func resolve(_ name: String, _ stack: [KeyTree]) -> KeyTree? {
        if name == "." { return stack.last }
        let parts = name.split(separator: ".").map(String.init)
        guard let first = parts.first, var node = stack.reversed().lazy.compactMap({ $0.has(first) }).first else { return nil }
        for p in parts.dropFirst() {
            guard let next = node.has(p) else { return nil }
            node = next
        }
        return node
    }
}
