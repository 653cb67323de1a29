import CongvuDomain
import Foundation

/// A terminal's local time with no zone, as it writes it: `2026-03-03 07:24:05`.
public struct TerminalTime: Sendable, Equatable, Hashable, CustomStringConvertible {
    public var day: Day
    /// Seconds since local midnight.
    public var second: Int

    public init?(_ text: some StringProtocol) {
        // The usual shape, read byte by byte: this runs for every row of every upload.
        let u = Array(text.utf8)
        var lo = 0, hi = u.count
        while lo < hi, u[lo] == 32 || u[lo] == 9 { lo += 1 }
        while hi > lo, u[hi - 1] == 32 || u[hi - 1] == 9 { hi -= 1 }
        if hi - lo == 19, u[lo + 4] == 45, u[lo + 7] == 45, u[lo + 10] == 32, u[lo + 13] == 58, u[lo + 16] == 58 {
            func n(_ at: Int, _ count: Int) -> Int? {
                var v = 0
                for i in (lo + at)..<(lo + at + count) {
                    guard u[i] >= 48, u[i] <= 57 else { return nil }
                    v = v * 10 + Int(u[i] - 48)
                }
                return v
            }
            guard let y = n(0, 4), let mo = n(5, 2), let d = n(8, 2), let h = n(11, 2), let m = n(14, 2), let s = n(17, 2),
                  let day = Day(year: y, month: mo, day: d), h < 24, m < 60, s < 60 else { return nil }
            self.day = day
            self.second = h * 3600 + m * 60 + s
            return
        }
        let t = text.trimmingCharacters(in: .whitespaces)
        let parts = t.split(separator: " ")
        guard parts.count == 2, let day = Day(String(parts[0])) else { return nil }
        let hms = parts[1].split(separator: ":")
        guard hms.count == 3, let h = Int(hms[0]), let m = Int(hms[1]), let s = Int(hms[2]),
              (0..<24).contains(h), (0..<60).contains(m), (0..<60).contains(s) else { return nil }
        self.day = day
        self.second = h * 3600 + m * 60 + s
    }

    /// The instant, for a terminal whose clock runs at `offsetSeconds` from UTC.
    public func instant(offsetSeconds: Int) -> Date {
        CivilTime.startOfDay(day).addingTimeInterval(TimeInterval(7 * 3600 - offsetSeconds + second))
    }

    public var description: String {
        Digits.join([.text(day.description), .text(" "), .number(second / 3600, 2), .text(":"), .number(second / 60 % 60, 2), .text(":"), .number(second % 60, 2)])
    }
}

extension Substring {
    /// Without leading and trailing spaces and tabs (cheaper than a CharacterSet).
    var blankTrimmed: Substring {
        var s = self
        while let c = s.first, c == " " || c == "\t" { s.removeFirst() }
        while let c = s.last, c == " " || c == "\t" { s.removeLast() }
        return s
    }
}

/// Why a row could not be read: kept with the row so the journal can show it.
public struct RowError: Error, Equatable, Sendable {
    public var line: String
    public var reason: String
}

/// An ATTLOG row: `PIN \t time \t status \t verify \t workcode \t …`.
public struct AttLogRow: Sendable, Equatable {
    public var pin: String
    public var time: TerminalTime
    /// 0 in, 1 out, 2 break-out, 3 break-in, 4 OT-in, 5 OT-out, 255 undefined: a hint only.
    public var status: Int
    public var verify: Int
    public var workCode: String

    public static func parse(_ line: Substring) throws -> AttLogRow {
        let f = line.utf8.split(separator: 9, omittingEmptySubsequences: false).map { Substring($0) }
        guard f.count >= 2 else { throw RowError(line: String(line), reason: "too_few_fields") }
        let pin = String(f[0].blankTrimmed)
        guard Self.isPIN(pin) else { throw RowError(line: String(line), reason: "bad_pin") }
        guard let time = TerminalTime(f[1]) else { throw RowError(line: String(line), reason: "bad_time") }
        func int(_ i: Int) -> Int { f.count > i ? Int(f[i].blankTrimmed) ?? 0 : 0 }
        return AttLogRow(pin: pin, time: time, status: int(2), verify: int(3), workCode: f.count > 4 ? String(f[4]) : "")
    }

    /// Terminal user ids: 1–24 letters or digits.
    public static func isPIN(_ s: String) -> Bool {
        !s.isEmpty && s.utf8.count <= 24 && s.utf8.allSatisfy { (48...57).contains($0) || (65...90).contains($0) || (97...122).contains($0) }
    }

    /// How the person identified themselves, from the verify code (firmware differs; unknown codes read as card).
    public var method: PunchMethod {
        switch verify {
        case 0: return .password
        case 1: return .fingerprint
        case 15: return .face
        default: return .card
        }
    }
}

/// A row of an OPERLOG upload: one request may mix operations, users and biometric templates.
public enum OperLogRow: Sendable, Equatable {
    case operation(code: Int, operatorID: String, time: TerminalTime, values: [String])
    case user(fields: [String: String])
    case fingerprint(fields: [String: String])
    case face(fields: [String: String])
    case biodata(fields: [String: String])
    /// Kept, counted and shown, never dropped silently.
    case unknown(line: String)

    public static func parse(_ line: Substring) throws -> OperLogRow {
        guard let space = line.firstIndex(where: { $0 == " " || $0 == "\t" }) else { return .unknown(line: String(line)) }
        let kind = line[..<space].uppercased(), rest = line[line.index(after: space)...]
        switch kind {
        case "OPLOG":
            let f = rest.split(separator: "\t", omittingEmptySubsequences: false)
            guard f.count >= 3, let code = Int(f[0].trimmingCharacters(in: .whitespaces)), let time = TerminalTime(f[2]) else {
                throw RowError(line: String(line), reason: "bad_oplog")
            }
            return .operation(code: code, operatorID: String(f[1]), time: time, values: f.dropFirst(3).map(String.init))
        case "USER": return .user(fields: PushText.fields(rest))
        case "FP": return .fingerprint(fields: PushText.fields(rest))
        case "FACE": return .face(fields: PushText.fields(rest))
        case "BIODATA": return .biodata(fields: PushText.fields(rest))
        default: return .unknown(line: String(line))
        }
    }
}

/// Operation codes that may mean tampering, and the alert each raises.
public enum TamperCodes {
    public static let alerts: [Int: TerminalAlertKind] = [
        21: .timeSet, 22: .factoryReset, 23: .recordsDeleted, 13: .dataCleared, 82: .serverChanged, 83: .serverChanged,
        117: .adminPasswordFailed, 118: .adminLockedOut,
    ]
}

/// A photo taken at a punch, in any of its three forms.
public struct AttPhoto: Sendable, Equatable {
    public var pin: String?
    /// From the file name (`20260303072405-1001.jpg`); a name with only a time is a failed verification.
    public var time: TerminalTime?
    public var jpeg: Data

    /// `cdata?table=ATTPHOTO`: text headers, a NUL, then the JPEG (or base64 when `base64` is set).
    public static func parseCData(_ body: Data, base64: Bool = false) throws -> AttPhoto {
        guard let nul = body.firstIndex(of: 0) else { throw RowError(line: "", reason: "photo_without_nul") }
        let header = String(decoding: body[body.startIndex..<nul], as: UTF8.self)
        var image = Data(body[body.index(after: nul)...])
        if base64 { image = Data(base64Encoded: image, options: .ignoreUnknownCharacters) ?? Data() }
        var name = ""
        for line in PushText.lines(header) {
            let kv = line.split(separator: "=", maxSplits: 1)
            if kv.count == 2, kv[0].trimmingCharacters(in: .whitespaces).uppercased() == "PIN" { name = String(kv[1]) }
        }
        return try make(name: name, image: image)
    }

    /// `fdata`: the fields in the query (`PIN=` the file name), the raw JPEG as the body.
    public static func parseFData(query: [String: String], body: Data) throws -> AttPhoto {
        try make(name: query["pin"] ?? "", image: body)
    }

    static func make(name: String, image: Data) throws -> AttPhoto {
        guard image.starts(with: [0xFF, 0xD8, 0xFF]) else { throw RowError(line: name, reason: "photo_not_jpeg") }
        let (pin, time) = parseName(name)
        return AttPhoto(pin: pin, time: time, jpeg: image)
    }

    /// `20260303072405-1001.jpg` → the PIN and the terminal's time; only a time: a failed verification.
    public static func parseName(_ name: String) -> (pin: String?, time: TerminalTime?) {
        let stem = name.split(separator: ".").first.map(String.init) ?? ""
        let parts = stem.split(separator: "-", maxSplits: 1).map(String.init)
        var time: TerminalTime?
        if let stamp = parts.first, stamp.count == 14, stamp.allSatisfy(\.isNumber) {
            let c = Array(stamp)
            time = TerminalTime("\(String(c[0..<4]))-\(String(c[4..<6]))-\(String(c[6..<8])) \(String(c[8..<10])):\(String(c[10..<12])):\(String(c[12..<14]))")
        }
        return (parts.count > 1 && AttLogRow.isPIN(parts[1]) ? parts[1] : nil, time)
    }
}

/// A command's result from `devicecmd`: `ID=…&Return=…&CMD=…`, several per request; an INFO
/// result is followed by `Key=Value` lines that belong to it.
public struct CommandResult: Sendable, Equatable {
    public var id: String
    public var returnCode: Int
    public var command: String
    public var fields: [String: String]
    public var info: [String: String]

    public static func parse(_ body: String) -> [CommandResult] {
        var out: [CommandResult] = []
        for line in PushText.lines(body) {
            if line.hasPrefix("ID=") {
                var fields: [String: String] = [:]
                for pair in line.split(separator: "&") {
                    let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                    fields[String(kv[0])] = kv.count > 1 ? String(kv[1]) : ""
                }
                out.append(CommandResult(id: fields["ID"] ?? "", returnCode: Int(fields["Return"] ?? "") ?? -1, command: fields["CMD"] ?? "",
                                         fields: fields, info: [:]))
            } else if !out.isEmpty {
                let kv = line.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                if kv.count == 2 { out[out.count - 1].info[kv[0].trimmingCharacters(in: .whitespaces)] = String(kv[1]) }
            }
        }
        return out
    }
}

/// `getrequest?INFO=<firmware>,<users>,<fingerprints>,<records>,<ip>,…`: the record count going
/// down means the log was cleared.
public struct DeviceInfo: Sendable, Equatable {
    public var firmware: String
    public var users: Int?
    public var fingerprints: Int?
    public var records: Int?
    public var address: String

    public init?(_ text: String) {
        let f = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard f.count >= 4 else { return nil }
        firmware = f[0]
        users = Int(f[1])
        fingerprints = Int(f[2])
        records = Int(f[3])
        address = f.count > 4 ? f[4] : ""
    }
}

/// A Security PUSH (3.x) `rtlog` row: `time=…\tpin=…\tevent=0\tverifytype=15\tindex=21…`.
/// Only granted events with a pin are attendance; `index` is the terminal's own record id.
public struct RealtimeLogRow: Sendable, Equatable {
    public var time: TerminalTime
    public var pin: String
    public var event: Int
    public var verifyType: Int
    public var index: String
    public var inOut: Int

    /// Nil for rows that are not a punch (an empty heartbeat, a denied event, no pin).
    public static func parse(_ line: Substring) throws -> RealtimeLogRow? {
        let f = PushText.fields(line)
        guard let timeText = f["time"] else { throw RowError(line: String(line), reason: "bad_time") }
        guard let time = TerminalTime(timeText) else { throw RowError(line: String(line), reason: "bad_time") }
        let pin = f["pin"]?.trimmingCharacters(in: .whitespaces) ?? ""
        let event = Int(f["event"] ?? "") ?? -1
        guard event == 0, !pin.isEmpty, pin != "0", AttLogRow.isPIN(pin) else { return nil }
        return RealtimeLogRow(time: time, pin: pin, event: event, verifyType: Int(f["verifytype"] ?? "") ?? 0, index: f["index"] ?? "",
                              inOut: Int(f["inoutstatus"] ?? "") ?? 0)
    }
}
