import CongvuDomain
import CongvuStore
import Foundation
import Hummingbird

/// The surveys' results through the API (issue 26), by the results page's rules
/// (`SurveyResultsController.scope`): a receiving unit's responses for a period and questionnaire,
/// with the mean and the share satisfied and their 95 % intervals, overall, per SIPAS element and
/// per question. Officials' own results stay on their pages (the minimum of responses applies there).
struct SurveysAPIController {
    let results: SurveyResultsController

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get("surveys/results", use: summary)
    }

    struct StatDTO: Codable {
        var key: String; var count: Int; var mean: Double; var meanLow: Double?; var meanHigh: Double?; var satisfied: Double
        var satisfiedLow: Double; var satisfiedHigh: Double
        enum CodingKeys: String, CodingKey {
            case key, count, mean, meanLow = "mean_low", meanHigh = "mean_high", satisfied, satisfiedLow = "satisfied_low", satisfiedHigh = "satisfied_high"
        }

        init(_ key: String, _ s: SurveyStat) {
            self.key = key; count = s.count; mean = s.mean; meanLow = s.meanInterval?.lowerBound; meanHigh = s.meanInterval?.upperBound
            satisfied = s.satisfied; satisfiedLow = s.satisfiedInterval.lowerBound; satisfiedHigh = s.satisfiedInterval.upperBound
        }
    }

    struct SummaryDTO: Codable, ResponseEncodable {
        var unitId: Int64; var questionnaire: String; var from: String; var to: String; var responses: Int; var overall: StatDTO?
        var elements: [StatDTO]; var questions: [StatDTO]
        enum CodingKeys: String, CodingKey { case unitId = "unit_id", questionnaire, from, to, responses, overall, elements, questions }
    }

    /// `unit` (a unit the caller handles feedback of), `from`/`to` (days; default this quarter), `q` (the questionnaire's code).
    func summary(_ request: Request, _ context: AppRequestContext) async throws -> SummaryDTO {
        let q = request.uri.queryParameters
        var errors = ValidationErrors()
        for key in ["from", "to"] { if let d = q[Substring(key)], Day(String(d)) == nil { errors.add(key, "date_invalid") } }
        if let u = q["unit"], Int64(String(u)) == nil { errors.add("unit", "invalid") }
        if let c = q["q"], !Questionnaire.ready.contains(where: { $0.code == String(c) }) { errors.add("q", "invalid") }
        try errors.throwIfAny()
        let s = try await results.scope(request, context)
        guard let stored = try await results.store.current(s.code) else { throw StoreError.notFound("survey") }
        let responses = try await results.store.responses(unitIDs: [s.unit.id], from: s.from, to: s.to, code: s.code)
        let r = SurveyResults(responses.map(\.answers), questionnaire: stored.questionnaire)
        return SummaryDTO(unitId: s.unit.id, questionnaire: s.code, from: s.from.description, to: s.to.description, responses: r.responses,
                          overall: r.overall.map { StatDTO("overall", $0) },
                          elements: SIPASElement.allCases.compactMap { e in r.byElement[e].map { StatDTO(e.rawValue, $0) } },
                          questions: stored.questionnaire.questions.filter { $0.kind == .scale }.compactMap { q in r.byQuestion[q.code].map { StatDTO(q.code, $0) } })
    }
}
