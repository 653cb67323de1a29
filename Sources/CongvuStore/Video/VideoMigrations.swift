import Foundation

/// The video feature's steps of the schema, in the one ordered list `Schema.all`. Never edit a
/// released step: add a new one (here, and to `Schema.all`).
extension Schema {
    /// Cameras (credentials sealed), the index of recorded segments, what the recorders went through,
    /// footage locked against retention, per-camera rights, the log of every viewing and export, and
    /// the snapshots taken at punches.
    static let cameras = Migration(version: 13, name: "cameras") { kind in
        var sql = [
            """
            CREATE TABLE cameras (
                id {ID},
                unit_id BIGINT NOT NULL REFERENCES units(id),
                name TEXT NOT NULL,
                brand TEXT NOT NULL,
                host TEXT NOT NULL DEFAULT '',
                rtsp_port INTEGER NOT NULL DEFAULT 554,
                http_port INTEGER NOT NULL DEFAULT 80,
                channel INTEGER NOT NULL DEFAULT 1,
                username TEXT NOT NULL DEFAULT '',
                password_sealed TEXT NOT NULL DEFAULT '',
                main_url TEXT NOT NULL DEFAULT '',
                sub_url TEXT NOT NULL DEFAULT '',
                snapshot_url TEXT NOT NULL DEFAULT '',
                recording BOOLEAN NOT NULL DEFAULT TRUE,
                retention_days INTEGER NOT NULL DEFAULT 30,
                terminal_serial TEXT,
                active BOOLEAN NOT NULL DEFAULT TRUE,
                created_at TEXT NOT NULL,
                updated_at TEXT NOT NULL)
            """,
            "CREATE INDEX cameras_unit ON cameras(unit_id)",
            """
            CREATE TABLE camera_segments (
                id {ID},
                camera_id BIGINT NOT NULL REFERENCES cameras(id),
                start_at TEXT NOT NULL,
                end_at TEXT NOT NULL,
                bytes BIGINT NOT NULL,
                path TEXT NOT NULL UNIQUE)
            """,
            "CREATE INDEX camera_segments_time ON camera_segments(camera_id, start_at)",
            "CREATE INDEX camera_segments_age ON camera_segments(start_at)",
            """
            CREATE TABLE camera_events (
                id {ID},
                camera_id BIGINT NOT NULL REFERENCES cameras(id),
                stream TEXT NOT NULL,
                kind TEXT NOT NULL,
                occurred_at TEXT NOT NULL,
                detail TEXT NOT NULL DEFAULT '')
            """,
            "CREATE INDEX camera_events_camera ON camera_events(camera_id, occurred_at)",
            """
            CREATE TABLE camera_locks (
                id {ID},
                camera_id BIGINT NOT NULL REFERENCES cameras(id),
                start_at TEXT NOT NULL,
                end_at TEXT NOT NULL,
                reason TEXT NOT NULL,
                locked_by BIGINT REFERENCES users(id),
                locked_at TEXT NOT NULL)
            """,
            "CREATE INDEX camera_locks_camera ON camera_locks(camera_id, start_at)",
            """
            CREATE TABLE camera_grants (
                id {ID},
                camera_id BIGINT NOT NULL REFERENCES cameras(id),
                user_id BIGINT REFERENCES users(id),
                role TEXT,
                rights TEXT NOT NULL,
                granted_by BIGINT REFERENCES users(id),
                granted_at TEXT NOT NULL)
            """,
            "CREATE INDEX camera_grants_camera ON camera_grants(camera_id)",
            """
            CREATE TABLE camera_views (
                id {ID},
                camera_id BIGINT NOT NULL REFERENCES cameras(id),
                user_id BIGINT REFERENCES users(id),
                user_name TEXT NOT NULL,
                kind TEXT NOT NULL,
                started_at TEXT NOT NULL,
                seconds DOUBLE PRECISION NOT NULL DEFAULT 0,
                detail TEXT NOT NULL DEFAULT '')
            """,
            "CREATE INDEX camera_views_time ON camera_views(started_at)",
            "CREATE INDEX camera_views_camera ON camera_views(camera_id, started_at)",
            """
            CREATE TABLE camera_alerts (
                id {ID},
                camera_id BIGINT REFERENCES cameras(id),
                kind TEXT NOT NULL,
                detail TEXT NOT NULL DEFAULT '',
                dedupe TEXT NOT NULL UNIQUE,
                raised_at TEXT NOT NULL,
                resolved_at TEXT)
            """,
            """
            CREATE TABLE punch_snapshots (
                punch_key TEXT PRIMARY KEY,
                camera_id BIGINT NOT NULL REFERENCES cameras(id),
                sha256 TEXT NOT NULL,
                taken_at TEXT NOT NULL)
            """,
            "CREATE INDEX punch_snapshots_taken ON punch_snapshots(taken_at)",
        ]
        sql += appendOnly("camera_views", kind)
        return sql
    }

    /// Which node's disk holds each segment (issue 25): playback, clips and retention on several
    /// recorder nodes. Segments indexed before are the single node's ('').
    static let segmentNodes = Migration(version: 45, name: "segment_nodes", sql: [
        "ALTER TABLE camera_segments ADD COLUMN node TEXT NOT NULL DEFAULT ''",
    ])
}
