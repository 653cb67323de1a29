import CongvuDomain
import Foundation
import SQLKit

/// A punch as it arrives from a source, before it is stored.
public struct PunchInput: Sendable {
    /// Nil for a card no person holds yet: the punch is kept for the office to link.
    public var personID: Int64?
    public var cardNumber: String
    public var at: Date
    public var receivedAt: Date
    public var source: PunchSource
    public var method: PunchMethod
    public var device: String
    /// Sent later from a kiosk's queue, with its original time.
    public var queued: Bool
    /// The reason, for manual punches.
    public var note: String
    /// Makes a retried upload the same punch. Derived from the punch itself when empty.
    public var idempotencyKey: String
    /// Why the source doubts it (an unsigned or late kiosk queue): held for the office. A time
    /// the server finds implausible is held whatever the source says.
    public var hold: PunchFlag

    public init(personID: Int64?, cardNumber: String = "", at: Date, receivedAt: Date = Date(), source: PunchSource,
                method: PunchMethod, device: String = "", queued: Bool = false, note: String = "", idempotencyKey: String = "",
                hold: PunchFlag = .none) {
        self.hold = hold
        self.personID = personID
        self.cardNumber = cardNumber
        self.at = at
        self.receivedAt = receivedAt
        self.source = source
        self.method = method
        self.device = device
        self.queued = queued
        self.note = note
        self.idempotencyKey = idempotencyKey
    }

    var key: String {
        idempotencyKey.isEmpty
            ? Token.hash("\(personID.map(String.init) ?? "card:" + cardNumber)|\(Instant.format(at))|\(source.rawValue)|\(device)")
            : idempotencyKey
    }
}

public struct StoredPunch: Sendable, Equatable {
    public var id: Int64
    public var personID: Int64?
    public var cardNumber: String
    public var punch: Punch
    public var receivedAt: Date
    public var device: String
    public var flag: PunchFlag
    public var queued: Bool
    public var note: String
    /// The idempotency key: for a terminal's punch, also the key of its photo.
    public var key: String
}

public struct PunchStore: Sendable {
    let database: Database

    public init(database: Database) { self.database = database }

    static func decode(_ row: any SQLRow) throws -> StoredPunch {
        StoredPunch(id: try row.decode(column: "id", as: Int64.self),
                    personID: try row.optional("person_id", as: Int64.self),
                    cardNumber: try row.decode(column: "card_number", as: String.self),
                    punch: Punch(at: try row.instant("at"),
                                 source: PunchSource(rawValue: try row.decode(column: "source", as: String.self)) ?? .api,
                                 method: PunchMethod(rawValue: try row.decode(column: "method", as: String.self)) ?? .manual),
                    receivedAt: try row.instant("received_at"),
                    device: try row.decode(column: "device", as: String.self),
                    flag: PunchFlag(rawValue: try row.decode(column: "flag", as: String.self)) ?? .none,
                    queued: try row.decode(column: "queued", as: Bool.self),
                    note: try row.decode(column: "note", as: String.self),
                    key: try row.decode(column: "idempotency_key", as: String.self))
    }

    public func punch(id: Int64) async throws -> StoredPunch? {
        try await database.read { sql in try await sql.select().column("*").from("punches").where("id", .equal, id).first().map(PunchStore.decode) }
    }

    /// Stores a punch once: the same punch sent again returns the stored one (`isNew` false).
    /// Manual punches need a reason and are audited.
    public func record(_ input: PunchInput, by actor: Actor) async throws -> (punch: StoredPunch, isNew: Bool) {
        if input.source == .manual && input.note.tidied.count < 3 {
            throw ValidationErrors([FieldError("note", "reason_required")])
        }
        let kind = database.kind
        let result = try await database.write { sql in try await PunchStore.insert(input, in: sql, kind: kind, by: actor) }
        // A punch for a closed day (a late upload, a queued kiosk punch, a manual correction) changes a settled verdict.
        if result.isNew, let personID = input.personID, result.punch.flag == .none {
            let day = Day(input.at, in: CivilTime.vietnam)
            if day < Day(Date(), in: CivilTime.vietnam) {
                try await VerdictStore(database: database).refresh(personIDs: [personID], days: [day], cause: input.source == .manual ? "manual_punch" : "punch")
            }
        }
        return result
    }

    /// The punch's day, as the person's earlier punches that day (for the kiosk's answer).
    public func times(personID: Int64, on day: Day) async throws -> [Date] {
        let from = CivilTime.startOfDay(day)
        return try await punches(personID: personID, from: from, to: from.addingTimeInterval(86400)).map(\.punch.at)
    }

    static func insert(_ input: PunchInput, in sql: any SQLDatabase, kind: DatabaseKind, by actor: Actor) async throws -> (punch: StoredPunch, isNew: Bool) {
        let key = input.key
        let checked = PunchFlag.check(at: input.at, receivedAt: input.receivedAt)
        let flag = checked == .none ? input.hold : checked
        if let existing = try await sql.select().column("*").from("punches").where("idempotency_key", .equal, key).first() {
            return (try PunchStore.decode(existing), false)
        }
        let row = try await sql.insert(into: "punches")
            .columns("person_id", "card_number", "at", "received_at", "source", "method", "device", "flag", "queued", "note",
                     "idempotency_key", "created_by")
            .values(SQLBind(input.personID), SQLBind(input.cardNumber), SQLBind(Instant.format(input.at)),
                    SQLBind(Instant.format(input.receivedAt)), SQLBind(input.source.rawValue), SQLBind(input.method.rawValue),
                    SQLBind(input.device), SQLBind(flag.rawValue), SQLBind(input.queued), SQLBind(input.note.tidied), SQLBind(key),
                    SQLBind(actor.id))
            .returning("*").first()
        let stored = try PunchStore.decode(row!)
        if input.source == .manual {
            try await AuditLog.append(.init(action: .create, objectType: "punch", objectID: String(stored.id),
                                            after: "{\"person_id\":\(input.personID.map(String.init) ?? "null"),\"at\":\"\(Instant.format(input.at))\"}",
                                            reason: input.note.tidied), by: actor, in: sql, kind: kind)
        }
        return (stored, true)
    }

    /// Everyone's trusted punches in [from, to), by person: one query for a whole unit.
    public func punches(personIDs: [Int64], from: Date, to: Date) async throws -> [Int64: [Punch]] {
        guard !personIDs.isEmpty else { return [:] }
        let rows = try await database.read { sql in
            try await sql.select().column("*").from("punches").where("person_id", .in, personIDs).where("flag", .equal, "")
                .where("at", .greaterThanOrEqual, Instant.format(from)).where("at", .lessThan, Instant.format(to)).orderBy("at").all()
        }
        var out: [Int64: [Punch]] = [:]
        for row in rows {
            let p = try PunchStore.decode(row)
            if let id = p.personID { out[id, default: []].append(p.punch) }
        }
        return out
    }

    /// A person's punches from `from` up to `to`; flagged ones only when asked for.
    public func punches(personID: Int64, from: Date, to: Date, includeFlagged: Bool = false) async throws -> [StoredPunch] {
        try await database.read { sql in
            var q = sql.select().column("*").from("punches").where("person_id", .equal, personID)
                .where("at", .greaterThanOrEqual, Instant.format(from)).where("at", .lessThan, Instant.format(to))
            if !includeFlagged { q = q.where("flag", .equal, "") }
            return try await q.orderBy("at").all().map(PunchStore.decode)
        }
    }

    /// Cards read that no person holds, per device, with how many punches each has and when it was last seen.
    /// Punches nobody holds yet: by card (kiosks) or by a terminal's PIN, with the device that read them.
    public func unknownCards() async throws -> [(card: String, pin: String, device: String, punches: Int, last: Date)] {
        try await database.read { sql in
            try await sql.raw("""
                SELECT card_number, terminal_pin, device, COUNT(*) AS n, MAX(at) AS last FROM punches
                WHERE person_id IS NULL GROUP BY card_number, terminal_pin, device ORDER BY MAX(at) DESC
                """).all().map { row in
                (try row.decode(column: "card_number", as: String.self), try row.decode(column: "terminal_pin", as: String.self),
                 try row.decode(column: "device", as: String.self), try row.decode(column: "n", as: Int.self), try row.instant("last"))
            }
        }
    }

    /// A punch held for the office: whose, where from, and why.
    public struct Held: Sendable, Equatable {
        public var punch: StoredPunch
        public var personName: String
        public var pin: String
    }

    /// Held punches of people serving in `scopes`, not yet reviewed.
    func heldQuery(_ sql: any SQLDatabase, scopes: [String]) -> SQLSelectBuilder {
        sql.select().from(SQLAlias(SQLIdentifier("punches"), as: SQLIdentifier("p")))
            .join(SQLAlias(SQLIdentifier("people"), as: SQLIdentifier("pe")), on: SQLRaw("pe.id = p.person_id"))
            .join(SQLAlias(SQLIdentifier("assignments"), as: SQLIdentifier("a")), on: SQLRaw("a.person_id = p.person_id"))
            .join(SQLAlias(SQLIdentifier("units"), as: SQLIdentifier("u")), on: SQLRaw("u.id = a.unit_id"))
            .where(col("p.flag"), .notEqual, SQLBind("")).where(col("p.reviewed_at"), .is, SQLLiteral.null)
            .where(col("a.valid_to"), .is, SQLLiteral.null).within(scopes: scopes, column: col("u.path"))
    }

    /// Held punches of people serving in `scopes`, not yet reviewed, oldest first (one of them
    /// with `id`).
    public func held(scopes: [String], id: Int64? = nil, limit: Int = 200) async throws -> [Held] {
        try await database.read { sql in
            var query = heldQuery(sql, scopes: scopes)
            if let id { query = query.where(col("p.id"), .equal, SQLBind(id)) }
            let rows = try await query.distinct().column(SQLRaw("p.*")).column(col("pe.full_name"))
                .column(col("pe.terminal_pin"), as: "person_pin").orderBy(col("p.received_at")).limit(limit).all()
            return try rows.map { row in
                Held(punch: try PunchStore.decode(row), personName: try row.decode(column: "full_name", as: String.self),
                     pin: try row.decode(column: "person_pin", as: String.self))
            }
        }
    }

    /// How many punches wait for the office's review in `scopes` (the office's home card).
    public func heldCount(scopes: [String]) async throws -> Int {
        try await database.read { sql in
            try await heldQuery(sql, scopes: scopes).column(SQLRaw("COUNT(DISTINCT p.id) AS n")).first()?.decode(column: "n", as: Int.self) ?? 0
        }
    }

    /// The office's decision on a held punch, audited with the reason it was held: accepted, it
    /// counts from now on (the day's verdict is settled again; a terminal's PIN is taken as
    /// enrolled there); refused, it stays held and leaves the list. Either way it is kept.
    public func review(_ id: Int64, accept: Bool, by actor: Actor, note: String) async throws -> StoredPunch {
        let note = note.tidied
        guard !note.isEmpty else { throw ValidationErrors([FieldError("reason", "required")]) }
        let kind = database.kind
        let punch = try await database.write { sql -> StoredPunch in
            guard let row = try await sql.select().column("*").from("punches").where("id", .equal, id).where("flag", .notEqual, "")
                .where("reviewed_at", .is, SQLLiteral.null).first() else { throw StoreError.notFound("punch") }
            let punch = try PunchStore.decode(row)
            var update = sql.update("punches").set("reviewed_at", to: Instant.now()).set("reviewed_by", to: SQLBind(actor.id)).set("review_note", to: note)
            if accept { update = update.set("held_flag", to: punch.flag.rawValue).set("flag", to: "") }
            try await update.where("id", .equal, id).run()
            if accept, punch.flag == .unenrolled, let personID = punch.personID,
               let pin = try await sql.select().column("terminal_pin").from("people").where("id", .equal, personID).first()?
                   .decode(column: "terminal_pin", as: String.self) {
                try await TerminalStore.enrol(pin, onDevice: punch.device, in: sql, now: Date())
            }
            try await AuditLog.append(.init(action: .update, objectType: "punch", objectID: String(id),
                                            before: AuditJSON.encode(["flag": punch.flag.rawValue]),
                                            after: AuditJSON.encode(["flag": accept ? "" : punch.flag.rawValue, "review": accept ? "accepted" : "refused"]),
                                            reason: note), by: actor, in: sql, kind: kind)
            return punch
        }
        if accept, let personID = punch.personID {
            let day = Day(punch.punch.at, in: CivilTime.vietnam)
            if day < Day(Date(), in: CivilTime.vietnam) {
                try await VerdictStore(database: database).refresh(personIDs: [personID], days: [day], cause: "punch_accepted")
            }
        }
        return punch
    }

    /// Gives a terminal's PIN to a person and attaches that terminal's unclaimed punches with the
    /// PIN to them (times untouched), audited. Their other terminals then know them too.
    public func linkPIN(_ pin: String, device: String, to personID: Int64, by actor: Actor, reason: String) async throws -> Int {
        let kind = database.kind
        let linked = try await database.write { sql in
            guard try await sql.select().column("id").from("people").where("id", .equal, personID).first() != nil else {
                throw StoreError.notFound("person")
            }
            let rows = try await sql.select().column("at").from("punches").where("person_id", .is, SQLLiteral.null)
                .where("terminal_pin", .equal, pin).where("device", .equal, device).all()
            try await sql.update("people").set("terminal_pin", to: pin).where("id", .equal, personID).run()
            // The office vouches for the PIN on that terminal: its punches held as unenrolled count.
            try await sql.update("punches").set("held_flag", to: PunchFlag.unenrolled.rawValue).set("flag", to: "")
                .set("reviewed_at", to: Instant.now()).set("reviewed_by", to: SQLBind(actor.id)).set("review_note", to: reason.tidied)
                .where("person_id", .is, SQLLiteral.null).where("terminal_pin", .equal, pin).where("device", .equal, device)
                .where("flag", .equal, PunchFlag.unenrolled.rawValue).run()
            try await sql.update("punches").set("person_id", to: personID).set("note", to: "")
                .where("person_id", .is, SQLLiteral.null).where("terminal_pin", .equal, pin).where("device", .equal, device).run()
            try await TerminalStore.enrol(pin, onDevice: device, in: sql, now: Date())
            try await AuditLog.append(.init(action: .update, objectType: "person", objectID: String(personID),
                                            after: "{\"terminal_pin\":\"\(pin)\",\"device\":\"\(device)\",\"punches_linked\":\(rows.count)}", reason: reason),
                                      by: actor, in: sql, kind: kind)
            return (rows.count, Set(try rows.map { Day(try $0.instant("at"), in: CivilTime.vietnam) }))
        }
        if !linked.1.isEmpty {
            try await VerdictStore(database: database).refresh(personIDs: [personID], days: linked.1.sorted(), cause: "card_linked")
        }
        return linked.0
    }

    /// Gives a card to a person and attaches its unclaimed punches to them. The punches' times are
    /// not touched; the link is audited.
    public func linkCard(_ card: String, to personID: Int64, by actor: Actor, reason: String) async throws -> Int {
        let kind = database.kind
        let linked = try await database.write { sql in
            try await PeopleStore.checkCard(card, except: personID, in: sql)
            guard try await sql.select().column("id").from("people").where("id", .equal, personID).first() != nil else {
                throw StoreError.notFound("person")
            }
            let count = try await sql.select().column(SQLRaw("COUNT(*) AS n")).from("punches")
                .where("person_id", .is, SQLLiteral.null).where("card_number", .equal, card).first()!.decode(column: "n", as: Int.self)
            try await sql.update("people").set("card_number", to: card).where("id", .equal, personID).run()
            try await sql.update("punches").set("person_id", to: personID)
                .where("person_id", .is, SQLLiteral.null).where("card_number", .equal, card).run()
            try await AuditLog.append(.init(action: .update, objectType: "person", objectID: String(personID),
                                            after: "{\"card_number\":\"\(card)\",\"punches_linked\":\(count)}", reason: reason),
                                      by: actor, in: sql, kind: kind)
            let days = try await sql.select().column("at").from("punches").where("person_id", .equal, personID).where("card_number", .equal, card)
                .all().map { Day(try $0.instant("at"), in: CivilTime.vietnam) }
            return (count, Set(days))
        }
        if !linked.1.isEmpty {
            try await VerdictStore(database: database).refresh(personIDs: [personID], days: linked.1.sorted(), cause: "card_linked")
        }
        return linked.0
    }
}

/// Generated history (the demo, benchmarks): card punches from one device, received when they
/// happened, written in batches without the per-punch checks of `PunchStore.record`.
struct PunchBatch {
    let sql: any SQLDatabase
    let device: String
    private var rows: [(person: Int64, at: Date)] = []

    init(sql: any SQLDatabase, device: String) {
        self.sql = sql
        self.device = device
    }

    mutating func add(person: Int64, at: Date) async throws {
        rows.append((person, at))
        if rows.count >= 400 { try await flush() }
    }

    mutating func flush() async throws {
        guard !rows.isEmpty else { return }
        var insert = sql.insert(into: "punches").columns("person_id", "at", "received_at", "source", "method", "device", "idempotency_key")
        for r in rows {
            let at = Instant.format(r.at)
            insert = insert.values(SQLBind(r.person), SQLBind(at), SQLBind(at), SQLBind(PunchSource.terminal.rawValue),
                                   SQLBind(PunchMethod.card.rawValue), SQLBind(device), SQLBind("\(device):\(r.person):\(at)"))
        }
        try await insert.run()
        rows.removeAll(keepingCapacity: true)
    }
}
