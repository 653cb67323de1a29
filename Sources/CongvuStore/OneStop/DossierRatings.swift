import CongvuDomain
import Foundation
import SQLKit

/// The citizens' ratings of their dossiers and the quarter's evaluation built from them.
extension DossierStore {
    /// The citizen's rating of a dossier at the counter: once per dossier, after intake.
    public func rate(_ id: Int64, satisfaction: Satisfaction, comment: String, scores: EvaluationScores?, at now: Date = Date()) async throws {
        let comment = comment.tidied
        if comment.count > 1000 { throw ValidationErrors([FieldError("comment", "too_long")]) }
        try await database.write { sql in
            guard let row = try await sql.select().column("unit_id").column("status").from("dossiers").where("id", .equal, id).first() else {
                throw StoreError.notFound("dossier")
            }
            if try await sql.select().column("id").from("dossier_ratings").where("dossier_id", .equal, id).first() != nil {
                throw StoreError.conflict(field: "dossier", key: "dossier_already_rated")
            }
            try await sql.insert(into: "dossier_ratings").columns("dossier_id", "unit_id", "rated_at", "satisfaction", "comment", "scores", "total")
                .values(SQLBind(id), SQLBind(try row.decode(column: "unit_id", as: Int64.self)), SQLBind(Instant.format(now)),
                        SQLBind(satisfaction.rawValue), SQLBind(comment),
                        SQLBind(scores.map(Self.json)),
                        SQLBind(scores?.total))
                .run()
        }
    }

    /// The stored form of a dossier's scores: `{"attitude": 2, …}`.
    static func json(_ scores: EvaluationScores) -> String {
        AuditJSON.encode(Dictionary(uniqueKeysWithValues: scores.scores.map { ($0.key.rawValue, $0.value) }))
    }

    public func isRated(_ id: Int64) async throws -> Bool {
        try await database.read { sql in try await sql.select().column("id").from("dossier_ratings").where("dossier_id", .equal, id).first() != nil }
    }

    /// A unit subtree's quarter: satisfaction counts and the average of the nine-indicator totals.
    public func quarterEvaluation(scopes: [String], year: Int, quarter: Int) async throws -> QuarterEvaluation {
        guard let period = ReportPeriod(.quarter, year: year, index: quarter) else { throw ValidationErrors([FieldError("index", "invalid")]) }
        let from = Instant.format(CivilTime.startOfDay(period.first)), to = Instant.format(CivilTime.startOfDay(period.last.next))
        let bands = try await rules().rules(on: period.last).bands
        return try await database.read { sql in
            let rows = try await sql.select().column(col("r.satisfaction")).column(col("r.total"))
                .from(SQLAlias(SQLIdentifier("dossier_ratings"), as: SQLIdentifier("r")))
                .join(SQLAlias(SQLIdentifier("units"), as: SQLIdentifier("u")), on: SQLRaw("u.id = r.unit_id"))
                .within(scopes: scopes, column: col("u.path"))
                .where(col("r.rated_at"), .greaterThanOrEqual, SQLBind(from)).where(col("r.rated_at"), .lessThan, SQLBind(to)).all()
            var satisfaction: [Satisfaction: Int] = [:]
            var totals: [Int] = []
            for r in rows {
                if let s = Satisfaction(rawValue: try r.decode(column: "satisfaction", as: String.self)) { satisfaction[s, default: 0] += 1 }
                if let t = try r.optional("total", as: Int.self) { totals.append(t) }
            }
            return QuarterEvaluation(totals: totals, satisfaction: satisfaction, bands: bands)
        }
    }
}
