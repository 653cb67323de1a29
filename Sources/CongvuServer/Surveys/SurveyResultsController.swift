import CongvuDomain
import CongvuStore
import Foundation
import Hummingbird

/// Survey results for the office and leaders (`/surveys`): per unit and period, the responses, the
/// mean and the share satisfied with their 95 % intervals, per SIPAS element and per question, the
/// counters' ratings of the same days beside them; each official's results for their heads, only
/// from the minimum of responses (`survey_official_minimum`, default 10); the raw anonymised
/// responses as a workbook. An official reads their own at `/surveys/me`, under the same minimum.
struct SurveyResultsController {
    let feedback: FeedbackServices
    var catalogs: Catalogs { feedback.views.catalogs }
    var store: SurveyStore { feedback.surveys }

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get(use: results)
        group.get("responses.xlsx", use: workbook)
        group.get("me", use: mine)
    }

    struct Scope {
        var unit: OrgUnit
        var units: [OrgUnit]
        var code: String
        var from: Day
        var to: Day
    }

    func scope(_ request: Request, _ context: AppRequestContext) async throws -> Scope {
        let (unit, units) = try await FeedbackController(feedback: feedback).pick(request, context)
        let q = request.uri.queryParameters, today = feedback.today
        let from = q["from"].flatMap { Day(String($0)) } ?? Day(year: today.year, month: ((today.month - 1) / 3) * 3 + 1, day: 1)!
        let code = q["q"].map(String.init).flatMap { c in Questionnaire.ready.contains { $0.code == c } ? c : nil } ?? "sipas"
        return Scope(unit: unit, units: units, code: code, from: from, to: max(from, q["to"].flatMap { Day(String($0)) } ?? today))
    }

    static func percent(_ x: Double) -> String { String(format: "%.0f%%", x * 100) }

    static func line(_ label: String, _ s: SurveyStat?) -> SurveyResultsPage.Line {
        guard let s else { return .init(label: label, count: 0, mean: "–", mean_interval: nil, satisfied: "–", satisfied_interval: "", meter: 0) }
        return .init(label: label, count: s.count, mean: String(format: "%.2f", s.mean),
                     mean_interval: s.meanInterval.map { String(format: "%.2f–%.2f", $0.lowerBound, $0.upperBound) },
                     satisfied: percent(s.satisfied), satisfied_interval: "\(percent(s.satisfiedInterval.lowerBound))–\(percent(s.satisfiedInterval.upperBound))",
                     meter: Int((s.satisfied * 100).rounded()))
    }

    func results(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let s = try await scope(request, context), p = try context.signedIn(), locale = context.locale
        guard let stored = try await store.current(s.code) else { throw StoreError.notFound("survey") }
        let q = stored.questionnaire
        let responses = try await store.responses(unitIDs: [s.unit.id], from: s.from, to: s.to, code: s.code)
        let r = SurveyResults(responses.map(\.answers), questionnaire: q)
        let elements = q.questions.contains { $0.element != nil }
            ? SIPASElement.allCases.map { Self.line(catalogs.label("sipas", $0.rawValue, locale), r.byElement[$0]) } : []
        let questions = q.questions.filter { $0.kind == .scale }.map { Self.line($0.text(locale.rawValue), r.byQuestion[$0.code]) }
        // The counters' own ratings of dossiers over the same days: very satisfied and satisfied count as satisfied.
        let counter = try await store.counterRatings(unitIDs: [s.unit.id], from: s.from, to: s.to)
        let rated = counter.values.reduce(0, +), pleased = (counter[.verySatisfied] ?? 0) + (counter[.satisfied] ?? 0)
        let counterLine = SurveyResultsPage.Line(label: catalogs.text("survey_counter_ratings", locale), count: rated, mean: "–", mean_interval: nil,
                                                 satisfied: rated == 0 ? "–" : Self.percent(Double(pleased) / Double(rated)),
                                                 satisfied_interval: rated == 0 ? "" : {
                                                     let w = SurveyStat.wilson(successes: Double(pleased), of: Double(rated))
                                                     return "\(Self.percent(w.lowerBound))–\(Self.percent(w.upperBound))"
                                                 }(), meter: rated == 0 ? 0 : Int((Double(pleased) * 100 / Double(rated)).rounded()))
        // Each official's, for their heads, only from the minimum.
        var officials: [SurveyResultsPage.Line] = [], hidden = 0
        let minimum = feedback.config.surveyOfficialMinimum
        let heads = try await Self.heads(p, of: s.unit, feedback.taskServices)
        if heads {
            let about = try await store.responses(unitIDs: [s.unit.id], from: s.from, to: s.to).filter { $0.officialID != nil }
            for (id, rs) in Dictionary(grouping: about, by: { $0.officialID! }) {
                guard SurveyResults.shows(official: rs.count, minimum: minimum) else { hidden += 1; continue }
                let name = try await feedback.people.get(id)?.person.fullName ?? "#\(id)"
                let stored = try await store.get(rs[0].questionnaireID)
                officials.append(Self.line(name, SurveyResults(rs.map(\.answers), questionnaire: stored?.questionnaire ?? .attitude).overall))
            }
            officials.sort { $0.label < $1.label }
        }
        let query = "unit=\(s.unit.id)&q=\(s.code)&from=\(s.from)&to=\(s.to)"
        return try feedback.views.page(SurveyResultsPage(
            unit: .init(id: s.unit.id, name: s.unit.name), code: s.unit.code,
            units: FormView.options(s.units.map { (String($0.id), $0.name) }, selected: String(s.unit.id)),
            questionnaires: FormView.options(Questionnaire.ready.map { ($0.code, $0.title(locale.rawValue)) }, selected: s.code),
            from: s.from.description, to: s.to.description, period: "\(s.from.vietnamese) – \(s.to.vietnamese)", query: query,
            responses: r.responses, overall: Self.line(catalogs.text("survey_overall", locale), r.overall), elements: elements, has_elements: !elements.isEmpty,
            questions: questions, counter: counterLine, heads: heads, officials: officials, has_officials: !officials.isEmpty,
            hidden: hidden.nonZero, minimum: minimum), context)
    }

    /// Whether the principal is a head over the unit: a leader's grant over it, or a leading post
    /// in it or above it (not the office, which runs the survey).
    static func heads(_ p: Principal, of unit: OrgUnit, _ tasks: TaskServices) async throws -> Bool {
        if p.grants.contains(where: { $0.role == .leader && unit.path.hasPrefix($0.unitPath) }) { return true }
        return try await tasks.headedUnits(p).contains { unit.path.hasPrefix($0) }
    }

    /// The raw responses, anonymous: day, channel, questionnaire version and each answer; never who answered, nor the official rated.
    func workbook(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let s = try await scope(request, context), locale = context.locale
        guard let stored = try await store.current(s.code) else { throw StoreError.notFound("survey") }
        let q = stored.questionnaire
        let responses = try await store.responses(unitIDs: [s.unit.id], from: s.from, to: s.to, code: s.code)
        var sheet = XLSXSheet(name: catalogs.text("survey_sheet", locale))
        sheet.title = "\(q.title(locale.rawValue)) · \(s.unit.name) · \(s.from.vietnamese) – \(s.to.vietnamese)"
        sheet.header = [catalogs.text("field_day", locale), catalogs.text("survey_channel", locale), catalogs.text("survey_version", locale)]
            + q.questions.map { $0.text(locale.rawValue) }
        sheet.rows = responses.map { r in
            [.text(r.day.description), .text(catalogs.label("survey_channel", r.channel.rawValue, locale)), .number(Double(r.version))]
                + q.questions.map { question in
                    let a = r.answers[question.code] ?? ""
                    return question.kind == .scale ? (Double(a).map { .number($0) } ?? .text("")) : .text(a)
                }
        }
        sheet.widths = [11, 14, 8] + q.questions.map { $0.kind == .scale ? 12 : 40 }
        return try XLSXSheet.response([sheet], filename: "khao-sat-\(s.code)-\(s.unit.code)-\(s.from)-\(s.to).xlsx")
    }

    /// An official's own results, from the minimum of responses on.
    func mine(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let p = try context.signedIn(), locale = context.locale, today = feedback.today
        guard let personID = p.personID, let record = try await feedback.people.get(personID) else { throw Forbidden() }
        let units = record.assignments.map(\.unit.id)
        let from = Day(year: today.year, month: 1, day: 1)!
        let rs = try await store.responses(unitIDs: units, from: from, to: today, officialID: personID)
        let minimum = feedback.config.surveyOfficialMinimum
        var lines: [SurveyResultsPage.Line] = []
        if SurveyResults.shows(official: rs.count, minimum: minimum), let attitude = try await store.current("attitude") {
            let r = SurveyResults(rs.map(\.answers), questionnaire: attitude.questionnaire)
            lines = [Self.line(catalogs.text("survey_overall", locale), r.overall)]
                + attitude.questionnaire.questions.filter { $0.kind == .scale }.map { Self.line($0.text(locale.rawValue), r.byQuestion[$0.code]) }
        }
        return try feedback.views.page(SurveyMinePage(period: "\(from.vietnamese) – \(today.vietnamese)", responses: rs.count, minimum: minimum,
                                                      shown: !lines.isEmpty, lines: lines), context)
    }
}

/// The results of a unit's survey over a period.
struct SurveyResultsPage: Page {
    static let template = "survey_results"
    struct Line: Decodable {
        var label: String
        var count: Int
        var mean: String
        var mean_interval: String?
        var satisfied: String
        var satisfied_interval: String
        /// The share satisfied in percent, for the bar.
        var meter: Int
    }
    var unit: UnitRef
    var code: String
    var units: [Option]
    var questionnaires: [Option]
    var from: String
    var to: String
    var period: String
    var query: String
    var responses: Int
    var overall: Line
    var elements: [Line]
    var has_elements: Bool
    var questions: [Line]
    var counter: Line
    var heads: Bool
    var officials: [Line]
    var has_officials: Bool
    var hidden: Int?
    var minimum: Int
}

/// An official's own survey results.
struct SurveyMinePage: Page {
    static let template = "survey_mine"
    var period: String
    var responses: Int
    var minimum: Int
    var shown: Bool
    var lines: [SurveyResultsPage.Line]
}
