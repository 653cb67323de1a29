import CongvuDomain
import CongvuStore
import Foundation
import Hummingbird

/// The weekly leaders' meeting pack (`/schedules/pack`): for a committee and a week, on one A4
/// document, what the other features already know: attendance compliance, the duty unit's report,
/// the departments' duty books, overdue tasks and dossiers, and citizen reception. It reads each
/// feature through its own store or helper; it keeps nothing of its own.
struct MeetingPackController {
    let services: AppServices
    var catalogs: Catalogs { services.views.catalogs }

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get("pack", use: pack)
    }

    /// The week reviewed: the one asked for, else the week just ended (the Monday meeting looks back).
    func week(_ request: Request) -> DutyWeek {
        request.uri.queryParameters["week"].flatMap { Day(String($0)) }.map { DutyWeek(containing: $0) } ?? DutyWeek(containing: services.today).previous
    }

    func pack(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let (unit, _, _) = try await SchedulesController(schedules: services.schedules).unit(request, context)
        let week = week(request), locale = context.locale, today = services.today
        let days = week.days(count: 7).filter { $0 < today }

        // Attendance: kept days over the days that could be kept, the unit and each unit below it.
        let sheet = try await services.attendance.verdicts.sheet(unit: unit, days: days)
        let children = try await services.units.children(of: unit.id).filter { $0.isActive(on: week.start) }
        var total = Compliance(), byChild: [Int64: Compliance] = [:]
        for post in sheet.people {
            let child = children.first { post.unitPath.hasPrefix($0.path) }
            for v in (sheet.verdicts[post.personID] ?? [:]).values {
                total.add(v)
                if let child { byChild[child.id, default: Compliance()].add(v) }
            }
        }
        func line(_ name: String, _ c: Compliance) -> MeetingPackPage.Attendance {
            .init(unit: name, expected: c.expected, kept: c.kept, late: c.late, absent: c.absent, missing: c.missingPunch,
                  rate: ReportsController.percent(c.rate))
        }
        let attendance = [line(unit.name, total)] + children.compactMap { u in byChild[u.id].map { line(u.name, $0) } }

        // The duty unit's week, as its Monday report has it.
        let duty = try await CoverageController(inspections: services.inspections).weekView(unit, week: week)
        let dutyLines = duty.lines.map { MeetingPackPage.Duty(department: $0.name, on_duty: $0.on_duty, checks: $0.checks, required: $0.required,
                                                              violations: $0.violations, comment: Template.optional($0.comment)) }
        // What inspections' minutes asked of the unit and is still open.
        let recommendations = try await services.inspections.store.openRecommendations(scopes: [unit.path], today: today)
        // The departments' duty books.
        let books = try await DutyBookController.departments(services.tasks, scopes: [unit.path], week: week).map {
            MeetingPackPage.Book(department: $0.unit.name, state: catalogs.label("duty_book_state", $0.state.rawValue, locale),
                                 bad: $0.state == .missing || $0.state == .late)
        }
        // Overdue tasks and dossiers today.
        let overdue = try await services.tasks.tasks.board(TaskStore.BoardFilter(unitPaths: [unit.path]))
            .filter { $0.task.standing(on: today) == .openOverdue }.sorted { $0.task.due < $1.task.due }
        let tasks = overdue.prefix(30).map { MeetingPackPage.Task(reference: $0.task.reference, title: $0.task.title, owner: $0.ownerName, due: $0.task.due.vietnamese) }
        let dossiers = try await services.oneStop.dossiers.list(scopes: [unit.path], filter: .overdue, limit: 500)
        let late = dossiers.prefix(30).map { MeetingPackPage.Dossier(code: $0.dossier.code, procedure: $0.procedureName, unit: $0.currentUnitName,
                                                                     due: $0.dossier.dueAt.map { Instant.display($0) } ?? "") }
        // Citizen reception in the week.
        let receptions = ReceptionCounts(try await services.schedules.receptions.list(unitIDs: [unit.id], from: week.start, to: week.days(count: 7).last!)
            .map(\.record))
        // Citizens' feedback: received in the week with the register's units of the commune, and late now.
        let register = try await services.feedback.registerUnits(of: unit).map(\.id)
        let feedback = FeedbackCounts(try await services.feedback.store.counted(unitIDs: register, from: week.start, to: week.days(count: 7).last!), today: today)
        let feedbackLate = try await services.feedback.store.list(FeedbackFilter(unitIDs: register, overdueOn: today, limit: 1)).total
        // Satisfaction surveys answered in the week at the same units.
        let answered = try await services.feedback.surveys.responses(unitIDs: register, from: week.start, to: week.days(count: 7).last!, code: "sipas")
        let satisfaction = SurveyResults(answered.map(\.answers), questionnaire: .sipas).overall
        // The reform index: this year's projection with today's measures, and the last published year.
        let reform = try await services.reform.standings(of: unit, live: true).map { s -> String in
            let f = s.round.framework.framework
            if let r = s.published {
                return catalogs.text("pack_reform_published", locale, [String(s.round.year), "\(r.index)%", f.bands.first { $0.code == r.band }?.name ?? r.band,
                                                                       "\(r.rank)/\(r.of)", s.round.decisionNumber])
            }
            return catalogs.text("pack_reform_open", locale, [String(s.round.year), s.projected.map { "\($0.index)%" } ?? "–",
                                                              s.scoredSoFar.map { "\($0.index)%" } ?? "–", String(s.assessed), String(s.manual)])
        }
        return try services.views.page(MeetingPackPage(
            unit: .init(id: unit.id, name: unit.name), week: week.start.description, week_label: "\(week.start.vietnamese) – \(week.days().last!.vietnamese)",
            previous: week.previous.start.description, next: week.next.start.description, printed: Instant.display(Date()),
            attendance: attendance, duty_department: duty.onDuty.flatMap { duty.names[$0] }, duty: dutyLines, has_duty: !dutyLines.isEmpty,
            duty_summary: Template.optional(duty.summary), recommendations_open: recommendations.open, recommendations_overdue: recommendations.overdue,
            books: books, has_books: !books.isEmpty,
            overdue_tasks: overdue.count, tasks: tasks, overdue_dossiers: dossiers.count, dossiers: late,
            reception_citizens: receptions.citizens, reception_days: receptions.days, reception_settled: receptions.settled,
            feedback_received: feedback.total - (feedback.byStatus[.spam] ?? 0), feedback_answered: feedback.answered,
            feedback_on_time: feedback.onTimePercent.map { String(format: "%.0f%%", $0) } ?? "–", feedback_late: feedbackLate,
            feedback_escalated: feedback.escalated, survey_responses: answered.count,
            survey_satisfied: satisfaction.map { SurveyResultsController.percent($0.satisfied) } ?? "–", reform: reform), context)
    }
}

/// The weekly leaders' meeting pack on A4.
struct MeetingPackPage: Page {
    static let template = "meeting_pack"
    struct Attendance: Decodable { var unit: String; var expected: Int; var kept: Int; var late: Int; var absent: Int; var missing: Int; var rate: String }
    struct Duty: Decodable { var department: String; var on_duty: Bool; var checks: Int; var required: Int; var violations: Int; var comment: String? }
    struct Book: Decodable { var department: String; var state: String; var bad: Bool }
    struct Task: Decodable { var reference: String; var title: String; var owner: String; var due: String }
    struct Dossier: Decodable { var code: String; var procedure: String; var unit: String; var due: String }
    var unit: UnitRef
    var week: String
    var week_label: String
    var previous: String
    var next: String
    var printed: String
    var attendance: [Attendance]
    var duty_department: String?
    var duty: [Duty]
    var has_duty: Bool
    var duty_summary: String?
    var recommendations_open: Int
    var recommendations_overdue: Int
    var books: [Book]
    var has_books: Bool
    var overdue_tasks: Int
    var tasks: [Task]
    var overdue_dossiers: Int
    var dossiers: [Dossier]
    var reception_citizens: Int
    var reception_days: Int
    var reception_settled: Int
    var feedback_received: Int
    var feedback_answered: Int
    var feedback_on_time: String
    var feedback_late: Int
    var feedback_escalated: Int
    var survey_responses: Int
    var survey_satisfied: String
    /// The reform index's standing, a line per round (this year's, the last published).
    var reform: [String]
}
