import CongvuStore

/// Imports of people, units, procedures and dossiers: the store that applies them and the jobs running.
@dynamicMemberLookup
public struct ImportServices: FeatureServices {
    public let shared: SharedServices
    public let store: ImportStore
    public let jobs: ImportJobs
    /// Public tracking remembers codes it did not find: an import of dossiers clears it.
    let trackingCache: TrackingCache

    init(shared: SharedServices, trackingCache: TrackingCache) {
        self.shared = shared
        self.trackingCache = trackingCache
        store = ImportStore(database: shared.database)
        jobs = ImportJobs()
    }
}
