import Foundation

/// The ffmpeg arguments for one camera stream: one RTSP session, copied (never re-encoded) into
/// clock-aligned fragmented MP4 segments (playable after a crash up to the last fragment, each file
/// self-contained) and, from the same process, a live fragmented MP4 on stdout with a fragment per
/// frame.
public struct FFmpegCommand: Sendable, Equatable {
    public var input: String
    /// Where segments go; nil for a live-only stream (the sub-stream).
    public var segmentDirectory: String?
    public var segmentSeconds: Int
    public var segmentList: String?

    public init(input: String, segmentDirectory: String?, segmentSeconds: Int = 60) {
        self.input = input
        self.segmentDirectory = segmentDirectory
        self.segmentSeconds = segmentSeconds
        self.segmentList = segmentDirectory.map { ($0 as NSString).appendingPathComponent("segments.csv") }
    }

    /// File names carry the UTC start (ffmpeg runs with TZ=UTC): `20261123T081500Z.mp4`.
    public static let segmentPattern = "%Y%m%dT%H%M%SZ.mp4"

    public var arguments: [String] {
        var args = ["-hide_banner", "-nostdin", "-loglevel", "warning", "-nostats"]
        if input.hasPrefix("rtsp") {
            args += ["-rtsp_transport", "tcp", "-timeout", "5000000"]
        }
        args += ["-probesize", "500000", "-analyzeduration", "500000", "-i", input]
        if let directory = segmentDirectory, let list = segmentList {
            args += ["-map", "0:v:0", "-c", "copy",
                     "-f", "segment", "-segment_time", String(segmentSeconds), "-segment_atclocktime", "1",
                     "-strftime", "1", "-reset_timestamps", "1", "-segment_format", "mp4",
                     "-segment_format_options", "movflags=+frag_keyframe+empty_moov+default_base_moof",
                     "-segment_list", list, "-segment_list_type", "csv",
                     (directory as NSString).appendingPathComponent(Self.segmentPattern)]
        }
        args += ["-map", "0:v:0", "-c", "copy", "-f", "mp4",
                 "-movflags", "empty_moov+default_base_moof+frag_every_frame", "pipe:1"]
        return args
    }

    /// The start time a segment's file name carries, or nil for another file.
    public static func start(ofSegment name: String) -> Date? {
        let base = (name as NSString).lastPathComponent
        guard base.hasSuffix("Z.mp4"), base.utf8.count == 20 else { return nil }
        let d = Array(base.utf8)
        func n(_ from: Int, _ count: Int) -> Int? {
            var v = 0
            for i in from..<(from + count) {
                guard d[i] >= 48, d[i] <= 57 else { return nil }
                v = v * 10 + Int(d[i] - 48)
            }
            return v
        }
        guard d[8] == UInt8(ascii: "T"), let y = n(0, 4), let mo = n(4, 2), let da = n(6, 2), let h = n(9, 2),
              let mi = n(11, 2), let s = n(13, 2) else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar.date(from: DateComponents(year: y, month: mo, day: da, hour: h, minute: mi, second: s))
    }

    /// One row ffmpeg appends to the segment list when a segment closes: `name,start,end`.
    public struct ListedSegment: Sendable, Equatable {
        public var name: String
        public var duration: Double
    }

    public static func parseList(line: String) -> ListedSegment? {
        let parts = line.split(separator: ",")
        guard parts.count == 3, let a = Double(parts[1]), let b = Double(parts[2]), b >= a else { return nil }
        return ListedSegment(name: String(parts[0]), duration: b - a)
    }
}
