import CongvuDomain
import Foundation

/// One HTTP request from a ZKTeco terminal, as the protocol sees it: the endpoint, the query
/// (keys matched without regard to case: firmware sends `SN` or `sn`, `Stamp` or `OpStamp`) and
/// the raw body. Nothing here trusts the Content-Type.
public struct PushRequest: Sendable, Equatable {
    public enum Endpoint: String, Sendable {
        case cdata, getrequest, devicecmd, fdata, ping, registry, push, querydata, rtdata
    }

    public var endpoint: Endpoint?
    public var method: String
    public var query: [String: String]
    public var body: Data

    /// `path` like `/iclock/cdata/` or `/iclock/getrequest`; `rawQuery` the text after `?`.
    public init(method: String, path: String, rawQuery: String, body: Data) {
        self.method = method.uppercased()
        let last = path.split(separator: "/").last.map { String($0).lowercased() } ?? ""
        self.endpoint = Endpoint(rawValue: last.hasSuffix(".aspx") ? String(last.dropLast(5)) : last)
        self.query = PushRequest.parseQuery(rawQuery)
        self.body = body
    }

    /// Keys lowercased, the first of a repeated key kept (see `FormURLEncoded`).
    public static func parseQuery(_ raw: String) -> [String: String] {
        var out: [String: String] = [:]
        for (key, value) in FormURLEncoded.pairs(raw) where out[key.lowercased()] == nil { out[key.lowercased()] = value }
        return out
    }

    public func value(_ key: String) -> String? { query[key.lowercased()] }

    /// The terminal's serial number: letters, digits and `-_`, at most 32; anything else is no serial.
    public var serialNumber: String? {
        guard let sn = value("sn")?.trimmingCharacters(in: .whitespaces), Self.isSerialNumber(sn) else { return nil }
        return sn
    }

    /// Any vendor's serial number as Congvu accepts it (ZKTeco's `SN=`, Hikvision's path).
    public static func isSerialNumber(_ sn: String) -> Bool {
        !sn.isEmpty && sn.count <= 32 && sn.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
    }

    /// `table=ATTLOG` and friends, upper-cased.
    public var table: String? { value("table").map { $0.uppercased() } }

    /// The handshake: a GET of cdata with `options=all`.
    public var isHandshake: Bool { endpoint == .cdata && method == "GET" && value("options") != nil }

    /// Protocol family: `pushver=3.x` is the Security PUSH family.
    public var isSecurityPush: Bool { value("pushver").map { $0.hasPrefix("3") } ?? false }
}

/// Splits a text body into lines: CRLF or LF, trailing blank lines dropped.
public enum PushText {
    public static func lines(_ text: String) -> [Substring] {
        // By bytes, not characters: CR and LF never occur inside a UTF-8 sequence.
        text.utf8.split(omittingEmptySubsequences: true, whereSeparator: { $0 == 10 || $0 == 13 }).map { Substring($0) }
    }

    /// Decodes a body as UTF-8; invalid bytes become U+FFFD rather than losing the row.
    public static func decode(_ body: Data) -> String { String(decoding: body, as: UTF8.self) }

    /// `key=value` fields separated by TAB (USER rows, rtlog rows).
    public static func fields(_ text: Substring) -> [String: String] {
        var out: [String: String] = [:]
        for part in text.split(separator: "\t", omittingEmptySubsequences: true) {
            let kv = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = kv[0].trimmingCharacters(in: .whitespaces)
            guard !key.isEmpty else { continue }
            out[key] = kv.count > 1 ? String(kv[1]) : ""
        }
        return out
    }
}
