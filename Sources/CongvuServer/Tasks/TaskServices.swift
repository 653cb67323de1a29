import CongvuDomain
import CongvuStore
import Foundation
import Hummingbird

/// Tasks in writing: their store, and who may see, give and evaluate them.
@dynamicMemberLookup
public struct TaskServices: FeatureServices {
    public let shared: SharedServices
    public let tasks: TaskStore
    public let dutyBooks: DutyBookStore
    public let duties: StandingDutiesStore
    /// Approved notices and leave: a lead away lets their substitute act.
    let absences: AbsenceStore
    /// Files attached to tasks and their steps, stored once by SHA-256 outside the web root.
    let files: ContentFiles
    /// Boards answered through the API, by unit, statuses, day and the database's count of task
    /// changes (never stale); a minute at most. A board of 500 tasks is about 350 KB: a hundred at most.
    let boards = ExpiringCache<ByteBuffer>(lifetime: 60, capacity: 100)

    init(shared: SharedServices) {
        self.shared = shared
        absences = AbsenceStore(database: shared.database)
        tasks = TaskStore(database: shared.database)
        dutyBooks = DutyBookStore(database: shared.database)
        duties = StandingDutiesStore(database: shared.database)
        files = ContentFiles(directory: shared.dataPath("task-files"))
    }

    /// What a task or a step may carry: pictures, PDF and office documents, 10 MB each.
    static let fileKinds: Set<String> = ["jpg", "png", "pdf", "docx", "xlsx"]
    static let fileLimit = 10 * 1024 * 1024

    /// Checks an uploaded file (kind by its bytes, size) and writes it to the store; nil when none was sent.
    func keep(_ upload: (filename: String, content: Data)?) throws -> TaskFile.Upload? {
        guard let upload, !upload.content.isEmpty else { return nil }
        let kind = try UploadedFile.accept(upload.content, kinds: Self.fileKinds, limit: Self.fileLimit, messages: "task_file")
        let sha = try files.write(upload.content)
        let base = (upload.filename as NSString).lastPathComponent.tidied
        return TaskFile.Upload(sha256: sha, name: base.isEmpty ? "tep.\(kind.ext)" : String(base.suffix(200)), ext: kind.ext, size: upload.content.count)
    }

    /// The people posted today in any of the units (their own subtree included), for choosing who
    /// leads a task handed on from a meeting, a reception or feedback.
    func staff(of units: [OrgUnit]) async throws -> [StaffPost] {
        guard !units.isEmpty else { return [] }
        var seen = Set<Int64>()
        return try await VerdictStore(database: shared.database).posts(scopes: units.map(\.path), first: shared.today, last: shared.today)
            .filter { seen.insert($0.personID).inserted }.sorted { ($0.unitName, $0.fullName) < ($1.unitName, $1.fullName) }
    }

    /// A task for `owner` (one of `staff`) on their own unit's books, given by `assigner`, checked
    /// as the task form checks it (a deadline not past, not years ahead).
    func task(title: String, content: String, source: TaskSource, owner: Int64?, due: String, assignerID: Int64, staff: [StaffPost]) async throws -> WorkTask {
        let post = owner.flatMap { id in staff.first { $0.personID == id } }
        let unitID = post?.unitID ?? staff.first?.unitID ?? 0
        guard let calendar = try await shared.workCalendar(unitID: unitID) else { throw ValidationErrors([FieldError("owner", "required")]) }
        var task = try TaskDraft(title: String(title.prefix(300)), content: content, ownerID: post?.personID, dueDate: due)
            .validate(unitID: unitID, assignerID: assignerID, today: shared.today, now: Date(), calendar: calendar)
        task.source = source
        return task
    }

    /// Where the principal may give tasks: the scope of `assignTasks`, and the units where their
    /// person holds a leading post today (a head gives tasks to their own staff).
    func assignScopes(_ p: Principal) async throws -> [String] {
        Self.roots(p.scopes(for: .assignTasks) + (try await headedUnits(p)))
    }

    /// The units the principal's person heads today (a leading post).
    func headedUnits(_ p: Principal) async throws -> [String] {
        guard let personID = p.personID else { return [] }
        return try await shared.people.headedUnitPaths(personID: personID, on: shared.today)
    }

    /// Subtree roots, each once, none inside another.
    static func roots(_ scopes: [String]) -> [String] {
        Set(scopes).filter { root in !scopes.contains { $0 != root && root.hasPrefix($0) } }.sorted()
    }

    /// The unit a tasks page is asked for (`unit` in the query; default: the first), among the active
    /// units of `scopes`, with those units for the picker: 404 without one, 403 for a unit outside them.
    /// Without `choices` (the API: no picker), a unit asked for is loaded alone.
    func pickUnit(_ request: Request, scopes: [String], choices: Bool = true) async throws -> (OrgUnit, [OrgUnit]) {
        guard !scopes.isEmpty else { throw Forbidden() }
        if !choices, let asked = request.uri.queryParameters["unit"].flatMap({ Int64($0) }) {
            guard let unit = try await shared.units.get(asked) else { throw StoreError.notFound("unit") }
            guard scopes.contains(where: { unit.path.hasPrefix($0) }), unit.isActive(on: shared.today) else { throw Forbidden() }
            return (unit, [unit])
        }
        let units = try await shared.units.list(scopes: scopes).filter { $0.isActive(on: shared.today) }
        let asked = request.uri.queryParameters["unit"].flatMap { Int64($0) }
        guard let unit = asked.flatMap({ id in units.first { $0.id == id } }) ?? (asked == nil ? units.first : nil) else {
            throw asked == nil ? StoreError.notFound("unit") : Forbidden()
        }
        return (unit, units)
    }

    /// Where the principal reads tasks: every task of the units of `viewTasks`, and where they give tasks.
    func readScopes(_ p: Principal) async throws -> [String] { try await scopes(p).read }

    /// Where the principal reads tasks and where they give them, the person's posts read once.
    func scopes(_ p: Principal) async throws -> (read: [String], assign: [String]) {
        let assign = try await assignScopes(p)
        return (Array(Set(p.scopes(for: .viewTasks) + assign)).sorted(), assign)
    }

    /// Where the principal approves written duties: as a leader (grant), or as the head of a unit (a leading post).
    func headScopes(_ p: Principal) async throws -> [String] {
        Self.roots(p.grants.filter { $0.role == .leader || $0.role == .systemAdmin }.map(\.unitPath) + (try await headedUnits(p)))
    }

    /// The latest post start past the grace today, on the calendar of the scopes' first unit: the
    /// one day both the duties page and the home card judge by.
    func dutiesLatestStart(scopes: [String]) async throws -> Day? {
        guard let first = try await shared.units.list(scopes: scopes).first, let calendar = try await shared.workCalendar(unitID: first.id) else { return nil }
        return try? DutyRules.latestStart(today: shared.today, calendar: calendar, grace: shared.config.dutiesGraceDays)
    }

    /// How many people in the scopes lack approved written duties past the grace: the home card's count, in one query.
    func countWithoutDuties(scopes: [String]) async throws -> Int {
        guard let latest = try await dutiesLatestStart(scopes: scopes) else { return 0 }
        return try await duties.countWithout(scopes: scopes, postedBy: latest, on: shared.today)
    }


    /// How the principal stands to a task.
    struct Standing {
        var isLead: Bool
        var isAssigner: Bool
        var isParticipant: Bool
        var mayView: Bool
        /// The principal gives tasks somewhere (may split this one into parts when they lead or gave it).
        var givesTasks: Bool
    }

    /// The lead acts as lead, and so does the named substitute while the lead is away on an approved
    /// notice or leave; the assigner, or whoever may give tasks over the task's unit, acts as
    /// assigner; co-operating people and watchers may comment.
    func standing(_ p: Principal, _ row: TaskRow, people: [TaskPerson], now: Date = Date()) async throws -> Standing {
        let me = p.personID
        var isLead = me == row.task.ownerID
        if !isLead, let me, people.contains(where: { $0.role == .substitute && $0.personID == me }) {
            isLead = try await leadIsAway(row.task, now: now)
        }
        let assign = try await assignScopes(p)
        let isAssigner = me == row.task.assignerID || assign.contains { row.unitPath.hasPrefix($0) }
        let isParticipant = me.map { id in people.contains { $0.personID == id } } ?? false
        let mayView = isLead || isAssigner || isParticipant || p.allows(.viewTasks, at: row.unitPath)
        return Standing(isLead: isLead, isAssigner: isAssigner, isParticipant: isParticipant, mayView: mayView, givesTasks: !assign.isEmpty)
    }

    /// Whether the task's lead is away right now on an approved notice or leave.
    func leadIsAway(_ task: WorkTask, now: Date = Date()) async throws -> Bool {
        !(try await absences.approved(personIDs: [task.ownerID], from: now, to: now.addingTimeInterval(1))[task.ownerID] ?? []).isEmpty
    }

    /// Who a task can be handed to: people with a post under the task's unit today.
    func reassignChoices(_ row: TaskRow) async throws -> [PersonSummary] {
        try await shared.people.search("", scopes: [row.unitPath], on: shared.today, limit: 2000).items
    }

    /// A step as a form or a JSON body gives it, before checks.
    struct StepInput {
        var action: String
        var version: Int64?
        var note: String
        var percent: String?
        var due: String?
        var quality: String?
        var owner: Int64?
        /// A file sent with the step, kept only once the step is the principal's to take.
        var upload: (filename: String, content: Data)?
    }

    /// Takes a step for the pages and the API alike: refused (403) when it is not the principal's
    /// to take, a conflict (409) when the task has moved on, a field error for bad input.
    func take(_ input: StepInput, on row: TaskRow, _ standing: Standing, by actor: Actor) async throws -> WorkTask {
        guard let action = TaskAction(rawValue: input.action) else { throw ValidationErrors([FieldError("action", "invalid")]) }
        let pending = row.extensionDue != nil
        let allowed = TaskRules.available(row.task, isLead: standing.isLead, isAssigner: standing.isAssigner,
                                          isParticipant: standing.isParticipant, extensionPending: pending)
        guard allowed.contains(action) else {
            if action.next(from: row.task.status, extensionPending: pending) == nil { throw StoreError.conflict(field: "action", key: "task_action_not_now") }
            throw Forbidden()
        }
        var step = TaskStep(action: action, version: input.version.map(Int.init) ?? 0, note: input.note,
                            files: try keep(input.upload).map { [$0] } ?? [])
        switch action {
        case .progress:
            guard let p = input.percent.flatMap({ Int($0.trimmingCharacters(in: .whitespaces)) }) else {
                throw ValidationErrors([FieldError("percent", "task_percent_invalid")])
            }
            step.percent = p
        case .requestExtension:
            guard let due = input.due.flatMap({ Day($0.trimmingCharacters(in: .whitespaces)) }) else { throw ValidationErrors([FieldError("due", "date_invalid")]) }
            step.due = due
        case .accept:
            guard let q = input.quality.flatMap(WorkTask.Quality.init) else { throw ValidationErrors([FieldError("quality", "required")]) }
            step.quality = q
        case .reassign:
            guard let owner = input.owner, try await reassignChoices(row).contains(where: { $0.person.id == owner }) else {
                throw ValidationErrors([FieldError("owner", "task_owner_out_of_scope")])
            }
            step.owner = owner
        default:
            break
        }
        return try await tasks.act(row.task.id, step, by: actor)
    }

    // MARK: Jobs outside requests

    /// Extends every running series to the horizon: the nightly job. Each series' new deadlines fall
    /// on its latest task's unit's calendar; a series another node extended meanwhile is skipped.
    /// Returns the tasks added.
    @discardableResult
    func extendSeries(now: Date = Date()) async throws -> Int {
        let today = Day(now, in: CivilTime.vietnam)
        var added = 0
        for (series, unitID) in try await tasks.seriesToExtend(before: Recurrence.horizon(from: today)) {
            guard let rule = Recurrence(series.rule), let calendar = try await shared.workCalendar(unitID: unitID) else { continue }
            let days = rule.extending(start: series.starts, generatedThrough: series.generatedThrough, until: series.until, today: today, calendar: calendar)
            added += try await tasks.extendSeries(series.id, from: series.generatedThrough, deadlines: days, at: now,
                                                  by: Actor(id: nil, name: shared.catalogs.text("task_series_actor", .vi))).count
        }
        return added
    }

    /// The morning's reminders, through the notifications: to each open task's lead 3 and 1 working
    /// days before its deadline, and on every working day once it is overdue. Each is raised once
    /// per task and day (its key), so a second run, or a second node, adds nothing. Returns how many.
    @discardableResult
    func remind(now: Date = Date()) async throws -> Int {
        let today = Day(now, in: CivilTime.vietnam)
        var calendars: [Int64: WorkCalendar] = [:]
        var raised = 0
        // Three working days ahead never reach past two weeks, whatever the holidays.
        for t in try await tasks.openDue(through: Day(now.addingTimeInterval(14 * 86400), in: CivilTime.vietnam)) {
            if calendars[t.unitID] == nil { calendars[t.unitID] = try await shared.workCalendar(unitID: t.unitID) }
            guard let calendar = calendars[t.unitID], calendar.isWorkingDay(today), TaskRules.remindsToday(t, today: today, calendar: calendar),
                  let left = try? TaskRules.workingDaysLeft(t, today: today, calendar: calendar) else { continue }
            let kind: NotificationKind = left < 0 ? .taskOverdue : .taskDueSoon
            let draft = NotificationDraft(key: NotificationKey(kind, recordType: "task", recordID: t.id, occasion: today.description), unitID: t.unitID,
                                          params: ["reference": t.reference, "title": t.title, "due": t.due.description], link: "/tasks/\(t.id)")
            guard try await !shared.notifications.raised(draft.key, personID: t.ownerID) else { continue }
            try await shared.database.write { try await NotificationStore.raise(draft, toPeople: [t.ownerID], at: now, in: $0) }
            raised += 1
        }
        return raised
    }

    /// The tasks' part of the morning (07:30): reminders of deadlines.
    var morning: NightlyJob {
        NightlyJob(name: "task reminders") { now in "task reminders raised \(try await remind(now: now))" }
    }

    /// The tasks' part of the night: recurring series generated ahead.
    var nightly: NightlyJob {
        NightlyJob(name: "tasks") { now in "recurring tasks added \(try await extendSeries(now: now))" }
    }

    /// For the home card: the orphaned tasks the principal may hand on, and how many of them, in
    /// units below the principal's own, waited past the escalation (their head did not act).
    func orphanCounts(scopes: [String]) async throws -> (waiting: Int, escalatedBelow: Int) {
        guard !scopes.isEmpty else { return (0, 0) }
        let all = try await orphans(scopes: scopes)
        return (all.count, all.filter { $0.escalated && !scopes.contains($0.row.unitPath) }.count)
    }

    /// An orphaned task, the working days it has waited for a new lead, and whether the level above is told.
    struct Orphan {
        var row: TaskRow
        var waited: Int
        var escalated: Bool
    }

    /// The orphaned tasks in the scopes, each with its wait on its unit's calendar; those past the
    /// escalation first, each part by deadline.
    func orphans(scopes: [String]) async throws -> [Orphan] {
        var calendars: [Int64: WorkCalendar] = [:]
        var out: [Orphan] = []
        for r in try await tasks.orphans(scopes: scopes, on: shared.today) {
            if calendars[r.task.unitID] == nil { calendars[r.task.unitID] = try await shared.workCalendar(unitID: r.task.unitID) }
            let since = OrphanRules.since(lastDayInPost: r.leadLeft, assigned: Day(r.task.assignedAt, in: CivilTime.vietnam))
            let days = calendars[r.task.unitID].map { OrphanRules.waited(since: since, today: shared.today, calendar: $0) } ?? 0
            out.append(Orphan(row: r, waited: days, escalated: OrphanRules.escalated(waited: days, after: shared.config.orphanEscalationDays)))
        }
        return out.filter(\.escalated) + out.filter { !$0.escalated }
    }
}
