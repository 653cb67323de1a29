import CongvuDomain
import CongvuNotify
import CongvuStore
import CongvuTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import Logging
import SQLKit
import Testing
@testable import CongvuServer

/// Issue 20 through the pages, with the real counterparts on loopback: an SMTP server (aiosmtpd)
/// and a fake Telegram Bot API. A person proves an address, chooses channels, and what is raised
/// for them arrives there through the worker, which records the provider's answer.
@Suite(.enabled(if: FakeServer.python(has: "aiosmtpd")), .serialized)
struct NotificationFlowTests {
    /// The demo behind an SMTP server on loopback (aiosmtpd, STARTTLS and a password), links to the public address.
    static func withMailServer(_ body: @escaping @Sendable (FakeServer, Harness) async throws -> Void) async throws {
        let smtp = try await FakeServer.start("smtp_server.py", ["congvu", "mật khẩu"])
        defer { smtp.stop() }
        try await Harness.run(configure: {
            $0.smtpURL = "smtp://congvu:m%E1%BA%ADt%20kh%E1%BA%A9u@localhost:\(smtp.port)?from=congvu@giahung.gov.vn"
            $0.smtpCAFile = smtp.ready[2]
            $0.publicURL = "https://congvu.giahung.gov.vn"
        }) { h in try await body(smtp, h) }
    }

    @Test func theInboxShowsOpensAndMarksRead() async throws {
        try await Harness.run { h in
            let b = try await h.signIn("congchuc.giahung")
            let me = try await h.personID("congchuc.giahung")
            let id = try await NotificationStore.raiseOne(NotificationDraft(key: NotificationKey(.taskAssigned, recordType: "task", recordID: 99_001),
                                                                            params: ["reference": "7/2026/VP", "title": "Báo cáo quý IV", "due": "2026-12-11"],
                                                                            link: "/tasks/99001"), to: me, in: h.services.database)
            let page = try await b.get("/notifications")
            #expect(page.status == .ok && page.text.contains("Bạn được giao nhiệm vụ 7/2026/VP: Báo cáo quý IV (hạn 11/12/2026)"))
            #expect(page.text.contains("id=\"inbox-link\""), "the bell is in the header")
            let unread = try await b.get("/notifications/unread")
            let before = try #require(try JSONSerialization.jsonObject(with: Data(unread.text.utf8)) as? [String: Int])["unread"]
            #expect((before ?? 0) >= 1)

            // Another person cannot open mine.
            let other = try await h.signIn("vanphong.giahung")
            #expect(try await other.get("/notifications/\(id)/open").status == .notFound)
            let open = try await b.get("/notifications/\(id)/open")
            #expect(open.status == .seeOther && open.headers[.location] == "/tasks/99001")
            #expect(try await h.services.notifications.store.inbox(personID: me).first { $0.id == id }?.readAt != nil)
            #expect(try await b.post("/notifications/read", [:]).status == .seeOther)
            // The administrator has no person: the bell's page is empty, not missing.
            let admin = try await h.signIn("admin")
            let none = try await admin.get("/notifications")
            #expect(none.status == .ok && none.text.contains("id=\"inbox-empty\""))
            #expect(try await b.get("/notifications/unread").text == #"{"unread":0}"#)
        }
    }

    @Test func anEmailIsConfirmedByItsCodeAndThenReceivesWhatIsRaised() async throws {
        try await Self.withMailServer { smtp, h in
            let b = try await h.signIn("congchuc.giahung")
            let me = try await h.personID("congchuc.giahung")
            let settings = try await b.get("/notifications/settings")
            #expect(settings.status == .ok && settings.text.contains("id=\"email-form\"") && !settings.text.contains("id=\"telegram-form\""),
                    "only the configured channels are offered")

            let bad = try await b.post("/notifications/settings/email", ["email": "lan@"])
            #expect(bad.status == .badRequest && bad.text.contains("Địa chỉ không hợp lệ."))
            let sent = try await b.post("/notifications/settings/email", ["email": "Lan.NT@giahung.gov.vn"])
            #expect(sent.status == .seeOther)
            let mail = try #require(try smtp.received().last)
            #expect(mail["rcpt_tos"] as? [String] == ["lan.nt@giahung.gov.vn"])
            let text = try #require(mail["text"] as? String)
            let code = try #require(text.split(separator: " ").first { $0.count == 7 && $0.hasSuffix(".") && $0.dropLast().allSatisfy(\.isNumber) }).dropLast()

            let wrong = try await b.post("/notifications/settings/confirm", ["channel": "email", "code": code == "000000" ? "000001" : "000000"])
            #expect(wrong.status == .badRequest && wrong.text.contains("Mã không đúng."))
            #expect(try await b.post("/notifications/settings/confirm", ["channel": "email", "code": String(code)]).status == .seeOther)
            #expect(try await b.get("/notifications/settings").text.contains("đã xác nhận"))

            // Task notifications by e-mail, and quiet hours that are refused when half given.
            let half = try await b.post("/notifications/settings", ["choices": "1", "k.task_assigned.email": "on", "quiet_from": "22:00"])
            #expect(half.status == .badRequest && half.text.contains("Không được để trống."))
            #expect(try await b.post("/notifications/settings", ["choices": "1", "k.task_assigned.email": "on", "daily": "25:00"]).status == .badRequest)
            #expect(try await b.post("/notifications/settings", ["choices": "1", "k.task_assigned.email": "on"]).status == .seeOther)
            #expect(try await h.services.notifications.store.preferences(personID: me).channels[.taskAssigned] == [.email])

            let draft = NotificationDraft(key: NotificationKey(.taskAssigned, recordType: "task", recordID: 99_002),
                                          params: ["reference": "8/2026/VP", "title": "Rà soát thủ tục", "due": "2026-12-18"], link: "/tasks/99002")
            let id = try await NotificationStore.raiseOne(draft, to: me, in: h.services.database)
            let worker = DeliveryWorker(services: h.services.notifications, logger: Logger(label: "test"))
            #expect(try await worker.runOnce() == 1)
            let delivered = try #require(try smtp.received().last)
            #expect(delivered["subject"] as? String == "Congvu: Bạn được giao nhiệm vụ 8/2026/VP: Rà soát thủ tục (hạn 18/12/2026)")
            #expect((delivered["text"] as? String)?.contains("https://congvu.giahung.gov.vn/tasks/99002") == true, "links go to the public address")
            let log = try await h.services.notifications.store.deliveries(notificationID: id)
            #expect(log.map(\.state) == ["sent"] && log.first?.attempts == ["sent"])
            #expect(try await worker.runOnce() == 0, "sent once")
        }
    }

    /// Issue 23: a citizen who asked for a private answer and gave an e-mail address receives it
    /// there, through the same outbox and worker as everyone's notifications; it is published
    /// nowhere, and the office sees on the item that it was delivered.
    @Test func aPrivateAnswerToFeedbackIsEmailedToTheCitizen() async throws {
        try await Self.withMailServer { smtp, h in
            let committee = try await h.unit(code: "14551-UB")
            let clerk = try await h.personID("congchuc.giahung")
            let (filed, code) = try await FeedbackFlowTests.file(h.browser(), "14551-UB", [
                "category": "public_service", "description": "Đèn đường thôn Đông hỏng đã hai tuần, tối không đi được.",
                "contact": "Hoa.Pham@Example.vn", "private": "1"])
            #expect(filed.status == .seeOther)
            let tracking = try #require(code)
            let item = try #require(try await h.services.feedback.store.get(code: tracking))
            #expect(item.draft.answerPrivately && item.draft.contact == "hoa.pham@example.vn")
            let desk = try await h.signIn("vanphong.giahung")
            #expect(try await desk.post("/feedback/\(item.id)/assign", ["owner_unit": String(committee.id), "owner": String(clerk), "version": "1"]).status == .seeOther)

            let owner = try await h.signIn("congchuc.giahung")
            let form = try await owner.get("/feedback/\(item.id)")
            #expect(form.text.contains("id=\"feedback-answer-note\"") && form.text.contains("hoa.pham@example.vn"), "the owner is told where the answer goes")
            let answer = "Đã thay bóng đèn thôn Đông ngày 25/11. Xin cảm ơn bà đã phản ánh."
            #expect(try await owner.post("/feedback/\(item.id)/answer", ["answer": answer, "version": "2"]).status == .seeOther)
            let worker = DeliveryWorker(services: h.services.notifications, logger: Logger(label: "test"))
            #expect(try await worker.runOnce() >= 1)
            let mail = try #require(try smtp.received().last { ($0["rcpt_tos"] as? [String]) == ["hoa.pham@example.vn"] })
            #expect(mail["subject"] as? String == "Trả lời phản ánh, kiến nghị \(tracking)")
            let text = try #require(mail["text"] as? String)
            #expect(text.contains(answer) && text.contains(committee.name) && text.contains("https://congvu.giahung.gov.vn/phan-anh/ma/\(tracking)"))
            #expect(!(try await h.browser().get("/phan-anh/14551-UB")).text.contains("Đã thay bóng đèn thôn Đông"), "a private answer is not published")
            let page = try await desk.get("/feedback/\(item.id)")
            #expect(page.text.contains("id=\"feedback-sent\"") && page.text.contains("đã gửi"))
            #expect(try await worker.runOnce() == 0, "sent once")
        }
    }

    @Test func aTelegramChatIsLinkedByTheCodeItSendsTheBot() async throws {
        let telegram = try await FakeServer.start("telegram_api.py", ["42:TOKEN"])
        defer { telegram.stop() }
        try await Harness.run(configure: {
            $0.telegramBotToken = "42:TOKEN"
            $0.telegramAPIURL = "http://127.0.0.1:\(telegram.port)"
            $0.telegramBotName = "congvu_giahung_bot"
        }) { h in
            let b = try await h.signIn("congchuc.giahung")
            let me = try await h.personID("congchuc.giahung")
            let page = try await b.post("/notifications/settings/telegram", [:])
            #expect(page.status == .ok)
            let code = try #require(page.text.range(of: #"start=([A-Z0-9]{8})"#, options: .regularExpression)).upperBound
            let linkCode = String(page.text[page.text.index(code, offsetBy: -8)..<code])
            #expect(page.text.contains("https://t.me/congvu_giahung_bot?start=\(linkCode)"))

            let service = TelegramLinkService(services: h.services.notifications, bot: try #require(h.services.notifications.telegram), logger: Logger(label: "test"))
            try await telegram.post("/control/message", ["chat_id": 777, "text": "xin chào"])
            try await telegram.post("/control/message", ["chat_id": 5512345, "text": "/start \(linkCode)"])
            #expect(try await service.pollOnce(timeout: 5) == [me])
            #expect(try await h.services.notifications.store.addresses(personID: me).map { "\($0.channel.rawValue) \($0.address) \($0.confirmed)" }
                    == ["telegram 5512345 true"])
            let replies = try telegram.received()
            #expect(replies.map { $0["chat_id"] as? Int } == [777, 5_512_345])
            #expect((replies.last?["text"] as? String)?.hasPrefix("Đã liên kết") == true && (replies.first?["text"] as? String)?.contains("mã 8 ký tự") == true)
            #expect(try await service.pollOnce(timeout: 0).isEmpty, "read once: the position is kept in the database")
            #expect(try await h.services.notifications.store.channelState(.telegram, "offset") != nil)

            // Task notifications go to Telegram by default once linked.
            let draft = NotificationDraft(key: NotificationKey(.taskAssigned, recordType: "task", recordID: 99_003),
                                          params: ["reference": "9/2026/VP", "title": "Họp giao ban", "due": "2026-12-08"], link: "/tasks/99003")
            _ = try await h.services.database.write { try await NotificationStore.raise(draft, toPeople: [me], in: $0) }
            #expect(try await DeliveryWorker(services: h.services.notifications, logger: Logger(label: "test")).runOnce() == 1)
            #expect((try telegram.received().last?["text"] as? String)?.hasPrefix("Bạn được giao nhiệm vụ 9/2026/VP") == true)
        }
    }

    @Test(.enabled(if: FakeServer.python(has: "http_ece")))
    func aPhoneSubscribesAndAnUrgentAlertIsPushedToIt() async throws {
        let push = try await FakeServer.start("push_endpoint.py")
        defer { push.stop() }
        try await Harness.run(configure: {
            $0.webPushEndpoints = ["http://127.0.0.1:\(push.port)/push/"]
            $0.publicURL = "https://congvu.giahung.gov.vn"
        }) { h in
            let b = try await h.signIn("chutich.giahung")
            let me = try await h.personID("chutich.giahung")
            let page = try await b.get("/notifications/settings")
            let key = try #require(h.services.notifications.vapid?.publicKey)
            #expect(page.text.contains("data-key=\"\(key)\""), "the page hands the browser the server's VAPID key")
            #expect(try await b.get("/sw.js").text.contains("showNotification"))

            // What the browser's PushManager gives, posted as app.js posts it.
            let data = try await push.get("/subscribe")
            let sub = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            let keys = try #require(sub["keys"] as? [String: String])
            let endpoint = try #require(sub["endpoint"] as? String)
            let elsewhere = try await b.post("/notifications/settings/push", ["endpoint": "https://10.0.0.5/push/1", "p256dh": keys["p256dh"]!, "auth": keys["auth"]!])
            #expect(elsewhere.status == .badRequest && elsewhere.text.contains("không được chấp nhận"), "no push to an address of the caller's choosing")
            let badKeys = try await b.post("/notifications/settings/push", ["endpoint": endpoint, "p256dh": "AAAA", "auth": keys["auth"]!])
            #expect(badKeys.status == .badRequest)
            #expect(try await b.post("/notifications/settings/push", ["endpoint": endpoint, "p256dh": keys["p256dh"]!, "auth": keys["auth"]!]).status == .seeOther)
            // A second phone whose subscription the push service has since dropped.
            try await h.services.notifications.store.subscribe(personID: me, endpoint: "http://127.0.0.1:\(push.port)/push/gone",
                                                               keys: AuditJSON.encode(keys), by: .system)

            let draft = NotificationDraft(key: NotificationKey(.terminalTamper, recordType: "terminal", recordID: 1, occasion: "2026-12-05T08:00"),
                                          params: ["subject": "Cổng UBND xã Gia Hưng"], link: "/terminals/AF6C201460501")
            let id = try await NotificationStore.raiseOne(draft, to: me, in: h.services.database)
            #expect(try await DeliveryWorker(services: h.services.notifications, logger: Logger(label: "test")).runOnce() == 1)
            let got = try #require(try push.received().first)
            let payload = try #require(got["payload"] as? [String: String])
            #expect(payload["body"]?.hasPrefix("Máy chấm công có dấu hiệu bị can thiệp: Cổng UBND xã Gia Hưng") == true)
            #expect(payload["url"] == "https://congvu.giahung.gov.vn/terminals/AF6C201460501")
            #expect(got["vapid_k"] as? String == key && got["vapid_sub"] as? String == "https://congvu.giahung.gov.vn")
            #expect(try await h.services.notifications.store.deliveries(notificationID: id).map(\.state) == ["sent"],
                    "sent: one phone took it, whatever the other said")
            #expect(try await h.services.notifications.store.addresses(personID: me).map(\.address) == [endpoint],
                    "the subscription the push service called gone is dropped")
        }
    }

    @Test func aLeaderGetsTheMorningDigestOnceWithALinkPerLine() async throws {
        let telegram = try await FakeServer.start("telegram_api.py", ["42:TOKEN"])
        defer { telegram.stop() }
        try await Harness.run(configure: {
            $0.telegramBotToken = "42:TOKEN"
            $0.telegramAPIURL = "http://127.0.0.1:\(telegram.port)"
            $0.publicURL = "https://congvu.giahung.gov.vn"
        }) { h in
            let store = h.services.notifications.store
            let chairman = try await h.personID("chutich.giahung"), clerk = try await h.personID("congchuc.giahung")
            #expect(try await store.preferences(personID: chairman) == .leader, "a leader takes the 08:15 digest until choosing otherwise")
            #expect(try await store.preferences(personID: clerk) == NotificationPreferences())
            let code = try await store.requestCode(personID: chairman, channel: .telegram)
            _ = try await store.link(channel: .telegram, code: code, chat: "880011")

            let service = DigestService(services: h.services, logger: Logger(label: "test"))
            let morning = CivilTime.startOfDay(h.services.today)
            #expect(try await service.runOnce(at: morning.addingTimeInterval(8 * 3600)).isEmpty, "not before 08:15")
            let time = morning.addingTimeInterval(Double(8 * 60 + 20) * 60)
            let got = try await service.runOnce(at: time)
            #expect(got.contains(chairman) && !got.contains(clerk))
            #expect(try await service.runOnce(at: time.addingTimeInterval(60)).isEmpty, "once a day, however often the loop runs")

            let item = try #require(try await store.inbox(personID: chairman).first { $0.kind == .dailyDigest })
            #expect(item.params["day"] == h.services.today.description && item.params["approvals"] != nil && item.params["dossiers_overdue"] != nil)
            #expect(h.services.notifications.text(item.kind, item.params, .vi).hasPrefix("Tổng hợp ngày \(h.services.today.vietnamese): "))

            // Through the worker to the leader's chat: a heading, then one line and one link per figure. The
            // store admits what is queued at the real clock's now (the inbox read above): after 08:20 the
            // delivery is due from then, so the worker runs at whichever is later.
            #expect(try await DeliveryWorker(services: h.services.notifications, logger: Logger(label: "test")).runOnce(at: max(time, Date())) >= 1)
            let text = try #require(try telegram.received().last?["text"] as? String)
            let lines = text.split(separator: "\n")
            #expect(lines.first == "Tổng hợp ngày \(h.services.today.vietnamese)")
            #expect(lines.count >= 2 && lines.dropFirst().allSatisfy { $0.hasPrefix("• ") && $0.contains(": https://congvu.giahung.gov.vn/") }, "\(text)")

            // A task for the chairman now waits for tomorrow's digest instead of a message of its own.
            let draft = NotificationDraft(key: NotificationKey(.taskAssigned, recordType: "task", recordID: 99_004), params: ["reference": "1", "title": "x", "due": "2026-12-09"])
            let id = try await NotificationStore.raiseOne(draft, to: chairman, in: h.services.database)
            #expect(try await store.deliveries(notificationID: id).isEmpty)
            #expect(try await store.notification(id, personID: chairman)?.digested == true, "routed to the digest when admitted")
        }
    }

    @Test func theOfficeSeesTheLogResendsAFailureAndKnowsWhoIsUnreachable() async throws {
        let telegram = try await FakeServer.start("telegram_api.py", ["42:TOKEN"])
        defer { telegram.stop() }
        try await Harness.run(configure: {
            $0.telegramBotToken = "42:TOKEN"
            $0.telegramAPIURL = "http://127.0.0.1:\(telegram.port)"
        }) { h in
            let store = h.services.notifications.store
            let clerk = try await h.personID("congchuc.giahung")
            // The clerk linked a chat that has since blocked the bot (the fake's chat 403).
            let code = try await store.requestCode(personID: clerk, channel: .telegram)
            _ = try await store.link(channel: .telegram, code: code, chat: "403")
            let draft = NotificationDraft(key: NotificationKey(.taskAssigned, recordType: "task", recordID: 99_005),
                                          params: ["reference": "5/2026/VP", "title": "Báo cáo tháng", "due": "2026-12-10"], link: "/tasks/99005")
            let id = try await NotificationStore.raiseOne(draft, to: clerk, in: h.services.database)
            let worker = DeliveryWorker(services: h.services.notifications, logger: Logger(label: "test"))
            #expect(try await worker.runOnce() == 1)
            #expect(try await store.deliveries(notificationID: id).map(\.state) == ["failed"], "blocked: not tried again")

            let office = try await h.signIn("vanphong.giahung")
            #expect(try await office.get("/").text.contains("href=\"/notifications/log?state=failed\""), "the office's home card")
            let log = try await office.get("/notifications/log?state=failed")
            #expect(log.status == .ok && log.text.contains("Bạn được giao nhiệm vụ 5/2026/VP") && log.text.contains("403 Forbidden: bot was blocked by the user"))
            #expect(log.text.contains("id=\"unreachable\""), "the office sees who has no working channel")
            let unreachable = try await store.unreachable(scopes: ["/"], on: h.services.today)
            #expect(!unreachable.contains { $0.personID == clerk }, "a confirmed chat counts as a channel, even one that now fails")
            let book = try await office.get("/notifications/log.xlsx")
            #expect(book.status == .ok && book.headers[.contentType]?.contains("spreadsheetml") == true)

            // Another commune's office cannot resend it; this one can, once, and it is audited.
            let deliveryID = try #require(try await store.log(scopes: ["/"], on: h.services.today, failedOnly: true).first?.deliveryID)
            let other = try await h.signIn("vanphong.giavan")
            #expect(try await other.post("/notifications/log/\(deliveryID)/resend", [:]).status == .notFound)
            #expect(try await office.post("/notifications/log/\(deliveryID)/resend", [:]).status == .seeOther)
            #expect(try await store.deliveries(notificationID: id).map(\.state) == ["queued"])
            #expect(try await office.post("/notifications/log/\(deliveryID)/resend", [:]).status == .conflict, "only a failed one")
            let audited = try await h.services.database.read { sql in
                try await sql.raw("SELECT COUNT(*) AS n FROM audit_log WHERE object_type = 'notification_delivery' AND reason = 'resend'").first()!.decode(column: "n", as: Int.self)
            }
            #expect(audited == 1)
            #expect(try await worker.runOnce() == 1)
            #expect(try await store.deliveries(notificationID: id).first?.attempts == ["refused", "refused"], "both attempts kept")
            // The demo's office takes new tasks by e-mail, which this server has not configured: the
            // log says so in the reader's language, not in the worker's words.
            let officeDraft = NotificationDraft(key: NotificationKey(.taskAssigned, recordType: "task", recordID: 99_006),
                                                params: ["reference": "6/2026/VP", "title": "Tổng hợp số liệu", "due": "2026-12-11"])
            _ = try await h.services.database.write { try await NotificationStore.raise(officeDraft, toPeople: [try await h.personID("vanphong.giahung")], in: $0) }
            #expect(try await worker.runOnce() == 1)
            #expect(try await office.get("/notifications/log?state=failed").text.contains("Kênh này chưa được cấu hình trên máy chủ."))
            // A civil servant has no such page.
            #expect(try await (try await h.signIn("congchuc.giahung")).get("/notifications/log").status == .forbidden)
        }
    }

    @Test func theMorningRemindsLeadsOfDeadlinesOncePerDay() async throws {
        try await Harness.run { h in
            let clerk = try await h.personID("congchuc.giahung"), chairman = try await h.personID("chutich.giahung")
            let unit = try await h.unit(code: "14551-VP")
            // Monday 7 December 2026, 07:45: a working day.
            let now = Instant.parseLocal("2026-12-07 07:45")!
            func task(_ title: String, due: String) async throws -> Int64 {
                try await h.services.tasks.tasks.create(WorkTask(unitID: unit.id, year: 2026, title: title, assignerID: chairman, ownerID: clerk,
                                                                 assignedAt: Instant.parseLocal("2026-11-20 09:00")!, due: Day(due)!), by: .system).id
            }
            let tomorrow = try await task("Nộp báo cáo tuần", due: "2026-12-08")
            let late = try await task("Cập nhật cổng thông tin", due: "2026-12-02")
            let later = try await task("Rà soát hồ sơ lưu trữ", due: "2026-12-09")
            let raised = try await h.services.tasks.remind(now: now)
            #expect(raised >= 2)
            #expect(try await h.services.tasks.remind(now: now.addingTimeInterval(3600)) == 0, "once per task and day")
            let inbox = try await h.services.notifications.store.inbox(personID: clerk, limit: 200)
            func kinds(_ id: Int64) -> [NotificationKind] { inbox.filter { $0.link == "/tasks/\(id)" }.map(\.kind).filter { $0 != .taskAssigned } }
            #expect(kinds(tomorrow) == [.taskDueSoon] && kinds(late) == [.taskOverdue] && kinds(later).isEmpty, "1 working day left; overdue; 2 left")
            let text = try #require(inbox.first { $0.link == "/tasks/\(late)" && $0.kind == .taskOverdue })
            #expect(h.services.notifications.text(text.kind, text.params, .vi).contains("Cập nhật cổng thông tin (hạn 02/12/2026)"))
            // Sunday: no reminders.
            #expect(try await h.services.tasks.remind(now: Instant.parseLocal("2026-12-06 07:45")!) == 0)
        }
    }

    @Test func channelSecretsMayBeSealedAndAreNeverPrintedWhenWrong() async throws {
        let telegram = try await FakeServer.start("telegram_api.py", ["42:REAL-TOKEN"])
        defer { telegram.stop() }
        let key = String(repeating: "ab", count: 32)
        let box = try SecretBox.load(dataDirectory: "/nonexistent", environmentKey: key)
        let sealed = "sealed:" + (try box.seal("42:REAL-TOKEN"))
        try await Harness.run(configure: {
            $0.secretKey = key
            $0.telegramBotToken = sealed
            $0.telegramAPIURL = "http://127.0.0.1:\(telegram.port)"
        }) { h in
            let bot = try #require(h.services.notifications.telegram)
            #expect(await bot.say("thử", to: 5) == .sent(answer: "message_id 1"), "the sealed token was opened")
        }
        func refusal(_ configure: (inout AppConfig) -> Void) async throws -> ConfigError? {
            var config = AppConfig()
            config.secretKey = String(repeating: "cd", count: 32)
            configure(&config)
            var caught: ConfigError?
            try await TestDatabases.withFresh(.sqlite) { db, dir in
                config.dataDirectory = dir
                do {
                    _ = try await AppServices.open(config: config, database: db, logger: TestDatabases.logger)
                } catch let e as ConfigError {
                    caught = e
                }
            }
            return caught
        }
        let otherKey = try #require(try await refusal { $0.telegramBotToken = sealed }, "a secret sealed with another key stops the start")
        #expect(otherKey.key == "telegram_bot_token" && !otherKey.description.contains(sealed))
        let noSender = try #require(try await refusal { $0.smtpURL = "smtp://vanphong:p%40ss-secret@mail.giahung.gov.vn" })
        #expect(noSender.key == "smtp_url" && noSender.description.contains("from=") && !noSender.description.contains("p%40ss-secret"),
                "the URL's problem is named, its password never: \(noSender)")
    }

    @Test func aServerWithoutChannelsSaysSoAndStillKeepsTheInbox() async throws {
        try await Harness.run(configure: { $0.webPush = false }) { h in
            let b = try await h.signIn("congchuc.giahung")
            let page = try await b.get("/notifications/settings")
            #expect(page.status == .ok && page.text.contains("id=\"no-channels\""))
            #expect(try await b.post("/notifications/settings/telegram", [:]).status == .notFound)
            #expect(try await b.post("/notifications/settings", ["choices": "1", "quiet_from": "22:00", "quiet_to": "06:30", "daily": "08:15"]).status == .seeOther)
            let prefs = try await h.services.notifications.store.preferences(personID: try await h.personID("congchuc.giahung"))
            #expect(prefs.quietHours == QuietHours(start: 1320, end: 390) && prefs.dailyDigest == 495)
        }
    }
}
