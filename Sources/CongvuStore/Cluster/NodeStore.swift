import CongvuDomain
import Foundation
import SQLKit

/// A server process of the installation: its name and roles from the configuration, what it runs,
/// and when it was last heard of.
public struct ClusterNode: Sendable, Equatable {
    public var name: String
    public var roles: [String]
    public var site: String
    public var version: String
    public var schemaStep: Int
    public var address: String
    public var startedAt: Date
    public var heartbeatAt: Date

    public init(name: String, roles: [String], site: String, version: String, schemaStep: Int, address: String, startedAt: Date, heartbeatAt: Date) {
        self.name = name
        self.roles = roles
        self.site = site
        self.version = version
        self.schemaStep = schemaStep
        self.address = address
        self.startedAt = startedAt
        self.heartbeatAt = heartbeatAt
    }

    /// Heard of within `silence` seconds of `now`.
    public func alive(at now: Date, silence: TimeInterval = NodeStore.silence) -> Bool { now.timeIntervalSince(heartbeatAt) < silence }
}

/// The nodes' registry (issue 25): each node writes its row at start and every few seconds; the
/// operations page and `/healthz` read who is there. Nothing here coordinates: claims do (`JobClaims`).
public struct NodeStore: Sendable {
    let database: Database
    /// A node not heard of for this long is taken for dead (three missed heartbeats and some).
    public static let silence: TimeInterval = 20

    public init(database: Database) { self.database = database }

    public func heartbeat(_ node: ClusterNode) async throws {
        try await database.write { sql in
            try await sql.raw("""
                INSERT INTO nodes (name, roles, site, version, schema_step, address, started_at, heartbeat_at)
                VALUES (\(bind: node.name), \(bind: node.roles.joined(separator: ",")), \(bind: node.site), \(bind: node.version),
                        \(bind: node.schemaStep), \(bind: node.address), \(bind: Instant.format(node.startedAt)), \(bind: Instant.format(node.heartbeatAt)))
                ON CONFLICT (name) DO UPDATE SET roles = excluded.roles, site = excluded.site, version = excluded.version,
                    schema_step = excluded.schema_step, address = excluded.address, started_at = excluded.started_at, heartbeat_at = excluded.heartbeat_at
                """).run()
        }
    }

    /// Every node that ever ran, the most recently heard first.
    public func list() async throws -> [ClusterNode] {
        try await database.read { sql in
            try await sql.raw("SELECT * FROM nodes ORDER BY heartbeat_at DESC, name").all().map { r in
                ClusterNode(name: try r.decode(column: "name", as: String.self),
                            roles: try r.decode(column: "roles", as: String.self).split(separator: ",").map(String.init),
                            site: try r.decode(column: "site", as: String.self), version: try r.decode(column: "version", as: String.self),
                            schemaStep: try r.decode(column: "schema_step", as: Int.self), address: try r.decode(column: "address", as: String.self),
                            startedAt: Instant.parse(try r.decode(column: "started_at", as: String.self)) ?? .distantPast,
                            heartbeatAt: Instant.parse(try r.decode(column: "heartbeat_at", as: String.self)) ?? .distantPast)
            }
        }
    }
}
