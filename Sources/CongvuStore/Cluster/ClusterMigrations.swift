extension Schema {
    /// Several nodes on one PostgreSQL (issue 25): the nodes with their heartbeats, and the claims
    /// that make scheduled work run once per cluster (a job and its slot, held by one node under a
    /// lease that another node takes over when it runs out).
    static let cluster = Migration(version: 43, name: "cluster", sql: [
        """
        CREATE TABLE nodes (
            name TEXT PRIMARY KEY, roles TEXT NOT NULL, site TEXT NOT NULL DEFAULT '', version TEXT NOT NULL,
            schema_step INTEGER NOT NULL, address TEXT NOT NULL DEFAULT '', started_at TEXT NOT NULL, heartbeat_at TEXT NOT NULL)
        """,
        """
        CREATE TABLE job_claims (
            job TEXT NOT NULL, slot TEXT NOT NULL, node TEXT NOT NULL, token TEXT NOT NULL, claimed_at TEXT NOT NULL,
            lease_until TEXT NOT NULL, finished_at TEXT, result TEXT NOT NULL DEFAULT '', attempts INTEGER NOT NULL DEFAULT 1,
            PRIMARY KEY (job, slot))
        """,
    ])

    /// Import jobs in the database (issue 25): their progress seen from any node, their report kept
    /// with the rows they wrote, and a job whose node died reported failed.
    static let importJobs = Migration(version: 44, name: "import_jobs", sql: [
        """
        CREATE TABLE import_jobs (
            id TEXT PRIMARY KEY, owner_id BIGINT NOT NULL REFERENCES users(id), kind TEXT NOT NULL, dry_run BOOLEAN NOT NULL,
            node TEXT NOT NULL, state TEXT NOT NULL, done INTEGER NOT NULL DEFAULT 0, total INTEGER NOT NULL DEFAULT 0,
            report TEXT NOT NULL DEFAULT '', failure TEXT NOT NULL DEFAULT '', started_at TEXT NOT NULL, updated_at TEXT NOT NULL)
        """,
        "CREATE INDEX import_jobs_state ON import_jobs(state)",
    ])
}
