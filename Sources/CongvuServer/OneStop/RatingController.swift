import CongvuDomain
import CongvuStore
import Foundation
import Hummingbird

/// The citizen's rating of a dossier, without an account: reached from the receipt's QR code
/// (tracking, then "rate"), from the tracking page once the result is ready, and on the counter's
/// tablet, which the officer opens in counter mode (no staff menu, no sign-out). One rating per
/// dossier; who may rate is `RatingAccess`. Rate-limited per address like tracking.
struct RatingController {
    let oneStop: OneStopServices
    var catalogs: Catalogs { oneStop.views.catalogs }
    var dossiers: DossierStore { oneStop.dossiers }

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("danh-gia", use: page)
        router.post("danh-gia", use: submit)
    }

    /// The receipt's tag of a dossier code.
    static func tag(_ code: String, _ oneStop: OneStopServices) -> String { oneStop.secrets.tag("rating", code) }

    /// The rating page of a dossier with its tag; `counter` for the counter's tablet.
    static func link(_ code: String, _ oneStop: OneStopServices, counter: Bool = false) -> String {
        "/danh-gia?ma=\(code)&k=\(tag(code, oneStop))" + (counter ? "&quay=1" : "")
    }

    /// What the request proves: the receipt's tag, or nothing yet (the last digits are asked).
    func access(code: String, tag: String) -> RatingAccess {
        !tag.isEmpty && FormData.constantTimeEqual(tag, Self.tag(code, oneStop)) ? .receipt : .lastDigits
    }

    struct Asked {
        var code: String
        var tag: String
        var counter: Bool
    }

    func page(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let q = request.uri.queryParameters
        let asked = Asked(code: q["ma"].map(String.init) ?? "", tag: q["k"].map(String.init) ?? "", counter: q["quay"] == "1")
        return try await render(request, context, asked, form: FormView())
    }

    func submit(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let form = try await FormData.read(request, context)
        let asked = Asked(code: form["ma"], tag: form["k"], counter: form["quay"] == "1")
        var view = FormView(values: ["comment": form["comment"], "digits": form["digits"]])
        guard oneStop.trackingLimiter.allow(context.clientAddress) else {
            return try await render(request, context, asked, form: view, status: .tooManyRequests, notice: "http_too_many_requests")
        }
        guard let code = DossierCode.normalise(asked.code), let subject = try await dossiers.ratingSubject(code: code) else {
            return try await render(request, context, asked, form: view, status: .notFound)
        }
        do {
            try RatingAccess.check(access(code: code, tag: asked.tag), status: subject.status, rated: subject.rated, digits: form["digits"],
                                   idNumber: subject.idNumber, phone: subject.phone)
            guard let s = Satisfaction(rawValue: form["satisfaction"]) else { throw ValidationErrors([FieldError("satisfaction", "required")]) }
            var scores: EvaluationScores?
            let given = EvaluationIndicator.allCases.compactMap { i in Int(form["score_\(i.rawValue)"]).map { (i, $0) } }
            if !given.isEmpty { scores = try EvaluationScores(Dictionary(uniqueKeysWithValues: given)) }
            try await dossiers.rate(subject.id, satisfaction: s, comment: form["comment"], scores: scores)
            return try await render(request, context, asked, form: FormView(), thanks: true, subject: subject)
        } catch let refusal as RatingAccess.Refusal {
            if refusal == .digitsWrong {
                view.errors["digits"] = catalogs.error(refusal.rawValue, context.locale)
                return try await render(request, context, asked, form: view, status: .badRequest, subject: subject)
            }
            return try await render(request, context, asked, form: view, status: refusal == .alreadyRated ? .conflict : .forbidden)
        } catch {
            try view.absorb(error, catalogs: catalogs, locale: context.locale)
            return try await render(request, context, asked, form: view, status: OneStopController.isConflict(error) ? .conflict : .badRequest,
                                    subject: subject)
        }
    }

    /// The page; `subject` when the caller has just read it (a refusal after rating is read afresh,
    /// since the rating changed it).
    func render(_ request: Request, _ context: AppRequestContext, _ asked: Asked, form: FormView, status: HTTPResponse.Status = .ok,
                thanks: Bool = false, notice: String? = nil, subject known: RatingSubject? = nil) async throws -> Response {
        let locale = context.locale
        let token = FormToken(request, context, secure: oneStop.config.cookiesSecure)
        var page = RatingPage(form: form, counter: asked.counter, thanks: thanks, form_csrf: token.value)
        func respond(_ status: HTTPResponse.Status) throws -> Response {
            var response = try oneStop.views.page(page, context, status: status)
            if let cookie = token.cookie { response.setCookie(cookie) }
            return response
        }
        if let notice {
            page.notice = catalogs.text(notice, locale)
            return try respond(status)
        }
        var subject = known
        if subject == nil, let code = DossierCode.normalise(asked.code) { subject = try await dossiers.ratingSubject(code: code) }
        guard let subject else {
            page.notice = catalogs.text("tracking_not_found", locale)
            return try respond(.notFound)
        }
        let code = subject.code
        page.d = .init(code: subject.code, procedure: subject.procedureName)
        page.ma = subject.code
        page.k = asked.tag
        guard !thanks else { return try respond(status) }
        let access = access(code: code, tag: asked.tag)
        do {
            try RatingAccess.check(access, status: subject.status, rated: subject.rated, digits: nil, idNumber: subject.idNumber, phone: subject.phone)
        } catch {
            page.notice = catalogs.error(error.rawValue, locale)
            return try respond(status == .ok ? (error == .alreadyRated ? .ok : .forbidden) : status)
        }
        page.can_rate = true
        page.ask_digits = access != .receipt
        page.choices = Satisfaction.allCases.map { .init(value: $0.rawValue, label: catalogs.label("satisfaction", $0.rawValue, locale)) }
        page.indicators = EvaluationIndicator.allCases.map { i in
            .init(key: i.rawValue, label: catalogs.label("indicator", i.rawValue, locale),
                  scores: (0...2).map { .init(value: String($0), label: catalogs.text("indicator_score_\($0)", locale)) })
        }
        return try respond(status)
    }
}

/// The public rating page (and the counter's tablet, `counter`, without the menu).
struct RatingPage: Page {
    static let template = "one-stop-rate"
    struct Dossier: Decodable { var code: String; var procedure: String }
    struct Choice: Decodable { var value: String; var label: String }
    struct Indicator: Decodable { var key: String; var label: String; var scores: [Choice] }
    var form: FormView
    var counter: Bool
    var layout: PageLayout { PageLayout(bare: counter) }
    var thanks: Bool
    var form_csrf: String
    var notice: String?
    var d: Dossier?
    var ma: String = ""
    var k: String = ""
    var can_rate = false
    var ask_digits = false
    var choices: [Choice] = []
    var indicators: [Indicator] = []
}
