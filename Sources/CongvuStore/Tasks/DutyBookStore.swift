import CongvuDomain
import Foundation
import SQLKit

/// A department's book for a week, as stored (none until someone writes in it).
public struct DutyBook: Sendable, Equatable {
    public struct Addendum: Sendable, Equatable {
        public var at: Date
        public var actorName: String
        public var text: String
    }
    public var id: Int64
    public var unitID: Int64
    public var week: DutyWeek
    public var strengths: String
    public var weaknesses: String
    public var submittedAt: Date?
    public var submittedBy: String
    public var version: Int
    /// Task id → the department's comment.
    public var comments: [Int64: String]
    public var addenda: [Addendum]

    public var isSubmitted: Bool { submittedAt != nil }
}

/// A task as the week's book lists it: the task, what happened to it that week.
public struct DutyBookLine: Sendable {
    public var task: TaskRow
    public var events: [TaskEvent]
}

/// The Weekly Duty Book: generated from the week's task events of a department (and the units under
/// it), the department's comments and summary, submitted once and then locked; later corrections
/// are dated addenda. Every change is audited.
public struct DutyBookStore: Sendable {
    let database: Database

    public init(database: Database) { self.database = database }

    /// Lines a book holds at most; the page says so when a week reaches it.
    public static let lineLimit = 500

    /// The week's lines: the department's tasks (given in its subtree, or led by someone holding a
    /// post in it that week) with an event in the week, or still open and overdue at its last working
    /// day; key tasks (overdue, then urgent or high priority) first.
    public func lines(unitPath: String, week: DutyWeek) async throws -> [DutyBookLine] {
        try await lines(unitPaths: [unitPath], week: week)[unitPath] ?? []
    }

    /// The same for many departments at once (a leader's or a province's week): the week's tasks
    /// are read once, by the week's history and by the open overdue ones, and each department gets
    /// those in its subtree or led by someone in post there that week.
    public func lines(unitPaths: [String], week: DutyWeek) async throws -> [String: [DutyBookLine]] {
        guard !unitPaths.isEmpty else { return [:] }
        let from = Instant.format(week.begin), to = Instant.format(week.end)
        let monday = week.start.description, friday = week.days().last!.description
        let roots = Set(unitPaths).filter { p in !unitPaths.contains { $0 != p && p.hasPrefix($0) } }.sorted()
        let (tasks, posts, events) = try await database.read { sql -> ([TaskRow], [Int64: [String]], [Int64: [TaskEvent]]) in
            // Who held a post in the departments that week, and where: read for sharing the tasks
            // out, and the same query as a subquery for the database (not thousands of bound ids).
            func held<B: SQLSubqueryClauseBuilder>(_ q: B) -> B {
                q.from(SQLAlias(SQLIdentifier("assignments"), as: SQLIdentifier("a")))
                    .join(SQLAlias(SQLIdentifier("units"), as: SQLIdentifier("pu")), on: SQLRaw("pu.id = a.unit_id"))
                    .within(scopes: roots, column: col("pu.path"))
                    .where(col("a.valid_from"), .lessThanOrEqual, SQLBind(friday))
                    .where { g in g.where(col("a.valid_to"), .is, SQLLiteral.null).orWhere(col("a.valid_to"), .greaterThanOrEqual, SQLBind(monday)) }
            }
            var posts: [Int64: [String]] = [:]
            for r in try await held(sql.select().column(col("a.person_id")).column(col("pu.path"))).all() {
                posts[try r.decode(column: "person_id", as: Int64.self), default: []].append(try r.decode(column: "path", as: String.self))
            }
            let holders = held(SQLSubqueryBuilder().column(col("a.person_id"))).query
            func scoped<B: SQLPredicateBuilder>(_ q: B) -> B {
                q.where { g in g.withinUnits(scopes: roots, unitID: col("t.unit_id")).orWhere(col("t.owner_id"), .in, holders) }
            }
            // Tasks with a step in the week, then those open and overdue by its Friday.
            var byID: [Int64: TaskRow] = [:]
            for r in try await scoped(TaskStore.select(sql))
                .where(SQLQueryString("t.id IN (SELECT task_id FROM task_events WHERE at >= \(bind: from) AND at < \(bind: to))")).all() {
                let row = try TaskStore.decodeRow(r)
                byID[row.task.id] = row
            }
            for r in try await scoped(TaskStore.select(sql))
                .where(col("t.status"), .in, vocabulary([WorkTask.Status.assigned.rawValue, WorkTask.Status.inProgress.rawValue]))
                .where(col("t.due"), .lessThan, SQLBind(friday)).all() {
                let row = try TaskStore.decodeRow(r)
                byID[row.task.id] = row
            }
            // The week's history rows of those tasks (a task with one is among them), in one query.
            var events: [Int64: [TaskEvent]] = [:]
            for r in try await scoped(sql.select().column(SQLColumn(SQLLiteral.all, table: SQLIdentifier("e")))
                .from(SQLAlias(SQLIdentifier("task_events"), as: SQLIdentifier("e")))
                .join(SQLAlias(SQLIdentifier("tasks"), as: SQLIdentifier("t")), on: SQLRaw("t.id = e.task_id"))
                .where(col("e.at"), .greaterThanOrEqual, SQLBind(from)).where(col("e.at"), .lessThan, SQLBind(to))).orderBy(col("e.id")).all() {
                events[try r.decode(column: "task_id", as: Int64.self), default: []].append(try TaskStore.decodeEvent(r))
            }
            return (byID.values.sorted { ($0.task.due, $0.task.id) < ($1.task.due, $1.task.id) }, posts, events)
        }
        let end = week.days().last!
        func key(_ t: TaskRow) -> Int {
            (t.task.standing(on: end) == .openOverdue ? 0 : 2) + (t.task.priority == .normal ? 1 : 0)
        }
        // Each task goes to the asked departments among its unit's and its lead's posts' ancestors
        // (a path's ancestors are its prefixes ending at a "/"), in one pass over the tasks: a
        // province's 130 books and their 14,000 tasks, not 130 × 14,000 prefix comparisons.
        let asked = Set(unitPaths)
        var homes: [String: [String]] = [:]
        func askedAncestors(of path: String) -> [String] {
            if let known = homes[path] { return known }
            var found: [String] = []
            var end = path.startIndex
            while end < path.endIndex {
                end = path[path.index(after: end)...].firstIndex(of: "/").map { path.index(after: $0) } ?? path.endIndex
                let prefix = String(path[..<end])
                if asked.contains(prefix) { found.append(prefix) }
            }
            homes[path] = found
            return found
        }
        var chosen: [String: [TaskRow]] = [:]
        for t in tasks {
            var books = askedAncestors(of: t.unitPath)
            for held in posts[t.task.ownerID] ?? [] { books += askedAncestors(of: held) }
            for path in Set(books) where chosen[path, default: []].count < DutyBookStore.lineLimit {
                chosen[path, default: []].append(t)
            }
        }
        var out: [String: [DutyBookLine]] = [:]
        for path in asked {
            out[path] = (chosen[path] ?? []).map { DutyBookLine(task: $0, events: events[$0.task.id] ?? []) }
                .sorted { (key($0.task), $0.task.task.due) < (key($1.task), $1.task.task.due) }
        }
        return out
    }

    static func decode(_ row: any SQLRow) throws -> DutyBook {
        guard let start = try row.day("week_start") else { throw CorruptRow(column: "week_start") }
        return DutyBook(id: try row.decode(column: "id", as: Int64.self), unitID: try row.decode(column: "unit_id", as: Int64.self),
                        week: DutyWeek(containing: start), strengths: try row.decode(column: "strengths", as: String.self),
                        weaknesses: try row.decode(column: "weaknesses", as: String.self), submittedAt: try row.optionalInstant("submitted_at"),
                        submittedBy: try row.decode(column: "submitted_by", as: String.self), version: try row.decode(column: "version", as: Int.self),
                        comments: [:], addenda: [])
    }

    public func get(unitID: Int64, week: DutyWeek) async throws -> DutyBook? {
        try await books(unitIDs: [unitID], week: week, withContent: true)[unitID]
    }

    /// The books of several units for a week (units without one are absent); with their comments
    /// and addenda when asked (the week's print and workbook), read in one query each.
    public func books(unitIDs: [Int64], week: DutyWeek, withContent: Bool = false) async throws -> [Int64: DutyBook] {
        guard !unitIDs.isEmpty else { return [:] }
        return try await database.read { sql in
            var books = Dictionary(try await sql.select().column("*").from("duty_books").where("unit_id", .in, SQLBind.group(unitIDs))
                .where("week_start", .equal, week.start.description).all().map(DutyBookStore.decode).map { ($0.id, $0) },
                                   uniquingKeysWith: { a, _ in a })
            if withContent && !books.isEmpty {
                let ids = SQLBind.group(Array(books.keys))
                for r in try await sql.select().column("*").from("duty_book_comments").where("book_id", .in, ids).all() {
                    books[try r.decode(column: "book_id", as: Int64.self)]?.comments[try r.decode(column: "task_id", as: Int64.self)] =
                        try r.decode(column: "comment", as: String.self)
                }
                for r in try await sql.select().column("*").from("duty_book_addenda").where("book_id", .in, ids).orderBy("id").all() {
                    books[try r.decode(column: "book_id", as: Int64.self)]?.addenda.append(
                        DutyBook.Addendum(at: try r.instant("at"), actorName: try r.decode(column: "actor_name", as: String.self),
                                          text: try r.decode(column: "text", as: String.self)))
                }
            }
            return Dictionary(books.values.map { ($0.unitID, $0) }, uniquingKeysWith: { a, _ in a })
        }
    }

    /// Saves the comments and the summary of a book not yet submitted (made on first save), and
    /// submits it when asked: from then on it is locked. `version` is the one read (0 for a new book).
    public func save(unitID: Int64, week: DutyWeek, comments: [Int64: String], strengths: String, weaknesses: String, version: Int,
                     submit: Bool, at now: Date = Date(), by actor: Actor) async throws -> DutyBook {
        var errors = ValidationErrors()
        for (id, c) in comments where c.count > 4000 { errors.add("comment_\(id)", "too_long") }
        if strengths.count > 8000 { errors.add("strengths", "too_long") }
        if weaknesses.count > 8000 { errors.add("weaknesses", "too_long") }
        if submit && strengths.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty && weaknesses.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            errors.add("strengths", "duty_book_summary_required")
        }
        try errors.throwIfAny()
        let kind = database.kind
        try await database.write { sql in
            var id: Int64
            var current = 0
            if let row = try await sql.select().column("*").from("duty_books").where("unit_id", .equal, unitID)
                .where("week_start", .equal, week.start.description).first() {
                let book = try DutyBookStore.decode(row)
                guard !book.isSubmitted else { throw StoreError.conflict(field: "version", key: "duty_book_locked") }
                guard book.version == version else { throw StoreError.conflict(field: "version", key: "duty_book_changed") }
                id = book.id
                current = book.version
            } else {
                guard version == 0 else { throw StoreError.conflict(field: "version", key: "duty_book_changed") }
                id = try await sql.insert(into: "duty_books").columns("unit_id", "week_start", "updated_at")
                    .values(SQLBind(unitID), SQLBind(week.start.description), SQLBind(Instant.format(now))).returning("id").first()!
                    .decode(column: "id", as: Int64.self)
            }
            var update = sql.update("duty_books").set("strengths", to: strengths.trimmingCharacters(in: .whitespacesAndNewlines))
                .set("weaknesses", to: weaknesses.trimmingCharacters(in: .whitespacesAndNewlines))
                .set("updated_at", to: Instant.format(now)).set("version", to: current + 1)
            if submit { update = update.set("submitted_at", to: Instant.format(now)).set("submitted_by", to: actor.name) }
            try await update.where("id", .equal, id).run()
            try await sql.delete(from: "duty_book_comments").where("book_id", .equal, id).run()
            for (taskID, comment) in comments.sorted(by: { $0.key < $1.key }) {
                let text = comment.trimmingCharacters(in: .whitespacesAndNewlines)
                guard !text.isEmpty else { continue }
                try await sql.insert(into: "duty_book_comments").columns("book_id", "task_id", "comment")
                    .values(SQLBind(id), SQLBind(taskID), SQLBind(text)).run()
            }
            try await AuditLog.append(.init(action: current == 0 ? .create : .update, objectType: "duty_book", objectID: String(id),
                                            after: AuditJSON.encode(["unit_id": String(unitID), "week": week.start.description,
                                                                     "submitted": submit ? "true" : "false", "comments": String(comments.count)])),
                                      by: actor, in: sql, kind: kind)
        }
        return try await get(unitID: unitID, week: week)!
    }

    /// A dated correction to a submitted book.
    public func addendum(unitID: Int64, week: DutyWeek, text: String, at now: Date = Date(), by actor: Actor) async throws {
        let text = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard text.count >= 3 else { throw ValidationErrors([FieldError("addendum", "reason_required")]) }
        let kind = database.kind
        try await database.write { sql in
            guard let row = try await sql.select().column("*").from("duty_books").where("unit_id", .equal, unitID)
                .where("week_start", .equal, week.start.description).first() else { throw StoreError.notFound("duty_book") }
            let book = try DutyBookStore.decode(row)
            guard book.isSubmitted else { throw StoreError.conflict(field: "addendum", key: "duty_book_not_submitted") }
            try await sql.insert(into: "duty_book_addenda").columns("book_id", "at", "actor_name", "text")
                .values(SQLBind(book.id), SQLBind(Instant.format(now)), SQLBind(actor.name), SQLBind(text)).run()
            try await AuditLog.append(.init(action: .update, objectType: "duty_book", objectID: String(book.id), after: AuditJSON.encode(["addendum": text]),
                                            reason: text), by: actor, in: sql, kind: kind)
        }
    }
}
