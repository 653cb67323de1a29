import CongvuStore
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
                return Self.json(.ok, "{\"status\":\"ok\",\"database\":\"\(database.kind.rawValue)\"}")
            } catch {
                return Self.json(.serviceUnavailable, "{\"status\":\"unavailable\",\"database\":\"\(database.kind.rawValue)\"}")
            }
        }
        router.get("metrics") { _, _ -> Response in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                     body: .init(byteBuffer: ByteBuffer(bytes: MetricsRegistry.registry.emitToBuffer())))
        }
    }

    static func json(_ status: HTTPResponse.Status, _ body: String) -> Response {
        Response(status: status, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}
