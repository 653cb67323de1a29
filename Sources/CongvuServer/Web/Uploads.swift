import CongvuDomain
import Foundation
import Hummingbird

/// Files people upload, recognised by their first bytes, never by their name.
enum UploadedFile {
    struct Kind: Equatable {
        var ext: String
        var mime: String
    }

    static func kind(of data: Data) -> Kind? {
        let b = [UInt8](data.prefix(8))
        if b.starts(with: [0xFF, 0xD8, 0xFF]) { return Kind(ext: "jpg", mime: "image/jpeg") }
        if b.starts(with: [0x89, 0x50, 0x4E, 0x47]) { return Kind(ext: "png", mime: "image/png") }
        if b.starts(with: Array("%PDF-".utf8)) { return Kind(ext: "pdf", mime: "application/pdf") }
        // Office documents are ZIP archives; the name of their main part says which.
        if b.starts(with: [0x50, 0x4B, 0x03, 0x04]) {
            if data.range(of: Data("word/document.xml".utf8)) != nil {
                return Kind(ext: "docx", mime: "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
            }
            if data.range(of: Data("xl/workbook.xml".utf8)) != nil {
                return Kind(ext: "xlsx", mime: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
            }
        }
        return nil
    }

    /// The kind of an upload when it is one of `kinds` and not larger than `limit` bytes; a field
    /// error on `field` otherwise, whose messages (`<messages>_type`, `<messages>_too_large`) name
    /// the kinds and the limit.
    static func accept(_ data: Data, kinds: Set<String>, limit: Int, field: String = "file", messages: String = "attachment") throws -> Kind {
        guard let kind = kind(of: data), kinds.contains(kind.ext) else { throw ValidationErrors([FieldError(field, "\(messages)_type")]) }
        guard data.count <= limit else { throw ValidationErrors([FieldError(field, "\(messages)_too_large")]) }
        return kind
    }

    static func save(_ data: Data, directory: String, name: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try data.write(to: URL(fileURLWithPath: (directory as NSString).appendingPathComponent(name)))
    }

    /// RFC 5987's attr-char: ASCII letters and digits and a few marks (`.alphanumerics` would let
    /// Vietnamese letters through unencoded).
    static let attrChars = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!#$&+-.^_`|~")

    /// A stored file sent back: its type from its bytes (the middleware forbids sniffing), private,
    /// under the name it was uploaded with (RFC 6266, UTF-8 for Vietnamese names).
    static func response(_ data: Data, name: String, inline: Bool = true) -> Response {
        let kind = kind(of: data) ?? Kind(ext: "bin", mime: "application/octet-stream")
        let ascii = String(name.unicodeScalars.map { $0.isASCII && $0 != "\"" && $0 != "\\" && $0.value >= 0x20 ? Character($0) : "_" })
        let encoded = name.addingPercentEncoding(withAllowedCharacters: Self.attrChars) ?? ascii
        return Response(status: .ok, headers: [.contentType: kind.mime, .cacheControl: "private, no-store",
                                               .contentDisposition: "\(inline ? "inline" : "attachment"); filename=\"\(ascii)\"; filename*=UTF-8''\(encoded)"],
                        body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
