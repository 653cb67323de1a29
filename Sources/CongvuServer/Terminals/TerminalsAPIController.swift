import CongvuDomain
import CongvuStore
import CongvuTerminals
import Foundation
import Hummingbird

/// The terminal fleet through the API (issue 26), by the fleet pages' rules (`FleetController`):
/// the terminals the caller manages with what is wrong with each, their open alerts (or one
/// terminal's whole history), and an alert resolved with what was found (audited).
struct TerminalsAPIController {
    let fleet: FleetController

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get("terminals", use: list)
        group.get("terminals/:serial", use: one)
        group.get("terminal-alerts", use: alerts)
        group.post("terminal-alerts/:id/resolve", use: resolve)
    }

    struct TerminalDTO: Codable, ResponseEncodable {
        var serial: String; var vendor: String; var family: String; var status: String; var unitId: Int64?; var unitName: String?
        var location: String; var firmware: String; var firstSeen: String; var lastSeen: String; var lastUploadAt: String?
        var clockDriftSeconds: Int?; var users: Int?; var records: Int?; var pinnedAddress: String; var openAlerts: Int
        var pendingCommands: Int; var failedCommands: Int; var problems: [String]
        enum CodingKeys: String, CodingKey {
            case serial, vendor, family, status, unitId = "unit_id", unitName = "unit_name", location, firmware, firstSeen = "first_seen",
                 lastSeen = "last_seen", lastUploadAt = "last_upload_at", clockDriftSeconds = "clock_drift_seconds", users, records,
                 pinnedAddress = "pinned_address", openAlerts = "open_alerts", pendingCommands = "pending_commands",
                 failedCommands = "failed_commands", problems
        }

        init(_ row: FleetController.Row) {
            let t = row.terminal
            serial = t.serial; vendor = t.vendor; family = t.family; status = t.status.rawValue; unitId = t.unitID; unitName = t.unitName
            location = t.location; firmware = t.firmware; firstSeen = Instant.format(t.firstSeen); lastSeen = Instant.format(t.lastSeen)
            lastUploadAt = t.lastUploadAt.map(Instant.format); clockDriftSeconds = t.clockDrift; users = t.userCount; records = t.recordCount
            pinnedAddress = t.pinnedAddress; openAlerts = row.alerts; pendingCommands = row.pending; failedCommands = row.failed
            problems = row.problems.map(\.rawValue)
        }
    }

    struct AlertDTO: Codable, ResponseEncodable {
        var id: Int64; var serial: String; var location: String; var unitName: String?; var kind: String; var occurredAt: String; var day: String
        var detail: String; var personId: Int64?; var resolvedAt: String?; var resolution: String
        enum CodingKeys: String, CodingKey {
            case id, serial, location, unitName = "unit_name", kind, occurredAt = "occurred_at", day, detail, personId = "person_id",
                 resolvedAt = "resolved_at", resolution
        }

        init(_ a: TerminalAlert) {
            id = a.id; serial = a.serial; location = a.location; unitName = a.unitName; kind = a.kind.rawValue; occurredAt = Instant.format(a.occurredAt)
            day = a.day.description; detail = a.detail; personId = a.personID; resolvedAt = a.resolvedAt.map(Instant.format); resolution = a.resolution
        }
    }

    struct ListDTO: Codable, ResponseEncodable { var items: [TerminalDTO] }
    struct AlertsDTO: Codable, ResponseEncodable { var items: [AlertDTO] }

    func list(_ request: Request, _ context: AppRequestContext) async throws -> ListDTO {
        ListDTO(items: try await fleet.rows(context).map(TerminalDTO.init))
    }

    func one(_ request: Request, _ context: AppRequestContext) async throws -> TerminalDTO {
        // This terminal's counts and open alerts only, as its page reads them (not the whole fleet's).
        let t = try await fleet.terminal(context), now = Date()
        let open = try await fleet.alerts.all(serial: t.serial, limit: 1000).filter { $0.resolvedAt == nil }.count
        return TerminalDTO(.init(t, counts: try await fleet.commands.counts(terminalID: t.id, now: now)[t.id], alerts: open, now: now))
    }

    /// The open alerts of the terminals the caller manages; with `serial`, that terminal's only, and
    /// with `state=all` its whole history (resolved ones too).
    func alerts(_ request: Request, _ context: AppRequestContext) async throws -> AlertsDTO {
        let scopes = try context.scopes(.manageTerminals), q = request.uri.queryParameters
        let state = q["state"].map(String.init) ?? "open"
        guard state == "open" || state == "all" else { throw ValidationErrors([FieldError("state", "invalid")]) }
        guard let serial = q["serial"].map(String.init), !serial.isEmpty else {
            guard state == "open" else { throw ValidationErrors([FieldError("serial", "required")]) }
            return AlertsDTO(items: try await fleet.alerts.open(scopes: scopes, limit: 1000).map(AlertDTO.init))
        }
        guard let t = try await fleet.terminals.get(serial: serial) else { throw StoreError.notFound("terminal") }
        if let path = t.unitPath { try context.require(.manageTerminals, atAnyOf: [path]) }
        let list = state == "all" ? try await fleet.alerts.all(serial: serial, limit: 1000) : try await fleet.alerts.open(scopes: scopes, serial: serial, limit: 1000)
        return AlertsDTO(items: list.map(AlertDTO.init))
    }

    struct ResolveBody: Decodable { var resolution: String }

    func resolve(_ request: Request, _ context: AppRequestContext) async throws -> AlertDTO {
        guard let id = context.parameters.get("id", as: Int64.self), let found = try await fleet.alerts.get(id), let path = found.unitPath else {
            throw StoreError.notFound("alert")
        }
        try context.require(.manageTerminals, atAnyOf: [path])
        let body = try await AttendanceAPIController.body(request, ResolveBody.self)
        guard found.alert.resolvedAt == nil else { throw Refusal(status: .conflict, key: "alert_already_resolved") }
        try await fleet.alerts.resolve(id, by: context.actor, note: body.resolution)
        guard let after = try await fleet.alerts.get(id) else { throw StoreError.notFound("alert") }
        return AlertDTO(after.alert)
    }
}
