import Foundation

/// The notifications feature's steps of the schema (issue 20), in the one ordered list `Schema.all`.
/// Never edit a released step: add a new one.
extension Schema {
    /// The outbox: a notification per person (once per dedupe key), a delivery per channel with
    /// its state and lease, and every attempt with the provider's answer, append-only.
    static let notifications = Migration(version: 26, name: "notifications") { kind in
        [
            """
            CREATE TABLE notifications (
                id {ID},
                person_id BIGINT NOT NULL REFERENCES people(id),
                kind TEXT NOT NULL,
                dedupe_key TEXT NOT NULL,
                unit_id BIGINT REFERENCES units(id),
                record_type TEXT NOT NULL DEFAULT '',
                record_id BIGINT,
                params TEXT NOT NULL DEFAULT '{}',
                link TEXT NOT NULL DEFAULT '',
                created_at TEXT NOT NULL,
                digested BOOLEAN NOT NULL DEFAULT FALSE,
                read_at TEXT,
                UNIQUE (dedupe_key, person_id))
            """,
            "CREATE INDEX notifications_inbox ON notifications(person_id, id)",
            """
            CREATE TABLE notification_deliveries (
                id {ID},
                notification_id BIGINT NOT NULL REFERENCES notifications(id),
                channel TEXT NOT NULL,
                state TEXT NOT NULL,
                not_before TEXT NOT NULL,
                attempts INTEGER NOT NULL DEFAULT 0,
                claimed_until TEXT,
                done_at TEXT,
                UNIQUE (notification_id, channel))
            """,
            "CREATE INDEX notification_deliveries_due ON notification_deliveries(state, not_before)",
            """
            CREATE TABLE notification_attempts (
                id {ID},
                delivery_id BIGINT NOT NULL REFERENCES notification_deliveries(id),
                at TEXT NOT NULL,
                outcome TEXT NOT NULL,
                answer TEXT NOT NULL DEFAULT '')
            """,
            "CREATE INDEX notification_attempts_delivery ON notification_attempts(delivery_id, id)",
        ] + appendOnly("notification_attempts", kind)
    }
}

extension Schema {
    /// Where each person is reached outside the app, proven by a code before use, and each
    /// person's choices (channels per kind, quiet hours, digests); and what channels keep between runs.
    static let notificationAddresses = Migration(version: 27, name: "notification_addresses") { _ in
        [
            """
            CREATE TABLE notification_addresses (
                id {ID},
                person_id BIGINT NOT NULL REFERENCES people(id),
                channel TEXT NOT NULL,
                address TEXT NOT NULL DEFAULT '',
                keys TEXT NOT NULL DEFAULT '',
                code_hash TEXT,
                code_expires_at TEXT,
                tries INTEGER NOT NULL DEFAULT 0,
                verified_at TEXT,
                created_at TEXT NOT NULL,
                UNIQUE (person_id, channel, address))
            """,
            "CREATE INDEX notification_addresses_code ON notification_addresses(code_hash)",
            """
            CREATE TABLE notification_preferences (
                person_id BIGINT PRIMARY KEY REFERENCES people(id),
                choices TEXT NOT NULL,
                updated_at TEXT NOT NULL)
            """,
            // What a channel keeps between runs and shares between nodes: the Telegram updates
            // read so far, the Zalo access token (sealed) and when it runs out.
            """
            CREATE TABLE notification_channel_state (
                channel TEXT NOT NULL,
                name TEXT NOT NULL,
                value TEXT NOT NULL,
                updated_at TEXT NOT NULL,
                PRIMARY KEY (channel, name))
            """,
        ]
    }
}

extension Schema {
    /// Raising writes the notification alone; the worker routes it (the person's choices and proven
    /// channels → deliveries) and marks it routed. What was raised before was routed when raised.
    static let notificationRouting = Migration(version: 28, name: "notification_routing") { _ in
        [
            "ALTER TABLE notifications ADD COLUMN routed_at TEXT",
            "UPDATE notifications SET routed_at = created_at",
            "CREATE INDEX notifications_unrouted ON notifications(id) WHERE routed_at IS NULL",
        ]
    }
}

extension Schema {
    /// A notification for someone with no account (a citizen who gave an e-mail address with their
    /// feedback, issue 23): the address it goes to instead of a person, on the same outbox, worker
    /// and retries. Exactly one of the two; such a notification is raised routed, once per key and address.
    /// SQLite cannot drop a NOT NULL: the table is rebuilt with its rows and ids, the deliveries'
    /// references checked again at commit.
    static let notificationsToAddresses = Migration(version: 38, name: "notifications_to_addresses") { kind in
        let columns = "id, person_id, kind, dedupe_key, unit_id, record_type, record_id, params, link, created_at, digested, read_at, routed_at"
        let rebuilt: [String] = kind == .postgres ? [
            "ALTER TABLE notifications ALTER COLUMN person_id DROP NOT NULL",
            "ALTER TABLE notifications ADD COLUMN address TEXT",
            "ALTER TABLE notifications ADD CONSTRAINT notifications_one_recipient CHECK ((person_id IS NULL) <> (address IS NULL))",
        ] : [
            "PRAGMA defer_foreign_keys = ON",
            "CREATE TABLE notifications_before AS SELECT \(columns) FROM notifications",
            "DROP TABLE notifications",
            """
            CREATE TABLE notifications (
                id {ID},
                person_id BIGINT REFERENCES people(id),
                address TEXT,
                kind TEXT NOT NULL,
                dedupe_key TEXT NOT NULL,
                unit_id BIGINT REFERENCES units(id),
                record_type TEXT NOT NULL DEFAULT '',
                record_id BIGINT,
                params TEXT NOT NULL DEFAULT '{}',
                link TEXT NOT NULL DEFAULT '',
                created_at TEXT NOT NULL,
                digested BOOLEAN NOT NULL DEFAULT FALSE,
                read_at TEXT,
                routed_at TEXT,
                UNIQUE (dedupe_key, person_id),
                CONSTRAINT notifications_one_recipient CHECK ((person_id IS NULL) <> (address IS NULL)))
            """,
            "INSERT INTO notifications (\(columns)) SELECT \(columns) FROM notifications_before",
            "DROP TABLE notifications_before",
            "CREATE INDEX notifications_inbox ON notifications(person_id, id)",
            "CREATE INDEX notifications_unrouted ON notifications(id) WHERE routed_at IS NULL",
        ]
        return rebuilt + [
            "CREATE UNIQUE INDEX notifications_addressed ON notifications(dedupe_key, address) WHERE person_id IS NULL",
            "CREATE INDEX notifications_to_address_record ON notifications(record_type, record_id) WHERE person_id IS NULL",
        ]
    }
}

extension Schema {
    /// What features raise goes first to a narrow queue without indexes: the raising transaction
    /// appends one row and reads nothing back. The worker (or the next reader of notifications)
    /// admits it into `notifications`, once per person and key by that table's unique key. Its
    /// references are checked when it is raised, so a queued row can always be admitted.
    static let notificationQueue = Migration(version: 46, name: "notification_queue") { _ in
        [
            """
            CREATE TABLE notification_queue (
                id {ID},
                person_id BIGINT NOT NULL REFERENCES people(id),
                kind TEXT NOT NULL,
                dedupe_key TEXT NOT NULL,
                unit_id BIGINT REFERENCES units(id),
                record_type TEXT NOT NULL,
                record_id BIGINT,
                params TEXT NOT NULL,
                link TEXT NOT NULL,
                created_at TEXT NOT NULL)
            """,
        ]
    }
}
