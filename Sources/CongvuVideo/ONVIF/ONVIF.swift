import AsyncHTTPClient
import CongvuDomain
import Crypto
import Foundation
import NIOCore
import NIOHTTP1

/// ONVIF discovery of one camera's addresses: its clock first (no login; a token whose time is off
/// is refused), then its media service, profiles, stream and snapshot URIs, each call signed with a
/// WS-Security UsernameToken digest at the camera's time.
public enum ONVIF {
    /// Base64(SHA1(nonce + created + password)).
    public static func passwordDigest(nonce: Data, created: String, password: String) -> String {
        Data(Insecure.SHA1.hash(data: nonce + Data(created.utf8) + Data(password.utf8))).base64EncodedString()
    }

    /// `2026-01-01T00:00:00.000Z` for a token's Created.
    public static func created(_ date: Date) -> String { Instant.format(date) }

    public struct Profile: Sendable, Equatable {
        public var token: String
        public var name: String
        public var width: Int
        public var height: Int
        public var encoding: String
    }

    public struct Discovery: Sendable, Equatable {
        /// Camera clock minus ours, in seconds.
        public var clockOffset: TimeInterval
        public var profiles: [Profile]
        public var mainURL: String
        public var subURL: String
        public var snapshotURL: String
    }

    public struct Failure: Error, Equatable, CustomStringConvertible {
        public var step: String
        public var reason: String
        public var description: String { "\(step): \(reason)" }
    }

    /// The SOAP envelope of one call; `security` is the signed header, or nil for the clock.
    public static func envelope(_ body: String, username: String?, password: String, at date: Date, nonce: Data) -> String {
        var header = ""
        if let username {
            let created = created(date)
            header = """
            <s:Header><wsse:Security xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd" \
            xmlns:wsu="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"><wsse:UsernameToken>\
            <wsse:Username>\(escape(username))</wsse:Username>\
            <wsse:Password Type="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest">\
            \(passwordDigest(nonce: nonce, created: created, password: password))</wsse:Password>\
            <wsse:Nonce EncodingType="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary">\
            \(nonce.base64EncodedString())</wsse:Nonce><wsu:Created>\(created)</wsu:Created></wsse:UsernameToken></wsse:Security></s:Header>
            """
        }
        return """
        <?xml version="1.0" encoding="UTF-8"?><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" \
        xmlns:tds="http://www.onvif.org/ver10/device/wsdl" xmlns:trt="http://www.onvif.org/ver10/media/wsdl" \
        xmlns:tt="http://www.onvif.org/ver10/schema">\(header)<s:Body>\(body)</s:Body></s:Envelope>
        """
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }

    /// Runs the discovery against `http://host:port/onvif/device_service`.
    public static func discover(host: String, port: Int, username: String, password: String, client: HTTPClient,
                                now: @Sendable () -> Date = { Date() }) async throws -> Discovery {
        let device = "http://\(host):\(port)/onvif/device_service"
        func call(_ url: String, _ body: String, signed: Bool, offset: TimeInterval, step: String) async throws -> XMLNode {
            var nonce = Data(count: 16)
            for i in 0..<16 { nonce[i] = UInt8.random(in: 0...255) }
            var request = HTTPClientRequest(url: url)
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/soap+xml; charset=utf-8")
            request.body = .bytes(ByteBuffer(string: envelope(body, username: signed ? username : nil, password: password,
                                                              at: now().addingTimeInterval(offset), nonce: nonce)))
            let response: HTTPClientResponse
            do { response = try await client.execute(request, timeout: .seconds(5)) } catch {
                throw Failure(step: step, reason: "\(error)")
            }
            let bytes = try await response.body.collect(upTo: 1 << 20)
            let tree = XMLNode.parse(Data(bytes.readableBytesView))
            guard response.status == .ok, let tree else {
                let fault = tree?.first("Text")?.text ?? tree?.first("Reason")?.text ?? ""
                throw Failure(step: step, reason: "HTTP \(response.status.code) \(fault)".trimmingCharacters(in: .whitespaces))
            }
            return tree
        }
        // 1. The camera's clock, unsigned. The camera reads it about halfway through the exchange and
        // gives whole seconds (on average half a second behind), so the estimate is off by half the
        // round trip at most: asked up to three times, the quickest answer is kept (a busy machine or
        // network slows one exchange, seldom all).
        var offset: TimeInterval = 0
        var bestTrip = TimeInterval.infinity
        for _ in 0..<3 where bestTrip > 0.5 {
            let asked = now()
            let clock = try await call(device, "<tds:GetSystemDateAndTime/>", signed: false, offset: 0, step: "GetSystemDateAndTime")
            let trip = now().timeIntervalSince(asked)
            guard let utc = clock.first("UTCDateTime"), let date = utc.first("Date"), let time = utc.first("Time") else { break }
            var c = DateComponents()
            c.year = Int(date.first("Year")?.text ?? ""); c.month = Int(date.first("Month")?.text ?? ""); c.day = Int(date.first("Day")?.text ?? "")
            c.hour = Int(time.first("Hour")?.text ?? ""); c.minute = Int(time.first("Minute")?.text ?? ""); c.second = Int(time.first("Second")?.text ?? "")
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = TimeZone(identifier: "UTC")!
            guard let camera = calendar.date(from: c) else { break }
            if trip < bestTrip {
                bestTrip = trip
                offset = camera.addingTimeInterval(0.5).timeIntervalSince(asked.addingTimeInterval(trip / 2))
            }
        }
        // 2. Where the media service is.
        let caps = try await call(device, "<tds:GetCapabilities><tds:Category>Media</tds:Category></tds:GetCapabilities>",
                                  signed: true, offset: offset, step: "GetCapabilities")
        let media = caps.first("Media")?.first("XAddr")?.text ?? device
        // 3. Profiles, largest first.
        let profilesTree = try await call(media, "<trt:GetProfiles/>", signed: true, offset: offset, step: "GetProfiles")
        var profiles: [Profile] = []
        for p in profilesTree.all("Profiles") {
            let encoder = p.first("VideoEncoderConfiguration")
            profiles.append(Profile(token: p.attributes["token"] ?? "", name: p.first("Name")?.text ?? "",
                                    width: Int(encoder?.first("Width")?.text ?? "") ?? 0, height: Int(encoder?.first("Height")?.text ?? "") ?? 0,
                                    encoding: encoder?.first("Encoding")?.text ?? ""))
        }
        guard !profiles.isEmpty else { throw Failure(step: "GetProfiles", reason: "no profile") }
        let ordered = profiles.sorted { $0.width * $0.height > $1.width * $1.height }
        func streamURI(_ token: String) async throws -> String {
            let tree = try await call(media, """
                <trt:GetStreamUri><trt:StreamSetup><tt:Stream>RTP-Unicast</tt:Stream><tt:Transport><tt:Protocol>RTSP</tt:Protocol>\
                </tt:Transport></trt:StreamSetup><trt:ProfileToken>\(escape(token))</trt:ProfileToken></trt:GetStreamUri>
                """, signed: true, offset: offset, step: "GetStreamUri")
            guard let uri = tree.first("Uri")?.text, !uri.isEmpty else { throw Failure(step: "GetStreamUri", reason: "no Uri") }
            return uri
        }
        let main = try await streamURI(ordered[0].token)
        let sub = ordered.count > 1 ? try await streamURI(ordered[ordered.count - 1].token) : ""
        var snapshot = ""
        if let tree = try? await call(media, "<trt:GetSnapshotUri><trt:ProfileToken>\(escape(ordered[0].token))</trt:ProfileToken></trt:GetSnapshotUri>",
                                      signed: true, offset: offset, step: "GetSnapshotUri") {
            snapshot = tree.first("Uri")?.text ?? ""
        }
        return Discovery(clockOffset: offset, profiles: ordered, mainURL: main, subURL: sub == main ? "" : sub, snapshotURL: snapshot)
    }
}

/// A small XML tree with local names (namespace prefixes dropped), enough for SOAP answers.
public final class XMLNode: @unchecked Sendable {
    public let name: String
    public var attributes: [String: String]
    public var children: [XMLNode] = []
    public var text = ""

    init(name: String, attributes: [String: String]) { self.name = name; self.attributes = attributes }

    /// The first descendant named `name` (depth first).
    public func first(_ name: String) -> XMLNode? {
        for c in children {
            if c.name == name { return c }
            if let found = c.first(name) { return found }
        }
        return nil
    }

    /// Every descendant named `name`.
    public func all(_ name: String) -> [XMLNode] {
        children.flatMap { ($0.name == name ? [$0] : []) + $0.all(name) }
    }

    /// Reads a camera's answer. Written out rather than handed to Foundation's XMLParser, which on
    /// Linux traps or reads a null pointer on a processing instruction without data or a name that
    /// is not UTF-8: a camera (or whoever answers in its place) could stop the whole server. Found
    /// by scripts/fuzz. Only what SOAP answers use is read: elements with prefixes dropped,
    /// attributes, text, the five entities and character references, CDATA, comments and
    /// processing instructions (skipped). A DOCTYPE, a second root, unbalanced tags, an unknown
    /// entity, bytes that are not UTF-8 or nesting deeper than 64 refuse the document (nil).
    public static func parse(_ data: Data) -> XMLNode? {
        guard String(data: data, encoding: .utf8) != nil else { return nil }
        var reader = SmallXMLReader(bytes: [UInt8](data))
        return reader.document()
    }
}

/// The reader behind `XMLNode.parse`, over UTF-8 bytes.
struct SmallXMLReader {
    let bytes: [UInt8]
    var i = 0
    static let maxDepth = 64

    init(bytes: [UInt8]) { self.bytes = bytes }

    static func local(_ name: String) -> String { name.split(separator: ":").last.map(String.init) ?? name }

    func starts(_ text: String) -> Bool {
        let t = Array(text.utf8)
        return i + t.count <= bytes.count && Array(bytes[i..<(i + t.count)]) == t
    }

    /// The index just past `end`, searching from `from`.
    func after(_ end: String, from: Int) -> Int? {
        let t = Array(end.utf8)
        var k = from
        while k + t.count <= bytes.count {
            if bytes[k] == t[0] && Array(bytes[k..<(k + t.count)]) == t { return k + t.count }
            k += 1
        }
        return nil
    }

    static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D }

    func string(_ range: Range<Int>) -> String { String(decoding: bytes[range], as: UTF8.self) }

    /// Text with its entities and character references replaced; nil for one it does not know.
    static func decode(_ raw: String) -> String? {
        guard raw.contains("&") else { return raw }
        var out = ""
        var rest = Substring(raw)
        while let amp = rest.firstIndex(of: "&") {
            out += rest[..<amp]
            guard let semi = rest[amp...].firstIndex(of: ";") else { return nil }
            let name = rest[rest.index(after: amp)..<semi]
            switch name {
            case "lt": out += "<"
            case "gt": out += ">"
            case "amp": out += "&"
            case "quot": out += "\""
            case "apos": out += "'"
            default:
                let hex = name.hasPrefix("#x") || name.hasPrefix("#X")
                guard name.hasPrefix("#"), let code = UInt32(name.dropFirst(hex ? 2 : 1), radix: hex ? 16 : 10),
                      let scalar = Unicode.Scalar(code) else { return nil }
                out.unicodeScalars.append(scalar)
            }
            rest = rest[rest.index(after: semi)...]
        }
        return out + rest
    }

    mutating func document() -> XMLNode? {
        var stack: [XMLNode] = []
        var root: XMLNode?
        while i < bytes.count {
            if bytes[i] != UInt8(ascii: "<") {
                let start = i
                while i < bytes.count && bytes[i] != UInt8(ascii: "<") { i += 1 }
                guard let top = stack.last else {
                    guard bytes[start..<i].allSatisfy(Self.isSpace) else { return nil }
                    continue
                }
                guard let text = Self.decode(string(start..<i)) else { return nil }
                top.text += text
            } else if starts("<?") {
                guard let end = after("?>", from: i + 2) else { return nil }
                i = end
            } else if starts("<!--") {
                guard let end = after("-->", from: i + 4) else { return nil }
                i = end
            } else if starts("<![CDATA[") {
                guard let top = stack.last, let end = after("]]>", from: i + 9) else { return nil }
                top.text += string((i + 9)..<(end - 3))
                i = end
            } else if starts("<!") {
                return nil  // a DOCTYPE: no answer of a camera has one, and entities defined there are refused
            } else if starts("</") {
                guard let end = after(">", from: i + 2) else { return nil }
                let name = Self.local(string((i + 2)..<(end - 1)).trimmingCharacters(in: .whitespacesAndNewlines))
                guard let top = stack.popLast(), top.name == name else { return nil }
                top.text = top.text.trimmingCharacters(in: .whitespacesAndNewlines)
                i = end
            } else {
                guard let (node, closed) = startTag() else { return nil }
                if let parent = stack.last {
                    parent.children.append(node)
                } else {
                    guard root == nil else { return nil }
                    root = node
                }
                if !closed {
                    guard stack.count < Self.maxDepth else { return nil }
                    stack.append(node)
                }
            }
        }
        return stack.isEmpty ? root : nil
    }

    /// `<name a="1" b='2'>` or `<name/>`, from `<`; the node and whether it closed itself.
    mutating func startTag() -> (XMLNode, Bool)? {
        i += 1
        let nameStart = i
        while i < bytes.count, !Self.isSpace(bytes[i]), bytes[i] != UInt8(ascii: ">"), bytes[i] != UInt8(ascii: "/") { i += 1 }
        let name = string(nameStart..<i)
        guard !name.isEmpty, !name.contains("<"), !name.contains("&") else { return nil }
        var attributes: [String: String] = [:]
        while true {
            while i < bytes.count && Self.isSpace(bytes[i]) { i += 1 }
            guard i < bytes.count else { return nil }
            if bytes[i] == UInt8(ascii: ">") {
                i += 1
                return (XMLNode(name: Self.local(name), attributes: attributes), false)
            }
            if starts("/>") {
                i += 2
                return (XMLNode(name: Self.local(name), attributes: attributes), true)
            }
            let attrStart = i
            while i < bytes.count, !Self.isSpace(bytes[i]), bytes[i] != UInt8(ascii: "="), bytes[i] != UInt8(ascii: ">") { i += 1 }
            let attr = string(attrStart..<i)
            while i < bytes.count && Self.isSpace(bytes[i]) { i += 1 }
            guard !attr.isEmpty, i < bytes.count, bytes[i] == UInt8(ascii: "=") else { return nil }
            i += 1
            while i < bytes.count && Self.isSpace(bytes[i]) { i += 1 }
            guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") || bytes[i] == UInt8(ascii: "'") else { return nil }
            let quote = bytes[i]
            i += 1
            let valueStart = i
            while i < bytes.count && bytes[i] != quote { i += 1 }
            guard i < bytes.count, let value = Self.decode(string(valueStart..<i)) else { return nil }
            i += 1
            attributes[Self.local(attr)] = value
        }
    }
}
