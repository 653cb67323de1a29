import CongvuDomain
import Foundation
import SQLKit

/// The figures leaders read: the home card's counts, and a year's tasks per lead for the annual evaluation.
extension TaskStore {
    /// Counts for a leader: open and overdue, open and due by `weekEnd`, and done on time / done in
    /// total since `since`, in the scopes.
    public struct Figures: Sendable, Equatable {
        public var overdue: Int
        public var dueThisWeek: Int
        public var doneOnTime: Int
        public var done: Int

        public init(overdue: Int, dueThisWeek: Int, doneOnTime: Int, done: Int) {
            self.overdue = overdue
            self.dueThisWeek = dueThisWeek
            self.doneOnTime = doneOnTime
            self.done = done
        }
    }

    /// One pass over the scopes' tasks that count (open ones, and those done since `since`): the
    /// leader's home reads it on every visit.
    public func figures(scopes: [String], today: Day, weekEnd: Day, since: Day) async throws -> Figures {
        try await database.read { sql in
            let open = [WorkTask.Status.assigned, .inProgress].map(\.rawValue)
            let done = [WorkTask.Status.reported, .accepted].map(\.rawValue)
            // Done: reported or accepted; on time when reported on or before the due day (in Vietnam:
            // the day's end is 17:00 UTC of the day).
            let columns: SQLQueryString = """
                SUM(CASE WHEN t.status IN (\(literals: open, joinedBy: ", ")) AND t.due < \(bind: today.description) THEN 1 ELSE 0 END) AS overdue,
                SUM(CASE WHEN t.status IN (\(literals: open, joinedBy: ", ")) AND t.due >= \(bind: today.description) AND t.due <= \(bind: weekEnd.description) THEN 1 ELSE 0 END) AS week,
                SUM(CASE WHEN t.status IN (\(literals: done, joinedBy: ", ")) THEN 1 ELSE 0 END) AS done,
                SUM(CASE WHEN t.status IN (\(literals: done, joinedBy: ", ")) AND t.reported_at < \(unsafeRaw: Self.endOfDueDay) THEN 1 ELSE 0 END) AS on_time
                """
            let row = try await sql.select().column(columns).from(SQLAlias(SQLIdentifier("tasks"), as: SQLIdentifier("t")))
                .withinUnits(scopes: scopes, unitID: col("t.unit_id"))
                .where { $0.where(col("t.status"), .in, vocabulary(open)).orWhere { d in
                    d.where(col("t.status"), .in, vocabulary(done))
                        .where(col("t.reported_at"), .greaterThanOrEqual, SQLBind(Instant.format(CivilTime.startOfDay(since))))
                } }
                .first()
            func n(_ c: String) throws -> Int { try row?.optional(c, as: Int.self) ?? 0 }
            return Figures(overdue: try n("overdue"), dueThisWeek: try n("week"), doneOnTime: try n("on_time"), done: try n("done"))
        }
    }

    /// The first instant after the due day in Vietnam, as stored text, computed in SQL from `t.due`:
    /// the next midnight at UTC+7 is 17:00 UTC on the due day.
    static let endOfDueDay = "(t.due || 'T17:00:00.000Z')"

    /// A lead's tasks due in a period, in the Government Office's four states and by quality: what
    /// the annual evaluation of civil servants reads.
    public struct PersonFigures: Sendable, Equatable {
        public var personID: Int64
        public var name: String
        public var total: Int
        public var doneOnTime: Int
        public var doneLate: Int
        public var openOverdue: Int
        public var openWithinDeadline: Int
        /// Accepted tasks by grade: excellent, good, satisfactory, unsatisfactory.
        public var quality: [WorkTask.Quality: Int]

        public init(personID: Int64, name: String, total: Int, doneOnTime: Int, doneLate: Int, openOverdue: Int, openWithinDeadline: Int,
                    quality: [WorkTask.Quality: Int]) {
            self.personID = personID
            self.name = name
            self.total = total
            self.doneOnTime = doneOnTime
            self.doneLate = doneLate
            self.openOverdue = openOverdue
            self.openWithinDeadline = openWithinDeadline
            self.quality = quality
        }
    }

    /// Per lead, the tasks of the scopes due from `first` to `last` (cancelled ones left out), judged on `today`.
    public func statistics(scopes: [String], first: Day, last: Day, today: Day) async throws -> [PersonFigures] {
        try await database.read { sql in
            let done = "t.status IN ('reported', 'accepted')", open = "t.status IN ('assigned', 'in_progress')"
            let qualities = WorkTask.Quality.allCases.map { ", SUM(CASE WHEN t.quality = '\($0.rawValue)' THEN 1 ELSE 0 END) AS q_\($0.rawValue)" }.joined()
            let columns: SQLQueryString = """
                t.owner_id, o.full_name, COUNT(*) AS total,
                SUM(CASE WHEN \(unsafeRaw: done) AND t.reported_at < \(unsafeRaw: TaskStore.endOfDueDay) THEN 1 ELSE 0 END) AS on_time,
                SUM(CASE WHEN \(unsafeRaw: done) AND t.reported_at >= \(unsafeRaw: TaskStore.endOfDueDay) THEN 1 ELSE 0 END) AS late,
                SUM(CASE WHEN \(unsafeRaw: open) AND t.due < \(bind: today.description) THEN 1 ELSE 0 END) AS overdue,
                SUM(CASE WHEN \(unsafeRaw: open) AND t.due >= \(bind: today.description) THEN 1 ELSE 0 END) AS within\(unsafeRaw: qualities)
                """
            let rows = try await sql.select().column(columns)
                .from(SQLAlias(SQLIdentifier("tasks"), as: SQLIdentifier("t")))
                .join(SQLAlias(SQLIdentifier("units"), as: SQLIdentifier("u")), on: SQLRaw("u.id = t.unit_id"))
                .join(SQLAlias(SQLIdentifier("people"), as: SQLIdentifier("o")), on: SQLRaw("o.id = t.owner_id"))
                .within(scopes: scopes, column: col("u.path"))
                .where(col("t.status"), .notEqual, SQLBind(WorkTask.Status.cancelled.rawValue))
                .where(col("t.due"), .greaterThanOrEqual, SQLBind(first.description)).where(col("t.due"), .lessThanOrEqual, SQLBind(last.description))
                .groupBy(col("t.owner_id")).groupBy(col("o.full_name")).groupBy(col("o.search_key")).orderBy(col("o.search_key")).all()
            return try rows.map { r in
                func n(_ c: String) throws -> Int { try r.optional(c, as: Int.self) ?? 0 }
                var quality: [WorkTask.Quality: Int] = [:]
                for q in WorkTask.Quality.allCases { quality[q] = try n("q_\(q.rawValue)") }
                return PersonFigures(personID: try r.decode(column: "owner_id", as: Int64.self), name: try r.decode(column: "full_name", as: String.self),
                                     total: try n("total"), doneOnTime: try n("on_time"), doneLate: try n("late"), openOverdue: try n("overdue"),
                                     openWithinDeadline: try n("within"), quality: quality)
            }
        }
    }
}
