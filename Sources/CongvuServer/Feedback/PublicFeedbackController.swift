import CongvuDomain
import CongvuStore
import Foundation
import Hummingbird

/// Feedback from citizens without an account: the unit's form (`/phan-anh/{unit code}`, reached by
/// the QR on the counter's poster and the hotline board) with the answers the unit published, and
/// the tracking page of an item (`/phan-anh/ma/{code}`), where the citizen reads the answer, says
/// whether it solved the matter and rates it. Filing is limited per address; nothing the citizen
/// typed is ever rendered as HTML.
struct PublicFeedbackController {
    let feedback: FeedbackServices
    var catalogs: Catalogs { feedback.views.catalogs }
    var store: FeedbackStore { feedback.store }

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("phan-anh/ma", use: lookup)
        router.get("phan-anh/ma/:code", use: tracking)
        router.post("phan-anh/ma/:code/giai-quyet", use: verdict)
        router.post("phan-anh/ma/:code/danh-gia", use: rate)
        router.get("phan-anh/:unit", use: page)
        router.post("phan-anh/:unit", use: submit)
    }

    func unit(_ context: AppRequestContext) async throws -> OrgUnit {
        guard let code = context.parameters.get("unit"), let unit = try await feedback.units.byCode(code), unit.isActive(on: feedback.today),
              FeedbackServices.receivingKinds.contains(unit.kind) else { throw StoreError.notFound("unit") }
        return unit
    }

    func page(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        try await render(request, context, unit: try await unit(context), form: FormView())
    }

    func render(_ request: Request, _ context: AppRequestContext, unit: OrgUnit, form: FormView, status: HTTPResponse.Status = .ok,
                notice: String? = nil) async throws -> Response {
        let locale = context.locale, now = Date()
        let categories = try await store.categories()
        let answered = try await store.published(unitIDs: [unit.id], category: nil, open: false, from: now.addingTimeInterval(-365 * 86_400), to: now, limit: 60)
            .filter { !$0.answer.isEmpty && $0.mergedInto == nil }.prefix(20)
        let token = FormToken(request, context, secure: feedback.config.cookiesSecure)
        var response = try feedback.views.page(FeedbackFormPage(
            form: form, form_csrf: token.value, unit: unit.name, code: unit.code,
            categories: FormView.options(categories.filter(\.active).map { ($0.code, $0.name(locale.rawValue)) }, selected: form.values["category"] ?? ""),
            notice: notice.map { catalogs.text($0, locale) },
            answered: answered.map { .init(code: $0.code, received: Instant.parse($0.receivedAt).map { Day($0, in: CivilTime.vietnam).vietnamese } ?? "",
                                           category: FeedbackController.name(categories, $0.category, locale), description: $0.description, answer: $0.answer,
                                           answered: $0.answeredDay?.vietnamese ?? "") },
            has_answered: !answered.isEmpty), context, status: status)
        if let cookie = token.cookie { response.setCookie(cookie) }
        return response
    }

    func submit(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let form = try await FormData.read(request, context)
        let unit = try await unit(context)
        var view = FormView(values: ["category": form["category"], "description": form["description"], "citizen_name": form["citizen_name"],
                                     "contact": form["contact"], "address": form["address"], "private": form.bool("private") ? "1" : "",
                                     "dossier_code": form["dossier_code"]])
        guard feedback.limiter.allow(context.clientAddress) else {
            return try await render(request, context, unit: unit, form: view, status: .tooManyRequests, notice: "http_too_many_requests")
        }
        do {
            let draft = FeedbackDraft(category: form["category"], channel: .web, description: form["description"], citizenName: form["citizen_name"],
                                      contact: form["contact"], address: form["address"], answerPrivately: form.bool("private"),
                                      dossierCode: form["dossier_code"])
            // Checked before the photos are written, so that a refused form leaves no file behind.
            let categories = try await store.categories()
            _ = try draft.validated(categories: categories)
            let item = try await feedback.file(draft, unit: unit, photos: try feedback.photos(form), categories: categories, by: Actor(id: nil, name: "citizen"))
            return HTMLPage.redirect("/phan-anh/ma/\(item.code)?moi=1")
        } catch {
            try view.absorb(error, catalogs: catalogs, locale: context.locale)
            return try await render(request, context, unit: unit, form: view, status: .badRequest)
        }
    }

    // MARK: Tracking

    /// The tracking form's answer: to the item's page, or back with a message.
    func lookup(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        guard let code = FeedbackCode.normalise(request.uri.queryParameters["ma"].map(String.init) ?? "") else {
            return try await renderTracking(request, context, code: "", item: nil)
        }
        return HTMLPage.redirect("/phan-anh/ma/\(code)")
    }

    func tracking(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        guard feedback.readLimiter.allow(context.clientAddress) else { throw Refusal(status: .tooManyRequests, key: "http_too_many_requests") }
        let code = FeedbackCode.normalise(context.parameters.get("code") ?? "")
        let item = try await code.asyncMap { try await store.get(code: $0) }.flatMap { $0 }
        return try await renderTracking(request, context, code: code ?? "", item: item, thanks: request.uri.queryParameters["moi"] == "1")
    }

    func renderTracking(_ request: Request, _ context: AppRequestContext, code: String, item: FeedbackItem?, form: FormView = FormView(),
                        status: HTTPResponse.Status = .ok, thanks: Bool = false, notice: String? = nil) async throws -> Response {
        let locale = context.locale
        let token = FormToken(request, context, secure: feedback.config.cookiesSecure)
        var page = FeedbackTrackingPage(form: form, form_csrf: token.value, code: code, found: item != nil, notice: notice.map { catalogs.text($0, locale) })
        // Spam is not shown as such: the citizen reads that it was received.
        if let item {
            let categories = try await store.categories()
            page.thanks = thanks
            let shown: FeedbackStatus = item.status == .spam ? .received : item.status
            page.status = catalogs.label("feedback_status", shown.rawValue, locale)
            page.status_code = shown.rawValue
            page.category = FeedbackController.name(categories, item.draft.category, locale)
            page.unit = try await feedback.units.get(item.ownerUnitID)?.name ?? ""
            page.received = item.receivedDay.vietnamese
            page.due = item.due.vietnamese
            page.description = item.draft.description
            page.answer = Template.optional(item.answer)
            page.answered = item.answeredDay?.vietnamese
            page.merged_into = try await item.mergedInto.asyncMap { try await store.get($0)?.code }.flatMap { $0 }
            let visible: Set<String> = ["filed", "assign", "forward", "escalate", "answer", "reopen", "merge", "solved", "close"]
            page.steps = item.status == .spam ? [] : try await store.events(item.id).filter { visible.contains($0.kind) }
                .map { .init(at: Instant.display($0.at), kind: catalogs.label("feedback_event", $0.kind, locale)) }
            page.ask_solved = item.status == .answered
            page.ask_rating = [.answered, .closed].contains(item.status) && !item.answer.isEmpty && item.satisfaction == nil
            page.rating = item.satisfaction.map { catalogs.label("satisfaction", $0.rawValue, locale) }
            page.choices = Satisfaction.allCases.map { Option(value: $0.rawValue, label: catalogs.label("satisfaction", $0.rawValue, locale), selected: false) }
        }
        var response = try feedback.views.page(page, context, status: item == nil && status == .ok && !code.isEmpty ? .notFound : status)
        if let cookie = token.cookie { response.setCookie(cookie) }
        return response
    }

    func tracked(_ context: AppRequestContext) async throws -> FeedbackItem {
        guard let code = FeedbackCode.normalise(context.parameters.get("code") ?? ""), let item = try await store.get(code: code) else {
            throw StoreError.notFound("feedback")
        }
        return item
    }

    /// "Is it solved?": yes closes the item; no reopens it with a new deadline and tells the owner unit's heads.
    func verdict(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let form = try await FormData.read(request, context)
        let item = try await tracked(context)
        guard feedback.limiter.allow(context.clientAddress) else {
            return try await renderTracking(request, context, code: item.code, item: item, status: .tooManyRequests, notice: "http_too_many_requests")
        }
        do {
            guard ["yes", "no"].contains(form["solved"]) else { throw ValidationErrors([FieldError("solved", "required")]) }
            let note = NotificationDraft(key: NotificationKey(.feedbackReopened, recordType: "feedback", recordID: item.id, occasion: ""), unitID: item.ownerUnitID,
                                         params: ["subject": "\(item.code): \(String(item.draft.description.prefix(80)))"])
            let heads = form["solved"] == "no" ? try await store.heads(of: item.ownerUnitID) + (item.ownerID.map { [$0] } ?? []) : []
            try await store.verdict(code: item.code, solved: form["solved"] == "yes", newDue: try await feedback.due(item, unitID: item.ownerUnitID),
                                    notify: note, heads: Array(Set(heads)))
            return HTMLPage.redirect("/phan-anh/ma/\(item.code)")
        } catch {
            var view = FormView()
            try view.absorb(error, catalogs: catalogs, locale: context.locale)
            return try await renderTracking(request, context, code: item.code, item: try await store.get(item.id), form: view,
                                            status: (error as? StoreError) != nil ? .conflict : .badRequest)
        }
    }

    /// The citizen's rating of the answer, once.
    func rate(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let form = try await FormData.read(request, context)
        let item = try await tracked(context)
        do {
            guard let s = Satisfaction(rawValue: form["satisfaction"]) else { throw ValidationErrors([FieldError("satisfaction", "required")]) }
            try await store.rate(code: item.code, s)
            return HTMLPage.redirect("/phan-anh/ma/\(item.code)")
        } catch {
            var view = FormView()
            try view.absorb(error, catalogs: catalogs, locale: context.locale)
            let conflict = (error as? StoreError).map { if case .conflict = $0 { true } else { false } } ?? false
            return try await renderTracking(request, context, code: item.code, item: try await store.get(item.id), form: view,
                                            status: conflict ? .conflict : .badRequest)
        }
    }
}
