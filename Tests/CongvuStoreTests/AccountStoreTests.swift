import CongvuDomain
import CongvuStore
import CongvuTestSupport
import Crypto
import SQLKit
import Foundation
import Testing

@Suite struct AccountStoreTests {
    @Test(arguments: TestDatabases.kinds)
    func sessionsLiveInTheDatabaseAsHashes(kind: DatabaseKind) async throws {
        try await TestDatabases.withFresh(kind) { db, _ in
            let t = try await Tree.make(db)
            let accounts = accountStore(db)
            let account = try await accounts.create(username: "Chutich.A", displayName: "Chủ tịch", passwordHash: "x", personID: nil,
                                                    grants: [(.leader, t.communeA.id)], by: Tree.actor)
            #expect(account.username == "chutich.a")
            let (token, session) = try await accounts.startSession(userID: account.id, secondFactorPending: false, address: "127.0.0.1")
            #expect(session.id != token)
            #expect(try await accounts.signedIn(token: token)?.0.userID == account.id)
            let principal = try await accounts.principal(for: account)
            #expect(principal.allows(.viewPeople, at: t.committeeA.path))
            #expect(!principal.allows(.viewPeople, at: t.committeeB.path))
            try await accounts.setPassword(userID: account.id, passwordHash: "y", by: Tree.actor, reason: "test")
            #expect(try await accounts.signedIn(token: token) == nil)
        }
    }

    /// Tokens expire, show their last use, are revoked by their owner, and all of them when the
    /// account is disabled or its password replaced.
    @Test(arguments: TestDatabases.kinds)
    func apiTokensExpireAndAreRevoked(kind: DatabaseKind) async throws {
        try await TestDatabases.withFresh(kind) { db, _ in
            let t = try await Tree.make(db)
            let accounts = accountStore(db)
            let a = try await accounts.create(username: "tichhop", displayName: "Tích hợp", passwordHash: "x", personID: nil,
                                              grants: [(.civilServant, t.communeA.id)], by: Tree.actor)
            let other = try await accounts.create(username: "khac", displayName: "Khác", passwordHash: "x", personID: nil,
                                                  grants: [(.civilServant, t.communeA.id)], by: Tree.actor)
            let t0 = Date()
            let month = try await accounts.issueAPIToken(userID: a.id, name: "cổng tỉnh", days: 30, by: Tree.actor, now: t0)
            await #expect(throws: ValidationErrors.self) { try await accounts.issueAPIToken(userID: a.id, name: "mãi mãi", days: 10_000, by: Tree.actor) }
            #expect(try await accounts.principal(apiToken: month, now: t0.addingTimeInterval(29 * 86400))?.userID == a.id)
            #expect(try await accounts.principal(apiToken: month, now: t0.addingTimeInterval(31 * 86400)) == nil)
            var list = try await accounts.tokens(userID: a.id)
            #expect(list.count == 1 && list[0].lastUsedAt != nil && !list[0].usable(at: t0.addingTimeInterval(31 * 86400)))
            // The owner revokes one; another account cannot.
            let second = try await accounts.issueAPIToken(userID: a.id, name: "báo cáo", by: Tree.actor)
            let secondID = try #require(try await accounts.tokens(userID: a.id).first { $0.name == "báo cáo" }).id
            await #expect(throws: StoreError.self) { try await accounts.revokeAPIToken(id: secondID, userID: other.id, by: Tree.actor) }
            #expect(try await accounts.principal(apiToken: second)?.userID == a.id)
            try await accounts.revokeAPIToken(id: secondID, userID: a.id, by: Tree.actor)
            #expect(try await accounts.principal(apiToken: second) == nil)
            // A new password revokes them all; so does disabling the account.
            let third = try await accounts.issueAPIToken(userID: a.id, name: "mới", by: Tree.actor)
            try await accounts.setPassword(userID: a.id, passwordHash: "y", by: Tree.actor, reason: "đặt lại")
            #expect(try await accounts.principal(apiToken: third) == nil)
            let fourth = try await accounts.issueAPIToken(userID: a.id, name: "sau", by: Tree.actor)
            try await accounts.setDisabled(userID: a.id, true, by: Tree.actor, reason: "nghỉ việc")
            try await accounts.setDisabled(userID: a.id, false, by: Tree.actor, reason: "trở lại")
            #expect(try await accounts.principal(apiToken: fourth) == nil)
            list = try await accounts.tokens(userID: a.id)
            #expect(list.count == 4 && list.allSatisfy { !$0.usable(at: Date()) })
        }
    }

    @Test(arguments: TestDatabases.kinds)
    func apiTokensAndTwoFactorSecretsAreNotStoredInTheClear(kind: DatabaseKind) async throws {
        try await TestDatabases.withFresh(kind) { db, _ in
            let t = try await Tree.make(db)
            let accounts = accountStore(db)
            let account = try await accounts.create(username: "api", displayName: "API", passwordHash: "x", personID: nil,
                                                    grants: [(.civilServant, t.communeA.id)], by: Tree.actor)
            let token = try await accounts.issueAPIToken(userID: account.id, name: "test", by: Tree.actor)
            // The token stands for the account with its grants, read in the same query.
            let viaToken = try #require(try await accounts.principal(apiToken: token))
            let direct = try await accounts.principal(for: account)
            #expect(viaToken.userID == account.id && viaToken.grants == direct.grants)
            #expect(viaToken.grants.map(\.unitPath) == [t.communeA.path])
            #expect(try await accounts.principal(apiToken: token + "x") == nil)
            try await accounts.setTOTP(userID: account.id, secret: "ABCDEFGHIJ", enabled: true, by: Tree.actor)
            #expect(try await accounts.totpSecret(userID: account.id) == "ABCDEFGHIJ")
            let raw = try await db.read { try await $0.raw("SELECT totp_secret FROM users").first()!.decode(column: "totp_secret", as: String.self) }
            #expect(!raw.contains("ABCDEFGHIJ"))
        }
    }

    @Test(arguments: TestDatabases.kinds)
    func failuresAreCountedPerAccountAndSource(kind: DatabaseKind) async throws {
        try await TestDatabases.withFresh(kind) { db, _ in
            let accounts = accountStore(db)
            let t0 = Date()
            for i in 0..<3 { try await accounts.recordFailure(username: "A", source: "10.0.0.1", userID: nil, now: t0.addingTimeInterval(Double(i))) }
            try await accounts.recordFailure(username: "b", source: "10.0.0.1", userID: nil, now: t0.addingTimeInterval(3))
            try await accounts.recordFailure(username: "a", source: "10.0.0.2", userID: nil, now: t0.addingTimeInterval(4))
            let counts = try await accounts.recentFailures(username: "a", source: "10.0.0.1", window: 900, now: t0.addingTimeInterval(10))
            #expect(counts.pair == 3 && counts.address == 4 && counts.account == 4)
            #expect(counts.lastPair.map { abs($0.timeIntervalSince(t0.addingTimeInterval(2))) < 0.01 } == true)
            // Outside the window nothing counts.
            #expect(try await accounts.recentFailures(username: "a", source: "10.0.0.1", window: 900, now: t0.addingTimeInterval(2000)).account == 0)
            // The right password forgives its own source only.
            try await accounts.clearFailures(username: "a", source: "10.0.0.1")
            let after = try await accounts.recentFailures(username: "a", source: "10.0.0.1", window: 900, now: t0.addingTimeInterval(10))
            #expect(after.pair == 0 && after.account == 1)
        }
    }

    @Test(arguments: TestDatabases.kinds)
    func knownDevicesAndTheOwnersAlert(kind: DatabaseKind) async throws {
        try await TestDatabases.withFresh(kind) { db, _ in
            let accounts = accountStore(db)
            let tree = try await Tree.make(db)
            let a = try await accounts.create(username: "chutich", displayName: "Chủ tịch", passwordHash: "x", personID: nil,
                                              grants: [(.leader, tree.communeA.id)], by: Tree.actor)
            let token = try await accounts.rememberDevice(userID: a.id)
            #expect(try await accounts.isKnownDevice(userID: a.id, token: token))
            let other = try await accounts.isKnownDevice(userID: a.id, token: "other"), elsewhere = try await accounts.isKnownDevice(userID: a.id + 1, token: token)
            #expect(!other && !elsewhere)
            // A known device's failures are counted apart from its address.
            #expect(AccountStore.source(address: "10.0.0.1", knownDevice: token) != "10.0.0.1")
            for source in ["10.0.0.9", "10.0.0.9", "10.0.0.8", AccountStore.source(address: "10.0.0.1", knownDevice: token)] {
                try await accounts.recordFailure(username: "chutich", source: source, userID: a.id)
            }
            #expect(try await accounts.openSignInAlert(userID: a.id, atLeast: 5) == nil)
            let alert = try #require(try await accounts.openSignInAlert(userID: a.id, atLeast: 3))
            #expect(alert.failures == 4 && alert.sources == ["10.0.0.9", "10.0.0.8", "device"])
            try await accounts.markSignInAlertsSeen(userID: a.id)
            #expect(try await accounts.openSignInAlert(userID: a.id, atLeast: 1) == nil)
            // The next failure opens a new alert.
            try await accounts.recordFailure(username: "chutich", source: "10.0.0.7", userID: a.id)
            #expect(try await accounts.openSignInAlert(userID: a.id, atLeast: 1)?.failures == 1)
        }
    }
}

@Suite struct SignedInTests {
    @Test(arguments: TestDatabases.kinds)
    func oneQueryGivesTheSessionAndEveryGrant(kind: DatabaseKind) async throws {
        try await TestDatabases.withFresh(kind) { db, _ in
            let t = try await Tree.make(db)
            let accounts = accountStore(db)
            let account = try await accounts.create(username: "hai.vai", displayName: "Hai Vai", passwordHash: "x", personID: nil,
                                                    grants: [(.leader, t.communeA.id), (.inspector, t.province.id)], by: Tree.actor)
            let (token, started) = try await accounts.startSession(userID: account.id, secondFactorPending: true, address: "::1")
            let (session, principal) = try #require(try await accounts.signedIn(token: token))
            #expect(session == started.with(expiresAt: session.expiresAt))
            #expect(principal == (try await accounts.principal(for: account)))
            #expect(Set(principal.grants.map(\.unitPath)) == [t.communeA.path, t.province.path])
            #expect(try await accounts.signedIn(token: String(repeating: "0", count: 64)) == nil)
            try await accounts.setDisabled(userID: account.id, true, by: Tree.actor, reason: "test")
            #expect(try await accounts.signedIn(token: token) == nil)
        }
    }
}

extension Session {
    func with(expiresAt: Date) -> Session {
        var s = self
        s.expiresAt = expiresAt
        return s
    }
}

/// A secret key that is there but unusable stops the start; it is never silently replaced.
@Suite struct SecretKeyTests {
    func directory() throws -> String {
        let dir = NSTemporaryDirectory() + "congvu-key-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test func theFirstStartMakesAKeyAndLaterStartsReadIt() throws {
        let dir = try directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let sealed = try SecretBox.load(dataDirectory: dir, environmentKey: nil).seal("JBSWY3DPEHPK3PXP")
        #expect(try SecretBox.load(dataDirectory: dir, environmentKey: nil).open(sealed) == "JBSWY3DPEHPK3PXP")
        let mode = try FileManager.default.attributesOfItem(atPath: dir + "/secret.key")[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }

    @Test func aDamagedKeyFileIsRefusedAndKept() throws {
        let dir = try directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = try SecretBox.load(dataDirectory: dir, environmentKey: nil)
        let path = dir + "/secret.key"
        for damaged in ["", "not hex at all", String(repeating: "ab", count: 31)] {
            try damaged.write(toFile: path, atomically: true, encoding: .utf8)
            #expect(throws: SecretKeyUnusable.self) { try SecretBox.load(dataDirectory: dir, environmentKey: nil) }
            // Left as it was, for the administrator to restore: not overwritten with a new key.
            #expect(try String(contentsOfFile: path, encoding: .utf8) == damaged)
        }
    }

    @Test func aMalformedEnvironmentKeyIsRefusedNotIgnored() throws {
        let dir = try directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(throws: SecretKeyUnusable.self) { try SecretBox.load(dataDirectory: dir, environmentKey: "1234") }
        #expect(!FileManager.default.fileExists(atPath: dir + "/secret.key"))
        #expect(throws: Never.self) { try SecretBox.load(dataDirectory: dir, environmentKey: String(repeating: "0f", count: 32)) }
    }
}
