import ArgumentParser
import CongvuDomain
import CongvuServer
import CongvuStore
import Foundation
import Logging
import SQLKit

extension BenchCommand {
    /// Issue 20's benchmark: what raising a notification adds to the transaction that raises it
    /// (task assignments to another person, each raising one notification with one delivery, beside
    /// the same assignments to oneself, which raise none), and the worker delivering the outbox to a
    /// fake provider on loopback, beside the floor of the provider taken directly by the same sender.
    /// With `--queue-only` the deliveries stay queued for `congvu serve` (the SIGKILL test).
    struct NotificationBench: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "notifications",
            abstract: "Raising notifications inside their transactions, and delivering them to a fake provider (a fresh SQLite file, or --database-url).")
        @Option(help: "Notifications to raise (and deliveries to make).") var notifications = 10_000
        @Option(help: "People they go to.") var people = 200
        @Option(help: "The channel: telegram (--api, the fake Bot API) or email (--smtp-url).") var channel = "telegram"
        @Option(help: "The fake Telegram Bot API's address.") var api: String?
        @Option(name: .customLong("smtp-url"), help: "The mail server (smtp://USER:PASS@HOST:PORT?from=…).") var smtpURL: String?
        @Option(name: .customLong("smtp-ca-file"), help: "The mail server's certificate authority.") var smtpCAFile: String?
        @Option(name: .customLong("database-url"), help: "postgres://… to measure PostgreSQL (its tables must be empty).") var databaseURL: String?
        @Option(help: "Keep the SQLite data directory here.") var keep: String?
        @Flag(name: .customLong("queue-only"), help: "Raise only: leave the deliveries queued for `congvu serve`.") var queueOnly = false
        @Option(help: "Messages in flight at once.") var concurrency = 16

        func run() async throws {
            guard let target = NotificationChannel(rawValue: channel), [.telegram, .email].contains(target) else {
                throw ValidationError("--channel is telegram or email")
            }
            let (db, dir) = try await BenchCommand.openDatabase(databaseURL: databaseURL, keep: keep)
            defer {
                if keep == nil { try? FileManager.default.removeItem(atPath: dir) }
                Task { await db.shutdown() }
            }
            let actor = Actor(id: nil, name: "bench")
            let units = UnitStore(database: db), peopleStore = PeopleStore(database: db)
            let province = try await units.create(.init(parentID: nil, kind: .province, code: "BT", name: "Tỉnh Thử"), by: actor)
            let commune = try await units.create(.init(parentID: province.id, kind: .commune, code: "BT-1", name: "Xã Thử"), by: actor)
            let since = Day(year: 2025, month: 7, day: 1)!
            var ids: [Int64] = []
            for i in 0...people {
                let p = try await peopleStore.create(Person(id: 0, fullName: "Cán Bộ \(i)"),
                                                     assignment: Assignment(id: 0, personID: 0, unitID: commune.id, title: i == 0 ? "Chủ tịch" : "Công chức",
                                                                            category: .civilServant, isLeader: i == 0, validFrom: since), by: actor)
                ids.append(p.id)
            }
            let chair = ids[0], staff = Array(ids.dropFirst())
            // Each has proven an address on the channel and chose it for assigned tasks.
            let choices = String(decoding: try JSONEncoder().encode(NotificationPreferences(channels: [.taskAssigned: [target]])), as: UTF8.self)
            let now = Instant.format(Date())
            try await db.write { sql in
                for (i, id) in staff.enumerated() {
                    let address = target == .email ? "canbo\(i)@xathu.example" : String(5_000_000 + i)
                    try await sql.insert(into: "notification_addresses").columns("person_id", "channel", "address", "verified_at", "created_at")
                        .values(SQLBind(id), SQLBind(target.rawValue), SQLBind(address), SQLBind(now), SQLBind(now)).run()
                    try await sql.insert(into: "notification_preferences").columns("person_id", "choices", "updated_at")
                        .values(SQLBind(id), SQLBind(choices), SQLBind(now)).run()
                }
            }

            // The same transaction twice over: an assignment to oneself raises nothing, one to
            // another raises a notification and queues its delivery. Interleaved, so both see the same database.
            let tasks = TaskStore(database: db)
            let due = Day(year: 2026, month: 12, day: 31)!
            var alone = Duration.zero, raising = Duration.zero
            for i in 0..<notifications {
                let owner = staff[i % staff.count]
                alone += try await ContinuousClock().measure {
                    _ = try await tasks.create(WorkTask(unitID: commune.id, year: 2026, title: "Tự giao \(i)", assignerID: owner, ownerID: owner,
                                                        assignedAt: Date(), due: due), by: actor)
                }
                raising += try await ContinuousClock().measure {
                    _ = try await tasks.create(WorkTask(unitID: commune.id, year: 2026, title: "Việc số \(i)", assignerID: chair, ownerID: owner,
                                                        assignedAt: Date(), due: due), by: actor)
                }
            }
            let share = (raising - alone) / raising * 100
            print("database: \(databaseURL == nil ? "SQLite" : "PostgreSQL"); \(staff.count) people with a proven \(target.rawValue) address")
            print("floor: \(notifications) task assignments to oneself (no notification)\t\(alone)\t\(alone / notifications) each")
            print("\(notifications) task assignments to another (one notification raised, for the worker to route to \(target.rawValue))\t\(raising)\t\(raising / notifications) each")
            print(String(format: "raising the notification: %.1f %% of the assigning transaction's time", share))
            if db.kind == .postgres { print("raises that rode on the transaction's next statement (no round trip of their own): \(db.statementsCarried)") }
            if queueOnly { return }

            var config = AppConfig()
            config.dataDirectory = dir
            config.bcryptCost = 4
            config.notifications = false
            // The fake provider has no rate limit: the worker is measured unpaced (the floor is unpaced too).
            config.notificationRates = [:]
            config.webPush = false
            config.telegramBotToken = target == .telegram ? "1:BENCH" : nil
            if let api { config.telegramAPIURL = api }
            config.smtpURL = target == .email ? smtpURL : nil
            config.smtpCAFile = smtpCAFile
            var logger = Logger(label: "bench")
            logger.logLevel = .error
            let services = try await AppServices.open(config: config, database: db, logger: logger)
            var delivered = 0
            let worker = try await ContinuousClock().measure { delivered = try await NotificationBenchmarks.deliverAll(services, concurrency: concurrency) }
            let sent = try await db.read { sql in
                try await sql.raw("SELECT COUNT(*) AS n FROM notification_deliveries WHERE state = 'sent'").first()!.decode(column: "n", as: Int.self)
            }
            var raw = 0
            let floor = await ContinuousClock().measure {
                raw = await NotificationBenchmarks.rawSends(services, channel: target, address: target == .email ? "canbo0@xathu.example" : "5000000",
                                                            count: notifications, concurrency: concurrency)
            }
            func rate(_ n: Int, _ d: Duration) -> String { String(format: "%.0f messages/s", Double(n) / (Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18)) }
            print("floor: \(raw) messages straight to the provider, \(concurrency) at a time\t\(floor)\t\(rate(raw, floor))")
            print("the worker: \(delivered) deliveries claimed, sent and recorded (\(sent) sent)\t\(worker)\t\(rate(sent, worker))")

            // What one statement costs in a transaction of this database, beside the raise alone.
            var empty = Duration.zero, trivial = Duration.zero, raise = Duration.zero
            for i in 0..<notifications {
                empty += try await ContinuousClock().measure { try await db.write { _ in } }
                trivial += try await ContinuousClock().measure { try await db.write { sql in try await sql.raw("SELECT 1").run() } }
                let draft = NotificationDraft(key: NotificationKey(.taskDueSoon, recordType: "task", recordID: Int64(i)), unitID: commune.id,
                                              params: ["reference": "\(i)/2026/BT", "title": "Việc số \(i)", "due": "2026-12-31"], link: "/tasks/\(i)")
                raise += try await ContinuousClock().measure {
                    try await db.write { sql in _ = try await NotificationStore.raise(draft, toPeople: [staff[i % staff.count]], in: sql) }
                }
            }
            print("floor: \(notifications) empty transactions\t\(empty / notifications) each")
            print("the same with one SELECT 1\t\(trivial / notifications) each (+\((trivial - empty) / notifications))")
            print("the same with one notification raised\t\(raise / notifications) each (+\((raise - empty) / notifications))")
        }
    }
}
