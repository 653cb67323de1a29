import CongvuDomain
import CongvuStore
import CongvuTestSupport
import Foundation
import SQLKit
import Testing

/// The reform index on both databases (issue 24): each computed measure over rows made for it, its
/// answer counted by hand; and the yearly workflow with its refusals, appraisal, publication and history.
@Suite struct ReformStoreTests {
    static func run(_ db: Database, _ text: String) async throws {
        try await db.write { sql in try await sql.raw(SQLQueryString(text)).run() }
    }

    /// Inserts a row and returns its id (`… RETURNING id`).
    static func insert(_ db: Database, _ text: String) async throws -> Int64 {
        try await db.write { sql in try await sql.raw(SQLQueryString(text)).first()!.decode(column: "id", as: Int64.self) }
    }

    /// Rows for every measure in commune A's committee (and a few in B's, and outside 2026); the
    /// comments say which count.
    static func seed(_ db: Database, _ tree: Tree) async throws -> [Int64] {
        let a = tree.committeeA.id, b = tree.committeeB.id, now = "2026-01-01T00:00:00.000Z"
        let p1 = try await Tree.person(db, "Nguyễn Văn An", in: tree.committeeA).id
        let p2 = try await Tree.person(db, "Lê Thị Bình", in: tree.committeeA).id
        let p3 = try await Tree.person(db, "Trần Văn Cường", in: tree.committeeA).id
        let p4 = try await Tree.person(db, "Phạm Thị Dung", in: tree.committeeA).id
        try await run(db, "UPDATE assignments SET valid_to = '2026-06-30' WHERE person_id = \(p4)")
        // Procedures: commune level, three of four in force posted at both places; one expired, one of the province.
        for (code, level, counter, portal, to) in [("1", "commune", 1, 1, "NULL"), ("2", "commune", 1, 1, "NULL"), ("3", "commune", 1, 1, "NULL"),
                                                   ("4", "commune", 1, 0, "NULL"), ("5", "commune", 0, 0, "'2025-12-31'"), ("6", "province", 1, 1, "NULL")] {
            try await run(db, """
                INSERT INTO procedures (code, version, name, search_key, field, level, time_value, time_unit, online_level, valid_from, valid_to, posted_counter, posted_portal)
                VALUES ('P\(code)', 1, 'Thủ tục \(code)', 'thu tuc', 'hộ tịch', '\(level)', 5, 'working_days', 'full', '2020-01-01', \(to), \(db.kind == .sqlite ? String(counter) : (counter == 1 ? "TRUE" : "FALSE")), \(db.kind == .sqlite ? String(portal) : (portal == 1 ? "TRUE" : "FALSE")))
                """)
        }
        // Dossiers: (unit, received, channel, status, closed, timeliness, due, apology)
        let dossiers: [(Int64, String, Int, Int, String?, String?, String, Bool)] = [
            (a, "2026-02-01", 2, 10, "2026-02-05", "early", "2026-02-10", false),
            (a, "2026-03-01", 1, 10, "2026-03-10", "on_time", "2026-03-10", false),
            (a, "2026-04-01", 2, 10, "2026-04-20", "overdue", "2026-04-10", true),
            (a, "2026-05-01", 1, 10, "2026-05-30", "overdue", "2026-05-10", false),
            (a, "2025-12-20", 2, 10, "2025-12-28", "on_time", "2025-12-30", false),  // 2025: none of 2026's
            (a, "2026-10-01", 1, 4, nil, nil, "2026-10-15", true),                   // open and overdue, apologised
            (a, "2026-11-01", 2, 4, nil, nil, "2026-12-10", false),                  // open, not yet due
            (a, "2026-09-01", 1, 7, nil, nil, "2026-09-10", false),                  // withdrawn: no apology owed
            (b, "2026-06-01", 2, 10, "2026-06-05", "on_time", "2026-06-10", false),
        ]
        for (i, d) in dossiers.enumerated() {
            try await run(db, """
                INSERT INTO dossiers (code, procedure_id, unit_id, current_unit_id, field, channel, status, applicant_name, search_key, submitted_at,
                                      received_day, closed_day, timeliness, due_day, apology_at)
                VALUES ('HS-\(i)', (SELECT MIN(id) FROM procedures), \(d.0), \(d.0), 'hộ tịch', \(d.2), \(d.3), 'Người nộp \(i)', 'nguoi nop', '\(now)',
                        '\(d.1)', \(d.4.map { "'\($0)'" } ?? "NULL"), \(d.5.map { "'\($0)'" } ?? "NULL"), '\(d.6)', \(d.7 ? "'\(now)'" : "NULL"))
                """)
        }
        // Feedback owned by A: (due, answered, status)
        for (i, f) in [("2026-03-10", "2026-03-09", "answered"), ("2026-04-10", "2026-04-12", "answered"), ("2026-10-01", nil, "assigned"),
                       ("2026-12-20", nil, "assigned"), ("2026-05-01", nil, "spam"), ("2026-06-01", "2026-06-01", "closed")].enumerated() {
            try await run(db, """
                INSERT INTO feedback (code, unit_id, owner_unit_id, category, channel, description, status, received_at, received_day, due_day, forward_by,
                                      answered_day, updated_at)
                VALUES ('PA\(i)', \(a), \(a), 'attitude', 'web', 'Phản ánh \(i)', '\(f.2)', '\(now)', '2026-01-01', '\(f.0)', '2026-01-02',
                        \(f.1.map { "'\($0)'" } ?? "NULL"), '\(now)')
                """)
        }
        // Tasks of A: (due, status, reported)
        var taskIDs: [Int64] = []
        for (i, t) in [("2026-03-01", "reported", "2026-03-01T10:00:00.000Z"), ("2026-03-05", "accepted", "2026-03-05T18:00:00.000Z"),
                       ("2026-04-01", "in_progress", nil), ("2026-12-15", "assigned", nil), ("2026-05-01", "cancelled", nil),
                       ("2026-04-30", "reported", "2026-04-30T05:00:00.000Z"), ("2026-05-20", "in_progress", nil)].enumerated() {
            let id = try await Self.insert(db, """
                    INSERT INTO tasks (unit_id, year, number, title, search_key, assigner_id, owner_id, priority, assigned_at, due, original_due, status, reported_at)
                    VALUES (\(a), 2026, \(i + 1), 'Nhiệm vụ \(i)', 'nhiem vu', \(p1), \(p1), 'normal', '\(now)', '\(t.0)', '\(t.0)', '\(t.1)',
                            \(t.2.map { "'\($0)'" } ?? "NULL")) RETURNING id
                    """)
            taskIDs.append(id)
        }
        // Duties: p1 approved from the post's start; p2's approval predates the post; p3 a draft; p4 left before the cut.
        for (person, from, status) in [(p1, "2025-07-01", "approved"), (p2, "2024-01-01", "approved"), (p3, "2025-07-01", "draft"), (p4, "2025-07-01", "approved")] {
            try await run(db, """
                INSERT INTO standing_duties (person_id, unit_id, valid_from, text, status, written_by, written_at)
                VALUES (\(person), \(a), '\(from)', 'Phụ trách văn thư', '\(status)', 'test', '\(now)')
                """)
        }
        // Inspections: plans of 2026 (A: 2 planned with 1 finalised; 1 planned with 2 finalised) and of 2025.
        try await run(db, "INSERT INTO inspection_checklists (unit_id, version, items, created_at, created_by) VALUES (\(tree.province.id), 1, '[]', '\(now)', 't')")
        var visits: [Int64] = []
        for (year, planned, statuses) in [(2026, 2, ["finalised", "open"]), (2026, 1, ["finalised", "finalised"]), (2025, 1, [String]())] {
            let plan = try await Self.insert(db, """
                    INSERT INTO inspection_plans (body_id, year, title, created_at, created_by) VALUES (\(tree.province.id), \(year), 'Kế hoạch \(year)', '\(now)', 't') RETURNING id
                    """)
            try await run(db, "INSERT INTO inspection_plan_units (plan_id, unit_id, planned_visits) VALUES (\(plan), \(a), \(planned))")
            for s in statuses {
                visits.append(try await Self.insert(db, """
                        INSERT INTO inspection_visits (body_id, plan_id, unit_id, kind, status, checklist_id, year, created_at, created_by)
                        VALUES (\(tree.province.id), \(plan), \(a), 'planned', '\(s)', (SELECT MIN(id) FROM inspection_checklists), \(year), '\(now)', 't') RETURNING id
                        """))
            }
        }
        // Recommendations: closed in time (task 5, reported 04-30 for 05-01), task open, no task, due after the cut.
        for (due, task) in [("2026-05-01", taskIDs[5] as Int64?), ("2026-06-01", taskIDs[6]), ("2026-06-01", nil), ("2026-12-30", nil)] {
            try await run(db, "INSERT INTO inspection_recommendations (visit_id, text, owner_id, due, task_id) VALUES (\(visits[0]), 'Khắc phục', \(p1), '\(due)', \(task.map(String.init) ?? "NULL"))")
        }
        // Attendance of p1 in 2026: 3 on time, late, excused, a holiday (not owed), absent; one of 2025; p4 after leaving.
        for (i, (person, day, status)) in [(p1, "2026-02-02", "on_time"), (p1, "2026-02-03", "on_time"), (p1, "2026-02-04", "on_time"), (p1, "2026-02-05", "late"),
                                           (p1, "2026-02-06", "excused"), (p1, "2026-02-17", "holiday"), (p1, "2026-02-18", "absent"),
                                           (p1, "2025-12-01", "late"), (p4, "2026-08-03", "on_time")].enumerated() {
            _ = i
            try await run(db, """
                INSERT INTO day_verdicts (person_id, day, status, late_minutes, early_minutes, missing_minutes, reasons, computed_at)
                VALUES (\(person), '\(day)', '\(status)', 0, 0, 0, '[]', '\(now)')
                """)
        }
        // Reception in A's schedule: two published in the first week of January, one in February; a draft, a meeting, a cancelled one.
        for (day, reception, status) in [("2026-01-05", 1, "published"), ("2026-01-07", 1, "published"), ("2026-02-02", 1, "published"),
                                         ("2026-03-02", 1, "draft"), ("2026-04-06", 0, "published"), ("2026-05-04", 1, "cancelled")] {
            try await run(db, """
                INSERT INTO schedule_entries (unit_id, day, start_time, end_time, content, status, reception, created_at, updated_at)
                VALUES (\(a), '\(day)', '08:00', '11:00', 'Tiếp công dân', '\(status)', \(reception), '\(now)', '\(now)')
                """)
        }
        // Surveys: A's 2026 answers 5, 3, 4, 1; one of 2025; one of B.
        let surveys = SurveyStore(database: db), sipas = try #require(try await surveys.current("sipas"))
        for (unit, at, answers) in [(a, "2026-03-01T05:00:00.000Z", ["access_place": "5", "access_info": "3"]),
                                    (a, "2026-04-01T05:00:00.000Z", ["access_place": "4", "procedure_papers": "1"]),
                                    (a, "2025-12-01T05:00:00.000Z", ["access_place": "5"]), (b, "2026-03-01T05:00:00.000Z", ["access_place": "5"])] {
            try await surveys.respond(sipas, unitID: unit, channel: .open, answers: answers, at: Instant.parse(at)!)
        }
        return [p1, p2, p3, p4]
    }

    @Test(arguments: TestDatabases.kinds)
    func everyMeasureCountsWhatItsDefinitionSays(kind: DatabaseKind) async throws {
        try await TestDatabases.withFresh(kind) { db, _ in
            let tree = try await Tree.make(db)
            _ = try await Self.seed(db, tree)
            let measures = ReformMeasures(database: db), period = ReformMeasures.Period.year(2026, today: today)
            let values = try await measures.values(Set(ReformMeasure.allCases), units: [tree.communeA, tree.communeB, tree.province], period: period)
            let a = try #require(values[tree.communeA.id])
            let expected: [ReformMeasure: MeasureValue] = [
                .proceduresPosted: MeasureValue(3, of: 4), .dossiersOnTime: MeasureValue(2, of: 4), .dossiersOnline: MeasureValue(3, of: 7),
                .apologiesForOverdue: MeasureValue(2, of: 3), .feedbackOnTime: MeasureValue(2, of: 4), .tasksOnTime: MeasureValue(2, of: 5),
                .dutiesWritten: MeasureValue(1, of: 3), .inspectionsAgainstPlan: MeasureValue(2, of: 3), .recommendationsClosed: MeasureValue(1, of: 3),
                .attendanceCompliance: MeasureValue(4, of: 6), .receptionKept: MeasureValue(2, of: 47), .surveySatisfaction: MeasureValue(2, of: 4),
            ]
            for m in ReformMeasure.allCases { #expect(a[m] == expected[m], "\(m): \(String(describing: a[m]))") }
            // B has its own rows only; the province sums both.
            #expect(values[tree.communeB.id]?[.dossiersOnTime] == MeasureValue(1, of: 1))
            #expect(values[tree.communeB.id]?[.tasksOnTime] == MeasureValue(0, of: 0))
            #expect(values[tree.province.id]?[.dossiersOnline] == MeasureValue(4, of: 8))
            #expect(values[tree.province.id]?[.surveySatisfaction] == MeasureValue(3, of: 5))
            // The records behind a value: those that missed first, each with its page.
            let tasks = try await measures.records(.tasksOnTime, unit: tree.communeA, period: period)
            #expect(tasks.count == 5 && tasks.filter(\.met).count == 2 && !tasks[0].met && tasks.allSatisfy { $0.link?.hasPrefix("/tasks/") == true })
            let dossiers = try await measures.records(.apologiesForOverdue, unit: tree.communeA, period: period)
            #expect(dossiers.map(\.met).sorted { !$0 && $1 } == [false, true, true])
            let people = try await measures.records(.attendanceCompliance, unit: tree.communeA, period: period)
            #expect(people.count == 1 && people[0].detail == "4/6" && !people[0].met)
            let weeks = try await measures.records(.receptionKept, unit: tree.communeA, period: period)
            #expect(weeks.count == 47 && weeks.filter(\.met).count == 2)
            for m in ReformMeasure.allCases { _ = try await measures.records(m, unit: tree.communeA, period: period) }
            await #expect(throws: ValidationErrors.self) {
                _ = try await measures.values([.tasksOnTime], units: [tree.communeA], period: period, version: 2)
            }
        }
    }

    /// A small framework: a manual sub-criterion needing evidence, one computed from tasks, the survey, a penalty.
    static let framework = ReformFramework(
        code: "thu", version: 1, year: 2026, issuer: "UBND tỉnh Thử", title: "Bộ chỉ số thử", peerGroups: ["commune", "ward"],
        areas: [.init(code: "1", name: "Chỉ đạo", criteria: [
            .init(code: "1.1", name: "Kế hoạch", items: [
                .init(code: "1.1.1", name: "Ban hành kế hoạch", maximum: Points("4")!, method: .manual, evidenceRequired: true),
                .init(code: "1.1.2", name: "Nhiệm vụ đúng hạn", maximum: Points("6")!, method: .computed(MeasureScoring(measure: .tasksOnTime))),
                .init(code: "1.1.3", name: "Chỉ cho phường", maximum: Points("5")!, method: .manual, appliesTo: ["ward"]),
            ]),
            .init(code: "1.2", name: "Khảo sát và vi phạm", items: [
                .init(code: "1.2.1", name: "Hài lòng", maximum: Points("10")!, method: .survey),
                .init(code: "1.2.2", name: "Vi phạm", maximum: Points("2")!, method: .penalty),
            ]),
        ])],
        bands: [.init(code: "tot", name: "Tốt", minimum: Percent("80")!), .init(code: "kha", name: "Khá", minimum: Percent("0")!)],
        remediationBelow: Percent("50")!)

    @Test(arguments: TestDatabases.kinds)
    func aYearFromSelfAssessmentToPublicationWithEveryRefusal(kind: DatabaseKind) async throws {
        try await TestDatabases.withFresh(kind) { db, _ in
            let tree = try await Tree.make(db)
            let store = ReformStore(database: db), actor = Tree.actor
            let stored = try await store.saveFramework(Self.framework, by: actor)
            #expect(try await store.saveFramework(Self.framework, by: actor).id == stored.id)
            var changed = Self.framework
            changed.title = "Khác"
            await #expect(throws: StoreError.conflict(field: "version", key: "reform_framework_exists")) { try await store.saveFramework(changed, by: actor) }
            let deadline = Day("2026-11-30")!
            let round = try await store.openRound(frameworkID: stored.id, bodyID: tree.province.id, deadline: deadline,
                                                  units: [(tree.communeA.id, "commune"), (tree.communeB.id, "commune")], by: actor)
            await #expect(throws: StoreError.conflict(field: "framework", key: "reform_round_exists")) {
                _ = try await store.openRound(frameworkID: stored.id, bodyID: tree.province.id, deadline: deadline, units: [(tree.communeA.id, "commune")], by: actor)
            }
            let a = tree.communeA.id, b = tree.communeB.id
            func refused(_ key: String, _ body: () async throws -> Void) async {
                do { try await body(); Issue.record("accepted, expected \(key)") } catch let e as ValidationErrors {
                    #expect(e.errors.contains { $0.key.hasPrefix(key) }, "\(e.errors) instead of \(key)")
                } catch { Issue.record("\(error)") }
            }
            // Refusals, each with its rule named.
            await refused("reform_points_above_maximum") { try await store.assess(roundID: round, unitID: a, code: "1.1.1", points: Points("4.5")!, note: "", on: today, by: actor) }
            await refused("reform_evidence_required") { try await store.assess(roundID: round, unitID: a, code: "1.1.1", points: Points("4")!, note: "", on: today, by: actor) }
            await refused("reform_not_self_assessed") { try await store.assess(roundID: round, unitID: a, code: "1.1.2", points: Points("6")!, note: "", on: today, by: actor) }
            await refused("reform_after_deadline") { try await store.assess(roundID: round, unitID: a, code: "1.1.1", points: Points("0")!, note: "", on: deadline.next, by: actor) }
            await #expect(throws: StoreError.notFound("reform_criterion")) {
                try await store.assess(roundID: round, unitID: a, code: "1.1.3", points: Points("1")!, note: "", on: today, by: actor)
            }
            await refused("reform_incomplete:1.1.1") { try await store.submit(roundID: round, unitID: a, on: today, by: actor) }
            await refused("reform_not_submitted") { try await store.appraise(roundID: round, unitID: a, code: "1.1.1", points: Points("1")!, reason: "Thiếu kế hoạch", by: actor) }
            // A self-assesses with evidence and submits; its points are locked to it afterwards.
            try await store.addEvidence(roundID: round, unitID: a, code: "1.1.1", link: "/tasks/1", on: today, by: actor)
            await refused("reform_link") { try await store.addEvidence(roundID: round, unitID: a, code: "1.1.1", link: "javascript:alert(1)", on: today, by: actor) }
            await refused("reform_link") { try await store.addEvidence(roundID: round, unitID: a, code: "1.1.1", link: "//evil.example/x", on: today, by: actor) }
            try await store.assess(roundID: round, unitID: a, code: "1.1.1", points: Points("4")!, note: "Kế hoạch số 12/KH-UBND", on: today, by: actor)
            try await store.submit(roundID: round, unitID: a, on: today, by: actor)
            await refused("reform_submitted") { try await store.assess(roundID: round, unitID: a, code: "1.1.1", points: Points("3")!, note: "", on: today, by: actor) }
            // The council: a change needs its reason; the survey and the penalty are its own.
            await refused("reform_reason_required") { try await store.appraise(roundID: round, unitID: a, code: "1.1.1", points: Points("3")!, reason: "", by: actor) }
            try await store.appraise(roundID: round, unitID: a, code: "1.1.1", points: Points("3")!, reason: "Kế hoạch ban hành chậm 10 ngày", by: actor)
            // An open round is closed before it is published (its measured values kept first).
            let open = try #require(try await store.round(round))
            await refused("reform_close_first") {
                try await store.publish(roundID: round, version: open.version, decisionNumber: "15/QĐ-UBND", decisionDay: today, issuer: "UBND tỉnh Thử",
                                        tasks: [], by: actor)
            }
            // Measured values kept at closing: A did 3 of 4 tasks on time, B had none due (full points).
            try await store.close(roundID: round, measured: [a: ["1.1.2": MeasureValue(3, of: 4)], b: ["1.1.2": MeasureValue(0, of: 0)]], by: actor)
            await refused("reform_round_closed") { try await store.submit(roundID: round, unitID: b, on: today, by: actor) }
            try await store.appraise(roundID: round, unitID: a, code: "1.1.2", points: Points("4.5")!, reason: "", by: actor)  // as measured: no reason needed
            try await store.appraise(roundID: round, unitID: a, code: "1.2.1", points: Points("8.5")!, reason: "Kết quả điều tra xã hội học", by: actor)
            try await store.appraise(roundID: round, unitID: a, code: "1.2.2", points: Points("1")!, reason: "Một vi phạm kỷ luật hành chính", by: actor)
            try await store.appraise(roundID: round, unitID: b, code: "1.2.1", points: Points("9")!, reason: "Kết quả điều tra xã hội học", by: actor)
            let entries = try await store.entries(roundID: round, unitID: a)
            #expect(entries["1.1.1"]?.councilReason == "Kế hoạch ban hành chậm 10 ngày" && entries["1.1.1"]?.selfPoints == Points("4")!)
            #expect(entries["1.1.1"]?.evidence == 1 && entries["1.1.2"]?.measured == MeasureValue(3, of: 4))
            // A: 3 + 4.5 (6 × 75 %) + 8.5 − 1 = 15 of 20 = 75 %; B: 0 + 6 + 9 = 15 of 20 too, but the survey breaks the tie.
            let standings = try await store.standings(roundID: round)
            let sa = try #require(standings.first { $0.participant.unitID == a }), sb = try #require(standings.first { $0.participant.unitID == b })
            #expect(sa.result.points == Points("15")! && sa.result.maximum == Points("20")! && sa.result.index == Percent("75")!)
            #expect(sb.result.points == Points("15")! && sb.rank.rank == 1 && sa.rank.rank == 2 && sa.rank.of == 2)
            let before = try #require(try await store.round(round))
            await #expect(throws: StoreError.conflict(field: "version", key: "reform_changed")) {
                try await store.publish(roundID: round, version: before.version - 1, decisionNumber: "15/QĐ-UBND", decisionDay: today, issuer: "UBND tỉnh Thử",
                                        tasks: [], by: actor)
            }
            try await store.publish(roundID: round, version: before.version, decisionNumber: "15/QĐ-UBND", decisionDay: today, issuer: "UBND tỉnh Thử",
                                    tasks: [], by: actor)
            // Locked: results written once, the database refuses to change them, the council can no longer appraise.
            let published = try await store.published(roundID: round)
            #expect(published.map(\.rank) == [1, 2] && published[1].index == Percent("75")! && published[1].band == "kha")
            await refused("reform_published") { try await store.appraise(roundID: round, unitID: a, code: "1.1.1", points: Points("4")!, reason: "Xem lại", by: actor) }
            await #expect(throws: (any Error).self) { try await Self.run(db, "UPDATE reform_results SET rank = 1") }
            #expect(try await store.round(round)?.status == .published)
            // History: the year published, and a year before the system entered by hand (a merged unit's too).
            try await store.enterHistory(ReformHistoryEntry(unitID: a, year: 2024, issuer: "UBND huyện cũ", index: Percent("81.33")!, band: "Khá", rank: 15, of: 21), by: actor)
            await #expect(throws: StoreError.conflict(field: "year", key: "reform_history_exists")) {
                try await store.enterHistory(ReformHistoryEntry(unitID: a, year: 2024, issuer: "UBND huyện cũ", index: Percent("80")!), by: actor)
            }
            await #expect(throws: ValidationErrors.self) {
                try await store.enterHistory(ReformHistoryEntry(unitID: a, year: 2023, issuer: "UBND huyện cũ", index: Percent("80")!, rank: 22, of: 21), by: actor)
            }
            let history = try await store.history(unitIDs: [a])
            #expect(history.map(\.year) == [2024, 2026] && history[1].rank == 2 && history[1].roundID == round)
            // Every step is in the audit chain.
            let audit = try await AuditLog(database: db).recent(limit: 100).map(\.objectType)
            #expect(Set(audit).isSuperset(of: ["reform_framework", "reform_round", "reform_entry", "reform_evidence", "reform_participant", "reform_history"]))
        }
    }
}
