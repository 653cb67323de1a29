import CongvuDomain
import CongvuTestSupport
import Crypto
import Foundation
import Testing
@testable import CongvuNotify

/// Web Push: the encryption against RFC 8291's worked example, and whole pushes against an
/// endpoint on loopback that checks the VAPID token and decrypts with an implementation of its
/// own (http_ece), as a browser's push service and the browser would.
@Suite(.serialized) struct WebPushTests {
    @Test func theEncryptionIsRFC8291sWorkedExample() throws {
        // RFC 8291, appendix A: the same keys and salt give the same message, byte for byte.
        let serverKey = try P256.KeyAgreement.PrivateKey(rawRepresentation: try #require(Base64URL.decode("yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw")))
        #expect(Base64URL.encode(serverKey.publicKey.x963Representation)
                == "BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8")
        let body = try WebPushEncryption.encrypt(
            Data("When I grow up, I want to be a watermelon".utf8),
            subscriberKey: try #require(Base64URL.decode("BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4")),
            authSecret: try #require(Base64URL.decode("BTBZMqHH6r4Tts7J_aSIgg")), serverKey: serverKey,
            salt: try #require(Base64URL.decode("DGv6ra1nlYgDCS1FRnbzlw")))
        #expect(Base64URL.encode(body) == "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN")
        #expect(throws: WebPushError.payloadTooLarge) {
            try WebPushEncryption.encrypt(Data(count: 4080), subscriberKey: serverKey.publicKey.x963Representation, authSecret: Data(count: 16))
        }
        #expect(throws: WebPushError.badSubscription) {
            try WebPushEncryption.encrypt(Data("x".utf8), subscriberKey: Data(count: 65), authSecret: Data(count: 16))
        }
    }

    @Test func theVAPIDTokenIsSignedForThePushServicesOrigin() throws {
        let vapid = try VAPID(privateKey: VAPID.newKey(), subject: "mailto:vanphong@giahung.gov.vn")
        let now = Date(timeIntervalSince1970: 1_796_000_000)
        let header = try vapid.authorization(for: URL(string: "https://fcm.googleapis.com/fcm/send/abc:def")!, now: now)
        let parts = header.dropFirst("vapid t=".count).components(separatedBy: ", k=")
        #expect(parts.count == 2 && parts[1] == vapid.publicKey && Base64URL.decode(parts[1])?.count == 65)
        let token = parts[0].split(separator: ".").map(String.init)
        let claims = try JSONSerialization.jsonObject(with: try #require(Base64URL.decode(token[1]))) as? [String: Any]
        #expect(claims?["aud"] as? String == "https://fcm.googleapis.com" && claims?["exp"] as? Int == 1_796_000_000 + 43_200)
        #expect(claims?["sub"] as? String == "mailto:vanphong@giahung.gov.vn")
        let key = try P256.Signing.PublicKey(x963Representation: try #require(Base64URL.decode(parts[1])))
        let signature = try P256.Signing.ECDSASignature(rawRepresentation: try #require(Base64URL.decode(token[2])))
        #expect(key.isValidSignature(signature, for: Data("\(token[0]).\(token[1])".utf8)))
        #expect(Base64URL.decode("not base64!") == nil || Base64URL.decode("not base64!")?.isEmpty == false)
    }

    @Test(.enabled(if: FakeServer.python(has: "http_ece"))) func aPushIsDecryptedByTheSubscriptionsOwnKey() async throws {
        let fake = try await FakeServer.start("push_endpoint.py")
        defer { fake.stop() }
        let data = try await fake.get("/subscribe")
        let subscription = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let endpoint = try #require(subscription["endpoint"] as? String)
        let keys = String(decoding: try JSONSerialization.data(withJSONObject: try #require(subscription["keys"])), as: UTF8.self)
        let sender = WebPushSender(vapid: try VAPID(privateKey: VAPID.newKey(), subject: "https://congvu.giahung.gov.vn"))
        let message = OutgoingMessage(subject: "Congvu: Máy chấm công báo bị mở vỏ", text: "Máy chấm công báo bị mở vỏ: Cổng UBND xã Gia Hưng",
                                      link: "https://congvu.giahung.gov.vn/terminals/AF6C201460501", idempotencyKey: "congvu-delivery-41")
        let outcome = await sender.send(message, to: DeliveryTarget(address: endpoint, keys: keys))
        #expect(outcome == .sent(answer: "201 http://127.0.0.1:\(fake.port)/message/1"))
        let got = try #require(try fake.received().first)
        let payload = try #require(got["payload"] as? [String: String])
        #expect(payload == ["title": message.subject, "body": message.text, "url": message.link, "tag": "congvu-delivery-41"],
                "what the phone shows, decrypted by the subscription's own key")
        #expect(got["topic"] as? String == "congvu-delivery-41" && got["urgency"] as? String == "high" && got["ttl"] as? Int == 86_400)

        // Sent again (a worker killed between the push and its record): the push service replaces
        // the copy by its topic; the phone shows one notification.
        #expect(await sender.send(message, to: DeliveryTarget(address: endpoint, keys: keys)) == .sent(answer: "201 http://127.0.0.1:\(fake.port)/message/1"))
        #expect(try fake.received().count == 1 && (try fake.received().first?["posts"] as? Int) == 2)

        let gone = await sender.send(message, to: DeliveryTarget(address: "http://127.0.0.1:\(fake.port)/push/gone", keys: keys))
        #expect(gone == .failed(answer: "410 push subscription has unsubscribed or expired", permanent: true))
        let broken = await sender.send(message, to: DeliveryTarget(address: endpoint, keys: #"{"p256dh":"AAAA","auth":"BBBB"}"#))
        guard case .failed(_, true) = broken else { Issue.record("a subscription whose keys are not keys is refused for good: \(broken)"); return }
    }
}
