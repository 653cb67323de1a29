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
        var out: [Box] = []
        var offset = buffer.startIndex
        while buffer.endIndex - offset >= 8 {
            guard let (size, header) = Self.header(buffer, at: offset) else { break }
            guard size >= header, size <= Self.largestBox else {
                throw Malformed(reason: "box size \(size)")
            }
            guard buffer.endIndex - offset >= size else { break }
            let type = Self.fourCC(buffer, at: offset + 4)
            out.append(Box(type: type, bytes: Data(buffer[offset..<(offset + size)]), headerSize: header))
            offset += size
        }
        buffer = Data(buffer[offset...])
        return out
    }

    /// Every whole box in `data` (a truncated tail is ignored).
    public static func boxes(in data: Data) -> [Box] {
        var reader = BoxReader()
        return (try? reader.feed(data)) ?? []
    }

    static func header(_ data: Data, at offset: Int) -> (Int, Int)? {
        let small = Int(data.u32(at: offset))
        if small == 1 {
            guard data.endIndex - offset >= 16 else { return nil }
            return (Int(clamping: data.u64(at: offset + 8)), 16)
        }
        if small == 0 { return (data.endIndex - offset, 8) } // to the end: only the last box
        return (small, 8)
    }

    static func fourCC(_ data: Data, at offset: Int) -> String {
        String(decoding: data[offset..<(offset + 4)], as: UTF8.self)
    }
}

extension Data {
    func u16(at i: Int) -> UInt16 { UInt16(self[i]) << 8 | UInt16(self[i + 1]) }
    func u32(at i: Int) -> UInt32 {
        UInt32(self[i]) << 24 | UInt32(self[i + 1]) << 16 | UInt32(self[i + 2]) << 8 | UInt32(self[i + 3])
    }
    func u64(at i: Int) -> UInt64 { UInt64(u32(at: i)) << 32 | UInt64(u32(at: i + 4)) }
}
