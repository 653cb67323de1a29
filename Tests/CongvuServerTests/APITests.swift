import CongvuDomain
import CongvuServer
import CongvuStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@Suite struct APITests {
    func token(_ h: Harness, _ username: String) async throws -> HTTPFields {
        let account = try await h.services.accounts.byUsername(username)!
        return [.authorization: "Bearer \(try await h.services.accounts.issueAPIToken(userID: account.id, name: "t", by: .system))"]
    }

    @Test func withoutATokenTheAnswerIs401InJSON() async throws {
        try await Harness.run { h in
            for headers: HTTPFields in [[:], [.authorization: "Bearer cv_nope"], [.authorization: "Basic YTpi"]] {
                let r = try await h.browser().request("/api/v1/units", headers: headers)
                #expect(r.status == .unauthorized)
                let body = try JSONSerialization.jsonObject(with: Data(r.text.utf8)) as? [String: [String: String]]
                #expect(body?["error"]?["code"] == "unauthorized")
                #expect(body?["error"]?["message"]?.isEmpty == false)
            }
        }
    }

    @Test func peopleSearchIgnoresAccents() async throws {
        try await Harness.run { h in
            let auth = try await token(h, "chutich.giahung")
            let r = try await h.browser().request("/api/v1/people?q=nguyen%20van%20hung", headers: auth)
            #expect(r.status == .ok)
            #expect(r.headers[.contentType]?.hasPrefix("application/json") == true)
            #expect(r.text.contains("\"full_name\":\"Nguyễn Văn Hùng\""))
            #expect(r.text.contains("\"unit_name\":\"UBND xã Gia Hưng\""))
        }
    }

    @Test func badParametersAre400NotErrors() async throws {
        try await Harness.run { h in
            let auth = try await token(h, "admin")
            for uri in ["/api/v1/people?limit=abc", "/api/v1/people?limit=0", "/api/v1/people?limit=100000", "/api/v1/people?offset=-1"] {
                let r = try await h.browser().request(uri, headers: auth)
                #expect(r.status == .badRequest, "\(uri)")
                #expect(r.text.contains("\"code\":\"bad_request\""))
            }
            for uri in ["/api/v1/people/abc", "/api/v1/people/999999", "/api/v1/units/-1", "/api/v1/nothing"] {
                let r = try await h.browser().request(uri, headers: auth)
                #expect(r.status == .notFound, "\(uri)")
                #expect(r.text.contains("\"code\":\"not_found\""))
            }
        }
    }

    @Test func unitsCarryTheirHistory() async throws {
        try await Harness.run { h in
            let auth = try await token(h, "admin")
            let r = try await h.browser().request("/api/v1/units?q=gia%20hung", headers: auth)
            let list = try JSONSerialization.jsonObject(with: Data(r.text.utf8)) as! [String: Any]
            let items = list["items"] as! [[String: Any]]
            let new = items.first { $0["code"] as? String == "14551" }!
            let old = items.first { $0["code"] as? String == "14530" }!
            #expect(old["successor_id"] as? Int == new["id"] as? Int)
            #expect(old["valid_to"] as? String == "2025-06-30")
        }
    }

    /// Every route under /api must be described by the OpenAPI document, and every described path must exist.
    @Test func theOpenAPIDocumentDescribesEveryRoute() async throws {
        try await Harness.run { h in
            let yaml = try await h.browser().get("/api/openapi.yaml")
            #expect(yaml.status == .ok)
            var described = Set<String>()
            var path: String?
            // A path item with its own `servers: [{ url: / }]` (Open311) is served from the root, not /api/v1.
            var base = "/api/v1"
            for line in yaml.text.split(separator: "\n") {
                if line.hasPrefix("  /"), line.hasSuffix(":") { path = String(line.dropFirst(2).dropLast()); base = "/api/v1"; continue }
                if !line.hasPrefix("    ") { path = nil }
                if path != nil, line == "    servers: [{ url: / }]" { base = "" }
                if let path, let method = ["get", "post", "put", "patch", "delete"].first(where: { line == "    \($0):" }) {
                    // A `{format}` path is registered once per format.
                    let paths = path.contains("{format}") ? ["json", "xml"].map({ path.replacingOccurrences(of: "{format}", with: $0) }) : [path]
                    for p in paths {
                        described.insert("\(method.uppercased()) \(base)\(p)")
                    }
                }
            }
            let routes = Set(buildRouter(h.services).routes.compactMap { route -> String? in
                let p = route.path.description
                guard p.hasPrefix("/api/v1") || p.hasPrefix("api/v1") || p.hasPrefix("/open311") else { return nil }
                let normalised = "/" + p.split(separator: "/").map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }.joined(separator: "/")
                return "\(route.method.rawValue) \(normalised)"
            })
            #expect(!routes.isEmpty)
            #expect(routes.subtracting(described).isEmpty, "routes missing from openapi.yaml: \(routes.subtracting(described))")
            #expect(described.subtracting(routes).isEmpty, "described but not served: \(described.subtracting(routes))")
        }
    }
}
