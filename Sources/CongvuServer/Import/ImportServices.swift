import CongvuStore

/// Imports of people, units, procedures and dossiers: the store that applies them and the jobs running.
@dynamicMemberLookup
public struct ImportServices: FeatureServices {
    public let shared: SharedServices
    public let store: ImportStore
    public let jobs: ImportJobs

    init(shared: SharedServices) {
        self.shared = shared
        store = ImportStore(database: shared.database)
        jobs = ImportJobs(database: shared.database, node: shared.cluster.node.name)
    }
}
