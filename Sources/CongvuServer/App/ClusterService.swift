import CongvuDomain
import CongvuStore
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import ServiceLifecycle

/// This node among the others on one database (issue 25): its name and roles from the
/// configuration, the registry it beats into, and the claims that run scheduled work once per cluster.
public struct ClusterServices: Sendable {
    /// This node as the registry shows it (the heartbeat's time is set at each beat).
    public let node: ClusterNode
    public let nodes: NodeStore
    public let claims: JobClaims
    /// What one node's request to another carries (`/internal` routes).
    let credential: ClusterCredential

    init(config: AppConfig, database: Database, secrets: SecretBox) {
        node = ClusterNode(name: config.nodeName, roles: config.nodeRoles, site: config.nodeSite, version: Release.version,
                           schemaStep: Schema.all.count, address: config.nodeAddress ?? "\(config.hostname):\(config.port)",
                           startedAt: Date(), heartbeatAt: Date())
        nodes = NodeStore(database: database)
        claims = JobClaims(database: database)
        credential = ClusterCredential(secrets: secrets, node: config.nodeName)
    }

    /// The address of a live node other than this one, by name (nil when unknown or silent).
    func address(of name: String, now: Date = Date()) async throws -> String? {
        guard name != node.name else { return nil }
        return try await nodes.list().first { $0.name == name && $0.alive(at: now) && !$0.address.isEmpty }?.address
    }

    /// Finished runs are kept a week for the operations page, then removed, once a night.
    var prune: NightlyJob {
        let claims = self.claims
        return NightlyJob(name: "job_claims_prune") { now in
            "\(try await claims.prune(finishedBefore: now.addingTimeInterval(-7 * 86_400))) finished runs removed"
        }
    }

    /// How long a claim holds without renewal: a node that dies in the middle of a job is replaced
    /// this long after its last renewal.
    static let lease: TimeInterval = 120

    /// Runs `job` for `slot` unless it is done or another node runs it now: claimed, renewed while it
    /// runs, finished with what it said (or its error). Returns whether this node ran it.
    @discardableResult
    func once(_ job: NightlyJob, slot: String, at now: Date = Date(), lease: TimeInterval = ClusterServices.lease, logger: Logger) async -> Bool {
        do {
            guard try await !claims.finished(job.name, slot: slot),
                  let claim = try await claims.claim(job.name, slot: slot, node: node.name, lease: lease, now: now) else { return false }
            let renewal = Task {
                while !Task.isCancelled {
                    try await Task.sleep(for: .seconds(lease / 3))
                    try await claims.renew(claim, lease: lease)
                }
            }
            defer { renewal.cancel() }
            let result: String
            do {
                result = try await job.run(now)
                logger.info("scheduled job done", metadata: ["job": "\(job.name)", "slot": "\(slot)", "attempt": "\(claim.attempt)", "result": "\(result)"])
            } catch {
                result = "failed: \(error)"
                logger.error("scheduled job failed", metadata: ["job": "\(job.name)", "slot": "\(slot)", "error": "\(error)"])
            }
            try await claims.finish(claim, result: result)
            return true
        } catch {
            logger.error("scheduled job not claimed", metadata: ["job": "\(job.name)", "slot": "\(slot)", "error": "\(error)"])
            return false
        }
    }
}

/// Beats into the registry every five seconds and, on PostgreSQL, hands the other nodes' changes to
/// this node's handlers (listening again a second after a lost connection).
struct ClusterService: Service {
    let cluster: ClusterServices
    let database: Database
    let logger: Logger
    static let beat: Duration = .seconds(5)

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await heartbeat() }
                if database.kind == .postgres { group.addTask { await listen() } }
            }
        }
    }

    func heartbeat() async {
        while !Task.isCancelled {
            var node = cluster.node
            node.heartbeatAt = Date()
            do { try await cluster.nodes.heartbeat(node) } catch { logger.error("heartbeat not written", metadata: ["error": "\(error)"]) }
            try? await Task.sleep(for: Self.beat)
        }
    }

    func listen() async {
        while !Task.isCancelled {
            do { try await database.listenForChanges() } catch {
                logger.error("not listening for the other nodes' changes", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: .seconds(1))
        }
    }
}

/// The cluster credential (issue 25): a node's request to another's `/internal` routes carries
/// `X-Congvu-Cluster: <node> <unix time> <HMAC-SHA-256>` of the node, time, method and path under
/// a key derived from the secret key every node shares; the other refuses it when the tag is wrong
/// or the time more than a minute off. Nothing else opens those routes: no session, no API token.
struct ClusterCredential: Sendable {
    let secrets: SecretBox
    let node: String
    static let header = HTTPField.Name("X-Congvu-Cluster")!
    static let skew: TimeInterval = 60

    func tag(node: String, time: Int, method: String, path: String) -> String {
        secrets.tag("cluster-relay", "\(node)\n\(time)\n\(method)\n\(path)", hexDigits: 64)
    }

    /// The header's value for a request of this node.
    func value(method: String, path: String, now: Date = Date()) -> String {
        let time = Int(now.timeIntervalSince1970)
        return "\(node) \(time) \(tag(node: node, time: time, method: method, path: path))"
    }

    /// The calling node's name when `value` is a good credential for this request.
    func verify(_ value: String?, method: String, path: String, now: Date = Date()) -> String? {
        let parts = (value ?? "").split(separator: " ").map(String.init)
        guard parts.count == 3, let time = Int(parts[1]), abs(now.timeIntervalSince1970 - Double(time)) <= Self.skew else { return nil }
        let expected = Array(tag(node: parts[0], time: time, method: method, path: path).utf8), given = Array(parts[2].utf8)
        guard expected.count == given.count else { return nil }
        // Compared in constant time.
        return zip(expected, given).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0 ? parts[0] : nil
    }
}

/// Only requests carrying the cluster credential reach the `/internal` routes.
struct ClusterOnlyMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let credential: ClusterCredential

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard credential.verify(request.headers[ClusterCredential.header], method: request.method.rawValue, path: request.uri.path) != nil else {
            throw Refusal(status: .unauthorized, key: "cluster_credential")
        }
        return try await next(request, context)
    }
}
