import Foundation

/// The inspections feature's steps of the schema (issue 21), in the one ordered list `Schema.all`.
extension Schema {
    /// Checklists as dated versions; yearly plans with the team and the decision that formed it;
    /// visits with the roll taken at their start, item results, photos, violations (each with its
    /// explanation case), recommendations (each a corrective task), addenda after the minutes are
    /// locked; the weekly duty unit's roster and approved swaps.
    static let inspections = Migration(version: 29, name: "inspections") { kind in
        [
            """
            CREATE TABLE inspection_checklists (
                id {ID},
                unit_id BIGINT NOT NULL REFERENCES units(id),
                short INTEGER NOT NULL DEFAULT 0,
                version INTEGER NOT NULL,
                items TEXT NOT NULL,
                created_at TEXT NOT NULL,
                created_by TEXT NOT NULL,
                UNIQUE (unit_id, short, version))
            """,
            """
            CREATE TABLE inspection_plans (
                id {ID},
                body_id BIGINT NOT NULL REFERENCES units(id),
                year INTEGER NOT NULL,
                title TEXT NOT NULL,
                themes TEXT NOT NULL DEFAULT '',
                decision_number TEXT NOT NULL DEFAULT '',
                decision_date TEXT,
                decision_file TEXT,
                created_at TEXT NOT NULL,
                created_by TEXT NOT NULL)
            """,
            "CREATE INDEX inspection_plans_body ON inspection_plans(body_id, year)",
            """
            CREATE TABLE inspection_plan_units (
                plan_id BIGINT NOT NULL REFERENCES inspection_plans(id),
                unit_id BIGINT NOT NULL REFERENCES units(id),
                planned_visits INTEGER NOT NULL DEFAULT 1,
                PRIMARY KEY (plan_id, unit_id))
            """,
            """
            CREATE TABLE inspection_team_members (
                plan_id BIGINT NOT NULL REFERENCES inspection_plans(id),
                person_id BIGINT NOT NULL REFERENCES people(id),
                role TEXT NOT NULL,
                PRIMARY KEY (plan_id, person_id))
            """,
            """
            CREATE TABLE inspection_visits (
                id {ID},
                body_id BIGINT NOT NULL REFERENCES units(id),
                plan_id BIGINT REFERENCES inspection_plans(id),
                unit_id BIGINT NOT NULL REFERENCES units(id),
                kind TEXT NOT NULL,
                status TEXT NOT NULL,
                checklist_id BIGINT NOT NULL REFERENCES inspection_checklists(id),
                year INTEGER NOT NULL,
                planned_for TEXT,
                week_start TEXT,
                started_at TEXT,
                ended_at TEXT,
                leader_id BIGINT REFERENCES people(id),
                representative TEXT NOT NULL DEFAULT '',
                conclusions TEXT NOT NULL DEFAULT '',
                number INTEGER,
                content_hash TEXT,
                finalised_at TEXT,
                finalised_by TEXT,
                created_at TEXT NOT NULL,
                created_by TEXT NOT NULL,
                version INTEGER NOT NULL DEFAULT 1)
            """,
            "CREATE INDEX inspection_visits_unit ON inspection_visits(unit_id, started_at)",
            "CREATE INDEX inspection_visits_body ON inspection_visits(body_id, year, status)",
            "CREATE UNIQUE INDEX inspection_visits_number ON inspection_visits(body_id, year, number) WHERE number IS NOT NULL",
            """
            CREATE TABLE inspection_roll (
                visit_id BIGINT NOT NULL REFERENCES inspection_visits(id),
                person_id BIGINT NOT NULL REFERENCES people(id),
                unit_id BIGINT NOT NULL REFERENCES units(id),
                full_name TEXT NOT NULL,
                title TEXT NOT NULL,
                state TEXT NOT NULL,
                detail TEXT NOT NULL DEFAULT '',
                sighting TEXT,
                finding TEXT,
                marked_at TEXT,
                marked_by TEXT NOT NULL DEFAULT '',
                PRIMARY KEY (visit_id, person_id))
            """,
            """
            CREATE TABLE inspection_results (
                visit_id BIGINT NOT NULL REFERENCES inspection_visits(id),
                code TEXT NOT NULL,
                result TEXT NOT NULL,
                note TEXT NOT NULL DEFAULT '',
                marked_at TEXT NOT NULL,
                marked_by TEXT NOT NULL,
                PRIMARY KEY (visit_id, code))
            """,
            """
            CREATE TABLE inspection_photos (
                id {ID},
                visit_id BIGINT NOT NULL REFERENCES inspection_visits(id),
                code TEXT NOT NULL DEFAULT '',
                sha256 TEXT NOT NULL,
                ext TEXT NOT NULL,
                size INTEGER NOT NULL,
                taken_at TEXT NOT NULL,
                taken_by TEXT NOT NULL,
                UNIQUE (visit_id, sha256))
            """,
            """
            CREATE TABLE inspection_violations (
                id {ID},
                visit_id BIGINT NOT NULL REFERENCES inspection_visits(id),
                person_id BIGINT NOT NULL REFERENCES people(id),
                kind TEXT NOT NULL,
                at TEXT NOT NULL,
                explanation_id BIGINT REFERENCES explanations(id))
            """,
            "CREATE INDEX inspection_violations_visit ON inspection_violations(visit_id)",
            "CREATE INDEX inspection_violations_explanation ON inspection_violations(explanation_id)",
            """
            CREATE TABLE inspection_recommendations (
                id {ID},
                visit_id BIGINT NOT NULL REFERENCES inspection_visits(id),
                text TEXT NOT NULL,
                owner_id BIGINT NOT NULL REFERENCES people(id),
                due TEXT NOT NULL,
                task_id BIGINT REFERENCES tasks(id))
            """,
            "CREATE INDEX inspection_recommendations_visit ON inspection_recommendations(visit_id)",
            """
            CREATE TABLE inspection_addenda (
                id {ID},
                visit_id BIGINT NOT NULL REFERENCES inspection_visits(id),
                at TEXT NOT NULL,
                actor_name TEXT NOT NULL,
                text TEXT NOT NULL)
            """,
            "CREATE INDEX inspection_addenda_visit ON inspection_addenda(visit_id, id)",
            """
            CREATE TABLE duty_rosters (
                unit_id BIGINT PRIMARY KEY REFERENCES units(id),
                departments TEXT NOT NULL,
                start_week TEXT NOT NULL,
                minimum_checks INTEGER NOT NULL,
                updated_at TEXT NOT NULL,
                version INTEGER NOT NULL DEFAULT 1)
            """,
            """
            CREATE TABLE duty_swaps (
                unit_id BIGINT NOT NULL REFERENCES units(id),
                week_start TEXT NOT NULL,
                department_id BIGINT NOT NULL REFERENCES units(id),
                reason TEXT NOT NULL,
                approved_by TEXT NOT NULL,
                approved_at TEXT NOT NULL,
                PRIMARY KEY (unit_id, week_start))
            """,
        ] + appendOnly("inspection_addenda", kind) + appendOnly("inspection_violations", kind)
    }
}

extension Schema {
    /// The weekly duty unit's report for the Monday meeting: its comment on each department's week
    /// (discipline and key tasks) and a summary (department 0), each change audited.
    static let dutyReports = Migration(version: 30, name: "duty_reports", sql: [
        """
        CREATE TABLE duty_reports (
            unit_id BIGINT NOT NULL REFERENCES units(id),
            week_start TEXT NOT NULL,
            department_id BIGINT NOT NULL,
            text TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            updated_by TEXT NOT NULL,
            PRIMARY KEY (unit_id, week_start, department_id))
        """,
    ])
}

extension Schema {
    /// A re-inspection names the visit whose open recommendations it checks.
    static let reinspections = Migration(version: 31, name: "reinspections", sql: [
        "ALTER TABLE inspection_visits ADD COLUMN follows_id BIGINT REFERENCES inspection_visits(id)",
    ])
}

extension Schema {
    /// A department asks to swap its duty week; the committee approves (the swap takes effect) or
    /// refuses, with who and when.
    static let dutySwapRequests = Migration(version: 32, name: "duty_swap_requests") { _ in
        [
            """
            CREATE TABLE duty_swap_requests (
                id {ID},
                unit_id BIGINT NOT NULL REFERENCES units(id),
                week_start TEXT NOT NULL,
                department_id BIGINT NOT NULL REFERENCES units(id),
                reason TEXT NOT NULL,
                requested_by TEXT NOT NULL,
                requested_at TEXT NOT NULL,
                status TEXT NOT NULL,
                decided_by TEXT NOT NULL DEFAULT '',
                decided_at TEXT)
            """,
            "CREATE INDEX duty_swap_requests_unit ON duty_swap_requests(unit_id, status)",
        ]
    }
}
