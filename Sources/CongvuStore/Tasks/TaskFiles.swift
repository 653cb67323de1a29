import CongvuDomain
import Foundation
import SQLKit

/// A file attached to a task when it was assigned or with one of its steps. The bytes are in the
/// tasks' `ContentFiles` (stored once by SHA-256); the row, never removed, says whose and when.
public struct TaskFile: Sendable, Equatable {
    public var id: Int64
    public var taskID: Int64
    /// The history row it came with.
    public var eventID: Int64?
    public var sha256: String
    public var name: String
    public var ext: String
    public var size: Int
    public var addedAt: Date
    public var addedBy: String

    /// A file already written to the store, to be linked to a task or a step.
    public struct Upload: Sendable, Equatable {
        public var sha256: String
        public var name: String
        public var ext: String
        public var size: Int

        public init(sha256: String, name: String, ext: String, size: Int) {
            self.sha256 = sha256
            self.name = name
            self.ext = ext
            self.size = size
        }
    }
}

extension TaskStore {
    static func link(_ files: [TaskFile.Upload], taskID: Int64, eventID: Int64?, at: Date, by actor: Actor, in sql: any SQLDatabase) async throws {
        for f in files {
            try await sql.insert(into: "task_files").columns("task_id", "event_id", "sha256", "name", "ext", "size", "added_at", "added_by")
                .values(SQLBind(taskID), SQLBind(eventID), SQLBind(f.sha256), SQLBind(String(f.name.prefix(200))), SQLBind(f.ext), SQLBind(f.size),
                        SQLBind(Instant.format(at)), SQLBind(actor.name))
                .run()
        }
    }

    static func decodeFile(_ r: any SQLRow) throws -> TaskFile {
        TaskFile(id: try r.decode(column: "id", as: Int64.self), taskID: try r.decode(column: "task_id", as: Int64.self),
                 eventID: try r.optional("event_id", as: Int64.self), sha256: try r.decode(column: "sha256", as: String.self),
                 name: try r.decode(column: "name", as: String.self), ext: try r.decode(column: "ext", as: String.self),
                 size: try r.decode(column: "size", as: Int.self), addedAt: try r.instant("added_at"),
                 addedBy: try r.decode(column: "added_by", as: String.self))
    }

    /// A task's files, oldest first.
    public func files(_ taskID: Int64) async throws -> [TaskFile] {
        try await database.read { sql in
            try await sql.select().column("*").from("task_files").where("task_id", .equal, taskID).orderBy("id").all().map(TaskStore.decodeFile)
        }
    }

    /// One file of a task (nil when the id names a file of another task).
    public func file(_ id: Int64, of taskID: Int64) async throws -> TaskFile? {
        try await database.read { sql in
            try await sql.select().column("*").from("task_files").where("id", .equal, id).where("task_id", .equal, taskID).first().map(TaskStore.decodeFile)
        }
    }
}
