import CongvuDomain
import CongvuStore
import Foundation
import Hummingbird

/// Tasks in writing and their "3 steps": a leader or head assigns (with a printable slip), the lead
/// acknowledges, reports progress, asks for more time and reports it done, the assigner evaluates.
/// Also a person's own tasks, a unit's board, and the tasks left without a lead after staff changes.
struct TasksController {
    let tasks: TaskServices
    var store: TaskStore { tasks.tasks }
    var catalogs: Catalogs { tasks.catalogs }

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get(use: mine)
        group.get("board", use: board)
        group.get("board.xlsx", use: boardXLSX)
        group.get("new", use: newForm)
        group.post(use: create)
        group.get("orphans", use: orphans)
        group.get("stats", use: stats)
        group.get("stats.xlsx", use: statsXLSX)
        group.post("orphans", use: reassignOrphans)
        group.get("orphans.xlsx", use: orphansXLSX)
        group.get(":id", use: show)
        group.post(":id/act", use: act)
        group.get(":id/files/:file", use: file)
        group.post(":id/series/stop", use: stopSeries)
        group.post(":id/substitute", use: substitute)
        group.get(":id/print", use: slip)
    }

    // MARK: Shared views

    func calendar(_ unitID: Int64, _ cache: inout [Int64: WorkCalendar]) async throws -> WorkCalendar? {
        if let c = cache[unitID] { return c }
        let c = try await tasks.shared.workCalendar(unitID: unitID)
        cache[unitID] = c
        return c
    }

    func view(_ r: TaskRow, _ locale: AppLocale, calendars: inout [Int64: WorkCalendar]) async throws -> TaskView {
        let t = r.task, today = tasks.today
        let standing = t.standing(on: today)
        var left: String?
        if t.status == .assigned || t.status == .inProgress, let c = try await calendar(t.unitID, &calendars),
           let n = try? TaskRules.workingDaysLeft(t, today: today, calendar: c) {
            left = n < 0 ? catalogs.text("task_overdue_by", locale, [String(-n)])
                : n == 0 ? catalogs.text("task_due_today", locale) : catalogs.text("task_days_left", locale, [String(n)])
        }
        return TaskView(id: t.id, reference: t.reference, title: t.title, unit: r.unitName, owner: r.ownerName, owner_id: t.ownerID,
                        assigner: r.assignerName, due: t.due.vietnamese, extended: t.due != t.originalDue ? t.originalDue.vietnamese : nil,
                        status: t.status.rawValue, status_label: catalogs.label("task_status", t.status.rawValue, locale),
                        standing: standing?.rawValue ?? "cancelled", standing_label: standing.map { catalogs.label("task_standing", $0.rawValue, locale) },
                        overdue: standing == .openOverdue, urgent: t.priority != .normal,
                        priority: catalogs.label("task_priority", t.priority.rawValue, locale), percent: t.percent, left: left,
                        extension_asked: r.extensionDue?.vietnamese)
    }

    func views(_ rows: [TaskRow], _ locale: AppLocale) async throws -> [TaskView] {
        var calendars: [Int64: WorkCalendar] = [:]
        var out: [TaskView] = []
        for r in rows { out.append(try await view(r, locale, calendars: &calendars)) }
        return out
    }

    // MARK: Mine

    /// The person's own tasks on a phone: open ones, nearest deadline first.
    func mine(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let p = try context.signedIn()
        var rows: [TaskRow] = []
        if let personID = p.personID { rows = try await store.mine(personID: personID) }
        let shown = try await views(rows, context.locale)
        let assign = try await tasks.assignScopes(p)
        return try tasks.views.page(MyTasksPage(
            tasks: shown, has_tasks: !shown.isEmpty, overdue: shown.filter { $0.overdue }.count.nonZero,
            can_assign: !assign.isEmpty, can_board: !assign.isEmpty || p.holds(.viewTasks)), context)
    }

    // MARK: Board

    /// The board's unit, its choices, what it shows, and its tasks.
    func boardRows(_ request: Request, _ context: AppRequestContext) async throws -> (OrgUnit, [OrgUnit], String, String, [TaskRow]) {
        let (unit, units) = try await tasks.pickUnit(request, scopes: try await tasks.readScopes(try context.signedIn()))
        let q = request.uri.queryParameters
        let show = q["show"].map(String.init) ?? "open"
        let statuses: [WorkTask.Status] = show == "all" ? [] : show == "closed" ? [.accepted, .cancelled] : WorkTask.Status.allCases.filter(\.isOpen)
        let search = q["q"].map(String.init) ?? ""
        return (unit, units, show, search, try await store.board(.init(unitPaths: [unit.path], statuses: statuses, search: search)))
    }

    /// The tasks of a unit and the units under it: by status, by lead, overdue first.
    func board(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let p = try context.signedIn()
        let (unit, units, show, search, rows) = try await boardRows(request, context)
        // Overdue first, each part keeping the store's order by deadline.
        let all = try await views(rows, context.locale)
        let shown = all.filter(\.overdue) + all.filter { !$0.overdue }
        let overdue = rows.filter { $0.task.standing(on: tasks.today) == .openOverdue }
        let byOwner = Dictionary(grouping: rows, by: \.ownerName).map { name, list in
            TaskBoardPage.Owner(name: name, open: list.filter { $0.task.status.isOpen }.count,
                                overdue: list.filter { $0.task.standing(on: tasks.today) == .openOverdue }.count.nonZero)
        }.sorted { ($0.overdue ?? 0, $0.open) > ($1.overdue ?? 0, $1.open) }
        return try tasks.views.page(TaskBoardPage(
            unit: .init(id: unit.id, name: unit.name),
            units: FormView.options(units.map { (value: String($0.id), label: $0.name) }, selected: String(unit.id)),
            shows: FormView.options(["open", "closed", "all"].map { (value: $0, label: catalogs.label("task_show", $0, context.locale)) }, selected: show),
            show: show, q: search, tasks: shown, has_tasks: !shown.isEmpty, overdue: overdue.count, owners: byOwner,
            can_assign: try await tasks.assignScopes(p).contains { unit.path.hasPrefix($0) }), context)
    }

    /// The board as a workbook, for the weekly meeting.
    func boardXLSX(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let (unit, _, _, _, rows) = try await boardRows(request, context)
        let locale = context.locale
        let views = try await views(rows, locale)
        var sheet = XLSXSheet(name: tasks.today.description)
        sheet.title = "\(catalogs.text("tasks_board", locale)) · \(unit.name) · \(tasks.today.vietnamese)"
        sheet.header = ["task_number", "task_title", "task_owner", "task_assigner", "task_due", "task_first_due", "task_status", "task_standing", "task_percent"]
            .map { catalogs.text($0, locale) }
        sheet.widths = [8, 44, 22, 22, 12, 12, 18, 24, 8]
        sheet.rows = views.map { v in
            [.text(v.reference), .text(v.title), .text(v.owner), .text(v.assigner), .text(v.due), v.extended.map { .text($0) } ?? .empty,
             .text(v.status_label), .text(v.standing_label ?? ""), .number(Double(v.percent))]
        }
        let filename = "nhiem-vu-\(unit.fileSlug)-\(tasks.today).xlsx"
        return try sheet.response(filename: filename)
    }

    // MARK: A year's figures

    /// Per lead, a year's tasks of a unit in the four states and by quality: for the annual evaluation.
    func figures(_ request: Request, _ context: AppRequestContext) async throws -> (OrgUnit, [Option], Int, [TaskStore.PersonFigures]) {
        let (unit, units) = try await tasks.pickUnit(request, scopes: try await tasks.readScopes(try context.signedIn()))
        var year = request.uri.queryParameters["year"].flatMap { Int(String($0)) } ?? tasks.today.year
        if !(2000...2100).contains(year) { year = tasks.today.year }
        let rows = try await store.statistics(scopes: [unit.path], first: Day(year: year, month: 1, day: 1)!, last: Day(year: year, month: 12, day: 31)!,
                                              today: tasks.today)
        return (unit, FormView.options(units.map { (value: String($0.id), label: $0.name) }, selected: String(unit.id)), year, rows)
    }

    static func rate(_ f: TaskStore.PersonFigures) -> String {
        let done = f.doneOnTime + f.doneLate + f.openOverdue
        return done == 0 ? "—" : ReportsController.percent(Double(f.doneOnTime) / Double(done))
    }

    func stats(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let (unit, units, year, rows) = try await figures(request, context)
        var total = TaskStore.PersonFigures(personID: 0, name: "", total: 0, doneOnTime: 0, doneLate: 0, openOverdue: 0, openWithinDeadline: 0, quality: [:])
        for r in rows {
            total.total += r.total; total.doneOnTime += r.doneOnTime; total.doneLate += r.doneLate
            total.openOverdue += r.openOverdue; total.openWithinDeadline += r.openWithinDeadline
            for (q, n) in r.quality { total.quality[q, default: 0] += n }
        }
        func row(_ f: TaskStore.PersonFigures) -> TaskStatsPage.Row {
            .init(person_id: f.personID, name: f.name, total: f.total, on_time: f.doneOnTime, late: f.doneLate, overdue: f.openOverdue,
                  within: f.openWithinDeadline, rate: Self.rate(f), quality: WorkTask.Quality.allCases.map { f.quality[$0] ?? 0 })
        }
        return try tasks.views.page(TaskStatsPage(
            unit: .init(id: unit.id, name: unit.name), units: units, year: year, prev: year - 1, next: year + 1, rows: rows.map(row),
            has_rows: !rows.isEmpty, total: row(total),
            qualities: WorkTask.Quality.allCases.map { catalogs.label("task_quality", $0.rawValue, context.locale) }), context)
    }

    func statsXLSX(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let (unit, _, year, rows) = try await figures(request, context)
        let locale = context.locale
        var sheet = XLSXSheet(name: String(year))
        sheet.title = "\(catalogs.text("tasks_stats_title", locale)) \(year) · \(unit.name)"
        sheet.header = [catalogs.text("field_full_name", locale), catalogs.text("tasks_stats_total", locale)]
            + TaskStanding.allCases.map { catalogs.label("task_standing", $0.rawValue, locale) } + [catalogs.text("tasks_stats_rate", locale)]
            + WorkTask.Quality.allCases.map { catalogs.label("task_quality", $0.rawValue, locale) }
        sheet.widths = [28, 8, 12, 12, 12, 12, 10, 10, 10, 10, 10]
        sheet.rows = rows.map { f in
            [.text(f.name), .number(Double(f.total)), .number(Double(f.doneOnTime)), .number(Double(f.doneLate)), .number(Double(f.openWithinDeadline)),
             .number(Double(f.openOverdue)), .text(Self.rate(f))] + WorkTask.Quality.allCases.map { .number(Double(f.quality[$0] ?? 0)) }
        }
        let filename = "nhiem-vu-\(unit.fileSlug)-\(year).xlsx"
        return try sheet.response(filename: filename)
    }

    // MARK: Assign

    /// The people the principal may give a task to: those holding a post today within their scopes.
    func owners(_ context: AppRequestContext) async throws -> [PersonSummary] {
        let scopes = try await tasks.assignScopes(try context.signedIn())
        guard !scopes.isEmpty else { throw Forbidden() }
        return try await tasks.people.search("", scopes: scopes, on: tasks.today, limit: 2000).items
    }

    /// The task a new one is split from, when the principal leads or gave it and it is still open.
    func parent(_ id: Int64?, _ context: AppRequestContext) async throws -> TaskRow? {
        guard let id else { return nil }
        guard let row = try await store.get(id), row.task.status.isOpen else { throw ValidationErrors([FieldError("parent", "task_parent_invalid")]) }
        let standing = try await tasks.standing(try context.signedIn(), row, people: try await store.people(id))
        guard standing.isLead || standing.isAssigner else { throw Forbidden() }
        return row
    }

    func formPage(_ context: AppRequestContext, _ form: FormView) async throws -> TaskFormPage {
        let people = try await owners(context)
        let parent = try await parent(form.values["parent"].flatMap { Int64($0) }, context)
        let locale = context.locale
        let choices = people.map { (value: String($0.person.id), label: "\($0.person.fullName) · \($0.title) · \($0.unitName)") }
        return TaskFormPage(
            form: form,
            owners: FormView.options([(value: "", label: "—")] + choices, selected: form.values["owner"] ?? ""),
            people: people.map { .init(id: $0.person.id, label: "\($0.person.fullName) · \($0.unitName)",
                                       co: form.values["co_\($0.person.id)"] == "1", watch: form.values["watch_\($0.person.id)"] == "1") },
            priorities: FormView.options(WorkTask.Priority.allCases.map { (value: $0.rawValue, label: catalogs.label("task_priority", $0.rawValue, locale)) },
                                         selected: form.values["priority"] ?? "normal"),
            sources: FormView.options(TaskSource.Kind.allCases.map { (value: $0.rawValue, label: catalogs.label("task_source", $0.rawValue, locale)) },
                                      selected: form.values["source_kind"] ?? "none"),
            parent: parent.map { .init(id: $0.task.id, title: $0.task.title, reference: $0.task.reference) },
            recurrences: FormView.options([(value: "", label: catalogs.label("task_repeat", "none", locale))]
                                          + Recurrence.presets.map { (value: $0.key, label: catalogs.label("task_repeat", $0.key, locale)) }
                                          + [(value: "custom", label: catalogs.label("task_repeat", "custom", locale))],
                                          selected: form.values["recurrence"] ?? ""))
    }

    func newForm(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        var form = FormView(values: ["priority": "normal", "source_kind": "none"])
        if let owner = request.uri.queryParameters["owner"] { form.values["owner"] = String(owner) }
        if let parent = request.uri.queryParameters["parent"] {
            form.values["parent"] = String(parent)
            // A part of a task is due by the task's own deadline at the latest.
            if let row = try await store.get(Int64(parent) ?? 0) { form.values["due_date"] = row.task.due.description }
        }
        return try tasks.views.page(try await formPage(context, form), context)
    }

    static let formFields = ["title", "content", "owner", "priority", "due_date", "due_working_days", "source_kind", "source_reference", "source_date",
                             "recurrence", "rrule", "repeat_until", "parent"]

    /// A recurring task's rule from the form: a preset's name, or `custom` with the RRULE typed.
    static func rule(_ form: FormData) -> String? {
        switch form["recurrence"] {
        case "": return nil
        case "custom": return form["rrule"].trimmingCharacters(in: .whitespaces)
        case let key: return Recurrence.presets.first { $0.key == key }?.rule ?? key
        }
    }

    func create(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let p = try context.signedIn()
        let form = try await FormData.read(request, context)
        var values = Dictionary(uniqueKeysWithValues: Self.formFields.map { ($0, form[$0]) })
        for (key, value) in form.fields where key.hasPrefix("co_") || key.hasPrefix("watch_") { values[key] = value.first ?? "" }
        var view = FormView(values: values)
        do {
            guard let assigner = p.personID else { throw ValidationErrors([FieldError("owner", "task_assigner_person")]) }
            let people = try await owners(context)
            let ownerID = form.int("owner")
            // The lead's post decides the task's unit: the one where the assigner may give it.
            guard let ownerID, let owner = people.first(where: { $0.person.id == ownerID }), let unitID = owner.unitID,
                  let unit = try await tasks.units.get(unitID) else {
                throw ValidationErrors([FieldError("owner", ownerID == nil ? "required" : "task_owner_out_of_scope")])
            }
            guard let calendar = try await tasks.shared.workCalendar(unitID: unit.id) else { throw StoreError.notFound("unit") }
            // A recurring task: one task per deadline, generated ahead (three months, then every night, unless it ends sooner).
            let rule = Self.rule(form)
            let deadlines = try rule.map { try Recurrence.deadlines(rule: $0, until: form["repeat_until"], today: tasks.today, calendar: calendar) }
            let attached = try tasks.keep(form.files["file"])
            let draft = TaskDraft(title: form["title"], content: form["content"], ownerID: ownerID, priority: form["priority"],
                                  dueDate: deadlines?.first?.description ?? form["due_date"], dueWorkingDays: deadlines == nil ? form["due_working_days"] : "",
                                  sourceKind: form["source_kind"], sourceReference: form["source_reference"], sourceDate: form["source_date"])
            var task = try draft.validate(unitID: unit.id, assignerID: assigner, today: tasks.today, now: Date(), calendar: calendar)
            if let parent = try await parent(form.int("parent"), context) {
                task.parentID = parent.task.id
                if task.due > parent.task.due { throw ValidationErrors([FieldError("due_date", "task_due_after_parent")]) }
            }
            let allowed = Set(people.map(\.person.id))
            let co = form.fields.keys.compactMap { $0.hasPrefix("co_") ? Int64($0.dropFirst(3)) : nil }.filter(allowed.contains)
            let watch = form.fields.keys.compactMap { $0.hasPrefix("watch_") ? Int64($0.dropFirst(6)) : nil }.filter(allowed.contains)
            let files = attached.map { [$0] } ?? []
            if let rule = rule.flatMap(Recurrence.init), let deadlines {
                let series = try await store.createSeries(task, rule: rule, starts: tasks.today, until: try Recurrence.end(form["repeat_until"], today: tasks.today),
                                                          deadlines: deadlines, coOwners: co, watchers: watch, files: files, by: context.actor)
                return HTMLPage.redirect("/tasks/\(series[0].id)")
            }
            let stored = try await store.create(task, coOwners: co, watchers: watch, files: files, by: context.actor)
            return HTMLPage.redirect("/tasks/\(stored.id)")
        } catch {
            try view.absorb(error, catalogs: catalogs, locale: context.locale)
            return try tasks.views.page(try await formPage(context, view), context, status: .badRequest)
        }
    }

    // MARK: One task

    func load(_ context: AppRequestContext) async throws -> (TaskRow, [TaskPerson], TaskServices.Standing) {
        guard let id = context.parameters.get("id", as: Int64.self), let row = try await store.get(id) else { throw StoreError.notFound("task") }
        let people = try await store.people(id)
        let standing = try await tasks.standing(try context.signedIn(), row, people: people)
        guard standing.mayView else { throw Forbidden() }
        return (row, people, standing)
    }

    func show(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let (row, people, standing) = try await load(context)
        return try await render(row, people, standing, context, form: FormView())
    }

    func render(_ row: TaskRow, _ people: [TaskPerson], _ s: TaskServices.Standing, _ context: AppRequestContext,
                status: HTTPResponse.Status = .ok, form: FormView) async throws -> Response {
        let locale = context.locale
        var calendars: [Int64: WorkCalendar] = [:]
        let t = row.task
        let actions = TaskRules.available(t, isLead: s.isLead, isAssigner: s.isAssigner, isParticipant: s.isParticipant,
                                          extensionPending: row.extensionDue != nil)
        var timeliness: String?
        if let done = t.doneDay, let c = try await calendar(t.unitID, &calendars), let judged = try? TaskTimeliness.judge(done: done, due: t.due, calendar: c) {
            timeliness = Self.timeliness(judged, catalogs, locale)
        }
        let events = try await store.events(t.id)
        let children = try await views(try await store.children(t.id), locale)
        var parent: TaskRow?
        if let id = t.parentID { parent = try await store.get(id) }
        let substitute = people.first { $0.role == .substitute }
        let away = substitute == nil ? false : try await tasks.leadIsAway(t)
        let me = try context.signedIn().personID
        let mayName = t.status.isOpen && (me == t.ownerID || s.isAssigner)
        // The people a task may be handed to, read only for the forms that offer them.
        var names: [Int64: String] = [:]
        if actions.contains(.reassign) || mayName {
            names = Dictionary(uniqueKeysWithValues: try await tasks.reassignChoices(row).map { ($0.person.id, $0.person.fullName) })
        }
        var unacknowledged = false
        if t.status == .assigned, let c = try await calendar(t.unitID, &calendars) { unacknowledged = TaskRules.unacknowledged(t, now: Date(), calendar: c) }
        let stored = try await store.files(t.id)
        let files = stored.map { f in TaskPage.FileLink(id: f.id, name: f.name, size: Self.size(f.size), by: f.addedBy, at: Instant.display(f.addedAt)) }
        let fileEvents = Dictionary(grouping: stored.filter { $0.eventID != nil }, by: { $0.eventID! }).mapValues { Set($0.map(\.id)) }
        var series: TaskSeries?
        if let id = t.seriesID { series = try await store.series(id) }
        return try tasks.views.page(TaskPage(
            form: form, task: try await view(row, locale, calendars: &calendars), version: t.version, content: Template.optional(t.content),
            source: t.source.kind == .none ? nil : [catalogs.label("task_source", t.source.kind.rawValue, locale), t.source.reference,
                                                     t.source.date?.vietnamese ?? ""].filter { !$0.isEmpty }.joined(separator: " · "),
            assigned: Instant.display(t.assignedAt), acknowledged: t.acknowledgedAt.map { Instant.display($0) },
            parent: parent.map { .init(id: $0.task.id, title: $0.task.title, reference: $0.task.reference) },
            children: children, has_children: !children.isEmpty,
            can_split: t.status.isOpen && (s.isLead || s.isAssigner) && s.givesTasks,
            substitute: substitute?.name, lead_away: away,
            can_name_substitute: mayName,
            substitutes: mayName ? FormView.options([(value: "", label: "—")] + names.filter { $0.key != t.ownerID }.sorted { $0.value < $1.value }
                                                        .map { (value: String($0.key), label: $0.value) },
                                                    selected: form.values["substitute"] ?? substitute.map { String($0.personID) } ?? "") : [],
            recurrence: Template.optional(Recurrence.presets.first { $0.rule == t.recurrence }.map { catalogs.label("task_repeat", $0.key, locale) } ?? t.recurrence),
            series_running: series.map { $0.stoppedAt == nil } ?? false, series_through: series.map { $0.generatedThrough.vietnamese },
            series_stopped: series.flatMap { s in s.stoppedAt.map { "\(Instant.display($0)) · \(s.stoppedBy) · \(s.stopReason)" } },
            can_stop_series: series.map { $0.stoppedAt == nil } ?? false && s.isAssigner,
            files: files, has_files: !files.isEmpty,
            unacknowledged: unacknowledged,
            reported: t.reportedAt.map { Instant.display($0) }, timeliness: timeliness,
            quality: t.quality.map { catalogs.label("task_quality", $0.rawValue, locale) },
            co_owners: people.filter { $0.role == .coOwner }.map(\.name).joined(separator: ", "),
            watchers: people.filter { $0.role == .watcher }.map(\.name).joined(separator: ", "),
            extension_reason: Template.optional(row.extensionReason),
            actions: actions.map { .init(value: $0.rawValue, label: catalogs.label("task_action", $0.rawValue, locale), selected: form.values["action"] == $0.rawValue) },
            has_actions: !actions.isEmpty,
            can_report: actions.contains(.progress), can_extend: actions.contains(.requestExtension),
            can_accept: actions.contains(.accept), can_reassign: actions.contains(.reassign),
            qualities: FormView.options(WorkTask.Quality.allCases.map { (value: $0.rawValue, label: catalogs.label("task_quality", $0.rawValue, locale)) },
                                        selected: form.values["quality"] ?? "good"),
            new_owners: FormView.options(names.filter { $0.key != t.ownerID }.sorted { $0.value < $1.value }.map { (value: String($0.key), label: $0.value) },
                                         selected: form.values["owner"] ?? ""),
            events: events.reversed().map { e in
                .init(at: Instant.display(e.at), actor: e.actorName, action: catalogs.label("task_action", e.action, locale),
                      percent: e.percent.map { "\($0) %" }, note: Template.optional(e.note),
                      due: e.toDue.map { to in e.fromDue.map { "\($0.vietnamese) → \(to.vietnamese)" } ?? to.vietnamese },
                      quality: e.quality.map { catalogs.label("task_quality", $0.rawValue, locale) },
                      files: files.filter { fileEvents[e.id]?.contains($0.id) ?? false })
            }), context, status: status)
    }

    /// "240 KB", "3.1 MB".
    static func size(_ bytes: Int) -> String {
        bytes < 1_000_000 ? "\(max(1, bytes / 1000)) KB" : String(format: "%.1f MB", Double(bytes) / 1_000_000)
    }

    /// A file of the task, to whoever may see the task.
    func file(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let (row, _, _) = try await load(context)
        guard let id = context.parameters.get("file", as: Int64.self), let f = try await store.file(id, of: row.task.id),
              let data = tasks.files.read(sha: f.sha256) else { throw StoreError.notFound("file") }
        return UploadedFile.response(data, name: f.name, inline: ["jpg", "png", "pdf"].contains(f.ext))
    }

    /// The assigner ends a recurring series: no more tasks are generated (those given stay).
    func stopSeries(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let (row, people, standing) = try await load(context)
        guard standing.isAssigner else { throw Forbidden() }
        let form = try await FormData.read(request, context)
        do {
            guard let id = row.task.seriesID else { throw StoreError.notFound("series") }
            try await store.stopSeries(id, reason: form["reason"], by: context.actor)
            return HTMLPage.redirect("/tasks/\(row.task.id)")
        } catch {
            var view = FormView(values: ["reason": form["reason"]])
            try view.absorb(error, catalogs: catalogs, locale: context.locale)
            return try await render(row, people, standing, context, status: OneStopController.isConflict(error) ? .conflict : .badRequest, form: view)
        }
    }

    static func timeliness(_ t: TaskTimeliness, _ catalogs: Catalogs, _ locale: AppLocale) -> String {
        switch t {
        case .early(let n): catalogs.text("task_done_early", locale, [String(n)])
        case .onTime: catalogs.text("task_done_on_time", locale)
        case .late(let n): catalogs.text("task_done_late", locale, [String(n)])
        }
    }

    func act(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let (row, people, standing) = try await load(context)
        let form = try await FormData.read(request, context)
        let view = FormView(values: ["action": form["action"], "note": form["note"], "percent": form["percent"], "due": form["due"],
                                     "quality": form["quality"], "owner": form["owner"]])
        do {
            let input = TaskServices.StepInput(action: form["action"], version: form.int("version"), note: form["note"], percent: form["percent"],
                                               due: form["due"], quality: form["quality"], owner: form.int("owner"),
                                               upload: form.files["file"])
            _ = try await tasks.take(input, on: row, standing, by: context.actor)
            return HTMLPage.redirect("/tasks/\(row.task.id)")
        } catch {
            var view = view
            try view.absorb(error, catalogs: catalogs, locale: context.locale)
            let status: HTTPResponse.Status = OneStopController.isConflict(error) ? .conflict : .badRequest
            let fresh = try await store.get(row.task.id) ?? row
            return try await render(fresh, people, standing, context, status: status, form: view)
        }
    }

    /// The lead or the assigner names who acts for the lead while the lead is away (or removes them).
    func substitute(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let (row, people, standing) = try await load(context)
        let me = try context.signedIn().personID
        guard me == row.task.ownerID || standing.isAssigner else { throw Forbidden() }
        let form = try await FormData.read(request, context)
        do {
            guard row.task.status.isOpen else { throw StoreError.conflict(field: "substitute", key: "task_action_not_now") }
            let chosen = form.int("substitute")
            if let chosen {
                guard chosen != row.task.ownerID, try await tasks.reassignChoices(row).contains(where: { $0.person.id == chosen }) else {
                    throw ValidationErrors([FieldError("substitute", "task_owner_out_of_scope")])
                }
            }
            let reason = form["reason"].tidied
            try await store.setSubstitute(row.task.id, personID: chosen, reason: reason.isEmpty ? catalogs.text("task_role_substitute", context.locale) : reason,
                                          by: context.actor)
            return HTMLPage.redirect("/tasks/\(row.task.id)")
        } catch {
            var view = FormView(values: ["substitute": form["substitute"]])
            try view.absorb(error, catalogs: catalogs, locale: context.locale)
            return try await render(row, people, standing, context, status: OneStopController.isConflict(error) ? .conflict : .badRequest, form: view)
        }
    }

    // MARK: The slip

    /// The task slip (phiếu giao việc) on A4: number, what, who, by when, a QR code to the task, signatures.
    func slip(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let (row, people, _) = try await load(context)
        let t = row.task, locale = context.locale
        let url = tasks.config.publicURL.trimmingCharacters(in: CharacterSet(charactersIn: "/")) + "/tasks/\(t.id)"
        var parentName: String?
        if let parent = try await tasks.units.get(t.unitID)?.parentID { parentName = try await tasks.units.get(parent)?.name }
        return try tasks.views.page(TaskSlipPage(
            reference: t.reference, title: t.title, content: Template.optional(t.content), unit_name: row.unitName,
            parent_name: parentName, owner: row.ownerName, assigner: row.assignerName,
            co_owners: Template.optional(people.filter { $0.role == .coOwner }.map(\.name).joined(separator: ", ")),
            source: t.source.kind == .none ? nil : [catalogs.label("task_source", t.source.kind.rawValue, locale), t.source.reference,
                                                     t.source.date?.vietnamese ?? ""].filter { !$0.isEmpty }.joined(separator: " · "),
            assigned: Instant.display(t.assignedAt), due: t.due.vietnamese, priority: catalogs.label("task_priority", t.priority.rawValue, locale),
            qr: (try? QRCode(url).svg(scale: 3)) ?? "", url: url, today: tasks.today.vietnamese, id: t.id), context)
    }

    // MARK: Staff change

    /// Open tasks whose lead no longer holds a post under the task's unit, in the units where the
    /// principal gives tasks, with one form to hand them on.
    func orphans(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        try await renderOrphans(context, form: FormView())
    }

    /// The orphaned tasks in the principal's scopes, those waiting past the escalation first, each
    /// with its view and the working days it has waited.
    func orphanRows(_ context: AppRequestContext) async throws -> (scopes: [String], rows: [(view: TaskView, waited: Int, escalated: Bool)]) {
        let scopes = try await tasks.assignScopes(try context.signedIn())
        guard !scopes.isEmpty else { throw Forbidden() }
        var calendars: [Int64: WorkCalendar] = [:]
        var out: [(view: TaskView, waited: Int, escalated: Bool)] = []
        for o in try await tasks.orphans(scopes: scopes) {
            out.append((try await view(o.row, context.locale, calendars: &calendars), o.waited, o.escalated))
        }
        return (scopes, out)
    }

    func renderOrphans(_ context: AppRequestContext, status: HTTPResponse.Status = .ok, form: FormView) async throws -> Response {
        let (scopes, rows) = try await orphanRows(context)
        let people = try await tasks.people.search("", scopes: scopes, on: tasks.today, limit: 2000).items
        let choices = people.map { (value: String($0.person.id), label: "\($0.person.fullName) · \($0.unitName)") }
        return try tasks.views.page(OrphansPage(
            form: form, tasks: rows.map { r in
                .init(task: r.view, waited: catalogs.text("tasks_orphans_waited", context.locale, [String(r.waited)]), escalated: r.escalated,
                      owners: FormView.options([(value: "", label: "—")] + choices, selected: form.values["owner_\(r.view.id)"] ?? ""))
            },
            has_tasks: !rows.isEmpty, escalated: rows.filter(\.escalated).count.nonZero, escalation_help: catalogs.text("tasks_orphans_escalated_help", context.locale, [String(tasks.config.orphanEscalationDays)]),
            everyone: FormView.options([(value: "", label: "—")] + choices, selected: form.values["all"] ?? "")), context, status: status)
    }

    /// The orphaned tasks as a workbook: for the meeting that hands them on.
    func orphansXLSX(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let (_, rows) = try await orphanRows(context)
        let locale = context.locale
        var sheet = XLSXSheet(name: tasks.today.description)
        sheet.title = "\(catalogs.text("tasks_orphans", locale)) · \(tasks.today.vietnamese)"
        sheet.header = ["task_number", "task_title", "field_unit", "task_owner", "task_due", "task_status", "tasks_orphans_days", "tasks_orphans_escalated"]
            .map { catalogs.text($0, locale) }
        sheet.widths = [8, 44, 28, 22, 12, 18, 10, 14]
        sheet.rows = rows.map { r in
            [.text(r.view.reference), .text(r.view.title), .text(r.view.unit), .text(r.view.owner), .text(r.view.due), .text(r.view.status_label),
             .number(Double(r.waited)), .text(r.escalated ? catalogs.text("yes", locale) : "")]
        }
        return try sheet.response(filename: "nhiem-vu-chua-giao-lai-\(tasks.today).xlsx")
    }

    func reassignOrphans(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let form = try await FormData.read(request, context)
        var view = FormView(values: form.fields.filter { $0.key.hasPrefix("owner_") || $0.key == "all" || $0.key == "reason" }.mapValues { $0.first ?? "" })
        do {
            let scopes = try await tasks.assignScopes(try context.signedIn())
            guard !scopes.isEmpty else { throw Forbidden() }
            let orphaned = try await store.orphans(scopes: scopes, on: tasks.today)
            let allowed = Set(try await tasks.people.search("", scopes: scopes, on: tasks.today, limit: 2000).items.map(\.person.id))
            var moves: [(taskID: Int64, owner: Int64)] = []
            for r in orphaned {
                guard let owner = form.int("owner_\(r.task.id)") ?? form.int("all") else { continue }
                guard allowed.contains(owner) else { throw ValidationErrors([FieldError("owner_\(r.task.id)", "task_owner_out_of_scope")]) }
                moves.append((r.task.id, owner))
            }
            guard !moves.isEmpty else { throw ValidationErrors([FieldError("all", "task_choose_owner")]) }
            _ = try await store.reassign(moves, reason: form["reason"], by: context.actor)
            return HTMLPage.redirect("/tasks/orphans")
        } catch {
            try view.absorb(error, catalogs: catalogs, locale: context.locale)
            return try await renderOrphans(context, status: .badRequest, form: view)
        }
    }
}
