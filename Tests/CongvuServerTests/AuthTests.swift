import CongvuDomain
@testable import CongvuServer
import CongvuStore
import Foundation
import HTTPTypes
import HummingbirdOTP
import Hummingbird
import HummingbirdTesting
import HummingbirdWebSocket
import NIOCore
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

    /// The known tricks that a browser turns into another site (`/%09/evil` became `//evil`).
    @Test func redirectsStayOnThisSite() async throws {
        for trick in ["//evil.example", "/%09/evil.example", "/\t/evil.example", "/\\evil.example", "/%5Cevil.example", "/%2F/evil.example",
                      "https://evil.example", "/%0a/evil.example", " /x", "/ /evil.example", "%2F%2Fevil.example", "/%E0%A4%A"] {
            #expect(AuthController.safeNext(trick) == nil, "\(trick)")
        }
        for fine in ["/", "/people?q=nguyen", "/one-stop/dossiers/3", "/tra-cuu?ma=000.01.37.H40-261204-0001&k=ab12"] {
            #expect(AuthController.safeNext(fine) == fine)
        }
        try await Harness.run { h in
            let b = h.browser()
            let r = try await b.get("/lang/en?back=/%09/evil.example")
            #expect(r.headers[.location] == "/")
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

    /// Someone guessing a leader's password (usernames are guessable) neither gets in nor keeps
    /// the leader out: the guesser waits longer and longer, the leader's own phone still signs in,
    /// and the leader is told.
    @Test func failuresDelayTheGuesserAndNeverLockOutTheOwner() async throws {
        try await Harness.run { h in
            // The leader's phone has signed in before: a known device.
            let phone = try await h.signIn("chutich.giahung")
            #expect(phone.cookies["cv_device"] != nil)
            _ = try await phone.post("/logout", [:])
            let guesser = h.browser()
            for _ in 0..<3 {
                #expect(try await guesser.signIn("chutich.giahung", password: "wrong-password").status == .unauthorized)
            }
            // The fourth try from the same place must wait, even with the right password, and says how long.
            let waiting = try await guesser.signIn("chutich.giahung", password: Demo.password)
            #expect(waiting.status == .tooManyRequests && waiting.text.contains("Vui lòng thử lại sau") && waiting.text.contains("giây"))
            // Meanwhile the owner's known device signs in with the right password.
            #expect(try await phone.signIn("chutich.giahung", password: Demo.password).status == .seeOther)
            // Failures reach the account's limit: a new device (here the same address) waits, the known one does not.
            let store = h.services.accounts
            let account = try #require(try await store.byUsername("chutich.giahung"))
            // (Router tests have one address for every browser: the guesser's own failures are set aside
            // so that the new device is judged on the account's, made at another address.)
            try await store.clearFailures(username: "chutich.giahung", source: "unknown")
            for _ in 0..<5 { try await store.recordFailure(username: "chutich.giahung", source: "10.9.9.9", userID: account.id) }
            let newDevice = h.browser()
            let refused = try await newDevice.signIn("chutich.giahung", password: Demo.password)
            #expect(refused.status == .tooManyRequests && refused.text.contains("thiết bị đã dùng trước đây"))
            _ = try await phone.post("/logout", [:])
            #expect(try await phone.signIn("chutich.giahung", password: Demo.password).status == .seeOther)
            // The owner is told on the home page, until it is marked seen.
            let home = try await phone.get("/").text
            #expect(home.contains("id=\"sign-in-alert\"") && home.contains("10.9.9.9"))
            #expect(try await phone.post("/account/sign-in-alerts/seen", [:]).status == .seeOther)
            #expect(!(try await phone.get("/").text.contains("sign-in-alert")))
            // Another account is not touched by any of this.
            #expect(try await h.browser().signIn("congchuc.giahung", password: Demo.password).status == .seeOther)
        }
    }

    /// The live camera socket has a router of its own: it checked the principal only, so a session
    /// still waiting for its second factor could watch. Over a real socket upgrade.
    @Test func aHalfSignedInSessionCannotOpenTheLiveSocket() async throws {
        try await Harness.run(configure: { $0.requireTwoFactorForPrivileged = true }) { h in
            // A camera the commune's leaders may watch, added as the office does.
            let committee = try await h.unit(code: "14551-UB")
            let id = try await h.services.video.cameras.create(
                try CameraDraft(unitID: committee.id, name: "Cổng", brand: "rtsp", mainURL: "rtsp://10.0.0.9/live", recording: false).validated(),
                password: "", by: Actor(id: nil, name: "test"))
            try await h.services.video.cameras.grant(CameraGrant(cameraID: id, userID: nil, role: .leader, rights: [.live]), by: Actor(id: nil, name: "test"))
            let b = h.browser()
            try await b.get("/login")
            #expect(try await b.post("/login", ["username": "chutich.giahung", "password": Demo.password]).headers[.location] == "/login/2fa")
            let app = Application(router: buildRouter(h.services), server: .http1WebSocketUpgrade(webSocketRouter: buildWebSocketRouter(h.services)),
                                  configuration: .init(address: .hostname("127.0.0.1", port: 0)))
            let cookies = b.cookieHeader
            try await app.test(.live) { client in
                let upgrade: HTTPFields = [.cookie: cookies, .connection: "Upgrade", .upgrade: "websocket",
                                           HTTPField.Name("Sec-WebSocket-Version")!: "13", HTTPField.Name("Sec-WebSocket-Key")!: "dGhlIHNhbXBsZSBub25jZQ=="]
                let r = try await client.execute(uri: "/cameras/live/socket?c=\(id)", method: .get, headers: upgrade)
                #expect(r.status != .switchingProtocols)
            }
        }
    }

    /// Behind the office's reverse proxy every request comes from the proxy: the throttles count the
    /// client it forwarded (believed from the configured proxy only), over real HTTP.
    @Test func throttlesCountTheForwardedClient() async throws {
        try await Harness.run(configure: { $0.trustedProxies = ["127.0.0.1", "::1"]; $0.maxFailuresPerAddress = 3 }) { h in
            let app = Application(router: buildRouter(h.services), configuration: .init(address: .hostname("127.0.0.1", port: 0)))
            try await app.test(.live) { client in
                let forwarded = HTTPField.Name("X-Forwarded-For")!
                func signIn(_ user: String, _ password: String, from address: String) async throws -> HTTPResponse.Status {
                    let page = try await client.execute(uri: "/login", method: .get, headers: [forwarded: address])
                    let cookie = try #require(page.headers[values: .setCookie].first { $0.hasPrefix("cv_csrf=") }).split(separator: ";")[0]
                    let token = try #require(Browser.csrf(in: String(buffer: page.body)))
                    let body = "_csrf=\(token)&username=\(user)&password=\(Browser.encode(password))"
                    return try await client.execute(uri: "/login", method: .post,
                                                    headers: [.contentType: "application/x-www-form-urlencoded", .cookie: String(cookie), forwarded: address],
                                                    body: ByteBuffer(string: body)).status
                }
                for name in ["a1", "a2", "a3"] {
                    let failed = try await signIn(name, "x", from: "203.0.113.7")
                    #expect(failed == .unauthorized)
                }
                let guesser = try await signIn("admin", Demo.password, from: "203.0.113.7")
                #expect(guesser == .tooManyRequests)
                // Another citizen behind the same proxy is not held back by the first one's guesses.
                let other = try await signIn("admin", Demo.password, from: "198.51.100.2")
                #expect(other == .seeOther)
            }
        }
    }

    /// One's own tokens on the account page: issued for a lifetime, listed with their last use, revoked.
    @Test func tokensAreListedAndRevokedByTheirOwner() async throws {
        try await Harness.run { h in
            let clerk = try await h.signIn("congchuc.giahung")
            let issued = try await clerk.post("/account/tokens", ["name": "Cổng tỉnh", "days": "30"])
            let token = try #require(issued.text.range(of: "id=\"new-token\">").map { String(issued.text[$0.upperBound...].prefix { $0 != "<" }) })
            #expect(try await clerk.post("/account/tokens", ["name": "Mãi mãi", "days": "9999"]).status == .badRequest)
            #expect(try await h.browser().request("/api/v1/units", headers: [.authorization: "Bearer \(token)"]).status == .ok)
            let page = try await clerk.get("/account").text
            #expect(page.contains("Cổng tỉnh") && page.contains("đang dùng được") && !page.contains(token))
            let owner = try #require(try await h.services.accounts.byUsername("congchuc.giahung"))
            let id = try #require(try await h.services.accounts.tokens(userID: owner.id).first).id
            // Another account cannot revoke it.
            #expect(try await h.signIn("chutich.giahung").post("/account/tokens/\(id)/revoke", [:]).status == .notFound)
            #expect(try await clerk.post("/account/tokens/\(id)/revoke", [:]).status == .seeOther)
            #expect(try await h.browser().request("/api/v1/units", headers: [.authorization: "Bearer \(token)"]).status == .unauthorized)
            #expect(try await clerk.get("/account").text.contains("đã thu hồi"))
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
            #expect(try await b.get("/").headers[.location] == "/login/2fa")
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
            // Signed out: `/` is the citizens' front door again, and staff pages ask for a sign-in.
            let front = try await b.get("/")
            #expect(front.status == .ok && front.text.contains("id=\"public-tracking\"") && !front.text.contains("/logout"))
            #expect(try await b.get("/people").status == .seeOther)
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
