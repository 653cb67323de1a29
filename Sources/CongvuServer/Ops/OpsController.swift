import CongvuStore
import HTTPTypes
import Hummingbird
import Prometheus
import SQLKit

/// `/healthz` for load balancers and `/metrics` for Prometheus.
struct OpsController {
    let services: AppServices

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("healthz") { _, _ -> Response in
            let database = services.database
            do {
                _ = try await database.read { try await $0.raw("SELECT 1 AS one").first() }
                return JSONReply.response(Health(status: "ok", database: database.kind.rawValue))
            } catch {
                return JSONReply.response(Health(status: "unavailable", database: database.kind.rawValue), status: .serviceUnavailable)
            }
        }
        // Metrics tell who uses what, and how much: this machine's own scraper, or whoever holds the token.
        router.get("metrics") { request, context -> Response in
            guard Self.mayReadMetrics(request, context, token: services.config.metricsToken) else {
                throw Refusal(status: .forbidden, key: "metrics_forbidden")
            }
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(bytes: MetricsRegistry.registry.emitToBuffer())))
        }
    }

    /// From this machine directly (not forwarded by a proxy on it), or with `Authorization: Bearer <metrics_token>`.
    static func mayReadMetrics(_ request: Request, _ context: AppRequestContext, token: String?) -> Bool {
        if let token, let given = request.headers[.authorization], FormData.constantTimeEqual(given, "Bearer " + token) { return true }
        return ClientAddress.isLoopback(context.remoteAddress?.ipAddress) && request.headers[HTTPField.Name("X-Forwarded-For")!] == nil
    }

    struct Health: Encodable {
        var status: String
        var database: String
    }
}
