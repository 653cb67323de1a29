import CongvuDomain
import CongvuStore
import Foundation
import HummingbirdBcrypt
import Logging
import NIOPosix

/// What every feature shares, built once at start: configuration, the database, pages, people,
/// accounts, the audit chain and the working calendar.
public struct SharedServices: Sendable {
    public let config: AppConfig
    public let database: Database
    public let logger: Logger
    public let views: Views
    public let passwords: Passwords
    /// The key that seals secrets at rest and tags links we print (see `SecretBox.tag`).
    let secrets: SecretBox
    public let units: UnitStore
    public let people: PeopleStore
    public let accounts: AccountStore
    public let audit: AuditLog
    /// The audit chain's keyed checkpoints, in the data directory.
    public let auditCheckpoints: AuditCheckpoints
    /// Working days, holidays and office hours of each unit.
    public let calendars: CalendarStore
    /// This node among the others on the database: the registry and the claims of scheduled work.
    public let cluster: ClusterServices

    var catalogs: Catalogs { views.catalogs }
    /// The outbox and inbox every feature tells people through.
    public var notifications: NotificationStore { NotificationStore(database: database) }

    /// Today in Vietnam: the day rules ask about.
    public var today: Day { Day(Date(), in: CivilTime.vietnam) }

    /// A unit's working calendar around today (a year back, five ahead: the deadlines a form accepts),
    /// kept by the calendar store; nil for an unknown unit.
    func workCalendar(unitID: Int64) async throws -> WorkCalendar? {
        guard let unit = try await units.get(unitID) else { return nil }
        return try await calendars.workCalendar(for: unit, years: (today.year - 1)...(today.year + 5))
    }

    /// The audit chain's latest checkpoint, in words, for the foot of a printed report: a paper
    /// filed away holds the chain's head as it stood that day (nil when there is none yet).
    func auditAnchor(_ locale: AppLocale) -> String? {
        guard let c = auditCheckpoints.latest() else { return nil }
        let at = Instant.parse(c.at).map { Instant.display($0) } ?? c.at
        return catalogs.text("audit_anchor", locale, [String(c.seq), String(c.hash.prefix(16)), at])
    }

    /// A directory under the data directory.
    func dataPath(_ name: String) -> String { (config.dataDirectory as NSString).appendingPathComponent(name) }
}

/// A feature's bundle reads the shared pieces as its own (`attendance.units`, `video.views`).
public protocol FeatureServices: Sendable {
    var shared: SharedServices { get }
}

extension FeatureServices {
    public subscript<T>(dynamicMember path: KeyPath<SharedServices, T>) -> T { shared[keyPath: path] }
}

/// Everything the routes depend on, built once at start: the shared pieces and one bundle per
/// feature, which owns that feature's stores and behaviour. Controllers receive their feature's
/// bundle; the home page, which reads every feature, receives them all.
@dynamicMemberLookup
public struct AppServices: Sendable {
    public let shared: SharedServices
    public let attendance: AttendanceServices
    public let terminals: TerminalServices
    public let oneStop: OneStopServices
    public let video: VideoServices
    public let imports: ImportServices
    public let tasks: TaskServices
    public let notifications: NotificationServices
    public let inspections: InspectionServices
    public let schedules: ScheduleServices
    public let feedback: FeedbackServices
    public let reform: ReformServices

    public subscript<T>(dynamicMember path: KeyPath<SharedServices, T>) -> T { shared[keyPath: path] }

    /// Opens the database, applies pending migrations and loads templates and catalogs.
    public static func open(config: AppConfig, logger: Logger) async throws -> AppServices {
        let location = DatabaseLocation.resolve(databaseURL: config.databaseURL, dataDirectory: config.dataDirectory)
        return try await open(config: config, database: try await Database.open(location, logger: logger), logger: logger)
    }

    /// The same, over a database already open (tests hand in a fresh one). Closes it on failure.
    public static func open(config: AppConfig, database: Database, logger: Logger) async throws -> AppServices {
        do {
            try await Migrator().migrate(database)
            // Data the schema's steps cannot write in SQL: the register's folded search text.
            try await FeedbackStore(database: database).fillSearchKeys()
            let secrets = try SecretBox.load(dataDirectory: config.dataDirectory, environmentKey: config.secretKey)
            let catalogs = try Catalogs.load(from: Resources.path("i18n"))
            let shared = SharedServices(
                config: config, database: database, logger: logger,
                views: try await Views(templates: Resources.path("templates"), catalogs: catalogs),
                passwords: try await Passwords(cost: config.bcryptCost), secrets: secrets,
                units: UnitStore(database: database), people: PeopleStore(database: database),
                accounts: AccountStore(database: database, secrets: secrets), audit: AuditLog(database: database),
                auditCheckpoints: AuditCheckpoints(dataDirectory: config.dataDirectory, secrets: secrets),
                calendars: CalendarStore(database: database), cluster: ClusterServices(config: config, database: database, secrets: secrets))
            let oneStop = OneStopServices(shared: shared)
            let attendance = AttendanceServices(shared: shared), tasks = TaskServices(shared: shared), schedules = try ScheduleServices(shared: shared, taskServices: tasks)
            return AppServices(shared: shared, attendance: attendance, terminals: TerminalServices(shared: shared),
                               oneStop: oneStop, video: VideoServices(shared: shared),
                               imports: ImportServices(shared: shared),
                               tasks: tasks, notifications: try await NotificationServices.make(shared: shared),
                               inspections: InspectionServices(shared: shared, attendance: attendance, taskServices: tasks, schedules: schedules),
                               schedules: schedules, feedback: FeedbackServices(shared: shared, taskServices: tasks),
                               reform: ReformServices(shared: shared, taskServices: tasks))
        } catch {
            await database.shutdown()
            throw error
        }
    }

    /// Loads the demo data set with its cameras into an empty database.
    public func loadDemo() async throws -> [Demo.DemoAccount] {
        var accounts = try await Demo.load(into: self.database, passwordHash: try await self.passwords.hash(Demo.password))
        try await CameraDemo.load(into: video.cameras, units: self.units)
        try await ScheduleDemo.load(self)
        try await InspectionDemo.load(self)
        try await FeedbackDemo.load(self)
        try await SurveyDemo.load(self)
        accounts += try await ReformDemo.load(self)
        // What the demo raised, admitted as a running server's worker would have.
        try await notifications.store.admitQueued()
        return accounts
    }
}

/// bcrypt, run off the event loops: one hash costs tens to hundreds of milliseconds.
public struct Passwords: Sendable {
    public let cost: Int
    /// Checked when the account does not exist, so that the time taken does not tell.
    public let decoy: String

    public init(cost: Int) async throws {
        self.cost = cost
        let c = UInt8(cost)
        self.decoy = try await NIOThreadPool.singleton.runIfActive { Bcrypt.hash(Token.random(), cost: c) }
    }

    public func hash(_ password: String) async throws -> String {
        let cost = UInt8(cost)
        return try await NIOThreadPool.singleton.runIfActive { Bcrypt.hash(password, cost: cost) }
    }

    public func verify(_ password: String, hash: String) async throws -> Bool {
        try await NIOThreadPool.singleton.runIfActive { Bcrypt.verify(password, hash: hash) }
    }

    /// A random password that people can read out and type: 14 letters and digits without look-alikes.
    public static func generate() -> String {
        let alphabet = Array("abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")
        var g = SystemRandomNumberGenerator()
        return String((0..<14).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &g)] })
    }

    /// A password policy that a person can meet and remember: at least 10 characters.
    public static func acceptable(_ password: String) -> Bool {
        password.count >= 10 && password.count <= 128
    }
}

/// Files shipped with the server (templates, catalogs, the OpenAPI document, CSS and JS).
public enum Resources {
    public static func path(_ name: String) -> String {
        if let override = ProcessInfo.processInfo.environment["CONGVU_RESOURCES"] {
            return (override as NSString).appendingPathComponent(name)
        }
        return Bundle.module.bundleURL.appendingPathComponent("Resources").appendingPathComponent(name).path
    }
}
