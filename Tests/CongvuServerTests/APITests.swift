import CongvuDomain
import CongvuServer
import CongvuStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SQLKit
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

    /// Dossiers and the change feed through the API, by the pages' scopes; the feed's cursor moves on
    /// and repeats nothing.
    @Test func dossiersAndTheChangeFeedFollowTheScopes() async throws {
        try await Harness.run { h in
            func token(_ username: String) async throws -> String {
                let account = try #require(try await h.services.accounts.byUsername(username))
                return try await h.services.accounts.issueAPIToken(userID: account.id, name: "api", by: .system)
            }
            func get(_ uri: String, _ bearer: String) async throws -> (Int, [String: Any]) {
                let r = try await h.browser().request(uri, headers: [.authorization: "Bearer \(bearer)"])
                return (Int(r.status.code), (try? JSONSerialization.jsonObject(with: Data(r.body.readableBytesView)) as? [String: Any]) ?? [:])
            }
            // The demo's punches were kept as it loaded: let them settle.
            try await h.services.database.write { sql in try await sql.raw("UPDATE punches SET received_at = '2026-01-01T00:00:00.000Z'").run() }
            let admin = try await token("admin"), counter = try await token("motcua.giahung"), clerk = try await token("congchuc.giahung")
            let (_, all) = try await get("/api/v1/dossiers?filter=all&limit=500", admin)
            let items = try #require(all["items"] as? [[String: Any]])
            #expect(items.count > 10 && Set(items.compactMap { $0["unit_id"] as? Int }).count > 1)
            let (_, mine) = try await get("/api/v1/dossiers?filter=all&limit=500", counter)
            let own = try #require(mine["items"] as? [[String: Any]])
            let centre = try await h.unit(code: "14551-TTHCC")
            #expect(!own.isEmpty && own.count < items.count && own.allSatisfy { ($0["unit_id"] as? Int) == Int(centre.id) || ($0["current_unit_id"] as? Int) != nil })
            let ownIDs = Set(own.compactMap { $0["id"] as? Int })
            let other = try #require(items.first { item in !ownIDs.contains(item["id"] as? Int ?? 0) })
            #expect(try await get("/api/v1/dossiers/\(other["id"] as! Int)", counter).0 == 403)
            let (status, one) = try await get("/api/v1/dossiers/\(own[0]["id"] as! Int)", counter)
            #expect(status == 200 && ((one["dossier"] as? [String: Any])?["events"] as? [Any])?.isEmpty == false)
            #expect(try await get("/api/v1/dossiers?filter=nonsense", admin).0 == 400)
            #expect(try await get("/api/v1/dossiers", clerk).0 == 403)
            // The feed: a page, then the next from its cursor, nothing repeated.
            let (_, first) = try await get("/api/v1/changes?limit=20", admin)
            let next = try #require(first["next"] as? String)
            let firstIDs = Set(((first["dossiers"] as? [[String: Any]]) ?? []).compactMap { $0["id"] as? Int })
            #expect(firstIDs.count == 20 && ((first["punches"] as? [Any])?.count ?? 0) == 20 && next.hasPrefix("d"))
            let (_, second) = try await get("/api/v1/changes?limit=20&since=\(next)", admin)
            let secondIDs = Set(((second["dossiers"] as? [[String: Any]]) ?? []).compactMap { $0["id"] as? Int })
            #expect(!secondIDs.isEmpty && secondIDs.isDisjoint(with: firstIDs) && secondIDs.min()! > firstIDs.max()!)
            #expect(try await get("/api/v1/changes?since=yesterday", admin).0 == 400)
            #expect(try await get("/api/v1/changes", clerk).0 == 403)
            // The counter officer follows the dossiers of their centre only, and no punches.
            let (_, theirs) = try await get("/api/v1/changes?limit=1000", counter)
            let codes = Set(own.compactMap { $0["code"] as? String })
            #expect(((theirs["dossiers"] as? [[String: Any]]) ?? []).allSatisfy { codes.contains($0["code"] as? String ?? "") } && (theirs["punches"] as? [Any])?.isEmpty == true)
        }
    }
}
