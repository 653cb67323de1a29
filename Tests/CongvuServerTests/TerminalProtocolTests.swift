import CongvuDomain
import CongvuServer
import CongvuStore
import CongvuTerminals
import CongvuTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

/// A ZKTeco terminal talking to the server over HTTP, as the protocol reference describes it.
@Suite struct TerminalProtocolTests {
    func send(_ h: Harness, _ method: HTTPRequest.Method, _ uri: String, _ body: String = "", token: String? = nil) async throws -> TestResponse {
        var headers: HTTPFields = [.contentType: "application/push"]
        if let token { headers[.cookie] = "token=\(token)" }
        return try await h.client.execute(uri: uri, method: method, headers: headers, body: ByteBuffer(string: body))
    }

    /// Made-up serials no longer become pending terminals without end: a few per address and hour,
    /// the rest refused and shown to the office; a terminal not yet approved sends small bodies only.
    @Test(arguments: TestDatabases.kinds)
    func unknownSerialsAreAdmittedAFewAtATime(kind: DatabaseKind) async throws {
        try await Harness.run(kind, configure: { $0.terminalFirstContactsPerHour = 3 }) { h in
            let terminals = TerminalStore(database: h.services.database)
            let before = try await terminals.list().count
            for serial in ["FAKE0000001", "FAKE0000002", "FAKE0000003"] {
                #expect(try await send(h, .get, "/iclock/cdata?SN=\(serial)&options=all").status == .ok, "\(serial)")
            }
            let refused = try await send(h, .get, "/iclock/cdata?SN=FAKE0000004&options=all")
            #expect(refused.status == .serviceUnavailable)
            let hikvision = try await h.client.execute(uri: "/hikvision/FAKE0000005/events", method: .post, headers: [.contentType: "application/json"],
                                                       body: ByteBuffer(string: "{}"))
            #expect(hikvision.status == .serviceUnavailable)
            #expect(try await terminals.list().count == before + 3)
            #expect(try await terminals.get(serial: "FAKE0000004") == nil)
            // Known serials go on as before.
            #expect(try await send(h, .get, "/iclock/getrequest?SN=FAKE0000001").status == .ok)
            // The office sees who was refused.
            let page = try await h.signIn("vanphong.giahung").get("/terminals").text
            #expect(page.contains("id=\"refused-contacts\"") && page.contains("FAKE0000005"))
            // A pending terminal's big upload is refused unread (its serial still pending for approval).
            let big = String(repeating: "1\t2026-12-04 07:30:00\t0\t1\t0\t0\n", count: 3000)
            #expect(try await send(h, .post, "/iclock/cdata?SN=FAKE0000002&table=ATTLOG&Stamp=1", big).status == .contentTooLarge)
            #expect(try await terminals.get(serial: "FAKE0000002")?.status == .pending)
            // Approved, the same upload is read (and refused as unknown PINs only row by row, not by size).
            try await terminals.approve(serial: "FAKE0000002", unitID: try await h.unit(code: "14551-UB").id, by: .system)
            #expect(try await send(h, .post, "/iclock/cdata?SN=FAKE0000002&table=ATTLOG&Stamp=1", big).status != .contentTooLarge)
        }
    }

    @Test(arguments: TestDatabases.kinds)
    func aTerminalIsHeldUntilApprovedThenNothingIsLostOrDoubled(kind: DatabaseKind) async throws {
        try await Harness.run(kind) { h in
            let person = try await h.enrolled(pin: "98765")
            let terminals = TerminalStore(database: h.services.database)
            // Handshake of a terminal nobody knows yet: it gets its options and waits as pending.
            let hello = try await send(h, .get, "/iclock/cdata?SN=CKJ7201460123&options=all&pushver=2.4.1&language=86")
            #expect(hello.status == .ok)
            #expect(hello.text.hasPrefix("GET OPTION FROM: CKJ7201460123\n") && hello.text.contains("TimeZone=7"))
            #expect(try await terminals.get(serial: "CKJ7201460123")?.status == .pending)
            // Its uploads are refused, so it keeps them.
            let yesterday = Day(Date(), in: CivilTime.vietnam).previous
            let body = "98765\t\(yesterday) 07:31:40\t0\t1\t0\t0\t0\r\n98765\t\(yesterday) 07:31:40\t0\t1\t0\t0\t0\r\n4242\t\(yesterday) 07:40:00\t0\t2\r\nnot a row\r\n"
            #expect(try await send(h, .post, "/iclock/cdata?SN=CKJ7201460123&table=ATTLOG&Stamp=0", body).status == .serviceUnavailable)
            let committee = try await h.unit(code: "14551-UB")
            try await terminals.approve(serial: "CKJ7201460123", unitID: committee.id, location: "Cửa chính", by: .system)
            // The terminal reports the users it holds (4242 is not one of them).
            #expect(try await send(h, .post, "/iclock/cdata?SN=CKJ7201460123&table=OPERLOG&OpStamp=1", "USER PIN=98765\tName=A\tPri=0\n").text == "OK:1")
            // Approved: every line is acknowledged (the bad one is kept in the journal), the
            // duplicate row and a full resend add nothing, an unknown PIN is kept without a person.
            for _ in 0..<2 {
                let ok = try await send(h, .post, "/iclock/cdata/?sn=CKJ7201460123&table=attlog&Stamp=0", body)
                #expect(ok.text == "OK:4")
            }
            let punches = PunchStore(database: h.services.database)
            let mine = try await punches.punches(personID: person.id, from: CivilTime.startOfDay(yesterday), to: CivilTime.startOfDay(yesterday.next))
            #expect(mine.filter { $0.device == "terminal:CKJ7201460123" }.count == 1)
            #expect(mine.first { $0.device == "terminal:CKJ7201460123" }.map { Instant.clock($0.punch.at) } == "07:31")
            // The late upload settled yesterday's verdict at once.
            #expect(try await VerdictStore(database: h.services.database).stored(personIDs: [person.id], days: [yesterday])[person.id]?[yesterday] != nil)
            // A table the server does not know is journaled and refused, never acknowledged and dropped.
            #expect(try await send(h, .post, "/iclock/cdata?SN=CKJ7201460123&table=NEWTHING", "x=1").status == .notImplemented)
            // Polls report the device's counts.
            #expect(try await send(h, .get, "/iclock/getrequest?SN=CKJ7201460123&INFO=Ver%208.0.4,61,58,5120,192.168.1.201").text == "OK")
            #expect(try await terminals.get(serial: "CKJ7201460123")?.recordCount == 5120)
            // The journal holds the raw requests, chained.
            let journal = try await terminals.journalEntries(serial: "CKJ7201460123")
            #expect(journal.contains { $0.reply == "OK:4" && String(decoding: $0.body, as: UTF8.self) == body })
            #expect(journal.contains { $0.replyStatus == 501 })
            #expect(try await terminals.verifyJournal() == nil)
            #expect(try await send(h, .get, "/iclock/cdata?options=all").status == .badRequest)  // no serial number
        }
    }

    /// A Security PUSH terminal registers (a random code, once), is approved, fetches its session
    /// and from then on must show its token: without it nothing is taken, and a request claiming
    /// the older protocol does not take that requirement away.
    @Test func securityPushPunchesAreKeyedByTheirIndex() async throws {
        try await Harness.run { h in
            let person = try await h.enrolled(pin: "55501")
            let terminals = TerminalStore(database: h.services.database)
            #expect(try await send(h, .get, "/iclock/cdata?SN=AC3X001&options=all&pushver=3.1.2").text == "OK")
            let registered = try await send(h, .post, "/iclock/registry?SN=AC3X001", "DeviceType=acc,~DeviceName=SpeedFace").text
            #expect(registered.hasPrefix("RegistryCode=") && registered.count == 13 + 32)
            let code = String(registered.dropFirst(13))
            // A second device with the same serial cannot register over it.
            #expect(try await send(h, .post, "/iclock/registry?SN=AC3X001", "DeviceType=acc").status == .forbidden)
            try await terminals.approve(serial: "AC3X001", unitID: try await h.unit(code: "14551-UB").id, by: .system)
            #expect(try await send(h, .get, "/iclock/cdata?SN=AC3X001&options=all&pushver=3.1.2").text.hasPrefix("GET OPTION FROM: AC3X001"))
            let config = try await send(h, .post, "/iclock/push?SN=AC3X001").text
            let session = try #require(config.split(separator: "\n").first { $0.hasPrefix("SessionID=") }).dropFirst(10)
            let token = SecurityPush.token(registryCode: code, serial: "AC3X001", sessionID: String(session))
            #expect(try await !terminals.journalEntries(serial: "AC3X001").contains { $0.reply.contains(code) })  // never in the journal
            #expect(try await send(h, .post, "/iclock/cdata?SN=AC3X001&table=USERINFO", "PIN=55501\tName=A\n", token: token).text == "OK:1")
            let now = Instant.formatLocal(Date().addingTimeInterval(-60))
            let rows = "time=\(now):00\tpin=55501\tcardno=0\tevent=0\tinoutstatus=1\tverifytype=15\tindex=21\n"
                + "time=\(now):00\tpin=55501\tcardno=0\tevent=27\tinoutstatus=1\tverifytype=15\tindex=22\n"
            // Without the token, or with another, nothing is taken and the office is told.
            #expect(try await send(h, .post, "/iclock/cdata?SN=AC3X001&table=rtlog", rows).status == .unauthorized)
            #expect(try await send(h, .post, "/iclock/cdata?SN=AC3X001&table=rtlog", rows, token: String(repeating: "0", count: 32)).status == .unauthorized)
            #expect(try await AlertStore(database: h.services.database).open(scopes: ["/"], serial: "AC3X001").map(\.kind) == [.badToken])
            // Claiming the older protocol changes nothing.
            _ = try await send(h, .get, "/iclock/cdata?SN=AC3X001&options=all&pushver=2.4.1")
            #expect(try await terminals.get(serial: "AC3X001")?.family == "3.x")
            #expect(try await send(h, .post, "/iclock/cdata?SN=AC3X001&table=rtlog", rows).status == .unauthorized)
            #expect(try await send(h, .get, "/iclock/getrequest?SN=AC3X001", token: nil).text == "OK")
            #expect(try await send(h, .post, "/iclock/cdata?SN=AC3X001&table=rtlog", rows, token: token).text == "OK:2")
            #expect(try await send(h, .post, "/iclock/cdata?SN=AC3X001&table=rtlog", rows, token: token).text == "OK:2")
            let stored = try await PunchStore(database: h.services.database).punches(personID: person.id, from: Date().addingTimeInterval(-3600), to: Date().addingTimeInterval(60))
            #expect(stored.filter { $0.device == "terminal:AC3X001" }.map(\.punch.method) == [.face])  // the refused event is not a punch
            // The office lets it register again (it was reset): a new code, and the old token no longer works.
            try await terminals.resetRegistration(serial: "AC3X001", by: .system, reason: "khôi phục cài đặt gốc")
            let again = try await send(h, .post, "/iclock/registry?SN=AC3X001", "DeviceType=acc").text
            #expect(again.hasPrefix("RegistryCode=") && again != registered)
            #expect(try await send(h, .post, "/iclock/cdata?SN=AC3X001&table=rtlog", rows, token: token).status == .unauthorized)
        }
    }
}
