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

/// An overdue dossier for the report's list: resolved late in the period, or open past its due
/// day on the period's judgement day (its end, or today while it runs).
public struct OverdueEntry: Sendable {
    public var row: DossierRow
    public var resolvedLate: Bool
}

extension DossierStore {
    /// Counts per unit (receiving unit) or per field, for units in the scopes. The database counts
    /// cells of alike dossiers per unit and field (see `SettlementCell`), reading the covering
    /// index `dossiers_settlement` in its own order; the domain turns cells into the columns.
    public func settlement(_ period: ReportPeriod, grouping: SettlementReport.Grouping, scopes: [String], today: Day) async throws -> SettlementReport {
        let first = period.first.description, last = period.last.description, judged = period.judgementDay(today: today).description
        return try await database.read { sql in
            var scope: SQLQueryString = scopes.isEmpty ? "1 = 0" : ""
            for (i, s) in scopes.enumerated() { scope += i == 0 ? "path LIKE \(bind: s + "%")" : " OR path LIKE \(bind: s + "%")" }
            let query: SQLQueryString = """
                SELECT d.unit_id, d.field, d.channel, d.status, d.timeliness, COUNT(*) AS n,
                SUM(CASE WHEN d.received_day < \(bind: first) THEN 1 ELSE 0 END) AS carried,
                SUM(CASE WHEN d.closed_day <= \(bind: last) THEN 1 ELSE 0 END) AS closed,
                SUM(CASE WHEN (d.closed_day IS NULL OR d.closed_day > \(bind: last)) AND d.due_day < \(bind: judged) THEN 1 ELSE 0 END) AS open_overdue
                FROM dossiers d
                WHERE d.unit_id IN (SELECT id FROM units WHERE \(scope)) AND d.received_day IS NOT NULL AND d.received_day <= \(bind: last)
                AND (d.closed_day IS NULL OR d.closed_day >= \(bind: first))
                GROUP BY d.unit_id, d.field, d.channel, d.status, d.timeliness
                """
            var rows: [String: (unitID: Int64?, row: SettlementRow)] = [:]
            for r in try await sql.raw(query).all() {
                let unitID = try r.decode(column: "unit_id", as: Int64.self)
                let key = grouping == .unit ? String(unitID) : try r.decode(column: "field", as: String.self)
                func n(_ column: String) throws -> Int { Int(try r.optional(column, as: Int64.self) ?? 0) }
                rows[key, default: (grouping == .unit ? unitID : nil, SettlementRow())].row.add(
                    SettlementCell(channel: try Self.channel(r), status: try Self.status(r), timeliness: try Self.timeliness(r, "timeliness"),
                                   count: try n("n"), carriedOver: try n("carried"), closed: try n("closed"), openOverdue: try n("open_overdue")))
            }
            var names: [Int64: String] = [:]
            let ids = rows.values.compactMap(\.unitID)
            if !ids.isEmpty {
                // Units of the same name (every commune has its "Trung tâm Phục vụ hành chính công")
                // are told apart by the unit above them.
                var parents: [Int64: String] = [:]
                for r in try await sql.select().column(col("u.id")).column(col("u.name")).column(col("p.name"), as: "parent_name")
                    .from(SQLAlias(SQLIdentifier("units"), as: SQLIdentifier("u")))
                    .join(SQLAlias(SQLIdentifier("units"), as: SQLIdentifier("p")), method: SQLJoinMethod.left, on: SQLRaw("p.id = u.parent_id"))
                    .where(col("u.id"), .in, SQLBind.group(ids)).all() {
                    let id = try r.decode(column: "id", as: Int64.self)
                    names[id] = try r.decode(column: "name", as: String.self)
                    parents[id] = try r.optional("parent_name", as: String.self)
                }
                let repeated = Set(Dictionary(grouping: names.values, by: { $0 }).filter { $0.value.count > 1 }.keys)
                for (id, name) in names where repeated.contains(name) {
                    if let parent = parents[id] { names[id] = "\(name) · \(parent)" }
                }
            }
            let lines = rows.map { key, value in
                SettlementReport.Line(unitID: value.unitID, label: value.unitID.map { names[$0] ?? key } ?? key, row: value.row)
            }.sorted { (SearchKey.fold($0.label), $0.label) < (SearchKey.fold($1.label), $1.label) }
            return SettlementReport(period: period, grouping: grouping, lines: lines)
        }
    }

    /// The overdue list of a period: resolved late within it, or open past the due day on its judgement day.
    public func overdue(_ period: ReportPeriod, scopes: [String], today: Day, limit: Int = 500) async throws -> [OverdueEntry] {
        let first = period.first.description, last = period.last.description, judged = period.judgementDay(today: today).description
        return try await database.read { sql in
            try await self.select(sql).within(scopes: scopes, column: col("u.path"))
                .where(col("d.received_day"), .lessThanOrEqual, SQLBind(last))
                .where { g in
                    g.where { $0.where(col("d.timeliness"), .equal, SQLBind(Timeliness.overdue.rawValue))
                            .where(col("d.closed_day"), .greaterThanOrEqual, SQLBind(first)).where(col("d.closed_day"), .lessThanOrEqual, SQLBind(last)) }
                        .orWhere { $0.where { $0.where(col("d.closed_day"), .is, SQLLiteral.null).orWhere(col("d.closed_day"), .greaterThan, SQLBind(last)) }
                            .where(col("d.due_day"), .lessThan, SQLBind(judged)) }
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
