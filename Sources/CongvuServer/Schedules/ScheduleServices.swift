import CongvuDomain
import CongvuStore
import Foundation
import Hummingbird

/// Work schedules and citizen reception (issue 22): the store and the limit on the public pages.
@dynamicMemberLookup
public struct ScheduleServices: FeatureServices {
    public let shared: SharedServices
    public let store: ScheduleStore
    /// Requests per address and minute to the public schedule pages and feeds.
    let limiter: RateLimiter

    init(shared: SharedServices) {
        self.shared = shared
        store = ScheduleStore(database: shared.database)
        limiter = RateLimiter(perMinute: shared.config.trackingPerMinute)
    }
}
