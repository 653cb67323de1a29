import CongvuDomain
import Foundation
import SQLKit

/// A task with the names its pages show.
public struct TaskRow: Sendable {
    public var task: WorkTask
    public var unitName: String
    public var unitPath: String
    public var ownerName: String
    public var assignerName: String
    /// A pending extension request: the day asked for and why.
    public var extensionDue: Day?
    public var extensionReason: String
    /// For an orphaned task: the lead's last day in a post over its unit (nil when none there).
    public var leadLeft: Day? = nil
}

/// Someone on a task besides its lead.
public struct TaskPerson: Sendable, Equatable {
    public enum Role: String, Sendable, CaseIterable {
        case coOwner = "co_owner", watcher
        /// Acts for the lead while the lead is away on an approved notice or leave.
        case substitute
    }
    public var personID: Int64
    public var name: String
    public var role: Role
}

/// One step in a task's history (append-only).
public struct TaskEvent: Sendable {
    public var id: Int64
    public var at: Date
    public var actorName: String
    public var action: String
    public var fromStatus: WorkTask.Status
    public var toStatus: WorkTask.Status
    public var percent: Int?
    public var note: String
    public var fromDue: Day?
    public var toDue: Day?
    public var fromOwner: Int64?
    public var toOwner: Int64?
    public var quality: WorkTask.Quality?
}

/// What an action carries besides its name.
public struct TaskStep: Sendable {
    public var action: TaskAction
    /// The version the caller read: a change by someone else since is a conflict.
    public var version: Int
    public var note: String
    public var percent: Int?
    public var due: Day?
    public var quality: WorkTask.Quality?
    public var owner: Int64?
    /// Files sent with the step (a report's evidence), already written to the file store.
    public var files: [TaskFile.Upload]

    public init(action: TaskAction, version: Int, note: String = "", percent: Int? = nil, due: Day? = nil,
                quality: WorkTask.Quality? = nil, owner: Int64? = nil, files: [TaskFile.Upload] = []) {
        self.action = action
        self.version = version
        self.note = note
        self.percent = percent
        self.due = due
        self.quality = quality
        self.owner = owner
        self.files = files
    }
}

/// Tasks: numbered per unit and year, every step kept in `task_events` and the audit log, nothing
/// deleted. The one task mechanism: other features create tasks here, naming their record in the source.
public struct TaskStore: Sendable {
    let database: Database

    public init(database: Database) { self.database = database }

    static func decode(_ row: any SQLRow) throws -> WorkTask {
        func value<T: RawRepresentable>(_ column: String, _ type: T.Type) throws -> T where T.RawValue == String {
            guard let v = T(rawValue: try row.decode(column: column, as: String.self)) else { throw CorruptRow(column: column) }
            return v
        }
        let quality = try row.optional("quality", as: String.self)
        return WorkTask(
            id: try row.decode(column: "id", as: Int64.self), unitID: try row.decode(column: "unit_id", as: Int64.self),
            year: try row.decode(column: "year", as: Int.self), number: try row.decode(column: "number", as: Int.self),
            title: try row.decode(column: "title", as: String.self), content: try row.decode(column: "content", as: String.self),
            source: TaskSource(kind: try value("source_kind", TaskSource.Kind.self), reference: try row.decode(column: "source_reference", as: String.self),
                               date: try row.day("source_date"), recordType: try row.decode(column: "source_record_type", as: String.self),
                               recordID: try row.optional("source_record_id", as: Int64.self)),
            assignerID: try row.decode(column: "assigner_id", as: Int64.self), ownerID: try row.decode(column: "owner_id", as: Int64.self),
            priority: try value("priority", WorkTask.Priority.self), assignedAt: try row.instant("assigned_at"),
            due: try row.requiredDay("due"), originalDue: try row.requiredDay("original_due"), status: try value("status", WorkTask.Status.self),
            acknowledgedAt: try row.optionalInstant("acknowledged_at"), reportedAt: try row.optionalInstant("reported_at"),
            closedAt: try row.optionalInstant("closed_at"), percent: try row.decode(column: "percent", as: Int.self),
            quality: try quality.map { guard let q = WorkTask.Quality(rawValue: $0) else { throw CorruptRow(column: "quality") }; return q },
            parentID: try row.optional("parent_id", as: Int64.self), version: try row.decode(column: "version", as: Int.self),
            recurrence: try row.decode(column: "recurrence", as: String.self), seriesID: try row.optional("series_id", as: Int64.self))
    }

    static func decodeRow(_ row: any SQLRow) throws -> TaskRow {
        TaskRow(task: try decode(row), unitName: try row.decode(column: "unit_name", as: String.self),
                unitPath: try row.decode(column: "unit_path", as: String.self), ownerName: try row.decode(column: "owner_name", as: String.self),
                assignerName: try row.decode(column: "assigner_name", as: String.self), extensionDue: try row.day("extension_due"),
                extensionReason: try row.decode(column: "extension_reason", as: String.self))
    }

    /// The task's columns a row is read from (not its search key, which lists never show).
    static let listColumns = ["id", "unit_id", "year", "number", "title", "content", "source_kind", "source_reference", "source_date",
                              "source_record_type", "source_record_id", "assigner_id", "owner_id", "priority", "assigned_at", "due",
                              "original_due", "status", "acknowledged_at", "reported_at", "closed_at", "percent", "quality", "extension_due",
                              "extension_reason", "parent_id", "version", "recurrence", "series_id"].map { "t." + $0 }.joined(separator: ", ")

    static func select(_ sql: any SQLDatabase) -> SQLSelectBuilder {
        sql.select().column(SQLRaw(Self.listColumns)).column(col("u.name"), as: "unit_name").column(col("u.path"), as: "unit_path")
            .column(col("o.full_name"), as: "owner_name").column(col("g.full_name"), as: "assigner_name")
            .from(SQLAlias(SQLIdentifier("tasks"), as: SQLIdentifier("t")))
            .join(SQLAlias(SQLIdentifier("units"), as: SQLIdentifier("u")), on: SQLRaw("u.id = t.unit_id"))
            .join(SQLAlias(SQLIdentifier("people"), as: SQLIdentifier("o")), on: SQLRaw("o.id = t.owner_id"))
            .join(SQLAlias(SQLIdentifier("people"), as: SQLIdentifier("g")), on: SQLRaw("g.id = t.assigner_id"))
    }

    static func audit(_ t: WorkTask) -> String {
        AuditJSON.encode(["status": t.status.rawValue, "owner_id": String(t.ownerID), "due": t.due.description, "percent": String(t.percent),
                          "quality": t.quality?.rawValue ?? ""])
    }

    // MARK: Assign

    /// Stores a new task with its number (the unit's next for the year), its co-operating people and
    /// watchers, the first history row and the audit record, in one transaction.
    public func create(_ draft: WorkTask, coOwners: [Int64] = [], watchers: [Int64] = [], files: [TaskFile.Upload] = [],
                       by actor: Actor) async throws -> WorkTask {
        let kind = database.kind
        return try await database.write { sql in
            try await Self.insert(draft, coOwners: coOwners, watchers: watchers, files: files, by: actor, in: sql, kind: kind)
        }
    }

    /// The same inside a caller's transaction: inspections, feedback and meetings create their
    /// follow-up tasks together with their own records.
    public static func insert(_ draft: WorkTask, coOwners: [Int64] = [], watchers: [Int64] = [], files: [TaskFile.Upload] = [],
                              by actor: Actor, in sql: any SQLDatabase, kind: DatabaseKind) async throws -> WorkTask {
        let next = try await sql.raw("""
            INSERT INTO task_sequences (unit_id, year, last_number) VALUES (\(bind: draft.unitID), \(bind: draft.year), 1)
            ON CONFLICT (unit_id, year) DO UPDATE SET last_number = task_sequences.last_number + 1
            RETURNING last_number
            """).first()
        var t = draft
        t.number = try next!.decode(column: "last_number", as: Int.self)
        t.status = .assigned
        t.version = 1
        t.originalDue = t.due
        let row = try await sql.insert(into: "tasks")
            .columns("unit_id", "year", "number", "title", "search_key", "content", "source_kind", "source_reference", "source_date",
                     "source_record_type", "source_record_id", "assigner_id", "owner_id", "priority", "assigned_at", "due", "original_due",
                     "status", "parent_id", "recurrence", "series_id")
            .values(SQLBind(t.unitID), SQLBind(t.year), SQLBind(t.number), SQLBind(t.title), SQLBind(SearchKey.fold(t.title)), SQLBind(t.content),
                    SQLBind(t.source.kind.rawValue), SQLBind(t.source.reference), SQLBind(t.source.date?.description), SQLBind(t.source.recordType),
                    SQLBind(t.source.recordID), SQLBind(t.assignerID), SQLBind(t.ownerID), SQLBind(t.priority.rawValue),
                    SQLBind(Instant.format(t.assignedAt)), SQLBind(t.due.description), SQLBind(t.due.description), SQLBind(t.status.rawValue),
                    SQLBind(t.parentID), SQLBind(t.recurrence), SQLBind(t.seriesID))
            .returning("id").first()
        t.id = try row!.decode(column: "id", as: Int64.self)
        for (ids, role) in [(coOwners, TaskPerson.Role.coOwner), (watchers, .watcher)] {
            for id in Set(ids) where id != t.ownerID {
                try await sql.insert(into: "task_people").columns("task_id", "person_id", "role").values(SQLBind(t.id), SQLBind(id), SQLBind(role.rawValue)).run()
            }
        }
        let assigned = try await event(t.id, action: "assign", from: .assigned, to: .assigned, at: t.assignedAt, by: actor, toDue: t.due,
                                       toOwner: t.ownerID, in: sql)
        try await link(files, taskID: t.id, eventID: assigned, at: t.assignedAt, by: actor, in: sql)
        // The lead and the co-operating people hear of it (not whoever assigned it to themselves);
        // raised before the audit record, on whose first statement it rides on PostgreSQL.
        let told = ([t.ownerID] + coOwners).filter { $0 != t.assignerID }
        try await NotificationStore.raise(NotificationDraft(key: NotificationKey(.taskAssigned, recordType: "task", recordID: t.id), unitID: t.unitID,
                                                            params: ["reference": t.reference, "title": t.title, "due": t.due.description],
                                                            link: "/tasks/\(t.id)"),
                                          toPeople: told, at: t.assignedAt, in: sql)
        try await AuditLog.append(.init(action: .create, objectType: "task", objectID: String(t.id), after: audit(t)), by: actor, in: sql, kind: kind)
        return t
    }

    /// Appends a history row; returns its id.
    @discardableResult
    static func event(_ taskID: Int64, action: String, from: WorkTask.Status, to: WorkTask.Status, at: Date, by actor: Actor, percent: Int? = nil,
                      note: String = "", fromDue: Day? = nil, toDue: Day? = nil, fromOwner: Int64? = nil, toOwner: Int64? = nil,
                      quality: WorkTask.Quality? = nil, in sql: any SQLDatabase) async throws -> Int64 {
        try await sql.insert(into: "task_events")
            .columns("task_id", "at", "actor_id", "actor_name", "action", "from_status", "to_status", "percent", "note", "from_due", "to_due",
                     "from_owner", "to_owner", "quality")
            .values(SQLBind(taskID), SQLBind(Instant.format(at)), SQLBind(actor.id), SQLBind(actor.name), SQLBind(action), SQLBind(from.rawValue),
                    SQLBind(to.rawValue), SQLBind(percent), SQLBind(note), SQLBind(fromDue?.description), SQLBind(toDue?.description),
                    SQLBind(fromOwner), SQLBind(toOwner), SQLBind(quality?.rawValue))
            .returning("id").first()!.decode(column: "id", as: Int64.self)
    }

    // MARK: Read

    public func get(_ id: Int64) async throws -> TaskRow? {
        try await database.read { sql in try await Self.select(sql).where(col("t.id"), .equal, SQLBind(id)).first().map(TaskStore.decodeRow) }
    }

    public func people(_ taskID: Int64) async throws -> [TaskPerson] {
        try await database.read { sql in
            try await sql.select().column(col("tp.person_id")).column(col("tp.role")).column(col("p.full_name"))
                .from(SQLAlias(SQLIdentifier("task_people"), as: SQLIdentifier("tp")))
                .join(SQLAlias(SQLIdentifier("people"), as: SQLIdentifier("p")), on: SQLRaw("p.id = tp.person_id"))
                .where(col("tp.task_id"), .equal, SQLBind(taskID)).orderBy(col("tp.role")).orderBy(col("p.search_key")).all()
                .map { r in
                    guard let role = TaskPerson.Role(rawValue: try r.decode(column: "role", as: String.self)) else { throw CorruptRow(column: "role") }
                    return TaskPerson(personID: try r.decode(column: "person_id", as: Int64.self), name: try r.decode(column: "full_name", as: String.self), role: role)
                }
        }
    }

    static func decodeEvent(_ r: any SQLRow) throws -> TaskEvent {
        guard let from = WorkTask.Status(rawValue: try r.decode(column: "from_status", as: String.self)),
              let to = WorkTask.Status(rawValue: try r.decode(column: "to_status", as: String.self)) else { throw CorruptRow(column: "status") }
        return TaskEvent(id: try r.decode(column: "id", as: Int64.self), at: try r.instant("at"), actorName: try r.decode(column: "actor_name", as: String.self),
                         action: try r.decode(column: "action", as: String.self), fromStatus: from, toStatus: to,
                         percent: try r.optional("percent", as: Int.self), note: try r.decode(column: "note", as: String.self),
                         fromDue: try r.day("from_due"), toDue: try r.day("to_due"), fromOwner: try r.optional("from_owner", as: Int64.self),
                         toOwner: try r.optional("to_owner", as: Int64.self),
                         quality: try r.optional("quality", as: String.self).flatMap(WorkTask.Quality.init))
    }

    public func events(_ taskID: Int64) async throws -> [TaskEvent] {
        try await database.read { sql in
            try await sql.select().column("*").from("task_events").where("task_id", .equal, taskID).orderBy("id").all().map(TaskStore.decodeEvent)
        }
    }

    /// Names (or, with nil, removes) the person who acts for the lead while the lead is away; audited.
    public func setSubstitute(_ taskID: Int64, personID: Int64?, reason: String, by actor: Actor) async throws {
        let kind = database.kind
        try await database.write { sql in
            let before = try await sql.select().column("person_id").from("task_people").where("task_id", .equal, taskID)
                .where("role", .equal, TaskPerson.Role.substitute.rawValue).first()?.decode(column: "person_id", as: Int64.self)
            try await sql.delete(from: "task_people").where("task_id", .equal, taskID).where("role", .equal, TaskPerson.Role.substitute.rawValue).run()
            if let personID {
                try await sql.insert(into: "task_people").columns("task_id", "person_id", "role")
                    .values(SQLBind(taskID), SQLBind(personID), SQLBind(TaskPerson.Role.substitute.rawValue)).run()
            }
            try await AuditLog.append(.init(action: .update, objectType: "task", objectID: String(taskID),
                                            before: AuditJSON.encode(["substitute": before.map(String.init) ?? ""]),
                                            after: AuditJSON.encode(["substitute": personID.map(String.init) ?? ""]), reason: reason),
                                      by: actor, in: sql, kind: kind)
        }
    }

    /// The tasks a task was split into, by deadline.
    public func children(_ parentID: Int64) async throws -> [TaskRow] {
        try await database.read { sql in
            try await Self.select(sql).where(col("t.parent_id"), .equal, SQLBind(parentID)).orderBy(col("t.due")).orderBy(col("t.id")).all().map(TaskStore.decodeRow)
        }
    }

    /// A person's tasks: those they lead, co-operate on or watch; open ones first by deadline.
    public func mine(personID: Int64, includeClosed: Bool = false, limit: Int = 200) async throws -> [TaskRow] {
        try await database.read { sql in
            try await (includeClosed ? Self.allMine : Self.openMine).all(on: sql, personID, limit).map(TaskStore.decodeRow)
        }
    }

    /// The list every civil servant opens, kept as text (`KeptStatement`): slot 0 the person, 1 the limit.
    static let openMine = mine(includeClosed: false)
    static let allMine = mine(includeClosed: true)

    private static func mine(includeClosed: Bool) -> KeptStatement {
        KeptStatement { sql, slot in
            // One set of ids from two indexes (the lead's, the other people's): an OR across two
            // tables would make PostgreSQL read every task.
            let open = WorkTask.Status.allCases.filter(\.isOpen).map(\.rawValue)
            let led: SQLQueryString = includeClosed ? "SELECT id FROM tasks WHERE owner_id = \(slot(0))"
                : "SELECT id FROM tasks WHERE owner_id = \(slot(0)) AND status IN (\(literals: open, joinedBy: ", "))"
            var q = select(sql).where(SQLQueryString("t.id IN (\(led) UNION SELECT task_id FROM task_people WHERE person_id = \(slot(0)))"))
            if !includeClosed { q = q.where(col("t.status"), .in, vocabulary(open)) }
            return SQLQueryString("\(q.orderBy(col("t.due")).orderBy(col("t.id")).query) LIMIT \(slot(1))")
        }
    }

    public struct BoardFilter: Sendable {
        public var unitPaths: [String]
        public var statuses: [WorkTask.Status]
        public var ownerID: Int64?
        public var search: String

        public init(unitPaths: [String], statuses: [WorkTask.Status] = WorkTask.Status.allCases.filter(\.isOpen), ownerID: Int64? = nil, search: String = "") {
            self.unitPaths = unitPaths
            self.statuses = statuses
            self.ownerID = ownerID
            self.search = search
        }
    }

    /// Open tasks due on or before `through` (the overdue among them): the morning reminders'
    /// candidates, by deadline.
    public func openDue(through: Day, limit: Int = 50_000) async throws -> [WorkTask] {
        try await database.read { sql in
            try await sql.select().column("*").from("tasks")
                .where("status", .in, vocabulary(WorkTask.Status.allCases.filter(\.isOpen).map(\.rawValue)))
                .where("due", .lessThanOrEqual, through.description).orderBy("due").orderBy("id").limit(limit).all().map(TaskStore.decode)
        }
    }

    /// What every board is built from, in one row: the database's count of the changes to tasks and
    /// to the names of their units and people (`Schema.taskChanges`). An answer kept under it is
    /// still true, on this server or another; read it before the board, so that what is kept under
    /// a count is never older than the count.
    public func stamp() async throws -> Int64 {
        try await database.read { sql in
            guard let row = try await sql.raw("SELECT n FROM task_changes WHERE id = 1").first() else { throw CorruptRow(column: "task_changes") }
            return try row.decode(column: "n", as: Int64.self)
        }
    }

    /// A unit's tasks (and those of the units under it), by deadline.
    public func board(_ filter: BoardFilter, limit: Int = 500) async throws -> [TaskRow] {
        try await database.read { sql in
            var q = Self.select(sql).withinUnits(scopes: filter.unitPaths, unitID: col("t.unit_id"))
            if !filter.statuses.isEmpty { q = q.where(col("t.status"), .in, vocabulary(filter.statuses.map(\.rawValue))) }
            if let owner = filter.ownerID { q = q.where(col("t.owner_id"), .equal, SQLBind(owner)) }
            if let pattern = SearchKey.likePattern(filter.search) { q = q.where(col("t.search_key"), .like, SQLBind(pattern)) }
            return try await q.orderBy(col("t.due")).orderBy(col("t.id")).limit(limit).all().map(TaskStore.decodeRow)
        }
    }

    // MARK: Act

    /// Takes one step on a task: checks the version read, the step's place in the cycle and its
    /// inputs, then updates the task, appends its history row and the audit record in one
    /// transaction. Who may take it is the caller's check (`TaskRules.available`).
    public func act(_ id: Int64, _ step: TaskStep, at now: Date = Date(), by actor: Actor) async throws -> WorkTask {
        let kind = database.kind
        return try await database.write { sql in
            guard let row = try await sql.select().column("*").from("tasks").where("id", .equal, id).first() else { throw StoreError.notFound("task") }
            let current = try TaskStore.decode(row)
            let pendingDue = try row.day("extension_due")
            guard current.version == step.version else { throw StoreError.conflict(field: "version", key: "task_changed") }
            guard let next = step.action.next(from: current.status, extensionPending: pendingDue != nil) else {
                throw StoreError.conflict(field: "action", key: "task_action_not_now")
            }
            let note = step.note.trimmingCharacters(in: .whitespacesAndNewlines)
            var errors = ValidationErrors()
            if step.action.needsReason && note.count < 3 { errors.add("note", "reason_required") }
            if note.count > 4000 { errors.add("note", "too_long") }
            var t = current
            t.status = next
            t.version += 1
            var update = sql.update("tasks").set("status", to: next.rawValue).set("version", to: t.version)
            var fromDue: Day?, toDue: Day?, fromOwner: Int64?, toOwner: Int64?
            switch step.action {
            case .acknowledge:
                t.acknowledgedAt = now
                update = update.set("acknowledged_at", to: Instant.format(now))
            case .progress:
                guard let p = step.percent, (0...100).contains(p) else { errors.add("percent", "task_percent_invalid"); break }
                if note.isEmpty { errors.add("note", "required") }
                t.percent = p
                if t.acknowledgedAt == nil { t.acknowledgedAt = now; update = update.set("acknowledged_at", to: Instant.format(now)) }
                update = update.set("percent", to: p)
            case .requestExtension:
                guard let due = step.due, due > current.due else { errors.add("due", "task_extension_later"); break }
                update = update.set("extension_due", to: due.description).set("extension_reason", to: note)
                toDue = due
            case .approveExtension:
                fromDue = current.due
                toDue = pendingDue
                t.due = pendingDue!
                update = update.set("due", to: t.due.description).set("extension_due", to: SQLLiteral.null).set("extension_reason", to: "")
            case .refuseExtension:
                toDue = pendingDue
                update = update.set("extension_due", to: SQLLiteral.null).set("extension_reason", to: "")
            case .reportDone:
                t.reportedAt = now
                t.percent = 100
                if t.acknowledgedAt == nil { t.acknowledgedAt = now; update = update.set("acknowledged_at", to: Instant.format(now)) }
                update = update.set("reported_at", to: Instant.format(now)).set("percent", to: 100)
            case .accept:
                guard let q = step.quality else { errors.add("quality", "required"); break }
                t.quality = q
                t.closedAt = now
                update = update.set("quality", to: q.rawValue).set("closed_at", to: Instant.format(now))
            case .returnForRework:
                t.reportedAt = nil
                update = update.set("reported_at", to: SQLLiteral.null)
            case .cancel:
                t.closedAt = now
                update = update.set("closed_at", to: Instant.format(now)).set("extension_due", to: SQLLiteral.null)
            case .reassign:
                guard let owner = step.owner, owner != current.ownerID else { errors.add("owner", "task_owner_same"); break }
                fromOwner = current.ownerID
                toOwner = owner
                t.ownerID = owner
                update = update.set("owner_id", to: owner)
            case .comment:
                if note.isEmpty { errors.add("note", "required") }
            }
            try errors.throwIfAny()
            try await update.where("id", .equal, id).where("version", .equal, current.version).run()
            let event = try await TaskStore.event(id, action: step.action.rawValue, from: current.status, to: next, at: now, by: actor,
                                                  percent: step.action == .progress ? t.percent : nil, note: note, fromDue: fromDue, toDue: toDue,
                                                  fromOwner: fromOwner, toOwner: toOwner, quality: step.action == .accept ? t.quality : nil, in: sql)
            try await TaskStore.link(step.files, taskID: id, eventID: event, at: now, by: actor, in: sql)
            if step.action != .comment {
                try await AuditLog.append(.init(action: .update, objectType: "task", objectID: String(id), before: TaskStore.audit(current),
                                                after: TaskStore.audit(t), reason: note), by: actor, in: sql, kind: kind)
            }
            return t
        }
    }

    // MARK: Staff change

    /// Open tasks in the scopes whose lead holds no post, on `day`, in the task's unit or under it:
    /// they wait for the head to reassign them.
    /// Each carries the lead's last day in a post there (`leadLeft`), from which it has waited.
    public func orphans(scopes: [String], on day: Day, limit: Int = 1000) async throws -> [TaskRow] {
        try await database.read { sql in
            try await Self.select(sql).column(SQLAlias(SQLQueryString("""
                    (SELECT MAX(a.valid_to) FROM assignments a JOIN units pu ON pu.id = a.unit_id
                        WHERE a.person_id = t.owner_id AND a.valid_to < \(bind: day.description)
                        AND (pu.path LIKE u.path || '%' OR u.path LIKE pu.path || '%'))
                    """), as: SQLIdentifier("lead_left")))
                .within(scopes: scopes, column: col("u.path"))
                .where(col("t.status"), .in, vocabulary(WorkTask.Status.allCases.filter(\.isOpen).map(\.rawValue)))
                .where(SQLQueryString("""
                    NOT EXISTS (SELECT 1 FROM assignments a JOIN units pu ON pu.id = a.unit_id
                        WHERE a.person_id = t.owner_id AND a.valid_from <= \(bind: day.description)
                        AND (a.valid_to IS NULL OR a.valid_to >= \(bind: day.description))
                        AND (pu.path LIKE u.path || '%' OR u.path LIKE pu.path || '%'))
                    """))
                .orderBy(col("t.due")).orderBy(col("t.id")).limit(limit).all().map { r in
                    var row = try TaskStore.decodeRow(r)
                    row.leadLeft = try r.day("lead_left")
                    return row
                }
        }
    }

    /// Hands several tasks to new leads at once (one transaction: all or none), each with its
    /// history row and audit record naming the reason. Read, updated (one statement per new lead)
    /// and recorded in batches: a departing head's 500 tasks are one short transaction.
    public func reassign(_ moves: [(taskID: Int64, owner: Int64)], reason: String, at now: Date = Date(), by actor: Actor) async throws -> Int {
        let reason = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard reason.count >= 3 else { throw ValidationErrors([FieldError("reason", "reason_required")]) }
        let kind = database.kind
        var newOwner: [Int64: Int64] = [:]
        for m in moves { newOwner[m.taskID] = m.owner }
        let ids = Array(newOwner.keys)
        return try await database.write { sql in
            var current: [Int64: WorkTask] = [:]
            for part in stride(from: 0, to: ids.count, by: 1000) {
                for row in try await sql.select().column("*").from("tasks").where("id", .in, SQLBind.group(Array(ids[part..<min(part + 1000, ids.count)]))).all() {
                    let t = try TaskStore.decode(row)
                    current[t.id] = t
                }
            }
            guard current.count == ids.count else { throw StoreError.notFound("task") }
            let moving = moves.compactMap { m -> (WorkTask, Int64)? in
                guard let t = current[m.taskID], t.status.isOpen, t.ownerID != m.owner else { return nil }
                return (t, m.owner)
            }
            guard !moving.isEmpty else { return 0 }
            for (owner, group) in Dictionary(grouping: moving, by: \.1) {
                let list = group.map(\.0.id)
                for part in stride(from: 0, to: list.count, by: 1000) {
                    try await sql.update("tasks").set("owner_id", to: owner).set(SQLIdentifier("version"), to: SQLRaw("version + 1"))
                        .where("id", .in, SQLBind.group(Array(list[part..<min(part + 1000, list.count)]))).run()
                }
            }
            let at = Instant.format(now)
            for part in stride(from: 0, to: moving.count, by: 500) {
                var insert = sql.insert(into: "task_events")
                    .columns("task_id", "at", "actor_id", "actor_name", "action", "from_status", "to_status", "note", "from_owner", "to_owner")
                for (t, owner) in moving[part..<min(part + 500, moving.count)] {
                    insert = insert.values(SQLBind(t.id), SQLBind(at), SQLBind(actor.id), SQLBind(actor.name), SQLBind(TaskAction.reassign.rawValue),
                                           SQLBind(t.status.rawValue), SQLBind(t.status.rawValue), SQLBind(reason), SQLBind(t.ownerID), SQLBind(owner))
                }
                try await insert.run()
            }
            try await AuditLog.append(moving.map { t, owner in
                var after = t
                after.ownerID = owner
                after.version += 1
                return AuditLog.Entry(action: .update, objectType: "task", objectID: String(t.id), before: TaskStore.audit(t),
                                      after: TaskStore.audit(after), reason: reason)
            }, by: actor, in: sql, kind: kind)
            return moving.count
        }
    }
}
