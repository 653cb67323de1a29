import AsyncHTTPClient
import CongvuDomain
import Crypto
import Foundation
import NIOCore
import NIOHTTP1

/// Message encryption for Web Push (RFC 8291): the payload is encrypted to the subscription's
/// key so that the push service (Google's, Mozilla's, Apple's) carries it without reading it.
/// One aes128gcm record (RFC 8188): salt, record size, the server's ephemeral public key, then
/// the ciphertext of the payload and its delimiter.
public enum WebPushEncryption {
    /// What one record may carry: 4096 bytes less the tag and the delimiter.
    public static let maxPayload = 4096 - 16 - 1

    public static func encrypt(_ payload: Data, subscriberKey: Data, authSecret: Data,
                               serverKey: P256.KeyAgreement.PrivateKey = P256.KeyAgreement.PrivateKey(),
                               salt: Data = Data((0..<16).map { _ in UInt8.random(in: 0...255) })) throws -> Data {
        guard payload.count <= maxPayload else { throw WebPushError.payloadTooLarge }
        guard authSecret.count == 16, salt.count == 16 else { throw WebPushError.badSubscription }
        let uaPublic: P256.KeyAgreement.PublicKey
        do { uaPublic = try P256.KeyAgreement.PublicKey(x963Representation: subscriberKey) } catch { throw WebPushError.badSubscription }
        let asPublic = serverKey.publicKey.x963Representation
        let shared = try serverKey.sharedSecretFromKeyAgreement(with: uaPublic).withUnsafeBytes { Data($0) }
        // RFC 8291 section 3.4: the key derivation, HKDF-SHA-256 written out as its HMACs.
        let prkKey = hmac(key: authSecret, shared)
        let ikm = hmac(key: prkKey, Data("WebPush: info".utf8) + [0] + subscriberKey + asPublic + [1])
        let prk = hmac(key: salt, ikm)
        let cek = hmac(key: prk, Data("Content-Encoding: aes128gcm".utf8) + [0, 1]).prefix(16)
        let nonce = hmac(key: prk, Data("Content-Encoding: nonce".utf8) + [0, 1]).prefix(12)
        // A single record: the payload and the last-record delimiter 0x02, no padding.
        let sealed = try AES.GCM.seal(payload + [2], using: SymmetricKey(data: cek), nonce: try AES.GCM.Nonce(data: nonce))
        var body = salt
        body.append(contentsOf: [0x00, 0x00, 0x10, 0x00])  // record size 4096
        body.append(UInt8(asPublic.count))
        body.append(asPublic)
        body.append(sealed.ciphertext)
        body.append(sealed.tag)
        return body
    }

    static func hmac(key: Data, _ data: Data) -> Data {
        Data(HMAC<SHA256>.authenticationCode(for: data, using: SymmetricKey(data: key)))
    }
}

public enum WebPushError: Error, Equatable {
    case payloadTooLarge
    case badSubscription
}

/// Voluntary Application Server Identification (RFC 8292): the server signs a short token for
/// each push service, so a subscription made for this server's key works only for this server.
public struct VAPID: Sendable {
    let key: P256.Signing.PrivateKey
    /// Who runs the server, for the push service's operators: `mailto:` or an https URL.
    let subject: String

    public init(key: P256.Signing.PrivateKey, subject: String) {
        self.key = key
        self.subject = subject
    }

    /// A new key's private scalar, to keep sealed (base64url).
    public static func newKey() -> String { Base64URL.encode(P256.Signing.PrivateKey().rawRepresentation) }

    public init(privateKey: String, subject: String) throws {
        guard let raw = Base64URL.decode(privateKey) else { throw WebPushError.badSubscription }
        self.init(key: try P256.Signing.PrivateKey(rawRepresentation: raw), subject: subject)
    }

    /// The key browsers subscribe with (`applicationServerKey`): the uncompressed point, base64url.
    public var publicKey: String { Base64URL.encode(key.publicKey.x963Representation) }

    /// `Authorization: vapid t=…, k=…` for a push to `endpoint`, valid twelve hours.
    public func authorization(for endpoint: URL, now: Date = Date()) throws -> String {
        guard let scheme = endpoint.scheme, let host = endpoint.host else { throw WebPushError.badSubscription }
        let audience = "\(scheme)://\(host)" + (endpoint.port.map { ":\($0)" } ?? "")
        let header = Base64URL.encode(Data(#"{"typ":"JWT","alg":"ES256"}"#.utf8))
        let claims: [String: Any] = ["aud": audience, "exp": Int(now.timeIntervalSince1970) + 12 * 3600, "sub": subject]
        let body = Base64URL.encode(try JSONSerialization.data(withJSONObject: claims, options: [.sortedKeys, .withoutEscapingSlashes]))
        let signed = "\(header).\(body)"
        let signature = try key.signature(for: Data(signed.utf8)).rawRepresentation
        return "vapid t=\(signed).\(Base64URL.encode(signature)), k=\(publicKey)"
    }
}

public enum Base64URL {
    public static func encode(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    public static func decode(_ text: String) -> Data? {
        var s = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        s += String(repeating: "=", count: (4 - s.count % 4) % 4)
        return Data(base64Encoded: s)
    }
}

/// Sends to phone and desktop browsers through their push service (RFC 8030), encrypted
/// (RFC 8291) and signed (RFC 8292). The notification's `Topic` is the delivery's idempotency
/// key: a retry replaces a copy the push service still holds instead of showing twice.
public struct WebPushSender: NotificationSender {
    public let channel = NotificationChannel.webPush
    let vapid: VAPID
    let client: HTTPClient
    let timeout: TimeAmount

    public init(vapid: VAPID, client: HTTPClient = .shared, timeout: TimeAmount = .seconds(15)) {
        self.vapid = vapid
        self.client = client
        self.timeout = timeout
    }

    /// What the service worker shows (`sw.js`): title, body, the page to open, and the tag that
    /// keeps one notification per delivery on the phone.
    struct Payload: Encodable {
        var title: String
        var body: String
        var url: String
        var tag: String
    }

    /// The subscription's keys as the browser gave them (`PushSubscription.toJSON().keys`).
    struct Keys: Decodable {
        var p256dh: String
        var auth: String
    }

    public func send(_ message: OutgoingMessage, to target: DeliveryTarget) async -> DeliveryOutcome {
        guard let endpoint = URL(string: target.address),
              let keys = try? JSONDecoder().decode(Keys.self, from: Data(target.keys.utf8)),
              let p256dh = Base64URL.decode(keys.p256dh), let auth = Base64URL.decode(keys.auth) else {
            return .failed(answer: "not a push subscription", permanent: true)
        }
        do {
            var payload = Payload(title: message.subject, body: message.text, url: message.link, tag: message.idempotencyKey)
            var json = try JSONEncoder().encode(payload)
            if json.count > 3000 {
                payload.body = String(payload.body.prefix(1000))
                json = try JSONEncoder().encode(payload)
            }
            let body = try WebPushEncryption.encrypt(json, subscriberKey: p256dh, authSecret: auth)
            var request = HTTPClientRequest(url: target.address)
            request.method = .POST
            request.headers.add(name: "Content-Encoding", value: "aes128gcm")
            request.headers.add(name: "Content-Type", value: "application/octet-stream")
            request.headers.add(name: "TTL", value: "86400")
            request.headers.add(name: "Urgency", value: "high")
            request.headers.add(name: "Topic", value: String(message.idempotencyKey.filter { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }.suffix(32)))
            request.headers.add(name: "Authorization", value: try vapid.authorization(for: endpoint))
            request.body = .bytes(ByteBuffer(bytes: body))
            let response = try await client.execute(request, timeout: timeout)
            let said = String(buffer: try await response.body.collect(upTo: 64 * 1024)).prefix(300)
            let status = Int(response.status.code)
            if (200..<300).contains(status) {
                return .sent(answer: "\(status) \(response.headers.first(name: "Location") ?? "")".trimmingCharacters(in: .whitespaces))
            }
            // 404 and 410: the subscription is gone (the browser unsubscribed); 400, 403 and 413:
            // the request itself is refused. 429 and 5xx pass.
            return .failed(answer: "\(status) \(said)".trimmingCharacters(in: .whitespaces), permanent: [400, 403, 404, 410, 413].contains(status))
        } catch let e as WebPushError {
            return .failed(answer: "web push: \(e)", permanent: true)
        } catch {
            return .failed(answer: "web push: \(error)", permanent: false)
        }
    }
}
