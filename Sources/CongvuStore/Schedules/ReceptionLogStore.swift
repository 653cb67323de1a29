import CongvuDomain
import Foundation
import SQLKit

/// A stored entry of the reception log, with its follow-up task when one was given.
public struct ReceptionEntry: Sendable, Equatable {
    public var id: Int64
    public var unitID: Int64
    public var record: ReceptionRecord
    public var taskID: Int64?
    public var version: Int
}

/// The citizen reception log (sổ tiếp công dân) of a unit: every entry and every later result
/// audited, a follow-up task given through the task mechanism in the same transaction.
public struct ReceptionLogStore: Sendable {
    let database: Database

    public init(database: Database) { self.database = database }

    static func decode(_ r: any SQLRow) throws -> ReceptionEntry {
        guard let c = ReceptionRecord.Classification(rawValue: try r.decode(column: "classification", as: String.self)),
              let h = ReceptionRecord.Handling(rawValue: try r.decode(column: "handling", as: String.self)) else { throw CorruptRow(column: "classification") }
        let record = ReceptionRecord(day: try r.requiredDay("day"), receiverID: try r.decode(column: "receiver_id", as: Int64.self),
                                     citizenName: try r.decode(column: "citizen_name", as: String.self),
                                     citizenAddress: try r.decode(column: "citizen_address", as: String.self),
                                     citizenID: try r.decode(column: "citizen_id", as: String.self), content: try r.decode(column: "content", as: String.self),
                                     classification: c, handling: h, forwardedTo: try r.decode(column: "forwarded_to", as: String.self),
                                     result: try r.decode(column: "result", as: String.self), resultDay: try r.day("result_day"))
        return ReceptionEntry(id: try r.decode(column: "id", as: Int64.self), unitID: try r.decode(column: "unit_id", as: Int64.self), record: record,
                              taskID: try r.optional("task_id", as: Int64.self), version: try r.decode(column: "version", as: Int.self))
    }

    /// The audit keeps what was decided, not the citizen's identity (the log itself holds that).
    static func audit(_ r: ReceptionRecord) -> String {
        AuditJSON.encode(["day": r.day.description, "receiver_id": String(r.receiverID), "classification": r.classification.rawValue,
                          "handling": r.handling.rawValue, "forwarded_to": r.forwardedTo, "result_day": r.resultDay?.description ?? ""])
    }

    /// Records a reception; with `followUp`, the task is given in the same transaction.
    public func add(_ record: ReceptionRecord, unitID: Int64, followUp: WorkTask? = nil, by actor: Actor, at now: Date = Date()) async throws -> ReceptionEntry {
        let kind = database.kind
        return try await database.write { sql in
            let row = try await sql.insert(into: "reception_log")
                .columns("unit_id", "day", "receiver_id", "citizen_name", "citizen_address", "citizen_id", "content", "classification", "handling",
                         "forwarded_to", "result", "result_day", "created_at", "created_by")
                .values(SQLBind(unitID), SQLBind(record.day.description), SQLBind(record.receiverID), SQLBind(record.citizenName),
                        SQLBind(record.citizenAddress), SQLBind(record.citizenID), SQLBind(record.content), SQLBind(record.classification.rawValue),
                        SQLBind(record.handling.rawValue), SQLBind(record.forwardedTo), SQLBind(record.result), SQLBind(record.resultDay?.description),
                        SQLBind(Instant.format(now)), SQLBind(actor.name))
                .returning("id").first()
            let id = try row!.decode(column: "id", as: Int64.self)
            var taskID: Int64?
            if var task = followUp {
                task.source = TaskSource(kind: .feedback, reference: "TCD-\(id)", date: record.day, recordType: "reception_log", recordID: id)
                taskID = try await TaskStore.insert(task, by: actor, in: sql, kind: kind).id
                try await sql.update("reception_log").set("task_id", to: taskID).where("id", .equal, id).run()
            }
            try await AuditLog.append(.init(action: .create, objectType: "reception_log", objectID: String(id), after: Self.audit(record)),
                                      by: actor, in: sql, kind: kind)
            return ReceptionEntry(id: id, unitID: unitID, record: record, taskID: taskID, version: 1)
        }
    }

    public func get(_ id: Int64) async throws -> ReceptionEntry? {
        try await database.read { sql in try await sql.select().column("*").from("reception_log").where("id", .equal, id).first().map(Self.decode) }
    }

    /// Records the outcome of an entry read at `version` (audited; an older read is refused).
    public func settle(_ id: Int64, result: String, on day: Day, version: Int, today: Day, by actor: Actor) async throws {
        let kind = database.kind
        try await database.write { sql in
            guard let old = try await sql.select().column("*").from("reception_log").where("id", .equal, id).first().map(Self.decode) else {
                throw StoreError.notFound("reception_log")
            }
            guard old.version == version else { throw StoreError.conflict(field: "version", key: "reception_changed") }
            var record = old.record
            record.result = result
            record.resultDay = day
            record = try record.validated(today: max(today, old.record.day))
            try await sql.update("reception_log").set("result", to: record.result).set("result_day", to: day.description)
                .set(SQLIdentifier("version"), to: SQLRaw("version + 1")).where("id", .equal, id).run()
            try await AuditLog.append(.init(action: .update, objectType: "reception_log", objectID: String(id), before: Self.audit(old.record),
                                            after: Self.audit(record)), by: actor, in: sql, kind: kind)
        }
    }

    /// The entries of units in [from, to], newest first.
    public func list(unitIDs: [Int64], from: Day, to: Day) async throws -> [ReceptionEntry] {
        guard !unitIDs.isEmpty else { return [] }
        return try await database.read { sql in
            try await sql.select().column("*").from("reception_log").where("unit_id", .in, SQLBind.group(unitIDs))
                .where("day", .greaterThanOrEqual, SQLBind(from.description)).where("day", .lessThanOrEqual, SQLBind(to.description))
                .orderBy("day", .descending).orderBy("id", .descending).all().map(Self.decode)
        }
    }
}
