import CongvuDomain
import Foundation
import SQLKit

/// A one-stop counter: a unit that receives dossiers, with its agency identifier (QCVN 102:2016,
/// from configuration, never derived).
public struct OneStopCounter: Sendable, Equatable {
    public var unitID: Int64
    public var agencyCode: String
    public var address: String
    /// The counter's telephone, shown to citizens on the public home page.
    public var phone: String

    public init(unitID: Int64, agencyCode: String, address: String = "", phone: String = "") {
        self.unitID = unitID
        self.agencyCode = agencyCode
        self.address = address
        self.phone = phone
    }

    static func decode(_ row: any SQLRow) throws -> OneStopCounter {
        OneStopCounter(unitID: try row.decode(column: "unit_id", as: Int64.self), agencyCode: try row.decode(column: "agency_code", as: String.self),
                       address: try row.decode(column: "address", as: String.self), phone: try row.decode(column: "phone", as: String.self))
    }
}

/// A dossier with what pages show beside it.
public struct DossierRow: Sendable {
    public var dossier: Dossier
    public var procedureCode: String
    public var procedureName: String
    public var unitName: String
    public var unitPath: String
    public var currentUnitName: String
    public var currentUnitPath: String
}

/// What a citizen may see of a dossier, without logging in.
/// A dossier as the public rating page sees it.
public struct RatingSubject: Sendable, Equatable {
    public var id: Int64
    public var code: String
    /// The unit that received it (its counter).
    public var unitID: Int64
    public var procedureName: String
    public var status: DossierStatus
    public var idNumber: String
    public var phone: String
    public var rated: Bool
}

public struct PublicTracking: Sendable, Equatable {
    public struct Step: Sendable, Equatable {
        public var at: Date
        public var action: String
        public var status: DossierStatus
    }

    public var code: String
    public var procedureName: String
    public var unitName: String
    public var status: DossierStatus
    public var initials: String
    public var receivedAt: Date?
    public var dueAt: Date?
    public var promisedAt: Date?
    public var resolvedAt: Date?
    public var steps: [Step]

    public init(code: String, procedureName: String, unitName: String, status: DossierStatus, initials: String, receivedAt: Date? = nil,
                dueAt: Date? = nil, promisedAt: Date? = nil, resolvedAt: Date? = nil, steps: [Step]) {
        self.code = code
        self.procedureName = procedureName
        self.unitName = unitName
        self.status = status
        self.initials = initials
        self.receivedAt = receivedAt
        self.dueAt = dueAt
        self.promisedAt = promisedAt
        self.resolvedAt = resolvedAt
        self.steps = steps
    }
}

/// An action asked of the store, with its optimistic-concurrency version.
public struct DossierCommand: Sendable {
    public var action: DossierAction
    /// The version the officer saw: a different stored version means someone else changed it.
    public var expectedVersion: Int
    public var note: String
    public var toUnitID: Int64?
    public var stepName: String
    /// For an apology: the new date promised.
    public var promisedAt: Date?
    public var attachment: (name: String, file: String)?

    public init(action: DossierAction, expectedVersion: Int, note: String = "", toUnitID: Int64? = nil, stepName: String = "",
                promisedAt: Date? = nil, attachment: (name: String, file: String)? = nil) {
        self.action = action
        self.expectedVersion = expectedVersion
        self.note = note
        self.toUnitID = toUnitID
        self.stepName = stepName
        self.promisedAt = promisedAt
        self.attachment = attachment
    }
}

/// Dossiers: intake with a unique daily code, every transition an event with the pauses and due
/// dates it implies, optimistic concurrency, audit, public tracking and ratings.
public struct DossierStore: Sendable {
    let database: Database

    public init(database: Database) { self.database = database }

    // MARK: Reading

    static func channel(_ row: any SQLRow) throws -> Channel {
        guard let c = Channel(rawValue: try row.decode(column: "channel", as: Int.self)) else { throw CorruptRow(column: "channel") }
        return c
    }

    static func status(_ row: any SQLRow, _ column: String = "status") throws -> DossierStatus {
        guard let s = DossierStatus(rawValue: try row.decode(column: column, as: Int.self)) else { throw CorruptRow(column: column) }
        return s
    }

    static func timeliness(_ row: any SQLRow, _ column: String) throws -> Timeliness? {
        guard let text = try row.optional(column, as: String.self) else { return nil }
        guard let t = Timeliness(rawValue: text) else { throw CorruptRow(column: column) }
        return t
    }

    static func decode(_ row: any SQLRow) throws -> Dossier {
        let channel = try channel(row), status = try status(row), timeliness = try timeliness(row, "timeliness")
        return Dossier(id: try row.decode(column: "id", as: Int64.self), code: try row.decode(column: "code", as: String.self),
                       procedureID: try row.decode(column: "procedure_id", as: Int64.self), unitID: try row.decode(column: "unit_id", as: Int64.self),
                       currentUnitID: try row.decode(column: "current_unit_id", as: Int64.self), field: try row.decode(column: "field", as: String.self),
                       channel: channel, status: status,
                       applicant: Applicant(name: try row.decode(column: "applicant_name", as: String.self),
                                            idNumber: try row.decode(column: "applicant_id_number", as: String.self),
                                            address: try row.decode(column: "applicant_address", as: String.self),
                                            phone: try row.decode(column: "applicant_phone", as: String.self),
                                            email: try row.decode(column: "applicant_email", as: String.self)),
                       owner: try row.decode(column: "owner_name", as: String.self), documents: try jsonValue([DocumentItem].self, row, "documents"),
                       sets: try row.decode(column: "sets", as: Int.self), returnByPost: try row.decode(column: "return_by_post", as: Bool.self),
                       submittedAt: try row.instant("submitted_at"), receivedAt: try row.optionalInstant("received_at"), legalDueAt: try row.optionalInstant("legal_due_at"),
                       dueAt: try row.optionalInstant("due_at"), hourBased: try row.decode(column: "hour_based", as: Bool.self), resolvedAt: try row.optionalInstant("resolved_at"),
                       closedDay: try row.day("closed_day"), timeliness: timeliness, deliveredAt: try row.optionalInstant("delivered_at"),
                       stepName: try row.decode(column: "step_name", as: String.self), stepDueAt: try row.optionalInstant("step_due_at"),
                       supplementDueAt: try row.optionalInstant("supplement_due_at"), apologyAt: try row.optionalInstant("apology_at"), promisedAt: try row.optionalInstant("promised_at"),
                       apologyReason: try row.decode(column: "apology_reason", as: String.self), imported: try row.decode(column: "imported", as: Bool.self),
                       version: try row.decode(column: "row_version", as: Int.self))
    }

    func select(_ sql: any SQLDatabase) -> SQLSelectBuilder {
        sql.select().column(SQLRaw("d.*")).column(col("p.code"), as: "procedure_code").column(col("p.name"), as: "procedure_name")
            .column(col("u.name"), as: "unit_name").column(col("u.path"), as: "unit_path")
            .column(col("c.name"), as: "current_unit_name").column(col("c.path"), as: "current_unit_path")
            .from(SQLAlias(SQLIdentifier("dossiers"), as: SQLIdentifier("d")))
            .join(SQLAlias(SQLIdentifier("procedures"), as: SQLIdentifier("p")), on: SQLRaw("p.id = d.procedure_id"))
            .join(SQLAlias(SQLIdentifier("units"), as: SQLIdentifier("u")), on: SQLRaw("u.id = d.unit_id"))
            .join(SQLAlias(SQLIdentifier("units"), as: SQLIdentifier("c")), on: SQLRaw("c.id = d.current_unit_id"))
    }

    static func decodeRow(_ row: any SQLRow) throws -> DossierRow {
        DossierRow(dossier: try decode(row), procedureCode: try row.decode(column: "procedure_code", as: String.self),
                   procedureName: try row.decode(column: "procedure_name", as: String.self), unitName: try row.decode(column: "unit_name", as: String.self),
                   unitPath: try row.decode(column: "unit_path", as: String.self), currentUnitName: try row.decode(column: "current_unit_name", as: String.self),
                   currentUnitPath: try row.decode(column: "current_unit_path", as: String.self))
    }

    public func get(_ id: Int64) async throws -> DossierRow? {
        try await database.read { sql in try await select(sql).where(col("d.id"), .equal, SQLBind(id)).first().map(Self.decodeRow) }
    }

    public func byCode(_ code: String) async throws -> DossierRow? {
        try await database.read { sql in try await select(sql).where(col("d.code"), .equal, SQLBind(code)).first().map(Self.decodeRow) }
    }

    public func events(_ id: Int64) async throws -> [DossierEvent] {
        try await database.read { sql in
            // The acting account's display name (people read names, not usernames); the stored name otherwise.
            try await sql.select().column(SQLColumn(SQLLiteral.all, table: SQLIdentifier("e"))).column(col("u.display_name"), as: "actor_display_name")
                .from(SQLAlias(SQLIdentifier("dossier_events"), as: SQLIdentifier("e")))
                .join(SQLAlias(SQLIdentifier("users"), as: SQLIdentifier("u")), method: SQLJoinMethod.left, on: SQLRaw("u.id = e.actor_id"))
                .where(col("e.dossier_id"), .equal, SQLBind(id)).orderBy(col("e.id")).all().map(Self.decodeEvent)
        }
    }

    static func decodeEvent(_ row: any SQLRow) throws -> DossierEvent {
        let to = try status(row, "to_status")
        return DossierEvent(id: try row.decode(column: "id", as: Int64.self), at: try row.instant("at"),
                            actorName: try row.optional("actor_display_name", as: String.self) ?? row.decode(column: "actor_name", as: String.self),
                            action: try row.decode(column: "action", as: String.self),
                            fromStatus: try row.optional("from_status", as: Int.self).flatMap(DossierStatus.init(rawValue:)), toStatus: to,
                            fromUnitID: try row.optional("from_unit_id", as: Int64.self), toUnitID: try row.optional("to_unit_id", as: Int64.self),
                            stepName: try row.decode(column: "step_name", as: String.self),
                            stepDueAt: try row.optionalInstant("step_due_at"),
                            stepTimeliness: try timeliness(row, "step_timeliness"),
                            note: try row.decode(column: "note", as: String.self), attachmentName: try row.decode(column: "attachment_name", as: String.self))
    }

    public func pauses(_ id: Int64) async throws -> [Pause] {
        try await database.read { sql in try await Self.pauses(id, sql) }
    }

    static func pauses(_ id: Int64, _ sql: any SQLDatabase) async throws -> [Pause] {
        try await sql.select().column("*").from("dossier_pauses").where("dossier_id", .equal, id).orderBy("id").all().map { row in
            Pause(from: try row.instant("from_at"), to: try row.optionalInstant("to_at"), status: try status(row))
        }
    }

    /// The stored file of an event's attachment.
    public func attachmentFile(dossierID: Int64, eventID: Int64) async throws -> (name: String, file: String)? {
        try await database.read { sql in
            try await sql.select().column("attachment_name").column("attachment_file").from("dossier_events")
                .where("dossier_id", .equal, dossierID).where("id", .equal, eventID).first().flatMap { row in
                    let file = try row.decode(column: "attachment_file", as: String.self)
                    return file.isEmpty ? nil : (try row.decode(column: "attachment_name", as: String.self), file)
                }
        }
    }

    public enum ListFilter: String, Sendable, CaseIterable {
        case open, overdue, dueSoon = "due_soon", resolved, all
    }

    /// Dossiers received or handled by units in the scopes, newest first, searched by code or
    /// the applicant's folded name.
    /// `submitted` narrows to dossiers submitted on those days (the tracking book), oldest first.
    /// `dueBefore` sets the horizon of `dueSoon` (a week from `now` when nil).
    public func list(scopes: [String], filter: ListFilter = .open, search: String = "", submitted: ClosedRange<Day>? = nil,
                     now: Date = Date(), dueBefore: Date? = nil, limit: Int = 200) async throws -> [DossierRow] {
        try await database.read { sql in
            var q = select(sql).within(scopes: scopes, columns: [col("u.path"), col("c.path")])
            if let days = submitted {
                q = q.where(col("d.submitted_at"), .greaterThanOrEqual, SQLBind(Instant.format(CivilTime.startOfDay(days.lowerBound))))
                    .where(col("d.submitted_at"), .lessThan, SQLBind(Instant.format(CivilTime.startOfDay(days.upperBound.next))))
            }
            let open = DossierStatus.allCases.filter(\.isOpen).map(\.rawValue)
            switch filter {
            case .open: q = q.where(col("d.status"), .in, SQLBind.group(open))
            case .overdue:
                q = q.where(col("d.status"), .in, SQLBind.group(open)).where(col("d.due_day"), .lessThan, SQLBind(Day(now, in: CivilTime.vietnam).description))
            case .dueSoon:
                q = q.where(col("d.status"), .in, SQLBind.group(open)).where(col("d.apology_at"), .is, SQLLiteral.null)
                    .where(col("d.due_at"), .lessThan, SQLBind(Instant.format(dueBefore ?? now.addingTimeInterval(7 * 86400))))
            case .resolved: q = q.where(col("d.status"), .in, SQLBind.group([DossierStatus.resultReady.rawValue, DossierStatus.delivered.rawValue]))
            case .all: break
            }
            let text = search.trimmingCharacters(in: .whitespaces)
            if !text.isEmpty {
                let key = SearchKey.fold(text)
                q = q.where { $0.where(col("d.code"), .like, SQLBind("%" + text.uppercased() + "%")).orWhere(col("d.search_key"), .like, SQLBind("%" + key + "%")) }
            }
            return try await q.orderBy(col("d.submitted_at"), submitted == nil ? SQLDirection.descending : SQLDirection.ascending).limit(limit)
                .all().map(Self.decodeRow)
        }
    }

    /// What the public rating page needs of a dossier: never cached, since a rating changes it.
    public func ratingSubject(code: String) async throws -> RatingSubject? {
        try await database.read { sql in
            guard let r = try await sql.select().column(col("d.id")).column(col("d.code")).column(col("d.unit_id")).column(col("d.status"))
                .column(col("d.applicant_id_number")).column(col("d.applicant_phone")).column(col("p.name"), as: "procedure_name")
                .column(SQLRaw("(SELECT COUNT(*) FROM dossier_ratings r WHERE r.dossier_id = d.id)"), as: "ratings")
                .from(SQLAlias(SQLIdentifier("dossiers"), as: SQLIdentifier("d")))
                .join(SQLAlias(SQLIdentifier("procedures"), as: SQLIdentifier("p")), on: SQLRaw("p.id = d.procedure_id"))
                .where(col("d.code"), .equal, SQLBind(code)).first() else { return nil }
            return RatingSubject(id: try r.decode(column: "id", as: Int64.self), code: try r.decode(column: "code", as: String.self),
                                 unitID: try r.decode(column: "unit_id", as: Int64.self),
                                 procedureName: try r.decode(column: "procedure_name", as: String.self), status: try Self.status(r),
                                 idNumber: try r.decode(column: "applicant_id_number", as: String.self),
                                 phone: try r.decode(column: "applicant_phone", as: String.self),
                                 rated: try r.decode(column: "ratings", as: Int64.self) > 0)
        }
    }

    /// Public tracking by code: a narrow read of the few columns shown.
    public func tracking(code: String) async throws -> PublicTracking? {
        try await database.read { sql in
            // One round trip: the dossier's row repeated beside each of its events.
            let rows = try await sql.select()
                .column(col("d.code")).column(col("d.status")).column(col("d.applicant_name")).column(col("d.received_at"))
                .column(col("d.due_at")).column(col("d.promised_at")).column(col("d.resolved_at"))
                .column(col("p.name"), as: "procedure_name").column(col("u.name"), as: "unit_name")
                .column(col("e.at"), as: "event_at").column(col("e.action"), as: "event_action").column(col("e.to_status"), as: "event_status")
                .from(SQLAlias(SQLIdentifier("dossiers"), as: SQLIdentifier("d")))
                .join(SQLAlias(SQLIdentifier("procedures"), as: SQLIdentifier("p")), on: SQLRaw("p.id = d.procedure_id"))
                .join(SQLAlias(SQLIdentifier("units"), as: SQLIdentifier("u")), on: SQLRaw("u.id = d.unit_id"))
                .join(SQLAlias(SQLIdentifier("dossier_events"), as: SQLIdentifier("e")), method: SQLJoinMethod.left, on: SQLRaw("e.dossier_id = d.id"))
                .where(col("d.code"), .equal, SQLBind(code)).orderBy(col("e.id")).all()
            guard let row = rows.first else { return nil }
            let steps = try rows.compactMap { r -> PublicTracking.Step? in
                guard let at = try r.optionalInstant("event_at") else { return nil }
                return PublicTracking.Step(at: at, action: try r.decode(column: "event_action", as: String.self), status: try Self.status(r, "event_status"))
            }
            return PublicTracking(code: try row.decode(column: "code", as: String.self), procedureName: try row.decode(column: "procedure_name", as: String.self),
                                  unitName: try row.decode(column: "unit_name", as: String.self), status: try Self.status(row),
                                  initials: initials(try row.decode(column: "applicant_name", as: String.self)),
                                  receivedAt: try row.optionalInstant("received_at"), dueAt: try row.optionalInstant("due_at"), promisedAt: try row.optionalInstant("promised_at"),
                                  resolvedAt: try row.optionalInstant("resolved_at"), steps: steps)
        }
    }

    // MARK: Transitions

    /// Applies an action: refused with a reason when the status does not allow it, or when the
    /// dossier changed since the officer loaded it. Pauses open and close with the statuses that
    /// stop the clock, and the due date moves by the working time paused.
    public func act(_ id: Int64, _ command: DossierCommand, procedure: Procedure, calendar: WorkCalendar, at now: Date = Date(),
                    by actor: Actor) async throws -> Dossier {
        let note = command.note.tidied
        if command.action.needsNote && note.count < 3 { throw ValidationErrors([FieldError("note", "reason_required")]) }
        if note.count > 2000 { throw ValidationErrors([FieldError("note", "too_long")]) }
        let rules = try await rules().rules(on: Day(now, in: CivilTime.vietnam))
        let kind = database.kind
        return try await database.write { sql in
            guard let current = try await sql.select().column("*").from("dossiers").where("id", .equal, id).first().map(Self.decode) else {
                throw StoreError.notFound("dossier")
            }
            guard current.version == command.expectedVersion else { throw StoreError.conflict(field: "version", key: "dossier_changed") }
            let next: DossierStatus
            switch command.action.apply(to: current.status) {
            case .success(let s): next = s
            case .failure(let e): throw ValidationErrors([e])
            }
            var d = current
            d.status = next
            var stepTimeliness: Timeliness?
            var fromUnit: Int64? = current.currentUnitID
            var toUnit: Int64? = current.currentUnitID

            // The clock: pauses open and close with the statuses that stop it.
            if next.pausesClock && !current.status.pausesClock {
                try await sql.insert(into: "dossier_pauses").columns("dossier_id", "status", "from_at")
                    .values(SQLBind(id), SQLBind(next.rawValue), SQLBind(Instant.format(now))).run()
            } else if current.status.pausesClock && !next.pausesClock {
                try await sql.update("dossier_pauses").set("to_at", to: Instant.format(now)).where("dossier_id", .equal, id)
                    .where("to_at", .is, SQLLiteral.null).run()
                if let legal = d.legalDueAt {
                    d.dueAt = try Deadlines.extended(legal, by: try await Self.pauses(id, sql), now: now, calendar: calendar)
                }
            }
            switch command.action {
            case .accept:
                d.receivedAt = now
                d.legalDueAt = try Deadlines.due(procedure.time, receivedAt: now, calendar: calendar, rules: rules)
                d.dueAt = d.legalDueAt
                if let first = procedure.steps.first {
                    d.stepName = first.name
                    d.stepDueAt = try Deadlines.due(first.time, receivedAt: now, calendar: calendar, rules: rules)
                }
            case .transfer:
                guard let target = command.toUnitID else { throw ValidationErrors([FieldError("to_unit", "required")]) }
                stepTimeliness = d.stepDueAt.map { Timeliness.of(resolvedAt: now, dueAt: $0, hourBased: current.hourBased) }
                toUnit = target
                d.currentUnitID = target
                let index = procedure.steps.firstIndex { $0.name == d.stepName }.map { $0 + 1 } ?? 0
                let named = command.stepName.tidied
                let step = procedure.steps.first { $0.name == named } ?? (index < procedure.steps.count ? procedure.steps[index] : nil)
                d.stepName = named.isEmpty ? step?.name ?? "" : named
                d.stepDueAt = try step.map { try Deadlines.due($0.time, receivedAt: now, calendar: calendar, rules: rules) } ?? d.dueAt
            case .requestSupplement:
                d.supplementDueAt = try calendar.addingWorkingDays(rules.supplementDays, to: now)
            case .supplementReceived:
                d.supplementDueAt = nil
            case .resultReady:
                stepTimeliness = d.stepDueAt.map { Timeliness.of(resolvedAt: now, dueAt: $0, hourBased: current.hourBased) }
                d.resolvedAt = now
                d.closedDay = Day(now, in: CivilTime.vietnam)
                d.timeliness = d.dueAt.map { Timeliness.of(resolvedAt: now, dueAt: $0, hourBased: d.hourBased) }
                d.stepName = ""
                d.stepDueAt = nil
            case .deliver:
                d.deliveredAt = now
            case .withdraw, .refuse:
                d.closedDay = Day(now, in: CivilTime.vietnam)
            case .apologise:
                guard let promised = command.promisedAt, let due = d.dueAt, promised > due else {
                    throw ValidationErrors([FieldError("promised_at", "promised_after_due")])
                }
                d.apologyAt = now
                d.promisedAt = promised
                d.apologyReason = note
            case .requestPayment, .paymentReceived, .stop, .resume:
                break
            }
            if command.action != .transfer { fromUnit = nil; toUnit = nil }
            d.version += 1
            try await sql.update("dossiers")
                .set("status", to: d.status.rawValue).set("current_unit_id", to: d.currentUnitID)
                .set("received_at", to: d.receivedAt.map(Instant.format)).set("received_day", to: d.receivedAt.map { Day($0, in: CivilTime.vietnam).description })
                .set("legal_due_at", to: d.legalDueAt.map(Instant.format)).set("due_at", to: d.dueAt.map(Instant.format))
                .set("due_day", to: d.dueAt.map { Day($0, in: CivilTime.vietnam).description })
                .set("resolved_at", to: d.resolvedAt.map(Instant.format)).set("closed_day", to: d.closedDay?.description)
                .set("timeliness", to: d.timeliness?.rawValue).set("delivered_at", to: d.deliveredAt.map(Instant.format))
                .set("step_name", to: d.stepName).set("step_due_at", to: d.stepDueAt.map(Instant.format))
                .set("supplement_due_at", to: d.supplementDueAt.map(Instant.format)).set("apology_at", to: d.apologyAt.map(Instant.format))
                .set("promised_at", to: d.promisedAt.map(Instant.format)).set("apology_reason", to: d.apologyReason)
                .set("row_version", to: d.version)
                .where("id", .equal, id).where("row_version", .equal, current.version).run()
            try await Self.insertEvents([Self.eventValues(id, at: now, actor: actor, action: command.action.rawValue, from: current.status, to: next,
                                                          fromUnit: fromUnit, toUnit: toUnit, step: d.stepName, stepDue: d.stepDueAt,
                                                          stepTimeliness: stepTimeliness, note: note, attachment: command.attachment)], sql)
            try await AuditLog.append(.init(action: .update, objectType: "dossier", objectID: String(id),
                                            before: AuditJSON.encode(["status": String(current.status.rawValue), "due_at": current.dueAt.map(Instant.format) ?? ""]),
                                            after: AuditJSON.encode(["status": String(next.rawValue), "action": command.action.rawValue,
                                                                     "due_at": d.dueAt.map(Instant.format) ?? "", "promised_at": d.promisedAt.map(Instant.format) ?? ""]),
                                            reason: note), by: actor, in: sql, kind: kind)
            return d
        }
    }

    // MARK: Apology alerts

    /// Open dossiers without an apology whose alert day (the lead in working days before the due
    /// date) has come: the officer should apologise and promise a new date.
    public func needingApology(scopes: [String], calendarFor: (Int64) async throws -> WorkCalendar, now: Date = Date()) async throws -> [DossierRow] {
        let today = Day(now, in: CivilTime.vietnam)
        let lead = try await rules().rules(on: today).apologyLeadDays
        // `lead` working days before a due date lie within this many calendar days, Tết included.
        let horizon = now.addingTimeInterval(TimeInterval(lead * 2 + 10) * 86400)
        let candidates = try await database.read { sql in
            try await self.select(sql).within(scopes: scopes, column: col("u.path"))
                .where(col("d.status"), .in, SQLBind.group(DossierStatus.allCases.filter(\.isOpen).map(\.rawValue)))
                .where(col("d.apology_at"), .is, SQLLiteral.null).where(col("d.due_at"), .lessThan, SQLBind(Instant.format(horizon)))
                .orderBy(col("d.due_at")).limit(500).all().map(Self.decodeRow)
        }
        var calendars: [Int64: WorkCalendar] = [:]
        var out: [DossierRow] = []
        for r in candidates {
            guard let due = r.dossier.dueAt else { continue }
            let unit = r.dossier.unitID
            if calendars[unit] == nil { calendars[unit] = try await calendarFor(unit) }
            if Deadlines.apologyAlertDay(due: due, lead: lead, calendar: calendars[unit]!) <= today { out.append(r) }
        }
        return out
    }
}
