import CongvuDomain
import Foundation
import SQLKit

/// A file attached to a meeting (its agenda's papers), kept in the file store by SHA-256.
public struct MeetingFile: Sendable, Equatable {
    public var id: Int64
    /// The SHA-256 and extension in the file store.
    public var file: String
    public var name: String
    public var uploadedAt: Date
    public var uploadedBy: String
}

/// Meetings between levels (issue 22): a schedule entry with participant units. Each unit marks who
/// attends for it (append-only: the last mark counts, the earlier ones stay); the secretary records
/// conclusions, each of which can be handed on once as a task through the task mechanism.
public struct MeetingStore: Sendable {
    let database: Database

    public init(database: Database) { self.database = database }

    public func attach(entryID: Int64, file: String, name: String, by actor: Actor, at now: Date = Date()) async throws {
        let kind = database.kind
        try await database.write { sql in
            try await sql.insert(into: "meeting_files").columns("entry_id", "file", "name", "uploaded_at", "uploaded_by")
                .values(SQLBind(entryID), SQLBind(file), SQLBind(String(name.tidied.prefix(200))), SQLBind(Instant.format(now)), SQLBind(actor.name)).run()
            try await AuditLog.append(.init(action: .create, objectType: "meeting_file", objectID: String(entryID),
                                            after: AuditJSON.encode(["file": file, "name": name])), by: actor, in: sql, kind: kind)
        }
    }

    public func files(entryID: Int64) async throws -> [MeetingFile] {
        try await database.read { sql in
            try await sql.select().column("*").from("meeting_files").where("entry_id", .equal, entryID).orderBy("id").all().map { r in
                MeetingFile(id: try r.decode(column: "id", as: Int64.self), file: try r.decode(column: "file", as: String.self),
                            name: try r.decode(column: "name", as: String.self), uploadedAt: try r.instant("uploaded_at"),
                            uploadedBy: try r.decode(column: "uploaded_by", as: String.self))
            }
        }
    }

    /// A participant unit says who attends for it.
    public func mark(entryID: Int64, unitID: Int64, attendees: [String], online: Bool, by actor: Actor, at now: Date = Date()) async throws {
        let kind = database.kind
        try await database.write { sql in
            try await sql.insert(into: "meeting_attendance").columns("entry_id", "unit_id", "attendees", "online", "marked_at", "marked_by")
                .values(SQLBind(entryID), SQLBind(unitID), SQLBind(attendees.joined(separator: "\n")), SQLBind(online ? 1 : 0), SQLBind(Instant.format(now)),
                        SQLBind(actor.name)).run()
            try await AuditLog.append(.init(action: .update, objectType: "meeting_attendance", objectID: "\(entryID)/\(unitID)",
                                            after: AuditJSON.encode(["attendees": String(attendees.count), "online": online ? "1" : "0"])),
                                      by: actor, in: sql, kind: kind)
        }
    }

    /// Each participant unit's latest mark.
    public func attendance(entryID: Int64) async throws -> [Int64: MeetingAttendance] {
        try await database.read { sql in
            var out: [Int64: MeetingAttendance] = [:]
            for r in try await sql.select().column("*").from("meeting_attendance").where("entry_id", .equal, entryID).orderBy("id").all() {
                let unit = try r.decode(column: "unit_id", as: Int64.self)
                out[unit] = MeetingAttendance(unitID: unit, attendees: try r.decode(column: "attendees", as: String.self).split(separator: "\n").map(String.init),
                                              online: try r.decode(column: "online", as: Int.self) != 0, markedAt: try r.instant("marked_at"),
                                              markedBy: try r.decode(column: "marked_by", as: String.self))
            }
            return out
        }
    }

    /// The secretary records a conclusion.
    @discardableResult
    public func conclude(entryID: Int64, text: String, by actor: Actor, at now: Date = Date()) async throws -> MeetingConclusion {
        let t = try MeetingConclusion.validated(text)
        let kind = database.kind
        return try await database.write { sql in
            let row = try await sql.insert(into: "meeting_conclusions").columns("entry_id", "text", "created_at", "created_by")
                .values(SQLBind(entryID), SQLBind(t), SQLBind(Instant.format(now)), SQLBind(actor.name)).returning("id").first()
            let id = try row!.decode(column: "id", as: Int64.self)
            try await AuditLog.append(.init(action: .create, objectType: "meeting_conclusion", objectID: String(id),
                                            after: AuditJSON.encode(["entry_id": String(entryID), "text": t])), by: actor, in: sql, kind: kind)
            return MeetingConclusion(id: id, text: t, createdAt: now, createdBy: actor.name)
        }
    }

    public func conclusions(entryID: Int64) async throws -> [MeetingConclusion] {
        try await database.read { sql in
            try await sql.select().column("*").from("meeting_conclusions").where("entry_id", .equal, entryID).orderBy("id").all().map(Self.decodeConclusion)
        }
    }

    static func decodeConclusion(_ r: any SQLRow) throws -> MeetingConclusion {
        MeetingConclusion(id: try r.decode(column: "id", as: Int64.self), text: try r.decode(column: "text", as: String.self),
                          taskID: try r.optional("task_id", as: Int64.self), createdAt: try r.instant("created_at"),
                          createdBy: try r.decode(column: "created_by", as: String.self))
    }

    /// Hands a conclusion on as a task (once: a second attempt is refused), in one transaction.
    public func handOn(conclusionID: Int64, as task: WorkTask, by actor: Actor) async throws -> WorkTask {
        let kind = database.kind
        return try await database.write { sql in
            guard let c = try await sql.select().column("*").from("meeting_conclusions").where("id", .equal, conclusionID).first()
                .map(Self.decodeConclusion) else { throw StoreError.notFound("meeting_conclusion") }
            guard c.taskID == nil else { throw StoreError.conflict(field: "task", key: "meeting_conclusion_handed_on") }
            let stored = try await TaskStore.insert(task, by: actor, in: sql, kind: kind)
            try await sql.update("meeting_conclusions").set("task_id", to: stored.id).where("id", .equal, conclusionID).run()
            return stored
        }
    }
}
