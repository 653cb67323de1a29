import ArgumentParser
import CongvuDomain
import CongvuStore
import Foundation
import SQLKit

extension BenchCommand {
    /// The reform index's measures over a province's year (issue 24): every computed measure for
    /// 130 communes over a year of 1,000,000 dossiers, 200,000 tasks and 100,000 feedback items,
    /// beside the raw floor of counting those rows in the same run.
    struct ReformBench: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "reform",
            abstract: "All reform-index measures for a province's communes over a year (a fresh SQLite file, or --database-url).")
        @Option(help: "Communes, each with a People's Committee below it where the rows are.") var units = 130
        @Option(help: "Dossiers of the year.") var dossiers = 1_000_000
        @Option(help: "Tasks of the year.") var tasks = 200_000
        @Option(help: "Feedback items of the year.") var feedback = 100_000
        @Option(help: "The year measured.") var year = 2026
        @Option(name: .customLong("database-url"), help: "postgres://… to measure PostgreSQL (its tables must be empty).") var databaseURL: String?
        @Option(help: "Repetitions of each measurement.") var runs = 5

        func run() async throws {
            let (db, dir) = try await BenchCommand.openDatabase(databaseURL: databaseURL, keep: nil)
            defer {
                try? FileManager.default.removeItem(atPath: dir)
                Task { await db.shutdown() }
            }
            let actor = Actor(id: nil, name: "bench")
            let unitStore = UnitStore(database: db)
            let province = try await unitStore.create(.init(parentID: nil, kind: .province, code: "BR", name: "Tỉnh Thử"), by: actor)
            var communes: [OrgUnit] = [], committees: [Int64] = []
            for i in 0..<units {
                let c = try await unitStore.create(.init(parentID: province.id, kind: .commune, code: "BR-\(i)", name: "Xã Thử \(i + 1)"), by: actor)
                communes.append(c)
                committees.append(try await unitStore.create(.init(parentID: c.id, kind: .peoplesCommittee, code: "BR-\(i)-UB", name: "UBND xã Thử \(i + 1)"),
                                                             by: actor).id)
            }
            let loaded = try await ContinuousClock().measure {
                try await Self.generate(db, committees: committees, dossiers: dossiers, tasks: tasks, feedback: feedback, year: year)
            }
            if db.kind == .postgres {
                try await db.read { sql in
                    for table in ["dossiers", "tasks", "feedback", "people", "assignments", "procedures"] { try await sql.raw("VACUUM ANALYZE \(unsafeRaw: table)").run() }
                }
            } else {
                try await db.write { sql in try await sql.raw("ANALYZE").run() }
            }
            print("database: \(databaseURL == nil ? "SQLite" : "PostgreSQL"); \(units) communes; \(dossiers) dossiers, \(tasks) tasks, "
                  + "\(feedback) feedback items of \(year); generated and written in \(loaded)")

            let first = Day(year: year, month: 1, day: 1)!, last = Day(year: year, month: 12, day: 31)!
            func best(_ label: String, _ body: () async throws -> String) async throws {
                var times: [Duration] = [], note = ""
                for _ in 0..<runs { times.append(try await ContinuousClock().measure { note = try await body() }) }
                times.sort()
                print("\(label)\tbest \(times[0])\tmedian \(times[runs / 2])\t\(note)")
            }
            // The floor: counting the year's rows of the three tables, one query each.
            try await best("floor: counting the year's dossiers, tasks and feedback (3 queries)") {
                try await db.read { sql in
                    let d = try await sql.raw("SELECT COUNT(*) AS n FROM dossiers WHERE received_day >= \(bind: first.description) AND received_day <= \(bind: last.description)")
                        .first()!.decode(column: "n", as: Int.self)
                    let t = try await sql.raw("SELECT COUNT(*) AS n FROM tasks WHERE due >= \(bind: first.description) AND due <= \(bind: last.description)")
                        .first()!.decode(column: "n", as: Int.self)
                    let f = try await sql.raw("SELECT COUNT(*) AS n FROM feedback WHERE due_day >= \(bind: first.description) AND due_day <= \(bind: last.description)")
                        .first()!.decode(column: "n", as: Int.self)
                    return "\(d + t + f) rows"
                }
            }
            let measures = ReformMeasures(database: db), period = ReformMeasures.Period(first: first, last: last, today: last.next)
            try await best("all \(ReformMeasure.allCases.count) measures for \(units) communes (ReformMeasures.values)") {
                let values = try await measures.values(Set(ReformMeasure.allCases), units: communes, period: period)
                let sample = values[communes[0].id] ?? [:]
                return "commune 1: dossiers on time \(sample[.dossiersOnTime].map { "\($0.numerator)/\($0.denominator)" } ?? "–"), "
                    + "tasks on time \(sample[.tasksOnTime].map { "\($0.numerator)/\($0.denominator)" } ?? "–"), "
                    + "feedback on time \(sample[.feedbackOnTime].map { "\($0.numerator)/\($0.denominator)" } ?? "–")"
            }
            // Where the time goes: each measure alone (the dossiers' three share one pass when together).
            for m in ReformMeasure.allCases {
                try await best("  \(m.rawValue) alone") {
                    _ = try await measures.values([m], units: communes, period: period)
                    return ""
                }
            }
        }

        /// The year's rows, spread over the committees and the days, in bulk inserts.
        static func generate(_ db: Database, committees: [Int64], dossiers: Int, tasks: Int, feedback: Int, year: Int) async throws {
            var rng = SystemRandomNumberGenerator()
            let days = Day(year: year, month: 1, day: 1)!.through(Day(year: year, month: 12, day: 31)!)
            let now = Instant.format(Date())
            // A clerk per committee, the procedures of a commune.
            try await db.write { sql in
                for (i, unit) in committees.enumerated() {
                    let id = try await sql.raw("""
                        INSERT INTO people (full_name, search_key, created_at, updated_at) VALUES (\(bind: "Cán bộ \(i)"), 'can bo', \(bind: now), \(bind: now)) RETURNING id
                        """).first()!.decode(column: "id", as: Int64.self)
                    try await sql.raw("""
                        INSERT INTO assignments (person_id, unit_id, title, category, is_leader, valid_from)
                        VALUES (\(bind: id), \(bind: unit), 'Chủ tịch', 'cadre', \(bind: true), '2025-07-01')
                        """).run()
                }
                for p in 0..<120 {
                    try await sql.raw("""
                        INSERT INTO procedures (code, version, name, search_key, field, level, time_value, time_unit, online_level, valid_from, posted_counter, posted_portal)
                        VALUES (\(bind: "BR.\(p)"), 1, \(bind: "Thủ tục \(p)"), 'thu tuc', 'hộ tịch', 'commune', 5, 'working_days', 'full', '2020-01-01', \(bind: true), \(bind: p % 10 != 0))
                        """).run()
                }
            }
            let people = try await db.read { sql in
                try await sql.raw("SELECT a.unit_id, a.person_id FROM assignments a").all()
                    .map { (try $0.decode(column: "unit_id", as: Int64.self), try $0.decode(column: "person_id", as: Int64.self)) }
            }
            let clerk = Dictionary(people, uniquingKeysWith: { a, _ in a })
            let procedure = try await db.read { sql in try await sql.raw("SELECT MIN(id) AS id FROM procedures").first()!.decode(column: "id", as: Int64.self) }

            func batches(_ total: Int, size: Int, _ row: (Int) -> [any Encodable & Sendable], table: String, columns: [String]) async throws {
                var done = 0
                while done < total {
                    let n = min(size, total - done)
                    let rows = (done..<(done + n)).map(row)
                    try await db.write { sql in
                        var insert = sql.insert(into: table).columns(columns)
                        for r in rows { insert = insert.values(r.map { SQLBind($0) }) }
                        try await insert.run()
                    }
                    done += n
                }
            }
            // Dossiers: received through the year, 40 % online, settled 10 days on, 8 % late (a third apologised), 3 % still open.
            try await batches(dossiers, size: 500, { i in
                let unit = committees[i % committees.count], received = days[i * days.count / dossiers]
                var due = received
                for _ in 0..<10 { due = due.next }
                let open = Int.random(in: 0..<100, using: &rng) < 3, late = Int.random(in: 0..<100, using: &rng) < 8
                var closed: String? = nil, timeliness: String? = nil
                if !open {
                    var c = late ? due.next.next : due
                    if c.year > year { c = Day(year: year, month: 12, day: 31)! }
                    closed = c.description
                    timeliness = late ? "overdue" : (Bool.random(using: &rng) ? "early" : "on_time")
                }
                let apology: String? = late && Int.random(in: 0..<3, using: &rng) == 0 ? now : nil
                return ["BR-\(i)", procedure, unit, unit, "hộ tịch", Int.random(in: 0..<10, using: &rng) < 4 ? 2 : 1, open ? 4 : 10, "Người nộp \(i)", "nguoi nop",
                        now, received.description, closed, timeliness, due.description, apology]
            }, table: "dossiers", columns: ["code", "procedure_id", "unit_id", "current_unit_id", "field", "channel", "status", "applicant_name", "search_key",
                                            "submitted_at", "received_day", "closed_day", "timeliness", "due_day", "apology_at"])
            // Tasks: due through the year, 85 % reported on time, 10 % late, the rest open.
            try await batches(tasks, size: 500, { i in
                let unit = committees[i % committees.count], due = days[i * days.count / tasks]
                let roll = Int.random(in: 0..<100, using: &rng)
                let reported: String? = roll < 85 ? "\(due.description)T03:00:00.000Z" : roll < 95 ? "\(due.next.next.description)T03:00:00.000Z" : nil
                return [unit, year, i / committees.count + 1, "Nhiệm vụ \(i)", "nhiem vu", clerk[unit]!, clerk[unit]!, "normal", now, due.description, due.description,
                        reported == nil ? "in_progress" : "accepted", reported]
            }, table: "tasks", columns: ["unit_id", "year", "number", "title", "search_key", "assigner_id", "owner_id", "priority", "assigned_at", "due",
                                         "original_due", "status", "reported_at"])
            // Feedback: due through the year, 80 % answered in time, 10 % late, the rest waiting.
            try await batches(feedback, size: 500, { i in
                let unit = committees[i % committees.count], due = days[i * days.count / feedback]
                let roll = Int.random(in: 0..<100, using: &rng)
                let answered: String? = roll < 80 ? due.description : roll < 90 ? due.next.description : nil
                return ["PA-\(i)", unit, unit, "attitude", "web", "Phản ánh \(i)", answered == nil ? "assigned" : "answered", now, due.description, due.description,
                        due.description, answered, now]
            }, table: "feedback", columns: ["code", "unit_id", "owner_unit_id", "category", "channel", "description", "status", "received_at", "received_day",
                                            "due_day", "forward_by", "answered_day", "updated_at"])
        }
    }
}
