import Foundation
import ZIPFoundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// Reads the first worksheet of a workbook a person uploads (Excel, LibreOffice, our own exports):
/// shared strings and inline strings, numbers as written, each cell put in its column by its
/// reference (`C7`), empty cells left empty. Only what an import needs: no formulas evaluated (their
/// last value is read), no dates converted. A file that is not a workbook is refused.
enum XLSXReader {
    struct Unreadable: Error {}

    static func firstSheet(_ data: Data) throws -> [[String]] {
        let archive: Archive
        do { archive = try Archive(data: data, accessMode: .read) } catch { throw Unreadable() }
        func file(_ path: String) throws -> Data? {
            guard let entry = archive[path] else { return nil }
            var out = Data()
            _ = try archive.extract(entry) { out.append($0) }
            return out
        }
        // The first sheet of the workbook, by its relationship; `sheet1.xml` when the parts are plain.
        var sheetPath = "xl/worksheets/sheet1.xml"
        if let workbook = try file("xl/workbook.xml"), let rels = try file("xl/_rels/workbook.xml.rels") {
            let first = try Collector(workbook).firstSheetRelation
            if let id = first, let target = try Collector(rels).relations[id] {
                sheetPath = target.hasPrefix("/") ? String(target.dropFirst()) : "xl/" + target
            }
        }
        let shared = try file("xl/sharedStrings.xml").map { try Collector($0).shared } ?? []
        guard let sheet = try file(sheetPath) else { throw Unreadable() }
        return try Collector(sheet, shared: shared).rows
    }

    /// The column index of a cell reference (`A1` → 0, `AB3` → 27).
    static func column(_ reference: String) -> Int? {
        var n = 0, letters = 0
        for c in reference.unicodeScalars {
            guard c.value >= 65 && c.value <= 90 else { break }
            n = n * 26 + Int(c.value - 64)
            letters += 1
        }
        return letters == 0 ? nil : n - 1
    }

    /// One SAX pass over a part: the workbook's first sheet, the relationships, the shared strings,
    /// or a sheet's rows.
    final class Collector: NSObject, XMLParserDelegate {
        let sharedIn: [String]
        var firstSheetRelation: String?
        var relations: [String: String] = [:]
        var shared: [String] = []
        var rows: [[String]] = []
        private var text: String?
        private var inSharedItem = false
        private var cellColumn = 0
        private var cellType = ""
        private var cellValue = ""

        init(_ data: Data, shared: [String] = []) throws {
            sharedIn = shared
            super.init()
            let parser = XMLParser(data: data)
            parser.delegate = self
            guard parser.parse() else { throw Unreadable() }
        }

        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                    attributes: [String: String] = [:]) {
            switch name {
            case "sheet" where firstSheetRelation == nil: firstSheetRelation = attributes["r:id"] ?? attributes.first { $0.key.hasSuffix(":id") }?.value
            case "Relationship": if let id = attributes["Id"], let target = attributes["Target"] { relations[id] = target }
            case "si": inSharedItem = true; shared.append("")
            case "row": rows.append([])
            case "c":
                cellColumn = attributes["r"].flatMap(XLSXReader.column) ?? (rows.last?.count ?? 0)
                cellType = attributes["t"] ?? ""
                cellValue = ""
            case "t", "v": text = ""
            default: break
            }
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) { text? += string }

        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            switch name {
            case "t", "v":
                if inSharedItem, name == "t" { shared[shared.count - 1] += text ?? "" } else { cellValue += text ?? "" }
                text = nil
            case "si": inSharedItem = false
            case "c":
                guard !rows.isEmpty else { return }
                let value = cellType == "s" ? Int(cellValue).flatMap { $0 < sharedIn.count ? sharedIn[$0] : nil } ?? "" : cellValue
                var row = rows[rows.count - 1]
                if row.count <= cellColumn { row += Array(repeating: "", count: cellColumn - row.count + 1) }
                row[cellColumn] = value
                rows[rows.count - 1] = row
            default: break
            }
        }
    }
}
