import CongvuDomain
import Foundation

/// What a viewer's browser needs to know from the init segment (ftyp + moov) of a fragmented MP4.
public struct TrackInfo: Sendable, Equatable {
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
        guard moof.type == "moof", let traf = moof.child("traf"), let tfhd = traf.child("tfhd") else { return nil }
        let h = Data(tfhd.payload)
        guard h.count >= 8 else { return nil }
        let hFlags = h.u32(at: 0) & 0xFFFFFF
        var i = 8
        if hFlags & 0x01 != 0 { i += 8 }
        if hFlags & 0x02 != 0 { i += 4 }
        var defaultDuration = track?.defaultDuration ?? 0
        var defaultFlags = track?.defaultFlags ?? 0
        if hFlags & 0x08 != 0, h.count >= i + 4 { defaultDuration = h.u32(at: i); i += 4 }
        if hFlags & 0x10 != 0 { i += 4 }
        if hFlags & 0x20 != 0, h.count >= i + 4 { defaultFlags = h.u32(at: i) }

        decodeTime = 0
        if let tfdt = traf.child("tfdt") {
            let d = Data(tfdt.payload)
            if d.count >= 8 { decodeTime = d.first == 1 && d.count >= 12 ? d.u64(at: 4) : UInt64(d.u32(at: 4)) }
        }
        guard let trun = traf.child("trun") else { return nil }
        let r = Data(trun.payload)
        guard r.count >= 8 else { return nil }
        let rFlags = r.u32(at: 0) & 0xFFFFFF
        let count = Int(r.u32(at: 4))
        var j = 8
        if rFlags & 0x01 != 0 { j += 4 }
        var firstFlags: UInt32?
        if rFlags & 0x04 != 0, r.count >= j + 4 { firstFlags = r.u32(at: j); j += 4 }
        let perSample = [0x100, 0x200, 0x400, 0x800].filter { rFlags & UInt32($0) != 0 }.count * 4
        var total: UInt64 = 0
        var firstSampleFlags: UInt32?
        for n in 0..<count {
            guard r.count >= j + perSample else { return nil }
            var k = j
            if rFlags & 0x100 != 0 { total += UInt64(r.u32(at: k)); k += 4 } else { total += UInt64(defaultDuration) }
            if rFlags & 0x200 != 0 { k += 4 }
            if rFlags & 0x400 != 0, n == 0 { firstSampleFlags = r.u32(at: k) }
            j += perSample
        }
        let flags = firstFlags ?? firstSampleFlags ?? defaultFlags
        startsWithKeyframe = flags & 0x10000 == 0
        duration = total
        sampleCount = count
    }
}
