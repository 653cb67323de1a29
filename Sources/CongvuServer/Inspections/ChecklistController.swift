import CongvuDomain
import CongvuStore
import Foundation
import Hummingbird

/// The inspecting body's checklist: its current version by theme; an item added or taken out makes
/// a new version (minutes already written keep the version they were written against).
struct ChecklistController {
    let inspections: InspectionServices
    var catalogs: Catalogs { inspections.views.catalogs }
    var store: InspectionStore { inspections.store }

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get("checklist", use: show)
        group.post("checklist", use: change)
    }

    func body(_ request: Request, _ context: AppRequestContext) async throws -> (OrgUnit, [OrgUnit]) {
        try await inspections.body(request, try context.signedIn(), permissions: [.inspect])
    }

    func show(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let (body, bodies) = try await self.body(request, context)
        return try await render(body, bodies: bodies, context)
    }

    func render(_ body: OrgUnit, bodies: [OrgUnit], _ context: AppRequestContext, form: FormView = FormView(), status: HTTPResponse.Status = .ok) async throws -> Response {
        let locale = context.locale
        let checklist = try await store.currentChecklist(body: body, by: context.actor)
        let themes = Checklist.themes.compactMap { theme -> ChecklistPage.Theme? in
            let items = checklist.items.filter { $0.theme == theme }
            guard !items.isEmpty else { return nil }
            return .init(label: catalogs.label("checklist_theme", theme, locale), items: items.map {
                .init(code: $0.code, text: $0.text.isEmpty ? catalogs.label("checklist_item", $0.code, locale) : $0.text, custom: !$0.text.isEmpty,
                      source: $0.source != nil)
            })
        }
        return try inspections.views.page(ChecklistPage(
            form: form, body: .init(id: body.id, name: body.name), bodies: FormView.options(bodies.map { (value: String($0.id), label: $0.name) }, selected: String(body.id)),
            version: checklist.version, inherited: checklist.unitID != body.id, themes: themes,
            theme_options: FormView.options(Checklist.themes.map { (value: $0, label: catalogs.label("checklist_theme", $0, locale)) }, selected: form.values["theme"] ?? "")),
            context, status: status)
    }

    /// Adds an item (`code`, `theme`, `text`) or takes one out (`remove`): a new version of the body's checklist.
    func change(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let form = try await FormData.read(request, context)
        let (body, bodies) = try await self.body(request, context)
        do {
            var items = try await store.currentChecklist(body: body, by: context.actor).items
            if !form["remove"].isEmpty {
                items.removeAll { $0.code == form["remove"] }
            } else {
                items.append(ChecklistItem(code: form["code"], theme: form["theme"], text: form["text"]))
            }
            _ = try await store.saveChecklist(unitID: body.id, items: items, by: context.actor)
            return HTMLPage.redirect("/inspections/checklist?body=\(body.id)")
        } catch {
            var view = FormView(values: ["code": form["code"], "theme": form["theme"], "text": form["text"]])
            try view.absorb(error, catalogs: catalogs, locale: context.locale)
            return try await render(body, bodies: bodies, context, form: view, status: .badRequest)
        }
    }
}

/// The body's checklist and its changes.
struct ChecklistPage: Page {
    static let template = "inspection_checklist"
    struct Item: Decodable { var code: String; var text: String; var custom: Bool; var source: Bool }
    struct Theme: Decodable { var label: String; var items: [Item] }
    var form: FormView
    var body: UnitRef
    var bodies: [Option]
    var version: Int
    /// The version shown belongs to a unit above the body: a change starts the body's own.
    var inherited: Bool
    var themes: [Theme]
    var theme_options: [Option]
}
