import Foundation

/// The calendar feature's steps of the schema, in the one ordered list `Schema.all`. Never edit a
/// released step: add a new one (here, and to `Schema.all`).
extension Schema {
    /// Confirmed special days (national when `unit_id` is NULL) and office hours per unit.
    static let calendar = Migration(version: 5, name: "calendar", sql: [
        """
        CREATE TABLE special_days (
            id {ID},
            day TEXT NOT NULL,
            kind TEXT NOT NULL,
            name TEXT NOT NULL,
            reference TEXT NOT NULL DEFAULT '',
            unit_id BIGINT REFERENCES units(id),
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL)
        """,
        "CREATE UNIQUE INDEX special_days_scope ON special_days(day, COALESCE(unit_id, 0))",
        """
        CREATE TABLE office_hours (
            id {ID},
            unit_id BIGINT NOT NULL REFERENCES units(id),
            valid_from TEXT NOT NULL,
            seasons TEXT NOT NULL,
            created_at TEXT NOT NULL)
        """,
        "CREATE UNIQUE INDEX office_hours_unit_from ON office_hours(unit_id, valid_from)",
    ])
}
