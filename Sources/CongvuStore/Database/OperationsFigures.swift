import CongvuDomain
import Foundation
import SQLKit

/// What Prometheus reads about the work itself (issue 26), counted in the database at the scrape:
/// every node reports the same figures, whichever wrote the rows.
public struct OperationsFigures: Sendable, Equatable {
    /// Punches kept, all time; held for the office to review; addresses refused as unknown terminals (their attempts).
    public var punches = 0, punchesHeld = 0, terminalRefusals = 0
    /// Approved terminals heard from within the silence, those not, those waiting for approval, and those whose clock drifts more than a minute.
    public var terminalsOnline = 0, terminalsOffline = 0, terminalsPending = 0, terminalsDrifting = 0
    /// Terminal and camera alerts not yet resolved (tampering, clock set, offline, stalled).
    public var terminalAlertsOpen = 0, cameraAlertsOpen = 0
    /// Active cameras, those set to record.
    public var cameras = 0, camerasRecording = 0
    /// Dossiers open, and those of them past their due day.
    public var dossiersOpen = 0, dossiersOverdue = 0
    /// Tasks open (assigned or in progress), and those past due.
    public var tasksOpen = 0, tasksOverdue = 0
    /// Feedback waiting for an answer, and those past due.
    public var feedbackOpen = 0, feedbackOverdue = 0
    // The notification outbox has its own (`congvu_notifications_queued`, `…_failed_total`: the delivery worker's).

    public init() {}

    public static func read(_ database: Database, now: Date = Date(), terminalSilence: TimeInterval = 600) async throws -> OperationsFigures {
        let today = Day(now, in: CivilTime.vietnam).description, silent = Instant.format(now.addingTimeInterval(-terminalSilence))
        let open = DossierStatus.allCases.filter(\.isOpen).map { String($0.rawValue) }.joined(separator: ", ")
        return try await database.read { sql in
            let r = try await sql.raw("""
                SELECT
                  (SELECT COUNT(*) FROM punches) AS punches,
                  (SELECT COUNT(*) FROM punches WHERE held_flag <> '' AND reviewed_at IS NULL) AS punches_held,
                  (SELECT COALESCE(SUM(refused), 0) FROM terminal_refusals) AS refusals,
                  (SELECT COUNT(*) FROM terminals WHERE status = 'approved' AND last_seen_at >= \(bind: silent)) AS t_online,
                  (SELECT COUNT(*) FROM terminals WHERE status = 'approved' AND last_seen_at < \(bind: silent)) AS t_offline,
                  (SELECT COUNT(*) FROM terminals WHERE status = 'pending') AS t_pending,
                  (SELECT COUNT(*) FROM terminals WHERE status = 'approved' AND (clock_drift > 60 OR clock_drift < -60)) AS t_drifting,
                  (SELECT COUNT(*) FROM terminal_alerts WHERE resolved_at IS NULL) AS t_alerts,
                  (SELECT COUNT(*) FROM camera_alerts WHERE resolved_at IS NULL) AS c_alerts,
                  (SELECT COUNT(*) FROM cameras WHERE active) AS cameras,
                  (SELECT COUNT(*) FROM cameras WHERE active AND recording) AS c_recording,
                  (SELECT COUNT(*) FROM dossiers WHERE status IN (\(unsafeRaw: open))) AS d_open,
                  (SELECT COUNT(*) FROM dossiers WHERE status IN (\(unsafeRaw: open)) AND due_day < \(bind: today)) AS d_overdue,
                  (SELECT COUNT(*) FROM tasks WHERE status IN ('assigned', 'in_progress')) AS k_open,
                  (SELECT COUNT(*) FROM tasks WHERE status IN ('assigned', 'in_progress') AND due < \(bind: today)) AS k_overdue,
                  (SELECT COUNT(*) FROM feedback WHERE status IN ('received', 'assigned')) AS f_open,
                  (SELECT COUNT(*) FROM feedback WHERE status IN ('received', 'assigned') AND due_day < \(bind: today)) AS f_overdue
                """).first()
            var f = OperationsFigures()
            guard let r else { return f }
            func n(_ c: String) throws -> Int { try r.decode(column: c, as: Int.self) }
            f.punches = try n("punches"); f.punchesHeld = try n("punches_held"); f.terminalRefusals = try n("refusals")
            f.terminalsOnline = try n("t_online"); f.terminalsOffline = try n("t_offline"); f.terminalsPending = try n("t_pending")
            f.terminalsDrifting = try n("t_drifting"); f.terminalAlertsOpen = try n("t_alerts"); f.cameraAlertsOpen = try n("c_alerts")
            f.cameras = try n("cameras"); f.camerasRecording = try n("c_recording")
            f.dossiersOpen = try n("d_open"); f.dossiersOverdue = try n("d_overdue"); f.tasksOpen = try n("k_open"); f.tasksOverdue = try n("k_overdue")
            f.feedbackOpen = try n("f_open"); f.feedbackOverdue = try n("f_overdue")
            return f
        }
    }

    /// Prometheus's text exposition of the figures (`congvu_…`), each with its help and type.
    public var exposition: String {
        let lines: [(String, String, String, [(String, Int)])] = [
            ("congvu_punches_total", "counter", "Punches kept, all time (terminals, kiosks, by hand).", [("", punches)]),
            ("congvu_punches_held", "gauge", "Punches held for the office to review.", [("", punchesHeld)]),
            ("congvu_terminal_refusals_total", "counter", "Requests refused from addresses of unknown terminals.", [("", terminalRefusals)]),
            ("congvu_terminals", "gauge", "Terminals by state (online: heard from in the last ten minutes).",
             [("state=\"online\"", terminalsOnline), ("state=\"offline\"", terminalsOffline), ("state=\"pending\"", terminalsPending)]),
            ("congvu_terminals_drifting", "gauge", "Approved terminals whose clock is more than a minute off.", [("", terminalsDrifting)]),
            ("congvu_terminal_alerts_open", "gauge", "Terminal alerts not yet resolved (tampering, clock set, address changed).", [("", terminalAlertsOpen)]),
            ("congvu_cameras", "gauge", "Active cameras, and those set to record.", [("state=\"active\"", cameras), ("state=\"recording\"", camerasRecording)]),
            ("congvu_camera_alerts_open", "gauge", "Camera alerts not yet resolved (offline, stalled).", [("", cameraAlertsOpen)]),
            ("congvu_dossiers_open", "gauge", "One-stop dossiers open, and those past their due day.", [("", dossiersOpen), ("overdue=\"true\"", dossiersOverdue)]),
            ("congvu_tasks_open", "gauge", "Tasks assigned or in progress, and those past due.", [("", tasksOpen), ("overdue=\"true\"", tasksOverdue)]),
            ("congvu_feedback_open", "gauge", "Feedback waiting for an answer, and those past due.", [("", feedbackOpen), ("overdue=\"true\"", feedbackOverdue)]),
        ]
        var out = ""
        for (name, type, help, samples) in lines {
            out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
            for (labels, value) in samples { out += labels.isEmpty ? "\(name) \(value)\n" : "\(name){\(labels)} \(value)\n" }
        }
        return out
    }
}
