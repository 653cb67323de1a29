import AsyncHTTPClient
import CongvuDomain
import Crypto
import Foundation
import NIOCore
import NIOHTTP1

/// Where the OA's access token comes from: the server keeps it (sealed, in the database) and
/// renews it before it expires, one node at a time. `stale`: the token the OA just refused, so a
/// new one is needed even if the clock says it is still valid.
public protocol ZaloTokenSource: Sendable {
    func accessToken(stale: String?) async throws -> String
}

/// A Zalo Official Account (developers.zalo.me, OA API v3): messages to followers who linked
/// their Zalo by sending their code to the OA, as customer-service text or, where the OA must use
/// them, transaction templates with a button to the page; access tokens renewed with the
/// single-use refresh token; the webhook's events checked by their signature.
public struct ZaloOA: NotificationSender {
    public let channel = NotificationChannel.zalo
    /// `https://openapi.zalo.me`, or a fake on loopback in tests.
    let api: String
    /// Send transaction templates (header, text, a button to the page) instead of plain text.
    let transaction: Bool
    /// The template's button, in the recipients' language (from the server's catalogs).
    let button: String
    let tokens: any ZaloTokenSource
    let client: HTTPClient
    let timeout: TimeAmount

    public init(api: String = "https://openapi.zalo.me", transaction: Bool = false, button: String = "", tokens: any ZaloTokenSource, client: HTTPClient = .shared, timeout: TimeAmount = .seconds(15)) {
        self.api = api.hasSuffix("/") ? String(api.dropLast()) : api
        self.transaction = transaction
        self.button = button
        self.tokens = tokens
        self.client = client
        self.timeout = timeout
    }

    /// The OA's limit on a text message.
    static let maxText = 2000

    /// Errors the OA documents that waiting will not mend: the person does not follow the OA (or
    /// left it), has not written to it within the window the OA may answer in, or the request is wrong.
    static let permanentErrors: Set<Int> = [-201, -213, -230, -211]
    /// The access token is invalid or expired: renewed once, and the message sent again.
    static let tokenErrors: Set<Int> = [-216, -124]

    public func send(_ message: OutgoingMessage, to target: DeliveryTarget) async -> DeliveryOutcome {
        guard AddressRules.normalise(target.address, for: .zalo) != nil else {
            return .failed(answer: "not a Zalo follower id: \(target.address)", permanent: true)
        }
        let body: [String: Any]
        if transaction {
            body = ["recipient": ["user_id": target.address],
                    "message": ["attachment": ["type": "template", "payload": [
                        "template_type": "transaction_event", "language": "VI",
                        "elements": [["type": "header", "content": String(message.subject.prefix(100)), "align": "left"],
                                     ["type": "text", "content": String(message.text.prefix(Self.maxText - 200)), "align": "left"]],
                        "buttons": [["title": button, "type": "oa.open.url", "payload": ["url": message.link]]],
                    ] as [String: Any]]]]
        } else {
            body = ["recipient": ["user_id": target.address], "message": ["text": String(message.text.prefix(Self.maxText))]]
        }
        return await post(transaction ? "/v3.0/oa/message/transaction" : "/v3.0/oa/message/cs", body)
    }

    /// Sends `text` to a follower as a customer-service message (the answer to what they just wrote).
    public func say(_ text: String, to userID: String) async -> DeliveryOutcome {
        await post("/v3.0/oa/message/cs", ["recipient": ["user_id": userID], "message": ["text": String(text.prefix(Self.maxText))]])
    }

    func post(_ path: String, _ body: [String: Any]) async -> DeliveryOutcome {
        do {
            let data = try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])
            var token = try await tokens.accessToken(stale: nil)
            for attempt in 0..<2 {
                var request = HTTPClientRequest(url: api + path)
                request.method = .POST
                request.headers.add(name: "Content-Type", value: "application/json")
                request.headers.add(name: "access_token", value: token)
                request.body = .bytes(ByteBuffer(bytes: data))
                let response = try await client.execute(request, timeout: timeout)
                let answer = try await Self.answer(response)
                let error = answer["error"] as? Int ?? (Int(response.status.code) == 200 ? -1 : -Int(response.status.code))
                if error == 0 {
                    let id = (answer["data"] as? [String: Any])?["message_id"] as? String ?? "?"
                    return .sent(answer: "message_id \(id)")
                }
                let said = "\(error) \(answer["message"] as? String ?? "")"
                if Self.tokenErrors.contains(error) && attempt == 0 {
                    token = try await tokens.accessToken(stale: token)
                    continue
                }
                return .failed(answer: said, permanent: Self.permanentErrors.contains(error))
            }
            return .failed(answer: "zalo: the renewed token was refused too", permanent: false)
        } catch {
            return .failed(answer: "zalo: \(error)", permanent: false)
        }
    }

    static func answer(_ response: HTTPClientResponse) async throws -> [String: Any] {
        let bytes = try await response.body.collect(upTo: 1 << 20)
        let data = Data(bytes.readableBytesView)
        return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
            ?? ["message": "unreadable answer \(response.status.code): \(String(decoding: data.prefix(200), as: UTF8.self))"]
    }

    // MARK: the webhook

    /// What the OA posts to the webhook that linking needs: who wrote and what.
    public struct Event: Sendable, Equatable {
        public var name: String
        public var senderID: String
        public var text: String
        public var timestamp: String
    }

    /// The event in a webhook post whose `X-ZEvent-Signature` is `mac=` SHA-256 of the app id, the
    /// body as sent, its `timestamp` and the OA's secret key; nil when the signature is wrong or
    /// the body is not an event.
    public static func verifiedEvent(body: Data, signature: String, appID: String, oaSecretKey: String) -> Event? {
        guard let json = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any],
              let name = json["event_name"] as? String else { return nil }
        let timestamp = (json["timestamp"] as? String) ?? (json["timestamp"] as? NSNumber)?.stringValue ?? ""
        let expected = Self.signature(appID: appID, body: body, timestamp: timestamp, oaSecretKey: oaSecretKey)
        let given = signature.hasPrefix("mac=") ? String(signature.dropFirst(4)) : signature
        guard Data(given.lowercased().utf8).count == Data(expected.utf8).count,
              zip(given.lowercased().utf8, expected.utf8).reduce(0, { $0 | ($1.0 ^ $1.1) }) == 0 else { return nil }
        let sender = (json["sender"] as? [String: Any])?["id"]
        let text = ((json["message"] as? [String: Any])?["text"] as? String) ?? ""
        return Event(name: name, senderID: (sender as? String) ?? (sender as? NSNumber)?.stringValue ?? "", text: text, timestamp: timestamp)
    }

    public static func signature(appID: String, body: Data, timestamp: String, oaSecretKey: String) -> String {
        var bytes = Data(appID.utf8)
        bytes.append(body)
        bytes.append(Data(timestamp.utf8))
        bytes.append(Data(oaSecretKey.utf8))
        return SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
    }
}

/// The Zalo app authorised for the OA: it renews the OA's access token.
public struct ZaloApp: Sendable {
    let appID: String
    let appSecret: String
    /// `https://oauth.zaloapp.com`, or a fake on loopback in tests.
    let oauth: String
    let client: HTTPClient
    let timeout: TimeAmount

    public init(appID: String, appSecret: String, oauth: String = "https://oauth.zaloapp.com", client: HTTPClient = .shared,
                timeout: TimeAmount = .seconds(15)) {
        self.appID = appID
        self.appSecret = appSecret
        self.oauth = oauth.hasSuffix("/") ? String(oauth.dropLast()) : oauth
        self.client = client
        self.timeout = timeout
    }

    /// A renewed pair: the access token and the next refresh token (the one used is spent).
    public struct Tokens: Sendable, Equatable {
        public var accessToken: String
        public var refreshToken: String
        public var expiresIn: TimeInterval
    }

    /// Renews the access token with the single-use `refreshToken` (form post with the app's secret).
    public func refresh(_ refreshToken: String) async throws -> Tokens {
        var request = HTTPClientRequest(url: oauth + "/v4/oa/access_token")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.headers.add(name: "secret_key", value: appSecret)
        let form = [("refresh_token", refreshToken), ("app_id", appID), ("grant_type", "refresh_token")]
            .map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }.joined(separator: "&")
        request.body = .bytes(ByteBuffer(string: form))
        let response = try await client.execute(request, timeout: timeout)
        let answer = try await ZaloOA.answer(response)
        // `expires_in` comes as a string of seconds.
        guard let access = answer["access_token"] as? String, let next = answer["refresh_token"] as? String, !access.isEmpty, !next.isEmpty else {
            throw ZaloError(code: answer["error"] as? Int ?? Int(response.status.code),
                            message: answer["error_description"] as? String ?? answer["error_name"] as? String ?? answer["message"] as? String ?? "")
        }
        let expires = (answer["expires_in"] as? String).flatMap(TimeInterval.init) ?? (answer["expires_in"] as? Double) ?? 3600
        return Tokens(accessToken: access, refreshToken: next, expiresIn: expires)
    }

}

public struct ZaloError: Error, CustomStringConvertible, Sendable {
    public let code: Int
    public let message: String
    public init(code: Int, message: String) {
        self.code = code
        self.message = message
    }
    public var description: String { "zalo \(code) \(message)" }
}
