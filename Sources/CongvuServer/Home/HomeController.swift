import CongvuDomain
import CongvuStore
import Foundation
import Hummingbird

/// The signed-in home: what needs the person now (`Morning`), then one card per thing they may
/// look after. Features add their sections and cards here. `/` routes here once signed in.
struct HomeController {
    let services: AppServices

    func home(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let p = try context.signedIn()
        let t = services.views.catalogs
        var cards: [HomePage.Card] = []
        if p.personID != nil {
            cards.append(.init(title: t.text("card_my_attendance", context.locale), value: nil, href: "/attendance/me", note: t.text("card_my_attendance_note", context.locale)))
            cards.append(.init(title: t.text("card_absences", context.locale), value: nil, href: "/absences", note: t.text("card_absences_note", context.locale)))
            let unread = try await services.notifications.store.unread(personID: p.personID!)
            cards.append(.init(title: t.text("card_notifications", context.locale), value: unread, href: "/notifications",
                               note: t.text("card_notifications_note", context.locale)))
        }
        // Notifications the providers refused for the office's people: to send again or mend.
        if p.holds(.editPeople) {
            let failed = try await services.notifications.store.failedCount(scopes: p.scopes(for: .editPeople), on: services.today)
            if failed > 0 {
                cards.append(.init(title: t.text("card_notification_failures", context.locale), value: failed, href: "/notifications/log?state=failed",
                                   note: t.text("card_notification_failures_note", context.locale)))
            }
        }
        // The person's open tasks, read once: the card's count and the morning's reminders.
        var myTasks: [TaskRow] = []
        if let personID = p.personID {
            let mine = try await services.tasks.tasks.mine(personID: personID)
            myTasks = mine
            cards.append(.init(title: t.text("card_tasks", context.locale), value: mine.count, href: "/tasks", note: t.text("card_tasks_note", context.locale)))
        }
        let (taskScopes, assignScopes) = try await services.tasks.scopes(p)
        if !taskScopes.isEmpty {
            // Overdue in the units the person looks after, and this year's share done on time.
            let today = services.today
            let figures = try await services.tasks.tasks.figures(scopes: taskScopes, today: today, weekEnd: DutyWeek(containing: today).days(count: 7).last!,
                                                                 since: Day(year: today.year, month: 1, day: 1)!)
            let rate = figures.done == 0 ? "—" : ReportsController.percent(Double(figures.doneOnTime) / Double(figures.done))
            cards.append(.init(title: t.text("card_tasks_unit", context.locale), value: figures.overdue, href: "/tasks/board",
                               note: t.text("card_tasks_unit_note", context.locale, [String(figures.dueThisWeek), rate])))
            // Duty books not submitted by last Friday's deadline (or this week's, once past).
            let thisWeek = DutyWeek(containing: today)
            let bookWeek = Date() > DutyBookController.deadline.moment(for: thisWeek) ? thisWeek : thisWeek.previous
            let missingBooks = try await DutyBookController.missing(services.tasks, scopes: taskScopes, week: bookWeek)
            if missingBooks > 0 {
                cards.append(.init(title: t.text("card_duty_books", context.locale), value: missingBooks, href: "/tasks/duty-books?week=\(bookWeek.start)",
                                   note: t.text("card_duty_books_note", context.locale)))
            }
            // Tasks left without a lead by staff changes; those a unit below left too long are flagged here.
            let orphans = try await services.tasks.orphanCounts(scopes: assignScopes)
            if orphans.waiting > 0 {
                cards.append(.init(title: t.text("card_orphans", context.locale), value: orphans.waiting, href: "/tasks/orphans",
                                   note: t.text("card_orphans_note", context.locale, [String(orphans.escalatedBelow)])))
            }
            // Written duties missing for people in post too long: the inspectors' ready-made finding.
            let missing = try await services.tasks.countWithoutDuties(scopes: taskScopes)
            if missing > 0 {
                cards.append(.init(title: t.text("card_duties", context.locale), value: missing, href: "/tasks/duties",
                                   note: t.text("card_duties_note", context.locale)))
            }
        }
        // A leader's day by their published schedule: how many entries, and the next one.
        if let personID = p.personID, p.holds(.publishSchedules) {
            let now = Date()
            let mine = try await services.schedules.store.chaired(by: personID, on: services.today)
            let next = mine.first { $0.to > now }
            cards.append(.init(title: t.text("card_schedule", context.locale), value: mine.count, href: "/schedules",
                               note: next.map { t.text("card_schedule_note", context.locale, ["\($0.start)", $0.content]) }
                                   ?? t.text("card_schedule_none", context.locale)))
        }
        // Citizens' feedback: what waits for the office, and what is late.
        if p.holds(.handleFeedback) {
            let ids = try await services.feedback.handledUnits(p).map(\.id)
            let store = services.feedback.store
            let waiting = try await store.list(FeedbackFilter(unitIDs: ids, status: .received, limit: 1)).total
            let late = try await store.list(FeedbackFilter(unitIDs: ids, overdueOn: services.today, limit: 1)).total
            cards.append(.init(title: t.text("card_feedback", context.locale), value: late, href: late > 0 ? "/feedback?overdue=1" : "/feedback",
                               note: t.text("card_feedback_note", context.locale, [String(waiting)])))
            // Citizens' satisfaction this quarter by the SIPAS survey, with its interval.
            let today = services.today, quarter = Day(year: today.year, month: ((today.month - 1) / 3) * 3 + 1, day: 1)!
            let surveys = services.feedback.surveys
            if let sipas = try await surveys.current(Questionnaire.sipas.code) {
                let answers = try await surveys.responses(unitIDs: ids, from: quarter, to: today, code: sipas.questionnaire.code).map(\.answers)
                let overall = SurveyResults(answers, questionnaire: sipas.questionnaire).overall
                cards.append(.init(title: t.text("card_surveys", context.locale), value: answers.count, href: "/surveys",
                                   note: overall.map { o in
                                       t.text("card_surveys_note", context.locale, [SurveyResultsController.percent(o.satisfied),
                                                                                     SurveyResultsController.percent(o.satisfiedInterval.lowerBound),
                                                                                     SurveyResultsController.percent(o.satisfiedInterval.upperBound)])
                                   } ?? t.text("card_surveys_none", context.locale)))
            }
        }
        // The reform index: where the person's units stand (the last published year, this year's
        // self-assessment), and for a council the rounds it runs. Stored figures only: no measures here.
        if p.holds(.assessReform) {
            for grant in p.grants where grant.role.permissions.contains(.assessReform) {
                guard let unit = try await services.units.get(grant.unitID) else { continue }
                let standings = try await services.reform.standings(of: unit, live: false)
                guard let latest = standings.first else { continue }
                let published = standings.first { $0.published != nil }
                var notes: [String] = []
                if let open = standings.first(where: { $0.round.status != .published }) {
                    notes.append(t.text("card_reform_open", context.locale, [String(open.round.year), String(open.assessed), String(open.manual),
                                                                             open.round.deadline.vietnamese]))
                }
                if let last = published, let r = last.published {
                    notes.append(t.text("card_reform_published", context.locale, [String(last.round.year), "\(r.index)%",
                                                                                  last.round.framework.framework.bands.first { $0.code == r.band }?.name ?? r.band,
                                                                                  "\(r.rank)/\(r.of)"]))
                }
                cards.append(.init(title: "\(t.text("card_reform", context.locale)) · \(latest.participant.unitName)", value: nil,
                                   href: "/reform/rounds/\(latest.round.id)/units/\(latest.participant.unitID)", note: notes.joined(separator: " · ")))
                break
            }
        }
        if p.holds(.appraiseReform) {
            for round in try await services.reform.store.rounds() where round.status != .published {
                guard let body = try await services.units.get(round.bodyID), p.allows(.appraiseReform, at: body.path) else { continue }
                let participants = try await services.reform.store.participants(roundID: round.id)
                cards.append(.init(title: t.text("card_reform_council", context.locale, [String(round.year)]),
                                   value: participants.filter { $0.submittedAt != nil }.count, href: "/reform/rounds/\(round.id)",
                                   note: t.text("card_reform_council_note", context.locale, [String(participants.count), round.deadline.vietnamese])))
            }
        }
        if p.holds(.inspect) || p.holds(.viewInspections) {
            // Inspectors: their body's year ("7/13 units"); leaders: what the minutes asked of their units.
            let inspections = services.inspections
            let recommendations = try await inspections.store.openRecommendations(scopes: p.scopes(for: .viewInspections), today: services.today)
            var covered = ""
            if let grant = p.grants.first(where: { $0.role.permissions.contains(.inspect) }), let body = try await services.units.get(grant.unitID) {
                let r = try await inspections.store.coverage(body: body, year: services.today.year, today: services.today)
                covered = "\(r.coverage.inspected)/\(r.coverage.inScope)"
            }
            cards.append(.init(title: t.text("card_inspections", context.locale), value: recommendations.open,
                               href: covered.isEmpty ? "/inspections" : "/inspections/coverage",
                               note: t.text(covered.isEmpty ? "card_inspections_note_unit" : "card_inspections_note", context.locale,
                                            [covered, String(recommendations.overdue)])))
        }
        if p.holds(.manageTerminals) {
            let open = try await services.terminals.alerts.open(scopes: p.scopes(for: .manageTerminals), limit: 1000)
            cards.append(.init(title: t.text("card_terminal_alerts", context.locale), value: open.count, href: "/terminals#alerts", note: t.text("card_terminal_alerts_note", context.locale)))
        }
        if p.holds(.editPeople) {
            // Punches kept but not counted until the office looks: a leader's "who was in" depends on them.
            let held = try await services.attendance.punches.heldCount(scopes: p.scopes(for: .editPeople))
            if held > 0 {
                cards.append(.init(title: t.text("card_held_punches", context.locale), value: held, href: "/attendance/cards#held", note: t.text("card_held_punches_note", context.locale)))
            }
        }
        if p.holds(.viewPeople) {
            let scopes = p.scopes(for: .viewPeople)
            let count = try await services.people.search("", scopes: scopes, on: services.today, limit: 1).total
            cards.append(.init(title: t.text("card_people", context.locale), value: count, href: "/people", note: t.text("card_people_note", context.locale)))
        }
        if p.holds(.viewOrganisation) {
            let units = try await services.units.list(scopes: p.scopes(for: .viewOrganisation))
            let today = services.today
            cards.append(.init(title: t.text("card_units", context.locale), value: units.filter { $0.isActive(on: today) }.count, href: "/units", note: t.text("card_units_note", context.locale)))
        }
        if p.holds(.importData) {
            cards.append(.init(title: t.text("card_import", context.locale), value: nil, href: "/import", note: t.text("card_import_note", context.locale)))
        }
        if p.holds(.manageAccounts) {
            cards.append(.init(title: t.text("card_users", context.locale), value: nil, href: "/admin/users", note: t.text("card_users_note", context.locale)))
        }
        if p.holds(.viewAudit) {
            cards.append(.init(title: t.text("card_audit", context.locale), value: nil, href: "/audit", note: t.text("card_audit_note", context.locale)))
        }
        var grants: [HomePage.Grant] = []
        for g in p.grants {
            let unit = try await services.units.get(g.unitID)
            grants.append(.init(role: t.label("role", g.role.rawValue, context.locale), unit: unit?.name ?? "", unit_id: g.unitID))
        }
        // Those who can act on it (set up the server, or print receipts) are told when receipts' QR codes cannot work.
        var warnings: [String] = []
        if let problem = services.config.publicURLProblem, p.holds(.manageAccounts) || p.holds(.handleDossiers) {
            warnings.append(t.text("public_url_\(problem.rawValue)", context.locale, [services.config.publicURL]))
        }
        // Failed sign-ins to this account, told to its owner until seen.
        var signInAlert: String?
        if let alert = try await services.accounts.openSignInAlert(userID: p.userID, atLeast: services.config.signInThrottle.freeFailures) {
            let sources = alert.sources.map { $0 == "device" ? t.text("sign_in_alert_device", context.locale) : $0 }.joined(separator: ", ")
            signInAlert = t.text("sign_in_alert", context.locale, [String(alert.failures), sources, Instant.display(alert.firstAt), Instant.display(alert.lastAt)])
        }
        let morning = Morning(services: services, principal: p, locale: context.locale)
        let approvals = try await morning.approvals()
        let alerts = try await morning.alerts(), mine = try await morning.mine(), counter = try await morning.counter()
        let reminders = try await morning.tasks(myTasks)
        return try services.views.page(HomePage(
            cards: cards, grants: grants, warnings: warnings, sign_in_alert: signInAlert,
            today: try await morning.today(), dossiers: try await morning.dossiers(),
            approvals: approvals.mine, has_approvals: !approvals.mine.isEmpty, approvals_count: approvals.mine.count,
            watched_approvals: approvals.others, has_watched_approvals: !approvals.others.isEmpty,
            alerts: alerts, has_alerts: !alerts.isEmpty, mine: mine, has_mine: !mine.isEmpty, tasks: reminders, has_tasks: !reminders.isEmpty,
            counter: counter, has_counter: !counter.isEmpty), context)
    }
}
