import CongvuDomain
import Foundation
import SQLKit

/// What an import did, or would do on a dry run.
public struct ImportReport: Sendable, Equatable, Codable {
    public var rows: Int
    public var created: Int
    public var issues: [ImportIssue]
    public var dryRun: Bool

    public init(rows: Int, created: Int, issues: [ImportIssue], dryRun: Bool) {
        self.rows = rows
        self.created = created
        self.issues = issues
        self.dryRun = dryRun
    }

    /// True when the file was applied: no dry run and no problem on any row.
    public var applied: Bool { !dryRun && issues.isEmpty }
}

/// What a file holds.
public enum ImportKind: String, CaseIterable, Sendable {
    case people, units, procedures, dossiers

    /// The permission whose scopes an import of this kind may write into.
    public var permission: Permission { self == .procedures ? .manageProcedures : .importData }
}

/// Imports people, units, procedures and historic dossiers from CSV: every row is checked first, and rows are written in one
/// transaction only when none has a problem, so nothing is ever half-imported.
public struct ImportStore: Sendable {
    let database: Database
    /// The background job this import runs as: an applied file writes its report in its own
    /// transaction, so a crash leaves either both or neither (`ImportJobStore`).
    public var job: String?

    public init(database: Database, job: String? = nil) {
        self.database = database
        self.job = job
    }

    /// The last statement of an applied import's transaction: its job's report.
    func committed(_ report: ImportReport, in sql: any SQLDatabase) async throws -> ImportReport {
        if let job { try await ImportJobStore.finish(job, report: report, now: Date(), in: sql) }
        return report
    }

    public typealias Progress = @Sendable (_ done: Int, _ total: Int) -> Void

    /// A dry run, or a file with any problem, ends here with its report: nothing is written.
    static func stopBeforeWriting(_ issues: [ImportIssue], total: Int, dryRun: Bool, progress: Progress) -> ImportReport? {
        guard dryRun || !issues.isEmpty else { return nil }
        progress(1, 1)
        return ImportReport(rows: total, created: 0, issues: issues.sorted { ($0.line, $0.field) < ($1.line, $1.field) }, dryRun: dryRun)
    }

    /// Runs an import of any kind: the one entry for the pages and the command line.
    public func run(_ kind: ImportKind, _ text: String, dryRun: Bool, scopes: [String], now: Date = Date(), by actor: Actor,
                    progress: @escaping Progress = { _, _ in }) async throws -> ImportReport {
        switch kind {
        case .people:
            try await importPeople(text, dryRun: dryRun, scopes: scopes, today: Day(now, in: CivilTime.vietnam), by: actor, progress: progress)
        case .units: try await importUnits(text, dryRun: dryRun, scopes: scopes, by: actor, progress: progress)
        case .procedures: try await importProcedures(text, dryRun: dryRun, by: actor, progress: progress)
        case .dossiers: try await importDossiers(text, dryRun: dryRun, scopes: scopes, now: now, by: actor, progress: progress)
        }
    }

    public func importPeople(_ text: String, dryRun: Bool, scopes: [String], today: Day, by actor: Actor,
                             progress: @escaping Progress = { _, _ in }) async throws -> ImportReport {
        let parsed = try PeopleImport.parse(text, today: today)
        let rows = parsed.rows
        var issues = parsed.issues
        let units = UnitStore(database: database)
        let people = PeopleStore(database: database)
        var resolved: [(PeopleImport.Row, Int64)] = []
        for (i, row) in rows.enumerated() {
            guard let unit = try await units.byCode(row.unitCode) else {
                issues.append(ImportIssue(line: row.line, field: "unit_code", key: "unit_unknown")); continue
            }
            guard scopes.contains(where: { unit.path.hasPrefix($0) }) else {
                issues.append(ImportIssue(line: row.line, field: "unit_code", key: "unit_out_of_scope")); continue
            }
            if !row.person.cardNumber.isEmpty, try await people.byCard(row.person.cardNumber) != nil {
                issues.append(ImportIssue(line: row.line, field: "card_number", key: "card_taken")); continue
            }
            resolved.append((row, unit.id))
            if i % 50 == 0 { progress(i, rows.count * 2) }
        }
        if let report = Self.stopBeforeWriting(issues, total: parsed.total, dryRun: dryRun, progress: progress) { return report }
        let kind = database.kind
        let reason = "import"
        let toWrite = resolved
        let report = try await database.write { sql in
            for (i, (row, unitID)) in toWrite.enumerated() {
                let person = try await PeopleStore.insert(row.person, in: sql, kind: kind, by: actor, reason: reason)
                var draft = row.assignment
                draft.unitID = unitID
                let assignment = try draft.validate(personID: person.id)
                _ = try await PeopleStore.insert(assignment, in: sql, kind: kind, by: actor, reason: reason)
                if i % 20 == 0 { progress(rows.count + i, rows.count * 2) }
            }
            return try await committed(ImportReport(rows: parsed.total, created: toWrite.count, issues: [], dryRun: false), in: sql)
        }
        progress(rows.count * 2, rows.count * 2)
        return report
    }

    /// Units may come in any order: parents named in the file are created before their children,
    /// and successor links are set once every unit exists.
    public func importUnits(_ text: String, dryRun: Bool, scopes: [String], by actor: Actor,
                            progress: @escaping Progress = { _, _ in }) async throws -> ImportReport {
        let parsed = try UnitImport.parse(text)
        let rows = parsed.rows
        var issues = parsed.issues
        let store = UnitStore(database: database)
        let inFile = Dictionary(rows.map { ($0.code, $0) }, uniquingKeysWith: { a, _ in a })
        var existing: [String: OrgUnit] = [:]
        var ordered: [UnitImport.Row] = []
        var placed = Set<String>()
        // Place each row after its parent: a depth-first walk up the parent codes.
        func place(_ row: UnitImport.Row, _ trail: Set<String>) async throws -> Bool {
            if placed.contains(row.code) { return true }
            if trail.contains(row.code) { issues.append(ImportIssue(line: row.line, field: "parent_code", key: "unit_parent_cycle")); return false }
            if try await store.byCode(row.code) != nil {
                issues.append(ImportIssue(line: row.line, field: "code", key: "code_taken")); return false
            }
            var parentKind: UnitKind?
            if !row.parentCode.isEmpty {
                if let parent = inFile[row.parentCode] {
                    guard try await place(parent, trail.union([row.code])) else { return false }
                    parentKind = parent.kind
                } else if let parent = try await store.byCode(row.parentCode) {
                    guard scopes.contains(where: { parent.path.hasPrefix($0) }) else {
                        issues.append(ImportIssue(line: row.line, field: "parent_code", key: "unit_out_of_scope")); return false
                    }
                    existing[parent.code] = parent
                    parentKind = parent.kind
                } else {
                    issues.append(ImportIssue(line: row.line, field: "parent_code", key: "unit_unknown")); return false
                }
            } else if !scopes.contains("/") {
                issues.append(ImportIssue(line: row.line, field: "parent_code", key: "unit_parent_required")); return false
            }
            let draft = UnitDraft(parentID: nil, kind: row.kind.rawValue, code: row.code, name: row.name)
            do { _ = try draft.validate(parentKind: parentKind) } catch let e as ValidationErrors {
                issues += e.errors.map { ImportIssue(line: row.line, field: $0.field == "parent_id" ? "parent_code" : $0.field, key: $0.key) }
                return false
            }
            placed.insert(row.code)
            ordered.append(row)
            return true
        }
        for (i, row) in rows.enumerated() {
            _ = try await place(row, [])
            if i % 50 == 0 { progress(i, rows.count * 2) }
        }
        for row in rows where !row.successorCode.isEmpty {
            if inFile[row.successorCode] == nil, try await store.byCode(row.successorCode) == nil {
                issues.append(ImportIssue(line: row.line, field: "successor_code", key: "unit_unknown"))
            }
        }
        if let report = Self.stopBeforeWriting(issues, total: parsed.total, dryRun: dryRun, progress: progress) { return report }
        let kind = database.kind
        let known = existing
        let toWrite = ordered
        let report = try await database.write { sql in
            var ids: [String: Int64] = known.mapValues(\.id)
            for (i, row) in toWrite.enumerated() {
                let v = UnitDraft.Valid(parentID: row.parentCode.isEmpty ? nil : ids[row.parentCode], kind: row.kind, code: row.code,
                                        name: row.name, validFrom: row.validFrom, validTo: row.validTo, successorID: nil)
                ids[row.code] = try await UnitStore.insert(v, in: sql, kind: kind, by: actor, reason: "import").id
                if i % 20 == 0 { progress(rows.count + i, rows.count * 2) }
            }
            for row in toWrite where !row.successorCode.isEmpty {
                var successor = ids[row.successorCode]
                if successor == nil {
                    successor = try await sql.select().column("id").from("units").where("code", .equal, row.successorCode).first()?
                        .decode(column: "id", as: Int64.self)
                }
                try await sql.update("units").set("successor_id", to: successor).where("id", .equal, ids[row.code]!).run()
                try await AuditLog.append(.init(action: .update, objectType: "unit", objectID: String(ids[row.code]!),
                                                after: "{\"successor_id\":\(successor.map(String.init) ?? "null")}", reason: "import"),
                                          by: actor, in: sql, kind: kind)
            }
            return try await committed(ImportReport(rows: parsed.total, created: toWrite.count, issues: [], dryRun: false), in: sql)
        }
        progress(rows.count * 2, rows.count * 2)
        return report
    }
}
