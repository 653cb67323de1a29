import CongvuDomain
import CongvuStore
import CongvuTestSupport
import Foundation
import SQLKit
import Synchronization
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

    /// A raise rides on its transaction's next statement on PostgreSQL (no round trip of its own)
    /// and runs at once on SQLite; either way it commits and rolls back with the transaction, a
    /// statement that reads its table sees it, and its parameters keep their values beside the
    /// carrying statement's own.
    @Test(arguments: TestDatabases.kinds) func aRaiseRidesOnTheNextStatementAndKeepsTheTransactionsFate(kind: DatabaseKind) async throws {
        try await TestDatabases.withFresh(kind) { db, _ in
            let tree = try await Tree.make(db)
            let lan = try await Tree.person(db, "Nguyễn Thị Lan", in: tree.committeeA)
            let unitID = tree.committeeA.id
            let draft = { @Sendable (n: Int64) in
                NotificationDraft(key: NotificationKey(.taskAssigned, recordType: "task", recordID: n), unitID: unitID,
                                  params: ["title": "Việc $1 số \(n) 'trích'"], link: "/tasks/\(n)")
            }
            let queued = {
                try await db.read { try await $0.raw("SELECT record_id, params, unit_id FROM notification_queue ORDER BY id").all() }
                    .map { "\(try $0.decode(column: "record_id", as: Int64.self)) \(try $0.decode(column: "params", as: String.self)) \(try $0.decode(column: "unit_id", as: Int64.self))" }
            }
            let carried = db.statementsCarried

            // Two raises, then a statement with parameters of its own: all three values right.
            let sum = try await db.write { sql in
                try await NotificationStore.raise(draft(1), toPeople: [lan.id], in: sql)
                try await NotificationStore.raise(draft(2), toPeople: [lan.id], in: sql)
                return try await sql.raw("SELECT \(bind: 40) + \(bind: 2) AS n").first()!.decode(column: "n", as: Int.self)
            }
            #expect(sum == 42)
            let unit = tree.committeeA.id
            let first = try await queued()
            #expect(first == [#"1 {"title":"Việc $1 số 1 'trích'"} \#(unit)"#, #"2 {"title":"Việc $1 số 2 'trích'"} \#(unit)"#])
            #expect(db.statementsCarried == carried + (kind == .postgres ? 1 : 0), "on PostgreSQL the second rode on the SELECT")

            // The last statement of its transaction: sent before the COMMIT. Read in the transaction: seen.
            try await db.write { try await NotificationStore.raise(draft(3), toPeople: [lan.id], in: $0) }
            let seen = try await db.write { sql in
                try await NotificationStore.raise(draft(4), toPeople: [lan.id], in: sql)
                return try await sql.raw("SELECT COUNT(*) AS n FROM notification_queue").first()!.decode(column: "n", as: Int.self)
            }
            #expect(seen == 4 && db.statementsCarried == carried + (kind == .postgres ? 1 : 0))

            // A transaction that fails takes its raises with it, whether they rode or not.
            struct Refused: Error {}
            await #expect(throws: Refused.self) {
                try await db.write { sql in
                    try await NotificationStore.raise(draft(5), toPeople: [lan.id], in: sql)
                    throw Refused()
                }
            }
            await #expect(throws: (any Error).self, "a raise to nobody fails the statement it rides on") {
                try await db.write { sql in
                    try await NotificationStore.raise(draft(6), toPeople: [999_999], in: sql)
                    try await sql.raw("SELECT 1 AS one").run()
                }
            }
            try await db.write { sql in
                try await NotificationStore.raise(draft(7), toPeople: [lan.id], in: sql)
                try await sql.raw("SELECT 1 AS one").run()
            }
            let all = try await queued().map { String($0.prefix(2)) }
            #expect(all == ["1 ", "2 ", "3 ", "4 ", "7 "], "the connection is sound after the failure")
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

    final class Count: Sendable { let n = Mutex(0) }

    /// A kept statement answers as its builder would: its slots filled whatever order they appear
    /// in, its own binds kept, each call with its own values (prepared on PostgreSQL by the third),
    /// the builder run once; written inside another statement, its placeholders follow that one's.
    @Test(arguments: TestDatabases.kinds) func aKeptStatementAnswersAsItsBuilderWould(kind: DatabaseKind) async throws {
        try await TestDatabases.withFresh(kind, migrate: false) { db, _ in
            try await db.execute("CREATE TABLE kept (name TEXT, n INTEGER, tag TEXT)")
            try await db.write { sql in
                try await sql.raw("INSERT INTO kept (name, n, tag) VALUES ('a', 1, 'x'), ('b', 2, 'y'), ('c', 3, 'x'), ('d', 4, 'x')").run()
            }
            let builds = Count()
            // Slot 1 is written before slot 0, and a bind of the builder's own between them.
            let kept = KeptStatement { sql, slot in
                builds.n.withLock { $0 += 1 }
                return sql.select().column("name").from("kept").where("n", .greaterThanOrEqual, slot(1)).where("tag", .equal, SQLBind("x"))
                    .where("n", .lessThan, slot(0)).orderBy("n").query
            }
            func names(_ rows: [any SQLRow]) throws -> [String] { try rows.map { try $0.decode(column: "name", as: String.self) } }
            for _ in 0..<3 {
                #expect(try names(try await db.read { try await kept.all(on: $0, 4, 1) }) == ["a", "c"])
                #expect(try names(try await db.read { try await kept.all(on: $0, 5, 3) }) == ["c", "d"])
                #expect(try await db.read { try await kept.first(on: $0, 5, 2) }?.decode(column: "name", as: String.self) == "c")
            }
            #expect(builds.n.withLock { $0 } == 1)
            let row = try #require(try await db.read { sql in
                try await sql.raw("SELECT \(bind: 7) AS seven, (SELECT count(*) FROM (\(kept.filled(sql, [5, 1]))) AS k) AS c").first()
            })
            #expect(try row.decode(column: "seven", as: Int.self) == 7 && row.decode(column: "c", as: Int.self) == 3)
        }
    }
}
