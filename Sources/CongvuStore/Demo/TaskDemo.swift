import CongvuDomain
import Foundation
import SQLKit

/// Three months of tasks in each demo commune, through the task store as people would make them:
/// a province plan split by the chairman into department tasks, monthly reports, a few done early,
/// on time and late, one extended, one returned for rework, some overdue, and at Gia Hưng a
/// civil servant transferred to Gia Vân ten days ago whose open tasks wait to be reassigned.
enum TaskDemo {
    struct Staff {
        var chairman: Int64
        var office: Int64
        var heads: [Int64]
        var clerks: [Int64]
        var committee: OrgUnit
    }

    static func staff(_ db: Database, commune code: String) async throws -> Staff? {
        try await db.read { sql -> Staff? in
            guard let committee = try await sql.select().column("*").from("units").where("code", .equal, "\(code)-UB").first().map(UnitStore.decode)
            else { return nil }
            func people(_ title: String) async throws -> [Int64] {
                try await sql.select().column(col("a.person_id")).from(SQLAlias(SQLIdentifier("assignments"), as: SQLIdentifier("a")))
                    .join(SQLAlias(SQLIdentifier("units"), as: SQLIdentifier("u")), on: SQLRaw("u.id = a.unit_id"))
                    .where(col("a.title"), .equal, SQLBind(title)).where(col("u.path"), .like, SQLBind(committee.path + "%"))
                    .where(col("a.valid_to"), .is, SQLLiteral.null).orderBy(col("a.person_id")).all()
                    .map { try $0.decode(column: "person_id", as: Int64.self) }
            }
            guard let chairman = try await people("Chủ tịch UBND xã").first, let office = try await people("Chánh Văn phòng").first else { return nil }
            let heads = try await people("Trưởng phòng Kinh tế") + people("Trưởng phòng Văn hóa - Xã hội")
            let clerks = try await people("Công chức Văn phòng - Thống kê") + people("Công chức Địa chính - Xây dựng") + people("Công chức Văn hóa - Xã hội")
            return Staff(chairman: chairman, office: office, heads: heads, clerks: clerks, committee: committee)
        }
    }

    static func load(into db: Database, now: Date = Date()) async throws {
        let store = TaskStore(database: db)
        let units = UnitStore(database: db)
        let today = Day(now, in: CivilTime.vietnam)
        let demo = Actor(id: nil, name: "demo")
        func at(_ day: Day, _ hour: Int = 8) -> Date { CivilTime.startOfDay(day).addingTimeInterval(TimeInterval(hour * 3600 + 1800)) }
        for (ci, code) in ["14551", "14554", "14557"].enumerated() {
            guard let s = try await staff(db, commune: code), s.clerks.count >= 6, s.heads.count >= 2 else { continue }
            let calendar = try await CalendarStore(database: db).workCalendar(for: s.committee, years: (today.year - 1)...(today.year + 1))
            func day(workingDaysFromToday n: Int) -> Day {
                n >= 0 ? ((try? calendar.addingWorkingDays(n, to: today)) ?? today) : today.minusWorkingDays(-n, calendar)
            }
            func task(_ title: String, by assigner: Int64, to owner: Int64, given: Day, due: Day, priority: WorkTask.Priority = .normal,
                      source: TaskSource = .none, content: String = "", co: [Int64] = [], parent: Int64? = nil) async throws -> WorkTask {
                try await store.create(WorkTask(unitID: s.committee.id, year: given.year, title: title, content: content, source: source,
                                                assignerID: assigner, ownerID: owner, priority: priority, assignedAt: at(given), due: due,
                                                parentID: parent), coOwners: co, by: demo)
            }
            func step(_ t: WorkTask, _ action: TaskAction, on day: Day, hour: Int = 10, note: String = "", percent: Int? = nil,
                      due: Day? = nil, quality: WorkTask.Quality? = nil) async throws -> WorkTask {
                try await store.act(t.id, TaskStep(action: action, version: t.version, note: note, percent: percent, due: due, quality: quality),
                                    at: at(day, hour), by: demo)
            }
            // The province's plan, split by the chairman: done on time, one extended, one overdue.
            let planDay = day(workingDaysFromToday: -40)
            let plan = TaskSource(kind: .document, reference: "125/KH-UBND", date: planDay.minusWorkingDays(3, calendar))
            let lead = try await task("Triển khai Kế hoạch cải cách hành chính năm \(today.year) của tỉnh", by: s.chairman, to: s.office,
                                      given: planDay, due: day(workingDaysFromToday: 15), priority: .high, source: plan,
                                      content: "Xây dựng kế hoạch của xã, phân công các phòng, báo cáo kết quả hằng tháng.")
            var l = try await step(lead, .acknowledge, on: planDay)
            l = try await step(l, .progress, on: day(workingDaysFromToday: -20), note: "Đã ban hành kế hoạch của xã, phân công 2 phòng.", percent: 60)
            let economy = try await task("Rà soát thủ tục lĩnh vực đất đai niêm yết tại Bộ phận một cửa", by: s.chairman, to: s.heads[0],
                                         given: planDay, due: day(workingDaysFromToday: -25), source: plan, co: [s.clerks[3]], parent: lead.id)
            var e = try await step(economy, .acknowledge, on: planDay)
            e = try await step(e, .reportDone, on: day(workingDaysFromToday: -26), note: "Đã rà soát 42 thủ tục, niêm yết bổ sung 3 thủ tục.")
            _ = try await step(e, .accept, on: day(workingDaysFromToday: -24), quality: .good)
            let culture = try await task("Khảo sát sự hài lòng của người dân quý IV", by: s.chairman, to: s.heads[1],
                                         given: planDay, due: day(workingDaysFromToday: -10), source: plan, parent: lead.id)
            var c = try await step(culture, .acknowledge, on: planDay.plusWorkingDays(1, calendar))
            c = try await step(c, .requestExtension, on: day(workingDaysFromToday: -12), note: "Chờ phiếu khảo sát của tỉnh.",
                               due: day(workingDaysFromToday: 4))
            c = try await step(c, .approveExtension, on: day(workingDaysFromToday: -11))
            _ = try await step(c, .progress, on: day(workingDaysFromToday: -3), note: "Đã phát 150/300 phiếu.", percent: 50)
            // Monthly reports from the office: the last working day of each of the last three months.
            let monthly = Recurrence("FREQ=MONTHLY;BYMONTHDAY=-1")!
            let months = monthly.occurrences(from: Month(today).previous.previous.previous.first, through: today, calendar: calendar)
            for (i, due) in months.enumerated() {
                let r = try await task("Báo cáo tình hình kinh tế - xã hội tháng \(due.month)/\(due.year)", by: s.chairman, to: s.clerks[0],
                                       given: due.minusWorkingDays(10, calendar), due: due,
                                       source: TaskSource(kind: .instruction, reference: "Chủ tịch UBND xã"))
                var m = try await step(r, .acknowledge, on: due.minusWorkingDays(9, calendar))
                // The second month was sent back once, then done late.
                m = try await step(m, .reportDone, on: i == 1 ? due : due.minusWorkingDays(1, calendar), note: "Đã gửi báo cáo qua hệ thống.")
                if i == 1 {
                    m = try await step(m, .returnForRework, on: due, hour: 15, note: "Thiếu số liệu thu ngân sách.")
                    m = try await step(m, .reportDone, on: due.plusWorkingDays(2, calendar), note: "Đã bổ sung số liệu thu ngân sách.")
                }
                _ = try await step(m, .accept, on: due.plusWorkingDays(3, calendar), quality: i == 1 ? .satisfactory : .good)
            }
            // Open work: one overdue, one due soon and unacknowledged, one reported waiting for evaluation.
            let overdue = try await task("Cập nhật hồ sơ cán bộ, công chức vào cơ sở dữ liệu của tỉnh", by: s.office, to: s.clerks[0],
                                         given: day(workingDaysFromToday: -15), due: day(workingDaysFromToday: -3))
            _ = try await step(overdue, .progress, on: day(workingDaysFromToday: -8), note: "Đã cập nhật 40/62 hồ sơ.", percent: 65)
            _ = try await task("Chuẩn bị hội nghị tiếp xúc cử tri", by: s.chairman, to: s.heads[1], given: day(workingDaysFromToday: -2),
                               due: day(workingDaysFromToday: 3), priority: .urgent, co: [s.office])
            let reported = try await task("Kiểm tra hiện trạng sử dụng đất công ích thôn Đông", by: s.heads[0], to: s.clerks[2],
                                          given: day(workingDaysFromToday: -9), due: day(workingDaysFromToday: 2))
            let rp = try await step(reported, .acknowledge, on: day(workingDaysFromToday: -9))
            _ = try await step(rp, .reportDone, on: day(workingDaysFromToday: -1), note: "Đã lập biên bản hiện trạng, đề xuất thu hồi 2 thửa.")
            // Written duties, approved when the commune was formed, for all but two newest clerks.
            let unwritten = Array(s.clerks.suffix(2))
            let written = Instant.format(at(Day("2025-07-03")!)), approved = Instant.format(at(Day("2025-07-07")!))
            // The whole commune: its People's Committee and its Party Committee alike.
            var communePath = s.committee.path
            if let parent = s.committee.parentID, let commune = try await units.get(parent) { communePath = commune.path }
            let path = communePath
            try await db.write { sql in
                try await sql.raw("""
                    INSERT INTO standing_duties (person_id, unit_id, valid_from, text, status, written_by, written_at, approved_by, approved_at)
                    SELECT a.person_id, a.unit_id, a.valid_from,
                           'Thực hiện nhiệm vụ ' || a.title || ' theo quy định; tham mưu, tổng hợp, báo cáo theo lĩnh vực được giao.',
                           'approved', 'demo', \(bind: written), 'Chủ tịch UBND xã', \(bind: approved)
                    FROM assignments a JOIN units u ON u.id = a.unit_id
                    WHERE u.path LIKE \(bind: path + "%") AND a.valid_to IS NULL AND a.person_id NOT IN (\(bind: unwritten[0]), \(bind: unwritten[1]))
                    """).run()
            }
            // Last week's duty books: the office on time, the Economy department late, Culture never.
            let lastWeek = DutyWeek(containing: today).previous
            let books = DutyBookStore(database: db)
            for (code, hour, summary) in [("VP", 15, "Hoàn thành các báo cáo định kỳ đúng hạn."), ("KT", 18, "Giải quyết xong hồ sơ đất đai tồn đọng.")] {
                guard let unit = try await units.byCode("\(s.committee.code.dropLast(3))-\(code)") else { continue }
                let lines = try await books.lines(unitPath: unit.path, week: lastWeek)
                _ = try await books.save(unitID: unit.id, week: lastWeek,
                                         comments: Dictionary(lines.prefix(3).map { ($0.task.task.id, "Đã nắm tình hình, đôn đốc thực hiện.") }, uniquingKeysWith: { a, _ in a }),
                                         strengths: summary, weaknesses: "Còn việc chậm do chờ số liệu của cấp trên.", version: 0, submit: true,
                                         at: at(lastWeek.days().last!, hour), by: demo)
            }
            // Gia Hưng: a civil servant transferred to Gia Vân ten working days ago left two open tasks.
            if ci == 0, let other = try await units.byCode("14554-KT") {
                let mover = s.clerks[5]
                for title in ["Lập danh sách hộ nghèo, cận nghèo năm \(today.year + 1)", "Theo dõi công trình đường giao thông thôn Bắc"] {
                    let t = try await task(title, by: s.heads[0], to: mover, given: day(workingDaysFromToday: -20), due: day(workingDaysFromToday: 5))
                    _ = try await step(t, .acknowledge, on: day(workingDaysFromToday: -19))
                }
                let from = day(workingDaysFromToday: -10)
                try await PeopleStore(database: db).move(
                    personID: mover, to: Assignment(id: 0, personID: mover, unitID: other.id, title: "Công chức Địa chính - Xây dựng",
                                                    category: .civilServant, isLeader: false, validFrom: from),
                    by: demo, reason: "Điều động theo Quyết định của Chủ tịch UBND tỉnh")
            }
        }
    }
}

extension Day {
    /// The demo's dates counted on a commune's calendar (the calendar's own arithmetic).
    func minusWorkingDays(_ n: Int, _ calendar: WorkCalendar) -> Day {
        n == 0 ? self : (try? calendar.subtractingWorkingDays(n, from: self)) ?? self
    }

    func plusWorkingDays(_ n: Int, _ calendar: WorkCalendar) -> Day { (try? calendar.addingWorkingDays(n, to: self)) ?? self }
}
