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

/// The office runs the fleet from its pages: approve, configure, command, resolve; and sees a
/// terminal's photos and alerts where the punches are.
@Suite struct FleetPagesTests {
    static let serial = "CKJ7201460777"

    @Test(arguments: TestDatabases.kinds)
    func theOfficeApprovesConfiguresAndCommandsATerminal(kind: DatabaseKind) async throws {
        try await Harness.run(kind) { h in
            let person = try await h.enrolled(pin: "4321", in: "14551-UB")
            _ = try await h.device(.get, "/iclock/cdata?SN=\(Self.serial)&options=all&pushver=2.4.1")
            let office = try await h.signIn("vanphong.giahung")
            let list = try await office.get("/terminals")
            #expect(list.status == .ok && list.text.contains("id=\"pending-terminals\"") && list.text.contains(Self.serial))
            // A unit elsewhere is refused; the office's own committee is accepted.
            let elsewhere = try await h.unit(code: "14554-UB")
            #expect(try await office.post("/terminals/\(Self.serial)/approve", ["unit": String(elsewhere.id)]).status == .forbidden)
            let committee = try await h.unit(code: "14551-UB")
            #expect(try await office.post("/terminals/\(Self.serial)/approve", ["unit": String(committee.id), "location": "Cổng chính"]).status == .seeOther)
            let page = try await office.get("/terminals/\(Self.serial)")
            #expect(page.status == .ok && page.text.contains("id=\"terminal-settings\"") && page.text.contains("Cổng chính"))
            // Settings need a reason, in Vietnamese.
            let noReason = try await office.post("/terminals/\(Self.serial)/settings",
                                                 ["unit": String(committee.id), "location": "Cổng sau", "utc_offset": "25200", "encoding": "gb2312",
                                                  "enabled": "on"])
            #expect(noReason.status == .badRequest && noReason.text.contains("field-error"))
            #expect(try await office.post("/terminals/\(Self.serial)/settings",
                                          ["unit": String(committee.id), "location": "Cổng sau", "utc_offset": "25200", "encoding": "gb2312",
                                           "enabled": "on", "reason": "máy firmware Trung Quốc"]).status == .seeOther)
            #expect(try await TerminalStore(database: h.services.database).get(serial: Self.serial)?.encoding == "gb2312")
            // The staff go to the terminal, without diacritics on this one.
            #expect(try await office.post("/terminals/\(Self.serial)/commands", ["kind": "user_update"]).status == .seeOther)
            // One command per person with a PIN, sent fifty to a poll.
            var poll = "", polls = 0
            while true {
                let next = try await h.device(.get, "/iclock/getrequest?SN=\(Self.serial)").text
                if next == "OK" || polls > 20 { break }
                poll += next
                polls += 1
            }
            #expect(poll.contains("DATA UPDATE USERINFO PIN=4321\tName=\(Transliteration.ascii(person.fullName))\t"))
            // A bad range and a bad PIN are refused with a message.
            #expect(try await office.post("/terminals/\(Self.serial)/commands", ["kind": "query_log", "from": "2026-13-01"]).status == .badRequest)
            #expect(try await office.post("/terminals/\(Self.serial)/commands", ["kind": "user_delete", "pin": "12 34"]).status == .badRequest)
            #expect(try await office.post("/terminals/\(Self.serial)/commands", ["kind": "shell"]).status == .badRequest)
            // Clearing the log waits for a second administrator: not its author.
            #expect(try await office.post("/terminals/\(Self.serial)/commands", ["kind": "clear_log", "reason": "máy đầy bộ nhớ"]).status == .seeOther)
            let terminal = try #require(try await TerminalStore(database: h.services.database).get(serial: Self.serial))
            let clear = try #require(try await CommandStore(database: h.services.database).list(terminalID: terminal.id).first { $0.kind == .clearLog })
            #expect(clear.state == .awaitingApproval)
            #expect(try await office.post("/terminals/commands/\(clear.id)/approve", [:]).status == .badRequest)
            #expect(try await h.device(.get, "/iclock/getrequest?SN=\(Self.serial)").text == "OK")
            let admin = try await h.signIn("admin")
            #expect(try await admin.post("/terminals/commands/\(clear.id)/approve", [:]).status == .seeOther)
            #expect(try await h.device(.get, "/iclock/getrequest?SN=\(Self.serial)").text == "C:\(clear.id):CLEAR LOG\n")
            // Another commune's office sees none of it.
            let other = try await h.signIn("vanphong.giavan")
            #expect(try await other.get("/terminals/\(Self.serial)").status == .forbidden)
            #expect(try await !other.get("/terminals").text.contains(Self.serial))
            #expect(try await other.post("/terminals/\(Self.serial)/commands", ["kind": "reboot"]).status == .forbidden)
            // A civil servant has no fleet at all.
            #expect(try await h.signIn("congchuc.giahung").get("/terminals").status == .forbidden)
        }
    }

    @Test func photosAndAlertsShowWhereThePunchesAre() async throws {
        try await Harness.run { h in
            let person = try await h.enrolled(pin: "4321", in: "14551-UB")
            _ = try await h.device(.get, "/iclock/cdata?SN=\(Self.serial)&options=all")
            try await TerminalStore(database: h.services.database).approve(serial: Self.serial, unitID: try await h.unit(code: "14551-UB").id, by: .system)
            let time = TerminalTime(Instant.formatLocal(Date().addingTimeInterval(-90)) + ":07")!
            #expect(try await h.device(.post, "/iclock/cdata?SN=\(Self.serial)&table=ATTLOG", Data("4321\t\(time)\t0\t15\n".utf8)).text == "OK:1")
            let jpeg = Data([0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3, 0xFF, 0xD9])
            #expect(try await h.device(.post, "/iclock/fdata?SN=\(Self.serial)&PIN=\(time.description.filter(\.isNumber))-4321.jpg", jpeg).text == "OK")
            let oplog = "OPLOG 21\t0\t\(time.day) 06:00:00\t0\t0\t0\t0\n"
            #expect(try await h.device(.post, "/iclock/cdata?SN=\(Self.serial)&table=OPERLOG", Data(oplog.utf8)).text == "OK:1")
            let leader = try await h.signIn("chutich.giahung")
            let day = try await leader.get("/attendance/person/\(person.id)/day/\(time.day)")
            #expect(day.status == .ok && day.text.contains("id=\"day-terminal-alerts\"") && day.text.contains("class=\"punch-photo\""))
            let src = try #require(day.text.range(of: "/attendance/punches/[0-9]+/photo", options: .regularExpression).map { String(day.text[$0]) })
            let photo = try await leader.get(src)
            #expect(photo.status == .ok && Data(photo.body.readableBytesView) == jpeg)
            // The live board shows it too.
            let committee = try await h.unit(code: "14551-UB")
            #expect(try await leader.get("/board/data?unit=\(committee.id)").text.contains(src))
            // Another commune's leader cannot fetch it.
            #expect(try await h.signIn("chutich.giavan").get(src).status == .forbidden)
            // The office's dashboard counts the open alert.
            let home = try await h.signIn("vanphong.giahung").get("/")
            #expect(home.text.contains("/terminals#alerts"))
        }
    }

    @Test func anUnknownPINIsLinkedToItsPersonWithItsPunches() async throws {
        try await Harness.run { h in
            _ = try await h.device(.get, "/iclock/cdata?SN=\(Self.serial)&options=all")
            try await TerminalStore(database: h.services.database).approve(serial: Self.serial, unitID: try await h.unit(code: "14551-UB").id, by: .system)
            let yesterday = Day(Date(), in: CivilTime.vietnam).previous
            let rows = "5555\t\(yesterday) 07:20:00\t0\t1\n5555\t\(yesterday) 17:05:00\t0\t1\n"
            #expect(try await h.device(.post, "/iclock/cdata?SN=\(Self.serial)&table=ATTLOG", Data(rows.utf8)).text == "OK:2")
            let office = try await h.signIn("vanphong.giahung")
            let page = try await office.get("/attendance/cards")
            #expect(page.text.contains("PIN 5555") && page.text.contains("pin:5555@terminal:\(Self.serial)"))
            #expect(try await !h.signIn("vanphong.giavan").get("/attendance/cards").text.contains("PIN 5555"))
            let person = try await h.someone(in: "14551-UB")
            #expect(try await office.post("/attendance/cards/link", ["card": "pin:5555@terminal:\(Self.serial)", "person": String(person.id),
                                                                     "reason": "PIN của đồng chí trên máy cổng"]).status == .seeOther)
            let linked = try await PunchStore(database: h.services.database).punches(personID: person.id, from: CivilTime.startOfDay(yesterday),
                                                                                     to: CivilTime.startOfDay(yesterday.next))
            // The office vouches for the PIN on that terminal: its punches, held as unenrolled, count.
            #expect(linked.filter { $0.device == "terminal:\(Self.serial)" }.count == 2)
            #expect(try await TerminalStore(database: h.services.database).enrolled(["5555"], terminalID: try #require(try await TerminalStore(database: h.services.database).get(serial: Self.serial)).id) == ["5555"])
            #expect(try await h.services.people.get(person.id)?.person.terminalPIN == "5555")
            #expect(try await !office.get("/attendance/cards").text.contains("PIN 5555"))
        }
    }
}
