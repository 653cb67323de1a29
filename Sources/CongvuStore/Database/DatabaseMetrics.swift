import Metrics

/// What `/metrics` says of the database (issue 26): how long each statement takes, and how long
/// work waits for a connection (PostgreSQL's pool, for reads and for transactions; SQLite's one
/// writer, for transactions: its readers never wait). Both are histograms in seconds by database.
enum DatabaseMetrics {
    static func statement(_ kind: DatabaseKind, since start: ContinuousClock.Instant) {
        Timer(label: "congvu_db_query_seconds", dimensions: [("database", kind.rawValue)]).recordNanoseconds(nanoseconds(since: start))
    }

    static func waited(_ kind: DatabaseKind, _ work: Work, since start: ContinuousClock.Instant) {
        Timer(label: "congvu_db_pool_wait_seconds", dimensions: [("database", kind.rawValue), ("work", work.rawValue)])
            .recordNanoseconds(nanoseconds(since: start))
    }

    enum Work: String { case read, write }

    private static func nanoseconds(since start: ContinuousClock.Instant) -> Int64 {
        let d = ContinuousClock.now - start
        return d.components.seconds * 1_000_000_000 + d.components.attoseconds / 1_000_000_000
    }
}
