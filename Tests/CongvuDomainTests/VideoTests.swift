import Foundation
import Testing
@testable import CongvuDomain

@Suite("Cameras: addresses, drafts, timeline, retention, supervision")
struct VideoTests {
    let t0 = Date(timeIntervalSince1970: 1_795_000_000)

    @Test("Brand templates give the main and sub-stream and the snapshot address")
    func templates() {
        let hik = Camera(unitID: 1, name: "Cổng", brand: .hikvision, host: "192.168.1.64", channel: 2)
        #expect(hik.url(.main) == "rtsp://192.168.1.64/Streaming/Channels/201")
        #expect(hik.url(.sub) == "rtsp://192.168.1.64/Streaming/Channels/202")
        #expect(hik.snapshot == "http://192.168.1.64/ISAPI/Streaming/channels/201/picture")
        let dahua = Camera(unitID: 1, name: "Một cửa", brand: .dahua, host: "10.0.0.5", rtspPort: 8554, httpPort: 8080)
        #expect(dahua.url(.main) == "rtsp://10.0.0.5:8554/cam/realmonitor?channel=1&subtype=0")
        #expect(dahua.url(.sub) == "rtsp://10.0.0.5:8554/cam/realmonitor?channel=1&subtype=1")
        #expect(dahua.snapshot == "http://10.0.0.5:8080/cgi-bin/snapshot.cgi?channel=1")
        let plain = Camera(unitID: 1, name: "x", brand: .rtsp, mainURL: "rtsp://cam/live")
        #expect(plain.url(.sub) == "rtsp://cam/live")
        #expect(!plain.hasSubStream)
        #expect(plain.snapshot == nil)
    }

    @Test("Credentials go into the recorder's address encoded, and out of anything shown or logged")
    func credentials() {
        let url = StreamURL.withCredentials("rtsp://10.0.0.5/Streaming/Channels/101", username: "admin", password: "p@ss:w/rd")
        #expect(url == "rtsp://admin:p%40ss%3Aw%2Frd@10.0.0.5/Streaming/Channels/101")
        #expect(StreamURL.redacted(url) == "rtsp://10.0.0.5/Streaming/Channels/101")
        #expect(StreamURL.withCredentials("rtsp://old:x@h/p", username: "new", password: "y") == "rtsp://new:y@h/p")
        let line = "[rtsp @ 0x1] method DESCRIBE failed: 401 rtsp://admin:secret@10.0.0.5:554/cam/realmonitor?channel=1: x"
        #expect(StreamURL.redactLine(line) == "[rtsp @ 0x1] method DESCRIBE failed: 401 rtsp://10.0.0.5:554/cam/realmonitor?channel=1: x")
        #expect(!StreamURL.redactLine("Input #0, rtsp, from 'rtsp://a:b@h/x':").contains("a:b"))
    }

    @Test("A draft names every problem; credentials typed into an address move to the sealed fields")
    func drafts() throws {
        var draft = CameraDraft(unitID: nil, name: " ", brand: "sony", rtspPort: "99999", channel: "0", retentionDays: "x")
        do { _ = try draft.validated(); Issue.record("accepted") } catch let e as ValidationErrors {
            #expect(Set(e.errors.map(\.field)) == ["name", "unit", "brand", "rtsp_port", "channel", "retention_days"])
        }
        draft = CameraDraft(unitID: 3, name: "Cổng", brand: "hikvision", host: "cam 1")
        #expect(throws: ValidationErrors([FieldError("host", "camera_host")])) { _ = try draft.validated() }
        draft = CameraDraft(unitID: 3, name: "Sân", brand: "rtsp", mainURL: "http://x/y")
        #expect(throws: ValidationErrors([FieldError("main_url", "camera_rtsp_url")])) { _ = try draft.validated() }
        draft = CameraDraft(unitID: 3, name: "Sân", brand: "rtsp", mainURL: "rtsp://admin:Abc%4012@10.1.1.2:554/live/main",
                            subURL: "rtsp://10.1.1.2:554/live/sub", retentionDays: "90")
        let camera = try draft.validated()
        #expect(camera.mainURL == "rtsp://10.1.1.2:554/live/main")
        #expect(camera.username == "admin")
        #expect(draft.effectivePassword == "Abc@12")
        #expect(camera.retentionDays == 90)
        #expect(camera.hasSubStream)
        let hik = try CameraDraft(unitID: 3, name: "Cổng", brand: "hikvision", host: "192.168.1.64", channel: "3").validated()
        #expect(hik.channel == 3 && hik.rtspPort == 554 && hik.retentionDays == 30)
    }

    func segment(_ id: Int64, camera: Int64 = 1, from a: TimeInterval, to b: TimeInterval, bytes: Int64 = 100) -> RecordedSegment {
        RecordedSegment(id: id, cameraID: camera, start: t0 + a, end: t0 + b, bytes: bytes, path: "\(id).mp4")
    }

    @Test("The timeline joins touching segments and shows the gaps")
    func timeline() {
        let segments = [segment(2, from: 60, to: 119.6), segment(1, from: 0, to: 60), segment(3, from: 180, to: 240),
                        segment(4, from: 400, to: 460)]
        let line = Timeline(segments: segments, within: TimeSpan(start: t0 - 30, end: t0 + 420))
        #expect(line.spans == [TimeSpan(start: t0, end: t0 + 119.6), TimeSpan(start: t0 + 180, end: t0 + 240),
                               TimeSpan(start: t0 + 400, end: t0 + 420)])
        #expect(line.gaps == [TimeSpan(start: t0 - 30, end: t0), TimeSpan(start: t0 + 119.6, end: t0 + 180),
                              TimeSpan(start: t0 + 240, end: t0 + 400)])
        let empty = Timeline(segments: [], within: TimeSpan(start: t0, end: t0 + 60))
        #expect(empty.spans.isEmpty && empty.gaps == [TimeSpan(start: t0, end: t0 + 60)])
    }

    @Test("Retention deletes by age, keeps protected footage and says so")
    func retentionByAge() {
        let day: TimeInterval = 86_400
        let now = t0 + 40 * day
        let segments = [segment(1, from: 0, to: 60), segment(2, from: 60, to: 120), segment(3, from: 35 * day, to: 35 * day + 60),
                        segment(4, camera: 2, from: 0, to: 60)]
        let protected = [ProtectedSpan(cameraID: 1, span: TimeSpan(start: t0 + 90, end: t0 + 95), reason: .attendance),
                         // the same moment on another camera protects nothing here
                         ProtectedSpan(cameraID: 2, span: TimeSpan(start: t0 + 1000, end: t0 + 1100), reason: .locked)]
        let plan = RetentionPlan(segments: segments, rules: [1: .init(retentionDays: 30), 2: .init(retentionDays: 60)],
                                 protected: protected, now: now, freeBytes: 900, totalBytes: 1000)
        #expect(plan.delete == [1])
        #expect(plan.alerts == [.keptPastRetention(cameraID: 1, segments: 1, bytes: 100)])
        #expect(plan.freedBytes == 100)
    }

    @Test("Below the free-disk watermark the oldest unprotected footage goes first, never the newest, and the system alerts when only protected footage is left")
    func retentionByDisk() {
        let segments = (1...10).map { segment(Int64($0), from: Double($0) * 60, to: Double($0 + 1) * 60, bytes: 10) }
        let protected = [ProtectedSpan(cameraID: 1, span: TimeSpan(start: t0 + 70, end: t0 + 75), reason: .locked)]
        // 5 % free of 1000: needs 15 % (150), so 100 more bytes: ten segments of 10 bytes.
        let plan = RetentionPlan(segments: segments, rules: [1: .init(retentionDays: 30)], protected: protected,
                                 now: t0 + 3600, freeBytes: 50, totalBytes: 1000)
        #expect(plan.delete == [2, 3, 4, 5, 6, 7, 8, 9]) // 1 is protected, 10 is the newest
        #expect(plan.alerts == [.diskLowProtectedOnly(freeBytes: 130, neededBytes: 20)])
        let enough = RetentionPlan(segments: segments, rules: [1: .init(retentionDays: 30)], protected: [],
                                   now: t0 + 3600, freeBytes: 90, totalBytes: 1000)
        #expect(enough.delete == [1, 2, 3, 4, 5, 6]) // 9 % free: up to 15 %
        #expect(enough.alerts.isEmpty)
        let fine = RetentionPlan(segments: segments, rules: [1: .init(retentionDays: 30)], protected: [],
                                 now: t0 + 3600, freeBytes: 120, totalBytes: 1000)
        #expect(fine.delete.isEmpty) // 12 % free: above the 10 % watermark
    }

    @Test("Restarts back off by doubling to a ceiling and start over after a healthy run")
    func restartPolicy() {
        let p = RestartPolicy(firstDelay: 1, maximumDelay: 60, healthyRun: 60, silence: 10)
        #expect((1...8).map { p.delay(afterFailures: $0) } == [1, 2, 4, 8, 16, 32, 60, 60])
        #expect(p.delay(afterFailures: 0) == 0)
        #expect(p.failures(after: 5, ran: 3) == 6)
        #expect(p.failures(after: 5, ran: 120) == 1)
    }

    @Test("A stream whose timestamps stop (or race) while bytes keep coming is stalled; a healthy one is not")
    func stalls() {
        let t0 = Date(timeIntervalSince1970: 1_800_000_000)
        func run(_ media: (Double) -> Double, seconds: Int = 30, fps: Double = 25) -> [Double] {
            var d = StallDetector(window: 10)
            var found: [Double] = []
            for i in 0..<(seconds * Int(fps)) {
                let wall = Double(i) / fps
                if let r = d.observe(media: media(wall), at: t0.addingTimeInterval(wall)) { found.append(r) }
            }
            return found
        }
        #expect(run { $0 }.isEmpty)
        #expect(run { $0 * 0.9 + 1000 }.isEmpty)  // a camera clock a little slow, starting anywhere
        // Frozen after 12 s: the media clock stands at 12 s while frames keep arriving.
        let frozen = run { min($0, 12) }
        #expect(!frozen.isEmpty && frozen.allSatisfy { $0 < 0.5 })
        // Seen under load: 0.16 s of media per 4 s segment.
        #expect(!run { $0 * 0.04 }.isEmpty)
        // Racing ahead (timestamps jumping) is as wrong.
        #expect(run { $0 * 10 }.allSatisfy { $0 > 4 } && !run { $0 * 10 }.isEmpty)
        // Timestamps that start over (a new stream without an init segment) only restart the window.
        #expect(run { $0 < 15 ? $0 : $0 - 15 }.isEmpty)
        var d = StallDetector(window: 10)
        _ = d.observe(media: 0, at: t0)
        d.reset()
        #expect(d.observe(media: 0, at: t0.addingTimeInterval(11)) == nil) // a reset forgets the old window
    }

    @Test("The health view warns about silence, H.265, long keyframe intervals and restarts")
    func warnings() {
        #expect(StreamWarning.assess(codec: "avc1.64001F", keyframeInterval: 2, secondsSinceLastFragment: 0.1, restartsLastHour: 0).isEmpty)
        #expect(StreamWarning.assess(codec: "hvc1.1.6.L93.B0", keyframeInterval: 8, secondsSinceLastFragment: 30, restartsLastHour: 4)
                == [.offline, .h265, .longKeyframeInterval, .unstable])
        #expect(StreamWarning.assess(codec: nil, keyframeInterval: nil, secondsSinceLastFragment: nil, restartsLastHour: 0) == [.offline])
    }
}
