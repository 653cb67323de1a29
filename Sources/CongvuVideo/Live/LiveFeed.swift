import Foundation

/// A recorder's live output (ffmpeg's fragmented MP4 on a pipe) read in whatever pieces the pipe
/// gives. Top-level boxes are found by their headers inside one reused buffer; a fragment (a moof
/// and the mdat after it) is copied out once, as the bytes every viewer shares, and its
/// `FragmentInfo` is read in place. This runs for every frame of every stream, so nothing is copied
/// or allocated just to be looked at.
public struct LiveFeed: Sendable {
    public enum Item: Sendable, Equatable {
        /// ftyp + moov, what a player needs first; the track is nil when the moov has no video.
        case initSegment(Data, TrackInfo?)
        /// moof + mdat.
        case fragment(Data, FragmentInfo)
    }

    private var buffer: [UInt8] = []
    private var ftyp: Data?
    private var track: TrackInfo?

    public init() {}

    /// Reads `bytes` and hands over each item they complete, in order. Throws on a box size no
    /// live stream has (the caller starts a new feed and waits for the next init segment).
    public mutating func feed(_ bytes: UnsafeRawBufferPointer, _ emit: (Item) -> Void) throws {
        buffer.append(contentsOf: bytes)
        var used = 0
        var ftyp = self.ftyp, track = self.track
        defer { self.ftyp = ftyp; self.track = track }
        try buffer.withUnsafeBytes { p in
            func copy(_ from: Int, _ count: Int) -> Data { Data(bytes: p.baseAddress! + from, count: count) }
            while let box = try BoxHeader(p, at: used), p.count - used >= box.size {
                switch box.type {
                case BoxHeader.moof:
                    // Wait for the mdat that follows: the fragment is both, contiguous in the stream.
                    guard let next = try BoxHeader(p, at: used + box.size) else { return }
                    guard next.type == BoxHeader.mdat else { break }
                    guard p.count - used - box.size >= next.size else { return }
                    if let info = FragmentInfo(moof: UnsafeRawBufferPointer(rebasing: p[used..<(used + box.size)]), track: track) {
                        emit(.fragment(copy(used, box.size + next.size), info))
                    }
                    used += box.size + next.size
                    continue
                case BoxHeader.ftyp:
                    ftyp = copy(used, box.size)
                case BoxHeader.moov:
                    let moov = copy(used, box.size)
                    track = BoxReader.boxes(in: moov).first.flatMap { TrackInfo(moov: $0) }
                    emit(.initSegment((ftyp ?? Data()) + moov, track))
                default:
                    break // an mdat without its moof, or a box a player does not need
                }
                used += box.size
            }
        }
        if used == buffer.count {
            buffer.removeAll(keepingCapacity: true)
        } else if used > 0 {
            buffer.removeFirst(used)
        }
    }

    /// Every item in a whole stream (for tests and the benchmark).
    public static func items(in data: Data) throws -> [Item] {
        var feed = LiveFeed()
        var out: [Item] = []
        try data.withUnsafeBytes { try feed.feed($0) { out.append($0) } }
        return out
    }
}
