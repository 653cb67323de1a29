import AsyncHTTPClient
import CongvuDomain
import Crypto
import Foundation
import NIOCore
import NIOHTTP1
import Synchronization

/// A JPEG of a camera's current picture: decoded by ffmpeg from the keyframe group the live channel
/// holds (no request to the camera), or fetched from the camera's snapshot address.
public enum Snapshot {
    /// The first picture of `group` (init + fragments from a keyframe) as a JPEG, or nil.
    public static func jpeg(fromGroup group: Data, ffmpeg: String) async -> Data? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ffmpeg)
        process.arguments = ["-hide_banner", "-nostdin", "-loglevel", "error", "-f", "mp4", "-i", "pipe:0",
                             "-frames:v", "1", "-q:v", "4", "-f", "mjpeg", "pipe:1"]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        guard let exit = try? process.startAwaitingExit() else { return nil }
        // Write and read at once on threads of their own: neither pipe may fill while the other waits.
        let writer = Thread {
            try? input.fileHandleForWriting.write(contentsOf: group)
            try? input.fileHandleForWriting.close()
        }
        writer.start()
        let result = Shared(Data())
        let done = AsyncStream<Void>.makeStream()
        let reader = Thread {
            let data = (try? output.fileHandleForReading.readToEnd()) ?? Data()
            result.value.withLock { $0 = data }
            done.continuation.finish()
        }
        reader.start()
        for await _ in done.stream {}
        let jpeg = result.value.withLock { $0 }
        return await exit.value == 0 && jpeg.starts(with: [0xFF, 0xD8]) ? jpeg : nil
    }

    /// The camera's own snapshot, or nil. Cameras answer the first request with a challenge: Digest
    /// (Hikvision, Dahua) or Basic; the request is made again with the answer.
    public static func jpeg(from url: String, username: String, password: String, client: HTTPClient) async -> Data? {
        func get(_ authorization: String?) async -> HTTPClientResponse? {
            var request = HTTPClientRequest(url: url)
            if let authorization { request.headers.add(name: "Authorization", value: authorization) }
            return try? await client.execute(request, timeout: .seconds(5))
        }
        guard var response = await get(nil) else { return nil }
        if response.status == .unauthorized, !username.isEmpty {
            let challenge = response.headers.first(name: "WWW-Authenticate") ?? ""
            let path = URL(string: url).map { $0.path + ($0.query.map { "?" + $0 } ?? "") } ?? "/"
            let authorization: String
            if let digest = HTTPDigest(challenge: challenge) {
                authorization = digest.authorization(method: "GET", uri: path, username: username, password: password)
            } else {
                authorization = "Basic " + Data("\(username):\(password)".utf8).base64EncodedString()
            }
            guard let again = await get(authorization) else { return nil }
            response = again
        }
        guard response.status == .ok, let body = try? await response.body.collect(upTo: 8 << 20) else { return nil }
        let data = Data(body.readableBytesView)
        return data.starts(with: [0xFF, 0xD8]) ? data : nil
    }
}

/// HTTP Digest access authentication (RFC 7616 with MD5, qop=auth, as cameras use it).
public struct HTTPDigest: Sendable, Equatable {
    public var realm: String
    public var nonce: String
    public var qop: String?
    public var opaque: String?

    /// Reads a `WWW-Authenticate: Digest …` challenge; nil for anything else.
    public init?(challenge: String) {
        guard challenge.lowercased().hasPrefix("digest ") else { return nil }
        var fields: [String: String] = [:]
        var rest = Substring(challenge.dropFirst(7))
        while let eq = rest.firstIndex(of: "=") {
            let key = rest[..<eq].trimmingCharacters(in: CharacterSet(charactersIn: " ,")).lowercased()
            rest = rest[rest.index(after: eq)...]
            var value: Substring
            if rest.first == "\"" {
                rest = rest.dropFirst()
                let end = rest.firstIndex(of: "\"") ?? rest.endIndex
                value = rest[..<end]
                rest = end < rest.endIndex ? rest[rest.index(after: end)...] : ""
            } else {
                let end = rest.firstIndex(of: ",") ?? rest.endIndex
                value = rest[..<end]
                rest = rest[end...]
            }
            fields[key] = value.trimmingCharacters(in: .whitespaces)
        }
        guard let realm = fields["realm"], let nonce = fields["nonce"] else { return nil }
        self.realm = realm
        self.nonce = nonce
        self.qop = fields["qop"].flatMap { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.contains("auth") ? "auth" : nil }
        self.opaque = fields["opaque"]
    }

    public func authorization(method: String, uri: String, username: String, password: String,
                              cnonce: String = Data((0..<8).map { _ in UInt8.random(in: 0...255) }).hexString, nc: String = "00000001") -> String {
        func md5(_ s: String) -> String { Data(Insecure.MD5.hash(data: Data(s.utf8))).hexString }
        let ha1 = md5("\(username):\(realm):\(password)")
        let ha2 = md5("\(method):\(uri)")
        var parts = ["username=\"\(username)\"", "realm=\"\(realm)\"", "nonce=\"\(nonce)\"", "uri=\"\(uri)\""]
        if let qop {
            parts += ["qop=\(qop)", "nc=\(nc)", "cnonce=\"\(cnonce)\"",
                      "response=\"\(md5("\(ha1):\(nonce):\(nc):\(cnonce):\(qop):\(ha2)"))\""]
        } else {
            parts.append("response=\"\(md5("\(ha1):\(nonce):\(ha2)"))\"")
        }
        if let opaque { parts.append("opaque=\"\(opaque)\"") }
        parts.append("algorithm=MD5")
        return "Digest " + parts.joined(separator: ", ")
    }
}
