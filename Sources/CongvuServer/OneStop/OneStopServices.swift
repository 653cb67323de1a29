import CongvuDomain
import CongvuStore
import Foundation

/// The one-stop desk's stores and the public tracking's limiter and cache.
@dynamicMemberLookup
public struct OneStopServices: FeatureServices {
    public let shared: SharedServices
    public let dossiers: DossierStore
    public let procedures: ProcedureStore
    /// Public dossier tracking, per address.
    let trackingLimiter: RateLimiter
    let trackingCache: TrackingCache

    init(shared: SharedServices) {
        self.shared = shared
        dossiers = DossierStore(database: shared.database)
        procedures = ProcedureStore(database: shared.database)
        trackingLimiter = RateLimiter(perMinute: shared.config.trackingPerMinute)
        trackingCache = TrackingCache(lifetime: TimeInterval(shared.config.trackingCacheSeconds), capacity: 50_000)
    }
}
