import CongvuDomain
import Foundation
import SQLKit

/// The office's view of the outbox (issue 20): every notification of the people in its units with
/// each delivery's state and the provider's last answer; a failed delivery sent again; and the
/// people no channel outside the app reaches.
extension NotificationStore {
    public struct LogEntry: Sendable, Equatable {
        public var notificationID: Int64
        public var personID: Int64
        public var personName: String
        public var kind: NotificationKind
        public var params: [String: String]
        public var createdAt: Date
        public var deliveryID: Int64?
        public var channel: NotificationChannel?
        public var state: String?
        public var attempts: Int
        public var answer: String?
    }

    /// The people who hold a post today in one of `scopes` (subtree roots), as a subquery.
    static func peopleIn(_ scopes: [String], on day: Day) -> SQLQueryString {
        var q: SQLQueryString = "SELECT a.person_id FROM assignments a WHERE (a.valid_to IS NULL OR a.valid_to >= \(bind: day.description)) AND a.unit_id IN (SELECT id FROM units WHERE "
        for (i, scope) in scopes.enumerated() {
            q.appendLiteral(i == 0 ? "path LIKE " : " OR path LIKE ")
            q.appendInterpolation(bind: scope + "%")
        }
        q.appendLiteral(")")
        return q
    }

    /// The newest notifications of the scopes' people, one row per delivery (the inbox alone: one
    /// row without a delivery); `failedOnly`: deliveries that failed for good.
    public func log(scopes: [String], on day: Day, failedOnly: Bool = false, limit: Int = 300) async throws -> [LogEntry] {
        try await admitQueued()
        guard !scopes.isEmpty else { return [] }
        return try await database.read { sql in
            let failed: SQLQueryString = failedOnly ? " AND d.state = 'failed'" : ""
            let rows = try await sql.raw("""
                SELECT n.id AS nid, n.person_id, p.full_name, n.kind, n.params, n.created_at, d.id AS did, d.channel, d.state, d.attempts,
                       (SELECT a.answer FROM notification_attempts a WHERE a.delivery_id = d.id ORDER BY a.id DESC LIMIT 1) AS answer
                FROM notifications n JOIN people p ON p.id = n.person_id
                LEFT JOIN notification_deliveries d ON d.notification_id = n.id
                WHERE n.person_id IN (\(Self.peopleIn(scopes, on: day)))\(failed)
                ORDER BY n.id DESC, d.id LIMIT \(literal: limit)
                """).all()
            return try rows.map { r in
                LogEntry(notificationID: try r.decode(column: "nid", as: Int64.self), personID: try r.decode(column: "person_id", as: Int64.self),
                         personName: try r.decode(column: "full_name", as: String.self), kind: try Self.kind(r), params: try Self.params(r),
                         createdAt: try r.instant("created_at"), deliveryID: try r.optional("did", as: Int64.self),
                         channel: try r.optional("channel", as: String.self).flatMap(NotificationChannel.init(rawValue:)),
                         state: try r.optional("state", as: String.self), attempts: try r.optional("attempts", as: Int.self) ?? 0,
                         answer: try r.optional("answer", as: String.self))
            }
        }
    }

    /// Sends a failed delivery again, from now, with a fresh round of retries (its earlier attempts
    /// stay in the log); only a delivery of a person in `scopes`, and only one that failed for good.
    public func resend(_ deliveryID: Int64, scopes: [String], on day: Day, by actor: Actor, at now: Date = Date()) async throws {
        guard !scopes.isEmpty else { throw StoreError.notFound("delivery") }
        let kind = database.kind
        try await database.write { sql in
            guard let row = try await sql.raw("""
                SELECT d.state, d.channel FROM notification_deliveries d JOIN notifications n ON n.id = d.notification_id
                WHERE d.id = \(bind: deliveryID) AND n.person_id IN (\(Self.peopleIn(scopes, on: day)))
                """).first() else { throw StoreError.notFound("delivery") }
            guard try row.decode(column: "state", as: String.self) == DeliveryState.failed.rawValue else {
                throw StoreError.conflict(field: "state", key: "delivery_not_failed")
            }
            try await sql.update("notification_deliveries").set("state", to: DeliveryState.queued.rawValue).set("attempts", to: 0)
                .set("not_before", to: Instant.format(now)).set("done_at", to: SQLLiteral.null).where("id", .equal, deliveryID).run()
            try await AuditLog.append(.init(action: .update, objectType: "notification_delivery", objectID: String(deliveryID),
                                            before: "failed", after: "queued", reason: "resend"), by: actor, in: sql, kind: kind)
        }
    }

    /// Deliveries to the scopes' people that failed for good: the office's home card.
    public func failedCount(scopes: [String], on day: Day) async throws -> Int {
        try await admitQueued()
        guard !scopes.isEmpty else { return 0 }
        return try await database.read { sql in
            try await sql.raw("""
                SELECT COUNT(*) AS n FROM notification_deliveries d JOIN notifications n ON n.id = d.notification_id
                WHERE d.state = \(literal: DeliveryState.failed.rawValue) AND n.person_id IN (\(Self.peopleIn(scopes, on: day)))
                """).first()?.decode(column: "n", as: Int.self) ?? 0
        }
    }

    /// The scopes' people whom no confirmed address reaches outside the app: their notifications
    /// wait in the inbox until they open Congvu.
    public func unreachable(scopes: [String], on day: Day) async throws -> [(personID: Int64, name: String)] {
        try await admitQueued()
        guard !scopes.isEmpty else { return [] }
        return try await database.read { sql in
            try await sql.raw("""
                SELECT p.id, p.full_name FROM people p
                WHERE p.id IN (\(Self.peopleIn(scopes, on: day)))
                  AND NOT EXISTS (SELECT 1 FROM notification_addresses x WHERE x.person_id = p.id AND x.verified_at IS NOT NULL)
                ORDER BY p.full_name, p.id
                """).all().map { (try $0.decode(column: "id", as: Int64.self), try $0.decode(column: "full_name", as: String.self)) }
        }
    }
}
