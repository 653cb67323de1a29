import Foundation
import Synchronization

/// Values kept for a while by key, for reads that a burst of requests repeats: working calendars
/// (a minute) and public tracking answers (a few seconds). Whoever changes what a value was built
/// from forgets it; a change made by another server shows when the value expires. At capacity the
/// expired entries go first, then everything.
public final class ExpiringCache<Value: Sendable>: Sendable {
    public let lifetime: TimeInterval
    public let capacity: Int
    private let entries = Mutex<[String: (expires: Date, value: Value)]>([:])

    /// A lifetime of 0 keeps nothing: every read builds the value.
    public init(lifetime: TimeInterval, capacity: Int) {
        self.lifetime = lifetime
        self.capacity = capacity
    }

    public func value(_ key: String, now: Date = Date(), build: () async throws -> Value) async throws -> Value {
        guard lifetime > 0 else { return try await build() }
        if let hit = entries.withLock({ $0[key] }), hit.expires > now { return hit.value }
        let value = try await build()
        entries.withLock { entries in
            if entries.count >= capacity {
                entries = entries.filter { $0.value.expires > now }
                if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            }
            entries[key] = (now.addingTimeInterval(lifetime), value)
        }
        return value
    }

    public func forget(_ key: String) { _ = entries.withLock { $0.removeValue(forKey: key) } }
    public func clear() { entries.withLock { $0.removeAll() } }
}
