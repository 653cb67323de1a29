import CongvuDomain
import CongvuServer
import CongvuStore
import CongvuTestSupport
import CongvuVideo
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

/// Recorded footage: the playback page, its JSON and HLS descriptions, segment bytes and clip export,
/// each behind the right it needs, per camera.
@Suite struct CameraPlaybackTests {
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("CongvuVideoTests/Fixtures/segment.mp4")

    /// Two cameras of the demo with a recorded minute each (the same small file), at 08:15 yesterday
    /// (today's 08:15 is still ahead between midnight and then, Vietnam time).
    func recorded(_ h: Harness) async throws -> (gate: CameraRecord, counter: CameraRecord, start: Date, name: String) {
        try await CameraDemo.load(into: h.services.video.cameras, units: h.services.units)
        let cameras = try await h.services.video.cameras.cameras(within: nil)
        let gate = try #require(cameras.first { $0.camera.name == "Cổng trụ sở" })
        let counter = try #require(cameras.first { $0.camera.name == "Quầy một cửa" })
        let start = try #require(Instant.parseLocal("\(h.services.today.previous) 08:15"))
        var c = Calendar(identifier: .gregorian)
        c.timeZone = TimeZone(identifier: "UTC")!
        let p = c.dateComponents([.year, .month, .day, .hour, .minute], from: start)
        let name = "\(p.year!)\(Digits.pad(p.month!, 2))\(Digits.pad(p.day!, 2))T\(Digits.pad(p.hour!, 2))\(Digits.pad(p.minute!, 2))00Z.mp4"
        for camera in [gate, counter] {
            let dir = h.services.video.hub.directory + "/\(camera.camera.id)"
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            try Data(contentsOf: Self.fixture).write(to: URL(fileURLWithPath: dir + "/" + name))
            try await h.services.video.cameras.addSegment(RecordedSegment(cameraID: camera.camera.id, start: start, end: start + 2, bytes: 20_024,
                                                                    path: "\(camera.camera.id)/\(name)"))
        }
        return (gate, counter, start, name)
    }

    @Test func playbackNeedsItsRightOnEveryPath() async throws {
        try await Harness.run { h in
            let (gate, counter, start, name) = try await recorded(h)
            let from = Instant.format(start - 60), to = Instant.format(start + 600)
            let chairman = try await h.signIn("chutich.giahung")
            // The demo grants leaders live and playback on every camera: revoke the counter's.
            let grant = try #require(try await h.services.video.cameras.grants(camera: counter.camera.id).first)
            try await h.services.video.cameras.revokeGrant(id: grant.id, camera: counter.camera.id, by: .system)
            try await h.services.video.cameras.grant(CameraGrant(cameraID: counter.camera.id, role: .leader, rights: [.live]), by: .system)

            let page = try await chairman.get("/cameras/\(gate.camera.id)/playback?day=\(h.services.today.previous)")
            #expect(page.status == .ok && page.text.contains("id=\"timeline\"") && page.text.contains("08:15"))
            #expect(page.text.contains("data-playback=") && !page.text.contains("id=\"export-form\""))
            let json = try await chairman.get("/cameras/\(gate.camera.id)/playback.json?from=\(from)&to=\(to)")
            #expect(json.status == .ok)
            let plan = try #require(try JSONSerialization.jsonObject(with: Data(json.text.utf8)) as? [String: Any])
            let files = try #require(plan["files"] as? [[String: Any]])
            #expect(files.count == 1 && (files[0]["url"] as? String) == "/cameras/\(gate.camera.id)/segments/\(name)")
            #expect((plan["codec"] as? String)?.hasPrefix("avc1.") == true)
            let playlist = try await chairman.get("/cameras/\(gate.camera.id)/playback.m3u8?from=\(from)&to=\(to)")
            #expect(playlist.status == .ok && playlist.text.contains("#EXT-X-MAP:URI=\"/cameras/\(gate.camera.id)/segments/\(name)\""))

            // Segment bytes: a range as asked, the whole file, and nothing past its end.
            let ranged = try await chairman.request("/cameras/\(gate.camera.id)/segments/\(name)", headers: [.range: "bytes=4-11"])
            #expect(ranged.status == .partialContent && ranged.headers[.contentRange] == "bytes 4-11/20024")
            #expect(ranged.text == "ftypiso5") // bytes 4–11 of the fixture: the ftyp box type and major brand
            #expect(try await chairman.get("/cameras/\(gate.camera.id)/segments/\(name)").body.readableBytes == 20_024)
            #expect(try await chairman.request("/cameras/\(gate.camera.id)/segments/\(name)", headers: [.range: "bytes=30000-"]).status
                    == .rangeNotSatisfiable)
            // A name the index does not hold for this camera, or a path trick, is not found.
            #expect(try await chairman.get("/cameras/\(gate.camera.id)/segments/20200101T000000Z.mp4").status == .notFound)
            #expect(try await chairman.get("/cameras/\(gate.camera.id)/segments/..%2F..%2Fsecret.key").status == .notFound)

            // Live only on the counter: every playback path refuses, bytes included.
            for path in ["playback?day=\(h.services.today.previous)", "playback.json?from=\(from)&to=\(to)", "playback.m3u8?from=\(from)&to=\(to)",
                         "segments/\(name)"] {
                #expect(try await chairman.get("/cameras/\(counter.camera.id)/\(path)").status == .forbidden, "\(path)")
            }
            // No export right: refused before anything is cut.
            #expect(try await chairman.post("/cameras/\(gate.camera.id)/export", ["day": h.services.today.previous.description, "from": "08:15",
                                                                                   "to": "08:16", "reason": "Kiểm tra"]).status == .forbidden)
            // Someone of another commune sees nothing.
            let elsewhere = try await h.signIn("chutich.giavan")
            #expect(try await elsewhere.get("/cameras/\(gate.camera.id)/segments/\(name)").status == .forbidden)
            // A bad window is a clear 400.
            #expect(try await chairman.get("/cameras/\(gate.camera.id)/playback.json?from=\(to)&to=\(from)").status == .badRequest)
            // Each playback asked is in the viewing log.
            #expect(try await h.services.video.cameras.views(within: [""]).filter { $0.kind == .playback }.count == 2)
        }
    }

    @Test(.enabled(if: Recorder.locate("ffmpeg") != nil)) func theOfficeExportsAClipAudited() async throws {
        try await Harness.run { h in
            let (gate, _, start, _) = try await recorded(h)
            let office = try await h.signIn("vanphong.giahung")
            let day = Day(start, in: CivilTime.vietnam).description
            #expect(try await office.post("/cameras/\(gate.camera.id)/export", ["day": day, "from": "09:00", "to": "08:00",
                                                                                 "reason": "x"]).status == .badRequest)
            // The reason is the server's rule too, not only the form's.
            #expect(try await office.post("/cameras/\(gate.camera.id)/export", ["day": day, "from": "08:15", "to": "08:16",
                                                                                 "reason": " "]).status == .badRequest)
            let nothing = try await office.post("/cameras/\(gate.camera.id)/export", ["day": day, "from": "10:00", "to": "10:05",
                                                                                       "reason": "Không có gì"])
            #expect(nothing.status == .notFound)
            #expect(nothing.text.contains("Không có phim ghi trong khoảng này."))
            let clip = try await office.post("/cameras/\(gate.camera.id)/export", ["day": day, "from": "08:15", "to": "08:16",
                                                                                    "reason": "Vụ mất xe"])
            #expect(clip.status == .ok && clip.headers[.contentType] == "video/mp4")
            #expect(clip.headers[.contentDisposition]?.contains("attachment") == true)
            // A real MP4 with its moov first (faststart).
            let bytes = Data(clip.body.readableBytesView)
            let boxes = BoxReader.boxes(in: bytes).map(\.type)
            #expect(boxes.prefix(2) == ["ftyp", "moov"])
            #expect(try await h.services.audit.recent(objectType: "camera_export").count == 1)
            #expect(try await h.services.video.cameras.views(within: [""]).contains { $0.kind == .export && $0.detail == "Vụ mất xe" })
        }
    }

    /// The API's cameras (issue 26): listed with the caller's rights and the streams on this node,
    /// never an address, user or stream URL; a window's recordings by the playback right; a clip by
    /// the export right, its reason audited and the export in the viewing log.
    @Test func theAPIListsCamerasTheirRecordingsAndCutsClips() async throws {
        try await Harness.run { h in
            let (gate, counter, start, _) = try await recorded(h)
            func bearer(_ username: String) async throws -> HTTPFields {
                let account = try #require(try await h.services.accounts.byUsername(username))
                return [.authorization: "Bearer \(try await h.services.accounts.issueAPIToken(userID: account.id, name: "api", by: .system))",
                        .contentType: "application/json"]
            }
            let chairman = try await bearer("chutich.giahung"), office = try await bearer("vanphong.giahung"), elsewhere = try await bearer("chutich.giavan")
            func json(_ r: TestResponse) -> [String: Any] { (try? JSONSerialization.jsonObject(with: Data(r.body.readableBytesView)) as? [String: Any]) ?? [:] }
            let list = try await h.browser().request("/api/v1/cameras", headers: chairman)
            let items = try #require(json(list)["items"] as? [[String: Any]])
            #expect(list.status == .ok && items.contains { $0["id"] as? Int == Int(gate.camera.id) && ($0["rights"] as? [String]) == ["live", "playback"] })
            #expect(!list.text.contains("rtsp") && !list.text.contains(gate.camera.host) && !list.text.contains("\"username\""))
            #expect(((items.first?["streams"] as? [[String: Any]]) ?? []).map { $0["stream"] as? String } == ["main", "sub"])
            #expect((json(try await h.browser().request("/api/v1/cameras", headers: elsewhere))["items"] as? [[String: Any]] ?? [])
                .allSatisfy { $0["id"] as? Int != Int(gate.camera.id) })
            #expect(try await h.browser().request("/api/v1/cameras/\(gate.camera.id)", headers: elsewhere).status == .forbidden)
            #expect(try await h.browser().request("/api/v1/cameras/999999", headers: chairman).status == .notFound)

            let from = Instant.format(start - 60), to = Instant.format(start + 600)
            let recordings = try await h.browser().request("/api/v1/cameras/\(gate.camera.id)/recordings?from=\(from)&to=\(to)", headers: chairman)
            let segments = try #require(json(recordings)["segments"] as? [[String: Any]])
            #expect(recordings.status == .ok && segments.count == 1 && segments[0]["bytes"] as? Int == 20_024 && segments[0]["start"] as? String == Instant.format(start))
            #expect((json(recordings)["spans"] as? [[String: Any]])?.count == 1)
            let tooLong = Instant.format(start + 90_000)
            #expect(try await h.browser().request("/api/v1/cameras/\(gate.camera.id)/recordings?from=\(from)&to=\(tooLong)", headers: chairman).status == .badRequest)
            #expect(try await h.browser().request("/api/v1/cameras/\(gate.camera.id)/recordings?from=yesterday&to=\(to)", headers: chairman).status == .badRequest)

            // Export needs its right and a reason; the clip is a real MP4.
            let body = { (reason: String) in ByteBuffer(string: #"{"from": "\#(Instant.format(start))", "to": "\#(Instant.format(start + 60))", "reason": "\#(reason)"}"#) }
            #expect(try await h.browser().request("/api/v1/cameras/\(gate.camera.id)/clips", method: .post, headers: chairman, body: body("Kiểm tra")).status == .forbidden)
            #expect(try await h.browser().request("/api/v1/cameras/\(gate.camera.id)/clips", method: .post, headers: office, body: body("")).status == .badRequest)
            #expect(try await h.browser().request("/api/v1/cameras/\(counter.camera.id)/clips", method: .post, headers: office,
                                                  body: ByteBuffer(string: #"{"from": "soon"}"#)).status == .badRequest)
            guard Recorder.locate("ffmpeg") != nil else { return }
            let clip = try await h.browser().request("/api/v1/cameras/\(gate.camera.id)/clips", method: .post, headers: office, body: body("Vụ mất xe máy"))
            #expect(clip.status == .ok && clip.headers[.contentType] == "video/mp4")
            #expect(BoxReader.boxes(in: Data(clip.body.readableBytesView)).map(\.type).prefix(2) == ["ftyp", "moov"])
            #expect(try await h.services.audit.recent(objectType: "camera_export").first?.reason == "Vụ mất xe máy")
            #expect(try await h.services.video.cameras.views(within: [""]).contains { $0.kind == .export && $0.detail == "Vụ mất xe máy" })
        }
    }
}
