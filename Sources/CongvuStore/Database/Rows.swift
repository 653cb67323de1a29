import Foundation
import CongvuDomain
import SQLKit

/// Reading nullable columns, days and instants.
extension SQLRow {
    /// A nullable column: NULL is checked first and a value read as itself, not through Optional's
    /// nested decoder (a twentieth of a board's time under load, measured with perf; issue 19).
    func optional<T: Decodable>(_ column: String, as type: T.Type) throws -> T? {
        try decodeNil(column: column) ? nil : decode(column: column, as: T.self)
    }

    func day(_ column: String) throws -> Day? {
        try optional(column, as: String.self).flatMap { Day($0) }
    }

    /// A column that must hold a day: a row that does not is corrupt, and says so.
    func requiredDay(_ column: String) throws -> Day {
        guard let d = try day(column) else { throw CorruptRow(column: column) }
        return d
    }

    /// A column holding an instant in the stored UTC form.
    func instant(_ column: String) throws -> Date {
        guard let d = Instant.parse(try decode(column: column, as: String.self)) else { throw CorruptRow(column: column) }
        return d
    }

    /// A nullable instant column: nil when NULL, a corrupt row when it holds something unreadable.
    func optionalInstant(_ column: String) throws -> Date? {
        guard let text = try optional(column, as: String.self) else { return nil }
        guard let d = Instant.parse(text) else { throw CorruptRow(column: column) }
        return d
    }
}

/// Values of the code's own vocabularies (a task's statuses) are written into a statement as
/// literals, not bound: PostgreSQL then plans a prepared list once, where a bound list of statuses
/// made it plan again at every execution (1.1 ms of a person's 1.4 ms list, measured on the
/// 1,000,000-task data). Only values that vary from request to request are bound.
func vocabulary(_ values: [String]) -> any SQLExpression {
    SQLGroupExpression(values.map { SQLLiteral.string($0) })
}

/// A stored value that cannot be read back: never silently replaced.
struct CorruptRow: Error, CustomStringConvertible {
    let column: String
    var description: String { "unreadable value in column \(column)" }
}

/// Restricts a query to rows whose `column` path lies in one of `scopes` (subtree roots).
/// An empty scope list matches nothing.
extension SQLPredicateBuilder {
    func within(scopes: [String], column: any SQLExpression) -> Self {
        within(scopes: scopes, columns: [column])
    }

    /// Rows whose unit (`unitID`, a column led by an index) is one of the units in `scopes`: the
    /// units are found once (`IN (SELECT id FROM units WHERE path LIKE …)`), instead of comparing
    /// each row's joined path with every scope, which makes the planner walk all rows.
    func withinUnits(scopes: [String], unitID column: any SQLExpression) -> Self {
        if scopes.isEmpty { return self.where(SQLLiteral.boolean(false)) }
        return self.where(column, .in, SQLGroupExpression(unitIDs(within: scopes)))
    }

    /// Rows where any of `columns` lies in one of `scopes` (an object that lives at several units).
    func within(scopes: [String], columns: [any SQLExpression]) -> Self {
        if scopes.isEmpty { return self.where(SQLLiteral.boolean(false)) }
        return self.where { group in
            var g = group
            for scope in scopes { for column in columns { g = g.orWhere(column, .like, SQLBind(scope + "%")) } }
            return g
        }
    }
}

/// `SELECT id FROM units WHERE path LIKE … OR …`: the units of the scopes (subtree roots), for an
/// `IN (…)` that the database evaluates once. At least one scope.
func unitIDs(within scopes: [String]) -> SQLQueryString {
    var q: SQLQueryString = "SELECT id FROM units WHERE "
    for (i, scope) in scopes.enumerated() {
        q.appendLiteral(i == 0 ? "path LIKE " : " OR path LIKE ")
        q.appendInterpolation(bind: scope + "%")
    }
    return q
}

/// A page of results with the total count.
public struct Page<T: Sendable>: Sendable {
    public var items: [T]
    public var total: Int
    public var offset: Int
    public var limit: Int
}

/// `table.column` written as one string, for builders that otherwise quote it as one name.
func col(_ dotted: String) -> SQLColumn {
    let parts = dotted.split(separator: ".", maxSplits: 1).map(String.init)
    return parts.count == 2 ? SQLColumn(parts[1], table: parts[0]) : SQLColumn(dotted)
}

/// The one way to say "the post a person held" in a query: an assignment (`alias`) in force on a
/// day, or at some point of a range of days. Days are Vietnam calendar days (`YYYY-MM-DD`).
extension SQLPredicateBuilder {
    func heldOn(_ day: Day, alias: String = "a") -> Self { held(from: day, to: day, alias: alias) }

    func held(from first: Day, to last: Day, alias: String = "a") -> Self {
        self.where(col("\(alias).valid_from"), .lessThanOrEqual, SQLBind(last.description))
            .where { $0.where(col("\(alias).valid_to"), .is, SQLLiteral.null).orWhere(col("\(alias).valid_to"), .greaterThanOrEqual, SQLBind(first.description)) }
    }
}

/// The same rule for a join, where the day is another column: `PostOnDay.join("a", person: "r.person_id", day: …)`.
enum PostOnDay {
    static func join(_ alias: String = "a", person: String, day: String) -> SQLRaw {
        SQLRaw("\(alias).person_id = \(person) AND \(alias).valid_from <= \(day) AND (\(alias).valid_to IS NULL OR \(alias).valid_to >= \(day))")
    }

    /// The Vietnam calendar day of an instant column (UTC text `…Z`), in the database's dialect:
    /// not the column's first ten characters, which are the UTC date (the day before, until 07:00).
    static func vietnamDay(of column: String, _ kind: DatabaseKind) -> String {
        switch kind {
        case .sqlite: return "date(\(column), '+7 hours')"
        case .postgres: return "to_char(((\(column))::timestamptz AT TIME ZONE 'UTC') + interval '7 hours', 'YYYY-MM-DD')"
        }
    }
}
