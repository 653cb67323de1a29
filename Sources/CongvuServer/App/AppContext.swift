import CongvuDomain
import CongvuStore
import Foundation
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
    public var responseEncoder: AppJSONEncoder { AppJSONEncoder() }

    /// How every JSON answer is written: snake_case keys, sorted, slashes as they are. A value whose
    /// keys are declared in snake_case already (`SnakeCaseKeyed`) skips Foundation's conversion of
    /// every key, which cost more than the rest of encoding a board of 155 tasks (perf under wrk, issue 19).
    static func jsonEncoder(for value: Any? = nil) -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = value is any SnakeCaseKeyed ? .useDefaultKeys : .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    /// Imports carry whole CSV files.
    public var maxUploadSize: Int { 16 * 1024 * 1024 }
}

/// An answer whose coding keys, and those of everything it holds, are written in snake_case: encoded
/// as declared (`JSONKeysTests` checks each against the converting encoder).
protocol SnakeCaseKeyed: Encodable {}

/// The one JSON writer of answers (`AppRequestContext.jsonEncoder(for:)`) as Hummingbird's response encoder.
public struct AppJSONEncoder: ResponseEncoder {
    public func encode(_ value: some Encodable, from request: Request, context: some RequestContext) throws -> Response {
        try AppRequestContext.jsonEncoder(for: value).encode(value, from: request, context: context)
    }
}

public enum AppLocale: String, Sendable, CaseIterable {
    case vi, en
}
