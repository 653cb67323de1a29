import Foundation

/// A recorded fragmented MP4 read by its box headers only (mdat payloads are skipped, never loaded):
/// where the init segment is, and each fragment's bytes and duration. Playback byte ranges and crash
/// recovery come from here. A fragment cut short by a crash is left out.
public struct SegmentFile: Sendable, Equatable, Codable {
    public struct Fragment: Sendable, Equatable, Codable {
        public var offset: Int
        public var length: Int
        public var seconds: Double
        public var keyframe: Bool
    }

    public var track: TrackInfo
    /// ftyp + moov.
    public var initRange: Range<Int>
    public var fragments: [Fragment]

    public var duration: Double { fragments.reduce(0) { $0 + $1.seconds } }

    public struct Unreadable: Error, Equatable { public let reason: String }

    public init(path: String) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw Unreadable(reason: "cannot open") }
        defer { try? handle.close() }
        let size = Int((try? handle.seekToEnd()) ?? 0)
        var offset = 0
        var initEnd: Int?
        var track: TrackInfo?
        var fragments: [Fragment] = []
        var pending: (offset: Int, info: FragmentInfo)?
        while offset + 8 <= size {
            try handle.seek(toOffset: UInt64(offset))
            guard let head = try handle.read(upToCount: 16), head.count >= 8 else { break }
            var boxSize = Int(head.u32(at: 0))
            if boxSize == 1 {
                guard head.count >= 16 else { break }
                boxSize = Int(clamping: head.u64(at: 8))
            } else if boxSize == 0 {
                boxSize = size - offset
            }
            // Cut short by a crash, or a size no file has (compared without adding: a 64-bit size
            // near Int.max overflowed here, found by scripts/fuzz).
            guard boxSize >= 8, boxSize <= size - offset else { break }
            let type = BoxReader.fourCC(head, at: 4)
            switch type {
            case "moov", "moof":
                guard boxSize <= BoxReader.largestBox else { throw Unreadable(reason: "\(type) of \(boxSize) bytes") }
                try handle.seek(toOffset: UInt64(offset))
                let bytes = try handle.read(upToCount: boxSize) ?? Data()
                guard let box = BoxReader.boxes(in: bytes).first else { break }
                if type == "moov" {
                    track = TrackInfo(moov: box)
                    initEnd = offset + boxSize
                } else if let info = FragmentInfo(moof: box, track: track) {
                    pending = (offset, info)
                }
            case "mdat":
                if let p = pending, let t = track, t.timescale > 0 {
                    fragments.append(Fragment(offset: p.offset, length: offset + boxSize - p.offset,
                                              seconds: Double(p.info.duration) / Double(t.timescale), keyframe: p.info.startsWithKeyframe))
                }
                pending = nil
            default:
                break
            }
            offset += boxSize
        }
        guard let track, let initEnd else { throw Unreadable(reason: "no init segment") }
        self.track = track
        self.initRange = 0..<initEnd
        self.fragments = fragments
    }
}
