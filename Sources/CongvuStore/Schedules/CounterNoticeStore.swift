import CongvuDomain
import Foundation
import SQLKit

/// What a one-stop counter posts for citizens: per field its working hours and receiving and
/// returning days, and the hotline board. Each save replaces the counter's whole board in one
/// transaction, audited with what it was before.
public struct CounterNoticeStore: Sendable {
    let database: Database

    public init(database: Database) { self.database = database }

    public func board(unitID: Int64) async throws -> (notices: [CounterNotice], hotlines: [Hotline]) {
        try await database.read { sql in
            let notices = try await sql.select().column("*").from("counter_notices").where("unit_id", .equal, unitID).orderBy("position").orderBy("id").all()
                .map { r in
                    CounterNotice(id: try r.decode(column: "id", as: Int64.self), field: try r.decode(column: "field", as: String.self),
                                  workingHours: try r.decode(column: "working_hours", as: String.self),
                                  receivingDays: try r.decode(column: "receiving_days", as: String.self),
                                  returningDays: try r.decode(column: "returning_days", as: String.self))
                }
            let hotlines = try await sql.select().column("*").from("counter_hotlines").where("unit_id", .equal, unitID).orderBy("position").orderBy("id").all()
                .map { r in
                    Hotline(id: try r.decode(column: "id", as: Int64.self), name: try r.decode(column: "name", as: String.self),
                            title: try r.decode(column: "title", as: String.self), phone: try r.decode(column: "phone", as: String.self))
                }
            return (notices, hotlines)
        }
    }

    static func audit(_ notices: [CounterNotice], _ hotlines: [Hotline]) -> String {
        AuditJSON.encode(["fields": notices.map { "\($0.field): \($0.workingHours); \($0.receivingDays); \($0.returningDays)" }.joined(separator: " | "),
                          "hotlines": hotlines.map { "\($0.name) \($0.phone)" }.joined(separator: " | ")])
    }

    /// Replaces the counter's board (each line already validated).
    public func save(unitID: Int64, notices: [CounterNotice], hotlines: [Hotline], by actor: Actor) async throws {
        let before = try await board(unitID: unitID)
        let kind = database.kind
        try await database.write { sql in
            try await sql.delete(from: "counter_notices").where("unit_id", .equal, unitID).run()
            try await sql.delete(from: "counter_hotlines").where("unit_id", .equal, unitID).run()
            for (i, n) in notices.enumerated() {
                try await sql.insert(into: "counter_notices").columns("unit_id", "field", "working_hours", "receiving_days", "returning_days", "position")
                    .values(SQLBind(unitID), SQLBind(n.field), SQLBind(n.workingHours), SQLBind(n.receivingDays), SQLBind(n.returningDays), SQLBind(i)).run()
            }
            for (i, h) in hotlines.enumerated() {
                try await sql.insert(into: "counter_hotlines").columns("unit_id", "name", "title", "phone", "position")
                    .values(SQLBind(unitID), SQLBind(h.name), SQLBind(h.title), SQLBind(h.phone), SQLBind(i)).run()
            }
            try await AuditLog.append(.init(action: .update, objectType: "counter_notices", objectID: String(unitID), before: Self.audit(before.notices, before.hotlines),
                                            after: Self.audit(notices, hotlines)), by: actor, in: sql, kind: kind)
        }
    }
}
