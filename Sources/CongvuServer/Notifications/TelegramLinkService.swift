import CongvuDomain
import CongvuNotify
import CongvuStore
import Foundation
import Logging
import ServiceLifecycle

/// Reads what people write to the Telegram bot (long polling) and links the chat that sends a
/// person's code (`/start CODE` from the link on their settings page). The position in Telegram's
/// updates is kept in the database, so a restart neither loses nor repeats a code.
struct TelegramLinkService: Service {
    let services: NotificationServices
    let bot: TelegramBot
    let logger: Logger
    var timeout = 25

    func run() async throws {
        await cancelWhenGracefulShutdown { await loop() }
    }

    func loop() async {
        while !Task.isCancelled {
            do {
                try await pollOnce(timeout: timeout)
            } catch {
                logger.warning("telegram updates", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: .seconds(10))
            }
        }
    }

    /// Reads one batch of updates and answers each; returns the people linked.
    @discardableResult
    func pollOnce(timeout: Int) async throws -> [Int64] {
        let offset = Int64(try await services.store.channelState(.telegram, "offset") ?? "0") ?? 0
        let updates = try await bot.updates(offset: offset, timeout: timeout)
        var linked: [Int64] = []
        for update in updates where update.chat != 0 {
            let catalogs = services.catalogs
            if let code = AddressRules.code(inChatMessage: update.text),
               let person = try await services.store.link(channel: .telegram, code: code, chat: String(update.chat)) {
                linked.append(person)
                _ = await bot.say(catalogs.text("notification_linked", .vi), to: update.chat)
            } else {
                _ = await bot.say(catalogs.text("notification_link_help", .vi), to: update.chat)
            }
        }
        if let last = updates.last {
            try await services.store.setChannelState(.telegram, "offset", String(last.updateID + 1))
        }
        return linked
    }
}
