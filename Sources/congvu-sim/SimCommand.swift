import ArgumentParser
import CongvuDomain
import CongvuServer
import CongvuStore
import CongvuTerminalSimulator
import Foundation
import Hummingbird
import Logging
import SQLKit
import ServiceLifecycle

/// Simulated ZKTeco terminals for tests, demos and the ingest benchmark.
@main
struct SimCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "congvu-sim", abstract: "Simulated attendance terminals.",
                                                    subcommands: [Run.self, Bench.self])

    struct PlanOptions: ParsableArguments {
        @Option(help: "Terminals.") var terminals = 20
        @Option(help: "Punches each terminal holds before it connects.") var punches = 5_000
        @Option(help: "Realtime punches each sends afterwards, one by one.") var live = 5
        @Option(help: "Rows per upload.") var batch = 500
        @Option(help: "Share of rows that are exact doubles.") var duplicates = 0.03
        @Option(help: "Share of uploads sent twice (a lost OK).") var resends = 0.05
        @Option(help: "Share of rows with a photo.") var photos = 0.01
        @Option(help: "Terminals that re-upload everything half-way.") var reuploads = 1
        @Option(help: "Serial number prefix.") var prefix = "SIM"
        @Option(help: "Random seed.") var seed: UInt64 = 1

        var plan: SimulationPlan {
            var p = SimulationPlan()
            p.terminals = terminals
            p.punchesPerTerminal = punches
            p.livePunches = live
            p.batch = batch
            p.duplicateRate = duplicates
            p.resendRate = resends
            p.photoRate = photos
            p.fullReuploads = reuploads
            p.serialPrefix = prefix
            p.seed = seed
            return p
        }
    }

    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Drive a running server until every terminal has delivered everything (retrying through refusals and restarts).")
        @Option(help: "The server, e.g. http://127.0.0.1:8080") var url: String
        @OptionGroup var options: PlanOptions
        @Option(help: "Write the report (what the server must hold) to this JSON file.") var report: String?
        @Option(help: "Give up after this many seconds without a success.") var patience = 180.0

        func run() async throws {
            var simulator = TerminalSimulator(baseURL: url, plan: options.plan)
            simulator.patience = patience
            let serials = simulator.serials()
            FileHandle.standardError.write(Data("simulating \(serials.count) terminals: \(serials.first ?? "")…\(serials.last ?? "")\n".utf8))
            let result = try await simulator.run()
            if let report {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                try encoder.encode(result).write(to: URL(fileURLWithPath: report))
            }
            print("delivered \(result.expectedPunches) distinct punches (\(result.rowsSent) rows sent) in \(String(format: "%.1f", result.seconds)) s: "
                  + "\(result.requests) requests, \(result.retries) retried")
        }
    }

    struct Bench: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Sustained ATTLOG ingest over HTTP from simulated terminals, beside bare batched inserts of the same rows (build with -c release).")
        @Option(name: .customLong("database-url"), help: "postgres://… to measure PostgreSQL (its tables must be empty).") var databaseURL: String?
        @Option(help: "Terminals.") var terminals = 20
        @Option(help: "Punches in all.") var punches = 400_000
        @Option(help: "Rows per upload.") var batch = 1_000
        @Option(help: "Port for the server on 127.0.0.1.") var port = 18_089

        func run() async throws {
            var logger = Logger(label: "bench")
            logger.logLevel = .error
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("congvu-simbench-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: dir) }
            var config = AppConfig()
            config.dataDirectory = dir
            config.databaseURL = databaseURL
            config.bcryptCost = 4
            config.port = port
            config.logLevel = .error
            let services = try await AppServices.open(config: config, logger: logger)
            do {
                try await measure(services, config: config, logger: logger)
                await services.database.shutdown()
            } catch {
                await services.database.shutdown()
                throw error
            }
        }

        func measure(_ services: AppServices, config: AppConfig, logger: Logger) async throws {
            let units = UnitStore(database: services.database)
            let province = try await units.create(.init(parentID: nil, kind: .province, code: "S", name: "Tỉnh Mô Phỏng"), by: .init(id: nil, name: "bench"))
            let app = Application(router: buildRouter(services), configuration: .init(address: .hostname("127.0.0.1", port: port)), logger: logger)
            let group = ServiceGroup(configuration: .init(services: [app], logger: logger))
            let server = Task { try await group.run() }
            let base = "http://127.0.0.1:\(port)"

            var plan = SimulationPlan()
            plan.terminals = terminals
            plan.punchesPerTerminal = punches / terminals
            plan.livePunches = 0
            plan.batch = batch
            plan.duplicateRate = 0
            plan.resendRate = 0
            plan.photoRate = 0
            plan.fullReuploads = 0
            plan.securityEvery = 0
            plan.gb2312Every = 0
            plan.pollEvery = 1_000_000
            let store = TerminalStore(database: services.database)
            let report = try await TerminalSimulator(baseURL: base, plan: plan).run { serials in
                for s in serials { try await store.approve(serial: s, unitID: province.id, by: .init(id: nil, name: "bench")) }
            }
            let held = try await services.database.read { sql in
                try await sql.select().column(SQLRaw("COUNT(*) AS n")).from("punches").first()!.decode(column: "n", as: Int.self)
            }
            guard held == report.expectedPunches else {
                await group.triggerGracefulShutdown()
                throw SimulatorError(message: "the store holds \(held) punches, expected \(report.expectedPunches)") }

            // The floor in the same run: the same number of rows, in batches of the same size,
            // inserted with nothing else (no HTTP, no parsing, no journal, no person lookup).
            let rows = report.expectedPunches
            let received = Instant.format(Date())
            let bare = try await ContinuousClock().measure {
                for start in stride(from: 0, to: rows, by: batch) {
                    try await services.database.write { sql in
                        for chunk in stride(from: start, to: min(start + batch, rows), by: 400) {
                            var insert = sql.insert(into: "punches")
                                .columns("person_id", "card_number", "terminal_pin", "at", "received_at", "source", "method", "device", "flag", "note",
                                         "idempotency_key")
                            for i in chunk..<min(chunk + 400, start + batch, rows) {
                                insert = insert.values(SQLBind(Int64?.none), SQLBind(""), SQLBind(String(10_000 + i % 300)),
                                                       SQLBind(Instant.format(Date(timeIntervalSince1970: 1_700_000_000 + Double(i) * 20))), SQLBind(received),
                                                       SQLBind("terminal"), SQLBind("fingerprint"), SQLBind("bare"), SQLBind(""), SQLBind(""),
                                                       SQLBind("bare:\(i)"))
                            }
                            try await insert.ignoringConflicts(with: "idempotency_key").run()
                        }
                    }
                }
            }
            let bareSeconds = Double(bare.components.seconds) + Double(bare.components.attoseconds) / 1e18
            let httpRate = report.punchesPerSecond, bareRate = Double(rows) / bareSeconds
            print("| \(databaseURL == nil ? "SQLite" : "PostgreSQL") | \(terminals) | \(rows) | \(batch) | \(String(format: "%.2f", report.seconds)) s | "
                  + "\(Int(httpRate)) | \(Int(bareRate)) | \(String(format: "%.0f", 100 * httpRate / bareRate)) % |")
            await group.triggerGracefulShutdown()
            _ = await server.result
        }
    }
}
