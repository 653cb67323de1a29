import CongvuDomain
import CongvuStore
import Foundation
import Hummingbird

/// Inspections through the API: the visits the caller may see, one visit with its roll, answers,
/// violations and recommendations, and a body's coverage for a year. The same rules as the pages:
/// inspectors see every visit of their scope, units see their minutes once finalised.
struct InspectionsAPIController {
    let inspections: InspectionServices

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get("inspections", use: list)
        group.get("inspections/coverage", use: coverage)
        group.get("inspections/:id", use: one)
    }

    struct VisitDTO: Codable, ResponseEncodable, SnakeCaseKeyed {
        struct RollDTO: Codable {
            var personId: Int64; var name: String; var state: String; var sighting: String?; var finding: String?
            enum CodingKeys: String, CodingKey { case personId = "person_id", name, state, sighting, finding }
        }
        struct AnswerDTO: Codable { var code: String; var result: String; var note: String }
        struct ViolationDTO: Codable {
            var personId: Int64; var name: String; var kind: String; var explanationId: Int64?
            enum CodingKeys: String, CodingKey { case personId = "person_id", name, kind, explanationId = "explanation_id" }
        }
        struct RecommendationDTO: Codable {
            var text: String; var ownerId: Int64; var due: String; var taskId: Int64?; var taskStatus: String?
            enum CodingKeys: String, CodingKey { case text, ownerId = "owner_id", due, taskId = "task_id", taskStatus = "task_status" }
        }
        var id: Int64
        var unitId: Int64
        var unitName: String
        var kind: String
        var status: String
        var plannedFor: String?
        var startedAt: String?
        var endedAt: String?
        var number: Int?
        var year: Int
        var contentHash: String?
        var roll: [RollDTO]?
        var answers: [AnswerDTO]?
        var violations: [ViolationDTO]?
        var recommendations: [RecommendationDTO]?
        enum CodingKeys: String, CodingKey {
            case id, unitId = "unit_id", unitName = "unit_name", kind, status, plannedFor = "planned_for", startedAt = "started_at",
                 endedAt = "ended_at", number, year, contentHash = "content_hash", roll, answers, violations, recommendations
        }
    }

    struct ListDTO: Codable, ResponseEncodable, SnakeCaseKeyed { var items: [VisitDTO] }

    struct CoverageDTO: Codable, ResponseEncodable, SnakeCaseKeyed {
        struct UnitDTO: Codable {
            var unitId: Int64; var name: String; var visits: Int; var last: String?; var violations: Int
            enum CodingKeys: String, CodingKey { case unitId = "unit_id", name, visits, last, violations }
        }
        var bodyId: Int64
        var year: Int
        var inspected: Int
        var inScope: Int
        var visits: Int
        var units: [UnitDTO]
        var failuresByTheme: [String: Int]
        var violationsByKind: [String: Int]
        var recommendationsOpen: Int
        var recommendationsOverdue: Int
        var recommendationsDone: Int
        enum CodingKeys: String, CodingKey {
            case bodyId = "body_id", year, inspected, inScope = "in_scope", visits, units, failuresByTheme = "failures_by_theme",
                 violationsByKind = "violations_by_kind", recommendationsOpen = "recommendations_open",
                 recommendationsOverdue = "recommendations_overdue", recommendationsDone = "recommendations_done"
        }
    }

    func dto(_ v: InspectionVisit, record: VisitRecord? = nil) -> VisitDTO {
        VisitDTO(id: v.id, unitId: v.unitID, unitName: v.unitName, kind: v.kind.rawValue, status: v.status.rawValue, plannedFor: v.plannedFor?.description,
                 startedAt: v.startedAt.map(Instant.format), endedAt: v.endedAt.map(Instant.format), number: v.number, year: v.year, contentHash: v.contentHash,
                 roll: record?.roll.map { .init(personId: $0.personID, name: $0.fullName, state: $0.state.rawValue, sighting: $0.sighting?.rawValue,
                                                finding: $0.finding?.rawValue) },
                 answers: record?.answers.map { .init(code: $0.code, result: $0.result.rawValue, note: $0.note) },
                 violations: record?.violations.map { .init(personId: $0.personID, name: $0.fullName, kind: $0.kind.rawValue, explanationId: $0.explanationID) },
                 recommendations: record?.recommendations.map { .init(text: $0.text, ownerId: $0.ownerID, due: $0.due.description, taskId: $0.taskID,
                                                                      taskStatus: $0.taskStatus?.rawValue) })
    }

    /// Visits the caller may see, newest first; `year` narrows them.
    func list(_ request: Request, _ context: AppRequestContext) async throws -> ListDTO {
        let p = try context.signedIn()
        let year = try request.uri.queryParameters["year"].map { text -> Int in
            guard let y = Int(text), (2000...2100).contains(y) else { throw ValidationErrors([FieldError("year", "invalid")]) }
            return y
        }
        let inspect = p.scopes(for: .inspect)
        var visits = inspect.isEmpty ? [] : try await inspections.store.visits(scopes: inspect, finalisedOnly: false, year: year)
        let seen = Set(visits.map(\.id))
        visits += try await inspections.store.visits(scopes: try await inspections.readScopes(p), finalisedOnly: true, year: year).filter { !seen.contains($0.id) }
        return ListDTO(items: visits.map { dto($0) })
    }

    func one(_ request: Request, _ context: AppRequestContext) async throws -> VisitDTO {
        let v = try await inspections.visit(context)
        return dto(v, record: try await inspections.store.record(v.id))
    }

    /// A body's year: `body` (default: the caller's first inspecting or reading grant) and `year`.
    func coverage(_ request: Request, _ context: AppRequestContext) async throws -> CoverageDTO {
        let (body, _, r) = try await CoverageController(inspections: inspections).report(request, context)
        let names = Dictionary(r.units.map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a })
        return CoverageDTO(bodyId: body.id, year: r.year, inspected: r.coverage.inspected, inScope: r.coverage.inScope, visits: r.visits,
                           units: r.coverage.lines.map { .init(unitId: $0.unitID, name: names[$0.unitID] ?? "", visits: $0.visits, last: $0.last?.description,
                                                                violations: r.violationsByUnit[$0.unitID] ?? 0) },
                           failuresByTheme: r.failuresByTheme, violationsByKind: Dictionary(uniqueKeysWithValues: r.violationsByKind.map { ($0.key.rawValue, $0.value) }),
                           recommendationsOpen: r.recommendationsOpen, recommendationsOverdue: r.recommendationsOverdue, recommendationsDone: r.recommendationsDone)
    }
}
