@testable import CongvuServer
import Foundation
import Hummingbird
import Synchronization
import Testing

/// Live boards are computed once per change, whoever asks, and change streams reach the boards above.
@Suite struct AttendanceEventsTests {
    func board(_ n: Int) -> BoardSnapshot {
        BoardSnapshot(unitID: 1, unitName: "UBND", day: "2026-06-05", at: "07:0\(n)", counts: [], people: [])
    }

    @Test func manyViewersShareOneComputation() async throws {
        let events = AttendanceEvents()
        let computed = Mutex(0)
        let compute: @Sendable () async throws -> BoardSnapshot = {
            let n = computed.withLock { c -> Int in c += 1; return c }
            try await Task.sleep(for: .milliseconds(50))
            return self.board(n)
        }
        let boards = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<50 { group.addTask { try await events.board(unitID: 1, path: "/1/2/", compute: compute).snapshot.at } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(computed.withLock { $0 } == 1)
        #expect(Set(boards) == ["07:01"])
        // Cached until something changes below the unit.
        #expect(try await events.board(unitID: 1, path: "/1/2/", compute: compute).snapshot.at == "07:01")
        events.publish(paths: ["/1/9/"])  // elsewhere: still cached
        #expect(try await events.board(unitID: 1, path: "/1/2/", compute: compute).snapshot.at == "07:01")
        events.publish(paths: ["/1/2/5/"])
        // A poll may take the previous board at once; a stream waits for the new one.
        #expect(try await events.board(unitID: 1, path: "/1/2/", stale: true, compute: compute).snapshot.at == "07:01")
        #expect(try await events.board(unitID: 1, path: "/1/2/", compute: compute).snapshot.at == "07:02")
        #expect(computed.withLock { $0 } == 2)
    }

    @Test func streamsHearChangesInTheirSubtreeAndEndOnClose() async throws {
        let events = AttendanceEvents()
        let (commune, cancelCommune) = events.subscribe(path: "/1/2/", heartbeat: .seconds(60))
        let (other, cancelOther) = events.subscribe(path: "/1/3/", heartbeat: .seconds(60))
        defer { cancelCommune(); cancelOther() }
        events.publish(paths: ["/1/2/7/"])
        var heard = commune.makeAsyncIterator()
        if case .change? = await heard.next() {} else { Issue.record("the commune's board did not hear the change") }
        events.close()
        #expect(await heard.next() == nil)
        var otherHeard = other.makeAsyncIterator()
        #expect(await otherHeard.next() == nil)  // closed without ever hearing the commune's change
        #expect(events.subscriberCount == 0)
    }

    /// A live board shows a change after a quiet spell at once, and changes in a row at most once
    /// per `gather` (here 2 s, so that the timings hold on a loaded machine).
    @Test func aStreamShowsALoneChangeAtOnceAndChangesInARowTogether() async throws {
        let events = AttendanceEvents()
        let (signals, cancel) = events.subscribe(path: "/1/2/", heartbeat: .seconds(60))
        let clock = ContinuousClock()
        final class Written: Sendable { let times = Mutex<[ContinuousClock.Instant]>([]) }
        let written = Written()
        let stream = Task {
            try await BoardController.stream(signals: signals, gather: .seconds(2), board: { ByteBuffer(string: "event: board\n\n") },
                                             write: { _ in written.times.withLock { $0.append(clock.now) } })
        }
        defer { cancel(); stream.cancel() }
        func boards() -> [ContinuousClock.Instant] { written.times.withLock { $0 } }
        func waitFor(_ n: Int, within limit: Duration) async throws -> ContinuousClock.Instant? {
            let end = clock.now + limit
            while clock.now < end {
                if boards().count >= n { return boards()[n - 1] }
                try await Task.sleep(for: .milliseconds(5))
            }
            return nil
        }
        #expect(try await waitFor(1, within: .seconds(5)) != nil)
        // A change after a quiet spell: shown without waiting out the gathering time.
        try await Task.sleep(for: .milliseconds(2500))
        let lone = clock.now
        events.publish(paths: ["/1/2/7/"])
        let shown = try #require(try await waitFor(2, within: .seconds(5)))
        #expect(shown - lone < .seconds(1), "a lone change waited \(shown - lone)")
        // Five changes in a row, 100 ms apart, right after it: one board for the five, a gathering
        // time after the last (the changes still waiting when it was asked for are in it).
        for _ in 0..<5 {
            try await Task.sleep(for: .milliseconds(100))
            events.publish(paths: ["/1/2/7/"])
        }
        let third = try #require(try await waitFor(3, within: .seconds(8)))
        #expect(third - shown >= .milliseconds(1950), "boards \(third - shown) apart")
        try await Task.sleep(for: .milliseconds(2500))
        #expect(boards().count == 3, "\(boards().count) boards: the first, a lone change's and five in a row's")
    }
}
