import Foundation
import Logging
import NIOCore
import PostgresKit
import SQLKit
import SQLiteKit
import Synchronization

// The `SQLDatabase` every store is given. SQLKit still builds and serialises each query and the
// stores' SQL is the same on both databases; what differs is below SQLKit:
// - rows are read through `SQLiteStoredRow` / `PostgresStoredRow`, which decode the plain column
//   types (text, integers, booleans, reals) straight from the driver's value. SQLiteKit's and
//   PostgresKit's generic decoders look each requested type up as a protocol conformance at run
//   time, per value: a fifth of a board's server time on SQLite and of a person's list on
//   PostgreSQL (perf under wrk, issue 19). Any other type goes through the driver kit's decoder
//   exactly as before.
// - on PostgreSQL a statement that repeats is prepared once per connection (`PreparedStatements`):
//   an unnamed statement is parsed and planned at every execution, which was most of the
//   database's work for the hot lists (a person's list: 3.1 ms a query unprepared against 0.47 ms
//   prepared, `pgbench` on the benchmark's data).

// MARK: SQLite

struct SQLiteSQL: SQLDatabase {
    let connection: SQLiteConnection
    var logger: Logger { connection.logger }
    var eventLoop: any EventLoop { connection.eventLoop }
    var dialect: any SQLDialect { SQLiteDialect() }
    var queryLogLevel: Logger.Level? { .debug }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> ()) -> EventLoopFuture<Void> {
        eventLoop.makeFutureWithTask { try await self.execute(sql: query, onRow) }
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> ()) async throws {
        let (sql, binds) = serialize(query)
        logger.debug("Executing query", metadata: ["sql": .string(sql)])
        let encoder = SQLiteDataEncoder()
        let started = ContinuousClock.now
        defer { DatabaseMetrics.statement(.sqlite, since: started) }
        try await connection.query(sql, try binds.map { try encoder.encode($0) }) { onRow(SQLiteStoredRow(row: $0)) }
    }

    func withSession<R>(_ closure: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        try await closure(self)
    }
}

struct SQLiteStoredRow: SQLRow {
    let row: SQLiteRow

    var allColumns: [String] { row.columns.map(\.name) }
    func contains(column: String) -> Bool { row.column(column) != nil }

    func decodeNil(column: String) throws -> Bool {
        guard let data = row.column(column) else { return true }
        return data == .null
    }

    func decode<T: Decodable>(column: String, as type: T.Type) throws -> T {
        guard let data = row.column(column) else { throw MissingColumn(column: column) }
        switch data {
        case .text(let s) where T.self == String.self: return unsafeBitCast(s, to: T.self)
        case .integer(let i) where T.self == Int64.self: return unsafeBitCast(Int64(i), to: T.self)
        case .integer(let i) where T.self == Int.self: return unsafeBitCast(i, to: T.self)
        case .integer(let i) where T.self == Bool.self && (i == 0 || i == 1): return unsafeBitCast(i == 1, to: T.self)
        case .float(let d) where T.self == Double.self: return unsafeBitCast(d, to: T.self)
        default: return try SQLiteDataDecoder().decode(T.self, from: data)
        }
    }
}

struct MissingColumn: Error, CustomStringConvertible {
    let column: String
    var description: String { "no column \(column) in the row" }
}

// MARK: PostgreSQL

struct PostgresSQL: SQLDatabase {
    /// The pool (a connection per query, as `read` has always done) or one connection (a transaction).
    enum Source: Sendable {
        case pool(PostgresPool)
        case connection(PostgresConnection)
    }

    let source: Source
    let statements: PreparedStatements
    let logger: Logger
    /// A transaction's statements waiting to ride on its next one (`Database.ride`); nil outside a transaction.
    var riders: Riders? = nil
    var eventLoop: any EventLoop {
        switch source {
        case .pool(let p): p.pool.eventLoopGroup.any()
        case .connection(let c): c.eventLoop
        }
    }
    var dialect: any SQLDialect { PostgresDialect() }
    var queryLogLevel: Logger.Level? { .debug }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> ()) -> EventLoopFuture<Void> {
        eventLoop.makeFutureWithTask { try await self.execute(sql: query, onRow) }
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> ()) async throws {
        switch source {
        case .connection(let c): try await run(query, on: c, onRow)
        case .pool(let p):
            let asked = ContinuousClock.now
            let c = try await p.pool.requestConnection(logger: logger).get()
            DatabaseMetrics.waited(.postgres, .read, since: asked)
            defer { p.pool.releaseConnection(c, logger: logger) }
            try await run(query, on: c, onRow)
        }
    }

    func withSession<R>(_ closure: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        try await closure(self)
    }

    private func run(_ query: any SQLExpression, on connection: PostgresConnection, _ onRow: @escaping @Sendable (any SQLRow) -> ()) async throws {
        var (sql, binds) = serialize(query)
        // A statement carrying a rider is prepared like any other once it repeats (the pair's
        // text): unprepared, its planning cost more than the round trip saved (measured).
        if let riding = riders?.take() {
            // PostgreSQL runs a statement's `WITH` parts in no set order: only the last rides, the
            // others go first, in order, so rows are numbered as they were raised.
            for rider in riding.dropLast() { try await run(rider.query, on: connection, { _ in }) }
            let last = riding[riding.count - 1]
            if let carried = Riders.carry(serialize(last.query), writing: last.table, on: sql, binds: binds) {
                (sql, binds) = carried
                riders?.pool.carried.add(1, ordering: .relaxed)
            } else {
                try await run(last.query, on: connection, { _ in })
            }
        }
        logger.debug("Executing query", metadata: ["sql": .string(sql)])
        let started = ContinuousClock.now
        defer { DatabaseMetrics.statement(.postgres, since: started) }
        var bindings = PostgresBindings(capacity: binds.count)
        var types: [PostgresDataType] = []
        types.reserveCapacity(binds.count)
        for bind in binds {
            var value: Any = bind
            if let optional = bind as? any OptionalBind {
                guard let wrapped = optional.wrapped else {
                    bindings.appendNull()
                    types.append(.null)
                    continue
                }
                value = wrapped
            }
            if let value = value as? any PostgresThrowingDynamicTypeEncodable {
                try bindings.append(value, context: .default)
                types.append(value.psqlType)
            } else {
                // A value only PostgresKit knows how to send (an array of Codable values, JSON):
                // its own path, unprepared (such a statement carries no riders: `Riders.carry`).
                try await connection.sql().execute(sql: query, onRow)
                return
            }
        }
        let key = PreparedStatements.Key(sql: sql, types: types)
        if let name = statements.name(for: key) {
            do {
                try await NamedStatement.$current.withValue(.init(name: name, sql: sql, types: types)) {
                    var positions: ColumnPositions?
                    for try await row in try await connection.execute(NamedStatement(bindings: bindings), logger: logger) {
                        onRow(PostgresStoredRow(row: row, positions: &positions))
                    }
                }
                return
            } catch let error as PSQLError where error.serverInfo?[.sqlState] == "0A000" {
                // "cached plan must not change result type": the table changed under a prepared
                // `SELECT *` (a migration while the server ran). This text is not prepared again.
                statements.refuse(key)
            }
        }
        var positions: ColumnPositions?
        for try await row in try await connection.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger) {
            onRow(PostgresStoredRow(row: row, positions: &positions))
        }
    }
}

/// Statements a PostgreSQL transaction lets ride on its next statement (`Database.ride`). Each
/// statement is a round trip to the server; an INSERT whose result nobody reads (a raised
/// notification's queue row) goes instead as a data-modifying `WITH` in front of the
/// transaction's next SELECT, INSERT, UPDATE or DELETE (the last of several; the others first),
/// which PostgreSQL runs to completion whether or not the statement reads it. The next statement
/// cannot see the rows it adds (one snapshot), so a statement that names a rider's table, a
/// COMMIT, or one that cannot carry a `WITH` sends the riders on their own first, in order.
final class Riders: Sendable {
    struct Rider: Sendable {
        let query: any SQLExpression
        let table: String
    }
    private let pending = Mutex<[Rider]>([])
    /// Where the statements that rode on another are counted (this database's, for tests and measurements).
    let pool: PostgresPool

    init(pool: PostgresPool) { self.pool = pool }

    func add(_ query: any SQLExpression, writing table: String) {
        pending.withLock { $0.append(Rider(query: query, table: table)) }
    }

    /// The riders waiting, now taken (nil when there are none).
    func take() -> [Rider]? {
        pending.withLock { p in
            guard !p.isEmpty else { return nil }
            defer { p.removeAll() }
            return p
        }
    }

    /// `sql` with the rider in front as `WITH congvu_rider AS (…)`, its parameters numbered after
    /// the statement's own; nil when the statement cannot carry it.
    static func carry(_ rider: (sql: String, binds: [any Encodable & Sendable]), writing table: String, on sql: String,
                      binds: [any Encodable & Sendable]) -> (String, [any Encodable & Sendable])? {
        let verb = sql.drop { $0.isWhitespace }.prefix { $0.isLetter }.uppercased()
        guard ["SELECT", "INSERT", "UPDATE", "DELETE"].contains(verb), !sql.contains(table),
              (binds + rider.binds).allSatisfy({ Riders.plain($0) }) else { return nil }
        return ("WITH congvu_rider AS (" + renumber(rider.sql, after: binds.count) + ") " + sql, binds + rider.binds)
    }

    /// `$1`, `$2`… of a rider's text shifted by `offset` (a rider's text is one of our INSERTs: its
    /// values are all parameters, so every `$` in it is one).
    static func renumber(_ sql: String, after offset: Int) -> String {
        guard offset > 0 else { return sql }
        var out = "", digits = "", inParameter = false
        func flush() {
            if inParameter { out += Int(digits).map { String($0 + offset) } ?? digits }
            digits = ""
            inParameter = false
        }
        for c in sql {
            if inParameter, c.isASCII, c.isNumber { digits.append(c); continue }
            flush()
            if c == "$" { inParameter = true }
            out.append(c)
        }
        flush()
        return out
    }

    /// A value the statement path binds itself (not one left to PostgresKit's own path).
    static func plain(_ bind: any Encodable & Sendable) -> Bool {
        if let optional = bind as? any OptionalBind { return optional.wrapped.map { $0 is any PostgresThrowingDynamicTypeEncodable } ?? true }
        return bind is any PostgresThrowingDynamicTypeEncodable
    }
}

/// A bound optional: NULL, or its value sent as itself.
private protocol OptionalBind { var wrapped: Any? { get } }
extension Optional: OptionalBind { var wrapped: Any? { self.map { $0 as Any } } }

/// A statement PostgresNIO prepares once per connection under `name` and then only binds and
/// executes. PostgresNIO names prepared statements by type; the name, text and parameter types of
/// the statement being run are given for the duration of the call (`current`).
struct NamedStatement: PostgresPreparedStatement {
    struct Current: Sendable {
        var name = ""
        var sql = ""
        var types: [PostgresDataType] = []
    }
    @TaskLocal static var current = Current()
    static var name: String { current.name }
    static var sql: String { current.sql }
    static var bindingDataTypes: [PostgresDataType] { current.types }

    let bindings: PostgresBindings
    func makeBindings() throws -> PostgresBindings { bindings }
    func decodeRow(_ row: PostgresRow) throws -> PostgresRow { row }
}

/// Which statements are prepared, for the whole process (a connection prepares a name the first
/// time it runs it). A statement is prepared from its `after`th execution on, so one-off texts (a
/// list of a hundred ids) stay unnamed, and at most `capacity` texts are prepared: each costs the
/// database server memory on every connection. The parameters' types are part of a statement's
/// identity: PostgreSQL fixes them when it prepares.
final class PreparedStatements: Sendable {
    struct Key: Hashable, Sendable {
        let sql: String
        let types: [PostgresDataType]
    }
    private struct State {
        var seen: [Key: Int] = [:]
        var names: [Key: String] = [:]
        var refused: Set<Key> = []
    }
    private let state = Mutex(State())
    let enabled: Bool
    let after: Int
    let capacity: Int

    init(enabled: Bool = true, after: Int = 2, capacity: Int = 400) {
        self.enabled = enabled
        self.after = after
        self.capacity = capacity
    }

    /// The statement's name when it is (now) prepared, nil when it runs unnamed.
    func name(for key: Key) -> String? {
        guard enabled else { return nil }
        return state.withLock { s in
            if let name = s.names[key] { return name }
            guard s.names.count < capacity, !s.refused.contains(key) else { return nil }
            let seen = (s.seen[key] ?? 0) + 1
            guard seen >= after else {
                if s.seen.count >= capacity * 20 { s.seen.removeAll(keepingCapacity: true) }
                s.seen[key] = seen
                return nil
            }
            s.seen[key] = nil
            let name = "congvu_\(s.names.count + 1)"
            s.names[key] = name
            return name
        }
    }

    func refuse(_ key: Key) {
        state.withLock { s in
            s.names[key] = nil
            s.refused.insert(key)
        }
    }

    var prepared: Int { state.withLock { $0.names.count } }
}

/// Where each column of one result is, found once from its first row and shared by the others
/// (every row of a result has the same columns).
final class ColumnPositions: Sendable {
    let names: [String]
    let table: [String: Int]
    init(_ row: PostgresRow) {
        names = row.map(\.columnName)
        table = Dictionary(names.enumerated().map { ($1, $0) }, uniquingKeysWith: { _, last in last })  // as PostgresNIO: the last of a repeated name
    }
}

/// A row's values, each read from the wire once when the row arrives: the plain types as Swift
/// values, anything else left to PostgresKit's decoder when asked for.
struct PostgresStoredRow: SQLRow {
    enum Value {
        case null, text(String), integer(Int64), boolean(Bool), real(Double), other
    }
    let row: PostgresRow
    let values: [Value]
    let positions: ColumnPositions

    init(row: PostgresRow, positions: inout ColumnPositions?) {
        self.row = row
        if positions == nil { positions = ColumnPositions(row) }
        self.positions = positions!
        var values: [Value] = []
        values.reserveCapacity(self.positions.names.count)
        for cell in row {
            guard cell.bytes != nil else { values.append(.null); continue }
            switch cell.dataType {
            case .text, .varchar, .bpchar, .name: values.append((try? cell.decode(String.self, context: .default)).map(Value.text) ?? .other)
            case .int8, .int4, .int2: values.append((try? cell.decode(Int64.self, context: .default)).map(Value.integer) ?? .other)
            case .bool: values.append((try? cell.decode(Bool.self, context: .default)).map(Value.boolean) ?? .other)
            case .float8, .float4: values.append((try? cell.decode(Double.self, context: .default)).map(Value.real) ?? .other)
            default: values.append(.other)
            }
        }
        self.values = values
    }

    var allColumns: [String] { positions.names }
    func contains(column: String) -> Bool { positions.table[column] != nil }

    func decodeNil(column: String) throws -> Bool {
        guard let i = positions.table[column] else { return true }
        if case .null = values[i] { return true }
        return false
    }

    func decode<T: Decodable>(column: String, as type: T.Type) throws -> T {
        guard let i = positions.table[column] else { throw MissingColumn(column: column) }
        switch values[i] {
        case .text(let s) where T.self == String.self: return unsafeBitCast(s, to: T.self)
        case .integer(let n) where T.self == Int64.self: return unsafeBitCast(n, to: T.self)
        case .integer(let n) where T.self == Int.self: return unsafeBitCast(Int(n), to: T.self)
        case .boolean(let b) where T.self == Bool.self: return unsafeBitCast(b, to: T.self)
        case .real(let d) where T.self == Double.self: return unsafeBitCast(d, to: T.self)
        default: return try row.sql().decode(column: column, as: T.self)
        }
    }
}
