import CongvuDomain
import Foundation
import Hummingbird
import Mustache
import CongvuStore

/// Server-rendered pages: Mustache templates under `Resources/templates`, each filling the
/// blocks of `layout.mustache`. Each template has one typed page model (`Page`); the layout's own
/// values (`Chrome`) are looked up after the page's.
public struct Views: Sendable {
    let library: MustacheLibrary
    public let catalogs: Catalogs

    public init(templates: String, catalogs: Catalogs) async throws {
        self.library = try await MustacheLibrary(directory: templates)
        self.catalogs = catalogs
    }

    /// The values every page needs: catalog, language, who is signed in, the CSRF token, the menu.
    func chrome(_ context: AppRequestContext, _ layout: PageLayout) -> Chrome {
        var chrome = Chrome(t: catalogs.table(context.locale), lang: context.locale.rawValue,
                            other_lang: context.locale == .vi ? "en" : "vi",
                            other_lang_name: catalogs.text("language_other", context.locale),
                            back: context.requestPath.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "/",
                            bare: layout.bare, audit_anchor: layout.auditAnchor)
        if let p = context.principal, let session = context.session, !session.secondFactorPending {
            chrome.user = .init(name: p.displayName,
                                roles: p.roles.sorted { $0.rawValue < $1.rawValue }.map { catalogs.label("role", $0.rawValue, context.locale) }.joined(separator: ", "))
            chrome.csrf = session.csrfToken
            let items = Self.menu(p).map { item in
                Chrome.NavItem(href: item.href, label: catalogs.text(item.key, context.locale),
                               current: item.href == "/" ? context.requestPath == "/" : context.requestPath.hasPrefix(item.href))
            }
            // Two links stay in view on a phone (one row with the brand); the rest open under "more",
            // and on a wide screen the menu shows them all in a row.
            chrome.nav_primary = Array(items.prefix(2))
            chrome.nav_more = Array(items.dropFirst(2))
        }
        return chrome
    }

    /// The menu of what the principal may open, most used first: each link once, each with its own name.
    static func menu(_ p: Principal) -> [(href: String, key: String)] {
        var out: [(String, String)] = []
        func add(_ show: Bool, _ href: String, _ key: String) { if show { out.append((href, key)) } }
        add(p.holds(.viewAttendance), "/board", "nav_board")
        add(p.holds(.viewDossiers), "/one-stop", "nav_one_stop")
        add(p.personID != nil, "/attendance/me", "nav_my_attendance")
        add(p.personID != nil || p.holds(.viewTasks), "/tasks", "nav_tasks")
        // Leaders and inspectors usually hold camera grants; the list shows only what each may see.
        add(p.holds(.manageCameras) || p.roles.contains(.leader) || p.roles.contains(.inspector), "/cameras", "nav_cameras")
        add(p.holds(.viewAttendance), "/attendance", "nav_attendance")
        add(p.holds(.inspect) || p.holds(.viewInspections), "/inspections", "nav_inspections")
        add(p.holds(.draftSchedules) || p.holds(.publishSchedules), "/schedules", "nav_schedules")
        add(p.holds(.draftSchedules) || p.holds(.publishSchedules) || p.holds(.viewInspections), "/reception", "nav_reception")
        add(p.holds(.handleFeedback), "/feedback", "nav_feedback")
        add(p.holds(.handleFeedback), "/surveys", "nav_surveys")
        add(p.holds(.assessReform) || p.holds(.appraiseReform), "/reform", "nav_reform")
        add(p.holds(.manageProcedures), "/counters/notices", "nav_counter_notices")
        add(true, "/absences", "nav_absences")
        add(true, "/explanations", "nav_explanations")
        add(p.holds(.viewPeople), "/people", "nav_people")
        add(p.holds(.viewOrganisation), "/units", "nav_units")
        add(p.holds(.viewOrganisation), "/calendar", "nav_calendar")
        add(p.holds(.editPeople), "/kiosks", "nav_kiosks")
        add(p.holds(.manageTerminals), "/terminals", "nav_terminals")
        add(p.holds(.importData), "/import", "nav_import")
        add(p.holds(.editPeople), "/notifications/log", "nav_notification_log")
        add(p.holds(.manageAccounts), "/admin/users", "nav_users")
        add(p.holds(.viewAudit), "/audit", "nav_audit")
        add(p.holds(.viewAudit), "/admin/nodes", "nav_nodes")
        return out
    }

    /// The one way a page becomes HTML: its model, then the layout's values.
    func render<P: Page>(_ page: P, chrome: Chrome) throws -> String {
        guard let html = library.render(PageValues(page: page, chrome: chrome), withTemplate: P.template) else {
            throw HTTPError(.internalServerError, message: "missing template \(P.template)")
        }
        return html
    }

    func render<P: Page>(_ page: P, _ context: AppRequestContext) throws -> String {
        try render(page, chrome: chrome(context, page.layout))
    }

    func page<P: Page>(_ page: P, _ context: AppRequestContext, status: HTTPResponse.Status = .ok) throws -> Response {
        HTMLPage.response(try render(page, context), status: status)
    }

    /// Field messages for a form: `{"errors": {"name": "Không được để trống"}}`.
    public func fieldErrors(_ errors: ValidationErrors, _ locale: AppLocale) -> [String: String] {
        var out: [String: String] = [:]
        for e in errors.errors where out[e.field] == nil { out[e.field] = catalogs.error(e.key, locale) }
        return out
    }
}

/// A page's model: the template it fills and, as stored properties named as the template's keys,
/// every value it shows (Mustache reads stored properties, not computed ones). Text a template
/// shows only when present is `String?`; rows are structs of their own. Decodable only so that
/// `PageModelTests` can build one of every page with every field filled and check it against its
/// template; pages are never decoded when serving.
protocol Page: Decodable {
    static var template: String { get }
    /// What the layout shows besides the page.
    var layout: PageLayout { get }
}

extension Page {
    var layout: PageLayout { PageLayout() }
}

/// The layout's options a page may set.
struct PageLayout {
    /// No menu: pages for a device on the wall or a counter, not for a person signed in.
    var bare = false
    /// The audit chain's latest checkpoint, printed under official reports.
    var auditAnchor: String?
}

/// The layout's own values.
struct Chrome: Decodable {
    struct User: Decodable { var name: String; var roles: String }
    struct NavItem: Decodable { var href: String; var label: String; var current: Bool }
    var t: [String: String]
    var lang: String
    var other_lang: String
    var other_lang_name: String
    var back: String
    var bare: Bool
    var audit_anchor: String?
    var user: User?
    var csrf: String?
    var nav_primary: [NavItem] = []
    var nav_more: [NavItem] = []
}

/// What the templates look names up in: the page first, then the layout's values.
private struct PageValues: MustacheParent {
    let page: Any
    let chrome: Chrome

    func child(named name: String) -> Any? { Self.stored(name, of: page) ?? Self.stored(name, of: chrome) }

    /// A stored property by name, unwrapped when optional (nil when absent or nil).
    static func stored(_ name: String, of object: Any) -> Any? {
        guard let value = Mirror(reflecting: object).children.first(where: { $0.label == name })?.value else { return nil }
        let mirror = Mirror(reflecting: value)
        guard mirror.displayStyle == .optional else { return value }
        return mirror.children.first?.value
    }
}

/// Values shaped for the templates.
enum Template {
    /// Text for a template section that must not show when empty: Mustache here treats `""`
    /// (and `0`) as true, so empty text is passed as nil.
    static func optional(_ text: String) -> String? { text.isEmpty ? nil : text }
}

extension Int {
    /// A count for a template section that shows only when there is something to count.
    var nonZero: Int? { self == 0 ? nil : self }
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

