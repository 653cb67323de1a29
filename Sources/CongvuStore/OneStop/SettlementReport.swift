import CongvuDomain
import Foundation
import SQLKit

/// The settlement report (Biểu 06) computed in the database: one pass over the covering index,
/// with the same definitions as `SettlementRow.count`.
public struct SettlementReport: Sendable {
    public enum Grouping: String, Sendable, CaseIterable { case unit, field }

    public struct Line: Sendable {
        /// The unit's id (by unit) or nil (by field).
        public var unitID: Int64?
        public var label: String
        public var row: SettlementRow
    }

    public var period: ReportPeriod
    public var grouping: Grouping
    public var lines: [Line]
    public var total: SettlementRow { lines.map(\.row).reduce(SettlementRow(), +) }
}

/// An overdue dossier for the report's list: resolved late in the period or open past its due date at its end.
public struct OverdueEntry: Sendable {
    public var row: DossierRow
    public var resolvedLate: Bool
}

extension DossierStore {
    /// Counts per unit (receiving unit) or per field, for units in the scopes.
    public func settlement(_ period: ReportPeriod, grouping: SettlementReport.Grouping, scopes: [String]) async throws -> SettlementReport {
        let first = period.first.description, last = period.last.description
        return try await database.read { sql in
            let key = grouping == .unit ? "d.unit_id" : "d.field"
            let label = grouping == .unit ? "MIN(u.name)" : "d.field"
            let online = Channel.online.rawValue, withdrawn = DossierStatus.withdrawn.rawValue
            let early = Timeliness.early.rawValue, onTime = Timeliness.onTime.rawValue, overdue = Timeliness.overdue.rawValue
            var scope: SQLQueryString = scopes.isEmpty ? "1 = 0" : ""
            for (i, s) in scopes.enumerated() { scope += i == 0 ? "u.path LIKE \(bind: s + "%")" : " OR u.path LIKE \(bind: s + "%")" }
            // The definitions of SettlementRow.count, column by column.
            let query: SQLQueryString = """
                SELECT \(unsafeRaw: key) AS k, \(unsafeRaw: label) AS label,
                SUM(CASE WHEN d.received_day >= \(bind: first) AND d.channel = \(literal: online) THEN 1 ELSE 0 END) AS c_online,
                SUM(CASE WHEN d.received_day >= \(bind: first) AND d.channel <> \(literal: online) THEN 1 ELSE 0 END) AS c_direct,
                SUM(CASE WHEN d.received_day < \(bind: first) THEN 1 ELSE 0 END) AS c_carried,
                SUM(CASE WHEN d.closed_day <= \(bind: last) AND d.status <> \(literal: withdrawn) AND d.timeliness = \(bind: early) THEN 1 ELSE 0 END) AS c_early,
                SUM(CASE WHEN d.closed_day <= \(bind: last) AND d.status <> \(literal: withdrawn) AND (d.timeliness = \(bind: onTime) OR d.timeliness IS NULL) THEN 1 ELSE 0 END) AS c_on_time,
                SUM(CASE WHEN d.closed_day <= \(bind: last) AND d.status <> \(literal: withdrawn) AND d.timeliness = \(bind: overdue) THEN 1 ELSE 0 END) AS c_overdue,
                SUM(CASE WHEN (d.closed_day IS NULL OR d.closed_day > \(bind: last)) AND (d.due_day IS NULL OR d.due_day >= \(bind: last)) THEN 1 ELSE 0 END) AS c_open_within,
                SUM(CASE WHEN (d.closed_day IS NULL OR d.closed_day > \(bind: last)) AND d.due_day < \(bind: last) THEN 1 ELSE 0 END) AS c_open_overdue,
                SUM(CASE WHEN d.closed_day <= \(bind: last) AND d.status = \(literal: withdrawn) THEN 1 ELSE 0 END) AS c_withdrawn
                FROM dossiers d JOIN units u ON u.id = d.unit_id
                WHERE (\(scope)) AND d.received_day IS NOT NULL AND d.received_day <= \(bind: last) AND (d.closed_day IS NULL OR d.closed_day >= \(bind: first))
                GROUP BY \(unsafeRaw: key) ORDER BY label
                """
            let rows = try await sql.raw(query).all()
            let lines = try rows.map { r in
                func c(_ name: String) throws -> Int { Int(try r.decode(column: name, as: Int64?.self) ?? 0) }
                let row = SettlementRow(online: try c("c_online"), directOrPostal: try c("c_direct"), carriedOver: try c("c_carried"),
                                        early: try c("c_early"), onTime: try c("c_on_time"), overdue: try c("c_overdue"),
                                        openWithinTime: try c("c_open_within"), openOverdue: try c("c_open_overdue"), withdrawn: try c("c_withdrawn"))
                return SettlementReport.Line(unitID: grouping == .unit ? try r.decode(column: "k", as: Int64.self) : nil,
                                             label: try r.decode(column: "label", as: String.self), row: row)
            }
            return SettlementReport(period: period, grouping: grouping, lines: lines)
        }
    }

    /// The overdue list of a period: resolved late within it, or open past the due date at its end.
    public func overdue(_ period: ReportPeriod, scopes: [String], limit: Int = 500) async throws -> [OverdueEntry] {
        let first = period.first.description, last = period.last.description
        return try await database.read { sql in
            try await self.select(sql).within(scopes: scopes, column: col("u.path"))
                .where(col("d.received_day"), .lessThanOrEqual, SQLBind(last))
                .where { g in
                    g.where { $0.where(col("d.timeliness"), .equal, SQLBind(Timeliness.overdue.rawValue))
                            .where(col("d.closed_day"), .greaterThanOrEqual, SQLBind(first)).where(col("d.closed_day"), .lessThanOrEqual, SQLBind(last)) }
                        .orWhere { $0.where { $0.where(col("d.closed_day"), .is, SQLLiteral.null).orWhere(col("d.closed_day"), .greaterThan, SQLBind(last)) }
                            .where(col("d.due_day"), .lessThan, SQLBind(last)) }
                }
                .orderBy(col("d.due_at")).limit(limit).all().map { r in
                    let row = try Self.decodeRow(r)
                    return OverdueEntry(row: row, resolvedLate: row.dossier.timeliness == .overdue && (row.dossier.closedDay.map { $0 <= period.last } ?? false))
                }
        }
    }

    /// Every received dossier's facts in the scopes: what the domain's tally needs (tests compare it with the SQL).
    public func facts(scopes: [String]) async throws -> [DossierFacts] {
        try await database.read { sql in
            try await sql.select().column(col("d.unit_id")).column(col("d.field")).column(col("d.channel")).column(col("d.received_day"))
                .column(col("d.closed_day")).column(col("d.status")).column(col("d.due_day")).column(col("d.timeliness"))
                .from(SQLAlias(SQLIdentifier("dossiers"), as: SQLIdentifier("d")))
                .join(SQLAlias(SQLIdentifier("units"), as: SQLIdentifier("u")), on: SQLRaw("u.id = d.unit_id"))
                .within(scopes: scopes, column: col("u.path")).all().map { r in
                    DossierFacts(unitID: try r.decode(column: "unit_id", as: Int64.self), field: try r.decode(column: "field", as: String.self),
                                 channel: try Self.channel(r),
                                 receivedDay: try r.day("received_day"), closedDay: try r.day("closed_day"),
                                 status: try Self.status(r),
                                 dueDay: try r.day("due_day"), timeliness: try Self.timeliness(r, "timeliness"))
                }
        }
    }
}
