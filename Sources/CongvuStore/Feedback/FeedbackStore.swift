import CongvuDomain
import Foundation
import SQLKit

/// A stored feedback item.
public struct FeedbackItem: Sendable, Equatable {
    public var id: Int64
    public var code: String
    /// The unit it was filed with.
    public var unitID: Int64
    /// The unit that must answer (after forwarding, another), and the person there.
    public var ownerUnitID: Int64
    public var ownerID: Int64?
    public var draft: FeedbackDraft
    /// An official the feedback is about, when the office knows who.
    public var personID: Int64?
    public var boxOpeningID: Int64?
    /// The Open311 client that filed it (its account), and the picture it pointed to.
    public var client: String
    public var mediaURL: String
    public var status: FeedbackStatus
    public var receivedAt: Date
    public var receivedDay: Day
    public var due: Day
    public var forwardBy: Day
    public var escalationLevel: Int
    public var escalatedUnitID: Int64?
    public var nextEscalation: Day?
    public var answer: String
    public var answeredAt: Date?
    public var answeredDay: Day?
    public var answeredBy: Int64?
    public var satisfaction: Satisfaction?
    /// The citizen's "is it solved?": nil until asked and answered.
    public var solved: Bool?
    public var reopened: Int
    public var mergedInto: Int64?
    public var taskID: Int64?
    public var updatedAt: Date
    public var version: Int
    public var photos: Int

    /// Whether the answer may be shown to anyone holding the tracking code or on the public pages.
    public var answerIsPublic: Bool { !draft.answerPrivately }
}

/// One line of an item's history (append-only).
public struct FeedbackEvent: Sendable, Equatable {
    public var at: Date
    public var actor: String
    public var kind: String
    public var reason: String
    public var detail: String
}

/// An opening of a unit's suggestion box: when, who opened it before which witnesses, how many
/// letters it held; the letters are then entered as items of channel `box` pointing to it.
public struct BoxOpening: Sendable, Equatable {
    public var id: Int64
    public var unitID: Int64
    public var openedOn: Day
    public var openedBy: String
    public var witnesses: String
    public var letters: Int
    /// Items entered from it so far.
    public var entered: Int
}

/// What a list of the register asks for.
public struct FeedbackFilter: Sendable {
    public var unitIDs: [Int64]
    public var status: FeedbackStatus?
    public var category: String?
    public var channel: FeedbackChannel?
    public var overdueOn: Day?
    public var from: Day?
    public var to: Day?
    /// Accent-insensitive words in the code, description, citizen or address.
    public var search: String
    public var includeSpam: Bool
    public var limit: Int
    public var offset: Int

    public init(unitIDs: [Int64], status: FeedbackStatus? = nil, category: String? = nil, channel: FeedbackChannel? = nil, overdueOn: Day? = nil,
                from: Day? = nil, to: Day? = nil, search: String = "", includeSpam: Bool = false, limit: Int = 200, offset: Int = 0) {
        self.unitIDs = unitIDs
        self.status = status
        self.category = category
        self.channel = channel
        self.overdueOn = overdueOn
        self.from = from
        self.to = to
        self.search = search
        self.includeSpam = includeSpam
        self.limit = limit
        self.offset = offset
    }
}

/// The feedback register: filing from every channel, the office's and owner's moves (each one
/// appended to the item's history and to the audit chain, a notification raised in the same
/// transaction), the citizen's rating and verdict, escalation, and the box's openings.
public struct FeedbackStore: Sendable {
    let database: Database

    public init(database: Database) { self.database = database }

    // MARK: Categories

    public func categories() async throws -> [FeedbackCategory] {
        try await database.read { sql in
            try await sql.select().column("*").from("feedback_categories").orderBy("position").orderBy("code").all().map {
                FeedbackCategory(code: try $0.decode(column: "code", as: String.self), nameVi: try $0.decode(column: "name_vi", as: String.self),
                                 nameEn: try $0.decode(column: "name_en", as: String.self), answerDays: try $0.decode(column: "answer_days", as: Int.self),
                                 active: try $0.decode(column: "active", as: Int.self) != 0)
            }
        }
    }

    /// Adds a category or changes one (its code stays), audited.
    public func save(_ category: FeedbackCategory, by actor: Actor) async throws {
        let c = try category.validated(), kind = database.kind
        try await database.write { sql in
            let old = try await sql.select().column("*").from("feedback_categories").where("code", .equal, c.code).first()
            if old == nil {
                try await sql.insert(into: "feedback_categories").columns("code", "name_vi", "name_en", "answer_days", "active", "position")
                    .values(SQLBind(c.code), SQLBind(c.nameVi), SQLBind(c.nameEn), SQLBind(c.answerDays), SQLBind(c.active ? 1 : 0), SQLLiteral.numeric("100")).run()
            } else {
                try await sql.update("feedback_categories").set("name_vi", to: c.nameVi).set("name_en", to: c.nameEn).set("answer_days", to: c.answerDays)
                    .set("active", to: c.active ? 1 : 0).where("code", .equal, c.code).run()
            }
            try await AuditLog.append(.init(action: old == nil ? .create : .update, objectType: "feedback_category", objectID: c.code,
                                            after: AuditJSON.encode(["name": c.nameVi, "answer_days": String(c.answerDays), "active": c.active ? "1" : "0"])),
                                      by: actor, in: sql, kind: kind)
        }
    }

    // MARK: Reading

    static func decode(_ r: any SQLRow) throws -> FeedbackItem {
        guard let channel = FeedbackChannel(rawValue: try r.decode(column: "channel", as: String.self)),
              let status = FeedbackStatus(rawValue: try r.decode(column: "status", as: String.self)) else { throw CorruptRow(column: "status") }
        let draft = FeedbackDraft(category: try r.decode(column: "category", as: String.self), channel: channel,
                                  description: try r.decode(column: "description", as: String.self),
                                  citizenName: try r.decode(column: "citizen_name", as: String.self), contact: try r.decode(column: "contact", as: String.self),
                                  address: try r.decode(column: "address", as: String.self),
                                  latitude: try r.optional("lat", as: String.self).flatMap(Double.init),
                                  longitude: try r.optional("lng", as: String.self).flatMap(Double.init),
                                  answerPrivately: try r.decode(column: "answer_private", as: Int.self) != 0,
                                  dossierCode: try r.decode(column: "dossier_code", as: String.self))
        return FeedbackItem(
            id: try r.decode(column: "id", as: Int64.self), code: try r.decode(column: "code", as: String.self),
            unitID: try r.decode(column: "unit_id", as: Int64.self), ownerUnitID: try r.decode(column: "owner_unit_id", as: Int64.self),
            ownerID: try r.optional("owner_id", as: Int64.self), draft: draft, personID: try r.optional("person_id", as: Int64.self),
            boxOpeningID: try r.optional("box_opening_id", as: Int64.self), client: try r.decode(column: "client", as: String.self),
            mediaURL: try r.decode(column: "media_url", as: String.self), status: status,
            receivedAt: try r.instant("received_at"), receivedDay: try r.requiredDay("received_day"), due: try r.requiredDay("due_day"),
            forwardBy: try r.requiredDay("forward_by"), escalationLevel: try r.decode(column: "escalation_level", as: Int.self),
            escalatedUnitID: try r.optional("escalated_unit_id", as: Int64.self), nextEscalation: try r.day("next_escalation"),
            answer: try r.decode(column: "answer", as: String.self), answeredAt: try r.optionalInstant("answered_at"),
            answeredDay: try r.day("answered_day"), answeredBy: try r.optional("answered_by", as: Int64.self),
            satisfaction: try r.optional("satisfaction", as: String.self).flatMap(Satisfaction.init(rawValue:)),
            solved: try r.optional("solved", as: Int.self).map { $0 != 0 }, reopened: try r.decode(column: "reopened", as: Int.self),
            mergedInto: try r.optional("merged_into", as: Int64.self), taskID: try r.optional("task_id", as: Int64.self),
            updatedAt: try r.instant("updated_at"), version: try r.decode(column: "version", as: Int.self),
            photos: try r.optional("photos", as: Int.self) ?? 0)
    }

    static let columns = "f.*, (SELECT COUNT(*) FROM feedback_photos p WHERE p.feedback_id = f.id) AS photos"

    public func get(_ id: Int64) async throws -> FeedbackItem? {
        try await database.read { sql in try await Self.get(id, in: sql) }
    }

    static func get(_ id: Int64, in sql: any SQLDatabase) async throws -> FeedbackItem? {
        try await sql.raw("SELECT \(unsafeRaw: columns) FROM feedback f WHERE f.id = \(bind: id)").first().map(decode)
    }

    public func get(code: String) async throws -> FeedbackItem? {
        try await database.read { sql in try await sql.raw("SELECT \(unsafeRaw: Self.columns) FROM feedback f WHERE f.code = \(bind: code)").first().map(Self.decode) }
    }

    /// Items of the units (filed with them, owned by them or escalated to them), newest first.
    public func list(_ filter: FeedbackFilter) async throws -> Page<FeedbackItem> {
        guard !filter.unitIDs.isEmpty else { return Page(items: [], total: 0, offset: filter.offset, limit: filter.limit) }
        return try await database.read { sql in
            let units: SQLQueryString = "(\(binds: filter.unitIDs))"
            var q: SQLQueryString = "FROM feedback f WHERE (f.unit_id IN \(units) OR f.owner_unit_id IN \(units) OR f.escalated_unit_id IN \(units))"
            if let s = filter.status {
                q.appendLiteral(" AND f.status = ")
                q.appendInterpolation(bind: s.rawValue)
            } else if !filter.includeSpam {
                q.appendLiteral(" AND f.status <> 'spam'")
            }
            if let c = filter.category { q.appendLiteral(" AND f.category = "); q.appendInterpolation(bind: c) }
            if let c = filter.channel { q.appendLiteral(" AND f.channel = "); q.appendInterpolation(bind: c.rawValue) }
            if let d = filter.overdueOn {
                q.appendLiteral(" AND f.status IN ('received', 'assigned') AND f.due_day < ")
                q.appendInterpolation(bind: d.description)
            }
            if let d = filter.from { q.appendLiteral(" AND f.received_day >= "); q.appendInterpolation(bind: d.description) }
            if let d = filter.to { q.appendLiteral(" AND f.received_day <= "); q.appendInterpolation(bind: d.description) }
            // Accent-insensitive: every word in the item's folded text (its code, description, the
            // citizen's name, the place and the dossier's code).
            for word in SearchKey.fold(filter.search).split(separator: " ") {
                q.appendLiteral(" AND f.search_key LIKE ")
                q.appendInterpolation(bind: "%" + word.replacingOccurrences(of: "%", with: "").replacingOccurrences(of: "_", with: "") + "%")
            }
            let total = try await sql.raw("SELECT COUNT(*) AS n " + q).first()?.decode(column: "n", as: Int.self) ?? 0
            let items = try await sql.raw("SELECT \(unsafeRaw: Self.columns) " + q + " ORDER BY f.received_at DESC, f.id DESC LIMIT \(bind: filter.limit) OFFSET \(bind: filter.offset)")
                .all().map(Self.decode)
            return Page(items: items, total: total, offset: filter.offset, limit: filter.limit)
        }
    }

    /// The folded text the register's search reads (`SearchKey`: no accents, lower case).
    static func searchKey(code: String, _ d: FeedbackDraft) -> String {
        SearchKey.fold([code, d.description, d.citizenName, d.address, d.dossierCode].joined(separator: " "))
    }

    /// Folds the search text of items written before step 40 (or by plain SQL), a batch at a time;
    /// the server does it as it starts. Returns how many it filled.
    @discardableResult
    public func fillSearchKeys(batch: Int = 2_000) async throws -> Int {
        var filled = 0
        while true {
            let n = try await database.write { sql in
                let rows = try await sql.raw("""
                    SELECT id, code, description, citizen_name, address, dossier_code FROM feedback WHERE search_key IS NULL ORDER BY id LIMIT \(literal: batch)
                    """).all()
                for r in rows {
                    let d = FeedbackDraft(category: "", channel: .web, description: try r.decode(column: "description", as: String.self),
                                          citizenName: try r.decode(column: "citizen_name", as: String.self), address: try r.decode(column: "address", as: String.self),
                                          dossierCode: try r.decode(column: "dossier_code", as: String.self))
                    try await sql.update("feedback").set("search_key", to: Self.searchKey(code: try r.decode(column: "code", as: String.self), d))
                        .where("id", .equal, try r.decode(column: "id", as: Int64.self)).run()
                }
                return rows.count
            }
            filled += n
            if n < batch { return filled }
        }
    }

    public func events(_ id: Int64) async throws -> [FeedbackEvent] {
        try await database.read { sql in
            try await sql.select().column("*").from("feedback_events").where("feedback_id", .equal, id).orderBy("id").all().map {
                FeedbackEvent(at: try $0.instant("at"), actor: try $0.decode(column: "actor_name", as: String.self), kind: try $0.decode(column: "kind", as: String.self),
                              reason: try $0.decode(column: "reason", as: String.self), detail: try $0.decode(column: "detail", as: String.self))
            }
        }
    }

    /// The SHA-256 of the item's photos, in order.
    public func photos(_ id: Int64) async throws -> [String] {
        try await database.read { sql in
            try await sql.select().column("sha").from("feedback_photos").where("feedback_id", .equal, id).orderBy("position").all()
                .map { try $0.decode(column: "sha", as: String.self) }
        }
    }

    /// The figures' raw items over units and received days.
    public func counted(unitIDs: [Int64], from: Day, to: Day) async throws -> [FeedbackCounts.Item] {
        guard !unitIDs.isEmpty else { return [] }
        return try await database.read { sql in
            try await sql.raw("""
                SELECT category, owner_unit_id, status, due_day, answered_day, escalation_level FROM feedback
                WHERE (unit_id IN (\(binds: unitIDs)) OR owner_unit_id IN (\(binds: unitIDs))) AND received_day >= \(bind: from.description)
                  AND received_day <= \(bind: to.description)
                """).all().map {
                guard let s = FeedbackStatus(rawValue: try $0.decode(column: "status", as: String.self)) else { throw CorruptRow(column: "status") }
                return FeedbackCounts.Item(category: try $0.decode(column: "category", as: String.self), unitID: try $0.decode(column: "owner_unit_id", as: Int64.self),
                                           status: s, due: try $0.requiredDay("due_day"), answeredOn: try $0.day("answered_day"),
                                           escalations: try $0.decode(column: "escalation_level", as: Int.self))
            }
        }
    }

    // MARK: Filing

    /// What filing needs besides the draft: where, when, its deadlines, and the origin.
    public struct Filing: Sendable {
        public var unitID: Int64
        public var code: String
        public var at: Date
        public var due: Day
        public var forwardBy: Day
        public var personID: Int64?
        public var boxOpeningID: Int64?
        public var client: String
        public var mediaURL: String
        public var photos: [String]

        public init(unitID: Int64, code: String = FeedbackCode.make(), at: Date, due: Day, forwardBy: Day, personID: Int64? = nil,
                    boxOpeningID: Int64? = nil, client: String = "", mediaURL: String = "", photos: [String] = []) {
            self.unitID = unitID
            self.code = code
            self.at = at
            self.due = due
            self.forwardBy = forwardBy
            self.personID = personID
            self.boxOpeningID = boxOpeningID
            self.client = client
            self.mediaURL = mediaURL
            self.photos = photos
        }
    }

    /// Files an item (the draft already validated) and tells the unit's office, in one transaction.
    /// Who the office is, and the item as stored, are read outside it: the single writer of SQLite
    /// is held for the writes alone (the public form's rate depends on it).
    public func file(_ draft: FeedbackDraft, _ f: Filing, office: NotificationDraft?, by actor: Actor) async throws -> FeedbackItem {
        let kind = database.kind
        let people = office == nil ? [] : try await database.read { sql in
            try await NotificationStore.nearest([.unitAdmin], over: [try await Self.path(f.unitID, sql)], in: sql)
        }
        let id = try await database.write { sql in
            let at = Instant.format(f.at), day = Day(f.at, in: CivilTime.vietnam)
            // A random code already taken (one in about a million at a million items) is drawn again.
            var code = f.code, row: (any SQLRow)?
            for _ in 0..<5 where row == nil {
                row = try await sql.insert(into: "feedback")
                    .columns("code", "unit_id", "owner_unit_id", "category", "channel", "description", "citizen_name", "contact", "address", "lat", "lng",
                             "answer_private", "dossier_code", "person_id", "box_opening_id", "client", "media_url", "status", "received_at", "received_day", "due_day",
                             "forward_by", "next_escalation", "updated_at", "search_key")
                    .values(SQLBind(code), SQLBind(f.unitID), SQLBind(f.unitID), SQLBind(draft.category), SQLBind(draft.channel.rawValue),
                            SQLBind(draft.description), SQLBind(draft.citizenName), SQLBind(draft.contact), SQLBind(draft.address),
                            SQLBind(draft.latitude.map { String($0) }), SQLBind(draft.longitude.map { String($0) }), SQLBind(draft.answerPrivately ? 1 : 0),
                            SQLBind(draft.dossierCode), SQLBind(f.personID), SQLBind(f.boxOpeningID), SQLBind(f.client), SQLBind(f.mediaURL),
                            SQLBind(FeedbackStatus.received.rawValue), SQLBind(at), SQLBind(day.description), SQLBind(f.due.description),
                            SQLBind(f.forwardBy.description), SQLBind(f.due.description), SQLBind(at),
                            SQLBind(Self.searchKey(code: code, draft)))
                    .ignoringConflicts(with: ["code"]).returning("id").first()
                if row == nil { code = FeedbackCode.make() }
            }
            guard let row else { throw StoreError.conflict(field: "code", key: "feedback_code_taken") }
            let id = try row.decode(column: "id", as: Int64.self)
            for (i, sha) in f.photos.enumerated() {
                try await sql.insert(into: "feedback_photos").columns("feedback_id", "position", "sha").values(SQLBind(id), SQLBind(i + 1), SQLBind(sha)).run()
            }
            try await Self.event(id, "filed", detail: draft.channel.rawValue, by: actor, at: f.at, in: sql)
            // The audit keeps what was filed and how, not who filed it (the register holds that).
            try await AuditLog.append(.init(action: .create, objectType: "feedback", objectID: code,
                                            after: AuditJSON.encode(["channel": draft.channel.rawValue, "category": draft.category, "unit_id": String(f.unitID)])),
                                      by: actor, in: sql, kind: kind)
            if var office {
                office.key = NotificationKey(office.key.kind, recordType: "feedback", recordID: id, occasion: "filed")
                office.link = "/feedback/\(id)"
                _ = try await NotificationStore.raise(office, toPeople: people, at: f.at, in: sql)
            }
            return id
        }
        guard let item = try await get(id) else { throw StoreError.notFound("feedback") }
        return item
    }

    static func path(_ unitID: Int64, _ sql: any SQLDatabase) async throws -> String {
        guard let row = try await sql.select().column("path").from("units").where("id", .equal, unitID).first() else { throw StoreError.notFound("unit") }
        return try row.decode(column: "path", as: String.self)
    }

    static func event(_ id: Int64, _ kind: String, reason: String = "", detail: String = "", by actor: Actor, at: Date, in sql: any SQLDatabase) async throws {
        try await sql.insert(into: "feedback_events").columns("feedback_id", "at", "actor_name", "kind", "reason", "detail")
            .values(SQLBind(id), SQLBind(Instant.format(at)), SQLBind(actor.name), SQLBind(kind), SQLBind(reason), SQLBind(detail)).run()
    }

    // MARK: Moves

    /// A move on an item read at `version`: the domain's check, the change, the history, the audit
    /// and the notification, in one transaction; an older read is refused.
    public struct Move: Sendable {
        public var action: FeedbackAction
        public var reason: String = ""
        public var ownerUnitID: Int64?
        public var ownerID: Int64?
        public var due: Day?
        public var answer: String?
        public var mergedInto: Int64?
        public var task: WorkTask?
        /// Told of the move: people and the message.
        public var notify: NotificationDraft?
        public var recipients: [Int64] = []

        public init(action: FeedbackAction, reason: String = "", ownerUnitID: Int64? = nil, ownerID: Int64? = nil, due: Day? = nil, answer: String? = nil,
                    mergedInto: Int64? = nil, task: WorkTask? = nil, notify: NotificationDraft? = nil, recipients: [Int64] = []) {
            self.action = action
            self.reason = reason
            self.ownerUnitID = ownerUnitID
            self.ownerID = ownerID
            self.due = due
            self.answer = answer
            self.mergedInto = mergedInto
            self.task = task
            self.notify = notify
            self.recipients = recipients
        }
    }

    @discardableResult
    public func apply(_ move: Move, to id: Int64, version: Int?, answeredBy: Int64? = nil, by actor: Actor, at now: Date = Date()) async throws -> FeedbackItem {
        let kind = database.kind
        return try await database.write { sql in
            guard let old = try await Self.get(id, in: sql) else { throw StoreError.notFound("feedback") }
            if let version, version != old.version { throw StoreError.conflict(field: "version", key: "feedback_changed") }
            do { try move.action.check(old.status, reason: move.reason) } catch let e as FeedbackAction.Refusal { throw ValidationErrors([FieldError("reason", e.rawValue)]) }
            let stamp = Instant.format(now), today = Day(now, in: CivilTime.vietnam)
            var u = sql.update("feedback").set("updated_at", to: stamp).set(SQLIdentifier("version"), to: SQLRaw("version + 1"))
            var detail = ""
            switch move.action {
            case .assign, .reassign, .forward:
                guard let unit = move.ownerUnitID else { throw ValidationErrors([FieldError("owner_unit", "required")]) }
                if move.action == .forward, unit == old.ownerUnitID { throw ValidationErrors([FieldError("owner_unit", "feedback_forward_same")]) }
                u = u.set("owner_unit_id", to: unit).set("owner_id", to: move.ownerID)
                    .set("status", to: (move.action == .forward && move.ownerID == nil ? FeedbackStatus.received : .assigned).rawValue)
                if let due = move.due { u = u.set("due_day", to: due.description) }
                if move.action == .forward {
                    // A new owner starts afresh: escalation counts from its own deadline.
                    u = u.set("escalation_level", to: 0).set("escalated_unit_id", to: SQLLiteral.null).set("next_escalation", to: (move.due ?? old.due).description)
                    detail = today > old.forwardBy ? "late" : ""
                }
                detail = ([String(unit), move.ownerID.map(String.init) ?? "", detail]).joined(separator: " ").trimmingCharacters(in: .whitespaces)
            case .answer:
                guard let text = move.answer else { throw ValidationErrors([FieldError("answer", "required")]) }
                let answer = try FeedbackAnswer(text: text).validated()
                u = u.set("answer", to: answer.text).set("answered_at", to: stamp).set("answered_day", to: today.description)
                    .set("answered_by", to: answeredBy).set("status", to: FeedbackStatus.answered.rawValue).set("next_escalation", to: SQLLiteral.null)
            case .merge:
                guard let into = move.mergedInto, into != id, let target = try await Self.get(into, in: sql), target.status != .spam, target.mergedInto == nil else {
                    throw ValidationErrors([FieldError("merged_into", "feedback_merge_target")])
                }
                u = u.set("merged_into", to: into).set("status", to: FeedbackStatus.merged.rawValue).set("next_escalation", to: SQLLiteral.null)
                detail = target.code
            case .spam:
                u = u.set("status", to: FeedbackStatus.spam.rawValue).set("next_escalation", to: SQLLiteral.null)
            case .reopen:
                u = u.set("status", to: FeedbackStatus.assigned.rawValue).set(SQLIdentifier("reopened"), to: SQLRaw("reopened + 1")).set("solved", to: 0)
                if let due = move.due { u = u.set("due_day", to: due.description).set("next_escalation", to: due.description) }
            case .close:
                u = u.set("status", to: FeedbackStatus.closed.rawValue)
            case .escalate:
                guard let unit = move.ownerUnitID else { throw ValidationErrors([FieldError("owner_unit", "required")]) }
                u = u.set(SQLIdentifier("escalation_level"), to: SQLRaw("escalation_level + 1")).set("escalated_unit_id", to: unit)
                    .set("next_escalation", to: move.due?.description)
                detail = String(unit)
            }
            try await u.where("id", .equal, id).run()
            var taskID: Int64?
            if var task = move.task {
                task.source = TaskSource(kind: .feedback, reference: old.code, date: old.receivedDay, recordType: "feedback", recordID: id)
                taskID = try await TaskStore.insert(task, by: actor, in: sql, kind: kind).id
                try await sql.update("feedback").set("task_id", to: taskID).where("id", .equal, id).run()
            }
            try await Self.event(id, move.action.rawValue, reason: move.reason, detail: detail, by: actor, at: now, in: sql)
            try await AuditLog.append(.init(action: .update, objectType: "feedback", objectID: old.code,
                                            before: AuditJSON.encode(["status": old.status.rawValue, "owner_unit_id": String(old.ownerUnitID),
                                                                      "owner_id": old.ownerID.map(String.init) ?? "", "answer": old.answer]),
                                            after: AuditJSON.encode(["action": move.action.rawValue, "detail": detail, "answer": move.answer ?? old.answer]),
                                            reason: move.reason), by: actor, in: sql, kind: kind)
            if var note = move.notify, !move.recipients.isEmpty {
                note.key = NotificationKey(note.key.kind, recordType: "feedback", recordID: id, occasion: "\(move.action.rawValue)-\(old.version)")
                note.link = "/feedback/\(id)"
                _ = try await NotificationStore.raise(note, toPeople: move.recipients, at: now, in: sql)
            }
            if move.action == .answer, let text = move.answer, Contact.isEmail(old.draft.contact) {
                try await Self.sendAnswer(text, of: old, at: now, in: sql)
            }
            return try await Self.get(id, in: sql)!
        }
    }

    /// The answer goes to the citizen who gave an e-mail address, public or private alike (a
    /// private one is read nowhere else but the tracking page), through the notification outbox, in
    /// the answer's transaction; each answer once (a reopened item's next answer is sent too).
    static func sendAnswer(_ text: String, of item: FeedbackItem, at now: Date, in sql: any SQLDatabase) async throws {
        let unit = try await sql.select().column("name").from("units").where("id", .equal, item.ownerUnitID).first()?.decode(column: "name", as: String.self) ?? ""
        let draft = NotificationDraft(key: NotificationKey(.feedbackAnswer, recordType: "feedback", recordID: item.id, occasion: "answer-\(item.version)"),
                                      unitID: item.ownerUnitID, params: ["unit": unit, "code": item.code, "answer": try FeedbackAnswer(text: text).validated().text],
                                      link: "/phan-anh/ma/\(item.code)")
        try await NotificationStore.raise(draft, toAddress: item.draft.contact, on: .email, at: now, in: sql)
    }

    /// The nearest heads (leaders) over a unit, and its office, for a reopened or escalated item.
    public func heads(of unitID: Int64) async throws -> [Int64] {
        try await database.read { sql in try await NotificationStore.nearest([.leader], over: [try await Self.path(unitID, sql)], in: sql) }
    }

    public func offices(of unitID: Int64) async throws -> [Int64] {
        try await database.read { sql in try await NotificationStore.nearest([.unitAdmin], over: [try await Self.path(unitID, sql)], in: sql) }
    }

    // MARK: The citizen

    /// The citizen's rating of the answer: once, never changed (the database refuses it too).
    public func rate(code: String, _ satisfaction: Satisfaction, at now: Date = Date()) async throws {
        try await database.write { sql in
            guard let item = try await sql.select().column("id").column("status").column("satisfaction").from("feedback").where("code", .equal, code).first() else {
                throw StoreError.notFound("feedback")
            }
            guard try item.optional("satisfaction", as: String.self) == nil else { throw StoreError.conflict(field: "satisfaction", key: "feedback_already_rated") }
            guard ["answered", "closed"].contains(try item.decode(column: "status", as: String.self)) else {
                throw StoreError.conflict(field: "satisfaction", key: "feedback_not_answered")
            }
            let id = try item.decode(column: "id", as: Int64.self)
            try await sql.update("feedback").set("satisfaction", to: satisfaction.rawValue).set("rated_at", to: Instant.format(now)).where("id", .equal, id).run()
            try await Self.event(id, "rated", detail: satisfaction.rawValue, by: Actor(id: nil, name: "citizen"), at: now, in: sql)
        }
    }

    /// The citizen's "is it solved?": yes closes the item, no reopens it with a new deadline and
    /// tells the owner unit's heads (`heads`), in one transaction.
    public func verdict(code: String, solved: Bool, newDue: Day, notify: NotificationDraft, heads: [Int64], at now: Date = Date()) async throws {
        guard let item = try await get(code: code) else { throw StoreError.notFound("feedback") }
        guard item.status == .answered else { throw StoreError.conflict(field: "solved", key: "feedback_not_answered") }
        let citizen = Actor(id: nil, name: "citizen")
        if solved {
            try await database.write { sql in
                try await sql.update("feedback").set("solved", to: 1).set("status", to: FeedbackStatus.closed.rawValue)
                    .set(SQLIdentifier("version"), to: SQLRaw("version + 1")).set("updated_at", to: Instant.format(now))
                    .where("id", .equal, item.id).where("status", .equal, FeedbackStatus.answered.rawValue).run()
                try await Self.event(item.id, "solved", by: citizen, at: now, in: sql)
            }
        } else {
            try await apply(Move(action: .reopen, reason: "citizen_not_solved", due: newDue, notify: notify, recipients: heads), to: item.id, version: nil,
                            by: citizen, at: now)
        }
    }

    // MARK: Escalation

    /// Open items whose next escalation day has come.
    public func escalationsDue(on day: Day) async throws -> [FeedbackItem] {
        try await database.read { sql in
            try await sql.raw("""
                SELECT \(unsafeRaw: Self.columns) FROM feedback f WHERE f.next_escalation IS NOT NULL AND f.next_escalation < \(bind: day.description)
                  AND f.status IN ('received', 'assigned') ORDER BY f.id
                """).all().map(Self.decode)
        }
    }

    /// An item at the top level stops escalating.
    public func stopEscalation(_ id: Int64) async throws {
        try await database.write { sql in try await sql.update("feedback").set("next_escalation", to: SQLLiteral.null).where("id", .equal, id).run() }
    }

    /// Answers nobody disputed since before `day` close (the citizen had the time to say no).
    public func closeUnclaimed(answeredBefore day: Day, at now: Date = Date()) async throws {
        try await database.write { sql in
            let ids = try await sql.select().column("id").from("feedback").where("status", .equal, FeedbackStatus.answered.rawValue)
                .where("answered_day", .lessThan, day.description).all().map { try $0.decode(column: "id", as: Int64.self) }
            for id in ids {
                try await sql.update("feedback").set("status", to: FeedbackStatus.closed.rawValue).set("updated_at", to: Instant.format(now))
                    .set(SQLIdentifier("version"), to: SQLRaw("version + 1")).where("id", .equal, id).run()
                try await Self.event(id, "close", detail: "unclaimed", by: .system, at: now, in: sql)
            }
        }
    }

    // MARK: The suggestion box

    public func open(box unitID: Int64, on day: Day, openedBy: String, witnesses: String, letters: Int, by actor: Actor, at now: Date = Date()) async throws -> Int64 {
        var errors = ValidationErrors()
        if openedBy.tidied.isEmpty || openedBy.count > 200 { errors.add("opened_by", "required") }
        if witnesses.tidied.isEmpty || witnesses.count > 500 { errors.add("witnesses", "required") }
        if !(0...1000).contains(letters) { errors.add("letters", "number_out_of_range") }
        if day > Day(now, in: CivilTime.vietnam) { errors.add("opened_on", "date_in_future") }
        try errors.throwIfAny()
        let kind = database.kind
        return try await database.write { sql in
            let id = try await sql.insert(into: "feedback_box_openings").columns("unit_id", "opened_on", "opened_by", "witnesses", "letters", "created_at", "created_by")
                .values(SQLBind(unitID), SQLBind(day.description), SQLBind(openedBy.tidied), SQLBind(witnesses.tidied), SQLBind(letters),
                        SQLBind(Instant.format(now)), SQLBind(actor.name))
                .returning("id").first()!.decode(column: "id", as: Int64.self)
            try await AuditLog.append(.init(action: .create, objectType: "feedback_box_opening", objectID: String(id),
                                            after: AuditJSON.encode(["unit_id": String(unitID), "opened_on": day.description, "letters": String(letters),
                                                                     "opened_by": openedBy.tidied, "witnesses": witnesses.tidied])),
                                      by: actor, in: sql, kind: kind)
            return id
        }
    }

    public func openings(unitID: Int64) async throws -> [BoxOpening] {
        try await database.read { sql in
            try await sql.raw("""
                SELECT o.*, (SELECT COUNT(*) FROM feedback f WHERE f.box_opening_id = o.id) AS entered FROM feedback_box_openings o
                WHERE o.unit_id = \(bind: unitID) ORDER BY o.opened_on DESC, o.id DESC
                """).all().map {
                BoxOpening(id: try $0.decode(column: "id", as: Int64.self), unitID: try $0.decode(column: "unit_id", as: Int64.self),
                           openedOn: try $0.requiredDay("opened_on"), openedBy: try $0.decode(column: "opened_by", as: String.self),
                           witnesses: try $0.decode(column: "witnesses", as: String.self), letters: try $0.decode(column: "letters", as: Int.self),
                           entered: try $0.decode(column: "entered", as: Int.self))
            }
        }
    }

    // MARK: Open311

    /// What the public lists are built from, in one row: the register's and categories' change
    /// count, which the database moves on every write (step 39), and the units' last change (an
    /// owner's name). A list kept under this stamp is still true, on this server or another.
    public func stamp() async throws -> String {
        try await database.read { sql in
            guard let r = try await sql.raw("SELECT n, (SELECT MAX(updated_at) FROM units) AS u FROM feedback_changes WHERE id = 1").first() else {
                throw CorruptRow(column: "feedback_changes")
            }
            return "\(try r.decode(column: "n", as: Int64.self)) \(try r.optional("u", as: String.self) ?? "")"
        }
    }

    /// Items for Open311's `GET requests` and the public page: not spam, not answered privately,
    /// received in [from, to) (instants), optionally of the units, services and status; newest
    /// first. Only what is published is read, with the owner's and the category's names, in one
    /// query (a list of 1,000 is read and written in a few milliseconds; the whole item took ten
    /// times as long).
    public func published(ids: [String]? = nil, unitIDs: [Int64]?, category: String?, open: Bool?, from: Date, to: Date, limit: Int) async throws -> [PublishedFeedback] {
        try await database.read { sql in
            var q: SQLQueryString = """
                SELECT f.code, f.status, f.category, f.description, f.owner_unit_id, f.received_at, f.updated_at, f.due_day, f.answered_day, f.address,
                       f.lat, f.lng, f.media_url, f.answer, m.code AS merged_code, u.name AS owner_name, c.name_vi AS category_name
                FROM feedback f LEFT JOIN feedback m ON m.id = f.merged_into JOIN units u ON u.id = f.owner_unit_id
                LEFT JOIN feedback_categories c ON c.code = f.category
                WHERE f.status <> 'spam' AND f.answer_private = 0
                """
            if let ids {
                q.appendLiteral(" AND f.code IN (")
                q.appendInterpolation(binds: ids)
                q.appendLiteral(")")
            } else {
                q.appendLiteral(" AND f.received_at >= ")
                q.appendInterpolation(bind: Instant.format(from))
                q.appendLiteral(" AND f.received_at < ")
                q.appendInterpolation(bind: Instant.format(to))
                if let unitIDs { q.appendLiteral(" AND f.unit_id IN ("); q.appendInterpolation(binds: unitIDs); q.appendLiteral(")") }
                if let category { q.appendLiteral(" AND f.category = "); q.appendInterpolation(bind: category) }
                if let open { q.appendLiteral(open ? " AND f.status IN ('received', 'assigned')" : " AND f.status NOT IN ('received', 'assigned')") }
            }
            q.appendLiteral(" ORDER BY f.received_at DESC, f.id DESC LIMIT ")
            q.appendInterpolation(bind: limit)
            return try await sql.raw(q).all().map { r in
                guard let status = FeedbackStatus(rawValue: try r.decode(column: "status", as: String.self)) else { throw CorruptRow(column: "status") }
                return PublishedFeedback(
                    code: try r.decode(column: "code", as: String.self), status: status, category: try r.decode(column: "category", as: String.self),
                    description: try r.decode(column: "description", as: String.self), ownerUnitID: try r.decode(column: "owner_unit_id", as: Int64.self),
                    receivedAt: try r.decode(column: "received_at", as: String.self), updatedAt: try r.decode(column: "updated_at", as: String.self),
                    due: try r.requiredDay("due_day"), answeredDay: try r.day("answered_day"), address: try r.decode(column: "address", as: String.self),
                    latitude: try r.optional("lat", as: String.self).flatMap(Double.init), longitude: try r.optional("lng", as: String.self).flatMap(Double.init),
                    mediaURL: try r.decode(column: "media_url", as: String.self), answer: try r.decode(column: "answer", as: String.self),
                    mergedInto: try r.optional("merged_code", as: String.self), ownerName: try r.decode(column: "owner_name", as: String.self),
                    categoryName: try r.optional("category_name", as: String.self) ?? "")
            }
        }
    }
}

/// What the public may read of an item (Open311, the unit's page): never who filed it.
public struct PublishedFeedback: Sendable, Equatable {
    public var code: String
    public var status: FeedbackStatus
    public var category: String
    public var description: String
    public var ownerUnitID: Int64
    /// Instants as stored (UTC, `2026-11-23T02:00:00.000Z`).
    public var receivedAt: String
    public var updatedAt: String
    public var due: Day
    public var answeredDay: Day?
    public var address: String
    public var latitude: Double?
    public var longitude: Double?
    public var mediaURL: String
    public var answer: String
    /// The code of the item it was merged into.
    public var mergedInto: String?
    /// The owner unit's name and the category's (in Vietnamese), read with the item.
    public var ownerName: String
    public var categoryName: String
}
