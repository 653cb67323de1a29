import CongvuDomain
import CongvuStore
import Foundation
import Hummingbird
import HTTPTypes
import Logging

/// Turns every error into a page in the user's language or, under `/api` (and the nodes' `/internal`), into
/// `{"error": {"code", "message"}}` with the right status. Only faults of the server itself
/// become a 500, and those are logged with their detail.
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let views: Views

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let (status, code) = Self.classify(error)
            if status == .internalServerError {
                context.logger.error("request failed", metadata: ["error": "\(String(reflecting: error))", "path": "\(request.uri.path)"])
            }
            // A rule that refused the input, or a refusal, says which in the user's language; otherwise the status's message.
            let message = (error as? ValidationErrors)?.errors.first.map { views.catalogs.error($0.key, context.locale) }
                ?? (error as? Refusal).map { views.catalogs.error($0.key, context.locale) }
                ?? views.catalogs.text("http_\(code)", context.locale)
            if request.uri.path.hasPrefix("/api") || request.uri.path.hasPrefix("/internal/") {
                return APIError.response(status: status, code: code, message: message)
            }
            do {
                return try views.page(ErrorPage(status: status.code, message: message, reload: code == "csrf"), context, status: status)
            } catch {
                return Response(status: status, body: .init(byteBuffer: ByteBuffer(string: message)))
            }
        }
    }

    static func classify(_ error: any Error) -> (HTTPResponse.Status, String) {
        switch error {
        case is CSRFError: return (.forbidden, "csrf")
        case is Forbidden: return (.forbidden, "forbidden")
        case is NotSignedIn: return (.unauthorized, "unauthorized")
        case StoreError.notFound: return (.notFound, "not_found")
        case StoreError.conflict: return (.conflict, "conflict")
        case is ValidationErrors, is ImportFileError: return (.badRequest, "bad_request")
        case let r as Refusal: return (r.status, r.key)
        case let e as HTTPError:
            switch e.status {
            case .notFound: return (.notFound, "not_found")
            case .badRequest: return (.badRequest, "bad_request")
            case .contentTooLarge: return (.contentTooLarge, "too_large")
            case .methodNotAllowed: return (.methodNotAllowed, "method_not_allowed")
            case .unauthorized: return (.unauthorized, "unauthorized")
            case .forbidden: return (.forbidden, "forbidden")
            case .tooManyRequests: return (.tooManyRequests, "too_many_requests")
            default: return e.status.code < 500 ? (e.status, "bad_request") : (.internalServerError, "internal")
            }
        default: return (.internalServerError, "internal")
        }
    }
}

/// The object exists but lies outside every scope the principal holds the permission in.
struct Forbidden: Error {}

/// A request refused for a reason the user should read, with the status that fits (nothing recorded
/// there: 404; a program the server lacks: 503): `key` names a catalog message (`error_<key>`), which
/// the error page shows and the API returns as its code.
struct Refusal: Error {
    let status: HTTPResponse.Status
    let key: String
}
/// A page or API call that needs a signed-in user.
struct NotSignedIn: Error {}

/// The API's one error shape: `{"error": {"code": …, "message": …}}`. Handlers do not build it:
/// they throw (`Refusal`, `ValidationErrors`, `StoreError`…) and `ErrorMiddleware` answers.
enum APIError {
    struct Body: Encodable {
        struct Detail: Encodable {
            let code: String
            let message: String
        }
        let error: Detail
    }

    static func response(status: HTTPResponse.Status, code: String, message: String) -> Response {
        JSONReply.response(Body(error: .init(code: code, message: message)), status: status)
    }
}

/// The one way JSON is written: typed values through the API's encoder (snake_case, sorted keys).
enum JSONReply {
    static func response(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
        let body = (try? AppRequestContext.json(value)) ?? Data("{}".utf8)
        return Response(status: status, headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"],
                        body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}

/// Reads the language cookie and the session cookie, and loads who is signed in.
struct SessionMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let accounts: AccountStore

    static let sessionCookie = "cv_session"
    static let languageCookie = "cv_lang"

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        context.requestPath = request.uri.path + (request.uri.query.map { "?" + $0 } ?? "")
        if let lang = request.cookies[Self.languageCookie]?.value, let locale = AppLocale(rawValue: lang) {
            context.locale = locale
        }
        if let token = request.cookies[Self.sessionCookie]?.value, token.count == 64,
           let (session, principal) = try await accounts.signedIn(token: token) {
            context.session = session
            context.principal = principal
        }
        return try await next(request, context)
    }
}

/// Pages behind sign-in: anyone not fully signed in is sent to the sign-in page.
struct RequireSignIn: RouterMiddleware {
    typealias Context = AppRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard context.principal != nil, let session = context.session else {
            let target = request.uri.path == "/" ? "" : "?next=" + (request.uri.path.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")
            return HTMLPage.redirect("/login" + target)
        }
        if session.secondFactorPending { return HTMLPage.redirect("/login/2fa") }
        return try await next(request, context)
    }
}

/// API calls: `Authorization: Bearer <token>` or 401.
struct APITokenMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let accounts: AccountStore

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization], header.lowercased().hasPrefix("bearer "),
              let principal = try await accounts.principal(apiToken: String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces)) else {
            throw NotSignedIn()
        }
        var context = context
        context.principal = principal
        return try await next(request, context)
    }
}

/// Resolves the client's address once per request, for throttles and logs.
struct ClientAddressMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let trusted: [String]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        context.resolvedClientAddress = ClientAddress.resolve(peer: context.remoteAddress?.ipAddress,
                                                              forwardedFor: request.headers[HTTPField.Name("X-Forwarded-For")!], trusted: trusted)
        return try await next(request, context)
    }
}

/// Headers every response carries; HSTS when the public address is https.
struct SecurityHeadersMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    var strictTransport = false

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        if strictTransport { response.headers[HTTPField.Name("Strict-Transport-Security")!] = "max-age=31536000" }
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[HTTPField.Name("X-Frame-Options")!] = "DENY"
        response.headers[HTTPField.Name("Referrer-Policy")!] = "same-origin"
        response.headers[.contentSecurityPolicy] = "default-src 'self'; img-src 'self' data:; media-src 'self' blob:; frame-ancestors 'none'; form-action 'self'"
        return response
    }
}

extension AppRequestContext {
    /// The signed-in principal, or an error that becomes a 401.
    /// The principal, fully signed in: a session still waiting for its second factor is not (the
    /// one check every route and router goes through, the WebSocket router's included).
    func signedIn() throws -> Principal {
        guard let p = principal, session?.secondFactorPending != true else { throw NotSignedIn() }
        return p
    }

    /// Checks `permission` on an object living at one of `paths` (403 otherwise).
    @discardableResult
    func require(_ permission: Permission, atAnyOf paths: [String]) throws -> Principal {
        let p = try signedIn()
        guard p.allows(permission, atAnyOf: paths) else { throw Forbidden() }
        return p
    }

    /// Checks that `permission` is held somewhere, and returns the scopes where it is.
    func scopes(_ permission: Permission) throws -> [String] {
        let p = try signedIn()
        let scopes = p.scopes(for: permission)
        guard !scopes.isEmpty else { throw Forbidden() }
        return scopes
    }

    var actor: Actor {
        Actor(id: principal?.userID, name: principal?.username ?? "anonymous")
    }

    /// The client's address: behind a trusted reverse proxy, the one it forwarded (see `ClientAddress`).
    var clientAddress: String {
        resolvedClientAddress ?? remoteAddress?.ipAddress ?? "unknown"
    }
}

/// An error in the user's language; `reload` after a form's token expired.
struct ErrorPage: Page {
    static let template = "error"
    var status: Int
    var message: String
    var reload: Bool
}
