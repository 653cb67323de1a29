import CongvuDomain
import CongvuStore
import Foundation
import Hummingbird

/// Written standing duties (bản phân công nhiệm vụ): each person's duties in their post, written by
/// the office or the head, approved by the head; people in a new post without approved duties after
/// ten working days are flagged here, on the leader's home, and for inspectors.
struct DutiesController {
    let tasks: TaskServices
    var store: StandingDutiesStore { tasks.duties }
    var catalogs: Catalogs { tasks.catalogs }

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get("duties", use: list)
        group.get("duties/print", use: print)
        group.get("duties.xlsx", use: workbook)
        group.get("duties/:id", use: person)
        group.post("duties/:id", use: write)
        group.post("duties/:id/approve", use: approve)
    }

    /// Where the principal reads duties, and where they write them.
    func scopes(_ p: Principal) async throws -> (read: [String], write: [String]) {
        let (read, assign) = try await tasks.scopes(p)
        return (read, assign)
    }

    func rows(_ request: Request, _ context: AppRequestContext) async throws -> (OrgUnit, [Option], [DutiesRow], Set<Int64>) {
        let (unit, units) = try await tasks.pickUnit(request, scopes: try await scopes(try context.signedIn()).read)
        let rows = try await store.people(scopes: [unit.path], on: tasks.today)
        let latest = try await tasks.dutiesLatestStart(scopes: [unit.path])
        let flagged = Set(rows.filter { r in latest.map { DutyRules.overdue(postFrom: r.postFrom, approvedFrom: r.approved?.validFrom, latestStart: $0) } ?? false }
            .map(\.personID))
        return (unit, FormView.options(units.map { (value: String($0.id), label: $0.name) }, selected: String(unit.id)), rows, flagged)
    }

    func view(_ r: DutiesRow, flagged: Set<Int64>, _ locale: AppLocale) -> DutiesPage.Row {
        .init(person_id: r.personID, name: r.fullName, title: r.title, unit: r.unitName, post_from: r.postFrom.vietnamese,
              approved: r.approved.map { $0.validFrom.vietnamese }, text: r.approved?.text, draft: r.draft != nil,
              flagged: flagged.contains(r.personID))
    }

    func list(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let (unit, units, rows, flagged) = try await rows(request, context)
        let shown = rows.map { view($0, flagged: flagged, context.locale) }
        return try tasks.views.page(DutiesPage(unit: .init(id: unit.id, name: unit.name), units: units, rows: shown, has_rows: !shown.isEmpty,
                                               flagged: flagged.count, grace: tasks.config.dutiesGraceDays), context)
    }

    func print(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let (unit, _, rows, flagged) = try await rows(request, context)
        return try tasks.views.page(DutiesPrintPage(unit: unit.name, rows: rows.map { view($0, flagged: flagged, context.locale) },
                                                    today: tasks.today.vietnamese), context)
    }

    /// The unit's written duties as a workbook: who, which post since when, approved from when, flagged.
    func workbook(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let (unit, _, rows, flagged) = try await rows(request, context)
        let locale = context.locale
        var sheet = XLSXSheet(name: tasks.today.description)
        sheet.title = "\(catalogs.text("duties_title", locale)) · \(unit.name) · \(tasks.today.vietnamese)"
        sheet.header = ["field_full_name", "field_title", "field_unit", "duties_post_from", "duties_approved_from", "duties_text", "duties_flagged"]
            .map { catalogs.text($0, locale) }
        sheet.widths = [26, 20, 26, 12, 12, 60, 12]
        sheet.rows = rows.map { r in
            let v = view(r, flagged: flagged, locale)
            return [.text(v.name), .text(v.title), .text(v.unit), .text(v.post_from), .text(v.approved ?? ""), .text(v.text ?? ""),
                    .text(v.flagged ? catalogs.text("yes", locale) : "")]
        }
        return try sheet.response(filename: "phan-cong-nhiem-vu-\(unit.fileSlug)-\(tasks.today).xlsx")
    }

    /// The person, their current post, and what the principal may do with their duties.
    func load(_ context: AppRequestContext) async throws -> (PersonRecord, OrgUnit, mayWrite: Bool, mayApprove: Bool) {
        let p = try context.signedIn()
        guard let id = context.parameters.get("id", as: Int64.self), let record = try await tasks.people.get(id) else { throw StoreError.notFound("person") }
        guard let post = record.assignments.first(where: { $0.assignment.isActive(on: tasks.today) }) else { throw StoreError.notFound("post") }
        let (read, write) = try await scopes(p)
        let mine = p.personID == id
        guard mine || read.contains(where: { post.unit.path.hasPrefix($0) }) else { throw Forbidden() }
        let mayWrite = write.contains { post.unit.path.hasPrefix($0) }
        let heads = try await tasks.headScopes(p)
        let mayApprove = !mine && heads.contains { post.unit.path.hasPrefix($0) }
        return (record, post.unit, mayWrite, mayApprove)
    }

    func person(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let (record, unit, mayWrite, mayApprove) = try await load(context)
        return try await render(record, unit, mayWrite: mayWrite, mayApprove: mayApprove, context, form: nil)
    }

    func render(_ record: PersonRecord, _ unit: OrgUnit, mayWrite: Bool, mayApprove: Bool, _ context: AppRequestContext,
                status: HTTPResponse.Status = .ok, form: FormView?) async throws -> Response {
        let history = try await store.history(personID: record.person.id)
        let draft = history.first { $0.status == .draft }
        let post = record.assignments.first { $0.assignment.isActive(on: tasks.today) }!
        let values = ["text": draft?.text ?? history.first { $0.status == .approved }?.text ?? "",
                      "valid_from": (draft?.validFrom ?? post.assignment.validFrom).description]
        return try tasks.views.page(PersonDutiesPage(
            form: form ?? FormView(values: values), person_id: record.person.id, name: record.person.fullName, title: post.assignment.title,
            unit: unit.name, unit_id: unit.id, post_from: post.assignment.validFrom.vietnamese,
            draft: draft.map { .init(valid_from: $0.validFrom.vietnamese, text: $0.text, by: $0.writtenBy, approved: nil, approved_by: nil) },
            version: draft?.version ?? 0, may_write: mayWrite, may_approve: mayApprove && draft != nil,
            history: history.filter { $0.status == .approved }.map {
                .init(valid_from: $0.validFrom.vietnamese, text: $0.text, by: $0.writtenBy, approved: $0.approvedAt.map { Instant.display($0) },
                      approved_by: Template.optional($0.approvedBy))
            }), context, status: status)
    }

    func write(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let (record, unit, mayWrite, mayApprove) = try await load(context)
        guard mayWrite else { throw Forbidden() }
        let form = try await FormData.read(request, context)
        do {
            guard let from = Day(form["valid_from"].trimmingCharacters(in: .whitespaces)) else { throw ValidationErrors([FieldError("valid_from", "date_invalid")]) }
            _ = try await store.write(personID: record.person.id, unitID: unit.id, validFrom: from, text: form["text"],
                                      version: Int(form.int("version") ?? 0), by: context.actor)
            return HTMLPage.redirect("/tasks/duties/\(record.person.id)")
        } catch {
            var view = FormView(values: ["text": form["text"], "valid_from": form["valid_from"]])
            try view.absorb(error, catalogs: catalogs, locale: context.locale)
            return try await render(record, unit, mayWrite: mayWrite, mayApprove: mayApprove, context,
                                    status: OneStopController.isConflict(error) ? .conflict : .badRequest, form: view)
        }
    }

    func approve(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let (record, unit, mayWrite, mayApprove) = try await load(context)
        guard mayApprove else { throw Forbidden() }
        let form = try await FormData.read(request, context)
        do {
            _ = try await store.approve(personID: record.person.id, version: Int(form.int("version") ?? 0), by: context.actor)
            return HTMLPage.redirect("/tasks/duties/\(record.person.id)")
        } catch {
            var view = FormView()
            try view.absorb(error, catalogs: catalogs, locale: context.locale)
            return try await render(record, unit, mayWrite: mayWrite, mayApprove: mayApprove, context,
                                    status: OneStopController.isConflict(error) ? .conflict : .badRequest, form: view)
        }
    }
}
