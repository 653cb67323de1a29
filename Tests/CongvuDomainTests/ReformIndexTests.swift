import CongvuDomain
import Foundation
import Testing

/// Issue 24's rules: points kept exactly, the index over the applicable maximum, bands with floors
/// under every criterion, ranking with ties, measures turned into points, the workflow's refusals.
@Suite struct ReformIndexTests {
    static func p(_ text: String) -> Points { Points(text)! }
    static func pc(_ text: String) -> Percent { Percent(text)! }

    typealias F = ReformFramework

    /// A 100-point framework: four areas of 25, the last with a survey of 20; a sub-criterion worth
    /// 16 that applies to communes only; bands as most provinces publish them.
    static func framework(bands: [F.Band]? = nil, tieBreak: F.TieBreak = .surveyPoints) -> F {
        F(code: "xa-2026", version: 1, year: 2026, issuer: "UBND tỉnh", title: "Bộ chỉ số cải cách hành chính cấp xã", isExample: true,
          peerGroups: ["commune", "ward"],
          areas: [
            .init(code: "A1", name: "Công tác chỉ đạo, điều hành", criteria: [
                .init(code: "A1.1", name: "Kế hoạch", items: [
                    .init(code: "A1.1.1", name: "Ban hành kế hoạch đúng hạn", maximum: p("9"), method: .manual, evidenceRequired: true),
                    .init(code: "A1.1.2", name: "Nhiệm vụ hoàn thành đúng hạn", maximum: p("16"),
                          method: .computed(MeasureScoring(measure: .tasksOnTime)), appliesTo: ["commune"]),
                ]),
            ]),
            .init(code: "A2", name: "Cải cách thủ tục hành chính", criteria: [
                .init(code: "A2.1", name: "Giải quyết hồ sơ", items: [
                    .init(code: "A2.1.1", name: "Hồ sơ đúng hạn", maximum: p("15"), method: .computed(MeasureScoring(measure: .dossiersOnTime, steps: [
                        .init(atLeast: pc("100"), points: p("15")), .init(atLeast: pc("95"), points: p("10")), .init(atLeast: pc("90"), points: p("5")),
                    ]))),
                    .init(code: "A2.1.2", name: "Niêm yết thủ tục", maximum: p("10"), method: .manual),
                ]),
            ]),
            .init(code: "A3", name: "Cải cách chế độ công vụ", criteria: [
                .init(code: "A3.1", name: "Kỷ luật, kỷ cương", items: [
                    .init(code: "A3.1.1", name: "Chấp hành giờ giấc", maximum: p("25"), method: .manual),
                    .init(code: "A3.1.2", name: "Sáng kiến được công nhận", maximum: p("2"), method: .bonus),
                    .init(code: "A3.1.3", name: "Cán bộ bị kỷ luật", maximum: p("3"), method: .penalty),
                ]),
            ]),
            .init(code: "A4", name: "Tác động của cải cách", criteria: [
                .init(code: "A4.1", name: "Khảo sát", items: [
                    .init(code: "A4.1.1", name: "Hài lòng của người dân", maximum: p("20"), method: .survey),
                    .init(code: "A4.1.2", name: "Phản ánh trả lời đúng hạn", maximum: p("5"), method: .manual),
                ]),
            ]),
          ],
          bands: bands ?? [
            .init(code: "good", name: "Tốt", minimum: pc("80")), .init(code: "fair", name: "Khá", minimum: pc("70")),
            .init(code: "average", name: "Trung bình", minimum: pc("50")), .init(code: "weak", name: "Yếu", minimum: pc("0")),
          ], tieBreak: tieBreak)
    }

    @Test func pointsAreKeptInHundredthsAsWritten() {
        #expect(Points("68.32")?.hundredths == 6832 && Points("2,5")?.hundredths == 250 && Points("-1")?.hundredths == -100 && Points("0.05")?.hundredths == 5)
        for bad in ["", "1.234", "abc", "1..2", ".5", "1e3", "- 1"] { #expect(Points(bad) == nil, "\(bad)") }
        #expect([Points("68.32")!, Points("2.50")!, Points("10")!, Points("0.05")!, Points("-3.1")!].map(\.description) == ["68.32", "2.5", "10", "0.05", "-3.1"])
        #expect(Points("0.1")! + Points("0.2")! == Points("0.3")!, "no binary fractions")
        #expect(Percent(Points("68.32")!, of: Points("84")!).description == "81.33")
        #expect(Points("10")!.scaled(2, over: 3).description == "6.67")
    }

    /// Quế Phong's 76.26 is "Khá" under the usual bands, and 15th of 21 in its group.
    @Test func theSeedsIndexIsFairAndRankedFifteenthOfTwentyOne() {
        let f = Self.framework()
        let result = ReformResult(f, group: "commune", scores: ReformScores(points: [
            "A1.1.1": Self.p("8.5"), "A1.1.2": Self.p("12.26"), "A2.1.1": Self.p("10"), "A2.1.2": Self.p("9"), "A3.1.1": Self.p("20.5"),
            "A4.1.1": Self.p("13"), "A4.1.2": Self.p("3"),
        ]))
        #expect(result.points == Self.p("76.26") && result.maximum == Self.p("100") && result.index == Self.pc("76.26"))
        #expect(result.band?.code == "fair" && result.band?.name == "Khá")
        #expect(result.areas.map(\.points) == [Self.p("20.76"), Self.p("19"), Self.p("20.5"), Self.p("16")])
        #expect(result.survey == Self.p("13"))

        var results = [(unitID: Int64(15), result: result)]
        for i in 1...20 {
            // Fourteen above, six below.
            let total = i <= 14 ? "\(76 + i)" : "\(50 + i)"
            results.append((Int64(100 + i), ReformResult(f, group: "commune", scores: ReformScores(points: ["A3.1.1": Self.p("25"), "A4.1.1": Self.p("20"),
                "A2.1.2": Self.p("10"), "A1.1.2": Self.p("16"), "A2.1.1": Self.p(String(Int(total)! - 71))]))))
        }
        let ranking = ReformRanking.rank(results, tieBreak: f.tieBreak)
        let mine = ranking.first { $0.unitID == 15 }!
        #expect(mine.rank == 15 && mine.of == 21, "\(ranking.map { "\($0.unitID):\($0.index)" })")
    }

    /// The published example: 68.32 points where 16 do not apply is 81.33 %, not 68.32 %.
    @Test func aUnitIsScoredAgainstTheMaximumOfWhatAppliesToIt() {
        let f = Self.framework()
        let scores = ReformScores(points: ["A1.1.1": Self.p("8"), "A2.1.1": Self.p("10"), "A2.1.2": Self.p("8"), "A3.1.1": Self.p("20"),
                                           "A4.1.1": Self.p("18.32"), "A4.1.2": Self.p("4"), "A1.1.2": Self.p("16")])
        let ward = ReformResult(f, group: "ward", scores: scores)
        #expect(f.maximum(for: "ward") == Self.p("84") && ward.maximum == Self.p("84"))
        #expect(ward.points == Self.p("68.32") && ward.index == Self.pc("81.33") && ward.band?.code == "good")
        #expect(ward.criteria.first { $0.code == "A1.1" }?.maximum == Self.p("9"), "the commune-only sub-criterion is out of the ward's maximum")
        // A commune scored 16 on it; the same points otherwise.
        let commune = ReformResult(f, group: "commune", scores: scores)
        #expect(commune.points == Self.p("84.32") && commune.index == Self.pc("84.32"))
        // Declared not applicable (with the council's agreement): out of the maximum too.
        let declared = ReformResult(f, group: "commune", scores: ReformScores(points: scores.points, notApplicable: ["A1.1.2"]))
        #expect(declared.index == Self.pc("81.33"))
    }

    /// Nghệ An's draft: ≥ 90 with no criterion below 85 % excellent; 80–90 with none below 80 % good…
    @Test func aFloorUnderEveryCriterionKeepsAHighTotalOutOfTheTopBand() throws {
        let bands: [F.Band] = [
            .init(code: "excellent", name: "Xuất sắc", minimum: Self.pc("90"), criterionFloor: Self.pc("85")),
            .init(code: "good", name: "Tốt", minimum: Self.pc("80"), criterionFloor: Self.pc("80")),
            .init(code: "completed", name: "Hoàn thành", minimum: Self.pc("70"), criterionFloor: Self.pc("70")),
            .init(code: "not_completed", name: "Không hoàn thành", minimum: Self.pc("0")),
        ]
        let f = try Self.framework(bands: bands).validated()
        var full = ["A1.1.1": Self.p("9"), "A1.1.2": Self.p("16"), "A2.1.1": Self.p("15"), "A2.1.2": Self.p("10"), "A3.1.1": Self.p("25"),
                    "A4.1.1": Self.p("20"), "A4.1.2": Self.p("5")]
        #expect(ReformResult(f, group: "commune", scores: ReformScores(points: full)).band?.code == "excellent")
        // 92 in all, but "Giải quyết hồ sơ" at 80 % of its 25: good, and the page says why.
        full["A2.1.1"] = Self.p("10")
        full["A3.1.1"] = Self.p("22")
        let held = ReformResult(f, group: "commune", scores: ReformScores(points: full))
        #expect(held.index == Self.pc("92") && held.band?.code == "good" && held.belowFloor == ["A2.1"])
        // Lower still on that criterion (20 %): below every floor from 70 % up: not completed whatever the total.
        full["A2.1.1"] = Self.p("0")
        full["A2.1.2"] = Self.p("5")
        let low = ReformResult(f, group: "commune", scores: ReformScores(points: full))
        #expect(low.index == Self.pc("77") && low.band?.code == "not_completed" && low.belowFloor == ["A2.1"])
    }

    @Test func equalIndicesAreOrderedByTheSurveyThenShareTheirRank() {
        func unit(_ id: Int64, survey: String, rest: String) -> (unitID: Int64, result: ReformResult) {
            (id, ReformResult(Self.framework(), group: "commune", scores: ReformScores(points: ["A4.1.1": Self.p(survey), "A3.1.1": Self.p(rest)])))
        }
        let units = [unit(1, survey: "10", rest: "20"), unit(2, survey: "15", rest: "15"), unit(3, survey: "15", rest: "15"), unit(4, survey: "20", rest: "5")]
        let bySurvey = ReformRanking.rank(units, tieBreak: .surveyPoints)
        #expect(bySurvey.map(\.unitID) == [2, 3, 1, 4] && bySurvey.map(\.rank) == [1, 1, 3, 4], "\(bySurvey)")
        let shared = ReformRanking.rank(units, tieBreak: .shared)
        #expect(shared.map(\.rank) == [1, 1, 1, 4] && shared.allSatisfy { $0.of == 4 })
        #expect(ReformRanking.rank([], tieBreak: .shared).isEmpty)
    }

    /// A framework without a survey: the appraised points are the whole scale (70 of 70 is 100 %).
    @Test func withoutASurveyTheAppraisedPointsAreScaledToAHundred() {
        var f = Self.framework()
        f.areas[3].criteria[0].items.removeFirst()
        f.areas[1].criteria[0].items[1].maximum = Self.p("5")
        #expect(f.maximum(for: "commune") == Self.p("75"))
        let r = ReformResult(f, group: "commune", scores: ReformScores(points: ["A1.1.1": Self.p("9"), "A1.1.2": Self.p("16"), "A2.1.1": Self.p("15"),
                                                                               "A2.1.2": Self.p("5"), "A3.1.1": Self.p("22.5")]))
        #expect(r.points == Self.p("67.5") && r.index == Self.pc("90") && r.survey == .zero)
    }

    @Test func bonusAndPenaltyMoveTheTotalWithinTheScale() {
        let f = Self.framework()
        let base = ["A3.1.1": Self.p("25"), "A4.1.1": Self.p("20"), "A2.1.2": Self.p("10")]
        let r = ReformResult(f, group: "commune", scores: ReformScores(points: base.merging(["A3.1.2": Self.p("2"), "A3.1.3": Self.p("1.5")]) { $1 }))
        #expect(r.points == Self.p("55.5") && r.bonus == Self.p("2") && r.penalty == Self.p("1.5") && r.maximum == Self.p("100"))
        // Points above a maximum count as the maximum; the total never passes the scale nor goes below zero.
        let capped = ReformResult(f, group: "commune", scores: ReformScores(points: ["A3.1.2": Self.p("9"), "A1.1.1": Self.p("50"), "A2.1.1": Self.p("15"),
            "A1.1.2": Self.p("16"), "A2.1.2": Self.p("10"), "A3.1.1": Self.p("25"), "A4.1.1": Self.p("20"), "A4.1.2": Self.p("5")]))
        #expect(capped.points == Self.p("100") && capped.index == Self.pc("100"))
        #expect(ReformResult(f, group: "commune", scores: ReformScores(points: ["A3.1.3": Self.p("3")])).points == .zero)
    }

    @Test func aMeasuredShareBecomesPointsInProportionOrByStep() {
        let proportional = MeasureScoring(measure: .tasksOnTime)
        #expect(proportional.points(MeasureValue(45, of: 50), maximum: Self.p("16")) == Self.p("14.4"))
        #expect(proportional.points(MeasureValue(0, of: 0), maximum: Self.p("16")) == Self.p("16"), "nothing due: nothing late")
        #expect(MeasureScoring(measure: .tasksOnTime, whenNothing: .notApplicable).points(MeasureValue(0, of: 0), maximum: Self.p("16")) == nil)
        #expect(MeasureScoring(measure: .tasksOnTime, whenNothing: .zero).points(MeasureValue(0, of: 0), maximum: Self.p("16")) == .zero)
        let steps = Self.framework().subCriteria.first { $0.code == "A2.1.1" }!
        guard case .computed(let scoring) = steps.method else { Issue.record("computed"); return }
        #expect(scoring.points(MeasureValue(1000, of: 1000), maximum: steps.maximum) == Self.p("15"))
        #expect(scoring.points(MeasureValue(999, of: 1000), maximum: steps.maximum) == Self.p("10"), "99.9 % is not 100 %")
        #expect(scoring.points(MeasureValue(950, of: 1000), maximum: steps.maximum) == Self.p("10"))
        #expect(scoring.points(MeasureValue(899, of: 1000), maximum: steps.maximum) == .zero)
        #expect(MeasureValue(2, of: 3).share == Self.pc("66.67") && MeasureValue(1, of: 0).share == nil)
    }

    @Test func aFrameworkIsRefusedWithEachRuleItBreaks() throws {
        _ = try Self.framework().validated()
        func refusals(_ change: (inout F) -> Void) -> [String] {
            var f = Self.framework()
            change(&f)
            do { _ = try f.validated(); return [] } catch let e as ValidationErrors { return e.errors.map { "\($0.field) \($0.key)" } } catch { return ["\(error)"] }
        }
        #expect(refusals { $0.areas[1].criteria[0].items[1].code = "A1.1.1" } == ["areas reform_codes"])
        #expect(refusals { $0.areas[0].criteria[0].items[0].maximum = .zero } == ["A1.1.1 reform_maximum"])
        #expect(refusals { $0.areas[0].criteria[0].items[1].appliesTo = ["district"] } == ["A1.1.2 reform_peer_groups"])
        #expect(refusals { $0.bands.removeLast() } == ["bands reform_bands"], "a band must take every index")
        #expect(refusals { $0.bands.swapAt(0, 1) } == ["bands reform_bands"])
        #expect(refusals {
            $0.areas[1].criteria[0].items[0].method = .computed(MeasureScoring(measure: .dossiersOnTime, steps: [
                .init(atLeast: Self.pc("90"), points: Self.p("5")), .init(atLeast: Self.pc("95"), points: Self.p("10"))]))
        } == ["A2.1.1 reform_steps"])
        #expect(refusals { $0.areas[2].criteria = [] } == ["areas reform_empty"])
        #expect(refusals { $0.year = 1990; $0.title = " " } == ["title required", "year reform_year"])
    }

    @Test func aFrameworkIsKeptAsJSONWithItsPointsWritten() throws {
        let f = Self.framework()
        let data = try JSONEncoder().encode(f)
        #expect(String(decoding: data, as: UTF8.self).contains("\"maximum\":\"16\""))
        #expect(try JSONDecoder().decode(F.self, from: data) == f)
        #expect(try JSONDecoder().decode([Percent].self, from: Data(#"["81.33"]"#.utf8)) == [Self.pc("81.33")])
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([Points].self, from: Data(#"["1.234"]"#.utf8)) }
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([Percent].self, from: Data("[81.33]".utf8)) }
    }

    @Test func aUnitAssessesWithinTheRulesAndTheCouncilGivesItsReasons() throws {
        let f = Self.framework()
        let plan = f.subCriteria[0], measured = f.subCriteria[1]
        let deadline = Day("2026-12-15")!, today = Day("2026-12-10")!
        func refused(_ body: () throws -> Void) -> [String] {
            do { try body(); return [] } catch let e as ValidationErrors { return e.errors.map(\.key) } catch { return ["\(error)"] }
        }
        #expect(refused { try ReformAssessmentRules.selfAssessed(Self.p("8"), of: plan, evidence: 1, on: today, deadline: deadline) }.isEmpty)
        #expect(refused { try ReformAssessmentRules.selfAssessed(Self.p("9.5"), of: plan, evidence: 1, on: today, deadline: deadline) } == ["reform_points_above_maximum"])
        #expect(refused { try ReformAssessmentRules.selfAssessed(Self.p("8"), of: plan, evidence: 0, on: today, deadline: deadline) } == ["reform_evidence_required"])
        #expect(refused { try ReformAssessmentRules.selfAssessed(.zero, of: plan, evidence: 0, on: today, deadline: deadline) }.isEmpty, "no points, no evidence needed")
        #expect(refused { try ReformAssessmentRules.selfAssessed(Self.p("8"), of: plan, evidence: 1, on: deadline.next, deadline: deadline) } == ["reform_after_deadline"])
        #expect(refused { try ReformAssessmentRules.selfAssessed(Self.p("8"), of: measured, evidence: 1, on: today, deadline: deadline) } == ["reform_not_self_assessed"])
        #expect(refused { try ReformAssessmentRules.selfAssessed(Self.p("-1"), of: plan, evidence: 1, on: today, deadline: deadline) } == ["reform_points_negative"])

        #expect(refused { try ReformAssessmentRules.appraised(Self.p("6"), of: plan, before: Self.p("8"), reason: "") } == ["reform_reason_required"])
        #expect(refused { try ReformAssessmentRules.appraised(Self.p("6"), of: plan, before: Self.p("8"), reason: "Kế hoạch ban hành chậm 10 ngày") }.isEmpty)
        #expect(refused { try ReformAssessmentRules.appraised(Self.p("8"), of: plan, before: Self.p("8"), reason: "") }.isEmpty, "agreeing needs no reason")
        #expect(refused { try ReformAssessmentRules.appraised(Self.p("17"), of: measured, before: nil, reason: "Theo số liệu") } == ["reform_points_above_maximum"])
    }

    @Test func weakSubCriteriaAreThoseUnderTheFloorThatApply() {
        let f = Self.framework()
        let scores = ReformScores(points: ["A1.1.1": Self.p("9"), "A1.1.2": Self.p("4"), "A2.1.1": Self.p("15"), "A2.1.2": Self.p("5"),
                                           "A3.1.1": Self.p("25"), "A4.1.1": Self.p("20"), "A4.1.2": Self.p("5")], notApplicable: [])
        #expect(ReformResult.weak(f, group: "commune", scores: scores, floor: Self.pc("60")).map(\.code) == ["A1.1.2", "A2.1.2"])
        #expect(ReformResult.weak(f, group: "ward", scores: scores, floor: Self.pc("60")).map(\.code) == ["A2.1.2"], "what does not apply is not weak")
        #expect(ReformResult.weak(f, group: "commune", scores: scores, floor: Self.pc("50")).map(\.code) == ["A1.1.2"], "half is not under half")
    }

    @Test func aSheetStandsAtTheCouncilsPointsElseTheUnitsOrTheMeasures() {
        let f = Self.framework()
        var entries: [String: ReformEntry] = [
            "A1.1.1": ReformEntry(selfPoints: Self.p("8"), evidence: 1),
            // 3 of 4 tasks on time: 75 % of 16 points.
            "A1.1.2": ReformEntry(measured: MeasureValue(3, of: 4)),
            // 96 % of dossiers on time: the 95 % step.
            "A2.1.1": ReformEntry(measured: MeasureValue(96, of: 100)),
            "A2.1.2": ReformEntry(selfPoints: Self.p("10"), councilPoints: Self.p("6"), councilReason: "Niêm yết thiếu 4 thủ tục"),
            // The survey is the council's: a unit's own points there count for nothing.
            "A4.1.1": ReformEntry(selfPoints: Self.p("20")),
        ]
        let scores = ReformSheet.scores(f, entries: entries)
        #expect(scores.points == ["A1.1.1": Self.p("8"), "A1.1.2": Self.p("12"), "A2.1.1": Self.p("10"), "A2.1.2": Self.p("6")])
        #expect(ReformSheet.proposed(f.subCriteria[3], entries["A2.1.2"]) == Self.p("10"), "the unit's proposal stays beside the council's points")
        // What is scored so far: 36 of 9 + 16 + 15 + 10 = 50 points.
        let soFar = ReformSheet.scoredSoFar(f, group: "commune", entries: entries)
        #expect(soFar?.points == Self.p("36") && soFar?.maximum == Self.p("50") && soFar?.index == Self.pc("72"))
        #expect(ReformSheet.scoredSoFar(f, group: "commune", entries: [:]) == nil)
        // Points at risk, largest first: the survey's 20, A3.1.1's 25 unscored, then what each lost.
        #expect(ReformSheet.atRisk(f, group: "commune", entries: entries).map(\.code) == ["A3.1.1", "A4.1.1", "A2.1.1", "A4.1.2", "A1.1.2", "A2.1.2", "A1.1.1"])
        // A measure that found nothing scores as the framework says; "not applicable" leaves the scale.
        var g = f
        g.areas[0].criteria[0].items[1].method = .computed(MeasureScoring(measure: .tasksOnTime, whenNothing: .notApplicable))
        entries["A1.1.2"] = ReformEntry(measured: MeasureValue(0, of: 0))
        #expect(ReformSheet.scores(g, entries: entries).notApplicable == ["A1.1.2"])
        #expect(ReformResult(g, group: "commune", scores: ReformSheet.scores(g, entries: entries)).maximum == Self.p("84"))
        #expect(ReformSheet.scores(f, entries: entries).points["A1.1.2"] == Self.p("16"), "nothing due: nothing late")
        // The survey proposes its maximum in proportion to the system's satisfied answers; none without answers.
        #expect(ReformSheet.proposed(f.subCriteria[7], ReformEntry(measured: MeasureValue(170, of: 200))) == Self.p("17"))
        #expect(ReformSheet.proposed(f.subCriteria[7], ReformEntry(measured: MeasureValue(0, of: 0))) == nil)
        #expect(ReformSheet.points(f.subCriteria[7], ReformEntry(measured: MeasureValue(170, of: 200), councilPoints: Self.p("15"))) == Self.p("15"))
        // The council's "not applicable" does the same for any sub-criterion.
        entries["A4.1.2"] = ReformEntry(councilReason: "Không có phản ánh trong năm", notApplicable: true)
        #expect(ReformSheet.scores(f, entries: entries).notApplicable.contains("A4.1.2"))
    }

    @Test func aUnitSubmitsOnlyWithEveryManualScoreAndItsEvidence() {
        let f = Self.framework()
        #expect(ReformSheet.missing(f, group: "commune", entries: [:]) == ["A1.1.1", "A2.1.2", "A3.1.1", "A4.1.2"])
        let entries: [String: ReformEntry] = [
            "A1.1.1": ReformEntry(selfPoints: Self.p("8")),  // points without the evidence asked
            "A2.1.2": ReformEntry(selfPoints: .zero), "A3.1.1": ReformEntry(selfPoints: Self.p("20")),
            "A4.1.2": ReformEntry(councilReason: "Không có phản ánh", notApplicable: true),
        ]
        #expect(ReformSheet.missing(f, group: "commune", entries: entries) == ["A1.1.1"])
        var withEvidence = entries
        withEvidence["A1.1.1"]?.evidence = 2
        #expect(ReformSheet.missing(f, group: "commune", entries: withEvidence).isEmpty)
    }

    @Test func aFrameworkLeavingOutTheOptionalKeysReadsWithTheirDefaults() throws {
        var json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(Self.framework())) as! [String: Any]
        for key in ["is_example", "tie_break", "measures_version", "remediation_below"] { json[key] = nil }
        let f = try JSONDecoder().decode(F.self, from: JSONSerialization.data(withJSONObject: json))
        #expect(!f.isExample && f.tieBreak == .surveyPoints && f.measuresVersion == ReformMeasure.definitions && f.remediationBelow == Self.pc("50"))
        var bad = Self.framework()
        bad.measuresVersion = 9
        bad.remediationBelow = Self.pc("120")
        #expect(throws: ValidationErrors.self) { try bad.validated() }
    }

    @Test func aFrameworkGoesToATableAndBackAndEachFaultIsNamedByLine() throws {
        let f = Self.framework()
        // Written as CSV and read back, through the same CSV reader as every import.
        let csv = CSV.write(ReformFrameworkTable.rows(f))
        let read = ReformFrameworkTable.parse(try CSV.records(csv, aliases: ReformFrameworkTable.aliases))
        #expect(read.issues.isEmpty && read.framework == f)
        // As a Home Affairs office would type it: Vietnamese headers and words, a semicolon list.
        let typed = """
            Loại;Mã;Tên;Điểm tối đa;Phương pháp;Phép đo;Các mức;Khi không có;Áp dụng cho;Cần kiểm chứng
            thông tin;code;xa-2027;;;;;;;
            thông tin;version;1;;;;;;;
            thông tin;year;2027;;;;;;;
            thông tin;issuer;UBND tỉnh;;;;;;;
            thông tin;title;Bộ chỉ số cấp xã 2027;;;;;;;
            thông tin;peer_groups;commune, ward;;;;;;;
            xếp loại;tot;Tốt;80;;;;;;
            xếp loại;con-lai;Còn lại;0;;;;;;
            lĩnh vực;1;Chỉ đạo;;;;;;;
            tiêu chí;1.1;Kế hoạch;;;;;;;
            tiêu chí thành phần;1.1.1;Ban hành kế hoạch;2,5;tự chấm;;;;;x
            tiêu chí thành phần;1.1.2;Hồ sơ đúng hạn;4;tính từ số liệu;dossiers_on_time;"98:4; 90:2";;commune;
            tiêu chí thành phần;1.1.3;Hài lòng;10;điều tra;;;;;
            """
        let parsed = ReformFrameworkTable.parse(try CSV.records(typed, aliases: ReformFrameworkTable.aliases))
        let g = try #require(parsed.framework, "\(parsed.issues)")
        #expect(g.code == "xa-2027" && g.peerGroups == ["commune", "ward"] && g.subCriteria.count == 3 && g.maximum(for: "commune") == Self.p("16.5"))
        #expect(g.subCriteria[0].evidenceRequired && g.subCriteria[1].appliesTo == ["commune"])
        #expect(g.subCriteria[1].method == .computed(MeasureScoring(measure: .dossiersOnTime, steps: [.init(atLeast: Self.pc("98"), points: Self.p("4")),
                                                                                                     .init(atLeast: Self.pc("90"), points: Self.p("2"))])))
        // Faults, each on its line: an item before any criterion, an unknown measure, points not a number, a row of no known type.
        let faulty = """
            type,code,name,maximum,method,measure
            meta,code,x,,,
            area,1,Chỉ đạo,,,
            item,1.0.1,Trước tiêu chí,1,manual,
            criterion,1.1,Kế hoạch,,,
            item,1.1.1,Đo lạ,1,computed,no_such_measure
            item,1.1.2,Điểm lạ,nhiều,manual,
            ghi chú,,,,,
            """
        let faults = ReformFrameworkTable.parse(try CSV.records(faulty, aliases: ReformFrameworkTable.aliases))
        #expect(faults.framework == nil)
        #expect(faults.issues.map { "\($0.line) \($0.key)" } == ["4 reform_table_order", "6 reform_measure", "7 reform_points", "8 reform_table_type"])
        // A table whose lines read but whose whole breaks a rule: the framework's own check.
        let whole = ReformFrameworkTable.parse(try CSV.records("type,code,name\nmeta,code,x\n", aliases: ReformFrameworkTable.aliases))
        #expect(whole.framework == nil && whole.issues.contains { $0.key == "reform_bands" })
        #expect(ReformFrameworkTable.parse(try CSV.records("ma,ten\n", aliases: ReformFrameworkTable.aliases)).issues.map(\.key) == ["import_missing_column:type"])
    }
}
