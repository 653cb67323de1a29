import CongvuDomain
import CongvuTestSupport
import Foundation
import Synchronization
import Testing
@testable import CongvuVideo

/// Reads whatever a viewer already holds, without waiting for more.
func drain(_ viewer: LiveViewer, _ count: Int) async -> [LiveChunk] {
    var out: [LiveChunk] = []
    for _ in 0..<count {
        guard let chunk = await viewer.next() else { break }
        out.append(chunk)
    }
    return out
}

@Suite("Live fan-out with the current keyframe group")
struct LiveChannelTests {
    let items: [LiveFeed.Item]
    init() throws { items = try LiveFeed.items(in: try fixture("live.mp4")) }

    /// Feeds the fixture's fragments numbered `range` (and the init segment first when the range starts at 0).
    func feed(_ channel: LiveChannel, fragments range: Range<Int>) {
        if range.lowerBound == 0 { channel.ingest(items[0]) }
        for item in items.dropFirst()[(range.lowerBound + 1)..<(range.upperBound + 1)] { channel.ingest(item) }
    }

    @Test("A viewer who arrives mid-group gets the init segment and the group since the last keyframe at once")
    func groupCache() async throws {
        let channel = LiveChannel()
        feed(channel, fragments: 0..<14) // keyframes at 0 and 10: the group is 10…13
        let viewer = channel.subscribe()
        let chunks = await drain(viewer, 5)
        guard case .initSegment(_, let track)? = chunks.first else { Issue.record("no init first"); return }
        #expect(track.codec.hasPrefix("avc1."))
        let flags = chunks.dropFirst().map { chunk -> Bool in if case .fragment(_, let k) = chunk { return k }; return false }
        #expect(flags == [true, false, false, false])
        // What comes next is the live edge.
        feed(channel, fragments: 14..<15)
        let next = await drain(viewer, 1)
        let boxes = BoxReader.boxes(in: try fixture("live.mp4"))
        #expect(next == [.fragment(boxes.filter { $0.type == "moof" }[14].bytes + boxes.filter { $0.type == "mdat" }[14].bytes, keyframe: false)])
        let stats = channel.statistics
        #expect(stats.viewers == 1)
        #expect(stats.fragments == 15)
        #expect(abs((stats.keyframeInterval ?? 0) - 0.4) < 0.01) // 10 frames at 25 fps
        #expect((stats.bitrate ?? 0) > 0)
        viewer.close()
        #expect(channel.statistics.viewers == 0)
        #expect(await viewer.next() == nil)
    }

    @Test("A slow viewer is dropped to the next keyframe; a fast one gets every fragment")
    func slowViewer() async throws {
        let channel = LiveChannel(viewerLimit: 4_000)
        feed(channel, fragments: 0..<1)
        let slow = channel.subscribe()
        let fast = channel.subscribe()
        var fastGot: [LiveChunk] = []
        for n in 1..<50 {
            feed(channel, fragments: n..<(n + 1))
            fastGot += await drain(fast, n == 1 ? 3 : 1) // the first time: init and fragment 0 as well
        }
        #expect(fastGot.count == 51)
        // The slow one never read: what it holds starts at a keyframe and fits its limit.
        let held = slow.queued
        if case .fragment(_, let keyframe)? = held.first { #expect(keyframe) }
        #expect(held.reduce(0) { $0 + $1.byteCount } <= 4_000)
        #expect(held.count < 20)
        let stats = channel.statistics
        #expect(stats.dropped > 0)
        var rest: [LiveChunk] = []
        slow.close()
        while let chunk = await slow.next() { rest.append(chunk) }
        #expect(rest.isEmpty)
    }

    @Test("A slow viewer's queue always restarts on a keyframe")
    func restartsOnKeyframe() async throws {
        let channel = LiveChannel(viewerLimit: 6_000)
        feed(channel, fragments: 0..<1)
        let slow = channel.subscribe()
        _ = await drain(slow, 2) // init + fragment 0
        for n in 1..<50 {
            feed(channel, fragments: n..<(n + 1))
            // Until its first drop the queue simply continues; after it, it starts at a keyframe.
            if slow.dropped > 0, case .fragment(_, let keyframe)? = slow.queued.first { #expect(keyframe, "after fragment \(n)") }
        }
        #expect(channel.statistics.dropped > 0)
    }

    @Test("The reader's rest ends at once when a viewer arrives, and is not taken while anyone watches")
    func rest() async throws {
        let channel = LiveChannel()
        // When the rest ended, on the resting thread's clock: measured from the viewer's arrival, not
        // from the rest's start, so that a test task the loaded suite kept waiting for seconds before
        // it subscribed does not count against the wake (it did, in CI). An unwoken rest lasts 60 s.
        let ended = Mutex<ContinuousClock.Instant?>(nil)
        Thread { channel.restWhileUnwatched(60); ended.withLock { $0 = ContinuousClock.now } }.start()
        try await Task.sleep(for: .milliseconds(200))
        #expect(ended.withLock { $0 } == nil)
        let arrived = ContinuousClock.now
        let viewer = channel.subscribe()
        #expect(await eventually(10) { ended.withLock { $0 } != nil })
        #expect(try #require(ended.withLock { $0 }) - arrived < .seconds(2), "the rest ends when the viewer arrives")
        #expect(channel.isWatched())
        #expect(ContinuousClock().measure { channel.restWhileUnwatched(20) } < .seconds(10))
        viewer.close()
        #expect(!channel.isWatched())
        // Viewers who came and went while the reader was busy leave no wake-ups behind.
        for _ in 0..<5 { channel.subscribe().close() }
        #expect(ContinuousClock().measure { channel.restWhileUnwatched(0.3) } >= .milliseconds(250))
        // An HLS player counts as watching for a minute after it asks.
        _ = channel.hls()
        #expect(channel.isWatched())
    }

    @Test("A stream gone for good ends every viewer's queue, so pages reconnect to the camera's new stream")
    func closeViewers() async throws {
        let channel = LiveChannel()
        feed(channel, fragments: 0..<3)
        let a = channel.subscribe(), b = channel.subscribe()
        _ = await drain(a, 4)
        channel.closeViewers()
        #expect(await a.next() == nil)
        #expect(await b.next() == nil)
        #expect(channel.statistics.viewers == 0)
    }

    @Test("When the recorder restarts, viewers get the new init segment before new fragments")
    func restart() async throws {
        let channel = LiveChannel()
        feed(channel, fragments: 0..<3)
        let viewer = channel.subscribe()
        _ = await drain(viewer, 4)
        channel.recorderStopped()
        #expect(channel.currentGroup() == nil)
        let late = channel.subscribe()
        feed(channel, fragments: 0..<2)
        let chunks = await drain(viewer, 3)
        guard case .initSegment? = chunks.first else { Issue.record("no init after restart"); return }
        let lateChunks = await drain(late, 3)
        guard case .initSegment? = lateChunks.first else { Issue.record("no init for the late viewer"); return }
        #expect(channel.currentGroup().map { $0.count > 0 } == true)
    }
}

@Test("A snapshot is decoded from the keyframe group the channel holds, without asking the camera",
      .enabled(if: VideoTools.ffmpeg != nil))
func snapshotFromTheGroup() async throws {
    let channel = LiveChannel()
    for item in try LiveFeed.items(in: try fixture("live.mp4")).prefix(1 + 14) { channel.ingest(item) }
    let group = try #require(channel.currentGroup())
    let jpeg = try #require(await Snapshot.jpeg(fromGroup: group, ffmpeg: VideoTools.ffmpeg!))
    #expect(jpeg.starts(with: [0xFF, 0xD8]) && jpeg.count > 500)
    // Not a video: no picture, and no hang.
    #expect(await Snapshot.jpeg(fromGroup: Data("nothing".utf8), ffmpeg: VideoTools.ffmpeg!) == nil)
}

@Test("Asked for HLS, the channel keeps its last complete keyframe groups; each is a playable media segment")
func liveHLS() async throws {
    let channel = LiveChannel()
    let items = try LiveFeed.items(in: try fixture("live.mp4"))
    // Nobody asked: nothing kept.
    for item in items.prefix(1 + 25) { channel.ingest(item) }
    #expect(channel.hls(now: Date.distantPast)?.groups.isEmpty == true)
    _ = channel.hls()
    for item in items.dropFirst(1 + 25) { channel.ingest(item) }
    let (initSegment, groups) = try #require(channel.hls())
    // Keyframes every 10 frames: the groups that ended after the ask are 20–29 and 30–39 (40… is still open).
    #expect(groups.map(\.sequence) == [2, 3])
    #expect(groups.allSatisfy { abs($0.seconds - 0.4) < 0.01 })
    #expect(BoxReader.boxes(in: groups[0].bytes).map(\.type) == Array(repeating: ["moof", "mdat"], count: 10).flatMap { $0 })
    let text = HLSPlaylist.live(groups, initURI: "/cameras/1/live/init.mp4") { "/cameras/1/live/\($0).m4s" }
    #expect(text.contains("#EXT-X-MEDIA-SEQUENCE:2") && text.contains("/cameras/1/live/3.m4s") && !text.contains("ENDLIST"))
    #expect(text.contains("#EXT-X-MAP:URI=\"/cameras/1/live/init.mp4\""))
    // A player decodes init + a group: ten frames.
    if let ffprobe = Recorder.locate("ffprobe") {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("congvu-hls-\(UUID().uuidString).mp4")
        defer { try? FileManager.default.removeItem(at: path) }
        try (initSegment + groups[0].bytes).write(to: path)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: ffprobe)
        p.arguments = ["-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", path.path]
        let out = Pipe()
        p.standardOutput = out
        try p.runWithDefaultSignals()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(text.trimmingCharacters(in: .whitespacesAndNewlines) == "10")
    }
}
