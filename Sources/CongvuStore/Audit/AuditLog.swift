import CongvuDomain
import Crypto
import Foundation
import SQLKit

/// Who made a change, as recorded in the audit log.
public struct Actor: Sendable, Equatable {
    public var id: Int64?
    public var name: String

    public init(id: Int64?, name: String) {
        self.id = id
        self.name = name
    }

    public static let system = Actor(id: nil, name: "system")
}

/// The append-only, hash-chained audit log. `append` runs inside the caller's write transaction,
/// so a change and its record commit or vanish together.
public struct AuditLog: Sendable {
    let database: Database

    public init(database: Database) { self.database = database }

    public struct Entry: Sendable {
        public var action: AuditAction
        public var objectType: String
        public var objectID: String
        public var before: String
        public var after: String
        public var reason: String

        public init(action: AuditAction, objectType: String, objectID: String, before: String = "", after: String = "", reason: String = "") {
            self.action = action
            self.objectType = objectType
            self.objectID = objectID
            self.before = before
            self.after = after
            self.reason = reason
        }
    }

    public static func sha256(_ text: String) -> String {
        SHA256.hash(data: Data(text.utf8)).hexString
    }

    /// The chain's transaction-scoped advisory lock on PostgreSQL (also taken by the change counts
    /// of tasks and of feedback, `Schema.taskChanges` and `Schema.feedbackChangesInChainOrder`, so
    /// that the chain and a count are always taken in the same order).
    public static let chainLock: Int64 = 7261001

    /// Appends one record, chained to the last. On PostgreSQL a transaction-scoped advisory lock
    /// keeps two concurrent transactions from chaining to the same predecessor.
    static func append(_ entry: Entry, by actor: Actor, in sql: any SQLDatabase, kind: DatabaseKind) async throws {
        try await append([entry], by: actor, in: sql, kind: kind)
    }

    /// Appends several records of one change (a bulk reassignment) in order: the chain's head read
    /// once, the records chained in memory and written in multi-row inserts.
    static func append(_ entries: [Entry], by actor: Actor, in sql: any SQLDatabase, kind: DatabaseKind) async throws {
        guard !entries.isEmpty else { return }
        var (seq, prev) = try await HashChain.head(of: "audit_log", lock: chainLock, in: sql, kind: kind)
        let at = Instant.now()
        var records: [AuditRecord] = []
        for entry in entries {
            var record = AuditRecord(seq: seq, at: at, actorID: actor.id, actorName: actor.name,
                                     action: entry.action, objectType: entry.objectType, objectID: entry.objectID,
                                     before: entry.before, after: entry.after, reason: entry.reason,
                                     prevHash: prev, hash: "")
            record.hash = sha256(record.canonical)
            records.append(record)
            seq += 1
            prev = record.hash
        }
        for part in stride(from: 0, to: records.count, by: 500) {
            var insert = sql.insert(into: "audit_log")
                .columns("seq", "at", "actor_id", "actor_name", "action", "object_type", "object_id",
                         "before_json", "after_json", "reason", "prev_hash", "hash")
            for record in records[part..<min(part + 500, records.count)] {
                insert = insert.values(SQLBind(record.seq), SQLBind(record.at), SQLBind(record.actorID), SQLBind(record.actorName),
                                       SQLBind(record.action.rawValue), SQLBind(record.objectType), SQLBind(record.objectID),
                                       SQLBind(record.before), SQLBind(record.after), SQLBind(record.reason),
                                       SQLBind(record.prevHash), SQLBind(record.hash))
            }
            try await insert.run()
        }
    }

    /// Records an event that changes no business row (sign-in, sign-out) in its own transaction.
    public func record(_ entry: Entry, by actor: Actor) async throws {
        let kind = database.kind
        try await database.write { sql in try await AuditLog.append(entry, by: actor, in: sql, kind: kind) }
    }

    static func decode(_ row: any SQLRow) throws -> AuditRecord {
        AuditRecord(
            seq: try row.decode(column: "seq", as: Int64.self),
            at: try row.decode(column: "at", as: String.self),
            actorID: try row.optional("actor_id", as: Int64.self),
            actorName: try row.decode(column: "actor_name", as: String.self),
            action: AuditAction(rawValue: try row.decode(column: "action", as: String.self)) ?? .update,
            objectType: try row.decode(column: "object_type", as: String.self),
            objectID: try row.decode(column: "object_id", as: String.self),
            before: try row.decode(column: "before_json", as: String.self),
            after: try row.decode(column: "after_json", as: String.self),
            reason: try row.decode(column: "reason", as: String.self),
            prevHash: try row.decode(column: "prev_hash", as: String.self),
            hash: try row.decode(column: "hash", as: String.self))
    }

    /// The newest records first, optionally for one object; or, `after` a sequence number, the
    /// records that follow it in the chain's order (an integration reading the log page by page).
    public func recent(limit: Int = 100, objectType: String? = nil, objectID: String? = nil, after: Int64? = nil) async throws -> [AuditRecord] {
        try await database.read { sql in
            var q = sql.select().column("*").from("audit_log")
            if let objectType { q = q.where("object_type", .equal, objectType) }
            if let objectID { q = q.where("object_id", .equal, objectID) }
            if let after { q = q.where("seq", .greaterThan, after) }
            return try await q.orderBy("seq", after == nil ? .descending : .ascending).limit(limit).all().map(AuditLog.decode)
        }
    }

    public enum Verdict: Sendable, Equatable {
        case intact(count: Int)
        /// The first record whose stored hash, link or sequence does not hold.
        case broken(seq: Int64, problem: String)
    }

    /// Recomputes the whole chain in pages and names the first record that does not hold.
    public func verify() async throws -> Verdict {
        var walker = HashChain.Walker()
        while true {
            let from = walker.expected
            let page = try await database.read { sql in
                try await sql.select().column("*").from("audit_log")
                    .where("seq", .greaterThanOrEqual, from).orderBy("seq").limit(1000).all().map(AuditLog.decode)
            }
            if page.isEmpty { break }
            for r in page {
                if let broken = walker.check(seq: r.seq, prevHash: r.prevHash, hash: r.hash, canonical: r.canonical) {
                    return .broken(seq: broken.seq, problem: broken.problem)
                }
            }
        }
        return .intact(count: Int(walker.expected - 1))
    }
}

/// What the audit log and the terminal journal share: each record carries a sequence number, the
/// previous record's hash and the SHA-256 of its own canonical text.
enum HashChain {
    /// The next sequence number and the hash to link to. On PostgreSQL a transaction-scoped
    /// advisory lock (one per table) keeps two transactions from chaining to the same predecessor.
    static func head(of table: String, lock: Int64, in sql: any SQLDatabase, kind: DatabaseKind) async throws -> (seq: Int64, prev: String) {
        if kind == .postgres { try await sql.raw("SELECT pg_advisory_xact_lock(\(unsafeRaw: String(lock)))").run() }
        let last = try await sql.raw("SELECT seq, hash FROM \(ident: table) ORDER BY seq DESC LIMIT 1").first()
        return ((try last?.decode(column: "seq", as: Int64.self) ?? 0) + 1, try last?.decode(column: "hash", as: String.self) ?? AuditRecord.genesisHash)
    }

    /// Checks records in order: the first that is missing, mislinked or altered.
    struct Walker {
        var expected: Int64 = 1
        var prev = AuditRecord.genesisHash

        mutating func check(seq: Int64, prevHash: String, hash: String, canonical: String) -> (seq: Int64, problem: String)? {
            if seq != expected { return (expected, "missing") }
            if prevHash != prev { return (seq, "link") }
            if AuditLog.sha256(canonical) != hash { return (seq, "hash") }
            prev = hash
            expected += 1
            return nil
        }
    }
}
