import CongvuDomain
import CongvuStore
import Foundation
import Synchronization
import Hummingbird
import HummingbirdWebSocket
import NIOCore

/// What each request carries through the middleware to the handlers.
public struct AppRequestContext: RequestContext, RemoteAddressRequestContext, WebSocketRequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Set when a camera socket upgrades.
    public let webSocket = WebSocketHandlerReference<AppRequestContext>()
    /// The signed-in account, once the session (or API token) is checked.
    public var principal: Principal?
    public var session: Session?
    public var locale: AppLocale = .vi
    /// The path and query of this request, to come back to after switching language.
    public var requestPath = "/"
    public let remoteAddress: SocketAddress?
    /// The client's address as `ClientAddressMiddleware` resolved it (proxies the operator trusts
    /// taken into account); the socket's peer until then.
    var resolvedClientAddress: String?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress
    }

    /// The API answers in snake_case JSON.
    public var responseEncoder: JSONEncoder { Self.jsonEncoder() }

    /// How every JSON answer is written: snake_case keys, sorted, slashes as they are.
    static func jsonEncoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .custom(SnakeCaseKeys.key)
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    /// Imports carry whole CSV files.
    public var maxUploadSize: Int { 16 * 1024 * 1024 }
}

/// snake_case keys for JSON answers, exactly as Foundation's `convertToSnakeCase` writes them, each
/// name converted once: converting every key of every object took more time than the rest of
/// encoding a board of 155 tasks (measured with perf under wrk, issue 19).
enum SnakeCaseKeys {
    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    /// Names seen so far (field names and dictionary keys: bounded, so a map of user-chosen keys cannot grow it without end).
    private static let known = Mutex<[String: String]>([:])
    private static let limit = 4096

    @Sendable static func key(_ path: [any CodingKey]) -> any CodingKey {
        guard let last = path.last else { return Key(stringValue: "") }
        let name = last.stringValue
        if let hit = known.withLock({ $0[name] }) { return Key(stringValue: hit) }
        let converted = foundation(name)
        known.withLock { if $0.count < limit { $0[name] = converted } }
        return Key(stringValue: converted)
    }

    /// Foundation's own conversion of one name: an object with that one key, encoded with its strategy.
    static func foundation(_ name: String) -> String {
        struct One: Encodable {
            var name: String
            func encode(to encoder: any Encoder) throws {
                var c = encoder.container(keyedBy: Key.self)
                try c.encode(0, forKey: Key(stringValue: name))
            }
        }
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        guard let data = try? encoder.encode(One(name: name)),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Int], let converted = object.keys.first else { return name }
        return converted
    }
}

public enum AppLocale: String, Sendable, CaseIterable {
    case vi, en
}
