import CongvuDomain
import CongvuStore
import CongvuTestSupport
import Foundation
import SQLKit
import Testing

/// Inspections on both databases: versioned checklists, a visit from its roll to locked minutes
/// (explanation cases, corrective tasks, the content hash proving nothing changed), addenda,
/// coverage, and the duty roster.
@Suite struct InspectionStoreTests {
    @Test(arguments: TestDatabases.kinds)
    func aVisitGoesFromItsRollToLockedMinutes(kind: DatabaseKind) async throws {
        try await TestDatabases.withFresh(kind) { db, _ in
            let tree = try await Tree.make(db)
            let store = InspectionStore(database: db)
            let inspector = try await Tree.person(db, "Nguyễn Thanh Tra", in: tree.province)
            let present = try await Tree.person(db, "An Văn Có", in: tree.committeeA)
            let gone = try await Tree.person(db, "Bùi Thị Vắng", in: tree.committeeA)
            let noPunch = try await Tree.person(db, "Cao Văn Quên", in: tree.committeeA)
            let away = try await Tree.person(db, "Đỗ Thị Công Tác", in: tree.committeeA)

            // The default checklist is stored at the body once; a new version does not touch old visits.
            let first = try await store.currentChecklist(body: tree.province, by: Tree.actor)
            #expect(first.version == 1 && first.items == Checklist.directive26)
            #expect(try await store.currentChecklist(body: tree.province, by: Tree.actor).id == first.id)
            // A commune below the province uses the province's checklist.
            #expect(try await store.currentChecklist(body: tree.communeA, by: Tree.actor).id == first.id)

            let visitID = try await store.create(bodyID: tree.province.id, unitID: tree.committeeA.id, kind: .unannounced, checklistID: first.id,
                                                 plannedFor: nil, year: 2026, by: Tree.actor)
            let second = try await store.saveChecklist(unitID: tree.province.id, items: Array(Checklist.directive26.prefix(3)), by: Tree.actor)
            #expect(second.version == 2)
            // Nothing can be marked before the visit starts.
            await #expect(throws: StoreError.conflict(field: "status", key: "visit_not_open")) {
                try await store.mark(visitID, personID: present.id, sighting: .seen, by: Tree.actor)
            }
            let start = Instant.parseLocal("2026-12-08 09:50")!
            try await store.start(visitID, at: start, leaderID: inspector.id, roll: [
                RollLine(personID: present.id, unitID: tree.committeeA.id, fullName: present.fullName, title: "Công chức", state: .present, detail: "07:02"),
                RollLine(personID: gone.id, unitID: tree.committeeA.id, fullName: gone.fullName, title: "Công chức", state: .late, detail: "07:40"),
                RollLine(personID: noPunch.id, unitID: tree.committeeA.id, fullName: noPunch.fullName, title: "Công chức", state: .notArrived, detail: ""),
                RollLine(personID: away.id, unitID: tree.committeeA.id, fullName: away.fullName, title: "Công chức", state: .onNotice, detail: "Công tác"),
            ], by: Tree.actor)
            await #expect(throws: StoreError.conflict(field: "status", key: "visit_not_planned")) {
                try await store.start(visitID, at: start, leaderID: nil, roll: [], by: Tree.actor)
            }
            #expect(try await store.mark(visitID, personID: present.id, sighting: .seen, by: Tree.actor) == nil)
            // A mark changed: the last one counts.
            #expect(try await store.mark(visitID, personID: gone.id, sighting: .seen, by: Tree.actor) == nil)
            #expect(try await store.mark(visitID, personID: gone.id, sighting: .notSeen, by: Tree.actor) == .punchedNotPresent)
            #expect(try await store.mark(visitID, personID: noPunch.id, sighting: .seen, by: Tree.actor) == .presentNoPunch)
            await #expect(throws: StoreError.notFound("person")) { try await store.mark(visitID, personID: inspector.id, sighting: .seen, by: Tree.actor) }

            // The office already opened a case on Cao Văn Quên's day: the minutes link to it, not a second one.
            let existing = try await ExplanationStore(database: db).open(
                Explanation(personID: noPunch.id, day: Day("2026-12-08")!, verdict: .missingPunch, minutes: 0, openedAt: start, openedBy: nil,
                            dueAt: start.addingTimeInterval(86400)), by: Tree.actor)

            for item in first.items where item.code != "badges" {
                try await store.answer(visitID, code: item.code, result: item.code == "reception_schedule" ? .fail : .pass, note: "", by: Tree.actor)
            }
            await #expect(throws: ValidationErrors([FieldError("items", "checklist_item_unknown")])) {
                try await store.answer(visitID, code: "weather", result: .pass, note: "", by: Tree.actor)
            }
            try await store.addPhoto(visitID, code: "reception_schedule", sha256: String(repeating: "a", count: 64), ext: "jpg", size: 1200, by: Tree.actor)
            try await store.addPhoto(visitID, code: "reception_schedule", sha256: String(repeating: "a", count: 64), ext: "jpg", size: 1200, by: Tree.actor)
            try await store.recommend(visitID, Recommendation(text: "Niêm yết lịch tiếp công dân của Chủ tịch", ownerID: present.id, due: Day("2026-12-31")!),
                                      by: Tree.actor)
            try await store.setText(visitID, representative: "Ông An Văn Có, Chánh Văn phòng", conclusions: "Cơ bản chấp hành tốt.", by: Tree.actor)

            // Not everyone is marked and one item is unanswered: refused, naming what is missing.
            let dues = [gone.id: start.addingTimeInterval(3 * 86400)]
            await #expect(throws: StoreError.conflict(field: "roll", key: "visit_roll_unmarked")) {
                try await store.finalise(visitID, inspectorPersonID: inspector.id, explanationDue: dues, by: Tree.actor)
            }
            _ = try await store.mark(visitID, personID: away.id, sighting: .notSeen, by: Tree.actor)
            await #expect(throws: StoreError.conflict(field: "items", key: "visit_items_unanswered")) {
                try await store.finalise(visitID, inspectorPersonID: inspector.id, explanationDue: dues, by: Tree.actor)
            }
            try await store.answer(visitID, code: "badges", result: .notApplicable, note: "Mới được cấp thẻ", by: Tree.actor)
            let done = try await store.finalise(visitID, at: start.addingTimeInterval(3600), inspectorPersonID: inspector.id, explanationDue: dues, by: Tree.actor)
            #expect(done.visit.status == .finalised && done.visit.number == 1 && done.visit.contentHash?.count == 64)
            #expect(done.photos.count == 1)
            // Two violators: the one seen without a punch keeps their open case; the other gets a new one due in three days.
            #expect(done.violations.map(\.kind) == [.punchedNotPresent, .presentNoPunch])
            #expect(done.violations.last?.explanationID == existing.id)
            let newCaseID = try #require(done.violations.first?.explanationID)
            let newCase = try #require(try await ExplanationStore(database: db).get(newCaseID))
            #expect(newCase.explanation.personID == gone.id && newCase.explanation.verdict == .absent && newCase.explanation.dueAt == dues[gone.id])
            // The recommendation became a corrective task led by its owner, given by the inspector, sourced to the visit.
            let taskID = try #require(done.recommendations.first?.taskID)
            let task = try #require(try await TaskStore(database: db).get(taskID)).task
            #expect(task.ownerID == present.id && task.assignerID == inspector.id && task.source.kind == .inspection
                    && task.source.recordType == "inspection_visit" && task.source.recordID == visitID && task.due == Day("2026-12-31")!)
            #expect(try await store.verify(visitID))

            // Locked: no more marks or answers; addenda are the only change, and they cannot be edited.
            await #expect(throws: StoreError.conflict(field: "status", key: "visit_not_open")) {
                try await store.answer(visitID, code: "badges", result: .pass, note: "", by: Tree.actor)
            }
            try await store.addendum(visitID, text: "Bổ sung: thẻ công chức đã được cấp ngày 9/12.", by: Tree.actor)
            #expect(try await store.record(visitID)?.addenda.count == 1)
            await #expect(throws: (any Error).self) { try await db.write { sql in try await sql.raw("DELETE FROM inspection_addenda").run() } }
            #expect(try await store.verify(visitID))

            // A second visit gets the next number; the visit list shows inspected units only finalised minutes.
            let planned = try await store.create(bodyID: tree.province.id, unitID: tree.committeeB.id, kind: .planned, checklistID: second.id,
                                                 plannedFor: Day("2026-12-20")!, year: 2026, by: Tree.actor)
            #expect(try await store.visits(scopes: [tree.communeB.path], finalisedOnly: true).isEmpty)
            #expect(try await store.visits(scopes: [tree.province.path], finalisedOnly: false).map(\.id) == [planned, visitID])

            // Coverage: one of the two communes visited; one failure under reception; one overdue-free open recommendation.
            let report = try await store.coverage(body: tree.province, year: 2026, today: Day("2026-12-10")!)
            #expect(report.units.map(\.id) == [tree.communeA.id, tree.communeB.id])
            #expect((report.coverage.inspected, report.coverage.inScope) == (1, 2) && report.coverage.never == [tree.communeB.id])
            #expect(report.failuresByTheme == ["reception": 1])
            #expect(report.violationsByKind == [.punchedNotPresent: 1, .presentNoPunch: 1])
            #expect(report.violationsByUnit == [tree.communeA.id: 2])
            #expect((report.recommendationsOpen, report.recommendationsOverdue, report.recommendationsDone) == (1, 0, 0))
            let later = try await store.coverage(body: tree.province, year: 2026, today: Day("2027-01-05")!)
            #expect(later.recommendationsOverdue == 1)
            // A plan narrows the scope to its units.
            _ = try await store.createPlan(bodyID: tree.province.id, year: 2026,
                                           PlanDraft(title: "Kế hoạch kiểm tra công vụ 2026", units: [tree.communeB.id: 2], team: [inspector.id: .leader]),
                                           by: Tree.actor)
            let planned2 = try await store.coverage(body: tree.province, year: 2026, today: Day("2026-12-10")!)
            #expect((planned2.coverage.inspected, planned2.coverage.inScope) == (0, 1))
            #expect(try await store.plans(bodyID: tree.province.id, year: 2026).first?.draft.team == [inspector.id: .leader])
            // Someone changing a result behind the application's back is caught by the hash.
            try await db.write { sql in try await sql.update("inspection_results").set("result", to: "pass").where("code", .equal, "reception_schedule").run() }
            #expect(try await store.verify(visitID) == false)
        }
    }

    @Test(arguments: TestDatabases.kinds)
    func theFailuresOfFinalisedMinutesAreCountedByTheme(kind: DatabaseKind) async throws {
        try await TestDatabases.withFresh(kind) { db, _ in
            let tree = try await Tree.make(db)
            let store = InspectionStore(database: db)
            let inspector = try await Tree.person(db, "Nguyễn Thanh Tra", in: tree.province)
            let short = try await store.currentChecklist(body: tree.communeA, short: true, by: Tree.actor)
            #expect(short.short && short.items == Checklist.dutyShort && short.unitID == tree.communeA.id)
            let id = try await store.create(bodyID: tree.province.id, unitID: tree.committeeA.id, kind: .unannounced, checklistID: short.id,
                                            plannedFor: nil, year: 2026, by: Tree.actor)
            try await store.start(id, at: Date(), leaderID: inspector.id, roll: [], by: Tree.actor)
            for item in short.items { try await store.answer(id, code: item.code, result: item.theme == "conduct" ? .fail : .pass, note: "", by: Tree.actor) }
            _ = try await store.finalise(id, inspectorPersonID: inspector.id, explanationDue: [:], by: Tree.actor)
            let report = try await store.coverage(body: tree.province, year: 2026, today: Day("2026-12-10")!)
            #expect(report.failuresByTheme == ["conduct": 3])
            #expect(try await store.verify(id))
        }
    }

    @Test(arguments: TestDatabases.kinds)
    func theDutyRosterTurnsAndCountsTheWeeksChecks(kind: DatabaseKind) async throws {
        try await TestDatabases.withFresh(kind) { db, _ in
            let tree = try await Tree.make(db)
            let units = UnitStore(database: db)
            let finance = try await units.create(.init(parentID: tree.committeeA.id, kind: .department, code: "TC", name: "Phòng Tài chính"), by: Tree.actor)
            let home = try await units.create(.init(parentID: tree.committeeA.id, kind: .department, code: "NV", name: "Phòng Nội vụ"), by: Tree.actor)
            let store = InspectionStore(database: db)
            let week = DutyWeek(containing: Day("2026-12-07")!)
            await #expect(throws: ValidationErrors.self) {
                try await store.saveRoster(unitID: tree.committeeA.id, order: [finance.id], start: week, minimumChecks: 3, by: Tree.actor)
            }
            try await store.saveRoster(unitID: tree.committeeA.id, order: [finance.id, home.id], start: week, minimumChecks: 3, by: Tree.actor)
            try await store.swap(unitID: tree.committeeA.id, week: week.next, departmentID: finance.id, reason: "Phòng Nội vụ đi tập huấn", by: Tree.actor)
            await #expect(throws: ValidationErrors([FieldError("department", "not_in_rotation")])) {
                try await store.swap(unitID: tree.committeeA.id, week: week, departmentID: tree.committeeB.id, reason: "x y z", by: Tree.actor)
            }
            let roster = try #require(try await store.roster(unitID: tree.committeeA.id))
            let calendar = WorkCalendar(hours: .ngheAn, specialDays: [], years: 2026...2027)
            #expect(roster.rotation.onDuty(week, calendar: calendar) == finance.id)
            #expect(roster.rotation.onDuty(week.next, calendar: calendar) == finance.id && roster.swapReasons[week.next] == "Phòng Nội vụ đi tập huấn")
            #expect(roster.rotation.onDuty(week.next.next, calendar: calendar) == finance.id)  // the turns after a swap do not move
            // A request refused changes nothing; one approved takes effect, in the same transaction as its decision.
            let refused = try await store.requestSwap(unitID: tree.committeeA.id, week: week.next.next, departmentID: home.id, reason: "Xin đổi", by: Tree.actor)
            try await store.decideSwap(unitID: tree.committeeA.id, requestID: refused, approve: false, by: Tree.actor)
            #expect(try await store.roster(unitID: tree.committeeA.id)?.rotation.onDuty(week.next.next, calendar: calendar) == finance.id)
            let approved = try await store.requestSwap(unitID: tree.committeeA.id, week: week.next.next, departmentID: home.id, reason: "Xin đổi lần hai", by: Tree.actor)
            #expect(try await store.swapRequests(unitID: tree.committeeA.id).map(\.id) == [approved])
            try await store.decideSwap(unitID: tree.committeeA.id, requestID: approved, approve: true, by: Tree.actor)
            #expect(try await store.roster(unitID: tree.committeeA.id)?.rotation.onDuty(week.next.next, calendar: calendar) == home.id)
            await #expect(throws: StoreError.notFound("duty_swap_request")) {
                try await store.decideSwap(unitID: tree.committeeA.id, requestID: approved, approve: false, by: Tree.actor)
            }
            let short = try await store.currentChecklist(body: tree.committeeA, short: true, by: Tree.actor)
            for _ in 0..<2 {
                let id = try await store.create(bodyID: finance.id, unitID: home.id, kind: .dutyCheck, checklistID: short.id, plannedFor: nil, week: week,
                                                year: 2026, by: Tree.actor)
                try await store.start(id, at: Date(), leaderID: nil, roll: [], by: Tree.actor)
            }
            // A check created but never started does not count.
            _ = try await store.create(bodyID: finance.id, unitID: home.id, kind: .dutyCheck, checklistID: short.id, plannedFor: nil, week: week,
                                       year: 2026, by: Tree.actor)
            #expect(try await store.dutyChecks(underPath: tree.committeeA.path, week: week) == [home.id: 2])
            #expect(try await store.dutyChecks(underPath: tree.committeeA.path, week: week.next).isEmpty)
        }
    }
}
