import CongvuDomain
import CongvuStore
import CongvuTestSupport
import Foundation
import SQLKit
import Synchronization
import Testing

/// Several nodes on one database (issue 25): the registry, work claimed once per cluster and taken
/// over when its node dies, the migrations run once when nodes start together, and changes carried
/// from node to node by PostgreSQL's LISTEN/NOTIFY.
@Suite struct ClusterStoreTests {
    @Test(arguments: TestDatabases.kinds)
    func nodesBeatAndAreListed(kind: DatabaseKind) async throws {
        try await TestDatabases.withFresh(kind) { db, _ in
            let nodes = NodeStore(database: db), start = Date(timeIntervalSince1970: 1_790_000_000)
            var a = ClusterNode(name: "web-1", roles: ["web"], site: "", version: "0.25.0", schemaStep: 43, address: "10.0.0.1:8080",
                                startedAt: start, heartbeatAt: start)
            try await nodes.heartbeat(a)
            try await nodes.heartbeat(ClusterNode(name: "rec-giahung", roles: ["recorder"], site: "14551", version: "0.25.0", schemaStep: 43,
                                                  address: "10.0.1.1:8080", startedAt: start, heartbeatAt: start + 1))
            a.heartbeatAt = start + 30
            try await nodes.heartbeat(a)
            let list = try await nodes.list()
            #expect(list.map(\.name) == ["web-1", "rec-giahung"])
            #expect(list[0] == a && list[1].roles == ["recorder"] && list[1].site == "14551")
            #expect(list[0].alive(at: start + 40) && !list[1].alive(at: start + 40))
        }
    }

    @Test(arguments: TestDatabases.kinds)
    func aSlotRunsOnceAndIsTakenOverWhenItsNodeDies(kind: DatabaseKind) async throws {
        try await TestDatabases.withFresh(kind) { db, _ in
            let claims = JobClaims(database: db), now = Date(timeIntervalSince1970: 1_790_000_000)
            let first = try #require(try await claims.claim("reconcile", slot: "2026-12-06", node: "web-1", lease: 60, now: now))
            #expect(first.attempt == 1)
            // While the lease holds, another node (or the same again) is refused.
            #expect(try await claims.claim("reconcile", slot: "2026-12-06", node: "web-2", lease: 60, now: now + 30) == nil)
            #expect(try await claims.claim("reconcile", slot: "2026-12-06", node: "web-1", lease: 60, now: now + 30) == nil)
            // Another slot or another job is free.
            #expect(try await claims.claim("reconcile", slot: "2026-12-07", node: "web-2", lease: 60, now: now) != nil)
            #expect(try await claims.claim("retention", slot: "2026-12-06", node: "web-2", lease: 60, now: now) != nil)
            // Renewed, the lease outlives its first minute.
            #expect(try await claims.renew(first, lease: 60, now: now + 50))
            #expect(try await claims.claim("reconcile", slot: "2026-12-06", node: "web-2", lease: 60, now: now + 100) == nil)
            // web-1 dies: once the lease ran out, web-2 takes the slot over, and web-1's claim is lost.
            let second = try #require(try await claims.claim("reconcile", slot: "2026-12-06", node: "web-2", lease: 60, now: now + 111))
            #expect(second.attempt == 2)
            #expect(try await claims.renew(first, lease: 60, now: now + 112) == false)
            try await claims.finish(first, result: "late", now: now + 113)
            try await claims.finish(second, result: "12 terminals asked", now: now + 120)
            // Finished: never claimed again, and what the run said is kept.
            #expect(try await claims.claim("reconcile", slot: "2026-12-06", node: "web-1", lease: 60, now: now + 10_000) == nil)
            let run = try #require(try await claims.recent().first { $0.job == "reconcile" && $0.slot == "2026-12-06" })
            #expect(run.finished && run.node == "web-2" && run.attempts == 2 && run.result == "12 terminals asked")
            // A week on, finished runs are pruned; one still running is kept.
            #expect(try await claims.prune(finishedBefore: now + 8 * 86_400) == 1)
            let left = try await claims.recent()
            #expect(Set(left.map(\.slot)) == ["2026-12-07", "2026-12-06"] && left.count == 2)
        }
    }

    /// Many nodes at the same moment: exactly one gets the slot.
    @Test(arguments: TestDatabases.kinds)
    func concurrentClaimsHaveOneWinner(kind: DatabaseKind) async throws {
        try await TestDatabases.withFresh(kind) { db, _ in
            let claims = JobClaims(database: db)
            for round in 0..<5 {
                let won = try await withThrowingTaskGroup(of: Bool.self) { group in
                    for n in 0..<8 { group.addTask { try await claims.claim("nightly", slot: "slot-\(round)", node: "node-\(n)", lease: 60) != nil } }
                    return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
                }
                #expect(won == 1, "round \(round)")
            }
        }
    }

    /// Two nodes starting at once against an empty database: each step applied once, both start.
    @Test func nodesStartingTogetherMigrateOnce() async throws {
        guard TestDatabases.kinds.contains(.postgres) else { return }
        try await TestDatabases.withFresh(.postgres, migrate: false) { db, _ in
            let other = try await Database.open(db.location, logger: TestDatabases.logger)
            defer { Task { await other.shutdown() } }
            async let a = Migrator().migrate(db)
            async let b = Migrator().migrate(other)
            let (ranA, ranB) = try await (a, b)
            #expect((ranA + ranB).sorted() == Schema.all.map(\.version))
            let rows = try await db.read { try await $0.raw("SELECT COUNT(*) AS n FROM schema_migrations").first()!.decode(column: "n", as: Int.self) }
            #expect(rows == Schema.all.count)
        }
    }

    /// A node older than the database refuses to run on it rather than misread newer tables.
    @Test(arguments: TestDatabases.kinds)
    func anOlderNodeRefusesANewerSchema(kind: DatabaseKind) async throws {
        try await TestDatabases.withFresh(kind) { db, _ in
            await #expect(throws: SchemaTooNew.self) { try await Migrator(Array(Schema.all.dropLast())).migrate(db) }
            let ran = try await Migrator().migrate(db)
            #expect(ran.isEmpty)
        }
    }

    /// Node B's change reaches node A's handlers through PostgreSQL; each node's
    /// handlers run once for their own changes (not again when NOTIFY brings them back).
    @Test func changesGoFromNodeToNode() async throws {
        guard TestDatabases.kinds.contains(.postgres) else { return }
        try await TestDatabases.withFresh(.postgres) { a, _ in
            let b = try await Database.open(a.location, logger: TestDatabases.logger)
            let heardA = Mutex<[String]>([]), heardB = Mutex<[String]>([])
            a.changes.on(.attendance) { p in heardA.withLock { $0.append(p) } }
            b.changes.on(.attendance) { p in heardB.withLock { $0.append(p) } }
            // Listening begins once each node's connection ran LISTEN.
            let listening = try await listenForChanges(a, b)
            defer { listening.cancel() }
            // (How fast is measured with two server processes by Tests/Cluster/check.py, not here.)
            func wait(until done: () -> Bool) async throws {
                for _ in 0..<1000 where !done() { try await Task.sleep(for: .milliseconds(10)) }
            }
            b.changes.publish(.attendance, "/1/14/")
            try await wait { heardA.withLock { !$0.isEmpty } }
            #expect(heardA.withLock { $0 } == ["/1/14/"])
            a.changes.publish(.attendance, "/1/15/")
            // B hears A's change through the database; B's own came back to it the same way and was not run again.
            try await wait { heardB.withLock { $0.count >= 2 } }
            try await Task.sleep(for: .milliseconds(200))
            #expect(heardA.withLock { $0 } == ["/1/14/", "/1/15/"])
            #expect(heardB.withLock { $0 } == ["/1/14/", "/1/15/"])
            // The calendar's cache of node A forgets what node B changed.
            let built = Mutex(0)
            func calendar() async throws {
                _ = try await a.calendars.value("unit-1") { built.withLock { $0 += 1 }; return WorkCalendar(hours: .standard, specialDays: [], years: 2026...2026) }
            }
            try await calendar()
            try await calendar()
            #expect(built.withLock { $0 } == 1)
            b.changes.publish(.calendar)
            try await wait { a.changes.receivedFromOthers >= 2 }
            try await calendar()
            #expect(built.withLock { $0 } == 2)
            listening.cancel()
            await b.shutdown()
        }
    }
}
