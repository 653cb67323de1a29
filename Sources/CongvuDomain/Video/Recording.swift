import Foundation

/// One recorded file: a clock-aligned fragmented MP4 of one camera stream.
public struct RecordedSegment: Sendable, Equatable, Identifiable {
    public var id: Int64
    public var cameraID: Int64
    public var start: Date
    public var end: Date
    public var bytes: Int64
    /// Relative to the recordings directory.
    public var path: String
    /// The node whose disk holds the file ('' for a single machine's, and before nodes were named).
    public var node: String

    public init(id: Int64 = 0, cameraID: Int64, start: Date, end: Date, bytes: Int64, path: String, node: String = "") {
        self.id = id; self.cameraID = cameraID; self.start = start; self.end = end; self.bytes = bytes; self.path = path; self.node = node
    }

    public var duration: TimeInterval { end.timeIntervalSince(start) }
}

/// A stretch of time, closed at the start and open at the end.
public struct TimeSpan: Sendable, Equatable, Codable {
    public var start: Date
    public var end: Date
    public init(start: Date, end: Date) { self.start = start; self.end = end }
    public func overlaps(_ other: TimeSpan) -> Bool { start < other.end && other.start < end }
    public var duration: TimeInterval { end.timeIntervalSince(start) }
}

/// Footage that retention must keep: around attendance events, or locked by an administrator.
public struct ProtectedSpan: Sendable, Equatable {
    public enum Reason: String, Sendable { case attendance, locked }
    public var cameraID: Int64
    public var span: TimeSpan
    public var reason: Reason
    public init(cameraID: Int64, span: TimeSpan, reason: Reason) { self.cameraID = cameraID; self.span = span; self.reason = reason }
}

/// Recorded spans and the gaps between them, as the playback timeline shows them.
public struct Timeline: Sendable, Equatable {
    public var spans: [TimeSpan]
    public var gaps: [TimeSpan]

    /// Segments closer than `tolerance` join into one span (ffmpeg's boundaries are not exact).
    public init(segments: [RecordedSegment], within window: TimeSpan, tolerance: TimeInterval = 1.5) {
        var spans: [TimeSpan] = []
        for s in segments.sorted(by: { $0.start < $1.start }) where s.end > window.start && s.start < window.end {
            let start = max(s.start, window.start), end = min(s.end, window.end)
            if let last = spans.last, start.timeIntervalSince(last.end) <= tolerance {
                spans[spans.count - 1].end = max(last.end, end)
            } else {
                spans.append(TimeSpan(start: start, end: end))
            }
        }
        var gaps: [TimeSpan] = []
        var cursor = window.start
        for span in spans {
            if span.start.timeIntervalSince(cursor) > tolerance { gaps.append(TimeSpan(start: cursor, end: span.start)) }
            cursor = span.end
        }
        if window.end.timeIntervalSince(cursor) > tolerance { gaps.append(TimeSpan(start: cursor, end: window.end)) }
        self.spans = spans
        self.gaps = gaps
    }
}

/// What retention decides in one pass over the index.
public struct RetentionPlan: Sendable, Equatable {
    public struct CameraRule: Sendable, Equatable {
        public var retentionDays: Int
        public init(retentionDays: Int) { self.retentionDays = retentionDays }
    }

    public enum Alert: Sendable, Equatable {
        /// Footage past its age is kept because it is protected (counted per camera).
        case keptPastRetention(cameraID: Int64, segments: Int, bytes: Int64)
        /// The disk is below its watermark and only protected footage is left to delete.
        case diskLowProtectedOnly(freeBytes: Int64, neededBytes: Int64)
    }

    /// Segments to delete, oldest first.
    public var delete: [Int64] = []
    public var alerts: [Alert] = []
    public var freedBytes: Int64 = 0

    /// - Parameters:
    ///   - freeBytes, totalBytes: the recordings disk now.
    ///   - lowWatermark: below this free fraction, delete oldest unprotected footage until `targetWatermark` is free.
    public init(segments: [RecordedSegment], rules: [Int64: CameraRule], protected: [ProtectedSpan], now: Date,
                freeBytes: Int64, totalBytes: Int64, lowWatermark: Double = 0.10, targetWatermark: Double = 0.15) {
        let byCamera = Dictionary(grouping: protected, by: \.cameraID)
        func isProtected(_ s: RecordedSegment) -> Bool {
            let span = TimeSpan(start: s.start, end: s.end)
            return byCamera[s.cameraID]?.contains { $0.span.overlaps(span) } ?? false
        }
        let sorted = segments.sorted { ($0.start, $0.id) < ($1.start, $1.id) }
        var deleted = Set<Int64>()
        var kept: [Int64: (Int, Int64)] = [:]
        for s in sorted {
            guard let rule = rules[s.cameraID] else { continue }
            let limit = now.addingTimeInterval(-Double(rule.retentionDays) * 86_400)
            guard s.end <= limit else { continue }
            if isProtected(s) {
                kept[s.cameraID, default: (0, 0)].0 += 1
                kept[s.cameraID, default: (0, 0)].1 += s.bytes
            } else {
                delete.append(s.id); deleted.insert(s.id); freedBytes += s.bytes
            }
        }
        for cameraID in kept.keys.sorted() {
            let (count, bytes) = kept[cameraID]!
            alerts.append(.keptPastRetention(cameraID: cameraID, segments: count, bytes: bytes))
        }
        guard totalBytes > 0 else { return }
        let free = freeBytes + freedBytes
        if Double(free) < Double(totalBytes) * lowWatermark {
            let needed = Int64(Double(totalBytes) * targetWatermark) - free
            var found: Int64 = 0
            // The newest footage is never taken for disk space: the last segment of each camera may be open.
            var newest: [Int64: Int64] = [:]
            for s in sorted { newest[s.cameraID] = s.id }
            let lastIDs = Set(newest.values)
            for s in sorted where found < needed && !deleted.contains(s.id) && !lastIDs.contains(s.id) && !isProtected(s) {
                delete.append(s.id); deleted.insert(s.id); freedBytes += s.bytes; found += s.bytes
            }
            if found < needed {
                alerts.append(.diskLowProtectedOnly(freeBytes: freeBytes + freedBytes, neededBytes: needed - found))
            }
        }
    }
}

/// When to start a recorder again after it stopped, and when a silent one counts as stuck.
public struct RestartPolicy: Sendable {
    public var firstDelay: TimeInterval
    public var maximumDelay: TimeInterval
    /// A run at least this long was healthy: the next failure starts the backoff again.
    public var healthyRun: TimeInterval
    /// No output for this long: the watchdog stops the process.
    public var silence: TimeInterval
    /// Output whose timestamps do not keep pace with the clock: stopped as well.
    public var stall: StallDetector

    public init(firstDelay: TimeInterval = 1, maximumDelay: TimeInterval = 60, healthyRun: TimeInterval = 60,
                silence: TimeInterval = 10, stall: StallDetector = StallDetector()) {
        self.firstDelay = firstDelay; self.maximumDelay = maximumDelay; self.healthyRun = healthyRun; self.silence = silence
        self.stall = stall
    }

    /// The wait before attempt `failures` (1 after the first failure), doubling up to the maximum.
    public func delay(afterFailures failures: Int) -> TimeInterval {
        Backoff(first: firstDelay, longest: maximumDelay).delay(afterFailures: failures)
    }

    /// Failures counted after a run of `ran` seconds that ended with `previous` failures before it.
    public func failures(after previous: Int, ran: TimeInterval) -> Int {
        ran >= healthyRun ? 1 : previous + 1
    }
}

/// What the health view warns about, from the live stream's figures.
public enum StreamWarning: String, Sendable, Equatable, CaseIterable {
    /// No picture for longer than the watchdog allows.
    case offline
    /// Browsers play H.265 poorly or not at all: set the camera to H.264.
    case h265
    /// Keyframes further apart than 4 s make live start and seeking slow (often "smart codec" settings).
    case longKeyframeInterval = "long_keyframe_interval"
    /// Restarted more than three times in the last hour.
    case unstable

    public static func assess(codec: String?, keyframeInterval: Double?, secondsSinceLastFragment: Double?,
                              restartsLastHour: Int, silenceLimit: Double = 10) -> [StreamWarning] {
        var out: [StreamWarning] = []
        if secondsSinceLastFragment.map({ $0 > silenceLimit }) ?? true { out.append(.offline) }
        if let codec, codec.hasPrefix("hvc1") || codec.hasPrefix("hev1") { out.append(.h265) }
        if let k = keyframeInterval, k > 4 { out.append(.longKeyframeInterval) }
        if restartsLastHour > 3 { out.append(.unstable) }
        return out
    }
}

/// Watches a live stream's media clock against the wall clock. A camera or ffmpeg that goes wrong
/// can keep writing bytes while its timestamps stop advancing (seen under load: segments of
/// 1.4 MB lasting 0.16 s, a picture frozen for good while the page said "running"): bytes alone
/// do not prove a stream alive. Over each window, the media time must advance at least `minRatio`
/// and at most `maxRatio` times the wall time; otherwise the stream is stalled. Cheap enough for
/// every frame: two comparisons and a subtraction.
public struct StallDetector: Sendable {
    public var window: TimeInterval
    public var minRatio: Double
    public var maxRatio: Double
    private var start: (wall: Date, media: Double)?
    private var lastMedia: Double?

    public init(window: TimeInterval = 10, minRatio: Double = 0.5, maxRatio: Double = 4) {
        self.window = window
        self.minRatio = minRatio
        self.maxRatio = maxRatio
    }

    /// A new stream (an init segment): the clocks start again.
    public mutating func reset() { start = nil; lastMedia = nil }

    /// One fragment whose media time is `media` seconds, seen at `wall`. When the window that just
    /// closed shows the stream stalled (or racing), the media seconds it advanced per wall second;
    /// otherwise nil. Media time going backwards starts over.
    public mutating func observe(media: Double, at wall: Date) -> Double? {
        defer { lastMedia = media }
        if let last = lastMedia, media < last { start = (wall, media); return nil }
        guard let s = start else { start = (wall, media); return nil }
        let elapsed = wall.timeIntervalSince(s.wall)
        guard elapsed >= window else { return nil }
        let ratio = (media - s.media) / elapsed
        start = (wall, media)
        return ratio < minRatio || ratio > maxRatio ? ratio : nil
    }
}
