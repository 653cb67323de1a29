import CongvuDomain
import Foundation
import SQLKit

/// Scheduled work done once per cluster (issue 25): a job's run for a slot (a day, a minute) is
/// claimed by one node under a lease in the database, renewed while it runs and finished with its
/// result. Another node skips it while the lease holds, and takes it over when the lease runs out
/// (its holder died); a finished slot is never run again. The same on SQLite (one writer) and
/// PostgreSQL (a concurrent claim waits on the row's key and then finds it taken).
public struct JobClaims: Sendable {
    let database: Database

    public init(database: Database) { self.database = database }

    /// A claim held: what renewing and finishing it name.
    public struct Claim: Sendable, Equatable {
        public let job: String
        public let slot: String
        public let token: String
        /// 1 for the first claim of the slot; more when it was taken over from a node that died.
        public let attempt: Int
    }

    /// The slot's claim for `node`, or nil when it is finished or another node holds a live lease.
    public func claim(_ job: String, slot: String, node: String, lease: TimeInterval, now: Date = Date()) async throws -> Claim? {
        let token = UUID().uuidString, at = Instant.format(now), until = Instant.format(now.addingTimeInterval(lease))
        return try await database.write { sql in
            try await sql.raw("""
                INSERT INTO job_claims (job, slot, node, token, claimed_at, lease_until, attempts)
                VALUES (\(bind: job), \(bind: slot), \(bind: node), \(bind: token), \(bind: at), \(bind: until), 1)
                ON CONFLICT (job, slot) DO NOTHING
                """).run()
            try await sql.raw("""
                UPDATE job_claims SET node = \(bind: node), token = \(bind: token), claimed_at = \(bind: at), lease_until = \(bind: until),
                    attempts = attempts + 1
                WHERE job = \(bind: job) AND slot = \(bind: slot) AND finished_at IS NULL AND token <> \(bind: token) AND lease_until < \(bind: at)
                """).run()
            guard let row = try await sql.raw("SELECT token, attempts, finished_at FROM job_claims WHERE job = \(bind: job) AND slot = \(bind: slot)").first(),
                  try row.decode(column: "token", as: String.self) == token, try row.decodeNil(column: "finished_at") else { return nil }
            return Claim(job: job, slot: slot, token: token, attempt: try row.decode(column: "attempts", as: Int.self))
        }
    }

    /// Whether the slot's run is finished (by any node).
    public func finished(_ job: String, slot: String) async throws -> Bool {
        try await database.read { sql in
            guard let row = try await sql.raw("SELECT finished_at FROM job_claims WHERE job = \(bind: job) AND slot = \(bind: slot)").first() else { return false }
            return !(try row.decodeNil(column: "finished_at"))
        }
    }

    /// Extends a held lease; false when the claim was lost (the lease ran out and another node took it).
    @discardableResult
    public func renew(_ claim: Claim, lease: TimeInterval, now: Date = Date()) async throws -> Bool {
        try await database.write { sql in
            try await sql.raw("""
                UPDATE job_claims SET lease_until = \(bind: Instant.format(now.addingTimeInterval(lease)))
                WHERE job = \(bind: claim.job) AND slot = \(bind: claim.slot) AND token = \(bind: claim.token) AND finished_at IS NULL
                """).run()
            return try await sql.raw("SELECT token FROM job_claims WHERE job = \(bind: claim.job) AND slot = \(bind: claim.slot)").first()?
                .decode(column: "token", as: String.self) == claim.token
        }
    }

    /// Extends many held leases at once (a recorder's cameras); returns those still held. A lease
    /// lost to another node (this one was silent too long) is not among them.
    public func renew(_ claims: [Claim], lease: TimeInterval, now: Date = Date()) async throws -> [Claim] {
        guard let job = claims.first?.job else { return [] }
        let tokens = claims.map(\.token)
        return try await database.write { sql in
            try await sql.update("job_claims").set("lease_until", to: Instant.format(now.addingTimeInterval(lease)))
                .where("job", .equal, job).where("token", .in, tokens).where(SQLRaw("finished_at IS NULL")).run()
            let held = Set(try await sql.select().column("token").from("job_claims").where("job", .equal, job).where("token", .in, tokens)
                .where(SQLRaw("finished_at IS NULL")).all().map { try $0.decode(column: "token", as: String.self) })
            return claims.filter { held.contains($0.token) }
        }
    }

    /// Gives a held lease up (a camera no longer this node's): another node may claim it at once.
    public func release(_ claim: Claim, now: Date = Date()) async throws {
        try await database.write { sql in
            try await sql.update("job_claims").set("lease_until", to: Instant.format(now.addingTimeInterval(-1)))
                .where("job", .equal, claim.job).where("slot", .equal, claim.slot).where("token", .equal, claim.token).run()
        }
    }

    /// Who holds each slot of a standing job (a camera's recording), and until when.
    public struct Holder: Sendable, Equatable {
        public var node: String
        public var leaseUntil: Date
        public var attempts: Int
        public func live(at now: Date) -> Bool { leaseUntil > now }
    }

    /// Who holds one slot of a standing job, if anyone ever did.
    public func holder(_ job: String, slot: String) async throws -> Holder? {
        try await database.read { sql in
            try await sql.select().columns("node", "lease_until", "attempts").from("job_claims").where("job", .equal, job)
                .where("slot", .equal, slot).where(SQLRaw("finished_at IS NULL")).first().map { r in
                    Holder(node: try r.decode(column: "node", as: String.self),
                           leaseUntil: Instant.parse(try r.decode(column: "lease_until", as: String.self)) ?? .distantPast,
                           attempts: try r.decode(column: "attempts", as: Int.self))
                }
        }
    }

    public func holders(_ job: String) async throws -> [String: Holder] {
        try await database.read { sql in
            try await sql.select().columns("slot", "node", "lease_until", "attempts").from("job_claims").where("job", .equal, job)
                .where(SQLRaw("finished_at IS NULL")).all().reduce(into: [String: Holder]()) { out, r in
                    out[try r.decode(column: "slot", as: String.self)] = Holder(
                        node: try r.decode(column: "node", as: String.self),
                        leaseUntil: Instant.parse(try r.decode(column: "lease_until", as: String.self)) ?? .distantPast,
                        attempts: try r.decode(column: "attempts", as: Int.self))
                }
        }
    }

    /// Marks the slot done with what the run said; a claim lost meanwhile finishes nothing.
    public func finish(_ claim: Claim, result: String, now: Date = Date()) async throws {
        try await database.write { sql in
            try await sql.raw("""
                UPDATE job_claims SET finished_at = \(bind: Instant.format(now)), result = \(bind: String(result.prefix(500)))
                WHERE job = \(bind: claim.job) AND slot = \(bind: claim.slot) AND token = \(bind: claim.token) AND finished_at IS NULL
                """).run()
        }
    }

    /// Removes the runs finished before `cutoff` (the watches add one a minute); returns how many.
    public func prune(finishedBefore cutoff: Date) async throws -> Int {
        let before = Instant.format(cutoff)
        return try await database.write { sql in
            let n = try await sql.raw("SELECT COUNT(*) AS n FROM job_claims WHERE finished_at IS NOT NULL AND finished_at < \(bind: before)").first()?
                .decode(column: "n", as: Int.self) ?? 0
            try await sql.raw("DELETE FROM job_claims WHERE finished_at IS NOT NULL AND finished_at < \(bind: before)").run()
            return n
        }
    }

    public struct Run: Sendable, Equatable {
        public var job: String
        public var slot: String
        public var node: String
        public var attempts: Int
        public var finished: Bool
        public var result: String
    }

    /// The runs of the last `limit` slots, newest first (the operations page), without the standing
    /// leases of `excluding` (the cameras').
    public func recent(limit: Int = 50, excluding: [String] = []) async throws -> [Run] {
        try await database.read { sql in
            try await sql.select().column("*").from("job_claims").where("job", .notIn, excluding + [""]).orderBy("claimed_at", .descending)
                .limit(limit).all().map { r in
                Run(job: try r.decode(column: "job", as: String.self), slot: try r.decode(column: "slot", as: String.self),
                    node: try r.decode(column: "node", as: String.self), attempts: try r.decode(column: "attempts", as: Int.self),
                    finished: !(try r.decodeNil(column: "finished_at")), result: try r.decode(column: "result", as: String.self))
            }
        }
    }
}
