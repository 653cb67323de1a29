import CongvuDomain
import CongvuServer
import CongvuStore
import CongvuTerminals
import CongvuTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// A serial number is all a ZKTeco terminal shows: what the server does so that knowing one is
/// not enough to post punches, take commands or read names in the terminal's name (issue 17).
/// Over real HTTP behind the office's proxy, so that each request comes from an address.
@Suite struct TerminalTrustTests {
    static let serial = "CKJ7201460555"

    @Test(arguments: TestDatabases.kinds)
    func aTerminalCountsOnlyFromItsAddressAndForItsUsers(kind: DatabaseKind) async throws {
        try await Harness.run(kind, configure: { $0.trustedProxies = ["127.0.0.1", "::1"] }) { h in
            let known = try await h.enrolled(pin: "98765")
            let stranger = try await h.newcomer("Lò Văn Páo", card: "C0555", pin: "98766")
            let store = TerminalStore(database: h.services.database)
            let alerts = AlertStore(database: h.services.database)
            let app = Application(router: buildRouter(h.services), configuration: .init(address: .hostname("127.0.0.1", port: 0)))
            try await app.test(.live) { client in
                let office = try await h.signIn("vanphong.giahung")
                func send(_ method: HTTPRequest.Method, _ path: String, _ body: String = "", from address: String) async throws -> (HTTPResponse.Status, String) {
                    let r = try await client.execute(uri: path, method: method, headers: [HTTPField.Name("X-Forwarded-For")!: address],
                                                     body: ByteBuffer(string: body))
                    return (r.status, String(buffer: r.body))
                }
                let s = Self.serial
                _ = try await send(.get, "/iclock/cdata?SN=\(s)&options=all&pushver=2.4.1", from: "10.0.5.17")
                try await store.approve(serial: s, unitID: try await h.unit(code: "14551-UB").id, by: .system)
                #expect(try await store.get(serial: s)?.pinnedAddress == "10.0.5.17")
                // The terminal reports whom it holds; a punch for anyone else is held, with an alert.
                #expect(try await send(.post, "/iclock/cdata?SN=\(s)&table=OPERLOG&OpStamp=1", "USER PIN=98765\tName=A\n", from: "10.0.5.17").1 == "OK:1")
                let yesterday = Day(Date(), in: CivilTime.vietnam).previous
                let rows = "98765\t\(yesterday) 07:25:00\t0\t1\n98766\t\(yesterday) 07:26:00\t0\t1\n"
                #expect(try await send(.post, "/iclock/cdata?SN=\(s)&table=ATTLOG&Stamp=1", rows, from: "10.0.5.17").1 == "OK:2")
                let punches = PunchStore(database: h.services.database)
                let day = (CivilTime.startOfDay(yesterday), CivilTime.startOfDay(yesterday.next))
                #expect(try await punches.punches(personID: known.id, from: day.0, to: day.1).filter { $0.device == "terminal:\(s)" }.count == 1)
                #expect(try await punches.punches(personID: stranger.id, from: day.0, to: day.1).isEmpty)
                #expect(try await punches.punches(personID: stranger.id, from: day.0, to: day.1, includeFlagged: true).map(\.flag) == [.unenrolled])
                let opened = try await alerts.open(scopes: ["/"], serial: s)
                #expect(opened.map(\.kind) == [.unenrolledPunches])  // a backlog after a silence is no clock drift
                #expect(opened.first { $0.kind == .unenrolledPunches }?.detail == "1 · PIN 98766")

                // The same serial from another address: nothing taken, no commands, no names; the office is told.
                let commands = CommandStore(database: h.services.database)
                _ = try await commands.enqueue([NewTerminalCommand(kind: .info, command: "INFO")], terminalID: try #require(try await store.get(serial: s)).id,
                                               by: .system)
                let elsewhere = try await send(.post, "/iclock/cdata?SN=\(s)&table=ATTLOG&Stamp=2", "98765\t\(yesterday) 17:30:00\t0\t1\n", from: "10.0.9.9")
                #expect(elsewhere.0 == .serviceUnavailable)
                #expect(try await send(.get, "/iclock/getrequest?SN=\(s)", from: "10.0.9.9").1 == "OK")
                #expect(try await send(.get, "/iclock/cdata?SN=\(s)&table=RemoteAtt&PIN=98765", from: "10.0.9.9").1 == "OK")
                #expect(try await send(.post, "/iclock/devicecmd?SN=\(s)", "ID=1&Return=0&CMD=INFO\n", from: "10.0.9.9").0 == .serviceUnavailable)
                #expect(try await punches.punches(personID: known.id, from: day.0, to: day.1).filter { $0.device == "terminal:\(s)" }.count == 1)
                let moved = try await alerts.open(scopes: ["/"], serial: s).first { $0.kind == .addressChanged }
                #expect(moved?.detail == "10.0.5.17 → 10.0.9.9")
                // From its own address it still works, and gets its command.
                #expect(try await send(.get, "/iclock/getrequest?SN=\(s)", from: "10.0.5.17").1.contains("C:"))

                // The terminal really moved: the office accepts the new address from the alert, audited.
                let page = try await office.get("/terminals/\(s)").text
                #expect(page.contains("name=\"address\" value=\"10.0.9.9\""))
                #expect(try await office.post("/terminals/\(s)/pin", ["address": "10.0.9.9", "reason": ""]).status == .badRequest)
                #expect(try await office.post("/terminals/\(s)/pin", ["address": "10.0.9.9", "reason": "Đổi đường mạng"]).status == .seeOther)
                #expect(try await send(.post, "/iclock/cdata?SN=\(s)&table=ATTLOG&Stamp=2", "98765\t\(yesterday) 17:30:00\t0\t1\n", from: "10.0.9.9").1 == "OK:1")
                #expect(try await send(.post, "/iclock/cdata?SN=\(s)&table=ATTLOG&Stamp=3", "98765\t\(yesterday) 17:31:00\t0\t1\n", from: "10.0.5.17").0
                    == .serviceUnavailable)
                // A range for a network that hands out addresses.
                #expect(try await office.post("/terminals/\(s)/pin", ["address": "10.0.9.0/24", "reason": "DHCP"]).status == .seeOther)
                #expect(try await send(.post, "/iclock/cdata?SN=\(s)&table=ATTLOG&Stamp=3", "98765\t\(yesterday) 17:31:00\t0\t1\n", from: "10.0.9.40").1 == "OK:1")
                #expect(try await office.post("/terminals/\(s)/pin", ["address": "10.0.9.0/40", "reason": "sai"]).status == .badRequest)

                // The held punch waits on the office's page; accepted, it counts and the PIN is taken as enrolled there.
                #expect(try await office.get("/").text.contains("href=\"/attendance/cards#held\""))  // the office's home says so
                let cards = try await office.get("/attendance/cards").text
                #expect(cards.contains("id=\"held-punches\"") && cards.contains(stranger.fullName))
                let held = try #require(try await punches.held(scopes: ["/"]).first { $0.punch.personID == stranger.id })
                #expect(try await office.post("/attendance/held/\(held.punch.id)", ["decision": "accept", "reason": ""]).status == .badRequest)
                #expect(try await h.signIn("vanphong.giavan").post("/attendance/held/\(held.punch.id)", ["decision": "accept", "reason": "x y z"]).status
                    == .notFound)  // another commune's office
                #expect(try await office.post("/attendance/held/\(held.punch.id)", ["decision": "accept", "reason": "Đồng chí mới, đã ghi danh tại máy"]).status
                    == .seeOther)
                #expect(try await punches.punches(personID: stranger.id, from: day.0, to: day.1).count == 1)
                #expect(try await VerdictStore(database: h.services.database).stored(personIDs: [stranger.id], days: [yesterday])[stranger.id]?[yesterday] != nil)
                #expect(try await !punches.held(scopes: ["/"]).contains { $0.punch.personID == stranger.id })
                #expect(try await send(.post, "/iclock/cdata?SN=\(s)&table=ATTLOG&Stamp=4", "98766\t\(yesterday) 17:32:00\t0\t1\n", from: "10.0.9.40").1 == "OK:1")
                #expect(try await punches.punches(personID: stranger.id, from: day.0, to: day.1).count == 2)
                let audit = try await AuditLog(database: h.services.database).recent(objectType: "punch", objectID: String(held.punch.id))
                #expect(audit.contains { $0.before.contains("unenrolled") && $0.reason == "Đồng chí mới, đã ghi danh tại máy" })

                // A Hikvision terminal is pinned the same way: its events from elsewhere are held.
                let face = "DS-K1T341AM555"
                let stamp = Instant.formatLocal(Date().addingTimeInterval(-30)).replacingOccurrences(of: " ", with: "T") + ":05+07:00"
                let event = #"{"dateTime":"\#(stamp)","eventType":"AccessControllerEvent","AccessControllerEvent":{"major":5,"minor":75,"employeeNoString":"98765","serialNo":7}}"#
                #expect(try await send(.post, "/hikvision/\(face)/events", event, from: "10.0.5.30").0 == .serviceUnavailable)  // pending
                try await store.approve(serial: face, unitID: try await h.unit(code: "14551-UB").id, by: .system)
                #expect(try await send(.post, "/hikvision/\(face)/events", event, from: "10.0.9.9").0 == .serviceUnavailable)
                #expect(try await alerts.open(scopes: ["/"], serial: face).map(\.kind) == [.addressChanged])
                #expect(try await send(.post, "/hikvision/\(face)/events", event, from: "10.0.5.30").0 == .ok)
            }
        }
    }
}
