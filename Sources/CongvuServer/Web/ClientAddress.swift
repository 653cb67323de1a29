import CongvuDomain
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

    /// `10.0.0.5` exactly, or within `10.0.0.0/8` (see `AddressRange`).
    static func isTrusted(_ address: String, _ trusted: [String]) -> Bool {
        trusted.contains { AddressRange.contains($0, address) }
    }

    static func isLoopback(_ address: String?) -> Bool {
        guard let address else { return false }
        return address == "::1" || address.hasPrefix("127.") || address == "::ffff:127.0.0.1"
    }
}
