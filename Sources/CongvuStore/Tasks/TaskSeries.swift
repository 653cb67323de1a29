import CongvuDomain
import Foundation
import SQLKit

/// A recurring series: its rule, its first day, its end (if any) and how far its tasks are
/// generated. Every task of it carries `series_id`; the nightly extension copies the latest one.
public struct TaskSeries: Sendable, Equatable {
    public var id: Int64
    public var rule: String
    public var starts: Day
    public var until: Day?
    public var generatedThrough: Day
    public var stoppedAt: Date?
    public var stoppedBy: String
    public var stopReason: String
}

extension TaskStore {
    static func decodeSeries(_ r: any SQLRow) throws -> TaskSeries {
        TaskSeries(id: try r.decode(column: "id", as: Int64.self), rule: try r.decode(column: "rule", as: String.self),
                   starts: try r.requiredDay("starts"), until: try r.day("until"), generatedThrough: try r.requiredDay("generated_through"),
                   stoppedAt: try r.optionalInstant("stopped_at"), stoppedBy: try r.decode(column: "stopped_by", as: String.self),
                   stopReason: try r.decode(column: "stop_reason", as: String.self))
    }

    /// A recurring task: the series and one task per deadline, in one transaction (all or none).
    /// Returns the tasks, by deadline.
    public func createSeries(_ draft: WorkTask, rule: Recurrence, starts: Day, until: Day?, deadlines: [Day], coOwners: [Int64] = [],
                             watchers: [Int64] = [], files: [TaskFile.Upload] = [], by actor: Actor) async throws -> [WorkTask] {
        guard let last = deadlines.max() else { throw ValidationErrors([FieldError("recurrence", "task_recurrence_empty")]) }
        let kind = database.kind
        return try await database.write { sql in
            let series = try await sql.insert(into: "task_series").columns("rule", "starts", "until", "generated_through")
                .values(SQLBind(rule.description), SQLBind(starts.description), SQLBind(until?.description), SQLBind(last.description))
                .returning("id").first()!.decode(column: "id", as: Int64.self)
            var task = draft
            task.recurrence = rule.description
            task.seriesID = series
            var out: [WorkTask] = []
            for due in deadlines.sorted() {
                task.due = due
                out.append(try await Self.insert(task, coOwners: coOwners, watchers: watchers, files: out.isEmpty ? files : [], by: actor, in: sql, kind: kind))
            }
            return out
        }
    }

    public func series(_ id: Int64) async throws -> TaskSeries? {
        try await database.read { sql in try await sql.select().column("*").from("task_series").where("id", .equal, id).first().map(TaskStore.decodeSeries) }
    }

    /// Series still running whose tasks end before `horizon`, with the unit of their latest task
    /// (whose calendar places the next deadlines).
    public func seriesToExtend(before horizon: Day) async throws -> [(series: TaskSeries, unitID: Int64)] {
        try await database.read { sql in
            try await sql.raw("""
                SELECT s.*, (SELECT t.unit_id FROM tasks t WHERE t.series_id = s.id ORDER BY t.due DESC, t.id DESC LIMIT 1) AS unit_id
                FROM task_series s
                WHERE s.stopped_at IS NULL AND s.generated_through < \(bind: horizon.description)
                  AND (s.until IS NULL OR s.until > s.generated_through)
                ORDER BY s.id
                """).all().map { (try TaskStore.decodeSeries($0), try $0.decode(column: "unit_id", as: Int64.self)) }
        }
    }

    /// Adds tasks on `deadlines` to a series, each a copy of its latest task as it stands now (title,
    /// content, lead, co-operating people, watchers, unit, source), assigned by the same person, in
    /// one transaction. Only when the series is still generated through `expected`: two nodes
    /// extending at once add the tasks once. Returns the tasks added.
    public func extendSeries(_ id: Int64, from expected: Day, deadlines: [Day], at now: Date = Date(), by actor: Actor) async throws -> [WorkTask] {
        guard let last = deadlines.max() else { return [] }
        let kind = database.kind
        return try await database.write { sql in
            let moved = try await sql.raw("""
                UPDATE task_series SET generated_through = \(bind: last.description)
                WHERE id = \(bind: id) AND generated_through = \(bind: expected.description) AND stopped_at IS NULL
                RETURNING id
                """).first()
            guard moved != nil else { return [] }
            guard let row = try await sql.select().column("*").from("tasks").where("series_id", .equal, id)
                .orderBy("due", .descending).orderBy("id", .descending).limit(1).first() else { return [] }
            let latest = try TaskStore.decode(row)
            var people: [TaskPerson.Role: [Int64]] = [:]
            for p in try await sql.select().columns("person_id", "role").from("task_people").where("task_id", .equal, latest.id).all() {
                guard let role = TaskPerson.Role(rawValue: try p.decode(column: "role", as: String.self)), role != .substitute else { continue }
                people[role, default: []].append(try p.decode(column: "person_id", as: Int64.self))
            }
            var out: [WorkTask] = []
            for due in deadlines.sorted() where due > expected {
                var t = WorkTask(unitID: latest.unitID, year: Day(now, in: CivilTime.vietnam).year, title: latest.title, content: latest.content, source: latest.source,
                                 assignerID: latest.assignerID, ownerID: latest.ownerID, priority: latest.priority, assignedAt: now, due: due,
                                 parentID: latest.parentID, recurrence: latest.recurrence, seriesID: id)
                t = try await Self.insert(t, coOwners: people[.coOwner] ?? [], watchers: people[.watcher] ?? [], by: actor, in: sql, kind: kind)
                out.append(t)
            }
            return out
        }
    }

    /// Ends a series: no more tasks are generated; those already given stay, each to be done or
    /// cancelled on its own. Audited with the reason.
    public func stopSeries(_ id: Int64, reason: String, at now: Date = Date(), by actor: Actor) async throws {
        let reason = reason.tidied
        guard reason.count >= 3 else { throw ValidationErrors([FieldError("reason", "reason_required")]) }
        let kind = database.kind
        try await database.write { sql in
            let stopped = try await sql.raw("""
                UPDATE task_series SET stopped_at = \(bind: Instant.format(now)), stopped_by = \(bind: actor.name), stop_reason = \(bind: reason)
                WHERE id = \(bind: id) AND stopped_at IS NULL RETURNING id
                """).first()
            guard stopped != nil else { throw StoreError.conflict(field: "reason", key: "task_series_stopped") }
            try await AuditLog.append(.init(action: .update, objectType: "task_series", objectID: String(id), before: AuditJSON.encode(["stopped": "false"]),
                                            after: AuditJSON.encode(["stopped": "true"]), reason: reason), by: actor, in: sql, kind: kind)
        }
    }
}
