import Foundation

/// The tasks feature's steps of the schema, in the one ordered list `Schema.all`. Never edit a
/// released step: add a new one (here, and to `Schema.all`).
extension Schema {
    /// Tasks in writing: numbered per unit and year, one lead, co-operating people and watchers,
    /// a deadline that extensions move (the first kept), an append-only history of every step.
    static let tasks = Migration(version: 20, name: "tasks") { kind in
        [
            """
            CREATE TABLE tasks (
                id {ID},
                unit_id BIGINT NOT NULL REFERENCES units(id),
                year INTEGER NOT NULL,
                number INTEGER NOT NULL,
                title TEXT NOT NULL,
                search_key TEXT NOT NULL,
                content TEXT NOT NULL DEFAULT '',
                source_kind TEXT NOT NULL DEFAULT 'none',
                source_reference TEXT NOT NULL DEFAULT '',
                source_date TEXT,
                source_record_type TEXT NOT NULL DEFAULT '',
                source_record_id BIGINT,
                assigner_id BIGINT NOT NULL REFERENCES people(id),
                owner_id BIGINT NOT NULL REFERENCES people(id),
                priority TEXT NOT NULL,
                assigned_at TEXT NOT NULL,
                due TEXT NOT NULL,
                original_due TEXT NOT NULL,
                status TEXT NOT NULL,
                acknowledged_at TEXT,
                reported_at TEXT,
                closed_at TEXT,
                percent INTEGER NOT NULL DEFAULT 0,
                quality TEXT,
                extension_due TEXT,
                extension_reason TEXT NOT NULL DEFAULT '',
                parent_id BIGINT REFERENCES tasks(id),
                version INTEGER NOT NULL DEFAULT 1,
                UNIQUE (unit_id, year, number))
            """,
            "CREATE INDEX tasks_owner ON tasks(owner_id, status, due)",
            "CREATE INDEX tasks_unit ON tasks(unit_id, status, due)",
            "CREATE INDEX tasks_source ON tasks(source_record_type, source_record_id) WHERE source_record_id IS NOT NULL",
            """
            CREATE TABLE task_people (
                task_id BIGINT NOT NULL REFERENCES tasks(id),
                person_id BIGINT NOT NULL REFERENCES people(id),
                role TEXT NOT NULL,
                PRIMARY KEY (task_id, person_id, role))
            """,
            "CREATE INDEX task_people_person ON task_people(person_id)",
            """
            CREATE TABLE task_events (
                id {ID},
                task_id BIGINT NOT NULL REFERENCES tasks(id),
                at TEXT NOT NULL,
                actor_id BIGINT,
                actor_name TEXT NOT NULL,
                action TEXT NOT NULL,
                from_status TEXT NOT NULL,
                to_status TEXT NOT NULL,
                percent INTEGER,
                note TEXT NOT NULL DEFAULT '',
                from_due TEXT,
                to_due TEXT,
                from_owner BIGINT,
                to_owner BIGINT,
                quality TEXT)
            """,
            "CREATE INDEX task_events_task ON task_events(task_id, id)",
            "CREATE INDEX task_events_at ON task_events(at)",
            """
            CREATE TABLE task_sequences (
                unit_id BIGINT NOT NULL,
                year INTEGER NOT NULL,
                last_number INTEGER NOT NULL,
                PRIMARY KEY (unit_id, year))
            """,
        ] + appendOnly("task_events", kind)
    }

    /// The Weekly Duty Book: one per department and week, comments per task, a summary, locked once
    /// submitted; corrections after that are dated addenda (append-only).
    static let dutyBooks = Migration(version: 21, name: "duty_books") { kind in
        [
            """
            CREATE TABLE duty_books (
                id {ID},
                unit_id BIGINT NOT NULL REFERENCES units(id),
                week_start TEXT NOT NULL,
                strengths TEXT NOT NULL DEFAULT '',
                weaknesses TEXT NOT NULL DEFAULT '',
                submitted_at TEXT,
                submitted_by TEXT NOT NULL DEFAULT '',
                updated_at TEXT NOT NULL,
                version INTEGER NOT NULL DEFAULT 1,
                UNIQUE (unit_id, week_start))
            """,
            "CREATE INDEX duty_books_week ON duty_books(week_start)",
            """
            CREATE TABLE duty_book_comments (
                book_id BIGINT NOT NULL REFERENCES duty_books(id),
                task_id BIGINT NOT NULL REFERENCES tasks(id),
                comment TEXT NOT NULL,
                PRIMARY KEY (book_id, task_id))
            """,
            """
            CREATE TABLE duty_book_addenda (
                id {ID},
                book_id BIGINT NOT NULL REFERENCES duty_books(id),
                at TEXT NOT NULL,
                actor_name TEXT NOT NULL,
                text TEXT NOT NULL)
            """,
            "CREATE INDEX duty_book_addenda_book ON duty_book_addenda(book_id, id)",
        ] + appendOnly("duty_book_addenda", kind)
    }

    /// A recurring task's rule, kept on each task of its series.
    static let taskRecurrence = Migration(version: 23, name: "task_recurrence", sql: [
        "ALTER TABLE tasks ADD COLUMN recurrence TEXT NOT NULL DEFAULT ''",
    ])

    /// Files attached to a task or one of its steps (stored once by SHA-256, never removed), and
    /// recurring series: the rule, its first day and how far its tasks are generated, so a series
    /// without an end is extended every night.
    static let taskFilesAndSeries = Migration(version: 24, name: "task_files_and_series") { kind in
        [
            """
            CREATE TABLE task_files (
                id {ID},
                task_id BIGINT NOT NULL REFERENCES tasks(id),
                event_id BIGINT REFERENCES task_events(id),
                sha256 TEXT NOT NULL,
                name TEXT NOT NULL,
                ext TEXT NOT NULL,
                size INTEGER NOT NULL,
                added_at TEXT NOT NULL,
                added_by TEXT NOT NULL)
            """,
            "CREATE INDEX task_files_task ON task_files(task_id, id)",
            """
            CREATE TABLE task_series (
                id {ID},
                rule TEXT NOT NULL,
                starts TEXT NOT NULL,
                until TEXT,
                generated_through TEXT NOT NULL,
                stopped_at TEXT,
                stopped_by TEXT NOT NULL DEFAULT '',
                stop_reason TEXT NOT NULL DEFAULT '')
            """,
            "CREATE INDEX task_series_open ON task_series(generated_through) WHERE stopped_at IS NULL",
            "ALTER TABLE tasks ADD COLUMN series_id BIGINT REFERENCES task_series(id)",
            "CREATE INDEX tasks_series ON tasks(series_id, due) WHERE series_id IS NOT NULL",
        ] + appendOnly("task_files", kind)
    }

    /// Open tasks past a day across many units (a week's duty books, the province's overdue) found
    /// by their status and deadline.
    static let taskStatusIndex = Migration(version: 25, name: "task_status_index", sql: [
        "CREATE INDEX tasks_status_due ON tasks(status, due)",
    ])

    /// Written standing duties per person and post, effective-dated, approved by the head; never deleted.
    static let standingDuties = Migration(version: 22, name: "standing_duties", sql: [
        """
        CREATE TABLE standing_duties (
            id {ID},
            person_id BIGINT NOT NULL REFERENCES people(id),
            unit_id BIGINT NOT NULL REFERENCES units(id),
            valid_from TEXT NOT NULL,
            text TEXT NOT NULL,
            status TEXT NOT NULL,
            written_by TEXT NOT NULL,
            written_at TEXT NOT NULL,
            approved_by TEXT NOT NULL DEFAULT '',
            approved_at TEXT,
            version INTEGER NOT NULL DEFAULT 1)
        """,
        "CREATE INDEX standing_duties_person ON standing_duties(person_id, status, valid_from)",
    ])
}

extension Schema {
    /// A count of the changes to what a task board shows (the tasks, and the names and paths of the
    /// units and people on them), moved by the database itself on every write, whoever makes it: the
    /// stamp a board's answer is kept under (`TaskStore.stamp`), read in one row, so a kept board is
    /// never stale on this node or another. On PostgreSQL the count moves once per statement, under
    /// the audit chain's lock, before the statement's rows: every task write appends to the chain
    /// anyway, and taking the chain first keeps the two locks in one order (a transaction that
    /// appended to the chain and then touches a task, beside one that touched a task first, would
    /// otherwise wait on each other).
    static let taskChanges = Migration(version: 47, name: "task_changes") { kind in
        let table = [
            "CREATE TABLE task_changes (id INTEGER PRIMARY KEY CHECK (id = 1), n BIGINT NOT NULL)",
            "INSERT INTO task_changes (id, n) VALUES (1, 0)",
        ]
        let watched: [(name: String, events: [String], table: String)] = [
            ("tasks_changed", ["INSERT", "UPDATE", "DELETE"], "tasks"),
            ("units_renamed", ["UPDATE OF name, path"], "units"),
            ("people_renamed", ["UPDATE OF full_name"], "people"),
        ]
        switch kind {
        case .sqlite:
            // SQLite's triggers are per row and per event.
            return table + watched.flatMap { w in
                w.events.map { event in
                    "CREATE TRIGGER \(w.name)_\(event.prefix { $0 != " " }.lowercased()) AFTER \(event) ON \(w.table) BEGIN UPDATE task_changes SET n = n + 1 WHERE id = 1; END"
                }
            }
        case .postgres:
            return table + [
                """
                CREATE FUNCTION task_changed() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN PERFORM pg_advisory_xact_lock(\(AuditLog.chainLock)); UPDATE task_changes SET n = n + 1 WHERE id = 1; RETURN NULL; END $$
                """,
            ] + watched.map { w in
                "CREATE TRIGGER \(w.name) BEFORE \(w.events.joined(separator: " OR ")) ON \(w.table) FOR EACH STATEMENT EXECUTE FUNCTION task_changed()"
            }
        }
    }
}
