import CongvuDomain
import CongvuStore
import CongvuTerminals
import Foundation
import Hummingbird
import Logging

/// The ZKTeco PUSH server (`/iclock/…`): terminals are the clients; the server only answers.
/// Every request of a known terminal goes into the journal with its reply; uploads are answered
/// `OK:n` only once their punches and the journal entry are committed, so a lost reply means a
/// resend that adds nothing. An unapproved terminal's uploads get 503: it keeps its data.
struct TerminalController {
    let services: AppServices
    var store: TerminalStore { TerminalStore(database: services.database) }

    /// Uploads carry at most a few thousand rows or one photo.
    static let bodyLimit = 16 * 1024 * 1024

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("iclock/**", use: handle)
        router.post("iclock/**", use: handle)
    }

    func reply(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "text/plain", .cacheControl: "no-store"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    func handle(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let body = Data(try await request.body.collect(upTo: Self.bodyLimit).readableBytesView)
        let rawQuery = request.uri.query ?? ""
        let push = PushRequest(method: request.method.rawValue, path: request.uri.path, rawQuery: rawQuery, body: body)
        guard let serial = push.serialNumber else { return reply("ERROR: SN", status: .badRequest) }
        let now = Date()
        let terminal = try await store.contact(serial: serial, vendor: "zkteco", family: push.isSecurityPush ? "3.x" : "2.x",
                                               address: context.clientAddress, now: now)
        let headers = request.headers.map { "\($0.name): \($0.value)" }.joined(separator: "\n")
        func entry(_ status: HTTPResponse.Status, _ text: String) -> JournalEntry {
            JournalEntry(serial: serial, receivedAt: Instant.format(now), method: push.method, path: request.uri.path, query: rawQuery,
                         headers: headers, body: body, replyStatus: status.code, reply: text)
        }
        func journaled(_ text: String, status: HTTPResponse.Status = .ok) async throws -> Response {
            try await store.journal(entry(status, text))
            return reply(text, status: status)
        }
        switch push.endpoint {
        case .cdata? where push.method == "GET" && push.isHandshake:
            return try await journaled(push.isSecurityPush && terminal.status != .approved ? "OK" : PushReply.options(serial: serial))
        case .getrequest?:
            if let info = push.value("info").flatMap(DeviceInfo.init) {
                try await store.noteInfo(serial: serial, firmware: info.firmware, users: info.users, records: info.records)
            }
            return reply("OK")
        case .ping?:
            return reply("OK")
        case .registry?:
            return try await journaled("RegistryCode=\(AuditLog.sha256("registry:" + serial).prefix(16))")
        case .push?:
            return try await journaled(["ServerVer=3.1.2", "ErrorDelay=30", "RequestDelay=10", "TransInterval=1",
                                        "TransTables=User Transaction", "Realtime=1", "TimeoutSec=10"].joined(separator: "\n") + "\n")
        case .cdata?, .fdata?:
            guard push.method == "POST" || push.endpoint == .fdata else { return try await journaled("OK") }
            guard terminal.status == .approved else { return reply("ERROR: terminal not approved", status: .serviceUnavailable) }
            return try await upload(push, terminal: terminal, entry: entry)
        case .devicecmd?, .querydata?, .rtdata?, nil:
            return try await journaled("OK")
        }
    }

    /// Punches go through `ingest` (stored with the journal entry in one transaction); other
    /// tables are journaled; an unknown table is journaled and refused, so the terminal keeps it.
    func upload(_ push: PushRequest, terminal: Terminal, entry: (HTTPResponse.Status, String) -> JournalEntry) async throws -> Response {
        let text = PushText.decode(push.body)
        let lines = PushText.lines(text)
        var punches: [TerminalPunch] = []
        switch push.endpoint == .fdata ? "ATTPHOTO" : (push.table ?? "") {
        case "ATTLOG":
            for line in lines {
                guard let row = try? AttLogRow.parse(line) else { continue }  // kept in the journal for a later reparse
                punches.append(TerminalPunch(pin: row.pin, at: row.time.instant(offsetSeconds: terminal.utcOffset), method: row.method,
                                             key: "zk:\(terminal.serial):\(row.pin):\(row.time)"))
            }
        case "RTLOG":
            for line in lines {
                guard let row = (try? RealtimeLogRow.parse(line)) ?? nil else { continue }
                punches.append(TerminalPunch(pin: row.pin, at: row.time.instant(offsetSeconds: terminal.utcOffset),
                                             method: row.verifyType == 15 ? .face : row.verifyType == 1 ? .fingerprint : .card,
                                             key: row.index.isEmpty ? "zk:\(terminal.serial):\(row.pin):\(row.time)" : "zk:\(terminal.serial):idx:\(row.index)"))
            }
        case "OPERLOG", "OPTIONS", "ATTPHOTO", "USERINFO", "USER", "BIODATA", "FINGERTMP", "FACE":
            let text = "OK:\(lines.count)"
            try await store.journal(entry(.ok, text))
            return reply(text)
        default:
            let text = "ERROR: unsupported table"
            try await store.journal(entry(.notImplemented, text))
            services.logger.warning("terminal sent an unsupported table", metadata: ["serial": "\(terminal.serial)", "table": "\(push.table ?? "")"])
            return reply(text, status: .notImplemented)
        }
        let answer = "OK:\(lines.count)"
        let result = try await store.ingest(punches, terminal: terminal, journal: entry(.ok, answer))
        if !result.personIDs.isEmpty { await services.announce(personIDs: result.personIDs) }
        return reply(answer)
    }
}
