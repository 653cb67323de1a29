import CongvuDomain
import Foundation

/// One message as a channel sends it: already in the recipient's language, with the link to the
/// page under the configured public address. Made by the server; the channels only carry it.
public struct OutgoingMessage: Sendable, Equatable {
    /// A short line: an e-mail's subject, a push notification's title.
    public var subject: String
    /// The message in plain text, the link on its own line.
    public var text: String
    /// The same as HTML, for e-mail (nil: plain text only).
    public var html: String?
    /// The page the message is about, absolute (the configured public URL and its path).
    public var link: String
    /// The same for every attempt of one delivery, so a provider that takes one keeps a repeat
    /// from reaching the person twice (an e-mail's Message-ID, a push's topic).
    public var idempotencyKey: String

    public init(subject: String, text: String, html: String? = nil, link: String, idempotencyKey: String) {
        self.subject = subject
        self.text = text
        self.html = html
        self.link = link
        self.idempotencyKey = idempotencyKey
    }
}

/// A channel outside the app (issue 20). `send` never throws: whatever happens becomes the
/// outcome kept in the delivery log, transient (tried again) or permanent.
public protocol NotificationSender: Sendable {
    var channel: NotificationChannel { get }
    func send(_ message: OutgoingMessage, to target: DeliveryTarget) async -> DeliveryOutcome
}
