import ArgumentParser
import CongvuDomain
import CongvuServer
import CongvuStore
import Foundation
import Hummingbird
import HummingbirdBcrypt
import Logging

@main
struct CongvuCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "congvu",
        abstract: "Congvu: administrative discipline and citizen services for Vietnamese local government.",
        version: Release.description,
        subcommands: [Serve.self, Migrate.self, DemoCommand.self, UserCommand.self, AuditCommand.self, Backup.self, Restore.self, ImportCommand.self, TerminalsCommand.self,
                      CalendarCommand.self, BenchCommand.self, SecretCommand.self, VersionCommand.self],
        defaultSubcommand: Serve.self
    )
}

/// Settings every command shares: where the config and the data are.
struct Settings: ParsableArguments {
    @Option(help: "A config file of `key = value` lines (default: congvu.conf when present).")
    var config: String?

    @Option(name: .customLong("data-dir"), help: "Where the SQLite database, backups and keys live (default ./data).")
    var dataDir: String?

    func load() throws -> AppConfig {
        var config = try AppConfig.load(file: config, environment: ProcessInfo.processInfo.environment)
        if let dataDir { config.dataDirectory = dataDir }
        return config
    }

    func logger(_ config: AppConfig, label: String = "congvu") -> Logger {
        LogSetup.bootstrap(level: config.logLevel)
        var logger = Logger(label: label)
        logger.logLevel = config.logLevel
        return logger
    }
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Start the web server.")
    @OptionGroup var settings: Settings
    @Option(help: "Address to listen on (default 127.0.0.1).") var hostname: String?
    @Option(help: "Port to listen on (default 8080).") var port: Int?
    @Flag(help: "Load the demo when the database is empty.") var demo = false

    func run() async throws {
        var config = try settings.load()
        if let hostname { config.hostname = hostname }
        if let port { config.port = port }
        if demo { config.demo = true }
        let logger = settings.logger(config)
        let started = Date()
        let app = try await buildApplication(config: config, logger: logger)
        logger.info("Congvu ready", metadata: ["url": "http://\(config.hostname):\(config.port)",
                                               "startup_ms": "\(Int(Date().timeIntervalSince(started) * 1000))"])
        try await app.run()
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply pending database migrations.")
    @OptionGroup var settings: Settings

    func run() async throws {
        let config = try settings.load()
        let logger = settings.logger(config)
        let db = try await Database.open(.resolve(databaseURL: config.databaseURL, dataDirectory: config.dataDirectory), logger: logger)
        do {
            let ran = try await Migrator().migrate(db)
            print(ran.isEmpty ? "The database is up to date." : "Applied migrations: \(ran.map(String.init).joined(separator: ", "))")
        } catch {
            await db.shutdown()
            throw error
        }
        await db.shutdown()
    }
}

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "demo", abstract: "Erase the configured database and load the demo.")
    @OptionGroup var settings: Settings

    func run() async throws {
        let config = try settings.load()
        let logger = settings.logger(config)
        let location = DatabaseLocation.resolve(databaseURL: config.databaseURL, dataDirectory: config.dataDirectory)
        try await Database.erase(location, logger: logger)
        let services = try await AppServices.open(config: config, logger: logger)
        do {
            let accounts = try await services.loadDemo()
            print("Demo loaded. Accounts (password for all: \(Demo.password)):")
            for a in accounts {
                print("  \(a.username.padding(toLength: 20, withPad: " ", startingAt: 0)) \(a.role.rawValue.padding(toLength: 18, withPad: " ", startingAt: 0)) \(a.unit)")
            }
        } catch {
            await services.database.shutdown()
            throw error
        }
        await services.database.shutdown()
    }
}

struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "user", abstract: "Manage accounts.",
                                                    subcommands: [Add.self, ResetPassword.self, Token.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an account with one role scoped to a unit.")
        @OptionGroup var settings: Settings
        @Option var username: String
        @Option(help: "The name shown on pages.") var name: String
        @Option(help: "One of: \(Role.allCases.map(\.rawValue).joined(separator: ", ")).") var role: String
        @Option(name: .customLong("unit"), help: "The code of the unit the role is scoped to.") var unitCode: String
        @Option(help: "Password (default: a random one, printed).") var password: String?

        func run() async throws {
            guard let role = Role(rawValue: role) else { throw ValidationError("unknown role \(self.role)") }
            let password = password ?? Passwords.generate()
            guard Passwords.acceptable(password) else { throw ValidationError("a password needs at least 10 characters") }
            try await CLI.withServices(settings) { services in
                guard let unit = try await services.units.byCode(unitCode) else { throw ValidationError("no unit has the code \(unitCode)") }
                let account = try await services.accounts.create(username: username, displayName: name,
                                                                 passwordHash: try await services.passwords.hash(password),
                                                                 personID: nil, grants: [(role, unit.id)], by: CLI.actor)
                print("Created \(account.username) (\(role.rawValue) of \(unit.name)). Password: \(password)")
            }
        }
    }

    struct ResetPassword: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "reset-password", abstract: "Set a new password and end the account's sessions.")
        @OptionGroup var settings: Settings
        @Option var username: String
        @Option(help: "Password (default: a random one, printed).") var password: String?

        func run() async throws {
            let password = password ?? Passwords.generate()
            guard Passwords.acceptable(password) else { throw ValidationError("a password needs at least 10 characters") }
            try await CLI.withServices(settings) { services in
                guard let account = try await services.accounts.byUsername(username) else { throw ValidationError("no account \(username)") }
                try await services.accounts.setPassword(userID: account.id, passwordHash: try await services.passwords.hash(password),
                                                        by: CLI.actor, reason: "reset from the command line")
                print("New password for \(account.username): \(password)")
            }
        }
    }

    struct Token: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Issue an API token acting as an account.")
        @OptionGroup var settings: Settings
        @Option var username: String
        @Option(help: "What the token is for.") var name: String = "integration"

        func run() async throws {
            try await CLI.withServices(settings) { services in
                guard let account = try await services.accounts.byUsername(username) else { throw ValidationError("no account \(username)") }
                print(try await services.accounts.issueAPIToken(userID: account.id, name: name, by: CLI.actor))
            }
        }
    }
}

struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "audit", abstract: "The audit log.", subcommands: [Verify.self])

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Recompute the hash chain, hold it against its keyed checkpoints and name the first broken record; recompute every finalised inspection minutes' hash.")
        @OptionGroup var settings: Settings

        func run() async throws {
            let (verdict, minutes) = try await CLI.withServices(settings) {
                (try await $0.audit.verify(against: $0.auditCheckpoints), try await $0.inspections.store.verifyAll())
            }
            switch verdict {
            case .intact(let count):
                print("Audit chain intact: \(count) records.")
            case .broken(let seq, let problem):
                print("Audit chain broken at record \(seq) (\(problem)).")
                throw ExitCode(2)
            }
            if minutes.broken.isEmpty {
                print("Inspection minutes: \(minutes.checked) finalised, all match their hash.")
            } else {
                print("Inspection minutes changed since they were finalised: \(minutes.broken.map(String.init).joined(separator: ", ")).")
                throw ExitCode(2)
            }
        }
    }
}

struct SecretCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "secret", abstract: "Secrets kept in the configuration.", subcommands: [Seal.self])

    /// Seals a channel secret (an SMTP URL with its password, a bot token) with this server's
    /// secret key, for the config file: `smtp_url = sealed:…`. Read from stdin, so that the
    /// secret stays out of the shell's history and the process list.
    struct Seal: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Seal a secret read from stdin; prints `sealed:…` for the config file.")
        @OptionGroup var settings: Settings

        func run() throws {
            let config = try settings.load()
            let input = FileHandle.standardInput.readDataToEndOfFile()
            let plain = String(decoding: input, as: UTF8.self).trimmingCharacters(in: .newlines)
            guard !plain.isEmpty else { throw ValidationError("nothing to seal on stdin") }
            let box = try SecretBox.load(dataDirectory: config.dataDirectory, environmentKey: config.secretKey)
            print("sealed:" + (try box.seal(plain)))
        }
    }
}

struct Backup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Back up the SQLite installation while the server runs: the database and the data directory's files (key, checkpoints, photos, attachments).")
    @OptionGroup var settings: Settings
    @Option(help: "A new directory for the backup (default: DATA_DIR/backups/congvu-YYYYMMDD-HHMMSS); a name ending in .sqlite writes the database alone.")
    var to: String?
    @Flag(help: "Copy the camera recordings too (their index is always in the database).") var recordings = false

    func run() async throws {
        let config = try settings.load()
        let stamp = Instant.format(Date()).prefix(19).replacingOccurrences(of: "-", with: "").replacingOccurrences(of: ":", with: "").replacingOccurrences(of: "T", with: "-")
        let target = to ?? (config.dataDirectory as NSString).appendingPathComponent("backups/congvu-\(stamp)")
        try FileManager.default.createDirectory(atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        if target.hasSuffix(".sqlite") {
            try await CLI.withServices(settings) { try await $0.database.backup(to: target) }
            print("Backup written to \(target)")
            return
        }
        let summary = try await CLI.withServices(settings) { services in
            try await DataBackup.write(services.database, dataDirectory: config.dataDirectory, to: target, recordings: recordings)
        }
        print("Backup written to \(target): \(summary.files) files, \(summary.bytes / 1024) KiB")
    }
}

/// `congvu restore DIR`: puts a backup back into an empty data directory (the server stopped).
struct Restore: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Restore a backup directory into a data directory that holds no database.")
    @OptionGroup var settings: Settings
    @Argument(help: "The backup directory (congvu backup's).") var backup: String

    func run() async throws {
        let config = try settings.load()
        if config.databaseURL != nil { throw ValidationError("restore puts back the embedded SQLite database; for PostgreSQL use pg_restore (docs/DEPLOYMENT.md)") }
        let summary = try DataBackup.restore(from: backup, to: config.dataDirectory)
        print("Restored \(summary.files) files into \(config.dataDirectory); check it with: congvu audit verify --data-dir \(config.dataDirectory)")
    }
}

struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "import",
                                                    abstract: "Import people, units, procedures or historic dossiers from a CSV file (UTF-8).")
    @OptionGroup var settings: Settings
    @Argument(help: "people, units, procedures or dossiers") var kind: String
    @Argument(help: "The CSV file.") var file: String
    @Flag(name: .customLong("dry-run"), help: "Check every row and write nothing.") var dryRun = false

    func run() async throws {
        guard let kind = ImportKind(rawValue: kind) else { throw ValidationError("the kind is people, units, procedures or dossiers") }
        guard let data = FileManager.default.contents(atPath: file), let text = String(data: data, encoding: .utf8) else {
            throw ValidationError("cannot read \(file) as UTF-8")
        }
        let (report, catalogs) = try await CLI.withServices(settings) { services in
            let progress: ImportStore.Progress = { done, total in
                let percent = total == 0 ? 100 : done * 100 / total
                FileHandle.standardError.write(Data("\r\(kind.rawValue): \(percent)%".utf8))
            }
            let catalogs = services.views.catalogs
            do {
                let report = try await services.imports.store.run(kind, text, dryRun: dryRun, scopes: ["/"], by: CLI.actor, progress: progress)
                FileHandle.standardError.write(Data("\n".utf8))
                return (report, catalogs)
            } catch let e as ImportFileError {
                throw ValidationError(catalogs.error(e.key, .vi) + (e.line.map { " " + CLI.say(catalogs, "cli_import_file_line", $0) } ?? ""))
            }
        }
        for issue in report.issues {
            print(CLI.say(catalogs, "cli_import_issue", issue.line, catalogs.text("field_\(issue.field)", .vi), catalogs.error(issue.key, .vi)))
        }
        if report.applied {
            print(CLI.say(catalogs, "cli_import_done", report.created))
        } else if report.issues.isEmpty {
            print(CLI.say(catalogs, "cli_import_checked", report.rows))
        } else {
            print(CLI.say(catalogs, "cli_import_rejected", report.issues.count))
            throw ExitCode(1)
        }
    }
}

enum CLI {
    static let actor = Actor(id: nil, name: "cli")

    /// A catalog message for operators, in Vietnamese, with `{0}`, `{1}`… filled in.
    static func say(_ catalogs: Catalogs, _ key: String, _ arguments: any CustomStringConvertible...) -> String {
        var text = catalogs.text(key, .vi)
        for (i, a) in arguments.enumerated() { text = text.replacingOccurrences(of: "{\(i)}", with: a.description) }
        return text
    }


    /// Opens everything (migrating first), runs `body`, and always closes the database.
    static func withServices<T: Sendable>(_ settings: Settings, _ body: (AppServices) async throws -> T) async throws -> T {
        let config = try settings.load()
        let services = try await AppServices.open(config: config, logger: settings.logger(config))
        do {
            let result = try await body(services)
            await services.database.shutdown()
            return result
        } catch {
            await services.database.shutdown()
            throw error
        }
    }
}

/// `congvu version`: the build's version and the schema step it migrates to (also `congvu --version`).
struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "version", abstract: "Print the version and the schema step.")

    func run() { print(Release.description) }
}
