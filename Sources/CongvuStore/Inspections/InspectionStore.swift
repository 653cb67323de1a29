import CongvuDomain
import Foundation
import SQLKit

/// A visit as stored, with the inspected unit's name and path.
public struct InspectionVisit: Sendable, Equatable {
    public var id: Int64
    public var bodyID: Int64
    public var planID: Int64?
    public var unitID: Int64
    public var unitName: String
    public var unitPath: String
    public var kind: InspectionKind
    public var status: VisitStatus
    public var checklistID: Int64
    public var year: Int
    public var plannedFor: Day?
    public var week: DutyWeek?
    public var startedAt: Date?
    public var endedAt: Date?
    public var leaderID: Int64?
    public var representative: String
    public var conclusions: String
    public var number: Int?
    public var contentHash: String?
    public var finalisedAt: Date?
    public var finalisedBy: String
    public var createdBy: String
    public var version: Int
    /// For a re-inspection: the visit whose open recommendations it checks.
    public var followsID: Int64?

    /// The day the visit happened, or is planned for.
    public var day: Day? { startedAt.map { Day($0, in: CivilTime.vietnam) } ?? plannedFor }
}

/// One person on a visit's roll: their attendance state at the minute the visit started, the
/// inspector's mark and what follows from it.
public struct RollLine: Sendable, Equatable, Codable {
    public var personID: Int64
    public var unitID: Int64
    public var fullName: String
    public var title: String
    public var state: Presence.State
    /// Arrival time, or the notice being served, as the attendance pages word it.
    public var detail: String
    public var sighting: Sighting?
    public var finding: RollFinding?
    public var markedAt: Date?

    public init(personID: Int64, unitID: Int64, fullName: String, title: String, state: Presence.State, detail: String,
                sighting: Sighting? = nil, finding: RollFinding? = nil, markedAt: Date? = nil) {
        self.personID = personID
        self.unitID = unitID
        self.fullName = fullName
        self.title = title
        self.state = state
        self.detail = detail
        self.sighting = sighting
        self.finding = finding
        self.markedAt = markedAt
    }
}

extension Presence.State: Codable {}

/// A checklist item's answer on a visit.
public struct ItemAnswer: Sendable, Equatable, Codable {
    public var code: String
    public var result: ItemResult
    public var note: String
    public var markedAt: Date
    public var markedBy: String
}

/// A photo taken on a visit (stored once by SHA-256 in the file store).
public struct VisitPhoto: Sendable, Equatable, Codable {
    public var id: Int64
    public var code: String
    public var sha256: String
    public var ext: String
    public var size: Int
    public var takenAt: Date
    public var takenBy: String
}

/// A violating individual of finalised minutes, with their explanation case.
public struct VisitViolation: Sendable, Equatable {
    public var personID: Int64
    public var fullName: String
    public var title: String
    public var kind: RollFinding
    public var at: Date
    public var explanationID: Int64?
    public var explanationStatus: Explanation.Status?
}

/// A recommendation, with its corrective task once the minutes are finalised.
public struct VisitRecommendation: Sendable, Equatable {
    public var id: Int64
    public var text: String
    public var ownerID: Int64
    public var ownerName: String
    public var due: Day
    public var taskID: Int64?
    public var taskStatus: WorkTask.Status?
}

/// Everything the visit page and the minutes show.
public struct VisitRecord: Sendable {
    public var visit: InspectionVisit
    public var checklist: Checklist
    public var roll: [RollLine]
    public var answers: [ItemAnswer]
    public var photos: [VisitPhoto]
    public var violations: [VisitViolation]
    public var recommendations: [VisitRecommendation]
    public var addenda: [DutyBook.Addendum]

    /// What still stops the minutes from being finalised: people not marked, items not answered.
    public var unmarked: [RollLine] { roll.filter { InspectionRoll.needsMark($0.state) && $0.sighting == nil } }
    public var unanswered: [ChecklistItem] {
        let done = Set(answers.map(\.code))
        return checklist.items.filter { !done.contains($0.code) }
    }
}

/// A violation the minutes will name: who, what, when (from the roll).
public struct PendingViolation: Sendable, Equatable {
    public var personID: Int64
    public var kind: RollFinding
}

/// Inspections of discipline (issue 21): checklists as dated versions, plans, visits with the roll
/// taken at their start and the inspector's marks, item answers with photos, minutes finalised
/// once (content hash in the audit chain; later corrections are dated addenda), violations opening
/// explanation cases, recommendations becoming corrective tasks; coverage; the duty roster.
public struct InspectionStore: Sendable {
    let database: Database

    public init(database: Database) { self.database = database }

    // MARK: Checklists

    static func decodeChecklist(_ row: any SQLRow) throws -> Checklist {
        let json = try row.decode(column: "items", as: String.self)
        guard let items = try? JSONDecoder().decode([ChecklistItem].self, from: Data(json.utf8)) else { throw CorruptRow(column: "items") }
        return Checklist(id: try row.decode(column: "id", as: Int64.self), unitID: try row.decode(column: "unit_id", as: Int64.self),
                         version: try row.decode(column: "version", as: Int.self), items: items,
                         short: try row.decode(column: "short", as: Int.self) != 0)
    }

    static func encode(_ items: [ChecklistItem]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: (try? encoder.encode(items)) ?? Data("[]".utf8), as: UTF8.self)
    }

    /// The checklist a body's visits use now: the latest version of the nearest unit at or above it
    /// that has one; the default (Directive 26, or the duty unit's short list) is stored at the body
    /// the first time none exists.
    public func currentChecklist(body: OrgUnit, short: Bool = false, by actor: Actor) async throws -> Checklist {
        let kind = database.kind
        return try await database.write { sql in
            if let found = try await Self.nearestChecklist(path: body.path, short: short, in: sql) { return found }
            return try await Self.insertChecklist(unitID: body.id, items: short ? Checklist.dutyShort : Checklist.directive26, short: short,
                                                  by: actor, in: sql, kind: kind)
        }
    }

    static func nearestChecklist(path: String, short: Bool, in sql: any SQLDatabase) async throws -> Checklist? {
        let ancestors = OrgUnit.ids(inPath: path)
        guard !ancestors.isEmpty else { return nil }
        let rows = try await sql.select().column("*").from("inspection_checklists")
            .where("unit_id", .in, SQLBind.group(ancestors)).where("short", .equal, SQLBind(short ? 1 : 0))
            .orderBy("version", .descending).all().map(decodeChecklist)
        // The nearest unit first (the deepest ancestor), then its latest version.
        for id in ancestors.reversed() { if let c = rows.first(where: { $0.unitID == id }) { return c } }
        return nil
    }

    /// Stores a new version of a unit's checklist (the items checked first); old minutes keep theirs.
    public func saveChecklist(unitID: Int64, items: [ChecklistItem], short: Bool = false, by actor: Actor) async throws -> Checklist {
        let tidy = try Checklist.validate(items)
        let kind = database.kind
        return try await database.write { sql in try await Self.insertChecklist(unitID: unitID, items: tidy, short: short, by: actor, in: sql, kind: kind) }
    }

    static func insertChecklist(unitID: Int64, items: [ChecklistItem], short: Bool, by actor: Actor, in sql: any SQLDatabase,
                                kind: DatabaseKind) async throws -> Checklist {
        let last = try await sql.select().column(SQLFunction("MAX", args: SQLIdentifier("version")), as: "v").from("inspection_checklists")
            .where("unit_id", .equal, unitID).where("short", .equal, SQLBind(short ? 1 : 0)).first()
        let version = (try last?.optional("v", as: Int.self) ?? 0) + 1
        let row = try await sql.insert(into: "inspection_checklists").columns("unit_id", "short", "version", "items", "created_at", "created_by")
            .values(SQLBind(unitID), SQLBind(short ? 1 : 0), SQLBind(version), SQLBind(encode(items)), SQLBind(Instant.now()), SQLBind(actor.name))
            .returning("id").first()
        let c = Checklist(id: try row!.decode(column: "id", as: Int64.self), unitID: unitID, version: version, items: items, short: short)
        try await AuditLog.append(.init(action: .create, objectType: "inspection_checklist", objectID: String(c.id),
                                        after: AuditJSON.encode(["unit_id": String(unitID), "version": String(version), "items": String(items.count)])),
                                  by: actor, in: sql, kind: kind)
        return c
    }

    public func checklist(_ id: Int64) async throws -> Checklist? {
        try await database.read { sql in try await sql.select().column("*").from("inspection_checklists").where("id", .equal, id).first().map(Self.decodeChecklist) }
    }

    // MARK: Visits

    static func decodeVisit(_ row: any SQLRow) throws -> InspectionVisit {
        guard let kind = InspectionKind(rawValue: try row.decode(column: "kind", as: String.self)) else { throw CorruptRow(column: "kind") }
        guard let status = VisitStatus(rawValue: try row.decode(column: "status", as: String.self)) else { throw CorruptRow(column: "status") }
        return InspectionVisit(
            id: try row.decode(column: "id", as: Int64.self), bodyID: try row.decode(column: "body_id", as: Int64.self),
            planID: try row.optional("plan_id", as: Int64.self), unitID: try row.decode(column: "unit_id", as: Int64.self),
            unitName: try row.decode(column: "unit_name", as: String.self), unitPath: try row.decode(column: "unit_path", as: String.self),
            kind: kind, status: status, checklistID: try row.decode(column: "checklist_id", as: Int64.self), year: try row.decode(column: "year", as: Int.self),
            plannedFor: try row.day("planned_for"), week: try row.day("week_start").map { DutyWeek(containing: $0) },
            startedAt: try row.optionalInstant("started_at"), endedAt: try row.optionalInstant("ended_at"),
            leaderID: try row.optional("leader_id", as: Int64.self), representative: try row.decode(column: "representative", as: String.self),
            conclusions: try row.decode(column: "conclusions", as: String.self), number: try row.optional("number", as: Int.self),
            contentHash: try row.optional("content_hash", as: String.self), finalisedAt: try row.optionalInstant("finalised_at"),
            finalisedBy: try row.optional("finalised_by", as: String.self) ?? "", createdBy: try row.decode(column: "created_by", as: String.self),
            version: try row.decode(column: "version", as: Int.self), followsID: try row.optional("follows_id", as: Int64.self))
    }

    static func selectVisits(_ sql: any SQLDatabase) -> SQLSelectBuilder {
        sql.select().column(SQLRaw("v.*")).column(col("u.name"), as: "unit_name").column(col("u.path"), as: "unit_path")
            .from(SQLAlias(SQLIdentifier("inspection_visits"), as: SQLIdentifier("v")))
            .join(SQLAlias(SQLIdentifier("units"), as: SQLIdentifier("u")), on: SQLRaw("u.id = v.unit_id"))
    }

    /// A new visit, planned (for a day) or unannounced (started at once by `start`), or a duty check.
    public func create(bodyID: Int64, unitID: Int64, kind: InspectionKind, checklistID: Int64, plannedFor: Day?, week: DutyWeek? = nil,
                       planID: Int64? = nil, follows: Int64? = nil, year: Int, by actor: Actor) async throws -> Int64 {
        let dbKind = database.kind
        return try await database.write { sql in
            let row = try await sql.insert(into: "inspection_visits")
                .columns("body_id", "plan_id", "unit_id", "kind", "status", "checklist_id", "year", "planned_for", "week_start", "follows_id", "created_at",
                         "created_by")
                .values(SQLBind(bodyID), SQLBind(planID), SQLBind(unitID), SQLBind(kind.rawValue), SQLBind(VisitStatus.planned.rawValue), SQLBind(checklistID),
                        SQLBind(year), SQLBind(plannedFor?.description), SQLBind(week?.start.description), SQLBind(follows), SQLBind(Instant.now()),
                        SQLBind(actor.name))
                .returning("id").first()
            let id = try row!.decode(column: "id", as: Int64.self)
            try await AuditLog.append(.init(action: .create, objectType: "inspection_visit", objectID: String(id),
                                            after: AuditJSON.encode(["unit_id": String(unitID), "kind": kind.rawValue, "body_id": String(bodyID),
                                                                     "planned_for": plannedFor?.description ?? "",
                                                                     "follows": follows.map(String.init) ?? ""])),
                                      by: actor, in: sql, kind: dbKind)
            return id
        }
    }

    public func visit(_ id: Int64) async throws -> InspectionVisit? {
        try await database.read { sql in try await Self.selectVisits(sql).where(col("v.id"), .equal, SQLBind(id)).first().map(Self.decodeVisit) }
    }

    /// Visits of units in `scopes` (the inspectors': every visit; `finalisedOnly` for the inspected
    /// units, who see minutes once they are locked), newest first.
    public func visits(scopes: [String], finalisedOnly: Bool, year: Int? = nil, limit: Int = 300) async throws -> [InspectionVisit] {
        try await database.read { sql in
            var q = Self.selectVisits(sql).within(scopes: scopes, column: col("u.path"))
            if finalisedOnly { q = q.where(col("v.status"), .equal, SQLLiteral.string(VisitStatus.finalised.rawValue)) }
            if let year { q = q.where(col("v.year"), .equal, SQLBind(year)) }
            return try await q.orderBy(SQLOrderBy(expression: SQLRaw("COALESCE(v.started_at, v.planned_for)"), direction: SQLDirection.descending)).orderBy(SQLOrderBy(expression: col("v.id"), direction: SQLDirection.descending))
                .limit(limit).all().map(Self.decodeVisit)
        }
    }

    func requireStatus(_ id: Int64, _ status: VisitStatus, in sql: any SQLDatabase) async throws {
        guard let row = try await sql.select().column("status").from("inspection_visits").where("id", .equal, id).first() else {
            throw StoreError.notFound("inspection_visit")
        }
        guard try row.decode(column: "status", as: String.self) == status.rawValue else {
            throw StoreError.conflict(field: "status", key: status == .open ? "visit_not_open" : "visit_not_planned")
        }
    }

    /// Starts a planned visit at `at`: the roll (computed by the caller from attendance at that
    /// minute) is stored, and from now on the inspected unit may learn of it.
    public func start(_ id: Int64, at: Date, leaderID: Int64?, roll: [RollLine], by actor: Actor) async throws {
        let kind = database.kind
        try await database.write { sql in
            try await requireStatus(id, .planned, in: sql)
            try await sql.update("inspection_visits").set("status", to: VisitStatus.open.rawValue).set("started_at", to: Instant.format(at))
                .set("leader_id", to: leaderID).set(SQLIdentifier("version"), to: SQLRaw("version + 1")).where("id", .equal, id).run()
            for start in stride(from: 0, to: roll.count, by: 100) {
                let chunk = roll[start..<min(start + 100, roll.count)]
                var insert = sql.insert(into: "inspection_roll").columns("visit_id", "person_id", "unit_id", "full_name", "title", "state", "detail")
                for r in chunk {
                    insert = insert.values(SQLBind(id), SQLBind(r.personID), SQLBind(r.unitID), SQLBind(r.fullName), SQLBind(r.title),
                                           SQLBind(r.state.rawValue), SQLBind(r.detail))
                }
                try await insert.run()
            }
            try await AuditLog.append(.init(action: .update, objectType: "inspection_visit", objectID: String(id),
                                            after: AuditJSON.encode(["status": "open", "started_at": Instant.format(at), "roll": String(roll.count)])),
                                      by: actor, in: sql, kind: kind)
        }
    }

    /// The inspector's mark of one person (the last mark counts; each is audited).
    @discardableResult
    public func mark(_ id: Int64, personID: Int64, sighting: Sighting, at: Date = Date(), by actor: Actor) async throws -> RollFinding? {
        let kind = database.kind
        return try await database.write { sql in
            try await requireStatus(id, .open, in: sql)
            guard let row = try await sql.select().column("state").column("sighting").from("inspection_roll").where("visit_id", .equal, id)
                .where("person_id", .equal, personID).first(),
                  let state = Presence.State(rawValue: try row.decode(column: "state", as: String.self)) else { throw StoreError.notFound("person") }
            let before = try row.optional("sighting", as: String.self) ?? ""
            let finding = InspectionRoll.finding(state: state, sighting: sighting)
            try await sql.update("inspection_roll").set("sighting", to: sighting.rawValue).set("finding", to: finding?.rawValue)
                .set("marked_at", to: Instant.format(at)).set("marked_by", to: actor.name)
                .where("visit_id", .equal, id).where("person_id", .equal, personID).run()
            try await AuditLog.append(.init(action: .update, objectType: "inspection_roll", objectID: "\(id)/\(personID)",
                                            before: before, after: sighting.rawValue), by: actor, in: sql, kind: kind)
            return finding
        }
    }

    /// An item's answer (the last counts; each audited). The item must be on the visit's checklist.
    public func answer(_ id: Int64, code: String, result: ItemResult, note: String, at: Date = Date(), by actor: Actor) async throws {
        let kind = database.kind
        let note = note.tidied
        if note.count > 1000 { throw ValidationErrors([FieldError("note", "too_long")]) }
        try await database.write { sql in
            try await requireStatus(id, .open, in: sql)
            let checklist = try await sql.select().column(SQLRaw("c.*")).from(SQLAlias(SQLIdentifier("inspection_checklists"), as: SQLIdentifier("c")))
                .join(SQLAlias(SQLIdentifier("inspection_visits"), as: SQLIdentifier("v")), on: SQLRaw("v.checklist_id = c.id"))
                .where(col("v.id"), .equal, SQLBind(id)).first().map(Self.decodeChecklist)
            guard checklist?.items.contains(where: { $0.code == code }) == true else {
                throw ValidationErrors([FieldError("items", "checklist_item_unknown")])
            }
            let before = try await sql.select().column("result").from("inspection_results").where("visit_id", .equal, id).where("code", .equal, code).first()
            if before == nil {
                try await sql.insert(into: "inspection_results").columns("visit_id", "code", "result", "note", "marked_at", "marked_by")
                    .values(SQLBind(id), SQLBind(code), SQLBind(result.rawValue), SQLBind(note), SQLBind(Instant.format(at)), SQLBind(actor.name)).run()
            } else {
                try await sql.update("inspection_results").set("result", to: result.rawValue).set("note", to: note)
                    .set("marked_at", to: Instant.format(at)).set("marked_by", to: actor.name).where("visit_id", .equal, id).where("code", .equal, code).run()
            }
            try await AuditLog.append(.init(action: .update, objectType: "inspection_result", objectID: "\(id)/\(code)",
                                            before: try before?.decode(column: "result", as: String.self) ?? "",
                                            after: AuditJSON.encode(["result": result.rawValue, "note": note])), by: actor, in: sql, kind: kind)
        }
    }

    /// A photo from the phone, already written to the file store; the same picture twice is one.
    public func addPhoto(_ id: Int64, code: String, sha256: String, ext: String, size: Int, at: Date = Date(), by actor: Actor) async throws {
        let kind = database.kind
        try await database.write { sql in
            try await requireStatus(id, .open, in: sql)
            if try await sql.select().column("id").from("inspection_photos").where("visit_id", .equal, id).where("sha256", .equal, sha256).first() != nil { return }
            try await sql.insert(into: "inspection_photos").columns("visit_id", "code", "sha256", "ext", "size", "taken_at", "taken_by")
                .values(SQLBind(id), SQLBind(code), SQLBind(sha256), SQLBind(ext), SQLBind(size), SQLBind(Instant.format(at)), SQLBind(actor.name)).run()
            try await AuditLog.append(.init(action: .create, objectType: "inspection_photo", objectID: "\(id)/\(sha256)",
                                            after: AuditJSON.encode(["code": code, "size": String(size)])), by: actor, in: sql, kind: kind)
        }
    }

    /// The representative of the unit and the team's conclusions, while the visit is open.
    public func setText(_ id: Int64, representative: String, conclusions: String, by actor: Actor) async throws {
        let kind = database.kind
        let rep = representative.tidied, con = conclusions.trimmingCharacters(in: .whitespacesAndNewlines)
        if rep.count > 200 { throw ValidationErrors([FieldError("representative", "too_long")]) }
        if con.count > 5000 { throw ValidationErrors([FieldError("conclusions", "too_long")]) }
        try await database.write { sql in
            try await requireStatus(id, .open, in: sql)
            try await sql.update("inspection_visits").set("representative", to: rep).set("conclusions", to: con)
                .set(SQLIdentifier("version"), to: SQLRaw("version + 1")).where("id", .equal, id).run()
            try await AuditLog.append(.init(action: .update, objectType: "inspection_visit", objectID: String(id),
                                            after: AuditJSON.encode(["representative": rep, "conclusions": con])), by: actor, in: sql, kind: kind)
        }
    }

    /// A recommendation of the minutes; its corrective task is created when they are finalised.
    public func recommend(_ id: Int64, _ r: Recommendation, by actor: Actor) async throws {
        let kind = database.kind
        try await database.write { sql in
            try await requireStatus(id, .open, in: sql)
            let row = try await sql.insert(into: "inspection_recommendations").columns("visit_id", "text", "owner_id", "due")
                .values(SQLBind(id), SQLBind(r.text), SQLBind(r.ownerID), SQLBind(r.due.description)).returning("id").first()
            try await AuditLog.append(.init(action: .create, objectType: "inspection_recommendation",
                                            objectID: String(try row!.decode(column: "id", as: Int64.self)),
                                            after: AuditJSON.encode(["visit_id": String(id), "text": r.text, "owner_id": String(r.ownerID), "due": r.due.description])),
                                      by: actor, in: sql, kind: kind)
        }
    }

    // MARK: Reading a visit

    public func record(_ id: Int64) async throws -> VisitRecord? {
        try await database.read { sql in try await Self.recordIn(id, sql: sql) }
    }

    static func roll(_ id: Int64, in sql: any SQLDatabase) async throws -> [RollLine] {
        try await sql.select().column("*").from("inspection_roll").where("visit_id", .equal, id).orderBy("full_name").orderBy("person_id").all().map { row in
            guard let state = Presence.State(rawValue: try row.decode(column: "state", as: String.self)) else { throw CorruptRow(column: "state") }
            return RollLine(personID: try row.decode(column: "person_id", as: Int64.self), unitID: try row.decode(column: "unit_id", as: Int64.self),
                            fullName: try row.decode(column: "full_name", as: String.self), title: try row.decode(column: "title", as: String.self),
                            state: state, detail: try row.decode(column: "detail", as: String.self),
                            sighting: try row.optional("sighting", as: String.self).flatMap(Sighting.init(rawValue:)),
                            finding: try row.optional("finding", as: String.self).flatMap(RollFinding.init(rawValue:)),
                            markedAt: try row.optionalInstant("marked_at"))
        }
    }

    static func answers(_ id: Int64, in sql: any SQLDatabase) async throws -> [ItemAnswer] {
        try await sql.select().column("*").from("inspection_results").where("visit_id", .equal, id).orderBy("code").all().map { row in
            guard let result = ItemResult(rawValue: try row.decode(column: "result", as: String.self)) else { throw CorruptRow(column: "result") }
            return ItemAnswer(code: try row.decode(column: "code", as: String.self), result: result, note: try row.decode(column: "note", as: String.self),
                              markedAt: try row.instant("marked_at"), markedBy: try row.decode(column: "marked_by", as: String.self))
        }
    }

    static func photos(_ id: Int64, in sql: any SQLDatabase) async throws -> [VisitPhoto] {
        try await sql.select().column("*").from("inspection_photos").where("visit_id", .equal, id).orderBy("id").all().map { row in
            VisitPhoto(id: try row.decode(column: "id", as: Int64.self), code: try row.decode(column: "code", as: String.self),
                       sha256: try row.decode(column: "sha256", as: String.self), ext: try row.decode(column: "ext", as: String.self),
                       size: try row.decode(column: "size", as: Int.self), takenAt: try row.instant("taken_at"), takenBy: try row.decode(column: "taken_by", as: String.self))
        }
    }

    static func violations(_ id: Int64, in sql: any SQLDatabase) async throws -> [VisitViolation] {
        try await sql.select().column(SQLRaw("x.*")).column(col("r.full_name")).column(col("r.title")).column(col("e.status"), as: "explanation_status")
            .from(SQLAlias(SQLIdentifier("inspection_violations"), as: SQLIdentifier("x")))
            .join(SQLAlias(SQLIdentifier("inspection_roll"), as: SQLIdentifier("r")), on: SQLRaw("r.visit_id = x.visit_id AND r.person_id = x.person_id"))
            .join(SQLAlias(SQLIdentifier("explanations"), as: SQLIdentifier("e")), method: SQLJoinMethod.left, on: SQLRaw("e.id = x.explanation_id"))
            .where(col("x.visit_id"), .equal, SQLBind(id)).orderBy(col("r.full_name")).all().map { row in
                guard let kind = RollFinding(rawValue: try row.decode(column: "kind", as: String.self)) else { throw CorruptRow(column: "kind") }
                return VisitViolation(personID: try row.decode(column: "person_id", as: Int64.self), fullName: try row.decode(column: "full_name", as: String.self),
                                      title: try row.decode(column: "title", as: String.self), kind: kind, at: try row.instant("at"),
                                      explanationID: try row.optional("explanation_id", as: Int64.self),
                                      explanationStatus: try row.optional("explanation_status", as: String.self).flatMap(Explanation.Status.init(rawValue:)))
            }
    }

    static func recommendations(_ id: Int64, in sql: any SQLDatabase) async throws -> [VisitRecommendation] {
        try await sql.select().column(SQLRaw("r.*")).column(col("p.full_name"), as: "owner_name").column(col("t.status"), as: "task_status")
            .from(SQLAlias(SQLIdentifier("inspection_recommendations"), as: SQLIdentifier("r")))
            .join(SQLAlias(SQLIdentifier("people"), as: SQLIdentifier("p")), on: SQLRaw("p.id = r.owner_id"))
            .join(SQLAlias(SQLIdentifier("tasks"), as: SQLIdentifier("t")), method: SQLJoinMethod.left, on: SQLRaw("t.id = r.task_id"))
            .where(col("r.visit_id"), .equal, SQLBind(id)).orderBy(col("r.id")).all().map { row in
                VisitRecommendation(id: try row.decode(column: "id", as: Int64.self), text: try row.decode(column: "text", as: String.self),
                                    ownerID: try row.decode(column: "owner_id", as: Int64.self), ownerName: try row.decode(column: "owner_name", as: String.self),
                                    due: try row.requiredDay("due"), taskID: try row.optional("task_id", as: Int64.self),
                                    taskStatus: try row.optional("task_status", as: String.self).flatMap(WorkTask.Status.init(rawValue:)))
            }
    }

    static func addenda(_ id: Int64, in sql: any SQLDatabase) async throws -> [DutyBook.Addendum] {
        try await sql.select().column("*").from("inspection_addenda").where("visit_id", .equal, id).orderBy("id").all().map { row in
            DutyBook.Addendum(at: try row.instant("at"), actorName: try row.decode(column: "actor_name", as: String.self),
                              text: try row.decode(column: "text", as: String.self))
        }
    }

    // MARK: Finalising

    /// What the minutes hold, in one canonical text: its SHA-256 is the content hash kept on the
    /// visit and in the audit chain. Recomputed from the rows, it proves nothing changed since.
    static func canonical(_ r: VisitRecord) -> String {
        struct Minutes: Encodable {
            var unit: Int64, kind: String, checklist: Int64, started: String, ended: String, number: Int?
            var representative: String, conclusions: String
            var roll: [[String]], answers: [[String]], photos: [String], violations: [[String]], recommendations: [[String]]
        }
        let m = Minutes(unit: r.visit.unitID, kind: r.visit.kind.rawValue, checklist: r.visit.checklistID,
                        started: r.visit.startedAt.map(Instant.format) ?? "", ended: r.visit.endedAt.map(Instant.format) ?? "", number: r.visit.number,
                        representative: r.visit.representative, conclusions: r.visit.conclusions,
                        roll: r.roll.map { [String($0.personID), $0.state.rawValue, $0.sighting?.rawValue ?? "", $0.finding?.rawValue ?? ""] },
                        answers: r.answers.map { [$0.code, $0.result.rawValue, $0.note] }, photos: r.photos.map(\.sha256),
                        violations: r.violations.map { [String($0.personID), $0.kind.rawValue] },
                        recommendations: r.recommendations.map { [$0.text, String($0.ownerID), $0.due.description] })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: (try? encoder.encode(m)) ?? Data(), as: UTF8.self)
    }

    /// The violations the roll's marks imply.
    public static func pendingViolations(_ roll: [RollLine]) -> [PendingViolation] {
        roll.compactMap { line in line.finding.map { PendingViolation(personID: line.personID, kind: $0) } }
    }

    /// Locks the minutes: everyone marked and every item answered, or a conflict naming what is
    /// missing. In one transaction: the number (the body's next for the year), the violations each
    /// with an explanation case (the person's case for that day when one is open already), the
    /// recommendations each a corrective task led by its owner and given by the inspector, the
    /// content hash on the visit and in the audit chain.
    public func finalise(_ id: Int64, at now: Date = Date(), inspectorPersonID: Int64, explanationDue: [Int64: Date],
                         by actor: Actor) async throws -> VisitRecord {
        let kind = database.kind
        return try await database.write { sql in
            try await requireStatus(id, .open, in: sql)
            guard var record = try await Self.recordIn(id, sql: sql) else { throw StoreError.notFound("inspection_visit") }
            if !record.unmarked.isEmpty { throw StoreError.conflict(field: "roll", key: "visit_roll_unmarked") }
            if !record.unanswered.isEmpty { throw StoreError.conflict(field: "items", key: "visit_items_unanswered") }
            let number = try await sql.select().column(SQLFunction("MAX", args: SQLIdentifier("number")), as: "n").from("inspection_visits")
                .where("body_id", .equal, record.visit.bodyID).where("year", .equal, record.visit.year).first()
            let next = (try number?.optional("n", as: Int.self) ?? 0) + 1
            let started = record.visit.startedAt ?? now
            let day = Day(started, in: CivilTime.vietnam)
            for v in Self.pendingViolations(record.roll) {
                let explanation = try await Self.explanationFor(personID: v.personID, day: day, kind: v.kind, at: now,
                                                                due: explanationDue[v.personID] ?? now.addingTimeInterval(3 * 86400), by: actor, in: sql, dbKind: kind)
                try await sql.insert(into: "inspection_violations").columns("visit_id", "person_id", "kind", "at", "explanation_id")
                    .values(SQLBind(id), SQLBind(v.personID), SQLBind(v.kind.rawValue), SQLBind(Instant.format(started)), SQLBind(explanation)).run()
            }
            let reference = "BB \(next)/\(record.visit.year)"
            for r in record.recommendations {
                let owner = try await sql.select().column("unit_id").from("assignments").where("person_id", .equal, r.ownerID)
                    .where("valid_from", .lessThanOrEqual, SQLBind(day.description))
                    .where { $0.where("valid_to", .is, SQLLiteral.null).orWhere("valid_to", .greaterThanOrEqual, SQLBind(day.description)) }
                    .orderBy("valid_from", .descending).first()
                let unitID = try owner?.decode(column: "unit_id", as: Int64.self) ?? record.visit.unitID
                let task = WorkTask(unitID: unitID, year: Day(now, in: CivilTime.vietnam).year, title: String(r.text.prefix(200)), content: r.text,
                                    source: TaskSource(kind: .inspection, reference: reference, date: day, recordType: "inspection_visit", recordID: id),
                                    assignerID: inspectorPersonID, ownerID: r.ownerID, assignedAt: now, due: r.due)
                let stored = try await TaskStore.insert(task, by: actor, in: sql, kind: kind)
                try await sql.update("inspection_recommendations").set("task_id", to: stored.id).where("id", .equal, r.id).run()
            }
            try await sql.update("inspection_visits").set("status", to: VisitStatus.finalised.rawValue).set("number", to: next)
                .set("ended_at", to: Instant.format(now)).set("finalised_at", to: Instant.format(now)).set("finalised_by", to: actor.name)
                .set(SQLIdentifier("version"), to: SQLRaw("version + 1")).where("id", .equal, id).run()
            record = try await Self.recordIn(id, sql: sql)!
            let hash = AuditLog.sha256(Self.canonical(record))
            try await sql.update("inspection_visits").set("content_hash", to: hash).where("id", .equal, id).run()
            record.visit.contentHash = hash
            // The inspected unit's leaders (the nearest above it) learn the minutes are there.
            let leaders = try await NotificationStore.nearest([.leader], over: [record.visit.unitPath], in: sql)
            try await NotificationStore.raise(
                NotificationDraft(key: NotificationKey(.inspectionMinutes, recordType: "inspection_visit", recordID: id), unitID: record.visit.unitID,
                                  params: ["subject": "\(reference) · \(record.visit.unitName)"], link: "/inspections/\(id)"),
                toPeople: leaders, at: now, in: sql)
            try await AuditLog.append(.init(action: .update, objectType: "inspection_minutes", objectID: String(id),
                                            after: AuditJSON.encode(["status": "finalised", "number": String(next), "content_hash": hash,
                                                                     "violations": String(record.violations.count),
                                                                     "recommendations": String(record.recommendations.count)])),
                                      by: actor, in: sql, kind: kind)
            return record
        }
    }

    static func recordIn(_ id: Int64, sql: any SQLDatabase) async throws -> VisitRecord? {
        guard let visit = try await Self.selectVisits(sql).where(col("v.id"), .equal, SQLBind(id)).first().map(decodeVisit),
              let checklist = try await sql.select().column("*").from("inspection_checklists").where("id", .equal, visit.checklistID).first()
                .map(decodeChecklist) else { return nil }
        return VisitRecord(visit: visit, checklist: checklist, roll: try await roll(id, in: sql), answers: try await answers(id, in: sql),
                           photos: try await photos(id, in: sql), violations: try await violations(id, in: sql),
                           recommendations: try await recommendations(id, in: sql), addenda: try await addenda(id, in: sql))
    }

    /// The person's explanation case for the day: the one already open for it, or a new one on
    /// the finding (absent for the two absences, a missing punch for being there without one).
    static func explanationFor(personID: Int64, day: Day, kind: RollFinding, at now: Date, due: Date, by actor: Actor, in sql: any SQLDatabase,
                               dbKind: DatabaseKind) async throws -> Int64 {
        if let existing = try await sql.select().column("id").from("explanations").where("person_id", .equal, personID)
            .where("day", .equal, day.description).first() {
            return try existing.decode(column: "id", as: Int64.self)
        }
        let verdict: DayVerdict.Status = kind == .presentNoPunch ? .missingPunch : .absent
        let e = Explanation(personID: personID, day: day, verdict: verdict, minutes: 0, openedAt: now, openedBy: actor.id, dueAt: due)
        return try await ExplanationStore.insert(e, by: actor, in: sql, kind: dbKind).id
    }

    /// Recomputes the minutes' hash from the rows: true when they are exactly what was finalised
    /// (and the audit chain holds the same hash).
    public func verify(_ id: Int64) async throws -> Bool {
        try await database.read { sql in
            guard let r = try await Self.recordIn(id, sql: sql), r.visit.status == .finalised, let stored = r.visit.contentHash else { return false }
            let audited = try await sql.select().column("after_json").from("audit_log").where("object_type", .equal, "inspection_minutes")
                .where("object_id", .equal, String(id)).orderBy("seq", .descending).first()
            let auditedHash = try audited.map { try $0.decode(column: "after_json", as: String.self) }
                .flatMap { try? JSONDecoder().decode([String: String].self, from: Data($0.utf8)) }?["content_hash"]
            return AuditLog.sha256(Self.canonical(r)) == stored && auditedHash == stored
        }
    }

    /// Every finalised minutes' hash recomputed from its rows (and held against the audit chain):
    /// how many were checked, and those that no longer match. `congvu audit verify` runs it.
    public func verifyAll() async throws -> (checked: Int, broken: [Int64]) {
        let ids = try await database.read { sql in
            try await sql.select().column("id").from("inspection_visits").where("status", .equal, SQLLiteral.string(VisitStatus.finalised.rawValue))
                .orderBy("id").all().map { try $0.decode(column: "id", as: Int64.self) }
        }
        var broken: [Int64] = []
        for id in ids where try await !verify(id) { broken.append(id) }
        return (ids.count, broken)
    }

    /// A dated addendum to finalised minutes: the only way they change.
    public func addendum(_ id: Int64, text: String, at now: Date = Date(), by actor: Actor) async throws {
        let t = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if t.count < 5 { throw ValidationErrors([FieldError("text", "required")]) }
        if t.count > 3000 { throw ValidationErrors([FieldError("text", "too_long")]) }
        let kind = database.kind
        try await database.write { sql in
            guard let row = try await sql.select().column("status").from("inspection_visits").where("id", .equal, id).first() else {
                throw StoreError.notFound("inspection_visit")
            }
            guard try row.decode(column: "status", as: String.self) == VisitStatus.finalised.rawValue else {
                throw StoreError.conflict(field: "status", key: "visit_not_finalised")
            }
            try await sql.insert(into: "inspection_addenda").columns("visit_id", "at", "actor_name", "text")
                .values(SQLBind(id), SQLBind(Instant.format(now)), SQLBind(actor.name), SQLBind(t)).run()
            try await AuditLog.append(.init(action: .create, objectType: "inspection_addendum", objectID: String(id),
                                            after: AuditJSON.encode(["text_sha256": AuditLog.sha256(t)])), by: actor, in: sql, kind: kind)
        }
    }
}
