import CongvuDomain
import CongvuStore
import CongvuTerminals
import Foundation
import Hummingbird

/// Hikvision face and fingerprint terminals (ISAPI): each is told, through
/// `PUT /ISAPI/Event/notification/httpHosts/1`, to post its events to
/// `/hikvision/<serial number>/events`. An event is a JSON body or a multipart body with an
/// `event_log` part and a picture. Granted verifications become punches keyed by the terminal's
/// own record number, so a repeated event adds nothing; the picture goes to the photo store.
/// As with ZKTeco, a terminal is pending (its events refused with 503) until approved.
struct HikvisionController {
    let services: AppServices
    var store: TerminalStore { services.terminals.terminals }

    func addRoutes(to router: Router<AppRequestContext>) {
        router.post("hikvision/:serial/events", use: event)
    }

    func reply(_ status: HTTPResponse.Status, _ text: String) -> Response {
        Response(status: status, headers: [.contentType: "application/json", .cacheControl: "no-store"],
                 body: .init(byteBuffer: ByteBuffer(string: "{\"statusCode\":\(status == .ok ? 1 : 4),\"statusString\":\"\(text)\"}")))
    }

    func event(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        guard let serial = context.parameters.get("serial"), PushRequest.isSerialNumber(serial) else { return reply(.badRequest, "serial") }
        let now = Date()
        guard let admitted = try await services.terminals.admittedBody(request, serial: serial, address: context.clientAddress, now: now) else {
            return reply(.serviceUnavailable, "refused")
        }
        let body = admitted.data
        let terminal = try await store.contact(serial: serial, vendor: "hikvision", family: "isapi", address: context.clientAddress, now: now)
        if admitted.tooLarge { return reply(.contentTooLarge, "too large") }
        let contentType = request.headers[.contentType] ?? ""
        let parsed: HikvisionEvent?
        var journaled = body
        do {
            if let boundary = Multipart.boundary(contentType: contentType) {
                parsed = try HikvisionEvent.parseMultipart(body, boundary: boundary, serialNumber: serial)
            } else {
                parsed = try HikvisionEvent.parse(json: body, serialNumber: serial)
            }
        } catch {
            try await store.journal(entry(request, serial, now, body, 400, "unreadable event"))
            return reply(.badRequest, "unreadable event")
        }
        // From elsewhere than its pinned address it is held like a terminal not approved (it keeps the event).
        guard terminal.status == .approved, !(try await services.terminals.moved(terminal, address: context.clientAddress, now: now)) else {
            return reply(.serviceUnavailable, "terminal not approved")
        }
        guard let event = parsed else {
            // A heartbeat, a door alarm, a refused face: journaled, nothing else.
            try await store.journal(entry(request, serial, now, body, 200, "OK"))
            return reply(.ok, "OK")
        }
        let key = Self.key(event)
        if let picture = event.picture {
            let sha = try services.attendance.photos.write(picture)
            try await services.attendance.photos.link(key: key, sha: sha, terminalID: terminal.id, takenAt: event.at, now: now)
            // The journal keeps the event's JSON and the picture's hash; the picture lives once in the photo store.
            journaled = event.json + Data([0]) + Data("sha256:\(sha)".utf8)
        }
        let punch = TerminalPunch(pin: event.employee, at: event.at, method: event.method, key: key)
        let result = try await store.ingest([punch], terminal: terminal, journal: entry(request, serial, now, journaled, 200, "OK"), now: now)
        await TerminalController.punchesArrived(services, result, punches: [punch], serial: serial, now: now)
        return reply(.ok, "OK")
    }

    func entry(_ request: Request, _ serial: String, _ now: Date, _ body: Data, _ status: Int, _ text: String) -> JournalEntry {
        JournalEntry(serial: serial, receivedAt: Instant.format(now), method: "POST", path: request.uri.path, query: request.uri.query ?? "",
                     headers: request.headers.map { "\($0.name): \($0.value)" }.joined(separator: "\n"), body: body, replyStatus: status, reply: text)
    }

    static func key(_ event: HikvisionEvent) -> String { "hik:\(event.serialNumber):\(event.serialNo)" }

    /// A journaled event again (for a reparse): the punch, and the picture's hash if one came with it.
    static func journaled(_ entry: JournalEntry) -> (event: HikvisionEvent, sha: String?)? {
        let nul = entry.body.firstIndex(of: 0)
        let json = nul.map { Data(entry.body[entry.body.startIndex..<$0]) } ?? entry.body
        guard let event = (try? HikvisionEvent.parse(json: json, serialNumber: entry.serial)) ?? nil else { return nil }
        let tail = nul.map { String(decoding: entry.body[entry.body.index(after: $0)...], as: UTF8.self) } ?? ""
        return (event, tail.hasPrefix("sha256:") ? String(tail.dropFirst(7)) : nil)
    }
}
