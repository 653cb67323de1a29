import CongvuDomain
import CongvuTestSupport
import Foundation
import NIOCore
import Testing
@testable import CongvuNotify

/// The Telegram channel against a fake Bot API on loopback that checks requests as Telegram
/// documents them and answers as Telegram does (scripts/fakes/telegram_api.py).
@Suite(.serialized) struct TelegramTests {
    let message = OutgoingMessage(subject: "Nhiệm vụ", text: "Bạn được giao nhiệm vụ 12/2026/VP: Báo cáo quý IV (hạn 11/12/2026)\nhttps://giahung.example/tasks/12",
                                  link: "https://giahung.example/tasks/12", idempotencyKey: "congvu-delivery-5")

    @Test func aMessageReachesTheLinkedChat() async throws {
        let fake = try await FakeServer.start("telegram_api.py", ["123:SECRET"])
        defer { fake.stop() }
        let bot = TelegramBot(token: "123:SECRET", api: "http://127.0.0.1:\(fake.port)")
        let outcome = await bot.send(message, to: DeliveryTarget(address: "5512345"))
        #expect(outcome == .sent(answer: "message_id 1"))
        let got = try #require(try fake.received().first)
        #expect(got["chat_id"] as? Int == 5_512_345 && got["text"] as? String == message.text)
        #expect((got["link_preview_options"] as? [String: Bool])?["is_disabled"] == true)

        let long = OutgoingMessage(subject: "", text: String(repeating: "ă", count: 5000), link: "", idempotencyKey: "k")
        #expect(await bot.send(long, to: DeliveryTarget(address: "-1001234")) == .sent(answer: "message_id 2"), "cut to Telegram's 4,096 characters")
    }

    @Test func refusalsArePermanentOrTransientAsTelegramSays() async throws {
        let fake = try await FakeServer.start("telegram_api.py", ["123:SECRET"])
        defer { fake.stop() }
        let bot = TelegramBot(token: "123:SECRET", api: "http://127.0.0.1:\(fake.port)")
        #expect(await bot.send(message, to: DeliveryTarget(address: "403")) == .failed(answer: "403 Forbidden: bot was blocked by the user", permanent: true))
        #expect(await bot.send(message, to: DeliveryTarget(address: "400")) == .failed(answer: "400 Bad Request: chat not found", permanent: true))
        #expect(await bot.send(message, to: DeliveryTarget(address: "429")) == .failed(answer: "429 Too Many Requests: retry after 7", permanent: false))
        let wrongToken = TelegramBot(token: "123:WRONG", api: "http://127.0.0.1:\(fake.port)")
        #expect(await wrongToken.send(message, to: DeliveryTarget(address: "55")) == .failed(answer: "401 Unauthorized", permanent: false),
                "the office mends the token; the messages wait")
        guard case .failed(_, false) = await TelegramBot(token: "t", api: "http://127.0.0.1:1", timeout: .seconds(1)).send(message, to: DeliveryTarget(address: "55")) else {
            Issue.record("no API reachable is tried again"); return
        }
        #expect(try fake.received().isEmpty)
    }

    @Test func whatPeopleWriteIsReadOnceByOffset() async throws {
        let fake = try await FakeServer.start("telegram_api.py", ["123:SECRET"])
        defer { fake.stop() }
        let bot = TelegramBot(token: "123:SECRET", api: "http://127.0.0.1:\(fake.port)")
        #expect(try await bot.updates(offset: 0, timeout: 0).isEmpty)
        try await fake.post("/control/message", ["chat_id": 5512345, "text": "/start AB3DEFGH"])
        let first = try await bot.updates(offset: 0, timeout: 5)
        #expect(first.map(\.text) == ["/start AB3DEFGH"] && first.map(\.chat) == [5512345])
        let next = try #require(first.last).updateID + 1
        #expect(try await bot.updates(offset: next, timeout: 0).isEmpty, "confirmed by asking past it")
    }
}
