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
        // A dossier's public answer changed here or on another node: every node forgets it.
        let cache = trackingCache
        shared.database.changes.on(.dossier) { code in if code == "*" { cache.clear() } else { cache.forget(code) } }
    }
}
