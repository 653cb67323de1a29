import Dispatch
import Foundation
import Synchronization

/// What a live viewer receives, in order: an init segment (again after the recorder restarts),
/// then fragments (moof + mdat).
public enum LiveChunk: Sendable, Equatable {
    case initSegment(Data, TrackInfo)
    case fragment(Data, keyframe: Bool)

    public var byteCount: Int {
        switch self {
        case .initSegment(let d, _), .fragment(let d, _): return d.count
        }
    }
}

/// One camera stream's live picture, fed fragment by fragment from its recorder's stdout. It keeps the init
/// segment and the current keyframe group (every fragment since the last keyframe), so a new viewer
/// gets a picture at once instead of waiting for the next keyframe, and fans fragments out to its
/// viewers, each with its own bounded queue: a slow viewer drops to the next keyframe and never
/// holds the others back.
public final class LiveChannel: Sendable {
    public struct Statistics: Sendable, Equatable {
        public var track: TrackInfo?
        public var fragments = 0
        public var bytes = 0
        /// Seconds between the last two keyframes (from the stream's own timestamps).
        public var keyframeInterval: Double?
        /// Bits per second over the last complete keyframe group.
        public var bitrate: Int?
        public var lastFragmentAt: Date?
        public var viewers = 0
        /// Fragments dropped for slow viewers since the start.
        public var dropped = 0
        /// Times the recorder's reader rested because nobody watched.
        public var rests = 0
    }

    struct State {
        var initSegment: Data?
        var track: TrackInfo?
        var group: [Data] = []
        var groupBytes = 0
        var groupStart: UInt64?
        var viewers: [Int: LiveViewer] = [:]
        var nextViewer = 0
        var stats = Statistics()
        /// Complete keyframe groups kept for HLS players, while one asked lately.
        var hls: [HLSGroup] = []
        var hlsSequence = 0
        var hlsWantedUntil = Date.distantPast
        /// The recorder's reader is resting (or about to): someone who starts watching wakes it.
        var resting = false

        func watched(at now: Date) -> Bool { !viewers.isEmpty || now < hlsWantedUntil }

        /// Whether to wake the reader: only when it rests, so wake-ups do not pile up.
        mutating func wakeReader() -> Bool {
            defer { resting = false }
            return resting
        }
    }

    /// One complete keyframe group: an HLS media segment of the live playlist.
    public struct HLSGroup: Sendable, Equatable {
        public var sequence: Int
        public var bytes: Data
        public var seconds: Double
    }

    private let state = Mutex(State())
    /// Signalled when someone starts watching, to end the recorder's reader's rest at once.
    private let watchers = DispatchSemaphore(value: 0)
    /// Bytes a viewer may have waiting before it is dropped to the next keyframe.
    public let viewerLimit: Int
    /// A group longer than this is cut (a camera with a huge keyframe interval must not eat memory).
    public let groupLimit: Int

    public init(viewerLimit: Int = 2 << 20, groupLimit: Int = 16 << 20) {
        self.viewerLimit = viewerLimit
        self.groupLimit = groupLimit
    }

    /// Takes one item of the recorder's live output (read by a `LiveFeed`).
    public func ingest(_ item: LiveFeed.Item, at now: Date = Date()) {
        var deliveries: [(LiveViewer, LiveChunk)] = []
        state.withLock { s in
            switch item {
            case .initSegment(let bytes, let track):
                s.initSegment = bytes
                s.track = track
                s.stats.track = track
                s.group = []; s.groupBytes = 0; s.groupStart = nil
                if let track {
                    for v in s.viewers.values { deliveries.append((v, .initSegment(bytes, track))) }
                }
            case .fragment(let bytes, let info):
                guard s.initSegment != nil, s.track != nil else { return }
                if info.startsWithKeyframe {
                    if let start = s.groupStart, let scale = s.track?.timescale, scale > 0, info.decodeTime > start {
                        let seconds = Double(info.decodeTime - start) / Double(scale)
                        s.stats.keyframeInterval = seconds
                        s.stats.bitrate = Int(Double(s.groupBytes * 8) / seconds)
                        if now < s.hlsWantedUntil {
                            s.hls.append(HLSGroup(sequence: s.hlsSequence, bytes: s.group.reduce(Data(), +), seconds: seconds))
                            if s.hls.count > Self.hlsGroups { s.hls.removeFirst(s.hls.count - Self.hlsGroups) }
                        } else {
                            s.hls = []
                        }
                        s.hlsSequence += 1
                    }
                    s.group = []; s.groupBytes = 0; s.groupStart = info.decodeTime
                }
                if s.groupStart != nil, s.groupBytes + bytes.count <= groupLimit {
                    s.group.append(bytes); s.groupBytes += bytes.count
                }
                s.stats.fragments += 1
                s.stats.bytes += bytes.count
                s.stats.lastFragmentAt = now
                for v in s.viewers.values { deliveries.append((v, .fragment(bytes, keyframe: info.startsWithKeyframe))) }
            }
        }
        for (viewer, chunk) in deliveries { viewer.offer(chunk) }
    }

    /// Whether anyone receives the stream now: a viewer, or an HLS player lately.
    public func isWatched(now: Date = Date()) -> Bool {
        state.withLock { $0.watched(at: now) }
    }

    /// How long the recorder's reader rests between reads while nobody watches.
    public static let unwatchedRest = 0.25

    /// Called by the recorder's reader between reads, on its own thread. While nobody watches, it
    /// waits up to `seconds` (ffmpeg's output gathers in the pipe meanwhile and wakes nobody), so an
    /// unwatched stream costs a few wake-ups a second instead of one per frame; a viewer who
    /// arrives ends the wait at once. The keyframe group kept for new viewers and snapshots is then
    /// at most that much behind the camera until the reader catches up.
    public func restWhileUnwatched(_ seconds: Double = LiveChannel.unwatchedRest, now: Date = Date()) {
        let rest = seconds > 0 && state.withLock { s in
            if s.watched(at: now) { return false }
            s.resting = true
            s.stats.rests += 1
            return true
        }
        guard rest else { return }
        _ = watchers.wait(timeout: .now() + seconds)
        state.withLock { $0.resting = false }
    }

    /// The stream is gone for good (its camera was changed, switched off or removed): every
    /// viewer's queue ends, so the page reconnects and finds the camera's new stream, if any.
    public func closeViewers() {
        let viewers = state.withLock { Array($0.viewers.values) }
        for viewer in viewers { viewer.close() }
    }

    /// The recorder stopped: the next init segment starts a new stream.
    public func recorderStopped() {
        state.withLock { s in
            s.initSegment = nil
            s.group = []; s.groupBytes = 0; s.groupStart = nil
            s.hls = []
        }
    }

    /// Complete groups an HLS playlist lists (about three keyframe intervals behind the camera).
    static let hlsGroups = 4

    /// The live playlist's material for players without MediaSource (iPhones before iOS 17.1): the
    /// init segment and the last complete keyframe groups. Asking keeps them collected for a minute.
    public func hls(now: Date = Date()) -> (initSegment: Data, groups: [HLSGroup])? {
        let (wake, material): (Bool, (Data, [HLSGroup])?) = state.withLock { s in
            s.hlsWantedUntil = now.addingTimeInterval(60)
            return (s.wakeReader(), s.initSegment.map { ($0, s.hls) })
        }
        if wake { watchers.signal() }
        return material
    }

    /// A new viewer: it starts with the init segment and the current keyframe group, if any.
    public func subscribe() -> LiveViewer {
        let (wake, viewer): (Bool, LiveViewer) = state.withLock { s in
            let viewer = LiveViewer(limit: viewerLimit, channel: self, id: s.nextViewer)
            s.nextViewer += 1
            s.viewers[viewer.id] = viewer
            if let initSegment = s.initSegment, let track = s.track {
                viewer.offer(.initSegment(initSegment, track))
                for (i, fragment) in s.group.enumerated() { viewer.offer(.fragment(fragment, keyframe: i == 0)) }
            }
            return (s.wakeReader(), viewer)
        }
        if wake { watchers.signal() }
        return viewer
    }

    func remove(_ viewer: LiveViewer) {
        state.withLock { s in
            s.viewers[viewer.id] = nil
            s.stats.dropped += viewer.dropped
        }
    }

    /// The current keyframe group as one playable fragmented MP4 (init + fragments), for a snapshot.
    public func currentGroup() -> Data? {
        state.withLock { s in
            guard let initSegment = s.initSegment, !s.group.isEmpty else { return nil }
            return s.group.reduce(initSegment, +)
        }
    }

    public var statistics: Statistics {
        state.withLock { s in
            var stats = s.stats
            stats.viewers = s.viewers.count
            stats.dropped += s.viewers.values.reduce(0) { $0 + $1.dropped }
            return stats
        }
    }
}

/// One viewer's queue. `next()` waits for the next chunk; nil once closed.
public final class LiveViewer: Sendable, AsyncSequence, AsyncIteratorProtocol {
    public typealias Element = LiveChunk
    struct State {
        var queue: [LiveChunk] = []
        var head = 0
        var bytes = 0
        var skipping = false
        var dropped = 0
        var closed = false
        var waiter: CheckedContinuation<LiveChunk?, Never>?
    }

    let id: Int
    let limit: Int
    private weak let channel: LiveChannel?
    private let state = Mutex(State())

    init(limit: Int, channel: LiveChannel, id: Int) {
        self.limit = limit
        self.channel = channel
        self.id = id
    }

    var dropped: Int { state.withLock { $0.dropped } }

    /// What waits to be read (for tests).
    var queued: [LiveChunk] { state.withLock { Array($0.queue[$0.head...]) } }

    func offer(_ chunk: LiveChunk) {
        let waiter: CheckedContinuation<LiveChunk?, Never>? = state.withLock { s in
            if s.closed { return nil }
            if case .fragment(_, let keyframe) = chunk {
                if s.skipping && !keyframe { s.dropped += 1; return nil }
                s.skipping = false
                if s.bytes + chunk.byteCount > limit && s.waiter == nil {
                    // Too far behind: throw away what waits and start again at the next keyframe.
                    let waiting = s.queue.count - s.head
                    s.dropped += waiting
                    s.queue = []; s.head = 0; s.bytes = 0
                    if !keyframe { s.skipping = true; s.dropped += 1; return nil }
                }
            }
            if let waiter = s.waiter {
                s.waiter = nil
                return waiter
            }
            s.queue.append(chunk)
            s.bytes += chunk.byteCount
            return nil
        }
        waiter?.resume(returning: chunk)
    }

    public func next() async -> LiveChunk? {
        await withCheckedContinuation { (c: CheckedContinuation<LiveChunk?, Never>) in
            let ready: LiveChunk?? = state.withLock { s in
                if s.head < s.queue.count {
                    let chunk = s.queue[s.head]
                    s.head += 1
                    s.bytes -= chunk.byteCount
                    if s.head > 64 && s.head * 2 > s.queue.count { s.queue.removeFirst(s.head); s.head = 0 }
                    return .some(chunk)
                }
                if s.closed { return .some(nil) }
                s.waiter = c
                return nil
            }
            if let ready { c.resume(returning: ready) }
        }
    }

    /// Stops the viewer: a waiting `next()` returns nil.
    public func close() {
        let waiter = state.withLock { s -> CheckedContinuation<LiveChunk?, Never>? in
            s.closed = true
            s.queue = []; s.head = 0; s.bytes = 0
            defer { s.waiter = nil }
            return s.waiter
        }
        waiter?.resume(returning: nil)
        channel?.remove(self)
    }

    public func makeAsyncIterator() -> LiveViewer { self }
}
