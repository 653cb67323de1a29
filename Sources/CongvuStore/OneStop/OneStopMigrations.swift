import Foundation

/// The one-stop feature's steps of the schema, in the one ordered list `Schema.all`. Never edit a
/// released step: add a new one (here, and to `Schema.all`).
extension Schema {
    /// The one-stop counter: dated rules, the procedure catalogue, the counters (a unit with its
    /// agency identifier), dossiers with their events (append-only), pauses, daily code sequences
    /// and the citizens' ratings.
    static let oneStop = Migration(version: 11, name: "one_stop") { kind in
        var sql = [
            """
            CREATE TABLE one_stop_rules (
                id {ID},
                valid_from TEXT NOT NULL UNIQUE,
                same_day_cut_off TEXT NOT NULL,
                apology_lead_days INTEGER NOT NULL,
                supplement_days INTEGER NOT NULL,
                bands TEXT NOT NULL,
                basis TEXT NOT NULL)
            """,
            """
            INSERT INTO one_stop_rules (valid_from, same_day_cut_off, apology_lead_days, supplement_days, bands, basis) VALUES
            ('2018-08-21', '15:00', 1, 5, '[{"exclusive":true,"key":"excellent","minimum":15},{"exclusive":false,"key":"good","minimum":12},{"exclusive":false,"key":"fair","minimum":9},{"exclusive":false,"key":"average","minimum":6},{"exclusive":false,"key":"weak","minimum":0}]', 'Nghị định 61/2018/NĐ-CP; Thông tư 01/2018/TT-VPCP'),
            ('2025-07-01', '15:00', 1, 5, '[{"exclusive":true,"key":"excellent","minimum":15},{"exclusive":false,"key":"good","minimum":12},{"exclusive":false,"key":"fair","minimum":9},{"exclusive":false,"key":"average","minimum":6},{"exclusive":false,"key":"weak","minimum":0}]', 'Nghị định 118/2025/NĐ-CP; Thông tư 03/2025/TT-VPCP')
            """,
            """
            CREATE TABLE procedures (
                id {ID},
                code TEXT NOT NULL,
                version INTEGER NOT NULL,
                name TEXT NOT NULL,
                search_key TEXT NOT NULL,
                field TEXT NOT NULL,
                level TEXT NOT NULL,
                time_value INTEGER NOT NULL,
                time_unit TEXT NOT NULL,
                online_level TEXT NOT NULL,
                fee BIGINT NOT NULL DEFAULT 0,
                fee_note TEXT NOT NULL DEFAULT '',
                documents TEXT NOT NULL DEFAULT '[]',
                result TEXT NOT NULL DEFAULT '',
                legal_basis TEXT NOT NULL DEFAULT '',
                valid_from TEXT NOT NULL,
                valid_to TEXT,
                steps TEXT NOT NULL DEFAULT '[]',
                posted_counter BOOLEAN NOT NULL DEFAULT FALSE,
                posted_portal BOOLEAN NOT NULL DEFAULT FALSE,
                UNIQUE (code, version))
            """,
            "CREATE INDEX procedures_field ON procedures(field, code)",
            """
            CREATE TABLE one_stop_counters (
                unit_id BIGINT PRIMARY KEY REFERENCES units(id),
                agency_code TEXT NOT NULL UNIQUE,
                address TEXT NOT NULL DEFAULT '')
            """,
            """
            CREATE TABLE dossier_sequences (
                agency_code TEXT NOT NULL,
                day TEXT NOT NULL,
                last_number INTEGER NOT NULL,
                PRIMARY KEY (agency_code, day))
            """,
            """
            CREATE TABLE dossiers (
                id {ID},
                code TEXT NOT NULL UNIQUE,
                procedure_id BIGINT NOT NULL REFERENCES procedures(id),
                unit_id BIGINT NOT NULL REFERENCES units(id),
                current_unit_id BIGINT NOT NULL REFERENCES units(id),
                field TEXT NOT NULL,
                channel INTEGER NOT NULL,
                status INTEGER NOT NULL,
                applicant_name TEXT NOT NULL,
                search_key TEXT NOT NULL,
                applicant_id_number TEXT NOT NULL DEFAULT '',
                applicant_address TEXT NOT NULL DEFAULT '',
                applicant_phone TEXT NOT NULL DEFAULT '',
                applicant_email TEXT NOT NULL DEFAULT '',
                owner_name TEXT NOT NULL DEFAULT '',
                documents TEXT NOT NULL DEFAULT '[]',
                sets INTEGER NOT NULL DEFAULT 1,
                return_by_post BOOLEAN NOT NULL DEFAULT FALSE,
                submitted_at TEXT NOT NULL,
                received_at TEXT,
                received_day TEXT,
                legal_due_at TEXT,
                due_at TEXT,
                due_day TEXT,
                hour_based BOOLEAN NOT NULL DEFAULT FALSE,
                resolved_at TEXT,
                closed_day TEXT,
                timeliness TEXT,
                delivered_at TEXT,
                step_name TEXT NOT NULL DEFAULT '',
                step_due_at TEXT,
                supplement_due_at TEXT,
                apology_at TEXT,
                promised_at TEXT,
                apology_reason TEXT NOT NULL DEFAULT '',
                imported BOOLEAN NOT NULL DEFAULT FALSE,
                received_by BIGINT REFERENCES users(id),
                row_version INTEGER NOT NULL DEFAULT 1)
            """,
            // The report reads these columns only: an index that covers them is scanned instead of the table.
            "CREATE INDEX dossiers_report ON dossiers(received_day, closed_day, unit_id, channel, status, timeliness, due_day, field)",
            "CREATE INDEX dossiers_unit ON dossiers(unit_id, status)",
            "CREATE INDEX dossiers_due ON dossiers(status, due_at)",
            "CREATE INDEX dossiers_search ON dossiers(search_key)",
            """
            CREATE TABLE dossier_events (
                id {ID},
                dossier_id BIGINT NOT NULL REFERENCES dossiers(id),
                at TEXT NOT NULL,
                actor_id BIGINT REFERENCES users(id),
                actor_name TEXT NOT NULL,
                action TEXT NOT NULL,
                from_status INTEGER,
                to_status INTEGER NOT NULL,
                from_unit_id BIGINT REFERENCES units(id),
                to_unit_id BIGINT REFERENCES units(id),
                step_name TEXT NOT NULL DEFAULT '',
                step_due_at TEXT,
                step_timeliness TEXT,
                note TEXT NOT NULL DEFAULT '',
                attachment_name TEXT NOT NULL DEFAULT '',
                attachment_file TEXT NOT NULL DEFAULT '')
            """,
            "CREATE INDEX dossier_events_dossier ON dossier_events(dossier_id, id)",
            """
            CREATE TABLE dossier_pauses (
                id {ID},
                dossier_id BIGINT NOT NULL REFERENCES dossiers(id),
                status INTEGER NOT NULL,
                from_at TEXT NOT NULL,
                to_at TEXT)
            """,
            "CREATE INDEX dossier_pauses_dossier ON dossier_pauses(dossier_id)",
            """
            CREATE TABLE dossier_ratings (
                id {ID},
                dossier_id BIGINT NOT NULL UNIQUE REFERENCES dossiers(id),
                unit_id BIGINT NOT NULL REFERENCES units(id),
                rated_at TEXT NOT NULL,
                satisfaction TEXT NOT NULL,
                comment TEXT NOT NULL DEFAULT '',
                scores TEXT,
                total INTEGER)
            """,
            "CREATE INDEX dossier_ratings_unit ON dossier_ratings(unit_id, rated_at)",
        ]
        sql += appendOnly("dossier_events", kind)
        return sql
    }

    /// The settlement report counts cells per unit, field, channel, status and timeliness: an index
    /// in that order lets the database group while it reads (measured in docs/PERFORMANCE.md),
    /// where the index by received day made it sort a province-year of rows first.
    static let settlementIndex = Migration(version: 12, name: "settlement_index", sql: [
        "DROP INDEX dossiers_report",
        "CREATE INDEX dossiers_settlement ON dossiers(unit_id, field, channel, status, timeliness, received_day, closed_day, due_day)",
    ])

    /// The counter's telephone, for the public home page.
    static let counterContacts = Migration(version: 16, name: "counter_contacts", sql: [
        "ALTER TABLE one_stop_counters ADD COLUMN phone TEXT NOT NULL DEFAULT ''",
    ])
}
