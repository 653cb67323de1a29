import Foundation

// Where a person is reached outside the app, and how they prove it is theirs before anything is
// sent there (issue 20: "recipient addresses and chat links verified before use"). Two ways:
// a code sent *to* the address, which the person types back in the app (e-mail); or a code the
// app shows, which the person sends *from* the chat to the bot (Telegram, Zalo), which tells us
// the chat. Web Push subscriptions come from the person's own browser and need no code.

public enum AddressRules {
    /// How a channel's address is proven.
    public enum Proof: Sendable, Equatable {
        /// A code is sent to the address the person typed; they type it back.
        case codeToAddress
        /// The app shows a code; the person sends it to the bot from the chat to be linked.
        case codeFromChat
        /// The browser hands over its subscription after the person allowed notifications.
        case browser
    }

    public static func proof(_ channel: NotificationChannel) -> Proof? {
        switch channel {
        case .inbox: nil
        case .email: .codeToAddress
        case .telegram, .zalo: .codeFromChat
        case .webPush: .browser
        }
    }

    /// A code lives this long, and may be tried this many times, before a new one is needed.
    public static let codeLifetime: TimeInterval = 15 * 60
    public static let codeTries = 5
    /// Addresses a person may keep per channel (several phones for Web Push; a few for the rest).
    public static let perChannel = 5

    /// The address as it is stored, or nil when it cannot be one of this channel's.
    /// - e-mail: one address, lowercased, with a dot in the domain and nothing a header could carry;
    /// - Telegram: a chat id (negative for groups); Zalo: the follower's user id (digits);
    /// - Web Push: the subscription's `https` endpoint (its keys are kept beside it).
    public static func normalise(_ raw: String, for channel: NotificationChannel) -> String? {
        let text = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty, text.count <= 512 else { return nil }
        switch channel {
        case .inbox: return nil
        case .email:
            let lower = text.lowercased()
            let parts = lower.split(separator: "@", omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty, parts[0].count <= 64 else { return nil }
            let allowedLocal = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyz0123456789.!#$%&'*+/=?^_`{|}~-")
            let allowedDomain = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyz0123456789.-")
            guard parts[0].unicodeScalars.allSatisfy(allowedLocal.contains),
                  !parts[0].hasPrefix("."), !parts[0].hasSuffix("."), !parts[0].contains(".."),
                  parts[1].unicodeScalars.allSatisfy(allowedDomain.contains),
                  parts[1].contains("."), !parts[1].hasPrefix("."), !parts[1].hasSuffix("."), !parts[1].contains(".."),
                  !parts[1].hasPrefix("-")
            else { return nil }
            return lower
        case .telegram:
            guard let id = Int64(text), id != 0 else { return nil }
            return String(id)
        case .zalo:
            guard text.count <= 32, text.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
            return text
        case .webPush:
            guard let url = URL(string: text), ["https", "http"].contains(url.scheme ?? ""), url.host != nil else { return nil }
            return text
        }
    }

    /// The browsers' push services: a subscription's endpoint must be at one of them (or at a
    /// prefix the configuration adds), so that no one makes the server post to an address of
    /// their choosing inside the network.
    public static let pushServices = ["https://fcm.googleapis.com/", "https://updates.push.services.mozilla.com/",
                                      "https://web.push.apple.com/", "https://*.notify.windows.com/"]

    public static func isPushService(_ endpoint: String, extra: [String] = []) -> Bool {
        guard let url = URL(string: endpoint), let host = url.host?.lowercased(), let scheme = url.scheme?.lowercased() else { return false }
        return (pushServices + extra).contains { prefix in
            guard let allowed = URL(string: prefix.replacingOccurrences(of: "*.", with: "wildcard.")), let allowedHost = allowed.host?.lowercased(),
                  allowed.scheme?.lowercased() == scheme, allowed.port == url.port else { return false }
            let hostMatches = prefix.contains("://*.") ? host.hasSuffix(String(allowedHost.dropFirst("wildcard".count))) : host == allowedHost
            return hostMatches && url.path.hasPrefix(allowed.path)
        }
    }

    /// A code to type back: six digits, easy to read out from a message.
    public static func typedCode<G: RandomNumberGenerator>(using g: inout G) -> String {
        String(format: "%06d", Int.random(in: 0..<1_000_000, using: &g))
    }

    /// A code to send to a bot: eight letters and digits without look-alikes, also valid in a
    /// Telegram `start` link (A–Z, a–z, 0–9, _ and -).
    public static func chatCode<G: RandomNumberGenerator>(using g: inout G) -> String {
        let alphabet = Array("ABCDEFGHJKLMNPQRSTUVWXYZ23456789")
        return String((0..<8).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &g)] })
    }

    /// The code in what a person sent the bot: `/start CODE` (Telegram's link), or the code alone,
    /// in any case and with spaces around it.
    public static func code(inChatMessage text: String) -> String? {
        var words = text.split(whereSeparator: \.isWhitespace).map(String.init)
        if let first = words.first, first.lowercased().hasPrefix("/start") { words.removeFirst() }
        guard words.count == 1 else { return nil }
        let code = words[0].uppercased()
        guard code.count == 8, code.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else { return nil }
        return code
    }
}

/// Where one delivery goes: a confirmed address of the person on the delivery's channel.
public struct DeliveryTarget: Sendable, Equatable {
    public var address: String
    /// A Web Push subscription's keys as the browser gave them (JSON with `p256dh` and `auth`).
    public var keys: String

    public init(address: String, keys: String = "") {
        self.address = address
        self.keys = keys
    }
}

/// What a provider answered one attempt: kept in the delivery log word for word.
public enum DeliveryOutcome: Sendable, Equatable {
    case sent(answer: String)
    /// `permanent`: the provider refused for good (no such address, the bot blocked): not tried again.
    case failed(answer: String, permanent: Bool)
}
