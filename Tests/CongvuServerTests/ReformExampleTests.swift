import CongvuDomain
import CongvuServer
import Foundation
import Testing

/// The example commune framework shipped with the server (issue 24): it reads, passes the
/// framework's own checks, is marked as an example, holds the criteria and survey points as Hà
/// Tĩnh splits them for communes (70 / 30), and scores as its rules say.
@Suite struct ReformExampleTests {
    static func example() throws -> ReformFramework {
        let data = try Data(contentsOf: URL(fileURLWithPath: Resources.path("reform/vi-du-xa-2026.json")))
        return try JSONDecoder().decode(ReformFramework.self, from: data).validated()
    }

    @Test func theShippedExampleIsAValidFrameworkMarkedAsAnExample() throws {
        let f = try Self.example()
        #expect(f.isExample && f.issuer.contains("Ví dụ") && f.year == 2026 && f.peerGroups == ["commune", "ward"])
        #expect(f.areas.count == 8 && f.maximum(for: "commune") == Points("100") && f.maximum(for: "ward") == Points("99"),
                "the commune-only sub-criterion is out of a ward's maximum")
        let survey = f.subCriteria.filter { $0.method == .survey }.reduce(Points.zero) { $0 + $1.maximum }
        #expect(survey == Points("30"))
        // Every measure the system computes is used once, so a unit sees each of them in its projection.
        let measures = f.subCriteria.compactMap { s -> ReformMeasure? in if case .computed(let m) = s.method { return m.measure } else { return nil } }
        #expect(Set(measures) == Set(ReformMeasure.allCases.filter { $0 != .surveySatisfaction }) && measures.count == Set(measures).count)
        // Written back, it reads the same.
        #expect(try JSONDecoder().decode(ReformFramework.self, from: try JSONEncoder().encode(f)) == f)
    }

    @Test func aCommuneScoresOnTheExampleAsItsRulesSay() throws {
        let f = try Self.example()
        // Everything at its maximum but the dossiers (95 % on time: 4 of 5) and one discipline case.
        var points: [String: Points] = [:]
        for s in f.subCriteria where s.method.onScale { points[s.code] = s.maximum }
        guard case .computed(let dossiers) = f.subCriteria.first(where: { $0.code == "3.2.1" })?.method else { Issue.record("3.2.1 is computed"); return }
        points["3.2.1"] = dossiers.points(MeasureValue(950, of: 1000), maximum: Points("5")!)
        points["5.1.3"] = Points("1")
        let result = ReformResult(f, group: "commune", scores: ReformScores(points: points))
        #expect(result.points == Points("98") && result.index == Percent("98") && result.band?.code == "excellent")
        #expect(ReformResult.weak(f, group: "commune", scores: ReformScores(points: points), floor: Percent("85")!).map(\.code) == ["3.2.1"])
    }
}
