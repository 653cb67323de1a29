import Foundation

/// An ISO-BMFF box: its four-letter type and its whole bytes (header included).
public struct Box: Sendable, Equatable {
    public let type: String
    public let bytes: Data
    /// Where the payload starts inside `bytes` (8, or 16 for a 64-bit size).
    public let headerSize: Int

    public var payload: Data { bytes.dropFirst(headerSize) }

    /// The boxes inside this one (for containers such as moov, trak, moof, traf).
    public func children(skipping prefix: Int = 0) -> [Box] {
        BoxReader.boxes(in: Data(payload.dropFirst(prefix)))
    }

    public func child(_ path: String...) -> Box? {
        var box: Box? = self
        for type in path { box = box?.children(skipping: Box.containerPrefix(of: box!.type)).first { $0.type == type } }
        return box
    }

    /// Sample entries (avc1, hvc1…) and stsd start with fixed fields before their children.
    static func containerPrefix(of type: String) -> Int {
        switch type {
        case "stsd": return 8
        case "avc1", "avc3", "hvc1", "hev1": return 78
        default: return 0
        }
    }
}

/// Reads boxes out of bytes that arrive in pieces (a pipe gives short reads): bytes are kept
/// until a whole box is there, so a box is never cut.
public struct BoxReader: Sendable {
    private var buffer = Data()
    /// A box larger than this is a broken stream, not a video fragment.
    public static let largestBox = 64 << 20

    public init() {}

    public struct Malformed: Error, Equatable { public let reason: String }

    /// The whole boxes completed by `bytes`.
    public mutating func feed(_ bytes: Data) throws -> [Box] {
        buffer.append(bytes)
        let (boxes, used): ([Box], Int) = try buffer.withUnsafeBytes { p in
            var out: [Box] = []
            var offset = 0
            while let header = try BoxHeader(p, at: offset, sizeZeroToEnd: true), p.count - offset >= header.size {
                let start = buffer.startIndex + offset
                out.append(Box(type: BoxReader.fourCC(header.type), bytes: Data(buffer[start..<(start + header.size)]), headerSize: header.length))
                offset += header.size
            }
            return (out, offset)
        }
        if used > 0 { buffer = Data(buffer.dropFirst(used)) }
        return boxes
    }

    /// Every whole box in `data` (a truncated tail is ignored).
    public static func boxes(in data: Data) -> [Box] {
        var reader = BoxReader()
        return (try? reader.feed(data)) ?? []
    }

    static func fourCC(_ data: Data, at offset: Int) -> String {
        String(decoding: data[offset..<(offset + 4)], as: UTF8.self)
    }

    static func fourCC(_ code: UInt32) -> String {
        String(decoding: [UInt8(code >> 24), UInt8(code >> 16 & 0xFF), UInt8(code >> 8 & 0xFF), UInt8(code & 0xFF)], as: UTF8.self)
    }
}

/// A box header read in place, without copying: the box's whole size (header included), the
/// header's length (8, or 16 with a 64-bit size) and its type as a big-endian four-character code.
struct BoxHeader {
    var size: Int
    var length: Int
    var type: UInt32

    /// Types the live path compares as numbers (literals: no lazy globals on the hot path).
    static let ftyp: UInt32 = 0x6674_7970, moov: UInt32 = 0x6D6F_6F76, moof: UInt32 = 0x6D6F_6F66, mdat: UInt32 = 0x6D64_6174
    static let traf: UInt32 = 0x7472_6166, tfhd: UInt32 = 0x7466_6864, tfdt: UInt32 = 0x7466_6474, trun: UInt32 = 0x7472_756E

    /// The header at `offset`, or nil when it is not all there yet. A size of 0 means "to the end
    /// of the bytes" when `sizeZeroToEnd` (a file's last box) and is malformed otherwise (a stream).
    /// Throws for a size smaller than the header or larger than `BoxReader.largestBox`.
    init?(_ p: UnsafeRawBufferPointer, at offset: Int, sizeZeroToEnd: Bool = false) throws {
        guard p.count - offset >= 8 else { return nil }
        let small = Int(p.u32(at: offset))
        type = p.u32(at: offset + 4)
        if small == 1 {
            guard p.count - offset >= 16 else { return nil }
            size = Int(clamping: p.u64(at: offset + 8)); length = 16
        } else if small == 0 && sizeZeroToEnd {
            size = p.count - offset; length = 8
        } else {
            size = small; length = 8
        }
        guard size >= length, size <= BoxReader.largestBox else { throw BoxReader.Malformed(reason: "box size \(size)") }
    }

    /// The payload range of the first child of type `type` among the boxes filling `range`.
    static func child(_ type: UInt32, in p: UnsafeRawBufferPointer, _ range: Range<Int>) -> Range<Int>? {
        var offset = range.lowerBound
        while range.upperBound - offset >= 8 {
            guard let h = try? BoxHeader(p, at: offset), offset + h.size <= range.upperBound else { return nil }
            if h.type == type { return (offset + h.length)..<(offset + h.size) }
            offset += h.size
        }
        return nil
    }
}

extension UnsafeRawBufferPointer {
    /// Big-endian reads; the caller has checked the bounds.
    func u32(at i: Int) -> UInt32 { UInt32(bigEndian: loadUnaligned(fromByteOffset: i, as: UInt32.self)) }
    func u64(at i: Int) -> UInt64 { UInt64(bigEndian: loadUnaligned(fromByteOffset: i, as: UInt64.self)) }
}

extension Data {
    func u16(at i: Int) -> UInt16 { UInt16(self[i]) << 8 | UInt16(self[i + 1]) }
    func u32(at i: Int) -> UInt32 {
        UInt32(self[i]) << 24 | UInt32(self[i + 1]) << 16 | UInt32(self[i + 2]) << 8 | UInt32(self[i + 3])
    }
    func u64(at i: Int) -> UInt64 { UInt64(u32(at: i)) << 32 | UInt64(u32(at: i + 4)) }
}
