import Foundation
import CongvuDomain
import SQLKit

/// Reading a `YYYY-MM-DD` column as a `Day`.
extension SQLRow {
    func day(_ column: String) throws -> Day? {
        try decode(column: column, as: String?.self).flatMap { Day($0) }
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
        guard let text = try decode(column: column, as: String?.self) else { return nil }
        guard let d = Instant.parse(text) else { throw CorruptRow(column: column) }
        return d
    }
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
