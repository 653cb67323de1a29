import CongvuDomain
import Foundation
import Hummingbird
import Mustache
import CongvuStore

/// Server-rendered pages: Mustache templates under `Resources/templates`, each filling the
/// blocks of `layout.mustache`, given plain dictionaries (Mustache reads no computed properties).
public struct Views: Sendable {
    let library: MustacheLibrary
    public let catalogs: Catalogs

    public init(templates: String, catalogs: Catalogs) async throws {
        self.library = try await MustacheLibrary(directory: templates)
        self.catalogs = catalogs
    }

    /// The values every page needs: catalog, language, who is signed in, the CSRF token, the menu.
    func common(_ context: AppRequestContext) -> [String: Any] {
        var data: [String: Any] = [
            "t": catalogs.table(context.locale),
            "lang": context.locale.rawValue,
            "other_lang": context.locale == .vi ? "en" : "vi",
            "other_lang_name": catalogs.text("language_other", context.locale),
            "back": context.requestPath.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "/",
        ]
        if let p = context.principal, let session = context.session, !session.secondFactorPending {
            data["user"] = [
                "name": p.displayName,
                "roles": p.roles.sorted { $0.rawValue < $1.rawValue }.map { catalogs.label("role", $0.rawValue, context.locale) }.joined(separator: ", "),
            ]
            data["csrf"] = session.csrfToken
            let items = Self.menu(p).map { item -> [String: Any] in
                ["href": item.href, "label": catalogs.text(item.key, context.locale),
                 "current": item.href == "/" ? context.requestPath == "/" : context.requestPath.hasPrefix(item.href)]
            }
            // Two links stay in view on a phone (one row with the brand); the rest open under "more",
            // and on a wide screen the menu shows them all in a row.
            data["nav_primary"] = Array(items.prefix(2))
            data["nav_more"] = Array(items.dropFirst(2))
        }
        return data
    }

    /// The menu of what the principal may open, most used first: each link once, each with its own name.
    static func menu(_ p: Principal) -> [(href: String, key: String)] {
        var out: [(String, String)] = []
        func add(_ show: Bool, _ href: String, _ key: String) { if show { out.append((href, key)) } }
        add(p.holds(.viewAttendance), "/board", "nav_board")
        add(p.holds(.viewDossiers), "/one-stop", "nav_one_stop")
        add(p.personID != nil, "/attendance/me", "nav_my_attendance")
        // Leaders and inspectors usually hold camera grants; the list shows only what each may see.
        add(p.holds(.manageCameras) || p.roles.contains(.leader) || p.roles.contains(.inspector), "/cameras", "nav_cameras")
        add(p.holds(.viewAttendance), "/attendance", "nav_attendance")
        add(true, "/absences", "nav_absences")
        add(true, "/explanations", "nav_explanations")
        add(p.holds(.viewPeople), "/people", "nav_people")
        add(p.holds(.viewOrganisation), "/units", "nav_units")
        add(p.holds(.viewOrganisation), "/calendar", "nav_calendar")
        add(p.holds(.editPeople), "/kiosks", "nav_kiosks")
        add(p.holds(.manageTerminals), "/terminals", "nav_terminals")
        add(p.holds(.importData), "/import", "nav_import")
        add(p.holds(.manageAccounts), "/admin/users", "nav_users")
        add(p.holds(.viewAudit), "/audit", "nav_audit")
        return out
    }

    public func render(_ template: String, _ context: AppRequestContext, _ data: [String: Any]) throws -> String {
        let merged = common(context).merging(data) { _, page in page }
        guard let html = library.render(merged, withTemplate: template) else {
            throw HTTPError(.internalServerError, message: "missing template \(template)")
        }
        return html
    }

    public func page(_ template: String, _ context: AppRequestContext, status: HTTPResponse.Status = .ok,
                     _ data: [String: Any] = [:]) throws -> Response {
        HTMLPage.response(try render(template, context, data), status: status)
    }

    /// Field messages for a form: `{"errors": {"name": "Không được để trống"}}`.
    public func fieldErrors(_ errors: ValidationErrors, _ locale: AppLocale) -> [String: String] {
        var out: [String: String] = [:]
        for e in errors.errors where out[e.field] == nil { out[e.field] = catalogs.error(e.key, locale) }
        return out
    }
}

/// Values shaped for the templates.
enum Template {
    /// A value for a template section that must not show when empty: Mustache here treats `""`
    /// (and `0`) as true, so empty text is passed as `false`.
    static func optional(_ text: String) -> Any { text.isEmpty ? false : text }
}

public enum HTMLPage {
    public static func response(_ html: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
                 body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    /// After a successful form post: 303 so that reloading does not post again.
    public static func redirect(_ location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location])
    }
}
