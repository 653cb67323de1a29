@testable import CongvuServer
import CongvuTestSupport
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

    /// A live board shows a change after a quiet spell at once, changes in a row at most once per
    /// `gather`, and no board for changes already shown. Time is a hand-moved clock: the stream
    /// waits on it, so a loaded machine cannot make a board early or late.
    @Test func aStreamShowsALoneChangeAtOnceAndChangesInARowTogether() async throws {
        let events = AttendanceEvents()
        let (signals, cancel) = events.subscribe(path: "/1/2/", heartbeat: .seconds(600))
        let clock = ManualClock()
        final class Written: Sendable { let count = Mutex(0) }
        let written = Written()
        let stream = Task {
            try await BoardController.stream(signals: signals, generation: { events.generation }, gather: .milliseconds(150), clock: clock,
                                             board: { ByteBuffer(string: "event: board\n\n") },
                                             write: { _ in written.count.withLock { $0 += 1 } })
        }
        defer { cancel(); stream.cancel() }
        func boards() -> Int { written.count.withLock { $0 } }
        #expect(await eventually(30) { boards() == 1 })
        // A change after a quiet spell: its board with the clock standing still.
        clock.advance(by: .seconds(5))
        events.publish(paths: ["/1/2/7/"])
        #expect(await eventually(30) { boards() == 2 }, "a lone change waited for the clock")
        // Changes in a row right after it (the clock still where it was when that board went):
        // the stream waits out the gathering time on the clock, however many more come meanwhile,
        // then sends one board for them all.
        events.publish(paths: ["/1/2/7/"])
        _ = await eventually(30) { clock.sleepers > 0 || boards() > 2 }
        #expect(boards() == 2 && clock.sleepers == 1, "the changes in a row did not wait: \(boards()) boards")
        for _ in 0..<4 {
            clock.advance(by: .milliseconds(20))
            events.publish(paths: ["/1/2/7/"])
        }
        clock.advance(by: .milliseconds(69))
        try await Task.sleep(for: .milliseconds(50))
        #expect(boards() == 2, "a board before the gathering time was out")
        clock.advance(by: .milliseconds(1))
        #expect(await eventually(30) { boards() == 3 })
        // The five were all in that board: nothing more to send, however long the clock runs.
        try await Task.sleep(for: .milliseconds(300))
        clock.advance(by: .seconds(5))
        try await Task.sleep(for: .milliseconds(300))
        #expect(boards() == 3 && clock.sleepers == 0, "\(boards()) boards for the first, a lone change and five in a row")
    }
}
