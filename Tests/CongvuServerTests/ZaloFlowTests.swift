import CongvuDomain
import CongvuNotify
import CongvuStore
import CongvuTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import Logging
import NIOCore
import Testing
@testable import CongvuServer

/// Issue 20's Zalo OA through the server, against the fake OA API and OAuth server on loopback
/// (scripts/fakes/zalo_api.py): a person links their Zalo by writing their code to the OA (the
/// webhook's event checked by its signature), notifications go to the OA's follower, and the OA's
/// single-use refresh tokens are spent by one node at a time and kept sealed in the database.
@Suite(.serialized) struct ZaloFlowTests {
    static func configure(_ fake: FakeServer) -> (inout AppConfig) -> Void {
        { c in
            c.zaloAppID = "3055"
            c.zaloAppSecret = "APPSECRET"
            c.zaloRefreshToken = "RT0"
            c.zaloOASecret = "OASECRET"
            c.zaloOAID = "4318"
            c.zaloAPIURL = "http://127.0.0.1:\(fake.port)"
            c.zaloOAuthURL = "http://127.0.0.1:\(fake.port)"
        }
    }

    func stats(_ fake: FakeServer) async throws -> [String: Int] {
        try JSONSerialization.jsonObject(with: try await fake.get("/control/stats")) as? [String: Int] ?? [:]
    }

    @Test func aFollowerLinksByWritingTheCodeAndThenReceivesNotifications() async throws {
        let fake = try await FakeServer.start("zalo_api.py", ["3055", "APPSECRET", "RT0"])
        defer { fake.stop() }
        try await Harness.run(configure: Self.configure(fake)) { h in
            let b = try await h.signIn("congchuc.giahung")
            let me = try await h.personID("congchuc.giahung")
            #expect(try await b.get("/notifications/settings").text.contains("id=\"zalo-form\""))
            let page = try await b.post("/notifications/settings/zalo", [:])
            #expect(page.status == .ok && page.text.contains("https://zalo.me/4318") && page.text.contains("Quan tâm"))
            let start = try #require(page.text.range(of: #"class="code">[A-Z0-9]{8}<"#, options: .regularExpression))
            let code = String(page.text[start].dropFirst(#"class="code">"#.count).dropLast())

            func event(_ text: String, from user: String, secret: String = "OASECRET") async throws -> TestResponse {
                let body = Data(#"{"app_id":"3055","event_name":"user_send_text","sender":{"id":"\#(user)"},"recipient":{"id":"4318"},"message":{"text":"\#(text)","msg_id":"m"},"timestamp":"1764900000000"}"#.utf8)
                let mac = ZaloOA.signature(appID: "3055", body: body, timestamp: "1764900000000", oaSecretKey: secret)
                return try await h.browser().request("/zalo/webhook", method: .post, headers: [HTTPField.Name("X-ZEvent-Signature")!: "mac=" + mac, .contentType: "application/json"],
                                           body: ByteBuffer(bytes: body))
            }
            // Forged: refused, nothing linked.
            #expect(try await event(code, from: "999", secret: "GUESS").status == .forbidden)
            #expect(try await event("xin chào", from: "5566778899").status == .ok)
            #expect(try await event(code.lowercased(), from: "5566778899").status == .ok)
            #expect(try await h.services.notifications.store.addresses(personID: me).map { "\($0.channel.rawValue) \($0.address) \($0.confirmed)" }
                    == ["zalo 5566778899 true"])
            // The OA answered both, after the webhook returned.
            for _ in 0..<50 where try fake.received().count < 2 { try await Task.sleep(for: .milliseconds(100)) }
            let replies = try fake.received().compactMap { ($0["message"] as? [String: String])?["text"] }
            #expect(replies.count == 2 && replies.contains { $0.hasPrefix("Đã liên kết") } && replies.contains { $0.contains("Liên kết Zalo") })

            // Task notifications go to Zalo by default once linked.
            let draft = NotificationDraft(key: NotificationKey(.taskAssigned, recordType: "task", recordID: 99_005),
                                          params: ["reference": "11/2026/VP", "title": "Rà soát thủ tục", "due": "2026-12-09"], link: "/tasks/99005")
            _ = try await h.services.database.write { try await NotificationStore.raise(draft, toPeople: [me], in: $0) }
            #expect(try await DeliveryWorker(services: h.services.notifications, logger: Logger(label: "test")).runOnce() == 1)
            let last = try #require(try fake.received().last)
            #expect((last["recipient"] as? [String: String])?["user_id"] == "5566778899")
            #expect((last["message"] as? [String: String])?["text"]?.hasPrefix("Bạn được giao nhiệm vụ 11/2026/VP") == true)
            #expect(try await stats(fake) == ["refreshes": 1, "spent_reused": 0])
            // Kept sealed: the database holds no token in clear.
            let kept = try #require(try await h.services.notifications.store.channelState(.zalo, "refresh_token"))
            #expect(!kept.contains("RT1"))
            #expect(try h.services.shared.secrets.open(kept) == "RT1")
        }
    }

    @Test(arguments: TestDatabases.kinds) func nodesRenewingTogetherSpendEachRefreshTokenOnce(kind: DatabaseKind) async throws {
        let fake = try await FakeServer.start("zalo_api.py", ["3055", "APPSECRET", "RT0"])
        defer { fake.stop() }
        try await Harness.run(kind, configure: Self.configure(fake)) { h in
            let app = ZaloApp(appID: "3055", appSecret: "APPSECRET", oauth: "http://127.0.0.1:\(fake.port)")
            func node() -> ZaloTokens {
                ZaloTokens(store: h.services.notifications.store, secrets: h.services.shared.secrets, app: app, seed: "RT0")
            }
            // Eight nodes ask at once for a token none has: one renews, the others take its result.
            let tokens = try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<8 { group.addTask { try await node().accessToken(stale: nil) } }
                return try await group.reduce(into: [String]()) { $0.append($1) }
            }
            #expect(Set(tokens) == ["AT1"])
            #expect(try await stats(fake) == ["refreshes": 1, "spent_reused": 0])
            // The OA refuses it: the next node renews with the kept refresh token, not the configured one.
            #expect(try await node().accessToken(stale: "AT1") == "AT2")
            // A restarted server (a new node) keeps the chain.
            #expect(try await node().accessToken(stale: nil) == "AT2")
            // Near expiry, renewed before the OA refuses it.
            var early = node()
            early.early = 100_000
            #expect(try await early.accessToken(stale: nil) == "AT3")
            #expect(try await stats(fake) == ["refreshes": 3, "spent_reused": 0])
        }
    }
}
