@testable import CongvuServer
import Foundation
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
}
