import CongvuDomain
import Foundation
import SQLKit

/// Receiving dossiers: daily codes per agency, one insert each, and batches for imports.
extension DossierStore {
    /// The next code of the agency's day: the sequence row is incremented inside the caller's
    /// transaction, so two counters never hand out the same number.
    static func nextCode(agency: String, day: Day, _ sql: any SQLDatabase) async throws -> String {
        let row = try await sql.raw("""
            INSERT INTO dossier_sequences (agency_code, day, last_number) VALUES (\(bind: agency), \(bind: day.description), 1)
            ON CONFLICT (agency_code, day) DO UPDATE SET last_number = dossier_sequences.last_number + 1
            RETURNING last_number
            """).first()
        return DossierCode.make(agency: agency, day: day, sequence: try row!.decode(column: "last_number", as: Int.self))
    }

    /// Raises each agency-day numbering to at least the given last number (generated or imported
    /// codes), so that the next code handed out follows them.
    static func raiseSequences(_ last: [DossierCode.Series: Int], _ sql: any SQLDatabase) async throws {
        let rows = Array(last)
        for chunk in stride(from: 0, to: rows.count, by: 500) {
            var insert = sql.insert(into: "dossier_sequences").columns("agency_code", "day", "last_number")
            for (series, number) in rows[chunk..<min(chunk + 500, rows.count)] {
                insert = insert.values(SQLBind(series.agency), SQLBind(series.day.description), SQLBind(number))
            }
            try await insert.onConflict(with: ["agency_code", "day"]) {
                $0.set("last_number", to: SQLRaw("""
                    CASE WHEN excluded.last_number > dossier_sequences.last_number THEN excluded.last_number ELSE dossier_sequences.last_number END
                    """))
            }.run()
        }
    }

    /// Receives a dossier at a unit's counter (direct or postal: accepted at once; online:
    /// submitted, waiting for acceptance), with the due date from the unit's calendar.
    public func receive(_ intake: Intake, procedure: Procedure, unitID: Int64, calendar: WorkCalendar, at now: Date = Date(),
                        by actor: Actor) async throws -> Dossier {
        guard let counter = try await counter(unitID: unitID) else { throw StoreError.conflict(field: "unit", key: "one_stop_counter_missing") }
        let rules = try await rules().rules(on: Day(now, in: CivilTime.vietnam))
        let accepted = intake.channel != .online
        let due = accepted ? try Deadlines.due(procedure.time, receivedAt: now, calendar: calendar, rules: rules) : nil
        let firstStep = procedure.steps.first
        let stepDue = try firstStep.map { try Deadlines.due($0.time, receivedAt: now, calendar: calendar, rules: rules) }
        let kind = database.kind
        return try await database.write { sql in
            let code = try await Self.nextCode(agency: counter.agencyCode, day: Day(now, in: CivilTime.vietnam), sql)
            let status: DossierStatus = accepted ? .accepted : .submitted
            var d = Dossier(id: 0, code: code, procedureID: procedure.id, unitID: unitID, currentUnitID: unitID, field: procedure.field,
                            channel: intake.channel, status: status, applicant: intake.applicant, owner: intake.owner, documents: intake.documents,
                            sets: intake.sets, returnByPost: intake.returnByPost, submittedAt: now, receivedAt: accepted ? now : nil,
                            legalDueAt: due, dueAt: due, hourBased: procedure.time.isHourBased,
                            stepName: accepted ? firstStep?.name ?? "" : "", stepDueAt: accepted ? stepDue : nil)
            d.id = try await Self.insert(d, receivedBy: actor.id, sql)
            try await Self.insertEvents([Self.eventValues(d.id, at: now, actor: actor, action: accepted ? DossierAction.accept.rawValue : "submit",
                                                          from: nil, to: status, toUnit: unitID, step: d.stepName, stepDue: d.stepDueAt)], sql)
            try await AuditLog.append(.init(action: .create, objectType: "dossier", objectID: String(d.id),
                                            after: AuditJSON.encode(["code": code, "procedure": procedure.code, "channel": String(intake.channel.rawValue),
                                                                     "applicant": intake.applicant.name, "due_at": due.map(Instant.format) ?? ""])),
                                      by: actor, in: sql, kind: kind)
            return d
        }
    }

    static let columns = ["code", "procedure_id", "unit_id", "current_unit_id", "field", "channel", "status", "applicant_name", "search_key",
                          "applicant_id_number", "applicant_address", "applicant_phone", "applicant_email", "owner_name", "documents", "sets",
                          "return_by_post", "submitted_at", "received_at", "received_day", "legal_due_at", "due_at", "due_day", "hour_based",
                          "resolved_at", "closed_day", "timeliness", "delivered_at", "step_name", "step_due_at", "supplement_due_at",
                          "apology_at", "promised_at", "apology_reason", "imported", "received_by"]

    /// A dossier's values in the order of `columns`: the one mapping for intake, the demo and imports.
    static func values(_ d: Dossier, receivedBy: Int64?) -> [any SQLExpression] {
        func instant(_ date: Date?) -> SQLBind { SQLBind(date.map(Instant.format)) }
        func day(_ date: Date?) -> SQLBind { SQLBind(date.map { Day($0, in: CivilTime.vietnam).description }) }
        return [SQLBind(d.code), SQLBind(d.procedureID), SQLBind(d.unitID), SQLBind(d.currentUnitID), SQLBind(d.field),
                SQLBind(d.channel.rawValue), SQLBind(d.status.rawValue), SQLBind(d.applicant.name), SQLBind(SearchKey.fold(d.applicant.name)),
                SQLBind(d.applicant.idNumber), SQLBind(d.applicant.address), SQLBind(d.applicant.phone), SQLBind(d.applicant.email),
                SQLBind(d.owner), SQLBind(AuditJSON.encode(d.documents)), SQLBind(d.sets), SQLBind(d.returnByPost),
                SQLBind(Instant.format(d.submittedAt)), instant(d.receivedAt), day(d.receivedAt), instant(d.legalDueAt),
                instant(d.dueAt), day(d.dueAt), SQLBind(d.hourBased), instant(d.resolvedAt), SQLBind(d.closedDay?.description),
                SQLBind(d.timeliness?.rawValue), instant(d.deliveredAt), SQLBind(d.stepName), instant(d.stepDueAt), instant(d.supplementDueAt),
                instant(d.apologyAt), instant(d.promisedAt), SQLBind(d.apologyReason), SQLBind(d.imported), SQLBind(receivedBy)]
    }

    static func insert(_ d: Dossier, receivedBy: Int64?, _ sql: any SQLDatabase) async throws -> Int64 {
        let row = try await sql.insert(into: "dossiers").columns(columns).values(values(d, receivedBy: receivedBy)).returning("id").first()
        return try row!.decode(column: "id", as: Int64.self)
    }

    /// Many dossiers in one statement (generated or imported data).
    static func insertAll(_ batch: [Dossier], _ sql: any SQLDatabase) async throws {
        guard !batch.isEmpty else { return }
        var insert = sql.insert(into: "dossiers").columns(columns)
        for d in batch { insert = insert.values(values(d, receivedBy: nil)) }
        try await insert.run()
    }

    static let eventColumns = ["dossier_id", "at", "actor_id", "actor_name", "action", "from_status", "to_status", "from_unit_id", "to_unit_id",
                               "step_name", "step_due_at", "step_timeliness", "note", "attachment_name", "attachment_file"]

    /// An event's values in the order of `eventColumns`.
    static func eventValues(_ id: Int64, at: Date, actor: Actor, action: String, from: DossierStatus?, to: DossierStatus, fromUnit: Int64? = nil,
                            toUnit: Int64? = nil, step: String = "", stepDue: Date? = nil, stepTimeliness: Timeliness? = nil, note: String = "",
                            attachment: (name: String, file: String)? = nil) -> [any SQLExpression] {
        [SQLBind(id), SQLBind(Instant.format(at)), SQLBind(actor.id), SQLBind(actor.name), SQLBind(action), SQLBind(from?.rawValue),
         SQLBind(to.rawValue), SQLBind(fromUnit), SQLBind(toUnit), SQLBind(step), SQLBind(stepDue.map(Instant.format)),
         SQLBind(stepTimeliness?.rawValue), SQLBind(note), SQLBind(attachment?.name ?? ""), SQLBind(attachment?.file ?? "")]
    }

    static func insertEvents(_ rows: [[any SQLExpression]], _ sql: any SQLDatabase) async throws {
        for chunk in stride(from: 0, to: rows.count, by: 1000) {
            var insert = sql.insert(into: "dossier_events").columns(eventColumns)
            for r in rows[chunk..<min(chunk + 1000, rows.count)] { insert = insert.values(r) }
            try await insert.run()
        }
    }
}
