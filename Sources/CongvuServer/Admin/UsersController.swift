import CongvuDomain
import CongvuStore
import Hummingbird

/// The office manages the accounts of its own subtree: create, reset a password, disable.
/// An account can be managed only when every one of its grants lies inside the manager's scope,
/// so a commune office can never reset the province administrator's password.
struct UsersController {
    let services: AppServices
    var catalogs: Catalogs { services.views.catalogs }

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get(use: list)
        group.post(use: create)
        group.post(":id/reset", use: reset)
        group.post(":id/disable", use: disable)
    }

    /// Roles the manager may hand out: everything but system administration, unless they hold it.
    func grantable(_ p: Principal) -> [Role] {
        Role.allCases.filter { $0 != .systemAdmin || p.roles.contains(.systemAdmin) }
    }

    func render(_ context: AppRequestContext, status: HTTPResponse.Status = .ok, form: FormView = FormView(), issued: UsersPage.Issued? = nil) async throws -> Response {
        let p = try context.signedIn()
        let scopes = try context.scopes(.manageAccounts)
        let locale = context.locale
        var unitNames: [Int64: String] = [:]
        let units = try await services.units.list(scopes: scopes).filter { $0.isActive(on: services.today) }
        for u in units { unitNames[u.id] = u.name }
        let rows = try await services.accounts.list(scopes: scopes).map { account, grants in
            UsersPage.User(id: account.id, username: account.username, name: account.displayName, disabled: account.disabled,
                           totp: account.totpEnabled,
                           grants: grants.map { "\(catalogs.label("role", $0.role.rawValue, locale)) · \(unitNames[$0.unitID] ?? "#\($0.unitID)")" }.joined(separator: "; "),
                           manageable: grants.allSatisfy { g in p.allows(.manageAccounts, at: g.unitPath) } && account.id != p.userID)
        }
        return try services.views.page(UsersPage(
            form: form, users: rows,
            roles: FormView.options(grantable(p).map { (value: $0.rawValue, label: catalogs.label("role", $0.rawValue, locale)) },
                                    selected: form.values["role"] ?? Role.civilServant.rawValue),
            units: FormView.options(units.map { (value: String($0.id), label: $0.name) }, selected: form.values["unit_id"] ?? ""),
            issued: issued), context, status: status)
    }

    func list(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        try await render(context)
    }

    func create(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let p = try context.signedIn()
        _ = try context.scopes(.manageAccounts)
        let form = try await FormData.read(request, context)
        var view = FormView(values: ["username": form["username"], "name": form["name"], "role": form["role"], "unit_id": form["unit_id"]])
        do {
            var errors = ValidationErrors()
            let role = Role(rawValue: form["role"]).flatMap { grantable(p).contains($0) ? $0 : nil }
            if role == nil { errors.add("role", "role_invalid") }
            let name = form["name"].tidied
            if name.isEmpty { errors.add("name", "required") }
            var unit: OrgUnit?
            if let id = form.int("unit_id") { unit = try await services.units.get(id) }
            if unit == nil { errors.add("unit_id", "required") } else if !p.allows(.manageAccounts, at: unit!.path) { errors.add("unit_id", "unit_out_of_scope") }
            try errors.throwIfAny()
            let password = Passwords.generate()
            let account = try await services.accounts.create(username: form["username"], displayName: name,
                                                             passwordHash: try await services.passwords.hash(password),
                                                             personID: nil, grants: [(role!, unit!.id)], by: context.actor)
            return try await render(context, issued: .init(username: account.username, password: password))
        } catch {
            try view.absorb(error, catalogs: catalogs, locale: context.locale)
            return try await render(context, status: .badRequest, form: view)
        }
    }

    /// Loads an account that the signed-in person may manage (403 otherwise).
    func manageable(_ context: AppRequestContext) async throws -> Account {
        let p = try context.signedIn()
        guard let id = context.parameters.get("id", as: Int64.self), let account = try await services.accounts.get(id) else {
            throw StoreError.notFound("user")
        }
        let grants = try await services.accounts.principal(for: account).grants
        guard account.id != p.userID, !grants.isEmpty, grants.allSatisfy({ p.allows(.manageAccounts, at: $0.unitPath) }) else { throw Forbidden() }
        return account
    }

    func reset(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let account = try await manageable(context)
        _ = try await FormData.read(request, context)
        let password = Passwords.generate()
        try await services.accounts.setPassword(userID: account.id, passwordHash: try await services.passwords.hash(password),
                                                by: context.actor, reason: "reset by the office")
        return try await render(context, issued: .init(username: account.username, password: password))
    }

    func disable(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let account = try await manageable(context)
        _ = try await FormData.read(request, context)
        try await services.accounts.setDisabled(userID: account.id, !account.disabled, by: context.actor,
                                                reason: account.disabled ? "re-enabled" : "disabled")
        return HTMLPage.redirect("/admin/users")
    }
}

struct UsersPage: Page {
    static let template = "users"
    struct User: Decodable {
        var id: Int64
        var username: String
        var name: String
        var disabled: Bool
        var totp: Bool
        var grants: String
        var manageable: Bool
    }
    /// A password just set, shown once.
    struct Issued: Decodable { var username: String; var password: String }
    var form: FormView
    var users: [User]
    var roles: [Option]
    var units: [Option]
    var issued: Issued?
}
