import Foundation

/// The surveys' step of the schema (issue 23), in the one ordered list `Schema.all`.
extension Schema {
    /// Questionnaires as versioned data (a version is never changed: a new wording is a new version)
    /// and the responses, append-only and anonymous: no address, no name; a dossier's code only to
    /// keep one response per delivered dossier.
    static let surveys = Migration(version: 37, name: "surveys") { kind in
        [
            """
            CREATE TABLE survey_questionnaires (
                id {ID},
                code TEXT NOT NULL,
                version INTEGER NOT NULL,
                body TEXT NOT NULL,
                created_at TEXT NOT NULL,
                UNIQUE (code, version))
            """,
            """
            CREATE TABLE survey_responses (
                id {ID},
                questionnaire_id BIGINT NOT NULL REFERENCES survey_questionnaires(id),
                unit_id BIGINT NOT NULL REFERENCES units(id),
                official_id BIGINT REFERENCES people(id),
                dossier_code TEXT,
                channel TEXT NOT NULL,
                submitted_at TEXT NOT NULL,
                submitted_day TEXT NOT NULL,
                answers TEXT NOT NULL)
            """,
            "CREATE UNIQUE INDEX survey_responses_dossier ON survey_responses(dossier_code) WHERE dossier_code IS NOT NULL",
            "CREATE INDEX survey_responses_unit_day ON survey_responses(unit_id, submitted_day)",
            "CREATE INDEX survey_responses_official ON survey_responses(official_id, submitted_day) WHERE official_id IS NOT NULL",
            // The open survey's proofs of work, each spent once, whichever node sees it.
            "CREATE TABLE survey_pow (challenge TEXT PRIMARY KEY, spent_at TEXT NOT NULL)",
            "CREATE INDEX survey_pow_spent ON survey_pow(spent_at)",
        ] + appendOnly("survey_responses", kind) + appendOnly("survey_questionnaires", kind)
    }
}
