import CongvuDomain
import Foundation
import SQLKit

extension ImportStore {
    /// Adds procedure versions to the catalogue; a code and version already there is a problem on
    /// its row, never an overwrite (changes go through the catalogue page, with a reason).
    public func importProcedures(_ text: String, dryRun: Bool, by actor: Actor,
                                 progress: @escaping Progress = { _, _ in }) async throws -> ImportReport {
        let parsed = try ProcedureImport.parse(text)
        var issues = parsed.issues
        let stored = try await ProcedureStore(database: database).versions(of: Set(parsed.rows.map(\.procedure.code)))
        for row in parsed.rows where stored[row.procedure.code]?.contains(where: { $0.version == row.procedure.version }) ?? false {
            issues.append(ImportIssue(line: row.line, field: "version", key: "procedure_version_taken"))
        }
        if let report = Self.stopBeforeWriting(issues, total: parsed.total, dryRun: dryRun, progress: progress) { return report }
        let kind = database.kind
        let rows = parsed.rows
        let report = try await database.write { sql in
            for (i, row) in rows.enumerated() {
                _ = try await ProcedureStore.create(row.procedure, reason: "import", in: sql, kind: kind, by: actor)
                if i % 20 == 0 { progress(i, rows.count) }
            }
            return try await committed(ImportReport(rows: parsed.total, created: rows.count, issues: [], dryRun: false), in: sql)
        }
        progress(rows.count, rows.count)
        return report
    }

    /// Historic dossiers from another system, received at units in the importer's scope. Each is
    /// judged early, on time or overdue as if received here (the due date moved by its pauses on
    /// the unit's calendar), marked imported, and given the history its dates imply. The numbering
    /// of each agency's day is raised past imported codes of this system's form.
    public func importDossiers(_ text: String, dryRun: Bool, scopes: [String], now: Date = Date(), by actor: Actor,
                               progress: @escaping Progress = { _, _ in }) async throws -> ImportReport {
        let parsed = try DossierImport.parse(text, now: now)
        var issues = parsed.issues
        let rows = parsed.rows
        let total = max(rows.count, 1) * 2
        progress(0, total)

        // What the rows name: codes already taken, units, procedures, and each unit's calendar.
        let codes = rows.map(\.code)
        let taken: Set<String> = try await database.read { sql in
            var out: Set<String> = []
            for chunk in stride(from: 0, to: codes.count, by: 500) {
                for r in try await sql.select().column("code").from("dossiers").where("code", .in, Array(codes[chunk..<min(chunk + 500, codes.count)])).all() {
                    out.insert(try r.decode(column: "code", as: String.self))
                }
            }
            return out
        }
        let procedures = try await ProcedureStore(database: database).versions(of: Set(rows.map(\.procedureCode)))
        let years = rows.isEmpty ? 2000...2000 : {
            let first = rows.map { Day($0.receivedAt.date, in: CivilTime.vietnam).year }.min()!
            let last = rows.map { Day(max($0.dueAt.date, $0.promisedAt ?? $0.dueAt.date), in: CivilTime.vietnam).year }.max()!
            return max(2000, first - 1)...min(2100, max(last, Day(now, in: CivilTime.vietnam).year) + 1)
        }()
        let unitStore = UnitStore(database: database)
        let calendars = CalendarStore(database: database)
        var units: [String: (unit: OrgUnit, calendar: WorkCalendar)?] = [:]
        var dossiers: [(row: DossierImport.Row, dossier: Dossier)] = []
        for (i, row) in rows.enumerated() {
            if i % 200 == 0 { progress(i, total) }
            if taken.contains(row.code) { issues.append(ImportIssue(line: row.line, field: "code", key: "dossier_code_taken")); continue }
            if units[row.unitCode] == nil {
                if let unit = try await unitStore.byCode(row.unitCode) {
                    units[row.unitCode] = (unit, try await calendars.workCalendar(for: unit, years: years))
                } else {
                    units[row.unitCode] = .some(nil)
                }
            }
            guard let known = units[row.unitCode]! else {
                issues.append(ImportIssue(line: row.line, field: "unit_code", key: "unit_unknown")); continue
            }
            let (unit, calendar) = known
            guard scopes.contains(where: { unit.path.hasPrefix($0) }) else {
                issues.append(ImportIssue(line: row.line, field: "unit_code", key: "unit_out_of_scope")); continue
            }
            guard let procedure = Procedure.inForce(procedures[row.procedureCode] ?? [], on: Day(row.receivedAt.date, in: CivilTime.vietnam)) else {
                issues.append(ImportIssue(line: row.line, field: "procedure_code", key: "procedure_unknown")); continue
            }
            do {
                dossiers.append((row, try row.dossier(procedure: procedure, unitID: unit.id, calendar: calendar, now: now)))
            } catch let e as ValidationErrors {
                issues += e.errors.map { ImportIssue(line: row.line, field: $0.field, key: $0.key) }
            }
        }
        if let report = Self.stopBeforeWriting(issues, total: parsed.total, dryRun: dryRun, progress: progress) { return report }

        let kind = database.kind
        let digest = PhotoStore.sha256(Data(text.utf8))
        let toWrite = dossiers
        let report = try await database.write { sql in
            var sequences: [DossierCode.Series: Int] = [:]
            for chunk in stride(from: 0, to: toWrite.count, by: 400) {
                let batch = toWrite[chunk..<min(chunk + 400, toWrite.count)]
                try await DossierStore.insertAll(batch.map(\.dossier), sql)
                let ids = try await sql.select().column("id").column("code").from("dossiers").where("code", .in, batch.map(\.dossier.code)).all()
                    .reduce(into: [String: Int64]()) { $0[try $1.decode(column: "code", as: String.self)] = try $1.decode(column: "id", as: Int64.self) }
                var events: [[any SQLExpression]] = []
                var pauses = sql.insert(into: "dossier_pauses").columns("dossier_id", "status", "from_at", "to_at")
                var anyPause = false
                for (row, d) in batch {
                    guard let id = ids[d.code] else { continue }
                    for step in row.history {
                        events.append(DossierStore.eventValues(id, at: step.at, actor: actor, action: step.action.rawValue, from: step.from, to: step.to,
                                                               toUnit: step.action == .accept ? d.unitID : nil, note: step.note))
                    }
                    for p in row.pauses {
                        pauses = pauses.values(SQLBind(id), SQLBind(p.status.rawValue), SQLBind(Instant.format(p.from)), SQLBind(p.to.map(Instant.format)))
                        anyPause = true
                    }
                    if let code = DossierCode.parse(d.code) { sequences[code.series] = max(sequences[code.series] ?? 0, code.sequence) }
                }
                try await DossierStore.insertEvents(events, sql)
                if anyPause { try await pauses.run() }
                progress(toWrite.count + chunk, total)
            }
            try await DossierStore.raiseSequences(sequences, sql)
            try await AuditLog.append(.init(action: .importData, objectType: "dossier", objectID: toWrite.first?.dossier.code ?? "",
                                            after: AuditJSON.encode(["dossiers": String(toWrite.count), "first": toWrite.first?.dossier.code ?? "",
                                                                     "last": toWrite.last?.dossier.code ?? "", "file_sha256": digest]),
                                            reason: "import"), by: actor, in: sql, kind: kind)
            return try await committed(ImportReport(rows: parsed.total, created: toWrite.count, issues: [], dryRun: false), in: sql)
        }
        progress(total, total)
        return report
    }
}
