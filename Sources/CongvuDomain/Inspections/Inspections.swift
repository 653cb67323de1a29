import Foundation

/// How a visit came about: on the plan, unannounced (invisible to the inspected unit until it
/// starts), or one of the weekly duty unit's checks.
public enum InspectionKind: String, CaseIterable, Codable, Sendable {
    case planned, unannounced, dutyCheck = "duty_check"
}

/// A visit's life: planned (not started), open (the team is at the unit), finalised (the minutes
/// are locked; only dated addenda may follow).
public enum VisitStatus: String, CaseIterable, Codable, Sendable {
    case planned, open, finalised
}

/// One checklist item's result.
public enum ItemResult: String, CaseIterable, Codable, Sendable {
    case pass, fail, notApplicable = "not_applicable"
}

/// What the system itself knows about an item, shown to the inspector as evidence to confirm.
public enum ChecklistSource: String, CaseIterable, Codable, Sendable {
    /// Working hours at the minute of the visit: the roll.
    case attendance
    /// Written standing duties of everyone posted there.
    case writtenDuties = "written_duties"
    /// Tasks left with people whose post ended (not reassigned).
    case reassignedTasks = "reassigned_tasks"
    /// The unit's procedures in the catalogue.
    case proceduresPosted = "procedures_posted"
    /// The chairman's citizen reception days on the published schedule, against the law's minimum.
    case receptionSchedule = "reception_schedule"
}

/// One item of a checklist. Items of the default template carry no text: their words come from
/// the catalogs in the reader's language; items a province adds carry their own text.
public struct ChecklistItem: Codable, Equatable, Hashable, Sendable {
    public var code: String
    public var theme: String
    public var text: String
    public var source: ChecklistSource?

    public init(code: String, theme: String, text: String = "", source: ChecklistSource? = nil) {
        self.code = code
        self.theme = theme
        self.text = text
        self.source = source
    }
}

/// A checklist version: items grouped by theme. Versions are never edited, only superseded, so
/// minutes keep the items they were written against.
public struct Checklist: Equatable, Sendable {
    public var id: Int64
    /// The inspecting body (a province, a commune) the checklist belongs to; its subtree uses it.
    public var unitID: Int64
    public var version: Int
    public var items: [ChecklistItem]
    /// A short list for the weekly duty unit's checks.
    public var short: Bool

    public init(id: Int64 = 0, unitID: Int64, version: Int = 1, items: [ChecklistItem], short: Bool = false) {
        self.id = id
        self.unitID = unitID
        self.version = version
        self.items = items
        self.short = short
    }

    public static let themes = ["hours", "conduct", "office", "one_stop", "reception", "tasks"]

    /// The default from Directive 26/CT-TTg, office culture (Decision 1847/QĐ-TTg), the Law on
    /// Citizen Reception and what Nghệ An's teams record.
    public static let directive26: [ChecklistItem] = [
        .init(code: "hours_at_visit", theme: "hours", source: .attendance),
        .init(code: "absences_noted", theme: "hours"),
        .init(code: "badges", theme: "conduct"),
        .init(code: "dress", theme: "conduct"),
        .init(code: "no_alcohol", theme: "conduct"),
        .init(code: "no_smoking", theme: "conduct"),
        .init(code: "name_plates", theme: "office"),
        .init(code: "national_emblem", theme: "office"),
        .init(code: "signage", theme: "office"),
        .init(code: "internal_rules", theme: "office"),
        .init(code: "work_programme", theme: "office"),
        .init(code: "procedures_posted", theme: "one_stop", source: .proceduresPosted),
        .init(code: "counter_hours_posted", theme: "one_stop"),
        .init(code: "counter_staffed", theme: "one_stop"),
        .init(code: "tracking_book", theme: "one_stop"),
        .init(code: "reception_schedule", theme: "reception", source: .receptionSchedule),
        .init(code: "duties_in_writing", theme: "tasks", source: .writtenDuties),
        .init(code: "tasks_reassigned", theme: "tasks", source: .reassignedTasks),
        .init(code: "directives_known", theme: "tasks"),
    ]

    /// The weekly duty unit's short list: hours, badges, alcohol, the counter.
    public static let dutyShort: [ChecklistItem] = directive26.filter {
        ["hours_at_visit", "badges", "no_alcohol", "no_smoking", "counter_staffed"].contains($0.code)
    }

    /// Checks a new version's items: codes unique and plain, known themes, custom items worded.
    public static func validate(_ items: [ChecklistItem]) throws -> [ChecklistItem] {
        var errors: [FieldError] = []
        if items.isEmpty { errors.append(FieldError("items", "checklist_empty")) }
        if items.count > 100 { errors.append(FieldError("items", "too_many")) }
        let defaults = Set(directive26.map(\.code))
        var seen = Set<String>()
        var tidy: [ChecklistItem] = []
        for var item in items {
            item.code = item.code.tidied.lowercased()
            item.text = item.text.tidied
            let plain = !item.code.isEmpty && item.code.count <= 40 && item.code.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
            if !plain { errors.append(FieldError("items", "checklist_code_invalid")) }
            if !seen.insert(item.code).inserted { errors.append(FieldError("items", "checklist_code_repeated")) }
            if !themes.contains(item.theme) { errors.append(FieldError("items", "checklist_theme_unknown")) }
            if item.text.isEmpty && !defaults.contains(item.code) { errors.append(FieldError("items", "checklist_text_missing")) }
            if item.text.count > 300 { errors.append(FieldError("items", "too_long")) }
            tidy.append(item)
        }
        if !errors.isEmpty { throw ValidationErrors(errors) }
        return tidy
    }
}

/// Whether the inspector saw a person at their place.
public enum Sighting: String, CaseIterable, Codable, Sendable {
    case seen, notSeen = "not_seen"
}

/// What the roll turns into a finding when attendance and the inspector's eyes disagree.
public enum RollFinding: String, CaseIterable, Codable, Sendable {
    /// Attendance says in, the inspector did not see them.
    case punchedNotPresent = "punched_not_present"
    /// No punch, no approved notice or leave, not there.
    case absentWithoutNotice = "absent_without_notice"
    /// There, but attendance has no punch.
    case presentNoPunch = "present_no_punch"
}

/// The roll of a visit: who should be at work in the inspected unit at the visit's minute, and
/// what follows from each mark.
public enum InspectionRoll {
    /// A post: who, where, from and to which day.
    public struct Post: Equatable, Sendable {
        public var personID: Int64
        public var unitPath: String
        public var from: Day
        public var to: Day?

        public init(personID: Int64, unitPath: String, from: Day, to: Day?) {
            self.personID = personID
            self.unitPath = unitPath
            self.from = from
            self.to = to
        }

        public func covers(_ day: Day) -> Bool { from <= day && (to.map { day <= $0 } ?? true) }
    }

    /// The people expected in the subtree at `path` on `day`, as indexes into `posts`: each
    /// person's post that day, the one begun latest when two overlap (someone who moved that day
    /// is expected where they moved to, not where they came from).
    public static func expected(_ posts: [Post], in path: String, on day: Day) -> [Int] {
        var best: [Int64: Int] = [:]
        for (i, p) in posts.enumerated() where p.covers(day) {
            if let j = best[p.personID], posts[j].from >= p.from { continue }
            best[p.personID] = i
        }
        return best.values.filter { posts[$0].unitPath.hasPrefix(path) }.sorted()
    }

    /// The finding from a person's attendance state at the minute and the inspector's mark (nil:
    /// not marked yet, or nothing to say).
    public static func finding(state: Presence.State, sighting: Sighting?) -> RollFinding? {
        switch (state, sighting) {
        case (_, nil), (.dayOff, _), (.onNotice, _), (.onLeave, _): return nil
        case (.present, .notSeen), (.late, .notSeen): return .punchedNotPresent
        case (.notArrived, .notSeen), (.left, .notSeen): return .absentWithoutNotice
        case (.notArrived, .seen), (.left, .seen): return .presentNoPunch
        case (.present, .seen), (.late, .seen): return nil
        }
    }

    /// Whether the inspector must mark a person: everyone but those off for the day.
    public static func needsMark(_ state: Presence.State) -> Bool { state != .dayOff }
}

/// A minute's visit may not be recorded too far in the past: the team records what it sees.
public struct VisitWindow: Equatable, Sendable {
    /// How far back a visit's start may be set, in hours.
    public var backdateHours: Int

    public init(backdateHours: Int = 24) { self.backdateHours = backdateHours }

    public func check(start: Date, now: Date) throws {
        if start > now.addingTimeInterval(300) { throw ValidationErrors([FieldError("started_at", "visit_in_future")]) }
        if start < now.addingTimeInterval(-Double(backdateHours) * 3600) { throw ValidationErrors([FieldError("started_at", "visit_backdated")]) }
    }
}

/// A recommendation of the minutes: what the inspected unit must do, by when; it becomes a
/// corrective task owned there.
public struct Recommendation: Equatable, Sendable {
    public var text: String
    public var ownerID: Int64
    public var due: Day

    public init(text: String, ownerID: Int64, due: Day) {
        self.text = text
        self.ownerID = ownerID
        self.due = due
    }

    public static func validate(text: String, ownerID: Int64?, due: Day?, today: Day) throws -> Recommendation {
        var errors: [FieldError] = []
        let t = text.tidied
        if t.count < 5 { errors.append(FieldError("recommendation", "required")) }
        if t.count > 1000 { errors.append(FieldError("recommendation", "too_long")) }
        if ownerID == nil { errors.append(FieldError("owner", "required")) }
        if let due, due < today { errors.append(FieldError("due", "due_in_past")) }
        if due == nil { errors.append(FieldError("due", "required")) }
        if !errors.isEmpty { throw ValidationErrors(errors) }
        return Recommendation(text: t, ownerID: ownerID!, due: due!)
    }
}

/// Per inspecting body and year: which units in scope were visited, which never, the last visit.
public struct Coverage: Equatable, Sendable {
    public struct UnitLine: Equatable, Sendable {
        public var unitID: Int64
        public var visits: Int
        public var last: Day?

        public init(unitID: Int64, visits: Int, last: Day?) {
            self.unitID = unitID
            self.visits = visits
            self.last = last
        }
    }

    public var inScope: Int
    public var inspected: Int
    public var lines: [UnitLine]

    public var never: [Int64] { lines.filter { $0.visits == 0 }.map(\.unitID) }

    /// `units`: the units in scope; `visits`: (unit, day) of each visit that happened (open or
    /// finalised) in the year; visits to units outside the scope are not counted.
    public static func of(units: [Int64], visits: [(unitID: Int64, day: Day)]) -> Coverage {
        var count: [Int64: Int] = [:], last: [Int64: Day] = [:]
        let scope = Set(units)
        for v in visits where scope.contains(v.unitID) {
            count[v.unitID, default: 0] += 1
            if last[v.unitID].map({ $0 < v.day }) ?? true { last[v.unitID] = v.day }
        }
        let lines = units.map { UnitLine(unitID: $0, visits: count[$0] ?? 0, last: last[$0]) }
        return Coverage(inScope: units.count, inspected: lines.filter { $0.visits > 0 }.count, lines: lines)
    }
}

/// The weekly duty unit (Anh Sơn's practice): departments take the duty in turn, a week each;
/// the unit on duty checks every other department at least a number of times that week.
public struct DutyRotation: Equatable, Sendable {
    /// The departments in their turn.
    public var order: [Int64]
    /// The first week of the rotation.
    public var start: DutyWeek
    /// Checks of each other department in a week (the practice says 3), fewer in a short week.
    public var minimumChecks: Int
    /// Approved swaps: the week and who takes it instead.
    public var swaps: [DutyWeek: Int64]

    public init(order: [Int64], start: DutyWeek, minimumChecks: Int = 3, swaps: [DutyWeek: Int64] = [:]) {
        self.order = order
        self.start = start
        self.minimumChecks = minimumChecks
        self.swaps = swaps
    }

    public static func validate(order: [Int64], minimumChecks: Int) throws {
        var errors: [FieldError] = []
        if order.count < 2 { errors.append(FieldError("order", "rotation_too_short")) }
        if Set(order).count != order.count { errors.append(FieldError("order", "rotation_repeated")) }
        if !(1...5).contains(minimumChecks) { errors.append(FieldError("minimum_checks", "out_of_range")) }
        if !errors.isEmpty { throw ValidationErrors(errors) }
    }

    /// Whether a week has any working day: a week of holidays (Tết) takes no turn.
    public static func counts(_ week: DutyWeek, calendar: WorkCalendar) -> Bool {
        week.days(count: 7).contains { calendar.isWorkingDay($0) }
    }

    /// The department on duty in `week` (nil before the start, in a week without working days, or
    /// without departments). Weeks without working days are skipped: the turn passes to the next
    /// working week. A swap replaces who is on duty that week without moving the turns after it.
    public func onDuty(_ week: DutyWeek, calendar: WorkCalendar) -> Int64? {
        guard !order.isEmpty, week >= start, Self.counts(week, calendar: calendar) else { return nil }
        if let swapped = swaps[week] { return swapped }
        var turns = 0
        var w = start
        while w < week {
            if Self.counts(w, calendar: calendar) { turns += 1 }
            w = w.next
        }
        return order[turns % order.count]
    }

    /// The checks each department must get in `week`: the minimum, but no more than the week's
    /// working days (a week shortened by a holiday asks less).
    public func required(_ week: DutyWeek, calendar: WorkCalendar) -> Int {
        min(minimumChecks, week.days(count: 7).filter { calendar.isWorkingDay($0) }.count)
    }
}

/// A team's roles: one leader, one secretary, members.
public enum TeamRole: String, CaseIterable, Codable, Sendable {
    case leader, secretary, member
}

/// A body's yearly plan: the units it will inspect and how often, its themes, and the team with
/// the decision that formed it.
public struct PlanDraft: Equatable, Sendable {
    public var title: String
    public var themes: String
    public var decisionNumber: String
    public var decisionDate: Day?
    public var units: [Int64: Int]
    public var team: [Int64: TeamRole]

    public init(title: String, themes: String = "", decisionNumber: String = "", decisionDate: Day? = nil, units: [Int64: Int], team: [Int64: TeamRole]) {
        self.title = title
        self.themes = themes
        self.decisionNumber = decisionNumber
        self.decisionDate = decisionDate
        self.units = units
        self.team = team
    }

    /// A title, at least one unit with 1–12 visits, exactly one leader and at most one secretary.
    public func validate() throws -> PlanDraft {
        var d = self
        d.title = title.tidied
        d.themes = themes.tidied
        d.decisionNumber = decisionNumber.tidied
        var errors: [FieldError] = []
        if d.title.isEmpty { errors.append(FieldError("title", "required")) }
        if d.title.count > 300 || d.themes.count > 1000 || d.decisionNumber.count > 60 { errors.append(FieldError("title", "too_long")) }
        if units.isEmpty { errors.append(FieldError("units", "required")) }
        if units.values.contains(where: { !(1...12).contains($0) }) { errors.append(FieldError("units", "out_of_range")) }
        if team.values.filter({ $0 == .leader }).count != 1 { errors.append(FieldError("team", "team_one_leader")) }
        if team.values.filter({ $0 == .secretary }).count > 1 { errors.append(FieldError("team", "team_one_secretary")) }
        if !errors.isEmpty { throw ValidationErrors(errors) }
        return d
    }
}
