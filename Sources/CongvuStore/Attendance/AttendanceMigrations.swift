import Foundation

/// The attendance feature's steps of the schema, in the one ordered list `Schema.all`. Never edit a
/// released step: add a new one (here, and to `Schema.all`).
extension Schema {
    /// Punches from every source. Never deleted and their times never changed (corrections add
    /// punches); only an unknown card's punches get their person when the office links the card.
    static let attendance = Migration(version: 6, name: "attendance", sql: [
        """
        CREATE TABLE punches (
            id {ID},
            person_id BIGINT REFERENCES people(id),
            card_number TEXT NOT NULL DEFAULT '',
            at TEXT NOT NULL,
            received_at TEXT NOT NULL,
            source TEXT NOT NULL,
            method TEXT NOT NULL,
            device TEXT NOT NULL DEFAULT '',
            flag TEXT NOT NULL DEFAULT '',
            queued BOOLEAN NOT NULL DEFAULT FALSE,
            note TEXT NOT NULL DEFAULT '',
            idempotency_key TEXT NOT NULL UNIQUE,
            created_by BIGINT REFERENCES users(id))
        """,
        "CREATE INDEX punches_person_at ON punches(person_id, at)",
        "CREATE INDEX punches_card ON punches(card_number) WHERE person_id IS NULL",
    ])

    /// Out-of-office notices and leave requests, with their decision.
    static let absences = Migration(version: 7, name: "absences", sql: [
        """
        CREATE TABLE absence_requests (
            id {ID},
            person_id BIGINT NOT NULL REFERENCES people(id),
            kind TEXT NOT NULL,
            place TEXT NOT NULL DEFAULT '',
            purpose TEXT NOT NULL,
            starts_at TEXT NOT NULL,
            ends_at TEXT NOT NULL,
            filed_at TEXT NOT NULL,
            status TEXT NOT NULL,
            decided_by BIGINT REFERENCES users(id),
            decided_at TEXT,
            decision_note TEXT NOT NULL DEFAULT '')
        """,
        "CREATE INDEX absence_person_time ON absence_requests(person_id, starts_at)",
        "CREATE INDEX absence_status ON absence_requests(status)",
    ])

    /// Per-unit attendance rules (effective-dated), registered kiosks, settled verdicts of closed
    /// days with the history of their changes, explanation cases, and the task an absence serves.
    static let attendanceWorkflow = Migration(version: 8, name: "attendance_workflow", sql: [
        """
        CREATE TABLE attendance_policies (
            id {ID},
            unit_id BIGINT NOT NULL REFERENCES units(id),
            valid_from TEXT NOT NULL,
            derivation TEXT NOT NULL,
            grace_minutes INTEGER NOT NULL,
            collapse_seconds INTEGER NOT NULL,
            window_minutes INTEGER NOT NULL,
            half_day_minutes INTEGER NOT NULL,
            absent_below_minutes INTEGER NOT NULL,
            explanation_days INTEGER NOT NULL,
            created_by BIGINT REFERENCES users(id),
            created_at TEXT NOT NULL)
        """,
        "CREATE UNIQUE INDEX attendance_policies_unit_from ON attendance_policies(unit_id, valid_from)",
        "ALTER TABLE absence_requests ADD COLUMN task TEXT NOT NULL DEFAULT ''",
        """
        CREATE TABLE kiosks (
            id {ID},
            unit_id BIGINT NOT NULL REFERENCES units(id),
            name TEXT NOT NULL,
            token_hash TEXT NOT NULL UNIQUE,
            created_by BIGINT REFERENCES users(id),
            created_at TEXT NOT NULL,
            last_seen_at TEXT,
            revoked_at TEXT)
        """,
        """
        CREATE TABLE day_verdicts (
            person_id BIGINT NOT NULL REFERENCES people(id),
            day TEXT NOT NULL,
            status TEXT NOT NULL,
            late_minutes INTEGER NOT NULL,
            early_minutes INTEGER NOT NULL,
            missing_minutes INTEGER NOT NULL,
            check_in TEXT,
            check_out TEXT,
            reasons TEXT NOT NULL,
            computed_at TEXT NOT NULL,
            PRIMARY KEY (person_id, day))
        """,
        "CREATE INDEX day_verdicts_day ON day_verdicts(day)",
        """
        CREATE TABLE verdict_history (
            id {ID},
            person_id BIGINT NOT NULL REFERENCES people(id),
            day TEXT NOT NULL,
            status TEXT NOT NULL,
            late_minutes INTEGER NOT NULL,
            early_minutes INTEGER NOT NULL,
            reasons TEXT NOT NULL,
            cause TEXT NOT NULL,
            computed_at TEXT NOT NULL)
        """,
        "CREATE INDEX verdict_history_person_day ON verdict_history(person_id, day)",
        """
        CREATE TABLE explanations (
            id {ID},
            person_id BIGINT NOT NULL REFERENCES people(id),
            day TEXT NOT NULL,
            verdict TEXT NOT NULL,
            minutes INTEGER NOT NULL,
            opened_at TEXT NOT NULL,
            opened_by BIGINT REFERENCES users(id),
            due_at TEXT NOT NULL,
            status TEXT NOT NULL,
            text TEXT NOT NULL DEFAULT '',
            attachment_name TEXT NOT NULL DEFAULT '',
            attachment_file TEXT NOT NULL DEFAULT '',
            explained_at TEXT,
            decided_by BIGINT REFERENCES users(id),
            decided_at TEXT,
            decision_note TEXT NOT NULL DEFAULT '')
        """,
        "CREATE UNIQUE INDEX explanations_person_day ON explanations(person_id, day)",
        "CREATE INDEX explanations_status ON explanations(status)",
    ])

    /// What a unit accepts of a card number typed at the browser kiosk rather than read by the
    /// USB reader (anyone who knows a colleague's number could punch for them).
    static let kioskEntry = Migration(version: 14, name: "kiosk_entry", sql: [
        "ALTER TABLE attendance_policies ADD COLUMN typed_cards TEXT NOT NULL DEFAULT 'allow'",
    ])
}
