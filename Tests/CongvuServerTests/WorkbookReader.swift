import Foundation
import ZIPFoundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// Reads back a workbook we send the way a spreadsheet program would: the ZIP archive opened, the
/// workbook's sheet list and each sheet's XML parsed by libxml2 (Foundation's XMLParser), inline
/// strings and numbers collected per row. A malformed archive or XML fails the test.
struct WorkbookReader {
    struct Unreadable: Error { var what: String }

    /// Sheet names in order, each with its rows of cell texts.
    let sheets: [(name: String, rows: [[String]])]

    init(_ data: Data) throws {
        let archive = try Archive(data: data, accessMode: .read)
        func file(_ path: String) throws -> Data {
            guard let entry = archive[path] else { throw Unreadable(what: path) }
            var out = Data()
            _ = try archive.extract(entry) { out.append($0) }
            return out
        }
        let names = try Collector(try file("xl/workbook.xml"), element: "sheet", attribute: "name").values
        sheets = try names.enumerated().map { i, name in
            (name, try Collector(try file("xl/worksheets/sheet\(i + 1).xml"), element: "row", attribute: nil).rows)
        }
    }

    subscript(name: String) -> [[String]]? { sheets.first { $0.name == name }?.rows }

    /// One SAX pass: an attribute of every `element`, or the text of `<t>` and `<v>` per `<row>`.
    final class Collector: NSObject, XMLParserDelegate {
        let element: String
        let attribute: String?
        var values: [String] = []
        var rows: [[String]] = []
        var text: String?

        init(_ data: Data, element: String, attribute: String?) throws {
            self.element = element
            self.attribute = attribute
            super.init()
            let parser = XMLParser(data: data)
            parser.delegate = self
            guard parser.parse() else { throw Unreadable(what: parser.parserError.map { "\($0)" } ?? "xml") }
        }

        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                    attributes: [String: String] = [:]) {
            if name == element, let attribute { values.append(attributes[attribute] ?? "") }
            if name == "row" && attribute == nil { rows.append([]) }
            if name == "t" || name == "v" { text = "" }
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) { text? += string }

        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            if (name == "t" || name == "v"), let t = text, !rows.isEmpty { rows[rows.count - 1].append(t); text = nil }
        }
    }
}
