import CongvuDomain
import CongvuServer
import CongvuStore
import CongvuTestSupport
import HTTPTypes
import HummingbirdTesting
import Testing

/// Every account of commune A (Gia Hưng) against every route that reads or changes something of
/// commune B (Gia Vân): nothing can be read, nothing can be changed, and the same routes work on A.
@Suite struct AccessMatrixTests {
    static let accountsOfA = ["congchuc.giahung", "chutich.giahung", "vanphong.giahung", "motcua.giahung"]

    @Test(arguments: TestDatabases.kinds)
    func aCommuneCannotReachAnotherCommune(kind: DatabaseKind) async throws {
        try await Harness.run(kind) { h in
            let communeB = try await h.unit(code: "14554")
            let officeB = try await h.unit(code: "14554-VP")
            let personB = try await h.someone(in: "14554-UB")
            let auditBefore = try await h.services.audit.recent(limit: 1000).filter { $0.action != .login }.count

            for username in Self.accountsOfA {
                let b = try await h.signIn(username)
                // Positive control: the same routes answer inside the account's own scope.
                let account = try await h.services.accounts.byUsername(username)!
                let own = try await h.services.units.get(try await h.services.accounts.principal(for: account).grants[0].unitID)!
                let personA = try await h.services.people.search("", scopes: [own.path], on: h.services.today, limit: 1).items[0].person
                #expect(try await b.get("/units/\(own.id)").status == .ok, "\(username) own unit")
                #expect(try await b.get("/people/\(personA.id)").status == .ok, "\(username) own person")

                for uri in ["/units/\(communeB.id)", "/units/\(communeB.id)/edit", "/units/\(officeB.id)",
                            "/people/\(personB.id)", "/people/\(personB.id)/edit"] {
                    let status = try await b.get(uri).status
                    #expect(status == .forbidden, "\(username) GET \(uri) answered \(status)")
                }
                let changes: [(String, [String: String])] = [
                    ("/units/\(communeB.id)", ["parent_id": String(communeB.parentID!), "kind": "commune", "code": "14554",
                                               "name": "Đã bị sửa", "reason": "thử quyền"]),
                    ("/people/\(personB.id)", ["full_name": "Đã Bị Sửa", "reason": "thử quyền"]),
                    ("/people/\(personB.id)/move", ["unit_id": String(officeB.id), "title": "X", "category": "cadre",
                                                    "valid_from": "2026-01-01", "reason": "thử quyền"]),
                    ("/units", ["parent_id": String(communeB.id), "kind": "department", "name": "Phòng lạ", "code": "LA"]),
                    ("/people", ["full_name": "Người Lạ", "unit_id": String(officeB.id), "title": "X", "category": "cadre",
                                 "valid_from": "2026-01-01"]),
                ]
                for (uri, form) in changes {
                    let status = try await b.post(uri, form).status
                    #expect(status == .forbidden || status == .badRequest, "\(username) POST \(uri) answered \(status)")
                }
                // Lists and searches do not show B.
                let units = try await b.get("/units?history=1").text
                #expect(!units.contains("/units/\(communeB.id)\""), "\(username) sees B in the unit list")
                let people = try await b.get("/people?q=" + Browser.encode(personB.fullName)).text
                #expect(!people.contains("/people/\(personB.id)\""), "\(username) finds B's staff")

                // The API with the account's own token.
                let token = try await h.services.accounts.issueAPIToken(userID: account.id, name: "matrix", by: .system)
                let auth: HTTPFields = [.authorization: "Bearer \(token)"]
                for uri in ["/api/v1/units/\(communeB.id)", "/api/v1/people/\(personB.id)"] {
                    let r = try await b.request(uri, headers: auth)
                    #expect(r.status == .forbidden, "\(username) API \(uri) answered \(r.status)")
                    #expect(r.text.contains("\"code\":\"forbidden\""))
                }
                #expect(try await b.request("/api/v1/people/\(personA.id)", headers: auth).status == .ok)
                let listed = try await b.request("/api/v1/people?limit=200", headers: auth).text
                #expect(!listed.contains("\"id\":\(personB.id),"), "\(username) API lists B's staff")
            }

            // Nothing of B changed, and nothing but sign-ins and tokens was written.
            #expect(try await h.services.units.get(communeB.id)?.name == "Xã Gia Vân")
            #expect(try await h.services.people.get(personB.id)?.person.fullName == personB.fullName)
            #expect(try await h.services.people.get(personB.id)?.assignments.count == 1)
            let auditAfter = try await h.services.audit.recent(limit: 1000).filter { $0.action != .login && $0.objectType != "api_token" }.count
            #expect(auditAfter == auditBefore)
        }
    }

    @Test func theProvinceAdministratorReachesEveryCommune() async throws {
        try await Harness.run { h in
            let b = try await h.signIn("admin")
            for code in ["14551", "14554", "14557", "377"] {
                #expect(try await b.get("/units/\(try await h.unit(code: code).id)").status == .ok)
            }
            #expect(try await b.get("/audit").status == .ok)
            let unitAdmin = try await h.signIn("vanphong.giahung")
            #expect(try await unitAdmin.get("/audit").status == .forbidden)
        }
    }
}
