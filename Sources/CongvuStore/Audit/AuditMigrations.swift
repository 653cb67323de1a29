import Foundation

/// The audit feature's steps of the schema, in the one ordered list `Schema.all`. Never edit a
/// released step: add a new one (here, and to `Schema.all`).
extension Schema {
    /// The audit log refuses UPDATE and DELETE at the database itself.
    static let audit = Migration(version: 4, name: "audit") { kind in
        var sql = [
            """
            CREATE TABLE audit_log (
                seq BIGINT PRIMARY KEY,
                at TEXT NOT NULL,
                actor_id BIGINT,
                actor_name TEXT NOT NULL,
                action TEXT NOT NULL,
                object_type TEXT NOT NULL,
                object_id TEXT NOT NULL,
                before_json TEXT NOT NULL,
                after_json TEXT NOT NULL,
                reason TEXT NOT NULL,
                prev_hash TEXT NOT NULL,
                hash TEXT NOT NULL)
            """,
            "CREATE INDEX audit_object ON audit_log(object_type, object_id)",
        ]
        sql += appendOnly("audit_log", kind)
        return sql
    }
}
