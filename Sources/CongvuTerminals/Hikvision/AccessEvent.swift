import CongvuDomain
import Foundation

/// A Hikvision ISAPI access-control event (`AccessControllerEvent`, major 5): JSON alone, or the
/// `event_log` part of a multipart body with a picture part.
public struct HikvisionEvent: Sendable, Equatable {
    public var serialNumber: String
    /// The terminal's own record number: the idempotency key.
    public var serialNo: Int
    public var employee: String
    public var at: Date
    public var minor: Int
    public var picture: Data?
    /// The event's JSON as received (the `event_log` part of a multipart body): what the journal keeps.
    public var json: Data

    /// Minor codes of a granted verification that is attendance (face, fingerprint, card).
    public static let granted: Set<Int> = [1, 38, 75]

    public var method: PunchMethod {
        switch minor {
        case 75: return .face
        case 38: return .fingerprint
        default: return .card
        }
    }

    struct Envelope: Decodable {
        struct Inner: Decodable {
            var major: Int?
            var minor: Int?
            var employeeNoString: String?
            var serialNo: Int?
        }
        var dateTime: String?
        var eventType: String?
        var AccessControllerEvent: Inner?
        var ipAddress: String?
        var macAddress: String?
        var deviceID: String?
    }

    /// Nil for events that are not a granted punch (heartbeats, door alarms, refusals).
    public static func parse(json: Data, serialNumber: String, picture: Data? = nil) throws -> HikvisionEvent? {
        let e = try JSONDecoder().decode(Envelope.self, from: json)
        guard e.eventType == "AccessControllerEvent", let inner = e.AccessControllerEvent, inner.major == 5,
              let minor = inner.minor, granted.contains(minor),
              let employee = inner.employeeNoString?.trimmingCharacters(in: .whitespaces), AttLogRow.isPIN(employee),
              let serial = inner.serialNo, let text = e.dateTime, let at = parseDate(text) else { return nil }
        return HikvisionEvent(serialNumber: serialNumber, serialNo: serial, employee: employee, at: at, minor: minor, picture: picture, json: json)
    }

    /// `2026-03-03T07:24:05+07:00` (ISO 8601 with an offset; `Z` for UTC).
    public static func parseDate(_ text: String) -> Date? {
        let t = text.trimmingCharacters(in: .whitespaces)
        guard t.count >= 19 else { return nil }
        let local = String(t.prefix(19)).replacingOccurrences(of: "T", with: " ")
        guard let time = TerminalTime(local) else { return nil }
        let zone = t.dropFirst(19).drop { $0 == "." || $0.isNumber }
        var offset = 0
        if zone == "Z" || zone.isEmpty {
            offset = zone.isEmpty ? 7 * 3600 : 0
        } else {
            // `+07:00`, `+0700` or `+07`: two digits of hours and two of minutes, no more (a long
            // run of digits overflowed the arithmetic here; found by scripts/fuzz).
            let sign = zone.first == "-" ? -1 : 1
            let digits = zone.dropFirst().filter { $0 != ":" }
            guard zone.first == "+" || zone.first == "-", digits.count == 2 || digits.count == 4, digits.allSatisfy(\.isASCII),
                  let h = Int(digits.prefix(2)), let m = Int(digits.count == 4 ? String(digits.suffix(2)) : "0"), (0...14).contains(h),
                  (0..<60).contains(m), digits.allSatisfy(\.isNumber) else { return nil }
            offset = sign * (h * 3600 + m * 60)
        }
        return time.instant(offsetSeconds: offset)
    }

    /// The parts of a `multipart/form-data` or `multipart/mixed` body: the JSON `event_log` and a
    /// JPEG, told apart by their bytes (firmware names and types them inconsistently).
    public static func parseMultipart(_ body: Data, boundary: String, serialNumber: String) throws -> HikvisionEvent? {
        var json: Data?
        var picture: Data?
        for part in try Multipart.parts(body, boundary: boundary) {
            let content = part.content
            if content.starts(with: [0xFF, 0xD8, 0xFF]) { picture = content } else if content.first == UInt8(ascii: "{") { json = content }
        }
        guard let json else { throw RowError(line: "", reason: "no_event_part") }
        return try parse(json: json, serialNumber: serialNumber, picture: picture)
    }
}
