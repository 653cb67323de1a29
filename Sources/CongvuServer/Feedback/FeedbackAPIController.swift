import CongvuDomain
import CongvuStore
import Foundation
import Hummingbird

/// The feedback register through the API (issue 26), by the register's rules (`FeedbackController`):
/// a receiving unit's items with the page's filters, and one item with its history for whoever may
/// read it (its handlers, its owner, the level it was escalated to). Open311 stays the citizens' API.
struct FeedbackAPIController {
    let register: FeedbackController

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get("feedback", use: list)
        group.get("feedback/:id", use: one)
    }

    struct ItemDTO: Codable, ResponseEncodable {
        struct EventDTO: Codable { var at: String; var actor: String; var kind: String; var reason: String; var detail: String }
        var id: Int64; var code: String; var unitId: Int64; var ownerUnitId: Int64; var ownerId: Int64?; var category: String; var channel: String
        var status: String; var description: String; var citizenName: String; var contact: String; var address: String; var receivedAt: String
        var due: String; var overdue: Bool; var escalationLevel: Int; var answer: String; var answeredAt: String?; var answerPrivately: Bool
        var satisfaction: String?; var solved: Bool?; var mergedInto: Int64?; var taskId: Int64?; var photos: Int; var events: [EventDTO]?
        enum CodingKeys: String, CodingKey {
            case id, code, unitId = "unit_id", ownerUnitId = "owner_unit_id", ownerId = "owner_id", category, channel, status, description,
                 citizenName = "citizen_name", contact, address, receivedAt = "received_at", due, overdue, escalationLevel = "escalation_level",
                 answer, answeredAt = "answered_at", answerPrivately = "answer_privately", satisfaction, solved, mergedInto = "merged_into",
                 taskId = "task_id", photos, events
        }

        init(_ i: FeedbackItem, today: Day, events: [FeedbackEvent]? = nil) {
            id = i.id; code = i.code; unitId = i.unitID; ownerUnitId = i.ownerUnitID; ownerId = i.ownerID; category = i.draft.category
            channel = i.draft.channel.rawValue; status = i.status.rawValue; description = i.draft.description; citizenName = i.draft.citizenName
            contact = i.draft.contact; address = i.draft.address; receivedAt = Instant.format(i.receivedAt); due = i.due.description
            overdue = FeedbackClock.isOverdue(status: i.status, due: i.due, today: today); escalationLevel = i.escalationLevel; answer = i.answer
            answeredAt = i.answeredAt.map(Instant.format); answerPrivately = i.draft.answerPrivately; satisfaction = i.satisfaction?.rawValue
            solved = i.solved; mergedInto = i.mergedInto; taskId = i.taskID; photos = i.photos
            self.events = events?.map { .init(at: Instant.format($0.at), actor: $0.actor, kind: $0.kind, reason: $0.reason, detail: $0.detail) }
        }
    }

    struct ListDTO: Codable, ResponseEncodable { var unitId: Int64; var total: Int; var offset: Int; var items: [ItemDTO]
        enum CodingKeys: String, CodingKey { case unitId = "unit_id", total, offset, items }
    }

    /// `unit` (a receiving unit the caller handles; default the first), `status`, `category`,
    /// `channel`, `overdue=1`, `from`/`to` (days received), `q` (accents ignored), `offset` (100 a page).
    func list(_ request: Request, _ context: AppRequestContext) async throws -> ListDTO {
        let q = request.uri.queryParameters
        var errors = ValidationErrors()
        if let s = q["status"], FeedbackStatus(rawValue: String(s)) == nil { errors.add("status", "invalid") }
        if let c = q["channel"], FeedbackChannel(rawValue: String(c)) == nil { errors.add("channel", "invalid") }
        for key in ["from", "to"] { if let d = q[Substring(key)], Day(String(d)) == nil { errors.add(key, "date_invalid") } }
        if let o = q["offset"], (Int(String(o)) ?? -1) < 0 { errors.add("offset", "invalid") }
        if let u = q["unit"], Int64(String(u)) == nil { errors.add("unit", "invalid") }
        try errors.throwIfAny()
        let scope = try await register.scope(request, context)
        let page = try await register.store.list(scope.filter)
        let today = register.feedback.today
        return ListDTO(unitId: scope.unit.id, total: page.total, offset: page.offset, items: page.items.map { ItemDTO($0, today: today) })
    }

    func one(_ request: Request, _ context: AppRequestContext) async throws -> ItemDTO {
        let (item, _, _) = try await register.load(context)
        return ItemDTO(item, today: register.feedback.today, events: try await register.store.events(item.id))
    }
}
