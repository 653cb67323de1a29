import CongvuDomain
import CongvuStore
import CongvuTestSupport
import Foundation
import SQLKit
import Testing

/// The outbox on both databases: raised inside the feature's transaction (or not at all), once per
/// key and person, claimed under a lease, every attempt kept, retries by the policy.
@Suite struct NotificationStoreTests {
    let now = Instant.parseLocal("2026-12-07 09:00")!

    func draft(_ task: Int64, _ kind: NotificationKind = .taskAssigned) -> NotificationDraft {
        NotificationDraft(key: NotificationKey(kind, recordType: "task", recordID: task), params: ["number": "\(task)/2026", "title": "Báo cáo quý IV"], link: "/tasks/\(task)")
    }

    @Test(arguments: TestDatabases.kinds) func raisedOnceInTheFeaturesTransaction(kind: DatabaseKind) async throws {
        try await TestDatabases.withFresh(kind) { db, _ in
            let tree = try await Tree.make(db)
            let lan = try await Tree.person(db, "Nguyễn Thị Lan", in: tree.committeeA)
            let store = NotificationStore(database: db)
            let routing = NotificationRouting.route(.taskAssigned, preferences: .init(), verified: [.telegram, .zalo], at: now)

            // A transaction that fails takes its notification with it.
            struct Refused: Error {}
            await #expect(throws: Refused.self) {
                try await db.write { sql in
                    try await NotificationStore.raise(draft(1), to: [(lan.id, routing)], at: now, in: sql)
                    throw Refused()
                }
            }
            #expect(try await store.inbox(personID: lan.id).isEmpty)

            let first = try await db.write { try await NotificationStore.raise(draft(1), to: [(lan.id, routing)], at: self.now, in: $0) }
            let again = try await db.write { try await NotificationStore.raise(draft(1), to: [(lan.id, routing)], at: self.now, in: $0) }
            #expect(first.count == 1 && again.isEmpty, "the same key for the same person is raised once")
            let inbox = try await store.inbox(personID: lan.id)
            #expect(inbox.map(\.kind) == [.taskAssigned] && inbox.first?.params["title"] == "Báo cáo quý IV" && inbox.first?.link == "/tasks/1")
            #expect(try await store.unread(personID: lan.id) == 1)
            let logs = try await store.deliveries(notificationID: first[0])
            #expect(logs.map(\.channel) == [.zalo, .telegram] && logs.allSatisfy { $0.state == "queued" && $0.attempts.isEmpty },
                    "the inbox is the notification itself; each confirmed channel has its delivery")

            // Another person's ids do not mark mine read.
            let minh = try await Tree.person(db, "Trần Văn Minh", in: tree.committeeA)
            try await store.markRead(first, personID: minh.id, at: now)
            #expect(try await store.unread(personID: lan.id) == 1)
            try await store.markRead(first, personID: lan.id, at: now)
            #expect(try await store.unread(personID: lan.id) == 0)
            #expect(try await store.inbox(personID: lan.id).first?.readAt == now)
        }
    }

    @Test(arguments: TestDatabases.kinds) func deliveriesAreClaimedUnderALeaseAndEveryAttemptIsKept(kind: DatabaseKind) async throws {
        try await TestDatabases.withFresh(kind) { db, _ in
            let tree = try await Tree.make(db)
            let lan = try await Tree.person(db, "Nguyễn Thị Lan", in: tree.committeeA)
            let store = NotificationStore(database: db)
            var quiet = NotificationPreferences()
            quiet.quietHours = QuietHours(start: 22 * 60, end: 6 * 60 + 30)
            let night = Instant.parseLocal("2026-12-06 23:00")!
            let held = NotificationRouting.route(.taskOverdue, preferences: quiet, verified: [.telegram], at: night)
            let ids = try await db.write { sql in
                try await NotificationStore.raise(self.draft(7, .taskOverdue), to: [(lan.id, held)], at: night, in: sql)
                    + NotificationStore.raise(self.draft(8), to: [(lan.id, NotificationRouting.route(.taskAssigned, preferences: .init(), verified: [.telegram], at: night))], at: night, in: sql)
            }
            #expect(ids.count == 2)

            // At night only the one without quiet hours' wait is due.
            let nightClaim = try await store.claim(limit: 10, at: night)
            #expect(nightClaim.map(\.notificationID) == [ids[1]] && nightClaim.first?.channel == .telegram && nightClaim.first?.params["number"] == "8/2026")
            #expect(try await store.claim(limit: 10, at: night).isEmpty, "a claimed delivery is not claimed twice while its lease runs")

            // The worker dies; after the lease another claims it, with the same idempotency key.
            let later = night.addingTimeInterval(61)
            let reclaimed = try await store.claim(limit: 10, at: later)
            #expect(reclaimed.map(\.id) == nightClaim.map(\.id) && reclaimed.first?.idempotencyKey == nightClaim.first?.idempotencyKey)
            try await store.record(reclaimed[0].id, .failed(answer: "HTTP 502", permanent: false), at: later)
            #expect(try await store.claim(limit: 10, at: later.addingTimeInterval(29)).isEmpty, "tried again after 30 s, not before")
            let retry = try await store.claim(limit: 10, at: later.addingTimeInterval(30))
            #expect(retry.map(\.attempts) == [1])
            try await store.record(retry[0].id, .sent(answer: "message_id 4411"), at: later.addingTimeInterval(31))
            await #expect(throws: StoreError.self, "a delivery recorded sent is not recorded again") {
                try await store.record(retry[0].id, .sent(answer: "again"), at: later.addingTimeInterval(32))
            }
            #expect(try await store.deliveries(notificationID: ids[1]) == [.init(channel: .telegram, state: "sent", attempts: ["failed", "sent"])])

            // In the morning the held one is due; the provider refuses the chat for good.
            let morning = Instant.parseLocal("2026-12-07 06:30")!
            let held2 = try await store.claim(limit: 10, at: morning)
            #expect(held2.map(\.notificationID) == [ids[0]])
            try await store.record(held2[0].id, .failed(answer: "403 bot was blocked by the user", permanent: true), at: morning)
            #expect(try await store.deliveries(notificationID: ids[0]) == [.init(channel: .telegram, state: "failed", attempts: ["refused"])])
            #expect(try await store.claim(limit: 10, at: morning.addingTimeInterval(86400)).isEmpty)

            // Attempts are append-only at the database.
            await #expect(throws: (any Error).self) { try await db.execute("UPDATE notification_attempts SET outcome = 'sent'") }
        }
    }

    /// A citizen has no account: what is raised to the address they gave goes through the same
    /// outbox, once per key and address, to that address alone, and stays out of every inbox.
    @Test(arguments: TestDatabases.kinds) func aNotificationRaisedToAnAddressGoesToThatAddressOnce(kind: DatabaseKind) async throws {
        try await TestDatabases.withFresh(kind) { db, _ in
            let tree = try await Tree.make(db)
            let lan = try await Tree.person(db, "Nguyễn Thị Lan", in: tree.committeeA)
            let store = NotificationStore(database: db)
            let answer = NotificationDraft(key: NotificationKey(.feedbackAnswer, recordType: "feedback", recordID: 5, occasion: "answer-3"),
                                           params: ["unit": "UBND xã A", "code": "PA7K2M9QXR", "answer": "Đã sửa đèn."], link: "/phan-anh/ma/PA7K2M9QXR")
            let first = try await db.write { try await NotificationStore.raise(answer, toAddress: "ha.lo@example.vn", on: .email, at: self.now, in: $0) }
            let again = try await db.write { try await NotificationStore.raise(answer, toAddress: "ha.lo@example.vn", on: .email, at: self.now, in: $0) }
            let other = try await db.write { try await NotificationStore.raise(answer, toAddress: "khac@example.vn", on: .email, at: self.now, in: $0) }
            #expect(first != nil && again == nil && other != nil && other != first, "once per key and address")
            // The same key for a person is another recipient, not a duplicate.
            try await db.write { try await NotificationStore.raise(answer, toPeople: [lan.id], at: self.now, in: $0) }
            #expect(try await store.inbox(personID: lan.id).count == 1)

            let claimed = try await store.claim(limit: 10, at: now).filter { $0.personID == nil }
            #expect(claimed.map(\.notificationID) == [first, other].compactMap { $0 })
            #expect(claimed.map(\.channel) == [.email, .email] && claimed.map { $0.targets.map(\.address) } == [["ha.lo@example.vn"], ["khac@example.vn"]])
            #expect(claimed.first?.params["code"] == "PA7K2M9QXR" && claimed.first?.link == "/phan-anh/ma/PA7K2M9QXR")
            try await store.record(claimed[0].id, .sent(answer: "250 queued"), at: now)
            try await store.record(claimed[1].id, .failed(answer: "550 no such user", permanent: true), at: now)
            let sent = try await store.sentToAddresses(recordType: "feedback", recordID: 5)
            #expect(sent.map { "\($0.address) \($0.channel.rawValue) \($0.state) \($0.answer ?? "")" }
                    == ["ha.lo@example.vn email sent 250 queued", "khac@example.vn email failed 550 no such user"])
            #expect(try await store.inbox(personID: lan.id).count == 1, "the person's own, not the citizen's")

            // The database holds each notification to exactly one recipient.
            await #expect(throws: (any Error).self) {
                try await db.execute("INSERT INTO notifications (kind, dedupe_key, created_at) VALUES ('feedback_answer', 'x', '2026-12-07T02:00:00Z')")
            }
            await #expect(throws: (any Error).self) {
                try await db.execute("UPDATE notifications SET address = 'ha.lo@example.vn' WHERE person_id = \(lan.id)")
            }
        }
    }

    /// What a feature raises is queued in its transaction and admitted later, by the worker or by
    /// the first reader: in order, once per person and key however often it was raised, and by
    /// exactly one of several admitting at once (a worker on each node, a reader on each).
    @Test(arguments: TestDatabases.kinds) func queuedRaisesAreAdmittedOncePerKeyByWhoeverComesFirst(kind: DatabaseKind) async throws {
        try await TestDatabases.withFresh(kind) { db, _ in
            let tree = try await Tree.make(db)
            let lan = try await Tree.person(db, "Nguyễn Thị Lan", in: tree.committeeA)
            let minh = try await Tree.person(db, "Trần Văn Minh", in: tree.committeeA)
            let store = NotificationStore(database: db)
            let queued = { try await db.read { try await $0.raw("SELECT COUNT(*) AS n FROM notification_queue").first()!.decode(column: "n", as: Int.self) } }

            struct Refused: Error {}
            await #expect(throws: Refused.self) {
                try await db.write { sql in
                    try await NotificationStore.raise(self.draft(1), toPeople: [lan.id], at: self.now, in: sql)
                    throw Refused()
                }
            }
            #expect(try await queued() == 0, "a transaction that fails takes its raise with it")

            // Raised twice in one transaction and again in another, to both: one each once admitted.
            try await db.write { sql in
                try await NotificationStore.raise(self.draft(1), toPeople: [lan.id, minh.id, lan.id], at: self.now, in: sql)
                try await NotificationStore.raise(self.draft(1), toPeople: [lan.id], at: self.now, in: sql)
                try await NotificationStore.raise(self.draft(2), toPeople: [lan.id], at: self.now, in: sql)
            }
            try await db.write { try await NotificationStore.raise(self.draft(1), toPeople: [minh.id], at: self.now, in: $0) }
            #expect(try await queued() == 5)
            #expect(try await store.inbox(personID: lan.id).map(\.link) == ["/tasks/2", "/tasks/1"], "the reader admits the queue first, in raising order")
            #expect(try await queued() == 0)
            #expect(try await store.inbox(personID: minh.id).map(\.link) == ["/tasks/1"])
            #expect(try await store.raised(NotificationKey(.taskAssigned, recordType: "task", recordID: 1), personID: minh.id))
            #expect(try await store.route(at: now) == 0, "admitted routed by the reader: nothing left for the worker")

            // Three hundred raised, then six admitting at once (workers and readers): each row once.
            try await db.write { sql in
                for task in 100..<400 { try await NotificationStore.raise(self.draft(Int64(task)), toPeople: [lan.id], at: self.now, in: sql) }
            }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for i in 0..<6 {
                    group.addTask { if i.isMultiple(of: 2) { try await store.admitQueued() } else { _ = try await store.route(limit: 50, at: self.now) } }
                }
                try await group.waitForAll()
            }
            try await store.admitQueued()
            let inbox = try await store.inbox(personID: lan.id, limit: 1000)
            #expect(inbox.count == 302 && Set(inbox.map(\.link)).count == 302)
            #expect(inbox.reversed().map(\.link) == ["/tasks/1", "/tasks/2"] + (100..<400).map { "/tasks/\($0)" }, "numbered in raising order")
        }
    }

    @Test(arguments: TestDatabases.kinds) func workersClaimingAtOnceNeverShareADelivery(kind: DatabaseKind) async throws {
        try await TestDatabases.withFresh(kind) { db, _ in
            let tree = try await Tree.make(db)
            let lan = try await Tree.person(db, "Nguyễn Thị Lan", in: tree.committeeA)
            let routing = NotificationRouting.route(.taskAssigned, preferences: .init(), verified: [.telegram], at: now)
            try await db.write { sql in
                for task in 1...60 { try await NotificationStore.raise(self.draft(Int64(task)), to: [(lan.id, routing)], at: self.now, in: sql) }
            }
            let store = NotificationStore(database: db)
            let claims = try await withThrowingTaskGroup(of: [Int64].self) { group in
                for _ in 0..<6 { group.addTask { try await store.claim(limit: 20, at: self.now).map(\.id) } }
                return try await group.reduce(into: [[Int64]]()) { $0.append($1) }
            }
            let all = claims.flatMap { $0 }
            #expect(all.count == 60 && Set(all).count == 60, "each of the 60 deliveries claimed by exactly one worker")
        }
    }

    @Test(arguments: TestDatabases.kinds) func aLateWorkersGroupRecordsWhatItStillHolds(kind: DatabaseKind) async throws {
        try await TestDatabases.withFresh(kind) { db, _ in
            let tree = try await Tree.make(db)
            let lan = try await Tree.person(db, "Nguyễn Thị Lan", in: tree.committeeA)
            let store = NotificationStore(database: db)
            let routing = NotificationRouting.route(.taskAssigned, preferences: .init(), verified: [.telegram], at: now)
            _ = try await db.write { sql in
                try await NotificationStore.raise(self.draft(21), to: [(lan.id, routing)], at: self.now, in: sql)
                    + NotificationStore.raise(self.draft(22), to: [(lan.id, routing)], at: self.now, in: sql)
            }
            // Worker A claims both and stalls past its lease; worker B takes the first and records it.
            let a = try await store.claim(limit: 10, at: now, lease: 60)
            #expect(a.count == 2)
            let b = try await store.claim(limit: 1, at: now.addingTimeInterval(61), lease: 60)
            try await store.record(b[0].id, .sent(answer: "message_id 9"), at: now.addingTimeInterval(62))
            // A comes back: the one B recorded stays B's; the other is recorded, not held up.
            #expect(try await store.record(a.map { ($0.id, DeliveryOutcome.sent(answer: "message_id 10")) }, at: now.addingTimeInterval(63)) == 1)
            let logs = try await store.deliveries(notificationID: a[0].notificationID) + store.deliveries(notificationID: a[1].notificationID)
            #expect(logs.map(\.state) == ["sent", "sent"] && logs.map(\.attempts.count) == [1, 1])
            await #expect(throws: StoreError.conflict(field: "state", key: "delivery_not_claimed")) {
                try await store.record(b[0].id, .sent(answer: "again"), at: now.addingTimeInterval(64))
            }
        }
    }
}
