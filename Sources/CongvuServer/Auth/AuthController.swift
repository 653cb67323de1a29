import CongvuDomain
import CongvuStore
import Foundation
import Hummingbird
import HummingbirdOTP

/// Sign-in with password and, where enabled or required, a one-time code; sign-out; language.
struct AuthController {
    let services: AppServices

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("login", use: loginPage)
        router.post("login", use: login)
        router.get("login/2fa", use: secondFactorPage)
        router.post("login/2fa", use: secondFactor)
        router.post("logout", use: logout)
        router.get("lang/:code", use: language)
    }

    func cookie(_ name: String, _ value: String, maxAge: Int? = nil) -> Cookie {
        Cookie(name: name, value: value, maxAge: maxAge, path: "/", secure: services.config.cookiesSecure, httpOnly: true, sameSite: .lax)
    }

    /// The sign-in form carries a token matched against a cookie (no session exists yet).
    func loginPage(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        if context.principal != nil, context.session?.secondFactorPending == false { return HTMLPage.redirect("/") }
        return try renderLogin(request, context, status: .ok, error: nil, username: "")
    }

    func renderLogin(_ request: Request, _ context: AppRequestContext, status: HTTPResponse.Status, error: String?, username: String) throws -> Response {
        // The token `FormData.read` will expect: the cookie's, or a half session's own.
        let token = FormToken(request, context, secure: services.config.cookiesSecure)
        var response = try services.views.page(LoginPage(
            login_csrf: token.value, error: error, username: username,
            next: Self.safeNext(request.uri.queryParameters["next"].map(String.init)) ?? ""), context, status: status)
        if let cookie = token.cookie { response.setCookie(cookie) }
        return response
    }

    /// Only local paths are followed after sign-in (and after a one-tap decision), never another
    /// site. Browsers drop tabs and newlines from a URL and read a backslash as a slash, so
    /// `/%09/evil.example` decoded became `//evil.example`: the path must be a path both as given
    /// and decoded, with no control characters, spaces or backslashes anywhere.
    static func safeNext(_ next: String?) -> String? {
        guard let next, let decoded = next.removingPercentEncoding else { return nil }
        for candidate in [next, decoded] {
            guard candidate.hasPrefix("/"), !candidate.hasPrefix("//"), !candidate.contains("\\"),
                  !candidate.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value == 0x7F }) else { return nil }
        }
        return next
    }

    /// The browser's token of a device that signed in to an account before (see `SignInThrottle`).
    static let deviceCookie = "cv_device"

    /// The refusal a throttle decision shows, or nil to go on.
    func refusal(_ decision: SignInThrottle.Decision, _ locale: AppLocale) -> String? {
        let t = services.views.catalogs
        switch decision {
        case .allow: return nil
        case .wait(let seconds): return t.text("login_wait", locale, [seconds >= 120 ? t.text("duration_minutes", locale, [String((seconds + 59) / 60)])
                                                                                     : t.text("duration_seconds", locale, [String(seconds)])])
        case .addressBlocked: return t.text("login_throttled_address", locale)
        case .newDevicesWait: return t.text("login_new_devices_wait", locale)
        }
    }

    func login(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let form = try await FormData.read(request, context)
        let username = form["username"].trimmingCharacters(in: .whitespaces)
        let address = context.clientAddress
        let config = services.config
        let account = try await services.accounts.byUsername(username)
        let deviceToken = request.cookies[Self.deviceCookie]?.value
        var known = false
        if let account { known = try await services.accounts.isKnownDevice(userID: account.id, token: deviceToken) }
        let source = AccountStore.source(address: address, knownDevice: known ? deviceToken : nil)
        let failures = try await services.accounts.recentFailures(username: username, source: source, window: config.throttleWindow)
        let decision = config.signInThrottle.decide(failures, now: Date(), knownDevice: known, secondFactor: account?.totpEnabled ?? false)
        if let message = refusal(decision, context.locale) {
            return try renderLogin(request, context, status: .tooManyRequests, error: message, username: username)
        }
        let hash = account?.passwordHash ?? services.passwords.decoy
        let ok = try await services.passwords.verify(form["password"], hash: hash)
        guard ok, let account, !account.disabled else {
            try await services.accounts.recordFailure(username: username, source: source, userID: account?.id)
            return try renderLogin(request, context, status: .unauthorized, error: services.views.catalogs.text("login_failed", context.locale), username: username)
        }
        try await services.accounts.clearFailures(username: username, source: source)
        let principal = try await services.accounts.principal(for: account)
        let pending = account.totpEnabled || (config.requireTwoFactorForPrivileged && principal.isPrivileged)
        let (token, _) = try await services.accounts.startSession(userID: account.id, secondFactorPending: pending, address: address)
        try await services.audit.record(.init(action: .login, objectType: "user", objectID: String(account.id), after: "{\"address\":\"\(address)\"}"),
                                        by: Actor(id: account.id, name: account.username))
        var response = HTMLPage.redirect(pending ? "/login/2fa" : (Self.safeNext(form["next"]) ?? "/"))
        response.setCookie(cookie(SessionMiddleware.sessionCookie, token, maxAge: Int(AccountStore.sessionLifetime)))
        if !known {
            // From now on this browser is a known device of the account: failures elsewhere do not keep it out.
            let device = try await services.accounts.rememberDevice(userID: account.id)
            response.setCookie(cookie(Self.deviceCookie, device, maxAge: 400 * 86400))
        }
        return response
    }

    /// The second step: enter the code, or, when the policy requires it and none is set up, enrol first.
    func secondFactorPage(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        guard let session = context.session, session.secondFactorPending, let p = context.principal else { return HTMLPage.redirect("/login") }
        return try await renderSecondFactor(context, session: session, principal: p, status: .ok, error: nil)
    }

    func renderSecondFactor(_ context: AppRequestContext, session: Session, principal p: Principal, status: HTTPResponse.Status, error: String?) async throws -> Response {
        guard let account = try await services.accounts.get(p.userID) else { throw NotSignedIn() }
        var page = SecondFactorPage(second_csrf: session.csrfToken, error: error)
        if !account.totpEnabled {
            page.enrol = try await TwoFactor.enrolment(for: account, accounts: services.accounts, by: context.actor)
        }
        return try services.views.page(page, context, status: status)
    }

    func secondFactor(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        guard let session = context.session, session.secondFactorPending, let p = context.principal else { return HTMLPage.redirect("/login") }
        let form = try await FormData.read(request, context)
        // Only whoever knows the password gets here: codes are throttled per session, by doubling delays.
        let source = "2fa:" + String(Token.hash(session.id).prefix(16))
        let failures = try await services.accounts.recentFailures(username: p.username, source: source, window: services.config.throttleWindow)
        let decision = services.config.signInThrottle.decide(failures, now: Date(), knownDevice: true, secondFactor: true)
        if let message = refusal(decision, context.locale) {
            return try await renderSecondFactor(context, session: session, principal: p, status: .tooManyRequests, error: message)
        }
        guard let secret = try await services.accounts.totpSecret(userID: p.userID), TwoFactor.check(form["code"], secret: secret) else {
            try await services.accounts.recordFailure(username: p.username, source: source, userID: p.userID)
            return try await renderSecondFactor(context, session: session, principal: p, status: .unauthorized,
                                                error: services.views.catalogs.text("login_code_wrong", context.locale))
        }
        if let account = try await services.accounts.get(p.userID), !account.totpEnabled {
            try await services.accounts.setTOTP(userID: p.userID, secret: secret, enabled: true, by: context.actor)
        }
        try await services.accounts.completeSecondFactor(sessionID: session.id)
        return HTMLPage.redirect("/")
    }

    func logout(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        if let session = context.session {
            _ = try await FormData.read(request, context)
            try await services.accounts.endSession(id: session.id)
            try await services.audit.record(.init(action: .logout, objectType: "user", objectID: String(session.userID)), by: context.actor)
        }
        var response = HTMLPage.redirect("/login")
        response.setCookie(cookie(SessionMiddleware.sessionCookie, "", maxAge: 0))
        return response
    }

    /// Switches the language (a preference cookie) and returns to the page it came from.
    func language(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let code = context.parameters.get("code") ?? ""
        guard let locale = AppLocale(rawValue: code) else { throw HTTPError(.notFound) }
        var response = HTMLPage.redirect(Self.safeNext(request.uri.queryParameters["back"].map(String.init)) ?? "/")
        response.setCookie(cookie(SessionMiddleware.languageCookie, locale.rawValue, maxAge: 365 * 24 * 3600))
        return response
    }
}

/// Time-based one-time codes (RFC 6238, 30-second steps, 6 digits), as authenticator apps make them.
enum TwoFactor {
    static func newSecret() -> String {
        let alphabet = Array("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789")
        var g = SystemRandomNumberGenerator()
        return String((0..<20).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &g)] })
    }

    /// Accepts the code of the current step and of the steps either side, for clock drift.
    static func check(_ code: String, secret: String, at date: Date = Date()) -> Bool {
        let digits = code.filter { !$0.isWhitespace }
        guard digits.count == 6, let value = Int(digits) else { return false }
        let totp = TOTP(secret: secret)
        return [-30.0, 0, 30].contains { totp.compute(date: date.addingTimeInterval($0)) == value }
    }

    /// What an authenticator app needs to enrol an account not yet using codes: the otpauth URL
    /// and the key to type by hand. The seed is created (sealed, not yet enabled) on first need.
    /// What an authenticator app needs: the otpauth URL (for a QR code) and the key to type by hand.
    struct Enrolment: Decodable { var url: String; var key: String }

    static func enrolment(for account: Account, accounts: AccountStore, by actor: Actor) async throws -> Enrolment {
        var secret = try await accounts.totpSecret(userID: account.id)
        if secret == nil {
            secret = newSecret()
            try await accounts.setTOTP(userID: account.id, secret: secret, enabled: false, by: actor)
        }
        let url = TOTP(secret: secret!).createAuthenticatorURL(label: account.username, issuer: "Congvu")
        return Enrolment(url: url, key: manualKey(url))
    }

    /// The base32 key from an otpauth URL, in groups of four, for typing into an app by hand.
    static func manualKey(_ url: String) -> String {
        guard let r = url.range(of: "secret=") else { return "" }
        let key = url[r.upperBound...].prefix { $0 != "&" }
        return stride(from: 0, to: key.count, by: 4).map { i in
            String(key.dropFirst(i).prefix(4))
        }.joined(separator: " ")
    }
}

struct LoginPage: Page {
    static let template = "login"
    var login_csrf: String
    var error: String?
    var username: String
    var next: String
}

struct SecondFactorPage: Page {
    static let template = "second_factor"
    var second_csrf: String
    var error: String?
    var enrol: TwoFactor.Enrolment?
}
