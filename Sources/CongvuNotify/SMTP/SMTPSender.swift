import CongvuDomain
import Foundation
import NIOCore
import NIOPosix
import NIOSSL

/// The mail server notifications go out through: the unit's or the province's.
/// Given as one URL: `smtp://USER:PASSWORD@HOST:587?from=ADDRESS&name=SENDER` (STARTTLS, the
/// default and required before the password is sent), `smtps://…:465` (TLS from the first byte),
/// or `smtp://HOST:25?security=none` for a relay on the same machine that takes no password.
public struct SMTPSettings: Sendable, Equatable {
    public enum Security: String, Sendable { case startTLS = "starttls", tls, none }

    public var host: String
    public var port: Int
    public var security: Security
    public var username: String?
    public var password: String?
    public var from: String
    public var fromName: String
    /// A PEM file of the certificate authorities to trust instead of the system's (a private CA).
    public var trustRootsFile: String?

    public init(url text: String, trustRootsFile: String? = nil) throws {
        guard let url = URLComponents(string: text), let scheme = url.scheme, ["smtp", "smtps"].contains(scheme),
              let host = url.host, !host.isEmpty else { throw SMTPSettingsError("not an smtp:// or smtps:// URL") }
        let query = Dictionary((url.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { $1 })
        self.host = host
        self.security = scheme == "smtps" ? .tls : try Security(rawValue: query["security"] ?? "starttls").orThrow(SMTPSettingsError("security is starttls or none"))
        self.port = url.port ?? (scheme == "smtps" ? 465 : 587)
        self.username = url.user?.removingPercentEncoding
        self.password = url.password?.removingPercentEncoding
        guard let from = query["from"], AddressRules.normalise(from, for: .email) != nil else { throw SMTPSettingsError("from= needs the sender's address") }
        self.from = from
        self.fromName = query["name"] ?? "Congvu"
        self.trustRootsFile = trustRootsFile
        if security == .none, username != nil { throw SMTPSettingsError("a password is never sent without TLS") }
    }
}

public struct SMTPSettingsError: Error, CustomStringConvertible {
    public let description: String
    init(_ d: String) { description = d }
}

extension Optional {
    func orThrow(_ error: @autoclosure () -> some Error) throws -> Wrapped {
        guard let self else { throw error() }
        return self
    }
}

/// Sends each message in its own SMTP session: EHLO, STARTTLS, EHLO again, AUTH, MAIL, RCPT, DATA.
/// A 5xx answer to the recipient or the data is permanent (the address does not exist, the message
/// is refused); anything else (4xx, a dropped connection, a timeout) is tried again later.
public struct SMTPSender: NotificationSender {
    public let channel = NotificationChannel.email
    let settings: SMTPSettings
    let tls: NIOSSLContext?
    let group: any EventLoopGroup
    let timeout: Duration

    public init(settings: SMTPSettings, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton, timeout: Duration = .seconds(30)) throws {
        self.settings = settings
        self.group = group
        self.timeout = timeout
        if settings.security == .none {
            tls = nil
        } else {
            var config = TLSConfiguration.makeClientConfiguration()
            if let roots = settings.trustRootsFile { config.trustRoots = .file(roots) }
            tls = try NIOSSLContext(configuration: config)
        }
    }

    public func send(_ message: OutgoingMessage, to target: DeliveryTarget) async -> DeliveryOutcome {
        do {
            let answer = try await deliver(message, to: target.address)
            return .sent(answer: answer)
        } catch let refused as SMTPRefused {
            return .failed(answer: refused.description, permanent: refused.code >= 500)
        } catch {
            return .failed(answer: "smtp: \(error)", permanent: false)
        }
    }

    func deliver(_ message: OutgoingMessage, to address: String) async throws -> String {
        let session = try await SMTPSession.connect(settings.host, settings.port, tls: settings.security == .tls ? tls : nil, group: group)
        let watchdog = Task { [timeout, channel = session.channel] in
            try await Task.sleep(for: timeout)
            channel.close(promise: nil)
        }
        defer {
            watchdog.cancel()
            session.close()
        }
        try await session.reply().expect(220)
        var features = try await session.command("EHLO \(Self.heloName)").expect(250).lines
        if settings.security == .startTLS, let tls {
            guard features.contains(where: { $0.uppercased().hasPrefix("STARTTLS") }) else {
                throw SMTPRefused(code: 454, text: "the server offers no STARTTLS; nothing is sent in clear")
            }
            try await session.command("STARTTLS").expect(220)
            try await session.startTLS(tls, host: settings.host)
            features = try await session.command("EHLO \(Self.heloName)").expect(250).lines
        }
        if let user = settings.username {
            let methods = features.first { $0.uppercased().hasPrefix("AUTH") }?.uppercased().split(separator: " ").map(String.init) ?? []
            if methods.contains("PLAIN") {
                let token = Data("\0\(user)\0\(settings.password ?? "")".utf8).base64EncodedString()
                try await session.command("AUTH PLAIN \(token)", secret: true).expect(235)
            } else if methods.contains("LOGIN") {
                try await session.command("AUTH LOGIN").expect(334)
                try await session.command(Data(user.utf8).base64EncodedString(), secret: true).expect(334)
                try await session.command(Data((settings.password ?? "").utf8).base64EncodedString(), secret: true).expect(235)
            } else {
                throw SMTPRefused(code: 454, text: "the server offers neither AUTH PLAIN nor AUTH LOGIN")
            }
        }
        try await session.command("MAIL FROM:<\(settings.from)>").expect(250)
        try await session.command("RCPT TO:<\(address)>").expect(250, 251)
        try await session.command("DATA").expect(354)
        let mail = MailMessage.render(from: settings.from, fromName: settings.fromName, to: address, message: message,
                                      messageIDDomain: settings.from.split(separator: "@").last.map(String.init) ?? "congvu")
        // Dot-stuffing (RFC 5321 4.5.2), then the end of data.
        let stuffed = mail.replacingOccurrences(of: "\r\n.", with: "\r\n..")
        let accepted = try await session.command(stuffed + ".", raw: true).expect(250)
        _ = try? await session.command("QUIT")
        return accepted.lines.joined(separator: " ")
    }

    static let heloName = ProcessInfo.processInfo.hostName.isEmpty ? "congvu" : ProcessInfo.processInfo.hostName
}

/// The server answered with a code other than the one expected.
struct SMTPRefused: Error, CustomStringConvertible {
    let code: Int
    let text: String
    var description: String { "\(code) \(text)" }
}

struct SMTPReply {
    var code: Int
    var lines: [String]

    @discardableResult
    func expect(_ codes: Int...) throws -> SMTPReply {
        guard codes.contains(code) else { throw SMTPRefused(code: code, text: lines.joined(separator: " ")) }
        return self
    }
}

/// One connection to the mail server, read as lines of replies.
final class SMTPSession {
    let channel: any NIOCore.Channel
    var lines: AsyncStream<String>.AsyncIterator

    init(channel: any NIOCore.Channel, lines: AsyncStream<String>) {
        self.channel = channel
        self.lines = lines.makeAsyncIterator()
    }

    /// The name the certificate must carry: nil for an address given as an IP (TLS names no IP
    /// addresses; the certificate's chain is still checked).
    static func serverName(_ host: String) -> String? {
        host.contains(":") || host.split(separator: ".").allSatisfy({ UInt8($0) != nil }) ? nil : host
    }

    static func connect(_ host: String, _ port: Int, tls: NIOSSLContext?, group: any EventLoopGroup) async throws -> SMTPSession {
        let (stream, continuation) = AsyncStream<String>.makeStream()
        let channel = try await ClientBootstrap(group: group)
            .connectTimeout(.seconds(10))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls { try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: tls, serverHostname: serverName(host))) }
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(LineDecoder()))
                    try channel.pipeline.syncOperations.addHandler(LineForwarder(continuation))
                }
            }
            .connect(host: host, port: port).get()
        return SMTPSession(channel: channel, lines: stream)
    }

    /// Puts TLS under the line reader, after the server said it is ready to start it.
    func startTLS(_ context: NIOSSLContext, host: String) async throws {
        try await channel.eventLoop.submit { [channel] in
            try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: context, serverHostname: Self.serverName(host)), position: .first)
        }.get()
    }

    func reply() async throws -> SMTPReply {
        var out: [String] = []
        while let line = await lines.next() {
            guard line.count >= 3, let code = Int(line.prefix(3)) else { throw SMTPRefused(code: 421, text: "unreadable reply: \(line.prefix(80))") }
            out.append(String(line.dropFirst(4)))
            if line.count == 3 || line[line.index(line.startIndex, offsetBy: 3)] == " " { return SMTPReply(code: code, lines: out) }
        }
        throw SMTPRefused(code: 421, text: "the connection closed")
    }

    /// Sends a command line (or, `raw`, a message body ending in its own dot) and reads the reply.
    func command(_ text: String, secret: Bool = false, raw: Bool = false) async throws -> SMTPReply {
        var buffer = channel.allocator.buffer(capacity: text.utf8.count + 2)
        buffer.writeString(text)
        buffer.writeString("\r\n")
        try await channel.writeAndFlush(buffer)
        return try await reply()
    }

    func close() {
        channel.close(promise: nil)
    }
}

/// Splits what the server sends into lines without their CRLF.
struct LineDecoder: ByteToMessageDecoder {
    typealias InboundOut = String

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let end = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) else {
            if buffer.readableBytes > 4096 { throw SMTPRefused(code: 421, text: "a reply line longer than 4096 bytes") }
            return .needMoreData
        }
        let length = end - buffer.readerIndex
        var line = buffer.readString(length: length) ?? ""
        buffer.moveReaderIndex(forwardBy: 1)
        if line.hasSuffix("\r") { line.removeLast() }
        context.fireChannelRead(NIOAny(line))
        return .continue
    }
}

final class LineForwarder: ChannelInboundHandler {
    typealias InboundIn = String
    let continuation: AsyncStream<String>.Continuation

    init(_ continuation: AsyncStream<String>.Continuation) { self.continuation = continuation }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        continuation.yield(unwrapInboundIn(data))
    }

    func channelInactive(context: ChannelHandlerContext) {
        continuation.finish()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        continuation.finish()
        context.close(promise: nil)
    }
}
