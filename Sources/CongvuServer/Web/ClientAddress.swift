import Foundation

/// Who is asking, behind reverse proxies the operator named. `X-Forwarded-For` is believed only
/// when the socket's peer is a trusted proxy, and then only up to the first hop that is not one:
/// a client can put anything at the front of the header, never past the proxies that append to it.
/// Sign-in throttling and the public rate limits count by this address; behind a proxy they would
/// otherwise count every citizen as one.
enum ClientAddress {
    static func resolve(peer: String?, forwardedFor: String?, trusted: [String]) -> String {
        guard let peer else { return "unknown" }
        guard !trusted.isEmpty, isTrusted(peer, trusted), let header = forwardedFor else { return peer }
        let hops = header.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        // From the nearest hop outwards: the first one that is not our own proxy is the client.
        for hop in hops.reversed() where !isTrusted(hop, trusted) { return hop }
        return hops.first ?? peer
    }

    /// `10.0.0.5` exactly, or within `10.0.0.0/8` (IPv4 ranges; IPv6 addresses match exactly).
    static func isTrusted(_ address: String, _ trusted: [String]) -> Bool {
        trusted.contains { entry in
            let parts = entry.split(separator: "/", maxSplits: 1)
            guard parts.count == 2, let bits = Int(parts[1]), (0...32).contains(bits),
                  let net = ipv4(String(parts[0])), let ip = ipv4(address) else { return entry == address }
            let mask: UInt32 = bits == 0 ? 0 : ~UInt32(0) << (32 - bits)
            return ip & mask == net & mask
        }
    }

    static func ipv4(_ text: String) -> UInt32? {
        let octets = text.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4 else { return nil }
        var value: UInt32 = 0
        for o in octets {
            guard let n = UInt8(o) else { return nil }
            value = value << 8 | UInt32(n)
        }
        return value
    }

    static func isLoopback(_ address: String?) -> Bool {
        guard let address else { return false }
        return address == "::1" || address.hasPrefix("127.") || address == "::ffff:127.0.0.1"
    }
}
