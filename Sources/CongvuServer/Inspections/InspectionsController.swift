import CongvuDomain
import CongvuStore
import Foundation
import Hummingbird

/// Inspection visits (issue 21): the list and a new visit, the visit page on a phone (the roll at
/// the minute it started, the checklist with evidence and photos, recommendations, finalising), the
/// minutes on A4 with their addenda, and each visit's photos.
struct InspectionsController {
    let inspections: InspectionServices
    var catalogs: Catalogs { inspections.views.catalogs }
    var store: InspectionStore { inspections.store }

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get(use: list)
        group.post(use: create)
        group.get(":id", use: show)
        group.post(":id/start", use: start)
        group.post(":id/roll", use: mark)
        group.post(":id/items", use: answer)
        group.post(":id/photos", use: photo)
        group.get(":id/photos/:photo", use: photoFile)
        group.post(":id/text", use: text)
        group.post(":id/recommendations", use: recommend)
        group.post(":id/finalise", use: finalise)
        group.post(":id/addenda", use: addendum)
        group.get(":id/minutes", use: minutes)
        group.post(":id/reinspect", use: reinspect)
    }

    // MARK: List and new visits

    func list(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        try await renderList(context)
    }

    func renderList(_ context: AppRequestContext, form: FormView = FormView(), status: HTTPResponse.Status = .ok) async throws -> Response {
        let p = try context.signedIn()
        let inspect = p.scopes(for: .inspect)
        let read = try await inspections.readScopes(p)
        guard !inspect.isEmpty || !read.isEmpty else { throw Forbidden() }
        var visits = inspect.isEmpty ? [] : try await store.visits(scopes: inspect, finalisedOnly: false)
        let seen = Set(visits.map(\.id))
        visits += try await store.visits(scopes: read, finalisedOnly: true).filter { !seen.contains($0.id) }
        let units = inspect.isEmpty ? [] : try await inspections.units.list(scopes: inspect).filter { $0.isActive(on: inspections.today) && $0.parentID != nil }
        let locale = context.locale
        return try inspections.views.page(InspectionsPage(
            form: form, visits: visits.map { view($0, locale) }, has_visits: !visits.isEmpty, can_inspect: !inspect.isEmpty,
            units: FormView.options(units.map { (value: String($0.id), label: $0.name) }, selected: form.values["unit"] ?? ""),
            kinds: FormView.options([InspectionKind.unannounced, .planned].map { (value: $0.rawValue, label: catalogs.label("inspection_kind", $0.rawValue, locale)) },
                                    selected: form.values["kind"] ?? InspectionKind.unannounced.rawValue),
            today: inspections.today.description, now: Instant.formatLocal(Date()).replacingOccurrences(of: " ", with: "T")), context, status: status)
    }

    /// A new visit: unannounced ones start at once (the roll is taken now); planned ones wait for their day.
    func create(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let form = try await FormData.read(request, context)
        let p = try context.signedIn()
        let view = FormView(values: ["unit": form["unit"], "kind": form["kind"], "planned_for": form["planned_for"], "started_at": form["started_at"]])
        do {
            guard let unitID = form.int("unit"), let unit = try await inspections.units.get(unitID) else {
                throw ValidationErrors([FieldError("unit", "required")])
            }
            guard let body = try await inspections.body(for: unit, p) else { throw Forbidden() }
            guard let kind = InspectionKind(rawValue: form["kind"]), kind != .dutyCheck else { throw ValidationErrors([FieldError("kind", "required")]) }
            var planned: Day?
            if kind == .planned {
                guard let d = Day(form["planned_for"]), d >= inspections.today else { throw ValidationErrors([FieldError("planned_for", "date_invalid")]) }
                planned = d
            }
            // The team may open the page a little after it arrived: the start it gives, within the window.
            var start = Date()
            if kind == .unannounced, !form["started_at"].isEmpty {
                guard let at = Instant.parseLocal(form["started_at"].replacingOccurrences(of: "T", with: " ")) else {
                    throw ValidationErrors([FieldError("started_at", "date_invalid")])
                }
                start = at
            }
            if kind == .unannounced { try inspections.window.check(start: start, now: Date()) }
            let checklist = try await store.currentChecklist(body: body, by: context.actor)
            let id = try await store.create(bodyID: body.id, unitID: unit.id, kind: kind, checklistID: checklist.id, plannedFor: planned,
                                            year: (planned ?? inspections.today).year, by: context.actor)
            if kind == .unannounced { try await begin(id, unit: unit, at: start, p, context) }
            return HTMLPage.redirect("/inspections/\(id)")
        } catch let e as Forbidden {
            throw e
        } catch {
            var v = view
            try v.absorb(error, catalogs: catalogs, locale: context.locale)
            return try await renderList(context, form: v, status: .badRequest)
        }
    }

    /// Starts a visit: the roll from attendance at `at`, the inspector as the team's leader.
    func begin(_ id: Int64, unit: OrgUnit, at: Date, _ p: Principal, _ context: AppRequestContext) async throws {
        try inspections.window.check(start: at, now: Date())
        let roll = try await inspections.roll(unit: unit, at: at)
        try await store.start(id, at: at, leaderID: p.personID, roll: roll, by: context.actor)
    }

    func start(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let form = try await FormData.read(request, context)
        let v = try await recordable(context)
        let p = try context.signedIn()
        guard let unit = try await inspections.units.get(v.unitID) else { throw StoreError.notFound("unit") }
        // The start may be set back a little (the team arrived before opening the page), within the window.
        let at = form["started_at"].isEmpty ? Date() : Instant.parseLocal(form["started_at"].replacingOccurrences(of: "T", with: " "))
        do {
            guard let at else { throw ValidationErrors([FieldError("started_at", "date_invalid")]) }
            try await begin(v.id, unit: unit, at: at, p, context)
            return HTMLPage.redirect("/inspections/\(v.id)")
        } catch {
            var view = FormView(values: ["started_at": form["started_at"]])
            try view.absorb(error, catalogs: catalogs, locale: context.locale)
            return try await render(v.id, context, form: view, status: .badRequest)
        }
    }

    // MARK: Recording

    /// The visit, if the principal may record it (403 when they may only read it).
    func recordable(_ context: AppRequestContext) async throws -> InspectionVisit {
        let v = try await inspections.visit(context)
        guard try await inspections.mayRecord(v, try context.signedIn()) else { throw Forbidden() }
        return v
    }

    /// Runs a recording step; a conflict or bad input comes back on the page (or, asked from the
    /// page's script, as a JSON error with its code, so the script can tell a refusal from a lost network).
    func step(_ request: Request, _ context: AppRequestContext, values: [String: String] = [:],
              _ body: (InspectionVisit, FormData) async throws -> Void) async throws -> Response {
        let form = try await FormData.read(request, context)
        let v = try await recordable(context)
        let wantsJSON = request.headers[.accept]?.contains("application/json") == true
        do {
            try await body(v, form)
            if wantsJSON { return JSONReply.response(["ok": true]) }
            return HTMLPage.redirect("/inspections/\(v.id)\(form["anchor"].isEmpty ? "" : "#" + form["anchor"].filter { $0.isLetter || $0.isNumber || $0 == "-" })")
        } catch {
            var view = FormView(values: values.isEmpty ? Dictionary(uniqueKeysWithValues: ["note", "text", "owner", "due", "representative", "conclusions"].map { ($0, form[$0]) }) : values)
            try view.absorb(error, catalogs: catalogs, locale: context.locale)
            if wantsJSON {
                return APIError.response(status: .badRequest, code: "invalid", message: view.errors.values.sorted().joined(separator: " "))
            }
            return try await render(v.id, context, form: view, status: .badRequest)
        }
    }

    func mark(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        try await step(request, context) { v, form in
            guard let person = form.int("person"), let sighting = Sighting(rawValue: form["sighting"]) else {
                throw ValidationErrors([FieldError("roll", "required")])
            }
            try await store.mark(v.id, personID: person, sighting: sighting, by: context.actor)
        }
    }

    func answer(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        try await step(request, context) { v, form in
            guard let result = ItemResult(rawValue: form["result"]) else { throw ValidationErrors([FieldError("items", "required")]) }
            try await store.answer(v.id, code: form["code"], result: result, note: form["note"], by: context.actor)
        }
    }

    func photo(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        try await step(request, context) { v, form in
            guard let upload = form.files["photo"], !upload.content.isEmpty else { throw ValidationErrors([FieldError("photo", "required")]) }
            let kind = try UploadedFile.accept(upload.content, kinds: InspectionServices.photoKinds, limit: InspectionServices.photoLimit,
                                               field: "photo", messages: "inspection_photo")
            let sha = try inspections.photos.write(upload.content)
            try await store.addPhoto(v.id, code: form["code"], sha256: sha, ext: kind.ext, size: upload.content.count, by: context.actor)
        }
    }

    func photoFile(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let v = try await inspections.visit(context)
        guard let id = context.parameters.get("photo", as: Int64.self), let record = try await store.record(v.id),
              let photo = record.photos.first(where: { $0.id == id }), let data = inspections.photos.read(sha: photo.sha256) else {
            throw StoreError.notFound("photo")
        }
        return UploadedFile.response(data, name: "anh-\(v.id)-\(id).\(photo.ext)")
    }

    func text(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        try await step(request, context) { v, form in
            try await store.setText(v.id, representative: form["representative"], conclusions: form["conclusions"], by: context.actor)
        }
    }

    func recommend(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        try await step(request, context) { v, form in
            let r = try Recommendation.validate(text: form["text"], ownerID: form.int("owner"), due: Day(form["due"]), today: inspections.today)
            // The owner is someone on the unit's roll: the inspected unit owns what it must correct.
            guard let record = try await store.record(v.id), record.roll.contains(where: { $0.personID == r.ownerID }) else {
                throw ValidationErrors([FieldError("owner", "inspection_owner_not_in_unit")])
            }
            try await store.recommend(v.id, r, by: context.actor)
        }
    }

    func finalise(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let p = try context.signedIn()
        return try await step(request, context) { v, _ in
            guard let inspector = p.personID else { throw ValidationErrors([FieldError("status", "inspection_needs_person")]) }
            guard let record = try await store.record(v.id) else { throw StoreError.notFound("inspection_visit") }
            let now = Date()
            _ = try await store.finalise(v.id, at: now, inspectorPersonID: inspector, explanationDue: try await inspections.explanationDue(record, at: now),
                                         by: context.actor)
        }
    }

    func addendum(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        try await step(request, context) { v, form in
            try await store.addendum(v.id, text: form["addendum"], by: context.actor)
        }
    }

    /// A re-inspection of the minutes' open recommendations, planned for a day: the same unit, body
    /// and plan, today's checklist; its page lists the recommendations to check.
    func reinspect(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let form = try await FormData.read(request, context)
        let v = try await recordable(context)
        guard v.status == .finalised, v.kind != .dutyCheck, try context.signedIn().allows(.inspect, at: v.unitPath),
              let body = try await inspections.units.get(v.bodyID) else { throw Forbidden() }
        do {
            guard let day = Day(form["planned_for"]), day >= inspections.today else { throw ValidationErrors([FieldError("planned_for", "date_invalid")]) }
            let checklist = try await store.currentChecklist(body: body, by: context.actor)
            let id = try await store.create(bodyID: v.bodyID, unitID: v.unitID, kind: .planned, checklistID: checklist.id, plannedFor: day, planID: v.planID,
                                            follows: v.id, year: day.year, by: context.actor)
            return HTMLPage.redirect("/inspections/\(id)")
        } catch {
            var view = FormView(values: ["planned_for": form["planned_for"]])
            try view.absorb(error, catalogs: catalogs, locale: context.locale)
            return try await render(v.id, context, form: view, status: .badRequest)
        }
    }

    // MARK: The visit page

    func show(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let v = try await inspections.visit(context)
        return try await render(v.id, context)
    }

    func render(_ id: Int64, _ context: AppRequestContext, form: FormView = FormView(), status: HTTPResponse.Status = .ok) async throws -> Response {
        guard let record = try await store.record(id) else { throw StoreError.notFound("inspection_visit") }
        let p = try context.signedIn()
        let locale = context.locale
        let mayRecord = try await inspections.mayRecord(record.visit, p)
        let open = record.visit.status == .open
        let evidence = open && mayRecord ? try await self.evidence(record) : [:]
        let roll = record.roll.map { line in
            InspectionPage.RollView(person_id: line.personID, name: line.fullName, title: line.title, state: line.state.rawValue,
                                    state_label: catalogs.label("presence", line.state.rawValue, locale), detail: Template.optional(line.detail),
                                    seen: line.sighting == .seen, not_seen: line.sighting == .notSeen,
                                    finding: line.finding.map { catalogs.label("finding", $0.rawValue, locale) },
                                    needs_mark: InspectionRoll.needsMark(line.state))
        }
        let verified = record.visit.status == .finalised ? try await store.verify(id) : nil
        // A re-inspection shows what it checks: the earlier minutes' recommendations and their tasks.
        var followed: VisitRecord?
        if let earlier = record.visit.followsID { followed = try await store.record(earlier) }
        let openRecommendations = record.recommendations.filter { $0.taskStatus?.isOpen ?? false }.count
        return try inspections.views.page(InspectionPage(
            form: form, visit: view(record.visit, locale), planned: record.visit.status == .planned, open: open,
            finalised: record.visit.status == .finalised, can_record: mayRecord && record.visit.status != .finalised,
            can_amend: mayRecord && record.visit.status == .finalised,
            roll: roll, has_roll: !roll.isEmpty, unmarked: record.unmarked.count,
            findings: record.roll.filter { $0.finding != nil }.count,
            themes: themes(record, evidence: evidence, locale), unanswered: record.unanswered.count,
            violations: violations(record, locale), has_violations: !record.violations.isEmpty,
            recommendations: recommendations(record, locale), has_recommendations: !record.recommendations.isEmpty,
            owners: FormView.options(record.roll.map { (value: String($0.personID), label: "\($0.fullName) · \($0.title)") }, selected: form.values["owner"] ?? ""),
            addenda: record.addenda.map { .init(at: Instant.display($0.at), actor: $0.actorName, text: $0.text) }, has_addenda: !record.addenda.isEmpty,
            verified: verified, now: Instant.formatLocal(Date()).replacingOccurrences(of: " ", with: "T"),
            min_due: inspections.today.description,
            followed: followed.map { recommendations($0, locale) } ?? [], has_followed: !(followed?.recommendations.isEmpty ?? true),
            follows_id: record.visit.followsID,
            can_reinspect: mayRecord && record.visit.status == .finalised && record.visit.kind != .dutyCheck && p.allows(.inspect, at: record.visit.unitPath)
                && openRecommendations > 0,
            open_recommendations: openRecommendations), context, status: status)
    }

    /// What the system already knows for the items that have a source, as a line and a link.
    func evidence(_ record: VisitRecord) async throws -> [String: (text: String, href: String?, suggests: ItemResult)] {
        var out: [String: (String, String?, ItemResult)] = [:]
        let locale = AppLocale.vi
        let unit = record.visit.unitPath
        for item in record.checklist.items {
            guard let source = item.source else { continue }
            switch source {
            case .attendance:
                let found = record.roll.filter { $0.finding != nil }.count
                let unmarked = record.unmarked.count
                out[item.code] = (catalogs.text("inspection_evidence_attendance", locale, [String(record.roll.count), String(found), String(unmarked)]),
                                  "#roll", found == 0 && unmarked == 0 ? .pass : .fail)
            case .writtenDuties:
                let rows = try await inspections.taskServices.duties.people(scopes: [unit], on: inspections.today)
                let missing = rows.filter { $0.approved == nil }.count
                out[item.code] = (catalogs.text("inspection_evidence_duties", locale, [String(missing), String(rows.count)]),
                                  "/tasks/duties?unit=\(record.visit.unitID)", missing == 0 ? .pass : .fail)
            case .reassignedTasks:
                let orphans = try await inspections.taskServices.tasks.orphans(scopes: [unit], on: inspections.today)
                out[item.code] = (catalogs.text("inspection_evidence_orphans", locale, [String(orphans.count)]), "/tasks/orphans", orphans.isEmpty ? .pass : .fail)
            case .receptionSchedule:
                // The inspected committee's chairman: published reception days over this week and the next.
                guard let unit = try await inspections.units.get(record.visit.unitID) else { continue }
                let week = DutyWeek(containing: inspections.today)
                let short = try await inspections.schedules.receptionShortfalls(unit, coming: week)
                out[item.code] = (catalogs.text("inspection_evidence_reception", locale, [String(short.count)]), "/lich/\(unit.code)",
                                  short.isEmpty ? .pass : .fail)
            case .proceduresPosted:
                let procedures = try await inspections.procedures.list(validOn: inspections.today).count
                out[item.code] = (catalogs.text("inspection_evidence_procedures", locale, [String(procedures)]), "/thu-tuc", procedures > 0 ? .pass : .fail)
            }
        }
        return out
    }

    func themes(_ r: VisitRecord, evidence: [String: (text: String, href: String?, suggests: ItemResult)], _ locale: AppLocale) -> [InspectionPage.ThemeView] {
        let answers = Dictionary(r.answers.map { ($0.code, $0) }, uniquingKeysWith: { a, _ in a })
        var themes: [InspectionPage.ThemeView] = []
        for theme in Checklist.themes {
            let items = r.checklist.items.filter { $0.theme == theme }
            guard !items.isEmpty else { continue }
            themes.append(.init(label: catalogs.label("checklist_theme", theme, locale), items: items.map { item in
                let a = answers[item.code], e = evidence[item.code]
                let result = a?.result ?? (r.visit.status == .open ? e?.suggests : nil)
                return InspectionPage.ItemView(
                    code: item.code, text: item.text.isEmpty ? catalogs.label("checklist_item", item.code, locale) : item.text,
                    answered: a != nil, result_label: a.map { catalogs.label("item_result", $0.result.rawValue, locale) },
                    pass: result == .pass, fail: result == .fail, na: result == .notApplicable, note: a.flatMap { Template.optional($0.note) },
                    evidence: e?.text, evidence_href: e?.href,
                    photos: r.photos.filter { $0.code == item.code }.map { .init(href: "/inspections/\(r.visit.id)/photos/\($0.id)", at: Instant.clock($0.takenAt)) })
            }))
        }
        return themes
    }

    func violations(_ r: VisitRecord, _ locale: AppLocale) -> [InspectionPage.ViolationView] {
        if r.visit.status == .finalised {
            return r.violations.map { v in
                .init(name: v.fullName, title: v.title, kind: catalogs.label("finding", v.kind.rawValue, locale), at: Instant.clock(v.at),
                      explanation_id: v.explanationID, explanation: v.explanationStatus.map { catalogs.label("explanation_status", $0.rawValue, locale) })
            }
        }
        // Before the minutes are locked: what the marks imply so far.
        return r.roll.compactMap { line in
            line.finding.map { .init(name: line.fullName, title: line.title, kind: catalogs.label("finding", $0.rawValue, locale),
                                     at: r.visit.startedAt.map { Instant.clock($0) } ?? "", explanation_id: nil, explanation: nil) }
        }
    }

    func recommendations(_ r: VisitRecord, _ locale: AppLocale) -> [InspectionPage.RecommendationView] {
        r.recommendations.map { x in
            .init(text: x.text, owner: x.ownerName, due: x.due.vietnamese, task_id: x.taskID,
                  task_status: x.taskStatus.map { catalogs.label("task_status", $0.rawValue, locale) })
        }
    }

    func view(_ v: InspectionVisit, _ locale: AppLocale) -> VisitView {
        VisitView(id: v.id, unit: v.unitName, unit_id: v.unitID, kind: v.kind.rawValue, kind_label: catalogs.label("inspection_kind", v.kind.rawValue, locale),
                  status: v.status.rawValue, status_label: catalogs.label("visit_status", v.status.rawValue, locale),
                  planned_for: v.plannedFor?.vietnamese, started_at: v.startedAt.map { Instant.display($0) }, ended_at: v.endedAt.map { Instant.display($0) },
                  number: v.number.map { "\($0)/\(v.year)" }, hash: v.contentHash, representative: v.representative, conclusions: v.conclusions,
                  day: v.day?.vietnamese ?? "")
    }

    // MARK: Minutes on A4

    func minutes(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let v = try await inspections.visit(context)
        guard let record = try await store.record(v.id), v.status != .planned else { throw StoreError.notFound("inspection_visit") }
        let locale = context.locale
        let body = try await inspections.units.get(v.bodyID)
        var team: [MinutesPage.Member] = []
        if let leader = v.leaderID, let person = try await inspections.people.get(leader) {
            team.append(.init(name: person.person.fullName, role: catalogs.label("team_role", TeamRole.leader.rawValue, locale)))
        }
        if let planID = v.planID, let plan = try await store.plans(bodyID: v.bodyID, year: v.year).first(where: { $0.id == planID }) {
            for (id, role) in plan.draft.team.sorted(by: { $0.value.rawValue < $1.value.rawValue }) where id != v.leaderID {
                if let person = try await inspections.people.get(id) {
                    team.append(.init(name: person.person.fullName, role: catalogs.label("team_role", role.rawValue, locale)))
                }
            }
        }
        return try inspections.views.page(MinutesPage(
            visit: view(v, locale), body: body?.name ?? "", place: v.unitName, team: team,
            themes: themes(record, evidence: [:], locale), violations: violations(record, locale), has_violations: !record.violations.isEmpty,
            recommendations: recommendations(record, locale), has_recommendations: !record.recommendations.isEmpty,
            addenda: record.addenda.map { .init(at: Instant.display($0.at), actor: $0.actorName, text: $0.text) }, has_addenda: !record.addenda.isEmpty,
            present: record.roll.filter { $0.sighting == .seen }.count, expected: record.roll.filter { InspectionRoll.needsMark($0.state) }.count,
            draft: v.status != .finalised), context)
    }
}
