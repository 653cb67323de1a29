import CongvuDomain
import CongvuStore
import Hummingbird

/// Browse and edit the tree of administrative and organisation units, history included.
struct UnitsController {
    let services: AppServices
    var catalogs: Catalogs { services.views.catalogs }

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get(use: list)
        group.get("new", use: newForm)
        group.post(use: create)
        group.get(":id", use: show)
        group.get(":id/edit", use: editForm)
        group.post(":id", use: update)
    }

    func row(_ u: OrgUnit, depth: Int, _ locale: AppLocale, today: Day) -> UnitRow {
        UnitRow(id: u.id, name: u.name, code: Template.optional(u.code), kind: catalogs.label("unit_kind", u.kind.rawValue, locale),
                depth: depth, indent: String(repeating: "— ", count: depth), active: u.isActive(on: today),
                valid_from: u.validFrom?.vietnamese, valid_to: u.validTo?.vietnamese, administrative: u.kind.isAdministrative)
    }

    func list(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let scopes = try context.scopes(.viewOrganisation)
        let q = request.uri.queryParameters["q"].map(String.init) ?? ""
        let units = q.isEmpty ? try await services.units.list(scopes: scopes) : try await services.units.search(q, scopes: scopes)
        let today = services.today
        let showHistory = request.uri.queryParameters["history"] == "1"
        let rows = units.filter { showHistory || !q.isEmpty || $0.isActive(on: today) }.map { u in
            let base = scopes.first { u.path.hasPrefix($0) } ?? "/"
            return row(u, depth: OrgUnit.ids(inPath: u.path).count - OrgUnit.ids(inPath: base).count, context.locale, today: today)
        }
        let p = try context.signedIn()
        return try services.views.page(UnitsPage(units: rows, q: q, history: showHistory, count: rows.count,
                                                  can_create: p.holds(.editOrganisation)), context)
    }

    func show(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let unit = try await load(context)
        let p = try context.require(.viewOrganisation, atAnyOf: [unit.path])
        let today = services.today
        let locale = context.locale
        let ancestors = try await services.units.ancestors(of: unit).filter { u in p.allows(.viewOrganisation, at: u.path) }
        let children = try await services.units.children(of: unit.id).map { row($0, depth: 0, locale, today: today) }
        let predecessors = try await services.units.predecessors(of: unit.id).map { row($0, depth: 0, locale, today: today) }
        var successor: UnitRow?
        if let sid = unit.successorID, let s = try await services.units.get(sid) {
            successor = row(s, depth: 0, locale, today: today)
        }
        let staff = try await services.people.search("", scopes: [unit.path], on: today, limit: 200)
        return try services.views.page(UnitPage(
            unit: row(unit, depth: 0, locale, today: today),
            ancestors: ancestors.map { row($0, depth: 0, locale, today: today) },
            children: children, predecessors: predecessors, has_predecessors: !predecessors.isEmpty, successor: successor,
            staff: staff.items.map { PeopleController.summaryRow($0, catalogs, locale) }, staff_total: staff.total,
            can_edit: p.allows(.editOrganisation, at: unit.path)), context)
    }

    func load(_ context: AppRequestContext) async throws -> OrgUnit {
        guard let id = context.parameters.get("id", as: Int64.self), let unit = try await services.units.get(id) else {
            throw StoreError.notFound("unit")
        }
        return unit
    }

    /// Parents and successors offered in the form: units the person may edit.
    func formPage(_ context: AppRequestContext, _ form: FormView, editing: OrgUnit?) async throws -> UnitFormPage {
        let scopes = try context.scopes(.editOrganisation)
        var units = try await services.units.list(scopes: scopes).filter { u in editing.map { !u.path.hasPrefix($0.path) } ?? true }
        // The current parent stays a choice even when it lies above the person's scope.
        if let pid = editing?.parentID, !units.contains(where: { $0.id == pid }), let parent = try await services.units.get(pid) {
            units.insert(parent, at: 0)
        }
        let choices = units.map { (value: String($0.id), label: "\($0.name) (\(catalogs.label("unit_kind", $0.kind.rawValue, context.locale)))") }
        let kinds = UnitKind.allCases.map { (value: $0.rawValue, label: catalogs.label("unit_kind", $0.rawValue, context.locale)) }
        return UnitFormPage(form: form,
                            parents: FormView.options([(value: "", label: "—")] + choices, selected: form.values["parent_id"] ?? ""),
                            successors: FormView.options([(value: "", label: "—")] + choices, selected: form.values["successor_id"] ?? ""),
                            kinds: FormView.options(kinds, selected: form.values["kind"] ?? ""),
                            editing: editing.map { .init(id: $0.id, name: $0.name) })
    }

    func newForm(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        _ = try context.scopes(.editOrganisation)
        var form = FormView()
        form.values["parent_id"] = request.uri.queryParameters["parent"].map(String.init) ?? ""
        form.values["kind"] = UnitKind.department.rawValue
        return try services.views.page(try await formPage(context, form, editing: nil), context)
    }

    func values(_ form: FormData) -> [String: String] {
        var out: [String: String] = [:]
        for key in ["parent_id", "kind", "code", "name", "valid_from", "valid_to", "successor_id", "reason"] { out[key] = form[key] }
        return out
    }

    /// Checks the draft and that the person may edit under the chosen parent (unless the
    /// parent of the unit being edited stays as it was).
    func validate(_ form: FormData, _ context: AppRequestContext, editing: OrgUnit? = nil) async throws -> UnitDraft.Valid {
        let draft = UnitDraft(parentID: form.int("parent_id"), kind: form["kind"], code: form["code"], name: form["name"],
                              validFrom: form["valid_from"], validTo: form["valid_to"], successorID: form.int("successor_id"))
        var parent: OrgUnit?
        if let pid = draft.parentID {
            parent = try await services.units.get(pid)
            guard let parent else { throw ValidationErrors([FieldError("parent_id", "unit_unknown")]) }
            if editing?.parentID != pid { try context.require(.editOrganisation, atAnyOf: [parent.path]) }
        } else if editing != nil && editing?.parentID == nil {
            // A root stays a root.
        } else if !(try context.signedIn().roles.contains(.systemAdmin)) {
            throw ValidationErrors([FieldError("parent_id", "unit_parent_required")])
        }
        if let sid = draft.successorID, try await services.units.get(sid) == nil {
            throw ValidationErrors([FieldError("successor_id", "unit_unknown")])
        }
        return try draft.validate(parentKind: parent?.kind)
    }

    func create(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        _ = try context.scopes(.editOrganisation)
        let form = try await FormData.read(request, context)
        var view = FormView(values: values(form))
        do {
            let valid = try await validate(form, context)
            let unit = try await services.units.create(valid, by: context.actor, reason: form["reason"].tidied)
            return HTMLPage.redirect("/units/\(unit.id)")
        } catch {
            try view.absorb(error, catalogs: catalogs, locale: context.locale)
            return try services.views.page(try await formPage(context, view, editing: nil), context, status: .badRequest)
        }
    }

    func editForm(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let unit = try await load(context)
        try context.require(.editOrganisation, atAnyOf: [unit.path])
        let form = FormView(values: [
            "parent_id": unit.parentID.map(String.init) ?? "", "kind": unit.kind.rawValue, "code": unit.code, "name": unit.name,
            "valid_from": unit.validFrom?.description ?? "", "valid_to": unit.validTo?.description ?? "",
            "successor_id": unit.successorID.map(String.init) ?? "",
        ])
        return try services.views.page(try await formPage(context, form, editing: unit), context)
    }

    func update(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let unit = try await load(context)
        try context.require(.editOrganisation, atAnyOf: [unit.path])
        let form = try await FormData.read(request, context)
        var view = FormView(values: values(form))
        do {
            let reason = try requireReason(form)
            let valid = try await validate(form, context, editing: unit)
            _ = try await services.units.update(unit.id, valid, by: context.actor, reason: reason)
            return HTMLPage.redirect("/units/\(unit.id)")
        } catch {
            try view.absorb(error, catalogs: catalogs, locale: context.locale)
            return try services.views.page(try await formPage(context, view, editing: unit), context, status: .badRequest)
        }
    }
}
