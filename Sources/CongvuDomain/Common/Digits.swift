/// Zero-padded numbers and hex without `String(format:)`, which on Linux goes through
/// CoreFoundation's formatter and was a third of the time of reading a terminal upload.
public enum Digits {
    /// `n` in decimal, zero-padded to `width` (negative numbers keep their sign first).
    public static func pad(_ n: Int, _ width: Int) -> String {
        var bytes: [UInt8] = []
        append(n, width, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    public static func append(_ n: Int, _ width: Int, to bytes: inout [UInt8]) {
        var v = n.magnitude
        var count = 1
        var probe = v
        while probe >= 10 { probe /= 10; count += 1 }
        if n < 0 { bytes.append(UInt8(ascii: "-")) }
        for _ in count..<max(width, count) { bytes.append(UInt8(ascii: "0")) }
        let start = bytes.count
        bytes.append(contentsOf: repeatElement(0, count: count))
        for i in stride(from: start + count - 1, through: start, by: -1) {
            bytes[i] = UInt8(ascii: "0") + UInt8(v % 10)
            v /= 10
        }
    }

    /// Pieces joined: numbers padded to their width, text as it is.
    public static func join(_ parts: [Part]) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(32)
        for p in parts {
            switch p {
            case .number(let n, let w): append(n, w, to: &bytes)
            case .text(let s): bytes.append(contentsOf: s.utf8)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    public enum Part {
        case number(Int, Int)
        case text(String)
    }
}

extension Sequence where Element == UInt8 {
    /// Lower-case hex, two digits a byte (hashes, tokens).
    public var hexString: String {
        let table = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for b in self {
            out.append(table[Int(b >> 4)])
            out.append(table[Int(b & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
