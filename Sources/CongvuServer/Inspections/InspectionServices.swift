import CongvuDomain
import CongvuStore
import Foundation
import Hummingbird

/// Inspections of discipline (issue 21): the store, the roll from attendance at a minute, photos,
/// and who may inspect, see minutes and keep the duty roster.
@dynamicMemberLookup
public struct InspectionServices: FeatureServices {
    public let shared: SharedServices
    public let store: InspectionStore
    /// Attendance at the visit's minute: posts, punches, notices and leave, each unit's rules.
    let attendance: AttendanceServices
    /// Photos taken on visits, stored once by SHA-256 outside the web root.
    let photos: ContentFiles
    /// Plans' decisions (the file of the decision that formed the team), stored the same way.
    let files: ContentFiles
    /// The task mechanism: who gives tasks where, written duties, tasks left without a lead, the
    /// Weekly Duty Book's key tasks.
    let taskServices: TaskServices
    /// The procedure catalogue, for the one-stop counter's item.
    let procedures: ProcedureStore
    /// Published schedules, for the chairman's citizen reception item.
    let schedules: ScheduleServices

    init(shared: SharedServices, attendance: AttendanceServices, taskServices: TaskServices, schedules: ScheduleServices) {
        self.schedules = schedules
        self.shared = shared
        self.attendance = attendance
        store = InspectionStore(database: shared.database)
        photos = ContentFiles(directory: shared.dataPath("inspection-photos"))
        files = ContentFiles(directory: shared.dataPath("inspection-files"))
        self.taskServices = taskServices
        procedures = ProcedureStore(database: shared.database)
    }

    /// Pictures from a phone's camera: JPEG or PNG, 8 MB each.
    static let photoKinds: Set<String> = ["jpg", "png"]
    static let photoLimit = 8 * 1024 * 1024

    var window: VisitWindow { VisitWindow(backdateHours: shared.config.inspectionBackdateHours) }

    // MARK: The roll

    /// Everyone expected at work in `unit` (its subtree) at `now`, with their attendance state then:
    /// punched in (on time or late), on an approved notice or leave, gone, or no record. Someone who
    /// moved that day is on the roll of the unit they moved to.
    public func roll(unit: OrgUnit, at now: Date) async throws -> [RollLine] {
        let day = Day(now, in: CivilTime.vietnam)
        let verdicts = attendance.verdicts
        let inUnit = try await verdicts.posts(scopes: [unit.path], first: day, last: day)
        guard !inUnit.isEmpty else { return [] }
        let all = try await verdicts.posts(personIDs: Array(Set(inUnit.map(\.personID))), first: day, last: day)
        let posts = InspectionRoll.expected(all.map { InspectionRoll.Post(personID: $0.personID, unitPath: $0.unitPath, from: $0.from, to: $0.to) },
                                            in: unit.path, on: day).map { all[$0] }
        let rules = try await verdicts.rules(unitIDs: Set(posts.map(\.unitID)), years: day.year...day.year)
        let ids = posts.map(\.personID)
        let from = CivilTime.startOfDay(day), to = from.addingTimeInterval(86400)
        let punches = try await attendance.punches.punches(personIDs: ids, from: from, to: to)
        let requests = try await attendance.absences.approved(personIDs: ids, from: from, to: to)
        // A leader's published schedule entry away from the office counts as a notice (issue 22).
        let away = try await ScheduleStore(database: attendance.database).excuses(personIDs: ids, from: from, to: to)
        let t = AttendanceText(catalogs: shared.views.catalogs, locale: .vi)
        return posts.map { post in
            let mine = requests[post.personID] ?? []
            let state = Presence.now(now, day: day, punches: (punches[post.personID] ?? []).map(\.at), excuses: mine.compactMap(\.excuse) + (away[post.personID] ?? []),
                                     calendar: rules.calendar(post.unitID), policy: rules.policy(post.unitID, on: day))
            var detail: [String] = []
            if let i = state.checkIn { detail.append(t.text("board_in", Instant.clock(i))) }
            if state.lateMinutes > 0 { detail.append(t.text("reason_late", state.lateMinutes)) }
            if let o = state.checkOut { detail.append(t.text("board_out", Instant.clock(o))) }
            if let r = mine.first(where: { "absence-\($0.id)" == state.excuseID }) {
                detail = [t.catalogs.label("absence_kind", r.kind.rawValue, .vi), r.place, r.purpose, t.text("board_until", Instant.display(r.to))]
                    .filter { !$0.isEmpty }
            }
            if state.excuseID?.hasPrefix("schedule-") == true { detail = [t.text("board_schedule_away")] }
            return RollLine(personID: post.personID, unitID: post.unitID, fullName: post.fullName, title: post.title, state: state.state,
                            detail: detail.joined(separator: " · "))
        }
    }

    /// When each violator's explanation falls due: their unit's explanation days, in working days
    /// on its calendar.
    func explanationDue(_ record: VisitRecord, at now: Date) async throws -> [Int64: Date] {
        let violators = InspectionStore.pendingViolations(record.roll)
        guard !violators.isEmpty else { return [:] }
        let day = Day(now, in: CivilTime.vietnam)
        let units = Dictionary(record.roll.map { ($0.personID, $0.unitID) }, uniquingKeysWith: { a, _ in a })
        let rules = try await attendance.verdicts.rules(unitIDs: Set(violators.compactMap { units[$0.personID] }), years: day.year...(day.year + 1))
        var due: [Int64: Date] = [:]
        for v in violators {
            guard let unitID = units[v.personID] else { continue }
            let days = rules.policy(unitID, on: day).explanationDays
            due[v.personID] = (try? rules.calendar(unitID).addingWorkingDays(days, to: now)) ?? now.addingTimeInterval(TimeInterval(days) * 86400)
        }
        return due
    }

    // MARK: Who may

    /// The inspecting body for a visit to `unit` by the principal: the unit of their nearest
    /// `inspect` grant above it (a province's inspectors inspect its communes as the province).
    func body(for unit: OrgUnit, _ p: Principal) async throws -> OrgUnit? {
        let grant = p.grants.filter { $0.role.permissions.contains(.inspect) && unit.path.hasPrefix($0.unitPath) }
            .max { $0.unitPath.count < $1.unitPath.count }
        guard let grant else { return nil }
        return try await shared.units.get(grant.unitID)
    }

    /// May the principal see this visit? Inspectors of its unit see every visit (an unannounced
    /// one before it starts included); the unit's leaders and people see only finalised minutes; a
    /// duty check is seen by the duty department and the checked one while open.
    func maySee(_ v: InspectionVisit, _ p: Principal) async throws -> Bool {
        if p.allows(.inspect, at: v.unitPath) { return true }
        if v.kind == .dutyCheck, v.status != .planned {
            let body = try await path(of: v.bodyID)
            if try await isPosted(p, inAnyOf: [v.unitPath, body]) { return true }
        }
        if v.status != .finalised { return false }
        if p.allows(.viewInspections, at: v.unitPath) { return true }
        return try await isPosted(p, inAnyOf: [v.unitPath])
    }

    /// May the principal record the visit (marks, answers, photos, recommendations, finalising)?
    func mayRecord(_ v: InspectionVisit, _ p: Principal) async throws -> Bool {
        if p.allows(.inspect, at: v.unitPath) { return true }
        // A duty check is recorded by the department on duty.
        guard v.kind == .dutyCheck else { return false }
        let body = try await path(of: v.bodyID)
        return try await isPosted(p, inAnyOf: [body])
    }

    func path(of unitID: Int64) async throws -> String {
        try await shared.units.get(unitID)?.path ?? "/-/"
    }

    /// Does the principal's person hold a post today in one of these subtrees?
    func isPosted(_ p: Principal, inAnyOf paths: [String]) async throws -> Bool {
        guard let id = p.personID, let record = try await shared.people.get(id) else { return false }
        return record.assignments.contains { a in a.assignment.isActive(on: shared.today) && paths.contains { a.unit.path.hasPrefix($0) } }
    }

    /// The visit asked for in the route, if the principal may see it (404 otherwise: an
    /// unannounced visit does not exist for the unit it will inspect).
    func visit(_ context: AppRequestContext) async throws -> InspectionVisit {
        let p = try context.signedIn()
        guard let id = context.parameters.get("id", as: Int64.self), let v = try await store.visit(id), try await maySee(v, p) else {
            throw StoreError.notFound("inspection_visit")
        }
        return v
    }

    /// The inspecting bodies the principal works for (the units of their grants carrying one of
    /// `permissions`), and the one a page asks for (`body` in the query; default the first): 403
    /// for one outside them or when there is none.
    func body(_ request: Request, _ p: Principal, permissions: Set<Permission>) async throws -> (OrgUnit, [OrgUnit]) {
        var bodies: [OrgUnit] = []
        for grant in p.grants where !grant.role.permissions.isDisjoint(with: permissions) {
            if let u = try await shared.units.get(grant.unitID), !bodies.contains(where: { $0.id == u.id }) { bodies.append(u) }
        }
        let asked = request.uri.queryParameters["body"].flatMap { Int64($0) }
        guard let body = asked.flatMap({ id in bodies.first { $0.id == id } }) ?? (asked == nil ? bodies.first : nil) else { throw Forbidden() }
        return (body, bodies)
    }

    /// Units whose finalised minutes the principal reads: `viewInspections` scopes and their own posts.
    func readScopes(_ p: Principal) async throws -> [String] {
        var scopes = p.scopes(for: .viewInspections)
        if let id = p.personID, let record = try await shared.people.get(id) {
            scopes += record.assignments.filter { $0.assignment.isActive(on: shared.today) }.map(\.unit.path)
        }
        return TaskServices.roots(scopes)
    }
}
