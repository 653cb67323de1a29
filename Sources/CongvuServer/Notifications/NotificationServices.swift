import CongvuDomain
import CongvuNotify
import CongvuStore
import Foundation

/// The notifications feature (issue 20): the outbox and inbox, and the channels the
/// configuration names. A channel that is not configured is simply absent; the server starts
/// without any, and the inbox always works.
@dynamicMemberLookup
public struct NotificationServices: FeatureServices {
    public let shared: SharedServices
    public let store: NotificationStore
    /// The configured channels outside the app, by channel.
    let senders: [NotificationChannel: any NotificationSender]
    let telegram: TelegramBot?
    /// The Zalo OA, and the secret key its webhook's events are signed with.
    let zalo: ZaloOA?
    let zaloOASecret: String?
    /// The key browsers subscribe with, when Web Push is on.
    let vapid: VAPID?
    /// Each provider's rate, kept by waiting for a slot before each message.
    let pacers: ProviderPacers

    static func make(shared: SharedServices) async throws -> NotificationServices {
        var vapid: VAPID?
        if shared.config.webPush {
            let store = shared.notifications
            let key = try await store.channelState(.webPush, "vapid_key", orKeep: try shared.secrets.seal(VAPID.newKey()))
            let publicURL = shared.config.publicURL
            let host = URL(string: publicURL)?.host ?? "localhost"
            let subject = shared.config.webPushSubject ?? (publicURL.hasPrefix("https://") ? publicURL : "mailto:congvu@\(host)")
            guard let opened = try? shared.secrets.open(key) else { throw ConfigError(key: "web_push", value: "(the VAPID key was sealed with another secret key)") }
            vapid = try VAPID(privateKey: opened, subject: subject)
        }
        return try NotificationServices(shared: shared, vapid: vapid)
    }

    init(shared: SharedServices, vapid: VAPID?) throws {
        self.vapid = vapid
        pacers = ProviderPacers(rates: shared.config.notificationRates)
        self.shared = shared
        store = shared.notifications
        var senders: [NotificationChannel: any NotificationSender] = [:]
        let config = shared.config
        if let url = config.smtpURL {
            let settings: SMTPSettings
            do {
                settings = try SMTPSettings(url: try Self.open(url, "smtp_url", shared.secrets), trustRootsFile: config.smtpCAFile)
            } catch let e as SMTPSettingsError {
                // The URL holds the password: the error names the problem, never the value.
                throw ConfigError(key: "smtp_url", value: "(\(e.description))")
            }
            senders[.email] = try SMTPSender(settings: settings)
        }
        if let token = config.telegramBotToken {
            let bot = TelegramBot(token: try Self.open(token, "telegram_bot_token", shared.secrets), api: config.telegramAPIURL)
            senders[.telegram] = bot
            telegram = bot
        } else {
            telegram = nil
        }
        if let appID = config.zaloAppID, let appSecret = config.zaloAppSecret, let seed = config.zaloRefreshToken {
            let app = ZaloApp(appID: appID, appSecret: try Self.open(appSecret, "zalo_app_secret", shared.secrets), oauth: config.zaloOAuthURL)
            let tokens = ZaloTokens(store: store, secrets: shared.secrets, app: app, seed: try Self.open(seed, "zalo_refresh_token", shared.secrets))
            let oa = ZaloOA(api: config.zaloAPIURL, transaction: config.zaloTransaction, button: shared.catalogs.text("notification_open", .vi), tokens: tokens)
            senders[.zalo] = oa
            zalo = oa
            zaloOASecret = try config.zaloOASecret.map { try Self.open($0, "zalo_oa_secret", shared.secrets) }
        } else {
            zalo = nil
            zaloOASecret = nil
        }
        if let vapid { senders[.webPush] = WebPushSender(vapid: vapid) }
        self.senders = senders
    }

    /// A channel secret as configured: plain, or `sealed:…` (sealed with this server's secret key
    /// by `congvu secret seal`, so the config file holds no password in clear).
    static func open(_ value: String, _ key: String, _ secrets: SecretBox) throws -> String {
        guard value.hasPrefix("sealed:") else { return value }
        guard let plain = try? secrets.open(String(value.dropFirst("sealed:".count))) else {
            throw ConfigError(key: key, value: "(sealed with another secret key)")
        }
        return plain
    }

    /// An attempt's answer that is Congvu's own reason, not a provider's words: kept as a key.
    static func ownAnswer(_ key: String) -> String { "congvu:" + key }

    /// An attempt's answer as the office reads it: a provider's words as they came, Congvu's own in the catalogs.
    func answer(_ stored: String, _ locale: AppLocale) -> String { Self.answer(stored, shared.catalogs, locale) }

    static func answer(_ stored: String, _ catalogs: Catalogs, _ locale: AppLocale) -> String {
        stored.hasPrefix("congvu:") ? catalogs.text("delivery_answer_" + stored.dropFirst("congvu:".count), locale) : stored
    }

    /// The channels people can link here, in the catalogs' order.
    var configured: [NotificationChannel] { NotificationChannel.allCases.filter { senders[$0] != nil } }

    /// A notification's message in `locale`: the kind's catalog text with its values in order; a
    /// day is kept as `YYYY-MM-DD` and shown as people write it (11/12/2026).
    func text(_ kind: NotificationKind, _ params: [String: String], _ locale: AppLocale) -> String {
        if kind.isDigest { return DigestText(catalogs: shared.catalogs, locale: locale).summary(kind, params) }
        return shared.catalogs.text("notification_" + kind.rawValue, locale, kind.fields.map { field in
            let value = params[field] ?? ""
            return Day(value).map(\.vietnamese) ?? value
        })
    }

    /// The page a notification links to, always under the configured public address.
    func link(_ path: String) -> String {
        let base = shared.config.publicURL.hasSuffix("/") ? String(shared.config.publicURL.dropLast()) : shared.config.publicURL
        return path.isEmpty ? base + "/notifications" : base + (path.hasPrefix("/") ? path : "/" + path)
    }

    /// One delivery as its channel sends it. Vietnamese: people have no language of their own yet,
    /// and the officials these go to read Vietnamese.
    func message(for delivery: ClaimedDelivery, locale: AppLocale = .vi) -> OutgoingMessage {
        if delivery.kind.isDigest { return digest(delivery, locale) }
        if delivery.kind.toCitizens { return citizens(delivery, locale) }
        let text = text(delivery.kind, delivery.params, locale)
        let link = link(delivery.link)
        let open = shared.catalogs.text("notification_open", locale)
        return OutgoingMessage(
            subject: shared.catalogs.text("notification_subject", locale, [String(text.prefix(120))]),
            text: "\(text)\n\(open): \(link)",
            html: "<p>\(XMLText.escape(text))</p><p><a href=\"\(XMLText.escape(link))\">\(XMLText.escape(open))</a></p>",
            link: link, idempotencyKey: delivery.idempotencyKey)
    }
}

extension NotificationServices {
    /// A message to a citizen, who has no account: its own subject, the whole text (an answer
    /// keeps its paragraphs), the public page it opens, and that nobody reads replies.
    func citizens(_ delivery: ClaimedDelivery, _ locale: AppLocale) -> OutgoingMessage {
        let values = delivery.kind.fields.map { delivery.params[$0] ?? "" }
        let text = shared.catalogs.text("notification_" + delivery.kind.rawValue, locale, values)
        let link = link(delivery.link)
        let open = shared.catalogs.text("notification_open_" + delivery.kind.rawValue, locale)
        let footer = shared.catalogs.text("notification_citizen_footer", locale)
        let paragraphs = text.components(separatedBy: "\n").map { "<p>\(XMLText.escape($0))</p>" }.joined()
        return OutgoingMessage(
            subject: shared.catalogs.text("notification_subject_" + delivery.kind.rawValue, locale, values),
            text: "\(text)\n\n\(open): \(link)\n\n\(footer)",
            html: "\(paragraphs)<p><a href=\"\(XMLText.escape(link))\">\(XMLText.escape(open))</a></p><p><small>\(XMLText.escape(footer))</small></p>",
            link: link, idempotencyKey: delivery.idempotencyKey)
    }

    /// A digest: its heading, then one line per figure with the page it opens.
    func digest(_ delivery: ClaimedDelivery, _ locale: AppLocale) -> OutgoingMessage {
        let words = DigestText(catalogs: shared.catalogs, locale: locale)
        let heading = words.heading(delivery.kind, delivery.params)
        var lines = words.lines(delivery.params).map { (text: $0.0, link: link($0.1)) }
        if lines.isEmpty { lines = [(shared.catalogs.text("digest_nothing", locale), link("/"))] }
        return OutgoingMessage(
            subject: shared.catalogs.text("notification_subject", locale, [heading]),
            text: ([heading] + lines.map { "• \($0.text): \($0.link)" }).joined(separator: "\n"),
            html: "<p><strong>\(XMLText.escape(heading))</strong></p><ul>"
                + lines.map { "<li><a href=\"\(XMLText.escape($0.link))\">\(XMLText.escape($0.text))</a></li>" }.joined() + "</ul>",
            link: link("/"), idempotencyKey: delivery.idempotencyKey)
    }
}

/// The node's pacing toward each provider (`Pacer`): a message waits for its channel's next slot.
/// Per node: several nodes each keep the rate, so set it to the provider's limit divided by the nodes.
actor ProviderPacers {
    var pacers: [NotificationChannel: Pacer]

    init(rates: [NotificationChannel: Double]) {
        pacers = rates.mapValues { Pacer(perSecond: $0, burst: max(1, Int($0 / 5))) }
    }

    func slot(_ channel: NotificationChannel, at now: Date = Date()) -> Date? {
        pacers[channel]?.slot(at: now)
    }

    /// Waits until a message on `channel` may go.
    nonisolated func wait(_ channel: NotificationChannel) async {
        guard let at = await slot(channel) else { return }
        let delay = at.timeIntervalSinceNow
        if delay > 0 { try? await Task.sleep(for: .seconds(delay)) }
    }
}
