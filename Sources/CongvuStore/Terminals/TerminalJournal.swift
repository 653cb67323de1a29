import CongvuDomain
import CongvuTerminals
import Crypto
import Foundation
import SQLKit

/// One raw request of a terminal, as the journal keeps it.
public struct JournalEntry: Sendable, Equatable {
    public var seq: Int64
    public var serial: String
    public var receivedAt: String
    public var method: String
    public var path: String
    public var query: String
    public var headers: String
    public var body: Data
    public var replyStatus: Int
    public var reply: String
    public var prevHash: String
    public var hash: String

    /// A new entry: `seq` and the hashes are set when it is appended.
    public init(serial: String, receivedAt: String, method: String, path: String, query: String, headers: String, body: Data,
                replyStatus: Int, reply: String) {
        self.init(seq: 0, serial: serial, receivedAt: receivedAt, method: method, path: path, query: query, headers: headers, body: body,
                  replyStatus: replyStatus, reply: reply, prevHash: "", hash: "")
    }

    init(seq: Int64, serial: String, receivedAt: String, method: String, path: String, query: String, headers: String, body: Data,
         replyStatus: Int, reply: String, prevHash: String, hash: String) {
        self.seq = seq
        self.serial = serial
        self.receivedAt = receivedAt
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
        self.replyStatus = replyStatus
        self.reply = reply
        self.prevHash = prevHash
        self.hash = hash
    }

    /// What the hash covers: every field, the body by its own SHA-256, and the previous hash.
    public var canonical: String {
        let bodyHash = SHA256.hash(data: body).hexString
        return [String(seq), serial, receivedAt, method, path, query, headers, bodyHash, String(replyStatus), reply, prevHash].joined(separator: "\u{1F}")
    }
}

/// The journal: every request of a known terminal, raw, append-only and hash-chained, so that what
/// a parser missed can be rebuilt later (`congvu terminals reparse`).
extension TerminalStore {
    static func appendJournal(_ e: JournalEntry, in sql: any SQLDatabase, kind: DatabaseKind) async throws -> JournalEntry {
        var entry = e
        (entry.seq, entry.prevHash) = try await HashChain.head(of: "terminal_journal", lock: 7261002, in: sql, kind: kind)
        entry.hash = AuditLog.sha256(entry.canonical)
        try await sql.insert(into: "terminal_journal")
            .columns("seq", "serial", "received_at", "method", "path", "query", "headers", "body", "reply_status", "reply", "prev_hash", "hash")
            .values(SQLBind(entry.seq), SQLBind(entry.serial), SQLBind(entry.receivedAt), SQLBind(entry.method), SQLBind(entry.path),
                    SQLBind(entry.query), SQLBind(entry.headers), SQLBind(entry.body), SQLBind(entry.replyStatus), SQLBind(entry.reply),
                    SQLBind(entry.prevHash), SQLBind(entry.hash)).run()
        return entry
    }

    /// Journals a request that stores nothing else (a poll result, an unknown table).
    public func journal(_ e: JournalEntry) async throws {
        let kind = database.kind
        _ = try await database.write { sql in try await TerminalStore.appendJournal(e, in: sql, kind: kind) }
    }

    /// Journal entries in order, from `seq` on (for a reparse).
    public func journalPage(from seq: Int64, limit: Int = 500) async throws -> [JournalEntry] {
        try await database.read { sql in
            try await sql.select().column("*").from("terminal_journal").where("seq", .greaterThanOrEqual, seq).orderBy("seq").limit(limit).all()
                .map(TerminalStore.decodeJournal)
        }
    }

    /// The newest journal entries, of one terminal or all.
    public func journalEntries(serial: String? = nil, limit: Int = 100) async throws -> [JournalEntry] {
        try await database.read { sql in
            var q = sql.select().column("*").from("terminal_journal")
            if let serial { q = q.where("serial", .equal, serial) }
            return try await q.orderBy("seq", .descending).limit(limit).all().map(TerminalStore.decodeJournal)
        }
    }

    static func decodeJournal(_ row: any SQLRow) throws -> JournalEntry {
        JournalEntry(seq: try row.decode(column: "seq", as: Int64.self), serial: try row.decode(column: "serial", as: String.self),
                     receivedAt: try row.decode(column: "received_at", as: String.self), method: try row.decode(column: "method", as: String.self),
                     path: try row.decode(column: "path", as: String.self), query: try row.decode(column: "query", as: String.self),
                     headers: try row.decode(column: "headers", as: String.self), body: try row.decode(column: "body", as: Data.self),
                     replyStatus: try row.decode(column: "reply_status", as: Int.self), reply: try row.decode(column: "reply", as: String.self),
                     prevHash: try row.decode(column: "prev_hash", as: String.self), hash: try row.decode(column: "hash", as: String.self))
    }

    /// Walks the whole journal: the first entry that is missing, mislinked or altered, or nil.
    public func verifyJournal() async throws -> Int64? {
        var walker = HashChain.Walker()
        while true {
            let from = walker.expected
            let page = try await database.read { sql in
                try await sql.select().column("*").from("terminal_journal").where("seq", .greaterThanOrEqual, from).orderBy("seq").limit(1000).all()
                    .map(TerminalStore.decodeJournal)
            }
            if page.isEmpty { return nil }
            for e in page {
                if let broken = walker.check(seq: e.seq, prevHash: e.prevHash, hash: e.hash, canonical: e.canonical) { return broken.seq }
            }
        }
    }
}
