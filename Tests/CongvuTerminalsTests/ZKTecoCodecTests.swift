import CongvuDomain
import CongvuTerminals
import Foundation
import Testing

/// The ZKTeco PUSH codecs against exchanges as terminals send them.
@Suite struct ZKTecoCodecTests {
    @Test func requestsAreReadWhateverTheFirmwareSends() {
        let hand = PushRequest(method: "GET", path: "/iclock/cdata/", rawQuery: "sn=CKJ7201460123&options=all&pushver=2.4.1&language=86", body: Data())
        #expect(hand.endpoint == .cdata)
        #expect(hand.isHandshake)
        #expect(!hand.isSecurityPush)
        #expect(hand.serialNumber == "CKJ7201460123")
        let upload = PushRequest(method: "post", path: "/iclock/cdata", rawQuery: "SN=CKJ7201460123&table=attlog&OpStamp=9999", body: Data())
        #expect(upload.table == "ATTLOG")
        #expect(upload.value("opstamp") == "9999")
        #expect(!upload.isHandshake)
        #expect(PushRequest(method: "GET", path: "/iclock/getrequest.aspx", rawQuery: "SN=A1", body: Data()).endpoint == .getrequest)
        #expect(PushRequest(method: "GET", path: "/iclock/unknown", rawQuery: "", body: Data()).endpoint == nil)
        #expect(PushRequest(method: "GET", path: "/iclock/cdata", rawQuery: "SN=bad%20sn%3B", body: Data()).serialNumber == nil)
        #expect(PushRequest(method: "GET", path: "/iclock/cdata", rawQuery: "SN=X&pushver=3.1.2&options=all", body: Data()).isSecurityPush)
    }

    @Test func attendanceRowsSplitOnTabsOnly() throws {
        let body = "1001\t2026-03-03 07:24:05\t0\t1\t0\t0\t0\r\n1002\t2026-03-03 07:31:40\t255\t15\t\t0\t0\n\n"
        let rows = try PushText.lines(PushText.decode(Data(body.utf8))).map(AttLogRow.parse)
        #expect(rows.count == 2)
        #expect(rows[0].pin == "1001")
        #expect(rows[0].time.description == "2026-03-03 07:24:05")
        #expect((rows[0].status, rows[0].verify, rows[0].method) == (0, 1, .fingerprint))
        #expect(rows[1].method == .face)
        // Vietnam's terminals run at UTC+7: 07:24:05 local is 00:24:05 UTC.
        #expect(Instant.format(rows[0].time.instant(offsetSeconds: 7 * 3600)) == "2026-03-03T00:24:05.000Z")
        #expect(throws: RowError.self) { try AttLogRow.parse("1001 2026-03-03 07:24:05") }
        #expect(throws: RowError.self) { try AttLogRow.parse("1001\t2026-02-30 07:24:05\t0\t1") }
        #expect(throws: RowError.self) { try AttLogRow.parse("10 01\t2026-03-03 07:24:05\t0\t1") }
        #expect(throws: RowError.self) { try AttLogRow.parse("1001\t2026-03-03 24:00:00") }
    }

    @Test func operationLogsMixOperationsUsersAndTemplates() throws {
        let body = """
        OPLOG 4\t0\t2026-03-03 08:00:01\t0\t0\t0\t0
        OPLOG 21\t1\t2026-03-03 08:01:00\t0\t0\t0\t0
        USER PIN=1001\tName=Nguyen Van A\tPri=0\tPasswd=\tCard=12345678\tGrp=1\tTZ=0000000000000000\tVerify=-1
        FP PIN=1001\tFID=6\tSize=1024\tValid=1\tTMP=ocoRE3...
        WHATEVER new row kind
        """
        let rows = try PushText.lines(body).map(OperLogRow.parse)
        #expect(rows.count == 5)
        guard case .operation(let code, _, let time, _) = rows[1] else { Issue.record("not an operation"); return }
        #expect(code == 21 && TamperCodes.alerts[code] == .timeSet)
        #expect(time.description == "2026-03-03 08:01:00")
        guard case .user(let user) = rows[2] else { Issue.record("not a user"); return }
        #expect(user["Name"] == "Nguyen Van A" && user["Card"] == "12345678")
        #expect(rows[4] == .unknown(line: "WHATEVER new row kind"))
        #expect(throws: RowError.self) { try OperLogRow.parse("OPLOG x\t0\tyesterday") }
    }

    @Test func photosInAllThreeForms() throws {
        let jpeg = Data([0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 0x4A, 0x46])
        let cdata = Data("PIN=20260303072405-1001.jpg\nSN=CKJ7201460123\nsize=\(jpeg.count)\nCMD=uploadphoto".utf8) + Data([0]) + jpeg
        let a = try AttPhoto.parseCData(cdata)
        #expect(a.pin == "1001" && a.time?.description == "2026-03-03 07:24:05" && a.jpeg == jpeg)
        let b = try AttPhoto.parseCData(Data("PIN=20260303072405.jpg\nCMD=uploadphoto".utf8) + Data([0]) + Data(jpeg.base64EncodedString().utf8), base64: true)
        #expect(b.pin == nil && b.jpeg == jpeg)  // a failed verification: a time and no person
        let c = try AttPhoto.parseFData(query: ["pin": "20260303072405-1001.jpg"], body: jpeg)
        #expect(c.pin == "1001")
        #expect(throws: RowError.self) { try AttPhoto.parseCData(Data("PIN=x.jpg".utf8)) }
        #expect(throws: RowError.self) { try AttPhoto.parseFData(query: [:], body: Data("GIF89a".utf8)) }
    }

    @Test func commandResultsComeBatchedWithInfoLines() {
        let body = "ID=101&Return=0&CMD=DATA\nID=106&Return=0&CMD=VERIFY SUM&StartTime=2026-03-02 00:00:00&EndTime=2026-03-02 23:59:59&AttlogSum=42\n"
            + "ID=109&Return=0&CMD=INFO\n~DeviceName=SpeedFace-V5L\nUserCount=61\nTransactionCount=5120\nID=110&Return=-1002&CMD=USER ADD\n"
        let results = CommandResult.parse(body)
        #expect(results.map(\.id) == ["101", "106", "109", "110"])
        #expect(results[1].fields["AttlogSum"] == "42")
        #expect(results[2].info["TransactionCount"] == "5120")
        #expect(results[3].returnCode == -1002)
        let info = DeviceInfo("Ver 8.0.4.3-20230717,61,58,5120,192.168.1.201,10,7,12,0,111")
        #expect(info?.records == 5120 && info?.users == 61 && info?.address == "192.168.1.201")
        #expect(DeviceInfo("garbage") == nil)
    }

    @Test func securityPushRealtimeRows() throws {
        let row = try RealtimeLogRow.parse("time=2026-03-03 07:24:05\tpin=1001\tcardno=0\teventaddr=1\tevent=0\tinoutstatus=1\tverifytype=15\tindex=21")
        #expect(row?.pin == "1001" && row?.index == "21" && row?.verifyType == 15)
        #expect(try RealtimeLogRow.parse("time=2026-03-03 07:24:05\tpin=0\tevent=0\tindex=22") == nil)  // no person
        #expect(try RealtimeLogRow.parse("time=2026-03-03 07:24:05\tpin=1001\tevent=27\tindex=23") == nil)  // refused
        #expect(throws: RowError.self) { try RealtimeLogRow.parse("pin=1001\tevent=0") }
    }

    @Test func repliesAndCommands() {
        let options = PushReply.options(serial: "CKJ7201460123")
        #expect(options.hasPrefix("GET OPTION FROM: CKJ7201460123\n"))
        #expect(options.contains("\nTimeZone=7\n"))
        #expect(options.contains("TransFlag=TransData AttLog\tOpLog\tAttPhoto\tEnrollUser\tChgUser"))
        #expect(PushReply.accepted(12) == "OK:12")
        let user = PushCommand.updateUser(pin: "1001", name: "Nguyễn Thị Phương Thảo Đặng", card: "123", ascii: true)
        #expect(user.hasPrefix("DATA UPDATE USERINFO PIN=1001\tName=Nguyen Thi Phuong Thao D\tPri=0"))  // 24 characters
        // Without transliteration the name is cut on a character boundary within 24 bytes of UTF-8.
        let native = PushCommand.updateUser(pin: "7", name: "Nguyễn Thị Phương Thảo", ascii: false)
        let name = native.components(separatedBy: "Name=")[1].components(separatedBy: "\t")[0]
        #expect(name.utf8.count <= 24 && "Nguyễn Thị Phương Thảo".hasPrefix(name))
        #expect(PushCommand.line(id: "A17", PushCommand.deleteUser(pin: "1001")) == "C:A17:DATA DELETE USERINFO PIN=1001")
        #expect(PushCommand.isValidID("A17") && !PushCommand.isValidID("x:y") && !PushCommand.isValidID(String(repeating: "1", count: 17)))
        #expect(Transliteration.ascii("Đặng Thị Ánh Tuyết") == "Dang Thi Anh Tuyet")
    }

    /// Random bytes and mangled exchanges never crash a parser: they parse or throw.
    @Test func parsersSurviveRandomBytes() {
        var g = SeededGenerator(seed: 42)
        let samples = ["1001\t2026-03-03 07:24:05\t0\t1\t0", "OPLOG 21\t1\t2026-03-03 08:01:00\t0", "USER PIN=1\tName=A",
                       "ID=1&Return=0&CMD=INFO\nA=B", "time=2026-03-03 07:24:05\tpin=1\tevent=0\tindex=1"]
        for i in 0..<20_000 {
            var bytes: [UInt8]
            if i % 2 == 0 {
                bytes = (0..<Int.random(in: 0..<200, using: &g)).map { _ in UInt8.random(in: 0...255, using: &g) }
            } else {
                bytes = Array(samples[i % samples.count].utf8)
                for _ in 0..<Int.random(in: 1...6, using: &g) where !bytes.isEmpty {
                    bytes[Int.random(in: 0..<bytes.count, using: &g)] = [0, 9, 10, 13, 32, 45, 58, 61, 0xFF, 0xC3][Int.random(in: 0..<10, using: &g)]
                }
            }
            let data = Data(bytes)
            let text = PushText.decode(data)
            for line in PushText.lines(text) {
                _ = try? AttLogRow.parse(line)
                _ = try? OperLogRow.parse(line)
                _ = try? RealtimeLogRow.parse(line)
            }
            _ = CommandResult.parse(text)
            _ = DeviceInfo(text)
            _ = try? AttPhoto.parseCData(data, base64: i % 3 == 0)
            _ = PushRequest(method: "POST", path: "/iclock/cdata", rawQuery: text, body: data).serialNumber
            _ = HikvisionEvent.parseDate(text)
            _ = try? HikvisionEvent.parse(json: data, serialNumber: "X")
        }
    }
}
