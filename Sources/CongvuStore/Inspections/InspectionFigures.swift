import CongvuDomain
import Foundation
import SQLKit

/// A body's year of inspections: coverage of the units in scope, failures by theme, violations by
/// kind and person, recommendations open, overdue and done.
public struct CoverageReport: Sendable {
    public struct UnitRef: Sendable, Equatable {
        public var id: Int64
        public var name: String
        public var path: String
    }
    public struct PersonLine: Sendable, Equatable {
        public var personID: Int64
        public var fullName: String
        public var unitName: String
        public var count: Int
    }

    public var year: Int
    public var units: [UnitRef]
    public var coverage: Coverage
    public var failuresByTheme: [String: Int]
    public var violationsByKind: [RollFinding: Int]
    public var violationsByPerson: [PersonLine]
    /// Violations per unit in scope (each visit's counted for the unit in scope it lies in).
    public var violationsByUnit: [Int64: Int]
    public var recommendationsOpen: Int
    public var recommendationsOverdue: Int
    public var recommendationsDone: Int
    public var visits: Int
}

/// The weekly duty unit's roster of a commune or district, as stored.
public struct DutyRoster: Sendable, Equatable {
    public var unitID: Int64
    public var rotation: DutyRotation
    public var swapReasons: [DutyWeek: String]
    public var version: Int
}

extension InspectionStore {
    // MARK: Coverage

    /// The units a body's year covers: those its plans for the year list, or else its own active
    /// child units (a province's communes).
    public func scopeUnits(body: OrgUnit, year: Int) async throws -> [CoverageReport.UnitRef] {
        try await database.read { sql in
            let planned = try await sql.select().distinct().column(col("u.id")).column(col("u.name")).column(col("u.path"))
                .from(SQLAlias(SQLIdentifier("inspection_plan_units"), as: SQLIdentifier("pu")))
                .join(SQLAlias(SQLIdentifier("inspection_plans"), as: SQLIdentifier("p")), on: SQLRaw("p.id = pu.plan_id"))
                .join(SQLAlias(SQLIdentifier("units"), as: SQLIdentifier("u")), on: SQLRaw("u.id = pu.unit_id"))
                .where(col("p.body_id"), .equal, SQLBind(body.id)).where(col("p.year"), .equal, SQLBind(year)).orderBy(col("u.name")).all()
            let rows = planned.isEmpty
                ? try await sql.select().column("id").column("name").column("path").from("units").where("parent_id", .equal, body.id)
                    .where { $0.where("valid_to", .is, SQLLiteral.null).orWhere("valid_to", .greaterThanOrEqual, SQLBind("\(year)-01-01")) }
                    .orderBy("name").all()
                : planned
            return try rows.map { CoverageReport.UnitRef(id: try $0.decode(column: "id", as: Int64.self), name: try $0.decode(column: "name", as: String.self),
                                                         path: try $0.decode(column: "path", as: String.self)) }
        }
    }

    /// Coverage and follow-up for a body and year (`today` judges recommendations overdue).
    public func coverage(body: OrgUnit, year: Int, today: Day) async throws -> CoverageReport {
        let units = try await scopeUnits(body: body, year: year)
        let happened = vocabulary([VisitStatus.open.rawValue, VisitStatus.finalised.rawValue])
        return try await database.read { sql in
            let visitRows = try await sql.select().column(col("u.path")).column(col("v.started_at"))
                .from(SQLAlias(SQLIdentifier("inspection_visits"), as: SQLIdentifier("v")))
                .join(SQLAlias(SQLIdentifier("units"), as: SQLIdentifier("u")), on: SQLRaw("u.id = v.unit_id"))
                .where(col("v.body_id"), .equal, SQLBind(body.id)).where(col("v.year"), .equal, SQLBind(year))
                .where(col("v.status"), .in, happened).all()
            // Each visit counts for the unit in scope it lies in (a visit to a commune's committee is the commune's).
            var visits: [(unitID: Int64, day: Day)] = []
            for r in visitRows {
                let path = try r.decode(column: "path", as: String.self)
                guard let at = try r.optionalInstant("started_at"), let unit = units.first(where: { path.hasPrefix($0.path) }) else { continue }
                visits.append((unit.id, Day(at, in: CivilTime.vietnam)))
            }
            // Failures by theme: counted per checklist version, themes read from each version's items.
            let fails = try await sql.select().column(col("r.code")).column(col("v.checklist_id")).column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n")
                .from(SQLAlias(SQLIdentifier("inspection_results"), as: SQLIdentifier("r")))
                .join(SQLAlias(SQLIdentifier("inspection_visits"), as: SQLIdentifier("v")), on: SQLRaw("v.id = r.visit_id"))
                .where(col("v.body_id"), .equal, SQLBind(body.id)).where(col("v.year"), .equal, SQLBind(year))
                .where(col("v.status"), .equal, SQLLiteral.string(VisitStatus.finalised.rawValue))
                .where(col("r.result"), .equal, SQLLiteral.string(ItemResult.fail.rawValue))
                .groupBy(col("r.code")).groupBy(col("v.checklist_id")).all()
            var themes: [Int64: [String: String]] = [:]
            var byTheme: [String: Int] = [:]
            for f in fails {
                let id = try f.decode(column: "checklist_id", as: Int64.self)
                if themes[id] == nil, let c = try await sql.select().column("*").from("inspection_checklists").where("id", .equal, id).first().map(Self.decodeChecklist) {
                    themes[id] = Dictionary(c.items.map { ($0.code, $0.theme) }, uniquingKeysWith: { a, _ in a })
                }
                let theme = themes[id]?[try f.decode(column: "code", as: String.self)] ?? "office"
                byTheme[theme, default: 0] += try f.decode(column: "n", as: Int.self)
            }
            let violationRows = try await sql.select().column(col("x.kind")).column(col("x.person_id")).column(col("p.full_name")).column(col("u.name"), as: "unit_name")
                .column(col("u.path"))
                .column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n")
                .from(SQLAlias(SQLIdentifier("inspection_violations"), as: SQLIdentifier("x")))
                .join(SQLAlias(SQLIdentifier("inspection_visits"), as: SQLIdentifier("v")), on: SQLRaw("v.id = x.visit_id"))
                .join(SQLAlias(SQLIdentifier("people"), as: SQLIdentifier("p")), on: SQLRaw("p.id = x.person_id"))
                .join(SQLAlias(SQLIdentifier("units"), as: SQLIdentifier("u")), on: SQLRaw("u.id = v.unit_id"))
                .where(col("v.body_id"), .equal, SQLBind(body.id)).where(col("v.year"), .equal, SQLBind(year))
                .groupBy(col("x.kind")).groupBy(col("x.person_id")).groupBy(col("p.full_name")).groupBy(col("u.name")).groupBy(col("u.path")).all()
            var byKind: [RollFinding: Int] = [:], byUnit: [Int64: Int] = [:]
            var byPerson: [Int64: CoverageReport.PersonLine] = [:]
            for r in violationRows {
                let n = try r.decode(column: "n", as: Int.self), id = try r.decode(column: "person_id", as: Int64.self)
                if let k = RollFinding(rawValue: try r.decode(column: "kind", as: String.self)) { byKind[k, default: 0] += n }
                let path = try r.decode(column: "path", as: String.self)
                if let unit = units.first(where: { path.hasPrefix($0.path) }) { byUnit[unit.id, default: 0] += n }
                let line = CoverageReport.PersonLine(personID: id, fullName: try r.decode(column: "full_name", as: String.self),
                                                     unitName: try r.decode(column: "unit_name", as: String.self), count: 0)
                byPerson[id, default: line].count += n
            }
            let recs = try await sql.select().column(col("r.due")).column(col("t.status"))
                .from(SQLAlias(SQLIdentifier("inspection_recommendations"), as: SQLIdentifier("r")))
                .join(SQLAlias(SQLIdentifier("inspection_visits"), as: SQLIdentifier("v")), on: SQLRaw("v.id = r.visit_id"))
                .join(SQLAlias(SQLIdentifier("tasks"), as: SQLIdentifier("t")), on: SQLRaw("t.id = r.task_id"))
                .where(col("v.body_id"), .equal, SQLBind(body.id)).where(col("v.year"), .equal, SQLBind(year)).all()
            var open = 0, overdue = 0, done = 0
            for r in recs {
                let status = WorkTask.Status(rawValue: try r.decode(column: "status", as: String.self))
                if status == .accepted { done += 1; continue }
                if status == .cancelled { continue }
                open += 1
                if try r.requiredDay("due") < today { overdue += 1 }
            }
            return CoverageReport(year: year, units: units, coverage: Coverage.of(units: units.map(\.id), visits: visits), failuresByTheme: byTheme,
                                  violationsByKind: byKind,
                                  violationsByPerson: byPerson.values.sorted { ($1.count, $0.fullName) < ($0.count, $1.fullName) }, violationsByUnit: byUnit,
                                  recommendationsOpen: open, recommendationsOverdue: overdue, recommendationsDone: done, visits: visits.count)
        }
    }

    // MARK: The weekly duty unit

    public func roster(unitID: Int64) async throws -> DutyRoster? {
        try await database.read { sql in
            guard let row = try await sql.select().column("*").from("duty_rosters").where("unit_id", .equal, unitID).first() else { return nil }
            let order = try row.decode(column: "departments", as: String.self).split(separator: ",").compactMap { Int64($0) }
            var swaps: [DutyWeek: Int64] = [:], reasons: [DutyWeek: String] = [:]
            for s in try await sql.select().column("*").from("duty_swaps").where("unit_id", .equal, unitID).all() {
                let week = DutyWeek(containing: try s.requiredDay("week_start"))
                swaps[week] = try s.decode(column: "department_id", as: Int64.self)
                reasons[week] = try s.decode(column: "reason", as: String.self)
            }
            return DutyRoster(unitID: unitID, rotation: DutyRotation(order: order, start: DutyWeek(containing: try row.requiredDay("start_week")),
                                                                     minimumChecks: try row.decode(column: "minimum_checks", as: Int.self), swaps: swaps),
                              swapReasons: reasons, version: try row.decode(column: "version", as: Int.self))
        }
    }

    /// Sets a unit's roster (the departments' order, the first week, the minimum checks); audited.
    public func saveRoster(unitID: Int64, order: [Int64], start: DutyWeek, minimumChecks: Int, by actor: Actor) async throws {
        try DutyRotation.validate(order: order, minimumChecks: minimumChecks)
        let kind = database.kind
        let text = order.map(String.init).joined(separator: ",")
        try await database.write { sql in
            let before = try await sql.select().column("departments").from("duty_rosters").where("unit_id", .equal, unitID).first()
            if before == nil {
                try await sql.insert(into: "duty_rosters").columns("unit_id", "departments", "start_week", "minimum_checks", "updated_at")
                    .values(SQLBind(unitID), SQLBind(text), SQLBind(start.start.description), SQLBind(minimumChecks), SQLBind(Instant.now())).run()
            } else {
                try await sql.update("duty_rosters").set("departments", to: text).set("start_week", to: start.start.description)
                    .set("minimum_checks", to: minimumChecks).set("updated_at", to: Instant.now()).set(SQLIdentifier("version"), to: SQLRaw("version + 1"))
                    .where("unit_id", .equal, unitID).run()
            }
            try await AuditLog.append(.init(action: before == nil ? .create : .update, objectType: "duty_roster", objectID: String(unitID),
                                            before: try before?.decode(column: "departments", as: String.self) ?? "",
                                            after: AuditJSON.encode(["departments": text, "start_week": start.start.description,
                                                                     "minimum_checks": String(minimumChecks)])),
                                      by: actor, in: sql, kind: kind)
        }
    }

    /// An approved swap: `departmentID` takes the duty in `week` instead; the approver is the actor.
    public func swap(unitID: Int64, week: DutyWeek, departmentID: Int64, reason: String, by actor: Actor) async throws {
        let kind = database.kind
        try await database.write { sql in try await Self.swap(unitID: unitID, week: week, departmentID: departmentID, reason: reason, by: actor, in: sql, kind: kind) }
    }

    /// The roster exists and the department is in its rotation.
    static func requireInRotation(unitID: Int64, departmentID: Int64, in sql: any SQLDatabase) async throws {
        guard let row = try await sql.select().column("departments").from("duty_rosters").where("unit_id", .equal, unitID).first() else {
            throw StoreError.notFound("duty_roster")
        }
        let order = try row.decode(column: "departments", as: String.self).split(separator: ",").compactMap { Int64($0) }
        guard order.contains(departmentID) else { throw ValidationErrors([FieldError("department", "not_in_rotation")]) }
    }

    static func swap(unitID: Int64, week: DutyWeek, departmentID: Int64, reason: String, by actor: Actor, in sql: any SQLDatabase, kind: DatabaseKind) async throws {
        let r = reason.tidied
        if r.count < 3 { throw ValidationErrors([FieldError("reason", "required")]) }
        try await requireInRotation(unitID: unitID, departmentID: departmentID, in: sql)
        try await sql.delete(from: "duty_swaps").where("unit_id", .equal, unitID).where("week_start", .equal, week.start.description).run()
        try await sql.insert(into: "duty_swaps").columns("unit_id", "week_start", "department_id", "reason", "approved_by", "approved_at")
            .values(SQLBind(unitID), SQLBind(week.start.description), SQLBind(departmentID), SQLBind(r), SQLBind(actor.name), SQLBind(Instant.now())).run()
        try await AuditLog.append(.init(action: .update, objectType: "duty_swap", objectID: "\(unitID)/\(week.start)",
                                        after: AuditJSON.encode(["department_id": String(departmentID)]), reason: r), by: actor, in: sql, kind: kind)
    }

    /// A department's request to take (or hand over) a duty week, waiting for the committee.
    public struct SwapRequest: Sendable, Equatable {
        public var id: Int64
        public var week: DutyWeek
        public var departmentID: Int64
        public var reason: String
        public var requestedBy: String
    }

    /// Asks for `departmentID` to take the duty in `week`; the committee decides.
    public func requestSwap(unitID: Int64, week: DutyWeek, departmentID: Int64, reason: String, by actor: Actor) async throws -> Int64 {
        let r = reason.tidied
        if r.count < 3 { throw ValidationErrors([FieldError("reason", "required")]) }
        let kind = database.kind
        return try await database.write { sql in
            try await Self.requireInRotation(unitID: unitID, departmentID: departmentID, in: sql)
            let inserted = try await sql.insert(into: "duty_swap_requests")
                .columns("unit_id", "week_start", "department_id", "reason", "requested_by", "requested_at", "status")
                .values(SQLBind(unitID), SQLBind(week.start.description), SQLBind(departmentID), SQLBind(r), SQLBind(actor.name), SQLBind(Instant.now()),
                        SQLBind("pending"))
                .returning("id").first()
            let id = try inserted!.decode(column: "id", as: Int64.self)
            try await AuditLog.append(.init(action: .create, objectType: "duty_swap_request", objectID: String(id),
                                            after: AuditJSON.encode(["week": week.start.description, "department_id": String(departmentID)]), reason: r),
                                      by: actor, in: sql, kind: kind)
            return id
        }
    }

    public func swapRequests(unitID: Int64) async throws -> [SwapRequest] {
        try await database.read { sql in
            try await sql.select().column("*").from("duty_swap_requests").where("unit_id", .equal, unitID).where("status", .equal, SQLLiteral.string("pending"))
                .orderBy("week_start").all().map { r in
                    SwapRequest(id: try r.decode(column: "id", as: Int64.self), week: DutyWeek(containing: try r.requiredDay("week_start")),
                                departmentID: try r.decode(column: "department_id", as: Int64.self), reason: try r.decode(column: "reason", as: String.self),
                                requestedBy: try r.decode(column: "requested_by", as: String.self))
                }
        }
    }

    /// The committee's decision on a pending request: approved, the swap takes effect (as `swap`
    /// records it); refused, nothing changes. Either way who and when are kept.
    public func decideSwap(unitID: Int64, requestID: Int64, approve: Bool, by actor: Actor) async throws {
        guard let request = try await swapRequests(unitID: unitID).first(where: { $0.id == requestID }) else { throw StoreError.notFound("duty_swap_request") }
        let kind = database.kind
        try await database.write { sql in
            if approve {
                try await Self.swap(unitID: unitID, week: request.week, departmentID: request.departmentID, reason: request.reason, by: actor, in: sql, kind: kind)
            }
            try await sql.update("duty_swap_requests").set("status", to: approve ? "approved" : "refused").set("decided_by", to: actor.name)
                .set("decided_at", to: Instant.now()).where("id", .equal, requestID).where("status", .equal, SQLLiteral.string("pending")).run()
            try await AuditLog.append(.init(action: .update, objectType: "duty_swap_request", objectID: String(requestID),
                                            after: AuditJSON.encode(["status": approve ? "approved" : "refused"])), by: actor, in: sql, kind: kind)
        }
    }

    /// The duty checks made in a week under a roster's unit: per checked department, how many.
    public func dutyChecks(underPath path: String, week: DutyWeek) async throws -> [Int64: Int] {
        try await database.read { sql in
            let rows = try await sql.select().column(col("v.unit_id")).column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n")
                .from(SQLAlias(SQLIdentifier("inspection_visits"), as: SQLIdentifier("v")))
                .join(SQLAlias(SQLIdentifier("units"), as: SQLIdentifier("u")), on: SQLRaw("u.id = v.unit_id"))
                .where(col("v.kind"), .equal, SQLLiteral.string(InspectionKind.dutyCheck.rawValue))
                .where(col("v.week_start"), .equal, SQLBind(week.start.description))
                .where(col("v.status"), .in, vocabulary([VisitStatus.open.rawValue, VisitStatus.finalised.rawValue]))
                .within(scopes: [path], column: col("u.path")).groupBy(col("v.unit_id")).all()
            return Dictionary(uniqueKeysWithValues: try rows.map { (try $0.decode(column: "unit_id", as: Int64.self), try $0.decode(column: "n", as: Int.self)) })
        }
    }
}

/// A plan as stored.
public struct InspectionPlan: Sendable, Equatable {
    public var id: Int64
    public var bodyID: Int64
    public var year: Int
    public var draft: PlanDraft
    /// The decision's file in the file store (SHA-256 and extension), if one was attached.
    public var decisionFile: String?
}

extension InspectionStore {
    // MARK: Plans

    /// A plan with its units and team; `decisionFile` names the decision's file already written to
    /// the file store (`<sha256>.<ext>`).
    public func createPlan(bodyID: Int64, year: Int, _ draft: PlanDraft, decisionFile: String? = nil, by actor: Actor) async throws -> Int64 {
        let d = try draft.validate()
        let kind = database.kind
        return try await database.write { sql in
            let row = try await sql.insert(into: "inspection_plans")
                .columns("body_id", "year", "title", "themes", "decision_number", "decision_date", "decision_file", "created_at", "created_by")
                .values(SQLBind(bodyID), SQLBind(year), SQLBind(d.title), SQLBind(d.themes), SQLBind(d.decisionNumber), SQLBind(d.decisionDate?.description),
                        SQLBind(decisionFile), SQLBind(Instant.now()), SQLBind(actor.name))
                .returning("id").first()
            let id = try row!.decode(column: "id", as: Int64.self)
            for (unit, n) in d.units.sorted(by: { $0.key < $1.key }) {
                try await sql.insert(into: "inspection_plan_units").columns("plan_id", "unit_id", "planned_visits").values(SQLBind(id), SQLBind(unit), SQLBind(n)).run()
            }
            for (person, role) in d.team.sorted(by: { $0.key < $1.key }) {
                try await sql.insert(into: "inspection_team_members").columns("plan_id", "person_id", "role").values(SQLBind(id), SQLBind(person), SQLBind(role.rawValue)).run()
            }
            try await AuditLog.append(.init(action: .create, objectType: "inspection_plan", objectID: String(id),
                                            after: AuditJSON.encode(["title": d.title, "year": String(year), "units": String(d.units.count),
                                                                     "decision": d.decisionNumber])), by: actor, in: sql, kind: kind)
            return id
        }
    }

    public func plans(bodyID: Int64, year: Int) async throws -> [InspectionPlan] {
        try await plans { $0.where("body_id", .equal, bodyID).where("year", .equal, year) }
    }

    public func plan(_ id: Int64) async throws -> InspectionPlan? {
        try await plans { $0.where("id", .equal, id) }.first
    }

    func plans(_ filter: @escaping @Sendable (SQLSelectBuilder) -> SQLSelectBuilder) async throws -> [InspectionPlan] {
        try await database.read { sql in
            var plans: [InspectionPlan] = []
            for row in try await filter(sql.select().column("*").from("inspection_plans")).orderBy("id").all() {
                let bodyID = try row.decode(column: "body_id", as: Int64.self), year = try row.decode(column: "year", as: Int.self)
                let id = try row.decode(column: "id", as: Int64.self)
                var units: [Int64: Int] = [:], team: [Int64: TeamRole] = [:]
                for u in try await sql.select().column("*").from("inspection_plan_units").where("plan_id", .equal, id).all() {
                    units[try u.decode(column: "unit_id", as: Int64.self)] = try u.decode(column: "planned_visits", as: Int.self)
                }
                for m in try await sql.select().column("*").from("inspection_team_members").where("plan_id", .equal, id).all() {
                    team[try m.decode(column: "person_id", as: Int64.self)] = TeamRole(rawValue: try m.decode(column: "role", as: String.self)) ?? .member
                }
                plans.append(InspectionPlan(id: id, bodyID: bodyID, year: year, draft: PlanDraft(
                    title: try row.decode(column: "title", as: String.self), themes: try row.decode(column: "themes", as: String.self),
                    decisionNumber: try row.decode(column: "decision_number", as: String.self), decisionDate: try row.day("decision_date"),
                    units: units, team: team), decisionFile: try row.optional("decision_file", as: String.self)))
            }
            return plans
        }
    }
}

extension InspectionStore {
    /// Recommendations of finalised minutes to units in `scopes` whose corrective task is still
    /// open, and how many of those are past their deadline: the leader's home card.
    public func openRecommendations(scopes: [String], today: Day) async throws -> (open: Int, overdue: Int) {
        try await database.read { sql in
            let rows = try await sql.select().column(col("r.due"))
                .from(SQLAlias(SQLIdentifier("inspection_recommendations"), as: SQLIdentifier("r")))
                .join(SQLAlias(SQLIdentifier("inspection_visits"), as: SQLIdentifier("v")), on: SQLRaw("v.id = r.visit_id"))
                .join(SQLAlias(SQLIdentifier("tasks"), as: SQLIdentifier("t")), on: SQLRaw("t.id = r.task_id"))
                .where(col("t.status"), .notIn, vocabulary([WorkTask.Status.accepted.rawValue, WorkTask.Status.cancelled.rawValue]))
                .where { $0.withinUnits(scopes: scopes, unitID: col("v.unit_id")) }.all()
            let dues = try rows.map { try $0.requiredDay("due") }
            return (dues.count, dues.filter { $0 < today }.count)
        }
    }
}

/// A department's week as the duty unit's report shows it: its checks and what they found.
public struct DutyWeekLine: Sendable, Equatable {
    public var departmentID: Int64
    public var checks: Int
    public var violations: Int
    public var failures: Int
    /// The duty unit's comment on the department's discipline and key tasks.
    public var comment: String
}

extension InspectionStore {
    /// The duty checks' findings of a week under a roster's unit, per checked department, with the
    /// duty unit's comments; `summary` is the comment on the whole week.
    public func dutyReport(unitID: Int64, path: String, week: DutyWeek) async throws -> (lines: [Int64: DutyWeekLine], summary: String) {
        try await database.read { sql in
            var lines: [Int64: DutyWeekLine] = [:]
            func line(_ id: Int64) -> DutyWeekLine { lines[id] ?? DutyWeekLine(departmentID: id, checks: 0, violations: 0, failures: 0, comment: "") }
            let visits = try await sql.select().column(col("v.id")).column(col("v.unit_id"))
                .from(SQLAlias(SQLIdentifier("inspection_visits"), as: SQLIdentifier("v")))
                .join(SQLAlias(SQLIdentifier("units"), as: SQLIdentifier("u")), on: SQLRaw("u.id = v.unit_id"))
                .where(col("v.kind"), .equal, SQLLiteral.string(InspectionKind.dutyCheck.rawValue))
                .where(col("v.week_start"), .equal, SQLBind(week.start.description))
                .where(col("v.status"), .in, vocabulary([VisitStatus.open.rawValue, VisitStatus.finalised.rawValue]))
                .within(scopes: [path], column: col("u.path")).all()
            var unitOf: [Int64: Int64] = [:]
            for v in visits {
                let id = try v.decode(column: "id", as: Int64.self), unit = try v.decode(column: "unit_id", as: Int64.self)
                unitOf[id] = unit
                var l = line(unit)
                l.checks += 1
                lines[unit] = l
            }
            if !unitOf.isEmpty {
                let ids = Array(unitOf.keys)
                for r in try await sql.select().column("visit_id").from("inspection_roll").where("visit_id", .in, SQLBind.group(ids))
                    .where("finding", .isNot, SQLLiteral.null).all() {
                    if let unit = unitOf[try r.decode(column: "visit_id", as: Int64.self)] { lines[unit]?.violations += 1 }
                }
                for r in try await sql.select().column("visit_id").from("inspection_results").where("visit_id", .in, SQLBind.group(ids))
                    .where("result", .equal, SQLLiteral.string(ItemResult.fail.rawValue)).all() {
                    if let unit = unitOf[try r.decode(column: "visit_id", as: Int64.self)] { lines[unit]?.failures += 1 }
                }
            }
            var summary = ""
            for r in try await sql.select().column("*").from("duty_reports").where("unit_id", .equal, unitID)
                .where("week_start", .equal, week.start.description).all() {
                let department = try r.decode(column: "department_id", as: Int64.self), text = try r.decode(column: "text", as: String.self)
                if department == 0 { summary = text } else { var l = line(department); l.comment = text; lines[department] = l }
            }
            return (lines, summary)
        }
    }

    /// The duty unit's comment on a department's week (`departmentID` 0: the summary); audited.
    public func comment(unitID: Int64, week: DutyWeek, departmentID: Int64, text: String, by actor: Actor) async throws {
        let t = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if t.count > 3000 { throw ValidationErrors([FieldError("text", "too_long")]) }
        let kind = database.kind
        try await database.write { sql in
            let before = try await sql.select().column("text").from("duty_reports").where("unit_id", .equal, unitID)
                .where("week_start", .equal, week.start.description).where("department_id", .equal, departmentID).first()
            if before == nil {
                try await sql.insert(into: "duty_reports").columns("unit_id", "week_start", "department_id", "text", "updated_at", "updated_by")
                    .values(SQLBind(unitID), SQLBind(week.start.description), SQLBind(departmentID), SQLBind(t), SQLBind(Instant.now()), SQLBind(actor.name)).run()
            } else {
                try await sql.update("duty_reports").set("text", to: t).set("updated_at", to: Instant.now()).set("updated_by", to: actor.name)
                    .where("unit_id", .equal, unitID).where("week_start", .equal, week.start.description).where("department_id", .equal, departmentID).run()
            }
            try await AuditLog.append(.init(action: before == nil ? .create : .update, objectType: "duty_report",
                                            objectID: "\(unitID)/\(week.start)/\(departmentID)",
                                            before: try before?.decode(column: "text", as: String.self) ?? "", after: t), by: actor, in: sql, kind: kind)
        }
    }
}

extension InspectionStore {
    /// The finalised visit and finding an explanation case was opened on (or linked to), if any.
    public func origin(explanationID: Int64) async throws -> (visitID: Int64, number: Int?, year: Int, kind: RollFinding)? {
        try await database.read { sql in
            guard let row = try await sql.select().column(col("x.visit_id")).column(col("x.kind")).column(col("v.number")).column(col("v.year"))
                .from(SQLAlias(SQLIdentifier("inspection_violations"), as: SQLIdentifier("x")))
                .join(SQLAlias(SQLIdentifier("inspection_visits"), as: SQLIdentifier("v")), on: SQLRaw("v.id = x.visit_id"))
                .where(col("x.explanation_id"), .equal, SQLBind(explanationID)).orderBy(col("x.id")).first(),
                  let kind = RollFinding(rawValue: try row.decode(column: "kind", as: String.self)) else { return nil }
            return (try row.decode(column: "visit_id", as: Int64.self), try row.optional("number", as: Int.self), try row.decode(column: "year", as: Int.self), kind)
        }
    }
}
