import CongvuDomain
import CongvuStore
import Foundation
import Hummingbird

/// The one-stop counter: dossiers (list, intake, one dossier with its actions), printed forms,
/// the counter's rating tablet, the settlement report, the procedure catalogue.
struct OneStopController {
    let oneStop: OneStopServices
    var catalogs: Catalogs { oneStop.views.catalogs }
    var dossiers: DossierStore { oneStop.dossiers }
    var procedures: ProcedureStore { oneStop.procedures }

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get(use: list)
        group.get("intake", use: intakeForm)
        group.post("intake", use: intake)
        group.get("dossiers/:id", use: show)
        group.post("dossiers/:id/act", use: act)
        group.get("dossiers/:id/print/:form", use: print)
        group.get("dossiers/:id/rate", use: rateAtTheCounter)
        group.get("report", use: report)
        group.get("report.xlsx", use: reportXLSX)
        group.get("book", use: book)
        group.get("procedures", use: catalogue)
        group.post("procedures", use: createProcedure)
        group.post("counters", use: setCounter)
    }

    // MARK: Shared views

    func text(_ key: String, _ locale: AppLocale) -> String { catalogs.text(key, locale) }

    func statusLabel(_ s: DossierStatus, _ locale: AppLocale) -> String { catalogs.label("dossier_status", s.key, locale) }

    func timelinessView(_ t: Timeliness?, _ locale: AppLocale) -> DossierSummary.Timeliness? {
        t.map { .init(key: $0.rawValue, label: catalogs.label("timeliness", $0.rawValue, locale)) }
    }

    func summary(_ r: DossierRow, _ locale: AppLocale, now: Date = Date()) -> DossierSummary {
        let d = r.dossier
        return DossierSummary(
            id: d.id, code: d.code, procedure: r.procedureName, procedure_code: r.procedureCode, applicant: d.applicant.name,
            status: d.status.rawValue, status_label: statusLabel(d.status, locale), unit: r.unitName, current_unit: r.currentUnitName,
            received: d.receivedAt.map { Instant.display($0) }, submitted: Instant.display(d.submittedAt),
            due: d.dueAt.map { Instant.display($0) }, overdue: d.isOverdue(at: now),
            standing: timelinessView(d.standing(at: now), locale), promised: d.promisedAt.map { Instant.display($0) },
            channel: catalogs.label("channel", d.channel.key, locale), step: Template.optional(d.stepName))
    }

    /// Loads a dossier the principal may see: received or currently handled in their scope.
    func load(_ context: AppRequestContext, _ permission: Permission = .viewDossiers) async throws -> DossierRow {
        guard let id = context.parameters.get("id", as: Int64.self), let row = try await dossiers.get(id) else { throw StoreError.notFound("dossier") }
        try context.require(permission, atAnyOf: [row.unitPath, row.currentUnitPath])
        return row
    }

    func calendar(unitID: Int64, around day: Day) async throws -> WorkCalendar {
        guard let unit = try await oneStop.units.get(unitID) else { throw StoreError.notFound("unit") }
        return try await oneStop.calendars.workCalendar(for: unit, years: (day.year - 1)...(day.year + 2))
    }

    /// Where a dossier may be handed: the administrative unit its counter serves (the commune, or
    /// the province for a provincial centre) and everything under it.
    func transferScope(_ r: DossierRow) async throws -> String {
        guard let counter = try await oneStop.units.get(r.dossier.unitID) else { throw StoreError.notFound("unit") }
        let chain = try await oneStop.units.ancestors(of: counter) + [counter]
        return (chain.last { $0.kind.isAdministrative } ?? counter).path
    }

    // MARK: List

    func list(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let p = try context.signedIn()
        let scopes = try context.scopes(.viewDossiers)
        let filter = request.uri.queryParameters["filter"].flatMap { DossierStore.ListFilter(rawValue: String($0)) } ?? .open
        let search = request.uri.queryParameters["q"].map(String.init) ?? ""
        let rows = try await dossiers.list(scopes: scopes, filter: filter, search: search)
        let apologies = try await dossiers.needingApology(scopes: scopes, calendarFor: { id in try await calendar(unitID: id, around: oneStop.today) })
        let locale = context.locale
        return try oneStop.views.page(OneStopPage(
            filters: DossierStore.ListFilter.allCases.map { .init(key: $0.rawValue, label: catalogs.label("dossier_filter", $0.rawValue, locale),
                                                                  selected: $0 == filter) },
            filter: filter.rawValue, q: search,
            rows: rows.map { summary($0, locale) }, has_rows: !rows.isEmpty,
            apologies: apologies.map { summary($0, locale) }, has_apologies: !apologies.isEmpty,
            can_receive: p.holds(.handleDossiers), can_manage: p.holds(.manageProcedures)), context)
    }

    // MARK: Intake

    /// Counters the principal may receive at.
    func counters(_ context: AppRequestContext) async throws -> [(OneStopCounter, OrgUnit)] {
        let units = Dictionary(try await oneStop.units.list(scopes: try context.scopes(.handleDossiers)).map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        return try await dossiers.counters().compactMap { c in units[c.unitID].map { (c, $0) } }
    }

    func intakeForm(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        try await renderIntake(request.uri.queryParameters["procedure"].flatMap { Int64($0) }, context, form: FormView())
    }

    func renderIntake(_ procedureID: Int64?, _ context: AppRequestContext, status: HTTPResponse.Status = .ok, form: FormView,
                      received: [Int: (String, String)]? = nil) async throws -> Response {
        let counters = try await counters(context)
        guard !counters.isEmpty else { throw Forbidden() }
        let locale = context.locale
        let all = try await procedures.list(validOn: oneStop.today)
        let chosen = procedureID.flatMap { id in all.first { $0.id == id } }
        return try oneStop.views.page(IntakePage(
            form: form,
            procedures: all.map { .init(id: $0.id, label: "\($0.code) · \($0.name)", selected: $0.id == chosen?.id) },
            counters: counters.map { .init(id: $0.1.id, name: $0.1.name, selected: String($0.1.id) == form.values["unit"]) },
            channels: FormView.options(Channel.allCases.map { (value: String($0.rawValue), label: catalogs.label("channel", $0.key, locale)) },
                                       selected: form.values["channel"] ?? "1"),
            procedure: chosen.map { p in
                .init(id: p.id, name: p.name, code: p.code, time: timeText(p.time, locale), fee: p.fee,
                      documents: p.documents.enumerated().map { i, doc in
                          let got = received?[i]
                          return .init(index: i, name: doc.name, quantity: got?.1 ?? String(doc.quantity),
                                       required_form: catalogs.label("document_form", doc.form.rawValue, locale),
                                       checked: received == nil || got != nil,
                                       forms: FormView.options(DocumentForm.allCases.map { (value: $0.rawValue, label: catalogs.label("document_form", $0.rawValue, locale)) },
                                                               selected: got?.0 ?? doc.form.rawValue))
                      })
            }), context, status: status)
    }

    func timeText(_ t: ProcessingTime, _ locale: AppLocale) -> String {
        t.unit == .sameDay ? catalogs.label("time_unit", t.unit.rawValue, locale) : "\(t.value) \(catalogs.label("time_unit", t.unit.rawValue, locale))"
    }

    func intake(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let form = try await FormData.read(request, context)
        guard let procedureID = form.int("procedure"), let procedure = try await procedures.get(procedureID),
              procedure.isValid(on: oneStop.today) else { throw StoreError.notFound("procedure") }
        guard let unitID = form.int("unit"), let (_, unit) = try await counters(context).first(where: { $0.1.id == unitID }) else { throw Forbidden() }
        var draft = IntakeDraft()
        draft.channel = form["channel"]
        draft.name = form["name"]
        draft.idNumber = form["id_number"]
        draft.address = form["address"]
        draft.phone = form["phone"]
        draft.email = form["email"]
        draft.owner = form["owner"]
        draft.sets = form["sets"].isEmpty ? "1" : form["sets"]
        draft.returnByPost = form.bool("return_by_post")
        var received: [Int: (String, String)] = [:]
        for i in procedure.documents.indices where form.bool("doc_\(i)") {
            draft.received.append(.init(index: i, form: form["doc_\(i)_form"], quantity: form["doc_\(i)_qty"]))
            received[i] = (form["doc_\(i)_form"], form["doc_\(i)_qty"])
        }
        let values = ["channel", "name", "id_number", "address", "phone", "email", "owner", "sets", "unit"].reduce(into: [String: String]()) { $0[$1] = form[$1] }
        do {
            let checked = try draft.validate(for: procedure)
            let now = Date()
            let stored = try await dossiers.receive(checked, procedure: procedure, unitID: unit.id,
                                                    calendar: try await calendar(unitID: unit.id, around: oneStop.today), at: now, by: context.actor)
            oneStop.database.changes.publish(.dossier, stored.code)
            return HTMLPage.redirect("/one-stop/dossiers/\(stored.id)?received=1")
        } catch {
            var view = FormView(values: values)
            try view.absorb(error, catalogs: catalogs, locale: context.locale)
            return try await renderIntake(procedure.id, context, status: .badRequest, form: view, received: received)
        }
    }

    // MARK: One dossier

    func show(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        try await render(try await load(context), context, form: FormView(), received: request.uri.queryParameters["received"] != nil)
    }

    func render(_ r: DossierRow, _ context: AppRequestContext, status: HTTPResponse.Status = .ok, form: FormView, received: Bool = false) async throws -> Response {
        let p = try context.signedIn()
        let locale = context.locale
        let d = r.dossier
        let events = try await dossiers.events(d.id)
        let pauses = try await dossiers.pauses(d.id)
        let canAct = p.allows(.handleDossiers, atAnyOf: [r.unitPath, r.currentUnitPath])
        let units = canAct ? try await oneStop.units.list(scopes: [try await transferScope(r)]).filter { $0.isActive(on: oneStop.today) } : []
        let procedure = try await procedures.get(d.procedureID)
        let unitNames = Dictionary(units.map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a })
        let available = canAct ? DossierAction.available(from: d.status) : []
        return try oneStop.views.page(DossierPage(
            form: form, d: summary(r, locale), version: d.version, received_now: received,
            applicant: .init(name: d.applicant.name, id_number: Template.optional(d.applicant.idNumber), address: Template.optional(d.applicant.address),
                             phone: Template.optional(d.applicant.phone), email: Template.optional(d.applicant.email), owner: Template.optional(d.owner)),
            documents: d.documents.map { .init(n: 0, name: $0.name, form: catalogs.label("document_form", $0.form.rawValue, locale), quantity: $0.quantity) },
            legal_due: d.legalDueAt.map { Instant.display($0) },
            supplement_due: d.supplementDueAt.map { Instant.display($0) },
            apology: d.apologyAt.map { .init(at: Instant.display($0), promised: d.promisedAt.map { Instant.display($0) } ?? "", reason: d.apologyReason) },
            resolved: d.resolvedAt.map { Instant.display($0) },
            timeliness: timelinessView(d.timeliness, locale),
            events: events.map { e in
                .init(at: Instant.display(e.at), actor: e.actorName, action: catalogs.label("dossier_action", e.action, locale),
                      status: statusLabel(e.toStatus, locale), note: Template.optional(e.note), to_unit: Template.optional(e.toUnitID.flatMap { unitNames[$0] } ?? ""),
                      step: Template.optional(e.stepName), step_due: e.stepDueAt.map { Instant.display($0) },
                      step_result: timelinessView(e.stepTimeliness, locale))
            },
            pauses: pauses.map { .init(from: Instant.display($0.from), to: $0.to.map { Instant.display($0) }, status: statusLabel($0.status, locale)) },
            has_pauses: !pauses.isEmpty,
            can_act: canAct,
            actions: FormView.options(available.map { (value: $0.rawValue, label: catalogs.label("dossier_action", $0.rawValue, locale)) },
                                      selected: form.values["action"] ?? ""),
            has_actions: !available.isEmpty,
            units: units.map { .init(id: $0.id, name: $0.name, selected: $0.id == d.currentUnitID) },
            steps: (procedure?.steps ?? []).map { .init(name: $0.name, selected: $0.name == d.stepName) },
            forms: printable(d).map { .init(key: $0, label: catalogs.label("dossier_form", $0, locale)) },
            can_rate: canAct && d.status.isReceived,
            rated: try await dossiers.isRated(d.id)), context, status: status)
    }

    func act(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let r = try await load(context, .handleDossiers)
        let form = try await FormData.read(request, context)
        var view = FormView(values: ["action": form["action"], "note": form["note"], "promised_at": form["promised_at"]])
        do {
            guard let action = DossierAction(rawValue: form["action"]) else { throw ValidationErrors([FieldError("action", "invalid")]) }
            guard let version = Int(form["version"]) else { throw ValidationErrors([FieldError("action", "invalid")]) }
            var promised: Date?
            if action == .apologise {
                guard let p = Instant.parseLocal(form["promised_at"].replacingOccurrences(of: "T", with: " ")) ?? Day(form["promised_at"]).map({
                    CivilTime.startOfDay($0).addingTimeInterval(17 * 3600) }) else { throw ValidationErrors([FieldError("promised_at", "date_invalid")]) }
                promised = p
            }
            var toUnit: Int64?
            if action == .transfer {
                toUnit = form.int("to_unit")
                guard let t = toUnit, let u = try await oneStop.units.get(t), u.path.hasPrefix(try await transferScope(r))
                else { throw ValidationErrors([FieldError("to_unit", "unit_unknown")]) }
            }
            guard let procedure = try await procedures.get(r.dossier.procedureID) else { throw StoreError.notFound("procedure") }
            _ = try await dossiers.act(r.dossier.id, DossierCommand(action: action, expectedVersion: version, note: form["note"], toUnitID: toUnit,
                                                                     stepName: form["step"], promisedAt: promised),
                                       procedure: procedure, calendar: try await calendar(unitID: r.dossier.unitID, around: oneStop.today), by: context.actor)
            oneStop.database.changes.publish(.dossier, r.dossier.code)
            return HTMLPage.redirect("/one-stop/dossiers/\(r.dossier.id)")
        } catch {
            try view.absorb(error, catalogs: catalogs, locale: context.locale)
            if case StoreError.conflict = error { view.errors["action"] = catalogs.error("dossier_changed", context.locale) }
            let fresh = try await dossiers.get(r.dossier.id) ?? r
            return try await render(fresh, context, status: Self.isConflict(error) ? .conflict : .badRequest, form: view)
        }
    }

    static func isConflict(_ error: any Error) -> Bool {
        if case StoreError.conflict = error { return true }
        return false
    }

    // MARK: Printed forms

    /// The forms a dossier can print now.
    func printable(_ d: Dossier) -> [String] {
        var forms = ["receipt", "control"]
        if d.status == .supplementRequested || d.supplementDueAt != nil { forms.append("supplement") }
        if d.status == .refused { forms.append("refusal") }
        if d.apologyAt != nil { forms.append("apology") }
        return forms
    }

    /// The receipt's QR code: tracking, with the tag that later lets the holder rate the dossier.
    func trackingURL(_ code: String) -> String {
        oneStop.config.publicURL.trimmingCharacters(in: CharacterSet(charactersIn: "/")) + "/tra-cuu?ma=" + code + "&k=" + RatingController.tag(code, oneStop)
    }

    func print(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let r = try await load(context)
        let d = r.dossier
        guard let form = context.parameters.get("form"), printable(d).contains(form) else { throw StoreError.notFound("form") }
        let locale = context.locale
        let events = try await dossiers.events(d.id)
        let counter = try await dossiers.counter(unitID: d.unitID)
        let procedure = try await procedures.get(d.procedureID)
        let url = trackingURL(d.code)
        // The issuer as official papers name it: the committee above the counter, then the counter.
        var parentName: String?
        if let parent = try await oneStop.units.get(d.unitID)?.parentID { parentName = try await oneStop.units.get(parent)?.name }
        let supplementNote = events.last { $0.action == DossierAction.requestSupplement.rawValue }?.note ?? ""
        let refusalNote = events.last { $0.action == DossierAction.refuse.rawValue }?.note ?? ""
        return try oneStop.views.page(PrintPage(
            form: form, title: catalogs.label("dossier_form", form, locale),
            is_receipt: form == "receipt", is_control: form == "control", is_supplement: form == "supplement",
            is_refusal: form == "refusal", is_apology: form == "apology",
            d: summary(r, locale), unit_name: r.unitName, parent_name: Template.optional(parentName ?? ""), address: Template.optional(counter?.address ?? ""),
            applicant: .init(name: d.applicant.name, id_number: Template.optional(d.applicant.idNumber), address: Template.optional(d.applicant.address),
                             phone: Template.optional(d.applicant.phone), email: Template.optional(d.applicant.email), owner: nil),
            documents: d.documents.enumerated().map { i, doc in .init(n: i + 1, name: doc.name, form: catalogs.label("document_form", doc.form.rawValue, locale),
                                                                      quantity: doc.quantity) },
            sets: d.sets, return_by: text(d.returnByPost ? "dossier_return_post" : "dossier_return_counter", locale),
            time: procedure.map { timeText($0.time, locale) } ?? "",
            received_at: d.receivedAt.map { Instant.display($0) } ?? Instant.display(d.submittedAt),
            public_url_warning: oneStop.config.publicURLProblem.map { catalogs.text("public_url_\($0.rawValue)", locale, [oneStop.config.publicURL]) },
            qr: (try? QRCode(url).svg(scale: 3)) ?? "", barcode: Code39.svg(d.code) ?? "", tracking_url: url,
            supplement_note: supplementNote, supplement_due: d.supplementDueAt.map { Instant.display($0) },
            refusal_note: refusalNote,
            apology: .init(at: "", promised: d.promisedAt.map { Instant.display($0) } ?? "", reason: d.apologyReason),
            rows: events.enumerated().map { i, e in
                .init(n: i + 1, at: Instant.display(e.at), actor: e.actorName, action: catalogs.label("dossier_action", e.action, locale),
                      step: e.stepName, step_due: e.stepDueAt.map { Instant.display($0) } ?? "", result: timelinessView(e.stepTimeliness, locale),
                      note: e.note)
            },
            today: oneStop.today.vietnamese), context)
    }

    /// The tracking book (sổ theo dõi hồ sơ): every dossier received in a range, to print.
    func book(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let scopes = try context.scopes(.viewDossiers)
        let to = request.uri.queryParameters["to"].flatMap { Day(String($0)) } ?? oneStop.today
        let from = request.uri.queryParameters["from"].flatMap { Day(String($0)) } ?? Month(to).first
        guard from <= to else { throw ValidationErrors([FieldError("from", "invalid_range")]) }
        let rows = try await dossiers.list(scopes: scopes, filter: .all, submitted: from...to, limit: 10_000)
        let locale = context.locale
        return try oneStop.views.page(BookPage(
            auditAnchor: oneStop.shared.auditAnchor(context.locale),
            from: from.description, to: to.description, from_vn: from.vietnamese, to_vn: to.vietnamese,
            rows: rows.enumerated().map { i, r in
                var s = summary(r, locale)
                s.n = i + 1
                s.resolved = r.dossier.resolvedAt.map { Instant.display($0) }
                s.delivered = r.dossier.deliveredAt.map { Instant.display($0) }
                s.timeliness = timelinessView(r.dossier.timeliness, locale)
                return s
            }), context)
    }

    // MARK: Rating at the counter

    /// The counter's tablet: the public rating page of this dossier with its receipt tag, in
    /// counter mode (no staff menu, no sign-out), so the citizen rates without the officer's session.
    func rateAtTheCounter(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let r = try await load(context, .handleDossiers)
        return HTMLPage.redirect(RatingController.link(r.dossier.code, oneStop, counter: true))
    }

    // MARK: Catalogue

    func catalogue(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        try await renderCatalogue(request.uri.queryParameters["q"].map(String.init) ?? "", context, form: FormView())
    }

    func renderCatalogue(_ search: String, _ context: AppRequestContext, status: HTTPResponse.Status = .ok, form: FormView) async throws -> Response {
        let p = try context.signedIn()
        guard p.holds(.viewDossiers) || p.holds(.manageProcedures) else { throw Forbidden() }
        let locale = context.locale
        let list = try await procedures.list(search: search)
        let figures = try await procedures.figures(on: oneStop.today)
        // The counters in the principal's scope, and the units an administrator may give an identifier.
        let visible = Set(p.scopes(for: .viewDossiers) + p.scopes(for: .manageProcedures)).sorted()
        let units = Dictionary(try await oneStop.units.list(scopes: visible).map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        let counterRows: [ProceduresPage.Counter] = try await dossiers.counters().compactMap { c in
            units[c.unitID].map { .init(unit: $0.name, agency: c.agencyCode, address: Template.optional(c.address), phone: Template.optional(c.phone)) }
        }
        let manageable = p.scopes(for: .manageProcedures)
        return try oneStop.views.page(ProceduresPage(
            form: form, q: search,
            procedures: list.map { p in
                .init(code: p.code, name: p.name, field: p.field, version: p.version, time: timeText(p.time, locale),
                      online: catalogs.label("online_level", p.onlineLevel.rawValue, locale), fee: p.fee, posted: p.isPosted,
                      valid: p.isValid(on: oneStop.today), valid_from: p.validFrom.vietnamese, valid_to: p.validTo.map(\.vietnamese),
                      documents: p.documents.count, steps: p.steps.count)
            },
            figures: .init(total: figures.total, posted: figures.posted, share: figures.postedShare,
                           levels: OnlineLevel.allCases.compactMap { l in figures.byLevel[l].map { .init(label: catalogs.label("online_level", l.rawValue, locale), count: $0) } }),
            can_manage: p.holds(.manageProcedures),
            levels: FormView.options(CompetentLevel.allCases.map { (value: $0.rawValue, label: catalogs.label("competent_level", $0.rawValue, locale)) },
                                     selected: form.values["level"] ?? "commune"),
            online_levels: FormView.options(OnlineLevel.allCases.map { (value: $0.rawValue, label: catalogs.label("online_level", $0.rawValue, locale)) },
                                            selected: form.values["online_level"] ?? ""),
            counters: counterRows, has_counters: !counterRows.isEmpty,
            counter_units: units.values.filter { u in u.isActive(on: oneStop.today) && manageable.contains { u.path.hasPrefix($0) } }
                .sorted { $0.path < $1.path }.map { .init(id: $0.id, name: $0.name) }), context, status: status)
    }

    func createProcedure(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let p = try context.signedIn()
        guard p.holds(.manageProcedures) else { throw Forbidden() }
        let form = try await FormData.read(request, context)
        let keys = ["code", "name", "field", "level", "time", "online_level", "fee", "documents", "steps", "legal_basis", "result", "version", "valid_from", "valid_to"]
        var draft = ProcedureDraft()
        draft.code = form["code"]; draft.name = form["name"]; draft.field = form["field"]; draft.level = form["level"]
        draft.time = form["time"]; draft.onlineLevel = form["online_level"]; draft.fee = form["fee"]; draft.documents = form["documents"]
        draft.steps = form["steps"]; draft.legalBasis = form["legal_basis"]; draft.result = form["result"]; draft.version = form["version"]
        draft.validFrom = form["valid_from"]; draft.validTo = form["valid_to"]
        draft.postedAtCounter = form.bool("posted_counter"); draft.postedOnPortal = form.bool("posted_portal")
        do {
            _ = try await procedures.create(try draft.inWords().validate(), by: context.actor)
            return HTMLPage.redirect("/one-stop/procedures")
        } catch {
            var view = FormView(values: keys.reduce(into: [:]) { $0[$1] = form[$1] })
            try view.absorb(error, catalogs: catalogs, locale: context.locale)
            return try await renderCatalogue("", context, status: .badRequest, form: view)
        }
    }

    func setCounter(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let form = try await FormData.read(request, context)
        guard let id = form.int("unit"), let unit = try await oneStop.units.get(id) else { throw StoreError.notFound("unit") }
        try context.require(.manageProcedures, atAnyOf: [unit.path])
        do {
            try await dossiers.setCounter(OneStopCounter(unitID: unit.id, agencyCode: form["agency_code"].tidied.uppercased(), address: form["address"].tidied,
                                                         phone: form["phone"]), by: context.actor)
            return HTMLPage.redirect("/one-stop/procedures")
        } catch {
            var view = FormView(values: ["agency_code": form["agency_code"], "address": form["address"], "phone": form["phone"]])
            try view.absorb(error, catalogs: catalogs, locale: context.locale)
            return try await renderCatalogue("", context, status: .badRequest, form: view)
        }
    }
}
