/// RFC 4180 CSV as spreadsheets write it: UTF-8 with or without a byte-order mark, comma or
/// semicolon separated (Vietnamese Excel often uses `;`), quoted fields with doubled quotes and
/// line breaks inside, CRLF or LF line ends.
public enum CSV {
    public struct ParseError: Error, Equatable, Sendable {
        public let line: Int
    }

    public static func parse(_ input: String) throws -> [[String]] {
        var text = Substring(input)
        if text.first == "\u{FEFF}" { text = text.dropFirst() }
        let delimiter = detectDelimiter(text)
        var rows: [[String]] = []
        var row: [String] = []
        var field = ""
        var inQuotes = false
        var fieldWasQuoted = false
        var line = 1
        var iterator = text.makeIterator()
        var pending: Character? = nil
        func next() -> Character? {
            if let p = pending { pending = nil; return p }
            return iterator.next()
        }
        while let ch = next() {
            if inQuotes {
                if ch == "\"" {
                    if let after = next() {
                        if after == "\"" { field.append("\"") } else { inQuotes = false; pending = after }
                    } else { inQuotes = false }
                } else {
                    if ch == "\n" || ch == "\r\n" { line += 1 }
                    field.append(ch)
                }
                continue
            }
            switch ch {
            case "\"":
                if field.isEmpty && !fieldWasQuoted { inQuotes = true; fieldWasQuoted = true } else { throw ParseError(line: line) }
            case delimiter:
                row.append(field); field = ""; fieldWasQuoted = false
            case "\n", "\r\n", "\r":
                row.append(field); field = ""; fieldWasQuoted = false
                if !(row.count == 1 && row[0].isEmpty) { rows.append(row) }
                row = []
                line += 1
            default:
                if fieldWasQuoted { throw ParseError(line: line) }
                field.append(ch)
            }
        }
        if inQuotes { throw ParseError(line: line) }
        if !field.isEmpty || !row.isEmpty || fieldWasQuoted {
            row.append(field)
            rows.append(row)
        }
        return rows
    }

    static func detectDelimiter(_ text: Substring) -> Character {
        let header = text.prefix { $0 != "\n" && $0 != "\r\n" && $0 != "\r" }
        let commas = header.filter { $0 == "," }.count
        let semicolons = header.filter { $0 == ";" }.count
        return semicolons > commas ? ";" : ","
    }

    /// Rows as dictionaries keyed by the header's folded names, with the 1-based line of each
    /// row in the file (the header is line 1).
    public static func records(_ input: String, aliases: [String: String]) throws -> (header: [String], rows: [(line: Int, values: [String: String])]) {
        records(table: try parse(input), aliases: aliases)
    }

    /// The same from rows already split into cells (a workbook's sheet).
    public static func records(table: [[String]], aliases: [String: String]) -> (header: [String], rows: [(line: Int, values: [String: String])]) {
        guard let first = table.first else { return ([], []) }
        let header = first.map { name -> String in
            let folded = SearchKey.fold(name).replacingOccurrences(of: " ", with: "_")
            return aliases[folded] ?? folded
        }
        var out: [(Int, [String: String])] = []
        for (index, cells) in table.dropFirst().enumerated() {
            if cells.allSatisfy({ $0.tidied.isEmpty }) { continue }
            var values: [String: String] = [:]
            for (i, name) in header.enumerated() where i < cells.count {
                values[name] = cells[i].trimmingCharacters(in: .whitespacesAndNewlines)
            }
            out.append((index + 2, values))
        }
        return (header, out)
    }
}

import Foundation

extension CSV {
    /// Rows written as CSV (RFC 4180: fields with a comma, quote or line break quoted, quotes
    /// doubled; CRLF), with a byte-order mark so that spreadsheet programs read it as UTF-8.
    public static func write(_ rows: [[String]]) -> String {
        "\u{FEFF}" + rows.map { row in
            row.map { f in
                f.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" || $0 == ";" }) ? "\"" + f.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : f
            }.joined(separator: ",")
        }.joined(separator: "\r\n") + "\r\n"
    }
}
