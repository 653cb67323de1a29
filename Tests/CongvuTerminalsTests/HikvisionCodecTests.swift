import CongvuDomain
import CongvuTerminals
import Foundation
import Testing

@Suite struct HikvisionCodecTests {
    let event = """
    {"ipAddress":"192.168.1.64","dateTime":"2026-03-03T07:24:05+07:00","activePostCount":1,"eventType":"AccessControllerEvent",
     "eventState":"active","AccessControllerEvent":{"deviceName":"Cửa chính","major":5,"minor":75,"name":"Nguyen Van A",
     "cardReaderNo":1,"employeeNoString":"1001","serialNo":4821,"userType":"normal","currentVerifyMode":"cardOrFace"}}
    """

    @Test func grantedFacePassIsAPunch() throws {
        let e = try #require(try HikvisionEvent.parse(json: Data(event.utf8), serialNumber: "DS-K1T341AM20230101"))
        #expect(e.employee == "1001" && e.serialNo == 4821 && e.method == .face)
        #expect(Instant.format(e.at) == "2026-03-03T00:24:05.000Z")
        // A refused verification, or a door alarm, is not attendance.
        let refused = event.replacingOccurrences(of: "\"minor\":75", with: "\"minor\":76")
        #expect(try HikvisionEvent.parse(json: Data(refused.utf8), serialNumber: "X") == nil)
        #expect(throws: (any Error).self) { try HikvisionEvent.parse(json: Data("{not json".utf8), serialNumber: "X") }
    }

    @Test func datesCarryTheirOffset() {
        #expect(Instant.format(HikvisionEvent.parseDate("2026-03-03T00:24:05Z")!) == "2026-03-03T00:24:05.000Z")
        #expect(Instant.format(HikvisionEvent.parseDate("2026-03-03T07:24:05.123+07:00")!) == "2026-03-03T00:24:05.000Z")
        #expect(Instant.format(HikvisionEvent.parseDate("2026-03-03T02:24:05-05:00")!) == "2026-03-03T07:24:05.000Z")
        #expect(HikvisionEvent.parseDate("03/03/2026 07:24") == nil)
        #expect(Instant.format(HikvisionEvent.parseDate("2026-03-03T07:24:05+0700")!) == "2026-03-03T00:24:05.000Z")
        // What scripts/fuzz found: an offset of many digits overflowed the arithmetic and stopped the server.
        #expect(HikvisionEvent.parseDate("2050-03-03T07:24:052+-8888888888888888888:888888888888") == nil)
        #expect(HikvisionEvent.parseDate("2026-03-03T07:24:05+15:00") == nil)
        #expect(HikvisionEvent.parseDate("2026-03-03T07:24:05+07:75") == nil)
    }

    @Test func multipartBodiesCarryTheEventAndAPicture() throws {
        let jpeg = Data([0xFF, 0xD8, 0xFF, 0xDB, 1, 2, 3])
        var body = Data("--MIME_boundary\r\nContent-Disposition: form-data; name=\"event_log\"\r\nContent-Type: application/json\r\n\r\n".utf8)
        body += Data(event.utf8) + Data("\r\n--MIME_boundary\r\nContent-Disposition: form-data; name=\"Picture\"; filename=\"Picture.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n".utf8)
        body += jpeg + Data("\r\n--MIME_boundary--\r\n".utf8)
        let e = try #require(try HikvisionEvent.parseMultipart(body, boundary: "MIME_boundary", serialNumber: "X"))
        #expect(e.picture == jpeg && e.employee == "1001")
        #expect(throws: RowError.self) { try HikvisionEvent.parseMultipart(Data("--b\r\n\r\n--b--".utf8), boundary: "b", serialNumber: "X") }
    }
}
