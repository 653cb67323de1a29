import CongvuDomain
import Foundation
import SQLKit

/// A unit's attendance rules from a day on, as set by its office.
public struct StoredPolicy: Sendable, Equatable {
    public var unitID: Int64
    public var validFrom: Day
    public var policy: AttendancePolicy
}

/// Attendance rules per unit, effective-dated and inherited: a unit without its own rules follows
/// the nearest ancestor that has some, else the defaults. Changes are audited.
public struct PolicyStore: Sendable {
    let database: Database

    public init(database: Database) { self.database = database }

    static func decode(_ row: any SQLRow) throws -> StoredPolicy {
        let derivation = try row.decode(column: "derivation", as: String.self)
        guard let d = AttendancePolicy.Derivation(rawValue: derivation) else { throw CorruptRow(column: "derivation") }
        guard let typed = AttendancePolicy.TypedCards(rawValue: try row.decode(column: "typed_cards", as: String.self)) else {
            throw CorruptRow(column: "typed_cards")
        }
        return StoredPolicy(unitID: try row.decode(column: "unit_id", as: Int64.self), validFrom: try row.requiredDay("valid_from"),
                            policy: AttendancePolicy(derivation: d, graceMinutes: try row.decode(column: "grace_minutes", as: Int.self),
                                                     collapseSeconds: try row.decode(column: "collapse_seconds", as: Int.self),
                                                     windowMinutes: try row.decode(column: "window_minutes", as: Int.self),
                                                     halfDayMinutes: try row.decode(column: "half_day_minutes", as: Int.self),
                                                     absentBelowMinutes: try row.decode(column: "absent_below_minutes", as: Int.self),
                                                     explanationDays: try row.decode(column: "explanation_days", as: Int.self), typedCards: typed))
    }

    /// Rules set on the unit and its ancestors, nearest unit first, each unit's in date order.
    public func policies(for unit: OrgUnit) async throws -> [StoredPolicy] {
        let ids = OrgUnit.ids(inPath: unit.path)
        let stored = try await database.read { sql in
            try await sql.select().column("*").from("attendance_policies").where("unit_id", .in, ids).orderBy("valid_from").all().map(PolicyStore.decode)
        }
        let depth = Dictionary(uniqueKeysWithValues: ids.enumerated().map { ($1, $0) })
        return stored.sorted { a, b in depth[a.unitID]! != depth[b.unitID]! ? depth[a.unitID]! > depth[b.unitID]! : a.validFrom < b.validFrom }
    }

    /// The rules that apply to the unit's people on each day.
    public func resolver(for unit: OrgUnit) async throws -> PolicyResolver {
        let all = try await policies(for: unit)
        return PolicyResolver(steps: all.filter { $0.unitID == all.first?.unitID }.map { ($0.validFrom, $0.policy) })
    }

    public func set(unitID: Int64, from: Day, policy p: AttendancePolicy, by actor: Actor, reason: String) async throws {
        guard reason.tidied.count >= 3 else { throw ValidationErrors([FieldError("reason", "reason_required")]) }
        let kind = database.kind
        try await database.write { sql in
            let old = try await sql.select().column("*").from("attendance_policies").where("unit_id", .equal, unitID)
                .where("valid_from", .equal, from.description).first().map(PolicyStore.decode)
            try await sql.delete(from: "attendance_policies").where("unit_id", .equal, unitID).where("valid_from", .equal, from.description).run()
            try await sql.insert(into: "attendance_policies")
                .columns("unit_id", "valid_from", "derivation", "grace_minutes", "collapse_seconds", "window_minutes", "half_day_minutes",
                         "absent_below_minutes", "explanation_days", "typed_cards", "created_by", "created_at")
                .values(SQLBind(unitID), SQLBind(from.description), SQLBind(p.derivation.rawValue), SQLBind(p.graceMinutes),
                        SQLBind(p.collapseSeconds), SQLBind(p.windowMinutes), SQLBind(p.halfDayMinutes), SQLBind(p.absentBelowMinutes),
                        SQLBind(p.explanationDays), SQLBind(p.typedCards.rawValue), SQLBind(actor.id), SQLBind(Instant.now())).run()
            try await AuditLog.append(.init(action: old == nil ? .create : .update, objectType: "attendance_policy", objectID: "\(unitID)@\(from)",
                                            before: old.map { PolicyStore.describe($0.policy) } ?? "", after: PolicyStore.describe(p), reason: reason.tidied),
                                      by: actor, in: sql, kind: kind)
        }
        // Closed days under the new rules (at most the last three months) are settled again.
        let yesterday = Day(Date(), in: CivilTime.vietnam).previous
        let floor = Day(Date().addingTimeInterval(-92 * 86400), in: CivilTime.vietnam)
        if from <= yesterday, let unit = try await UnitStore(database: database).get(unitID) {
            try await VerdictStore(database: database).refresh(scopes: [unit.path], days: max(from, floor).through(yesterday), cause: "policy")
        }
    }

    static func describe(_ p: AttendancePolicy) -> String {
        AuditJSON.encode(["derivation": p.derivation.rawValue, "grace_minutes": String(p.graceMinutes), "collapse_seconds": String(p.collapseSeconds),
                          "window_minutes": String(p.windowMinutes), "half_day_minutes": String(p.halfDayMinutes),
                          "absent_below_minutes": String(p.absentBelowMinutes), "explanation_days": String(p.explanationDays),
                          "typed_cards": p.typedCards.rawValue])
    }
}

/// The policy in force on a day: the last step starting on or before it, else the defaults.
public struct PolicyResolver: Sendable {
    let steps: [(from: Day, policy: AttendancePolicy)]

    public func policy(on day: Day) -> AttendancePolicy {
        steps.last { $0.from <= day }?.policy ?? AttendancePolicy()
    }
}
