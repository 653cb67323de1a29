import CongvuDomain
import Foundation

/// What a player needs to play recorded footage from the segment files themselves (no copying):
/// for each file its start, its init segment's bytes and its fragments' byte ranges and durations.
/// The same description gives the MediaSource player its ranges and Safari an HLS (v7) playlist
/// with EXT-X-MAP and EXT-X-BYTERANGE.
public struct PlaybackFile: Sendable, Equatable {
    public var name: String
    public var start: Date
    public var file: SegmentFile

    public init(name: String, start: Date, file: SegmentFile) {
        self.name = name; self.start = start; self.file = file
    }
}

public enum HLSPlaylist {
    /// A VOD playlist of `files` in order, a discontinuity between files; `uri` names a file's URL.
    public static func make(_ files: [PlaybackFile], uri: (String) -> String) -> String {
        let longest = files.flatMap(\.file.fragments).map(\.seconds).max() ?? 1
        var lines = ["#EXTM3U", "#EXT-X-VERSION:7", "#EXT-X-PLAYLIST-TYPE:VOD", "#EXT-X-INDEPENDENT-SEGMENTS",
                     "#EXT-X-TARGETDURATION:\(Int(longest.rounded(.up)))", "#EXT-X-MEDIA-SEQUENCE:0"]
        for (i, f) in files.enumerated() where !f.file.fragments.isEmpty {
            if i > 0 { lines.append("#EXT-X-DISCONTINUITY") }
            let u = uri(f.name)
            lines.append("#EXT-X-PROGRAM-DATE-TIME:\(Instant.format(f.start))")
            lines.append("#EXT-X-MAP:URI=\"\(u)\",BYTERANGE=\"\(f.file.initRange.count)@\(f.file.initRange.lowerBound)\"")
            for fragment in f.file.fragments {
                lines.append("#EXTINF:\(seconds(fragment.seconds)),")
                lines.append("#EXT-X-BYTERANGE:\(fragment.length)@\(fragment.offset)")
                lines.append(u)
            }
        }
        lines.append("#EXT-X-ENDLIST")
        return lines.joined(separator: "\n") + "\n"
    }

    /// A live playlist (no end) of the channel's last complete keyframe groups.
    public static func live(_ groups: [LiveChannel.HLSGroup], initURI: String, segmentURI: (Int) -> String) -> String {
        let longest = groups.map(\.seconds).max() ?? 2
        var lines = ["#EXTM3U", "#EXT-X-VERSION:7", "#EXT-X-INDEPENDENT-SEGMENTS",
                     "#EXT-X-TARGETDURATION:\(Int(longest.rounded(.up)))", "#EXT-X-MEDIA-SEQUENCE:\(groups.first?.sequence ?? 0)",
                     "#EXT-X-MAP:URI=\"\(initURI)\""]
        for g in groups {
            lines.append("#EXTINF:\(seconds(g.seconds)),")
            lines.append(segmentURI(g.sequence))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Seconds with three decimals, without `String(format:)`.
    public static func seconds(_ s: Double) -> String {
        let ms = Int((s * 1000).rounded())
        return "\(ms / 1000)." + Digits.pad(ms % 1000, 3)
    }
}

/// A byte range asked in a `Range: bytes=a-b` header, clamped to the file.
public struct ByteRange: Sendable, Equatable {
    public var lower: Int
    public var upper: Int // inclusive

    public var count: Int { upper - lower + 1 }

    /// nil when the header is absent or not a single satisfiable range.
    public init?(header: String?, size: Int) {
        guard let header, header.hasPrefix("bytes="), size > 0 else { return nil }
        let spec = header.dropFirst(6)
        guard !spec.contains(","), let dash = spec.firstIndex(of: "-") else { return nil }
        let a = spec[..<dash].trimmingCharacters(in: .whitespaces), b = spec[spec.index(after: dash)...].trimmingCharacters(in: .whitespaces)
        if a.isEmpty {
            guard let suffix = Int(b), suffix > 0 else { return nil }
            lower = max(0, size - suffix); upper = size - 1
        } else {
            guard let start = Int(a), start < size else { return nil }
            lower = start
            upper = b.isEmpty ? size - 1 : min(Int(b) ?? -1, size - 1)
            guard upper >= lower else { return nil }
        }
    }
}

/// The ffmpeg arguments that cut a clip out of recorded segments without re-encoding: the concat
/// demuxer over the files, in and out points, and the moov at the front for players.
public enum ClipExport {
    /// The concat list: each file with the part of it inside [from, to).
    public static func concatList(_ files: [(path: String, start: Date, duration: Double)], from: Date, to: Date) -> String {
        var lines = ["ffconcat version 1.0"]
        for f in files {
            let end = f.start.addingTimeInterval(f.duration)
            guard end > from, f.start < to else { continue }
            lines.append("file '\(f.path.replacingOccurrences(of: "'", with: "'\\''"))'")
            let inpoint = from.timeIntervalSince(f.start)
            if inpoint > 0 { lines.append("inpoint \(HLSPlaylist.seconds(inpoint))") }
            let outpoint = to.timeIntervalSince(f.start)
            if outpoint < f.duration { lines.append("outpoint \(HLSPlaylist.seconds(outpoint))") }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    public static func arguments(list: String, output: String) -> [String] {
        ["-hide_banner", "-nostdin", "-loglevel", "error", "-f", "concat", "-safe", "0", "-i", list,
         "-map", "0:v:0", "-c", "copy", "-movflags", "+faststart", "-y", output]
    }
}
