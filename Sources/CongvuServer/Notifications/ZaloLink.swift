import CongvuDomain
import CongvuNotify
import CongvuStore
import Foundation
import HTTPTypes
import Hummingbird

/// The Zalo OA's access token, kept sealed in the database with its expiry and the next refresh
/// token, and renewed five minutes before it expires or when the OA refuses it. Zalo's refresh
/// tokens are single-use: a lease in the database lets one node renew at a time, the others wait
/// for its result, so no two nodes spend the same refresh token and lose the channel.
struct ZaloTokens: ZaloTokenSource {
    let store: NotificationStore
    let secrets: SecretBox
    let app: ZaloApp
    /// The refresh token in the configuration: used once, then the chain kept in the database; a
    /// different one set later (the office authorised the app again) is taken once in its turn.
    let seed: String
    let holder = "\(ProcessInfo.processInfo.hostName)-\(ProcessInfo.processInfo.processIdentifier)-\(Token.random(bytes: 4))"
    var early: TimeInterval = 300

    func accessToken(stale: String?) async throws -> String {
        let deadline = Date().addingTimeInterval(30)
        while true {
            let now = Date()
            if let sealed = try await store.channelState(.zalo, "access_token"),
               let expires = try await store.channelState(.zalo, "access_expires").flatMap(Instant.parse), expires > now.addingTimeInterval(early),
               let token = try? secrets.open(sealed), token != stale {
                return token
            }
            if try await store.takeLease(.zalo, "renewing", holder: holder, until: now.addingTimeInterval(60), at: now) {
                do {
                    let token = try await renew(at: now)
                    try await store.setChannelState(.zalo, "renewing", "")
                    return token
                } catch {
                    try? await store.setChannelState(.zalo, "renewing", "")
                    throw error
                }
            }
            guard Date() < deadline else { throw ZaloError(code: 0, message: "another node is renewing the access token") }
            try await Task.sleep(for: .milliseconds(250))
        }
    }

    func renew(at now: Date) async throws -> String {
        let seedHash = Token.hash(seed)
        let kept = try await store.channelState(.zalo, "refresh_token").flatMap { try? secrets.open($0) }
        let refresh = try await store.channelState(.zalo, "seed") == seedHash ? kept ?? seed : seed
        let tokens = try await app.refresh(refresh)
        try await store.setChannelState(.zalo, ["access_token": try secrets.seal(tokens.accessToken),
                                                "access_expires": Instant.format(now.addingTimeInterval(tokens.expiresIn)),
                                                "refresh_token": try secrets.seal(tokens.refreshToken), "seed": seedHash], at: now)
        return tokens.accessToken
    }
}

/// The OA's webhook: a follower who writes their code to the OA is linked, and told so; anything
/// else gets the how-to. Events whose signature (the OA's secret key) does not match are refused.
struct ZaloWebhookController {
    let services: NotificationServices

    func addRoutes(to router: Router<AppRequestContext>) {
        router.post("zalo/webhook", use: webhook)
    }

    func webhook(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        guard let zalo = services.zalo, let appID = services.config.zaloAppID, let secret = services.zaloOASecret else { throw StoreError.notFound("channel") }
        let body = Data(try await request.body.collect(upTo: 64 * 1024).readableBytesView)
        guard let event = ZaloOA.verifiedEvent(body: body, signature: request.headers[HTTPField.Name("X-ZEvent-Signature")!] ?? "",
                                               appID: appID, oaSecretKey: secret) else {
            throw Refusal(status: .forbidden, key: "zalo_bad_signature")
        }
        if event.name == "user_send_text", !event.senderID.isEmpty {
            let catalogs = services.catalogs
            var linked: Int64?
            if let code = AddressRules.code(inChatMessage: event.text) {
                linked = try await services.store.link(channel: .zalo, code: code, chat: event.senderID)
            }
            // The OA has two seconds to be answered: the reply goes out after.
            let reply = catalogs.text(linked != nil ? "notification_linked" : "notification_link_help_zalo", .vi)
            Task { _ = await zalo.say(reply, to: event.senderID) }
        }
        return JSONReply.response([String: String]())
    }
}
