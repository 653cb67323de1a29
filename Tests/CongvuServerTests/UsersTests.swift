import CongvuDomain
import CongvuServer
import CongvuStore
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@Suite struct UsersTests {
    static func issuedPassword(_ html: String) -> String? {
        guard let r = html.range(of: "id=\"issued-password\">") else { return nil }
        return String(html[r.upperBound...].prefix { $0 != "<" })
    }

    @Test func theOfficeCreatesAccountsInItsOwnCommuneOnly() async throws {
        try await Harness.run { h in
            let office = try await h.signIn("vanphong.giahung")
            let own = try await h.unit(code: "14551-KT")
            let other = try await h.unit(code: "14554-KT")
            let created = try await office.post("/admin/users", ["username": "ketoan.giahung", "name": "Lò Thị Xuân", "role": "civil_servant", "unit_id": String(own.id)])
            #expect(created.status == .ok)
            let password = try #require(Self.issuedPassword(created.text))
            #expect(try await h.browser().signIn("ketoan.giahung", password: password).status == .seeOther)

            let escalate = try await office.post("/admin/users", ["username": "x1", "name": "X", "role": "system_admin", "unit_id": String(own.id)])
            #expect(escalate.status == .badRequest)
            #expect(escalate.text.contains("Vai trò không hợp lệ."))
            let elsewhere = try await office.post("/admin/users", ["username": "x2", "name": "X", "role": "leader", "unit_id": String(other.id)])
            #expect(elsewhere.status == .badRequest)
            #expect(try await h.services.accounts.byUsername("x1") == nil)
            #expect(try await h.services.accounts.byUsername("x2") == nil)
        }
    }

    @Test func resetAndDisableReachOnlyAccountsWithinScope() async throws {
        try await Harness.run { h in
            let office = try await h.signIn("vanphong.giahung")
            for username in ["admin", "chutich.giavan", "vanphong.giahung"] {
                let id = try await h.services.accounts.byUsername(username)!.id
                #expect(try await office.post("/admin/users/\(id)/reset", [:]).status == .forbidden, "\(username)")
                #expect(try await office.post("/admin/users/\(id)/disable", [:]).status == .forbidden, "\(username)")
            }
            #expect(try await h.browser().signIn("admin", password: Demo.password).status == .seeOther)

            let clerk = try await h.services.accounts.byUsername("congchuc.giahung")!
            let reset = try await office.post("/admin/users/\(clerk.id)/reset", [:])
            let password = try #require(Self.issuedPassword(reset.text))
            #expect(try await h.browser().signIn("congchuc.giahung", password: Demo.password).status == .unauthorized)
            #expect(try await h.browser().signIn("congchuc.giahung", password: password).status == .seeOther)
            #expect(try await office.post("/admin/users/\(clerk.id)/disable", [:]).status == .seeOther)
            #expect(try await h.browser().signIn("congchuc.giahung", password: password).status == .unauthorized)
        }
    }

    @Test func leadersDoNotManageAccounts() async throws {
        try await Harness.run { h in
            let leader = try await h.signIn("chutich.giahung")
            #expect(try await leader.get("/admin/users").status == .forbidden)
        }
    }
}
