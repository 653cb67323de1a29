import ArgumentParser
import CongvuDomain
import CongvuServer
import CongvuStore
import Foundation

/// The terminal fleet for operators: list, approve, and verify the journal.
struct TerminalsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "terminals", abstract: "Attendance terminals.",
                                                    subcommands: [List.self, Approve.self, VerifyJournal.self, Reparse.self, Reconcile.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Every terminal that has contacted the server.")
        @OptionGroup var settings: Settings

        func run() async throws {
            let terminals = try await CLI.withServices(settings) { try await TerminalStore(database: $0.database).list() }
            if terminals.isEmpty { print("No terminal has contacted the server yet."); return }
            print(["serial", "status", "family", "unit", "last contact", "address", "records", "drift (s)"].joined(separator: "\t"))
            for t in terminals {
                print([t.serial, t.status.rawValue, t.family, t.unitName ?? "-", Instant.display(t.lastSeen), t.lastAddress,
                       t.recordCount.map(String.init) ?? "-", t.clockDrift.map(String.init) ?? "-"].joined(separator: "\t"))
            }
        }
    }

    struct Approve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Accept terminals' uploads for a unit (each then sends everything it kept).")
        @OptionGroup var settings: Settings
        @Argument(help: "The terminals' serial numbers.") var serials: [String]
        @Option(help: "The code of the unit they serve.") var unit: String
        @Option(help: "Where they stand.") var location = ""

        func run() async throws {
            try await CLI.withServices(settings) { services in
                guard let u = try await services.units.byCode(unit) else { throw ValidationError("No unit has the code \(unit).") }
                for serial in serials {
                    do {
                        try await TerminalStore(database: services.database).approve(serial: serial, unitID: u.id, location: location,
                                                                                     by: Actor(id: nil, name: "cli"))
                    } catch StoreError.notFound {
                        throw ValidationError("No terminal \(serial) has contacted the server.")
                    }
                    print("Terminal \(serial) approved for \(u.name).")
                }
            }
        }
    }

    struct VerifyJournal: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "verify", abstract: "Recompute the journal's hash chain.")
        @OptionGroup var settings: Settings

        func run() async throws {
            if let broken = try await CLI.withServices(settings, { try await TerminalStore(database: $0.database).verifyJournal() }) {
                print("Terminal journal broken at entry \(broken).")
                throw ExitCode(2)
            }
            print("Terminal journal intact.")
        }
    }

    struct Reparse: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Rebuild punches and photo links from the journal (after a parser fix); nothing is added twice.")
        @OptionGroup var settings: Settings
        @Option(help: "Only this terminal's uploads.") var serial: String?

        func run() async throws {
            let result = try await CLI.withServices(settings) { services in
                try await TerminalHousekeeping(services: services).reparse(serial: serial) { seq in
                    FileHandle.standardError.write(Data("\rjournal entry \(seq)…".utf8))
                }
            }
            FileHandle.standardError.write(Data("\n".utf8))
            print("Read \(result.entries) uploads: \(result.newPunches) punches added, \(result.photos) photos linked.")
        }
    }

    struct Reconcile: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Ask every approved terminal for its count of a day's punches now (the server does it each night for yesterday).")
        @OptionGroup var settings: Settings
        @Option(help: "The day, YYYY-MM-DD (default: yesterday).") var day: String?

        func run() async throws {
            let asked = try await CLI.withServices(settings) { services in
                let d = try day.map { text -> Day in
                    guard let d = Day(text) else { throw ValidationError("\(text) is not a day (YYYY-MM-DD).") }
                    return d
                } ?? services.today.previous
                return try await TerminalHousekeeping(services: services).reconcile(day: d)
            }
            print("Terminals asked for their count: \(asked). Answers arrive with their next polls.")
        }
    }
}
