import CongvuDomain
import CongvuTestSupport
import Foundation
import Testing
@testable import CongvuNotify

@Test("The programs the notification tests need are installed where the test command runs (CI)")
func notificationFakesInstalled() {
    if ProcessInfo.processInfo.environment["CI"] != nil {
        #expect(FakeServer.python(has: "aiosmtpd"), "aiosmtpd from PyPI (scripts/test installs it)")
        #expect(FakeServer.python(has: "http_ece"), "http_ece from PyPI, the Web Push endpoint's decrypter (scripts/test installs it)")
    }
}

/// The e-mail channel against a real SMTP server (aiosmtpd) on loopback that requires STARTTLS
/// before the password, parsed on the other side by Python's own e-mail parser.
@Suite(.enabled(if: FakeServer.python(has: "aiosmtpd")), .serialized)
struct SMTPTests {
    let message = OutgoingMessage(
        subject: "Bạn được giao nhiệm vụ 12/2026/VP: Báo cáo tổng kết công tác cải cách hành chính năm 2026 của Ủy ban nhân dân xã",
        text: "Bạn được giao nhiệm vụ 12/2026/VP (hạn 11/12/2026).\n.\nMở: https://giahung.example/tasks/12",
        html: "<p>Bạn được giao nhiệm vụ <a href=\"https://giahung.example/tasks/12\">12/2026/VP</a></p>",
        link: "https://giahung.example/tasks/12", idempotencyKey: "congvu-delivery-77")

    func sender(_ fake: FakeServer, user: String = "vanphong", password: String = "mật-khẩu 1") throws -> SMTPSender {
        let pass = password.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? password
        return try SMTPSender(settings: SMTPSettings(url: "smtp://\(user):\(pass)@localhost:\(fake.port)?from=congvu@giahung.gov.vn&name=UBND%20x%C3%A3%20Gia%20H%C6%B0ng",
                                                     trustRootsFile: fake.ready[2]))
    }

    @Test func aVietnameseMessageArrivesOverSTARTTLSWithAuthentication() async throws {
        let fake = try await FakeServer.start("smtp_server.py", ["vanphong", "mật-khẩu 1"])
        defer { fake.stop() }
        let outcome = try await sender(fake).send(message, to: DeliveryTarget(address: "lan.nt@giahung.gov.vn"))
        guard case .sent(let answer) = outcome else { Issue.record("\(outcome)"); return }
        #expect(answer.contains("queued as 1"), "the server's answer is kept for the log")
        let got = try #require(try fake.received().first)
        #expect(got["tls"] as? Bool == true && got["auth"] as? Bool == true && got["login"] as? String == "vanphong")
        #expect(got["mail_from"] as? String == "congvu@giahung.gov.vn" && got["rcpt_tos"] as? [String] == ["lan.nt@giahung.gov.vn"])
        #expect(got["subject"] as? String == message.subject, "a long Vietnamese subject survives as encoded words")
        #expect(got["from"] as? String == "UBND xã Gia Hưng <congvu@giahung.gov.vn>")
        #expect(got["message_id"] as? String == "<congvu-delivery-77@giahung.gov.vn>", "the idempotency key names the message")
        #expect(got["auto_submitted"] as? String == "auto-generated")
        #expect((got["text"] as? String)?.trimmingCharacters(in: .newlines) == message.text, "a line holding only a dot arrives as it was")
        #expect((got["html"] as? String)?.contains("<a href=\"https://giahung.example/tasks/12\">") == true)
        #expect((got["defects"] as? [String])?.isEmpty == true)
    }

    @Test func refusalsArePermanentOrTransientAsTheServerSays() async throws {
        let fake = try await FakeServer.start("smtp_server.py", ["vanphong", "mật-khẩu 1"])
        defer { fake.stop() }
        let refused = try await sender(fake).send(message, to: DeliveryTarget(address: "nobody@refused.example"))
        guard case .failed(let answer, let permanent) = refused else { Issue.record("\(refused)"); return }
        #expect(permanent && answer.hasPrefix("550"), "no such mailbox: not tried again")

        let badPassword = try await sender(fake, password: "sai").send(message, to: DeliveryTarget(address: "lan@giahung.gov.vn"))
        guard case .failed(let why, _) = badPassword else { Issue.record("\(badPassword)"); return }
        #expect(why.hasPrefix("535"), "the server's refusal is in the log: \(why)")
        #expect(try fake.received().isEmpty)
    }

    @Test func anUntrustedCertificateOrNoServerIsTriedAgainLater() async throws {
        let fake = try await FakeServer.start("smtp_server.py", ["u", "p"])
        let port = fake.port
        defer { fake.stop() }
        // Trusting only the system's roots, the fake's own certificate is refused: nothing is sent.
        let untrusting = try SMTPSender(settings: SMTPSettings(url: "smtp://u:p@127.0.0.1:\(port)?from=congvu@giahung.gov.vn"))
        let outcome = await untrusting.send(message, to: DeliveryTarget(address: "lan@giahung.gov.vn"))
        guard case .failed(_, let permanent) = outcome else { Issue.record("\(outcome)"); return }
        #expect(!permanent)
        #expect(try fake.received().isEmpty)

        let nobody = try SMTPSender(settings: SMTPSettings(url: "smtp://127.0.0.1:1?from=congvu@giahung.gov.vn&security=none"))
        guard case .failed(_, false) = await nobody.send(message, to: DeliveryTarget(address: "lan@giahung.gov.vn")) else {
            Issue.record("a server that is not there is tried again"); return
        }
    }

    @Test func settingsAreReadFromOneURL() throws {
        let s = try SMTPSettings(url: "smtps://mail%40giahung:p%40ss@mail.giahung.gov.vn?from=congvu@giahung.gov.vn")
        #expect(s.security == .tls && s.port == 465 && s.username == "mail@giahung" && s.password == "p@ss" && s.fromName == "Congvu")
        #expect(try SMTPSettings(url: "smtp://relay:25?from=a@b.vn&security=none").security == .none)
        #expect(throws: SMTPSettingsError.self) { try SMTPSettings(url: "smtp://u:p@relay:25?from=a@b.vn&security=none") }
        #expect(throws: SMTPSettingsError.self) { try SMTPSettings(url: "http://relay?from=a@b.vn") }
        #expect(throws: SMTPSettingsError.self) { try SMTPSettings(url: "smtp://relay") }
    }

    @Test func encodedWordsNeverSplitACharacterNorRunPast75() {
        let words = MailMessage.encodedWords(message.subject).components(separatedBy: "\r\n ")
        #expect(words.count > 1 && words.allSatisfy { $0.count <= 75 && $0.hasPrefix("=?UTF-8?B?") })
        let decoded = words.map { w in String(decoding: Data(base64Encoded: String(w.dropFirst(10).dropLast(2)))!, as: UTF8.self) }
        #expect(decoded.joined() == message.subject && decoded.allSatisfy { !$0.contains("\u{FFFD}") })
        #expect(MailMessage.encodedWords("Congvu") == "Congvu")
        #expect(!MailMessage.encodedWords("a\r\nBcc: x@y").contains("\n"), "no header can be smuggled through a subject")
    }
}
