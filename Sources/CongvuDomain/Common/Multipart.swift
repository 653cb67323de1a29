import Foundation

/// `multipart/form-data` and `multipart/mixed` bodies (RFC 7578, RFC 2046), read one way for the
/// office's uploads and for Hikvision terminals' events. Parts are separated by `--boundary`
/// lines; a part's headers end at its first blank line (CRLF CRLF, or LF LF from firmware that
/// writes bare newlines); the CRLF before the next delimiter belongs to the delimiter. A body
/// without its closing `--boundary--` is read up to its last complete part.
public enum Multipart {
    public struct Part: Sendable, Equatable {
        /// Header names lower-cased.
        public var headers: [String: String]
        public var content: Data

        /// `name` and `filename` of `Content-Disposition`.
        public var name: String? { disposition("name") }
        public var filename: String? { disposition("filename") }
        public var contentType: String { headers["content-type"] ?? "" }

        func disposition(_ attribute: String) -> String? {
            guard let value = headers["content-disposition"] else { return nil }
            for item in value.split(separator: ";").dropFirst() {
                let kv = item.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                guard kv.count == 2, kv[0].lowercased() == attribute else { continue }
                return kv[1].count >= 2 && kv[1].hasPrefix("\"") && kv[1].hasSuffix("\"") ? String(kv[1].dropFirst().dropLast()) : kv[1]
            }
            return nil
        }
    }

    public struct Malformed: Error, Equatable {
        public let reason: String
    }

    /// `multipart/form-data; boundary="x y"` → `x y`; nil when the type is not multipart or names none.
    public static func boundary(contentType: String) -> String? {
        guard contentType.lowercased().hasPrefix("multipart/") else { return nil }
        for item in contentType.split(separator: ";").dropFirst() {
            let kv = item.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard kv.count == 2, kv[0].lowercased() == "boundary" else { continue }
            let value = kv[1].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            return (1...70).contains(value.utf8.count) ? value : nil
        }
        return nil
    }

    public static func parts(_ body: Data, boundary: String) throws -> [Part] {
        guard !boundary.isEmpty else { throw Malformed(reason: "boundary") }
        let body = Data(body)  // indices from zero
        let delimiter = Data("--\(boundary)".utf8)
        guard let first = body.range(of: delimiter) else { throw Malformed(reason: "no_delimiter") }
        var parts: [Part] = []
        var cursor = first.upperBound
        while cursor < body.endIndex {
            // After a delimiter: "--" closes the body; otherwise the rest of the line, then a part.
            if body[cursor...].starts(with: Data("--".utf8)) { return parts }
            guard let lineEnd = body[cursor...].firstIndex(of: 10) else { break }
            let start = lineEnd + 1
            guard let next = body.range(of: delimiter, in: start..<body.endIndex) else { break }
            var end = next.lowerBound
            if end > start, body[end - 1] == 10 { end -= 1 }
            if end > start, body[end - 1] == 13 { end -= 1 }
            parts.append(try part(body[start..<end]))
            cursor = next.upperBound
        }
        guard !parts.isEmpty else { throw Malformed(reason: "no_part") }
        return parts
    }

    static func part(_ bytes: Data) throws -> Part {
        // A part without headers starts with the blank line itself (or is nothing at all).
        if bytes.isEmpty { return Part(headers: [:], content: Data()) }
        for blank in ["\r\n", "\n"] where bytes.starts(with: Data(blank.utf8)) {
            return Part(headers: [:], content: Data(bytes.dropFirst(blank.utf8.count)))
        }
        let crlf = bytes.range(of: Data("\r\n\r\n".utf8)), lf = bytes.range(of: Data("\n\n".utf8))
        guard let split = [crlf, lf].compactMap({ $0 }).min(by: { $0.lowerBound < $1.lowerBound }) else { throw Malformed(reason: "headers") }
        let headerText = String(decoding: bytes[bytes.startIndex..<split.lowerBound], as: UTF8.self)
        var headers: [String: String] = [:]
        for line in headerText.split(whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            guard let colon = line.firstIndex(of: ":") else { throw Malformed(reason: "header") }
            headers[line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()] = line[line.index(after: colon)...]
                .trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return Part(headers: headers, content: Data(bytes[split.upperBound...]))
    }
}
