import CongvuDomain
import CongvuStore
import CongvuTestSupport
import Crypto
import Foundation
import Testing

/// Import jobs in the database (issue 25): progress and reports any node reads, an applied file's
/// report written with its rows, and jobs of nodes that died or started again reported failed.
@Suite struct ImportJobStoreTests {
    func owner(_ db: Database, _ t: Tree) async throws -> Int64 {
        try await accountStore(db)
            .create(username: "vanphong.a", displayName: "Văn phòng", passwordHash: "x", personID: nil, grants: [(.unitAdmin, t.communeA.id)],
                    by: Tree.actor).id
    }

    @Test(arguments: TestDatabases.kinds)
    func aJobRunsThroughItsStatesOnce(kind: DatabaseKind) async throws {
        try await TestDatabases.withFresh(kind) { db, _ in
            let t = try await Tree.make(db)
            let jobs = ImportJobStore(database: db), now = Date(timeIntervalSince1970: 1_790_000_000)
            let user = try await owner(db, t)
            try await jobs.start(id: "j1", owner: user, kind: "people", dryRun: true, node: "web-1", now: now)
            var job = try #require(try await jobs.job("j1"))
            #expect(job.state == .running && !job.finished && job.node == "web-1" && job.ownerID == user && job.dryRun && job.report == nil)
            try await jobs.progress("j1", done: 40, total: 100, now: now + 1)
            job = try #require(try await jobs.job("j1"))
            #expect(job.done == 40 && job.total == 100)
            let report = ImportReport(rows: 3, created: 0, issues: [ImportIssue(line: 2, field: "unit_code", key: "unit_unknown")], dryRun: true)
            try await jobs.finish("j1", report: report, now: now + 2)
            // Finished: neither progress, another report nor a failure changes it.
            try await jobs.progress("j1", done: 1, total: 100, now: now + 3)
            try await jobs.fail("j1", key: "import_failed", now: now + 3)
            try await jobs.finish("j1", report: ImportReport(rows: 9, created: 9, issues: [], dryRun: false), now: now + 3)
            job = try #require(try await jobs.job("j1"))
            #expect(job.state == .finished && job.report == report && job.failure == nil)
            #expect(try await jobs.job("nope") == nil)
            // Kept a month, then removed.
            #expect(try await jobs.prune(before: now + 86_400) == 1)
            #expect(try await jobs.job("j1") == nil)
        }
    }

    @Test(arguments: TestDatabases.kinds)
    func anAppliedFileFinishesItsJobInItsOwnTransaction(kind: DatabaseKind) async throws {
        try await TestDatabases.withFresh(kind) { db, _ in
            let t = try await Tree.make(db)
            let jobs = ImportJobStore(database: db)
            try await jobs.start(id: "j2", owner: try await owner(db, t), kind: "people", dryRun: false, node: "web-1")
            // The node would die right after the commit: the job is finished already, with the report.
            let report = try await ImportStore(database: db, job: "j2").importPeople(ImportStoreTests.goodPeople, dryRun: false,
                                                                                     scopes: [t.province.path], today: today, by: Tree.actor)
            let job = try #require(try await jobs.job("j2"))
            #expect(report.applied && job.state == .finished && job.report == report && job.report?.created == 3)
            // A refused file writes nothing, its job included (the caller reports it).
            try await jobs.start(id: "j3", owner: job.ownerID, kind: "people", dryRun: false, node: "web-1")
            _ = try await ImportStore(database: db, job: "j3").importPeople(ImportStoreTests.goodPeople, dryRun: false,
                                                                            scopes: [t.province.path], today: today, by: Tree.actor)
            #expect(try await jobs.job("j3")?.state == .running)
        }
    }

    @Test(arguments: TestDatabases.kinds)
    func jobsOfNodesThatDiedOrRestartedAreReportedFailed(kind: DatabaseKind) async throws {
        try await TestDatabases.withFresh(kind) { db, _ in
            let t = try await Tree.make(db)
            let jobs = ImportJobStore(database: db), now = Date(timeIntervalSince1970: 1_790_000_000)
            let user = try await owner(db, t)
            try await jobs.start(id: "on-a", owner: user, kind: "dossiers", dryRun: false, node: "web-a", now: now)
            try await jobs.start(id: "on-b", owner: user, kind: "dossiers", dryRun: false, node: "web-b", now: now)
            try await jobs.start(id: "on-c", owner: user, kind: "dossiers", dryRun: false, node: "web-c", now: now)
            try await jobs.start(id: "done", owner: user, kind: "units", dryRun: true, node: "web-c", now: now)
            try await jobs.finish("done", report: ImportReport(rows: 1, created: 0, issues: [], dryRun: true), now: now)
            // web-a runs on since before its job; web-b is silent; web-c started again after its job began.
            let failed = try await jobs.failInterrupted(alive: ["web-a": now - 600, "web-c": now + 30], now: now + 60)
            #expect(failed == 2)
            #expect(try await jobs.job("on-a")?.state == .running)
            for id in ["on-b", "on-c"] {
                let job = try #require(try await jobs.job(id))
                #expect(job.state == .failed && job.failure == "import_interrupted")
            }
            #expect(try await jobs.job("done")?.state == .finished)
            #expect(try await jobs.failInterrupted(alive: ["web-a": now - 600], now: now + 90) == 0)
        }
    }
}
