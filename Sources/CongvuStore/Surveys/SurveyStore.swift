import CongvuDomain
import Foundation
import SQLKit

/// A stored questionnaire version.
public struct StoredQuestionnaire: Sendable, Equatable {
    public var id: Int64
    public var questionnaire: Questionnaire
}

/// How a response reached us.
public enum SurveyChannel: String, CaseIterable, Codable, Sendable {
    /// The QR on a dossier's receipt, or the tracking page once the result was delivered: bound to the dossier.
    case receipt
    /// The counter's tablet, opened by the officer.
    case counter
    /// The open survey (the counter's poster, the unit's page): limited per address, with a proof of work.
    case open
}

/// One anonymous response.
public struct SurveyResponse: Sendable, Equatable {
    public var id: Int64
    public var questionnaireID: Int64
    public var questionnaireCode: String
    public var version: Int
    public var unitID: Int64
    public var officialID: Int64?
    public var channel: SurveyChannel
    public var day: Day
    public var answers: [String: String]
}

/// Questionnaires and their responses. A questionnaire's ready versions are stored on first use
/// (`ON CONFLICT DO NOTHING`: two nodes may try at once); responses are only ever added.
public struct SurveyStore: Sendable {
    let database: Database

    public init(database: Database) { self.database = database }

    static func encode<T: Encodable>(_ value: T) -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return String(decoding: (try? e.encode(value)) ?? Data("{}".utf8), as: UTF8.self)
    }

    /// Stores a questionnaire version (checked), unless that code and version exist; returns the stored one.
    @discardableResult
    public func publish(_ q: Questionnaire, at now: Date = Date()) async throws -> StoredQuestionnaire {
        let q = try q.validated()
        return try await database.write { sql in
            try await sql.raw("""
                INSERT INTO survey_questionnaires (code, version, body, created_at)
                VALUES (\(bind: q.code), \(bind: q.version), \(bind: Self.encode(q)), \(bind: Instant.format(now)))
                ON CONFLICT (code, version) DO NOTHING
                """).run()
            return try await Self.version(q.code, q.version, in: sql)!
        }
    }

    static func decode(_ r: any SQLRow) throws -> StoredQuestionnaire {
        let body = try r.decode(column: "body", as: String.self)
        guard let q = try? JSONDecoder().decode(Questionnaire.self, from: Data(body.utf8)) else { throw CorruptRow(column: "body") }
        return StoredQuestionnaire(id: try r.decode(column: "id", as: Int64.self), questionnaire: q)
    }

    static func version(_ code: String, _ version: Int, in sql: any SQLDatabase) async throws -> StoredQuestionnaire? {
        try await sql.select().column("*").from("survey_questionnaires").where("code", .equal, code).where("version", .equal, version).first().map(decode)
    }

    /// The latest version of a questionnaire; the ready one is stored when none is.
    public func current(_ code: String) async throws -> StoredQuestionnaire? {
        let latest = try await database.read { sql in
            try await sql.select().column("*").from("survey_questionnaires").where("code", .equal, code).orderBy("version", .descending).first().map(Self.decode)
        }
        if let latest { return latest }
        guard let ready = Questionnaire.ready.first(where: { $0.code == code }) else { return nil }
        return try await publish(ready)
    }

    public func get(_ id: Int64) async throws -> StoredQuestionnaire? {
        try await database.read { sql in try await sql.select().column("*").from("survey_questionnaires").where("id", .equal, id).first().map(Self.decode) }
    }

    /// Adds a response (the answers already checked against its version). One per dossier: a second
    /// is refused.
    @discardableResult
    public func respond(_ q: StoredQuestionnaire, unitID: Int64, officialID: Int64? = nil, dossierCode: String? = nil, channel: SurveyChannel,
                        answers: [String: String], at now: Date = Date()) async throws -> Int64 {
        try await database.write { sql in
            if let dossierCode, try await sql.select().column("id").from("survey_responses").where("dossier_code", .equal, dossierCode).first() != nil {
                throw StoreError.conflict(field: "dossier", key: "survey_already_answered")
            }
            return try await sql.insert(into: "survey_responses")
                .columns("questionnaire_id", "unit_id", "official_id", "dossier_code", "channel", "submitted_at", "submitted_day", "answers")
                .values(SQLBind(q.id), SQLBind(unitID), SQLBind(officialID), SQLBind(dossierCode), SQLBind(channel.rawValue), SQLBind(Instant.format(now)),
                        SQLBind(Day(now, in: CivilTime.vietnam).description), SQLBind(Self.encode(answers)))
                .returning("id").first()!.decode(column: "id", as: Int64.self)
        }
    }

    /// Whether a dossier's survey was answered.
    public func answered(dossierCode: String) async throws -> Bool {
        try await database.read { sql in try await sql.select().column("id").from("survey_responses").where("dossier_code", .equal, dossierCode).first() != nil }
    }

    /// The responses of the units over [from, to], oldest first, optionally of one questionnaire or about one official.
    public func responses(unitIDs: [Int64], from: Day, to: Day, code: String? = nil, officialID: Int64? = nil) async throws -> [SurveyResponse] {
        guard !unitIDs.isEmpty else { return [] }
        return try await database.read { sql in
            var q = sql.select().column(col("r.id")).column(col("r.questionnaire_id")).column(col("q.code")).column(col("q.version"))
                .column(col("r.unit_id")).column(col("r.official_id")).column(col("r.channel")).column(col("r.submitted_day")).column(col("r.answers"))
                .from(SQLAlias(SQLIdentifier("survey_responses"), as: SQLIdentifier("r")))
                .join(SQLAlias(SQLIdentifier("survey_questionnaires"), as: SQLIdentifier("q")), on: SQLRaw("q.id = r.questionnaire_id"))
                .where(col("r.unit_id"), .in, SQLBind.group(unitIDs))
                .where(col("r.submitted_day"), .greaterThanOrEqual, SQLBind(from.description)).where(col("r.submitted_day"), .lessThanOrEqual, SQLBind(to.description))
            if let code { q = q.where(col("q.code"), .equal, SQLBind(code)) }
            if let officialID { q = q.where(col("r.official_id"), .equal, SQLBind(officialID)) }
            return try await q.orderBy(col("r.id")).all().map { r in
                guard let channel = SurveyChannel(rawValue: try r.decode(column: "channel", as: String.self)),
                      let answers = try? JSONDecoder().decode([String: String].self, from: Data(try r.decode(column: "answers", as: String.self).utf8)) else {
                    throw CorruptRow(column: "answers")
                }
                return SurveyResponse(id: try r.decode(column: "id", as: Int64.self), questionnaireID: try r.decode(column: "questionnaire_id", as: Int64.self),
                                      questionnaireCode: try r.decode(column: "code", as: String.self), version: try r.decode(column: "version", as: Int.self),
                                      unitID: try r.decode(column: "unit_id", as: Int64.self), officialID: try r.optional("official_id", as: Int64.self),
                                      channel: channel, day: try r.requiredDay("submitted_day"), answers: answers)
            }
        }
    }

    /// Spends a proof of work's challenge: true the first time, false ever after (on any node).
    public func spend(challenge: String, at now: Date = Date()) async throws -> Bool {
        try await database.write { sql in
            try await sql.raw("""
                INSERT INTO survey_pow (challenge, spent_at) VALUES (\(bind: challenge), \(bind: Instant.format(now))) ON CONFLICT (challenge) DO NOTHING
                RETURNING challenge
                """).first() != nil
        }
    }

    /// Forgets challenges spent before `date` (they are out of date anyway).
    public func forgetSpent(before date: Date) async throws {
        try await database.write { sql in try await sql.delete(from: "survey_pow").where("spent_at", .lessThan, Instant.format(date)).run() }
    }

    /// The one-stop counters' ratings of dossiers (issue 14) over the same units and days, for the same results page.
    public func counterRatings(unitIDs: [Int64], from: Day, to: Day) async throws -> [Satisfaction: Int] {
        guard !unitIDs.isEmpty else { return [:] }
        let start = Instant.format(CivilTime.startOfDay(from)), end = Instant.format(CivilTime.startOfDay(to.next))
        return try await database.read { sql in
            var out: [Satisfaction: Int] = [:]
            for r in try await sql.select().column("satisfaction").from("dossier_ratings").where("unit_id", .in, SQLBind.group(unitIDs))
                .where("rated_at", .greaterThanOrEqual, SQLBind(start)).where("rated_at", .lessThan, SQLBind(end)).all() {
                if let s = Satisfaction(rawValue: try r.decode(column: "satisfaction", as: String.self)) { out[s, default: 0] += 1 }
            }
            return out
        }
    }
}
