import CongvuDomain
import Foundation
import Logging
import NIOCore
import NIOPosix
import PostgresKit
import SQLKit
import SQLiteKit
import Synchronization

/// Where the data lives: an embedded SQLite file (the default) or a PostgreSQL server.
public enum DatabaseLocation: Sendable, Equatable {
    case sqlite(path: String)
    case postgres(url: String)

    /// `DATABASE_URL=postgres://…` selects PostgreSQL; otherwise `congvu.sqlite` in the data directory.
    public static func resolve(databaseURL: String?, dataDirectory: String) -> DatabaseLocation {
        if let url = databaseURL, url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") {
            return .postgres(url: url)
        }
        if let url = databaseURL, url.hasPrefix("sqlite://") {
            return .sqlite(path: String(url.dropFirst("sqlite://".count)))
        }
        return .sqlite(path: (dataDirectory as NSString).appendingPathComponent("congvu.sqlite"))
    }
}

public enum DatabaseKind: String, Sendable {
    case sqlite, postgres
}

/// One handle for both databases. Reads may run concurrently; every write runs inside a
/// transaction on one connection (`write`), so a change and its audit record commit together.
public final class Database: Sendable {
    public let kind: DatabaseKind
    public let location: DatabaseLocation
    let logger: Logger
    /// Working calendars built from this database, kept a minute per unit and years: intake,
    /// transfers and apology alerts each need one. A calendar change published on `changes` clears
    /// them here and on every other node.
    public let calendars = ExpiringCache<WorkCalendar>(lifetime: 60, capacity: 2_000)
    /// Who each session and API token stands for (`AccountStore.admitted`), kept a few seconds:
    /// every request needs it, and a burst of them reads it once. Any change to accounts, grants,
    /// sessions, tokens or units' paths is published as `.access` and clears it here and on every
    /// other node. A change made where no node hears it (the command line on SQLite) shows within
    /// the lifetime.
    public let admissions = ExpiringCache<Admission>(lifetime: Admission.kept, capacity: 20_000)
    /// The one change-notification mechanism: what other viewers (on this node or another) must see.
    public let changes: ChangeBus
    private let backend: Backend
    private let listeningNow = Atomic<Bool>(false)

    private enum Backend: Sendable {
        case sqlite(SQLiteBackend)
        case postgres(PostgresPool)
    }

    private init(kind: DatabaseKind, location: DatabaseLocation, backend: Backend, logger: Logger) {
        self.kind = kind
        self.location = location
        self.backend = backend
        self.logger = logger
        switch backend {
        case .sqlite:
            changes = ChangeBus(notify: nil, logger: logger)
        case .postgres(let p):
            changes = ChangeBus(notify: { message in
                try await PostgresSQL(source: .pool(p), statements: p.statements, logger: logger)
                    .raw("SELECT pg_notify(\(bind: ChangeBus.channel), \(bind: message))").run()
            }, logger: logger)
        }
        changes.on(.calendar) { [calendars] _ in calendars.clear() }
        changes.on(.access) { [admissions] _ in admissions.clear() }
    }

    /// Whether every change that matters to what this node keeps reaches it: always on SQLite (one
    /// node), on PostgreSQL while LISTEN runs. What is kept only under that promise (admissions) is
    /// read afresh when it does not hold.
    public var hearsEveryChange: Bool { kind == .sqlite || listening }

    /// Hands the other nodes' changes to `changes` until cancelled, on a connection of its own that
    /// runs PostgreSQL's LISTEN; on SQLite (one node) it returns at once.
    public func listenForChanges() async throws {
        guard case .postgres(let p) = backend else { return }
        let conn = try await p.pool.requestConnection(logger: logger).get()
        defer {
            listeningNow.store(false, ordering: .relaxed)
            p.pool.releaseConnection(conn, logger: logger)
        }
        try await conn.listen(on: ChangeBus.channel) { notifications in
            // What changed while nobody listened was not heard: what is kept is read afresh.
            calendars.clear()
            admissions.clear()
            listeningNow.store(true, ordering: .relaxed)
            for try await n in notifications { changes.deliver(n.payload) }
        }
    }

    /// Whether this node hears the other nodes' changes now (PostgreSQL's LISTEN is running).
    public var listening: Bool { listeningNow.load(ordering: .relaxed) }

    public static func open(_ location: DatabaseLocation, logger: Logger) async throws -> Database {
        switch location {
        case .sqlite(let path):
            let dir = (path as NSString).deletingLastPathComponent
            if !dir.isEmpty { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
            let backend = try await SQLiteBackend.open(path: path, logger: logger)
            return Database(kind: .sqlite, location: location, backend: .sqlite(backend), logger: logger)
        case .postgres(let url):
            let config = try SQLPostgresConfiguration(url: url)
            let pool = PostgresPool(EventLoopGroupConnectionPool(
                source: PostgresConnectionSource(sqlConfiguration: config),
                maxConnectionsPerEventLoop: 4,
                // A burst (many intakes at once) waits for a connection rather than failing after
                // the default 10 s: seen failing so while the whole test suite ran on two cores.
                requestTimeout: .seconds(30),
                pruneInterval: .seconds(60),
                logger: logger,
                on: MultiThreadedEventLoopGroup.singleton
            ))
            let db = Database(kind: .postgres, location: location, backend: .postgres(pool), logger: logger)
            do {
                _ = try await db.read { try await $0.raw("SELECT 1 AS one").all() }
            } catch {
                try? await pool.pool.shutdownAsync()
                throw DatabaseOpenError(message: String(reflecting: error))
            }
            return db
        }
    }

    /// Runs `body` against the database outside any transaction.
    public func read<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        switch backend {
        case .sqlite(let b): return try await body(b.reader())
        case .postgres(let p): return try await body(PostgresSQL(source: .pool(p), statements: p.statements, logger: logger))
        }
    }

    /// Runs `query` (an INSERT whose result nobody reads, writing `table`) in the transaction
    /// `sql`: on SQLite at once, where a statement costs no round trip; on PostgreSQL with the
    /// transaction's next statement, in front of it (`Riders`), or before its COMMIT. A failure
    /// surfaces there and rolls the whole transaction back, as it would have here.
    static func ride(_ query: any SQLExpression, writing table: String, in sql: any SQLDatabase) async throws {
        if let pg = sql as? PostgresSQL, let riders = pg.riders {
            riders.add(query, writing: table)
        } else {
            try await sql.execute(sql: query) { _ in }
        }
    }

    /// Statements that rode on another statement instead of a round trip of their own (PostgreSQL).
    public var statementsCarried: Int {
        if case .postgres(let p) = backend { return p.carried.load(ordering: .relaxed) }
        return 0
    }

    /// How many statement texts this process has prepared on PostgreSQL (none on SQLite).
    public var preparedStatements: Int {
        if case .postgres(let p) = backend { return p.statements.prepared }
        return 0
    }

    /// Runs `body` in one transaction: committed when it returns, rolled back when it throws.
    public func write<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        switch backend {
        case .sqlite(let b):
            let asked = ContinuousClock.now
            return try await b.withWriter { conn in
                DatabaseMetrics.waited(.sqlite, .write, since: asked)
                return try await Database.transaction(on: SQLiteSQL(connection: conn), begin: "BEGIN IMMEDIATE", body)
            }
        case .postgres(let p):
            let asked = ContinuousClock.now
            let conn = try await p.pool.requestConnection(logger: logger).get()
            DatabaseMetrics.waited(.postgres, .write, since: asked)
            defer { p.pool.releaseConnection(conn, logger: logger) }
            return try await Database.transaction(on: PostgresSQL(source: .connection(conn), statements: p.statements, logger: logger,
                                                              riders: Riders(pool: p)),
                                                  begin: "BEGIN", body)
        }
    }

    /// The transaction ends in a task of its own: a cancelled task's statements are refused before
    /// they run (SQLite's thread pool does so), and a ROLLBACK refused so left the connection inside
    /// the transaction, where every later write failed to begin. A body that returned is committed
    /// though its task was cancelled meanwhile; one that threw is rolled back.
    private static func transaction<T: Sendable>(on db: any SQLDatabase, begin: String,
                                                 _ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await db.raw(SQLQueryString(begin)).run()
        do {
            let result = try await body(db)
            try await Task { try await db.raw("COMMIT").run() }.value
            return result
        } catch {
            _ = (db as? PostgresSQL)?.riders?.take()  // what was to ride goes with the transaction
            await Task { try? await db.raw("ROLLBACK").run() }.value
            throw error
        }
    }

    /// A consistent copy of an SQLite database, taken with `VACUUM INTO` while the server runs.
    public func backup(to path: String) async throws {
        guard case .sqlite(let b) = backend else { throw BackupUnsupported() }
        if FileManager.default.fileExists(atPath: path) { throw BackupTargetExists(path: path) }
        try await b.withWriter { conn in
            try await conn.sql().raw("VACUUM INTO \(bind: path)").run()
        }
    }

    public func shutdown() async {
        // A change published just before (a password reset from the command line) still reaches the other nodes.
        await changes.sent()
        switch backend {
        case .sqlite(let b): await b.close()
        case .postgres(let p): try? await p.pool.shutdownAsync()
        }
    }
}

public struct DatabaseOpenError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { "cannot open the database: \(message)" }
}

public struct BackupUnsupported: Error, CustomStringConvertible {
    public var description: String { "backup copies the embedded SQLite database; for PostgreSQL use pg_dump" }
}

public struct BackupTargetExists: Error, CustomStringConvertible {
    public let path: String
    public var description: String { "\(path) already exists; choose a new file name" }
}

/// AsyncKit's pool guards its state with its own locks but predates `Sendable`.
final class PostgresPool: @unchecked Sendable {
    let pool: EventLoopGroupConnectionPool<PostgresConnectionSource>
    let statements = PreparedStatements()
    /// Statements that rode on another instead of a round trip of their own (`Database.ride`).
    let carried = Atomic<Int>(0)
    init(_ pool: EventLoopGroupConnectionPool<PostgresConnectionSource>) { self.pool = pool }
}

/// SQLite allows one writer at a time. Writers queue on an async lock in the process instead of
/// spinning in `busy_timeout` on the shared thread pool (which could starve the writer holding
/// the lock); readers use their own connections and see the last committed state (WAL mode).
final class SQLiteBackend: Sendable {
    private let writer: SQLiteConnection
    private let readers: [SQLiteConnection]
    private let next = Mutex(0)
    private let writeLock = AsyncLock()

    private init(writer: SQLiteConnection, readers: [SQLiteConnection]) {
        self.writer = writer
        self.readers = readers
    }

    static func open(path: String, logger: Logger) async throws -> SQLiteBackend {
        func connect() async throws -> SQLiteConnection {
            let conn = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
            for pragma in ["PRAGMA journal_mode = WAL", "PRAGMA foreign_keys = ON",
                           "PRAGMA busy_timeout = 5000", "PRAGMA synchronous = NORMAL"] {
                _ = try await conn.query(pragma)
            }
            return conn
        }
        let writer = try await connect()
        var readers: [SQLiteConnection] = []
        for _ in 0..<max(2, System.coreCount) { readers.append(try await connect()) }
        return SQLiteBackend(writer: writer, readers: readers)
    }

    func reader() -> any SQLDatabase {
        let i = next.withLock { n in n = (n + 1) % readers.count; return n }
        return SQLiteSQL(connection: readers[i])
    }

    /// Makes every reader load the schema again. A connection that read before a migration keeps
    /// its schema until a statement of its own finds the change, and a `SELECT t.*` it prepares
    /// meanwhile names the old columns while returning the new ones (a migrated table then reads
    /// as missing its new column, once per reader). Reading the schema table settles it.
    func reloadSchema() async throws {
        for r in readers { _ = try await r.query("SELECT COUNT(*) FROM sqlite_master") }
    }

    func withWriter<T: Sendable>(_ body: (SQLiteConnection) async throws -> T) async throws -> T {
        await writeLock.lock()
        defer { writeLock.unlock() }
        return try await body(writer)
    }

    func close() async {
        try? await writer.close()
        for r in readers { try? await r.close() }
    }
}

/// A first-come, first-served lock for async code.
final class AsyncLock: Sendable {
    private struct State {
        var locked = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }
    private let state = Mutex(State())

    func lock() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let acquired = state.withLock { s -> Bool in
                if s.locked { s.waiters.append(c); return false }
                s.locked = true
                return true
            }
            if acquired { c.resume() }
        }
    }

    func unlock() {
        let next = state.withLock { s -> CheckedContinuation<Void, Never>? in
            if s.waiters.isEmpty { s.locked = false; return nil }
            return s.waiters.removeFirst()
        }
        next?.resume()
    }
}

extension Database {
    /// After a migration: readers that knew the old schema learn the new one (SQLite; a
    /// PostgreSQL connection plans every statement against the current catalog).
    public func schemaChanged() async throws {
        if case .sqlite(let b) = backend { try await b.reloadSchema() }
    }

    /// Removes every table: the SQLite file is deleted, the PostgreSQL `public` schema recreated.
    public static func erase(_ location: DatabaseLocation, logger: Logger) async throws {
        switch location {
        case .sqlite(let path):
            for suffix in ["", "-wal", "-shm"] where FileManager.default.fileExists(atPath: path + suffix) {
                try FileManager.default.removeItem(atPath: path + suffix)
            }
        case .postgres:
            let db = try await Database.open(location, logger: logger)
            do {
                try await db.write { sql in
                    try await sql.raw("DROP SCHEMA public CASCADE").run()
                    try await sql.raw("CREATE SCHEMA public").run()
                }
            } catch {
                await db.shutdown()
                throw error
            }
            await db.shutdown()
        }
    }
}

extension Database {
    /// Runs one statement outside any transaction (`CREATE DATABASE` refuses to run inside one).
    public func execute(_ statement: String) async throws {
        try await read { try await $0.raw(SQLQueryString(statement)).run() }
    }
}
