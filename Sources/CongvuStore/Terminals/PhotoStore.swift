import CongvuDomain
import Foundation
import SQLKit

/// Photos taken by terminals at punches, stored once in `ContentFiles` (`<data>/punch-photos/ab/…jpg`),
/// and a row links each to the punch's key (the photo may arrive before or after its punch). Old
/// photos go after the retention period.
public struct PhotoStore: Sendable {
    let database: Database
    public let files: ContentFiles

    public init(database: Database, directory: String) {
        self.database = database
        self.files = ContentFiles(directory: directory, suffix: ".jpg")
    }

    public static func sha256(_ data: Data) -> String { ContentFiles.sha256(data) }

    /// Writes the photo once; returns its hash.
    public func write(_ jpeg: Data) throws -> String { try files.write(jpeg) }

    /// Whether the file of this hash is still kept (retention may have removed it).
    public func has(sha: String) -> Bool { files.has(sha: sha) }

    /// The file of this hash (the same files serve cameras' snapshots in their own directory).
    public func jpeg(sha: String) -> Data? { files.read(sha: sha) }

    public func remove(sha: String) { files.remove(sha: sha) }

    /// Links a written photo to a punch key (a resent photo links nothing twice): true when new.
    @discardableResult
    public func link(key: String, sha: String, terminalID: Int64, takenAt: Date, now: Date = Date()) async throws -> Bool {
        try await database.write { sql in
            try await sql.insert(into: "punch_photos").columns("punch_key", "terminal_id", "sha256", "taken_at", "received_at")
                .values(SQLBind(key), SQLBind(terminalID), SQLBind(sha), SQLBind(Instant.format(takenAt)), SQLBind(Instant.format(now)))
                .ignoringConflicts(with: "punch_key").returning("punch_key").first() != nil
        }
    }

    /// Which of these punch keys have a photo.
    public func keysWithPhotos(_ keys: [String]) async throws -> Set<String> {
        guard !keys.isEmpty else { return [] }
        return try await database.read { sql in
            Set(try await sql.select().column("punch_key").from("punch_photos").where("punch_key", .in, SQLBind.group(keys)).all()
                .map { try $0.decode(column: "punch_key", as: String.self) })
        }
    }

    /// Per person, the id of their latest punch in [from, to) that has a photo (for the live board).
    public func latestPhotoPunches(personIDs: [Int64], from: Date, to: Date) async throws -> [Int64: Int64] {
        guard !personIDs.isEmpty else { return [:] }
        return try await database.read { sql in
            var out: [Int64: Int64] = [:]
            let rows = try await sql.select().column(col("p.person_id")).column(col("p.id"))
                .from(SQLAlias(SQLIdentifier("punches"), as: SQLIdentifier("p")))
                .join(SQLAlias(SQLIdentifier("punch_photos"), as: SQLIdentifier("ph")), on: SQLRaw("ph.punch_key = p.idempotency_key"))
                .where(col("p.person_id"), .in, SQLBind.group(personIDs))
                .where(col("p.at"), .greaterThanOrEqual, SQLBind(Instant.format(from))).where(col("p.at"), .lessThan, SQLBind(Instant.format(to)))
                .orderBy(col("p.at")).all()
            for row in rows { out[try row.decode(column: "person_id", as: Int64.self)] = try row.decode(column: "id", as: Int64.self) }
            return out
        }
    }

    /// The photo of a punch, if it is still kept.
    public func photo(key: String) async throws -> Data? {
        let sha = try await database.read { sql in
            try await sql.select().column("sha256").from("punch_photos").where("punch_key", .equal, key).first()?.decode(column: "sha256", as: String.self)
        }
        return sha.flatMap { files.read(sha: $0) }
    }

    /// Forgets photos taken before `cutoff` and deletes files no longer linked. Returns how many links went.
    @discardableResult
    public func prune(takenBefore cutoff: Date) async throws -> Int {
        let at = Instant.format(cutoff)
        let (removed, orphans) = try await database.write { sql -> (Int, [String]) in
            let old = try await sql.select().column("sha256").from("punch_photos").where("taken_at", .lessThan, at).all()
                .map { try $0.decode(column: "sha256", as: String.self) }
            guard !old.isEmpty else { return (0, []) }
            try await sql.delete(from: "punch_photos").where("taken_at", .lessThan, at).run()
            let shas = Array(Set(old))
            var still = Set<String>()
            for chunk in stride(from: 0, to: shas.count, by: 500) {
                let part = Array(shas[chunk..<min(chunk + 500, shas.count)])
                for row in try await sql.select().column("sha256").from("punch_photos").where("sha256", .in, SQLBind.group(part)).all() {
                    still.insert(try row.decode(column: "sha256", as: String.self))
                }
            }
            return (old.count, shas.filter { !still.contains($0) })
        }
        for sha in orphans { files.remove(sha: sha) }
        return removed
    }
}
