import CongvuDomain
import CongvuTestSupport
import Foundation
import Synchronization
import Testing
@testable import CongvuNotify

/// The Zalo OA channel against a fake OA API and OAuth server on loopback that check requests as
/// Zalo documents them, spend each refresh token once and refuse old access tokens
/// (scripts/fakes/zalo_api.py).
@Suite(.serialized) struct ZaloTests {
    let message = OutgoingMessage(subject: "Công việc", text: "Bạn được giao nhiệm vụ 12/2026/VP: Báo cáo quý IV (hạn 11/12/2026)\nMở: https://giahung.example/tasks/12",
                                  link: "https://giahung.example/tasks/12", idempotencyKey: "congvu-delivery-5")

    /// Tokens as the server keeps them, in memory here: renewed with the chain of refresh tokens.
    final class Chain: ZaloTokenSource, Sendable {
        let app: ZaloApp
        let state: Mutex<(access: String?, refresh: String)>
        init(app: ZaloApp, seed: String) {
            self.app = app
            state = Mutex((nil, seed))
        }
        func accessToken(stale: String?) async throws -> String {
            let (access, refresh) = state.withLock { ($0.access, $0.refresh) }
            if let access, access != stale { return access }
            let t = try await app.refresh(refresh)
            state.withLock { $0 = (t.accessToken, t.refreshToken) }
            return t.accessToken
        }
    }

    func oa(_ fake: FakeServer, transaction: Bool = false, seed: String = "RT0") -> ZaloOA {
        let base = "http://127.0.0.1:\(fake.port)"
        return ZaloOA(api: base, transaction: transaction, button: "Mở", tokens: Chain(app: ZaloApp(appID: "3055", appSecret: "APPSECRET", oauth: base), seed: seed))
    }

    func stats(_ fake: FakeServer) async throws -> [String: Int] {
        try JSONSerialization.jsonObject(with: try await fake.get("/control/stats")) as? [String: Int] ?? [:]
    }

    @Test func aFollowerGetsTheTextAndAnExpiredTokenIsRenewedOnce() async throws {
        let fake = try await FakeServer.start("zalo_api.py", ["3055", "APPSECRET", "RT0"])
        defer { fake.stop() }
        let oa = oa(fake)
        #expect(await oa.send(message, to: DeliveryTarget(address: "5566778899")) == .sent(answer: "message_id m1"))
        let got = try #require(try fake.received().first)
        #expect((got["recipient"] as? [String: String])?["user_id"] == "5566778899")
        #expect((got["message"] as? [String: String])?["text"] == message.text)
        // The OA forgets the token: the next message renews it with the next refresh token and goes out.
        try await fake.post("/control/expire", [:])
        #expect(await oa.send(message, to: DeliveryTarget(address: "5566778899")) == .sent(answer: "message_id m2"))
        #expect(try await stats(fake) == ["refreshes": 2, "spent_reused": 0])
    }

    @Test func anOAThatMustUseTemplatesSendsATransactionWithAButtonToThePage() async throws {
        let fake = try await FakeServer.start("zalo_api.py", ["3055", "APPSECRET", "RT0"])
        defer { fake.stop() }
        #expect(await oa(fake, transaction: true).send(message, to: DeliveryTarget(address: "5566778899")) == .sent(answer: "message_id m1"))
        let payload = try #require((((try fake.received().first)?["message"] as? [String: Any])?["attachment"] as? [String: Any])?["payload"] as? [String: Any])
        let button = try #require((payload["buttons"] as? [[String: Any]])?.first)
        #expect(button["title"] as? String == "Mở" && (button["payload"] as? [String: String])?["url"] == message.link)
        #expect((payload["elements"] as? [[String: String]])?.first?["content"] == "Công việc")
    }

    @Test func refusalsThatWaitingWillNotMendArePermanent() async throws {
        let fake = try await FakeServer.start("zalo_api.py", ["3055", "APPSECRET", "RT0"])
        defer { fake.stop() }
        let oa = oa(fake)
        #expect(await oa.send(message, to: DeliveryTarget(address: "213")) == .failed(answer: "-213 User has not followed the OA", permanent: true))
        #expect(await oa.send(message, to: DeliveryTarget(address: "230")) == .failed(answer: "-230 User has not interacted with the OA in the last 7 days", permanent: true))
        #expect(await oa.send(message, to: DeliveryTarget(address: "not-a-user")) == .failed(answer: "not a Zalo follower id: not-a-user", permanent: true))
        // A spent refresh token: the office must authorise the app again; the messages wait.
        guard case .failed(let said, false) = await self.oa(fake, seed: "RT0").send(message, to: DeliveryTarget(address: "55")) else {
            Issue.record("a refused renewal is tried again later"); return
        }
        #expect(said.contains("-14014"))
        #expect(try await stats(fake)["spent_reused"] == 1)
        #expect(try fake.received().isEmpty)
    }

    @Test func webhookEventsAreTakenOnlyWithTheirSignature() {
        // Signed as Zalo signs: SHA-256 of the app id, the body, its timestamp and the OA's secret key
        // (the expected value computed outside Swift, with Python's hashlib).
        let body = Data(#"{"app_id":"3055","event_name":"user_send_text","sender":{"id":"5566778899"},"message":{"text":"AB3DEFGH","msg_id":"x1"},"timestamp":"1764900000000"}"#.utf8)
        let mac = "421692cf7927e72bcfd94e9bcef737c0f1a5876ad3b18189c89d38e6db83a4c0"
        #expect(ZaloOA.signature(appID: "3055", body: body, timestamp: "1764900000000", oaSecretKey: "OASECRET") == mac)
        let event = ZaloOA.verifiedEvent(body: body, signature: "mac=" + mac, appID: "3055", oaSecretKey: "OASECRET")
        #expect(event == ZaloOA.Event(name: "user_send_text", senderID: "5566778899", text: "AB3DEFGH", timestamp: "1764900000000"))
        #expect(ZaloOA.verifiedEvent(body: body, signature: "mac=" + mac, appID: "3055", oaSecretKey: "OTHER") == nil)
        var changed = body
        changed[changed.count - 3] = UInt8(ascii: "1")
        #expect(ZaloOA.verifiedEvent(body: changed, signature: "mac=" + mac, appID: "3055", oaSecretKey: "OASECRET") == nil, "a changed body")
        #expect(ZaloOA.verifiedEvent(body: body, signature: "", appID: "3055", oaSecretKey: "OASECRET") == nil)
    }
}
