import CongvuDomain
import CongvuStore
import CongvuTerminals
import Foundation

/// The home page's answer to "what needs me now", one section per concern, each shown only to
/// whoever it concerns: today's late, absent and away (names, not a count); the approvals waiting
/// for this person, with one-tap decisions, and for the office those it may only watch, with who
/// may decide; dossiers overdue and due within two working days; open terminal and camera
/// alerts; a person's own days to explain; a one-stop officer's own dossiers.
struct Morning {
    let services: AppServices
    let principal: Principal
    let locale: AppLocale
    var catalogs: Catalogs { services.views.catalogs }
    func text(_ key: String, _ args: String...) -> String { catalogs.text(key, locale, args) }

    /// Where they are today, in the unit of the principal's first attendance grant.
    func today() async throws -> HomePage.Today? {
        guard let grant = principal.grants.first(where: { $0.role.permissions.contains(.viewAttendance) }),
              let unit = try await services.units.get(grant.unitID) else { return nil }
        // The live board's own snapshot, shared with every viewer of the unit until something changes.
        let board = try await BoardBuilder(attendance: services.attendance).cached(unit: unit, locale: locale, stale: true).snapshot
        func people(_ states: Set<String>) -> [HomePage.Today.Person] {
            board.people.filter { states.contains($0.state) }.map { .init(id: $0.id, name: $0.name, title: $0.title, detail: $0.detail) }
        }
        let late = people(["late"]), absent = people(["not_arrived"]), away = people(["on_notice", "on_leave"])
        return HomePage.Today(unit: unit.name, unit_id: unit.id, at: board.at,
                              present: board.people.filter { $0.state == "present" }.count, total: board.people.count,
                              late: late, late_count: late.count.nonZero, absent: absent, absent_count: absent.count.nonZero,
                              away: away, away_count: away.count.nonZero,
                              title: text("morning_today", String(late.count), String(absent.count), String(away.count)))
    }

    struct Approvals {
        var mine: [HomePage.Approval] = []
        var others: [HomePage.Approval] = []
    }

    /// Notices, leave and explanations waiting for a decision in the principal's attendance scope:
    /// those the principal may decide (one tap to approve or accept), and, for the office, the
    /// others with the names of those who may decide them.
    func approvals() async throws -> Approvals {
        guard principal.holds(.viewAttendance) else { return Approvals() }
        let scopes = principal.scopes(for: .viewAttendance)
        var out = Approvals()
        var decider = Decider(attendance: services.attendance, principal: principal)
        // Only the office watches what others decide; a leader or an inspector over a whole province
        // is shown their own decisions only, without asking who else may for every request.
        let watches = principal.holds(.editPeople)
        let leaders = watches ? try await leaderAccounts(scopes) : []
        let absences = try await services.attendance.absences.list(scopes: scopes, statuses: [.pending], limit: 50)
        for r in absences where r.request.personID != principal.personID {
            var row = HomePage.Approval(kind: catalogs.label("absence_kind", r.request.kind.rawValue, locale), name: r.fullName,
                                        what: [r.request.place, r.request.purpose].filter { !$0.isEmpty }.joined(separator: " · "),
                                        when: "\(Instant.display(r.request.from)) – \(Instant.display(r.request.to))",
                                        action: "/absences/\(r.request.id)/decide", yes: "approve", yes_label: text("approve"),
                                        more: "/absences")
            if try await decider.mayDecide(personID: r.request.personID) {
                out.mine.append(row)
            } else if watches {
                row.deciders = try await deciders(of: r.request.personID, at: r.unitPath, among: leaders)
                out.others.append(row)
            }
        }
        let cases = try await services.attendance.explanations.list(scopes: scopes, statuses: [.explained], limit: 50)
        for r in cases where r.explanation.personID != principal.personID {
            let e = r.explanation
            var row = HomePage.Approval(kind: text("morning_explanation"), name: r.fullName,
                                        what: catalogs.label("verdict", e.verdict.rawValue, locale) + (e.minutes > 0 ? " · " + text("morning_minutes", String(e.minutes)) : ""),
                                        when: e.day.vietnamese, action: "/explanations/\(e.id)/decide", yes: "accept",
                                        yes_label: text("accept"), more: "/explanations/\(e.id)")
            if try await decider.mayDecide(personID: e.personID) {
                out.mine.append(row)
            } else if watches {
                row.deciders = try await deciders(of: e.personID, at: r.unitPath, among: leaders)
                out.others.append(row)
            }
        }
        return out
    }

    /// Leader accounts whose grants reach the scopes, as principals.
    func leaderAccounts(_ scopes: [String]) async throws -> [Principal] {
        try await services.accounts.list(scopes: scopes).compactMap { account, grants in
            guard !account.disabled, grants.contains(where: { $0.role == .leader }) else { return nil }
            return Principal(userID: account.id, username: account.username, displayName: account.displayName, personID: account.personID, grants: grants)
        }
    }

    /// Who may decide for the person: among the leaders whose grant covers the person's unit (a few),
    /// those the rules allow.
    func deciders(of personID: Int64, at unitPath: String, among leaders: [Principal]) async throws -> String {
        var names: [String] = []
        let covering = leaders.filter { $0.grants.contains { $0.role == .leader && unitPath.hasPrefix($0.unitPath) } }
        for leader in covering where try await services.attendance.mayDecide(leader, personID: personID) { names.append(leader.displayName) }
        return names.isEmpty ? text("morning_no_decider") : names.joined(separator: ", ")
    }

    /// Dossiers overdue, and due within two working days, in the principal's one-stop scope.
    func dossiers() async throws -> HomePage.Dossiers? {
        guard principal.holds(.viewDossiers) else { return nil }
        let scopes = principal.scopes(for: .viewDossiers)
        let store = services.oneStop.dossiers
        let now = Date()
        var horizon = now.addingTimeInterval(2 * 86400)
        if let grant = principal.grants.first(where: { $0.role.permissions.contains(.viewDossiers) }), let unit = try await services.units.get(grant.unitID) {
            let calendar = try await services.calendars.workCalendar(for: unit, years: services.today.year...(services.today.year + 1))
            horizon = (try? calendar.addingWorkingDays(2, to: now)) ?? horizon
        }
        let overdue = try await store.list(scopes: scopes, filter: .overdue, now: now, limit: 500).sorted { ($0.dossier.dueAt ?? now) < ($1.dossier.dueAt ?? now) }
        let soon = try await store.list(scopes: scopes, filter: .dueSoon, now: now, dueBefore: horizon, limit: 500)
            .filter { !$0.dossier.isOverdue(at: now) }.sorted { ($0.dossier.dueAt ?? now) < ($1.dossier.dueAt ?? now) }
        func rows(_ list: [DossierRow]) -> [HomePage.Dossiers.Row] {
            list.prefix(8).map { r in
                .init(id: r.dossier.id, code: r.dossier.code, applicant: r.dossier.applicant.name, procedure: r.procedureName,
                      due: r.dossier.dueAt.map { Instant.display($0) } ?? "", unit: r.currentUnitName)
            }
        }
        return HomePage.Dossiers(overdue: rows(overdue), overdue_count: overdue.count.nonZero, soon: rows(soon), soon_count: soon.count.nonZero,
                                 has_any: !overdue.isEmpty || !soon.isEmpty,
                                 title: text("morning_dossiers", String(overdue.count), String(soon.count)))
    }

    /// Open terminal alerts in the principal's terminal scope, and camera alerts of the cameras it manages.
    func alerts() async throws -> [HomePage.Alert] {
        var out: [HomePage.Alert] = []
        if principal.holds(.manageTerminals) {
            for a in try await services.terminals.alerts.open(scopes: principal.scopes(for: .manageTerminals), limit: 20) {
                out.append(.init(what: catalogs.text("terminal_alert_\(a.kind.rawValue)", locale), where: a.location.isEmpty ? a.serial : a.location,
                                 at: Instant.display(a.occurredAt), href: "/terminals/\(a.serial)#alerts"))
            }
        }
        if principal.holds(.manageCameras) {
            let scopes = principal.scopes(for: .manageCameras)
            for a in try await services.video.cameras.openAlerts(within: scopes, serverWide: principal.roles.contains(.systemAdmin)) {
                out.append(.init(what: catalogs.label("camera_alert", a.kind, locale), where: a.cameraName ?? "",
                                 at: Instant.display(a.raisedAt), href: a.cameraID.map { "/cameras/\($0)" } ?? "/cameras"))
            }
        }
        return out
    }

    /// The person's own days of the last month that need explaining, and cases open for them.
    func mine() async throws -> [HomePage.Mine] {
        guard let personID = principal.personID else { return [] }
        let today = services.today
        let first = Day(Date().addingTimeInterval(-30 * 86400), in: CivilTime.vietnam)
        let days = first.through(today.previous)
        let verdicts = try await services.attendance.verdicts.refresh(personIDs: [personID], days: days, cause: "review")[personID] ?? [:]
        let cases = try await services.attendance.explanations.byDay(personIDs: [personID], first: first, last: today)[personID] ?? [:]
        let t = AttendanceText(catalogs: catalogs, locale: locale)
        var out: [HomePage.Mine] = []
        for day in days.reversed() {
            guard let v = verdicts[day], v.needsExplanation else { continue }
            let c = cases[day]
            guard c == nil || c?.status == .open else { continue }
            out.append(.init(day: day.vietnamese, what: t.verdict(v.status), reasons: t.reasons(v),
                             href: c.map { "/explanations/\($0.id)" } ?? "/attendance/person/\(personID)/day/\(day)",
                             button: text(c == nil ? "morning_explain_day" : "morning_explain_case", day.vietnamese)))
        }
        return out
    }

    /// The person's tasks that remind today (3 and 1 working days before the deadline, every day once
    /// overdue) and those given more than a working day ago and not yet acknowledged: on the home
    /// page, as the morning's notifications carry them (`TaskServices.remind`).
    func tasks(_ mine: [TaskRow]) async throws -> [HomePage.TaskReminder] {
        guard let personID = principal.personID else { return [] }
        let today = services.today, now = Date()
        var calendars: [Int64: WorkCalendar] = [:]
        var out: [HomePage.TaskReminder] = []
        for r in mine where r.task.ownerID == personID {
            let t = r.task
            if calendars[t.unitID] == nil { calendars[t.unitID] = try await services.shared.workCalendar(unitID: t.unitID) }
            guard let calendar = calendars[t.unitID] else { continue }
            let unacknowledged = TaskRules.unacknowledged(t, now: now, calendar: calendar)
            guard unacknowledged || TaskRules.remindsToday(t, today: today, calendar: calendar),
                  let left = try? TaskRules.workingDaysLeft(t, today: today, calendar: calendar) else { continue }
            out.append(.init(id: t.id, title: t.title, due: t.due.vietnamese, overdue: left < 0,
                             when: left < 0 ? text("task_overdue_by", String(-left)) : left == 0 ? text("task_due_today") : text("task_days_left", String(left)),
                             unacknowledged: unacknowledged))
        }
        return out
    }

    /// A one-stop officer's dossiers still open at their counters, the nearest due first.
    func counter() async throws -> [HomePage.Counter] {
        guard principal.holds(.handleDossiers) else { return [] }
        let now = Date()
        let open = try await services.oneStop.dossiers.list(scopes: principal.scopes(for: .handleDossiers), filter: .open, limit: 500)
        return open.sorted { ($0.dossier.dueAt ?? now) < ($1.dossier.dueAt ?? now) }.prefix(10).map { r in
            .init(id: r.dossier.id, code: r.dossier.code, applicant: r.dossier.applicant.name, procedure: r.procedureName,
                  status: catalogs.label("dossier_status", r.dossier.status.key, locale), due: r.dossier.dueAt.map { Instant.display($0) } ?? "",
                  overdue: r.dossier.isOverdue(at: now))
        }
    }
}
