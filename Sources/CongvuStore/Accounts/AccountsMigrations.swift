import Foundation

/// The accounts feature's steps of the schema, in the one ordered list `Schema.all`. Never edit a
/// released step: add a new one (here, and to `Schema.all`).
extension Schema {
    static let accounts = Migration(version: 3, name: "accounts", sql: [
        """
        CREATE TABLE users (
            id {ID},
            username TEXT NOT NULL UNIQUE,
            display_name TEXT NOT NULL,
            password_hash TEXT NOT NULL,
            person_id BIGINT REFERENCES people(id),
            totp_secret TEXT NOT NULL DEFAULT '',
            totp_enabled BOOLEAN NOT NULL DEFAULT FALSE,
            disabled BOOLEAN NOT NULL DEFAULT FALSE,
            created_at TEXT NOT NULL,
            password_changed_at TEXT NOT NULL)
        """,
        """
        CREATE TABLE grants (
            id {ID},
            user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            role TEXT NOT NULL,
            unit_id BIGINT NOT NULL REFERENCES units(id))
        """,
        "CREATE INDEX grants_user ON grants(user_id)",
        """
        CREATE TABLE sessions (
            id TEXT PRIMARY KEY,
            user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            csrf_token TEXT NOT NULL,
            second_factor_pending BOOLEAN NOT NULL DEFAULT FALSE,
            address TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL,
            expires_at TEXT NOT NULL)
        """,
        "CREATE INDEX sessions_user ON sessions(user_id)",
        """
        CREATE TABLE api_tokens (
            id {ID},
            user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            name TEXT NOT NULL,
            token_hash TEXT NOT NULL UNIQUE,
            created_at TEXT NOT NULL,
            revoked BOOLEAN NOT NULL DEFAULT FALSE)
        """,
        """
        CREATE TABLE login_failures (
            id {ID},
            username TEXT NOT NULL,
            address TEXT NOT NULL,
            at TEXT NOT NULL)
        """,
        "CREATE INDEX login_failures_user ON login_failures(username, at)",
        "CREATE INDEX login_failures_address ON login_failures(address, at)",
    ])

    /// Devices an account signed in from (only a hash of the browser's token is kept), and the
    /// failed sign-ins its owner is told of.
    static let signIn = Migration(version: 15, name: "sign_in", sql: [
        """
        CREATE TABLE known_devices (
            id {ID},
            user_id BIGINT NOT NULL REFERENCES users(id),
            token_hash TEXT NOT NULL UNIQUE,
            created_at TEXT NOT NULL,
            last_used_at TEXT NOT NULL)
        """,
        "CREATE INDEX known_devices_user ON known_devices(user_id)",
        """
        CREATE TABLE sign_in_alerts (
            id {ID},
            user_id BIGINT NOT NULL REFERENCES users(id),
            failures INTEGER NOT NULL,
            sources TEXT NOT NULL,
            first_at TEXT NOT NULL,
            last_at TEXT NOT NULL,
            seen_at TEXT)
        """,
        "CREATE INDEX sign_in_alerts_user ON sign_in_alerts(user_id, seen_at)",
        "CREATE INDEX login_failures_user_address ON login_failures(username, address, at)",
    ])

    /// API tokens expire and keep their last use (older tokens have no expiry: listed, to be replaced).
    static let apiTokenLife = Migration(version: 17, name: "api_token_life", sql: [
        "ALTER TABLE api_tokens ADD COLUMN expires_at TEXT",
        "ALTER TABLE api_tokens ADD COLUMN last_used_at TEXT",
    ])
}
