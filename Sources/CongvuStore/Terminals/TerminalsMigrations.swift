import Foundation

/// The terminals feature's steps of the schema, in the one ordered list `Schema.all`. Never edit a
/// released step: add a new one (here, and to `Schema.all`).
extension Schema {
    /// Attendance terminals (pending until an administrator approves them) and the journal of
    /// every request they make, raw, append-only and hash-chained.
    static let terminals = Migration(version: 9, name: "terminals") { kind in
        var sql = [
            """
            CREATE TABLE terminals (
                id {ID},
                serial TEXT NOT NULL UNIQUE,
                vendor TEXT NOT NULL,
                family TEXT NOT NULL DEFAULT '',
                status TEXT NOT NULL,
                unit_id BIGINT REFERENCES units(id),
                location TEXT NOT NULL DEFAULT '',
                utc_offset INTEGER NOT NULL DEFAULT 25200,
                encoding TEXT NOT NULL DEFAULT 'utf-8',
                firmware TEXT NOT NULL DEFAULT '',
                photos BOOLEAN NOT NULL DEFAULT TRUE,
                first_seen_at TEXT NOT NULL,
                last_seen_at TEXT NOT NULL,
                last_address TEXT NOT NULL DEFAULT '',
                user_count INTEGER,
                record_count INTEGER,
                approved_by BIGINT REFERENCES users(id),
                approved_at TEXT)
            """,
            """
            CREATE TABLE terminal_journal (
                seq BIGINT PRIMARY KEY,
                serial TEXT NOT NULL,
                received_at TEXT NOT NULL,
                method TEXT NOT NULL,
                path TEXT NOT NULL,
                query TEXT NOT NULL,
                headers TEXT NOT NULL,
                body {BLOB} NOT NULL,
                reply_status INTEGER NOT NULL,
                reply TEXT NOT NULL,
                prev_hash TEXT NOT NULL,
                hash TEXT NOT NULL)
            """,
            "CREATE INDEX terminal_journal_serial ON terminal_journal(serial, seq)",
        ]
        sql += appendOnly("terminal_journal", kind)
        return sql
    }

    /// What the fleet needs beyond the journal: the stamps the handshake hands back, the
    /// measured clock drift, a command queue per terminal, tamper alerts and punch photos.
    static let terminalFleet = Migration(version: 10, name: "terminal_fleet", sql: [
        "ALTER TABLE terminals ADD COLUMN attlog_stamp TEXT NOT NULL DEFAULT '0'",
        "ALTER TABLE terminals ADD COLUMN operlog_stamp TEXT NOT NULL DEFAULT '9999'",
        "ALTER TABLE terminals ADD COLUMN photo_stamp TEXT NOT NULL DEFAULT '0'",
        "ALTER TABLE terminals ADD COLUMN clock_drift INTEGER",
        "ALTER TABLE terminals ADD COLUMN drift_measured_at TEXT",
        "ALTER TABLE terminals ADD COLUMN last_upload_at TEXT",
        // A terminal's user id when no person in its unit has it yet (linked later by the office).
        "ALTER TABLE punches ADD COLUMN terminal_pin TEXT NOT NULL DEFAULT ''",
        """
        CREATE TABLE terminal_commands (
            id {ID},
            terminal_id BIGINT NOT NULL REFERENCES terminals(id),
            kind TEXT NOT NULL,
            command TEXT NOT NULL,
            label TEXT NOT NULL DEFAULT '',
            state TEXT NOT NULL,
            created_by BIGINT REFERENCES users(id),
            created_at TEXT NOT NULL,
            approved_by BIGINT REFERENCES users(id),
            sent_at TEXT,
            done_at TEXT,
            return_code INTEGER,
            result TEXT NOT NULL DEFAULT '',
            expires_at TEXT NOT NULL)
        """,
        "CREATE INDEX terminal_commands_queue ON terminal_commands(terminal_id, state, id)",
        """
        CREATE TABLE terminal_alerts (
            id {ID},
            terminal_id BIGINT NOT NULL REFERENCES terminals(id),
            kind TEXT NOT NULL,
            occurred_at TEXT NOT NULL,
            day TEXT NOT NULL,
            detail TEXT NOT NULL DEFAULT '',
            person_id BIGINT REFERENCES people(id),
            dedupe TEXT NOT NULL UNIQUE,
            created_at TEXT NOT NULL,
            resolved_by BIGINT REFERENCES users(id),
            resolved_at TEXT,
            resolution TEXT NOT NULL DEFAULT '')
        """,
        "CREATE INDEX terminal_alerts_open ON terminal_alerts(resolved_at, terminal_id)",
        "CREATE INDEX terminal_alerts_day ON terminal_alerts(day, terminal_id)",
        """
        CREATE TABLE punch_photos (
            punch_key TEXT PRIMARY KEY,
            terminal_id BIGINT NOT NULL REFERENCES terminals(id),
            sha256 TEXT NOT NULL,
            taken_at TEXT NOT NULL,
            received_at TEXT NOT NULL)
        """,
        "CREATE INDEX punch_photos_taken ON punch_photos(taken_at)",
        "CREATE INDEX punch_photos_sha ON punch_photos(sha256)",
    ])

    /// First contacts refused (too many new serials from one address, or too many pending): one
    /// row per address, for the office's fleet page.
    static let terminalRefusals = Migration(version: 18, name: "terminal_refusals", sql: [
        """
        CREATE TABLE terminal_refusals (
            address TEXT PRIMARY KEY,
            last_serial TEXT NOT NULL,
            refused INTEGER NOT NULL,
            first_at TEXT NOT NULL,
            last_at TEXT NOT NULL)
        """,
    ])

    /// What a device must show before its punches count (issue 17): the address a terminal was
    /// approved from, its Security PUSH registration, the PINs it is known to hold, a kiosk's
    /// signing key, and the office's review of held punches (the original reason kept).
    static let devicesTrust = Migration(version: 19, name: "devices_trust", sql: [
        "ALTER TABLE terminals ADD COLUMN pinned_address TEXT NOT NULL DEFAULT ''",
        "UPDATE terminals SET pinned_address = last_address WHERE status <> 'pending'",
        "ALTER TABLE terminals ADD COLUMN registry_sealed TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE terminals ADD COLUMN session_id TEXT NOT NULL DEFAULT ''",
        """
        CREATE TABLE terminal_enrolments (
            terminal_id BIGINT NOT NULL REFERENCES terminals(id),
            pin TEXT NOT NULL,
            source TEXT NOT NULL,
            first_at TEXT NOT NULL,
            PRIMARY KEY (terminal_id, pin))
        """,
        // A PIN that has punched on a terminal before this step is taken as enrolled there.
        """
        INSERT INTO terminal_enrolments (terminal_id, pin, source, first_at)
        SELECT t.id, COALESCE(NULLIF(p.terminal_pin, ''), pe.terminal_pin), 'history', MIN(p.received_at)
        FROM punches p JOIN terminals t ON p.device = 'terminal:' || t.serial LEFT JOIN people pe ON pe.id = p.person_id
        WHERE COALESCE(NULLIF(p.terminal_pin, ''), pe.terminal_pin, '') <> ''
        GROUP BY t.id, COALESCE(NULLIF(p.terminal_pin, ''), pe.terminal_pin)
        """,
        "ALTER TABLE kiosks ADD COLUMN signing_key_sealed TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE kiosks ADD COLUMN key_delivered_at TEXT",
        "ALTER TABLE punches ADD COLUMN held_flag TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE punches ADD COLUMN reviewed_at TEXT",
        "ALTER TABLE punches ADD COLUMN reviewed_by BIGINT REFERENCES users(id)",
        "ALTER TABLE punches ADD COLUMN review_note TEXT NOT NULL DEFAULT ''",
        "CREATE INDEX punches_held ON punches(received_at) WHERE flag <> '' AND reviewed_at IS NULL",
    ])
}
