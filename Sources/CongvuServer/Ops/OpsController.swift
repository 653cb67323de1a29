import CongvuDomain
import CongvuStore
import Foundation
import HTTPTypes
import Hummingbird
import Prometheus
import SQLKit

/// `/healthz` for load balancers and `/metrics` for Prometheus.
struct OpsController {
    let services: AppServices

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("healthz") { _, _ -> Response in
            let health = await health()
            return JSONReply.response(health, status: health.status == Health.unavailable ? .serviceUnavailable : .ok)
        }
        // Metrics tell who uses what, and how much: this machine's own scraper, or whoever holds the token.
        router.get("metrics") { request, context -> Response in
            guard Self.mayReadMetrics(request, context, token: services.config.metricsToken) else {
                throw Refusal(status: .forbidden, key: "metrics_forbidden")
            }
            // The process's own (HTTP, pool), then the work's, counted in the database at this scrape.
            var body = ByteBuffer(bytes: MetricsRegistry.registry.emitToBuffer())
            body.writeString(try await OperationsFigures.read(services.database, terminalSilence: Self.terminalSilence).exposition)
            body.writeString(services.video.hub.exposition())
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"], body: .init(byteBuffer: body))
        }
    }

    /// From this machine directly (not forwarded by a proxy on it), or with `Authorization: Bearer <metrics_token>`.
    static func mayReadMetrics(_ request: Request, _ context: AppRequestContext, token: String?) -> Bool {
        if let token, let given = request.headers[.authorization], FormData.constantTimeEqual(given, "Bearer " + token) { return true }
        return ClientAddress.isLoopback(context.remoteAddress?.ipAddress) && request.headers[HTTPField.Name("X-Forwarded-For")!] == nil
    }

    /// Each subsystem's state for a monitor: `ok`, `degraded` (the server works, something needs a
    /// person: a terminal silent, the disk nearly full, cameras without ffmpeg) or `unavailable`
    /// (the database does not answer: 503, take the node out).
    struct Health: Encodable {
        static let ok = "ok", degraded = "degraded", unavailable = "unavailable"
        struct Check: Encodable {
            var status: String
            var detail: String?
        }
        /// A node of the installation as the registry has it (issue 25).
        struct Node: Encodable {
            var name: String
            var roles: [String]
            var site: String
            var version: String
            var schema: Int
            var heartbeatAt: String
            var alive: Bool
        }
        var status: String
        var database: String
        var version: String
        var schema: Int
        var checks: [String: Check]
        /// This node's name, and every node heard of (none when the database does not answer).
        var node: String
        var nodes: [Node]
    }

    /// A terminal unheard for this long is offline (they poll every few seconds to a minute).
    static let terminalSilence: TimeInterval = 600
    /// Less free space than this where the data (and recordings) live is a warning.
    static let diskLow: Int64 = 1 << 30

    func health(now: Date = Date()) async -> Health {
        var checks: [String: Health.Check] = [:]
        let config = services.config
        let figures: HealthFigures?
        do {
            figures = try await HealthFigures.read(services.database, terminalsSince: now.addingTimeInterval(-Self.terminalSilence))
            checks["database"] = .init(status: Health.ok)
        } catch {
            figures = nil
            checks["database"] = .init(status: Health.unavailable, detail: "no answer")
        }
        let directory = config.recordingsDirectory ?? config.dataDirectory
        if let free = (try? FileManager.default.attributesOfFileSystem(forPath: directory))?[.systemFreeSize] as? NSNumber {
            let bytes = free.int64Value
            checks["disk"] = .init(status: bytes < Self.diskLow ? Health.degraded : Health.ok, detail: "\(bytes / (1 << 20)) MiB free")
        } else {
            checks["disk"] = .init(status: Health.degraded, detail: "free space unknown")
        }
        let cameras = figures?.cameras ?? 0
        if services.video.hub.ffmpeg != nil {
            checks["ffmpeg"] = .init(status: Health.ok)
        } else {
            checks["ffmpeg"] = .init(status: cameras > 0 ? Health.degraded : Health.ok, detail: "missing (\(services.video.hub.ffmpegSetting))")
        }
        checks["cameras"] = .init(status: cameras > 0 && services.video.hub.ffmpeg == nil ? Health.degraded : Health.ok, detail: "\(cameras) kept")
        if let f = figures {
            checks["terminals"] = .init(status: f.terminalsOnline < f.terminals ? Health.degraded : Health.ok, detail: "\(f.terminalsOnline)/\(f.terminals) online")
        }
        let nodes = (try? await services.cluster.nodes.list()) ?? []
        let states = checks.values.map(\.status)
        let status = states.contains(Health.unavailable) ? Health.unavailable : states.contains(Health.degraded) ? Health.degraded : Health.ok
        return Health(status: status, database: services.database.kind.rawValue, version: Release.version, schema: Release.schema, checks: checks,
                      node: services.cluster.node.name,
                      nodes: nodes.map { .init(name: $0.name, roles: $0.roles, site: $0.site, version: $0.version, schema: $0.schemaStep,
                                               heartbeatAt: Instant.format($0.heartbeatAt), alive: $0.alive(at: now)) })
    }
}
