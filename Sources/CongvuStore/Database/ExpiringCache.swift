import Foundation
import Synchronization

/// Values kept for a while by key, for reads that a burst of requests repeats: working calendars
/// (a minute) and public answers (kept under a stamp of what they were built from, or a few
/// seconds). Whoever changes what a value was built from forgets it; a change made by another
/// server shows when the value expires, unless the key carries a stamp read from the database. At
/// capacity the expired entries go first, then everything.
///
/// Requests that miss the same key at once wait for the first one's build instead of each building
/// it: a burst after a change costs one build, not one per request. A build that was under way when
/// its key was forgotten (or everything cleared) answers the requests that waited for it but is not
/// kept: it may have read what the change replaced.
public final class ExpiringCache<Value: Sendable>: Sendable {
    public let lifetime: TimeInterval
    public let capacity: Int

    private struct State {
        var entries: [String: (expires: Date, value: Value)] = [:]
        /// Keys being built, with the requests waiting for them (resumed with the value, or nil
        /// to look again).
        var building: [String: [CheckedContinuation<Value?, any Error>]] = [:]
        /// Counts `clear`: a build is kept only if none happened while it ran.
        var generation = 0
        /// Keys forgotten while being built: that build is not kept.
        var forgottenWhileBuilding: Set<String> = []
    }
    private let state = Mutex(State())
    private enum Step { case kept(Value), wait, build(generation: Int) }

    /// A lifetime of 0 keeps nothing: every read builds the value.
    public init(lifetime: TimeInterval, capacity: Int) {
        self.lifetime = lifetime
        self.capacity = capacity
    }

    /// The value kept under `key`, or the one being built for it, or `build`'s. A build that throws
    /// throws to every request that waited for it (they asked the same thing), and keeps nothing.
    public func value(_ key: String, now: Date = Date(), build: () async throws -> Value) async throws -> Value {
        guard lifetime > 0 else { return try await build() }
        while true {
            let step: Step = state.withLock { s in
                if let hit = s.entries[key], hit.expires > now { return .kept(hit.value) }
                if s.building[key] != nil { return .wait }
                s.building[key] = []
                return .build(generation: s.generation)
            }
            switch step {
            case .kept(let value):
                return value
            case .build(let generation):
                return try await buildAndShare(key, now: now, since: generation, build)
            case .wait:
                // Registered under the lock, or told that the build ended meanwhile (then look again).
                let waited: Value? = try await withCheckedThrowingContinuation { (c: CheckedContinuation<Value?, any Error>) in
                    let registered = state.withLock { s -> Bool in
                        guard s.building[key] != nil else { return false }
                        s.building[key]!.append(c)
                        return true
                    }
                    if !registered { c.resume(returning: nil) }
                }
                if let waited { return waited }
            }
        }
    }

    private func buildAndShare(_ key: String, now: Date, since generation: Int, _ build: () async throws -> Value) async throws -> Value {
        let result: Result<Value, any Error>
        do { result = .success(try await build()) } catch { result = .failure(error) }
        let waiting = state.withLock { s -> [CheckedContinuation<Value?, any Error>] in
            let stale = s.forgottenWhileBuilding.remove(key) != nil || s.generation != generation
            if case .success(let value) = result, !stale {
                if s.entries.count >= capacity {
                    s.entries = s.entries.filter { $0.value.expires > now }
                    if s.entries.count >= capacity { s.entries.removeAll(keepingCapacity: true) }
                }
                s.entries[key] = (now.addingTimeInterval(lifetime), value)
            }
            return s.building.removeValue(forKey: key) ?? []
        }
        for c in waiting { c.resume(with: result.map { Optional($0) }) }
        return try result.get()
    }

    public func forget(_ key: String) {
        state.withLock { s in
            s.entries.removeValue(forKey: key)
            if s.building[key] != nil { s.forgottenWhileBuilding.insert(key) }
        }
    }

    public func clear() {
        state.withLock { s in
            s.entries.removeAll()
            s.generation += 1
        }
    }
}
