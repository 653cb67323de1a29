import Foundation

/// A QR code (ISO/IEC 18004) in byte mode at error-correction level M, versions 1–10 (up to 213
/// bytes: a tracking address fits easily). Built here so that printing needs no outside program.
public struct QRCode: Sendable {
    public let version: Int
    public let size: Int
    public let mask: Int
    /// Dark modules, row-major (`size × size`), without the quiet zone.
    public let modules: [Bool]

    public enum Failure: Error, Equatable { case tooLong }

    /// Data codewords per block and EC codewords per block at level M, for versions 1–10:
    /// (blocks in group 1, data per block), (blocks in group 2, data per block), EC per block.
    static let blocks: [(g1: Int, d1: Int, g2: Int, d2: Int, ec: Int)] = [
        (1, 16, 0, 0, 10), (1, 28, 0, 0, 16), (1, 44, 0, 0, 26), (2, 32, 0, 0, 18), (2, 43, 0, 0, 24),
        (4, 27, 0, 0, 16), (4, 31, 0, 0, 18), (2, 38, 2, 39, 22), (3, 36, 2, 37, 22), (4, 43, 1, 44, 26),
    ]
    static let alignment: [[Int]] = [
        [], [6, 18], [6, 22], [6, 26], [6, 30], [6, 34], [6, 22, 38], [6, 24, 42], [6, 26, 46], [6, 28, 50],
    ]

    public func isDark(x: Int, y: Int) -> Bool { modules[y * size + x] }

    public init(_ text: String) throws { try self.init(bytes: Array(text.utf8)) }

    public init(bytes: [UInt8], mask forcedMask: Int? = nil) throws {
        // The smallest version that holds the data (byte mode: 4 + 8 or 16 + 8n bits).
        var chosen: Int?
        for v in 1...10 {
            let b = Self.blocks[v - 1]
            let capacity = (b.g1 * b.d1 + b.g2 * b.d2) * 8
            if 4 + (v < 10 ? 8 : 16) + bytes.count * 8 <= capacity { chosen = v; break }
        }
        guard let version = chosen else { throw Failure.tooLong }
        let spec = Self.blocks[version - 1]
        let dataCount = spec.g1 * spec.d1 + spec.g2 * spec.d2

        // Bit stream: mode, count, data, terminator, padding to bytes, pad codewords.
        var bits = BitBuffer()
        bits.append(0b0100, 4)
        bits.append(bytes.count, version < 10 ? 8 : 16)
        for b in bytes { bits.append(Int(b), 8) }
        bits.append(0, min(4, dataCount * 8 - bits.count))
        bits.append(0, (8 - bits.count % 8) % 8)
        var data = bits.bytes
        var pad: UInt8 = 0xEC
        while data.count < dataCount { data.append(pad); pad = pad == 0xEC ? 0x11 : 0xEC }

        // Blocks, their error correction, then interleaving.
        var dataBlocks: [[UInt8]] = []
        var offset = 0
        for (count, length) in [(spec.g1, spec.d1), (spec.g2, spec.d2)] {
            for _ in 0..<count { dataBlocks.append(Array(data[offset..<offset + length])); offset += length }
        }
        let generator = ReedSolomon.generator(degree: spec.ec)
        let ecBlocks = dataBlocks.map { ReedSolomon.remainder($0, generator: generator) }
        var codewords: [UInt8] = []
        for i in 0..<max(spec.d1, spec.d2) { for b in dataBlocks where i < b.count { codewords.append(b[i]) } }
        for i in 0..<spec.ec { for b in ecBlocks { codewords.append(b[i]) } }

        var grid = Grid(version: version)
        grid.drawFunctionPatterns()
        grid.place(codewords)
        // The mask with the lowest penalty (or the one asked for, for tests).
        var best = grid
        var bestMask = 0
        var bestPenalty = Int.max
        for m in forcedMask.map({ [$0] }) ?? Array(0..<8) {
            var candidate = grid
            candidate.apply(mask: m)
            candidate.drawFormat(mask: m)
            let p = candidate.penalty()
            if p < bestPenalty { best = candidate; bestMask = m; bestPenalty = p }
        }
        self.version = version
        self.size = grid.size
        self.mask = bestMask
        self.modules = best.dark
    }

    /// An SVG image with a 4-module quiet zone, `scale` units per module.
    public func svg(scale: Int = 4) -> String {
        let side = (size + 8) * scale
        var path = ""
        path.reserveCapacity(size * size * 4)
        for y in 0..<size {
            var x = 0
            while x < size {
                guard isDark(x: x, y: y) else { x += 1; continue }
                var run = 1
                while x + run < size && isDark(x: x + run, y: y) { run += 1 }
                path += "M\(x + 4) \(y + 4)h\(run)v1h-\(run)z"
                x += run
            }
        }
        return "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(size + 8) \(size + 8)\" width=\"\(side)\" height=\"\(side)\" shape-rendering=\"crispEdges\">"
            + "<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/><path fill=\"#000\" d=\"\(path)\"/></svg>"
    }
}

struct BitBuffer {
    var bits: [Bool] = []
    var count: Int { bits.count }

    mutating func append(_ value: Int, _ length: Int) {
        guard length > 0 else { return }
        for i in stride(from: length - 1, through: 0, by: -1) { bits.append((value >> i) & 1 == 1) }
    }

    var bytes: [UInt8] {
        stride(from: 0, to: bits.count, by: 8).map { start in
            var b: UInt8 = 0
            for i in 0..<8 { b = b << 1 | (start + i < bits.count && bits[start + i] ? 1 : 0) }
            return b
        }
    }
}

/// Reed–Solomon over GF(256) with the polynomial x⁸ + x⁴ + x³ + x² + 1 (0x11D).
enum ReedSolomon {
    static func multiply(_ a: UInt8, _ b: UInt8) -> UInt8 {
        var x = Int(a), y = Int(b), r = 0
        while y > 0 {
            if y & 1 == 1 { r ^= x }
            x <<= 1
            if x & 0x100 != 0 { x ^= 0x11D }
            y >>= 1
        }
        return UInt8(r)
    }

    /// Coefficients of ∏(x − αⁱ), i < degree, highest power first, the leading 1 left out.
    static func generator(degree: Int) -> [UInt8] {
        var poly: [UInt8] = Array(repeating: 0, count: degree - 1) + [1]
        var root: UInt8 = 1
        for _ in 0..<degree {
            for j in 0..<degree {
                poly[j] = multiply(poly[j], root)
                if j + 1 < degree { poly[j] ^= poly[j + 1] }
            }
            root = multiply(root, 2)
        }
        return poly
    }

    static func remainder(_ data: [UInt8], generator: [UInt8]) -> [UInt8] {
        var r = [UInt8](repeating: 0, count: generator.count)
        for b in data {
            let factor = b ^ r[0]
            r.removeFirst()
            r.append(0)
            for i in 0..<r.count { r[i] ^= multiply(generator[i], factor) }
        }
        return r
    }
}

/// The module grid while it is built: which modules are dark and which belong to function patterns.
struct Grid {
    let version: Int
    let size: Int
    var dark: [Bool]
    var function: [Bool]

    init(version: Int) {
        self.version = version
        size = version * 4 + 17
        dark = Array(repeating: false, count: size * size)
        function = Array(repeating: false, count: size * size)
    }

    mutating func set(_ x: Int, _ y: Int, _ on: Bool) {
        dark[y * size + x] = on
        function[y * size + x] = true
    }

    mutating func drawFunctionPatterns() {
        for i in 0..<size {
            set(6, i, i % 2 == 0)
            set(i, 6, i % 2 == 0)
        }
        for (cx, cy) in [(3, 3), (size - 4, 3), (3, size - 4)] {
            for dy in -4...4 {
                for dx in -4...4 {
                    let x = cx + dx, y = cy + dy
                    guard x >= 0, x < size, y >= 0, y < size else { continue }
                    let d = max(abs(dx), abs(dy))
                    set(x, y, d != 2 && d != 4)
                }
            }
        }
        let positions = QRCode.alignment[version - 1]
        for (i, ay) in positions.enumerated() {
            for (j, ax) in positions.enumerated() {
                let last = positions.count - 1
                if (i == 0 && j == 0) || (i == 0 && j == last) || (i == last && j == 0) { continue }
                for dy in -2...2 { for dx in -2...2 { set(ax + dx, ay + dy, max(abs(dx), abs(dy)) != 1) } }
            }
        }
        drawFormat(mask: 0)
        if version >= 7 {
            var rem = version
            for _ in 0..<12 { rem = (rem << 1) ^ ((rem >> 11) * 0x1F25) }
            let bits = version << 12 | rem
            for i in 0..<18 {
                let on = (bits >> i) & 1 == 1
                let a = size - 11 + i % 3, b = i / 3
                set(a, b, on)
                set(b, a, on)
            }
        }
    }

    /// The 15 format bits (level M, the mask) in both copies, and the dark module.
    mutating func drawFormat(mask: Int) {
        let data = 0b00 << 3 | mask
        var rem = data
        for _ in 0..<10 { rem = (rem << 1) ^ ((rem >> 9) * 0x537) }
        let bits = (data << 10 | rem) ^ 0x5412
        func bit(_ i: Int) -> Bool { (bits >> i) & 1 == 1 }
        for i in 0...5 { set(8, i, bit(i)) }
        set(8, 7, bit(6))
        set(8, 8, bit(7))
        set(7, 8, bit(8))
        for i in 9..<15 { set(14 - i, 8, bit(i)) }
        for i in 0..<8 { set(size - 1 - i, 8, bit(i)) }
        for i in 8..<15 { set(8, size - 15 + i, bit(i)) }
        set(8, size - 8, true)
    }

    /// Codeword bits in the zigzag order: column pairs from the right, upwards then downwards.
    mutating func place(_ codewords: [UInt8]) {
        var i = 0
        let total = codewords.count * 8
        var right = size - 1
        while right >= 1 {
            if right == 6 { right = 5 }
            let upward = (right + 1) & 2 == 0
            for vertical in 0..<size {
                let y = upward ? size - 1 - vertical : vertical
                for x in [right, right - 1] where !function[y * size + x] {
                    if i < total { dark[y * size + x] = (codewords[i >> 3] >> (7 - i & 7)) & 1 == 1 }
                    i += 1
                }
            }
            right -= 2
        }
    }

    mutating func apply(mask: Int) {
        for y in 0..<size {
            for x in 0..<size where !function[y * size + x] {
                let flip: Bool
                switch mask {
                case 0: flip = (x + y) % 2 == 0
                case 1: flip = y % 2 == 0
                case 2: flip = x % 3 == 0
                case 3: flip = (x + y) % 3 == 0
                case 4: flip = (x / 3 + y / 2) % 2 == 0
                case 5: flip = x * y % 2 + x * y % 3 == 0
                case 6: flip = (x * y % 2 + x * y % 3) % 2 == 0
                default: flip = ((x + y) % 2 + x * y % 3) % 2 == 0
                }
                if flip { dark[y * size + x].toggle() }
            }
        }
    }

    /// The standard's four penalty rules: runs, 2×2 blocks, finder-like patterns, balance.
    func penalty() -> Int {
        var total = 0
        func at(_ x: Int, _ y: Int) -> Bool { dark[y * size + x] }
        for horizontal in [true, false] {
            for a in 0..<size {
                var run = 1
                var line: [Bool] = []
                line.reserveCapacity(size)
                for b in 0..<size { line.append(horizontal ? at(b, a) : at(a, b)) }
                for b in 1..<size {
                    if line[b] == line[b - 1] {
                        run += 1
                        if run == 5 { total += 3 } else if run > 5 { total += 1 }
                    } else { run = 1 }
                }
                let pattern: [Bool] = [true, false, true, true, true, false, true]
                for b in 0...(size - 7) where Array(line[b..<b + 7]) == pattern {
                    let before = b >= 4 && !line[(b - 4)..<b].contains(true)
                    let after = b + 11 <= size && !line[(b + 7)..<(b + 11)].contains(true)
                    if before || after { total += 40 }
                }
            }
        }
        for y in 0..<(size - 1) {
            for x in 0..<(size - 1) {
                let c = at(x, y)
                if c == at(x + 1, y) && c == at(x, y + 1) && c == at(x + 1, y + 1) { total += 3 }
            }
        }
        let darkCount = dark.filter { $0 }.count
        let percent = darkCount * 100 / (size * size)
        total += abs(percent - 50) / 5 * 10
        return total
    }
}

/// Code 39 barcodes (digits, capital letters, `-`, `.`, space): what a dossier code needs, and
/// what every counter scanner reads.
public enum Code39 {
    /// The bars of the ten digit patterns (which two of five bars are wide), in the order 1…9, 0.
    static let barSets: [[Bool]] = [
        [true, false, false, false, true], [false, true, false, false, true], [true, true, false, false, false],
        [false, false, true, false, true], [true, false, true, false, false], [false, true, true, false, false],
        [false, false, false, true, true], [true, false, false, true, false], [false, true, false, true, false],
        [false, false, true, true, false],
    ]
    /// Each group of ten characters shares the position of its wide space.
    static let groups: [(characters: String, wideSpace: Int)] = [
        ("1234567890", 1), ("ABCDEFGHIJ", 2), ("KLMNOPQRST", 3), ("UVWXYZ-. *", 0),
    ]

    /// Nine elements (bar, space, bar, …), true when wide.
    static func pattern(_ c: Character) -> [Bool]? {
        for group in groups {
            guard let i = group.characters.firstIndex(of: c) else { continue }
            let bars = barSets[group.characters.distance(from: group.characters.startIndex, to: i)]
            var elements: [Bool] = []
            for k in 0..<5 {
                elements.append(bars[k])
                if k < 4 { elements.append(k == group.wideSpace) }
            }
            return elements
        }
        return nil
    }

    public static func canEncode(_ text: String) -> Bool { text.allSatisfy { $0 != "*" && pattern($0) != nil } }

    /// Widths of alternating bars and spaces (narrow 1, wide 3), with the start and stop characters.
    public static func widths(_ text: String) -> [Int]? {
        guard canEncode(text) else { return nil }
        var widths: [Int] = []
        for (n, c) in ("*" + text + "*").enumerated() {
            if n > 0 { widths.append(1) }
            widths += pattern(c)!.map { $0 ? 3 : 1 }
        }
        return widths
    }

    /// An SVG image `height` units tall with a 10-unit quiet zone on each side.
    public static func svg(_ text: String, height: Int = 40) -> String? {
        guard let widths = widths(text) else { return nil }
        var x = 10
        var rects = ""
        for (i, w) in widths.enumerated() {
            if i % 2 == 0 { rects += "<rect x=\"\(x)\" y=\"0\" width=\"\(w)\" height=\"\(height)\"/>" }
            x += w
        }
        return "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(x + 10) \(height)\" width=\"\((x + 10) * 2)\" height=\"\(height * 2)\" shape-rendering=\"crispEdges\">"
            + "<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/><g fill=\"#000\">\(rects)</g></svg>"
    }
}
