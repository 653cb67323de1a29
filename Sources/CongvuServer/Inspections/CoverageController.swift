import CongvuDomain
import CongvuStore
import Foundation
import Hummingbird

/// Coverage and follow-up per inspecting body and year (page, chart bars, XLSX), and the weekly
/// duty unit: roster, swaps, the week's checks per department, starting a check.
struct CoverageController {
    let inspections: InspectionServices
    var catalogs: Catalogs { inspections.views.catalogs }
    var store: InspectionStore { inspections.store }

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get("coverage", use: coverage)
        group.get("coverage.xlsx", use: coverageWorkbook)
        group.post("plans", use: createPlan)
        group.get("plans/:id/decision", use: decision)
        group.get("duty", use: duty)
        group.post("duty/roster", use: saveRoster)
        group.post("duty/swap", use: swap)
        group.post("duty/swap-request", use: requestSwap)
        group.post("duty/swap-decision", use: decideSwap)
        group.post("duty/check", use: check)
        group.get("duty/report", use: report)
        group.get("duty/report.xlsx", use: reportWorkbook)
        group.post("duty/report", use: comment)
    }

    // MARK: Coverage

    func report(_ request: Request, _ context: AppRequestContext) async throws -> (OrgUnit, [OrgUnit], CoverageReport) {
        let (body, bodies) = try await inspections.body(request, try context.signedIn(), permissions: [.inspect, .viewInspections])
        let year = request.uri.queryParameters["year"].flatMap { Int($0) }.flatMap { (2000...2100).contains($0) ? $0 : nil } ?? inspections.today.year
        return (body, bodies, try await store.coverage(body: body, year: year, today: inspections.today))
    }

    func coverage(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let (body, bodies, r) = try await report(request, context)
        return try await renderCoverage(body, bodies: bodies, r, context)
    }

    func renderCoverage(_ body: OrgUnit, bodies: [OrgUnit], _ r: CoverageReport, _ context: AppRequestContext, form: FormView = FormView(),
                        status: HTTPResponse.Status = .ok) async throws -> Response {
        let locale = context.locale
        let p = try context.signedIn()
        let mayPlan = p.allows(.inspect, at: body.path)
        var team: [Option] = [], scope: [Option] = []
        if mayPlan {
            let posts = try await inspections.attendance.verdicts.posts(scopes: [body.path], first: inspections.today, last: inspections.today)
            team = FormView.options(posts.filter { $0.unitID == body.id }.map { (value: String($0.personID), label: "\($0.fullName) · \($0.title)") }, selected: "")
            let children = try await inspections.units.list(scopes: [body.path]).filter { $0.parentID == body.id && $0.isActive(on: inspections.today) }
            scope = FormView.options(children.map { (value: String($0.id), label: $0.name) }, selected: "")
        }
        let names = Dictionary(r.units.map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a })
        func bars(_ counts: [(String, Int)]) -> [CoveragePage.Count] {
            let top = max(counts.map(\.1).max() ?? 1, 1)
            return counts.map { .init(label: $0.0, count: $0.1, width: $0.1 * 100 / top) }
        }
        let plans = try await store.plans(bodyID: body.id, year: r.year)
        var planViews: [CoveragePage.Plan] = []
        for plan in plans {
            var team: [String] = []
            for (id, role) in plan.draft.team.sorted(by: { $0.value.rawValue < $1.value.rawValue }) {
                if let person = try await inspections.people.get(id) { team.append("\(person.person.fullName) (\(catalogs.label("team_role", role.rawValue, locale)))") }
            }
            let decision = plan.draft.decisionNumber.isEmpty ? nil : [plan.draft.decisionNumber, plan.draft.decisionDate?.vietnamese ?? ""].filter { !$0.isEmpty }.joined(separator: " · ")
            planViews.append(.init(title: plan.draft.title, decision: decision, units: plan.draft.units.count, team: team.joined(separator: ", "),
                                   file: plan.decisionFile == nil ? nil : "/inspections/plans/\(plan.id)/decision"))
        }
        return try inspections.views.page(CoveragePage(
            body: .init(id: body.id, name: body.name), bodies: FormView.options(bodies.map { (value: String($0.id), label: $0.name) }, selected: String(body.id)),
            year: r.year, inspected: r.coverage.inspected, in_scope: r.coverage.inScope,
            percent: r.coverage.inScope == 0 ? 0 : r.coverage.inspected * 100 / r.coverage.inScope,
            lines: r.coverage.lines.map { .init(name: names[$0.unitID] ?? "", visits: $0.visits, last: $0.last?.vietnamese, never: $0.visits == 0,
                                                violations: r.violationsByUnit[$0.unitID] ?? 0) },
            themes: bars(Checklist.themes.compactMap { t in r.failuresByTheme[t].map { (catalogs.label("checklist_theme", t, locale), $0) } }),
            has_themes: !r.failuresByTheme.isEmpty,
            kinds: bars(RollFinding.allCases.map { (catalogs.label("finding", $0.rawValue, locale), r.violationsByKind[$0] ?? 0) }),
            people: r.violationsByPerson.prefix(20).map { .init(name: $0.fullName, unit: $0.unitName, count: $0.count) },
            has_people: !r.violationsByPerson.isEmpty, open: r.recommendationsOpen, overdue: r.recommendationsOverdue, done: r.recommendationsDone,
            visits: r.visits, plans: planViews, has_plans: !planViews.isEmpty,
            form: form, can_plan: mayPlan, candidates: team, scope_units: scope), context, status: status)
    }

    /// A yearly plan of the body: its units and visits, themes, the team and the decision (with its file).
    func createPlan(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let form = try await FormData.read(request, context)
        let (body, bodies, r) = try await report(request, context)
        guard try context.signedIn().allows(.inspect, at: body.path) else { throw Forbidden() }
        do {
            let visits = Int(form.int("visits") ?? 1)
            let inScope = Set(try await inspections.units.list(scopes: [body.path]).filter { $0.parentID == body.id }.map(\.id))
            let units = form.all("unit").compactMap { Int64($0) }
            guard units.allSatisfy(inScope.contains) else { throw ValidationErrors([FieldError("units", "out_of_range")]) }
            var team: [Int64: TeamRole] = [:]
            for id in form.all("member").compactMap({ Int64($0) }) { team[id] = .member }
            if let id = form.int("secretary") { team[id] = .secretary }
            if let id = form.int("leader") { team[id] = .leader }
            let people = Set(try await inspections.attendance.verdicts.posts(scopes: [body.path], first: inspections.today, last: inspections.today)
                .filter { $0.unitID == body.id }.map(\.personID))
            guard team.keys.allSatisfy(people.contains) else { throw ValidationErrors([FieldError("team", "out_of_range")]) }
            var file: String?
            if let upload = form.files["decision"], !upload.content.isEmpty {
                let kind = try UploadedFile.accept(upload.content, kinds: ["pdf", "jpg", "png"], limit: 10 * 1024 * 1024, field: "decision", messages: "attachment")
                file = try inspections.files.write(upload.content) + "." + kind.ext
            }
            let draft = PlanDraft(title: form["title"], themes: form["themes"], decisionNumber: form["decision_number"], decisionDate: Day(form["decision_date"]),
                                  units: Dictionary(uniqueKeysWithValues: units.map { ($0, visits) }), team: team)
            _ = try await store.createPlan(bodyID: body.id, year: r.year, draft, decisionFile: file, by: context.actor)
            return HTMLPage.redirect("/inspections/coverage?body=\(body.id)&year=\(r.year)")
        } catch {
            var view = FormView(values: ["title": form["title"], "themes": form["themes"], "decision_number": form["decision_number"],
                                         "decision_date": form["decision_date"]])
            try view.absorb(error, catalogs: catalogs, locale: context.locale)
            return try await renderCoverage(body, bodies: bodies, r, context, form: view, status: .badRequest)
        }
    }

    /// The decision's file, for whoever reads the body's coverage.
    func decision(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        guard let id = context.parameters.get("id", as: Int64.self), let plan = try await store.plan(id), let file = plan.decisionFile,
              let body = try await inspections.units.get(plan.bodyID) else { throw StoreError.notFound("plan") }
        let p = try context.signedIn()
        guard p.allows(.inspect, at: body.path) || p.allows(.viewInspections, at: body.path) else { throw Forbidden() }
        let sha = String(file.prefix { $0 != "." })
        guard let data = inspections.files.read(sha: sha) else { throw StoreError.notFound("plan") }
        return UploadedFile.response(data, name: "quyet-dinh-\(plan.id).\(file.split(separator: ".").last ?? "pdf")")
    }

    func coverageWorkbook(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let (body, _, r) = try await report(request, context)
        let locale = context.locale
        var units = XLSXSheet(name: catalogs.text("coverage_sheet_units", locale))
        units.title = "\(catalogs.text("coverage_title", locale)) · \(body.name) · \(r.year) · \(r.coverage.inspected)/\(r.coverage.inScope)"
        units.header = ["field_unit", "coverage_visits", "coverage_last", "coverage_violations"].map { catalogs.text($0, locale) }
        units.widths = [40, 12, 14, 12]
        let names = Dictionary(r.units.map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a })
        units.rows = r.coverage.lines.map { [.text(names[$0.unitID] ?? ""), .number(Double($0.visits)), .text($0.last?.vietnamese ?? ""),
                                             .number(Double(r.violationsByUnit[$0.unitID] ?? 0))] }
        var people = XLSXSheet(name: catalogs.text("coverage_sheet_people", locale))
        people.header = ["field_full_name", "field_unit", "coverage_violations"].map { catalogs.text($0, locale) }
        people.widths = [30, 36, 12]
        people.rows = r.violationsByPerson.map { [.text($0.fullName), .text($0.unitName), .number(Double($0.count))] }
        return try XLSXSheet.response([units, people], filename: "kiem-tra-\(body.fileSlug)-\(r.year).xlsx")
    }

    // MARK: The weekly duty unit

    /// The roster's unit (a commune's committee, a district): asked for, among the units where the
    /// principal gives tasks, inspects or holds a post.
    func dutyUnit(_ request: Request, _ context: AppRequestContext) async throws -> (OrgUnit, [OrgUnit], manage: Bool) {
        let p = try context.signedIn()
        let manage = try await inspections.taskServices.assignScopes(p)
        var scopes = manage + p.scopes(for: .inspect)
        if let id = p.personID, let record = try await inspections.people.get(id) {
            // Someone in a department sees the roster of the committee above it.
            scopes += record.assignments.filter { $0.assignment.isActive(on: inspections.today) }.map { a in
                let ids = OrgUnit.ids(inPath: a.unit.path)
                return ids.count > 1 ? "/" + ids.dropLast().map(String.init).joined(separator: "/") + "/" : a.unit.path
            }
        }
        let roots = TaskServices.roots(scopes)
        guard !roots.isEmpty else { throw Forbidden() }
        let units = try await inspections.units.list(scopes: roots).filter { u in
            u.isActive(on: inspections.today) && (u.kind == .peoplesCommittee || u.kind == .district || u.kind == .commune || u.kind == .ward)
        }
        let asked = request.uri.queryParameters["unit"].flatMap { Int64($0) }
        guard let unit = asked.flatMap({ id in units.first { $0.id == id } }) ?? (asked == nil ? units.first : nil) else { throw Forbidden() }
        return (unit, units, manage.contains { unit.path.hasPrefix($0) })
    }

    func duty(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let (unit, units, manage) = try await dutyUnit(request, context)
        return try await renderDuty(unit, units: units, manage: manage, week: week(request), context)
    }

    func week(_ request: Request) -> DutyWeek {
        DutyWeek(containing: request.uri.queryParameters["week"].flatMap { Day(String($0)) } ?? inspections.today)
    }

    /// A roster unit's week: its departments, roster, who is on duty, and each department's line
    /// (checks against the week's minimum, what they found, key tasks from the duty books, the duty
    /// unit's comment). The duty page and the Monday report both read it.
    struct WeekView {
        var departments: [OrgUnit]
        var names: [Int64: String]
        var roster: DutyRoster?
        var calendar: WorkCalendar
        var onDuty: Int64?
        var lines: [DutyUnitPage.Line]
        var summary: String
    }

    func weekView(_ unit: OrgUnit, week: DutyWeek) async throws -> WeekView {
        let departments = try await inspections.units.list(scopes: [unit.path])
            .filter { $0.parentID == unit.id && $0.isActive(on: inspections.today) }
        let names = Dictionary(departments.map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a })
        let roster = try await store.roster(unitID: unit.id)
        guard let calendar = try await inspections.shared.workCalendar(unitID: unit.id) else { throw StoreError.notFound("unit") }
        var view = WeekView(departments: departments, names: names, roster: roster, calendar: calendar, onDuty: nil, lines: [], summary: "")
        guard let roster else { return view }
        let onDuty = roster.rotation.onDuty(week, calendar: calendar)
        view.onDuty = onDuty
        let report = try await store.dutyReport(unitID: unit.id, path: unit.path, week: week)
        view.summary = report.summary
        let required = roster.rotation.required(week, calendar: calendar)
        let keyTasks = try await inspections.taskServices.dutyBooks.lines(unitPaths: departments.map(\.path), week: week)
        let lastDay = week.days().last!
        for id in roster.rotation.order {
            guard let name = names[id], let path = departments.first(where: { $0.id == id })?.path else { continue }
            let found = report.lines[id]
            let n = found?.checks ?? 0
            let tasks = keyTasks[path] ?? []
            view.lines.append(.init(id: id, name: name, checks: n, required: id == onDuty ? 0 : required, short: id != onDuty && n < required,
                                    on_duty: id == onDuty, key_tasks: tasks.count,
                                    overdue_tasks: tasks.filter { $0.task.task.status.isOpen && $0.task.task.due < lastDay }.count.nonZero,
                                    violations: found?.violations ?? 0, failures: found?.failures ?? 0, comment: found?.comment ?? ""))
        }
        return view
    }

    func renderDuty(_ unit: OrgUnit, units: [OrgUnit], manage: Bool, week: DutyWeek, _ context: AppRequestContext, form: FormView = FormView(),
                    status: HTTPResponse.Status = .ok) async throws -> Response {
        let p = try context.signedIn()
        let view = try await weekView(unit, week: week)
        var weeks: [DutyUnitPage.Week] = []
        if let roster = view.roster {
            var w = week
            for _ in 0..<6 {
                let who = roster.rotation.onDuty(w, calendar: view.calendar)
                weeks.append(.init(start: w.start.vietnamese, department: who.flatMap { view.names[$0] }, swapped: roster.swapReasons[w]))
                w = w.next
            }
        }
        let mine = try await onDutyMember(p, view)
        let requests = view.roster == nil ? [] : try await store.swapRequests(unitID: unit.id)
        let inRotation = try await rotationMember(p, view)
        return try inspections.views.page(DutyUnitPage(
            form: form, unit: .init(id: unit.id, name: unit.name), units: FormView.options(units.map { (value: String($0.id), label: $0.name) }, selected: String(unit.id)),
            week: week.start.description, week_label: "\(week.start.vietnamese) – \(week.days().last!.vietnamese)",
            previous: week.previous.start.description, next: week.next.start.description, has_roster: view.roster != nil,
            on_duty: view.onDuty.flatMap { view.names[$0] }, mine: mine || p.allows(.inspect, at: unit.path), lines: view.lines, weeks: weeks,
            departments: FormView.options(view.departments.map { (value: String($0.id), label: $0.name) }, selected: ""),
            order: form.values["order"] ?? (view.roster?.rotation.order.map(String.init).joined(separator: ",") ?? view.departments.map { String($0.id) }.joined(separator: ",")),
            minimum: view.roster?.rotation.minimumChecks ?? 3, can_manage: manage,
            requests: requests.map { .init(id: $0.id, week: $0.week.start.vietnamese, department: view.names[$0.departmentID] ?? "", reason: $0.reason,
                                           by: $0.requestedBy) },
            has_requests: !requests.isEmpty, can_request: view.roster != nil && inRotation), context, status: status)
    }

    /// Does the principal hold a post in the department on duty that week?
    func onDutyMember(_ p: Principal, _ view: WeekView) async throws -> Bool {
        guard let onDuty = view.onDuty, let path = view.departments.first(where: { $0.id == onDuty })?.path else { return false }
        return try await inspections.isPosted(p, inAnyOf: [path])
    }

    /// Does the principal hold a post in one of the roster's departments?
    func rotationMember(_ p: Principal, _ view: WeekView) async throws -> Bool {
        guard let order = view.roster?.rotation.order else { return false }
        let paths = view.departments.filter { order.contains($0.id) }.map(\.path)
        if paths.isEmpty { return false }
        return try await inspections.isPosted(p, inAnyOf: paths)
    }

    /// A department asks that another take a duty week (or to take it itself); the committee decides.
    func requestSwap(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let form = try await FormData.read(request, context)
        let (unit, units, manage) = try await dutyUnit(request, context)
        let view = try await weekView(unit, week: week(request))
        let member = try await rotationMember(try context.signedIn(), view)
        guard member || manage else { throw Forbidden() }
        do {
            guard let day = Day(form["week"]), day >= inspections.today, let department = form.int("department") else {
                throw ValidationErrors([FieldError("week", "date_invalid")])
            }
            _ = try await store.requestSwap(unitID: unit.id, week: DutyWeek(containing: day), departmentID: department, reason: form["reason"], by: context.actor)
            return HTMLPage.redirect("/inspections/duty?unit=\(unit.id)")
        } catch {
            var v = FormView(values: ["reason": form["reason"]])
            try v.absorb(error, catalogs: catalogs, locale: context.locale)
            return try await renderDuty(unit, units: units, manage: manage, week: week(request), context, form: v, status: .badRequest)
        }
    }

    /// The committee approves (the swap takes effect) or refuses a department's request.
    func decideSwap(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let form = try await FormData.read(request, context)
        let (unit, _, manage) = try await dutyUnit(request, context)
        guard manage else { throw Forbidden() }
        guard let id = form.int("request") else { throw StoreError.notFound("duty_swap_request") }
        try await store.decideSwap(unitID: unit.id, requestID: id, approve: form["decision"] == "approve", by: context.actor)
        return HTMLPage.redirect("/inspections/duty?unit=\(unit.id)")
    }

    // MARK: The Monday report

    func report(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let (unit, _, manage) = try await dutyUnit(request, context)
        return try await renderReport(unit, manage: manage, week: week(request), context)
    }

    func renderReport(_ unit: OrgUnit, manage: Bool, week: DutyWeek, _ context: AppRequestContext, form: FormView = FormView(),
                      status: HTTPResponse.Status = .ok) async throws -> Response {
        let p = try context.signedIn()
        let view = try await weekView(unit, week: week)
        let member = try await onDutyMember(p, view)
        let mayComment = manage || member
        return try inspections.views.page(DutyReportPage(
            form: form, unit: .init(id: unit.id, name: unit.name), week: week.start.description,
            week_label: "\(week.start.vietnamese) – \(week.days().last!.vietnamese)", previous: week.previous.start.description,
            next: week.next.start.description, on_duty: view.onDuty.flatMap { view.names[$0] }, lines: view.lines.filter { !$0.on_duty },
            summary: view.summary, can_comment: mayComment && view.roster != nil, today: inspections.today.vietnamese), context, status: status)
    }

    func comment(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let form = try await FormData.read(request, context)
        let (unit, _, manage) = try await dutyUnit(request, context)
        let week = week(request)
        let view = try await weekView(unit, week: week)
        let member = try await onDutyMember(try context.signedIn(), view)
        guard view.roster != nil, manage || member else { throw Forbidden() }
        let department = form.int("department") ?? 0
        guard department == 0 || view.lines.contains(where: { $0.id == department }) else { throw ValidationErrors([FieldError("department", "not_in_rotation")]) }
        do {
            try await store.comment(unitID: unit.id, week: week, departmentID: department, text: form["text"], by: context.actor)
            return HTMLPage.redirect("/inspections/duty/report?unit=\(unit.id)&week=\(week.start)")
        } catch {
            var v = FormView(values: ["text": form["text"]])
            try v.absorb(error, catalogs: catalogs, locale: context.locale)
            return try await renderReport(unit, manage: manage, week: week, context, form: v, status: .badRequest)
        }
    }

    /// The week's report as a workbook: a row per department, the summary above.
    func reportWorkbook(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let (unit, _, _) = try await dutyUnit(request, context)
        let week = week(request)
        let view = try await weekView(unit, week: week)
        let locale = context.locale
        var sheet = XLSXSheet(name: week.start.description)
        sheet.title = "\(catalogs.text("duty_report_title", locale)) · \(unit.name) · \(week.start.vietnamese) – \(week.days().last!.vietnamese)"
            + (view.summary.isEmpty ? "" : " · \(view.summary)")
        sheet.header = ["field_unit", "duty_checks", "duty_required", "duty_violations", "duty_failures", "duty_key_tasks", "duty_overdue_tasks", "duty_comment"]
            .map { catalogs.text($0, locale) }
        sheet.widths = [30, 10, 10, 10, 10, 12, 12, 60]
        sheet.rows = view.lines.filter { !$0.on_duty }.map { l in
            [.text(l.name), .number(Double(l.checks)), .number(Double(l.required)), .number(Double(l.violations)), .number(Double(l.failures)),
             .number(Double(l.key_tasks)), .number(Double(l.overdue_tasks ?? 0)), .text(l.comment)]
        }
        return try sheet.response(filename: "truc-tuan-\(unit.fileSlug)-\(week.start).xlsx")
    }

    func saveRoster(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let form = try await FormData.read(request, context)
        let (unit, units, manage) = try await dutyUnit(request, context)
        guard manage else { throw Forbidden() }
        do {
            let order = form["order"].split(whereSeparator: { $0 == "," || $0 == " " }).compactMap { Int64($0) }
            let departments = Set(try await inspections.units.list(scopes: [unit.path]).filter { $0.parentID == unit.id }.map(\.id))
            guard order.allSatisfy(departments.contains) else { throw ValidationErrors([FieldError("order", "not_in_rotation")]) }
            guard let start = Day(form["start"]) else { throw ValidationErrors([FieldError("start", "date_invalid")]) }
            try await store.saveRoster(unitID: unit.id, order: order, start: DutyWeek(containing: start), minimumChecks: Int(form.int("minimum") ?? 0), by: context.actor)
            return HTMLPage.redirect("/inspections/duty?unit=\(unit.id)")
        } catch {
            var view = FormView(values: ["order": form["order"], "start": form["start"]])
            try view.absorb(error, catalogs: catalogs, locale: context.locale)
            return try await renderDuty(unit, units: units, manage: manage, week: week(request), context, form: view, status: .badRequest)
        }
    }

    func swap(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let form = try await FormData.read(request, context)
        let (unit, units, manage) = try await dutyUnit(request, context)
        guard manage else { throw Forbidden() }
        do {
            guard let day = Day(form["week"]), let department = form.int("department") else { throw ValidationErrors([FieldError("week", "date_invalid")]) }
            try await store.swap(unitID: unit.id, week: DutyWeek(containing: day), departmentID: department, reason: form["reason"], by: context.actor)
            return HTMLPage.redirect("/inspections/duty?unit=\(unit.id)&week=\(DutyWeek(containing: day).start)")
        } catch {
            var view = FormView(values: ["reason": form["reason"]])
            try view.absorb(error, catalogs: catalogs, locale: context.locale)
            return try await renderDuty(unit, units: units, manage: manage, week: week(request), context, form: view, status: .badRequest)
        }
    }

    /// The department on duty starts a check of another department now, with the short checklist.
    func check(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let form = try await FormData.read(request, context)
        let (unit, units, manage) = try await dutyUnit(request, context)
        let p = try context.signedIn()
        let week = DutyWeek(containing: inspections.today)
        guard let roster = try await store.roster(unitID: unit.id),
              let calendar = try await inspections.shared.workCalendar(unitID: unit.id),
              let onDuty = roster.rotation.onDuty(week, calendar: calendar),
              let body = try await inspections.units.get(onDuty) else { throw Forbidden() }
        guard try await inspections.isPosted(p, inAnyOf: [body.path]) || p.allows(.inspect, at: unit.path) else { throw Forbidden() }
        do {
            guard let id = form.int("department"), id != onDuty, roster.rotation.order.contains(id), let checked = try await inspections.units.get(id) else {
                throw ValidationErrors([FieldError("department", "not_in_rotation")])
            }
            let checklist = try await store.currentChecklist(body: unit, short: true, by: context.actor)
            let visit = try await store.create(bodyID: onDuty, unitID: checked.id, kind: .dutyCheck, checklistID: checklist.id, plannedFor: nil, week: week,
                                               year: inspections.today.year, by: context.actor)
            let now = Date()
            try await store.start(visit, at: now, leaderID: p.personID, roll: try await inspections.roll(unit: checked, at: now), by: context.actor)
            return HTMLPage.redirect("/inspections/\(visit)")
        } catch {
            var view = FormView()
            try view.absorb(error, catalogs: catalogs, locale: context.locale)
            return try await renderDuty(unit, units: units, manage: manage, week: week, context, form: view, status: .badRequest)
        }
    }
}
