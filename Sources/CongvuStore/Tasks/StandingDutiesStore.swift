import CongvuDomain
import Foundation
import SQLKit

/// Someone in post, with their written duties as they stand.
public struct DutiesRow: Sendable {
    public var personID: Int64
    public var fullName: String
    public var title: String
    public var unitID: Int64
    public var unitName: String
    public var unitPath: String
    /// The day the current post began (a hire or a transfer).
    public var postFrom: Day
    public var approved: StandingDuties?
    public var draft: StandingDuties?
}

/// Written standing duties: a draft per person and unit, edited until the head approves it; an
/// approved version is never changed, a later one supersedes it. Every step is audited.
public struct StandingDutiesStore: Sendable {
    let database: Database

    public init(database: Database) { self.database = database }

    static func decode(_ r: any SQLRow) throws -> StandingDuties {
        guard let status = StandingDuties.Status(rawValue: try r.decode(column: "status", as: String.self)) else { throw CorruptRow(column: "status") }
        return StandingDuties(id: try r.decode(column: "id", as: Int64.self), personID: try r.decode(column: "person_id", as: Int64.self),
                              unitID: try r.decode(column: "unit_id", as: Int64.self), validFrom: try r.requiredDay("valid_from"),
                              text: try r.decode(column: "text", as: String.self), status: status,
                              writtenBy: try r.decode(column: "written_by", as: String.self), approvedBy: try r.decode(column: "approved_by", as: String.self),
                              approvedAt: try r.optionalInstant("approved_at"), version: try r.decode(column: "version", as: Int.self))
    }

    /// Everyone holding a post on `day` in the scopes, with their latest approved duties and open draft.
    public func people(scopes: [String], on day: Day) async throws -> [DutiesRow] {
        try await database.read { sql in
            let posts = try await sql.select().column(col("p.id")).column(col("p.full_name")).column(col("a.title")).column(col("a.valid_from"))
                .column(col("u.id"), as: "unit_id").column(col("u.name"), as: "unit_name").column(col("u.path"), as: "unit_path")
                .from(SQLAlias(SQLIdentifier("people"), as: SQLIdentifier("p")))
                .join(SQLAlias(SQLIdentifier("assignments"), as: SQLIdentifier("a")), on: SQLRaw("a.person_id = p.id"))
                .join(SQLAlias(SQLIdentifier("units"), as: SQLIdentifier("u")), on: SQLRaw("u.id = a.unit_id"))
                .heldOn(day, alias: "a").within(scopes: scopes, column: col("u.path"))
                .orderBy(col("u.path")).orderBy(col("p.search_key")).all()
            guard !posts.isEmpty else { return [] }
            let ids = try posts.map { try $0.decode(column: "id", as: Int64.self) }
            let duties = try await sql.select().column("*").from("standing_duties").where("person_id", .in, SQLBind.group(Array(Set(ids))))
                .orderBy("valid_from").orderBy("id").all().map(StandingDutiesStore.decode)
            var seen = Set<Int64>()
            return try posts.compactMap { r -> DutiesRow? in
                let id = try r.decode(column: "id", as: Int64.self)
                guard seen.insert(id).inserted else { return nil }
                let mine = duties.filter { $0.personID == id }
                return DutiesRow(personID: id, fullName: try r.decode(column: "full_name", as: String.self),
                                 title: try r.decode(column: "title", as: String.self), unitID: try r.decode(column: "unit_id", as: Int64.self),
                                 unitName: try r.decode(column: "unit_name", as: String.self), unitPath: try r.decode(column: "unit_path", as: String.self),
                                 postFrom: try r.requiredDay("valid_from"), approved: mine.last { $0.status == .approved && $0.validFrom <= day },
                                 draft: mine.last { $0.status == .draft })
            }
        }
    }

    /// How many people hold, on `day`, a post in the scopes begun on or before `postedBy` with no
    /// approved duties dated from that post's start: the leader's count, in one query.
    public func countWithout(scopes: [String], postedBy: Day, on day: Day) async throws -> Int {
        try await database.read { sql in
            try await sql.select().column(SQLRaw("COUNT(DISTINCT a.person_id) AS n"))
                .from(SQLAlias(SQLIdentifier("assignments"), as: SQLIdentifier("a")))
                .join(SQLAlias(SQLIdentifier("units"), as: SQLIdentifier("u")), on: SQLRaw("u.id = a.unit_id"))
                .heldOn(day, alias: "a").within(scopes: scopes, column: col("u.path"))
                .where(col("a.valid_from"), .lessThanOrEqual, SQLBind(postedBy.description))
                .where(SQLRaw("""
                    NOT EXISTS (SELECT 1 FROM standing_duties d WHERE d.person_id = a.person_id AND d.status = 'approved'
                        AND d.valid_from >= a.valid_from)
                    """))
                .first()?.decode(column: "n", as: Int.self) ?? 0
        }
    }

    public func history(personID: Int64) async throws -> [StandingDuties] {
        try await database.read { sql in
            try await sql.select().column("*").from("standing_duties").where("person_id", .equal, personID)
                .orderBy("valid_from", .descending).orderBy("id", .descending).all().map(StandingDutiesStore.decode)
        }
    }

    /// Writes (or rewrites) the person's draft for a unit; `version` is the draft's as read (0: none yet).
    public func write(personID: Int64, unitID: Int64, validFrom: Day, text: String, version: Int, at now: Date = Date(), by actor: Actor) async throws -> StandingDuties {
        let text = try StandingDuties.validate(text: text)
        let kind = database.kind
        return try await database.write { sql in
            let existing = try await sql.select().column("*").from("standing_duties").where("person_id", .equal, personID)
                .where("status", .equal, StandingDuties.Status.draft.rawValue).first().map(StandingDutiesStore.decode)
            guard (existing?.version ?? 0) == version else { throw StoreError.conflict(field: "version", key: "duties_changed") }
            var d = StandingDuties(personID: personID, unitID: unitID, validFrom: validFrom, text: text, writtenBy: actor.name, version: version + 1)
            if let existing {
                d.id = existing.id
                try await sql.update("standing_duties").set("unit_id", to: unitID).set("valid_from", to: validFrom.description).set("text", to: text)
                    .set("written_by", to: actor.name).set("written_at", to: Instant.format(now)).set("version", to: d.version)
                    .where("id", .equal, existing.id).run()
            } else {
                d.id = try await sql.insert(into: "standing_duties")
                    .columns("person_id", "unit_id", "valid_from", "text", "status", "written_by", "written_at")
                    .values(SQLBind(personID), SQLBind(unitID), SQLBind(validFrom.description), SQLBind(text), SQLBind(StandingDuties.Status.draft.rawValue),
                            SQLBind(actor.name), SQLBind(Instant.format(now)))
                    .returning("id").first()!.decode(column: "id", as: Int64.self)
            }
            try await AuditLog.append(.init(action: existing == nil ? .create : .update, objectType: "standing_duties", objectID: String(d.id),
                                            before: existing.map { AuditJSON.encode(["text": $0.text]) } ?? "",
                                            after: AuditJSON.encode(["person_id": String(personID), "valid_from": validFrom.description, "text": text])),
                                      by: actor, in: sql, kind: kind)
            return d
        }
    }

    /// The head approves the draft as read (`version`): from then on it is the person's duties.
    public func approve(personID: Int64, version: Int, at now: Date = Date(), by actor: Actor) async throws -> StandingDuties {
        let kind = database.kind
        return try await database.write { sql in
            guard var d = try await sql.select().column("*").from("standing_duties").where("person_id", .equal, personID)
                .where("status", .equal, StandingDuties.Status.draft.rawValue).first().map(StandingDutiesStore.decode) else {
                throw StoreError.notFound("standing_duties")
            }
            guard d.version == version else { throw StoreError.conflict(field: "version", key: "duties_changed") }
            d.status = .approved
            d.approvedBy = actor.name
            d.approvedAt = now
            d.version += 1
            try await sql.update("standing_duties").set("status", to: d.status.rawValue).set("approved_by", to: actor.name)
                .set("approved_at", to: Instant.format(now)).set("version", to: d.version).where("id", .equal, d.id).run()
            try await AuditLog.append(.init(action: .update, objectType: "standing_duties", objectID: String(d.id),
                                            before: AuditJSON.encode(["status": "draft"]), after: AuditJSON.encode(["status": "approved"])),
                                      by: actor, in: sql, kind: kind)
            return d
        }
    }
}
