import ArgumentParser
import CongvuDomain
import CongvuServer
import CongvuStore
import Foundation
import Logging
import SQLKit

extension BenchCommand {
    /// The settlement report on a province-year of dossiers, beside a bare scan of the same rows,
    /// and intake into the full table.
    struct OneStopBench: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "one-stop",
            abstract: "The settlement report on a province-year of dossiers, and intake into it (a fresh SQLite file, or --database-url).")
        @Option(help: "Dossiers received in the year.") var dossiers = 1_000_000
        @Option(help: "Communes with a counter.") var units = 130
        @Option(help: "The year generated.") var year = 2025
        @Option(name: .customLong("database-url"), help: "postgres://… to measure PostgreSQL (its tables must be empty).") var databaseURL: String?
        @Option(help: "Repetitions of each report (the best and the worst are printed).") var runs = 5
        @Option(help: "Dossiers received one after another to time intake.") var intakes = 1000
        @Option(help: "Keep the SQLite data directory here (to serve it afterwards with `congvu serve --data-dir`).") var keep: String?

        func run() async throws {
            let (db, dir) = try await BenchCommand.openDatabase(databaseURL: databaseURL, keep: keep)
            defer {
                if keep == nil { try? FileManager.default.removeItem(atPath: dir) }
                Task { await db.shutdown() }
            }

            // A province of communes, each with a counter, the demo catalogue and a year of dossiers.
            let actor = Actor(id: nil, name: "bench")
            let unitStore = UnitStore(database: db)
            let store = DossierStore(database: db)
            let province = try await unitStore.create(.init(parentID: nil, kind: .province, code: "BP", name: "Tỉnh Thử"), by: actor)
            var communes: [OrgUnit] = []
            for i in 0..<units {
                let c = try await unitStore.create(.init(parentID: province.id, kind: .commune, code: "BP-\(i)", name: "Xã Thử \(i + 1)"), by: actor)
                try await store.setCounter(OneStopCounter(unitID: c.id, agencyCode: "000." + Digits.pad(i, 3) + ".37.H40"), by: actor)
                communes.append(c)
            }
            var procedures: [Procedure] = []
            for p in OneStopDemo.catalogue {
                var dated = p
                dated.validFrom = Day(year: year - 1, month: 1, day: 1)!
                procedures.append(try await ProcedureStore(database: db).create(dated, by: actor))
            }
            let calendar = try await CalendarStore(database: db).workCalendar(for: province, years: (year - 1)...(year + 2))
            let first = Day(year: year, month: 1, day: 1)!, last = Day(year: year, month: 12, day: 31)!
            let workingDays = first.through(last).filter { calendar.isWorkingDay($0) }.count
            var made = 0
            let loadTime = try await ContinuousClock().measure {
                made = try await OneStopDemo.generate(db, counters: communes.map(\.id), procedures: procedures, from: first, through: last,
                                                      perDay: max(1, (dossiers + units * workingDays - 1) / (units * workingDays)), calendar: calendar, seed: 2025,
                                                      events: false)
            }
            if db.kind == .postgres {
                // What autovacuum does after a bulk load: statistics, and the visibility map that index-only scans need.
                try await db.read { sql in try await sql.raw("VACUUM ANALYZE dossiers").run() }
            }
            print("database: \(databaseURL == nil ? "SQLite" : "PostgreSQL"); \(made) dossiers at \(units) counters in \(year) generated and written in \(loadTime)")

            func measure(_ label: String, _ body: () async throws -> Void) async throws {
                var times: [Duration] = []
                for _ in 0..<runs { times.append(try await ContinuousClock().measure { try await body() }) }
                times.sort()
                print("\(label)\tbest \(times.first!)\tworst \(times.last!)")
            }
            let scopes = [province.path]
            try await measure("floor: count the year's dossiers per unit (one scan, no conditions)") {
                _ = try await db.read { sql in
                    try await sql.raw("SELECT unit_id, COUNT(*) AS n FROM dossiers GROUP BY unit_id").all()
                }
            }
            let wholeYear = ReportPeriod(.year, year: year)!
            let today = Day(Date(), in: CivilTime.vietnam)
            var total = SettlementRow()
            try await measure("settlement report, the province's year by unit (\(units) lines)") {
                total = try await store.settlement(wholeYear, grouping: .unit, scopes: scopes, today: today).total
            }
            print("  received \(total.received), resolved \(total.resolved) (early \(total.early), on time \(total.onTime), overdue \(total.overdue)), open \(total.openWithinTime + total.openOverdue), withdrawn \(total.withdrawn); identity holds: \(total.balances)")
            try await measure("settlement report, the province's year by field") {
                _ = try await store.settlement(wholeYear, grouping: .field, scopes: scopes, today: today)
            }
            try await measure("settlement report, a government quarter (15th to 14th) by unit") {
                _ = try await store.settlement(ReportPeriod(.quarter, year: year, index: 4, government: true)!, grouping: .unit, scopes: scopes, today: today)
            }
            try await measure("settlement report, one commune's month") {
                _ = try await store.settlement(ReportPeriod(.month, year: year, index: 6)!, grouping: .unit, scopes: [communes[0].path], today: today)
            }
            try await measure("overdue list of the year (first 500, with cause and apology)") {
                _ = try await store.overdue(wholeYear, scopes: scopes, today: today)
            }

            // Intake into the full table, as the counter does it: the unit's calendar, the rules, the
            // next code, the dossier, its first event and the audit record.
            let procedure = procedures.first { $0.time.unit == .workingDays }!
            let intake = Intake(procedureID: procedure.id, channel: .direct, applicant: Applicant(name: "Nguyễn Văn Thử", idNumber: "040203001234"),
                                documents: procedure.documents)
            var times: [Duration] = []
            for i in 0..<intakes {
                let unit = communes[i % communes.count]
                times.append(try await ContinuousClock().measure {
                    let calendar = try await CalendarStore(database: db).workCalendar(for: unit, years: (year - 1)...(year + 2))
                    _ = try await store.receive(intake, procedure: procedure, unitID: unit.id, calendar: calendar,
                                                at: CivilTime.startOfDay(Day(year: year + 1, month: 3, day: 2)!).addingTimeInterval(9 * 3600), by: actor)
                })
            }
            times.sort()
            print("intake of \(intakes) dossiers one after another (calendar, rules, code, dossier, event, audit)\tp50 \(times[intakes / 2])\tp99 \(times[intakes * 99 / 100])")
            var floor: [Duration] = []
            for i in 0..<intakes {
                floor.append(try await ContinuousClock().measure {
                    try await db.write { sql in
                        try await sql.insert(into: "dossier_sequences").columns("agency_code", "day", "last_number")
                            .values(SQLBind("floor"), SQLBind("floor-\(i)"), SQLBind(i)).run()
                    }
                })
            }
            floor.sort()
            print("floor: one bare insert in its own transaction\tp50 \(floor[intakes / 2])\tp99 \(floor[intakes * 99 / 100])")
        }
    }
}
