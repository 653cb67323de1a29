import CongvuDomain
import Foundation
import Logging

/// Every setting of the server. Precedence, highest first: command-line flags, `CONGVU_*`
/// environment variables (and `DATABASE_URL`), the config file, the defaults below.
public struct AppConfig: Sendable, Equatable {
    public var hostname = "127.0.0.1"
    /// This node's name among the installation's nodes (default: the machine's name).
    public var nodeName = ProcessInfo.processInfo.hostName.isEmpty ? "congvu" : ProcessInfo.processInfo.hostName
    /// What this node does: `web` (pages, API, terminals), `recorder` (runs the camera recorders), or both.
    public var nodeRoles = ["web", "recorder"]
    /// The site a recorder node records: the code of a unit (a commune's office) whose cameras and
    /// its descendants' it records; empty, every camera (the single machine).
    public var nodeSite = ""
    /// Where the other nodes reach this one (`host:port`) for live pictures and recordings held
    /// here; `hostname:port` when not set (set it when the server listens on 0.0.0.0).
    public var nodeAddress: String?
    public var port = 8080
    public var dataDirectory = "./data"
    public var databaseURL: String?
    /// Load the demo on start when the database is empty.
    public var demo = false
    /// Leaders and administrators must sign in with a one-time code as well as a password.
    public var requireTwoFactorForPrivileged = false
    /// Mark cookies `Secure` (set when served behind HTTPS; always so when `public_url` is https).
    public var secureCookies = false
    /// Reverse proxies whose `X-Forwarded-For` is believed (addresses or IPv4 ranges like `10.0.0.0/8`).
    public var trustedProxies: [String] = []
    /// A bearer token that opens `/metrics` from elsewhere than this machine (none: loopback only).
    public var metricsToken: String?
    /// New terminal serials admitted per address and hour (then refused and counted for the office).
    public var terminalFirstContactsPerHour = 10
    /// A kiosk punch queued while offline and sent later than this (hours after it was made) is
    /// held for the office rather than counted.
    public var kioskQueueHoldHours = 24
    public var bcryptCost = 12
    public var logLevel: Logger.Level = .info
    /// 64 hex digits; otherwise `secret.key` in the data directory.
    public var secretKey: String?
    /// Failed sign-ins within `throttleWindow` seconds: per account before new devices wait, and
    /// per address over all accounts (see `SignInThrottle`).
    public var maxFailuresPerAccount = 5
    public var maxFailuresPerAddress = 20
    public var throttleWindow: TimeInterval = 15 * 60
    /// Days a terminal's punch photo is kept.
    public var punchPhotoDays = 90
    /// The address citizens reach the server at: printed in the QR code of each receipt.
    public var publicURL = "http://127.0.0.1:8080"
    /// Public tracking requests allowed per address and minute (0: no limit).
    public var trackingPerMinute = 60
    /// Feedback a citizen may file per address and minute on the public form and Open311 (0: no limit).
    public var feedbackPerMinute = 5
    /// Responses about one official before their survey results are shown (to them and their heads).
    public var surveyOfficialMinimum = 10
    /// Seconds a public tracking answer is reused (0: every lookup reads the database).
    public var trackingCacheSeconds = 5
    /// The ffmpeg that records cameras (a name looked up on PATH, or a path).
    public var ffmpeg = "ffmpeg"
    /// Where camera segments go (default: `<data_dir>/recordings`).
    public var recordingsDirectory: String?
    /// Length of one recorded segment file, in seconds.
    public var segmentSeconds = 60
    /// Run the camera recorders (off in tests that only need the pages).
    public var cameras = true
    /// Days a camera's snapshot of a punch is kept (apart from the video's own retention).
    public var cameraSnapshotDays = 90
    /// Working days a person may be in a new post without approved written duties before being flagged.
    public var dutiesGraceDays = DutyRules.defaultGrace
    /// Working days an orphaned task may wait for its new lead before it is flagged to the level above.
    public var orphanEscalationDays = OrphanRules.defaultEscalation
    /// The Jitsi Meet server video meetings use (`https://meet.example.vn`), or none.
    public var meetingBaseURL: String?
    /// A private Jitsi's token authentication (its `app_id` and `app_secret`, the secret plain or
    /// sealed): each person who opens a meeting's page joins with a token of their own.
    public var meetingJWTAppID: String?
    public var meetingJWTSecret: String?
    /// Hours back an inspection visit's start may be set (a team records what it sees, not last week).
    public var inspectionBackdateHours = 24

    /// The mail server notifications go out through (`SMTPSettings`: `smtp://USER:PASS@HOST:587?from=ADDRESS&name=SENDER`),
    /// or none. Like every channel secret it may be given sealed (`sealed:…`, from `congvu secret seal`).
    public var smtpURL: String?
    /// Certificate authorities (PEM) to trust for the mail server instead of the system's.
    public var smtpCAFile: String?
    /// The Telegram bot's token from @BotFather (sealed or not), or none.
    public var telegramBotToken: String?
    /// The bot's user name, for the link people open to connect their chat (`t.me/NAME?start=CODE`).
    public var telegramBotName: String?
    /// The Bot API's address (a fake on loopback in tests).
    public var telegramAPIURL = "https://api.telegram.org"
    /// A Zalo Official Account: the app's id and secret (developers.zalo.me) and the refresh token the
    /// office got when it authorised the app for the OA (each renewal gives the next one, kept sealed in
    /// the database; a new one set here is taken once). All three, or no Zalo.
    public var zaloAppID: String?
    public var zaloAppSecret: String?
    public var zaloRefreshToken: String?
    /// The OA's secret key, which signs the webhook's events (followers sending their code).
    public var zaloOASecret: String?
    /// The OA's id, for the link people open to follow it.
    public var zaloOAID: String?
    /// Send transaction templates with a button instead of text (an OA outside the free answer window).
    public var zaloTransaction = false
    /// The OA API's and the OAuth server's addresses (fakes on loopback in tests).
    public var zaloAPIURL = "https://openapi.zalo.me"
    public var zaloOAuthURL = "https://oauth.zaloapp.com"
    /// Notifications to phone and desktop browsers (Web Push): no provider account is needed; the
    /// server's VAPID key is made on first start and kept sealed in the database.
    public var webPush = true
    /// Who runs the server, for the push services' operators: `mailto:…` or an https URL (default:
    /// the public URL when it is https).
    public var webPushSubject: String?
    /// Endpoint prefixes accepted besides the browsers' push services (a push service of one's own).
    public var webPushEndpoints: [String] = []
    /// Run the notification worker and the bots' listeners (off in tests that drive them by hand).
    public var notifications = true
    /// Seconds a worker's claim on a delivery holds: a node killed mid-send leaves its deliveries to
    /// be claimed again after this. Longer than the slowest provider's timeout.
    public var notificationLease: TimeInterval = 120
    /// Messages a second toward each provider, per node (Telegram takes about 30 a second from a bot).
    public var notificationRates: [NotificationChannel: Double] = [.telegram: 25, .zalo: 10]

    public init() {}

    /// Citizens and staff reach the server over HTTPS: cookies are `Secure` and browsers are told
    /// to keep to HTTPS (HSTS).
    public var servedOverHTTPS: Bool { publicURL.lowercased().hasPrefix("https://") }

    /// Whether cookies carry `Secure`.
    public var cookiesSecure: Bool { secureCookies || servedOverHTTPS }

    /// The sign-in throttle with this configuration's limits.
    public var signInThrottle: SignInThrottle { SignInThrottle(maxPerAddress: maxFailuresPerAddress, maxPerAccount: maxFailuresPerAccount) }

    /// Why the public URL would print receipts whose QR code a citizen's phone cannot open.
    public enum PublicURLProblem: String, Sendable {
        /// The URL names this machine's loopback address (the default): no phone reaches it.
        case loopback
        /// The URL names the address the server listens on, but another port.
        case otherPort = "other_port"
    }

    /// Nil when the public URL may well be right: a name or address other than loopback, on the
    /// server's own port or on another host (a reverse proxy in front is the usual case).
    public var publicURLProblem: PublicURLProblem? {
        guard let url = URL(string: publicURL), let host = url.host?.lowercased() else { return .loopback }
        let bare = host.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        if bare == "localhost" || bare.hasSuffix(".localhost") || bare.hasPrefix("127.") || bare == "::1" || bare == "0.0.0.0" { return .loopback }
        let port = url.port ?? (url.scheme == "https" ? 443 : 80)
        let sameHost = bare == hostname.lowercased() || (["0.0.0.0", "::"].contains(hostname) && bare.allSatisfy { $0.isNumber || $0 == "." || $0 == ":" })
        return sameHost && port != self.port ? .otherPort : nil
    }

    public static let keys = ["hostname", "port", "node_name", "node_roles", "node_site", "node_address", "data_dir", "database_url", "demo", "require_2fa",
                              "secure_cookies", "bcrypt_cost", "log_level", "secret_key", "punch_photo_days", "public_url", "tracking_per_minute", "feedback_per_minute", "survey_official_minimum",
                              "tracking_cache_seconds", "ffmpeg", "recordings_dir", "segment_seconds", "cameras", "camera_snapshot_days",
                              "trusted_proxies", "metrics_token", "terminal_first_contacts_per_hour", "kiosk_queue_hold_hours",
                              "duties_grace_days", "orphan_escalation_days", "inspection_backdate_hours", "meeting_base_url",
                              "meeting_jwt_app_id", "meeting_jwt_secret",
                              "smtp_url", "smtp_ca_file", "telegram_bot_token", "telegram_bot_name", "telegram_api_url", "notifications",
                              "web_push", "web_push_subject", "web_push_endpoints", "zalo_app_id", "zalo_app_secret", "zalo_refresh_token",
                              "zalo_oa_secret", "zalo_oa_id", "zalo_transaction", "zalo_api_url", "zalo_oauth_url", "notification_lease_seconds",
                              "notification_rates"]

    /// Applies `key = value` settings: from a file's lines or from the environment.
    public mutating func apply(_ settings: [String: String]) throws {
        for (key, value) in settings {
            switch key {
            case "hostname": hostname = value
            case "node_name":
                guard !value.isEmpty, value.count <= 64, !value.contains(where: { $0.isWhitespace || $0 == "," }) else { throw ConfigError(key: key, value: value) }
                nodeName = value
            case "node_roles":
                let roles = value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
                guard !roles.isEmpty, roles.allSatisfy(["web", "recorder"].contains) else { throw ConfigError(key: key, value: value) }
                nodeRoles = roles
            case "node_site":
                guard value.count <= 64, !value.contains(where: { $0.isWhitespace || $0 == "," }) else { throw ConfigError(key: key, value: value) }
                nodeSite = value
            case "node_address":
                guard value.isEmpty || (value.contains(":") && !value.contains(where: { $0.isWhitespace || $0 == "/" })) else {
                    throw ConfigError(key: key, value: value)
                }
                nodeAddress = value.isEmpty ? nil : value
            case "port":
                guard let p = Int(value), (1...65535).contains(p) else { throw ConfigError(key: key, value: value) }
                port = p
            case "data_dir": dataDirectory = value
            case "database_url": databaseURL = value.isEmpty ? nil : value
            case "demo": demo = try Self.bool(key, value)
            case "require_2fa": requireTwoFactorForPrivileged = try Self.bool(key, value)
            case "secure_cookies": secureCookies = try Self.bool(key, value)
            case "bcrypt_cost":
                guard let c = Int(value), (4...16).contains(c) else { throw ConfigError(key: key, value: value) }
                bcryptCost = c
            case "log_level":
                guard let l = Logger.Level(rawValue: value) else { throw ConfigError(key: key, value: value) }
                logLevel = l
            case "secret_key": secretKey = value
            case "punch_photo_days":
                guard let d = Int(value), (1...3650).contains(d) else { throw ConfigError(key: key, value: value) }
                punchPhotoDays = d
            case "public_url":
                guard let u = URL(string: value), ["http", "https"].contains(u.scheme ?? ""), u.host != nil else { throw ConfigError(key: key, value: value) }
                publicURL = value
            case "tracking_per_minute":
                guard let n = Int(value), n >= 0 else { throw ConfigError(key: key, value: value) }
                trackingPerMinute = n
            case "survey_official_minimum":
                guard let n = Int(value), (1...1000).contains(n) else { throw ConfigError(key: key, value: value) }
                surveyOfficialMinimum = n
            case "feedback_per_minute":
                guard let n = Int(value), n >= 0 else { throw ConfigError(key: key, value: value) }
                feedbackPerMinute = n
            case "tracking_cache_seconds":
                guard let n = Int(value), (0...3600).contains(n) else { throw ConfigError(key: key, value: value) }
                trackingCacheSeconds = n
            case "ffmpeg": ffmpeg = value
            case "recordings_dir": recordingsDirectory = value.isEmpty ? nil : value
            case "segment_seconds":
                guard let n = Int(value), (2...3600).contains(n) else { throw ConfigError(key: key, value: value) }
                segmentSeconds = n
            case "cameras": cameras = try Self.bool(key, value)
            case "camera_snapshot_days":
                guard let d = Int(value), (1...3650).contains(d) else { throw ConfigError(key: key, value: value) }
                cameraSnapshotDays = d
            case "trusted_proxies":
                let entries = Self.list(value)
                guard entries.allSatisfy(AddressRange.isValid) else {
                    throw ConfigError(key: key, value: value)
                }
                trustedProxies = entries
            case "terminal_first_contacts_per_hour":
                guard let n = Int(value), (1...1000).contains(n) else { throw ConfigError(key: key, value: value) }
                terminalFirstContactsPerHour = n
            case "kiosk_queue_hold_hours":
                guard let n = Int(value), (1...168).contains(n) else { throw ConfigError(key: key, value: value) }
                kioskQueueHoldHours = n
            case "duties_grace_days", "orphan_escalation_days":
                guard let n = Int(value), (1...60).contains(n) else { throw ConfigError(key: key, value: value) }
                if key == "duties_grace_days" { dutiesGraceDays = n } else { orphanEscalationDays = n }
            case "meeting_base_url":
                guard value.isEmpty || (value.hasPrefix("https://") && URL(string: value)?.host != nil) else { throw ConfigError(key: key, value: value) }
                meetingBaseURL = value.isEmpty ? nil : value
            case "meeting_jwt_app_id": meetingJWTAppID = value.isEmpty ? nil : value
            case "meeting_jwt_secret": meetingJWTSecret = value.isEmpty ? nil : value
            case "inspection_backdate_hours":
                guard let n = Int(value), (0...168).contains(n) else { throw ConfigError(key: key, value: value) }
                inspectionBackdateHours = n
            case "smtp_url":
                smtpURL = value.isEmpty ? nil : value
            case "smtp_ca_file": smtpCAFile = value.isEmpty ? nil : value
            case "telegram_bot_token": telegramBotToken = value.isEmpty ? nil : value
            case "telegram_bot_name":
                guard value.isEmpty || value.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) else { throw ConfigError(key: key, value: value) }
                telegramBotName = value.isEmpty ? nil : value
            case "telegram_api_url", "zalo_api_url", "zalo_oauth_url":
                guard let u = URL(string: value), ["http", "https"].contains(u.scheme ?? ""), u.host != nil else { throw ConfigError(key: key, value: value) }
                switch key {
                case "telegram_api_url": telegramAPIURL = value
                case "zalo_api_url": zaloAPIURL = value
                default: zaloOAuthURL = value
                }
            case "zalo_app_id", "zalo_oa_id":
                guard value.allSatisfy({ $0.isASCII && $0.isNumber }) else { throw ConfigError(key: key, value: value) }
                if key == "zalo_app_id" { zaloAppID = value.isEmpty ? nil : value } else { zaloOAID = value.isEmpty ? nil : value }
            case "zalo_app_secret": zaloAppSecret = value.isEmpty ? nil : value
            case "zalo_refresh_token": zaloRefreshToken = value.isEmpty ? nil : value
            case "zalo_oa_secret": zaloOASecret = value.isEmpty ? nil : value
            case "zalo_transaction": zaloTransaction = try Self.bool(key, value)
            case "notifications": notifications = try Self.bool(key, value)
            case "notification_rates":
                // `telegram=25, zalo=10`: a channel left out is not paced.
                var rates: [NotificationChannel: Double] = [:]
                for entry in Self.list(value) {
                    let parts = entry.split(separator: "=").map { $0.trimmingCharacters(in: .whitespaces) }
                    guard parts.count == 2, let channel = NotificationChannel(rawValue: parts[0]), channel.isExternal,
                          let rate = Double(parts[1]), rate > 0, rate <= 100_000 else { throw ConfigError(key: key, value: value) }
                    rates[channel] = rate
                }
                notificationRates = rates
            case "notification_lease_seconds":
                guard let n = Int(value), (30...3600).contains(n) else { throw ConfigError(key: key, value: value) }
                notificationLease = TimeInterval(n)
            case "web_push": webPush = try Self.bool(key, value)
            case "web_push_subject":
                guard value.isEmpty || value.hasPrefix("mailto:") || value.hasPrefix("https://") else { throw ConfigError(key: key, value: value) }
                webPushSubject = value.isEmpty ? nil : value
            case "web_push_endpoints":
                let entries = Self.list(value)
                guard entries.allSatisfy({ URL(string: $0)?.host != nil }) else { throw ConfigError(key: key, value: value) }
                webPushEndpoints = entries
            case "metrics_token":
                guard value.isEmpty || value.count >= 16 else { throw ConfigError(key: key, value: "(at least 16 characters)") }
                metricsToken = value.isEmpty ? nil : value
            default: throw ConfigError(key: key, value: value)
            }
        }
    }

    /// A comma-separated setting's entries, trimmed, empty ones dropped.
    static func list(_ value: String) -> [String] {
        value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    static func bool(_ key: String, _ value: String) throws -> Bool {
        switch value.lowercased() {
        case "1", "true", "yes", "on": return true
        case "0", "false", "no", "off", "": return false
        default: throw ConfigError(key: key, value: value)
        }
    }

    /// Parses a config file: `key = value` lines, `#` comments.
    public static func parseFile(_ text: String) throws -> [String: String] {
        var out: [String: String] = [:]
        for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init)?
                .trimmingCharacters(in: .whitespaces) ?? ""
            if line.isEmpty { continue }
            let parts = line.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, keys.contains(parts[0]) else { throw ConfigError(key: "line \(n + 1)", value: line) }
            out[parts[0]] = parts[1].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        }
        return out
    }

    /// `CONGVU_PORT=8081` → `port`; `DATABASE_URL` is read as well.
    public static func fromEnvironment(_ env: [String: String]) -> [String: String] {
        var out: [String: String] = [:]
        for key in keys {
            if let v = env["CONGVU_" + key.uppercased()] { out[key] = v }
        }
        if out["database_url"] == nil, let url = env["DATABASE_URL"] { out["database_url"] = url }
        return out
    }

    /// Defaults, then the file (`--config`, `CONGVU_CONFIG`, or `congvu.conf` when present), then the environment.
    public static func load(file: String?, environment: [String: String]) throws -> AppConfig {
        var config = AppConfig()
        let path = file ?? environment["CONGVU_CONFIG"] ?? (FileManager.default.fileExists(atPath: "congvu.conf") ? "congvu.conf" : nil)
        if let path {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw ConfigError(key: "config", value: path) }
            try config.apply(parseFile(text))
        }
        try config.apply(fromEnvironment(environment))
        return config
    }
}

public struct ConfigError: Error, CustomStringConvertible {
    public let key: String
    public let value: String
    public var description: String { "invalid setting \(key): \(value)" }
}
