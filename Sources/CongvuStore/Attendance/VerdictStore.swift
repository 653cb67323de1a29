import CongvuDomain
import Foundation
import SQLKit

/// A post held during a period: who, where, and from when to when.
public struct StaffPost: Sendable, Equatable {
    public var personID: Int64
    public var fullName: String
    public var hasPhoto: Bool
    public var unitID: Int64
    public var unitName: String
    public var unitPath: String
    public var title: String
    public var isLeader: Bool
    public var from: Day
    public var to: Day?

    public func covers(_ day: Day) -> Bool { from <= day && (to.map { day <= $0 } ?? true) }
}

/// The verdicts of a group of people over some days, with one row per person (their latest post).
public struct VerdictSheet: Sendable {
    public var people: [StaffPost]
    public var days: [Day]
    public var verdicts: [Int64: [Day: DayVerdict]]

    public func verdict(_ personID: Int64, _ day: Day) -> DayVerdict? { verdicts[personID]?[day] }
}

/// One change of a settled verdict.
public struct VerdictChange: Sendable, Equatable {
    public var status: DayVerdict.Status
    public var lateMinutes: Int
    public var earlyMinutes: Int
    public var reasons: [DayVerdict.Reason]
    public var cause: String
    public var at: Date
}

/// Day verdicts computed from punches, approved notices and leave, each person's unit calendar
/// and the unit's rules in force that day. A closed day's verdict (before today) is settled:
/// stored, and whenever an input changes and the recomputed verdict differs, updated with a
/// history row naming the cause. Today's verdicts are provisional and never stored.
public struct VerdictStore: Sendable {
    let database: Database

    public init(database: Database) { self.database = database }

    // MARK: Who

    static func decodePost(_ row: any SQLRow) throws -> StaffPost {
        StaffPost(personID: try row.decode(column: "person_id", as: Int64.self), fullName: try row.decode(column: "full_name", as: String.self),
                  hasPhoto: !(try row.decode(column: "photo_path", as: String.self)).isEmpty,
                  unitID: try row.decode(column: "unit_id", as: Int64.self), unitName: try row.decode(column: "unit_name", as: String.self),
                  unitPath: try row.decode(column: "path", as: String.self), title: try row.decode(column: "title", as: String.self),
                  isLeader: try row.decode(column: "is_leader", as: Bool.self), from: try row.requiredDay("valid_from"),
                  to: try row.day("valid_to"))
    }

    func postsQuery(_ sql: any SQLDatabase, first: Day, last: Day) -> SQLSelectBuilder {
        sql.select().columns(col("a.person_id"), col("a.unit_id"), col("a.title"), col("a.is_leader"), col("a.valid_from"), col("a.valid_to"),
                             col("p.full_name"), col("p.photo_path"), col("u.path"))
            .column(col("u.name"), as: "unit_name")
            .from(SQLAlias(SQLIdentifier("assignments"), as: SQLIdentifier("a")))
            .join(SQLAlias(SQLIdentifier("people"), as: SQLIdentifier("p")), on: SQLRaw("p.id = a.person_id"))
            .join(SQLAlias(SQLIdentifier("units"), as: SQLIdentifier("u")), on: SQLRaw("u.id = a.unit_id"))
            .held(from: first, to: last)
            .orderBy(col("p.search_key")).orderBy(col("a.person_id")).orderBy(col("a.valid_from"))
    }

    /// Everyone posted in the subtrees at some point in [first, last], each post separately.
    public func posts(scopes: [String], first: Day, last: Day) async throws -> [StaffPost] {
        try await database.read { sql in
            try await postsQuery(sql, first: first, last: last).within(scopes: scopes, column: col("u.path")).all().map(VerdictStore.decodePost)
        }
    }

    public func posts(personIDs: [Int64], first: Day, last: Day) async throws -> [StaffPost] {
        guard !personIDs.isEmpty else { return [] }
        return try await database.read { sql in
            try await postsQuery(sql, first: first, last: last).where(col("a.person_id"), .in, SQLBind.group(personIDs)).all().map(VerdictStore.decodePost)
        }
    }

    // MARK: Computing

    /// The calendars and rules of the units people are posted in, each loaded once.
    public struct Rules: Sendable {
        public var calendars: [Int64: WorkCalendar] = [:]
        public var policies: [Int64: PolicyResolver] = [:]

        public func calendar(_ unitID: Int64) -> WorkCalendar { calendars[unitID]! }
        public func policy(_ unitID: Int64, on day: Day) -> AttendancePolicy { policies[unitID]?.policy(on: day) ?? AttendancePolicy() }
    }

    public func rules(unitIDs: Set<Int64>, years: ClosedRange<Int>) async throws -> Rules {
        var rules = Rules()
        let units = UnitStore(database: database), calendars = CalendarStore(database: database), policies = PolicyStore(database: database)
        for id in unitIDs {
            guard let unit = try await units.get(id) else { continue }
            rules.calendars[id] = try await calendars.workCalendar(for: unit, years: years)
            rules.policies[id] = try await policies.resolver(for: unit)
        }
        return rules
    }

    /// Verdicts straight from the inputs, for every day a post covers.
    public func compute(posts: [StaffPost], days: [Day], now: Date = Date()) async throws -> [Int64: [Day: DayVerdict]] {
        guard let first = days.min(), let last = days.max(), !posts.isEmpty else { return [:] }
        let rules = try await self.rules(unitIDs: Set(posts.map(\.unitID)), years: first.year...last.year)
        let ids = Array(Set(posts.map(\.personID)))
        let from = CivilTime.startOfDay(first), to = CivilTime.startOfDay(last.next)
        let punches = try await PunchStore(database: database).punches(personIDs: ids, from: from, to: to)
        let excuses = try await AbsenceStore(database: database).excuses(personIDs: ids, from: from, to: to)
        let postsByPerson = Dictionary(grouping: posts, by: \.personID)
        var out: [Int64: [Day: DayVerdict]] = [:]
        for personID in ids {
            let mine = postsByPerson[personID] ?? []
            var byDay: [Day: [Punch]] = [:]
            for p in punches[personID] ?? [] { byDay[Day(p.at, in: CivilTime.vietnam), default: []].append(p) }
            let personExcuses = excuses[personID] ?? []
            var verdicts: [Day: DayVerdict] = [:]
            for day in days {
                guard let post = mine.last(where: { $0.covers(day) }) else { continue }
                let calendar = rules.calendar(post.unitID)
                let start = calendar.startOfDay(day), end = start.addingTimeInterval(86400)
                verdicts[day] = VerdictEngine.provisional(day: day, now: now, punches: byDay[day] ?? [],
                                                          excuses: personExcuses.filter { $0.from < end && $0.to > start },
                                                          calendar: calendar, policy: rules.policy(post.unitID, on: day),
                                                          isHoliday: !calendar.isWorkingDay(day) && !HolidayRules.isWeekend(day))
            }
            out[personID] = verdicts
        }
        return out
    }

    // MARK: Settling

    /// The verdicts of everyone in the unit's subtree over the days; closed days are settled.
    public func sheet(unit: OrgUnit, days: [Day], cause: String = "review", now: Date = Date()) async throws -> VerdictSheet {
        guard let first = days.min(), let last = days.max() else { return VerdictSheet(people: [], days: [], verdicts: [:]) }
        let posts = try await self.posts(scopes: [unit.path], first: first, last: last)
        let verdicts = try await settle(posts: posts, days: days, cause: cause, now: now)
        var latest: [Int64: StaffPost] = [:]
        var order: [Int64] = []
        for p in posts {
            if latest[p.personID] == nil { order.append(p.personID) }
            latest[p.personID] = p
        }
        return VerdictSheet(people: order.map { latest[$0]! }, days: days, verdicts: verdicts)
    }

    /// Recomputes the given people's verdicts on the given days after an input changed.
    @discardableResult
    public func refresh(personIDs: [Int64], days: [Day], cause: String, now: Date = Date()) async throws -> [Int64: [Day: DayVerdict]] {
        guard let first = days.min(), let last = days.max() else { return [:] }
        return try await settle(posts: try await posts(personIDs: personIDs, first: first, last: last), days: days, cause: cause, now: now)
    }

    /// Recomputes everyone in the subtrees on some days (a calendar or policy change; `""` is everyone).
    public func refresh(scopes: [String], days: [Day], cause: String, now: Date = Date()) async throws {
        guard let first = days.min(), let last = days.max() else { return }
        _ = try await settle(posts: try await posts(scopes: scopes, first: first, last: last), days: days, cause: cause, now: now)
    }

    func settle(posts: [StaffPost], days: [Day], cause: String, now: Date) async throws -> [Int64: [Day: DayVerdict]] {
        let computed = try await compute(posts: posts, days: days, now: now)
        let today = Day(now, in: CivilTime.vietnam)
        let closed = days.filter { $0 < today }
        guard !closed.isEmpty, !computed.isEmpty else { return computed }
        let ids = Array(computed.keys)
        let stored = try await self.stored(personIDs: ids, days: closed)
        var changes: [(Int64, Day, DayVerdict, isNew: Bool)] = []
        for (personID, verdicts) in computed {
            for day in closed {
                guard let v = verdicts[day] else { continue }
                if let old = stored[personID]?[day] {
                    if !old.sameOutcome(as: v) { changes.append((personID, day, v, false)) }
                } else {
                    changes.append((personID, day, v, true))
                }
            }
        }
        if !changes.isEmpty { try await write(changes, cause: cause, now: now) }
        return computed
    }

    static func decodeVerdict(_ row: any SQLRow) throws -> DayVerdict {
        guard let status = DayVerdict.Status(rawValue: try row.decode(column: "status", as: String.self)) else { throw CorruptRow(column: "status") }
        var v = DayVerdict(status: status)
        v.lateMinutes = try row.decode(column: "late_minutes", as: Int.self)
        v.earlyMinutes = try row.decode(column: "early_minutes", as: Int.self)
        v.missingMinutes = try row.decode(column: "missing_minutes", as: Int.self)
        v.checkIn = try row.optional("check_in", as: String.self).map { text in
            guard let d = Instant.parse(text) else { throw CorruptRow(column: "check_in") }
            return d
        }
        v.checkOut = try row.optional("check_out", as: String.self).map { text in
            guard let d = Instant.parse(text) else { throw CorruptRow(column: "check_out") }
            return d
        }
        v.reasons = try DayVerdict.reasons(fromCodes: try row.decode(column: "reasons", as: String.self))
        return v
    }

    /// Settled verdicts as stored.
    public func stored(personIDs: [Int64], days: [Day]) async throws -> [Int64: [Day: DayVerdict]] {
        guard let first = days.min(), let last = days.max(), !personIDs.isEmpty else { return [:] }
        let rows = try await database.read { sql in
            try await sql.select().column("*").from("day_verdicts").where("person_id", .in, personIDs)
                .where("day", .greaterThanOrEqual, first.description).where("day", .lessThanOrEqual, last.description).all()
        }
        var out: [Int64: [Day: DayVerdict]] = [:]
        for row in rows {
            out[try row.decode(column: "person_id", as: Int64.self), default: [:]][try row.requiredDay("day")] = try VerdictStore.decodeVerdict(row)
        }
        return out
    }

    func write(_ changes: [(Int64, Day, DayVerdict, isNew: Bool)], cause: String, now: Date) async throws {
        let at = Instant.format(now)
        let columns = ["status", "late_minutes", "early_minutes", "missing_minutes", "check_in", "check_out", "reasons", "computed_at"]
        try await database.write { sql in
            for chunk in stride(from: 0, to: changes.count, by: 500).map({ Array(changes[$0..<min($0 + 500, changes.count)]) }) {
                var insert = sql.insert(into: "day_verdicts").columns(["person_id", "day"] + columns)
                var history = sql.insert(into: "verdict_history").columns("person_id", "day", "status", "late_minutes", "early_minutes",
                                                                          "reasons", "cause", "computed_at")
                for (personID, day, v, isNew) in chunk {
                    insert = insert.values(SQLBind(personID), SQLBind(day.description), SQLBind(v.status.rawValue), SQLBind(v.lateMinutes),
                                           SQLBind(v.earlyMinutes), SQLBind(v.missingMinutes), SQLBind(v.checkIn.map(Instant.format)),
                                           SQLBind(v.checkOut.map(Instant.format)), SQLBind(v.reasonCodes), SQLBind(at))
                    history = history.values(SQLBind(personID), SQLBind(day.description), SQLBind(v.status.rawValue), SQLBind(v.lateMinutes),
                                             SQLBind(v.earlyMinutes), SQLBind(v.reasonCodes), SQLBind(isNew ? "settled" : cause), SQLBind(at))
                }
                // New and changed verdicts in one statement; a day another settle stored meanwhile is replaced, not an error.
                try await insert.onConflict(with: ["person_id", "day"]) { update in
                    columns.reduce(update) { $0.set(excludedValueOf: $1) }
                }.run()
                try await history.run()
            }
        }
    }

    /// How a person's verdict on a day changed, oldest first.
    public func history(personID: Int64, day: Day) async throws -> [VerdictChange] {
        try await database.read { sql in
            try await sql.select().column("*").from("verdict_history").where("person_id", .equal, personID).where("day", .equal, day.description)
                .orderBy("id").all().map { row in
                    guard let status = DayVerdict.Status(rawValue: try row.decode(column: "status", as: String.self)) else { throw CorruptRow(column: "status") }
                    return VerdictChange(status: status, lateMinutes: try row.decode(column: "late_minutes", as: Int.self),
                                         earlyMinutes: try row.decode(column: "early_minutes", as: Int.self),
                                         reasons: try DayVerdict.reasons(fromCodes: try row.decode(column: "reasons", as: String.self)),
                                         cause: try row.decode(column: "cause", as: String.self), at: try row.instant("computed_at"))
                }
        }
    }
}
