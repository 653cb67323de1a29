import CongvuDomain
import Foundation
import Synchronization

/// Working calendars kept a minute per unit and range of years: building one reads the office
/// hours and special days of the unit and its ancestors and computes day tables, and intake,
/// transfers and apology alerts need one each time. Every calendar change made through
/// `CalendarStore` clears them; a change made by another server shows within the minute.
public final class CalendarCache: Sendable {
    let lifetime: TimeInterval
    let capacity: Int
    private let entries = Mutex<[String: (built: Date, calendar: WorkCalendar)]>([:])

    init(lifetime: TimeInterval = 60, capacity: Int = 2_000) {
        self.lifetime = lifetime
        self.capacity = capacity
    }

    func calendar(_ key: String, now: Date = Date(), build: () async throws -> WorkCalendar) async throws -> WorkCalendar {
        if let hit = entries.withLock({ $0[key] }), now.timeIntervalSince(hit.built) < lifetime { return hit.calendar }
        let calendar = try await build()
        entries.withLock { entries in
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[key] = (now, calendar)
        }
        return calendar
    }

    public func clear() { entries.withLock { $0.removeAll() } }
}
