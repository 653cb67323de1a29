import CongvuDomain
import CongvuServer
import CongvuStore
import CongvuTerminals
import CongvuTestSupport
import CongvuVideo
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import SQLKit
import Testing

/// A punch at an entrance whose camera is linked keeps a picture of that moment, shown with the punch
/// to whoever may see the person's attendance and play that camera back.
@Suite struct CameraSnapshotTests {
    static let jpeg = Data([0xFF, 0xD8, 0xFF, 0xE0, 0, 16, 0x4A, 0x46, 0x49, 0x46, 0, 1, 0xFF, 0xD9])

    @Test func aPunchAtALinkedEntranceKeepsTheCamerasPicture() async throws {
        // The camera's snapshot address: a small HTTP server that wants the camera's credentials.
        let router = Router()
        router.get("ISAPI/Streaming/channels/:channel/picture") { request, _ -> Response in
            guard request.headers[.authorization] == "Basic " + Data("admin:Abc12345".utf8).base64EncodedString() else {
                return Response(status: .unauthorized)
            }
            return Response(status: .ok, headers: [.contentType: "image/jpeg"], body: .init(byteBuffer: ByteBuffer(bytes: Self.jpeg)))
        }
        let camera = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await camera.test(.live) { cameraClient in
            let cameraPort = try #require(cameraClient.port)
            try await Harness.run { h in
                try await CameraDemo.load(into: h.services.video.cameras, units: h.services.units)
                var gate = try #require(try await h.services.video.cameras.cameras(within: nil).first { $0.camera.terminalSerial == "AF6C201460501" }?.camera)
                gate.httpPort = cameraPort
                try await h.services.video.cameras.update(gate, password: "", by: .system)

                // A newcomer: a demo colleague's own punch of this morning could fall inside the window read below.
                let person = try await h.newcomer("Hà Thị Ảnh", card: "0045124321", pin: "4321", in: "14551-UB")
                try await h.trustDemoTerminal("AF6C201460501", pins: ["4321"])
                let fresh = TerminalTime(Instant.formatLocal(Date().addingTimeInterval(-20)) + ":07")!
                let late = TerminalTime(Instant.formatLocal(Date().addingTimeInterval(-3600)) + ":07")!
                let rows = "4321\t\(fresh)\t0\t15\n4321\t\(late)\t0\t15\n"
                #expect(try await h.device(.post, "/iclock/cdata?SN=AF6C201460501&table=ATTLOG", Data(rows.utf8)).text == "OK:2")
                let punches = try await PunchStore(database: h.services.database)
                    .punches(personID: person.id, from: Date().addingTimeInterval(-7200), to: Date().addingTimeInterval(60), includeFlagged: true)
                    .filter { $0.punch.source == .terminal }
                #expect(punches.count == 2)
                // The picture is taken beside the terminal's answer, not before it.
                let keys = punches.map(\.key)
                var linked: [String: Int64] = [:]
                for _ in 0..<50 where linked.isEmpty {
                    linked = try await h.services.video.cameras.snapshots(punchKeys: keys)
                    if linked.isEmpty { try await Task.sleep(for: .milliseconds(100)) }
                }
                // Only the fresh punch: the one uploaded an hour late would have a picture of now.
                let freshPunch = try #require(punches.first { abs($0.punch.at.timeIntervalSinceNow) < 120 })
                #expect(Array(linked.keys) == [freshPunch.key] && linked[freshPunch.key] == gate.id)

                // The chairman (playback on the demo cameras) sees it with the punch.
                let chairman = try await h.signIn("chutich.giahung")
                let day = Day(freshPunch.punch.at, in: CivilTime.vietnam)
                let page = try await chairman.get("/attendance/person/\(person.id)/day/\(day)")
                #expect(page.status == .ok && page.text.contains("/attendance/punches/\(freshPunch.id)/snapshot"))
                let picture = try await chairman.get("/attendance/punches/\(freshPunch.id)/snapshot")
                #expect(picture.status == .ok && Data(picture.body.readableBytesView) == Self.jpeg)
                // Without the playback right on that camera: neither the link nor the picture.
                let grant = try #require(try await h.services.video.cameras.grants(camera: gate.id).first)
                try await h.services.video.cameras.revokeGrant(id: grant.id, camera: gate.id, by: .system)
                #expect(!(try await chairman.get("/attendance/person/\(person.id)/day/\(day)")).text.contains("/snapshot"))
                #expect(try await chairman.get("/attendance/punches/\(freshPunch.id)/snapshot").status == .forbidden)
                // A Hikvision face terminal's event at the one-stop counter: its camera keeps a picture too.
                var counter = try #require(try await h.services.video.cameras.cameras(within: nil).first { $0.camera.terminalSerial == "DS-K1T341AM20240001" }?.camera)
                counter.httpPort = cameraPort
                try await h.services.video.cameras.update(counter, password: "", by: .system)
                try await h.trustDemoTerminal("DS-K1T341AM20240001", pins: [])
                let stamp = Instant.formatLocal(Date().addingTimeInterval(-10)).replacingOccurrences(of: " ", with: "T") + ":05+07:00"
                let event = """
                    {"ipAddress":"192.168.1.64","dateTime":"\(stamp)","eventType":"AccessControllerEvent","AccessControllerEvent":\
                    {"major":5,"minor":75,"employeeNoString":"4321","serialNo":9}}
                    """
                #expect(try await h.client.execute(uri: "/hikvision/DS-K1T341AM20240001/events", method: .post,
                                                   headers: [.contentType: "application/json"], body: ByteBuffer(string: event)).status == .ok)
                var atCounter: [String: Int64] = [:]
                for _ in 0..<50 where atCounter.isEmpty {
                    // PIN 4321 is nobody at the counter's unit: the punch waits for the office, its picture is kept all the same.
                    let keys = try await h.services.database.read { sql in
                        try await sql.select().column("idempotency_key").from("punches").where("device", .equal, "terminal:DS-K1T341AM20240001").all()
                            .map { try $0.decode(column: "idempotency_key", as: String.self) }
                    }
                    atCounter = try await h.services.video.cameras.snapshots(punchKeys: keys)
                    if atCounter.isEmpty { try await Task.sleep(for: .milliseconds(100)) }
                }
                #expect(Array(atCounter.values) == [counter.id])
                // Retention of snapshots is their own: after it, the link and the file go.
                try await h.services.video.hub.applyRetention(now: Date().addingTimeInterval(91 * 86_400), freeBytes: 900, totalBytes: 1000)
                #expect(try await h.services.video.cameras.snapshots(punchKeys: keys).isEmpty)
            }
        }
    }
}
