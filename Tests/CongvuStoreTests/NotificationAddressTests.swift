import CongvuDomain
import CongvuStore
import CongvuTestSupport
import Foundation
import SQLKit
import Testing

/// People's addresses on both databases: nothing is sent to an address before its code came back,
/// codes expire and run out of tries, a chat is linked by the code it sends, and the choices a
/// person makes route what is raised for them.
@Suite struct NotificationAddressTests {
    let now = Instant.parseLocal("2026-12-07 09:00")!

    @Test(arguments: TestDatabases.kinds) func anEmailIsUsedOnlyOnceItsCodeCameBack(kind: DatabaseKind) async throws {
        try await TestDatabases.withFresh(kind) { db, _ in
            let tree = try await Tree.make(db)
            let lan = try await Tree.person(db, "Nguyễn Thị Lan", in: tree.committeeA)
            let store = NotificationStore(database: db)
            let me = Actor(id: nil, name: "lan")

            await #expect(throws: StoreError.conflict(field: "address", key: "address_invalid")) {
                _ = try await store.requestCode(personID: lan.id, channel: .email, address: "lan@", at: now)
            }
            let code = try await store.requestCode(personID: lan.id, channel: .email, address: " Lan.NT@GiaHung.gov.vn ", at: now)
            #expect(code.count == 6 && code.allSatisfy(\.isNumber))
            #expect(try await store.addresses(personID: lan.id).map { "\($0.address) \($0.confirmed)" } == ["lan.nt@giahung.gov.vn false"])

            // Raised now: the e-mail is not confirmed, so nothing goes there.
            var mine = NotificationPreferences()
            mine.channels[.taskAssigned] = [.email]
            try await store.setPreferences(mine, personID: lan.id, by: me, at: now)
            let key = NotificationKey(.taskAssigned, recordType: "task", recordID: 1)
            try await db.write { try await NotificationStore.raise(NotificationDraft(key: key), toPeople: [lan.id], at: self.now, in: $0) }
            #expect(try await store.route(at: now) == 1, "the worker admits the queued raise and routes it")
            let before = try #require(try await store.inbox(personID: lan.id).first)
            #expect(try await store.deliveries(notificationID: before.id).isEmpty, "the e-mail is not confirmed: the inbox alone")
            #expect(try await store.route(at: now) == 0, "routed once")

            let wrong = code == "000000" ? "000001" : "000000"
            #expect(try await store.confirm(personID: lan.id, channel: .email, code: wrong, by: me, at: now) == .wrong)
            let later = now.addingTimeInterval(AddressRules.codeLifetime + 1)
            #expect(try await store.confirm(personID: lan.id, channel: .email, code: code, by: me, at: later) == .noCode, "an old code is dead")
            #expect(try await store.confirm(personID: lan.id, channel: .email, code: code, by: me, at: now) == .confirmed)
            #expect(try await store.confirm(personID: lan.id, channel: .email, code: code, by: me, at: now) == .noCode, "a code works once")
            await #expect(throws: StoreError.conflict(field: "address", key: "address_already_confirmed")) {
                _ = try await store.requestCode(personID: lan.id, channel: .email, address: "lan.nt@giahung.gov.vn", at: now)
            }

            let key2 = NotificationKey(.taskAssigned, recordType: "task", recordID: 2)
            try await db.write { try await NotificationStore.raise(NotificationDraft(key: key2), toPeople: [lan.id], at: self.now, in: $0) }
            #expect(try await store.route(at: now) == 1, "the worker admits what was queued, then routes it")
            let after = try #require(try await store.inbox(personID: lan.id).first)
            #expect(after.id != before.id)
            #expect(try await store.deliveries(notificationID: after.id).map(\.channel) == [.email])
            let claimed = try await store.claim(limit: 10, at: now)
            #expect(claimed.map(\.targets) == [[DeliveryTarget(address: "lan.nt@giahung.gov.vn", keys: "")]])

            // Confirmed and removed: in the audit log both times.
            let id = try await store.addresses(personID: lan.id)[0].id
            let minh = try await Tree.person(db, "Trần Văn Minh", in: tree.committeeA)
            await #expect(throws: StoreError.notFound("address")) { try await store.removeAddress(id, personID: minh.id, by: me) }
            try await store.removeAddress(id, personID: lan.id, by: me)
            #expect(try await store.addresses(personID: lan.id).isEmpty)
            let trail = try await db.read { sql in
                try await sql.raw("SELECT action, object_type FROM audit_log WHERE object_type LIKE 'notification%' ORDER BY seq").all()
                    .map { "\(try $0.decode(column: "action", as: String.self)) \(try $0.decode(column: "object_type", as: String.self))" }
            }
            #expect(trail == ["create notification_preferences", "create notification_address", "delete notification_address"])
        }
    }

    @Test(arguments: TestDatabases.kinds) func codesRunOutOfTries(kind: DatabaseKind) async throws {
        try await TestDatabases.withFresh(kind) { db, _ in
            let tree = try await Tree.make(db)
            let lan = try await Tree.person(db, "Nguyễn Thị Lan", in: tree.committeeA)
            let store = NotificationStore(database: db)
            let me = Actor(id: nil, name: "lan")
            let code = try await store.requestCode(personID: lan.id, channel: .email, address: "lan@giahung.gov.vn", at: now)
            let wrong = code == "111111" ? "222222" : "111111"
            for _ in 0..<AddressRules.codeTries {
                #expect(try await store.confirm(personID: lan.id, channel: .email, code: wrong, by: me, at: now) == .wrong)
            }
            #expect(try await store.confirm(personID: lan.id, channel: .email, code: code, by: me, at: now) == .noCode,
                    "guessing a million codes five at a time needs a new code each time")
            await #expect(throws: StoreError.conflict(field: "address", key: "code_too_soon"), "one code a minute") {
                _ = try await store.requestCode(personID: lan.id, channel: .email, address: "lan@giahung.gov.vn", at: now.addingTimeInterval(59))
            }
            let later = now.addingTimeInterval(61)
            let fresh = try await store.requestCode(personID: lan.id, channel: .email, address: "lan@giahung.gov.vn", at: later)
            #expect(try await store.confirm(personID: lan.id, channel: .email, code: fresh, by: me, at: later) == .confirmed)
        }
    }

    @Test(arguments: TestDatabases.kinds) func aChatIsLinkedByTheCodeItSends(kind: DatabaseKind) async throws {
        try await TestDatabases.withFresh(kind) { db, _ in
            let tree = try await Tree.make(db)
            let lan = try await Tree.person(db, "Nguyễn Thị Lan", in: tree.committeeA)
            let store = NotificationStore(database: db)
            let code = try await store.requestCode(personID: lan.id, channel: .telegram, at: now)
            #expect(AddressRules.code(inChatMessage: "/start \(code.lowercased())") == code)
            #expect(try await store.link(channel: .telegram, code: "ZZZZ2222", chat: "5512345", at: now) == nil, "a stranger's code links nobody")
            #expect(try await store.link(channel: .zalo, code: code, chat: "5512345", at: now) == nil, "a Telegram code is not a Zalo one")
            #expect(try await store.link(channel: .telegram, code: code, chat: "5512345", at: now) == lan.id)
            #expect(try await store.link(channel: .telegram, code: code, chat: "999", at: now) == nil, "used once")
            #expect(try await store.addresses(personID: lan.id).map { "\($0.channel.rawValue) \($0.address) \($0.confirmed)" } == ["telegram 5512345 true"])
            // Linking the same chat again keeps one link.
            let again = try await store.requestCode(personID: lan.id, channel: .telegram, at: now)
            #expect(try await store.link(channel: .telegram, code: again, chat: "5512345", at: now) == lan.id)
            #expect(try await store.addresses(personID: lan.id).count == 1)
        }
    }

    @Test(arguments: TestDatabases.kinds) func choicesRouteWhatIsRaised(kind: DatabaseKind) async throws {
        try await TestDatabases.withFresh(kind) { db, _ in
            let tree = try await Tree.make(db)
            let lan = try await Tree.person(db, "Nguyễn Thị Lan", in: tree.committeeA)
            let chairman = try await Tree.person(db, "Lê Văn Hùng", in: tree.committeeA)
            let store = NotificationStore(database: db)
            for person in [lan.id, chairman.id] {
                let code = try await store.requestCode(personID: person, channel: .telegram, at: now)
                _ = try await store.link(channel: .telegram, code: code, chat: String(1000 + person), at: now)
            }
            try await store.setPreferences(.leader, personID: chairman.id, by: .system, at: now)
            #expect(try await store.preferences(personID: chairman.id) == .leader)
            #expect(try await store.preferences(personID: lan.id) == NotificationPreferences())
            let key = NotificationKey(.taskOverdue, recordType: "task", recordID: 7, occasion: "2026-12-07")
            try await db.write { try await NotificationStore.raise(NotificationDraft(key: key), toPeople: [lan.id, chairman.id, lan.id], at: self.now, in: $0) }
            #expect(try await store.route(at: now) == 2, "each person once")
            let lanItem = try #require(try await store.inbox(personID: lan.id).first)
            let chairItem = try #require(try await store.inbox(personID: chairman.id).first)
            #expect(try await store.deliveries(notificationID: lanItem.id).map(\.channel) == [.telegram])
            #expect(try await store.deliveries(notificationID: chairItem.id).isEmpty && chairItem.digested, "the leader reads it in the digest")

            // Saving the same choices again writes nothing new to the audit log.
            let count = { try await db.read { try await $0.raw("SELECT COUNT(*) AS n FROM audit_log").first()!.decode(column: "n", as: Int.self) } }
            let n = try await count()
            try await store.setPreferences(.leader, personID: chairman.id, by: .system, at: now)
            #expect(try await count() == n)
        }
    }
}
