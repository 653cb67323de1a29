import CongvuStore
import Foundation
import Testing

/// The cache of public answers: kept for its lifetime, built once for a burst of requests that miss
/// the same key together, and never keeping a failed build.
@Suite struct ExpiringCacheTests {
    actor Builds {
        var count = 0
        func next() -> Int { count += 1; return count }
    }

    struct Refused: Error, Equatable {}

    @Test func aBurstOfMissesOnOneKeyBuildsItOnce() async throws {
        let cache = ExpiringCache<Int>(lifetime: 60, capacity: 10)
        let builds = Builds()
        let values = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<24 {
                group.addTask {
                    try await cache.value("k") {
                        let n = await builds.next()
                        try await Task.sleep(for: .milliseconds(100))
                        return n * 10
                    }
                }
            }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(values.count == 24 && Set(values) == [10], "every request has the one build's value")
        #expect(await builds.count == 1)
        // Another key is built on its own; the kept one is not built again.
        #expect(try await cache.value("other") { await builds.next() } == 2)
        #expect(try await cache.value("k") { await builds.next() } == 10)
    }

    @Test func aFailedBuildFailsThoseWhoWaitedAndKeepsNothing() async throws {
        let cache = ExpiringCache<Int>(lifetime: 60, capacity: 10)
        let builds = Builds()
        let outcomes = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    do {
                        _ = try await cache.value("k") {
                            _ = await builds.next()
                            try await Task.sleep(for: .milliseconds(100))
                            throw Refused()
                        }
                        return false
                    } catch { return error is Refused }
                }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        let built = await builds.count
        #expect(outcomes == Array(repeating: true, count: 8) && built == 1)
        #expect(try await cache.value("k") { 7 } == 7, "the next request builds afresh")
    }

    @Test func valuesExpireAndALifetimeOfZeroKeepsNothing() async throws {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let cache = ExpiringCache<Int>(lifetime: 60, capacity: 10)
        #expect(try await cache.value("k", now: now) { 1 } == 1)
        #expect(try await cache.value("k", now: now.addingTimeInterval(59)) { 2 } == 1)
        #expect(try await cache.value("k", now: now.addingTimeInterval(61)) { 3 } == 3)
        cache.forget("k")
        #expect(try await cache.value("k", now: now.addingTimeInterval(62)) { 4 } == 4)
        let none = ExpiringCache<Int>(lifetime: 0, capacity: 10)
        #expect(try await none.value("k") { 1 } == 1)
        #expect(try await none.value("k") { 2 } == 2)
    }

    /// A change that lands while a value is being built: the build may have read what the change
    /// replaced, so it answers its own requests but is not kept for the next ones.
    @Test func aBuildUnderWayWhenItsKeyIsForgottenIsNotKept() async throws {
        let cache = ExpiringCache<Int>(lifetime: 60, capacity: 10)
        /// Starts building `key` as `value` and returns once the build is under way, with what ends it.
        func buildHeldOpen(_ key: String, _ value: Int) async -> (Task<Int, any Error>, @Sendable () -> Void) {
            let (started, didStart) = AsyncStream<Void>.makeStream()
            let (release, doRelease) = AsyncStream<Void>.makeStream()
            let task = Task {
                try await cache.value(key) {
                    didStart.yield()
                    for await _ in release { break }
                    return value
                }
            }
            for await _ in started { break }
            return (task, { doRelease.yield() })
        }
        let (old, finish) = await buildHeldOpen("k", 1)
        cache.clear()
        finish()
        #expect(try await old.value == 1)
        #expect(try await cache.value("k") { 2 } == 2, "the value built before the change was not kept")
        #expect(try await cache.value("k") { 3 } == 2, "a value built after it is")
        // Forgetting one key spares the builds of the others.
        let (forgotten, finishForgotten) = await buildHeldOpen("j", 10)
        let (spared, finishSpared) = await buildHeldOpen("i", 5)
        cache.forget("j")
        finishForgotten()
        finishSpared()
        #expect(try await forgotten.value == 10)
        #expect(try await spared.value == 5)
        #expect(try await cache.value("j") { 20 } == 20, "the forgotten key's build was not kept")
        #expect(try await cache.value("i") { 6 } == 5, "the other key's was")
    }
}
