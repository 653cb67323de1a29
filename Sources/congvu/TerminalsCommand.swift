import ArgumentParser
import CongvuDomain
import CongvuServer
import CongvuStore
import Foundation

/// The terminal fleet for operators: list, approve, and verify the journal.
struct TerminalsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "terminals", abstract: "Attendance terminals.",
                                                    subcommands: [List.self, Approve.self, VerifyJournal.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Every terminal that has contacted the server.")
        @OptionGroup var settings: Settings

        func run() async throws {
            let terminals = try await CLI.withServices(settings) { try await TerminalStore(database: $0.database).list() }
            if terminals.isEmpty { print("No terminal has contacted the server yet."); return }
            print(["serial", "status", "family", "unit", "last contact", "address", "records"].joined(separator: "\t"))
            for t in terminals {
                print([t.serial, t.status.rawValue, t.family, t.unitName ?? "-", Instant.display(t.lastSeen), t.lastAddress,
                       t.recordCount.map(String.init) ?? "-"].joined(separator: "\t"))
            }
        }
    }

    struct Approve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Accept a terminal's uploads for a unit (it then sends everything it kept).")
        @OptionGroup var settings: Settings
        @Argument(help: "The terminal's serial number.") var serial: String
        @Option(help: "The code of the unit it serves.") var unit: String
        @Option(help: "Where it stands.") var location = ""

        func run() async throws {
            try await CLI.withServices(settings) { services in
                guard let u = try await services.units.byCode(unit) else { throw ValidationError("No unit has the code \(unit).") }
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
}
