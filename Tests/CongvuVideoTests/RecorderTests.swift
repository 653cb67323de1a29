import CongvuDomain
import CongvuTestSupport
import Foundation
import Synchronization
import Testing
@testable import CongvuVideo

/// Keeps what a recorder reported.
final class Collector: RecorderDelegate {
    struct Segment: Equatable { var file: String; var start: Date; var duration: Double; var bytes: Int64 }
    let segments = Mutex<[Segment]>([])
    let events = Mutex<[RecorderEvent]>([])

    func segmentClosed(_ key: StreamKey, file: String, start: Date, duration: TimeInterval, bytes: Int64) async {
        segments.withLock { $0.append(Segment(file: file, start: start, duration: duration, bytes: bytes)) }
    }

    func recorderEvent(_ key: StreamKey, _ event: RecorderEvent) async {
        events.withLock { $0.append(event) }
    }

    var starts: Int { events.withLock { $0.filter { if case .started = $0 { true } else { false } }.count } }
    var exits: [RecorderEvent] { events.withLock { $0.filter { if case .exited = $0 { true } else { false } } } }
}

@Test("The programs the video tests need are installed where the test command runs (CI)")
func videoToolsInstalled() {
    if ProcessInfo.processInfo.environment["CI"] != nil {
        #expect(VideoTools.available, "ffmpeg and Debian's python3 with GStreamer's RTSP server (scripts/test installs them)")
    }
}

@Suite("Recording a fake camera through a supervised ffmpeg", .enabled(if: VideoTools.available), .serialized)
struct RecorderTests {
    func recorder(_ camera: FakeCamera, path: String = "/Streaming/Channels/101", password: String? = nil, dir: String?,
                  policy: RestartPolicy = RestartPolicy(firstDelay: 0.2, maximumDelay: 1, healthyRun: 60, silence: 3),
                  delegate: Collector) -> Recorder {
        let input = StreamURL.withCredentials(camera.url(path), username: camera.user, password: password ?? camera.password)
        return Recorder(key: StreamKey(cameraID: 7, stream: dir == nil ? .sub : .main),
                        command: FFmpegCommand(input: input, segmentDirectory: dir, segmentSeconds: 2),
                        ffmpeg: VideoTools.ffmpeg!, policy: policy, delegate: delegate)
    }

    func tempDir() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("congvu-rec-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test("Segments close on the clock and are indexed; the live channel has a picture; a killed ffmpeg is restarted and its cut segment recovered")
    func recordAndRestart() async throws {
        let camera = try await FakeCamera()
        defer { camera.stop() }
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let collector = Collector()
        let rec = recorder(camera, dir: dir, delegate: collector)
        let task = Task { await rec.run() }
        #expect(await eventually(10) { rec.channel.currentGroup() != nil })
        #expect(rec.channel.statistics.track?.codec.hasPrefix("avc1.") == true)
        #expect(await eventually(10) { collector.segments.withLock { $0.count } >= 2 })
        let first = try #require(collector.segments.withLock { $0.first })
        let file = try SegmentFile(path: dir + "/" + first.file)
        // Cut at the first keyframe after the clock boundary: at most a keyframe interval (1 s) late.
        #expect(file.duration > 0.5)
        #expect(file.duration <= 3.1)
        #expect(abs(file.duration - first.duration) < 0.1)
        #expect(first.bytes > 1000)
        // Clock-aligned: every segment after the first starts on an even second.
        let second = try #require(collector.segments.withLock { $0.dropFirst().first })
        #expect(Int(second.start.timeIntervalSince1970) % 2 == 0)
        #expect(rec.channel.statistics.keyframeInterval.map { abs($0 - 1) < 0.1 } == true) // 25 frames at 25 fps

        // Kill ffmpeg outright: it is started again, and the segment it was writing is indexed from its fragments.
        let pid = try #require(rec.currentStatus.pid)
        kill(pid, SIGKILL)
        #expect(await eventually(10) { collector.starts >= 2 && rec.channel.currentGroup() != nil })
        let files = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".mp4") }
        #expect(await eventually(5) {
            let indexed = Set(collector.segments.withLock { $0.map(\.file) })
            // every file but the one being written now is in the index
            return files.filter { !indexed.contains($0) }.count <= 1
        })
        #expect(rec.currentStatus.restarts.count == 1)
        task.cancel()
        await task.value
        #expect(rec.currentStatus.state == .stopped)
    }

    @Test("The camera goes away: the watchdog or the exit notices, restarts back off, and recording resumes when it returns")
    func cameraAwayAndBack() async throws {
        let camera = try await FakeCamera()
        let collector = Collector()
        let rec = recorder(camera, dir: nil, delegate: collector)
        let task = Task { await rec.run() }
        defer { task.cancel(); camera.stop() }
        #expect(await eventually(10) { rec.channel.statistics.fragments > 0 })
        // An HLS player's ask starts the keeping of complete groups (one a second here).
        _ = rec.channel.hls()
        #expect(await eventually(5) { (rec.channel.hls()?.groups.count ?? 0) >= 2 })
        camera.stop()
        #expect(await eventually(10) { !collector.exits.isEmpty })
        #expect(await eventually(5) { rec.currentStatus.state == .waiting || rec.currentStatus.restarts.count >= 2 })
        let before = rec.channel.statistics.fragments
        try await camera.start()
        #expect(await eventually(15) { rec.channel.statistics.fragments > before + 10 })
        #expect(rec.currentStatus.state == .running)
    }

    @Test("A stream judged stalled by its clocks is reported and started again")
    func aStalledStreamIsRestarted() async throws {
        let camera = try await FakeCamera()
        defer { camera.stop() }
        let collector = Collector()
        // The fake camera runs at the wall clock's pace; a detector that wants twice that pace
        // judges it stalled, which drives the same path as a frozen camera would.
        let impatient = RestartPolicy(firstDelay: 0.2, maximumDelay: 1, healthyRun: 60, silence: 3,
                                      stall: StallDetector(window: 2, minRatio: 2, maxRatio: 10))
        let rec = recorder(camera, dir: nil, policy: impatient, delegate: collector)
        let task = Task { await rec.run() }
        defer { task.cancel() }
        #expect(await eventually(15) {
            collector.events.withLock { $0.contains { if case .stalled(let r) = $0 { r > 0.5 && r < 1.5 } else { false } } }
        })
        #expect(await eventually(10) { collector.starts >= 2 })
        #expect(!collector.exits.isEmpty)
    }

    @Test("Unwatched, the live output is taken a few times a second; a viewer gets each frame as it comes")
    func restsWhileUnwatched() async throws {
        let camera = try await FakeCamera()
        let rec = recorder(camera, dir: nil, delegate: Collector())
        let task = Task { await rec.run() }
        defer { task.cancel(); camera.stop() }
        #expect(await eventually(10) { rec.channel.currentGroup() != nil })
        // Nobody watches: fragments (25 a second, fewer on a loaded machine) arrive in batches, one
        // per rest of the reader (a quarter of a second): a few batches a second, whatever the
        // camera's pace. Watched for 25 fragments (at most 15 s).
        var batches = 0, last = rec.channel.statistics.fragments
        let first = last, began = Date()
        while last - first < 25, Date().timeIntervalSince(began) < 15 {
            try await Task.sleep(for: .milliseconds(20))
            let now = rec.channel.statistics.fragments
            if now != last { batches += 1; last = now }
        }
        let seconds = Date().timeIntervalSince(began)
        #expect(last - first >= 25)
        #expect(Double(batches) / seconds <= 6, "\(last - first) fragments in \(batches) batches in \(seconds) s")
        #expect(rec.channel.statistics.rests >= 3)
        // A viewer: the reader stops resting (a rest already begun ends at once), so each frame is
        // read as it comes. Counted by the channel, not timed here: a loaded machine's scheduling
        // gaps are not the reader's rests.
        // Watched for 25 frames after the group handed over at once, however long a loaded
        // machine takes to make them (at most 15 s).
        let viewer = rec.channel.subscribe()
        defer { viewer.close() }
        let start = Date()
        var arrivals = 0
        var restsAtFirstFrame: Int?
        while arrivals < 25, Date().timeIntervalSince(start) < 15, await viewer.next() != nil {
            guard Date().timeIntervalSince(start) > 0.3 else { continue }
            arrivals += 1
            if restsAtFirstFrame == nil { restsAtFirstFrame = rec.channel.statistics.rests }
        }
        #expect(arrivals == 25)
        #expect(rec.channel.statistics.rests == restsAtFirstFrame, "the reader rested while watched")
    }

    @Test("A wrong password ends in an exit whose lines say why, without the password")
    func wrongPassword() async throws {
        let camera = try await FakeCamera()
        defer { camera.stop() }
        let collector = Collector()
        let rec = recorder(camera, password: "Wrong-Secret-9", dir: nil, delegate: collector)
        let task = Task { await rec.run() }
        defer { task.cancel() }
        #expect(await eventually(10) { !collector.exits.isEmpty })
        guard case .exited(let status, _, let lines)? = collector.exits.first else { return }
        #expect(status != 0)
        #expect(lines.joined().contains("401"))
        #expect(!lines.joined().contains("Wrong-Secret-9"))
        #expect(rec.currentStatus.lastLines.allSatisfy { !$0.contains("Wrong-Secret-9") })
    }

    @Test("Without ffmpeg the recorder says so and stops")
    func missingProgram() async {
        let collector = Collector()
        let rec = Recorder(key: StreamKey(cameraID: 1, stream: .main), command: FFmpegCommand(input: "rtsp://x/y", segmentDirectory: nil),
                           ffmpeg: "/nonexistent/ffmpeg", delegate: collector)
        await rec.run()
        #expect(rec.currentStatus.state == .missingProgram)
        #expect(collector.events.withLock { $0 } == [.missingProgram("/nonexistent/ffmpeg")])
    }
}
