import CongvuDomain
import CongvuServer
import CongvuStore
import CongvuTerminals
import CongvuTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import SQLKit
import Testing

/// The fleet around the protocol: photos, tamper alerts, commands, reconciliation, visitors and
/// the rebuild from the journal.
@Suite struct TerminalFleetTests {
    static let serial = "CKJ7201460999"

    func send(_ h: Harness, _ method: HTTPRequest.Method, _ uri: String, _ body: Data) async throws -> TestResponse {
        try await h.device(method, uri, body)
    }

    func send(_ h: Harness, _ method: HTTPRequest.Method, _ uri: String, _ body: String = "") async throws -> TestResponse {
        try await send(h, method, uri, Data(body.utf8))
    }

    /// An approved terminal of Gia Hưng's committee and a person enrolled on it.
    func approvedTerminal(_ h: Harness, pin: String = "98765") async throws -> (Terminal, Person) {
        let person = try await h.enrolled(pin: pin)
        _ = try await send(h, .get, "/iclock/cdata?SN=\(Self.serial)&options=all&pushver=2.4.1")
        let store = TerminalStore(database: h.services.database)
        try await store.approve(serial: Self.serial, unitID: try await h.unit(code: "14551-UB").id, location: "Cổng chính", by: .system)
        return (try #require(try await store.get(serial: Self.serial)), person)
    }

    static let jpeg = Data([0xFF, 0xD8, 0xFF, 0xE0]) + Data("a small photo".utf8) + Data([0xFF, 0xD9])

    static func stamp(_ t: TerminalTime) -> String { t.description.filter(\.isNumber) }

    @Test func aPhotoIsStoredOnceAndFoundByItsPunch() async throws {
        try await Harness.run { h in
            let (terminal, _) = try await approvedTerminal(h)
            let time = TerminalTime(Instant.formatLocal(Date().addingTimeInterval(-120)) + ":05")!
            #expect(try await send(h, .post, "/iclock/cdata?SN=\(Self.serial)&table=ATTLOG&Stamp=1", "98765\t\(time)\t0\t15\n").text == "OK:1")
            let name = "\(Self.stamp(time))-98765.jpg"
            let body = Data("PIN=\(name)\nSN=\(Self.serial)\nsize=\(Self.jpeg.count)\nCMD=uploadphoto".utf8) + Data([0]) + Self.jpeg
            #expect(try await send(h, .post, "/iclock/cdata?SN=\(Self.serial)&table=ATTPHOTO&Stamp=1", body).text == "OK")
            // The same photo again in the other form (query fields, raw JPEG), and as base64: one file.
            #expect(try await send(h, .post, "/iclock/fdata?SN=\(Self.serial)&PIN=\(name)", Self.jpeg).text == "OK")
            let b64 = Data("PIN=\(name)\nSN=\(Self.serial)".utf8) + Data([0]) + Data(Self.jpeg.base64EncodedString().utf8)
            #expect(try await send(h, .post, "/iclock/cdata?SN=\(Self.serial)&table=ATTPHOTO&ATTPHOTOBase64=1", b64).text == "OK")
            let key = TerminalPunch.key(serial: terminal.serial, pin: "98765", time: time)
            #expect(try await h.services.attendance.photos.photo(key: key) == Self.jpeg)
            let files = FileManager.default.enumerator(atPath: h.services.attendance.photos.files.directory)!.allObjects.compactMap { $0 as? String }
            #expect(files.filter { $0.hasSuffix(".jpg") }.count == 1)
            // The journal keeps the header and the image's hash, not the image a second time.
            let entry = try #require(try await TerminalStore(database: h.services.database).journalEntries(serial: Self.serial)
                .first { $0.query.contains("ATTPHOTO&Stamp") })
            #expect(!entry.body.contains(0xD9) && String(decoding: entry.body, as: UTF8.self).contains("sha256:\(PhotoStore.sha256(Self.jpeg))"))
            // Not JPEG: refused, so the terminal does not think it delivered a photo.
            #expect(try await send(h, .post, "/iclock/fdata?SN=\(Self.serial)&PIN=\(name)", "GIF89a").status == .badRequest)
            // Retention: past the period the link and the file go.
            #expect(try await h.services.attendance.photos.prune(takenBefore: Date()) == 1)
            #expect(try await h.services.attendance.photos.photo(key: key) == nil)
            #expect(FileManager.default.enumerator(atPath: h.services.attendance.photos.files.directory)!.allObjects.compactMap { $0 as? String }
                .filter { $0.hasSuffix(".jpg") }.isEmpty)
        }
    }

    @Test(arguments: TestDatabases.kinds)
    func tamperingAndClockTroubleRaiseAlertsOnce(kind: DatabaseKind) async throws {
        try await Harness.run(kind) { h in
            let (terminal, person) = try await approvedTerminal(h)
            let alerts = AlertStore(database: h.services.database)
            let today = Day(Date(), in: CivilTime.vietnam)
            let oplog = "OPLOG 4\t0\t\(today) 06:58:01\t0\t0\t0\t0\nOPLOG 21\t0\t\(today) 06:59:10\t0\t0\t0\t0\n"
                + "OPLOG 117\t0\t\(today) 06:58:30\t0\t0\t0\t0\nOPLOG 117\t0\t\(today) 06:58:40\t0\t0\t0\t0\nUSER PIN=98765\tName=Nguyen\tPri=0\n"
            for _ in 0..<2 {  // a resend raises nothing twice
                #expect(try await send(h, .post, "/iclock/cdata?SN=\(Self.serial)&table=OPERLOG&OpStamp=77", oplog).text == "OK:5")
            }
            #expect(Set(try await alerts.open(scopes: ["/"], serial: Self.serial).map(\.kind)) == [.timeSet, .adminPasswordFailed])
            #expect(try await TerminalStore(database: h.services.database).get(serial: Self.serial)?.operLogStamp == "77")
            // The record count going down: the log was cleared.
            _ = try await send(h, .get, "/iclock/getrequest?SN=\(Self.serial)&INFO=Ver%208.0.4,61,58,5120,10.0.0.2")
            _ = try await send(h, .get, "/iclock/getrequest?SN=\(Self.serial)&INFO=Ver%208.0.4,61,58,12,10.0.0.2")
            #expect(try await alerts.open(scopes: ["/"]).contains { $0.kind == .recordCountDown && $0.detail == "5120 → 12" })
            // A terminal in use: a punch now (its first upload measures nothing), then a realtime
            // punch ten minutes behind: the clock drifts.
            let onTime = TerminalTime(Instant.formatLocal(Date().addingTimeInterval(-60)) + ":30")!
            #expect(try await send(h, .post, "/iclock/cdata?SN=\(Self.serial)&table=ATTLOG", "98765\t\(onTime)\t0\t1\n").text == "OK:1")
            #expect(try await TerminalStore(database: h.services.database).get(serial: Self.serial)?.clockDrift == nil)
            let behind = TerminalTime(Instant.formatLocal(Date().addingTimeInterval(-600)) + ":00")!
            #expect(try await send(h, .post, "/iclock/cdata?SN=\(Self.serial)&table=ATTLOG", "98765\t\(behind)\t0\t1\n").text == "OK:1")
            let drift = try #require(try await TerminalStore(database: h.services.database).get(serial: Self.serial)?.clockDrift)
            #expect((580...680).contains(drift))
            // Punches dated ten days back: one alert for the batch.
            let old = Day(Date().addingTimeInterval(-10 * 86400), in: CivilTime.vietnam)
            let rows = (0..<8).map { "98765\t\(old) 07:\(10 + $0):00\t0\t1" }.joined(separator: "\n")
            #expect(try await send(h, .post, "/iclock/cdata?SN=\(Self.serial)&table=ATTLOG", rows).text == "OK:8")
            let open = try await alerts.open(scopes: ["/"], serial: Self.serial)
            #expect(open.filter { $0.kind == .farFromReceive }.count == 1)
            #expect(open.contains { $0.kind == .clockDrift })
            // A unit elsewhere sees none of them.
            let other = try await h.unit(code: "14554-UB")
            #expect(try await alerts.open(scopes: [other.path]).isEmpty)
            #expect(try await alerts.open(scopes: ["/"]).contains { $0.serial != Self.serial })  // the demo's own, also seen from the top
            // The person's day shows the alerts of the terminal they punched on.
            let touching = try await alerts.touching(personID: person.id, day: today, devices: ["terminal:\(terminal.serial)"])
            #expect(Set(touching.map(\.kind)).isSuperset(of: [.timeSet, .clockDrift, .recordCountDown]))
            // Resolved with a note, it leaves the open list.
            let timeSet = try #require(open.first { $0.kind == .timeSet })
            await #expect(throws: ValidationErrors.self) { try await alerts.resolve(timeSet.id, by: .system, note: " ") }
            try await alerts.resolve(timeSet.id, by: .system, note: "Văn phòng chỉnh giờ sau mất điện")
            #expect(try await !alerts.open(scopes: ["/"]).contains { $0.id == timeSet.id })
        }
    }

    @Test(arguments: TestDatabases.kinds)
    func commandsGoOutInPollsAndComeBackDone(kind: DatabaseKind) async throws {
        try await Harness.run(kind) { h in
            let (terminal, _) = try await approvedTerminal(h)
            let commands = CommandStore(database: h.services.database)
            let admin = Actor(id: try #require(try await h.services.accounts.byUsername("admin")?.id), name: "admin")
            let office = Actor(id: try #require(try await h.services.accounts.byUsername("vanphong.giahung")?.id), name: "vanphong")
            let ids = try await commands.enqueue([
                NewTerminalCommand(kind: .userUpdate, command: PushCommand.updateUser(pin: "98765", name: "Nguyễn Văn Đức", ascii: true), label: "Nguyễn Văn Đức"),
                NewTerminalCommand(kind: .clearLog, command: "CLEAR LOG"),
            ], terminalID: terminal.id, by: office)
            // The destructive one waits for a second administrator; its author cannot release it.
            let poll = try await send(h, .get, "/iclock/getrequest?SN=\(Self.serial)").text
            #expect(poll == "C:\(ids[0]):DATA UPDATE USERINFO PIN=98765\tName=Nguyen Van Duc\tPri=0\tPasswd=\tCard=\tGrp=1\tTZ=0000000000000000\tVerify=-1\n")
            #expect(try await send(h, .get, "/iclock/getrequest?SN=\(Self.serial)").text == "OK")  // sent once
            await #expect(throws: ValidationErrors.self) { try await commands.approve(ids[1], by: office) }
            try await commands.approve(ids[1], by: admin)
            #expect(try await send(h, .get, "/iclock/getrequest?SN=\(Self.serial)").text == "C:\(ids[1]):CLEAR LOG\n")
            // Results, batched in one request; a resend completes nothing twice.
            let results = "ID=\(ids[0])&Return=0&CMD=DATA\nID=\(ids[1])&Return=-1002&CMD=CLEAR LOG\n"
            #expect(try await send(h, .post, "/iclock/devicecmd?SN=\(Self.serial)", results).text == "OK")
            #expect(try await send(h, .post, "/iclock/devicecmd?SN=\(Self.serial)", results).text == "OK")
            let list = try await commands.list(terminalID: terminal.id)
            #expect(list.first { $0.id == ids[0] }?.state == .done && list.first { $0.id == ids[0] }?.returnCode == 0)
            #expect(list.first { $0.id == ids[1] }?.failed == true)
            #expect(try await commands.counts()[terminal.id]?.failed == 1)
            // Nightly reconciliation: the terminal counts 5 punches yesterday, the server holds 1.
            let yesterday = Day(Date(), in: CivilTime.vietnam).previous
            #expect(try await send(h, .post, "/iclock/cdata?SN=\(Self.serial)&table=ATTLOG", "98765\t\(yesterday) 07:29:00\t0\t1\n").text == "OK:1")
            let housekeeping = TerminalHousekeeping(services: h.services)
            #expect(try await housekeeping.reconcile(day: yesterday) >= 1)  // with the demo's own terminal
            #expect(try await housekeeping.reconcile(day: yesterday) == 0)  // once a night
            let ask = try await send(h, .get, "/iclock/getrequest?SN=\(Self.serial)").text
            #expect(ask.contains("VERIFY SUM ATTLOG StartTime=\(yesterday) 00:00:00\tEndTime=\(yesterday) 23:59:59"))
            let id = String(ask.split(separator: ":")[1])
            let answer = "ID=\(id)&Return=0&CMD=VERIFY SUM&StartTime=\(yesterday) 00:00:00&EndTime=\(yesterday) 23:59:59&AttlogSum=5\n"
            #expect(try await send(h, .post, "/iclock/devicecmd?SN=\(Self.serial)", answer).text == "OK")
            #expect(try await AlertStore(database: h.services.database).open(scopes: ["/"]).contains { $0.kind == .countMismatch })
            #expect(try await send(h, .get, "/iclock/getrequest?SN=\(Self.serial)").text
                .contains("DATA QUERY ATTLOG StartTime=\(yesterday) 00:00:00\tEndTime=\(yesterday) 23:59:59"))
            // A command not taken within a day expires, and is never sent late.
            let stale = try await commands.enqueue([NewTerminalCommand(kind: .reboot, command: "REBOOT")], terminalID: terminal.id, by: office,
                                                   now: Date().addingTimeInterval(-2 * 86400))
            #expect(try await commands.expire() == 1)
            #expect(try await commands.get(stale[0])?.state == .expired)
            #expect(!(try await send(h, .get, "/iclock/getrequest?SN=\(Self.serial)").text.contains("REBOOT")))
            // Everything the terminal was told is in the journal.
            #expect(try await TerminalStore(database: h.services.database).journalEntries(serial: Self.serial).contains { $0.reply.hasPrefix("C:\(ids[0]):") })
        }
    }

    @Test func handshakeStampsSettingsVisitorsAndDisabling() async throws {
        try await Harness.run { h in
            let (terminal, person) = try await approvedTerminal(h)
            let store = TerminalStore(database: h.services.database)
            let now = Instant.formatLocal(Date().addingTimeInterval(-60)) + ":00"
            #expect(try await send(h, .post, "/iclock/cdata?SN=\(Self.serial)&table=ATTLOG&Stamp=9999", "98765\t\(now)\t0\t1\n").text == "OK:1")
            #expect(try await send(h, .get, "/iclock/cdata?SN=\(Self.serial)&options=all").text.contains("ATTLOGStamp=9999\n"))
            // The office asks for everything again: the next handshake says 0.
            try await store.requestFullUpload(serial: Self.serial, by: .system)
            #expect(try await send(h, .get, "/iclock/cdata?SN=\(Self.serial)&options=all").text.contains("ATTLOGStamp=0\n"))
            // Settings: a Chinese-firmware terminal at +8, photos off.
            try await store.update(serial: Self.serial, TerminalSettings(unitID: terminal.unitID!, location: "Cổng sau", utcOffset: 8 * 3600,
                                                                        encoding: "gb2312", photos: false, enabled: true, pinnedAddress: ""), by: .system, reason: "máy mới")
            let options = try await send(h, .get, "/iclock/cdata?SN=\(Self.serial)&options=all").text
            #expect(options.contains("TimeZone=8\n") && !options.contains("AttPhoto"))
            await #expect(throws: ValidationErrors.self) {
                try await store.update(serial: Self.serial, TerminalSettings(unitID: terminal.unitID!, location: "", utcOffset: 1234,
                                                                            encoding: "latin1", photos: true, enabled: true, pinnedAddress: "10.0.5.0/33"),
                                       by: .system, reason: "x")
            }
            // Someone of the terminal's unit is sent as a user, without marks on this terminal; someone
            // of another commune is not (the answer carries a name and a card to whoever holds the serial).
            let colleague = try await h.enrolled(pin: "70001")
            let remote = try await send(h, .get, "/iclock/cdata?SN=\(Self.serial)&table=RemoteAtt&PIN=70001").text
            #expect(remote.hasPrefix("DATA UPDATE USERINFO PIN=70001\tName=\(Transliteration.ascii(colleague.fullName))\t"))
            _ = try await h.enrolled(pin: "70002", in: "14554-UB")
            #expect(try await send(h, .get, "/iclock/cdata?SN=\(Self.serial)&table=RemoteAtt&PIN=70002").text == "OK")
            #expect(try await send(h, .get, "/iclock/cdata?SN=\(Self.serial)&table=RemoteAtt&PIN=11111").text == "OK")
            // Disabled: uploads are refused (the terminal keeps them), polls still answered.
            try await store.update(serial: Self.serial, TerminalSettings(unitID: terminal.unitID!, location: "Cổng sau", utcOffset: 7 * 3600,
                                                                        encoding: "utf-8", photos: true, enabled: false, pinnedAddress: ""), by: .system, reason: "hỏng")
            #expect(try await send(h, .post, "/iclock/cdata?SN=\(Self.serial)&table=ATTLOG", "98765\t\(now)\t0\t1\n").status == .serviceUnavailable)
            #expect(try await send(h, .get, "/iclock/getrequest?SN=\(Self.serial)").text == "OK")
            _ = person
        }
    }

    @Test(arguments: TestDatabases.kinds)
    func reparseRebuildsPunchesFromTheJournal(kind: DatabaseKind) async throws {
        try await Harness.run(kind) { h in
            _ = try await approvedTerminal(h)
            let day = Day(Date(), in: CivilTime.vietnam).previous
            let rows = (0..<30).map { "\(98765 + $0 % 3)\t\(day) 07:\(10 + $0):00\t0\t1" }.joined(separator: "\r\n")
            #expect(try await send(h, .post, "/iclock/cdata?SN=\(Self.serial)&table=ATTLOG", rows).text == "OK:30")
            let time = TerminalTime("\(day) 07:10:00")!
            let photo = Data("PIN=\(Self.stamp(time))-98765.jpg\nSN=\(Self.serial)".utf8) + Data([0]) + Self.jpeg
            #expect(try await send(h, .post, "/iclock/cdata?SN=\(Self.serial)&table=ATTPHOTO", photo).text == "OK")
            let count = { () async throws -> Int in
                try await h.services.database.read { sql in
                    try await sql.select().column(SQLRaw("COUNT(*) AS n")).from("punches").where("device", .equal, "terminal:\(Self.serial)").first()!
                        .decode(column: "n", as: Int.self)
                }
            }
            #expect(try await count() == 30)
            // Lost rows (a restore from an old backup, say) come back from the journal, and only they.
            try await h.services.database.write { sql in
                try await sql.delete(from: "punches").where("device", .equal, "terminal:\(Self.serial)").where("at", .greaterThan,
                    Instant.format(time.instant(offsetSeconds: 25200).addingTimeInterval(600))).run()
                try await sql.delete(from: "punch_photos").run()
            }
            #expect(try await count() == 11)
            let housekeeping = TerminalHousekeeping(services: h.services)
            let first = try await housekeeping.reparse()
            #expect(first.newPunches == 19 && first.photos == 1)
            #expect(try await count() == 30)
            #expect(try await housekeeping.reparse().newPunches == 0)
            #expect(try await h.services.attendance.photos.photo(key: TerminalPunch.key(serial: Self.serial, pin: "98765", time: time)) == Self.jpeg)
            #expect(try await TerminalStore(database: h.services.database).verifyJournal() == nil)
        }
    }

    @Test(arguments: TestDatabases.kinds)
    func hikvisionEventsFeedTheSamePunches(kind: DatabaseKind) async throws {
        try await Harness.run(kind) { h in
            let person = try await h.enrolled(pin: "1001", in: "14551-UB")
            let at = Date().addingTimeInterval(-45)
            let stamp = Instant.formatLocal(at).replacingOccurrences(of: " ", with: "T") + ":05+07:00"
            func event(_ serialNo: Int, minor: Int = 75) -> String {
                """
                {"ipAddress":"192.168.1.64","dateTime":"\(stamp)","eventType":"AccessControllerEvent","AccessControllerEvent":\
                {"major":5,"minor":\(minor),"employeeNoString":"1001","serialNo":\(serialNo)}}
                """
            }
            let uri = "/hikvision/DS-K1T341AM001/events"
            func post(_ body: Data, type: String = "application/json") async throws -> TestResponse {
                try await h.client.execute(uri: uri, method: .post, headers: [.contentType: type], body: ByteBuffer(bytes: body))
            }
            // Pending: refused, so the terminal keeps the event.
            #expect(try await post(Data(event(1).utf8)).status == .serviceUnavailable)
            let store = TerminalStore(database: h.services.database)
            #expect(try await store.get(serial: "DS-K1T341AM001")?.vendor == "hikvision")
            try await store.approve(serial: "DS-K1T341AM001", unitID: try await h.unit(code: "14551-UB").id, by: .system)
            #expect(try await post(Data(event(1).utf8)).status == .ok)
            #expect(try await post(Data(event(1).utf8)).status == .ok)  // repeated: the same punch
            #expect(try await post(Data(event(2, minor: 76).utf8)).status == .ok)  // a refused face: no punch
            #expect(try await post(Data("{not json".utf8)).status == .badRequest)
            let jpeg = Data([0xFF, 0xD8, 0xFF, 0xDB, 9, 8, 7, 0xFF, 0xD9])
            var body = Data("--MIME_boundary\r\nContent-Disposition: form-data; name=\"event_log\"\r\nContent-Type: application/json\r\n\r\n".utf8)
            body += Data(event(3).utf8) + Data("\r\n--MIME_boundary\r\nContent-Disposition: form-data; name=\"Picture\"; filename=\"p.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n".utf8)
            body += jpeg + Data("\r\n--MIME_boundary--\r\n".utf8)
            #expect(try await post(body, type: "multipart/form-data; boundary=MIME_boundary").status == .ok)
            let punches = try await PunchStore(database: h.services.database).punches(personID: person.id, from: at.addingTimeInterval(-120), to: Date())
            #expect(punches.filter { $0.device == "terminal:DS-K1T341AM001" }.count == 2)
            #expect(try await h.services.attendance.photos.photo(key: "hik:DS-K1T341AM001:3") == jpeg)
            #expect(try await store.verifyJournal() == nil)
            // The journal alone rebuilds both punches and the picture's link.
            try await h.services.database.write { sql in
                try await sql.delete(from: "punches").where("device", .equal, "terminal:DS-K1T341AM001").run()
                try await sql.delete(from: "punch_photos").run()
            }
            let rebuilt = try await TerminalHousekeeping(services: h.services).reparse(serial: "DS-K1T341AM001")
            #expect(rebuilt.newPunches == 2 && rebuilt.photos == 1)
            #expect(try await h.services.attendance.photos.photo(key: "hik:DS-K1T341AM001:3") == jpeg)
        }
    }
}
