import CongvuDomain
import CongvuServer
import CongvuStore
import Foundation
import HTTPTypes
import HummingbirdOTP
import HummingbirdTesting
import Testing

@Suite struct AuthTests {
    @Test func pagesNeedASignIn() async throws {
        try await Harness.run { h in
            let b = h.browser()
            let r = try await b.get("/people")
            #expect(r.status == .seeOther)
            #expect(r.headers[.location] == "/login?next=%2Fpeople")
        }
    }

    @Test func theSessionCookieIsHttpOnlyAndSameSite() async throws {
        try await Harness.run { h in
            let b = h.browser()
            try await b.get("/login")
            let r = try await b.post("/login", ["username": "chutich.giahung", "password": Demo.password, "next": "/people"])
            #expect(r.headers[.location] == "/people")
            let cookie = r.headers[values: .setCookie].first { $0.hasPrefix("cv_session=") } ?? ""
            #expect(cookie.contains("HttpOnly"))
            #expect(cookie.contains("SameSite=Lax"))
            // Only local paths are followed after signing in.
            let other = h.browser()
            try await other.get("/login")
            let away = try await other.post("/login", ["username": "chutich.giahung", "password": Demo.password, "next": "//evil.example"])
            #expect(away.headers[.location] == "/")
        }
    }

    @Test func formsWithoutTheSessionTokenAreRefused() async throws {
        try await Harness.run { h in
            let b = try await h.signIn("vanphong.giahung")
            let person = try await h.someone(in: "14551-VP")
            let altered = String(b.csrf.dropLast()) + (b.csrf.hasSuffix("0") ? "1" : "0")
            #expect(altered != b.csrf)
            for token in ["", "forged", altered] {
                let r = try await b.post("/people/\(person.id)", ["_csrf": token, "full_name": "Tên Mới", "reason": "thử"])
                #expect(r.status == .forbidden)
            }
            #expect(try await h.services.people.get(person.id)?.person.fullName == person.fullName)
            // The sign-in form is checked against its own cookie.
            let fresh = h.browser()
            let r = try await fresh.post("/login", ["_csrf": "x", "username": "admin", "password": Demo.password])
            #expect(r.status == .forbidden)
        }
    }

    @Test func repeatedFailuresLockTheAccountForAWhile() async throws {
        try await Harness.run { h in
            let b = h.browser()
            for _ in 0..<5 {
                #expect(try await b.signIn("chutich.giahung", password: "wrong-password").status == .unauthorized)
            }
            let locked = try await b.signIn("chutich.giahung", password: Demo.password)
            #expect(locked.status == .tooManyRequests)
            #expect(locked.text.contains("15 phút"))
            // Another account is not locked by these failures.
            #expect(try await h.browser().signIn("congchuc.giahung", password: Demo.password).status == .seeOther)
        }
    }

    @Test func theAddressIsThrottledAcrossAccounts() async throws {
        try await Harness.run(configure: { $0.maxFailuresPerAddress = 3 }) { h in
            let b = h.browser()
            for name in ["a1", "a2", "a3"] { _ = try await b.signIn(name, password: "x") }
            #expect(try await b.signIn("admin", password: Demo.password).status == .tooManyRequests)
        }
    }

    @Test func aPolicyCanRequireTwoFactorForLeaders() async throws {
        try await Harness.run(configure: { $0.requireTwoFactorForPrivileged = true }) { h in
            let b = h.browser()
            try await b.get("/login")
            let r = try await b.post("/login", ["username": "chutich.giahung", "password": Demo.password])
            #expect(r.headers[.location] == "/login/2fa")
            // Half signed in: pages send back to the second step.
            #expect(try await b.get("/people").headers[.location] == "/login/2fa")
            let enrol = try await b.get("/login/2fa")
            #expect(enrol.text.contains("otpauth://totp/"))
            #expect(try await b.post("/login/2fa", ["code": "000000"]).status == .unauthorized)
            let account = try await h.services.accounts.byUsername("chutich.giahung")!
            let secret = try await h.services.accounts.totpSecret(userID: account.id)!
            let code = String(format: "%06d", TOTP(secret: secret).compute())
            #expect(try await b.post("/login/2fa", ["code": code]).headers[.location] == "/")
            #expect(try await b.get("/people").status == .ok)
            #expect(try await h.services.accounts.get(account.id)?.totpEnabled == true)
            // A civil servant is not asked.
            #expect(try await h.browser().signIn("congchuc.giahung", password: Demo.password).headers[.location] == "/")
        }
    }

    @Test func signingOutEndsTheSession() async throws {
        try await Harness.run { h in
            let b = try await h.signIn("congchuc.giahung")
            let session = b.cookies["cv_session"]!
            #expect(try await b.post("/logout", [:]).headers[.location] == "/login")
            #expect(try await h.services.accounts.signedIn(token: session) == nil)
            #expect(try await b.get("/").status == .seeOther)
        }
    }

    @Test func theLanguageSwitchesAndComesBack() async throws {
        try await Harness.run { h in
            let b = try await h.signIn("chutich.giahung")
            #expect(try await b.get("/people").text.contains("Cán bộ, công chức"))
            let r = try await b.get("/lang/en?back=%2Fpeople")
            #expect(r.headers[.location] == "/people")
            let english = try await b.get("/people").text
            #expect(english.contains("<html lang=\"en\">"))
            #expect(english.contains("Staff"))
            #expect(try await b.get("/lang/fr").status == .notFound)
        }
    }
}
