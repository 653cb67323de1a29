import CongvuDomain
import CongvuStore
import CongvuTerminals
import Foundation
import Hummingbird

/// The office's pages for the terminal fleet: the list with pending terminals to approve, the
/// health page, and one terminal's settings, commands, alerts and journal.
struct FleetController {
    let services: AppServices
    var catalogs: Catalogs { services.views.catalogs }
    var terminals: TerminalStore { services.terminals.terminals }
    var commands: CommandStore { services.terminals.commands }
    var alerts: AlertStore { services.terminals.alerts }

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get(use: list)
        group.get("health", use: health)
        group.get(":serial", use: detail)
        group.post(":serial/approve", use: approve)
        group.post(":serial/settings", use: settings)
        group.post(":serial/full-upload", use: fullUpload)
        group.post(":serial/pin", use: pinAddress)
        group.post(":serial/reset-registration", use: resetRegistration)
        group.post(":serial/commands", use: queue)
        group.post("commands/:id/approve", use: approveCommand)
        group.post("alerts/:id/resolve", use: resolveAlert)
    }

    /// A terminal the principal may manage: approved ones by their unit, pending ones by anyone
    /// who manages terminals somewhere (they carry no data until approved).
    func terminal(_ context: AppRequestContext) async throws -> Terminal {
        guard let serial = context.parameters.get("serial"), let t = try await terminals.get(serial: serial) else { throw StoreError.notFound("terminal") }
        if let path = t.unitPath { try context.require(.manageTerminals, atAnyOf: [path]) } else { _ = try context.scopes(.manageTerminals) }
        return t
    }

    /// A terminal with its command counts, open alerts and what is wrong with it now.
    struct Row {
        let terminal: Terminal
        let pending: Int
        let failed: Int
        let alerts: Int
        let problems: [FleetRules.Problem]

        init(_ t: Terminal, counts: (pending: Int, failed: Int)?, alerts: Int, now: Date) {
            terminal = t
            pending = counts?.pending ?? 0
            failed = counts?.failed ?? 0
            self.alerts = alerts
            problems = FleetRules.problems(approved: t.status == .approved, lastSeen: t.lastSeen, drift: t.clockDrift, failedCommands: failed,
                                           openAlerts: alerts, now: now)
        }
    }

    func rows(_ context: AppRequestContext) async throws -> [Row] {
        let scopes = try context.scopes(.manageTerminals)
        let now = Date()
        let counts = try await commands.counts(now: now)
        let open = Dictionary(grouping: try await alerts.open(scopes: scopes, limit: 10_000), by: \.serial).mapValues(\.count)
        return try await terminals.list().filter { t in t.unitPath.map { p in scopes.contains { p.hasPrefix($0) } } ?? true }
            .map { Row($0, counts: counts[$0.id], alerts: open[$0.serial] ?? 0, now: now) }
    }

    func view(_ row: Row, _ context: AppRequestContext) -> TerminalView {
        let t = row.terminal, locale = context.locale
        return TerminalView(
            serial: t.serial, status: catalogs.text("terminal_status_\(t.status.rawValue)", locale),
            family: t.family, unit: t.unitName ?? "", location: t.location, firmware: t.firmware, address: t.lastAddress,
            seen: Instant.display(t.lastSeen), online: !row.problems.contains(.offline),
            drift: t.clockDrift.map { catalogs.text("terminal_drift_value", locale, [String($0)]) },
            records: t.recordCount.map(String.init) ?? "–", users: t.userCount.map(String.init) ?? "–",
            commands_pending: row.pending, commands_failed: row.failed.nonZero,
            problems: row.problems.map { catalogs.text("terminal_problem_\($0.rawValue)", locale) }.joined(separator: " · "),
            has_problems: !row.problems.isEmpty)
    }

    func unitOptions(_ context: AppRequestContext, selected: Int64?) async throws -> [Option] {
        let units = try await services.units.list(scopes: try context.scopes(.manageTerminals)).filter { $0.isActive(on: services.today) }
        return FormView.options(units.map { (value: String($0.id), label: $0.name) }, selected: selected.map(String.init) ?? "")
    }

    func list(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        try await renderList(context, health: false)
    }

    func health(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        try await renderList(context, health: true)
    }

    func renderList(_ context: AppRequestContext, health: Bool, status: HTTPResponse.Status = .ok, form: FormView = FormView()) async throws -> Response {
        let all = try await rows(context)
        let shown = health ? all.filter { !$0.problems.isEmpty } : all
        // New serials refused in the last day (made up, or too many at once): the office decides whether to worry.
        let refused = try await services.terminals.terminals.refusedContacts(since: Date().addingTimeInterval(-86400))
        return try services.views.page(TerminalsPage(
            form: form, health: health,
            pending: shown.filter { $0.terminal.status == .pending }.map { view($0, context) },
            has_pending: shown.contains { $0.terminal.status == .pending },
            terminals: shown.filter { $0.terminal.status != .pending }.map { view($0, context) },
            has_terminals: shown.contains { $0.terminal.status != .pending },
            units: try await unitOptions(context, selected: nil),
            open_alerts: try await alerts.open(scopes: try context.scopes(.manageTerminals), limit: 20).map { alertView($0, context) },
            refused: refused.map { .init(address: $0.address, serial: $0.lastSerial, count: $0.refused, at: Instant.display($0.lastAt)) },
            has_refused: !refused.isEmpty), context, status: status)
    }

    func alertView(_ a: TerminalAlert, _ context: AppRequestContext) -> TerminalAlertView {
        TerminalAlertView(
            id: a.id, serial: a.serial, location: a.location, unit: a.unitName ?? "",
            kind: catalogs.text("terminal_alert_\(a.kind.rawValue)", context.locale), at: Instant.display(a.occurredAt),
            detail: a.kind == .clockDrift ? catalogs.text("terminal_drift_value", context.locale, [a.detail]) : a.detail,
            resolved: a.resolvedAt != nil, resolution: a.resolution,
            // A terminal calling from a new address: the office may pin it there in one step.
            new_address: a.kind == .addressChanged && a.resolvedAt == nil ? a.detail.components(separatedBy: " → ").last : nil)
    }

    func approve(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let t = try await terminal(context)
        let form = try await FormData.read(request, context)
        do {
            guard let unitID = form.int("unit"), let unit = try await services.units.get(unitID) else { throw ValidationErrors([FieldError("unit", "required")]) }
            try context.require(.manageTerminals, atAnyOf: [unit.path])
            try await terminals.approve(serial: t.serial, unitID: unit.id, location: form["location"], by: context.actor)
        } catch {
            var view = FormView(values: ["location": form["location"]])
            try view.absorb(error, catalogs: catalogs, locale: context.locale)
            return try await renderList(context, health: false, status: .badRequest, form: view)
        }
        return HTMLPage.redirect("/terminals/\(t.serial)")
    }

    // MARK: One terminal

    func detail(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        try await renderDetail(try await terminal(context), context)
    }

    static let offsets: [Int] = Array(-12...14).map { $0 * 3600 } + [5 * 3600 + 1800, 9 * 3600 + 1800]

    func renderDetail(_ t: Terminal, _ context: AppRequestContext, status: HTTPResponse.Status = .ok, form: FormView = FormView()) async throws -> Response {
        let now = Date()
        let alertList = try await alerts.all(serial: t.serial, limit: 50)
        let row = Row(t, counts: try await commands.counts(terminalID: t.id, now: now)[t.id],
                      alerts: alertList.filter { $0.resolvedAt == nil }.count, now: now)
        let me = context.principal?.userID
        let locale = context.locale
        return try services.views.page(TerminalPage(
            form: form,
            terminal: view(row, context),
            approved: t.status != .pending,
            units: try await unitOptions(context, selected: t.unitID),
            offsets: FormView.options(Self.offsets.sorted().map { o in
                (value: String(o), label: "UTC" + (o < 0 ? "−" : "+") + String(abs(o) / 3600) + ":" + Digits.pad(abs(o) % 3600 / 60, 2))
            }, selected: String(t.utcOffset)),
            encodings: FormView.options(TerminalSettings.encodings.map { (value: $0, label: catalogs.text("terminal_encoding_\($0.replacingOccurrences(of: "-", with: ""))", locale)) },
                                        selected: t.encoding),
            photos: t.photos, enabled: t.status == .approved,
            location: t.location,
            pinned_address: Template.optional(form.values["pinned_address"] ?? t.pinnedAddress),
            registered: t.registered,
            commands: try await commands.list(terminalID: t.id, limit: 100).map { c in
                .init(id: c.id, kind: catalogs.text("terminal_command_\(c.kind.rawValue)", locale), label: c.label,
                      state: catalogs.text("terminal_command_state_\(c.state.rawValue)", locale), created: Instant.display(c.createdAt),
                      done: c.doneAt.map { Instant.display($0) }, code: c.returnCode.map { code -> String in
                          let key = "terminal_rc_\(code < 0 ? "m" : "")\(abs(code))"
                          let text = catalogs.text(key, locale)
                          return text == key ? String(code) : "\(code) · \(text)"
                      } ?? "", failed: c.failed, result: Template.optional(c.result),
                      may_approve: c.state == .awaitingApproval && me != nil && c.createdBy != me)
            },
            alerts: alertList.map { alertView($0, context) },
            journal: try await terminals.journalEntries(serial: t.serial, limit: 20).map { e in
                .init(seq: e.seq, at: Instant.parse(e.receivedAt).map { Instant.display($0) } ?? e.receivedAt, request: "\(e.method) \(e.path)?\(e.query)",
                      bytes: e.body.count, status: e.replyStatus, reply: String(e.reply.prefix(120)))
            },
            yesterday: services.today.previous.description), context, status: status)
    }

    func settings(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let t = try await terminal(context)
        let form = try await FormData.read(request, context)
        let values = ["location": form["location"], "reason": form["reason"], "pinned_address": form["pinned_address"]]
        return try await act(on: t, context, keeping: values, then: "/terminals/\(t.serial)") {
            guard t.status != .pending else { throw ValidationErrors([FieldError("unit", "terminal_not_approved")]) }
            let reason = try requireReason(form)
            guard let unitID = form.int("unit"), let unit = try await services.units.get(unitID) else { throw ValidationErrors([FieldError("unit", "required")]) }
            try context.require(.manageTerminals, atAnyOf: [unit.path])
            guard let offset = Int(form["utc_offset"]) else { throw ValidationErrors([FieldError("utc_offset", "invalid")]) }
            try await terminals.update(serial: t.serial, TerminalSettings(unitID: unit.id, location: form["location"], utcOffset: offset,
                                                                         encoding: form["encoding"], photos: form.bool("photos"), enabled: form.bool("enabled"),
                                                                         pinnedAddress: form["pinned_address"]),
                                       by: context.actor, reason: reason)
        }
    }

    /// A form about one terminal: done, then back to `location`; refused, the terminal's page
    /// again with the form's values and what was wrong.
    func act(on t: Terminal, _ context: AppRequestContext, keeping values: [String: String] = [:], then location: String,
             _ body: () async throws -> Void) async throws -> Response {
        do {
            try await body()
        } catch {
            var view = FormView(values: values)
            try view.absorb(error, catalogs: catalogs, locale: context.locale)
            return try await renderDetail(t, context, status: .badRequest, form: view)
        }
        return HTMLPage.redirect(location)
    }

    /// The office accepts the address a terminal now calls from (its alert offers it).
    func pinAddress(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let t = try await terminal(context)
        let form = try await FormData.read(request, context)
        return try await act(on: t, context, keeping: ["reason": form["reason"]], then: "/terminals/\(t.serial)#alerts") {
            guard t.status != .pending else { throw ValidationErrors([FieldError("unit", "terminal_not_approved")]) }
            try await terminals.pin(serial: t.serial, address: form["address"].trimmingCharacters(in: .whitespaces), by: context.actor, reason: form["reason"])
        }
    }

    /// Lets a Security PUSH terminal register again (after a reset or a replacement).
    func resetRegistration(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let t = try await terminal(context)
        let form = try await FormData.read(request, context)
        return try await act(on: t, context, then: "/terminals/\(t.serial)") {
            try await terminals.resetRegistration(serial: t.serial, by: context.actor, reason: form["reason"])
        }
    }

    func fullUpload(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let t = try await terminal(context)
        _ = try await FormData.read(request, context)
        try await terminals.requestFullUpload(serial: t.serial, by: context.actor)
        return HTMLPage.redirect("/terminals/\(t.serial)")
    }

    /// Queues what the form asks: the unit's staff (one command per person with a PIN), a
    /// removal, a range query or count, a reboot, a message, or (after a second administrator's
    /// approval) clearing the log.
    func queue(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let t = try await terminal(context)
        let form = try await FormData.read(request, context)
        let values = ["pin": form["pin"], "message": form["message"], "from": form["from"], "to": form["to"]]
        return try await act(on: t, context, keeping: values, then: "/terminals/\(t.serial)#commands") {
            guard t.status == .approved, let path = t.unitPath else { throw ValidationErrors([FieldError("command", "terminal_not_approved")]) }
            var new: [NewTerminalCommand] = []
            func range() throws -> (TerminalTime, TerminalTime) {
                guard let from = Day(form["from"]), let to = Day(form["to"].isEmpty ? form["from"] : form["to"]), from <= to,
                      let a = TerminalTime("\(from) 00:00:00"), let b = TerminalTime("\(to) 23:59:59") else {
                    throw ValidationErrors([FieldError("from", "invalid_range")])
                }
                return (a, b)
            }
            switch TerminalCommand.Kind(rawValue: form["kind"]) {
            case .userUpdate?:
                let people = try await services.people.search("", scopes: [path], on: services.today, limit: 10_000).items.map(\.person)
                    .filter { !$0.terminalPIN.isEmpty }
                guard !people.isEmpty else { throw ValidationErrors([FieldError("command", "no_staff_with_pin")]) }
                new = people.map { NewTerminalCommand(kind: .userUpdate, command: PushCommand.updateUser(pin: $0.terminalPIN, name: $0.fullName,
                                                                                                         card: $0.cardNumber, ascii: t.asciiNames),
                                                      label: "\($0.fullName) (\($0.terminalPIN))") }
            case .userDelete?:
                let pin = form["pin"].trimmingCharacters(in: .whitespaces)
                guard AttLogRow.isPIN(pin) else { throw ValidationErrors([FieldError("pin", "invalid")]) }
                new = [NewTerminalCommand(kind: .userDelete, command: PushCommand.deleteUser(pin: pin), label: pin)]
            case .queryLog?:
                let (a, b) = try range()
                new = [NewTerminalCommand(kind: .queryLog, command: PushCommand.queryAttLog(from: a, to: b), label: "\(a.day.vietnamese) – \(b.day.vietnamese)")]
            case .countLog?:
                let (a, b) = try range()
                new = [NewTerminalCommand(kind: .countLog, command: PushCommand.countAttLog(from: a, to: b), label: "\(a.day.vietnamese) – \(b.day.vietnamese)")]
            case .reboot?:
                new = [NewTerminalCommand(kind: .reboot, command: "REBOOT")]
            case .info?:
                new = [NewTerminalCommand(kind: .info, command: "INFO")]
            case .message?:
                let text = form["message"].tidied
                guard !text.isEmpty, text.count <= 100 else { throw ValidationErrors([FieldError("message", "required")]) }
                new = [NewTerminalCommand(kind: .message, command: PushCommand.message(text), label: text)]
            case .clearLog?:
                new = [NewTerminalCommand(kind: .clearLog, command: "CLEAR LOG", label: try requireReason(form))]
            case nil:
                throw ValidationErrors([FieldError("command", "invalid")])
            }
            try await commands.enqueue(new, terminalID: t.id, by: context.actor)
        }
    }

    func approveCommand(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        guard let id = context.parameters.get("id", as: Int64.self), let command = try await commands.get(id),
              let t = try await terminals.get(serial: command.serial), let path = t.unitPath else { throw StoreError.notFound("command") }
        try context.require(.manageTerminals, atAnyOf: [path])
        _ = try await FormData.read(request, context)
        return try await act(on: t, context, then: "/terminals/\(t.serial)#commands") { try await commands.approve(id, by: context.actor) }
    }

    func resolveAlert(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        guard let id = context.parameters.get("id", as: Int64.self), let found = try await alerts.get(id), let path = found.unitPath,
              let t = try await terminals.get(serial: found.alert.serial) else { throw StoreError.notFound("alert") }
        try context.require(.manageTerminals, atAnyOf: [path])
        let form = try await FormData.read(request, context)
        return try await act(on: t, context, then: form["back"] == "list" ? "/terminals" : "/terminals/\(t.serial)#alerts") {
            try await alerts.resolve(id, by: context.actor, note: form["resolution"])
        }
    }
}
