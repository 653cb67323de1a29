import CongvuStore
import CongvuTestSupport
import Foundation
import SQLKit
import Testing

/// What every store stands on: rows read through the fast decoders mean what the drivers' own
/// decoders read, and on PostgreSQL repeated statements are prepared without changing a result.
@Suite struct ConnectionsTests {
    struct Values: Codable, Equatable { var s: String; var n: Int64; var i: Int; var b: Bool; var d: Double }

    /// A write whose task is cancelled half-way is rolled back, and the next write goes through. A
    /// cancelled task's statements are refused before they run (SQLite's thread pool), its ROLLBACK
    /// too: the connection was left inside the transaction, every later write failed to begin, and
    /// an import job waiting to record its end stayed "running" for ever (a test run hung on it).
    @Test(arguments: TestDatabases.kinds) func aWriteCancelledHalfWayLeavesNothingAndTheNextGoesThrough(kind: DatabaseKind) async throws {
        try await TestDatabases.withFresh(kind, migrate: false) { db, _ in
            try await db.execute("CREATE TABLE probe (x INTEGER)")
            let (begun, said) = AsyncStream.makeStream(of: Void.self)
            let task = Task {
                try await db.write { sql in
                    try await sql.raw("INSERT INTO probe (x) VALUES (1)").run()
                    said.yield()
                    try await Task.sleep(for: .seconds(60))  // cancelled here
                    try await sql.raw("INSERT INTO probe (x) VALUES (2)").run()
                }
            }
            for await _ in begun { break }
            task.cancel()
            await #expect(throws: CancellationError.self) { try await task.value }
            try await db.write { sql in try await sql.raw("INSERT INTO probe (x) VALUES (3)").run() }
            let rows = try await db.read { try await $0.raw("SELECT x FROM probe").all() }
            #expect(try rows.map { try $0.decode(column: "x", as: Int.self) } == [3])
        }
    }

    @Test(arguments: TestDatabases.kinds) func plainColumnsReadAsTheDriverWould(kind: DatabaseKind) async throws {
        try await TestDatabases.withFresh(kind, migrate: false) { db, _ in
            let boolean = kind == .sqlite ? "INTEGER" : "BOOLEAN"
            try await db.execute("CREATE TABLE vals (s TEXT, n BIGINT, i INTEGER, b \(boolean), d DOUBLE PRECISION, o TEXT, t TEXT)")
            try await db.write { sql in
                try await sql.raw("INSERT INTO vals (s, n, i, b, d, o, t) VALUES (\(bind: "Việt Nam ✓"), \(bind: Int64.max), \(bind: -42), \(bind: true), \(bind: 0.1), \(bind: String?.none), \(bind: "7"))").run()
            }
            for _ in 0..<3 {  // the third on PostgreSQL runs prepared
                let row = try #require(try await db.read { try await $0.raw("SELECT * FROM vals").first() })
                #expect(try row.decode(column: "s", as: String.self) == "Việt Nam ✓")
                #expect(try row.decode(column: "n", as: Int64.self) == Int64.max)
                #expect(try row.decode(column: "i", as: Int.self) == -42 && row.decode(column: "i", as: Int64.self) == -42)
                #expect(try row.decode(column: "b", as: Bool.self) == true)
                #expect(try row.decode(column: "d", as: Double.self) == 0.1)
                #expect(try row.decodeNil(column: "o") && !row.decodeNil(column: "s"))
                #expect(try row.decode(column: "o", as: String?.self) == nil, "an optional type goes through the driver's decoder")
                #expect(try row.decode(column: "s", as: String?.self) == "Việt Nam ✓")
                #expect(throws: (any Error).self) { try row.decode(column: "nothing", as: String.self) }
                #expect(throws: (any Error).self) { try row.decode(column: "s", as: Int64.self) }
                let whole = try row.decode(model: Values.self)
                #expect(whole == Values(s: "Việt Nam ✓", n: Int64.max, i: -42, b: true, d: 0.1))
            }
        }
    }

    @Test func repeatedStatementsArePreparedOnPostgreSQL() async throws {
        guard TestDatabases.kinds.contains(.postgres) else { return }
        try await TestDatabases.withFresh(.postgres, migrate: false) { db, _ in
            try await db.execute("CREATE TABLE nums (n INTEGER)")
            try await db.execute("INSERT INTO nums (n) VALUES (1), (2), (NULL)")
            func count(_ n: Int?) async throws -> Int {
                try await db.read { try await $0.raw("SELECT COUNT(*) AS c FROM nums WHERE COALESCE(n, 0) = COALESCE(\(bind: n), 0)").first()!.decode(column: "c", as: Int.self) }
            }
            let before = db.preparedStatements
            #expect(try await count(nil) == 1)
            #expect(db.preparedStatements == before, "a statement run once stays unnamed")
            for _ in 0..<3 { #expect(try await count(nil) == 1) }
            #expect(db.preparedStatements == before + 1)
            // The same text with a number where it had NULL: PostgreSQL fixed the parameter's type when
            // it prepared (from the column: integer), so a bigint sent to that statement would be refused.
            for _ in 0..<4 { #expect(try await count(2) == 1) }
            #expect(db.preparedStatements == before + 2)

            // A prepared SELECT * whose table then changes (a migration while the server runs) is run
            // unnamed from then on, with the new column.
            for _ in 0..<3 { _ = try await db.read { try await $0.raw("SELECT * FROM nums").all() } }
            try await db.execute("ALTER TABLE nums ADD COLUMN m TEXT NOT NULL DEFAULT 'x'")
            for _ in 0..<10 {  // whichever pooled connection had prepared it
                let rows = try await db.read { try await $0.raw("SELECT * FROM nums").all() }
                #expect(rows.count == 3 && rows.allSatisfy { (try? $0.decode(column: "m", as: String.self)) == "x" })
            }
        }
    }
}
