import CongvuDomain
import Foundation
import Testing

/// Surveys' rules: the ready questionnaires, answers checked against their version, the statistics
/// with their 95 % intervals, and the minimum of responses before one official's results show.
@Suite struct SurveyTests {
    @Test func theReadyQuestionnairesCoverTheFiveElements() throws {
        let sipas = try Questionnaire.sipas.validated()
        #expect(Set(sipas.questions.compactMap(\.element)) == Set(SIPASElement.allCases))
        #expect(try Questionnaire.attitude.validated().aboutOfficial)
        var broken = Questionnaire.sipas
        broken.questions.append(broken.questions[0])
        #expect(throws: ValidationErrors.self) { try broken.validated() }
        // A questionnaire round-trips as the data it is stored as.
        let data = try JSONEncoder().encode(sipas)
        #expect(try JSONDecoder().decode(Questionnaire.self, from: data) == sipas)
    }

    @Test func answersAreCheckedAgainstTheirVersion() throws {
        let q = Questionnaire.attitude
        let ok = try q.check(["polite": "5", "clear": " 4 ", "timely": "3", "honest": "5", "comment": "  Rất tận tình. "])
        #expect(ok == ["polite": "5", "clear": "4", "timely": "3", "honest": "5", "comment": "Rất tận tình."])
        func errors(_ a: [String: String]) -> [String] {
            do { _ = try q.check(a); return [] } catch let e as ValidationErrors { return e.errors.map { "\($0.field):\($0.key)" }.sorted() } catch { return ["?"] }
        }
        #expect(errors(["polite": "6", "clear": "4", "timely": "3", "honest": "5"]) == ["polite:survey_scale"])
        #expect(errors(["polite": "5", "clear": "4", "timely": "3"]) == ["honest:required"])
        #expect(errors(["polite": "5", "clear": "4", "timely": "3", "honest": "5", "extra": "1"]) == ["extra:survey_unknown_question"])
        #expect(errors(["polite": "x", "clear": "4", "timely": "3", "honest": "5", "comment": String(repeating: "a", count: 1_001)])
                == ["comment:too_long", "polite:survey_scale"])
    }

    @Test func statisticsCarryTheirIntervals() throws {
        // Ten answers, mean 4.0, sd 0.943: the normal interval is 4 ± 0.584; eight of ten satisfied.
        let s = try #require(SurveyStat([5, 5, 4, 4, 4, 4, 5, 3, 2, 4]))
        #expect(s.count == 10 && abs(s.mean - 4.0) < 1e-9 && abs(s.satisfied - 0.8) < 1e-9)
        let m = try #require(s.meanInterval)
        #expect(abs(m.lowerBound - 3.4157) < 1e-3 && abs(m.upperBound - 4.5843) < 1e-3)
        // Wilson at 8/10: 0.4902–0.9433 (the textbook values).
        #expect(abs(s.satisfiedInterval.lowerBound - 0.4902) < 1e-3 && abs(s.satisfiedInterval.upperBound - 0.9433) < 1e-3)
        // All satisfied still leaves room below 1; one answer has no mean interval; nothing, no statistic.
        let all = try #require(SurveyStat([5, 5, 5]))
        #expect(all.satisfied == 1 && abs(all.satisfiedInterval.upperBound - 1) < 1e-9 && abs(all.satisfiedInterval.lowerBound - 0.4385) < 1e-3)
        #expect(SurveyStat([4])?.meanInterval == nil && SurveyStat([]) == nil)
        #expect(SurveyStat.wilson(successes: 0, of: 0) == 0...1)
    }

    @Test func resultsGroupByElementAndQuestion() throws {
        let answers = [["access_place": "5", "access_info": "4", "official_attitude": "2", "comment": "x"],
                       ["access_place": "3", "official_attitude": "4", "result_time": "5"]]
        let r = SurveyResults(answers, questionnaire: .sipas)
        #expect(r.responses == 2 && r.overall?.count == 6)
        #expect(r.byElement[.access]?.count == 3 && r.byElement[.official]?.mean == 3 && r.byElement[.feedback] == nil)
        #expect(r.byQuestion["access_place"]?.mean == 4 && r.byQuestion["comment"] == nil)
    }

    @Test func oneOfficialsResultsShowOnlyFromTheMinimum() {
        #expect(!SurveyResults.shows(official: 9) && SurveyResults.shows(official: 10))
        #expect(SurveyResults.shows(official: 3, minimum: 3) && !SurveyResults.shows(official: 0, minimum: 0))
    }
}
