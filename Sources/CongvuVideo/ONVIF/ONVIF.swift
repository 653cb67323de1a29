import AsyncHTTPClient
import CongvuDomain
import Crypto
import Foundation
import NIOCore
import NIOHTTP1
#if canImport(FoundationXML)
import FoundationXML
#endif

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
        // 1. The camera's clock, unsigned.
        let clock = try await call(device, "<tds:GetSystemDateAndTime/>", signed: false, offset: 0, step: "GetSystemDateAndTime")
        var offset: TimeInterval = 0
        if let utc = clock.first("UTCDateTime"), let date = utc.first("Date"), let time = utc.first("Time") {
            var c = DateComponents()
            c.year = Int(date.first("Year")?.text ?? ""); c.month = Int(date.first("Month")?.text ?? ""); c.day = Int(date.first("Day")?.text ?? "")
            c.hour = Int(time.first("Hour")?.text ?? ""); c.minute = Int(time.first("Minute")?.text ?? ""); c.second = Int(time.first("Second")?.text ?? "")
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = TimeZone(identifier: "UTC")!
            if let camera = calendar.date(from: c) { offset = camera.timeIntervalSince(now()) }
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

    public static func parse(_ data: Data) -> XMLNode? {
        let builder = Builder()
        let parser = XMLParser(data: data)
        parser.delegate = builder
        guard parser.parse(), parser.parserError == nil, builder.stack.isEmpty else { return nil }
        return builder.root
    }

    final class Builder: NSObject, XMLParserDelegate {
        var root: XMLNode?
        var stack: [XMLNode] = []

        static func local(_ name: String) -> String { name.split(separator: ":").last.map(String.init) ?? name }

        func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?,
                    attributes: [String: String] = [:]) {
            var attrs: [String: String] = [:]
            for (k, v) in attributes { attrs[Self.local(k)] = v }
            let node = XMLNode(name: Self.local(elementName), attributes: attrs)
            if let parent = stack.last { parent.children.append(node) } else { root = node }
            stack.append(node)
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) { stack.last?.text += string }

        func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
            if let node = stack.popLast() { node.text = node.text.trimmingCharacters(in: .whitespacesAndNewlines) }
        }
    }
}
