import CongvuDomain
import CongvuStore
import Foundation

/// The demo's inspections (issue 21): the province's inspection team (the `thanhtra` account is its
/// leader), its plan for the year, unannounced visits to Gia Hưng and Gia Vân with a finding of
/// each kind, recommendations open, overdue and done, a planned visit to Nho Quan; and Gia Hưng's
/// weekly duty roster with last week's checks finalised and this week's under way. Everything goes
/// through the store, as the pages would, so hashes, explanation cases and tasks are real.
enum InspectionDemo {
    static let actor = Actor(id: nil, name: "demo")

    /// The province's inspectors, as people posted at the province; the inspector account becomes the leader.
    static func team(_ services: AppServices) async throws -> (leader: Person, secretary: Person, member: Person) {
        guard let province = try await services.units.byCode("37") else { throw StoreError.notFound("unit") }
        func person(_ name: String, _ title: String) async throws -> Person {
            try await services.people.create(Person(id: 0, fullName: name),
                                             assignment: Assignment(id: 0, personID: 0, unitID: province.id, title: title, category: .civilServant,
                                                                    isLeader: false, validFrom: Day("2025-07-01")!),
                                             by: actor, reason: "demo")
        }
        let leader = try await person("Trần Văn Thanh", "Phó Giám đốc Sở Nội vụ")
        let secretary = try await person("Lê Thị Tra", "Chuyên viên Sở Nội vụ")
        let member = try await person("Phạm Minh Kiểm", "Thanh tra viên Sở Nội vụ")
        if let account = try await services.accounts.byUsername("thanhtra") {
            try await services.accounts.setPerson(userID: account.id, person: leader, by: actor, reason: "demo")
        }
        return (leader, secretary, member)
    }

    static func load(_ services: AppServices, now: Date = Date()) async throws {
        let store = services.inspections.store
        let (leader, secretary, member) = try await team(services)
        guard let province = try await services.units.byCode("37"), let giaHung = try await services.units.byCode("14551-UB"),
              let giaVan = try await services.units.byCode("14554-UB"), let nhoQuan = try await services.units.byCode("14557-UB"),
              let calendar = try await services.shared.workCalendar(unitID: giaHung.id) else { throw StoreError.notFound("unit") }
        let today = Day(now, in: CivilTime.vietnam)
        let year = today.year
        var communes: [Int64] = []
        for committee in [giaHung, giaVan, nhoQuan] { if let id = committee.parentID { communes.append(id) } }
        _ = try await store.createPlan(bodyID: province.id, year: year, PlanDraft(
            title: "Kế hoạch kiểm tra công vụ năm \(year)", themes: "Giờ giấc làm việc; văn hóa công sở; Bộ phận Một cửa; phân công nhiệm vụ",
            decisionNumber: "125/QĐ-UBND", decisionDate: Day(year: year, month: 1, day: 15),
            units: Dictionary(uniqueKeysWithValues: communes.map { ($0, 2) }),
            team: [leader.id: .leader, secretary.id: .secretary, member.id: .member]), by: actor)
        let planID = try await store.plans(bodyID: province.id, year: year).first?.id
        let checklist = try await store.currentChecklist(body: province, by: actor)

        /// A working day `n` working days ago at a clock time.
        func moment(_ n: Int, _ hour: Int, _ minute: Int) throws -> Date {
            let day = try calendar.subtractingWorkingDays(n, from: today)
            return CivilTime.startOfDay(day).addingTimeInterval(TimeInterval(hour * 3600 + minute * 60))
        }

        // Gia Hưng, unannounced at 09:20 twelve working days ago: a finding of each kind.
        let visitA = try await store.create(bodyID: province.id, unitID: giaHung.id, kind: .unannounced, checklistID: checklist.id, plannedFor: nil,
                                            planID: planID, year: year, by: actor)
        let startA = try moment(12, 9, 20)
        try await store.start(visitA, at: startA, leaderID: leader.id, roll: try await services.inspections.roll(unit: giaHung, at: startA), by: actor)
        let rollA = try await store.record(visitA)?.roll ?? []
        var oneNotSeen = false, oneSeenWithoutPunch = false
        for line in rollA where InspectionRoll.needsMark(line.state) {
            var sighting = Sighting.seen
            switch line.state {
            case .present, .late:
                if !oneNotSeen { sighting = .notSeen; oneNotSeen = true }
            case .notArrived, .left:
                if oneSeenWithoutPunch { sighting = .notSeen } else { oneSeenWithoutPunch = true }
            default: sighting = .notSeen
            }
            try await store.mark(visitA, personID: line.personID, sighting: sighting, at: startA.addingTimeInterval(600), by: actor)
        }
        let failsA: [String: String] = ["reception_schedule": "Chưa niêm yết lịch tiếp công dân của Chủ tịch UBND xã.",
                                        "badges": "02 công chức không đeo thẻ.", "hours_at_visit": "Xem danh sách cá nhân vi phạm."]
        for item in checklist.items {
            let fail = failsA[item.code]
            try await store.answer(visitA, code: item.code, result: fail == nil ? .pass : .fail, note: fail ?? "", at: startA.addingTimeInterval(1800), by: actor)
        }
        if let owner = rollA.first(where: { $0.title.contains("Chủ tịch") }) ?? rollA.first {
            try await store.recommend(visitA, Recommendation(text: "Niêm yết lịch tiếp công dân của Chủ tịch UBND xã tại Bộ phận Một cửa", ownerID: owner.personID,
                                                             due: try calendar.subtractingWorkingDays(2, from: today)), by: actor)
        }
        if let owner = rollA.last {
            try await store.recommend(visitA, Recommendation(text: "Chấn chỉnh việc đeo thẻ công chức khi thi hành công vụ", ownerID: owner.personID,
                                                             due: try calendar.addingWorkingDays(10, to: today)), by: actor)
        }
        try await store.setText(visitA, representative: rollA.first(where: { $0.title.contains("Chủ tịch") })?.fullName ?? "",
                                conclusions: "UBND xã cơ bản chấp hành giờ giấc làm việc; còn cá nhân vắng mặt không thông báo, chưa niêm yết lịch tiếp công dân.",
                                by: actor)
        let endA = startA.addingTimeInterval(5400)
        var duesA: [Int64: Date] = [:]
        if let recordA = try await store.record(visitA) { duesA = try await services.inspections.explanationDue(recordA, at: endA) }
        _ = try await store.finalise(visitA, at: endA, inspectorPersonID: leader.id, explanationDue: duesA, by: actor)

        // Gia Vân, unannounced at 09:50 twenty-five working days ago: everyone in place, a recommendation done.
        let visitB = try await store.create(bodyID: province.id, unitID: giaVan.id, kind: .unannounced, checklistID: checklist.id, plannedFor: nil,
                                            planID: planID, year: year, by: actor)
        let startB = try moment(25, 9, 50)
        try await store.start(visitB, at: startB, leaderID: leader.id, roll: try await services.inspections.roll(unit: giaVan, at: startB), by: actor)
        let rollB = try await store.record(visitB)?.roll ?? []
        for line in rollB where InspectionRoll.needsMark(line.state) {
            let there = line.state == .present || line.state == .late
            try await store.mark(visitB, personID: line.personID, sighting: there ? .seen : .notSeen, at: startB.addingTimeInterval(600), by: actor)
        }
        for item in checklist.items {
            let fail = item.code == "national_emblem"
            try await store.answer(visitB, code: item.code, result: fail ? .fail : .pass, note: fail ? "Phòng họp chưa treo Quốc huy." : "",
                                   at: startB.addingTimeInterval(1800), by: actor)
        }
        if let owner = rollB.first {
            try await store.recommend(visitB, Recommendation(text: "Treo Quốc huy tại phòng họp của UBND xã", ownerID: owner.personID,
                                                             due: try calendar.subtractingWorkingDays(15, from: today)), by: actor)
        }
        try await store.setText(visitB, representative: rollB.first?.fullName ?? "", conclusions: "UBND xã chấp hành tốt giờ giấc làm việc.", by: actor)
        let doneB = try await store.finalise(visitB, at: startB.addingTimeInterval(4800), inspectorPersonID: leader.id, explanationDue: [:], by: actor)
        if let taskID = doneB.recommendations.first?.taskID {
            // The commune reported it done and the team leader judged it worked.
            let tasks = services.tasks.tasks
            let reported = try await tasks.act(taskID, TaskStep(action: .reportDone, version: 1, note: "Đã treo Quốc huy tại phòng họp."),
                                               at: try moment(18, 10, 0), by: actor)
            _ = try await tasks.act(taskID, TaskStep(action: .accept, version: reported.version, note: "Đã kiểm tra lại, đạt.", quality: .good),
                                    at: try moment(16, 9, 0), by: actor)
        }

        // Nho Quan: planned for next week.
        _ = try await store.create(bodyID: province.id, unitID: nhoQuan.id, kind: .planned, checklistID: checklist.id,
                                   plannedFor: try calendar.addingWorkingDays(5, to: today), planID: planID, year: year, by: actor)

        try await dutyRoster(services, committee: giaHung, calendar: calendar, today: today, now: now)
    }

    /// Gia Hưng's weekly duty roster: its departments in turn since two weeks ago; last week's checks
    /// done (three of each other department), this week's begun.
    static func dutyRoster(_ services: AppServices, committee: OrgUnit, calendar: WorkCalendar, today: Day, now: Date) async throws {
        let store = services.inspections.store
        let departments = try await services.units.list(scopes: [committee.path]).filter { $0.parentID == committee.id }.sorted { $0.code < $1.code }
        guard departments.count >= 2 else { return }
        let thisWeek = DutyWeek(containing: today)
        try await store.saveRoster(unitID: committee.id, order: departments.map(\.id), start: thisWeek.previous.previous, minimumChecks: 3, by: actor)
        guard let roster = try await store.roster(unitID: committee.id) else { return }
        let short = try await store.currentChecklist(body: committee, short: true, by: actor)
        for (week, finished) in [(thisWeek.previous, true), (thisWeek, false)] {
            guard let onDuty = roster.rotation.onDuty(week, calendar: calendar), let body = departments.first(where: { $0.id == onDuty }) else { continue }
            let checker = try await services.people.search("", scopes: [body.path], on: today, limit: 1).items.first?.person.id
            let days = week.days().filter { calendar.isWorkingDay($0) && $0 <= today }
            for checked in departments where checked.id != onDuty {
                let times = finished ? min(3, days.count) : min(2, days.count)
                for i in 0..<times {
                    let at = CivilTime.startOfDay(days[i % days.count]).addingTimeInterval(TimeInterval((8 + i * 2) * 3600 + 15 * 60))
                    guard at < now else { continue }
                    let id = try await store.create(bodyID: onDuty, unitID: checked.id, kind: .dutyCheck, checklistID: short.id, plannedFor: nil,
                                                    week: week, year: week.start.year, by: actor)
                    try await store.start(id, at: at, leaderID: checker, roll: try await services.inspections.roll(unit: checked, at: at), by: actor)
                    guard finished, let checkerID = checker, let record = try await store.record(id) else { continue }
                    for line in record.roll where InspectionRoll.needsMark(line.state) {
                        let there = line.state == .present || line.state == .late
                        try await store.mark(id, personID: line.personID, sighting: there ? .seen : .notSeen, at: at.addingTimeInterval(300), by: actor)
                    }
                    for item in short.items {
                        try await store.answer(id, code: item.code, result: .pass, note: "", at: at.addingTimeInterval(600), by: actor)
                    }
                    _ = try await store.finalise(id, at: at.addingTimeInterval(1200), inspectorPersonID: checkerID, explanationDue: [:], by: actor)
                }
            }
        }
    }
}
