import CongvuDomain
import CongvuStore
import CongvuTestSupport
import Crypto
import Foundation
import Testing

/// Who a session or API token stands for is kept a few seconds (every request asks), yet every change
/// to who may do what is seen at once: on the node that made it and, through PostgreSQL, on another.
@Suite struct AdmissionTests {
    @Test(arguments: TestDatabases.kinds)
    func everyChangeToAccessIsSeenAtOnceThoughAdmissionsAreKept(kind: DatabaseKind) async throws {
        try await TestDatabases.withFresh(kind) { db, _ in
            let listening = try await listenForChanges(db)
            defer { listening.cancel() }
            #expect(db.hearsEveryChange)
            let t = try await Tree.make(db)
            let accounts = accountStore(db)
            let person = try await Tree.person(db, "Lê Văn Bình", in: t.committeeA)
            let account = try await accounts.create(username: "ketoan", displayName: "Kế toán", passwordHash: "x", personID: nil,
                                                    grants: [(.leader, t.committeeA.id)], by: Tree.actor)
            let token = try await accounts.issueAPIToken(userID: account.id, name: "cổng tỉnh", by: Tree.actor)
            let (cookie, session) = try await accounts.startSession(userID: account.id, secondFactorPending: true, address: "::1")

            // Kept: a change made behind the store's back (nothing published) shows only once the kept
            // admission has lived its few seconds.
            let now = Date()
            #expect(try await accounts.principal(apiToken: token, now: now)?.displayName == "Kế toán")
            try await db.execute("UPDATE users SET display_name = 'Ngoài luồng' WHERE id = \(account.id)")
            #expect(try await accounts.principal(apiToken: token, now: now + 1)?.displayName == "Kế toán")
            #expect(try await accounts.principal(apiToken: token, now: now + Admission.kept + 1)?.displayName == "Ngoài luồng")

            // Every change through the stores is seen by the next request, though both were read (and
            // kept) just before it.
            func readBoth() async throws -> (Principal?, (Session, Principal)?) {
                (try await accounts.principal(apiToken: token), try await accounts.signedIn(token: cookie))
            }
            #expect(try await readBoth().0?.personID == nil)
            try await accounts.setPerson(userID: account.id, person: person, by: Tree.actor, reason: "liên kết")
            #expect(try await readBoth().0?.personID == person.id)
            #expect(try await readBoth().1?.0.secondFactorPending == true)
            try await accounts.completeSecondFactor(sessionID: session.id)
            #expect(try await readBoth().1?.0.secondFactorPending == false)
            // The unit a grant names moves: the grant reaches the unit's new place at once.
            #expect(try await readBoth().0?.grants.map(\.unitPath) == [t.committeeA.path])
            let moved = try await UnitStore(database: db).update(t.committeeA.id, .init(parentID: t.communeB.id, kind: .peoplesCommittee,
                                                                                         code: "CA-UB", name: "UBND xã An Bình"),
                                                                 by: Tree.actor, reason: "sáp nhập")
            #expect(moved.path != t.committeeA.path)
            let afterMove = try await readBoth()
            #expect(afterMove.0?.grants.map(\.unitPath) == [moved.path])
            #expect(afterMove.1?.1.grants.map(\.unitPath) == [moved.path])
            try await accounts.endSession(id: session.id)
            let afterEnd = try await readBoth()
            #expect(afterEnd.0 != nil && afterEnd.1 == nil)
            let tokenID = try #require(try await accounts.tokens(userID: account.id).first).id
            try await accounts.revokeAPIToken(id: tokenID, userID: account.id, by: Tree.actor)
            #expect(try await accounts.principal(apiToken: token) == nil)

            // A new password, then a disabled account: tokens and sessions read a moment before are refused.
            for change in ["password", "disabled"] {
                let token = try await accounts.issueAPIToken(userID: account.id, name: change, by: Tree.actor)
                let (cookie, _) = try await accounts.startSession(userID: account.id, secondFactorPending: false, address: "::1")
                #expect(try await accounts.principal(apiToken: token) != nil)
                #expect(try await accounts.signedIn(token: cookie) != nil)
                if change == "password" {
                    try await accounts.setPassword(userID: account.id, passwordHash: "y", by: Tree.actor, reason: "đặt lại")
                } else {
                    try await accounts.setDisabled(userID: account.id, true, by: Tree.actor, reason: "nghỉ việc")
                }
                #expect(try await accounts.principal(apiToken: token) == nil, "\(change)")
                #expect(try await accounts.signedIn(token: cookie) == nil, "\(change)")
            }

            // A token that expires while its admission is kept is refused from that moment.
            let other = try await accounts.create(username: "vanthu", displayName: "Văn thư", passwordHash: "x", personID: nil,
                                                  grants: [(.civilServant, t.communeB.id)], by: Tree.actor)
            let edge = Date()
            let ending = try await accounts.issueAPIToken(userID: other.id, name: "sắp hết", days: 30, by: Tree.actor, now: edge - 30 * 86400 + 5)
            #expect(try await accounts.principal(apiToken: ending, now: edge)?.userID == other.id)
            #expect(try await accounts.principal(apiToken: ending, now: edge + 6) == nil)
        }
    }

    /// Node A keeps an admission; node B revokes the token: once A hears of it (NOTIFY), A refuses
    /// the token on its next request, well before the kept admission would have lapsed.
    @Test func aTokenRevokedOnOneNodeIsRefusedOnAnother() async throws {
        guard TestDatabases.kinds.contains(.postgres) else { return }
        try await TestDatabases.withFresh(.postgres) { a, _ in
            let b = try await Database.open(a.location, logger: TestDatabases.logger)
            let listening = try await listenForChanges(a, b)
            defer { listening.cancel() }
            let t = try await Tree.make(a)
            let onA = accountStore(a), onB = accountStore(b)
            let account = try await onA.create(username: "tichhop", displayName: "Tích hợp", passwordHash: "x", personID: nil,
                                               grants: [(.civilServant, t.communeA.id)], by: Tree.actor)
            let token = try await onA.issueAPIToken(userID: account.id, name: "cổng tỉnh", by: Tree.actor)
            let now = Date()
            #expect(try await onA.principal(apiToken: token, now: now) != nil)
            let heard = a.changes.receivedFromOthers
            let tokenID = try #require(try await onB.tokens(userID: account.id).first).id
            try await onB.revokeAPIToken(id: tokenID, userID: account.id, by: Tree.actor)
            for _ in 0..<1500 where a.changes.receivedFromOthers == heard { try await Task.sleep(for: .milliseconds(10)) }
            #expect(a.changes.receivedFromOthers > heard, "node A never heard of node B's change")
            // The same moment as the kept read: only the change heard can make A read it afresh.
            #expect(try await onA.principal(apiToken: token, now: now) == nil)
            listening.cancel()
            await b.shutdown()
        }
    }

    /// The command line resets a password and exits at once: the server (another node on the same
    /// PostgreSQL) still hears of it, because closing the database waits for the change to go out.
    @Test func aChangeMadeJustBeforeAProcessEndsStillReachesTheOthers() async throws {
        guard TestDatabases.kinds.contains(.postgres) else { return }
        try await TestDatabases.withFresh(.postgres) { server, _ in
            let listening = try await listenForChanges(server)
            defer { listening.cancel() }
            for _ in 0..<5 {
                let heard = server.changes.receivedFromOthers
                let commandLine = try await Database.open(server.location, logger: TestDatabases.logger)
                commandLine.changes.publish(.access)
                await commandLine.shutdown()
                _ = await eventually(5) { server.changes.receivedFromOthers != heard }
                #expect(server.changes.receivedFromOthers == heard + 1)
            }
        }
    }
}
