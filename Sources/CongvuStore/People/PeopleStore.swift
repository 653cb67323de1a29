import CongvuDomain
import SQLKit

/// A person as lists show them: their current post, if any.
public struct PersonSummary: Sendable, Equatable {
    public var person: Person
    public var unitID: Int64?
    public var unitName: String
    public var title: String
    public var category: StaffCategory?
    public var isLeader: Bool
}

/// A person with their whole history of posts, newest first.
public struct PersonRecord: Sendable {
    public var person: Person
    public var assignments: [(assignment: Assignment, unit: OrgUnit)]

    /// The paths of every unit the person has served in: access is granted through any of them.
    public var unitPaths: [String] { assignments.map(\.unit.path) }
}

public struct PeopleStore: Sendable {
    let database: Database

    public init(database: Database) { self.database = database }

    static func decodePerson(_ row: any SQLRow) throws -> Person {
        Person(id: try row.decode(column: "id", as: Int64.self),
               fullName: try row.decode(column: "full_name", as: String.self),
               gender: try row.optional("gender", as: String.self).flatMap(Gender.init(rawValue:)),
               birthDate: try row.day("birth_date"),
               phone: try row.decode(column: "phone", as: String.self),
               email: try row.decode(column: "email", as: String.self),
               photoPath: try row.decode(column: "photo_path", as: String.self),
               cardNumber: try row.decode(column: "card_number", as: String.self),
               terminalPIN: try row.decode(column: "terminal_pin", as: String.self))
    }

    static func decodeAssignment(_ row: any SQLRow) throws -> Assignment {
        Assignment(id: try row.decode(column: "a_id", as: Int64.self),
                   personID: try row.decode(column: "person_id", as: Int64.self),
                   unitID: try row.decode(column: "unit_id", as: Int64.self),
                   title: try row.decode(column: "title", as: String.self),
                   category: StaffCategory(rawValue: try row.decode(column: "category", as: String.self)) ?? .contract,
                   isLeader: try row.decode(column: "is_leader", as: Bool.self),
                   reportsTo: try row.optional("reports_to", as: Int64.self),
                   validFrom: try row.requiredDay("a_from"),
                   validTo: try row.day("a_to"))
    }

    /// People with a post active on `day` in a unit within the scopes, matching `query`
    /// accent-insensitively (empty: everyone), ordered by name.
    public func search(_ query: String, scopes: [String], on day: Day, limit: Int = 50, offset: Int = 0) async throws -> Page<PersonSummary> {
        let pattern = SearchKey.likePattern(query)
        /// People joined to their posts active on `day` in units within the scopes.
        @Sendable func active(_ q: SQLSelectBuilder) -> SQLSelectBuilder {
            var q = q.from("people")
                .join("assignments", on: SQLRaw("assignments.person_id = people.id"))
                .join("units", on: SQLRaw("units.id = assignments.unit_id"))
                .heldOn(day, alias: "assignments")
                .within(scopes: scopes, column: col("units.path"))
            if let pattern { q = q.where(col("people.search_key"), .like, SQLBind(pattern)) }
            return q
        }
        return try await database.read { sql in
            let total = try await active(sql.select().column(SQLRaw("COUNT(DISTINCT people.id) AS n"))).first()?
                .decode(column: "n", as: Int.self) ?? 0
            let ids = try await active(sql.select().distinct().column(col("people.id")).column(col("people.search_key")))
                .orderBy(col("people.search_key")).orderBy(col("people.id")).limit(limit).offset(offset).all()
                .map { try $0.decode(column: "id", as: Int64.self) }
            if ids.isEmpty { return Page(items: [], total: total, offset: offset, limit: limit) }
            let rows = try await active(sql.select()
                .column(SQLColumn(SQLLiteral.all, table: SQLIdentifier("people")))
                .column(SQLRaw("units.id AS post_unit_id, units.name AS post_unit_name, assignments.title, assignments.category, assignments.is_leader")))
                .where(col("people.id"), .in, SQLBind.group(ids))
                .orderBy(col("people.search_key")).orderBy(col("people.id")).orderBy(col("assignments.is_leader"), SQLDirection.descending).all()
            // A person may hold two posts at once: list them once, with the leading post.
            var seen = Set<Int64>()
            var items: [PersonSummary] = []
            for row in rows {
                let person = try PeopleStore.decodePerson(row)
                if !seen.insert(person.id).inserted { continue }
                items.append(PersonSummary(person: person,
                                           unitID: try row.decode(column: "post_unit_id", as: Int64.self),
                                           unitName: try row.decode(column: "post_unit_name", as: String.self),
                                           title: try row.decode(column: "title", as: String.self),
                                           category: StaffCategory(rawValue: try row.decode(column: "category", as: String.self)),
                                           isLeader: try row.decode(column: "is_leader", as: Bool.self)))
            }
            return Page(items: items, total: total, offset: offset, limit: limit)
        }
    }

    public func get(_ id: Int64) async throws -> PersonRecord? {
        try await database.read { sql in
            guard let row = try await sql.select().column("*").from("people").where("id", .equal, id).first() else { return nil }
            let person = try PeopleStore.decodePerson(row)
            let rows = try await sql.select()
                .column(SQLRaw("assignments.id AS a_id, assignments.person_id, assignments.unit_id, assignments.title, assignments.category, assignments.is_leader, assignments.reports_to, assignments.valid_from AS a_from, assignments.valid_to AS a_to, units.*"))
                .from("assignments").join("units", on: SQLRaw("units.id = assignments.unit_id"))
                .where(col("assignments.person_id"), .equal, SQLBind(id))
                .orderBy(col("assignments.valid_from"), SQLDirection.descending).orderBy(col("assignments.id"), SQLDirection.descending).all()
            return PersonRecord(person: person, assignments: try rows.map { (try PeopleStore.decodeAssignment($0), try UnitStore.decode($0)) })
        }
    }

    /// The paths of the units in which the person holds a leading post on `day`, in one query (what
    /// a head may give tasks in, read at every task request).
    public func headedUnitPaths(personID: Int64, on day: Day) async throws -> [String] {
        try await database.read { sql in
            try await sql.select().column(col("u.path"), as: "path").from(SQLAlias(SQLIdentifier("assignments"), as: SQLIdentifier("a")))
                .join(SQLAlias(SQLIdentifier("units"), as: SQLIdentifier("u")), on: SQLRaw("u.id = a.unit_id"))
                .where(col("a.person_id"), .equal, SQLBind(personID)).where(col("a.is_leader"), .equal, SQLBind(true)).heldOn(day)
                .orderBy(col("a.id")).all().map { try $0.decode(column: "path", as: String.self) }
        }
    }

    public func byCard(_ card: String) async throws -> Person? {
        try await database.read { sql in
            try await sql.select().column("*").from("people").where("card_number", .equal, card).first().map(PeopleStore.decodePerson)
        }
    }

    /// The people among `ids` whose terminal PIN is `pin` (a kiosk's keypad).
    public func withPIN(_ pin: String, among ids: [Int64]) async throws -> [Person] {
        guard !ids.isEmpty else { return [] }
        return try await database.read { sql in
            try await sql.select().column("*").from("people").where("terminal_pin", .equal, pin).where("id", .in, ids).all().map(PeopleStore.decodePerson)
        }
    }

    /// Stores a new person with their first post.
    public func create(_ person: Person, assignment: Assignment, by actor: Actor, reason: String = "") async throws -> Person {
        let kind = database.kind
        return try await database.write { sql in
            let p = try await PeopleStore.insert(person, in: sql, kind: kind, by: actor, reason: reason)
            var a = assignment
            a.personID = p.id
            _ = try await PeopleStore.insert(a, in: sql, kind: kind, by: actor, reason: reason)
            return p
        }
    }

    static func checkCard(_ card: String, except id: Int64?, in sql: any SQLDatabase) async throws {
        guard !card.isEmpty else { return }
        if let row = try await sql.select().column("id").from("people").where("card_number", .equal, card).first(),
           try row.decode(column: "id", as: Int64.self) != id {
            throw StoreError.conflict(field: "card_number", key: "card_taken")
        }
    }

    static func insert(_ p: Person, in sql: any SQLDatabase, kind: DatabaseKind, by actor: Actor, reason: String) async throws -> Person {
        try await checkCard(p.cardNumber, except: nil, in: sql)
        let now = Instant.now()
        let row = try await sql.insert(into: "people")
            .columns("full_name", "search_key", "gender", "birth_date", "phone", "email", "photo_path", "card_number", "terminal_pin", "created_at", "updated_at")
            .values(SQLBind(p.fullName), SQLBind(p.searchKey), SQLBind(p.gender?.rawValue), SQLBind(p.birthDate?.description),
                    SQLBind(p.phone), SQLBind(p.email), SQLBind(p.photoPath), SQLBind(p.cardNumber), SQLBind(p.terminalPIN), SQLBind(now), SQLBind(now))
            .returning("id").first()
        var stored = p
        stored.id = try row!.decode(column: "id", as: Int64.self)
        try await AuditLog.append(.init(action: .create, objectType: "person", objectID: String(stored.id),
                                        after: AuditJSON.encode(stored.redacted), reason: reason), by: actor, in: sql, kind: kind)
        return stored
    }

    static func insert(_ a: Assignment, in sql: any SQLDatabase, kind: DatabaseKind, by actor: Actor, reason: String) async throws -> Assignment {
        guard try await sql.select().column("id").from("units").where("id", .equal, a.unitID).first() != nil else {
            throw StoreError.conflict(field: "unit_id", key: "unit_unknown")
        }
        let row = try await sql.insert(into: "assignments")
            .columns("person_id", "unit_id", "title", "category", "is_leader", "reports_to", "valid_from", "valid_to")
            .values(SQLBind(a.personID), SQLBind(a.unitID), SQLBind(a.title), SQLBind(a.category.rawValue), SQLBind(a.isLeader),
                    SQLBind(a.reportsTo), SQLBind(a.validFrom.description), SQLBind(a.validTo?.description))
            .returning("id").first()
        var stored = a
        stored.id = try row!.decode(column: "id", as: Int64.self)
        try await AuditLog.append(.init(action: .create, objectType: "assignment", objectID: String(stored.id),
                                        after: AuditJSON.encode(stored), reason: reason), by: actor, in: sql, kind: kind)
        return stored
    }

    public func update(_ p: Person, by actor: Actor, reason: String) async throws {
        let kind = database.kind
        try await database.write { sql in
            guard let old = try await sql.select().column("*").from("people").where("id", .equal, p.id).first().map(PeopleStore.decodePerson) else {
                throw StoreError.notFound("person")
            }
            try await PeopleStore.checkCard(p.cardNumber, except: p.id, in: sql)
            try await sql.update("people")
                .set("full_name", to: p.fullName).set("search_key", to: p.searchKey).set("gender", to: p.gender?.rawValue)
                .set("birth_date", to: p.birthDate?.description).set("phone", to: p.phone).set("email", to: p.email)
                .set("card_number", to: p.cardNumber).set("terminal_pin", to: p.terminalPIN).set("updated_at", to: Instant.now())
                .where("id", .equal, p.id).run()
            try await AuditLog.append(.init(action: .update, objectType: "person", objectID: String(p.id),
                                            before: AuditJSON.encode(old.redacted), after: AuditJSON.encode(p.redacted), reason: reason),
                                      by: actor, in: sql, kind: kind)
        }
    }

    /// Moves a person: the current post ends the day before `assignment` starts, and the new one begins.
    /// Nothing is deleted, so the history of posts stays whole.
    public func move(personID: Int64, to assignment: Assignment, by actor: Actor, reason: String) async throws {
        let kind = database.kind
        try await database.write { sql in
            let open = try await sql.select().column("id").column("valid_from").column("valid_to").from("assignments")
                .where("person_id", .equal, personID).where("valid_to", .is, SQLLiteral.null).all()
            let end = assignment.validFrom.previous
            for row in open {
                let id = try row.decode(column: "id", as: Int64.self)
                let from = try row.requiredDay("valid_from")
                if end < from { throw StoreError.conflict(field: "valid_from", key: "date_before_current_post") }
                try await sql.update("assignments").set("valid_to", to: end.description).where("id", .equal, id).run()
                try await AuditLog.append(.init(action: .update, objectType: "assignment", objectID: String(id),
                                                before: "{\"valid_to\":null}", after: "{\"valid_to\":\"\(end)\"}", reason: reason),
                                          by: actor, in: sql, kind: kind)
            }
            _ = try await PeopleStore.insert(assignment, in: sql, kind: kind, by: actor, reason: reason)
        }
    }

    /// Records the file name of a new photo (the file itself lives in the data directory).
    public func setPhoto(personID: Int64, file: String, by actor: Actor) async throws {
        let kind = database.kind
        try await database.write { sql in
            guard let row = try await sql.select().column("photo_path").from("people").where("id", .equal, personID).first() else {
                throw StoreError.notFound("person")
            }
            let old = try row.decode(column: "photo_path", as: String.self)
            try await sql.update("people").set("photo_path", to: file).set("updated_at", to: Instant.now()).where("id", .equal, personID).run()
            try await AuditLog.append(.init(action: .update, objectType: "person", objectID: String(personID),
                                            before: AuditJSON.encode(["photo_path": old]), after: AuditJSON.encode(["photo_path": file]),
                                            reason: "photo"), by: actor, in: sql, kind: kind)
        }
    }

    public func count() async throws -> Int {
        try await database.read { sql in
            try await sql.raw("SELECT COUNT(*) AS n FROM people").first()!.decode(column: "n", as: Int.self)
        }
    }
}

extension Person {
    /// The person as the audit log keeps them: the terminal PIN is a secret and is masked.
    var redacted: Person {
        var p = self
        if !p.terminalPIN.isEmpty { p.terminalPIN = "****" }
        return p
    }
}
