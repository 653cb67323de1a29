import CongvuStore
import Foundation
import Logging

/// The databases store tests run on: SQLite always, PostgreSQL when the test command has
/// started a server and set `CONGVU_TEST_POSTGRES_URL` (e.g. postgres://postgres@127.0.0.1:55432/postgres).
public enum TestDatabases {
    public static var kinds: [DatabaseKind] {
        guard ProcessInfo.processInfo.environment["CONGVU_TEST_POSTGRES_URL"] != nil else {
            _ = postgresSkipped
            return [.sqlite]
        }
        return [.sqlite, .postgres]
    }

    /// Said once, loudly: a plain `swift test` runs the store tests on SQLite only.
    static let postgresSkipped: Void = {
        FileHandle.standardError.write(Data("""

            ⚠️  CONGVU_TEST_POSTGRES_URL is not set: every store test runs on SQLite only, PostgreSQL is SKIPPED.
                scripts/test starts a private PostgreSQL and runs them on both.


            """.utf8))
    }()

    public static let logger: Logger = {
        var l = Logger(label: "test")
        l.logLevel = .warning
        return l
    }()

    /// At most this many PostgreSQL test databases at once (`CONGVU_TEST_POSTGRES_PARALLEL`, default 16).
    /// The suite starts every test together: hundreds of connection pools on two cores made the
    /// server refuse clients and the concurrency tests wait past the pool's 30 seconds. A test waits
    /// for its turn instead; one opened inside another's body does not wait again.
    static let postgresGate = Gate(limit: ProcessInfo.processInfo.environment["CONGVU_TEST_POSTGRES_PARALLEL"].flatMap { Int($0) } ?? 16)
    @TaskLocal static var holdsGate = false

    /// A new, empty database of `kind` (a temporary SQLite file, or a fresh PostgreSQL database),
    /// removed after `body`.
    public static func withFresh<T>(_ kind: DatabaseKind, migrate: Bool = true, _ body: (Database, String) async throws -> T) async throws -> T {
        if kind == .postgres && !holdsGate {
            await postgresGate.enter()
            do {
                let result = try await $holdsGate.withValue(true) { try await withFresh(kind, migrate: migrate, body) }
                await postgresGate.leave()
                return result
            } catch {
                await postgresGate.leave()
                throw error
            }
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("congvu-test-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let location: DatabaseLocation
        var dropName: String?
        switch kind {
        case .sqlite:
            location = .sqlite(path: dir + "/test.sqlite")
        case .postgres:
            guard let admin = ProcessInfo.processInfo.environment["CONGVU_TEST_POSTGRES_URL"] else { throw MissingPostgres() }
            let name = "congvu_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased()
            let adminDB = try await Database.open(.postgres(url: admin), logger: logger)
            do { try await adminDB.execute("CREATE DATABASE \(name)") } catch { await adminDB.shutdown(); throw error }
            await adminDB.shutdown()
            var url = URLComponents(string: admin)!
            url.path = "/" + name
            location = .postgres(url: url.string!)
            dropName = name
        }
        let db = try await Database.open(location, logger: logger)
        do {
            if migrate { try await Migrator().migrate(db) }
            let result = try await body(db, dir)
            await db.shutdown()
            try await drop(dropName)
            return result
        } catch {
            await db.shutdown()
            try? await drop(dropName)
            throw error
        }
    }

    static func drop(_ name: String?) async throws {
        guard let name, let admin = ProcessInfo.processInfo.environment["CONGVU_TEST_POSTGRES_URL"] else { return }
        let adminDB = try await Database.open(.postgres(url: admin), logger: logger)
        try? await adminDB.execute("DROP DATABASE IF EXISTS \(name)")
        await adminDB.shutdown()
    }
}

public struct MissingPostgres: Error {}

/// A counting gate for async code: `enter` waits while `limit` holders are in.
actor Gate {
    private var free: Int
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(limit: Int) { free = max(1, limit) }

    func enter() async {
        if free > 0 { free -= 1; return }
        await withCheckedContinuation { waiting.append($0) }
    }

    func leave() {
        if waiting.isEmpty { free += 1 } else { waiting.removeFirst().resume() }
    }
}

/// Runs each database's LISTEN, as a node's cluster service does, until the returned task is
/// cancelled; returns once all of them listen (at once on SQLite, where there is nothing to hear).
public func listenForChanges(_ databases: Database...) async throws -> Task<Void, any Error> {
    let task = Task {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for db in databases { group.addTask { try await db.listenForChanges() } }
            try await group.waitForAll()
        }
    }
    for _ in 0..<250 where !databases.allSatisfy(\.hearsEveryChange) { try await Task.sleep(for: .milliseconds(20)) }
    return task
}
