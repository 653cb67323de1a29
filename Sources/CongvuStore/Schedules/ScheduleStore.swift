import CongvuDomain
import Foundation
import SQLKit

/// A change to a published entry, as its history shows it ("điều chỉnh").
public struct ScheduleChange: Sendable, Equatable {
    public var at: Date
    public var actorName: String
    public var fields: [String]
}

/// Work schedules (issue 22): entries drafted by the office, published by the leader; after
/// publication every change raises the entry's SEQUENCE and is kept (append-only) with the fields it
/// touched; a cancelled entry stays, marked. The reception days of a leader and the excuses their
/// published entries away from the office give attendance are read from here.
public struct ScheduleStore: Sendable {
    let database: Database

    public init(database: Database) { self.database = database }

    static func decode(_ row: any SQLRow) throws -> ScheduleEntry {
        guard let status = ScheduleEntry.Status(rawValue: try row.decode(column: "status", as: String.self)) else { throw CorruptRow(column: "status") }
        guard let start = ClockTime(try row.decode(column: "start_time", as: String.self)),
              let end = ClockTime(try row.decode(column: "end_time", as: String.self)) else { throw CorruptRow(column: "start_time") }
        return ScheduleEntry(id: try row.decode(column: "id", as: Int64.self), unitID: try row.decode(column: "unit_id", as: Int64.self),
                             day: try row.requiredDay("day"), start: start, end: end, content: try row.decode(column: "content", as: String.self),
                             place: try row.decode(column: "place", as: String.self), chairID: try row.optional("chair_id", as: Int64.self),
                             preparingUnitID: try row.optional("preparing_unit_id", as: Int64.self), away: try row.decode(column: "away", as: Int.self) != 0,
                             meetingURL: try row.decode(column: "meeting_url", as: String.self), agenda: try row.decode(column: "agenda", as: String.self), reception: try row.decode(column: "reception", as: Int.self) != 0,
                             status: status, sequence: try row.decode(column: "sequence", as: Int.self), version: try row.decode(column: "version", as: Int.self))
    }

    static func audit(_ e: ScheduleEntry) -> String {
        AuditJSON.encode(["day": e.day.description, "start": e.start.description, "end": e.end.description, "content": e.content, "place": e.place,
                          "chair_id": e.chairID.map(String.init) ?? "", "away": e.away ? "1" : "0", "reception": e.reception ? "1" : "0",
                          "meeting_url": e.meetingURL, "agenda": e.agenda, "status": e.status.rawValue,
                          "units": e.participantUnits.map(String.init).joined(separator: ",")])
    }

    /// A new draft entry of the unit.
    public func create(_ entry: ScheduleEntry, by actor: Actor, at now: Date = Date()) async throws -> ScheduleEntry {
        let kind = database.kind
        return try await database.write { sql in
            let row = try await sql.insert(into: "schedule_entries")
                .columns("unit_id", "day", "start_time", "end_time", "content", "place", "chair_id", "preparing_unit_id", "away", "meeting_url", "reception",
                         "status", "created_at", "updated_at", "agenda")
                .values(SQLBind(entry.unitID), SQLBind(entry.day.description), SQLBind(entry.start.description), SQLBind(entry.end.description),
                        SQLBind(entry.content), SQLBind(entry.place), SQLBind(entry.chairID), SQLBind(entry.preparingUnitID), SQLBind(entry.away ? 1 : 0),
                        SQLBind(entry.meetingURL), SQLBind(entry.reception ? 1 : 0), SQLBind(ScheduleEntry.Status.draft.rawValue),
                        SQLBind(Instant.format(now)), SQLBind(Instant.format(now)), SQLBind(entry.agenda))
                .returning("id").first()
            var stored = entry
            stored.id = try row!.decode(column: "id", as: Int64.self)
            stored.status = .draft
            stored.version = 1
            try await Self.insertParticipants(stored, in: sql)
            try await AuditLog.append(.init(action: .create, objectType: "schedule_entry", objectID: String(stored.id), after: Self.audit(stored)),
                                      by: actor, in: sql, kind: kind)
            return stored
        }
    }

    static func insertParticipants(_ entry: ScheduleEntry, in sql: any SQLDatabase) async throws {
        for person in Set(entry.participants) {
            try await sql.insert(into: "schedule_participants").columns("entry_id", "person_id").values(SQLBind(entry.id), SQLBind(person)).run()
        }
        for unit in Set(entry.participantUnits) {
            try await sql.insert(into: "schedule_participants").columns("entry_id", "unit_id").values(SQLBind(entry.id), SQLBind(unit)).run()
        }
    }

    static func participants(_ id: Int64, in sql: any SQLDatabase) async throws -> ([Int64], [Int64]) {
        var people: [Int64] = [], units: [Int64] = []
        for r in try await sql.select().column("*").from("schedule_participants").where("entry_id", .equal, id).all() {
            if let p = try r.optional("person_id", as: Int64.self) { people.append(p) }
            if let u = try r.optional("unit_id", as: Int64.self) { units.append(u) }
        }
        return (people.sorted(), units.sorted())
    }

    /// One entry with its participants.
    public func get(_ id: Int64) async throws -> ScheduleEntry? {
        try await database.read { sql in
            guard var entry = try await sql.select().column("*").from("schedule_entries").where("id", .equal, id).first().map(Self.decode) else { return nil }
            (entry.participants, entry.participantUnits) = try await Self.participants(id, in: sql)
            return entry
        }
    }

    /// The people taking part in a published entry, and the participant units of a meeting (their
    /// nearest leaders and office), hear of it, again after each change: the key's occasion is the
    /// entry's SEQUENCE.
    static func invite(_ ids: [Int64], at now: Date, in sql: any SQLDatabase) async throws {
        for id in ids {
            guard var e = try await sql.select().column("*").from("schedule_entries").where("id", .equal, id).first().map(decode) else { continue }
            (e.participants, e.participantUnits) = try await participants(id, in: sql)
            guard e.status != .draft else { continue }
            // The unit's own people taking part hear of it as well.
            let subject = "\(e.content) · \(e.day.vietnamese) \(e.start)" + (e.status == .cancelled ? " ✗" : "")
            if !e.participants.isEmpty {
                try await NotificationStore.raise(NotificationDraft(key: NotificationKey(.meetingInvitation, recordType: "schedule_entry", recordID: id,
                                                                                         occasion: "people/\(e.sequence)"),
                                                                    unitID: e.unitID, params: ["subject": subject], link: "/schedules/\(id)"),
                                                  toPeople: e.participants, at: now, in: sql)
            }
            guard e.isMeeting else { continue }
            let units = try await sql.select().column("id").column("path").from("units").where("id", .in, SQLBind.group(e.participantUnits)).all()
            for u in units {
                let unitID = try u.decode(column: "id", as: Int64.self), path = try u.decode(column: "path", as: String.self)
                let people = try await NotificationStore.nearest([.leader, .unitAdmin], over: [path], in: sql)
                try await NotificationStore.raise(NotificationDraft(key: NotificationKey(.meetingInvitation, recordType: "schedule_entry", recordID: id,
                                                                                         occasion: "\(unitID)/\(e.sequence)"),
                                                                    unitID: unitID, params: ["subject": subject], link: "/schedules/\(id)"),
                                                  toPeople: people, at: now, in: sql)
            }
        }
    }

    /// Changes an entry read at `version`. A draft changes quietly; a published one raises its
    /// SEQUENCE and keeps the change (which fields, who, when) for everyone to see.
    public func update(_ entry: ScheduleEntry, version: Int, by actor: Actor, at now: Date = Date()) async throws -> ScheduleEntry {
        let kind = database.kind
        return try await database.write { sql in
            guard var old = try await sql.select().column("*").from("schedule_entries").where("id", .equal, entry.id).first().map(Self.decode) else {
                throw StoreError.notFound("schedule_entry")
            }
            (old.participants, old.participantUnits) = try await Self.participants(entry.id, in: sql)
            guard old.version == version else { throw StoreError.conflict(field: "version", key: "schedule_changed") }
            guard old.status != .cancelled else { throw StoreError.conflict(field: "status", key: "schedule_cancelled") }
            var new = entry
            new.unitID = old.unitID
            new.status = old.status
            let fields = ScheduleEntry.changes(from: old, to: new)
            if fields.isEmpty { return old }
            new.sequence = old.status == .published ? old.sequence + 1 : old.sequence
            new.version = old.version + 1
            try await sql.update("schedule_entries").set("day", to: new.day.description).set("start_time", to: new.start.description)
                .set("end_time", to: new.end.description).set("content", to: new.content).set("place", to: new.place).set("chair_id", to: new.chairID)
                .set("preparing_unit_id", to: new.preparingUnitID).set("away", to: new.away ? 1 : 0).set("meeting_url", to: new.meetingURL)
                .set("reception", to: new.reception ? 1 : 0).set("agenda", to: new.agenda).set("sequence", to: new.sequence).set("version", to: new.version)
                .set("updated_at", to: Instant.format(now)).where("id", .equal, entry.id).run()
            if fields.contains("participants") {
                try await sql.delete(from: "schedule_participants").where("entry_id", .equal, entry.id).run()
                try await Self.insertParticipants(new, in: sql)
            }
            if old.status == .published {
                try await Self.recordChange(entry.id, fields: fields, before: old, after: new, at: now, by: actor, in: sql)
                try await Self.invite([entry.id], at: now, in: sql)
            }
            try await AuditLog.append(.init(action: .update, objectType: "schedule_entry", objectID: String(entry.id), before: Self.audit(old),
                                            after: Self.audit(new)), by: actor, in: sql, kind: kind)
            return new
        }
    }

    static func recordChange(_ id: Int64, fields: [String], before: ScheduleEntry, after: ScheduleEntry, at now: Date, by actor: Actor,
                             in sql: any SQLDatabase) async throws {
        try await sql.insert(into: "schedule_changes").columns("entry_id", "at", "actor_name", "fields", "before_json", "after_json")
            .values(SQLBind(id), SQLBind(Instant.format(now)), SQLBind(actor.name), SQLBind(fields.joined(separator: ",")), SQLBind(audit(before)),
                    SQLBind(audit(after))).run()
    }

    /// Publishes the unit's drafts of a week: from now on they are public and changes are kept.
    @discardableResult
    public func publish(unitID: Int64, week: DutyWeek, by actor: Actor, at now: Date = Date()) async throws -> Int {
        let kind = database.kind
        return try await database.write { sql in
            let drafts = try await sql.select().column("id").from("schedule_entries").where("unit_id", .equal, unitID)
                .where("day", .greaterThanOrEqual, SQLBind(week.start.description)).where("day", .lessThan, SQLBind(week.next.start.description))
                .where("status", .equal, SQLLiteral.string(ScheduleEntry.Status.draft.rawValue)).all().map { try $0.decode(column: "id", as: Int64.self) }
            guard !drafts.isEmpty else { return 0 }
            try await sql.update("schedule_entries").set("status", to: ScheduleEntry.Status.published.rawValue).set("published_at", to: Instant.format(now))
                .set(SQLIdentifier("version"), to: SQLRaw("version + 1")).where("id", .in, SQLBind.group(drafts)).run()
            try await AuditLog.append(.init(action: .update, objectType: "schedule_week", objectID: "\(unitID)/\(week.start)",
                                            after: AuditJSON.encode(["published": String(drafts.count)])), by: actor, in: sql, kind: kind)
            try await Self.invite(drafts, at: now, in: sql)
            return drafts.count
        }
    }

    /// Calls off a published entry (it stays, marked cancelled, with the reason in its history).
    public func cancel(_ id: Int64, reason: String, by actor: Actor, at now: Date = Date()) async throws {
        let r = reason.tidied
        if r.count < 3 { throw ValidationErrors([FieldError("reason", "required")]) }
        let kind = database.kind
        try await database.write { sql in
            guard let old = try await sql.select().column("*").from("schedule_entries").where("id", .equal, id).first().map(Self.decode) else {
                throw StoreError.notFound("schedule_entry")
            }
            guard old.status == .published else { throw StoreError.conflict(field: "status", key: "schedule_not_published") }
            var new = old
            new.status = .cancelled
            new.sequence += 1
            try await sql.update("schedule_entries").set("status", to: new.status.rawValue).set("sequence", to: new.sequence)
                .set(SQLIdentifier("version"), to: SQLRaw("version + 1")).set("updated_at", to: Instant.format(now)).where("id", .equal, id).run()
            try await Self.recordChange(id, fields: ["status"], before: old, after: new, at: now, by: actor, in: sql)
            try await Self.invite([id], at: now, in: sql)
            try await AuditLog.append(.init(action: .update, objectType: "schedule_entry", objectID: String(id), before: Self.audit(old),
                                            after: Self.audit(new), reason: r), by: actor, in: sql, kind: kind)
        }
    }

    /// A unit's entries of a week in order (`publicOnly`: published and cancelled, never drafts).
    public func week(unitID: Int64, week: DutyWeek, publicOnly: Bool) async throws -> [ScheduleEntry] {
        try await database.read { sql in
            var q = sql.select().column("*").from("schedule_entries").where("unit_id", .equal, unitID)
                .where("day", .greaterThanOrEqual, SQLBind(week.start.description)).where("day", .lessThan, SQLBind(week.next.start.description))
            if publicOnly { q = q.where("status", .notEqual, SQLLiteral.string(ScheduleEntry.Status.draft.rawValue)) }
            var entries = try await q.orderBy("day").orderBy("start_time").orderBy("id").all().map(Self.decode)
            let ids = entries.map(\.id)
            guard !ids.isEmpty else { return entries }
            var people: [Int64: [Int64]] = [:], units: [Int64: [Int64]] = [:]
            for r in try await sql.select().column("*").from("schedule_participants").where("entry_id", .in, SQLBind.group(ids)).all() {
                let entry = try r.decode(column: "entry_id", as: Int64.self)
                if let p = try r.optional("person_id", as: Int64.self) { people[entry, default: []].append(p) }
                if let u = try r.optional("unit_id", as: Int64.self) { units[entry, default: []].append(u) }
            }
            for i in entries.indices {
                entries[i].participants = (people[entries[i].id] ?? []).sorted()
                entries[i].participantUnits = (units[entries[i].id] ?? []).sorted()
            }
            return entries
        }
    }

    /// What a public page of the unit's entries in [from, to) was built from, in one cheap query: the
    /// unit (by its code) and its entries' count, highest id and summed versions (every create,
    /// change, publication and cancellation moves one of them). nil for an unknown code. A page kept
    /// under this stamp is still true, on this server or another.
    public func stamp(unitCode: String, from: Day, to: Day) async throws -> String? {
        try await database.read { sql in
            try await sql.raw("""
                SELECT u.id AS id, COUNT(e.id) AS n, COALESCE(MAX(e.id), 0) AS m, COALESCE(SUM(e.version), 0) AS v
                FROM units u LEFT JOIN schedule_entries e ON e.unit_id = u.id AND e.day >= \(bind: from.description) AND e.day < \(bind: to.description)
                WHERE u.code = \(bind: unitCode) GROUP BY u.id
                """).first().map { r in
                try ["id", "n", "m", "v"].map { String(try r.decode(column: $0, as: Int64.self)) }.joined(separator: "-")
            }
        }
    }

    /// A published entry's changes, oldest first.
    public func changes(_ id: Int64) async throws -> [ScheduleChange] {
        try await database.read { sql in
            try await sql.select().column("*").from("schedule_changes").where("entry_id", .equal, id).orderBy("id").all().map { r in
                ScheduleChange(at: try r.instant("at"), actorName: try r.decode(column: "actor_name", as: String.self),
                               fields: try r.decode(column: "fields", as: String.self).split(separator: ",").map(String.init))
            }
        }
    }

    /// A leader's published entries of a day, in order (their home card).
    public func chaired(by chairID: Int64, on day: Day) async throws -> [ScheduleEntry] {
        try await database.read { sql in
            try await sql.select().column("*").from("schedule_entries").where("chair_id", .equal, chairID).where("day", .equal, day.description)
                .where("status", .equal, SQLLiteral.string(ScheduleEntry.Status.published.rawValue)).orderBy("start_time").all().map(Self.decode)
        }
    }

    /// The days a leader holds published citizen reception sessions in [from, to].
    public func receptionDays(chairID: Int64, from: Day, to: Day) async throws -> Set<Day> {
        try await database.read { sql in
            Set(try await sql.select().column("day").from("schedule_entries").where("chair_id", .equal, chairID).where("reception", .equal, SQLBind(1))
                .where("status", .equal, SQLLiteral.string(ScheduleEntry.Status.published.rawValue))
                .where("day", .greaterThanOrEqual, SQLBind(from.description)).where("day", .lessThanOrEqual, SQLBind(to.description))
                .all().map { try $0.requiredDay("day") })
        }
    }

    /// What leaders' published entries away from the office excuse, per person, in [from, to).
    public func excuses(personIDs: [Int64], from: Date, to: Date) async throws -> [Int64: [Excuse]] {
        guard !personIDs.isEmpty else { return [:] }
        let first = Day(from, in: CivilTime.vietnam), last = Day(to, in: CivilTime.vietnam)
        return try await database.read { sql in
            let entries = try await sql.select().column("*").from("schedule_entries").where("chair_id", .in, SQLBind.group(personIDs))
                .where("away", .equal, SQLBind(1)).where("status", .equal, SQLLiteral.string(ScheduleEntry.Status.published.rawValue))
                .where("day", .greaterThanOrEqual, SQLBind(first.description)).where("day", .lessThanOrEqual, SQLBind(last.description))
                .all().map(Self.decode)
            var out: [Int64: [Excuse]] = [:]
            for e in entries {
                if let chair = e.chairID, let excuse = e.excuse, excuse.to > from, excuse.from < to { out[chair, default: []].append(excuse) }
            }
            return out
        }
    }

    // MARK: Regular reception days

    static func decodeReceptionDay(_ r: any SQLRow) throws -> ReceptionDay {
        guard let start = ClockTime(try r.decode(column: "start_time", as: String.self)),
              let end = ClockTime(try r.decode(column: "end_time", as: String.self)) else { throw CorruptRow(column: "start_time") }
        return ReceptionDay(id: try r.decode(column: "id", as: Int64.self), unitID: try r.decode(column: "unit_id", as: Int64.self),
                            chairID: try r.decode(column: "chair_id", as: Int64.self), weekday: try r.decode(column: "weekday", as: Int.self),
                            nth: try r.decode(column: "nth", as: Int.self), start: start, end: end, place: try r.decode(column: "place", as: String.self),
                            validFrom: try r.requiredDay("valid_from"), validTo: try r.day("valid_to"))
    }

    static func audit(_ d: ReceptionDay) -> String {
        AuditJSON.encode(["chair_id": String(d.chairID), "weekday": String(d.weekday), "nth": String(d.nth), "start": d.start.description,
                          "end": d.end.description, "place": d.place, "valid_from": d.validFrom.description, "valid_to": d.validTo?.description ?? ""])
    }

    /// A leader's regular reception day, in force from its `validFrom`.
    @discardableResult
    public func addReceptionDay(_ d: ReceptionDay, by actor: Actor) async throws -> ReceptionDay {
        let kind = database.kind
        return try await database.write { sql in
            let row = try await sql.insert(into: "reception_days")
                .columns("unit_id", "chair_id", "weekday", "nth", "start_time", "end_time", "place", "valid_from")
                .values(SQLBind(d.unitID), SQLBind(d.chairID), SQLBind(d.weekday), SQLBind(d.nth), SQLBind(d.start.description), SQLBind(d.end.description),
                        SQLBind(d.place), SQLBind(d.validFrom.description))
                .returning("id").first()
            var stored = d
            stored.id = try row!.decode(column: "id", as: Int64.self)
            try await AuditLog.append(.init(action: .create, objectType: "reception_day", objectID: String(stored.id), after: Self.audit(stored)),
                                      by: actor, in: sql, kind: kind)
            return stored
        }
    }

    /// Ends a regular reception day after `last` (kept, dated; the days before stay as they were).
    public func endReceptionDay(_ id: Int64, unitID: Int64, after last: Day, by actor: Actor) async throws {
        let kind = database.kind
        try await database.write { sql in
            guard let old = try await sql.select().column("*").from("reception_days").where("id", .equal, id).where("unit_id", .equal, unitID).first()
                .map(Self.decodeReceptionDay) else { throw StoreError.notFound("reception_day") }
            guard old.validTo == nil else { throw StoreError.conflict(field: "rule", key: "reception_day_ended") }
            var new = old
            new.validTo = max(last, old.validFrom)
            try await sql.update("reception_days").set("valid_to", to: new.validTo!.description).where("id", .equal, id).run()
            try await AuditLog.append(.init(action: .update, objectType: "reception_day", objectID: String(id), before: Self.audit(old), after: Self.audit(new)),
                                      by: actor, in: sql, kind: kind)
        }
    }

    /// The unit's regular reception days (the rules, not the sessions) in force on or after `day`, by leader and weekday.
    public func regularReceptionDays(unitID: Int64, inForceFrom day: Day) async throws -> [ReceptionDay] {
        try await database.read { sql in
            try await sql.select().column("*").from("reception_days").where("unit_id", .equal, unitID)
                .where { $0.where("valid_to", .is, SQLLiteral.null).orWhere("valid_to", .greaterThanOrEqual, SQLBind(day.description)) }
                .orderBy("chair_id").orderBy("weekday").all().map(Self.decodeReceptionDay)
        }
    }

    /// Drafts the week's reception sessions from the unit's regular days: one entry per session the
    /// calendar works, unless the leader already has a reception entry that day. Returns those made.
    public func draftReceptions(unitID: Int64, week: DutyWeek, calendar: WorkCalendar, content: String, by actor: Actor) async throws -> [ScheduleEntry] {
        let rules = try await regularReceptionDays(unitID: unitID, inForceFrom: week.start)
        let existing = try await self.week(unitID: unitID, week: week, publicOnly: false).filter { $0.reception && $0.status != .cancelled }
        var made: [ScheduleEntry] = []
        for rule in rules {
            for day in rule.sessions(in: week, calendar: calendar) where !existing.contains(where: { $0.day == day && $0.chairID == rule.chairID }) {
                let entry = ScheduleEntry(unitID: unitID, day: day, start: rule.start, end: rule.end, content: content, place: rule.place, chairID: rule.chairID,
                                          reception: true)
                made.append(try await create(entry, by: actor))
            }
        }
        return made
    }
}
