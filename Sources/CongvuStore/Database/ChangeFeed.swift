import CongvuDomain
import Foundation
import SQLKit

/// What another system follows without polling everything (issue 26): the dossiers' history rows
/// and the punches kept after a cursor, in the order they were numbered, within the caller's
/// scopes. Both tables are append-only, so a cursor (the last number of each) repeats nothing. So
/// that it skips nothing either, the feed stops before the first row written in the last `settle`
/// seconds (those after it wait too, whatever their own time):
/// on PostgreSQL a transaction may commit a lower number after a higher one (SQLite writes one
/// transaction at a time); a writer taking longer than that could still be passed over.
public enum ChangeFeed {
    public struct Cursor: Sendable, Equatable, CustomStringConvertible {
        public var dossierEvent: Int64
        public var punch: Int64

        public init(dossierEvent: Int64 = 0, punch: Int64 = 0) {
            self.dossierEvent = dossierEvent
            self.punch = punch
        }

        /// `d<number>.p<number>`; nil for anything else.
        public init?(_ text: String) {
            let parts = text.split(separator: ".")
            guard parts.count == 2, parts[0].first == "d", parts[1].first == "p", let d = Int64(parts[0].dropFirst()), let p = Int64(parts[1].dropFirst()),
                  d >= 0, p >= 0 else { return nil }
            self.init(dossierEvent: d, punch: p)
        }

        public var description: String { "d\(dossierEvent).p\(punch)" }
    }

    public struct DossierChange: Sendable, Equatable {
        public var id: Int64
        public var dossierID: Int64
        public var code: String
        public var at: Date
        public var action: String
        public var status: DossierStatus
    }

    public struct PunchChange: Sendable, Equatable {
        public var id: Int64
        public var personID: Int64
        public var at: Date
        public var source: String
        public var method: String
    }

    public struct Page: Sendable {
        public var dossiers: [DossierChange]
        public var punches: [PunchChange]
        /// Where the next call starts; the same as the one asked when nothing is new.
        public var next: Cursor
    }

    /// Up to `limit` changes of each kind after `cursor`: dossiers received or handled in
    /// `dossierScopes`, punches of people holding (or having held) a post in `punchScopes`.
    public static func read(_ database: Database, after cursor: Cursor, dossierScopes: [String], punchScopes: [String], limit: Int,
                            now: Date = Date(), settle: TimeInterval = 10) async throws -> Page {
        let settled = Instant.format(now.addingTimeInterval(-settle))
        return try await database.read { sql in
            var dossiers: [DossierChange] = [], punches: [PunchChange] = []
            if !dossierScopes.isEmpty {
                let units = unitIDs(within: dossierScopes)
                dossiers = try await sql.raw("""
                    SELECT e.id, e.dossier_id, d.code, e.at, e.action, e.to_status FROM dossier_events e JOIN dossiers d ON d.id = e.dossier_id
                    WHERE e.id > \(bind: cursor.dossierEvent)
                      AND e.id < COALESCE((SELECT MIN(u.id) FROM dossier_events u WHERE u.id > \(bind: cursor.dossierEvent) AND u.at >= \(bind: settled)), \(unsafeRaw: String(Int64.max)))
                      AND (d.unit_id IN (\(units)) OR d.current_unit_id IN (\(units)))
                    ORDER BY e.id LIMIT \(unsafeRaw: String(limit))
                    """).all().map { r in
                        guard let status = DossierStatus(rawValue: try r.decode(column: "to_status", as: Int.self)) else { throw CorruptRow(column: "to_status") }
                        return DossierChange(id: try r.decode(column: "id", as: Int64.self), dossierID: try r.decode(column: "dossier_id", as: Int64.self),
                                             code: try r.decode(column: "code", as: String.self), at: try r.instant("at"),
                                             action: try r.decode(column: "action", as: String.self), status: status)
                    }
            }
            if !punchScopes.isEmpty {
                punches = try await sql.raw("""
                    SELECT p.id, p.person_id, p.at, p.source, p.method FROM punches p
                    WHERE p.id > \(bind: cursor.punch)
                      AND p.id < COALESCE((SELECT MIN(u.id) FROM punches u WHERE u.id > \(bind: cursor.punch) AND u.received_at >= \(bind: settled)), \(unsafeRaw: String(Int64.max)))
                      AND p.person_id IN (SELECT a.person_id FROM assignments a WHERE a.unit_id IN (\(unitIDs(within: punchScopes))))
                    ORDER BY p.id LIMIT \(unsafeRaw: String(limit))
                    """).all().map { r in
                        PunchChange(id: try r.decode(column: "id", as: Int64.self), personID: try r.decode(column: "person_id", as: Int64.self),
                                    at: try r.instant("at"), source: try r.decode(column: "source", as: String.self),
                                    method: try r.decode(column: "method", as: String.self))
                    }
            }
            return Page(dossiers: dossiers, punches: punches,
                        next: Cursor(dossierEvent: dossiers.last?.id ?? cursor.dossierEvent, punch: punches.last?.id ?? cursor.punch))
        }
    }
}
