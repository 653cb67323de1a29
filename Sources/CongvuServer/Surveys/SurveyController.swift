import CongvuDomain
import CongvuStore
import Crypto
import Foundation
import Hummingbird

/// A captcha-free proof of work for the open survey: the page carries a signed, dated challenge;
/// the phone finds a number whose SHA-256 with it begins with three zero hex digits (about 4,000
/// tries, a fraction of a second), and the server checks it, once (the challenge is spent in the
/// database, so a second node refuses it too).
struct ProofOfWork {
    let secrets: SecretBox
    /// Leading zero hex digits asked of the hash.
    static let zeros = 3
    /// How long a challenge stays good.
    static let lifetime: TimeInterval = 1800

    func challenge(now: Date = Date()) -> String {
        let base = "\(Int(now.timeIntervalSince1970)).\(Token.random(bytes: 8))"
        return base + "." + secrets.tag("survey-pow", base)
    }

    /// Whether `nonce` solves a challenge this server gave in the last half hour.
    func solves(_ challenge: String, nonce: String, now: Date = Date()) -> Bool {
        let parts = challenge.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let issued = TimeInterval(parts[0]), nonce.count <= 20, !nonce.isEmpty, nonce.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }),
              Token.equal(String(parts[2]), secrets.tag("survey-pow", "\(parts[0]).\(parts[1])")),
              now.timeIntervalSince1970 - issued <= Self.lifetime, issued <= now.timeIntervalSince1970 + 60 else { return false }
        let digest = SHA256.hash(data: Data("\(challenge):\(nonce)".utf8))
        return digest.hexString.hasPrefix(String(repeating: "0", count: Self.zeros))
    }
}

/// Satisfaction surveys for citizens, without an account (`/khao-sat/{unit code}`): the ready
/// SIPAS questionnaire (`q=sipas`) or the officials' attitude (`q=attitude`, about one official).
/// Three ways in, each counted: bound to a delivered dossier by the link on its tracking page (one
/// response per dossier), the counter's tablet under the officer's session, or open (the counter's
/// poster), limited per address and behind a proof of work. Responses are anonymous.
struct SurveyController {
    let feedback: FeedbackServices
    var catalogs: Catalogs { feedback.views.catalogs }
    var store: SurveyStore { feedback.surveys }

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("khao-sat/:unit", use: page)
        router.post("khao-sat/:unit", use: submit)
    }

    /// The tag of a dossier's survey link (on its tracking page once delivered).
    static func tag(_ code: String, _ secrets: SecretBox) -> String { secrets.tag("survey", code) }

    struct Asked {
        var unit: OrgUnit
        var questionnaire: StoredQuestionnaire
        var channel: SurveyChannel
        var dossier: String?
        var tag: String
    }

    /// Who is answering and about what: a dossier's link, the counter's tablet, or the open survey.
    func asked(_ context: AppRequestContext, code: String, dossier: String, tag: String, counter: Bool) async throws -> Asked {
        guard let unitCode = context.parameters.get("unit"), let unit = try await feedback.units.byCode(unitCode), unit.isActive(on: feedback.today),
              FeedbackServices.receivingKinds.contains(unit.kind),
              let q = try await store.current(code.isEmpty ? "sipas" : code) else { throw StoreError.notFound("survey") }
        if !dossier.isEmpty {
            guard let subject = try await DossierStore(database: feedback.database).ratingSubject(code: dossier), subject.unitID == unit.id,
                  subject.status == .delivered, Token.equal(tag, Self.tag(subject.code, feedback.secrets)) else {
                throw Refusal(status: .forbidden, key: "survey_link_invalid")
            }
            return Asked(unit: unit, questionnaire: q, channel: .receipt, dossier: subject.code, tag: tag)
        }
        if counter, let p = context.principal, p.allows(.handleDossiers, at: unit.path) {
            return Asked(unit: unit, questionnaire: q, channel: .counter, dossier: nil, tag: "")
        }
        return Asked(unit: unit, questionnaire: q, channel: .open, dossier: nil, tag: "")
    }

    func page(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let q = request.uri.queryParameters
        let a = try await asked(context, code: q["q"].map(String.init) ?? "", dossier: q["ma"].map(String.init) ?? "", tag: q["k"].map(String.init) ?? "",
                                counter: q["quay"] == "1")
        return try await render(request, context, a, form: FormView())
    }

    func submit(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let form = try await FormData.read(request, context)
        let a = try await asked(context, code: form["q"], dossier: form["ma"], tag: form["k"], counter: form["quay"] == "1")
        let q = a.questionnaire.questionnaire
        var view = FormView(values: Dictionary(uniqueKeysWithValues: q.questions.map { ($0.code, form["a_\($0.code)"]) }))
        view.values["official"] = form["official"]
        if a.channel == .open {
            guard feedback.surveyLimiter.allow(context.clientAddress) else {
                return try await render(request, context, a, form: view, status: .tooManyRequests, notice: "http_too_many_requests")
            }
            let pow = ProofOfWork(secrets: feedback.secrets)
            guard pow.solves(form["challenge"], nonce: form["nonce"]), try await store.spend(challenge: form["challenge"]) else {
                return try await render(request, context, a, form: view, status: .badRequest, notice: "survey_proof_missing")
            }
        }
        do {
            let answers = try q.check(Dictionary(uniqueKeysWithValues: q.questions.map { ($0.code, form["a_\($0.code)"]) }))
            var official: Int64?
            if q.aboutOfficial {
                let staff = try await feedback.taskServices.staff(of: [a.unit])
                guard let id = form.int("official"), staff.contains(where: { $0.personID == id }) else {
                    throw ValidationErrors([FieldError("official", "required")])
                }
                official = id
            }
            try await store.respond(a.questionnaire, unitID: a.unit.id, officialID: official, dossierCode: a.dossier, channel: a.channel, answers: answers)
            return try await render(request, context, a, form: FormView(), thanks: true)
        } catch {
            try view.absorb(error, catalogs: catalogs, locale: context.locale)
            return try await render(request, context, a, form: view, status: (error as? StoreError) != nil ? .conflict : .badRequest)
        }
    }

    func render(_ request: Request, _ context: AppRequestContext, _ a: Asked, form: FormView, status: HTTPResponse.Status = .ok,
                thanks: Bool = false, notice: String? = nil) async throws -> Response {
        let locale = context.locale, q = a.questionnaire.questionnaire
        let token = FormToken(request, context, secure: feedback.config.cookiesSecure)
        let done = a.dossier != nil ? try await store.answered(dossierCode: a.dossier!) : false
        let scale = (1...5).map { (String($0), catalogs.text("survey_scale_\($0)", locale)) }
        let staff = q.aboutOfficial ? try await feedback.taskServices.staff(of: [a.unit]) : []
        var page = SurveyPage(
            form: form, form_csrf: token.value, unit: a.unit.name, code: a.unit.code, q: q.code, title: q.title(locale.rawValue),
            questions: q.questions.map { question in
                .init(code: question.code, text: question.text(locale.rawValue), scale: question.kind == .scale, required: question.required,
                      choices: question.kind == .scale ? FormView.options(scale, selected: form.values[question.code] ?? "") : [],
                      value: form.values[question.code] ?? "", error: form.errors[question.code])
            },
            about_official: q.aboutOfficial,
            officials: FormView.options(staff.map { (String($0.personID), "\($0.fullName) · \($0.title)") }, selected: form.values["official"] ?? ""),
            ma: a.dossier ?? "", k: a.tag, counter: a.channel == .counter, challenge: a.channel == .open ? ProofOfWork(secrets: feedback.secrets).challenge() : nil,
            zeros: ProofOfWork.zeros, thanks: thanks, notice: notice.map { catalogs.text($0, locale) },
            closed: done && !thanks, other: q.code == "sipas" ? "attitude" : "sipas",
            other_title: (try await store.current(q.code == "sipas" ? "attitude" : "sipas"))?.questionnaire.title(locale.rawValue) ?? "")
        if a.channel == .receipt { page.other = nil }
        var response = try feedback.views.page(page, context, status: status)
        if let cookie = token.cookie { response.setCookie(cookie) }
        return response
    }
}

/// A survey to answer, on a phone or the counter's tablet.
struct SurveyPage: Page {
    static let template = "survey"
    struct Question: Decodable {
        var code: String
        var text: String
        var scale: Bool
        var required: Bool
        var choices: [Option]
        var value: String
        var error: String?
    }
    var form: FormView
    var form_csrf: String
    var unit: String
    var code: String
    var q: String
    var title: String
    var questions: [Question]
    var about_official: Bool
    var officials: [Option]
    var ma: String
    var k: String
    var counter: Bool
    var challenge: String?
    var zeros: Int
    var thanks: Bool
    var notice: String?
    var closed: Bool
    var other: String?
    var other_title: String

    var layout: PageLayout { PageLayout(bare: counter) }
}
