import CongvuDomain
import CongvuStore
import Foundation
import Hummingbird

/// The signed-in person's own account: password, two-factor sign-in, API tokens.
struct AccountController {
    let services: AppServices
    var catalogs: Catalogs { services.views.catalogs }

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get(use: page)
        group.post("password", use: changePassword)
        group.post("2fa", use: enableTwoFactor)
        group.post("tokens", use: issueToken)
        group.post("tokens/:id/revoke", use: revokeToken)
        group.post("sign-in-alerts/seen", use: signInAlertsSeen)
    }

    /// The account page; `shown` sets what a failed or finished step says (an error, a new token).
    func render(_ context: AppRequestContext, status: HTTPResponse.Status = .ok, _ shown: (inout AccountPage) -> Void = { _ in }) async throws -> Response {
        let p = try context.signedIn()
        guard let account = try await services.accounts.get(p.userID) else { throw NotSignedIn() }
        let now = Date()
        let tokens = try await services.accounts.tokens(userID: p.userID).map { t in
            AccountPage.Token(id: t.id, name: t.name, created: Instant.display(t.createdAt),
                              expires: t.expiresAt.map { Instant.display($0) } ?? catalogs.text("account_token_no_expiry", context.locale),
                              last_used: t.lastUsedAt.map { Instant.display($0) } ?? catalogs.text("account_token_never_used", context.locale),
                              usable: t.usable(at: now),
                              state: catalogs.text(t.revoked ? "account_token_revoked" : t.usable(at: now) ? "account_token_active" : "account_token_expired", context.locale))
        }
        var page = AccountPage(account: .init(username: account.username, name: account.displayName, totp: account.totpEnabled),
                               tokens: tokens, has_tokens: !tokens.isEmpty,
                               lifetimes: AccountStore.tokenLifetimes.map { .init(days: $0, selected: $0 == 90) })
        if !account.totpEnabled {
            page.enrol = try await TwoFactor.enrolment(for: account, accounts: services.accounts, by: context.actor)
        }
        shown(&page)
        return try services.views.page(page, context, status: status)
    }

    func page(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        try await render(context)
    }

    func changePassword(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let p = try context.signedIn()
        let form = try await FormData.read(request, context)
        guard let account = try await services.accounts.get(p.userID) else { throw NotSignedIn() }
        guard try await services.passwords.verify(form["current"], hash: account.passwordHash) else {
            return try await render(context, status: .badRequest) { $0.password_error = catalogs.error("password_wrong", context.locale) }
        }
        guard Passwords.acceptable(form["new"]) else {
            return try await render(context, status: .badRequest) { $0.password_error = catalogs.error("password_weak", context.locale) }
        }
        try await services.accounts.setPassword(userID: p.userID, passwordHash: try await services.passwords.hash(form["new"]),
                                                by: context.actor, reason: "self-service")
        return HTMLPage.redirect("/login")
    }

    func enableTwoFactor(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let p = try context.signedIn()
        let form = try await FormData.read(request, context)
        guard let secret = try await services.accounts.totpSecret(userID: p.userID), TwoFactor.check(form["code"], secret: secret) else {
            return try await render(context, status: .badRequest) { $0.totp_error = catalogs.text("login_code_wrong", context.locale) }
        }
        try await services.accounts.setTOTP(userID: p.userID, secret: secret, enabled: true, by: context.actor)
        return HTMLPage.redirect("/account")
    }

    /// The token is shown once; only its hash is kept.
    func issueToken(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let p = try context.signedIn()
        let form = try await FormData.read(request, context)
        let name = form["name"].tidied
        guard !name.isEmpty else {
            return try await render(context, status: .badRequest) { $0.token_error = catalogs.error("required", context.locale) }
        }
        let days = Int(form["days"]) ?? 90
        guard AccountStore.tokenLifetimes.contains(days) else {
            return try await render(context, status: .badRequest) { $0.token_error = catalogs.error("invalid", context.locale) }
        }
        let token = try await services.accounts.issueAPIToken(userID: p.userID, name: name, days: days, by: context.actor)
        return try await render(context) { $0.new_token = token }
    }

    /// One of one's own tokens stops working at once (audited).
    func revokeToken(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let p = try context.signedIn()
        _ = try await FormData.read(request, context)
        guard let id = context.parameters.get("id", as: Int64.self) else { throw StoreError.notFound("api_token") }
        try await services.accounts.revokeAPIToken(id: id, userID: p.userID, by: context.actor)
        return HTMLPage.redirect("/account#tokens")
    }

    /// The owner has read the alert of failed sign-ins on the home page.
    func signInAlertsSeen(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let p = try context.signedIn()
        _ = try await FormData.read(request, context)
        try await services.accounts.markSignInAlertsSeen(userID: p.userID)
        return HTMLPage.redirect("/")
    }
}

struct AccountPage: Page {
    static let template = "account"
    struct Account: Decodable { var username: String; var name: String; var totp: Bool }
    struct Token: Decodable {
        var id: Int64
        var name: String
        var created: String
        var expires: String
        var last_used: String
        var usable: Bool
        var state: String
    }
    struct Lifetime: Decodable { var days: Int; var selected: Bool }
    var account: Account
    var tokens: [Token]
    var has_tokens: Bool
    var lifetimes: [Lifetime]
    var enrol: TwoFactor.Enrolment?
    var password_error: String?
    var totp_error: String?
    var token_error: String?
    /// Shown once, right after it is made.
    var new_token: String?
}
