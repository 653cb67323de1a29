import CongvuDomain
import CongvuStore
import Foundation
import Hummingbird

/// The office's delivery log (issue 20): what was sent to the people of its units, on which
/// channel, with the provider's last answer; a failed delivery sent again (audited); and who has
/// no working channel. As a page (printable on A4) and a workbook.
struct NotificationLogController {
    let services: NotificationServices
    var store: NotificationStore { services.store }
    var catalogs: Catalogs { services.catalogs }

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get("notifications/log", use: page)
        group.get("notifications/log.xlsx", use: workbook)
        group.post("notifications/log/:id/resend", use: resend)
    }

    /// The office's units: where it edits people.
    func scopes(_ context: AppRequestContext) throws -> [String] {
        let scopes = try context.signedIn().scopes(for: .editPeople)
        guard !scopes.isEmpty else { throw Forbidden() }
        return scopes
    }

    func rows(_ request: Request, _ context: AppRequestContext) async throws -> (failedOnly: Bool, rows: [NotificationLogPage.Row]) {
        let failedOnly = request.uri.queryParameters["state"] == "failed"
        let entries = try await store.log(scopes: try scopes(context), on: services.today, failedOnly: failedOnly)
        let locale = context.locale
        return (failedOnly, entries.map { e in
            .init(id: e.deliveryID, at: Instant.display(e.createdAt), person: e.personName, message: services.text(e.kind, e.params, locale),
                  channel: catalogs.label("notify_channel", (e.channel ?? .inbox).rawValue, locale),
                  state: e.state.map { catalogs.label("delivery_state", $0, locale) } ?? catalogs.text("delivery_state_inbox", locale),
                  attempts: e.attempts, answer: Template.optional(services.answer(e.answer ?? "", locale)), failed: e.state == "failed")
        })
    }

    func page(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        try await render(request, context, error: nil)
    }

    func render(_ request: Request, _ context: AppRequestContext, error: String?, status: HTTPResponse.Status = .ok) async throws -> Response {
        let (failedOnly, rows) = try await rows(request, context)
        let unreachable = services.configured.isEmpty ? [] : try await store.unreachable(scopes: try scopes(context), on: services.today)
        return try services.views.page(NotificationLogPage(
            rows: rows, has_rows: !rows.isEmpty, failed_only: failedOnly, error: error,
            unreachable: unreachable.map(\.name), unreachable_count: unreachable.count.nonZero,
            channels: services.configured.map { catalogs.label("notify_channel", $0.rawValue, context.locale) }.joined(separator: ", "),
            has_channels: !services.configured.isEmpty), context, status: status)
    }

    func workbook(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let (_, rows) = try await rows(request, context)
        let locale = context.locale
        var sheet = XLSXSheet(name: services.today.description)
        sheet.title = "\(catalogs.text("notification_log_title", locale)) · \(services.today.vietnamese)"
        sheet.header = ["notification_log_at", "notification_log_person", "notification_log_message", "notification_log_channel",
                        "notification_log_state", "notification_log_attempts", "notification_log_answer"].map { catalogs.text($0, locale) }
        sheet.widths = [17, 24, 60, 14, 14, 8, 50]
        sheet.rows = rows.map { [.text($0.at), .text($0.person), .text($0.message), .text($0.channel), .text($0.state), .number(Double($0.attempts)),
                                 .text($0.answer ?? "")] }
        return try sheet.response(filename: "nhat-ky-thong-bao-\(services.today).xlsx")
    }

    func resend(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        _ = try await FormData.read(request, context)
        let scopes = try scopes(context)
        guard let id = context.parameters.get("id", as: Int64.self) else { throw StoreError.notFound("delivery") }
        do {
            try await store.resend(id, scopes: scopes, on: services.today, by: context.actor)
            return HTMLPage.redirect("/notifications/log")
        } catch StoreError.conflict(_, let key) {
            return try await render(request, context, error: catalogs.error(key, context.locale), status: .conflict)
        }
    }
}

struct NotificationLogPage: Page {
    static let template = "notification_log"
    struct Row: Decodable {
        var id: Int64?
        var at: String
        var person: String
        var message: String
        var channel: String
        var state: String
        var attempts: Int
        var answer: String?
        var failed: Bool
    }
    var rows: [Row]
    var has_rows: Bool
    var failed_only: Bool
    var error: String?
    var unreachable: [String]
    var unreachable_count: Int?
    var channels: String
    var has_channels: Bool
}
