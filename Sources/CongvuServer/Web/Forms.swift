import CongvuDomain
import CongvuStore
import Foundation
import Hummingbird

/// A submitted form: `application/x-www-form-urlencoded` or `multipart/form-data` (file uploads).
public struct FormData: Sendable {
    public var fields: [String: [String]] = [:]
    public var files: [String: (filename: String, content: Data)] = [:]

    public subscript(_ name: String) -> String { fields[name]?.first ?? "" }

    public func all(_ name: String) -> [String] { fields[name] ?? [] }

    public func int(_ name: String) -> Int64? { Int64(self[name].trimmingCharacters(in: .whitespaces)) }

    public func bool(_ name: String) -> Bool { ["on", "1", "true", "yes"].contains(self[name]) }

    /// Reads the body and, for signed-in users, checks the CSRF token against the session's.
    /// The sign-in form, posted before any session exists, is checked against its cookie instead.
    public static func read(_ request: Request, _ context: AppRequestContext) async throws -> FormData {
        let buffer = try await request.body.collect(upTo: context.maxUploadSize)
        let bytes = Data(buffer.readableBytesView)
        let type = request.headers[.contentType] ?? ""
        var form = FormData()
        if type.lowercased().hasPrefix("multipart/form-data") {
            guard let boundary = type.components(separatedBy: "boundary=").last?.trimmingCharacters(in: CharacterSet(charactersIn: "\" ")),
                  !boundary.isEmpty else { throw HTTPError(.badRequest, message: "multipart boundary missing") }
            form = try parseMultipart(bytes, boundary: boundary)
        } else {
            form.fields = parseURLEncoded(String(decoding: bytes, as: UTF8.self))
        }
        let expected = context.session?.csrfToken ?? request.cookies["cv_csrf"]?.value
        guard let expected, !expected.isEmpty, constantTimeEqual(form["_csrf"], expected) else {
            throw CSRFError()
        }
        return form
    }

    static func parseURLEncoded(_ text: String) -> [String: [String]] {
        var out: [String: [String]] = [:]
        for pair in text.split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ s: Substring) -> String {
                s.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(s)
            }
            let key = decode(kv[0])
            out[key, default: []].append(kv.count > 1 ? decode(kv[1]) : "")
        }
        return out
    }

    static func parseMultipart(_ body: Data, boundary: String) throws -> FormData {
        var form = FormData()
        let delimiter = Data("--\(boundary)".utf8)
        let headerEnd = Data("\r\n\r\n".utf8)
        var cursor = body.startIndex
        guard let first = body.range(of: delimiter, in: cursor..<body.endIndex) else { throw HTTPError(.badRequest, message: "malformed multipart body") }
        cursor = first.upperBound
        while true {
            // After a delimiter: "--" ends the body, otherwise CRLF and a part follow.
            if body[cursor...].starts(with: Data("--".utf8)) { break }
            guard body[cursor...].starts(with: Data("\r\n".utf8)) else { throw HTTPError(.badRequest, message: "malformed multipart body") }
            let partStart = cursor + 2
            guard let next = body.range(of: Data("\r\n".utf8) + delimiter, in: partStart..<body.endIndex),
                  let headersRange = body.range(of: headerEnd, in: partStart..<next.lowerBound) else {
                throw HTTPError(.badRequest, message: "malformed multipart body")
            }
            let headers = String(decoding: body[partStart..<headersRange.lowerBound], as: UTF8.self)
            let content = body[headersRange.upperBound..<next.lowerBound]
            let disposition = headers.split(separator: "\r\n").first { $0.lowercased().hasPrefix("content-disposition") } ?? ""
            func attribute(_ name: String) -> String? {
                guard let r = disposition.range(of: "\(name)=\"") else { return nil }
                let rest = disposition[r.upperBound...]
                return rest.firstIndex(of: "\"").map { String(rest[..<$0]) }
            }
            if let name = attribute("name") {
                if let filename = attribute("filename") {
                    form.files[name] = (filename, Data(content))
                } else {
                    form.fields[name, default: []].append(String(decoding: content, as: UTF8.self))
                }
            }
            cursor = next.upperBound
        }
        return form
    }

    static func constantTimeEqual(_ a: String, _ b: String) -> Bool { Token.equal(a, b) }
}

/// The CSRF token a page's form carries, as `FormData.read` checks it: the session's, or for a
/// visitor without a session (a citizen, a counter tablet) a token kept in a cookie.
struct FormToken {
    let value: String
    /// To set on the response when the token lives in a cookie.
    let cookie: Cookie?

    init(_ request: Request, _ context: AppRequestContext, secure: Bool) {
        if let session = context.session {
            value = session.csrfToken
            cookie = nil
        } else {
            value = request.cookies["cv_csrf"]?.value ?? Token.random(bytes: 24)
            cookie = Cookie(name: "cv_csrf", value: value, path: "/", secure: secure, httpOnly: true, sameSite: .lax)
        }
    }
}

/// A form posted without the token of the session that rendered it.
public struct CSRFError: Error {}
