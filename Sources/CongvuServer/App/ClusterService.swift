import CongvuDomain
import CongvuStore
import Foundation
import Logging
import ServiceLifecycle

/// This node among the others on one database (issue 25): its name and roles from the
/// configuration, the registry it beats into, and the claims that run scheduled work once per cluster.
public struct ClusterServices: Sendable {
    /// This node as the registry shows it (the heartbeat's time is set at each beat).
    public let node: ClusterNode
    public let nodes: NodeStore
    public let claims: JobClaims

    init(config: AppConfig, database: Database) {
        node = ClusterNode(name: config.nodeName, roles: config.nodeRoles, site: config.nodeSite, version: Release.version,
                           schemaStep: Schema.all.count, address: "\(config.hostname):\(config.port)", startedAt: Date(), heartbeatAt: Date())
        nodes = NodeStore(database: database)
        claims = JobClaims(database: database)
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
