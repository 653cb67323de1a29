import Foundation

/// An IP address or range as operators write them: `10.0.5.17` exactly, or `10.0.5.0/24`.
/// IPv4 ranges are compared by their bits; anything else (IPv6, a host name) matches only itself.
/// One rule for the trusted proxies and for the address a terminal is pinned to.
public enum AddressRange {
    public static func contains(_ entry: String, _ address: String) -> Bool {
        let parts = entry.split(separator: "/", maxSplits: 1)
        guard parts.count == 2, let bits = Int(parts[1]), (0...32).contains(bits),
              let net = ipv4(String(parts[0])), let ip = ipv4(address) else { return entry == address }
        let mask: UInt32 = bits == 0 ? 0 : ~UInt32(0) << (32 - bits)
        return ip & mask == net & mask
    }

    /// Whether `entry` is something `contains` can use: an address, or an IPv4 range.
    public static func isValid(_ entry: String) -> Bool {
        let parts = entry.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        if parts.count == 2 { return ipv4(String(parts[0])) != nil && Int(parts[1]).map { (0...32).contains($0) } == true }
        return ipv4(entry) != nil || (entry.contains(":") && entry.count <= 45 && entry.allSatisfy { $0.isHexDigit || $0 == ":" || $0 == "." })
    }

    public static func ipv4(_ text: String) -> UInt32? {
        let octets = text.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4 else { return nil }
        var value: UInt32 = 0
        for o in octets {
            guard let n = UInt8(o) else { return nil }
            value = value << 8 | UInt32(n)
        }
        return value
    }
}
