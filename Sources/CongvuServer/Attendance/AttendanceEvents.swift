import CongvuDomain
import Foundation
import NIOCore
import Synchronization

/// Tells live boards that something changed for people in a unit: a punch, a decided notice.
/// Each board subscribes with its unit's path and hears about changes anywhere in its subtree.
/// Boards are also computed once per change and shared by every viewer of the unit.
final class AttendanceEvents: Sendable {
    /// A change, with the generation it made (a board asked for from then on shows it), or a ping.
    enum Signal: Sendable { case change(Int), ping }

    struct Subscriber {
        let path: String
        let continuation: AsyncStream<Signal>.Continuation
    }

    struct Cached {
        let generation: Int
        let at: Date
        let value: SharedBoard
    }

    struct InFlight {
        let generation: Int
        let task: Task<SharedBoard, any Error>
    }

    struct State {
        var subscribers: [UUID: Subscriber] = [:]
        /// Bumped on every change; a cached board of an older generation touching the path is stale.
        var generation = 0
        var changedAt: [String: Int] = [:]
        var boards: [Int64: Cached] = [:]
        var computing: [Int64: InFlight] = [:]
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

    /// The changes published so far: a board asked for now shows every one of them.
    var generation: Int { state.withLock { $0.generation } }

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
        let (generation, listeners) = state.withLock { s -> (Int, [AsyncStream<Signal>.Continuation]) in
            s.generation += 1
            for p in paths { s.changedAt[p] = s.generation }
            return (s.generation, s.subscribers.values.filter { sub in paths.contains { $0.hasPrefix(sub.path) } }.map(\.continuation))
        }
        for c in listeners { c.yield(.change(generation)) }
    }

    /// Something changed without saying where (a change too long to send whole): every board is
    /// computed again and every viewer told.
    func publishEverywhere() {
        let (generation, listeners) = state.withLock { s -> (Int, [AsyncStream<Signal>.Continuation]) in
            s.generation += 1
            s.boards.removeAll()
            return (s.generation, s.subscribers.values.map(\.continuation))
        }
        for c in listeners { c.yield(.change(generation)) }
    }

    /// The board of a unit, computed at most once per change however many viewers ask at once
    /// (they wait for the same computation), and at least every `maxAge` seconds, since states
    /// like "not yet arrived" change with the clock alone. With `stale` a caller that can live with
    /// the previous board for a moment (a page load, a poll) gets it at once while the new one is
    /// computed; event streams wait for the new one.
    func board(unitID: Int64, path: String, stale: Bool = false, maxAge: TimeInterval = 15, now: Date = Date(),
               compute: @escaping @Sendable () async throws -> BoardSnapshot) async throws -> SharedBoard {
        enum Next { case ready(SharedBoard), wait(InFlight) }
        let next = state.withLock { s -> Next in
            let changed = s.changedAt.filter { $0.key.hasPrefix(path) }.map(\.value).max() ?? 0
            let cached = s.boards[unitID]
            if let c = cached, now.timeIntervalSince(c.at) < maxAge, c.generation >= changed { return .ready(c.value) }
            let flight: InFlight
            if let f = s.computing[unitID], f.generation >= changed {
                flight = f
            } else {
                flight = InFlight(generation: s.generation, task: Task { try SharedBoard(try await compute()) })
                s.computing[unitID] = flight
            }
            if stale, let c = cached, now.timeIntervalSince(c.at) < 2 * maxAge {
                self.settle(flight, unitID: unitID, now: now)
                return .ready(c.value)
            }
            return .wait(flight)
        }
        switch next {
        case .ready(let board): return board
        case .wait(let flight): return try await finish(flight, unitID: unitID, now: now)
        }
    }

    /// Stores a computation's result when it ends, without anyone waiting for it.
    private func settle(_ flight: InFlight, unitID: Int64, now: Date) {
        Task { _ = try? await finish(flight, unitID: unitID, now: now) }
    }

    private func finish(_ flight: InFlight, unitID: Int64, now: Date) async throws -> SharedBoard {
        let result = await flight.task.result
        state.withLock { s in
            if s.computing[unitID]?.generation == flight.generation { s.computing[unitID] = nil }
            if case .success(let board) = result, (s.boards[unitID]?.generation ?? -1) <= flight.generation {
                s.boards[unitID] = Cached(generation: flight.generation, at: now, value: board)
            }
        }
        return try result.get()
    }
}

/// A board with its JSON, encoded once for every viewer.
struct SharedBoard: Sendable {
    let snapshot: BoardSnapshot
    let json: String
    /// The server-sent event, built once: every viewer's write shares these bytes.
    let event: ByteBuffer

    init(_ snapshot: BoardSnapshot) throws {
        self.snapshot = snapshot
        self.json = String(decoding: try AppRequestContext.json(snapshot), as: UTF8.self)
        self.event = ByteBuffer(string: "event: board\ndata: \(json)\n\n")
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
        /// The terminal's photo of their latest punch today, if any.
        var photo: String?
    }

    var unitID: Int64
    var unitName: String
    var day: String
    var at: String
    var counts: [Count]
    var people: [Entry]
}
