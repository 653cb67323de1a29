import CongvuDomain
import CongvuStore
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
        group.post("sign-in-alerts/seen", use: signInAlertsSeen)
    }

    func render(_ context: AppRequestContext, status: HTTPResponse.Status = .ok, _ extra: [String: Any] = [:]) async throws -> Response {
        let p = try context.signedIn()
        guard let account = try await services.accounts.get(p.userID) else { throw NotSignedIn() }
        var data: [String: Any] = ["account": ["username": account.username, "name": account.displayName, "totp": account.totpEnabled]]
        if !account.totpEnabled {
            data["enrol"] = try await TwoFactor.enrolment(for: account, accounts: services.accounts, by: context.actor)
        }
        return try services.views.page("account", context, status: status, data.merging(extra) { _, b in b })
    }

    func page(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        try await render(context)
    }

    func changePassword(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let p = try context.signedIn()
        let form = try await FormData.read(request, context)
        guard let account = try await services.accounts.get(p.userID) else { throw NotSignedIn() }
        guard try await services.passwords.verify(form["current"], hash: account.passwordHash) else {
            return try await render(context, status: .badRequest, ["password_error": catalogs.error("password_wrong", context.locale)])
        }
        guard Passwords.acceptable(form["new"]) else {
            return try await render(context, status: .badRequest, ["password_error": catalogs.error("password_weak", context.locale)])
        }
        try await services.accounts.setPassword(userID: p.userID, passwordHash: try await services.passwords.hash(form["new"]),
                                                by: context.actor, reason: "self-service")
        return HTMLPage.redirect("/login")
    }

    func enableTwoFactor(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let p = try context.signedIn()
        let form = try await FormData.read(request, context)
        guard let secret = try await services.accounts.totpSecret(userID: p.userID), TwoFactor.check(form["code"], secret: secret) else {
            return try await render(context, status: .badRequest, ["totp_error": catalogs.text("login_code_wrong", context.locale)])
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
            return try await render(context, status: .badRequest, ["token_error": catalogs.error("required", context.locale)])
        }
        let token = try await services.accounts.issueAPIToken(userID: p.userID, name: name, by: context.actor)
        return try await render(context, ["new_token": token])
    }

    /// The owner has read the alert of failed sign-ins on the home page.
    func signInAlertsSeen(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let p = try context.signedIn()
        _ = try await FormData.read(request, context)
        try await services.accounts.markSignInAlertsSeen(userID: p.userID)
        return HTMLPage.redirect("/")
    }
}
