import CongvuDomain
import Foundation
import SQLKit

/// A stored framework version.
public struct StoredFramework: Sendable, Equatable {
    public var id: Int64
    public var framework: ReformFramework
}

/// A year's assessment by one issuing body (its council) on one framework version.
public struct ReformRound: Sendable, Equatable {
    public var id: Int64
    public var framework: StoredFramework
    public var bodyID: Int64
    public var year: Int
    /// The last day units may change and submit their self-assessment.
    public var deadline: Day
    public var status: ReformRoundStatus
    public var decisionNumber: String
    public var decisionDay: Day?
    public var version: Int
}

/// A unit assessed in a round, with its peer group and when it submitted.
public struct ReformParticipant: Sendable, Equatable {
    public var unitID: Int64
    public var unitName: String
    public var unitPath: String
    public var group: String
    public var submittedAt: Date?
}

/// A file or a link to a record offered as evidence for a sub-criterion.
public struct ReformEvidence: Sendable, Equatable {
    public var id: Int64
    public var code: String
    /// The stored file's name in the content store (empty for a link).
    public var file: String
    public var fileName: String
    public var link: String
    public var addedAt: Date
    public var addedBy: String
}

/// A unit's published result.
public struct ReformPublished: Sendable, Equatable {
    public var unitID: Int64
    public var group: String
    public var points: Points
    public var maximum: Points
    public var index: Percent
    public var survey: Points
    public var band: String
    public var rank: Int
    public var of: Int
}

/// A year's index of a unit, published here or entered from before the system.
public struct ReformHistoryEntry: Sendable, Equatable {
    public var unitID: Int64
    public var year: Int
    public var issuer: String
    public var index: Percent
    public var band: String
    public var rank: Int?
    public var of: Int?
    public var roundID: Int64?

    public init(unitID: Int64, year: Int, issuer: String, index: Percent, band: String = "", rank: Int? = nil, of: Int? = nil, roundID: Int64? = nil) {
        self.unitID = unitID
        self.year = year
        self.issuer = issuer
        self.index = index
        self.band = band
        self.rank = rank
        self.of = of
        self.roundID = roundID
    }
}

/// The reform index's frameworks, rounds, assessments and results (issue 24). Every change is
/// audited in its own transaction; a published round changes no more.
public struct ReformStore: Sendable {
    let database: Database

    public init(database: Database) { self.database = database }

    // MARK: Frameworks

    /// Stores a framework version (checked). The same code and version stored with another text is
    /// refused (a change is a new version); stored with the same text, it is the stored one.
    @discardableResult
    public func saveFramework(_ f: ReformFramework, by actor: Actor) async throws -> StoredFramework {
        let f = try f.validated(), kind = database.kind
        let body = AuditJSON.encode(f)
        return try await database.write { sql in
            if let existing = try await Self.framework(code: f.code, version: f.version, in: sql) {
                guard existing.framework == f else { throw StoreError.conflict(field: "version", key: "reform_framework_exists") }
                return existing
            }
            let id = try await sql.insert(into: "reform_frameworks")
                .columns("code", "version", "year", "title", "is_example", "body", "created_at", "created_by")
                .values(SQLBind(f.code), SQLBind(f.version), SQLBind(f.year), SQLBind(f.title), SQLBind(f.isExample ? 1 : 0), SQLBind(body),
                        SQLBind(Instant.now()), SQLBind(actor.name))
                .returning("id").first()!.decode(column: "id", as: Int64.self)
            try await AuditLog.append(.init(action: .create, objectType: "reform_framework", objectID: String(id),
                                            after: AuditJSON.encode(["code": f.code, "version": String(f.version), "year": String(f.year)])),
                                      by: actor, in: sql, kind: kind)
            return StoredFramework(id: id, framework: f)
        }
    }

    static func decodeFramework(_ r: any SQLRow) throws -> StoredFramework {
        let body = try r.decode(column: "body", as: String.self)
        guard let f = try? JSONDecoder().decode(ReformFramework.self, from: Data(body.utf8)) else { throw CorruptRow(column: "body") }
        return StoredFramework(id: try r.decode(column: "id", as: Int64.self), framework: f)
    }

    static func framework(code: String, version: Int, in sql: any SQLDatabase) async throws -> StoredFramework? {
        try await sql.select().column("*").from("reform_frameworks").where("code", .equal, code).where("version", .equal, version).first().map(decodeFramework)
    }

    /// Every stored version, the newest year first.
    public func frameworks() async throws -> [StoredFramework] {
        try await database.read { sql in
            try await sql.select().column("*").from("reform_frameworks").orderBy("year", .descending).orderBy("code").orderBy("version", .descending)
                .all().map(Self.decodeFramework)
        }
    }

    public func framework(_ id: Int64) async throws -> StoredFramework? {
        try await database.read { sql in try await sql.select().column("*").from("reform_frameworks").where("id", .equal, id).first().map(Self.decodeFramework) }
    }

    // MARK: Rounds

    /// Opens a year's round of `bodyID` on a framework for `units` with their peer groups, open for
    /// self-assessment until `deadline`.
    public func openRound(frameworkID: Int64, bodyID: Int64, deadline: Day, units: [(unitID: Int64, group: String)], by actor: Actor) async throws -> Int64 {
        let kind = database.kind
        return try await database.write { sql in
            guard let f = try await sql.select().column("*").from("reform_frameworks").where("id", .equal, frameworkID).first().map(Self.decodeFramework)
            else { throw StoreError.notFound("reform_framework") }
            var errors = ValidationErrors()
            if units.isEmpty || Set(units.map(\.unitID)).count != units.count { errors.add("units", "reform_units") }
            if units.contains(where: { !f.framework.peerGroups.contains($0.group) }) { errors.add("units", "reform_peer_groups") }
            try errors.throwIfAny()
            if try await sql.select().column("id").from("reform_rounds").where("body_id", .equal, bodyID).where("framework_id", .equal, frameworkID).first() != nil {
                throw StoreError.conflict(field: "framework", key: "reform_round_exists")
            }
            let id = try await sql.insert(into: "reform_rounds")
                .columns("framework_id", "body_id", "year", "deadline", "status", "created_at", "created_by")
                .values(SQLBind(frameworkID), SQLBind(bodyID), SQLBind(f.framework.year), SQLBind(deadline.description),
                        SQLBind(ReformRoundStatus.open.rawValue), SQLBind(Instant.now()), SQLBind(actor.name))
                .returning("id").first()!.decode(column: "id", as: Int64.self)
            for u in units {
                try await sql.insert(into: "reform_participants").columns("round_id", "unit_id", "peer_group")
                    .values(SQLBind(id), SQLBind(u.unitID), SQLBind(u.group)).run()
            }
            try await AuditLog.append(.init(action: .create, objectType: "reform_round", objectID: String(id),
                                            after: AuditJSON.encode(["framework": "\(f.framework.code)/\(f.framework.version)", "deadline": deadline.description,
                                                                     "units": units.map { "\($0.unitID):\($0.group)" }.joined(separator: ",")])),
                                      by: actor, in: sql, kind: kind)
            return id
        }
    }

    static func decodeRound(_ r: any SQLRow, in sql: any SQLDatabase) async throws -> ReformRound {
        let fid = try r.decode(column: "framework_id", as: Int64.self)
        guard let f = try await sql.select().column("*").from("reform_frameworks").where("id", .equal, fid).first().map(decodeFramework),
              let status = ReformRoundStatus(rawValue: try r.decode(column: "status", as: String.self)) else { throw CorruptRow(column: "framework_id") }
        return ReformRound(id: try r.decode(column: "id", as: Int64.self), framework: f, bodyID: try r.decode(column: "body_id", as: Int64.self),
                           year: try r.decode(column: "year", as: Int.self), deadline: try r.requiredDay("deadline"), status: status,
                           decisionNumber: try r.decode(column: "decision_number", as: String.self), decisionDay: try r.day("decision_day"),
                           version: try r.decode(column: "version", as: Int.self))
    }

    static func round(_ id: Int64, in sql: any SQLDatabase) async throws -> ReformRound? {
        guard let r = try await sql.select().column("*").from("reform_rounds").where("id", .equal, id).first() else { return nil }
        return try await decodeRound(r, in: sql)
    }

    public func round(_ id: Int64) async throws -> ReformRound? {
        try await database.read { sql in try await Self.round(id, in: sql) }
    }

    /// Every round, the latest year first.
    public func rounds() async throws -> [ReformRound] {
        try await database.read { sql in
            var out: [ReformRound] = []
            for r in try await sql.select().column("*").from("reform_rounds").orderBy("year", .descending).orderBy("id", .descending).all() {
                out.append(try await Self.decodeRound(r, in: sql))
            }
            return out
        }
    }

    /// The rounds a unit takes part in, with its peer group.
    public func rounds(unitID: Int64) async throws -> [(round: ReformRound, group: String)] {
        try await database.read { sql in
            var out: [(round: ReformRound, group: String)] = []
            let rows = try await sql.raw("""
                SELECT r.*, p.peer_group FROM reform_rounds r JOIN reform_participants p ON p.round_id = r.id
                WHERE p.unit_id = \(bind: unitID) ORDER BY r.year DESC, r.id DESC
                """).all()
            for r in rows {
                out.append((try await Self.decodeRound(r, in: sql), try r.decode(column: "peer_group", as: String.self)))
            }
            return out
        }
    }

    public func participants(roundID: Int64) async throws -> [ReformParticipant] {
        try await database.read { sql in try await Self.participants(roundID, in: sql) }
    }

    static func participants(_ roundID: Int64, in sql: any SQLDatabase) async throws -> [ReformParticipant] {
        try await sql.select().column(col("p.unit_id")).column(col("p.peer_group")).column(col("p.submitted_at")).column(col("u.name")).column(col("u.path"))
            .from(SQLAlias(SQLIdentifier("reform_participants"), as: SQLIdentifier("p")))
            .join(SQLAlias(SQLIdentifier("units"), as: SQLIdentifier("u")), on: SQLRaw("u.id = p.unit_id"))
            .where(col("p.round_id"), .equal, SQLBind(roundID)).orderBy(col("u.search_key")).all()
            .map { r in
                ReformParticipant(unitID: try r.decode(column: "unit_id", as: Int64.self), unitName: try r.decode(column: "name", as: String.self),
                                  unitPath: try r.decode(column: "path", as: String.self), group: try r.decode(column: "peer_group", as: String.self),
                                  submittedAt: try r.optionalInstant("submitted_at"))
            }
    }

    // MARK: Entries

    /// A unit's entries by sub-criterion code, with their evidence counted.
    public func entries(roundID: Int64, unitID: Int64) async throws -> [String: ReformEntry] {
        try await database.read { sql in try await Self.entries(roundID, unitIDs: [unitID], in: sql)[unitID] ?? [:] }
    }

    static func entries(_ roundID: Int64, unitIDs: [Int64]? = nil, in sql: any SQLDatabase) async throws -> [Int64: [String: ReformEntry]] {
        var q = sql.select().column("*").from("reform_entries").where("round_id", .equal, roundID)
        if let unitIDs { q = q.where("unit_id", .in, SQLBind.group(unitIDs)) }
        var out: [Int64: [String: ReformEntry]] = [:]
        for r in try await q.all() {
            func points(_ c: String) throws -> Points? { try r.optional(c, as: Int.self).map { Points(hundredths: $0) } }
            let num = try r.optional("measured_num", as: Int.self), den = try r.optional("measured_den", as: Int.self)
            out[try r.decode(column: "unit_id", as: Int64.self), default: [:]][try r.decode(column: "code", as: String.self)] = ReformEntry(
                selfPoints: try points("self_points"), note: try r.decode(column: "note", as: String.self),
                measured: num.flatMap { n in den.map { MeasureValue(n, of: $0) } }, councilPoints: try points("council_points"),
                councilReason: try r.decode(column: "council_reason", as: String.self), notApplicable: try r.decode(column: "not_applicable", as: Int.self) != 0)
        }
        var evidence = sql.select().column("unit_id").column("code").column(SQLRaw("COUNT(*) AS n")).from("reform_evidence").where("round_id", .equal, roundID)
        if let unitIDs { evidence = evidence.where("unit_id", .in, SQLBind.group(unitIDs)) }
        for r in try await evidence.groupBy("unit_id").groupBy("code").all() {
            let unit = try r.decode(column: "unit_id", as: Int64.self), code = try r.decode(column: "code", as: String.self)
            out[unit, default: [:]][code, default: ReformEntry()].evidence = try r.decode(column: "n", as: Int.self)
        }
        return out
    }

    /// The round, the unit's place in it and the sub-criterion, read in a write transaction.
    struct Context {
        var round: ReformRound
        var participant: ReformParticipant
        var sub: ReformFramework.SubCriterion
        var entry: ReformEntry?
    }

    static func context(_ roundID: Int64, unitID: Int64, code: String, in sql: any SQLDatabase) async throws -> Context {
        guard let round = try await round(roundID, in: sql) else { throw StoreError.notFound("reform_round") }
        guard let participant = try await participants(roundID, in: sql).first(where: { $0.unitID == unitID }) else { throw StoreError.notFound("unit") }
        guard let sub = round.framework.framework.subCriteria.first(where: { $0.code == code }), sub.applies(to: participant.group) else {
            throw StoreError.notFound("reform_criterion")
        }
        return Context(round: round, participant: participant, sub: sub, entry: try await entries(roundID, unitIDs: [unitID], in: sql)[unitID]?[code])
    }

    static func upsert(_ roundID: Int64, _ unitID: Int64, _ code: String, set: [(String, any Encodable & Sendable)], in sql: any SQLDatabase) async throws {
        let exists = try await sql.select().column("code").from("reform_entries").where("round_id", .equal, roundID).where("unit_id", .equal, unitID)
            .where("code", .equal, code).first() != nil
        if !exists {
            try await sql.insert(into: "reform_entries").columns("round_id", "unit_id", "code").values(SQLBind(roundID), SQLBind(unitID), SQLBind(code)).run()
        }
        var update = sql.update("reform_entries")
        for (column, value) in set { update = update.set(column, to: SQLBind(value)) }
        try await update.where("round_id", .equal, roundID).where("unit_id", .equal, unitID).where("code", .equal, code).run()
    }

    static func entryAudit(_ e: ReformEntry?) -> String {
        guard let e else { return "" }
        return AuditJSON.encode(["self_points": e.selfPoints?.description ?? "", "note": e.note, "council_points": e.councilPoints?.description ?? "",
                                 "council_reason": e.councilReason, "not_applicable": e.notApplicable ? "1" : "0"])
    }

    /// The unit's own points and explanation for a manual sub-criterion, while the round is open,
    /// before the unit submitted and by the deadline, within the maximum, with evidence where asked.
    public func assess(roundID: Int64, unitID: Int64, code: String, points: Points, note: String, on day: Day, by actor: Actor) async throws {
        let kind = database.kind
        try await database.write { sql in
            let c = try await Self.context(roundID, unitID: unitID, code: code, in: sql)
            try Self.refuseUnlessOpen(c)
            try ReformAssessmentRules.selfAssessed(points, of: c.sub, evidence: c.entry?.evidence ?? 0, on: day, deadline: c.round.deadline)
            let note = String(note.tidied.prefix(4000))
            try await Self.upsert(roundID, unitID, code, set: [("self_points", points.hundredths), ("note", note), ("self_at", Instant.now()),
                                                                ("self_by", actor.name)], in: sql)
            var after = c.entry ?? ReformEntry()
            after.selfPoints = points
            after.note = note
            try await AuditLog.append(.init(action: .update, objectType: "reform_entry", objectID: "\(roundID)/\(unitID)/\(code)",
                                            before: Self.entryAudit(c.entry), after: Self.entryAudit(after)), by: actor, in: sql, kind: kind)
        }
    }

    static func refuseUnlessOpen(_ c: Context) throws {
        if c.round.status != .open { throw ValidationErrors([FieldError("points", "reform_round_closed")]) }
        if c.participant.submittedAt != nil { throw ValidationErrors([FieldError("points", "reform_submitted")]) }
    }

    /// Attaches evidence (a stored file, or a link to a record) to a sub-criterion, under the same
    /// conditions as the points.
    @discardableResult
    public func addEvidence(roundID: Int64, unitID: Int64, code: String, file: String = "", fileName: String = "", link: String = "", on day: Day,
                            by actor: Actor) async throws -> Int64 {
        let kind = database.kind
        return try await database.write { sql in
            let c = try await Self.context(roundID, unitID: unitID, code: code, in: sql)
            try Self.refuseUnlessOpen(c)
            if day > c.round.deadline { throw ValidationErrors([FieldError("evidence", "reform_after_deadline")]) }
            let link = link.tidied
            if file.isEmpty && link.isEmpty { throw ValidationErrors([FieldError("evidence", "required")]) }
            // A page of this system (`/tasks/12`, not `//elsewhere`) or a web address.
            let page = link.hasPrefix("/") && !link.hasPrefix("//") && !link.contains("\\")
            if !link.isEmpty && !(page || link.hasPrefix("https://") || link.hasPrefix("http://")) || link.count > 500 {
                throw ValidationErrors([FieldError("link", "reform_link")])
            }
            let id = try await sql.insert(into: "reform_evidence")
                .columns("round_id", "unit_id", "code", "file", "file_name", "link", "added_at", "added_by")
                .values(SQLBind(roundID), SQLBind(unitID), SQLBind(code), SQLBind(file), SQLBind(String(fileName.prefix(200))), SQLBind(link),
                        SQLBind(Instant.now()), SQLBind(actor.name))
                .returning("id").first()!.decode(column: "id", as: Int64.self)
            try await AuditLog.append(.init(action: .create, objectType: "reform_evidence", objectID: String(id),
                                            after: AuditJSON.encode(["entry": "\(roundID)/\(unitID)/\(code)", "file": fileName, "link": link])),
                                      by: actor, in: sql, kind: kind)
            return id
        }
    }

    /// Takes a piece of evidence back, while the unit may still change its assessment. A score that
    /// needs evidence and has none left is refused at submission.
    public func removeEvidence(roundID: Int64, unitID: Int64, id: Int64, by actor: Actor) async throws {
        let kind = database.kind
        try await database.write { sql in
            guard let row = try await sql.select().column("*").from("reform_evidence").where("id", .equal, id).where("round_id", .equal, roundID)
                .where("unit_id", .equal, unitID).first() else { throw StoreError.notFound("reform_evidence") }
            let code = try row.decode(column: "code", as: String.self)
            try Self.refuseUnlessOpen(try await Self.context(roundID, unitID: unitID, code: code, in: sql))
            try await sql.delete(from: "reform_evidence").where("id", .equal, id).run()
            try await AuditLog.append(.init(action: .delete, objectType: "reform_evidence", objectID: String(id),
                                            before: AuditJSON.encode(["entry": "\(roundID)/\(unitID)/\(code)",
                                                                      "file": try row.decode(column: "file_name", as: String.self),
                                                                      "link": try row.decode(column: "link", as: String.self)])),
                                      by: actor, in: sql, kind: kind)
        }
    }

    public func evidence(roundID: Int64, unitID: Int64) async throws -> [ReformEvidence] {
        try await database.read { sql in
            try await sql.select().column("*").from("reform_evidence").where("round_id", .equal, roundID).where("unit_id", .equal, unitID)
                .orderBy("id").all().map { r in
                    ReformEvidence(id: try r.decode(column: "id", as: Int64.self), code: try r.decode(column: "code", as: String.self),
                                   file: try r.decode(column: "file", as: String.self), fileName: try r.decode(column: "file_name", as: String.self),
                                   link: try r.decode(column: "link", as: String.self), addedAt: try r.instant("added_at"),
                                   addedBy: try r.decode(column: "added_by", as: String.self))
                }
        }
    }

    /// The unit hands its self-assessment in: every applicable manual sub-criterion scored, with its
    /// evidence, by the deadline. Afterwards only the council changes its points.
    public func submit(roundID: Int64, unitID: Int64, on day: Day, by actor: Actor) async throws {
        let kind = database.kind
        try await database.write { sql in
            guard let round = try await Self.round(roundID, in: sql) else { throw StoreError.notFound("reform_round") }
            guard let p = try await Self.participants(roundID, in: sql).first(where: { $0.unitID == unitID }) else { throw StoreError.notFound("unit") }
            var errors = ValidationErrors()
            if round.status != .open { errors.add("submit", "reform_round_closed") }
            if p.submittedAt != nil { errors.add("submit", "reform_submitted") }
            if day > round.deadline { errors.add("submit", "reform_after_deadline") }
            let missing = ReformSheet.missing(round.framework.framework, group: p.group,
                                              entries: try await Self.entries(roundID, unitIDs: [unitID], in: sql)[unitID] ?? [:])
            if !missing.isEmpty { errors.add("submit", "reform_incomplete:\(missing.prefix(5).joined(separator: ", "))") }
            try errors.throwIfAny()
            try await sql.update("reform_participants").set("submitted_at", to: SQLBind(Instant.now())).set("submitted_by", to: SQLBind(actor.name))
                .where("round_id", .equal, roundID).where("unit_id", .equal, unitID).run()
            try await AuditLog.append(.init(action: .update, objectType: "reform_participant", objectID: "\(roundID)/\(unitID)",
                                            after: AuditJSON.encode(["submitted": day.description])), by: actor, in: sql, kind: kind)
        }
    }

    /// The council closes self-assessment: the round moves to appraisal, and the measured values
    /// are kept as they stand today (the same at any later reading).
    public func close(roundID: Int64, measured: [Int64: [String: MeasureValue]], by actor: Actor) async throws {
        let kind = database.kind
        try await database.write { sql in
            guard let round = try await Self.round(roundID, in: sql) else { throw StoreError.notFound("reform_round") }
            guard round.status == .open else { throw ValidationErrors([FieldError("status", "reform_round_closed")]) }
            try await Self.keep(measured, roundID: roundID, in: sql)
            try await Self.move(round, to: .appraising, in: sql)
            try await AuditLog.append(.init(action: .update, objectType: "reform_round", objectID: String(roundID),
                                            before: AuditJSON.encode(["status": round.status.rawValue]),
                                            after: AuditJSON.encode(["status": ReformRoundStatus.appraising.rawValue])), by: actor, in: sql, kind: kind)
        }
    }

    static func keep(_ measured: [Int64: [String: MeasureValue]], roundID: Int64, in sql: any SQLDatabase) async throws {
        for (unitID, values) in measured {
            for (code, v) in values {
                try await upsert(roundID, unitID, code, set: [("measured_num", v.numerator), ("measured_den", v.denominator)], in: sql)
            }
        }
    }

    static func move(_ round: ReformRound, to status: ReformRoundStatus, decision: (String, Day)? = nil, in sql: any SQLDatabase) async throws {
        var update = sql.update("reform_rounds").set("status", to: SQLBind(status.rawValue)).set("version", to: SQLBind(round.version + 1))
        if let decision {
            update = update.set("decision_number", to: SQLBind(decision.0)).set("decision_day", to: SQLBind(decision.1.description))
                .set("published_at", to: SQLBind(Instant.now()))
        }
        let n = try await update.where("id", .equal, round.id).where("version", .equal, round.version).returning("id").all().count
        if n == 0 { throw StoreError.conflict(field: "version", key: "reform_changed") }
    }

    /// The council's points for a sub-criterion of a unit (any method), or its declaration that the
    /// sub-criterion does not apply to the unit; a change from what stands always with a reason,
    /// which the unit reads. Only once the unit submitted, or the round is in appraisal.
    public func appraise(roundID: Int64, unitID: Int64, code: String, points: Points?, notApplicable: Bool = false, reason: String,
                         by actor: Actor) async throws {
        let kind = database.kind
        try await database.write { sql in
            let c = try await Self.context(roundID, unitID: unitID, code: code, in: sql)
            if c.round.status == .published { throw ValidationErrors([FieldError("points", "reform_published")]) }
            if c.round.status == .open && c.participant.submittedAt == nil { throw ValidationErrors([FieldError("points", "reform_not_submitted")]) }
            let reason = String(reason.tidied.prefix(2000))
            if notApplicable {
                if reason.count < 5 { throw ValidationErrors([FieldError("reason", "reform_reason_required")]) }
            } else if let points {
                try ReformAssessmentRules.appraised(points, of: c.sub, before: ReformSheet.proposed(c.sub, c.entry), reason: reason)
            } else {
                throw ValidationErrors([FieldError("points", "required")])
            }
            try await Self.upsert(roundID, unitID, code, set: [("council_points", notApplicable ? nil : points?.hundredths), ("council_reason", reason),
                                                                ("council_at", Instant.now()), ("council_by", actor.name),
                                                                ("not_applicable", notApplicable ? 1 : 0)], in: sql)
            var after = c.entry ?? ReformEntry()
            after.councilPoints = notApplicable ? nil : points
            after.councilReason = reason
            after.notApplicable = notApplicable
            try await AuditLog.append(.init(action: .update, objectType: "reform_entry", objectID: "\(roundID)/\(unitID)/\(code)",
                                            before: Self.entryAudit(c.entry), after: Self.entryAudit(after), reason: reason), by: actor, in: sql, kind: kind)
        }
    }

    /// The results as they stand, computed from the stored entries (with `measured`, today's values
    /// of an open round, in place of the kept ones): each unit's index, band and rank within its peer group.
    public func standings(roundID: Int64, measured: [Int64: [String: MeasureValue]] = [:]) async throws
        -> [(participant: ReformParticipant, result: ReformResult, rank: ReformRanking.Entry)] {
        try await database.read { sql in
            guard let round = try await Self.round(roundID, in: sql) else { throw StoreError.notFound("reform_round") }
            return try await Self.standings(round, measured: measured, in: sql)
        }
    }

    static func standings(_ round: ReformRound, measured: [Int64: [String: MeasureValue]] = [:], in sql: any SQLDatabase) async throws
        -> [(participant: ReformParticipant, result: ReformResult, rank: ReformRanking.Entry)] {
        let f = round.framework.framework
        let participants = try await participants(round.id, in: sql)
        var entries = try await entries(round.id, in: sql)
        for (unitID, values) in measured {
            for (code, v) in values { entries[unitID, default: [:]][code, default: ReformEntry()].measured = v }
        }
        var results: [Int64: ReformResult] = [:]
        for p in participants { results[p.unitID] = ReformResult(f, group: p.group, scores: ReformSheet.scores(f, entries: entries[p.unitID] ?? [:])) }
        var ranks: [Int64: ReformRanking.Entry] = [:]
        for group in f.peerGroups {
            let members = participants.filter { $0.group == group }.map { (unitID: $0.unitID, result: results[$0.unitID]!) }
            for e in ReformRanking.rank(members, tieBreak: f.tieBreak) { ranks[e.unitID] = e }
        }
        return participants.map { ($0, results[$0.unitID]!, ranks[$0.unitID]!) }
            .sorted { ($0.participant.group, $0.rank.rank, $0.participant.unitName) < ($1.participant.group, $1.rank.rank, $1.participant.unitName) }
    }

    /// Publishes the round with the decision's number and day: results and ranks written once and
    /// locked, each unit's year added to its history, and `tasks` (the remediation tasks the caller
    /// drew from the same standings) created through the task mechanism, all in one transaction.
    /// `version`: the round's as read, so that nothing changed between. An open round is closed
    /// first (`close`), so that the measured values published are those kept.
    public func publish(roundID: Int64, version: Int, decisionNumber: String, decisionDay: Day, issuer: String, tasks: [WorkTask],
                        by actor: Actor) async throws {
        let kind = database.kind
        let number = decisionNumber.tidied
        if number.isEmpty || number.count > 60 { throw ValidationErrors([FieldError("decision_number", "required")]) }
        try await database.write { sql in
            guard let round = try await Self.round(roundID, in: sql) else { throw StoreError.notFound("reform_round") }
            if round.status == .published { throw ValidationErrors([FieldError("status", "reform_published")]) }
            if round.version != version { throw StoreError.conflict(field: "version", key: "reform_changed") }
            if round.status == .open { throw ValidationErrors([FieldError("status", "reform_close_first")]) }
            let f = round.framework.framework
            for s in try await Self.standings(round, in: sql) {
                try await sql.insert(into: "reform_results")
                    .columns("round_id", "unit_id", "peer_group", "points", "maximum", "index_value", "survey", "band", "rank", "of_count")
                    .values(SQLBind(roundID), SQLBind(s.participant.unitID), SQLBind(s.participant.group), SQLBind(s.result.points.hundredths),
                            SQLBind(s.result.maximum.hundredths), SQLBind(s.result.index.hundredths), SQLBind(s.result.survey.hundredths),
                            SQLBind(s.result.band?.code ?? ""), SQLBind(s.rank.rank), SQLBind(s.rank.of)).run()
                try await sql.delete(from: "reform_history").where("unit_id", .equal, s.participant.unitID).where("year", .equal, f.year)
                    .where("issuer", .equal, issuer).run()
                try await sql.insert(into: "reform_history")
                    .columns("unit_id", "year", "issuer", "index_value", "band", "rank", "of_count", "round_id", "entered_at", "entered_by")
                    .values(SQLBind(s.participant.unitID), SQLBind(f.year), SQLBind(issuer), SQLBind(s.result.index.hundredths),
                            SQLBind(s.result.band?.name ?? ""), SQLBind(s.rank.rank), SQLBind(s.rank.of), SQLBind(roundID), SQLBind(Instant.now()),
                            SQLBind(actor.name)).run()
            }
            try await Self.move(round, to: .published, decision: (number, decisionDay), in: sql)
            for t in tasks { _ = try await TaskStore.insert(t, by: actor, in: sql, kind: kind) }
            try await AuditLog.append(.init(action: .update, objectType: "reform_round", objectID: String(roundID),
                                            before: AuditJSON.encode(["status": round.status.rawValue]),
                                            after: AuditJSON.encode(["status": ReformRoundStatus.published.rawValue, "decision": number,
                                                                     "decision_day": decisionDay.description, "tasks": String(tasks.count)])),
                                      by: actor, in: sql, kind: kind)
        }
    }

    public func published(roundID: Int64) async throws -> [ReformPublished] {
        try await database.read { sql in
            try await sql.select().column("*").from("reform_results").where("round_id", .equal, roundID).orderBy("peer_group").orderBy("rank").all().map { r in
                ReformPublished(unitID: try r.decode(column: "unit_id", as: Int64.self), group: try r.decode(column: "peer_group", as: String.self),
                                points: Points(hundredths: try r.decode(column: "points", as: Int.self)),
                                maximum: Points(hundredths: try r.decode(column: "maximum", as: Int.self)),
                                index: Percent(hundredths: try r.decode(column: "index_value", as: Int.self)),
                                survey: Points(hundredths: try r.decode(column: "survey", as: Int.self)),
                                band: try r.decode(column: "band", as: String.self), rank: try r.decode(column: "rank", as: Int.self),
                                of: try r.decode(column: "of_count", as: Int.self))
            }
        }
    }

    // MARK: History

    /// A year's result from before the system (or from another body), as its decision printed it.
    public func enterHistory(_ h: ReformHistoryEntry, by actor: Actor) async throws {
        let kind = database.kind
        var errors = ValidationErrors()
        if !(2000...2100).contains(h.year) { errors.add("year", "reform_year") }
        if h.issuer.tidied.isEmpty { errors.add("issuer", "required") }
        if !(0...10_000).contains(h.index.hundredths) { errors.add("index", "reform_index_value") }
        if let rank = h.rank, let of = h.of, !(1...of).contains(rank) { errors.add("rank", "reform_rank") }
        try errors.throwIfAny()
        try await database.write { sql in
            if try await sql.select().column("id").from("reform_history").where("unit_id", .equal, h.unitID).where("year", .equal, h.year)
                .where("issuer", .equal, h.issuer.tidied).first() != nil {
                throw StoreError.conflict(field: "year", key: "reform_history_exists")
            }
            try await sql.insert(into: "reform_history")
                .columns("unit_id", "year", "issuer", "index_value", "band", "rank", "of_count", "entered_at", "entered_by")
                .values(SQLBind(h.unitID), SQLBind(h.year), SQLBind(h.issuer.tidied), SQLBind(h.index.hundredths), SQLBind(h.band.tidied), SQLBind(h.rank),
                        SQLBind(h.of), SQLBind(Instant.now()), SQLBind(actor.name)).run()
            try await AuditLog.append(.init(action: .create, objectType: "reform_history", objectID: "\(h.unitID)/\(h.year)",
                                            after: AuditJSON.encode(["issuer": h.issuer, "index": h.index.description, "band": h.band,
                                                                     "rank": h.rank.map { "\($0)/\(h.of ?? 0)" } ?? ""])),
                                      by: actor, in: sql, kind: kind)
        }
    }

    /// The years of `unitIDs` (a unit and the units merged into it), oldest first.
    public func history(unitIDs: [Int64]) async throws -> [ReformHistoryEntry] {
        guard !unitIDs.isEmpty else { return [] }
        return try await database.read { sql in
            try await sql.select().column("*").from("reform_history").where("unit_id", .in, SQLBind.group(unitIDs)).orderBy("year").orderBy("id").all().map { r in
                ReformHistoryEntry(unitID: try r.decode(column: "unit_id", as: Int64.self), year: try r.decode(column: "year", as: Int.self),
                                   issuer: try r.decode(column: "issuer", as: String.self),
                                   index: Percent(hundredths: try r.decode(column: "index_value", as: Int.self)),
                                   band: try r.decode(column: "band", as: String.self), rank: try r.optional("rank", as: Int.self),
                                   of: try r.optional("of_count", as: Int.self), roundID: try r.optional("round_id", as: Int64.self))
            }
        }
    }
}
