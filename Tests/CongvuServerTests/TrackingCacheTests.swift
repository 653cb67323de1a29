@testable import CongvuServer
import CongvuDomain
import CongvuStore
import Foundation
import Synchronization
import Testing

@Suite struct TrackingCacheTests {
    func tracking(_ status: DossierStatus) -> PublicTracking {
        PublicTracking(code: "A-1", procedureName: "P", unitName: "U", status: status, initials: "A.", steps: [])
    }

    @Test func answersAreKeptForTheirLifetimeUnlessForgotten() async throws {
        let cache = TrackingCache(lifetime: 5, capacity: 100)
        let t0 = Date(timeIntervalSince1970: 1_800_000_000)
        let loads = Mutex(0)
        func look(_ at: TimeInterval, _ status: DossierStatus?) async throws -> PublicTracking? {
            try await cache.value("A-1", now: t0.addingTimeInterval(at)) {
                loads.withLock { $0 += 1 }
                return status.map(tracking)
            }
        }
        // Unknown codes are remembered too: a crawler does not reach the database each time.
        #expect(try await look(0, nil) == nil)
        #expect(try await look(1, .accepted) == nil)
        #expect(try await look(6, .accepted)?.status == .accepted)
        #expect(try await look(7, .delivered)?.status == .accepted)
        cache.forget("A-1")
        #expect(try await look(8, .delivered)?.status == .delivered)
        #expect(loads.withLock { $0 } == 3)
        // Without a lifetime every lookup loads.
        let none = TrackingCache(lifetime: 0, capacity: 100)
        for _ in 0..<3 { _ = try await none.value("A-1") { loads.withLock { $0 += 1 }; return nil } }
        #expect(loads.withLock { $0 } == 6)
    }

    @Test func aFullCacheDropsWhatExpiredThenEverything() async throws {
        let cache = TrackingCache(lifetime: 5, capacity: 2)
        let t0 = Date(timeIntervalSince1970: 1_800_000_000)
        _ = try await cache.value("A", now: t0) { nil }
        _ = try await cache.value("B", now: t0.addingTimeInterval(4)) { nil }
        // A has expired: it makes room for C; B is still kept.
        _ = try await cache.value("C", now: t0.addingTimeInterval(6)) { nil }
        var loaded = false
        _ = try await cache.value("B", now: t0.addingTimeInterval(7)) { loaded = true; return nil }
        #expect(!loaded)
    }
}
