import CongvuDomain
import Foundation
import SQLKit

/// A special day as confirmed by an administrator: national (`unitID == nil`) or for a unit and
/// everything under it.
public struct StoredSpecialDay: Sendable, Equatable {
    public var id: Int64
    public var unitID: Int64?
    public var special: SpecialDay
}

/// Office hours a unit set from a day on; they apply to the units under it that set none.
public struct StoredOfficeHours: Sendable, Equatable {
    public var unitID: Int64
    public var validFrom: Day
    public var hours: OfficeHours
}

/// Confirmed special days and office hours, and the working calendar of a unit built from them.
public struct CalendarStore: Sendable {
    let database: Database

    public init(database: Database) { self.database = database }

    static func decodeDay(_ row: any SQLRow) throws -> StoredSpecialDay {
        StoredSpecialDay(id: try row.decode(column: "id", as: Int64.self),
                         unitID: try row.optional("unit_id", as: Int64.self),
                         special: SpecialDay(day: try row.requiredDay("day"),
                                             kind: SpecialDayKind(rawValue: try row.decode(column: "kind", as: String.self)) ?? .localDayOff,
                                             name: try row.decode(column: "name", as: String.self),
                                             reference: try row.decode(column: "reference", as: String.self)))
    }

    /// The confirmed days of `years` that apply to a unit: national ones and those of the unit and its ancestors.
    public func specialDays(years: ClosedRange<Int>, for unit: OrgUnit?) async throws -> [StoredSpecialDay] {
        let ids = unit.map { OrgUnit.ids(inPath: $0.path) } ?? []
        let from = "\(years.lowerBound)-01-01", to = "\(years.upperBound)-12-31"
        return try await database.read { sql in
            try await sql.select().column("*").from("special_days")
                .where("day", .greaterThanOrEqual, from).where("day", .lessThanOrEqual, to)
                .where { g in
                    ids.isEmpty ? g.where("unit_id", .is, SQLLiteral.null)
                        : g.where("unit_id", .is, SQLLiteral.null).orWhere("unit_id", .in, ids)
                }
                .orderBy("day").all().map(CalendarStore.decodeDay)
        }
    }

    public func specialDay(_ id: Int64) async throws -> StoredSpecialDay? {
        try await database.read { sql in
            try await sql.select().column("*").from("special_days").where("id", .equal, id).first().map(CalendarStore.decodeDay)
        }
    }

    /// Confirms (stores) a special day; one per day and scope.
    public func add(_ day: SpecialDay, unitID: Int64?, by actor: Actor, reason: String = "") async throws -> StoredSpecialDay {
        defer { database.changes.publish(.calendar) }
        let kind = database.kind
        let stored = try await database.write { sql in
            try await CalendarStore.insert(day, unitID: unitID, in: sql, kind: kind, by: actor, reason: reason)
        }
        try await resettle(day.day, unitID: unitID)
        return stored
    }

    /// A day made a holiday or a working day after it passed: the verdicts of everyone it applies to change.
    func resettle(_ day: Day, unitID: Int64?) async throws {
        // The verdicts are computed on the changed calendar, not on one kept from before.
        database.changes.publish(.calendar)
        guard day < Day(Date(), in: CivilTime.vietnam) else { return }
        var scope = ""
        if let unitID {
            guard let unit = try await UnitStore(database: database).get(unitID) else { return }
            scope = unit.path
        }
        try await VerdictStore(database: database).refresh(scopes: [scope], days: [day], cause: "calendar")
    }

    static func insert(_ d: SpecialDay, unitID: Int64?, in sql: any SQLDatabase, kind: DatabaseKind, by actor: Actor, reason: String) async throws -> StoredSpecialDay {
        var q = sql.select().column("id").from("special_days").where("day", .equal, d.day.description)
        q = unitID.map { q.where("unit_id", .equal, $0) } ?? q.where("unit_id", .is, SQLLiteral.null)
        if try await q.first() != nil { throw StoreError.conflict(field: "day", key: "special_day_taken") }
        let now = Instant.now()
        let row = try await sql.insert(into: "special_days")
            .columns("day", "kind", "name", "reference", "unit_id", "created_at", "updated_at")
            .values(SQLBind(d.day.description), SQLBind(d.kind.rawValue), SQLBind(d.name), SQLBind(d.reference), SQLBind(unitID),
                    SQLBind(now), SQLBind(now))
            .returning("id").first()
        let stored = StoredSpecialDay(id: try row!.decode(column: "id", as: Int64.self), unitID: unitID, special: d)
        try await AuditLog.append(.init(action: .create, objectType: "special_day", objectID: String(stored.id),
                                        after: AuditJSON.encode(d), reason: reason), by: actor, in: sql, kind: kind)
        return stored
    }

    /// Confirms every proposal of a year that has no national day stored on its date yet.
    @discardableResult
    public func confirmProposals(year: Int, by actor: Actor) async throws -> Int {
        defer { database.changes.publish(.calendar) }
        let existing = Set(try await specialDays(years: year...year, for: nil).filter { $0.unitID == nil }.map(\.special.day))
        let kind = database.kind
        let toAdd = HolidayRules.proposals(year: year).filter { !existing.contains($0.day) }
        try await database.write { sql in
            for d in toAdd { _ = try await CalendarStore.insert(d, unitID: nil, in: sql, kind: kind, by: actor, reason: "confirm proposals \(year)") }
        }
        return toAdd.count
    }

    public func delete(_ id: Int64, by actor: Actor, reason: String) async throws {
        defer { database.changes.publish(.calendar) }
        let kind = database.kind
        let old = try await database.write { sql in
            guard let old = try await sql.select().column("*").from("special_days").where("id", .equal, id).first().map(CalendarStore.decodeDay) else {
                throw StoreError.notFound("special_day")
            }
            try await sql.delete(from: "special_days").where("id", .equal, id).run()
            try await AuditLog.append(.init(action: .delete, objectType: "special_day", objectID: String(id),
                                            before: AuditJSON.encode(old.special), reason: reason), by: actor, in: sql, kind: kind)
            return old
        }
        try await resettle(old.special.day, unitID: old.unitID)
    }

    // MARK: Office hours

    /// Office hours set on the unit and its ancestors, nearest unit first, each unit's in date order.
    public func officeHours(for unit: OrgUnit) async throws -> [StoredOfficeHours] {
        let ids = OrgUnit.ids(inPath: unit.path)
        let rows = try await database.read { sql in
            try await sql.select().column("*").from("office_hours").where("unit_id", .in, ids).orderBy("valid_from").all()
        }
        let stored = try rows.compactMap { row -> StoredOfficeHours? in
            guard let hours = OfficeHours.parse(try row.decode(column: "seasons", as: String.self)) else { return nil }
            return StoredOfficeHours(unitID: try row.decode(column: "unit_id", as: Int64.self), validFrom: try row.requiredDay("valid_from"), hours: hours)
        }
        let depth = Dictionary(uniqueKeysWithValues: ids.enumerated().map { ($1, $0) })
        return stored.sorted { a, b in
            depth[a.unitID]! != depth[b.unitID]! ? depth[a.unitID]! > depth[b.unitID]! : a.validFrom < b.validFrom
        }
    }

    public func setOfficeHours(unitID: Int64, from: Day, hours: OfficeHours, by actor: Actor, reason: String) async throws {
        defer { database.changes.publish(.calendar) }
        let kind = database.kind
        try await database.write { sql in
            let old = try await sql.select().column("seasons").from("office_hours").where("unit_id", .equal, unitID)
                .where("valid_from", .equal, from.description).first()?.decode(column: "seasons", as: String.self)
            try await sql.delete(from: "office_hours").where("unit_id", .equal, unitID).where("valid_from", .equal, from.description).run()
            try await sql.insert(into: "office_hours").columns("unit_id", "valid_from", "seasons", "created_at")
                .values(SQLBind(unitID), SQLBind(from.description), SQLBind(hours.text), SQLBind(Instant.now())).run()
            try await AuditLog.append(.init(action: old == nil ? .create : .update, objectType: "office_hours", objectID: "\(unitID)@\(from)",
                                            before: old ?? "", after: hours.text, reason: reason), by: actor, in: sql, kind: kind)
        }
    }

    /// The working calendar of a unit: the office hours of the nearest unit (itself or an
    /// ancestor) that set any, else the standard week; the confirmed days of the unit, its
    /// ancestors and the nation. A year with no confirmed national holiday uses the rules'
    /// proposals until an administrator confirms it, so due dates never ignore Tết.
    public func workCalendar(for unit: OrgUnit, years: ClosedRange<Int>) async throws -> WorkCalendar {
        try await database.calendars.value("\(unit.id) \(years.lowerBound)-\(years.upperBound)") { try await build(for: unit, years: years) }
    }

    func build(for unit: OrgUnit, years: ClosedRange<Int>) async throws -> WorkCalendar {
        let hours = try await officeHours(for: unit)
        let nearest = hours.first.map { first in hours.filter { $0.unitID == first.unitID } } ?? []
        let stored = try await specialDays(years: years, for: unit)
        var days = stored.map(\.special)
        let confirmedYears = Set(stored.filter { $0.unitID == nil && $0.special.kind == .holiday }.map(\.special.day.year))
        for year in years where !confirmedYears.contains(year) { days += HolidayRules.proposals(year: year) }
        return WorkCalendar(schedule: nearest.map { (from: $0.validFrom, hours: $0.hours) }, default: nearest.first?.hours ?? .standard,
                            specialDays: days, years: years)
    }
}
