import CongvuDomain
import CongvuStore
import Foundation
import Hummingbird

/// The caller's inbox through the API (issue 20): their notifications, newest first, each with its
/// message in the caller's language and the page it concerns; and marking them read.
struct NotificationsAPIController {
    let services: NotificationServices
    var shared: SharedServices { services.shared }

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get("notifications", use: inbox)
        group.post("notifications/read", use: read)
    }

    struct ItemDTO: Codable {
        var id: Int64
        var kind: String
        var message: String
        var link: String
        var createdAt: String
        var readAt: String?
        var inDigest: Bool
        enum CodingKeys: String, CodingKey { case id, kind, message, link, createdAt = "created_at", readAt = "read_at", inDigest = "in_digest" }
    }

    struct InboxDTO: Codable, ResponseEncodable {
        var unread: Int
        var items: [ItemDTO]
    }

    struct ReadBody: Decodable { var ids: [Int64] }

    /// The newest 50 (`?limit=` up to 200).
    func inbox(_ request: Request, _ context: AppRequestContext) async throws -> InboxDTO {
        guard let personID = try context.signedIn().personID else { return InboxDTO(unread: 0, items: []) }
        let limit = try request.uri.queryParameters["limit"].map { text -> Int in
            guard let n = Int(text), (1...200).contains(n) else { throw ValidationErrors([FieldError("limit", "invalid")]) }
            return n
        } ?? 50
        let items = try await shared.notifications.inbox(personID: personID, limit: limit)
        return InboxDTO(unread: try await shared.notifications.unread(personID: personID), items: items.map { dto($0, context.locale) })
    }

    func read(_ request: Request, _ context: AppRequestContext) async throws -> InboxDTO {
        guard let personID = try context.signedIn().personID else { return InboxDTO(unread: 0, items: []) }
        let body = try await AttendanceAPIController.body(request, ReadBody.self)
        guard body.ids.count <= 500 else { throw ValidationErrors([FieldError("ids", "too_many")]) }
        try await shared.notifications.markRead(body.ids, personID: personID)
        return InboxDTO(unread: try await shared.notifications.unread(personID: personID), items: [])
    }

    func dto(_ item: InboxItem, _ locale: AppLocale) -> ItemDTO {
        ItemDTO(id: item.id, kind: item.kind.rawValue, message: services.text(item.kind, item.params, locale),
                link: services.link(item.link), createdAt: Instant.format(item.createdAt),
                readAt: item.readAt.map(Instant.format), inDigest: item.digested)
    }
}
