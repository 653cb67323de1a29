import CongvuDomain
import CongvuStore
import Foundation
import Hummingbird

/// The office's feedback register (`/feedback`): every channel in one list with its figures, a
/// workbook and an A4 print; entering what came by the box, the hotline, e-mail or letter; each
/// item's page with its history and the moves the reader may make (assign, reassign, forward,
/// answer, merge, mark as spam); the openings of the suggestion box.
struct FeedbackController {
    let feedback: FeedbackServices
    var catalogs: Catalogs { feedback.views.catalogs }
    var store: FeedbackStore { feedback.store }

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get(use: list)
        group.post(use: enter)
        group.get("register.xlsx", use: workbook)
        group.get("box", use: box)
        group.get("box.xlsx", use: boxWorkbook)
        group.post("box", use: openBox)
        group.get(":id", use: item)
        group.post(":id/:action", use: move)
        group.get(":id/photos/:n", use: photo)
    }

    // MARK: The register

    struct Scope {
        var unit: OrgUnit
        var units: [OrgUnit]
        var filter: FeedbackFilter
        var query: [String: String]
    }

    /// The unit asked for among the receiving units the principal handles.
    func pick(_ request: Request, _ context: AppRequestContext) async throws -> (OrgUnit, [OrgUnit]) {
        let units = try await feedback.handledUnits(try context.signedIn())
        guard !units.isEmpty else { throw Forbidden() }
        let asked = request.uri.queryParameters["unit"].flatMap { Int64($0) }
        guard let unit = asked.flatMap({ id in units.first { $0.id == id } }) ?? (asked == nil ? units.first : nil) else { throw Forbidden() }
        return (unit, units)
    }

    func scope(_ request: Request, _ context: AppRequestContext) async throws -> Scope {
        let (unit, units) = try await pick(request, context)
        let q = request.uri.queryParameters
        func text(_ k: String) -> String { q[Substring(k)].map(String.init) ?? "" }
        let filter = FeedbackFilter(unitIDs: [unit.id], status: FeedbackStatus(rawValue: text("status")), category: Template.optional(text("category")),
                                    channel: FeedbackChannel(rawValue: text("channel")), overdueOn: text("overdue") == "1" ? feedback.today : nil,
                                    from: Day(text("from")), to: Day(text("to")), search: text("q"), includeSpam: text("status") == "spam",
                                    limit: 100, offset: max(0, Int(text("offset")) ?? 0))
        let keep = ["status", "category", "channel", "overdue", "from", "to", "q"].reduce(into: ["unit": String(unit.id)]) { out, k in
            if !text(k).isEmpty { out[k] = text(k) }
        }
        return Scope(unit: unit, units: units, filter: filter, query: keep)
    }

    static func query(_ values: [String: String]) -> String {
        values.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed.subtracting(CharacterSet(charactersIn: "&=+"))) ?? "")" }
            .joined(separator: "&")
    }

    func list(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        try await render(try await scope(request, context), context)
    }

    func render(_ s: Scope, _ context: AppRequestContext, form: FormView = FormView(), status: HTTPResponse.Status = .ok) async throws -> Response {
        let locale = context.locale, today = feedback.today
        let categories = try await store.categories()
        let page = try await store.list(s.filter)
        let names = try await unitNames(page.items.flatMap { [$0.ownerUnitID] })
        let rows = page.items.map { i in
            FeedbackListPage.Row(id: i.id, code: i.code, received: i.receivedDay.vietnamese, category: Self.name(categories, i.draft.category, locale),
                                 channel: catalogs.label("feedback_channel", i.draft.channel.rawValue, locale),
                                 status: catalogs.label("feedback_status", i.status.rawValue, locale), status_code: i.status.rawValue,
                                 due: i.due.vietnamese, overdue: FeedbackClock.isOverdue(status: i.status, due: i.due, today: today),
                                 escalated: i.escalationLevel > 0, description: String(i.draft.description.prefix(180)),
                                 owner: i.ownerUnitID == s.unit.id ? nil : names[i.ownerUnitID])
        }
        let year = Day(year: today.year, month: 1, day: 1)!
        let counts = FeedbackCounts(try await store.counted(unitIDs: [s.unit.id], from: s.filter.from ?? year, to: s.filter.to ?? today), today: today)
        let openings = try await store.openings(unitID: s.unit.id).filter { $0.entered < $0.letters }
        let staff = try await feedback.taskServices.staff(of: [s.unit])
        let v = form.values
        return try feedback.views.page(FeedbackListPage(
            form: form, unit: .init(id: s.unit.id, name: s.unit.name), code: s.unit.code,
            units: FormView.options(s.units.map { (String($0.id), $0.name) }, selected: String(s.unit.id)),
            statuses: FormView.options(FeedbackStatus.allCases.map { ($0.rawValue, catalogs.label("feedback_status", $0.rawValue, locale)) },
                                       selected: s.filter.status?.rawValue ?? ""),
            categories: FormView.options(categories.filter(\.active).map { ($0.code, $0.name(locale.rawValue)) }, selected: s.filter.category ?? ""),
            channels: FormView.options(FeedbackChannel.allCases.map { ($0.rawValue, catalogs.label("feedback_channel", $0.rawValue, locale)) },
                                       selected: s.filter.channel?.rawValue ?? ""),
            q: s.query["q"] ?? "", from: s.query["from"] ?? "", to: s.query["to"] ?? "", overdue: s.filter.overdueOn != nil,
            query: Self.query(s.query), rows: rows, has_rows: !rows.isEmpty, total: page.total,
            more: page.offset + page.items.count < page.total ? Self.query(s.query.merging(["offset": String(page.offset + page.limit)]) { $1 }) : nil,
            counts: Self.tiles(counts, catalogs: catalogs, locale: locale),
            entry_categories: FormView.options(categories.filter(\.active).map { ($0.code, $0.name(locale.rawValue)) }, selected: v["category"] ?? ""),
            entry_channels: FormView.options(FeedbackChannel.entered.map { ($0.rawValue, catalogs.label("feedback_channel", $0.rawValue, locale)) },
                                             selected: v["channel"] ?? ""),
            openings: FormView.options(openings.map { (String($0.id), "\($0.openedOn.vietnamese) · \($0.entered)/\($0.letters)") }, selected: v["box_opening"] ?? ""),
            people: FormView.options(staff.map { (String($0.personID), "\($0.fullName) · \($0.title)") }, selected: v["person"] ?? "")),
            context, status: status)
    }

    static func name(_ categories: [FeedbackCategory], _ code: String, _ locale: AppLocale) -> String {
        categories.first { $0.code == code }?.name(locale.rawValue) ?? code
    }

    static func tiles(_ c: FeedbackCounts, catalogs: Catalogs, locale: AppLocale) -> [FeedbackListPage.Tile] {
        [("feedback_count_total", String(c.total - (c.byStatus[.spam] ?? 0))),
         ("feedback_count_open", String((c.byStatus[.received] ?? 0) + (c.byStatus[.assigned] ?? 0))),
         ("feedback_count_overdue", String(c.overdue)), ("feedback_count_escalated", String(c.escalated)),
         ("feedback_count_on_time", c.onTimePercent.map { String(format: "%.0f%%", $0) } ?? "–")]
            .map { .init(label: catalogs.text($0.0, locale), value: $0.1) }
    }

    func unitNames(_ ids: [Int64]) async throws -> [Int64: String] {
        var out: [Int64: String] = [:]
        for id in Set(ids) { out[id] = try await feedback.units.get(id)?.name }
        return out
    }

    /// The office enters what came by the box, the hotline, e-mail or a letter.
    func enter(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let form = try await FormData.read(request, context)
        let s = try await scope(request, context)
        do {
            guard let channel = FeedbackChannel(rawValue: form["channel"]), FeedbackChannel.entered.contains(channel) else {
                throw ValidationErrors([FieldError("channel", "required")])
            }
            var opening: Int64?
            if channel == .box {
                guard let id = form.int("box_opening"), try await store.openings(unitID: s.unit.id).contains(where: { $0.id == id }) else {
                    throw ValidationErrors([FieldError("box_opening", "feedback_box_opening_required")])
                }
                opening = id
            }
            let staff = try await feedback.taskServices.staff(of: [s.unit])
            let person = form.int("person")
            if let person, !staff.contains(where: { $0.personID == person }) { throw ValidationErrors([FieldError("person", "required")]) }
            let draft = FeedbackDraft(category: form["category"], channel: channel, description: form["description"], citizenName: form["citizen_name"],
                                      contact: form["contact"], address: form["address"], answerPrivately: form.bool("private"), dossierCode: form["dossier_code"])
            let item = try await feedback.file(draft, unit: s.unit, personID: person, boxOpeningID: opening, photos: try feedback.photos(form), by: context.actor)
            return HTMLPage.redirect("/feedback/\(item.id)")
        } catch {
            var view = FormView(values: ["category": form["category"], "channel": form["channel"], "description": form["description"],
                                         "citizen_name": form["citizen_name"], "contact": form["contact"], "address": form["address"],
                                         "private": form.bool("private") ? "1" : "", "dossier_code": form["dossier_code"],
                                         "box_opening": form["box_opening"], "person": form["person"]])
            try view.absorb(error, catalogs: catalogs, locale: context.locale)
            return try await render(s, context, form: view, status: .badRequest)
        }
    }

    func workbook(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        var s = try await scope(request, context)
        let locale = context.locale, today = feedback.today
        s.filter.limit = 100_000
        s.filter.offset = 0
        let categories = try await store.categories()
        let items = try await store.list(s.filter).items
        let names = try await unitNames(items.map(\.ownerUnitID))
        let p = try context.signedIn()
        var sheet = XLSXSheet(name: catalogs.text("feedback_sheet", locale))
        sheet.title = "\(catalogs.text("feedback_title", locale)) · \(s.unit.name)"
        sheet.header = ["feedback_code", "feedback_received", "feedback_channel_label", "feedback_category", "feedback_description",
                        "feedback_citizen", "feedback_contact", "feedback_status_label", "feedback_owner", "feedback_due", "feedback_answered",
                        "feedback_escalations", "feedback_rating"].map { catalogs.text($0, locale) }
        sheet.rows = items.map { i in
            // The citizen's identity only for those who read it on the item's page.
            let sees = FeedbackServices.handles(p, s.unit) && i.ownerUnitID == s.unit.id
            return [.text(i.code), .text(i.receivedDay.description), .text(catalogs.label("feedback_channel", i.draft.channel.rawValue, locale)),
                    .text(Self.name(categories, i.draft.category, locale)), .text(i.draft.description), .text(sees ? i.draft.citizenName : ""),
                    .text(sees ? i.draft.contact : ""), .text(catalogs.label("feedback_status", i.status.rawValue, locale)),
                    .text(names[i.ownerUnitID] ?? ""), .text(i.due.description), .text(i.answeredDay?.description ?? ""),
                    .number(Double(i.escalationLevel)), .text(i.satisfaction.map { catalogs.label("satisfaction", $0.rawValue, locale) } ?? "")]
        }
        sheet.widths = [12, 11, 14, 24, 60, 20, 16, 14, 24, 11, 11, 8, 16]
        let counts = FeedbackCounts(try await store.counted(unitIDs: [s.unit.id], from: s.filter.from ?? Day(year: today.year, month: 1, day: 1)!,
                                                             to: s.filter.to ?? today), today: today)
        var summary = XLSXSheet(name: catalogs.text("feedback_sheet_counts", locale))
        summary.title = sheet.title
        summary.header = [catalogs.text("feedback_counts", locale), ""]
        summary.rows = Self.tiles(counts, catalogs: catalogs, locale: locale).map { [.text($0.label), .text($0.value)] }
            + categories.map { [.text($0.name(locale.rawValue)), .number(Double(counts.byCategory[$0.code] ?? 0))] }
            + FeedbackStatus.allCases.map { [.text(catalogs.label("feedback_status", $0.rawValue, locale)), .number(Double(counts.byStatus[$0] ?? 0))] }
            + (try await unitNames(Array(counts.byUnit.keys))).sorted { $0.value < $1.value }
                .map { [.text($0.value), .number(Double(counts.byUnit[$0.key] ?? 0))] }
        summary.widths = [40, 12]
        summary.landscape = false
        return try XLSXSheet.response([sheet, summary], filename: "phan-anh-\(s.unit.code)-\(today).xlsx")
    }

    // MARK: One item

    /// The item with its units, if the principal may read it: the handlers of the unit it was
    /// filed with, of its owner or of the level it was escalated to, and the person it is given to.
    func load(_ context: AppRequestContext) async throws -> (FeedbackItem, owner: OrgUnit, filed: OrgUnit) {
        let p = try context.signedIn()
        guard let id = context.parameters.get("id", as: Int64.self), let item = try await store.get(id),
              let owner = try await feedback.units.get(item.ownerUnitID), let filed = try await feedback.units.get(item.unitID) else {
            throw StoreError.notFound("feedback")
        }
        var reads = FeedbackServices.handles(p, owner) || FeedbackServices.handles(p, filed) || (p.personID != nil && p.personID == item.ownerID)
        if !reads, let e = item.escalatedUnitID, let unit = try await feedback.units.get(e) { reads = FeedbackServices.handles(p, unit) }
        guard reads else { throw Forbidden() }
        return (item, owner, filed)
    }

    func item(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let (item, owner, filed) = try await load(context)
        return try await render(item, owner: owner, filed: filed, context)
    }

    func render(_ item: FeedbackItem, owner: OrgUnit, filed: OrgUnit, _ context: AppRequestContext, form: FormView = FormView(),
                status: HTTPResponse.Status = .ok) async throws -> Response {
        let p = try context.signedIn(), locale = context.locale
        let categories = try await store.categories()
        let sees = FeedbackServices.seesCitizen(p, item, owner: owner), handles = FeedbackServices.handles(p, owner)
        let names = try await unitNames([item.unitID, item.ownerUnitID] + (item.escalatedUnitID.map { [$0] } ?? []))
        let person = try await item.ownerID.asyncMap { try await feedback.people.get($0)?.person.fullName }
        let concerned = try await item.personID.asyncMap { try await feedback.people.get($0)?.person.fullName }
        let merged = try await item.mergedInto.asyncMap { try await store.get($0) }
        // Whom to give it to: the people of the owner unit and of the units below it.
        let staff = handles ? try await feedback.taskServices.staff(of: [owner]) : []
        let targets = handles ? try await forwardTargets(owner) : []
        let history = try await store.events(item.id).map { e in
            FeedbackItemPage.Event(at: Instant.display(e.at), actor: e.actor == "citizen" ? catalogs.text("feedback_the_citizen", locale) : e.actor,
                                   kind: catalogs.label("feedback_event", e.kind, locale), reason: Template.optional(e.reason == "citizen_not_solved"
                                       ? catalogs.text("feedback_not_solved", locale) : e.reason))
        }
        let open = item.status.isOpen
        let answers = item.status == .assigned && (handles || (p.personID != nil && p.personID == item.ownerID))
        let sent = sees ? try await feedback.notifications.sentToAddresses(recordType: "feedback", recordID: item.id).map { s in
            FeedbackItemPage.Sent.Item(address: s.address, at: Instant.display(s.createdAt), state: catalogs.text("delivery_state_" + s.state, locale),
                                       reason: s.state == "failed" ? s.answer.map { NotificationServices.answer($0, catalogs, locale) } : nil)
        } : []
        return try feedback.views.page(FeedbackItemPage(
            form: form, id: item.id, code: item.code, version: item.version, status: catalogs.label("feedback_status", item.status.rawValue, locale),
            status_code: item.status.rawValue, category: Self.name(categories, item.draft.category, locale),
            channel: catalogs.label("feedback_channel", item.draft.channel.rawValue, locale), received: Instant.display(item.receivedAt),
            due: item.due.vietnamese, overdue: FeedbackClock.isOverdue(status: item.status, due: item.due, today: feedback.today),
            forward_by: item.forwardBy.vietnamese, description: item.draft.description, filed: names[item.unitID] ?? "",
            owner: names[item.ownerUnitID] ?? "", owner_person: person.flatMap { $0 }, escalated: item.escalatedUnitID.flatMap { names[$0] },
            escalations: item.escalationLevel.nonZero, sees_citizen: sees, citizen: sees ? Template.optional(item.draft.citizenName) : nil,
            contact: sees ? Template.optional(item.draft.contact) : nil, address: Template.optional(item.draft.address),
            private_answer: item.draft.answerPrivately, dossier: Template.optional(item.draft.dossierCode), concerned: concerned.flatMap { $0 },
            client: Template.optional(item.client), photos: sees ? (0..<item.photos).map { $0 + 1 } : [], answer: Template.optional(item.answer),
            answered: item.answeredAt.map { Instant.display($0) }, sent: sent.isEmpty ? nil : .init(items: sent),
            answer_note: Self.answerNote(item, sees: sees, catalogs, locale), rating: item.satisfaction.map { catalogs.label("satisfaction", $0.rawValue, locale) },
            solved: item.solved.map { catalogs.text($0 ? "feedback_solved_yes" : "feedback_solved_no", locale) }, reopened: item.reopened.nonZero,
            merged_into: merged.flatMap { $0.map { .init(id: $0.id, code: $0.code) } }, task: item.taskID, history: history,
            can_assign: handles && item.status == .received, can_reassign: handles && item.status == .assigned, can_forward: handles && open,
            can_answer: answers, can_merge: handles && open, tracking: "/phan-anh/ma/\(item.code)",
            units: FormView.options([(String(owner.id), owner.name)] + (try await feedback.units.list(scopes: [owner.path]))
                .filter { $0.id != owner.id && $0.isActive(on: feedback.today) && FeedbackServices.receivingKinds.contains($0.kind) }
                .map { (String($0.id), $0.name) }, selected: form.values["owner_unit"] ?? String(owner.id)),
            people: FormView.options(staff.map { (String($0.personID), "\($0.fullName) · \($0.unitName)") }, selected: form.values["owner"] ?? ""),
            targets: FormView.options(targets.map { (String($0.id), $0.name) }, selected: form.values["to_unit"] ?? "")),
            context, status: status)
    }

    /// How the citizen will hear of the answer: by the e-mail they gave, by a call to the phone
    /// they gave when they asked for a private answer, or by their tracking code alone.
    static func answerNote(_ item: FeedbackItem, sees: Bool, _ catalogs: Catalogs, _ locale: AppLocale) -> String? {
        let contact = item.draft.contact
        if Contact.isEmail(contact) {
            return sees ? catalogs.text("feedback_answer_emailed", locale, [contact]) : catalogs.text("feedback_answer_emailed_hidden", locale)
        }
        guard item.draft.answerPrivately else { return nil }
        if contact.isEmpty { return catalogs.text("feedback_answer_code_only", locale) }
        return catalogs.text("feedback_answer_call", locale, [sees ? contact : "…"])
    }

    /// Where an item may be forwarded: every active receiving unit in the province but its owner.
    func forwardTargets(_ owner: OrgUnit) async throws -> [OrgUnit] {
        let root = OrgUnit.ids(inPath: owner.path).first.map { OrgUnit.path(parentPath: nil, id: $0) } ?? owner.path
        return try await feedback.units.list(scopes: [root])
            .filter { $0.id != owner.id && $0.isActive(on: feedback.today) && FeedbackServices.receivingKinds.contains($0.kind) }
    }

    /// The office's and owner's moves: `assign`, `reassign`, `forward`, `answer`, `merge`, `spam`.
    func move(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let form = try await FormData.read(request, context)
        let (item, owner, filed) = try await load(context)
        let p = try context.signedIn()
        guard let action = FeedbackAction(rawValue: context.parameters.get("action") ?? ""),
              [.assign, .reassign, .forward, .answer, .merge, .spam].contains(action) else { throw StoreError.notFound("feedback") }
        let handles = FeedbackServices.handles(p, owner)
        guard handles || (action == .answer && p.personID != nil && p.personID == item.ownerID) else { throw Forbidden() }
        do {
            var m = FeedbackStore.Move(action: action, reason: form["reason"])
            switch action {
            case .assign, .reassign:
                let units = [owner] + (try await feedback.units.list(scopes: [owner.path])).filter { $0.id != owner.id }
                guard let unitID = form.int("owner_unit"), let unit = units.first(where: { $0.id == unitID }) else {
                    throw ValidationErrors([FieldError("owner_unit", "required")])
                }
                let staff = try await feedback.taskServices.staff(of: [unit])
                guard let person = form.int("owner"), let post = staff.first(where: { $0.personID == person }) else {
                    throw ValidationErrors([FieldError("owner", "required")])
                }
                m.ownerUnitID = unit.id
                m.ownerID = post.personID
                m.notify = NotificationDraft(key: NotificationKey(.feedbackAssigned, recordType: "feedback", recordID: item.id, occasion: ""), unitID: unit.id,
                                             params: ["subject": "\(item.code) · \(item.due.vietnamese): \(String(item.draft.description.prefix(80)))"])
                m.recipients = [post.personID]
                if form.bool("as_task"), let assigner = p.personID {
                    m.task = try await feedback.taskServices.task(title: "\(item.code): \(item.draft.description)", content: item.draft.description,
                                                                  source: TaskSource(kind: .feedback), owner: post.personID, due: item.due.description,
                                                                  assignerID: assigner, staff: staff)
                }
            case .forward:
                guard let to = form.int("to_unit"), let unit = try await forwardTargets(owner).first(where: { $0.id == to }) else {
                    throw ValidationErrors([FieldError("to_unit", "required")])
                }
                m.ownerUnitID = unit.id
                m.due = try await feedback.due(item, unitID: unit.id)
                m.notify = NotificationDraft(key: NotificationKey(.feedbackFiled, recordType: "feedback", recordID: item.id, occasion: ""), unitID: unit.id,
                                             params: ["subject": "\(owner.name) → \(unit.name): \(String(item.draft.description.prefix(80)))"])
                m.recipients = try await store.offices(of: unit.id)
            case .answer:
                m.answer = form["answer"]
            case .merge:
                guard let code = FeedbackCode.normalise(form["into"]), let target = try await store.get(code: code),
                      target.ownerUnitID == item.ownerUnitID || target.unitID == item.unitID else {
                    throw ValidationErrors([FieldError("into", "feedback_merge_target")])
                }
                m.mergedInto = target.id
            default:
                break
            }
            try await store.apply(m, to: item.id, version: form.int("version").map(Int.init) ?? -1, answeredBy: p.personID, by: context.actor)
            return HTMLPage.redirect("/feedback/\(item.id)")
        } catch {
            var view = FormView(values: ["answer": form["answer"], "reason": form["reason"], "owner_unit": form["owner_unit"], "owner": form["owner"],
                                         "to_unit": form["to_unit"], "into": form["into"]])
            try view.absorb(error, catalogs: catalogs, locale: context.locale)
            let fresh = try await store.get(item.id) ?? item
            return try await render(fresh, owner: owner, filed: filed, context, form: view,
                                    status: (error as? StoreError).map { if case .conflict = $0 { .conflict } else { .badRequest } } ?? .badRequest)
        }
    }

    /// A photo of the item, for those who see the citizen's details.
    func photo(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let (item, owner, _) = try await load(context)
        guard FeedbackServices.seesCitizen(try context.signedIn(), item, owner: owner) else { throw Forbidden() }
        let shas = try await store.photos(item.id)
        guard let n = context.parameters.get("n", as: Int.self), shas.indices.contains(n - 1), let data = feedback.files.read(sha: shas[n - 1]) else {
            throw StoreError.notFound("photo")
        }
        return UploadedFile.response(data, name: "\(item.code)-\(n)")
    }

    // MARK: The suggestion box

    func box(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let (unit, units) = try await pick(request, context)
        return try await renderBox(unit, units, context)
    }

    /// The box's openings as a workbook: the record the witnesses signed, with the letters entered.
    func boxWorkbook(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let (unit, _) = try await pick(request, context)
        let locale = context.locale
        var sheet = XLSXSheet(name: catalogs.text("feedback_box_title", locale))
        sheet.title = "\(catalogs.text("feedback_box_title", locale)) · \(unit.name)"
        sheet.header = ["feedback_opened_on", "feedback_opened_by", "feedback_witnesses", "feedback_letters", "feedback_entered"].map { catalogs.text($0, locale) }
        sheet.rows = try await store.openings(unitID: unit.id).map { o in
            [.text(o.openedOn.description), .text(o.openedBy), .text(o.witnesses), .number(Double(o.letters)), .number(Double(o.entered))]
        }
        sheet.widths = [12, 32, 48, 10, 10]
        sheet.landscape = false
        return try XLSXSheet.response([sheet], filename: "hom-thu-\(unit.code)-\(feedback.today).xlsx")
    }

    func renderBox(_ unit: OrgUnit, _ units: [OrgUnit], _ context: AppRequestContext, form: FormView = FormView(), status: HTTPResponse.Status = .ok) async throws -> Response {
        let openings = try await store.openings(unitID: unit.id)
        return try feedback.views.page(FeedbackBoxPage(
            form: form, unit: .init(id: unit.id, name: unit.name), units: FormView.options(units.map { (String($0.id), $0.name) }, selected: String(unit.id)),
            today: feedback.today.description,
            openings: openings.map { .init(day: $0.openedOn.vietnamese, opened_by: $0.openedBy, witnesses: $0.witnesses, letters: $0.letters,
                                           entered: $0.entered, complete: $0.entered >= $0.letters) },
            has_openings: !openings.isEmpty), context, status: status)
    }

    func openBox(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let form = try await FormData.read(request, context)
        let (unit, units) = try await pick(request, context)
        do {
            guard let day = Day(form["opened_on"]) else { throw ValidationErrors([FieldError("opened_on", "date_invalid")]) }
            guard let letters = Int(form["letters"].trimmingCharacters(in: .whitespaces)) else { throw ValidationErrors([FieldError("letters", "number_invalid")]) }
            _ = try await store.open(box: unit.id, on: day, openedBy: form["opened_by"], witnesses: form["witnesses"], letters: letters, by: context.actor)
            return HTMLPage.redirect("/feedback/box?unit=\(unit.id)")
        } catch {
            var view = FormView(values: ["opened_on": form["opened_on"], "opened_by": form["opened_by"], "witnesses": form["witnesses"], "letters": form["letters"]])
            try view.absorb(error, catalogs: catalogs, locale: context.locale)
            return try await renderBox(unit, units, context, form: view, status: .badRequest)
        }
    }
}

extension Optional {
    /// The wrapped value transformed by an async function; nil stays nil.
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        switch self {
        case .some(let v): return try await transform(v)
        case .none: return nil
        }
    }
}
