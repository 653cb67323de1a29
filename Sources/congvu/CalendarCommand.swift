import ArgumentParser
import CongvuDomain
import CongvuServer
import CongvuStore
import Foundation
import Logging

/// `congvu calendar …`: lunar dates, proposed holidays and working-time arithmetic, for operators
/// and scripts. Output is plain: one result per line, fields separated by tabs or `key=value`.
struct CalendarCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calendar", abstract: "Lunar dates, holidays and working-time arithmetic.",
        subcommands: [Lunar.self, Solar.self, Holidays.self, AddWorkingDays.self])

    static func day(_ text: String) throws -> Day {
        guard let d = Day(text) else { throw ValidationError("not a date: \(text) (YYYY-MM-DD or DD/MM/YYYY)") }
        return d
    }

    struct Lunar: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The lunar date of a Gregorian day: calendar lunar 2026-02-17")
        @Argument var date: String

        func run() throws {
            let day = try CalendarCommand.day(date)
            guard let l = LunarCalendar.lunar(day) else { throw ValidationError("supported years: 1900–2100") }
            print("day=\(l.day) month=\(l.month) year=\(l.year) leap=\(l.isLeapMonth ? 1 : 0) year_name=\(l.yearName)")
        }
    }

    struct Solar: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The Gregorian day of a lunar date: calendar solar 1/1/2027 [--leap]")
        @Argument(help: "DD/MM/YYYY, lunar") var date: String
        @Flag(help: "The date is in the leap month.") var leap = false

        func run() throws {
            let parts = date.split(separator: "/").compactMap { Int($0) }
            guard parts.count == 3 else { throw ValidationError("a lunar date is DD/MM/YYYY") }
            guard let day = LunarCalendar.solar(LunarDate(year: parts[2], month: parts[1], day: parts[0], isLeapMonth: leap)) else {
                throw ValidationError("no such lunar date")
            }
            print(day)
        }
    }

    struct Holidays: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The days off proposed for a year by the Labour Code rules.")
        @Argument var year: Int

        func run() throws {
            guard LunarCalendar.range.contains(year) else { throw ValidationError("supported years: 1900–2100") }
            let catalogs = try Catalogs.load(from: Resources.path("i18n"))
            for d in HolidayRules.proposals(year: year) {
                print([d.day.description, d.kind.rawValue, catalogs.text(d.name, .vi), catalogs.text(d.reference, .vi)].joined(separator: "\t"))
            }
        }
    }

    struct AddWorkingDays: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "add-working-days",
            abstract: "Add working days to a moment, landing at the same clock time: calendar add-working-days \"2026-04-24 16:10\" 3")
        @Argument(help: "YYYY-MM-DD HH:mm, Vietnam time") var from: String
        @Argument var days: Int
        @Option(help: "Office hours when no unit is given: nghe-an (summer/winter) or standard.") var hours = "nghe-an"
        @Option(name: .customLong("unit"), help: "A unit's code: its office hours and confirmed days from the database.") var unitCode: String?
        @OptionGroup var settings: Settings

        func run() async throws {
            guard let start = Instant.parseLocal(from), let day = Day(String(from.split(separator: " ")[0])) else {
                throw ValidationError("the moment is YYYY-MM-DD HH:mm")
            }
            guard days >= 0 else { throw ValidationError("days must not be negative") }
            let years = day.year...min(2100, day.year + 2 + days / 200)
            let calendar: WorkCalendar
            if let unitCode {
                calendar = try await CLI.withServices(settings) { services in
                    guard let unit = try await services.units.byCode(unitCode) else { throw ValidationError("no unit has the code \(unitCode)") }
                    return try await CalendarStore(database: services.database).workCalendar(for: unit, years: years)
                }
            } else {
                let officeHours: OfficeHours = hours == "standard" ? .standard : .ngheAn
                calendar = WorkCalendar(hours: officeHours, specialDays: years.flatMap { HolidayRules.proposals(year: $0) }, years: years)
            }
            print(Instant.formatLocal(try calendar.addingWorkingDays(days, to: start)))
        }
    }
}

/// `congvu bench …`: release-build measurements that docs/PERFORMANCE.md records.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bench", abstract: "Measure (build with -c release).",
                                                    subcommands: [CalendarBench.self, VerdictBench.self, AttendanceBench.self, OneStopBench.self, TaskBench.self, NotificationBench.self, InspectionBench.self,
                                                                  ReformBench.self])

    /// A migrated database for a bench: PostgreSQL at `databaseURL`, or SQLite in `keep` (or a
    /// temporary directory the caller removes); the directory is returned either way.
    static func openDatabase(databaseURL: String?, keep: String?) async throws -> (Database, String) {
        var logger = Logger(label: "bench")
        logger.logLevel = .error
        let dir = keep ?? FileManager.default.temporaryDirectory.appendingPathComponent("congvu-bench-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let location: DatabaseLocation = databaseURL.map { .postgres(url: $0) } ?? .sqlite(path: dir + "/congvu.sqlite")
        let db = try await Database.open(location, logger: logger)
        try await Migrator().migrate(db)
        return (db, dir)
    }

    struct CalendarBench: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "calendar",
            abstract: "Working-day arithmetic and lunar conversion, each beside its raw floor.")
        @Option(help: "Operations per measurement.") var operations = 20_000_000

        func run() throws {
            // First use computes the lunar month table (new moons and solar terms), then the day tables.
            var built: WorkCalendar?
            let buildTime = ContinuousClock().measure {
                built = WorkCalendar(hours: .ngheAn, specialDays: (1990...2100).flatMap { HolidayRules.proposals(year: $0) })
            }
            print("build: lunar month table 1900-2100, holidays and day tables 1990-2100\t\(buildTime)")
            let calendar = built!
            let base = Date(timeIntervalSince1970: 1_767_225_600)  // 2026-01-01 07:00 local
            var g = SystemRandomNumberGenerator()
            let starts = (0..<4096).map { _ in base.addingTimeInterval(Double(Int.random(in: 0..<(3 * 365 * 86400), using: &g))) }
            let amounts = (0..<4096).map { _ in Int.random(in: 0...40, using: &g) }

            func measure(_ label: String, _ count: Int, _ body: (Int) throws -> Double) rethrows {
                let clock = ContinuousClock()
                var sink = 0.0
                let elapsed = try clock.measure { for i in 0..<count { sink += try body(i) } }
                let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
                print(String(format: "%@\t%.0f ops/s\t%.3f s for %d\t(checksum %.0f)", label, Double(count) / seconds, seconds, count, sink.truncatingRemainder(dividingBy: 1000)))
            }
            try measure("add N working days (holidays 1990-2100 loaded)", operations) { i in
                try calendar.addingWorkingDays(amounts[i & 4095], to: starts[i & 4095]).timeIntervalSince1970
            }
            measure("raw floor: add N×86400 s to a Date", operations) { i in
                starts[i & 4095].addingTimeInterval(Double(amounts[i & 4095] * 86400)).timeIntervalSince1970
            }
            let first = LunarCalendar.julianDay(Day("1900-01-01")!), last = LunarCalendar.julianDay(Day("2100-12-31")!)
            let clock = ContinuousClock()
            var sum = 0
            let lunar = clock.measure {
                for jd in first...last { sum &+= LunarCalendar.lunar(LunarCalendar.day(julianDay: jd)!)!.day }
            }
            let floor = clock.measure {
                for jd in first...last { sum &+= LunarCalendar.julianDay(LunarCalendar.day(julianDay: jd)!) }
            }
            print("lunar date of every day 1900-2100 (\(last - first + 1) days)\t\(lunar)\t(checksum \(sum % 1000))")
            print("raw floor: Julian day round trip of every day\t\(floor)")
        }
    }

    struct VerdictBench: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "verdicts",
            abstract: "Day verdicts for many people from in-memory punches (the domain engine alone).")
        @Option(help: "People.") var people = 10_000

        func run() throws {
            let calendar = WorkCalendar(hours: .ngheAn, specialDays: (2025...2027).flatMap { HolidayRules.proposals(year: $0) }, years: 2025...2027)
            let day = Day("2026-06-05")!
            let start = calendar.startOfDay(day)
            var g = SystemRandomNumberGenerator()
            // Realistic days: most on time, some late, some leave early, some forget to check out, a few absent.
            let inputs: [([Punch], [Excuse])] = (0..<people).map { i in
                let arrive = 7 * 3600 - 900 + Int.random(in: 0...1500, using: &g)
                let leave = 17 * 3600 - 600 + Int.random(in: 0...1200, using: &g)
                var punches = [Punch(at: start.addingTimeInterval(TimeInterval(arrive)))]
                if i % 17 != 0 { punches.append(Punch(at: start.addingTimeInterval(TimeInterval(leave)))) }
                if i % 41 == 0 { punches = [] }
                let excuses = i % 13 == 0 ? [Excuse(id: "n\(i)", kind: .notice, from: start.addingTimeInterval(13.5 * 3600),
                                                    to: start.addingTimeInterval(17 * 3600))] : []
                return (punches, excuses)
            }
            let policy = AttendancePolicy()
            var counts: [DayVerdict.Status: Int] = [:]
            let elapsed = ContinuousClock().measure {
                for (punches, excuses) in inputs {
                    let v = VerdictEngine.verdict(day: day, punches: punches, excuses: excuses, calendar: calendar, policy: policy, isHoliday: false)
                    counts[v.status, default: 0] += 1
                }
            }
            print("verdicts for \(people) people, one day\t\(elapsed)")
            print(counts.sorted { $0.key.rawValue < $1.key.rawValue }.map { "\($0.key.rawValue)=\($0.value)" }.joined(separator: " "))
        }
    }

    struct AttendanceBench: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "attendance",
            abstract: "Verdicts, the live board and the monthly XLSX from a database (a fresh SQLite file, or --database-url).")
        @Option(help: "People in the large commune.") var people = 10_000
        @Option(name: .customLong("database-url"), help: "postgres://… to measure PostgreSQL (its tables must be empty).") var databaseURL: String?
        @Option(help: "Repetitions of each measurement (the best and the worst are printed).") var runs = 5

        func run() async throws {
            var logger = Logger(label: "bench")
            logger.logLevel = .error
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("congvu-bench-\(UUID().uuidString)").path
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let location: DatabaseLocation = databaseURL.map { .postgres(url: $0) } ?? .sqlite(path: dir + "/congvu.sqlite")
            var config = AppConfig()
            config.dataDirectory = dir
            config.bcryptCost = 4
            let db = try await Database.open(location, logger: logger)
            let services = try await AppServices.open(config: config, database: db, logger: logger)
            defer { Task { await db.shutdown() } }
            // A closed month: every day settled, so reports compare rather than write.
            let month = Month(Day(Date(), in: CivilTime.vietnam)).previous
            let loadTime = try await ContinuousClock().measure {
                _ = try await BenchmarkFixture.load(into: db, people: people, month: month)
            }
            let units = UnitStore(database: db)
            let commune = try await units.byCode("B1")!, group = try await units.byCode("B1-G0")!, small = try await units.byCode("B2-UB")!
            print("database: \(databaseURL == nil ? "SQLite" : "PostgreSQL"); fixture of \(people + 60) people and a month of punches loaded in \(loadTime)")
            let day = month.days.last { HolidayRules.weekday($0) != 0 && HolidayRules.weekday($0) != 6 }!
            let verdicts = VerdictStore(database: db)
            let punches = PunchStore(database: db)
            func measure(_ label: String, _ body: () async throws -> Void) async throws {
                var times: [Duration] = []
                for _ in 0..<runs { times.append(try await ContinuousClock().measure { try await body() }) }
                times.sort()
                print("\(label)\tbest \(times.first!)\tworst \(times.last!)")
            }
            let posts = try await verdicts.posts(scopes: [commune.path], first: day, last: day)
            let ids = posts.map(\.personID)
            try await measure("floor: read the day's punches of \(ids.count) people (one query, no verdicts)") {
                _ = try await punches.punches(personIDs: ids, from: CivilTime.startOfDay(day), to: CivilTime.startOfDay(day.next))
            }
            try await measure("verdicts for \(ids.count) people, one day, from the database (posts, rules, punches, notices, engine)") {
                _ = try await verdicts.compute(posts: try await verdicts.posts(scopes: [commune.path], first: day, last: day), days: [day])
            }
            let first = try await ContinuousClock().measure { _ = try await verdicts.sheet(unit: commune, days: [day]) }
            print("settle the day for the first time (compute and store \(ids.count) verdicts)\t\(first)")
            try await measure("the day's sheet again (compute and compare with the stored verdicts)") {
                _ = try await verdicts.sheet(unit: commune, days: [day])
            }
            _ = try await verdicts.sheet(unit: group, days: month.days)
            try await measure("monthly timesheet XLSX for 1,000 people (\(month), settled)") {
                _ = try await AttendanceBenchmarks.timesheetWorkbook(services, unit: group, month: month)
            }
            var boardTimes: [Duration] = []
            for _ in 0..<200 { boardTimes.append(try await ContinuousClock().measure { _ = try await AttendanceBenchmarks.board(services, unit: small) }) }
            boardTimes.sort()
            print("live board of a 60-person unit computed afresh (200 times)\tp50 \(boardTimes[100])\tp99 \(boardTimes[197])")
        }
    }
}
