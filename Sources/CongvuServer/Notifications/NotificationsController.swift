import CongvuDomain
import CongvuNotify
import CongvuStore
import Foundation
import Hummingbird
import Logging

/// A person's notifications (issue 20): the inbox with its unread count in every page's header,
/// and where they reach the person outside the app: addresses proven by a code, channels per
/// kind, quiet hours and, for leaders, digests. Everyone signed in with a person has these pages;
/// each sees and changes only their own.
struct NotificationsController {
    let services: NotificationServices
    var store: NotificationStore { services.store }
    var catalogs: Catalogs { services.catalogs }

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get("notifications", use: inbox)
        group.get("notifications/unread", use: unread)
        group.post("notifications/read", use: readAll)
        group.get("notifications/:id/open", use: open)
        group.get("notifications/settings", use: settings)
        group.post("notifications/settings", use: saveChoices)
        group.post("notifications/settings/email", use: addEmail)
        group.post("notifications/settings/confirm", use: confirm)
        group.post("notifications/settings/telegram") { try await linkChat(.telegram, $0, $1) }
        group.post("notifications/settings/zalo") { try await linkChat(.zalo, $0, $1) }
        group.post("notifications/settings/push", use: subscribe)
        group.post("notifications/settings/addresses/:id/remove", use: remove)
    }

    func person(_ context: AppRequestContext) throws -> Int64 {
        guard let id = try context.signedIn().personID else { throw StoreError.notFound("person") }
        return id
    }

    // MARK: The inbox

    /// An account without a person (the province's administrator) has an empty inbox: the bell is
    /// in every header.
    func inbox(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        guard let personID = try context.signedIn().personID else {
            return try services.views.page(NotificationsPage(unread: 0, items: [], has_items: false), context)
        }
        let items = try await store.inbox(personID: personID, limit: 100)
        return try services.views.page(NotificationsPage(
            unread: try await store.unread(personID: personID),
            items: items.map { .init(id: $0.id, message: services.text($0.kind, $0.params, context.locale), at: Instant.display($0.createdAt),
                                     unread: $0.readAt == nil, in_digest: $0.digested) },
            has_items: !items.isEmpty), context)
    }

    /// The header's badge: `{"unread": 3}` (0 for an account without a person).
    func unread(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        var n = 0
        if let personID = try context.signedIn().personID { n = try await store.unread(personID: personID) }
        return Response(status: .ok, headers: [.contentType: "application/json", .cacheControl: "no-store"],
                        body: .init(byteBuffer: ByteBuffer(string: #"{"unread":\#(n)}"#)))
    }

    func readAll(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        _ = try await FormData.read(request, context)
        let personID = try person(context)
        try await store.markAllRead(personID: personID)
        return HTMLPage.redirect("/notifications")
    }

    /// Opens what a notification is about, marking it read; another person's id is not found.
    func open(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let personID = try person(context)
        guard let id = context.parameters.get("id", as: Int64.self),
              let item = try await store.notification(id, personID: personID) else { throw StoreError.notFound("notification") }
        try await store.markRead([id], personID: personID)
        // Only a path on this server: a stored link never sends anyone elsewhere.
        let path = item.link.hasPrefix("/") && !item.link.hasPrefix("//") ? item.link : "/notifications"
        return HTMLPage.redirect(path)
    }

    // MARK: Settings

    /// Kinds a person chooses channels for (those only counted in leaders' digests are not sent alone).
    static var choosable: [NotificationKind] { NotificationKind.allCases.filter { !$0.rule.digestOnly && !$0.toCitizens } }

    func settings(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        try await renderSettings(context, personID: try person(context), form: nil, notice: request.uri.queryParameters["done"].map(String.init))
    }

    func renderSettings(_ context: AppRequestContext, personID: Int64, form: FormView?, notice: String? = nil, chatCode: (channel: NotificationChannel, code: String)? = nil,
                        status: HTTPResponse.Status = .ok) async throws -> Response {
        let locale = context.locale
        let prefs = try await store.preferences(personID: personID)
        let addresses = try await store.addresses(personID: personID)
        let channels = services.configured
        let values: [String: String] = [
            "quiet_from": prefs.quietHours.map { Self.clock($0.start) } ?? "", "quiet_to": prefs.quietHours.map { Self.clock($0.end) } ?? "",
            "daily": prefs.dailyDigest.map(Self.clock) ?? "", "weekly_day": prefs.weeklyDigest.map { String($0.weekday) } ?? "",
            "weekly_time": prefs.weeklyDigest.map { Self.clock($0.minute) } ?? "",
        ]
        // Telegram's link sends the code itself; Zalo's opens the OA, where the person follows it and writes the code.
        let botLink = chatCode.flatMap { chat in
            chat.channel == .telegram ? services.config.telegramBotName.map { "https://t.me/\($0)?start=\(chat.code)" }
                : services.config.zaloOAID.map { "https://zalo.me/\($0)" }
        }
        return try services.views.page(NotificationSettingsPage(
            form: form ?? FormView(values: values),
            notice: notice.flatMap { ["code_sent", "confirmed", "saved", "removed", "push_on"].contains($0) ? catalogs.text("notification_done_\($0)", locale) : nil },
            has_channels: !channels.isEmpty,
            channels: channels.map { c in
                .init(channel: c.rawValue, name: catalogs.label("notify_channel", c.rawValue, locale),
                      addresses: addresses.filter { $0.channel == c }.map {
                          .init(id: $0.id, address: Template.optional($0.address), confirmed: $0.confirmed)
                      },
                      pending: addresses.contains { $0.channel == c && !$0.confirmed },
                      email: c == .email, telegram: c == .telegram, zalo: c == .zalo, web_push: c == .webPush)
            },
            push_key: services.vapid?.publicKey,
            chat_code: chatCode?.code, bot_link: botLink,
            bot_label: chatCode.map { catalogs.text("notification_open_" + $0.channel.rawValue, locale) },
            chat_help: chatCode.map { catalogs.text("notification_chat_code_help_" + $0.channel.rawValue, locale) },
            kinds: Self.choosable.map { kind in
                let chosen = prefs.chosen(for: kind)
                return .init(kind: kind.rawValue, name: catalogs.label("notification_kind", kind.rawValue, locale), urgent: kind.rule.urgent,
                             cells: channels.map { .init(name: "k.\(kind.rawValue).\($0.rawValue)", label: catalogs.label("notify_channel", $0.rawValue, locale),
                                                         checked: chosen.contains($0)) })
            },
            // Monday first; the catalogs number days ISO-wise (7 is Sunday), the rules from Sunday (0).
            weekdays: FormView.options([1, 2, 3, 4, 5, 6, 0].map { (String($0), catalogs.label("weekday", String($0 == 0 ? 7 : $0), locale)) },
                                       selected: values["weekly_day"] ?? "")),
            context, status: status)
    }

    static func clock(_ minute: Int) -> String { String(format: "%02d:%02d", minute / 60, minute % 60) }

    /// "08:15" → 495; empty → nil; anything else is refused on `field`.
    static func minute(_ text: String, _ field: String) throws -> Int? {
        let t = text.trimmingCharacters(in: .whitespaces)
        guard !t.isEmpty else { return nil }
        let parts = t.split(separator: ":")
        guard parts.count == 2, let h = Int(parts[0]), let m = Int(parts[1]), (0..<24).contains(h), (0..<60).contains(m) else {
            throw ValidationErrors([FieldError(field, "time_invalid")])
        }
        return h * 60 + m
    }

    func saveChoices(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let form = try await FormData.read(request, context)
        let personID = try person(context)
        do {
            // The whole form or nothing: a post without its marker (cut short, or not this form) would
            // read as every box unticked.
            guard form["choices"] == "1" else { throw ValidationErrors([FieldError("choices", "invalid")]) }
            var prefs = try await store.preferences(personID: personID)
            for kind in Self.choosable {
                // A channel not configured here keeps what the person chose for it before, if anything;
                // a kind never chosen and ticked as its defaults stays on the defaults (which may change).
                let offered = Set(services.configured)
                let selected = offered.filter { form.bool("k.\(kind.rawValue).\($0.rawValue)") }
                let previous = prefs.channels[kind]
                if previous == nil && selected == kind.rule.channels.intersection(offered) { continue }
                prefs.channels[kind] = (previous ?? []).filter { !offered.contains($0) }.union(selected)
            }
            let from = try Self.minute(form["quiet_from"], "quiet_from"), to = try Self.minute(form["quiet_to"], "quiet_to")
            switch (from, to) {
            case (nil, nil): prefs.quietHours = nil
            case let (f?, t?):
                guard let q = QuietHours(start: f, end: t) else { throw ValidationErrors([FieldError("quiet_to", "quiet_hours_invalid")]) }
                prefs.quietHours = q
            default: throw ValidationErrors([FieldError(from == nil ? "quiet_from" : "quiet_to", "required")])
            }
            prefs.dailyDigest = try Self.minute(form["daily"], "daily")
            if let time = try Self.minute(form["weekly_time"], "weekly_time") {
                guard let day = Int(form["weekly_day"]), let slot = NotificationPreferences.WeeklySlot(weekday: day, minute: time) else {
                    throw ValidationErrors([FieldError("weekly_day", "required")])
                }
                prefs.weeklyDigest = slot
            } else {
                prefs.weeklyDigest = nil
            }
            try await store.setPreferences(prefs, personID: personID, by: context.actor)
            return HTMLPage.redirect("/notifications/settings?done=saved")
        } catch {
            var view = FormView(values: ["quiet_from": form["quiet_from"], "quiet_to": form["quiet_to"], "daily": form["daily"],
                                         "weekly_day": form["weekly_day"], "weekly_time": form["weekly_time"]])
            try view.absorb(error, catalogs: catalogs, locale: context.locale)
            return try await renderSettings(context, personID: personID, form: view, status: .badRequest)
        }
    }

    /// Stores the address with a code and mails the code to it at once: the person is waiting for it.
    func addEmail(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let form = try await FormData.read(request, context)
        let personID = try person(context)
        guard let sender = services.senders[.email] else { throw StoreError.notFound("channel") }
        do {
            guard let address = AddressRules.normalise(form["email"], for: .email) else { throw ValidationErrors([FieldError("email", "address_invalid")]) }
            let code = try await store.requestCode(personID: personID, channel: .email, address: address)
            let text = catalogs.text("notification_code_message", .vi, [code])
            let message = OutgoingMessage(subject: catalogs.text("notification_code_subject", .vi), text: text,
                                          html: "<p>\(XMLText.escape(text))</p>", link: services.link("/notifications/settings"),
                                          idempotencyKey: "congvu-code-\(Token.random(bytes: 8))")
            if case .failed(let answer, _) = await sender.send(message, to: DeliveryTarget(address: address)) {
                services.logger.notice("confirmation code not sent", metadata: ["answer": "\(answer)"])
                throw ValidationErrors([FieldError("email", "code_not_sent")])
            }
            return HTMLPage.redirect("/notifications/settings?done=code_sent")
        } catch {
            var view = FormView(values: ["email": form["email"]])
            try view.absorb(error, catalogs: catalogs, locale: context.locale)
            return try await renderSettings(context, personID: personID, form: view, status: .badRequest)
        }
    }

    func confirm(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let form = try await FormData.read(request, context)
        let personID = try person(context)
        guard let channel = NotificationChannel(rawValue: form["channel"]), AddressRules.proof(channel) == .codeToAddress else {
            throw ValidationErrors([FieldError("channel", "invalid")])
        }
        let result = try await store.confirm(personID: personID, channel: channel, code: form["code"], by: context.actor)
        if result == .confirmed { return HTMLPage.redirect("/notifications/settings?done=confirmed") }
        let view = FormView(values: [:], errors: ["code": catalogs.error(result == .wrong ? "code_wrong" : "code_expired", context.locale)])
        return try await renderSettings(context, personID: personID, form: view, status: .badRequest)
    }

    /// A code for the person to send the bot (Telegram) or the OA (Zalo), shown with the link that opens it.
    func linkChat(_ channel: NotificationChannel, _ request: Request, _ context: AppRequestContext) async throws -> Response {
        _ = try await FormData.read(request, context)
        let personID = try person(context)
        guard services.senders[channel] != nil else { throw StoreError.notFound("channel") }
        let code = try await store.requestCode(personID: personID, channel: channel)
        return try await renderSettings(context, personID: personID, form: nil, chatCode: (channel, code))
    }

    /// The subscription this browser made after the person allowed notifications (app.js sends it).
    func subscribe(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let form = try await FormData.read(request, context)
        let personID = try person(context)
        guard services.vapid != nil else { throw StoreError.notFound("channel") }
        let endpoint = form["endpoint"].trimmingCharacters(in: .whitespaces)
        do {
            guard AddressRules.normalise(endpoint, for: .webPush) != nil,
                  AddressRules.isPushService(endpoint, extra: services.config.webPushEndpoints) else {
                throw ValidationErrors([FieldError("push", "push_endpoint")])
            }
            guard Base64URL.decode(form["p256dh"])?.count == 65, Base64URL.decode(form["auth"])?.count == 16 else {
                throw ValidationErrors([FieldError("push", "push_keys")])
            }
            let keys = AuditJSON.encode(["p256dh": form["p256dh"], "auth": form["auth"]])
            try await store.subscribe(personID: personID, endpoint: endpoint, keys: keys, by: context.actor)
            return HTMLPage.redirect("/notifications/settings?done=push_on")
        } catch {
            var view = FormView()
            try view.absorb(error, catalogs: catalogs, locale: context.locale)
            return try await renderSettings(context, personID: personID, form: view, status: .badRequest)
        }
    }

    /// The service worker that shows pushed notifications, served from the root so that its scope
    /// is the whole site.
    static func addPublicRoutes(to router: Router<AppRequestContext>) {
        let script = (try? String(contentsOfFile: Resources.path("public/sw.js"), encoding: .utf8)) ?? ""
        router.get("sw.js") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/javascript; charset=utf-8", .cacheControl: "no-cache"],
                     body: .init(byteBuffer: ByteBuffer(string: script)))
        }
    }

    func remove(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        _ = try await FormData.read(request, context)
        let personID = try person(context)
        guard let id = context.parameters.get("id", as: Int64.self) else { throw StoreError.notFound("address") }
        try await store.removeAddress(id, personID: personID, by: context.actor)
        return HTMLPage.redirect("/notifications/settings?done=removed")
    }
}

struct NotificationsPage: Page {
    static let template = "notifications"
    struct Item: Decodable { var id: Int64; var message: String; var at: String; var unread: Bool; var in_digest: Bool }
    var unread: Int
    var items: [Item]
    var has_items: Bool
}

struct NotificationSettingsPage: Page {
    static let template = "notification_settings"
    /// `address` is nil while a chat link waits for its code.
    struct Address: Decodable { var id: Int64; var address: String?; var confirmed: Bool }
    struct Channel: Decodable {
        var channel: String
        var name: String
        var addresses: [Address]
        var pending: Bool
        var email: Bool
        var telegram: Bool
        var zalo: Bool
        var web_push: Bool
    }
    struct Cell: Decodable { var name: String; var label: String; var checked: Bool }
    struct Kind: Decodable { var kind: String; var name: String; var urgent: Bool; var cells: [Cell] }
    var form: FormView
    var notice: String?
    var has_channels: Bool
    var channels: [Channel]
    /// The server's VAPID key for `PushManager.subscribe`, when Web Push is on.
    var push_key: String?
    var chat_code: String?
    var bot_link: String?
    var bot_label: String?
    var chat_help: String?
    var kinds: [Kind]
    var weekdays: [Option]
}
