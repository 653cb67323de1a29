import CongvuDomain
import Foundation
import SQLKit

/// A notification as a feature raises it: what it is about and where the page is. Its text is
/// made in each recipient's language when it is shown or sent, from the kind and `params`.
public struct NotificationDraft: Sendable, Equatable {
    public var key: NotificationKey
    public var unitID: Int64?
    /// Values the message names (a task's number and title…), nothing the recipient may not see.
    public var params: [String: String]
    /// The page, as a path under the configured public address (`/tasks/42`).
    public var link: String

    public init(key: NotificationKey, unitID: Int64? = nil, params: [String: String] = [:], link: String = "") {
        self.key = key
        self.unitID = unitID
        self.params = params
        self.link = link
    }
}

/// One person's notification in the inbox.
public struct InboxItem: Sendable, Equatable {
    public var id: Int64
    public var kind: NotificationKind
    public var params: [String: String]
    public var link: String
    public var createdAt: Date
    public var readAt: Date?
    public var digested: Bool
}

/// A delivery the worker has claimed: send it, then `record` what the provider answered.
public struct ClaimedDelivery: Sendable, Equatable {
    public var id: Int64
    public var notificationID: Int64
    public var channel: NotificationChannel
    /// The person it is for; nil for one raised to an address (a citizen without an account).
    public var personID: Int64?
    public var kind: NotificationKind
    public var params: [String: String]
    public var link: String
    /// When it was raised (the worker's latency is measured from here).
    public var createdAt: Date
    /// Attempts before this one.
    public var attempts: Int
    /// The person's confirmed addresses on the channel now (none: removed since it was raised).
    public var targets: [DeliveryTarget]
    /// Sent to the provider as the idempotency key, where it takes one: the same for every attempt.
    public var idempotencyKey: String { "congvu-delivery-\(id)" }
}

/// The outbox (issue 20). Features raise notifications inside their own transactions (`raise`);
/// nothing is sent from a request. The worker claims due deliveries for a while (`claim`), so a
/// worker killed mid-send leaves them to be claimed again when the lease ends, and records every
/// attempt (`record`): sent, tried again later by the `RetryPolicy`, or failed for good.
public struct NotificationStore: Sendable {
    let database: Database

    public init(database: Database) { self.database = database }

    public typealias Outcome = DeliveryOutcome

    /// Raises `draft` for each recipient inside the caller's transaction, already routed (the
    /// deliveries written with it): for callers that routed it themselves. A recipient who already
    /// has a notification with the same key gets nothing new. Returns the new notifications' ids.
    @discardableResult
    public static func raise(_ draft: NotificationDraft, to recipients: [(personID: Int64, routing: NotificationRouting)],
                             at now: Date = Date(), in sql: any SQLDatabase) async throws -> [Int64] {
        var ids: [Int64] = []
        for (personID, routing) in recipients {
            guard let id = try await insert(draft, for: [personID], routed: routing, at: now, in: sql).first else { continue }
            ids.append(id)
            try await insertDeliveries([(id, routing)], in: sql)
        }
        return ids
    }

    /// Raises `draft` for people inside the caller's transaction: one statement appending a row per
    /// person to the queue, which has no index and returns nothing, so the feature's transaction
    /// pays for little more than a page (and on PostgreSQL no round trip of its own when the
    /// transaction runs another statement after it: `Database.ride`). The worker, or the next reader of notifications, admits
    /// the queue (`admit`): a person who already has a notification with the key gets nothing new,
    /// and routing by each one's choices and proven channels follows (`route`).
    public static func raise(_ draft: NotificationDraft, toPeople ids: [Int64], at now: Date = Date(), in sql: any SQLDatabase) async throws {
        let people = Set(ids).sorted()
        guard !people.isEmpty else { return }
        let params = AuditJSON.encode(draft.params), created = Instant.format(now)
        var q: SQLQueryString = "INSERT INTO notification_queue (person_id, kind, dedupe_key, unit_id, record_type, record_id, params, link, created_at) VALUES"
        for (i, personID) in people.enumerated() {
            q.appendLiteral(i == 0 ? " (" : ", (")
            let values: [any Encodable & Sendable] = [personID, draft.key.kind.rawValue, draft.key.description, draft.unitID, draft.key.recordType,
                                                      draft.key.recordID, params, draft.link, created]
            q.appendInterpolation(binds: values)
            q.appendLiteral(")")
        }
        // Nobody reads it back: on PostgreSQL it rides on the transaction's next statement.
        try await Database.ride(q, writing: "notification_queue", in: sql)
    }

    /// Moves up to `limit` queued notifications into `notifications`, oldest first, routed as they
    /// go (each person's choices and proven channels now decide the deliveries, from `now`, or that
    /// it waits for their digest); a second raise of a key to the same person is dropped here.
    /// Returns how many rows it took from the queue. On PostgreSQL the rows are locked: two
    /// admitting at once take each row once.
    static func admit(limit: Int, at now: Date, on kind: DatabaseKind, in sql: any SQLDatabase) async throws -> Int {
        let lock = kind == .postgres ? " FOR UPDATE" : ""
        let rows = try await sql.raw("""
            SELECT id, person_id, kind, dedupe_key, unit_id, record_type, record_id, params, link, created_at
            FROM notification_queue ORDER BY id LIMIT \(literal: limit)\(unsafeRaw: lock)
            """).all()
        guard !rows.isEmpty else { return 0 }
        let queued = try rows.map { r in
            (id: try r.decode(column: "id", as: Int64.self), person: try r.decode(column: "person_id", as: Int64.self), kind: try Self.kind(r),
             key: try r.decode(column: "dedupe_key", as: String.self), row: r)
        }
        let routings = try await Self.routings(queued.map { ($0.person, $0.kind) }, at: now, in: sql)
        let routedAt = Instant.format(now)
        for part in stride(from: 0, to: queued.count, by: 500) {
            var insert = sql.insert(into: "notifications").columns("person_id", "kind", "dedupe_key", "unit_id", "record_type", "record_id", "params",
                                                                   "link", "created_at", "digested", "routed_at")
            var routing: [String: NotificationRouting] = [:]
            for (n, routed) in zip(queued[part..<min(part + 500, queued.count)], routings[part...]) {
                routing["\(n.person) \(n.key)"] = routed
                let r = n.row
                insert = insert.values(SQLBind(n.person), SQLBind(n.kind.rawValue), SQLBind(n.key), SQLBind(try r.optional("unit_id", as: Int64.self)),
                                       SQLBind(try r.decode(column: "record_type", as: String.self)), SQLBind(try r.optional("record_id", as: Int64.self)),
                                       SQLBind(try r.decode(column: "params", as: String.self)), SQLBind(try r.decode(column: "link", as: String.self)),
                                       SQLBind(try r.decode(column: "created_at", as: String.self)), SQLBind(routed.digested), SQLBind(routedAt))
            }
            let admitted = try await insert.ignoringConflicts(with: ["dedupe_key", "person_id"]).returning("id", "person_id", "dedupe_key").all().map { r in
                (id: try r.decode(column: "id", as: Int64.self),
                 routing: routing["\(try r.decode(column: "person_id", as: Int64.self)) \(try r.decode(column: "dedupe_key", as: String.self))"]!)
            }
            try await Self.insertDeliveries(admitted, in: sql)
        }
        try await sql.raw("DELETE FROM notification_queue WHERE id IN (\(binds: queued.map(\.id)))").run()
        return queued.count
    }

    /// Admits everything queued before a reader looks at notifications (the inbox, the log, whether a
    /// key was raised), so what a feature raised is there as soon as its transaction committed. Reads
    /// alone when the queue is empty, as it is unless something was raised since the worker last ran.
    public func admitQueued(at now: Date = Date()) async throws {
        guard try await database.read({ sql in try await sql.raw("SELECT id FROM notification_queue LIMIT 1").first() != nil }) else { return }
        try await database.write { sql in
            while try await Self.admit(limit: 1000, at: now, on: database.kind, in: sql) == 1000 {}
        }
    }

    /// Raises `draft` inside the caller's transaction for someone who has no account (a citizen's
    /// e-mail address given with their feedback), on one channel, routed at once: the same outbox,
    /// worker, retries and log as everyone's. Raised once per key and address; nil if it was already.
    @discardableResult
    public static func raise(_ draft: NotificationDraft, toAddress address: String, on channel: NotificationChannel,
                             at now: Date = Date(), in sql: any SQLDatabase) async throws -> Int64? {
        precondition(channel.isExternal, "an address outside the app")
        let created = Instant.format(now)
        guard let id = try await sql.raw("""
            INSERT INTO notifications (address, kind, dedupe_key, unit_id, record_type, record_id, params, link, created_at, digested, routed_at)
            VALUES (\(bind: address), \(bind: draft.key.kind.rawValue), \(bind: draft.key.description), \(bind: draft.unitID), \(bind: draft.key.recordType),
                    \(bind: draft.key.recordID), \(bind: AuditJSON.encode(draft.params)), \(bind: draft.link), \(bind: created), FALSE, \(bind: created))
            ON CONFLICT (dedupe_key, address) WHERE person_id IS NULL DO NOTHING RETURNING id
            """).first()?.decode(column: "id", as: Int64.self) else { return nil }
        try await insertDeliveries([(id, .addressed(channel, at: now))], in: sql)
        return id
    }

    /// What was raised to addresses about a record: each delivery's address, channel, state and
    /// the provider's last answer. The feedback page shows the office whether its answer reached the citizen.
    public struct AddressedDelivery: Sendable, Equatable {
        public var address: String
        public var createdAt: Date
        public var channel: NotificationChannel
        public var state: String
        public var answer: String?
    }

    public func sentToAddresses(recordType: String, recordID: Int64) async throws -> [AddressedDelivery] {
        try await database.read { sql in
            try await sql.raw("""
                SELECT n.address, n.created_at, d.channel, d.state,
                       (SELECT a.answer FROM notification_attempts a WHERE a.delivery_id = d.id ORDER BY a.id DESC LIMIT 1) AS answer
                FROM notifications n JOIN notification_deliveries d ON d.notification_id = n.id
                WHERE n.person_id IS NULL AND n.record_type = \(bind: recordType) AND n.record_id = \(bind: recordID) ORDER BY n.id, d.id
                """).all().map { r in
                guard let channel = NotificationChannel(rawValue: try r.decode(column: "channel", as: String.self)) else { throw CorruptRow(column: "channel") }
                return AddressedDelivery(address: try r.decode(column: "address", as: String.self), createdAt: try r.instant("created_at"), channel: channel,
                                         state: try r.decode(column: "state", as: String.self), answer: try r.optional("answer", as: String.self))
            }
        }
    }

    static func insert(_ draft: NotificationDraft, for people: [Int64], routed: NotificationRouting?, at now: Date, in sql: any SQLDatabase) async throws -> [Int64] {
        guard !people.isEmpty else { return [] }
        let params = AuditJSON.encode(draft.params), created = Instant.format(now)
        var q: SQLQueryString = """
            INSERT INTO notifications (person_id, kind, dedupe_key, unit_id, record_type, record_id, params, link, created_at, digested, routed_at) VALUES
            """
        for (i, personID) in people.enumerated() {
            q.appendLiteral(i == 0 ? " (" : ", (")
            let values: [any Encodable & Sendable] = [personID, draft.key.kind.rawValue, draft.key.description, draft.unitID, draft.key.recordType,
                                                      draft.key.recordID, params, draft.link, created, routed?.digested ?? false, routed == nil ? nil : created]
            q.appendInterpolation(binds: values)
            q.appendLiteral(")")
        }
        q.appendLiteral(" ON CONFLICT (dedupe_key, person_id) DO NOTHING RETURNING id")
        return try await sql.raw(q).all().map { try $0.decode(column: "id", as: Int64.self) }
    }

    static func insertDeliveries(_ routed: [(id: Int64, routing: NotificationRouting)], in sql: any SQLDatabase) async throws {
        let rows = routed.flatMap { n in n.routing.deliveries.filter(\.channel.isExternal).map { (n.id, $0) } }
        guard !rows.isEmpty else { return }
        var insert = sql.insert(into: "notification_deliveries").columns("notification_id", "channel", "state", "not_before")
        for (id, d) in rows {
            insert = insert.values(SQLBind(id), SQLBind(d.channel.rawValue), SQLBind(DeliveryState.queued.rawValue), SQLBind(Instant.format(d.notBefore)))
        }
        // Two workers routing the same notification add its deliveries once.
        try await insert.ignoringConflicts(with: ["notification_id", "channel"]).run()
    }

    /// How each notification goes, in order: its person's choices and the channels they proved, from `now`.
    static func routings(_ raised: [(person: Int64, kind: NotificationKind)], at now: Date, in sql: any SQLDatabase) async throws -> [NotificationRouting] {
        let people = Set(raised.map(\.person)).sorted()
        let preferences = try await Self.preferences(of: people, in: sql)
        let confirmed = try await Self.confirmedChannels(of: people, in: sql)
        return raised.map { n in
            NotificationRouting.route(n.kind, preferences: preferences[n.person] ?? NotificationPreferences(), verified: confirmed[n.person] ?? [], at: now)
        }
    }

    /// Routes up to `limit` raised notifications that are not yet: the queue's, admitted routed
    /// (`admit`), then any admitted unrouted (raised by a release before the queue): each person's
    /// choices and the channels they proved now decide the deliveries (from `now`, so quiet hours
    /// hold), or that it waits for their digest. The worker calls it before each claim; returns how many it routed.
    @discardableResult
    public func route(limit: Int = 1000, at now: Date = Date()) async throws -> Int {
        let lock = database.kind == .postgres ? " FOR UPDATE SKIP LOCKED" : ""
        return try await database.write { sql in
            let admitted = try await Self.admit(limit: limit, at: now, on: database.kind, in: sql)
            guard admitted < limit else { return admitted }
            let rows = try await sql.raw("""
                SELECT id, person_id, kind FROM notifications WHERE routed_at IS NULL ORDER BY id LIMIT \(literal: limit)\(unsafeRaw: lock)
                """).all()
            guard !rows.isEmpty else { return admitted }
            let raised = try rows.map { (id: try $0.decode(column: "id", as: Int64.self), person: try $0.decode(column: "person_id", as: Int64.self), kind: try Self.kind($0)) }
            let routed = zip(raised.map(\.id), try await Self.routings(raised.map { ($0.person, $0.kind) }, at: now, in: sql)).map { ($0, $1) }
            try await Self.insertDeliveries(routed, in: sql)
            for (digested, group) in [(true, routed.filter { $0.1.digested }), (false, routed.filter { !$0.1.digested })] where !group.isEmpty {
                try await sql.update("notifications").set("routed_at", to: Instant.format(now)).set("digested", to: digested)
                    .where("id", .in, SQLBind.group(group.map(\.0))).run()
            }
            return admitted + routed.count
        }
    }

    enum DeliveryState: String {
        case queued, sending, sent, failed
    }

    // MARK: The worker

    /// Claims up to `limit` deliveries due at `now` (queued and past their `not_before`, or claimed
    /// by a worker whose lease ran out) for `lease` seconds, oldest first.
    public func claim(limit: Int, at now: Date = Date(), lease: TimeInterval = 60) async throws -> [ClaimedDelivery] {
        try await route(at: now)
        let nowText = Instant.format(now), until = Instant.format(now.addingTimeInterval(lease))
        // Workers on several nodes: PostgreSQL hands each row to one of them (SQLite has one writer).
        let lock = database.kind == .postgres ? " FOR UPDATE SKIP LOCKED" : ""
        return try await database.write { sql in
            let ids = try await sql.raw("""
                SELECT id FROM notification_deliveries
                WHERE (state = \(literal: DeliveryState.queued.rawValue) AND not_before <= \(bind: nowText))
                   OR (state = \(literal: DeliveryState.sending.rawValue) AND claimed_until <= \(bind: nowText))
                ORDER BY not_before, id LIMIT \(literal: limit)\(unsafeRaw: lock)
                """).all().map { try $0.decode(column: "id", as: Int64.self) }
            guard !ids.isEmpty else { return [] }
            try await sql.update("notification_deliveries")
                .set("state", to: DeliveryState.sending.rawValue).set("claimed_until", to: until)
                .where("id", .in, SQLBind.group(ids)).run()
            let rows = try await sql.raw("""
                SELECT d.id, d.notification_id, d.channel, d.attempts, n.person_id, n.address, n.kind, n.params, n.link, n.created_at
                FROM notification_deliveries d JOIN notifications n ON n.id = d.notification_id
                WHERE d.id IN (\(binds: ids)) ORDER BY d.not_before, d.id
                """).all()
            let claimed: [ClaimedDelivery] = try rows.map { r in
                guard let channel = NotificationChannel(rawValue: try r.decode(column: "channel", as: String.self)) else { throw CorruptRow(column: "channel") }
                return ClaimedDelivery(id: try r.decode(column: "id", as: Int64.self), notificationID: try r.decode(column: "notification_id", as: Int64.self),
                                       channel: channel, personID: try r.optional("person_id", as: Int64.self),
                                       kind: try Self.kind(r), params: try Self.params(r), link: try r.decode(column: "link", as: String.self),
                                       createdAt: try r.instant("created_at"), attempts: try r.decode(column: "attempts", as: Int.self),
                                       // Raised to an address: that address is the target.
                                       targets: try r.optional("address", as: String.self).map { [DeliveryTarget(address: $0)] } ?? [])
            }
            let targets = try await Self.targets(of: claimed.compactMap { c in c.personID.map { ($0, c.channel) } }, in: sql)
            return claimed.map { c in
                guard let person = c.personID else { return c }
                var c = c
                c.targets = targets["\(person):\(c.channel.rawValue)"] ?? []
                return c
            }
        }
    }

    /// Records one attempt and moves the delivery on: sent; queued again at the policy's next
    /// moment; or failed for good (a permanent refusal, or the attempts spent).
    public func record(_ deliveryID: Int64, _ outcome: Outcome, policy: RetryPolicy = RetryPolicy(), at now: Date = Date()) async throws {
        guard try await record([(deliveryID, outcome)], policy: policy, at: now) == 1 else {
            throw StoreError.conflict(field: "state", key: "delivery_not_claimed")
        }
    }

    /// Records several attempts in one transaction (the worker's outcomes as they come in); returns
    /// how many it recorded. A delivery no longer claimed (another worker took it after this one's
    /// lease ran out, and recorded it) is left as that worker recorded it, and does not hold up the rest.
    @discardableResult
    public func record(_ outcomes: [(deliveryID: Int64, outcome: Outcome)], policy: RetryPolicy = RetryPolicy(), at now: Date = Date()) async throws -> Int {
        guard !outcomes.isEmpty else { return 0 }
        let ids = outcomes.map(\.deliveryID)
        return try await database.write { sql in
            var attempts: [Int64: Int] = [:]
            for row in try await sql.select().columns("id", "attempts", "state").from("notification_deliveries").where("id", .in, SQLBind.group(ids)).all() {
                guard try row.decode(column: "state", as: String.self) == DeliveryState.sending.rawValue else { continue }
                attempts[try row.decode(column: "id", as: Int64.self)] = try row.decode(column: "attempts", as: Int.self) + 1
            }
            let claimed = outcomes.filter { attempts[$0.deliveryID] != nil }
            guard !claimed.isEmpty else { return 0 }
            let nowText = Instant.format(now)
            var insert = sql.insert(into: "notification_attempts").columns("delivery_id", "at", "outcome", "answer")
            var sent: [Int64] = []
            for (id, outcome) in claimed {
                let (label, answer): (String, String) = switch outcome {
                case .sent(let a): ("sent", a)
                case .failed(let a, let permanent): (permanent ? "refused" : "failed", a)
                }
                insert = insert.values(SQLBind(id), SQLBind(nowText), SQLBind(label), SQLBind(String(answer.prefix(2000))))
                let update = sql.update("notification_deliveries").set("attempts", to: attempts[id]!).set("claimed_until", to: SQLLiteral.null)
                switch outcome {
                case .sent:
                    sent.append(id)
                case .failed(_, let permanent):
                    if let next = policy.next(afterFailures: attempts[id]!, at: now, permanent: permanent) {
                        try await update.set("state", to: DeliveryState.queued.rawValue).set("not_before", to: Instant.format(next)).where("id", .equal, id).run()
                    } else {
                        try await update.set("state", to: DeliveryState.failed.rawValue).set("done_at", to: nowText).where("id", .equal, id).run()
                    }
                }
            }
            try await insert.run()
            // What went out, in one statement: most of a batch.
            if !sent.isEmpty {
                try await sql.raw("""
                    UPDATE notification_deliveries SET attempts = attempts + 1, claimed_until = NULL,
                        state = \(literal: DeliveryState.sent.rawValue), done_at = \(bind: nowText)
                    WHERE id IN (\(binds: sent))
                    """).run()
            }
            return claimed.count
        }
    }

    /// Deliveries waiting to be sent (queued or claimed), per channel: the metrics' gauge.
    public func queued() async throws -> [(NotificationChannel, Int)] {
        try await database.read { sql in
            let rows = try await sql.raw("""
                SELECT channel, COUNT(*) AS n FROM notification_deliveries
                WHERE state IN (\(literals: [DeliveryState.queued.rawValue, DeliveryState.sending.rawValue], joinedBy: ", ")) GROUP BY channel
                """).all()
            var counts = Dictionary(uniqueKeysWithValues: NotificationChannel.allCases.filter(\.isExternal).map { ($0, 0) })
            for r in rows {
                if let c = NotificationChannel(rawValue: try r.decode(column: "channel", as: String.self)) { counts[c] = try r.decode(column: "n", as: Int.self) }
            }
            return counts.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        }
    }

    // MARK: The inbox

    public func inbox(personID: Int64, limit: Int = 50) async throws -> [InboxItem] {
        try await admitQueued()
        return try await database.read { sql in
            try await sql.select().columns("id", "kind", "params", "link", "created_at", "read_at", "digested").from("notifications")
                .where("person_id", .equal, personID).orderBy("id", .descending).limit(limit).all().map(Self.item)
        }
    }

    /// One of the person's own notifications (another person's id: nil).
    public func notification(_ id: Int64, personID: Int64) async throws -> InboxItem? {
        try await admitQueued()
        return try await database.read { sql in
            try await sql.select().columns("id", "kind", "params", "link", "created_at", "read_at", "digested").from("notifications")
                .where("id", .equal, id).where("person_id", .equal, personID).first().map(Self.item)
        }
    }

    public func markAllRead(personID: Int64, at now: Date = Date()) async throws {
        try await admitQueued()
        try await database.write { sql in
            try await sql.update("notifications").set("read_at", to: Instant.format(now))
                .where("person_id", .equal, personID).where("read_at", .is, SQLLiteral.null).run()
        }
    }

    static func item(_ r: any SQLRow) throws -> InboxItem {
        InboxItem(id: try r.decode(column: "id", as: Int64.self), kind: try Self.kind(r), params: try Self.params(r),
                  link: try r.decode(column: "link", as: String.self), createdAt: try r.instant("created_at"),
                  readAt: try r.optionalInstant("read_at"), digested: try r.decode(column: "digested", as: Bool.self))
    }

    public func unread(personID: Int64) async throws -> Int {
        try await admitQueued()
        return try await database.read { sql in
            try await sql.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from("notifications")
                .where("person_id", .equal, personID).where("read_at", .is, SQLLiteral.null)
                .first()?.decode(column: "n", as: Int.self) ?? 0
        }
    }

    /// Marks the person's own notifications read (another person's ids are left alone).
    public func markRead(_ ids: [Int64], personID: Int64, at now: Date = Date()) async throws {
        guard !ids.isEmpty else { return }
        try await admitQueued()
        try await database.write { sql in
            try await sql.update("notifications").set("read_at", to: Instant.format(now))
                .where("person_id", .equal, personID).where("id", .in, SQLBind.group(ids)).where("read_at", .is, SQLLiteral.null).run()
        }
    }

    /// Each delivery's state and attempts, for the office's log and the tests.
    public struct DeliveryLog: Sendable, Equatable {
        public var channel: NotificationChannel
        public var state: String
        public var attempts: [String]

        public init(channel: NotificationChannel, state: String, attempts: [String]) {
            self.channel = channel
            self.state = state
            self.attempts = attempts
        }
    }

    public func deliveries(notificationID: Int64) async throws -> [DeliveryLog] {
        try await database.read { sql in
            let rows = try await sql.raw("""
                SELECT d.id, d.channel, d.state, a.outcome FROM notification_deliveries d
                LEFT JOIN notification_attempts a ON a.delivery_id = d.id
                WHERE d.notification_id = \(bind: notificationID) ORDER BY d.id, a.id
                """).all()
            var logs: [(Int64, DeliveryLog)] = []
            for r in rows {
                let id = try r.decode(column: "id", as: Int64.self)
                if logs.last?.0 != id {
                    guard let channel = NotificationChannel(rawValue: try r.decode(column: "channel", as: String.self)) else { throw CorruptRow(column: "channel") }
                    logs.append((id, DeliveryLog(channel: channel, state: try r.decode(column: "state", as: String.self), attempts: [])))
                }
                if let outcome = try r.optional("outcome", as: String.self) { logs[logs.count - 1].1.attempts.append(outcome) }
            }
            return logs.map(\.1)
        }
    }

    static func kind(_ r: any SQLRow) throws -> NotificationKind {
        guard let k = NotificationKind(rawValue: try r.decode(column: "kind", as: String.self)) else { throw CorruptRow(column: "kind") }
        return k
    }

    static func params(_ r: any SQLRow) throws -> [String: String] {
        try JSONDecoder().decode([String: String].self, from: Data(try r.decode(column: "params", as: String.self).utf8))
    }
}
