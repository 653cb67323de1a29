import CongvuDomain
import Foundation
import Hummingbird
import ZIPFoundation

/// A minimal Office Open XML worksheet (inline strings, numbers, a bold style, column widths,
/// landscape A4) and the workbook of one or several of them: what a timesheet or a report needs,
/// opened by Excel and LibreOffice.
struct XLSXSheet {
    enum Cell {
        case text(String)
        case number(Double)
        case empty
    }

    var name: String
    var title: String = ""
    var header: [String] = []
    var rows: [[Cell]] = []
    var widths: [Double] = []
    var landscape = true

    /// "A", "B", … "Z", "AA", …
    static func column(_ index: Int) -> String {
        var n = index + 1, s = ""
        while n > 0 { let r = (n - 1) % 26; s = String(UnicodeScalar(UInt8(65 + r))) + s; n = (n - 1) / 26 }
        return s
    }

    func sheetXML() -> String {
        var x = #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"# + "\n"
        x += #"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"#
        if !widths.isEmpty {
            x += "<cols>"
            for (i, w) in widths.enumerated() { x += #"<col min="\#(i + 1)" max="\#(i + 1)" width="\#(w)" customWidth="1"/>"# }
            x += "</cols>"
        }
        x += "<sheetData>"
        var r = 0
        func row(_ cells: [Cell], bold: Bool) {
            r += 1
            x += #"<row r="\#(r)">"#
            for (i, c) in cells.enumerated() {
                let ref = "\(Self.column(i))\(r)"
                let style = bold ? #" s="1""# : ""
                switch c {
                case .text(let s): x += #"<c r="\#(ref)" t="inlineStr"\#(style)><is><t>\#(XMLText.escape(s))</t></is></c>"#
                case .number(let n):
                    let text = n == n.rounded() && abs(n) < 1e15 ? String(Int(n)) : String(n)
                    x += #"<c r="\#(ref)"\#(style)><v>\#(text)</v></c>"#
                case .empty: break
                }
            }
            x += "</row>"
        }
        if !title.isEmpty { row([.text(title)], bold: true) }
        if !header.isEmpty { row(header.map { .text($0) }, bold: true) }
        for cells in rows { row(cells, bold: false) }
        x += "</sheetData>"
        x += #"<pageMargins left="0.4" right="0.4" top="0.5" bottom="0.5" header="0.3" footer="0.3"/>"#
        x += #"<pageSetup paperSize="9" orientation="\#(landscape ? "landscape" : "portrait")" fitToWidth="1" fitToHeight="0"/>"#
        x += "</worksheet>"
        return x
    }

    /// The workbook of this sheet alone.
    func data() throws -> Data { try Self.workbook([self]) }

    /// A workbook of several sheets, in order. Their names are cut to Excel's 31 characters, rid of
    /// the characters it refuses and made unique.
    static func workbook(_ sheets: [XLSXSheet]) throws -> Data {
        var names: [String] = []
        for sheet in sheets {
            let base = String(sheet.name.filter { !"[]:*?/\\".contains($0) }.prefix(28))
            var name = base.isEmpty ? "Sheet" : base, n = 1
            while names.contains(where: { $0.lowercased() == name.lowercased() }) { n += 1; name = "\(base) \(n)" }
            names.append(name)
        }
        let indices = sheets.indices.map { $0 + 1 }
        let overrides = indices.map { #"<Override PartName="/xl/worksheets/sheet\#($0).xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>"# }.joined()
        let entries = zip(indices, names).map { i, name in #"<sheet name="\#(XMLText.escape(name))" sheetId="\#(i)" r:id="rId\#(i)"/>"# }.joined()
        let relations = indices.map { #"<Relationship Id="rId\#($0)" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet\#($0).xml"/>"# }.joined()
        var files: [(String, String)] = [
            ("[Content_Types].xml", """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>\(overrides)<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>
            """),
            ("_rels/.rels", """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>
            """),
            ("xl/workbook.xml", """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>\(entries)</sheets></workbook>
            """),
            ("xl/_rels/workbook.xml.rels", """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\(relations)<Relationship Id="rId\(sheets.count + 1)" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>
            """),
            ("xl/styles.xml", """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><fonts count="2"><font><sz val="11"/><name val="Times New Roman"/></font><font><b/><sz val="11"/><name val="Times New Roman"/></font></fonts><fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills><borders count="1"><border/></borders><cellStyleXfs count="1"><xf/></cellStyleXfs><cellXfs count="2"><xf fontId="0"/><xf fontId="1" applyFont="1"/></cellXfs></styleSheet>
            """),
        ]
        for (i, sheet) in zip(indices, sheets) { files.append(("xl/worksheets/sheet\(i).xml", sheet.sheetXML())) }
        let archive = try Archive(data: Data(), accessMode: .create)
        for (path, text) in files {
            let bytes = Data(text.utf8)
            try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(bytes.count), compressionMethod: .deflate) { position, size in
                bytes.subdata(in: Int(position)..<Int(position) + size)
            }
        }
        guard let data = archive.data else { throw XLSXError() }
        return data
    }

    struct XLSXError: Error {}
}

/// Text put into XML we write ourselves (spreadsheets, SVG charts): the markup characters
/// escaped, and the control characters XML 1.0 does not allow dropped.
enum XMLText {
    static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for c in s.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default:
                if c.value < 0x20 && c != "\t" && c != "\n" && c != "\r" { continue }
                out.unicodeScalars.append(c)
            }
        }
        return out
    }
}

extension OrgUnit {
    /// The unit in a download's file name: its code (its id when it has none), letters, digits,
    /// dashes, dots and underscores only, so the name is safe in a header and on any disk.
    var fileSlug: String {
        let kept = String(code.unicodeScalars.filter { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "-_.".unicodeScalars.contains($0)) })
        return kept.isEmpty ? String(id) : kept
    }
}

extension XLSXSheet {
    /// The one way a workbook is sent: as a download named `filename`, never cached.
    static func response(_ data: Data, filename: String) -> Response {
        Response(status: .ok, headers: [.contentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                                        .contentDisposition: "attachment; filename=\"\(filename)\"", .cacheControl: "no-store"],
                 body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    func response(filename: String) throws -> Response { Self.response(try data(), filename: filename) }

    static func response(_ sheets: [XLSXSheet], filename: String) throws -> Response { response(try workbook(sheets), filename: filename) }
}
