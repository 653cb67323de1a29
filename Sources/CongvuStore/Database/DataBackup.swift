import Foundation

/// A whole SQLite installation copied while it runs, and put back (issue 26): the database taken
/// consistently (`VACUUM INTO`), and the data directory's files beside it — the secret key, the
/// audit chain's checkpoints, every stored photo and attachment. Camera recordings stay out unless
/// asked for (their index is in the database; the footage is large and has its own retention).
///
/// Order makes it consistent without stopping the server: the checkpoints are copied first (each
/// names a record the database copy then holds), the database next, the files last (a file is
/// written before the row that names it commits and is never rewritten, so every file a copied
/// row names is there; a few newer files may come along unnamed).
public enum DataBackup {
    public static let databaseFile = "congvu.sqlite"
    static let checkpoints = "audit-checkpoints.log"
    /// Never copied: the live database and its journal (whatever their name), earlier backups.
    static func skipped(_ name: String) -> Bool {
        name == "backups" || [".sqlite", ".sqlite-wal", ".sqlite-shm", ".sqlite-journal"].contains { name.hasSuffix($0) }
    }

    public struct Summary: Sendable, Equatable {
        public var files: Int
        public var bytes: Int64
    }

    public struct TargetNotEmpty: Error, CustomStringConvertible {
        public let path: String
        public var description: String { "\(path) exists and is not empty: a backup or a restore writes into a new directory" }
    }

    public struct NotABackup: Error, CustomStringConvertible {
        public let path: String
        public var description: String { "\(path) holds no \(DataBackup.databaseFile): not a backup" }
    }

    static func requireEmpty(_ path: String) throws {
        let fm = FileManager.default
        if fm.fileExists(atPath: path), !(try fm.contentsOfDirectory(atPath: path)).isEmpty { throw TargetNotEmpty(path: path) }
        try fm.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    }

    /// Writes the backup of `database` (SQLite) and `dataDirectory` into the new directory `target`.
    public static func write(_ database: Database, dataDirectory: String, to target: String, recordings: Bool = false) async throws -> Summary {
        try requireEmpty(target)
        var summary = Summary(files: 0, bytes: 0)
        let source = dataDirectory as NSString, into = target as NSString
        if FileManager.default.fileExists(atPath: source.appendingPathComponent(checkpoints)) {
            try copy(source.appendingPathComponent(checkpoints), into.appendingPathComponent(checkpoints), &summary)
        }
        try await database.backup(to: into.appendingPathComponent(databaseFile))
        summary.files += 1
        summary.bytes += size(into.appendingPathComponent(databaseFile))
        for name in try FileManager.default.contentsOfDirectory(atPath: dataDirectory).sorted()
        where !skipped(name) && name != checkpoints && (recordings || name != "recordings") && !target.hasPrefix(source.appendingPathComponent(name)) {
            try copy(source.appendingPathComponent(name), into.appendingPathComponent(name), &summary)
        }
        return summary
    }

    /// Puts a backup back into `dataDirectory`, which must hold no database.
    public static func restore(from backup: String, to dataDirectory: String) throws -> Summary {
        let fm = FileManager.default, from = backup as NSString, into = dataDirectory as NSString
        guard fm.fileExists(atPath: from.appendingPathComponent(databaseFile)) else { throw NotABackup(path: backup) }
        if fm.fileExists(atPath: into.appendingPathComponent(databaseFile)) { throw TargetNotEmpty(path: dataDirectory) }
        try fm.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        var summary = Summary(files: 0, bytes: 0)
        for name in try fm.contentsOfDirectory(atPath: backup).sorted() {
            try copy(from.appendingPathComponent(name), into.appendingPathComponent(name), &summary)
        }
        return summary
    }

    static func size(_ path: String) -> Int64 {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.int64Value ?? 0
    }

    /// Copies a file, or a directory's files recursively (directories merged), keeping modes.
    static func copy(_ from: String, _ to: String, _ summary: inout Summary) throws {
        let fm = FileManager.default
        var directory: ObjCBool = false
        guard fm.fileExists(atPath: from, isDirectory: &directory) else { return }
        if directory.boolValue {
            try fm.createDirectory(atPath: to, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            for name in try fm.contentsOfDirectory(atPath: from).sorted() {
                try copy((from as NSString).appendingPathComponent(name), (to as NSString).appendingPathComponent(name), &summary)
            }
        } else {
            if fm.fileExists(atPath: to) { try fm.removeItem(atPath: to) }
            try fm.copyItem(atPath: from, toPath: to)
            summary.files += 1
            summary.bytes += size(to)
        }
    }
}
