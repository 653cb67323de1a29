import CongvuDomain
import Foundation
import SQLKit

/// An import running in the background, as every node sees it (issue 25): its progress, then its
/// report or why it failed.
public struct ImportJob: Sendable, Equatable {
    public enum State: String, Sendable { case running, finished, failed }
    public var id: String
    public var ownerID: Int64
    public var kind: String
    public var dryRun: Bool
    /// The node that runs (or ran) it.
    public var node: String
    public var state: State
    public var done: Int
    public var total: Int
    public var report: ImportReport?
    /// A catalog error key when the file could not be read, or the job was cut short.
    public var failure: String?
    public var startedAt: Date
    public var finished: Bool { state != .running }
}

/// The import jobs in the database, so that the progress page answers on any node and a job whose
/// node died is reported, never left "running". An applied import writes its report in the same
/// transaction as its rows (`ImportStore.job`): a job is either applied with its report or nothing
/// of it was written.
public struct ImportJobStore: Sendable {
    let database: Database

    public init(database: Database) { self.database = database }

    public func start(id: String, owner: Int64, kind: String, dryRun: Bool, node: String, now: Date = Date()) async throws {
        try await database.write { sql in
            try await sql.insert(into: "import_jobs")
                .columns("id", "owner_id", "kind", "dry_run", "node", "state", "started_at", "updated_at")
                .values(SQLBind(id), SQLBind(owner), SQLBind(kind), SQLBind(dryRun), SQLBind(node), SQLBind(ImportJob.State.running.rawValue),
                        SQLBind(Instant.format(now)), SQLBind(Instant.format(now)))
                .run()
        }
    }

    /// How far a running job has come (a finished one is left as it is).
    public func progress(_ id: String, done: Int, total: Int, now: Date = Date()) async throws {
        try await database.write { sql in
            try await sql.update("import_jobs").set("done", to: done).set("total", to: total).set("updated_at", to: Instant.format(now))
                .where("id", .equal, id).where("state", .equal, ImportJob.State.running.rawValue).run()
        }
    }

    /// The job's report: written once; a job already finished (in its import's transaction) keeps its own.
    public func finish(_ id: String, report: ImportReport, now: Date = Date()) async throws {
        try await database.write { sql in try await Self.finish(id, report: report, now: now, in: sql) }
    }

    static func finish(_ id: String, report: ImportReport, now: Date, in sql: any SQLDatabase) async throws {
        let json = String(decoding: try JSONEncoder().encode(report), as: UTF8.self)
        try await sql.update("import_jobs").set("state", to: ImportJob.State.finished.rawValue).set("report", to: json)
            .set("done", to: 1).set("total", to: 1).set("updated_at", to: Instant.format(now))
            .where("id", .equal, id).where("state", .equal, ImportJob.State.running.rawValue).run()
    }

    /// The job failed with a catalog error key (a running job only).
    public func fail(_ id: String, key: String, now: Date = Date()) async throws {
        try await database.write { sql in
            try await sql.update("import_jobs").set("state", to: ImportJob.State.failed.rawValue).set("failure", to: key)
                .set("updated_at", to: Instant.format(now))
                .where("id", .equal, id).where("state", .equal, ImportJob.State.running.rawValue).run()
        }
    }

    /// Jobs still "running" on a node that is gone (not in `alive`, the nodes heard of lately with
    /// when each started) or that started again since the job began are reported failed: their
    /// transaction never committed (an applied one finished its job in it). Returns how many.
    @discardableResult
    public func failInterrupted(alive: [String: Date], now: Date = Date()) async throws -> Int {
        try await database.write { sql in
            let rows = try await sql.raw("SELECT id, node, started_at FROM import_jobs WHERE state = 'running'").all()
            var failed = 0
            for r in rows {
                let id = try r.decode(column: "id", as: String.self), node = try r.decode(column: "node", as: String.self)
                let started = Instant.parse(try r.decode(column: "started_at", as: String.self)) ?? .distantPast
                if let nodeStarted = alive[node], nodeStarted <= started { continue }
                try await sql.update("import_jobs").set("state", to: ImportJob.State.failed.rawValue).set("failure", to: "import_interrupted")
                    .set("updated_at", to: Instant.format(now)).where("id", .equal, id).where("state", .equal, "running").run()
                failed += 1
            }
            return failed
        }
    }

    public func job(_ id: String) async throws -> ImportJob? {
        try await database.read { sql in
            guard let r = try await sql.select().column("*").from("import_jobs").where("id", .equal, id).first() else { return nil }
            let report = try r.decode(column: "report", as: String.self)
            let failure = try r.decode(column: "failure", as: String.self)
            return ImportJob(id: id, ownerID: try r.decode(column: "owner_id", as: Int64.self), kind: try r.decode(column: "kind", as: String.self),
                             dryRun: try r.decode(column: "dry_run", as: Bool.self), node: try r.decode(column: "node", as: String.self),
                             state: ImportJob.State(rawValue: try r.decode(column: "state", as: String.self)) ?? .failed,
                             done: try r.decode(column: "done", as: Int.self), total: try r.decode(column: "total", as: Int.self),
                             report: report.isEmpty ? nil : try JSONDecoder().decode(ImportReport.self, from: Data(report.utf8)),
                             failure: failure.isEmpty ? nil : failure,
                             startedAt: Instant.parse(try r.decode(column: "started_at", as: String.self)) ?? .distantPast)
        }
    }

    /// Finished jobs are kept a month (their reports name the faulty lines), then removed.
    public func prune(before cutoff: Date) async throws -> Int {
        try await database.write { sql in
            let before = Instant.format(cutoff)
            let n = try await sql.raw("SELECT COUNT(*) AS n FROM import_jobs WHERE state <> 'running' AND updated_at < \(bind: before)").first()?
                .decode(column: "n", as: Int.self) ?? 0
            try await sql.raw("DELETE FROM import_jobs WHERE state <> 'running' AND updated_at < \(bind: before)").run()
            return n
        }
    }
}
