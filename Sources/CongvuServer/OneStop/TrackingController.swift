import CongvuDomain
import CongvuStore
import Foundation
import Hummingbird
import Synchronization

/// Requests per address in a sliding minute: public pages that anyone may call.
final class RateLimiter: Sendable {
    let perMinute: Int
    private let windows = Mutex<(pruned: Date, counts: [String: (start: Date, count: Int)])>((Date(), [:]))

    init(perMinute: Int) { self.perMinute = perMinute }

    /// True when the address may go on; counts the request.
    func allow(_ address: String, now: Date = Date()) -> Bool {
        guard perMinute > 0 else { return true }
        return windows.withLock { state in
            // Finished windows are dropped once a minute, not on every request.
            if now.timeIntervalSince(state.pruned) >= 60 {
                state.counts = state.counts.filter { now.timeIntervalSince($0.value.start) < 60 }
                state.pruned = now
            }
            var entry = state.counts[address] ?? (now, 0)
            if now.timeIntervalSince(entry.start) >= 60 { entry = (now, 0) }
            entry.count += 1
            state.counts[address] = entry
            return entry.count <= perMinute
        }
    }
}

/// Public tracking answers kept a few seconds, so that a flood of lookups (a page refreshed, a QR
/// code scanned again and again, a crawler) reaches the database once per code and lifetime;
/// unknown codes are kept too. This server's own changes to a dossier forget its entry at once.
typealias TrackingCache = ExpiringCache<PublicTracking?>

/// Public dossier tracking, without an account: a page (type the code or scan the receipt's QR)
/// and the same as JSON. Only the applicant's initials are shown; requests are rate-limited.
struct TrackingController {
    let oneStop: OneStopServices
    var catalogs: Catalogs { oneStop.views.catalogs }

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("tra-cuu", use: page)
        router.get("api/public/dossiers/:code", use: api)
    }

    func allowed(_ context: AppRequestContext) -> Bool {
        oneStop.trackingLimiter.allow(context.clientAddress)
    }

    func lookUp(_ code: String) async throws -> PublicTracking? {
        try await oneStop.trackingCache.value(code) { try await oneStop.dossiers.tracking(code: code) }
    }

    func view(_ t: PublicTracking, _ locale: AppLocale) -> TrackingPage.Dossier {
        .init(code: t.code, procedure: t.procedureName, unit: t.unitName, initials: t.initials,
              status: t.status.rawValue, status_label: catalogs.label("dossier_status", t.status.key, locale),
              received: t.receivedAt.map { Instant.display($0) }, due: t.dueAt.map { Instant.display($0) },
              promised: t.promisedAt.map { Instant.display($0) }, resolved: t.resolvedAt.map { Instant.display($0) },
              steps: t.steps.map { .init(at: Instant.display($0.at), action: catalogs.label("dossier_action", $0.action, locale),
                                         status: catalogs.label("dossier_status", $0.status.key, locale)) })
    }

    func page(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let asked = request.uri.queryParameters["ma"].map(String.init) ?? ""
        guard !asked.isEmpty else { return try oneStop.views.page(TrackingPage(), context) }
        guard allowed(context) else {
            return try oneStop.views.page(TrackingPage(asked: asked, error: catalogs.text("http_too_many_requests", context.locale)), context, status: .tooManyRequests)
        }
        guard let code = DossierCode.normalise(asked), let t = try await lookUp(code) else {
            return try oneStop.views.page(TrackingPage(asked: asked, error: catalogs.text("tracking_not_found", context.locale)), context, status: .notFound)
        }
        // Rating: from the receipt's QR (its tag) at any time after intake, or once the result is ready.
        let tag = request.uri.queryParameters["k"].map(String.init) ?? ""
        let rating = RatingController(oneStop: oneStop)
        var rateLink: String?
        if rating.access(code: code, tag: tag) == .receipt || t.status.isResolved, let subject = try await oneStop.dossiers.ratingSubject(code: code),
           (try? RatingAccess.check(rating.access(code: code, tag: tag), status: subject.status, rated: subject.rated, digits: nil,
                                    idNumber: subject.idNumber, phone: subject.phone)) != nil {
            rateLink = "/danh-gia?ma=\(code)" + (tag.isEmpty ? "" : "&k=\(tag)")
        }
        // The satisfaction survey, once the result was delivered, for the holder of the receipt.
        var surveyLink: String?
        if t.status == .delivered, rating.access(code: code, tag: tag) == .receipt, let subject = try await oneStop.dossiers.ratingSubject(code: code),
           let unit = try await oneStop.units.get(subject.unitID), !(try await SurveyStore(database: oneStop.database).answered(dossierCode: code)) {
            surveyLink = "/khao-sat/\(unit.code)?ma=\(code)&k=\(SurveyController.tag(code, oneStop.secrets))"
        }
        return try oneStop.views.page(TrackingPage(asked: asked, dossier: view(t, context.locale), rate_link: rateLink, survey_link: surveyLink), context)
    }

    struct Body: Encodable {
        struct Step: Encodable { var at: String; var action: String; var status: Int }
        var code: String
        var procedure: String
        var unit: String
        var applicant_initials: String
        var status: Int
        var status_key: String
        var received_at: String?
        var due_at: String?
        var promised_at: String?
        var resolved_at: String?
        var steps: [Step]
    }

    func api(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        guard allowed(context) else {
            throw Refusal(status: .tooManyRequests, key: "too_many_requests")
        }
        guard let code = context.parameters.get("code").flatMap(DossierCode.normalise),
              let t = try await lookUp(code) else {
            throw Refusal(status: .notFound, key: "dossier_not_found")
        }
        let body = Body(code: t.code, procedure: t.procedureName, unit: t.unitName, applicant_initials: t.initials, status: t.status.rawValue,
                        status_key: t.status.key, received_at: t.receivedAt.map(Instant.format), due_at: t.dueAt.map(Instant.format),
                        promised_at: t.promisedAt.map(Instant.format), resolved_at: t.resolvedAt.map(Instant.format),
                        steps: t.steps.map { Body.Step(at: Instant.format($0.at), action: $0.action, status: $0.status.rawValue) })
        return JSONReply.response(body)
    }
}

/// Public dossier tracking: initials only, no personal data.
struct TrackingPage: Page {
    static let template = "tracking"
    struct Step: Decodable { var at: String; var action: String; var status: String }
    struct Dossier: Decodable {
        var code: String
        var procedure: String
        var unit: String
        var initials: String
        var status: Int
        var status_label: String
        var received: String?
        var due: String?
        var promised: String?
        var resolved: String?
        var steps: [Step]
    }
    var asked: String?
    var error: String?
    var dossier: Dossier?
    var rate_link: String?
    var survey_link: String?
}
