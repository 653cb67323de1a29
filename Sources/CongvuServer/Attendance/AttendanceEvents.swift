import CongvuDomain
import Foundation
import Synchronization

/// Tells live boards that something changed for people in a unit: a punch, a decided notice.
/// Each board subscribes with its unit's path and hears about changes anywhere in its subtree.
/// Boards are also computed once per change and shared by every viewer of the unit.
final class AttendanceEvents: Sendable {
    enum Signal: Sendable { case change, ping }

    struct Subscriber {
        let path: String
        let continuation: AsyncStream<Signal>.Continuation
    }

    struct Cached {
        let generation: Int
        let at: Date
        let value: BoardSnapshot
    }

    struct State {
        var subscribers: [UUID: Subscriber] = [:]
        /// Bumped on every change; a cached board of an older generation touching the path is stale.
        var generation = 0
        var changedAt: [String: Int] = [:]
        var boards: [Int64: Cached] = [:]
        var closed = false
    }

    private let state = Mutex(State())

    /// A stream of signals for a board of the unit at `path`, with a ping every `heartbeat`
    /// seconds so that a closed connection is noticed; ends when the caller stops listening.
    func subscribe(path: String, heartbeat: Duration = .seconds(15)) -> (AsyncStream<Signal>, @Sendable () -> Void) {
        let id = UUID()
        let (stream, continuation) = AsyncStream.makeStream(of: Signal.self, bufferingPolicy: .bufferingNewest(2))
        let open = state.withLock { s -> Bool in
            guard !s.closed else { return false }
            s.subscribers[id] = Subscriber(path: path, continuation: continuation)
            return true
        }
        if !open { continuation.finish() }
        let pinger = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: heartbeat)
                continuation.yield(.ping)
            }
        }
        let cancel: @Sendable () -> Void = { [weak self] in
            pinger.cancel()
            continuation.finish()
            _ = self?.state.withLock { $0.subscribers.removeValue(forKey: id) }
        }
        return (stream, cancel)
    }

    var subscriberCount: Int { state.withLock { $0.subscribers.count } }


    /// Ends every stream, now and from now on: the server is shutting down.
    func close() {
        let all = state.withLock { s -> [AsyncStream<Signal>.Continuation] in
            s.closed = true
            defer { s.subscribers.removeAll() }
            return s.subscribers.values.map(\.continuation)
        }
        for c in all { c.finish() }
    }

    /// Something changed for people posted at these unit paths.
    func publish(paths: [String]) {
        guard !paths.isEmpty else { return }
        let listeners = state.withLock { s -> [AsyncStream<Signal>.Continuation] in
            s.generation += 1
            for p in paths { s.changedAt[p] = s.generation }
            return s.subscribers.values.filter { sub in paths.contains { $0.hasPrefix(sub.path) } }.map(\.continuation)
        }
        for c in listeners { c.yield(.change) }
    }

    /// The board of a unit, computed at most once per change (and at least every `maxAge` seconds,
    /// since states like "not yet arrived" change with the clock alone).
    func board(unitID: Int64, path: String, maxAge: TimeInterval = 15, now: Date = Date(),
               compute: () async throws -> BoardSnapshot) async throws -> BoardSnapshot {
        let cached = state.withLock { s -> BoardSnapshot? in
            guard let c = s.boards[unitID], now.timeIntervalSince(c.at) < maxAge else { return nil }
            let stale = s.changedAt.contains { $0.key.hasPrefix(path) && $0.value > c.generation }
            return stale ? nil : c.value
        }
        if let cached { return cached }
        let generation = state.withLock { $0.generation }
        let value = try await compute()
        state.withLock { $0.boards[unitID] = Cached(generation: generation, at: now, value: value) }
        return value
    }
}

/// What a live board shows, as the page, the event stream and the API send it.
struct BoardSnapshot: Codable, Sendable {
    struct Count: Codable, Sendable {
        var state: String
        var label: String
        var count: Int
    }

    struct Entry: Codable, Sendable {
        var id: Int64
        var name: String
        var title: String
        var unit: String
        var state: String
        var label: String
        var lateMinutes: Int
        var checkIn: String?
        var checkOut: String?
        /// Where and why, for people out on a notice; the kind, for leave.
        var notice: String?
        var until: String?
        /// One line for the leaders' board: arrival and lateness, or the notice.
        var detail: String
    }

    var unitID: Int64
    var unitName: String
    var day: String
    var at: String
    var counts: [Count]
    var people: [Entry]
}
