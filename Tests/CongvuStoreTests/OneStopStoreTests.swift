import CongvuDomain
import CongvuStore
import CongvuTestSupport
import Foundation
import SQLKit
import Testing

func local(_ text: String) -> Date { Instant.parseLocal(text)! }

/// A procedure with two steps, a counter at commune A, and its calendar.
struct OneStopFixture {
    var tree: Tree
    var procedure: Procedure
    var calendar: WorkCalendar
    var dossiers: DossierStore

    static func make(_ db: Database, time: ProcessingTime = ProcessingTime(3, .workingDays)) async throws -> OneStopFixture {
        let tree = try await Tree.make(db)
        let p = try await ProcedureStore(database: db).create(
            Procedure(code: "1.001612", name: "Đăng ký khai sinh", field: "Hộ tịch", level: .commune, time: time, onlineLevel: .full,
                      documents: [DocumentItem(name: "Tờ khai đăng ký khai sinh", form: .original),
                                  DocumentItem(name: "Giấy chứng sinh", form: .certifiedCopy)],
                      validFrom: Day("2025-07-01")!,
                      steps: [WorkflowStep(name: "Tiếp nhận", time: ProcessingTime(4, .workingHours)),
                              WorkflowStep(name: "Thẩm định", time: ProcessingTime(1, .workingDays)),
                              WorkflowStep(name: "Ký duyệt", time: ProcessingTime(1, .workingDays))],
                      postedAtCounter: true, postedOnPortal: true),
            by: Tree.actor)
        let dossiers = DossierStore(database: db)
        try await dossiers.setCounter(OneStopCounter(unitID: tree.committeeA.id, agencyCode: "000.00.06.H56"), by: Tree.actor)
        let calendar = try await CalendarStore(database: db).workCalendar(for: tree.committeeA, years: 2025...2027)
        return OneStopFixture(tree: tree, procedure: p, calendar: calendar, dossiers: dossiers)
    }

    func intake(_ name: String = "Nguyễn Văn An", channel: Channel = .direct) -> Intake {
        Intake(procedureID: procedure.id, channel: channel, applicant: Applicant(name: name, idNumber: "040203001234", phone: "0912345678"),
               documents: procedure.documents)
    }

    func receive(_ at: String, channel: Channel = .direct) async throws -> Dossier {
        try await dossiers.receive(intake(channel: channel), procedure: procedure, unitID: tree.committeeA.id, calendar: calendar, at: local(at), by: Tree.actor)
    }

    @discardableResult
    func act(_ d: Dossier, _ action: DossierAction, _ at: String, note: String = "", to unit: Int64? = nil, promised: Date? = nil) async throws -> Dossier {
        try await dossiers.act(d.id, DossierCommand(action: action, expectedVersion: d.version, note: note, toUnitID: unit, promisedAt: promised),
                               procedure: procedure, calendar: calendar, at: local(at), by: Tree.actor)
    }
}

@Suite struct OneStopStoreTests {
    @Test(arguments: TestDatabases.kinds)
    func intakeNumbersCodesPerAgencyAndDay(kind: DatabaseKind) async throws {
        try await TestDatabases.withFresh(kind) { db, _ in
            let f = try await OneStopFixture.make(db)
            let a = try await f.receive("2026-11-23 08:00")
            let b = try await f.receive("2026-11-23 09:00")
            let c = try await f.receive("2026-11-24 08:00")
            #expect([a.code, b.code, c.code] == ["000.00.06.H56-261123-0001", "000.00.06.H56-261123-0002", "000.00.06.H56-261124-0001"])
            #expect(a.status == .accepted && a.stepName == "Tiếp nhận")
            // Due three working days later at the same clock time.
            #expect(a.dueAt == local("2026-11-26 08:00"))
            // Fifty intakes at once: fifty distinct codes.
            let codes = try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<50 { group.addTask { try await f.receive("2026-11-25 10:00").code } }
                return try await group.reduce(into: Set<String>()) { $0.insert($1) }
            }
            #expect(codes.count == 50 && codes.contains("000.00.06.H56-261125-0050"))
            // An online dossier waits for acceptance; its due date starts then.
            let online = try await f.receive("2026-11-25 20:00", channel: .online)
            #expect(online.status == .submitted && online.dueAt == nil)
            let accepted = try await f.act(online, .accept, "2026-11-26 08:00")
            #expect(accepted.dueAt == local("2026-12-01 08:00") && accepted.receivedAt == local("2026-11-26 08:00"))
        }
    }

    @Test(arguments: TestDatabases.kinds)
    func theWholeJourneyWithASupplementPause(kind: DatabaseKind) async throws {
        try await TestDatabases.withFresh(kind) { db, _ in
            let f = try await OneStopFixture.make(db)
            var d = try await f.receive("2026-11-23 08:00")
            d = try await f.act(d, .transfer, "2026-11-23 10:00", to: f.tree.communeA.id)
            #expect(d.status == .processing && d.stepName == "Thẩm định" && d.currentUnitID == f.tree.communeA.id)
            // A supplement is requested on Tuesday 08:00 and arrives Wednesday 08:00: one working day paused.
            d = try await f.act(d, .requestSupplement, "2026-11-24 08:00", note: "Thiếu giấy chứng sinh bản sao có chứng thực")
            #expect(d.status == .supplementRequested && d.supplementDueAt == local("2026-12-01 08:00"))
            // The status does not allow a result now.
            await #expect(throws: ValidationErrors([FieldError("action", "dossier_action_not_allowed")])) {
                try await f.act(d, .resultReady, "2026-11-24 09:00")
            }
            d = try await f.act(d, .supplementReceived, "2026-11-25 08:00")
            #expect(d.dueAt == local("2026-11-27 08:00") && d.legalDueAt == local("2026-11-26 08:00"))
            #expect(try await f.dossiers.pauses(d.id) == [Pause(from: local("2026-11-24 08:00"), to: local("2026-11-25 08:00"), status: .supplementRequested)])
            // Resolved on the (moved) due date, later in the day: on time.
            d = try await f.act(d, .resultReady, "2026-11-27 16:30")
            #expect(d.timeliness == .onTime && d.closedDay == Day("2026-11-27")!)
            d = try await f.act(d, .deliver, "2026-11-30 08:00")
            #expect(d.status == .delivered)
            let events = try await f.dossiers.events(d.id)
            #expect(events.map(\.action) == ["accept", "transfer", "request_supplement", "supplement_received", "result_ready", "deliver"])
            // The first step (4 working hours from 08:00) was handed over at 10:00: within its time.
            #expect(events[1].stepTimeliness == .onTime && events[1].fromUnitID == f.tree.committeeA.id)
            // Every change is audited.
            let audit = try await AuditLog(database: db).recent(limit: 50, objectType: "dossier", objectID: String(d.id))
            #expect(audit.count == 6)
            // Public tracking shows the initials only.
            let t = try #require(try await f.dossiers.tracking(code: d.code))
            #expect(t.initials == "N.V.A." && t.status == .delivered && t.steps.count == 6)
        }
    }

    @Test(arguments: TestDatabases.kinds)
    func twoOfficersDoNotOverwriteEachOther(kind: DatabaseKind) async throws {
        try await TestDatabases.withFresh(kind) { db, _ in
            let f = try await OneStopFixture.make(db)
            let d = try await f.receive("2026-11-23 08:00")
            _ = try await f.act(d, .transfer, "2026-11-23 09:00", to: f.tree.communeA.id)
            // The second officer still holds version 1.
            await #expect(throws: StoreError.conflict(field: "version", key: "dossier_changed")) {
                try await f.act(d, .requestSupplement, "2026-11-23 09:05", note: "Thiếu tờ khai")
            }
            #expect(try await f.dossiers.events(d.id).count == 2)
        }
    }

    @Test(arguments: TestDatabases.kinds)
    func apologyCountsAsOverdueAndIsAlertedBeforeTheDueDate(kind: DatabaseKind) async throws {
        try await TestDatabases.withFresh(kind) { db, _ in
            let f = try await OneStopFixture.make(db)
            var d = try await f.receive("2026-11-23 08:00")  // due Thursday 26/11 08:00
            let scopes = [f.tree.province.path]
            let calendarFor: (Int64) async throws -> WorkCalendar = { _ in f.calendar }
            #expect(try await f.dossiers.needingApology(scopes: scopes, calendarFor: calendarFor, now: local("2026-11-24 09:00")).isEmpty)
            let alerted = try await f.dossiers.needingApology(scopes: scopes, calendarFor: calendarFor, now: local("2026-11-25 09:00"))
            #expect(alerted.map(\.dossier.id) == [d.id])
            // The new date must be after the old one.
            await #expect(throws: ValidationErrors([FieldError("promised_at", "promised_after_due")])) {
                try await f.act(d, .apologise, "2026-11-25 10:00", note: "Chờ xác minh", promised: local("2026-11-25 17:00"))
            }
            d = try await f.act(d, .apologise, "2026-11-25 10:00", note: "Chờ xác minh của công an xã", promised: local("2026-12-01 17:00"))
            #expect(d.promisedAt == local("2026-12-01 17:00") && d.dueAt == local("2026-11-26 08:00"))
            #expect(try await f.dossiers.needingApology(scopes: scopes, calendarFor: calendarFor, now: local("2026-11-25 11:00")).isEmpty)
            d = try await f.act(d, .resultReady, "2026-11-30 10:00")
            #expect(d.timeliness == .overdue)
            let report = try await f.dossiers.settlement(ReportPeriod(.month, year: 2026, index: 11)!, grouping: .unit, scopes: scopes, today: Day("2026-12-04")!)
            #expect(report.total.overdue == 1 && report.total.balances)
            let list = try await f.dossiers.overdue(ReportPeriod(.month, year: 2026, index: 11)!, scopes: scopes, today: Day("2026-12-04")!)
            #expect(list.map(\.row.dossier.apologyReason) == ["Chờ xác minh của công an xã"] && list[0].resolvedLate)
        }
    }

    /// The current month's report: an open dossier whose due day is still ahead is in progress
    /// within its time, in the columns and the overdue list alike; once its due day has passed (or
    /// the month has ended with it open) it is overdue.
    @Test(arguments: TestDatabases.kinds)
    func theRunningPeriodJudgesOpenDossiersOnToday(kind: DatabaseKind) async throws {
        try await TestDatabases.withFresh(kind) { db, _ in
            let f = try await OneStopFixture.make(db)
            let d = try await f.receive("2026-11-23 08:00")  // due Thursday 26/11 08:00
            let scopes = [f.tree.province.path]
            let november = ReportPeriod(.month, year: 2026, index: 11)!
            for (today, overdue) in [("2026-11-24", false), ("2026-11-26", false), ("2026-11-27", true), ("2026-12-04", true)] {
                let total = try await f.dossiers.settlement(november, grouping: .unit, scopes: scopes, today: Day(today)!).total
                #expect(total.openOverdue == (overdue ? 1 : 0) && total.openWithinTime == (overdue ? 0 : 1), "\(today)")
                let list = try await f.dossiers.overdue(november, scopes: scopes, today: Day(today)!)
                #expect(list.map(\.row.dossier.id) == (overdue ? [d.id] : []), "\(today)")
            }
        }
    }

    /// The SQL report equals the domain's tally on generated data, for several periods and both groupings.
    @Test(arguments: TestDatabases.kinds)
    func theReportMatchesTheDomainTally(kind: DatabaseKind) async throws {
        try await TestDatabases.withFresh(kind) { db, _ in
            let f = try await OneStopFixture.make(db)
            try await DossierStore(database: db).setCounter(OneStopCounter(unitID: f.tree.committeeB.id, agencyCode: "000.00.07.H56"), by: Tree.actor)
            let made = try await OneStopDemo.generate(db, counters: [f.tree.committeeA.id, f.tree.committeeB.id],
                                                      procedures: [f.procedure], from: Day("2025-01-01")!, through: Day("2026-11-20")!,
                                                      perDay: 6, calendar: f.calendar, seed: 7)
            #expect(made > 2000)
            let scopes = [f.tree.province.path]
            let facts = try await f.dossiers.facts(scopes: scopes)
            let ended = Day("2026-12-04")!
            // The last two run on their `today`: open dossiers are judged on that day, not the period's end.
            for (period, today) in [(ReportPeriod(.month, year: 2026, index: 3)!, ended), (ReportPeriod(.quarter, year: 2025, index: 4, government: true)!, ended),
                                    (ReportPeriod(.year, year: 2025)!, ended), (ReportPeriod(first: Day("2026-10-15")!, last: Day("2026-11-20")!)!, ended),
                                    (ReportPeriod(.month, year: 2026, index: 11)!, Day("2026-11-12")!), (ReportPeriod(.year, year: 2026)!, Day("2026-11-20")!)] {
                var expected = SettlementRow()
                var byUnit: [Int64: SettlementRow] = [:]
                for d in facts { expected.count(d, in: period, today: today); byUnit[d.unitID, default: SettlementRow()].count(d, in: period, today: today) }
                let report = try await f.dossiers.settlement(period, grouping: .unit, scopes: scopes, today: today)
                #expect(report.total == expected, "\(period.first)…\(period.last)")
                #expect(report.total.balances && report.total.received > 0)
                for line in report.lines { #expect(byUnit[line.unitID!] == line.row) }
                let byField = try await f.dossiers.settlement(period, grouping: .field, scopes: scopes, today: today)
                #expect(byField.total == expected)
                // Scoped to one commune: only its own.
                let one = try await f.dossiers.settlement(period, grouping: .unit, scopes: [f.tree.communeB.path], today: today)
                #expect(one.lines.map(\.unitID) == [f.tree.committeeB.id])
            }
        }
    }

    @Test(arguments: TestDatabases.kinds)
    func ratingsOncePerDossierAndTheQuarter(kind: DatabaseKind) async throws {
        try await TestDatabases.withFresh(kind) { db, _ in
            let f = try await OneStopFixture.make(db)
            let d = try await f.receive("2026-11-23 08:00")
            let e = try await f.receive("2026-11-23 09:00")
            let all2 = Dictionary(uniqueKeysWithValues: EvaluationIndicator.allCases.map { ($0, 2) })
            try await f.dossiers.rate(d.id, satisfaction: .verySatisfied, comment: "Cán bộ tận tình", scores: try EvaluationScores(all2),
                                      at: local("2026-11-23 08:20"))
            await #expect(throws: StoreError.conflict(field: "dossier", key: "dossier_already_rated")) {
                try await f.dossiers.rate(d.id, satisfaction: .notSatisfied, comment: "", scores: nil, at: local("2026-11-23 08:21"))
            }
            var some = all2
            some[.attitude] = 0
            some[.contacts] = 1
            try await f.dossiers.rate(e.id, satisfaction: .notSatisfied, comment: "", scores: try EvaluationScores(some), at: local("2026-11-23 09:30"))
            let q = try await f.dossiers.quarterEvaluation(scopes: [f.tree.province.path], year: 2026, quarter: 4)
            #expect(q.evaluations == 2 && q.average == 16.5 && q.band == "excellent" && q.satisfaction == [.verySatisfied: 1, .notSatisfied: 1])
            #expect(try await f.dossiers.quarterEvaluation(scopes: [f.tree.communeB.path], year: 2026, quarter: 4).evaluations == 0)
            // The bands come from the dated rules the migration stored.
            #expect(try await f.dossiers.rules().rules(on: Day("2026-11-22")!).bands == EvaluationBand.circular2018)
            await #expect(throws: ValidationErrors.self) { try await f.dossiers.quarterEvaluation(scopes: [], year: 2300, quarter: 1) }
        }
    }

    @Test(arguments: TestDatabases.kinds)
    func proceduresAreVersionedAndCounted(kind: DatabaseKind) async throws {
        try await TestDatabases.withFresh(kind) { db, _ in
            let f = try await OneStopFixture.make(db)
            let store = ProcedureStore(database: db)
            var v2 = f.procedure
            v2.version = 2
            v2.validFrom = Day("2026-07-01")!
            v2.postedOnPortal = false
            _ = try await store.create(v2, by: Tree.actor)
            await #expect(throws: StoreError.conflict(field: "version", key: "procedure_version_taken")) { try await store.create(v2, by: Tree.actor) }
            var v1 = f.procedure
            v1.validTo = Day("2026-06-30")!
            try await store.update(v1, reason: "Thay bằng phiên bản 2", by: Tree.actor)
            #expect(try await store.list(search: "dang ky khai sinh", validOn: Day("2026-11-22")!).map(\.version) == [2])
            #expect(try await store.list(search: "1.001612").count == 2)
            let figures = try await store.figures(on: Day("2026-11-22")!)
            #expect(figures.total == 1 && figures.posted == 0 && figures.byLevel == [.full: 1])
        }
    }
}
