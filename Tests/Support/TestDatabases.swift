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

    /// A new, empty database of `kind` (a temporary SQLite file, or a fresh PostgreSQL database),
    /// removed after `body`.
    public static func withFresh<T>(_ kind: DatabaseKind, migrate: Bool = true, _ body: (Database, String) async throws -> T) async throws -> T {
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
