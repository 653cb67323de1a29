import CongvuDomain
import Foundation

/// What a viewer's browser needs to know from the init segment (ftyp + moov) of a fragmented MP4.
public struct TrackInfo: Sendable, Equatable, Codable {
    /// The RFC 6381 codec string MediaSource asks for: `avc1.64001F`, `hvc1…`.
    public var codec: String
    public var width: Int
    public var height: Int
    public var timescale: UInt32
    /// trex defaults, used when a fragment does not say.
    var defaultDuration: UInt32 = 0
    var defaultFlags: UInt32 = 0

    public var isH265: Bool { codec.hasPrefix("hvc1") || codec.hasPrefix("hev1") }

    /// Reads the first video track of a moov box.
    public init?(moov: Box) {
        guard moov.type == "moov" else { return nil }
        let traks = moov.children().filter { $0.type == "trak" }
        for trak in traks {
            guard let hdlr = trak.child("mdia", "hdlr"), hdlr.payload.count >= 12,
                  BoxReader.fourCC(Data(hdlr.payload), at: 8) == "vide",
                  let mdhd = trak.child("mdia", "mdhd"),
                  let stsd = trak.child("mdia", "minf", "stbl", "stsd"),
                  let entry = stsd.children(skipping: 8).first else { continue }
            let m = Data(mdhd.payload)
            timescale = m.first == 1 ? m.u32(at: 20) : m.u32(at: 12)
            let e = Data(entry.payload)
            guard e.count >= 78 else { return nil }
            width = Int(e.u16(at: 24))
            height = Int(e.u16(at: 26))
            codec = Self.codecString(entry)
            if let trex = moov.child("mvex", "trex") {
                let t = Data(trex.payload)
                if t.count >= 24 { defaultDuration = t.u32(at: 12); defaultFlags = t.u32(at: 20) }
            }
            return
        }
        return nil
    }

    public init(codec: String, width: Int, height: Int, timescale: UInt32) {
        self.codec = codec; self.width = width; self.height = height; self.timescale = timescale
    }

    static func codecString(_ entry: Box) -> String {
        switch entry.type {
        case "avc1", "avc3":
            if let avcC = entry.children(skipping: 78).first(where: { $0.type == "avcC" }) {
                let p = Data(avcC.payload)
                if p.count >= 4 { return entry.type + "." + [p[1], p[2], p[3]].hexString.uppercased() }
            }
            return entry.type
        default:
            return entry.type
        }
    }
}

/// One moof (+ its mdat) of a live stream or a segment file, read without decoding.
public struct FragmentInfo: Sendable, Equatable {
    /// The fragment starts with a sync sample (a keyframe): a viewer can start here.
    public var startsWithKeyframe: Bool
    /// tfdt: decode time of the first sample, in the track's timescale.
    public var decodeTime: UInt64
    /// Sum of the sample durations, in the track's timescale.
    public var duration: UInt64
    public var sampleCount: Int

    /// Reads a moof box. `track` gives the trex defaults.
    public init?(moof: Box, track: TrackInfo?) {
        guard let info = moof.bytes.withUnsafeBytes({ FragmentInfo(moof: $0, track: track) }) else { return nil }
        self = info
    }

    /// Reads a moof box in place from its bytes (header included), without copying any of it:
    /// the live path reads one for every frame.
    init?(moof p: UnsafeRawBufferPointer, track: TrackInfo?) {
        guard let moof = try? BoxHeader(p, at: 0), moof.type == BoxHeader.moof, moof.size <= p.count,
              let traf = BoxHeader.child(BoxHeader.traf, in: p, moof.length..<moof.size),
              let h = BoxHeader.child(BoxHeader.tfhd, in: p, traf), h.count >= 8 else { return nil }
        let hFlags = p.u32(at: h.lowerBound) & 0xFFFFFF
        var i = h.lowerBound + 8
        if hFlags & 0x01 != 0 { i += 8 }
        if hFlags & 0x02 != 0 { i += 4 }
        var defaultDuration = track?.defaultDuration ?? 0
        var defaultFlags = track?.defaultFlags ?? 0
        if hFlags & 0x08 != 0, h.upperBound >= i + 4 { defaultDuration = p.u32(at: i); i += 4 }
        if hFlags & 0x10 != 0 { i += 4 }
        if hFlags & 0x20 != 0, h.upperBound >= i + 4 { defaultFlags = p.u32(at: i) }

        decodeTime = 0
        if let d = BoxHeader.child(BoxHeader.tfdt, in: p, traf), d.count >= 8 {
            decodeTime = p[d.lowerBound] == 1 && d.count >= 12 ? p.u64(at: d.lowerBound + 4) : UInt64(p.u32(at: d.lowerBound + 4))
        }
        guard let r = BoxHeader.child(BoxHeader.trun, in: p, traf), r.count >= 8 else { return nil }
        let rFlags = p.u32(at: r.lowerBound) & 0xFFFFFF
        let count = Int(p.u32(at: r.lowerBound + 4))
        var j = r.lowerBound + 8
        if rFlags & 0x01 != 0 { j += 4 }
        var firstFlags: UInt32?
        if rFlags & 0x04 != 0, r.upperBound >= j + 4 { firstFlags = p.u32(at: j); j += 4 }
        let perSample = (rFlags & 0xF00).nonzeroBitCount * 4 // duration, size, flags, composition offset
        // Every sample's fields must be inside the box (a damaged count must not loop for ever).
        guard j <= r.upperBound, perSample == 0 || (r.upperBound - j) / perSample >= count else { return nil }
        var total: UInt64 = 0
        var firstSampleFlags: UInt32?
        if rFlags & 0x100 == 0 {
            total = UInt64(count) * UInt64(defaultDuration)
        }
        if perSample > 0 {
            for n in 0..<count {
                var k = j
                if rFlags & 0x100 != 0 { total += UInt64(p.u32(at: k)); k += 4 }
                if rFlags & 0x200 != 0 { k += 4 }
                if rFlags & 0x400 != 0, n == 0 { firstSampleFlags = p.u32(at: k) }
                j += perSample
            }
        }
        let flags = firstFlags ?? firstSampleFlags ?? defaultFlags
        startsWithKeyframe = flags & 0x10000 == 0
        duration = total
        sampleCount = count
    }
}
