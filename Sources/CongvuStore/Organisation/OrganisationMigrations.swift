import Foundation

/// The organisation feature's steps of the schema, in the one ordered list `Schema.all`. Never edit a
/// released step: add a new one (here, and to `Schema.all`).
extension Schema {
    static let organisation = Migration(version: 1, name: "organisation", sql: [
        """
        CREATE TABLE units (
            id {ID},
            parent_id BIGINT REFERENCES units(id),
            kind TEXT NOT NULL,
            code TEXT NOT NULL DEFAULT '',
            name TEXT NOT NULL,
            search_key TEXT NOT NULL,
            valid_from TEXT,
            valid_to TEXT,
            successor_id BIGINT REFERENCES units(id),
            path TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL)
        """,
        "CREATE UNIQUE INDEX units_code ON units(code) WHERE code <> ''",
        "CREATE INDEX units_parent ON units(parent_id)",
        "CREATE INDEX units_path ON units(path)",
    ])
}
