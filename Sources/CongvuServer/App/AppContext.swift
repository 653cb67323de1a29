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

    /// How every JSON answer is written: snake_case keys, sorted, slashes as they are.
    static func jsonEncoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    /// The one JSON writer of answers. A value whose keys are declared in snake_case already
    /// (`SnakeCaseKeyed`: the long lists) is streamed in its declared key order (`StreamingJSON`):
    /// Foundation's conversion of every key and its dictionary per object cost more than the rest of
    /// answering with a board of 155 tasks (perf under wrk, issue 19).
    static func json(_ value: some Encodable) throws -> Data {
        if value is any SnakeCaseKeyed, let data = try? StreamingJSON.encode(value) { return data }
        return try jsonEncoder().encode(value)
    }

    /// Imports carry whole CSV files.
    public var maxUploadSize: Int { 16 * 1024 * 1024 }
}

/// An answer whose coding keys, and those of everything it holds, are written in snake_case: encoded
/// as declared (`JSONKeysTests` checks each against the converting encoder).
protocol SnakeCaseKeyed: Encodable {}

/// The one JSON writer of answers (`AppRequestContext.json`) as Hummingbird's response encoder.
public struct AppJSONEncoder: ResponseEncoder {
    public func encode(_ value: some Encodable, from request: Request, context: some RequestContext) throws -> Response {
        Self.response(ByteBuffer(bytes: try AppRequestContext.json(value)))
    }

    /// A JSON answer from bytes already written (an answer kept in a cache, a board built once).
    public static func response(_ bytes: ByteBuffer) -> Response {
        Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8", .contentLength: String(bytes.readableBytes)],
                 body: .init(byteBuffer: bytes))
    }
}

public enum AppLocale: String, Sendable, CaseIterable {
    case vi, en
}
