import CongvuDomain
import CongvuStore
import Foundation
import HummingbirdBcrypt
import Logging
import NIOPosix

/// Everything the routes depend on, gathered in one place and built once.
public struct AppServices: Sendable {
    public let config: AppConfig
    public let database: Database
    public let units: UnitStore
    public let people: PeopleStore
    public let accounts: AccountStore
    public let audit: AuditLog
    public let imports: ImportStore
    public let importJobs: ImportJobs
    public let views: Views
    public let passwords: Passwords
    public let cameras: CameraStore
    /// The camera recorders and their live pictures.
    public let video: VideoHub
    public let logger: Logger
    /// The key that seals secrets at rest and tags links we print (see `SecretBox.tag`).
    let secrets: SecretBox
    /// Live board notifications and the boards shared between viewers.
    let events = AttendanceEvents()
    /// Public dossier tracking, per address.
    let trackingLimiter: RateLimiter
    let trackingCache: TrackingCache

    /// Opens the database, applies pending migrations and loads templates and catalogs.
    public static func open(config: AppConfig, logger: Logger) async throws -> AppServices {
        let location = DatabaseLocation.resolve(databaseURL: config.databaseURL, dataDirectory: config.dataDirectory)
        return try await open(config: config, database: try await Database.open(location, logger: logger), logger: logger)
    }

    /// The same, over a database already open (tests hand in a fresh one). Closes it on failure.
    public static func open(config: AppConfig, database: Database, logger: Logger) async throws -> AppServices {
        do {
            try await Migrator().migrate(database)
            let secrets = try SecretBox.load(dataDirectory: config.dataDirectory, environmentKey: config.secretKey)
            let catalogs = try Catalogs.load(from: Resources.path("i18n"))
            let views = try await Views(templates: Resources.path("templates"), catalogs: catalogs)
            return AppServices(config: config, database: database,
                               units: UnitStore(database: database), people: PeopleStore(database: database),
                               accounts: AccountStore(database: database, secrets: secrets), audit: AuditLog(database: database),
                               imports: ImportStore(database: database), importJobs: ImportJobs(),
                               views: views, passwords: try await Passwords(cost: config.bcryptCost),
                               cameras: CameraStore(database: database, secrets: secrets),
                               video: VideoHub(store: CameraStore(database: database, secrets: secrets), ffmpeg: config.ffmpeg,
                                               directory: config.recordingsDirectory
                                                   ?? (config.dataDirectory as NSString).appendingPathComponent("recordings"),
                                               segmentSeconds: config.segmentSeconds,
                                               snapshots: PhotoStore(database: database,
                                                                     directory: (config.dataDirectory as NSString).appendingPathComponent("camera-snapshots")),
                                               snapshotDays: config.cameraSnapshotDays, logger: logger),
                               logger: logger, secrets: secrets,
                               trackingLimiter: RateLimiter(perMinute: config.trackingPerMinute),
                               trackingCache: TrackingCache(lifetime: TimeInterval(config.trackingCacheSeconds), capacity: 50_000))
        } catch {
            await database.shutdown()
            throw error
        }
    }

    /// Loads the demo data set with its cameras into an empty database.
    public func loadDemo() async throws -> [Demo.DemoAccount] {
        let accounts = try await Demo.load(into: database, passwordHash: try await passwords.hash(Demo.password))
        try await CameraDemo.load(into: cameras, units: units)
        return accounts
    }

    /// The audit chain's keyed checkpoints, in the data directory.
    public var auditCheckpoints: AuditCheckpoints { AuditCheckpoints(dataDirectory: config.dataDirectory, secrets: secrets) }

    /// Today in Vietnam: the day rules ask about.
    public var today: Day { Day(Date(), in: CivilTime.vietnam) }

    /// Terminals' punch photos, stored once under the data directory.
    public var punchPhotos: PhotoStore {
        PhotoStore(database: database, directory: (config.dataDirectory as NSString).appendingPathComponent("punch-photos"))
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
