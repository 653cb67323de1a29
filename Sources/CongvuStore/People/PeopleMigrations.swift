import Foundation

/// The people feature's steps of the schema, in the one ordered list `Schema.all`. Never edit a
/// released step: add a new one (here, and to `Schema.all`).
extension Schema {
    static let people = Migration(version: 2, name: "people", sql: [
        """
        CREATE TABLE people (
            id {ID},
            full_name TEXT NOT NULL,
            search_key TEXT NOT NULL,
            gender TEXT,
            birth_date TEXT,
            phone TEXT NOT NULL DEFAULT '',
            email TEXT NOT NULL DEFAULT '',
            photo_path TEXT NOT NULL DEFAULT '',
            card_number TEXT NOT NULL DEFAULT '',
            terminal_pin TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL)
        """,
        "CREATE UNIQUE INDEX people_card ON people(card_number) WHERE card_number <> ''",
        "CREATE INDEX people_search ON people(search_key)",
        """
        CREATE TABLE assignments (
            id {ID},
            person_id BIGINT NOT NULL REFERENCES people(id),
            unit_id BIGINT NOT NULL REFERENCES units(id),
            title TEXT NOT NULL,
            category TEXT NOT NULL,
            is_leader BOOLEAN NOT NULL DEFAULT FALSE,
            reports_to BIGINT REFERENCES people(id),
            valid_from TEXT NOT NULL,
            valid_to TEXT)
        """,
        "CREATE INDEX assignments_person ON assignments(person_id)",
        "CREATE INDEX assignments_unit ON assignments(unit_id)",
    ])
}
