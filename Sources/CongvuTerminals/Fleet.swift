import Foundation

/// What can go wrong with a terminal that the office must see: each is an alert, raised once
/// (a resent upload raises nothing twice) and shown until someone resolves it.
public enum TerminalAlertKind: String, CaseIterable, Sendable {
    case timeSet = "time_set"
    case factoryReset = "factory_reset"
    case recordsDeleted = "records_deleted"
    case dataCleared = "data_cleared"
    case serverChanged = "server_changed"
    case adminPasswordFailed = "admin_password_failed"
    case adminLockedOut = "admin_locked_out"
    /// The terminal's own record count went down: its log was cleared.
    case recordCountDown = "record_count_down"
    case clockDrift = "clock_drift"
    /// Punches dated far from when they arrived (a clock reset, or a terminal that kept them for days).
    case farFromReceive = "far_from_receive"
    /// Nightly reconciliation: the terminal counts more punches for a day than the server holds.
    case countMismatch = "count_mismatch"
    /// A request in the terminal's name from an address it was not approved from: held.
    case addressChanged = "address_changed"
    /// A registered Security PUSH terminal's request without its session token: refused.
    case badToken = "bad_token"
    /// Punches for PINs the terminal was never told of and never reported: held for the office.
    case unenrolledPunches = "unenrolled_punches"

    /// Someone acted on the terminal itself to change what it records or where it sends it: the
    /// office and the unit's leaders hear of it at once (`terminal_tamper` notifications). Drift,
    /// late uploads, mismatched counts and unknown PINs wait on the dashboard.
    public var isTamper: Bool {
        switch self {
        case .timeSet, .factoryReset, .recordsDeleted, .dataCleared, .serverChanged, .adminLockedOut, .recordCountDown, .addressChanged: true
        case .adminPasswordFailed, .clockDrift, .farFromReceive, .countMismatch, .badToken, .unenrolledPunches: false
        }
    }
}

/// The fleet's thresholds and its clock-drift estimate.
public enum FleetRules {
    /// A clock further off than this raises an alert.
    public static let driftLimit: TimeInterval = 120
    /// A terminal silent for longer is offline (it polls every `Delay` = 10 s).
    public static let offlineAfter: TimeInterval = 300
    /// Commands not done within a day expire.
    public static let commandLifetime: TimeInterval = 86400

    /// The drift of a terminal's clock, estimated from a realtime upload: with `Realtime=1` a
    /// punch is sent the moment it happens, so for a small batch the newest row's time should be
    /// the receive time. Positive: the terminal is behind. Backlogs measure nothing: larger
    /// batches, rows over a day old (flagged instead), and a small batch after a silence (a night,
    /// a network cut), which read as hours of drift. Only an upload within `realtimeGap` of the
    /// terminal's previous one is taken as realtime.
    public static func drift(newest: Date, receivedAt: Date, rows: Int, previousUpload: Date?) -> Int? {
        let d = receivedAt.timeIntervalSince(newest)
        guard rows >= 1, rows <= 3, abs(d) < 86400, let previousUpload, receivedAt.timeIntervalSince(previousUpload) <= realtimeGap else { return nil }
        return Int(d.rounded())
    }

    /// Uploads this close to the previous one are realtime: a terminal in use sends each punch as it
    /// happens, and polls every few seconds in between.
    public static let realtimeGap: TimeInterval = 15 * 60

    public enum Problem: String, Sendable, CaseIterable {
        case offline, drifting, failingCommands = "failing_commands", openAlerts = "open_alerts", pending
    }

    /// Why a terminal belongs on the health page (empty: it is healthy).
    public static func problems(approved: Bool, lastSeen: Date, drift: Int?, failedCommands: Int, openAlerts: Int, now: Date) -> [Problem] {
        var out: [Problem] = []
        if !approved { out.append(.pending) }
        if now.timeIntervalSince(lastSeen) > offlineAfter { out.append(.offline) }
        if let drift, abs(TimeInterval(drift)) > driftLimit { out.append(.drifting) }
        if failedCommands > 0 { out.append(.failingCommands) }
        if openAlerts > 0 { out.append(.openAlerts) }
        return out
    }
}
