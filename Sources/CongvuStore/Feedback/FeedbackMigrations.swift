import Foundation

/// The feedback feature's steps of the schema (issue 23), in the one ordered list `Schema.all`.
extension Schema {
    /// The feedback register (every channel), its categories as data with their deadlines, the
    /// append-only history of each item, its photos, and the openings of the suggestion box. An item
    /// is never deleted and the citizen's rating, once given, never changes: the database refuses both.
    static let feedback = Migration(version: 36, name: "feedback") { kind in
        [
            """
            CREATE TABLE feedback_categories (
                code TEXT PRIMARY KEY,
                name_vi TEXT NOT NULL,
                name_en TEXT NOT NULL,
                answer_days INTEGER NOT NULL,
                active INTEGER NOT NULL DEFAULT 1,
                position INTEGER NOT NULL DEFAULT 0)
            """,
            """
            INSERT INTO feedback_categories (code, name_vi, name_en, answer_days, position) VALUES
                ('attitude', 'Thái độ, tác phong của cán bộ, công chức', 'Officials'' attitude and conduct', 10, 1),
                ('regulation', 'Quy định hành chính', 'Administrative regulations', 15, 2),
                ('dossier', 'Thủ tục, hồ sơ hành chính', 'A procedure or dossier', 10, 3),
                ('public_service', 'Dịch vụ công, hạ tầng', 'Public services', 15, 4),
                ('other', 'Khác', 'Other', 15, 5)
            """,
            """
            CREATE TABLE feedback_box_openings (
                id {ID},
                unit_id BIGINT NOT NULL REFERENCES units(id),
                opened_on TEXT NOT NULL,
                opened_by TEXT NOT NULL,
                witnesses TEXT NOT NULL,
                letters INTEGER NOT NULL,
                created_at TEXT NOT NULL,
                created_by TEXT NOT NULL)
            """,
            "CREATE INDEX feedback_box_openings_unit ON feedback_box_openings(unit_id, opened_on)",
            """
            CREATE TABLE feedback (
                id {ID},
                code TEXT NOT NULL UNIQUE,
                unit_id BIGINT NOT NULL REFERENCES units(id),
                owner_unit_id BIGINT NOT NULL REFERENCES units(id),
                owner_id BIGINT REFERENCES people(id),
                category TEXT NOT NULL REFERENCES feedback_categories(code),
                channel TEXT NOT NULL,
                description TEXT NOT NULL,
                citizen_name TEXT NOT NULL DEFAULT '',
                contact TEXT NOT NULL DEFAULT '',
                address TEXT NOT NULL DEFAULT '',
                lat TEXT,
                lng TEXT,
                answer_private INTEGER NOT NULL DEFAULT 0,
                dossier_code TEXT NOT NULL DEFAULT '',
                person_id BIGINT REFERENCES people(id),
                box_opening_id BIGINT REFERENCES feedback_box_openings(id),
                client TEXT NOT NULL DEFAULT '',
                media_url TEXT NOT NULL DEFAULT '',
                status TEXT NOT NULL,
                received_at TEXT NOT NULL,
                received_day TEXT NOT NULL,
                due_day TEXT NOT NULL,
                forward_by TEXT NOT NULL,
                escalation_level INTEGER NOT NULL DEFAULT 0,
                escalated_unit_id BIGINT REFERENCES units(id),
                next_escalation TEXT,
                answer TEXT NOT NULL DEFAULT '',
                answered_at TEXT,
                answered_day TEXT,
                answered_by BIGINT REFERENCES people(id),
                satisfaction TEXT,
                rated_at TEXT,
                solved INTEGER,
                reopened INTEGER NOT NULL DEFAULT 0,
                merged_into BIGINT REFERENCES feedback(id),
                task_id BIGINT REFERENCES tasks(id),
                updated_at TEXT NOT NULL,
                version INTEGER NOT NULL DEFAULT 1)
            """,
            "CREATE INDEX feedback_owner_status ON feedback(owner_unit_id, status)",
            "CREATE INDEX feedback_received ON feedback(received_at)",
            "CREATE INDEX feedback_unit_day ON feedback(unit_id, received_day)",
            "CREATE INDEX feedback_escalation ON feedback(next_escalation) WHERE next_escalation IS NOT NULL",
            """
            CREATE TABLE feedback_events (
                id {ID},
                feedback_id BIGINT NOT NULL REFERENCES feedback(id),
                at TEXT NOT NULL,
                actor_name TEXT NOT NULL,
                kind TEXT NOT NULL,
                reason TEXT NOT NULL DEFAULT '',
                detail TEXT NOT NULL DEFAULT '')
            """,
            "CREATE INDEX feedback_events_item ON feedback_events(feedback_id, id)",
            """
            CREATE TABLE feedback_photos (
                feedback_id BIGINT NOT NULL REFERENCES feedback(id),
                position INTEGER NOT NULL,
                sha TEXT NOT NULL,
                PRIMARY KEY (feedback_id, position))
            """,
        ] + appendOnly("feedback_events", kind) + keptForever(kind)
    }

    /// An item is never deleted, and its rating, once given, never changes.
    static func keptForever(_ kind: DatabaseKind) -> [String] {
        switch kind {
        case .sqlite:
            return [
                "CREATE TRIGGER feedback_no_delete BEFORE DELETE ON feedback BEGIN SELECT RAISE(ABORT, 'feedback is never deleted'); END",
                """
                CREATE TRIGGER feedback_rating_kept BEFORE UPDATE OF satisfaction ON feedback
                WHEN OLD.satisfaction IS NOT NULL AND (NEW.satisfaction IS NULL OR NEW.satisfaction <> OLD.satisfaction)
                BEGIN SELECT RAISE(ABORT, 'a rating is never changed'); END
                """,
            ]
        case .postgres:
            return [
                """
                CREATE FUNCTION feedback_kept() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF TG_OP = 'DELETE' THEN RAISE EXCEPTION 'feedback is never deleted'; END IF;
                    IF OLD.satisfaction IS NOT NULL AND NEW.satisfaction IS DISTINCT FROM OLD.satisfaction THEN
                        RAISE EXCEPTION 'a rating is never changed';
                    END IF;
                    RETURN NEW;
                END $$
                """,
                "CREATE TRIGGER feedback_kept BEFORE UPDATE OR DELETE ON feedback FOR EACH ROW EXECUTE FUNCTION feedback_kept()",
            ]
        }
    }
}

extension Schema {
    /// A count of the changes to the register and its categories, moved by the database itself on
    /// every write, whoever makes it: the stamp public lists are kept under (Open311's `GET
    /// requests`), read in one row, so a kept list is never stale on this node or another.
    static let feedbackChanges = Migration(version: 39, name: "feedback_changes") { kind in
        let table = [
            "CREATE TABLE feedback_changes (id INTEGER PRIMARY KEY CHECK (id = 1), n BIGINT NOT NULL)",
            "INSERT INTO feedback_changes (id, n) VALUES (1, 0)",
        ]
        switch kind {
        case .sqlite:
            return table + ["feedback", "feedback_categories"].flatMap { t in
                ["INSERT", "UPDATE"].map { op in
                    "CREATE TRIGGER \(t)_changed_\(op.lowercased()) AFTER \(op) ON \(t) BEGIN UPDATE feedback_changes SET n = n + 1 WHERE id = 1; END"
                }
            }
        case .postgres:
            // Once per statement: a batch written in one statement is one change.
            return table + [
                """
                CREATE FUNCTION feedback_changed() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN UPDATE feedback_changes SET n = n + 1 WHERE id = 1; RETURN NULL; END $$
                """,
                "CREATE TRIGGER feedback_changed AFTER INSERT OR UPDATE ON feedback FOR EACH STATEMENT EXECUTE FUNCTION feedback_changed()",
                "CREATE TRIGGER feedback_categories_changed AFTER INSERT OR UPDATE ON feedback_categories FOR EACH STATEMENT EXECUTE FUNCTION feedback_changed()",
            ]
        }
    }
}

extension Schema {
    /// Step 39's count taken in the audit chain's order on PostgreSQL, as the tasks' count is (step
    /// 47): the chain's lock first, before the statement's rows. A reply to a citizen writes the
    /// item and then appends to the chain, while a task made from an item appends first (its own
    /// count's trigger) and then writes the item: with the count's row taken after the rows, the two
    /// waited on each other. SQLite has one writer at a time and nothing to change.
    static let feedbackChangesInChainOrder = Migration(version: 48, name: "feedback_changes_in_chain_order") { kind in
        switch kind {
        case .sqlite: return []
        case .postgres:
            return [
                """
                CREATE OR REPLACE FUNCTION feedback_changed() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN PERFORM pg_advisory_xact_lock(\(AuditLog.chainLock)); UPDATE feedback_changes SET n = n + 1 WHERE id = 1; RETURN NULL; END $$
                """,
            ] + ["feedback", "feedback_categories"].flatMap { t in
                ["DROP TRIGGER \(t)_changed ON \(t)",
                 "CREATE TRIGGER \(t)_changed BEFORE INSERT OR UPDATE ON \(t) FOR EACH STATEMENT EXECUTE FUNCTION feedback_changed()"]
            }
        }
    }
}

extension Schema {
    /// The register's search reads a folded text kept in the row (no accents, lower case), so it
    /// searches every item, not the newest few thousand; rows written before are filled by the
    /// server as it starts (`FeedbackStore.fillSearchKeys`), found by their own index.
    static let feedbackSearch = Migration(version: 40, name: "feedback_search") { _ in
        [
            "ALTER TABLE feedback ADD COLUMN search_key TEXT",
            "CREATE INDEX feedback_unsearchable ON feedback(id) WHERE search_key IS NULL",
        ]
    }
}
