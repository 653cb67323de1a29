import CongvuDomain
import Crypto
import Foundation

/// Files stored once by their SHA-256, outside the web root: `<directory>/ab/<sha><suffix>`. The
/// project's one file store: punch photos, camera snapshots and task attachments use it, each in
/// its own directory, with a table that says which record a file belongs to.
public struct ContentFiles: Sendable {
    public let directory: String
    /// Added to each file's name (`.jpg` for photos, nothing for attachments of several kinds).
    public let suffix: String

    public init(directory: String, suffix: String = "") {
        self.directory = directory
        self.suffix = suffix
    }

    public static func sha256(_ data: Data) -> String { SHA256.hash(data: data).hexString }

    /// Only a SHA-256 in lowercase hex names a file: anything else (`../x`) names none.
    static func isHash(_ sha: String) -> Bool {
        sha.utf8.count == 64 && sha.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }

    func path(_ sha: String) -> String? {
        Self.isHash(sha) ? (directory as NSString).appendingPathComponent("\(sha.prefix(2))/\(sha)\(suffix)") : nil
    }

    /// Writes the file if no identical one exists (to a temporary name, then renamed, so a crash
    /// never leaves half a file under the real name). Returns its hash.
    public func write(_ data: Data) throws -> String {
        let sha = Self.sha256(data)
        let target = path(sha)!
        let fm = FileManager.default
        if !fm.fileExists(atPath: target) {
            try fm.createDirectory(atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            let temp = target + ".\(UUID().uuidString).part"
            try data.write(to: URL(fileURLWithPath: temp), options: .atomic)
            if rename(temp, target) != 0 { try? fm.removeItem(atPath: temp) }
        }
        return sha
    }

    /// Whether the file of this hash is kept (retention may have removed it).
    public func has(sha: String) -> Bool { path(sha).map { FileManager.default.fileExists(atPath: $0) } ?? false }

    public func read(sha: String) -> Data? { path(sha).flatMap { FileManager.default.contents(atPath: $0) } }

    public func remove(sha: String) { if let p = path(sha) { try? FileManager.default.removeItem(atPath: p) } }
}
