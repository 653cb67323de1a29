import CongvuDomain
import CongvuStore
import CongvuTerminals
import Foundation
import SQLKit
import Testing
@testable import CongvuServer

/// Issue 20's "what notifies": each feature raises its kinds inside its own transaction (or from
/// its morning or minute watch, once per occasion) to the people the rules name — the nearest
/// holders of a role over the record's unit, or the person concerned — never to everyone above.
@Suite(.serialized)
struct FeatureNotificationTests {
    func kinds(_ h: Harness, _ username: String, _ kind: NotificationKind) async throws -> [InboxItem] {
        try await h.services.notifications.store.inbox(personID: try await h.personID(username), limit: 500).filter { $0.kind == kind }
    }

    @Test func aNoticeReachesItsDecidersAndTheDecisionOnAnExplanationReachesThePerson() async throws {
        try await Harness.run { h in
            let clerk = try await h.personID("congchuc.giahung")
            let absences = AbsenceStore(database: h.services.database)
            let notice = try await absences.file(AbsenceRequest(id: 0, personID: clerk, kind: .notice, place: "Sở Nội vụ", purpose: "Tập huấn",
                                                                from: Date().addingTimeInterval(3600), to: Date().addingTimeInterval(5 * 3600),
                                                                filedAt: Date()), by: .system)
            let toChair = try await kinds(h, "chutich.giahung", .noticeToDecide)
            #expect(toChair.count == 1 && toChair.first?.link == "/absences")
            #expect(h.services.notifications.text(.noticeToDecide, toChair[0].params, .vi).hasPrefix("Thông báo vắng mặt, đơn nghỉ chờ anh/chị quyết định: "))
            // Not the office, not another commune's chairman, not the person.
            #expect(try await kinds(h, "vanphong.giahung", .noticeToDecide).isEmpty)
            #expect(try await kinds(h, "chutich.giavan", .noticeToDecide).isEmpty)
            #expect(try await kinds(h, "congchuc.giahung", .noticeToDecide).isEmpty)
            _ = notice

            // The chairman's own notice goes to the level above: in the demo nobody leads the province
            // with an account, so nobody is told rather than the chairman himself.
            let chair = try await h.personID("chutich.giahung")
            _ = try await absences.file(AbsenceRequest(id: 0, personID: chair, kind: .notice, place: "Tỉnh", purpose: "Họp",
                                                       from: Date().addingTimeInterval(3600), to: Date().addingTimeInterval(2 * 3600), filedAt: Date()), by: .system)
            #expect(try await kinds(h, "chutich.giahung", .noticeToDecide).count == 1)

            let explanations = ExplanationStore(database: h.services.database)
            let day = Day("2026-12-01")!
            let opened = try await explanations.open(Explanation(personID: clerk, day: day, verdict: .late, minutes: 12, openedAt: Date(), openedBy: nil,
                                                                 dueAt: Date().addingTimeInterval(3 * 86400)), by: .system)
            let due = try await kinds(h, "congchuc.giahung", .explanationDue)
            #expect(due.count == 1 && due[0].link == "/explanations/\(opened.id)")
            #expect(h.services.notifications.text(.explanationDue, due[0].params, .vi) == "Cần nộp giải trình: 01/12/2026")
            _ = try await explanations.explain(opened.id, text: "Xe hỏng giữa đường", attachment: nil, by: .system)
            _ = try await explanations.decide(opened.id, accept: true, note: "", by: .system)
            #expect(try await kinds(h, "congchuc.giahung", .explanationDecided).map(\.link) == ["/explanations/\(opened.id)"])
        }
    }

    @Test func aTamperedTerminalTellsItsOfficeAndLeadersAtOnceAndOnce() async throws {
        try await Harness.run { h in
            let terminal = try #require(try await h.services.terminals.terminals.get(serial: "AF6C201460501"))
            let before = try await kinds(h, "vanphong.giahung", .terminalTamper).count
            let alert = NewTerminalAlert(kind: .factoryReset, occurredAt: Date(), detail: "OPLOG 4", dedupe: "test:factory_reset")
            try await h.services.terminals.alerts.raise([alert], terminalID: terminal.id)
            try await h.services.terminals.alerts.raise([alert], terminalID: terminal.id)
            let office = try await kinds(h, "vanphong.giahung", .terminalTamper)
            #expect(office.count == before + 1, "once per alert, however often it is raised")
            #expect(office.first?.link == "/terminals/AF6C201460501#alerts")
            #expect(try await kinds(h, "chutich.giahung", .terminalTamper).count == before + 1)
            #expect(try await kinds(h, "congchuc.giahung", .terminalTamper).isEmpty)
            #expect(try await kinds(h, "vanphong.giavan", .terminalTamper).isEmpty)
            // An urgent kind: queued for the office's confirmed e-mail at once, quiet hours or not.
            // Drift is not tampering: the dashboard shows it, nobody is messaged.
            try await h.services.terminals.alerts.raise([NewTerminalAlert(kind: .clockDrift, occurredAt: Date(), detail: "190 s", dedupe: "test:drift")],
                                                        terminalID: terminal.id)
            #expect(try await kinds(h, "vanphong.giahung", .terminalTamper).count == before + 1)
        }
    }

    @Test func aSilentTerminalIsReportedOncePerOutageInWorkingHoursOnly() async throws {
        try await Harness.run { h in
            let housekeeping = TerminalHousekeeping(services: h.services)
            let serial = "AF6C201460501"
            func silence(since: String) async throws {
                try await h.services.database.write { sql in
                    try await sql.update("terminals").set("last_seen_at", to: Instant.format(Instant.parseLocal(since)!)).where("serial", .equal, serial).run()
                }
            }
            // The one-stop counter's terminal keeps talking throughout.
            try await h.services.database.write { sql in
                try await sql.update("terminals").set("last_seen_at", to: Instant.format(Instant.parseLocal("2026-12-08 00:00")!)).where("serial", .notEqual, serial).run()
            }
            try await silence(since: "2026-12-07 08:40")
            // Monday 7 December 2026: at 08:44 it is 4 minutes silent, not yet offline; at 08:50 it is.
            #expect(try await housekeeping.watchOffline(now: Instant.parseLocal("2026-12-07 08:44")!) == 0)
            #expect(try await housekeeping.watchOffline(now: Instant.parseLocal("2026-12-07 08:50")!) == 1)
            #expect(try await housekeeping.watchOffline(now: Instant.parseLocal("2026-12-07 08:51")!) == 0, "once per outage")
            let office = try await kinds(h, "vanphong.giahung", .terminalOffline)
            #expect(office.count == 1 && office[0].link == "/terminals/\(serial)")
            #expect(h.services.notifications.text(.terminalOffline, office[0].params, .vi) == "Máy chấm công mất kết nối: Cổng chính trụ sở (\(serial))")
            // Back, then silent again: a new outage.
            try await silence(since: "2026-12-07 10:00")
            #expect(try await housekeeping.watchOffline(now: Instant.parseLocal("2026-12-07 10:30")!) == 1)
            // Switched off for the night and the weekend: not news.
            try await silence(since: "2026-12-07 17:45")
            #expect(try await housekeeping.watchOffline(now: Instant.parseLocal("2026-12-07 22:00")!) == 0)
            try await silence(since: "2026-12-05 09:00")
            #expect(try await housekeeping.watchOffline(now: Instant.parseLocal("2026-12-06 10:00")!) == 0, "Sunday")
            #expect(try await kinds(h, "chutich.giahung", .terminalOffline).isEmpty, "the office's matter")
        }
    }

    @Test func dossiersNearAndPastTheirDueDateRemindTheDeskAndTheLeaderOnce() async throws {
        try await Harness.run { h in
            // Ten days on, what is open today and due before then is overdue.
            let now = Date().addingTimeInterval(10 * 86400)
            let open = try await h.services.oneStop.dossiers.list(scopes: ["/"], filter: .dueSoon, now: now, dueBefore: now.addingTimeInterval(7 * 86400), limit: 1000)
            let overdue = open.filter { $0.dossier.isOverdue(at: now) }
            try #require(!overdue.isEmpty, "the demo has overdue dossiers without an apology")
            let raised = try await h.services.oneStop.remind(now: now)
            #expect(raised > 0)
            #expect(try await h.services.oneStop.remind(now: now.addingTimeInterval(60)) == 0, "once per dossier and due day")
            // The desk that received them hears of Gia Hưng's, wherever they are being handled.
            let centre = try await h.unit(code: "14551-TTHCC")
            let mine = Set(overdue.filter { $0.unitPath.hasPrefix(centre.path) }.map { "/one-stop/dossiers/\($0.dossier.id)" })
            try #require(!mine.isEmpty)
            let desk = try await kinds(h, "motcua.giahung", .dossierOverdue)
            #expect(Set(desk.map(\.link)) == mine)
            let first = try #require(overdue.first { "/one-stop/dossiers/\($0.dossier.id)" == desk.first?.link })
            #expect(h.services.notifications.text(.dossierOverdue, desk[0].params, .vi) == "Hồ sơ đã quá hạn, cần xin lỗi công dân: \(first.dossier.code) · \(first.procedureName)")
            #expect(try await kinds(h, "chutich.giahung", .dossierOverdue).count >= desk.count, "the leaders are told of the overdue ones")
            #expect(try await kinds(h, "motcua.giavan", .dossierOverdue).allSatisfy { !mine.contains($0.link) })
            #expect(try await kinds(h, "congchuc.giahung", .dossierOverdue).isEmpty)
        }
    }

    @Test func aCameraWithoutPictureTellsTheOfficeOnceADay() async throws {
        try await Harness.run { h in
            try await CameraDemo.load(into: h.services.video.cameras, units: h.services.units)
            let cameras = try await h.services.video.cameras.cameras(within: nil)
            let gate = try #require(cameras.first { $0.camera.name == "Cổng trụ sở" })
            let store = h.services.video.cameras
            #expect(try await store.raiseAlert(camera: gate.camera.id, kind: "offline", detail: "180 s", dedupe: "offline-\(gate.camera.id)-test"))
            #expect(try await !store.raiseAlert(camera: gate.camera.id, kind: "offline", detail: "240 s", dedupe: "offline-\(gate.camera.id)-test"))
            let office = try await kinds(h, "vanphong.giahung", .cameraOffline)
            #expect(office.count == 1 && office[0].link == "/cameras/\(gate.camera.id)")
            #expect(h.services.notifications.text(.cameraOffline, office[0].params, .vi) == "Camera mất kết nối: Cổng trụ sở")
            // Retention notes are not outages.
            _ = try await store.raiseAlert(camera: gate.camera.id, kind: "kept_past_retention", detail: "1 2", dedupe: "kept-test")
            #expect(try await kinds(h, "vanphong.giahung", .cameraOffline).count == 1)
        }
    }
}
