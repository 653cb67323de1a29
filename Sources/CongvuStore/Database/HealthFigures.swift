import CongvuDomain
import Foundation
import SQLKit

/// What `/healthz` reads from the database, in one round trip: that it answers, how many approved
/// terminals there are and how many were heard from since `since`, and how many cameras are kept.
public struct HealthFigures: Sendable, Equatable {
    public var terminals: Int
    public var terminalsOnline: Int
    public var cameras: Int

    public static func read(_ database: Database, terminalsSince since: Date) async throws -> HealthFigures {
        try await database.read { sql in
            let r = try await sql.raw("""
                SELECT (SELECT COUNT(*) FROM terminals WHERE status = 'approved') AS terminals,
                       (SELECT COUNT(*) FROM terminals WHERE status = 'approved' AND last_seen_at >= \(bind: Instant.format(since))) AS online,
                       (SELECT COUNT(*) FROM cameras) AS cameras
                """).first()
            return HealthFigures(terminals: try r?.decode(column: "terminals", as: Int.self) ?? 0, terminalsOnline: try r?.decode(column: "online", as: Int.self) ?? 0,
                                 cameras: try r?.decode(column: "cameras", as: Int.self) ?? 0)
        }
    }
}
