import CongvuDomain
import CongvuStore
import CongvuTerminals
import Foundation
import Hummingbird
import NIOCore
import Logging

/// The ZKTeco PUSH server (`/iclock/…`): terminals are the clients; the server only answers.
/// Every request of a known terminal goes into the journal with its reply; uploads are answered
/// `OK:n` only once their rows and the journal entry are committed, so a lost reply means a
/// resend that adds nothing. An unapproved (or disabled) terminal's uploads get 503: it keeps its data.
struct TerminalController {
    let services: AppServices
    var store: TerminalStore { services.terminals.terminals }
    var commands: CommandStore { services.terminals.commands }

    /// After a terminal's punches are stored (ZKTeco or Hikvision): the live boards hear of them, and
    /// the camera at that entrance keeps a picture of the moment (beside the terminal's answer, which
    /// does not wait).
    static func punchesArrived(_ services: AppServices, _ result: TerminalStore.Ingested, punches: [TerminalPunch], serial: String, now: Date) async {
        if !result.personIDs.isEmpty { await services.attendance.announce(personIDs: result.personIDs) }
        let moments = punches.map { (key: $0.key, at: $0.at) }
        let hub = services.video.hub
        Task { await hub.snapshot(terminal: serial, punches: moments, now: now) }
    }

    /// An approved terminal's upload: a few thousand rows or one photo (a batch of 5,000 ATTLOG rows
    /// is about 300 KiB; a photo under 200 KiB).
    static let bodyLimit = 4 * 1024 * 1024
    /// What a terminal not yet approved may send: handshakes and polls (its uploads are refused anyway).
    static let unapprovedBodyLimit = 64 * 1024

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("iclock/**", use: handle)
        router.post("iclock/**", use: handle)
    }

    func reply(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "text/plain", .cacheControl: "no-store"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// One request as it arrived, for the journal.
    struct Received {
        let push: PushRequest
        let serial: String
        let path: String
        let rawQuery: String
        let headers: String
        let now: Date

        func entry(_ status: HTTPResponse.Status, _ text: String, body: Data? = nil) -> JournalEntry {
            JournalEntry(serial: serial, receivedAt: Instant.format(now), method: push.method, path: path, query: rawQuery,
                         headers: headers, body: body ?? push.body, replyStatus: status.code, reply: text)
        }
    }

    func handle(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let rawQuery = request.uri.query ?? ""
        guard let serial = PushRequest(method: request.method.rawValue, path: request.uri.path, rawQuery: rawQuery, body: Data()).serialNumber else {
            return reply("ERROR: SN", status: .badRequest)
        }
        let now = Date()
        guard let body = try await services.terminals.admittedBody(request, serial: serial, address: context.clientAddress, now: now) else {
            return reply("ERROR: refused", status: .serviceUnavailable)
        }
        let push = PushRequest(method: request.method.rawValue, path: request.uri.path, rawQuery: rawQuery, body: body.data)
        let terminal = try await store.contact(serial: serial, vendor: "zkteco", family: push.isHandshake ? (push.isSecurityPush ? "3.x" : "2.x") : nil,
                                               address: context.clientAddress, now: now)
        if body.tooLarge { return reply("ERROR: too large", status: .contentTooLarge) }
        let received = Received(push: push, serial: serial, path: request.uri.path, rawQuery: rawQuery,
                                headers: request.headers.map { "\($0.name): \($0.value)" }.joined(separator: "\n"), now: now)
        func journaled(_ text: String, status: HTTPResponse.Status = .ok) async throws -> Response {
            try await store.journal(received.entry(status, text))
            return reply(text, status: status)
        }
        let trust = try await trust(terminal, push: push, request: request, address: context.clientAddress, now: now)
        // A request that cannot show it comes from the approved terminal is treated as one from a
        // terminal not approved: its uploads are refused (the terminal keeps them), it is given no
        // commands and no names.
        let approved = terminal.status == .approved && trust == .trusted
        if trust == .badToken && push.method == "POST" { return reply("ERROR: token", status: .unauthorized) }
        switch push.endpoint {
        case .cdata? where push.method == "GET" && push.isHandshake:
            if push.isSecurityPush && !(approved && terminal.registered) { return try await journaled("OK") }
            return try await journaled(PushReply.options(serial: serial, attLogStamp: terminal.attLogStamp, operLogStamp: terminal.operLogStamp,
                                                         photoStamp: terminal.photoStamp, utcOffset: terminal.utcOffset, photos: terminal.photos))
        case .cdata? where push.method == "GET" && push.table == "REMOTEATT":
            return try await journaled(try await remoteAttendance(push, terminal: terminal, approved: approved))
        case .getrequest?:
            // Terminals send INFO with most polls: written only when it says something new.
            if let info = push.value("info").flatMap(DeviceInfo.init),
               info.firmware != terminal.firmware || info.users != terminal.userCount || (info.records != nil && info.records != terminal.recordCount) {
                try await store.noteInfo(serial: serial, firmware: info.firmware, users: info.users, records: info.records, now: now)
            }
            guard approved else { return reply("OK") }
            let due = try await commands.take(terminalID: terminal.id, now: now)
            guard !due.isEmpty else { return reply("OK") }
            // Commands leave in the reply: journaled, so what a terminal was told is on record.
            return try await journaled(due.map { PushCommand.line(id: String($0.id), $0.command) }.joined(separator: "\n") + "\n")
        case .devicecmd?:
            guard approved else { return reply("ERROR: terminal not approved", status: .serviceUnavailable) }
            try await store.journal(received.entry(.ok, "OK"))
            try await results(CommandResult.parse(TerminalRows.text(push.body, encoding: terminal.encoding)), terminal: terminal, now: now)
            return reply("OK")
        case .ping?:
            return reply("OK")
        case .registry?:
            // A random code, once: a registered terminal is not registered again until the office resets it.
            let code = Token.random(bytes: 16)
            guard trust != .moved, try await store.register(serial: serial, sealedCode: try services.secrets.seal(code), sessionID: Token.random(bytes: 16))
            else { return reply("ERROR: registered", status: .forbidden) }
            // The journal keeps that a code was given, not the code.
            try await store.journal(received.entry(.ok, "RegistryCode=(sealed)"))
            return reply("RegistryCode=\(code)")
        case .push?:
            let session = terminal.registered ? ["SessionID=\(terminal.sessionID)"] : []
            return try await journaled((["ServerVer=3.1.2", "ErrorDelay=30", "RequestDelay=10", "TransInterval=1",
                                         "TransTables=User Transaction", "Realtime=1"] + session + ["TimeoutSec=10"]).joined(separator: "\n") + "\n")
        case .rtdata? where push.value("type")?.lowercased() == "time":
            // Security PUSH asks the server's time: seconds since 1970 (UTC) and the zone.
            return try await journaled("DateTime=\(Int(now.timeIntervalSince1970)),ServerTZ=+0700")
        case .cdata?, .fdata?:
            guard push.method == "POST" else { return try await journaled("OK") }
            guard approved else { return reply("ERROR: terminal not approved", status: .serviceUnavailable) }
            return try await upload(received, terminal: terminal)
        case .querydata?, .rtdata?, nil:
            return try await journaled("OK")
        }
    }

    /// Rows go into the store with the journal entry in one transaction; an unknown table is
    /// journaled and refused, so the terminal keeps it.
    func upload(_ received: Received, terminal: Terminal) async throws -> Response {
        let push = received.push
        let table = push.endpoint == .fdata ? "ATTPHOTO" : (push.table ?? "")
        let stamp = push.value("stamp") ?? push.value("opstamp")
        switch table {
        case "ATTLOG", "RTLOG":
            let rows = TerminalRows.punches(table: table, body: push.body, terminal: terminal)
            let answer = PushReply.accepted(rows.lines)
            if rows.unreadable > 0 {
                services.logger.warning("terminal rows kept only in the journal", metadata: ["serial": "\(terminal.serial)", "rows": "\(rows.unreadable)"])
            }
            let result = try await store.ingest(rows.punches, terminal: terminal, journal: received.entry(.ok, answer), stamp: stamp, now: received.now)
            await Self.punchesArrived(services, result, punches: rows.punches, serial: terminal.serial, now: received.now)
            return reply(answer)
        case "OPERLOG":
            let rows = TerminalRows.alerts(operations: push.body, terminal: terminal)
            let answer = PushReply.accepted(rows.lines)
            try await store.recordOperations(rows.alerts, users: TerminalRows.users(push.body, terminal: terminal), terminal: terminal,
                                             journal: received.entry(.ok, answer), stamp: stamp, now: received.now)
            return reply(answer)
        case "ATTPHOTO":
            return try await photo(received, terminal: terminal)
        case "OPTIONS":
            // The terminal reports its settings: kept in the journal, answered as the protocol says.
            try await store.journal(received.entry(.ok, "OK"))
            return reply("OK")
        case "USERINFO", "USER":
            // The terminal says whom it holds: their punches are not held as unenrolled.
            let answer = PushReply.accepted(PushText.lines(PushText.decode(push.body)).count)
            try await store.recordOperations([], users: TerminalRows.users(push.body, terminal: terminal), terminal: terminal,
                                             journal: received.entry(.ok, answer), stamp: nil, now: received.now)
            return reply(answer)
        case "BIODATA", "FINGERTMP", "FACE", "ERRORLOG":
            let answer = PushReply.accepted(PushText.lines(PushText.decode(push.body)).count)
            try await store.journal(received.entry(.ok, answer))
            return reply(answer)
        default:
            let text = "ERROR: unsupported table"
            try await store.journal(received.entry(.notImplemented, text))
            services.logger.warning("terminal sent an unsupported table", metadata: ["serial": "\(terminal.serial)", "table": "\(table)"])
            return reply(text, status: .notImplemented)
        }
    }

    /// A photo is written once to the photo store and linked to its punch by (terminal, PIN,
    /// time); the journal keeps its header and hash. A photo that cannot be read is refused.
    func photo(_ received: Received, terminal: Terminal) async throws -> Response {
        let parsed: (header: Data, photo: AttPhoto)
        do {
            parsed = try TerminalRows.photo(received.push)
        } catch {
            try await store.journal(received.entry(.badRequest, "ERROR: photo"))
            return reply("ERROR: photo", status: .badRequest)
        }
        let photos = services.attendance.photos
        var sha: String?
        if terminal.photos, let pin = parsed.photo.pin, let time = parsed.photo.time {
            let written = try photos.write(parsed.photo.jpeg)
            try await photos.link(key: TerminalPunch.key(serial: terminal.serial, pin: pin, time: time), sha: written, terminalID: terminal.id,
                                  takenAt: time.instant(offsetSeconds: terminal.utcOffset), now: received.now)
            sha = written
        }
        try await store.journal(received.entry(.ok, "OK", body: TerminalRows.photoJournalBody(header: parsed.header, sha: sha)))
        return reply("OK")
    }

    /// A terminal asks about a PIN it does not know: someone serving in the terminal's unit with
    /// that PIN is sent as a user so they can punch here. Only a trusted request is answered, and
    /// never with anyone outside the unit: the answer carries a name and a card number.
    func remoteAttendance(_ push: PushRequest, terminal: Terminal, approved: Bool) async throws -> String {
        guard approved, let pin = push.value("pin"), AttLogRow.isPIN(pin), let path = terminal.unitPath,
              let visitor = try await store.visitor(pin: pin, within: path) else { return "OK" }
        return PushCommand.updateUser(pin: pin, name: visitor.name, card: visitor.card, ascii: terminal.asciiNames) + "\n"
    }

    enum Trust { case trusted, moved, badToken }

    /// Whether a request in an approved terminal's name comes from it: from the address (or
    /// range) it is pinned to, and, once it registered for Security PUSH, with its session token
    /// (the handshake, the registration and the configuration come before the token exists).
    /// Either failure raises the terminal's alert once a day per address.
    func trust(_ terminal: Terminal, push: PushRequest, request: Request, address: String, now: Date) async throws -> Trust {
        guard terminal.status != .pending else { return .trusted }
        let day = Day(now, in: CivilTime.vietnam)
        if try await services.terminals.moved(terminal, address: address, now: now) { return .moved }
        let beforeToken = push.isHandshake || push.endpoint == .registry || push.endpoint == .push
        guard terminal.registered, !beforeToken else { return .trusted }
        let expected = (try? services.secrets.open(terminal.registrySealed)).map {
            SecurityPush.token(registryCode: $0, serial: terminal.serial, sessionID: terminal.sessionID)
        }
        if let expected, let token = SecurityPush.token(cookieHeader: request.headers[.cookie]), Token.equal(token, expected) { return .trusted }
        try await services.terminals.alerts.raise(
            [NewTerminalAlert(kind: .badToken, occurredAt: now, detail: "\(address) \(push.method) \(push.endpoint?.rawValue ?? "")",
                              dedupe: "token:\(terminal.serial):\(address):\(day)")], terminalID: terminal.id, now: now)
        return .badToken
    }

    /// Command results: done with their codes. A day's count that differs from the server's
    /// raises an alert and asks the terminal for that range again.
    func results(_ results: [CommandResult], terminal: Terminal, now: Date) async throws {
        let done = try await commands.complete(results, terminalID: terminal.id, now: now)
        for command in done where command.kind == .countLog && command.returnCode == 0 {
            guard let r = results.last(where: { $0.id == String(command.id) }),
                  let theirs = Int(r.fields["AttlogSum"] ?? r.info["AttlogSum"] ?? ""),
                  let from = TerminalTime(r.fields["StartTime"] ?? ""), let to = TerminalTime(r.fields["EndTime"] ?? "") else { continue }
            let ours = try await store.punchCount(serial: terminal.serial, from: from.instant(offsetSeconds: terminal.utcOffset),
                                                  to: to.instant(offsetSeconds: terminal.utcOffset))
            guard theirs > ours else { continue }
            try await services.terminals.alerts.raise(
                [NewTerminalAlert(kind: .countMismatch, occurredAt: now, detail: "\(from.day): \(theirs) ≠ \(ours)",
                                  dedupe: "sum:\(terminal.serial):\(command.id)")], terminalID: terminal.id, now: now)
            try await commands.enqueue([NewTerminalCommand(kind: .queryLog, command: PushCommand.queryAttLog(from: from, to: to), label: from.day.vietnamese)],
                                       terminalID: terminal.id, by: Actor(id: nil, name: "reconciliation"), now: now)
        }
        for command in done where command.kind == .info {
            if let r = results.last(where: { $0.id == String(command.id) }) {
                let records = Int(r.info["TransactionCount"] ?? r.info["AttLogCount"] ?? "")
                let users = Int(r.info["UserCount"] ?? "")
                if records != nil || users != nil {
                    try await store.noteInfo(serial: terminal.serial, firmware: r.info["FWVersion"] ?? terminal.firmware, users: users ?? terminal.userCount,
                                             records: records, now: now)
                }
            }
        }
    }
}

