import CongvuDomain
import CongvuStore
import Foundation
import Hummingbird

/// The Weekly Duty Book: each department's week of tasks with its comments and summary, submitted
/// by the head before Friday 16:30 and then locked (dated addenda after); the leader's page of all
/// departments for a week, missing and late first; A4 print and XLSX for the weekly meeting.
struct DutyBookController {
    let tasks: TaskServices
    var books: DutyBookStore { tasks.dutyBooks }
    var catalogs: Catalogs { tasks.catalogs }
    static let deadline = DutyBookDeadline()
    static let departmentKinds: Set<UnitKind> = [.department, .office, .serviceCentre, .partyCommittee]

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get("duty-books", use: overview)
        group.get("duty-books/print", use: printWeek)
        group.get("duty-books/xlsx", use: xlsxWeek)
        group.get("duty-books/:id", use: show)
        group.post("duty-books/:id", use: save)
        group.post("duty-books/:id/addenda", use: addendum)
        group.get("duty-books/:id/print", use: print)
        group.get("duty-books/:id/xlsx", use: xlsx)
    }

    func week(_ request: Request) -> DutyWeek {
        DutyWeek(containing: request.uri.queryParameters["week"].flatMap { Day(String($0)) }.flatMap { (2000...2100).contains($0.year) ? $0 : nil }
                 ?? tasks.today)
    }

    /// Where the principal may read books (every task of the unit, or gives tasks there) and where they may write them.
    func scopes(_ p: Principal) async throws -> (read: [String], write: [String]) {
        let (read, assign) = try await tasks.scopes(p)
        guard !read.isEmpty else { throw Forbidden() }
        return (read, assign)
    }

    func unit(_ context: AppRequestContext) async throws -> (OrgUnit, mayWrite: Bool) {
        guard let id = context.parameters.get("id", as: Int64.self), let unit = try await tasks.units.get(id) else { throw StoreError.notFound("unit") }
        let (read, write) = try await scopes(try context.signedIn())
        guard read.contains(where: { unit.path.hasPrefix($0) }) else { throw Forbidden() }
        return (unit, write.contains { unit.path.hasPrefix($0) })
    }

    // MARK: The leader's week

    /// A department's place in the leader's week: its book (absent until written in) and its state.
    struct Department {
        var unit: OrgUnit
        var book: DutyBook?
        var state: DutyBookState
    }

    /// The departments in the scopes at work in the week with their books, missing and late first;
    /// with the books' comments and addenda when asked (print and workbook).
    static func departments(_ tasks: TaskServices, scopes: [String], week: DutyWeek, withContent: Bool = false,
                            now: Date = Date()) async throws -> [Department] {
        let units = try await tasks.units.list(scopes: scopes).filter { departmentKinds.contains($0.kind) && $0.isActive(on: week.start) }
        let stored = try await tasks.dutyBooks.books(unitIDs: units.map(\.id), week: week, withContent: withContent)
        return units.map { Department(unit: $0, book: stored[$0.id], state: deadline.state(submittedAt: stored[$0.id]?.submittedAt, week: week, now: now)) }
            .sorted { ($0.state.order, $0.unit.name) < ($1.state.order, $1.unit.name) }
    }

    /// How many departments in the scopes have not submitted the week's book by its deadline: the leader's card.
    static func missing(_ tasks: TaskServices, scopes: [String], week: DutyWeek) async throws -> Int {
        try await departments(tasks, scopes: scopes, week: week).filter { $0.state == .missing }.count
    }

    func row(_ d: Department, week: DutyWeek, lines: [DutyBookLine] = [], _ locale: AppLocale) -> DutyBooksPage.Row {
        let end = week.days().last!
        return .init(unit_id: d.unit.id, unit: d.unit.name, state: d.state.rawValue, state_label: catalogs.label("duty_book_state", d.state.rawValue, locale),
                     submitted: d.book?.submittedAt.map { Instant.display($0) }, by: Template.optional(d.book?.submittedBy ?? ""),
                     started: d.book != nil && d.book?.isSubmitted == false, bad: d.state == .missing || d.state == .late,
                     lines: lines.count, overdue: lines.filter { $0.task.task.standing(on: end) == .openOverdue }.count)
    }

    func overview(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let (read, _) = try await scopes(try context.signedIn())
        let week = week(request)
        let rows = try await Self.departments(tasks, scopes: read, week: week).map { row($0, week: week, context.locale) }
        return try tasks.views.page(DutyBooksPage(week: week.start.description, week_vn: weekLabel(week), prev: week.previous.start.description,
                                                  next: week.next.start.description, deadline: Instant.display(Self.deadline.moment(for: week)),
                                                  rows: rows, has_rows: !rows.isEmpty,
                                                  missing: rows.filter { $0.state == DutyBookState.missing.rawValue }.count), context)
    }

    /// Every department's book of the week with its lines, for the weekly meeting: read at once.
    func weekBooks(_ request: Request, _ context: AppRequestContext) async throws -> (DutyWeek, [DutyBooksPage.Row], [DutyBookPage]) {
        let (read, _) = try await scopes(try context.signedIn())
        let week = week(request)
        let departments = try await Self.departments(tasks, scopes: read, week: week, withContent: true)
        let lines = try await books.lines(unitPaths: departments.map(\.unit.path), week: week)
        let rows = departments.map { row($0, week: week, lines: lines[$0.unit.path] ?? [], context.locale) }
        let pages = departments.map { book($0, week, lines: lines[$0.unit.path] ?? [], mayWrite: false, context.locale) }
        return (week, rows, pages)
    }

    func printWeek(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let (week, rows, books) = try await weekBooks(request, context)
        return try tasks.views.page(DutyBooksPrintPage(week: week.start.description, week_vn: weekLabel(week),
                                                       deadline: Instant.display(Self.deadline.moment(for: week)), rows: rows, has_rows: !rows.isEmpty,
                                                       books: books, auditAnchor: tasks.shared.auditAnchor(context.locale),
                                                       today: tasks.today.vietnamese), context)
    }

    /// The week's workbook: the departments' states and summaries on one sheet, every line with its comment on the next.
    func xlsxWeek(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let (week, rows, books) = try await weekBooks(request, context)
        let locale = context.locale
        func t(_ key: String) -> String { catalogs.text(key, locale) }
        var summary = XLSXSheet(name: t("duty_book_summary"))
        summary.title = "\(t("duty_books_title")) · \(weekLabel(week))"
        summary.header = [t("duty_book_department"), t("duty_book_state_column"), t("duty_book_submitted"), t("duty_book_lines"),
                          t("task_standing_open_overdue"), t("duty_book_strengths"), t("duty_book_weaknesses")]
        summary.widths = [30, 20, 26, 10, 12, 45, 45]
        summary.rows = zip(rows, books).map { r, b in
            [.text(r.unit), .text(r.state_label), .text([r.submitted, r.by].compactMap { $0 }.joined(separator: " · ")), .number(Double(r.lines)),
             .number(Double(r.overdue)), .text(b.strengths ?? ""), .text(b.weaknesses ?? "")]
        }
        var lines = XLSXSheet(name: t("duty_book_lines"))
        lines.header = [t("duty_book_department"), t("task_number"), t("task_title"), t("task_owner"), t("task_due"), t("task_standing"),
                        t("duty_book_week_events"), t("duty_book_comment")]
        lines.widths = [26, 8, 40, 22, 12, 22, 50, 40]
        lines.rows = books.flatMap { b in
            b.lines.map { l -> [XLSXSheet.Cell] in
                [.text(b.unit.name), .text(l.reference), .text(l.title), .text(l.owner), .text(l.due), .text(l.standing),
                 .text(l.events.joined(separator: "\n")), .text(l.comment)]
            }
        }
        return try XLSXSheet.response([summary, lines], filename: "so-truc-tuan-\(week.start).xlsx")
    }

    func weekLabel(_ w: DutyWeek) -> String { "\(w.start.vietnamese) – \(w.days().last!.vietnamese)" }

    // MARK: One department's book

    func page(_ unit: OrgUnit, _ week: DutyWeek, mayWrite: Bool, _ context: AppRequestContext, form: FormView? = nil) async throws -> DutyBookPage {
        let lines = try await books.lines(unitPath: unit.path, week: week)
        let book = try await books.get(unitID: unit.id, week: week)
        let department = Department(unit: unit, book: book, state: Self.deadline.state(submittedAt: book?.submittedAt, week: week, now: Date()))
        return self.book(department, week, lines: lines, mayWrite: mayWrite, context.locale, form: form)
    }

    /// A department's book as its page, its print and the week's print show it.
    func book(_ d: Department, _ week: DutyWeek, lines: [DutyBookLine], mayWrite: Bool, _ locale: AppLocale, form: FormView? = nil) -> DutyBookPage {
        let (unit, book, state) = (d.unit, d.book, d.state)
        let end = week.days().last!
        let values = form?.values ?? [:]
        return DutyBookPage(
            form: form ?? FormView(values: ["strengths": book?.strengths ?? "", "weaknesses": book?.weaknesses ?? ""]),
            unit: .init(id: unit.id, name: unit.name), week: week.start.description, week_vn: weekLabel(week),
            prev: week.previous.start.description, next: week.next.start.description,
            deadline: Instant.display(Self.deadline.moment(for: week)),
            state: state.rawValue, state_label: catalogs.label("duty_book_state", state.rawValue, locale),
            late: state == .late || state == .missing,
            lines: lines.map { l in
                let t = l.task.task
                let standing = t.standing(on: end)
                return .init(task_id: t.id, reference: t.reference, title: t.title, owner: l.task.ownerName, due: t.due.vietnamese,
                             standing: standing.map { catalogs.label("task_standing", $0.rawValue, locale) } ?? catalogs.label("task_status", t.status.rawValue, locale),
                             overdue: standing == .openOverdue, key: t.priority != .normal || standing == .openOverdue, percent: t.percent,
                             events: l.events.map { e in
                                 [Instant.display(e.at), catalogs.label("task_action", e.action, locale), e.percent.map { "\($0) %" } ?? "", e.note]
                                     .filter { !$0.isEmpty }.joined(separator: " · ")
                             },
                             comment: values["comment_\(t.id)"] ?? book?.comments[t.id] ?? "")
            },
            has_lines: !lines.isEmpty, full: lines.count >= DutyBookStore.lineLimit ? String(DutyBookStore.lineLimit) : nil,
            editable: mayWrite && book?.isSubmitted != true, submitted: book?.submittedAt.map { Instant.display($0) },
            submitted_by: Template.optional(book?.submittedBy ?? ""), version: book?.version ?? 0,
            strengths: Template.optional(book?.strengths ?? ""), weaknesses: Template.optional(book?.weaknesses ?? ""),
            addenda: (book?.addenda ?? []).map { .init(at: Instant.display($0.at), by: $0.actorName, text: $0.text) },
            can_add: mayWrite && book?.isSubmitted == true)
    }

    func show(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let (unit, mayWrite) = try await unit(context)
        return try tasks.views.page(try await page(unit, week(request), mayWrite: mayWrite, context), context)
    }

    func save(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let (unit, mayWrite) = try await unit(context)
        guard mayWrite else { throw Forbidden() }
        let week = week(request)
        let form = try await FormData.read(request, context)
        var comments: [Int64: String] = [:]
        for (key, values) in form.fields where key.hasPrefix("comment_") {
            if let id = Int64(key.dropFirst("comment_".count)) { comments[id] = values.first ?? "" }
        }
        // Only tasks the week's book lists take a comment.
        let listed = Set(try await books.lines(unitPath: unit.path, week: week).map(\.task.task.id))
        comments = comments.filter { listed.contains($0.key) }
        do {
            _ = try await books.save(unitID: unit.id, week: week, comments: comments, strengths: form["strengths"], weaknesses: form["weaknesses"],
                                     version: Int(form.int("version") ?? 0), submit: form["submit"] == "1", by: context.actor)
            return HTMLPage.redirect("/tasks/duty-books/\(unit.id)?week=\(week.start)")
        } catch {
            var view = FormView(values: form.fields.mapValues { $0.first ?? "" })
            try view.absorb(error, catalogs: catalogs, locale: context.locale)
            return try tasks.views.page(try await page(unit, week, mayWrite: mayWrite, context, form: view), context,
                                        status: OneStopController.isConflict(error) ? .conflict : .badRequest)
        }
    }

    func addendum(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let (unit, mayWrite) = try await unit(context)
        guard mayWrite else { throw Forbidden() }
        let week = week(request)
        let form = try await FormData.read(request, context)
        do {
            try await books.addendum(unitID: unit.id, week: week, text: form["addendum"], by: context.actor)
            return HTMLPage.redirect("/tasks/duty-books/\(unit.id)?week=\(week.start)#addenda")
        } catch {
            var view = FormView(values: ["addendum": form["addendum"]])
            try view.absorb(error, catalogs: catalogs, locale: context.locale)
            return try tasks.views.page(try await page(unit, week, mayWrite: mayWrite, context, form: view), context,
                                        status: OneStopController.isConflict(error) ? .conflict : .badRequest)
        }
    }

    // MARK: Print and XLSX

    func print(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let (unit, _) = try await unit(context)
        let book = try await page(unit, week(request), mayWrite: false, context)
        return try tasks.views.page(DutyBookPrintPage(book: book, auditAnchor: tasks.shared.auditAnchor(context.locale),
                                                      today: tasks.today.vietnamese), context)
    }

    func xlsx(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let (unit, _) = try await unit(context)
        let week = week(request)
        let book = try await page(unit, week, mayWrite: false, context)
        let locale = context.locale
        var sheet = XLSXSheet(name: week.start.description)
        sheet.title = "\(catalogs.text("duty_book_title", locale)) · \(unit.name) · \(book.week_vn)"
        sheet.header = [catalogs.text("task_number", locale), catalogs.text("task_title", locale), catalogs.text("task_owner", locale),
                        catalogs.text("task_due", locale), catalogs.text("task_standing", locale), catalogs.text("duty_book_week_events", locale),
                        catalogs.text("duty_book_comment", locale)]
        sheet.widths = [8, 40, 22, 12, 22, 50, 40]
        sheet.rows = book.lines.map { l in
            [.text(l.reference), .text(l.title), .text(l.owner), .text(l.due), .text(l.standing), .text(l.events.joined(separator: "\n")), .text(l.comment)]
        }
        sheet.rows.append([])
        sheet.rows.append([.text(catalogs.text("duty_book_strengths", locale)), .text(book.strengths ?? "")])
        sheet.rows.append([.text(catalogs.text("duty_book_weaknesses", locale)), .text(book.weaknesses ?? "")])
        let filename = "so-truc-tuan-\(unit.fileSlug)-\(week.start).xlsx"
        return try sheet.response(filename: filename)
    }
}
