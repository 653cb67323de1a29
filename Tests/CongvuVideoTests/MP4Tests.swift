import CongvuDomain
import Foundation
import Testing
@testable import CongvuVideo

func fixture(_ name: String) throws -> Data {
    let url = try #require(Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: nil))
    return try Data(contentsOf: url)
}

@Suite("Fragmented MP4, read without decoding")
struct MP4Tests {
    @Test("Boxes come out whole however the bytes are cut")
    func piecewise() throws {
        let data = try fixture("live.mp4")
        let whole = BoxReader.boxes(in: data)
        #expect(whole.map(\.type).prefix(4) == ["ftyp", "moov", "moof", "mdat"])
        #expect(whole.reduce(0) { $0 + $1.bytes.count } == data.count)
        for piece in [1, 7, 100, 4093] {
            var reader = BoxReader()
            var boxes: [Box] = []
            var i = 0
            while i < data.count {
                boxes += try reader.feed(data[i..<min(i + piece, data.count)])
                i += piece
            }
            #expect(boxes == whole, "pieces of \(piece) bytes")
        }
    }

    @Test("A box claiming an impossible size is refused")
    func malformed() {
        var reader = BoxReader()
        var bad = Data([0, 0, 0, 4]) + Data("moof".utf8)
        #expect(throws: BoxReader.Malformed.self) { _ = try reader.feed(bad) }
        var big = BoxReader()
        bad = Data([0x7F, 0xFF, 0xFF, 0xFF]) + Data("mdat".utf8)
        #expect(throws: BoxReader.Malformed.self) { _ = try big.feed(bad) }
    }

    @Test("The live feed gives the init segment, then each fragment as its moof and mdat, however the pipe cuts the bytes")
    func liveFeed() throws {
        let data = try fixture("live.mp4")
        let boxes = BoxReader.boxes(in: data)
        let track = try #require(TrackInfo(moov: boxes[1]))
        let moofs = boxes.filter { $0.type == "moof" }, mdats = boxes.filter { $0.type == "mdat" }
        var expected: [LiveFeed.Item] = [.initSegment(boxes[0].bytes + boxes[1].bytes, track)]
        for (moof, mdat) in zip(moofs, mdats) {
            expected.append(.fragment(moof.bytes + mdat.bytes, try #require(FragmentInfo(moof: moof, track: track))))
        }
        #expect(try LiveFeed.items(in: data) == expected)
        for piece in [1, 7, 100, 4093] {
            var feed = LiveFeed()
            var items: [LiveFeed.Item] = []
            var i = 0
            while i < data.count {
                try data[i..<min(i + piece, data.count)].withUnsafeBytes { try feed.feed($0) { items.append($0) } }
                i += piece
            }
            #expect(items == expected, "pieces of \(piece) bytes")
        }
    }

    @Test("A live stream with a box size no stream has is refused; a size of 0 (to the end) only fits a file")
    func liveFeedMalformed() throws {
        for bad in [Data([0, 0, 0, 4]) + Data("moof".utf8), Data([0x7F, 0xFF, 0xFF, 0xFF]) + Data("mdat".utf8),
                    Data([0, 0, 0, 0]) + Data("mdat".utf8)] {
            var feed = LiveFeed()
            #expect(throws: BoxReader.Malformed.self) { try bad.withUnsafeBytes { try feed.feed($0) { _ in } } }
        }
        #expect(BoxReader.boxes(in: Data([0, 0, 0, 0]) + Data("mdat".utf8) + Data([1, 2])).map(\.bytes.count) == [10])
    }

    @Test("A damaged moof is read without a trap or a hang: sample fields past its end give no fragment")
    func damagedMoof() throws {
        let boxes = BoxReader.boxes(in: try fixture("live.mp4"))
        let track = try #require(TrackInfo(moov: boxes[1]))
        let moof = try #require(boxes.first { $0.type == "moof" })
        let trun = try #require(moof.bytes.range(of: Data("trun".utf8)))
        func read(_ bytes: Data) -> FragmentInfo? { FragmentInfo(moof: Box(type: "moof", bytes: bytes, headerSize: 8), track: track) }
        // The fixture's trun has no per-sample fields: a huge sample count costs no loop.
        var lying = moof.bytes
        lying.replaceSubrange((trun.upperBound + 4)..<(trun.upperBound + 8), with: [0x7F, 0xFF, 0xFF, 0xFF])
        #expect(read(lying)?.sampleCount == 0x7FFF_FFFF)
        // Claiming a duration per sample that the box does not hold: no fragment.
        var short = moof.bytes
        short[trun.upperBound + 2] |= 0x01
        #expect(read(short) == nil)
        #expect(read(moof.bytes)?.sampleCount == 1)
        // Any byte changed anywhere: an answer or nil, never a trap.
        var g = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            var bytes = moof.bytes
            for _ in 0..<3 { bytes[Int.random(in: 0..<bytes.count, using: &g)] = UInt8.random(in: 0...255, using: &g) }
            _ = FragmentInfo(moof: Box(type: "moof", bytes: bytes, headerSize: 8), track: track)
        }
    }

    @Test("The init segment gives the codec string, size and timescale")
    func track() throws {
        let boxes = BoxReader.boxes(in: try fixture("live.mp4"))
        let track = try #require(TrackInfo(moov: boxes[1]))
        #expect(track.codec == "avc1.4D400A") // main profile, level 1.0 (96×64)
        #expect(track.width == 96 && track.height == 64)
        #expect(track.timescale > 0)
        #expect(!track.isH265)
    }

    @Test("Keyframes are found from the fragments' sample flags: every 10th frame here")
    func keyframes() throws {
        let boxes = BoxReader.boxes(in: try fixture("live.mp4"))
        let track = try #require(TrackInfo(moov: boxes[1]))
        let fragments = boxes.filter { $0.type == "moof" }.compactMap { FragmentInfo(moof: $0, track: track) }
        #expect(fragments.count == 50)
        #expect(fragments.allSatisfy { $0.sampleCount == 1 })
        let keys = fragments.enumerated().filter { $0.element.startsWithKeyframe }.map(\.offset)
        #expect(keys == [0, 10, 20, 30, 40])
        let seconds = Double(fragments.reduce(0) { $0 + $1.duration }) / Double(track.timescale)
        #expect(abs(seconds - 2) < 0.05)
        #expect(fragments[10].decodeTime > fragments[9].decodeTime)
    }

    @Test("A segment file is read by headers: init range, fragments, duration; a cut tail is left out")
    func segmentFile() throws {
        let data = try fixture("segment.mp4")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("congvu-seg-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("a.mp4").path
        try data.write(to: URL(fileURLWithPath: path))
        let file = try SegmentFile(path: path)
        #expect(abs(file.duration - 2) < 0.05)
        #expect(file.fragments.count == 2) // a fragment per keyframe (25 frames)
        #expect(file.fragments.allSatisfy { $0.keyframe })
        #expect(file.initRange.lowerBound == 0)
        #expect(file.fragments[0].offset == file.initRange.upperBound)
        let last = try #require(file.fragments.last)
        // ffmpeg ends a closed file with an mfra index (86 bytes here) after the last fragment.
        #expect(last.offset + last.length == data.count - 86)
        // A crash cut the last fragment: the file stays readable up to the one before.
        try data.prefix(last.offset + last.length - 100).write(to: URL(fileURLWithPath: path))
        let cut = try SegmentFile(path: path)
        #expect(cut.fragments.count == 1)
        try Data("not a video".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: SegmentFile.Unreadable.self) { _ = try SegmentFile(path: path) }
    }
}

@Suite("The ffmpeg command and what it writes")
struct FFmpegCommandTests {
    @Test("Segment names carry their UTC start; list rows their length")
    func names() {
        #expect(FFmpegCommand.start(ofSegment: "/r/7/20261123T081502Z.mp4") == Date(timeIntervalSince1970: 1_795_421_702))
        #expect(FFmpegCommand.start(ofSegment: "20261123T081502.mp4") == nil)
        #expect(FFmpegCommand.start(ofSegment: "2026112xT081502Z.mp4") == nil)
        let row = FFmpegCommand.parseList(line: "20261123T081502Z.mp4,58.000000,118.040000")
        #expect(row?.name == "20261123T081502Z.mp4")
        #expect(row.map { abs($0.duration - 60.04) < 1e-9 } == true)
        #expect(FFmpegCommand.parseList(line: "x,1,0") == nil)
    }

    @Test("One input, copied: segments and the live stream from the same process; a live-only stream writes no files")
    func arguments() {
        let recorded = FFmpegCommand(input: "rtsp://u:p@h/s", segmentDirectory: "/r/7", segmentSeconds: 60).arguments
        #expect(recorded.filter { $0 == "-i" }.count == 1)
        #expect(recorded.contains("-segment_atclocktime") && recorded.last == "pipe:1")
        #expect(!recorded.contains("libx264") && recorded.filter { $0 == "copy" }.count == 2)
        #expect(recorded.contains("movflags=+frag_keyframe+empty_moov+default_base_moof"))
        let live = FFmpegCommand(input: "rtsp://h/s", segmentDirectory: nil).arguments
        #expect(!live.contains("segment") && live.last == "pipe:1")
    }
}

/// What scripts/fuzz found: a box declaring a 64-bit size near Int.max overflowed an addition while
/// a recorded segment was read back. Such a file is now unreadable, not fatal.
@Suite struct CorruptSegmentTests {
    @Test func aBoxTooLargeForTheFileIsACutNotACrash() throws {
        var bytes = Data([0, 0, 0, 16]) + Data("ftypiso5".utf8) + Data([0, 0, 0, 0])
        bytes += Data([0, 0, 0, 1]) + Data("free".utf8) + Data([0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xF0])
        let path = NSTemporaryDirectory() + "congvu-corrupt-\(UUID().uuidString).mp4"
        try bytes.write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(throws: SegmentFile.Unreadable.self) { try SegmentFile(path: path) }
    }
}
