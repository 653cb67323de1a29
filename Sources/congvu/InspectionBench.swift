import ArgumentParser
import CongvuDomain
import CongvuServer
import CongvuStore
import Foundation
import Logging
import SQLKit

extension BenchCommand {
    /// Issue 21's benchmark: the visit page of a 200-person unit (everyone's attendance state at the
    /// visit's minute, and the stored visit read back), and a province-year's coverage (130 units,
    /// 2,000 visits), each beside a floor measured in the same run.
    struct InspectionBench: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "inspections",
            abstract: "A 200-person unit's roll at a minute and its visit read back; a province-year's coverage (a fresh SQLite file, or --database-url).")
        @Option(help: "People in the inspected unit.") var people = 200
        @Option(help: "Communes in the province.") var units = 130
        @Option(help: "Visits in the year.") var visits = 2_000
        @Option(name: .customLong("database-url"), help: "postgres://… to measure PostgreSQL (its tables must be empty).") var databaseURL: String?
        @Option(help: "Repetitions of each measurement.") var runs = 300

        func run() async throws {
            let (db, dir) = try await BenchCommand.openDatabase(databaseURL: databaseURL, keep: nil)
            defer {
                try? FileManager.default.removeItem(atPath: dir)
                Task { await db.shutdown() }
            }
            var config = AppConfig()
            config.dataDirectory = dir
            config.bcryptCost = 4
            config.cameras = false
            config.notifications = false
            var logger = Logger(label: "bench")
            logger.logLevel = .error
            let services = try await AppServices.open(config: config, database: db, logger: logger)
            let actor = Actor(id: nil, name: "bench")
            let unitStore = services.units, peopleStore = services.people
            let province = try await unitStore.create(.init(parentID: nil, kind: .province, code: "BT", name: "Tỉnh Thử"), by: actor)
            try await db.write { sql in
                try await sql.insert(into: "office_hours").columns("unit_id", "valid_from", "seasons", "created_at")
                    .values(SQLBind(province.id), SQLBind("2025-01-01"), SQLBind(OfficeHours.ngheAn.text), SQLBind(Instant.format(Date()))).run()
            }
            var committees: [OrgUnit] = []
            for i in 0..<units {
                let c = try await unitStore.create(.init(parentID: province.id, kind: .commune, code: "BT-\(i)", name: "Xã Thử \(i + 1)"), by: actor)
                committees.append(try await unitStore.create(.init(parentID: c.id, kind: .peoplesCommittee, code: "BT-\(i)-UB", name: "UBND xã Thử \(i + 1)"),
                                                             by: actor))
            }
            // The inspected unit: its people, punches on the day (some late, some none), notices for a few.
            let unit = committees[0]
            let thisYear = Day(Date(), in: CivilTime.vietnam).year
            let calendar = try await services.calendars.workCalendar(for: unit, years: (thisYear - 1)...(thisYear + 1))
            let day = try calendar.subtractingWorkingDays(1, from: Day(Date(), in: CivilTime.vietnam))
            let morning = CivilTime.startOfDay(day)
            var ids: [Int64] = []
            for i in 0..<people {
                let p = try await peopleStore.create(Person(id: 0, fullName: "Cán Bộ \(i)"),
                                                     assignment: Assignment(id: 0, personID: 0, unitID: unit.id, title: "Công chức", category: .civilServant,
                                                                            isLeader: i == 0, validFrom: Day("2025-07-01")!), by: actor)
                ids.append(p.id)
            }
            for (i, id) in ids.enumerated() {
                if i % 10 == 9 { continue }  // no punch
                let minutes = 7 * 60 + 5 + (i % 7) * 9  // 07:05 … 08:00
                _ = try await services.attendance.punches.record(PunchInput(personID: id, at: morning.addingTimeInterval(TimeInterval(minutes * 60)), source: .kiosk,
                                                                            method: .card, device: "bench", idempotencyKey: "bench:\(id)"), by: actor)
                if i % 25 == 0 {
                    let r = try await services.attendance.absences.file(
                        AbsenceRequest(id: 0, personID: id, kind: .businessTrip, place: "Huyện", purpose: "Họp", from: morning.addingTimeInterval(8 * 3600),
                                       to: morning.addingTimeInterval(11 * 3600), filedAt: morning), by: actor)
                    _ = try await services.attendance.absences.decide(r.id, approve: true, note: "", by: actor)
                }
            }
            let minute = morning.addingTimeInterval(9 * 3600 + 50 * 60)
            let store = services.inspections.store
            let checklist = try await store.currentChecklist(body: province, by: actor)

            func percentiles(_ label: String, _ body: () async throws -> Void) async throws {
                var times: [Duration] = []
                for _ in 0..<runs { times.append(try await ContinuousClock().measure { try await body() }) }
                times.sort()
                print("\(label)\tp50 \(times[runs / 2])\tp99 \(times[runs * 99 / 100])")
            }
            print("database: \(databaseURL == nil ? "SQLite" : "PostgreSQL"); a unit of \(people) people on \(day), the roll at 09:50")
            try await percentiles("floor: the unit's punches of the day, one query") {
                _ = try await services.attendance.punches.punches(personIDs: ids, from: morning, to: morning.addingTimeInterval(86400))
            }
            var roll: [RollLine] = []
            try await percentiles("the roll: everyone's state at the minute (posts, rules, punches, notices)") {
                roll = try await services.inspections.roll(unit: unit, at: minute)
            }
            let visit = try await store.create(bodyID: province.id, unitID: unit.id, kind: .unannounced, checklistID: checklist.id, plannedFor: nil,
                                               year: day.year, by: actor)
            try await store.start(visit, at: minute, leaderID: nil, roll: roll, by: actor)
            for line in roll where InspectionRoll.needsMark(line.state) {
                try await store.mark(visit, personID: line.personID, sighting: line.state == .notArrived ? .notSeen : .seen, by: actor)
            }
            let states = Dictionary(grouping: roll, by: \.state).map { "\($0.key.rawValue) \($0.value.count)" }.sorted().joined(separator: ", ")
            print("roll: \(roll.count) people (\(states))")
            try await percentiles("floor: the visit's row by id") { _ = try await store.visit(visit) }
            try await percentiles("the visit page's data: the visit with its \(roll.count) roll lines, answers, photos, violations") {
                _ = try await store.record(visit)
            }

            // A province-year: visits spread over the communes' committees (a tenth never visited),
            // each finalised with its answers, some with violations; recommendations with tasks.
            let year = day.year
            let yearStart = CivilTime.startOfDay(Day(year: year, month: 1, day: 5)!)
            let committeeList = committees, staff = ids
            let made = try await ContinuousClock().measure {
                try await db.write { sql in
                    var rng = SystemRandomNumberGenerator()
                    for v in 0..<visits {
                        let target = committeeList[1 + v % (units - units / 10 - 1)]
                        let at = Instant.format(yearStart.addingTimeInterval(TimeInterval((v * 7919) % (300 * 86400))))
                        let row = try await sql.insert(into: "inspection_visits")
                            .columns("body_id", "unit_id", "kind", "status", "checklist_id", "year", "started_at", "ended_at", "number", "content_hash",
                                     "finalised_at", "finalised_by", "created_at", "created_by")
                            .values(SQLBind(province.id), SQLBind(target.id), SQLBind("unannounced"), SQLBind("finalised"), SQLBind(checklist.id), SQLBind(year),
                                    SQLBind(at), SQLBind(at), SQLBind(v + 1), SQLBind(String(repeating: "0", count: 64)), SQLBind(at), SQLBind("bench"),
                                    SQLBind(at), SQLBind("bench"))
                            .returning("id").first()
                        let id = try row!.decode(column: "id", as: Int64.self)
                        var insert = sql.insert(into: "inspection_results").columns("visit_id", "code", "result", "note", "marked_at", "marked_by")
                        for item in checklist.items {
                            let fail = Int.random(in: 0..<20, using: &rng) == 0
                            insert = insert.values(SQLBind(id), SQLBind(item.code), SQLBind(fail ? "fail" : "pass"), SQLBind(""), SQLBind(at), SQLBind("bench"))
                        }
                        try await insert.run()
                        if v % 4 == 0 {
                            let who = staff[v % staff.count]
                            try await sql.insert(into: "inspection_roll").columns("visit_id", "person_id", "unit_id", "full_name", "title", "state", "sighting", "finding")
                                .values(SQLBind(id), SQLBind(who), SQLBind(unit.id), SQLBind("Cán Bộ"), SQLBind("Công chức"), SQLBind("not_arrived"),
                                        SQLBind("not_seen"), SQLBind("absent_without_notice")).run()
                            try await sql.insert(into: "inspection_violations").columns("visit_id", "person_id", "kind", "at")
                                .values(SQLBind(id), SQLBind(who), SQLBind("absent_without_notice"), SQLBind(at)).run()
                        }
                        if v % 5 == 0 {
                            let task = try await TaskStore.insert(WorkTask(unitID: target.id, year: year, title: "Khắc phục \(v)", assignerID: staff[0],
                                                                           ownerID: staff[1], assignedAt: yearStart, due: day), by: actor, in: sql, kind: db.kind)
                            try await sql.insert(into: "inspection_recommendations").columns("visit_id", "text", "owner_id", "due", "task_id")
                                .values(SQLBind(id), SQLBind("Khắc phục \(v)"), SQLBind(staff[1]), SQLBind(day.description), SQLBind(task.id)).run()
                        }
                    }
                }
            }
            if db.kind == .postgres {
                try await db.read { sql in
                    for table in ["inspection_visits", "inspection_results", "inspection_violations", "inspection_recommendations", "tasks"] {
                        try await sql.raw("VACUUM ANALYZE \(unsafeRaw: table)").run()
                    }
                }
            } else {
                try await db.write { sql in try await sql.raw("ANALYZE").run() }
            }
            print("a province-year: \(units) communes, \(visits) visits with \(checklist.items.count) answers each, written in \(made)")
            try await percentiles("floor: the body's visits of the year, counted") {
                _ = try await db.read { sql in
                    try await sql.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from("inspection_visits")
                        .where("body_id", .equal, province.id).where("year", .equal, year).first()
                }
            }
            var report: CoverageReport?
            try await percentiles("coverage: units inspected, never, last visit, failures by theme, violations, recommendations") {
                report = try await store.coverage(body: province, year: year, today: day)
            }
            if let report {
                print("coverage: \(report.coverage.inspected)/\(report.coverage.inScope) units, \(report.visits) visits, failures \(report.failuresByTheme.values.reduce(0, +)), "
                      + "violations \(report.violationsByKind.values.reduce(0, +)), recommendations open \(report.recommendationsOpen)")
            }
        }
    }
}
