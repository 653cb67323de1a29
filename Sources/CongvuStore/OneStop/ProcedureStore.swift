import CongvuDomain
import Foundation
import SQLKit

/// The dated one-stop rules (cut-off, apology lead, supplement time, evaluation bands), as stored.
public struct OneStopRuleBook: Sendable {
    public var versions: [OneStopRules]

    public func rules(on day: Day) -> OneStopRules { OneStopRules.inForce(versions, on: day) }

    static func load(_ sql: any SQLDatabase) async throws -> OneStopRuleBook {
        OneStopRuleBook(versions: try await sql.select().column("*").from("one_stop_rules").orderBy("valid_from").all().map { row in
            guard let cut = ClockTime(try row.decode(column: "same_day_cut_off", as: String.self)) else { throw CorruptRow(column: "same_day_cut_off") }
            return OneStopRules(validFrom: try row.requiredDay("valid_from"), sameDayCutOff: cut,
                                apologyLeadDays: try row.decode(column: "apology_lead_days", as: Int.self),
                                supplementDays: try row.decode(column: "supplement_days", as: Int.self),
                                bands: try jsonValue([EvaluationBand].self, row, "bands"), basis: try row.decode(column: "basis", as: String.self))
        })
    }
}

/// A JSON column read back; a value that does not decode is a corrupt row.
func jsonValue<T: Decodable>(_ type: T.Type, _ row: any SQLRow, _ column: String) throws -> T {
    do { return try JSONDecoder().decode(type, from: Data(try row.decode(column: column, as: String.self).utf8)) } catch is DecodingError {
        throw CorruptRow(column: column)
    }
}

/// The procedure catalogue: versions with validity dates, posting flags, CSV import with a dry run.
public struct ProcedureStore: Sendable {
    let database: Database

    public init(database: Database) { self.database = database }

    static func decode(_ row: any SQLRow) throws -> Procedure {
        guard let unit = TimeUnit(rawValue: try row.decode(column: "time_unit", as: String.self)) else { throw CorruptRow(column: "time_unit") }
        guard let level = CompetentLevel(rawValue: try row.decode(column: "level", as: String.self)) else { throw CorruptRow(column: "level") }
        guard let online = OnlineLevel(rawValue: try row.decode(column: "online_level", as: String.self)) else { throw CorruptRow(column: "online_level") }
        return Procedure(id: try row.decode(column: "id", as: Int64.self), code: try row.decode(column: "code", as: String.self),
                         name: try row.decode(column: "name", as: String.self), field: try row.decode(column: "field", as: String.self),
                         level: level, time: ProcessingTime(try row.decode(column: "time_value", as: Int.self), unit), onlineLevel: online,
                         fee: try row.decode(column: "fee", as: Int.self), feeNote: try row.decode(column: "fee_note", as: String.self),
                         documents: try jsonValue([DocumentItem].self, row, "documents"), result: try row.decode(column: "result", as: String.self),
                         legalBasis: try row.decode(column: "legal_basis", as: String.self), version: try row.decode(column: "version", as: Int.self),
                         validFrom: try row.requiredDay("valid_from"), validTo: try row.day("valid_to"),
                         steps: try jsonValue([WorkflowStep].self, row, "steps"),
                         postedAtCounter: try row.decode(column: "posted_counter", as: Bool.self),
                         postedOnPortal: try row.decode(column: "posted_portal", as: Bool.self))
    }

    static func insert(_ p: Procedure, _ sql: any SQLDatabase) async throws -> Int64 {
        let row = try await sql.insert(into: "procedures")
            .columns("code", "version", "name", "search_key", "field", "level", "time_value", "time_unit", "online_level", "fee", "fee_note",
                     "documents", "result", "legal_basis", "valid_from", "valid_to", "steps", "posted_counter", "posted_portal")
            .values(SQLBind(p.code), SQLBind(p.version), SQLBind(p.name), SQLBind(SearchKey.fold(p.name + " " + p.code)), SQLBind(p.field),
                    SQLBind(p.level.rawValue), SQLBind(p.time.value), SQLBind(p.time.unit.rawValue), SQLBind(p.onlineLevel.rawValue),
                    SQLBind(p.fee), SQLBind(p.feeNote), SQLBind(AuditJSON.encode(p.documents)), SQLBind(p.result), SQLBind(p.legalBasis),
                    SQLBind(p.validFrom.description), SQLBind(p.validTo?.description), SQLBind(AuditJSON.encode(p.steps)),
                    SQLBind(p.postedAtCounter), SQLBind(p.postedOnPortal))
            .returning("id").first()
        return try row!.decode(column: "id", as: Int64.self)
    }

    static func audited(_ p: Procedure) -> String {
        AuditJSON.encode(["code": p.code, "version": String(p.version), "name": p.name, "time": p.time.description,
                          "online_level": p.onlineLevel.rawValue, "valid_from": p.validFrom.description, "valid_to": p.validTo?.description ?? "",
                          "posted": "\(p.postedAtCounter)/\(p.postedOnPortal)"])
    }

    /// Adds a procedure version. A code and version pair is unique.
    public func create(_ p: Procedure, by actor: Actor) async throws -> Procedure {
        let kind = database.kind
        return try await database.write { sql in try await Self.create(p, reason: "", in: sql, kind: kind, by: actor) }
    }

    static func exists(code: String, version: Int, _ sql: any SQLDatabase) async throws -> Bool {
        try await sql.select().column("id").from("procedures").where("code", .equal, code).where("version", .equal, version).first() != nil
    }

    /// Adds a version inside the caller's transaction, audited (the form and the CSV import).
    static func create(_ p: Procedure, reason: String, in sql: any SQLDatabase, kind: DatabaseKind, by actor: Actor) async throws -> Procedure {
        if try await exists(code: p.code, version: p.version, sql) { throw StoreError.conflict(field: "version", key: "procedure_version_taken") }
        var stored = p
        stored.id = try await insert(p, sql)
        try await AuditLog.append(.init(action: .create, objectType: "procedure", objectID: String(stored.id), after: audited(stored), reason: reason),
                                  by: actor, in: sql, kind: kind)
        return stored
    }

    /// Changes a version in place (typing errors, posting flags, the end of validity), with a reason.
    public func update(_ p: Procedure, reason: String, by actor: Actor) async throws {
        let kind = database.kind
        try await database.write { sql in
            guard let before = try await sql.select().column("*").from("procedures").where("id", .equal, p.id).first().map(Self.decode) else {
                throw StoreError.notFound("procedure")
            }
            if (before.code, before.version) != (p.code, p.version), try await Self.exists(code: p.code, version: p.version, sql) {
                throw StoreError.conflict(field: "version", key: "procedure_version_taken")
            }
            try await sql.update("procedures")
                .set("code", to: p.code).set("version", to: p.version).set("name", to: p.name).set("search_key", to: SearchKey.fold(p.name + " " + p.code))
                .set("field", to: p.field).set("level", to: p.level.rawValue).set("time_value", to: p.time.value).set("time_unit", to: p.time.unit.rawValue)
                .set("online_level", to: p.onlineLevel.rawValue).set("fee", to: p.fee).set("fee_note", to: p.feeNote)
                .set("documents", to: AuditJSON.encode(p.documents)).set("result", to: p.result).set("legal_basis", to: p.legalBasis)
                .set("valid_from", to: p.validFrom.description).set("valid_to", to: p.validTo?.description).set("steps", to: AuditJSON.encode(p.steps))
                .set("posted_counter", to: p.postedAtCounter).set("posted_portal", to: p.postedOnPortal)
                .where("id", .equal, p.id).run()
            try await AuditLog.append(.init(action: .update, objectType: "procedure", objectID: String(p.id), before: Self.audited(before),
                                            after: Self.audited(p), reason: reason), by: actor, in: sql, kind: kind)
        }
    }

    public func get(_ id: Int64) async throws -> Procedure? {
        try await database.read { sql in try await sql.select().column("*").from("procedures").where("id", .equal, id).first().map(Self.decode) }
    }

    /// Every version of the given codes, by code.
    public func versions(of codes: Set<String>) async throws -> [String: [Procedure]] {
        let all = Array(codes)
        return try await database.read { sql in
            var out: [String: [Procedure]] = [:]
            for chunk in stride(from: 0, to: all.count, by: 500) {
                for row in try await sql.select().column("*").from("procedures").where("code", .in, Array(all[chunk..<min(chunk + 500, all.count)]))
                    .orderBy("valid_from").orderBy("version").all() {
                    let p = try Self.decode(row)
                    out[p.code, default: []].append(p)
                }
            }
            return out
        }
    }

    /// The catalogue, filtered by a folded search (name or code), a field, and validity on a day.
    public func list(search: String = "", field: String = "", validOn: Day? = nil, limit: Int = 500) async throws -> [Procedure] {
        try await database.read { sql in
            var q = sql.select().column("*").from("procedures")
            let key = SearchKey.fold(search)
            if !key.isEmpty { q = q.where("search_key", .like, "%\(key)%") }
            if !field.isEmpty { q = q.where("field", .equal, field) }
            if let d = validOn {
                q = q.where("valid_from", .lessThanOrEqual, d.description)
                    .where { $0.where("valid_to", .is, SQLLiteral.null).orWhere("valid_to", .greaterThanOrEqual, d.description) }
            }
            return try await q.orderBy("field").orderBy("code").orderBy("version").limit(limit).all().map(Self.decode)
        }
    }

    public func fields() async throws -> [String] {
        try await database.read { sql in
            try await sql.select().distinct().column("field").from("procedures").orderBy("field").all().map { try $0.decode(column: "field", as: String.self) }
        }
    }

    public func figures(on day: Day) async throws -> CatalogueFigures {
        CatalogueFigures(try await list(validOn: day, limit: 100_000), on: day)
    }
}
