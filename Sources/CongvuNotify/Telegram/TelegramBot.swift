import AsyncHTTPClient
import CongvuDomain
import Foundation
import NIOCore
import NIOHTTP1

/// A Telegram bot (https://core.telegram.org/bots/api): sends plain-text messages to the chats
/// people linked, and reads what people write to it, which is how a chat is linked (`/start CODE`).
public struct TelegramBot: NotificationSender {
    public let channel = NotificationChannel.telegram
    let token: String
    /// `https://api.telegram.org`, or a fake on loopback in tests.
    let api: String
    let client: HTTPClient
    /// How long one message may take; an API that cannot be reached is retried by the client
    /// until then, and the delivery later by the outbox.
    let timeout: TimeAmount

    public init(token: String, api: String = "https://api.telegram.org", client: HTTPClient = .shared, timeout: TimeAmount = .seconds(15)) {
        self.token = token
        self.api = api.hasSuffix("/") ? String(api.dropLast()) : api
        self.client = client
        self.timeout = timeout
    }

    /// Telegram's limit on one message's text.
    static let maxText = 4096

    public func send(_ message: OutgoingMessage, to target: DeliveryTarget) async -> DeliveryOutcome {
        guard let chat = Int64(target.address) else { return .failed(answer: "not a Telegram chat id: \(target.address)", permanent: true) }
        return await say(String(message.text.prefix(Self.maxText)), to: chat)
    }

    /// Sends `text` to `chat`; whatever Telegram answers becomes the outcome.
    public func say(_ text: String, to chat: Int64) async -> DeliveryOutcome {
        struct Body: Encodable {
            var chat_id: Int64
            var text: String
            var link_preview_options = ["is_disabled": true]
        }
        do {
            let (status, answer) = try await call("sendMessage", Body(chat_id: chat, text: text), timeout: timeout)
            if status == 200, answer.ok { return .sent(answer: "message_id \(answer.result?.messageID.map(String.init) ?? "?")") }
            let said = "\(status) \(answer.description ?? "")"
            // 400 (no such chat) and 403 (the bot was blocked) will not change by waiting; 429 and
            // 5xx will; 401 is our token, mended by the office, after which the rest go out.
            return .failed(answer: said, permanent: status == 400 || status == 403)
        } catch {
            return .failed(answer: "telegram: \(error)", permanent: false)
        }
    }

    /// One message a person wrote to the bot.
    public struct Incoming: Sendable, Equatable {
        public var updateID: Int64
        public var chat: Int64
        public var text: String
    }

    /// Waits up to `timeout` seconds for what people wrote since `offset` (long polling). Asking
    /// with a later offset confirms the earlier ones to Telegram.
    public func updates(offset: Int64, timeout: Int) async throws -> [Incoming] {
        struct Body: Encodable {
            var offset: Int64
            var timeout: Int
            var allowed_updates = ["message"]
        }
        let (status, answer) = try await call("getUpdates", Body(offset: offset, timeout: timeout), timeout: .seconds(Int64(timeout) + 15))
        guard status == 200, answer.ok else { throw TelegramError(status: status, description: answer.description ?? "") }
        return (answer.updates ?? []).map { u in Incoming(updateID: u.updateID, chat: u.message?.chat.id ?? 0, text: u.message?.text ?? "") }
    }

    struct Answer: Decodable {
        var ok: Bool
        var description: String?
        var result: SentMessage?
        var updates: [Update]?

        struct SentMessage: Decodable {
            var messageID: Int64?
            enum CodingKeys: String, CodingKey { case messageID = "message_id" }
        }
        struct Update: Decodable {
            var updateID: Int64
            var message: Message?
            enum CodingKeys: String, CodingKey { case updateID = "update_id", message }
        }
        struct Message: Decodable {
            var chat: Chat
            var text: String?
        }
        struct Chat: Decodable { var id: Int64 }

        enum CodingKeys: String, CodingKey { case ok, description, result }

        init(ok: Bool, description: String?) {
            self.ok = ok
            self.description = description
        }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            ok = try c.decode(Bool.self, forKey: .ok)
            description = try c.decodeIfPresent(String.self, forKey: .description)
            // `result` is a message for sendMessage and a list of updates for getUpdates.
            result = try? c.decodeIfPresent(SentMessage.self, forKey: .result)
            updates = try? c.decodeIfPresent([Update].self, forKey: .result)
        }
    }

    func call(_ method: String, _ body: some Encodable, timeout: TimeAmount) async throws -> (Int, Answer) {
        var request = HTTPClientRequest(url: "\(api)/bot\(token)/\(method)")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: try JSONEncoder().encode(body)))
        let response = try await client.execute(request, timeout: timeout)
        let bytes = try await response.body.collect(upTo: 4 << 20)
        let data = Data(bytes.readableBytesView)
        let answer = (try? JSONDecoder().decode(Answer.self, from: data))
            ?? Answer(ok: false, description: "unreadable answer: \(String(decoding: data.prefix(200), as: UTF8.self))")
        return (Int(response.status.code), answer)
    }
}

public struct TelegramError: Error, CustomStringConvertible {
    public let status: Int
    public let description: String
}
