import CongvuDomain
import Foundation
import SQLKit

/// The audit chain's head (sequence number and hash) written down at intervals in a second place,
/// a file under the data directory, each line keyed with the server's secret. The chain alone
/// proves no record was changed in place; it cannot tell that its last records were deleted, nor
/// that the whole chain was recomputed after a change. A checkpoint can: the record it names must
/// still be there with the same hash.
public struct AuditCheckpoint: Sendable, Equatable {
    public var seq: Int64
    public var hash: String
    public var at: String
    public var mac: String

    var line: String { "\(seq)\t\(hash)\t\(at)\t\(mac)" }
}

public struct AuditCheckpoints: Sendable {
    public let path: String
    let secrets: SecretBox

    public init(dataDirectory: String, secrets: SecretBox) {
        self.path = (dataDirectory as NSString).appendingPathComponent("audit-checkpoints.log")
        self.secrets = secrets
    }

    func mac(seq: Int64, hash: String, at: String) -> String {
        secrets.tag("audit-checkpoint", "\(seq)|\(hash)|\(at)", hexDigits: 64)
    }

    /// Every checkpoint in the file; a line that is not one, or whose key does not hold, is named
    /// as forged (seq 0 when even its number cannot be read).
    public func read() throws -> (checkpoints: [AuditCheckpoint], forged: Int64?) {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return ([], nil) }
        var out: [AuditCheckpoint] = []
        for line in text.split(separator: "\n") {
            let f = line.split(separator: "\t").map(String.init)
            guard f.count == 4, let seq = Int64(f[0]) else { return (out, 0) }
            let c = AuditCheckpoint(seq: seq, hash: f[1], at: f[2], mac: f[3])
            guard Token.equal(c.mac, mac(seq: seq, hash: c.hash, at: c.at)) else { return (out, seq) }
            out.append(c)
        }
        return (out, nil)
    }

    /// The last checkpoint, if its key holds: read from the end of the file only (printed reports
    /// carry it, and the metrics).
    public func latest() -> AuditCheckpoint? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        guard let size = try? handle.seekToEnd(), size > 0 else { return nil }
        try? handle.seek(toOffset: size > 1024 ? size - 1024 : 0)
        guard let data = try? handle.readToEnd(), let line = String(decoding: data, as: UTF8.self).split(separator: "\n").last else { return nil }
        let f = line.split(separator: "\t").map(String.init)
        guard f.count == 4, let seq = Int64(f[0]), Token.equal(f[3], mac(seq: seq, hash: f[1], at: f[2])) else { return nil }
        return AuditCheckpoint(seq: seq, hash: f[1], at: f[2], mac: f[3])
    }

    /// Writes the chain's head when it moved since the last checkpoint; returns what was written.
    @discardableResult
    public func write(_ log: AuditLog, now: Date = Date()) async throws -> AuditCheckpoint? {
        guard let head = try await log.head() else { return nil }
        if let last = try read().checkpoints.last, last.seq >= head.seq { return nil }
        let at = Instant.format(now)
        let c = AuditCheckpoint(seq: head.seq, hash: head.hash, at: at, mac: mac(seq: head.seq, hash: head.hash, at: at))
        let data = Data((c.line + "\n").utf8)
        if let handle = FileHandle(forWritingAtPath: path) {
            defer { try? handle.close() }
            try handle.seekToEnd()
            try handle.write(contentsOf: data)
        } else {
            guard FileManager.default.createFile(atPath: path, contents: data, attributes: [.posixPermissions: 0o600]) else {
                throw SecretKeyUnwritable(path: path)
            }
        }
        return c
    }
}

extension AuditLog {
    /// The last record's sequence number and hash.
    public func head() async throws -> (seq: Int64, hash: String)? {
        try await database.read { sql in
            guard let r = try await sql.raw("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1").first() else { return nil }
            return (try r.decode(column: "seq", as: Int64.self), try r.decode(column: "hash", as: String.self))
        }
    }

    /// The chain recomputed, then held against the checkpoints: a forged checkpoint, records missing
    /// at the end (`truncated`) or a chain recomputed after a change (`rechained`) are named too.
    public func verify(against checkpoints: AuditCheckpoints) async throws -> Verdict {
        let chain = try await verify()
        guard case .intact(let count) = chain else { return chain }
        let (all, forged) = try checkpoints.read()
        if let forged { return .broken(seq: forged, problem: "checkpoint_forged") }
        for c in all {
            guard c.seq <= Int64(count) else { return .broken(seq: Int64(count) + 1, problem: "truncated") }
            let stored = try await database.read { sql in
                try await sql.select().column("hash").from("audit_log").where("seq", .equal, SQLBind(c.seq)).first()?.decode(column: "hash", as: String.self)
            }
            if stored != c.hash { return .broken(seq: c.seq, problem: "rechained") }
        }
        return chain
    }
}
