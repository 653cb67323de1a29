import Foundation

/// The reform index's step of the schema (issue 24), in the one ordered list `Schema.all`.
extension Schema {
    /// Frameworks as versioned data (never changed: a new version is a new row); a year's round of
    /// one issuing body with its units and peer groups; each unit's entries per sub-criterion (its
    /// own points, the measured value, the council's points and reason); the evidence; the results
    /// as published (append-only), and the history of every year's index, before the system too.
    /// Points are kept in hundredths.
    static let reformIndex = Migration(version: 41, name: "reform_index") { kind in
        [
            """
            CREATE TABLE reform_frameworks (
                id {ID},
                code TEXT NOT NULL,
                version INTEGER NOT NULL,
                year INTEGER NOT NULL,
                title TEXT NOT NULL,
                is_example INTEGER NOT NULL DEFAULT 0,
                body TEXT NOT NULL,
                created_at TEXT NOT NULL,
                created_by TEXT NOT NULL,
                UNIQUE (code, version))
            """,
            """
            CREATE TABLE reform_rounds (
                id {ID},
                framework_id BIGINT NOT NULL REFERENCES reform_frameworks(id),
                body_id BIGINT NOT NULL REFERENCES units(id),
                year INTEGER NOT NULL,
                deadline TEXT NOT NULL,
                status TEXT NOT NULL,
                decision_number TEXT NOT NULL DEFAULT '',
                decision_day TEXT,
                published_at TEXT,
                created_at TEXT NOT NULL,
                created_by TEXT NOT NULL,
                version INTEGER NOT NULL DEFAULT 1,
                UNIQUE (body_id, framework_id))
            """,
            """
            CREATE TABLE reform_participants (
                round_id BIGINT NOT NULL REFERENCES reform_rounds(id),
                unit_id BIGINT NOT NULL REFERENCES units(id),
                peer_group TEXT NOT NULL,
                submitted_at TEXT,
                submitted_by TEXT NOT NULL DEFAULT '',
                PRIMARY KEY (round_id, unit_id))
            """,
            "CREATE INDEX reform_participants_unit ON reform_participants(unit_id)",
            """
            CREATE TABLE reform_entries (
                round_id BIGINT NOT NULL REFERENCES reform_rounds(id),
                unit_id BIGINT NOT NULL REFERENCES units(id),
                code TEXT NOT NULL,
                self_points INTEGER,
                note TEXT NOT NULL DEFAULT '',
                self_at TEXT,
                self_by TEXT NOT NULL DEFAULT '',
                measured_num INTEGER,
                measured_den INTEGER,
                council_points INTEGER,
                council_reason TEXT NOT NULL DEFAULT '',
                council_at TEXT,
                council_by TEXT NOT NULL DEFAULT '',
                not_applicable INTEGER NOT NULL DEFAULT 0,
                PRIMARY KEY (round_id, unit_id, code))
            """,
            """
            CREATE TABLE reform_evidence (
                id {ID},
                round_id BIGINT NOT NULL REFERENCES reform_rounds(id),
                unit_id BIGINT NOT NULL REFERENCES units(id),
                code TEXT NOT NULL,
                file TEXT NOT NULL DEFAULT '',
                file_name TEXT NOT NULL DEFAULT '',
                link TEXT NOT NULL DEFAULT '',
                added_at TEXT NOT NULL,
                added_by TEXT NOT NULL)
            """,
            "CREATE INDEX reform_evidence_entry ON reform_evidence(round_id, unit_id, code)",
            """
            CREATE TABLE reform_results (
                round_id BIGINT NOT NULL REFERENCES reform_rounds(id),
                unit_id BIGINT NOT NULL REFERENCES units(id),
                peer_group TEXT NOT NULL,
                points INTEGER NOT NULL,
                maximum INTEGER NOT NULL,
                index_value INTEGER NOT NULL,
                survey INTEGER NOT NULL,
                band TEXT NOT NULL,
                rank INTEGER NOT NULL,
                of_count INTEGER NOT NULL,
                PRIMARY KEY (round_id, unit_id))
            """,
            """
            CREATE TABLE reform_history (
                id {ID},
                unit_id BIGINT NOT NULL REFERENCES units(id),
                year INTEGER NOT NULL,
                issuer TEXT NOT NULL,
                index_value INTEGER NOT NULL,
                band TEXT NOT NULL DEFAULT '',
                rank INTEGER,
                of_count INTEGER,
                round_id BIGINT REFERENCES reform_rounds(id),
                entered_at TEXT NOT NULL,
                entered_by TEXT NOT NULL,
                UNIQUE (unit_id, year, issuer))
            """,
        ] + appendOnly("reform_frameworks", kind) + appendOnly("reform_results", kind)
    }

    /// The measures read a year of every unit's dossiers, tasks and feedback: indexes holding every
    /// column they read, so that neither database reads the wide rows (measured in docs/PERFORMANCE.md).
    static let reformMeasureIndexes = Migration(version: 42, name: "reform_measure_indexes", sql: [
        "CREATE INDEX dossiers_measures ON dossiers(unit_id, received_day, closed_day, timeliness, channel, status, due_day, apology_at)",
        "CREATE INDEX tasks_measures ON tasks(unit_id, due, status, reported_at)",
        "CREATE INDEX feedback_measures ON feedback(owner_unit_id, due_day, status, answered_day)",
    ])
}
