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

extension Schema {
    /// The rest of issue 22: a reception's result and its date, a meeting's agenda, files, the
    /// participant units' attendance and the secretary's conclusions (each may become a task), and
    /// what a one-stop counter posts for citizens (working hours, receiving and returning days per
    /// field, the leaders' hotlines).
    static let meetingsAndNotices = Migration(version: 34, name: "meetings_and_notices") { kind in
        [
            "ALTER TABLE reception_log ADD COLUMN result TEXT NOT NULL DEFAULT ''",
            "ALTER TABLE reception_log ADD COLUMN result_day TEXT",
            "ALTER TABLE reception_log ADD COLUMN version INTEGER NOT NULL DEFAULT 1",
            "ALTER TABLE schedule_entries ADD COLUMN agenda TEXT NOT NULL DEFAULT ''",
            """
            CREATE TABLE meeting_files (
                id {ID},
                entry_id BIGINT NOT NULL REFERENCES schedule_entries(id),
                file TEXT NOT NULL,
                name TEXT NOT NULL,
                uploaded_at TEXT NOT NULL,
                uploaded_by TEXT NOT NULL)
            """,
            "CREATE INDEX meeting_files_entry ON meeting_files(entry_id)",
            """
            CREATE TABLE meeting_attendance (
                id {ID},
                entry_id BIGINT NOT NULL REFERENCES schedule_entries(id),
                unit_id BIGINT NOT NULL REFERENCES units(id),
                attendees TEXT NOT NULL,
                online INTEGER NOT NULL DEFAULT 0,
                marked_at TEXT NOT NULL,
                marked_by TEXT NOT NULL)
            """,
            "CREATE INDEX meeting_attendance_entry ON meeting_attendance(entry_id, unit_id, id)",
            """
            CREATE TABLE meeting_conclusions (
                id {ID},
                entry_id BIGINT NOT NULL REFERENCES schedule_entries(id),
                text TEXT NOT NULL,
                task_id BIGINT REFERENCES tasks(id),
                created_at TEXT NOT NULL,
                created_by TEXT NOT NULL)
            """,
            "CREATE INDEX meeting_conclusions_entry ON meeting_conclusions(entry_id, id)",
            """
            CREATE TABLE counter_notices (
                id {ID},
                unit_id BIGINT NOT NULL REFERENCES units(id),
                field TEXT NOT NULL,
                working_hours TEXT NOT NULL,
                receiving_days TEXT NOT NULL,
                returning_days TEXT NOT NULL,
                position INTEGER NOT NULL DEFAULT 0)
            """,
            "CREATE INDEX counter_notices_unit ON counter_notices(unit_id, position)",
            """
            CREATE TABLE counter_hotlines (
                id {ID},
                unit_id BIGINT NOT NULL REFERENCES units(id),
                name TEXT NOT NULL,
                title TEXT NOT NULL,
                phone TEXT NOT NULL,
                position INTEGER NOT NULL DEFAULT 0)
            """,
            "CREATE INDEX counter_hotlines_unit ON counter_hotlines(unit_id, position)",
        ] + appendOnly("meeting_attendance", kind)
    }
}

extension Schema {
    /// Leaders' regular citizen reception days: dated rules the week's drafts are made from.
    static let receptionDays = Migration(version: 35, name: "reception_days") { _ in
        [
            """
            CREATE TABLE reception_days (
                id {ID},
                unit_id BIGINT NOT NULL REFERENCES units(id),
                chair_id BIGINT NOT NULL REFERENCES people(id),
                weekday INTEGER NOT NULL,
                nth INTEGER NOT NULL DEFAULT 0,
                start_time TEXT NOT NULL,
                end_time TEXT NOT NULL,
                place TEXT NOT NULL DEFAULT '',
                valid_from TEXT NOT NULL,
                valid_to TEXT)
            """,
            "CREATE INDEX reception_days_unit ON reception_days(unit_id)",
        ]
    }
}
