import Foundation

/// The schedules feature's steps of the schema (issue 22), in the one ordered list `Schema.all`.
extension Schema {
    /// Work schedule entries (drafted, published, cancelled) with their participants and an
    /// append-only history of every change after publication; the citizen reception log.
    static let schedules = Migration(version: 33, name: "schedules") { kind in
        [
            """
            CREATE TABLE schedule_entries (
                id {ID},
                unit_id BIGINT NOT NULL REFERENCES units(id),
                day TEXT NOT NULL,
                start_time TEXT NOT NULL,
                end_time TEXT NOT NULL,
                content TEXT NOT NULL,
                place TEXT NOT NULL DEFAULT '',
                chair_id BIGINT REFERENCES people(id),
                preparing_unit_id BIGINT REFERENCES units(id),
                away INTEGER NOT NULL DEFAULT 0,
                meeting_url TEXT NOT NULL DEFAULT '',
                reception INTEGER NOT NULL DEFAULT 0,
                status TEXT NOT NULL,
                sequence INTEGER NOT NULL DEFAULT 0,
                created_at TEXT NOT NULL,
                updated_at TEXT NOT NULL,
                published_at TEXT,
                version INTEGER NOT NULL DEFAULT 1)
            """,
            "CREATE INDEX schedule_entries_unit_day ON schedule_entries(unit_id, day)",
            "CREATE INDEX schedule_entries_chair_day ON schedule_entries(chair_id, day) WHERE chair_id IS NOT NULL",
            """
            CREATE TABLE schedule_participants (
                entry_id BIGINT NOT NULL REFERENCES schedule_entries(id),
                person_id BIGINT REFERENCES people(id),
                unit_id BIGINT REFERENCES units(id))
            """,
            "CREATE INDEX schedule_participants_entry ON schedule_participants(entry_id)",
            """
            CREATE TABLE schedule_changes (
                id {ID},
                entry_id BIGINT NOT NULL REFERENCES schedule_entries(id),
                at TEXT NOT NULL,
                actor_name TEXT NOT NULL,
                fields TEXT NOT NULL,
                before_json TEXT NOT NULL,
                after_json TEXT NOT NULL)
            """,
            "CREATE INDEX schedule_changes_entry ON schedule_changes(entry_id, id)",
            """
            CREATE TABLE reception_log (
                id {ID},
                unit_id BIGINT NOT NULL REFERENCES units(id),
                day TEXT NOT NULL,
                receiver_id BIGINT NOT NULL REFERENCES people(id),
                citizen_name TEXT NOT NULL,
                citizen_address TEXT NOT NULL DEFAULT '',
                citizen_id TEXT NOT NULL DEFAULT '',
                content TEXT NOT NULL,
                classification TEXT NOT NULL,
                handling TEXT NOT NULL,
                forwarded_to TEXT NOT NULL DEFAULT '',
                task_id BIGINT REFERENCES tasks(id),
                created_at TEXT NOT NULL,
                created_by TEXT NOT NULL)
            """,
            "CREATE INDEX reception_log_unit_day ON reception_log(unit_id, day)",
        ] + appendOnly("schedule_changes", kind)
    }
}
