import CongvuDomain
import CongvuStore
import Foundation
import Hummingbird

/// Schedules through the API, by the pages' rules: a unit's week for whoever keeps its schedule
/// (drafts included), and its reception log's counts for a period (no citizen's identity).
struct SchedulesAPIController {
    let schedules: ScheduleServices

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get("schedules", use: week)
        group.get("reception/counts", use: counts)
    }

    struct WeekDTO: Codable, ResponseEncodable, SnakeCaseKeyed {
        struct EntryDTO: Codable {
            var id: Int64; var day: String; var start: String; var end: String; var content: String; var place: String; var chairId: Int64?
            var status: String; var sequence: Int; var reception: Bool; var away: Bool; var meetingUrl: String; var agenda: String
            var participantUnitIds: [Int64]
            enum CodingKeys: String, CodingKey {
                case id, day, start, end, content, place, chairId = "chair_id", status, sequence, reception, away, meetingUrl = "meeting_url", agenda,
                     participantUnitIds = "participant_unit_ids"
            }
        }
        var unitId: Int64
        var week: String
        var entries: [EntryDTO]
        enum CodingKeys: String, CodingKey { case unitId = "unit_id", week, entries }
    }

    struct CountsDTO: Codable, ResponseEncodable, SnakeCaseKeyed {
        var unitId: Int64
        var from: String
        var to: String
        var days: Int
        var citizens: Int
        var settled: Int
        var byClassification: [String: Int]
        var byHandling: [String: Int]
        enum CodingKeys: String, CodingKey {
            case unitId = "unit_id", from, to, days, citizens, settled, byClassification = "by_classification", byHandling = "by_handling"
        }
    }

    /// `unit` (default: the caller's first) and `week` (any day of it; default: this week).
    func week(_ request: Request, _ context: AppRequestContext) async throws -> WeekDTO {
        let controller = SchedulesController(schedules: schedules)
        let (unit, _, _) = try await controller.unit(request, context)
        let week = controller.dutyWeek(request)
        let entries = try await schedules.store.week(unitID: unit.id, week: week, publicOnly: false)
        return WeekDTO(unitId: unit.id, week: week.start.description, entries: entries.map { e in
            .init(id: e.id, day: e.day.description, start: e.start.description, end: e.end.description, content: e.content, place: e.place, chairId: e.chairID,
                  status: e.status.rawValue, sequence: e.sequence, reception: e.reception, away: e.away, meetingUrl: e.meetingURL, agenda: e.agenda,
                  participantUnitIds: e.participantUnits)
        })
    }

    /// `unit`, `from` and `to` as on the log's page (default: this month to date).
    func counts(_ request: Request, _ context: AppRequestContext) async throws -> CountsDTO {
        let s = try await ReceptionController(schedules: schedules).scope(request, context)
        let c = ReceptionCounts(try await schedules.receptions.list(unitIDs: [s.unit.id], from: s.from, to: s.to).map(\.record))
        return CountsDTO(unitId: s.unit.id, from: s.from.description, to: s.to.description, days: c.days, citizens: c.citizens, settled: c.settled,
                         byClassification: Dictionary(uniqueKeysWithValues: c.byClassification.map { ($0.key.rawValue, $0.value) }),
                         byHandling: Dictionary(uniqueKeysWithValues: c.byHandling.map { ($0.key.rawValue, $0.value) }))
    }
}
