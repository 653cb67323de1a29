import CongvuDomain
import CongvuStore
import Foundation
import Hummingbird

/// The reform index through the API, by the pages' rules (issue 24): the rounds the caller sits on
/// the council of or takes part in, and a round's standings — every unit's for the council, and for
/// everyone taking part once published; before publication a unit reads only its own line.
struct ReformAPIController {
    let reform: ReformServices

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get("reform/rounds", use: rounds)
        group.get("reform/rounds/:id/results", use: results)
    }

    struct RoundsDTO: Codable, ResponseEncodable, SnakeCaseKeyed {
        struct RoundDTO: Codable {
            var id: Int64; var year: Int; var title: String; var framework: String; var example: Bool; var body: UnitDTO; var status: String
            var deadline: String; var decisionNumber: String; var decisionDay: String?; var units: Int; var submitted: Int; var council: Bool
            enum CodingKeys: String, CodingKey {
                case id, year, title, framework, example, body, status, deadline, decisionNumber = "decision_number", decisionDay = "decision_day", units,
                     submitted, council
            }
        }
        var rounds: [RoundDTO]
    }

    struct UnitDTO: Codable { var id: Int64; var name: String }

    struct ResultsDTO: Codable, ResponseEncodable, SnakeCaseKeyed {
        struct LineDTO: Codable {
            var unit: UnitDTO; var group: String; var points: String; var maximum: String; var index: String; var band: String; var rank: Int?; var of: Int?
            var submitted: Bool
        }
        var round: Int64
        var status: String
        /// Published: the locked results; otherwise the standing as it is now.
        var final: Bool
        var results: [LineDTO]
    }

    func rounds(_ request: Request, _ context: AppRequestContext) async throws -> RoundsDTO {
        let p = try context.signedIn()
        var out: [RoundsDTO.RoundDTO] = []
        for r in try await reform.store.rounds() {
            guard let body = try await reform.units.get(r.bodyID) else { continue }
            let participants = try await reform.store.participants(roundID: r.id)
            let council = p.allows(.appraiseReform, at: body.path)
            guard council || participants.contains(where: { p.allows(.assessReform, at: $0.unitPath) }) else { continue }
            let f = r.framework.framework
            out.append(.init(id: r.id, year: r.year, title: f.title, framework: "\(f.code)/\(f.version)", example: f.isExample, body: .init(id: body.id, name: body.name),
                             status: r.status.rawValue, deadline: r.deadline.description, decisionNumber: r.decisionNumber, decisionDay: r.decisionDay?.description,
                             units: participants.count, submitted: participants.filter { $0.submittedAt != nil }.count, council: council))
        }
        return RoundsDTO(rounds: out)
    }

    func results(_ request: Request, _ context: AppRequestContext) async throws -> ResultsDTO {
        let controller = ReformController(reform: reform)
        let s = try await controller.seat(context)
        let rows = try await controller.standings(s)
        return ResultsDTO(round: s.round.id, status: s.round.status.rawValue, final: s.round.status == .published, results: rows.map { r in
            .init(unit: .init(id: r.unitID, name: r.unit), group: r.group, points: r.points.description, maximum: r.maximum.description,
                  index: r.index.description, band: r.band, rank: r.rank, of: r.of, submitted: r.submitted)
        })
    }
}
