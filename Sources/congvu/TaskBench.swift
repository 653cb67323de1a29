import ArgumentParser
import CongvuDomain
import CongvuServer
import CongvuStore
import Foundation
import Logging
import SQLKit

extension BenchCommand {
    /// A province's five years of tasks: a person's list, a unit's board, a week of duty books and a
    /// bulk reassignment, each beside a floor measured in the same run. With `--keep` (SQLite) or
    /// `--database-url`, the data stays and two API tokens are printed for `wrk` against `congvu serve`.
    struct TaskBench: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "tasks",
            abstract: "Five years of a province's tasks: lists, boards, duty books and reassignment (a fresh SQLite file, or --database-url).")
        @Option(help: "Tasks over the five years.") var tasks = 1_000_000
        @Option(help: "Units (communes), each with its people.") var units = 130
        @Option(help: "People per unit.") var people = 20
        @Option(help: "The last of the five years.") var year = 2026
        @Option(name: .customLong("database-url"), help: "postgres://… to measure PostgreSQL (its tables must be empty).") var databaseURL: String?
        @Option(help: "Repetitions of each measurement.") var runs = 500
        @Option(help: "Keep the SQLite data directory here (to serve it afterwards with `congvu serve --data-dir`).") var keep: String?

        func run() async throws {
            let (db, dir) = try await BenchCommand.openDatabase(databaseURL: databaseURL, keep: keep)
            defer {
                if keep == nil { try? FileManager.default.removeItem(atPath: dir) }
                Task { await db.shutdown() }
            }

            // The province, its units and their people (the first of each unit leads it).
            let actor = Actor(id: nil, name: "bench")
            let unitStore = UnitStore(database: db), peopleStore = PeopleStore(database: db)
            let province = try await unitStore.create(.init(parentID: nil, kind: .province, code: "BT", name: "Tỉnh Thử"), by: actor)
            var communes: [OrgUnit] = []
            var staff: [[Int64]] = []
            let first = Day(year: year - 4, month: 1, day: 1)!
            for i in 0..<units {
                let c = try await unitStore.create(.init(parentID: province.id, kind: .commune, code: "BT-\(i)", name: "Xã Thử \(i + 1)"), by: actor)
                communes.append(c)
                var ids: [Int64] = []
                for j in 0..<people {
                    let p = try await peopleStore.create(Person(id: 0, fullName: "Cán Bộ \(i)-\(j)"),
                                                         assignment: Assignment(id: 0, personID: 0, unitID: c.id, title: j == 0 ? "Chủ tịch" : "Công chức",
                                                                                category: .civilServant, isLeader: j == 0, validFrom: first), by: actor)
                    ids.append(p.id)
                }
                staff.append(ids)
            }
            let calendar = try await CalendarStore(database: db).workCalendar(for: province, years: (year - 4)...(year + 1))
            let today = Day(year: year, month: 11, day: 20)!
            var loadTime = Duration.zero
            let made = try await ContinuousClock().measure {
                try await Self.generate(db, communes: communes, staff: staff, tasks: tasks, first: first, today: today, calendar: calendar)
            }
            loadTime = made
            if db.kind == .postgres {
                try await db.read { sql in
                    for table in ["tasks", "task_events"] {
                        try await sql.raw("SELECT setval(pg_get_serial_sequence('\(unsafeRaw: table)', 'id'), (SELECT MAX(id) FROM \(unsafeRaw: table)))").run()
                        try await sql.raw("VACUUM ANALYZE \(unsafeRaw: table)").run()
                    }
                }
            } else {
                try await db.write { sql in try await sql.raw("ANALYZE").run() }
            }
            let counts = try await db.read { sql in
                try await sql.raw("SELECT (SELECT COUNT(*) FROM tasks) AS t, (SELECT COUNT(*) FROM task_events) AS e, (SELECT COUNT(*) FROM tasks WHERE status IN ('assigned', 'in_progress', 'reported')) AS o").first()!
            }
            print("database: \(databaseURL == nil ? "SQLite" : "PostgreSQL"); \(try counts.decode(column: "t", as: Int.self)) tasks "
                  + "(\(try counts.decode(column: "o", as: Int.self)) open), \(try counts.decode(column: "e", as: Int.self)) history rows, "
                  + "\(units) units × \(people) people, generated and written in \(loadTime)")

            func percentiles(_ label: String, _ body: (Int) async throws -> Void) async throws {
                var times: [Duration] = []
                for i in 0..<runs { times.append(try await ContinuousClock().measure { try await body(i) }) }
                times.sort()
                print("\(label)\tp50 \(times[runs / 2])\tp99 \(times[runs * 99 / 100])")
            }
            let store = TaskStore(database: db)
            let everyone = staff.flatMap { $0 }
            try await percentiles("floor: one task by id (a round trip and an index lookup)") { i in
                _ = try await db.read { sql in try await sql.raw("SELECT id, title FROM tasks WHERE id = \(bind: Int64(i * 1997 % tasks + 1))").first() }
            }
            var listed = 0
            try await percentiles("a person's open tasks (TaskStore.mine, by deadline)") { i in
                listed += try await store.mine(personID: everyone[i * 7919 % everyone.count]).count
            }
            print("  \(listed / runs) tasks per list on average")
            var boarded = 0
            try await percentiles("a unit's open tasks (TaskStore.board, by deadline)") { i in
                boarded += try await store.board(.init(unitPaths: [communes[i % communes.count].path])).count
            }
            print("  \(boarded / runs) tasks per board on average")

            // A province's week of duty books: every unit's lines for the week before `today`.
            let books = DutyBookStore(database: db)
            let week = DutyWeek(containing: today).previous
            for label in ["floor: the week's history rows of the province (one range scan)", "a province-week of duty books (\(units) units' lines)"] {
                var best = Duration.seconds(3600)
                var lines = 0
                for _ in 0..<5 {
                    lines = 0
                    let t = try await ContinuousClock().measure {
                        if label.hasPrefix("floor") {
                            lines = try await db.read { sql in
                                try await sql.raw("SELECT COUNT(*) AS n FROM task_events WHERE at >= \(bind: Instant.format(week.begin)) AND at < \(bind: Instant.format(week.end))")
                                    .first()!.decode(column: "n", as: Int.self)
                            }
                        } else {
                            lines = try await books.lines(unitPaths: communes.map(\.path), week: week).values.map(\.count).reduce(0, +)
                        }
                    }
                    best = min(best, t)
                }
                print("\(label)\tbest of 5 \(best)\t\(lines) rows")
            }

            // A lead leaves: 500 of their open tasks handed on in one transaction, beside 500 bare updates.
            let unit = communes[0], leaving = staff[0][1], taking = staff[0][2]
            let moved = try await db.read { sql in
                try await sql.raw("SELECT id FROM tasks WHERE unit_id = \(bind: unit.id) ORDER BY id DESC LIMIT 500").all().map { try $0.decode(column: "id", as: Int64.self) }
            }
            try await db.write { sql in
                try await sql.raw("UPDATE tasks SET owner_id = \(bind: leaving), status = 'in_progress', closed_at = NULL WHERE id IN (\(binds: moved))").run()
            }
            let floor = try await ContinuousClock().measure {
                try await db.write { sql in
                    for id in moved { try await sql.raw("UPDATE tasks SET percent = percent WHERE id = \(bind: id)").run() }
                }
            }
            let reassigned = try await ContinuousClock().measure {
                _ = try await store.reassign(moved.map { ($0, taking) }, reason: "Bàn giao khi điều động", by: actor)
            }
            print("floor: 500 bare updates in one transaction\t\(floor)")
            print("reassigning 500 orphaned tasks in one transaction (history row and audit record each)\t\(reassigned)")

            // Two API tokens for wrk: a person with a full list, and the province's leader for boards.
            let accounts = AccountStore(database: db, secrets: try SecretBox.load(dataDirectory: dir, environmentKey: nil))
            let person = try await accounts.create(username: "bench.person", displayName: "Bench person", passwordHash: "!", personID: staff[1][3],
                                                   grants: [], by: actor)
            let leader = try await accounts.create(username: "bench.leader", displayName: "Bench leader", passwordHash: "!", personID: staff[1][0],
                                                   grants: [(Role.leader, province.id)], by: actor)
            print("TOKENS person=\(try await accounts.issueAPIToken(userID: person.id, name: "bench", by: actor)) "
                  + "leader=\(try await accounts.issueAPIToken(userID: leader.id, name: "bench", by: actor)) unit=\(communes[1].id)")
        }

        /// Writes the tasks and their history in batches: spread over the five years and the units'
        /// people, 3 % still open around `today` (a third of those overdue), the rest accepted with
        /// a grade, most on time.
        static func generate(_ db: Database, communes: [OrgUnit], staff: [[Int64]], tasks total: Int, first: Day, today: Day,
                             calendar: WorkCalendar) async throws {
            let days = first.through(today).filter { calendar.isWorkingDay($0) }
            let recentFrom = try calendar.subtractingWorkingDays(40, from: today)
            var rng = SystemRandomNumberGenerator()
            var numbers: [Int64: [Int: Int]] = [:]
            let batch = 400
            var id: Int64 = 0, eventID: Int64 = 0
            let qualities = WorkTask.Quality.allCases.map(\.rawValue)
            var produced = 0
            while produced < total {
                let n = min(batch, total - produced)
                var taskRows: [[any Encodable & Sendable]] = []
                var eventRows: [[any Encodable & Sendable]] = []
                for k in 0..<n {
                    id += 1
                    let position = Double(produced + k) / Double(total)
                    let assignedDay = days[min(days.count - 1, Int(position * Double(days.count)))]
                    let u = (produced + k) % communes.count
                    let people = staff[u]
                    let owner = people[1 + Int.random(in: 0..<(people.count - 1), using: &rng)]
                    let year = assignedDay.year
                    let number = (numbers[communes[u].id]?[year] ?? 0) + 1
                    numbers[communes[u].id, default: [:]][year] = number
                    let due = (try? calendar.addingWorkingDays(Int.random(in: 5...30, using: &rng), to: assignedDay)) ?? assignedDay
                    let assignedAt = CivilTime.startOfDay(assignedDay).addingTimeInterval(9 * 3600)
                    let recent = assignedDay >= recentFrom
                    let open = recent && Int.random(in: 0..<100, using: &rng) < 60
                    let title = "Nhiệm vụ số \(number) năm \(year) của xã"
                    var events: [(String, String, String, Date)] = [("assign", "assigned", "assigned", assignedAt)]
                    var status = "assigned", ack: String?, reported: String?, closed: String?, quality: String?
                    if !open || Bool.random(using: &rng) {
                        let a = assignedAt.addingTimeInterval(3 * 3600)
                        ack = Instant.format(a); status = "in_progress"
                        events.append(("acknowledge", "assigned", "in_progress", a))
                    }
                    if !open {
                        let late = Int.random(in: 0..<100, using: &rng) < 8
                        let doneDay = late ? ((try? calendar.addingWorkingDays(2, to: due)) ?? due) : due
                        let r = CivilTime.startOfDay(doneDay).addingTimeInterval(10 * 3600)
                        let c = r.addingTimeInterval(24 * 3600)
                        reported = Instant.format(r); closed = Instant.format(c); status = "accepted"
                        quality = qualities[Int.random(in: 0..<qualities.count, using: &rng)]
                        events.append(("report_done", "in_progress", "reported", r))
                        events.append(("accept", "reported", "accepted", c))
                    }
                    taskRows.append([id, communes[u].id, year, number, title, SearchKey.fold(title), "", "document", people[0], owner,
                                     "normal", Instant.format(assignedAt), due.description, due.description, status, ack, reported, closed,
                                     open ? 0 : 100, quality, events.count])
                    for e in events {
                        eventID += 1
                        eventRows.append([eventID, id, Instant.format(e.3), e.0 == "assign" ? people[0] : owner, "Cán bộ", e.0, e.1, e.2, ""])
                    }
                }
                let taskBatch = taskRows, eventBatch = eventRows
                try await db.write { sql in
                    var insert = sql.insert(into: "tasks").columns("id", "unit_id", "year", "number", "title", "search_key", "content", "source_kind",
                                                                   "assigner_id", "owner_id", "priority", "assigned_at", "due", "original_due", "status",
                                                                   "acknowledged_at", "reported_at", "closed_at", "percent", "quality", "version")
                    for row in taskBatch { insert = insert.values(row.map { SQLBind($0) }) }
                    try await insert.run()
                    for part in stride(from: 0, to: eventBatch.count, by: 1000) {
                        var events = sql.insert(into: "task_events").columns("id", "task_id", "at", "actor_id", "actor_name", "action", "from_status",
                                                                             "to_status", "note")
                        for row in eventBatch[part..<min(part + 1000, eventBatch.count)] { events = events.values(row.map { SQLBind($0) }) }
                        try await events.run()
                    }
                }
                produced += n
            }
            let sequences = numbers
            try await db.write { sql in
                for (unit, years) in sequences {
                    for (year, last) in years {
                        try await sql.insert(into: "task_sequences").columns("unit_id", "year", "last_number")
                            .values(SQLBind(unit), SQLBind(year), SQLBind(last)).run()
                    }
                }
            }
        }
    }
}
