import CongvuDomain
import CongvuStore
import Foundation

extension OneStopServices {
    /// The morning's dossier notifications (07:30): to the one-stop officers of the desk that received
    /// a dossier when it falls due within two working days, and to them and the leaders of the unit
    /// handling it once it
    /// is overdue with no apology issued yet (the apology letter is due). Each is raised once per
    /// dossier and due day, so a second run or a second node adds nothing; an extended deadline
    /// reminds again. Returns how many were raised.
    @discardableResult
    func remind(now: Date = Date()) async throws -> Int {
        var calendars: [Int64: WorkCalendar] = [:]
        var raised = 0
        // Two working days never reach past a week, whatever the holidays.
        for r in try await dossiers.list(scopes: ["/"], filter: .dueSoon, now: now, dueBefore: now.addingTimeInterval(7 * 86400), limit: 100_000) {
            let d = r.dossier
            guard let due = d.dueAt else { continue }
            let overdue = d.isOverdue(at: now)
            if !overdue {
                if calendars[d.currentUnitID] == nil { calendars[d.currentUnitID] = try await shared.workCalendar(unitID: d.currentUnitID) }
                guard let calendar = calendars[d.currentUnitID], let horizon = try? calendar.addingWorkingDays(2, to: now), due <= horizon else { continue }
            }
            let key = NotificationKey(overdue ? .dossierOverdue : .dossierNearDue, recordType: "dossier", recordID: d.id,
                                      occasion: Day(due, in: CivilTime.vietnam).description)
            guard try await !shared.notifications.raised(key) else { continue }
            let draft = NotificationDraft(key: key, unitID: d.currentUnitID, params: ["subject": "\(d.code) · \(r.procedureName)"],
                                          link: "/one-stop/dossiers/\(d.id)")
            raised += try await shared.database.write { sql in
                var people = try await NotificationStore.nearest([.oneStopOfficer], over: [r.unitPath, r.currentUnitPath], in: sql)
                if overdue { people += try await NotificationStore.nearest([.leader], over: [r.currentUnitPath], in: sql) }
                try await NotificationStore.raise(draft, toPeople: people, at: now, in: sql)
                return Set(people).count
            }
        }
        return raised
    }

    /// The one-stop desk's part of the morning: dossiers near or past their due date.
    var morning: NightlyJob {
        NightlyJob(name: "dossier reminders") { now in "dossier reminders raised \(try await remind(now: now))" }
    }
}
