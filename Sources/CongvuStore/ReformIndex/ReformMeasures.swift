import CongvuDomain
import Foundation
import SQLKit

/// A record behind a measured value: what it is, whether it met the rule, where to read it.
public struct MeasureRecord: Sendable, Equatable {
    public var label: String
    public var detail: String
    public var met: Bool
    /// A page of the system (`/tasks/12`), when the record has one the reader may open.
    public var link: String?
}

/// The reform index's computed measures (issue 24, definitions version 1), over the system's own
/// data, for units (each with its subtree) and a period. Each measure is one grouped query over the
/// rows of the period, summed per unit in the subtree; nothing is counted twice and nothing is
/// read per unit. `today` cuts what is still to come: a deadline not yet reached is not yet owed.
///
/// The definitions (the numerator over the denominator):
/// - `procedures_posted`: procedures in force on the period's last day at the unit's level
///   (commune or province), posted both at the counter and on the portal, over those in force.
/// - `dossiers_on_time`: dossiers settled in the period early or on time, over those settled.
/// - `dossiers_online`: dossiers received in the period online, over those received.
/// - `apologies_for_overdue`: dossiers settled late in the period or received in it and still open
///   past their due day, with the apology sent, over those.
/// - `feedback_on_time`: feedback the unit owns, due in the period, answered by the due day, over
///   the feedback due (merged and spam left out).
/// - `tasks_on_time`: tasks of the unit due in the period, reported by the end of the due day, over
///   the tasks due (cancelled left out).
/// - `duties_written`: people holding a post on the period's last day with approved duties dated
///   from that post's start, over the people holding a post (the tasks page's rule).
/// - `inspections_against_plan`: finalised visits of the inspection plans of the period's years,
///   up to the planned number per plan and unit, over the planned visits.
/// - `recommendations_closed`: recommendations due in the period whose corrective task was reported
///   by the end of the due day, over those due.
/// - `attendance_compliance`: working days on time or excused, over the working days judged.
/// - `reception_kept`: weeks of the period with a published citizens' reception in the schedule,
///   over the weeks of the period.
/// - `survey_satisfaction`: scale answers of 4 or 5 in the surveys answered in the period, over the
///   scale answers.
public struct ReformMeasures: Sendable {
    let database: Database

    public init(database: Database) { self.database = database }

    public struct Period: Sendable, Equatable {
        public var first: Day
        public var last: Day
        /// The last day counted: the period's last, or today when earlier.
        public var cut: Day
        public init(first: Day, last: Day, today: Day) {
            self.first = first
            self.last = last
            cut = min(last, max(first, today))
        }

        /// A framework year.
        public static func year(_ year: Int, today: Day) -> Period {
            Period(first: Day(year: year, month: 1, day: 1)!, last: Day(year: year, month: 12, day: 31)!, today: today)
        }
    }

    /// The values of `measures` for each of `units` (its subtree included) over `period`.
    /// `version`: the definitions the framework was written against (only the first exists).
    public func values(_ measures: Set<ReformMeasure>, units: [OrgUnit], period: Period, version: Int = ReformMeasure.definitions) async throws
        -> [Int64: [ReformMeasure: MeasureValue]] {
        guard version == 1 else { throw ValidationErrors([FieldError("measures_version", "reform_measures_version")]) }
        guard !units.isEmpty, !measures.isEmpty else { return [:] }
        let scopes = units.map(\.path), kind = database.kind
        return try await database.read { sql in
            // Every unit under the scopes, by id: the rows' units are summed up to each asked unit.
            var paths: [Int64: String] = [:]
            let rows = try await sql.select().column("id").column("path").from("units").where { $0.within(scopes: scopes, column: SQLColumn("path")) }.all()
            for r in rows {
                paths[try r.decode(column: "id", as: Int64.self)] = try r.decode(column: "path", as: String.self)
            }
            var out: [Int64: [ReformMeasure: MeasureValue]] = [:]
            func add(_ m: ReformMeasure, _ perUnit: [Int64: (Int, Int)]) {
                for u in units {
                    var n = 0, d = 0
                    for (id, v) in perUnit where paths[id]?.hasPrefix(u.path) == true {
                        n += v.0
                        d += v.1
                    }
                    out[u.id, default: [:]][m] = MeasureValue(n, of: d)
                }
            }
            // Measures over the same table are counted in one pass (the three of the dossiers).
            let counted = ReformMeasure.allCases.filter { measures.contains($0) && Self.query($0, period: period, kind: kind) != nil }
            for (m, perUnit) in try await Self.combined(counted, scopes: scopes, period: period, kind: kind, in: sql) { add(m, perUnit) }
            for m in ReformMeasure.allCases where measures.contains(m) && !counted.contains(m) {
                switch m {
                case .proceduresPosted:
                    var byLevel: [CompetentLevel: MeasureValue] = [:]
                    for u in units {
                        let level = Self.level(u)
                        if byLevel[level] == nil { byLevel[level] = try await Self.proceduresPosted(level: level, on: period.cut, in: sql) }
                        out[u.id, default: [:]][m] = byLevel[level]
                    }
                case .receptionKept:
                    let weeks = try await Self.receptionWeeks(scopes: scopes, period: period, in: sql)
                    let owed = Self.weeks(period)
                    for u in units {
                        let kept = Set(weeks.filter { paths[$0.unitID]?.hasPrefix(u.path) == true }.map(\.week)).intersection(owed)
                        out[u.id, default: [:]][m] = MeasureValue(kept.count, of: owed.count)
                    }
                default:
                    add(m, try await Self.grouped(m, scopes: scopes, period: period, kind: kind, in: sql))
                }
            }
            return out
        }
    }

    /// The level of government whose procedures a unit's counter posts.
    static func level(_ u: OrgUnit) -> CompetentLevel {
        switch u.kind {
        case .commune, .ward, .specialZone: .commune
        case .district: .district
        default: u.path.split(separator: "/").count > 2 ? .commune : .province
        }
    }

    static func inForce(on day: Day) -> SQLQueryString {
        "valid_from <= \(bind: day.description) AND (valid_to IS NULL OR valid_to >= \(bind: day.description))"
    }

    static func proceduresPosted(level: CompetentLevel, on day: Day, in sql: any SQLDatabase) async throws -> MeasureValue {
        let r = try await sql.raw("""
            SELECT SUM(CASE WHEN posted_counter AND posted_portal THEN 1 ELSE 0 END) AS n, COUNT(*) AS d FROM procedures
            WHERE level = \(bind: level.rawValue) AND \(inForce(on: day))
            """).first()
        return MeasureValue(try r?.optional("n", as: Int.self) ?? 0, of: try r?.optional("d", as: Int.self) ?? 0)
    }

    /// The Mondays of the period's weeks up to its cut.
    static func weeks(_ period: Period) -> Set<Day> {
        var out = Set<Day>(), day = DutyWeek(containing: period.first).start
        while day <= period.cut {
            out.insert(day)
            for _ in 0..<7 { day = day.next }
        }
        return out
    }

    static func receptionWeeks(scopes: [String], period: Period, in sql: any SQLDatabase) async throws -> [(unitID: Int64, week: Day)] {
        try await sql.select().column("unit_id").column("day").from("schedule_entries")
            .where("reception", .equal, SQLLiteral.numeric("1")).where("status", .equal, SQLLiteral.string(ScheduleEntry.Status.published.rawValue))
            .where("day", .greaterThanOrEqual, SQLBind(period.first.description)).where("day", .lessThanOrEqual, SQLBind(period.cut.description))
            .where { $0.withinUnits(scopes: scopes, unitID: SQLColumn("unit_id")) }.all()
            .map { (try $0.decode(column: "unit_id", as: Int64.self), DutyWeek(containing: try $0.requiredDay("day")).start) }
    }

    /// The query of a measure counted per row's unit: `(unit, numerator, denominator)`.
    static func query(_ m: ReformMeasure, period: Period, kind: DatabaseKind) -> (table: String, unit: String, met: String, filter: SQLQueryString)? {
        let first = period.first.description, last = period.last.description, cut = period.cut.description
        switch m {
        case .dossiersOnTime:
            return ("dossiers d", "d.unit_id", "d.timeliness IN ('early', 'on_time')",
                    "d.closed_day >= \(bind: first) AND d.closed_day <= \(bind: last) AND d.timeliness IS NOT NULL")
        case .dossiersOnline:
            return ("dossiers d", "d.unit_id", "d.channel = \(Channel.online.rawValue)",
                    "d.received_day >= \(bind: first) AND d.received_day <= \(bind: last)")
        case .apologiesForOverdue:
            return ("dossiers d", "d.unit_id", "d.apology_at IS NOT NULL", """
                ((d.closed_day >= \(bind: first) AND d.closed_day <= \(bind: last) AND d.timeliness = 'overdue')
                 OR (d.closed_day IS NULL AND d.received_day >= \(bind: first) AND d.received_day <= \(bind: last) AND d.due_day < \(bind: cut)
                     AND d.status NOT IN (\(unsafeRaw: [DossierStatus.refused, .withdrawn].map { String($0.rawValue) }.joined(separator: ", ")))))
                """)
        case .feedbackOnTime:
            return ("feedback f", "f.owner_unit_id", "f.answered_day IS NOT NULL AND f.answered_day <= f.due_day", """
                f.due_day >= \(bind: first) AND f.due_day <= \(bind: cut) AND f.status NOT IN ('\(unsafeRaw: FeedbackStatus.merged.rawValue)', '\(unsafeRaw: FeedbackStatus.spam.rawValue)')
                """)
        case .tasksOnTime:
            return ("tasks t", "t.unit_id", "t.status IN ('reported', 'accepted') AND t.reported_at < \(TaskStore.endOfDueDay)",
                    "t.due >= \(bind: first) AND t.due <= \(bind: cut) AND t.status <> 'cancelled'")
        case .dutiesWritten:
            return ("assignments a", "a.unit_id", """
                EXISTS (SELECT 1 FROM standing_duties s WHERE s.person_id = a.person_id AND s.status = 'approved' AND s.valid_from >= a.valid_from
                        AND s.valid_from <= '\(cut)')
                """, "a.valid_from <= \(bind: cut) AND (a.valid_to IS NULL OR a.valid_to >= \(bind: cut))")
        case .recommendationsClosed:
            return ("inspection_recommendations r JOIN inspection_visits v ON v.id = r.visit_id LEFT JOIN tasks t ON t.id = r.task_id", "v.unit_id",
                    "t.status IN ('reported', 'accepted') AND t.reported_at < (r.due || 'T17:00:00.000Z')",
                    "r.due >= \(bind: first) AND r.due <= \(bind: cut)")
        case .attendanceCompliance:
            return ("day_verdicts dv JOIN assignments a ON \(PostOnDay.join("a", person: "dv.person_id", day: "dv.day").sql)", "a.unit_id",
                    "dv.status IN ('\(DayVerdict.Status.onTime.rawValue)', '\(DayVerdict.Status.excused.rawValue)')", """
                    dv.day >= \(bind: first) AND dv.day <= \(bind: cut) AND dv.status NOT IN ('holiday', 'not_scheduled', 'pending')
                    """)
        case .surveySatisfaction, .inspectionsAgainstPlan, .proceduresPosted, .receptionKept:
            return nil
        }
    }

    /// The measures defined by a query, those over the same table counted in one pass: per row's
    /// unit, each measure's rows (`d_i`) and those that met its rule (`n_i`).
    static func combined(_ measures: [ReformMeasure], scopes: [String], period: Period, kind: DatabaseKind, in sql: any SQLDatabase) async throws
        -> [(ReformMeasure, [Int64: (Int, Int)])] {
        var groups: [String: [(ReformMeasure, table: String, unit: String, met: String, filter: SQLQueryString)]] = [:], order: [String] = []
        for m in measures {
            guard let q = query(m, period: period, kind: kind) else { continue }
            let key = "\(q.table)|\(q.unit)"
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append((m, q.table, q.unit, q.met, q.filter))
        }
        var out: [(ReformMeasure, [Int64: (Int, Int)])] = []
        for key in order {
            let group = groups[key]!, table = group[0].table, unit = group[0].unit
            var query: SQLQueryString = "SELECT \(unsafeRaw: unit) AS unit_id"
            for (i, g) in group.enumerated() {
                query.appendLiteral(", SUM(CASE WHEN (")
                query.appendInterpolation(g.filter)
                query.appendLiteral(") THEN 1 ELSE 0 END) AS d_\(i), SUM(CASE WHEN (")
                query.appendInterpolation(g.filter)
                query.appendLiteral(") AND (\(g.met)) THEN 1 ELSE 0 END) AS n_\(i)")
            }
            query.appendLiteral(" FROM \(table) WHERE (")
            for (i, g) in group.enumerated() {
                if i > 0 { query.appendLiteral(" OR ") }
                query.appendLiteral("(")
                query.appendInterpolation(g.filter)
                query.appendLiteral(")")
            }
            query.appendLiteral(") AND \(unit) IN (")
            query.appendInterpolation(unitIDs(within: scopes))
            query.appendLiteral(") GROUP BY \(unit)")
            let rows = try await sql.raw(query).all()
            for (i, g) in group.enumerated() {
                var perUnit: [Int64: (Int, Int)] = [:]
                for r in rows {
                    let d = try r.optional("d_\(i)", as: Int.self) ?? 0
                    if d > 0 { perUnit[try r.decode(column: "unit_id", as: Int64.self)] = (try r.optional("n_\(i)", as: Int.self) ?? 0, d) }
                }
                out.append((g.0, perUnit))
            }
        }
        return out
    }

    static func grouped(_ m: ReformMeasure, scopes: [String], period: Period, kind: DatabaseKind, in sql: any SQLDatabase) async throws -> [Int64: (Int, Int)] {
        var out: [Int64: (Int, Int)] = [:]
        switch m {
        case .inspectionsAgainstPlan:
            // Finalised visits count up to the plan's number for the unit.
            let rows = try await sql.raw("""
                SELECT pu.unit_id, pu.planned_visits,
                    (SELECT COUNT(*) FROM inspection_visits v WHERE v.plan_id = pu.plan_id AND v.unit_id = pu.unit_id AND v.status = 'finalised') AS done
                FROM inspection_plan_units pu JOIN inspection_plans p ON p.id = pu.plan_id
                WHERE p.year >= \(bind: period.first.year) AND p.year <= \(bind: period.last.year) AND \(unsafeRaw: "pu.unit_id") IN (\(unitIDs(within: scopes)))
                """).all()
            for r in rows {
                let unit = try r.decode(column: "unit_id", as: Int64.self), planned = try r.decode(column: "planned_visits", as: Int.self)
                let done = min(planned, try r.decode(column: "done", as: Int.self))
                out[unit] = ((out[unit]?.0 ?? 0) + done, (out[unit]?.1 ?? 0) + planned)
            }
        case .surveySatisfaction:
            var scale: [Int64: Set<String>] = [:]
            for q in try await sql.select().column("*").from("survey_questionnaires").all().map(SurveyStore.decode) {
                scale[q.id] = Set(q.questionnaire.questions.filter { $0.kind == .scale }.map(\.code))
            }
            let rows = try await sql.raw("""
                SELECT unit_id, questionnaire_id, answers FROM survey_responses
                WHERE submitted_day >= \(bind: period.first.description) AND submitted_day <= \(bind: period.cut.description) AND unit_id IN (\(unitIDs(within: scopes)))
                """).all()
            for r in rows {
                let unit = try r.decode(column: "unit_id", as: Int64.self), codes = scale[try r.decode(column: "questionnaire_id", as: Int64.self)] ?? []
                let answers = (try? JSONDecoder().decode([String: String].self, from: Data(try r.decode(column: "answers", as: String.self).utf8))) ?? [:]
                let values = answers.filter { codes.contains($0.key) }.compactMap { Int($0.value) }.filter { (1...5).contains($0) }
                out[unit] = ((out[unit]?.0 ?? 0) + values.filter { $0 >= 4 }.count, (out[unit]?.1 ?? 0) + values.count)
            }
        default:
            return try await combined([m], scopes: scopes, period: period, kind: kind, in: sql).first?.1 ?? [:]
        }
        return out
    }


    // MARK: Drill-down

    /// A stored day as Vietnamese write it (`30/10/2026`); "–" for none.
    static func shown(_ text: String?) -> String { text.map { Day($0)?.vietnamese ?? $0 } ?? "–" }

    /// The records behind a unit's value, those that missed the rule first, at most `limit`.
    /// The survey's answers are anonymous: its records are the counts per answer.
    public func records(_ m: ReformMeasure, unit: OrgUnit, period: Period, limit: Int = 200) async throws -> [MeasureRecord] {
        let kind = database.kind, scopes = [unit.path]
        return try await database.read { sql in
            func rows(_ select: String, order: String = "") async throws -> [any SQLRow] {
                guard let q = Self.query(m, period: period, kind: kind) else { return [] }
                return try await sql.raw("""
                    SELECT \(unsafeRaw: select), CASE WHEN \(unsafeRaw: q.met) THEN 1 ELSE 0 END AS met
                    FROM \(unsafeRaw: q.table) WHERE \(q.filter) AND \(unsafeRaw: q.unit) IN (\(unitIDs(within: scopes)))
                    ORDER BY met\(unsafeRaw: order) LIMIT \(unsafeRaw: String(limit))
                    """).all()
            }
            func met(_ r: any SQLRow) throws -> Bool { try r.decode(column: "met", as: Int.self) != 0 }
            switch m {
            case .dossiersOnTime, .dossiersOnline, .apologiesForOverdue:
                return try await rows("d.id, d.code, d.applicant_name, d.due_day, d.closed_day", order: ", d.id").map { r in
                    MeasureRecord(label: try r.decode(column: "code", as: String.self), detail: try r.decode(column: "applicant_name", as: String.self),
                                  met: try met(r), link: "/one-stop/dossiers/\(try r.decode(column: "id", as: Int64.self))")
                }
            case .feedbackOnTime:
                return try await rows("f.id, f.code, f.due_day, f.answered_day", order: ", f.due_day").map { r in
                    MeasureRecord(label: try r.decode(column: "code", as: String.self),
                                  detail: "\(Self.shown(try r.decode(column: "due_day", as: String.self))) → \(Self.shown(try r.optional("answered_day", as: String.self)))",
                                  met: try met(r), link: "/feedback/\(try r.decode(column: "id", as: Int64.self))")
                }
            case .tasksOnTime:
                return try await rows("t.id, t.title, t.due", order: ", t.due").map { r in
                    MeasureRecord(label: try r.decode(column: "title", as: String.self), detail: Self.shown(try r.decode(column: "due", as: String.self)), met: try met(r),
                                  link: "/tasks/\(try r.decode(column: "id", as: Int64.self))")
                }
            case .dutiesWritten:
                return try await rows("a.person_id, a.title, (SELECT full_name FROM people p WHERE p.id = a.person_id) AS full_name", order: ", a.person_id").map { r in
                    MeasureRecord(label: try r.decode(column: "full_name", as: String.self), detail: try r.decode(column: "title", as: String.self),
                                  met: try met(r), link: "/people/\(try r.decode(column: "person_id", as: Int64.self))")
                }
            case .recommendationsClosed:
                return try await rows("v.id AS visit_id, r.text, r.due", order: ", r.due").map { r in
                    MeasureRecord(label: try r.decode(column: "text", as: String.self), detail: Self.shown(try r.decode(column: "due", as: String.self)), met: try met(r),
                                  link: "/inspections/\(try r.decode(column: "visit_id", as: Int64.self))")
                }
            case .attendanceCompliance:
                // Per person: the days that missed, most first.
                guard let q = Self.query(m, period: period, kind: kind) else { return [] }
                return try await sql.raw("""
                    SELECT dv.person_id, (SELECT full_name FROM people p WHERE p.id = dv.person_id) AS full_name,
                        SUM(CASE WHEN \(unsafeRaw: q.met) THEN 0 ELSE 1 END) AS missed, COUNT(*) AS days
                    FROM \(unsafeRaw: q.table) WHERE \(q.filter) AND a.unit_id IN (\(unitIDs(within: scopes)))
                    GROUP BY dv.person_id ORDER BY missed DESC, dv.person_id LIMIT \(unsafeRaw: String(limit))
                    """).all().map { r in
                        let missed = try r.decode(column: "missed", as: Int.self), days = try r.decode(column: "days", as: Int.self)
                        return MeasureRecord(label: try r.decode(column: "full_name", as: String.self), detail: "\(days - missed)/\(days)", met: missed == 0,
                                             link: "/people/\(try r.decode(column: "person_id", as: Int64.self))")
                    }
            case .inspectionsAgainstPlan:
                return try await sql.raw("""
                    SELECT p.title, pu.planned_visits,
                        (SELECT COUNT(*) FROM inspection_visits v WHERE v.plan_id = pu.plan_id AND v.unit_id = pu.unit_id AND v.status = 'finalised') AS done
                    FROM inspection_plan_units pu JOIN inspection_plans p ON p.id = pu.plan_id
                    WHERE p.year >= \(bind: period.first.year) AND p.year <= \(bind: period.last.year) AND pu.unit_id IN (\(unitIDs(within: scopes)))
                    ORDER BY p.year, p.id LIMIT \(unsafeRaw: String(limit))
                    """).all().map { r in
                        let planned = try r.decode(column: "planned_visits", as: Int.self), done = try r.decode(column: "done", as: Int.self)
                        return MeasureRecord(label: try r.decode(column: "title", as: String.self), detail: "\(done)/\(planned)", met: done >= planned,
                                             link: "/inspections/plans")
                    }
            case .proceduresPosted:
                return try await sql.raw("""
                    SELECT code, name, CASE WHEN posted_counter AND posted_portal THEN 1 ELSE 0 END AS met FROM procedures
                    WHERE level = \(bind: Self.level(unit).rawValue) AND \(Self.inForce(on: period.cut)) ORDER BY met, code LIMIT \(unsafeRaw: String(limit))
                    """).all().map { r in
                        MeasureRecord(label: try r.decode(column: "code", as: String.self), detail: try r.decode(column: "name", as: String.self),
                                      met: try met(r), link: nil)
                    }
            case .receptionKept:
                let kept = Set(try await Self.receptionWeeks(scopes: scopes, period: period, in: sql).map(\.week))
                return Self.weeks(period).sorted().prefix(limit).map {
                    MeasureRecord(label: $0.vietnamese, detail: "", met: kept.contains($0), link: nil)
                }.sorted { !$0.met && $1.met }
            case .surveySatisfaction:
                let values = try await Self.grouped(m, scopes: scopes, period: period, kind: kind, in: sql).values
                let n = values.reduce(0) { $0 + $1.0 }, d = values.reduce(0) { $0 + $1.1 }
                return [MeasureRecord(label: "4–5", detail: String(n), met: true, link: nil), MeasureRecord(label: "1–3", detail: String(d - n), met: false, link: nil)]
            }
        }
    }
}
