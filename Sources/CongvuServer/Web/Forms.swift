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
            guard let boundary = Multipart.boundary(contentType: type) else { throw HTTPError(.badRequest, message: "multipart boundary missing") }
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

    /// Every value of each field, in order (a select that allows several).
    static func parseURLEncoded(_ text: String) -> [String: [String]] {
        FormURLEncoded.pairs(text).reduce(into: [:]) { out, pair in out[pair.key, default: []].append(pair.value) }
    }

    /// A file upload: fields and files by name (see `Multipart`).
    static func parseMultipart(_ body: Data, boundary: String) throws -> FormData {
        var form = FormData()
        let parts: [Multipart.Part]
        do { parts = try Multipart.parts(body, boundary: boundary) } catch { throw HTTPError(.badRequest, message: "malformed multipart body") }
        for part in parts {
            guard let name = part.name else { continue }
            if let filename = part.filename {
                form.files[name] = (filename, part.content)
            } else {
                form.fields[name, default: []].append(String(decoding: part.content, as: UTF8.self))
            }
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
