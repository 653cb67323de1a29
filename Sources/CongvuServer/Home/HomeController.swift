import CongvuDomain
import CongvuStore
import Hummingbird

/// The home dashboard: one card per thing the signed-in person may look after. Features add cards here.
struct HomeController {
    let services: AppServices

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get("/", use: home)
    }

    func home(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let p = try context.signedIn()
        let t = services.views.catalogs
        var cards: [[String: Any]] = []
        // Leaders first: today's late, early and unexcused absences in their own unit, and the cases waiting.
        if let grant = p.grants.first(where: { $0.role.permissions.contains(.viewAttendance) }),
           let unit = try await services.units.get(grant.unitID) {
            let sheet = try await VerdictStore(database: services.database).sheet(unit: unit, days: [services.today])
            let flagged = sheet.verdicts.values.compactMap { $0[services.today] }.filter { $0.needsExplanation && $0.status != .missingPunch }.count
            cards.append(["title": "\(t.text("card_attendance", context.locale)) · \(unit.name)", "value": flagged,
                          "href": "/board?unit=\(unit.id)", "note": t.text("card_attendance_note", context.locale)])
            let open = try await ExplanationStore(database: services.database).list(scopes: [unit.path], statuses: [.open, .explained])
            cards.append(["title": t.text("card_explanations", context.locale), "value": open.count, "href": "/explanations",
                          "note": t.text("card_explanations_note", context.locale)])
        }
        if p.personID != nil {
            cards.append(["title": t.text("card_my_attendance", context.locale), "href": "/attendance/me",
                          "note": t.text("card_my_attendance_note", context.locale)])
            cards.append(["title": t.text("card_absences", context.locale), "href": "/absences", "note": t.text("card_absences_note", context.locale)])
        }
        if p.holds(.manageTerminals) {
            let open = try await AlertStore(database: services.database).open(scopes: p.scopes(for: .manageTerminals), limit: 1000)
            cards.append(["title": t.text("card_terminal_alerts", context.locale), "value": open.count, "href": "/terminals#alerts",
                          "note": t.text("card_terminal_alerts_note", context.locale)])
        }
        if p.holds(.viewPeople) {
            let scopes = p.scopes(for: .viewPeople)
            let count = try await services.people.search("", scopes: scopes, on: services.today, limit: 1).total
            cards.append(["title": t.text("card_people", context.locale), "value": count, "href": "/people",
                          "note": t.text("card_people_note", context.locale)])
        }
        if p.holds(.viewOrganisation) {
            let units = try await services.units.list(scopes: p.scopes(for: .viewOrganisation))
            let today = services.today
            cards.append(["title": t.text("card_units", context.locale), "value": units.filter { $0.isActive(on: today) }.count,
                          "href": "/units", "note": t.text("card_units_note", context.locale)])
        }
        if p.holds(.importData) {
            cards.append(["title": t.text("card_import", context.locale), "href": "/import", "note": t.text("card_import_note", context.locale)])
        }
        if p.holds(.manageAccounts) {
            cards.append(["title": t.text("card_users", context.locale), "href": "/admin/users", "note": t.text("card_users_note", context.locale)])
        }
        if p.holds(.viewAudit) {
            cards.append(["title": t.text("card_audit", context.locale), "href": "/audit", "note": t.text("card_audit_note", context.locale)])
        }
        var grants: [[String: Any]] = []
        for g in p.grants {
            let unit = try await services.units.get(g.unitID)
            grants.append(["role": t.label("role", g.role.rawValue, context.locale), "unit": unit?.name ?? "", "unit_id": g.unitID])
        }
        // Those who can act on it (set up the server, or print receipts) are told when receipts' QR codes cannot work.
        var warnings: [String] = []
        if let problem = services.config.publicURLProblem, p.holds(.manageAccounts) || p.holds(.handleDossiers) {
            warnings.append(t.text("public_url_\(problem.rawValue)", context.locale, [services.config.publicURL]))
        }
        // Failed sign-ins to this account, told to its owner until seen.
        var signInAlert: Any = false
        if let alert = try await services.accounts.openSignInAlert(userID: p.userID, atLeast: services.config.signInThrottle.freeFailures) {
            let sources = alert.sources.map { $0 == "device" ? t.text("sign_in_alert_device", context.locale) : $0 }.joined(separator: ", ")
            signInAlert = t.text("sign_in_alert", context.locale, [String(alert.failures), sources, Instant.display(alert.firstAt), Instant.display(alert.lastAt)])
        }
        return try services.views.page("home", context, ["cards": cards, "grants": grants, "warnings": warnings, "sign_in_alert": signInAlert])
    }
}
