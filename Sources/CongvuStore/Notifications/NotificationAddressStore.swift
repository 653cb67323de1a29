import CongvuDomain
import Foundation
import SQLKit

/// One place outside the app where a person is reached: confirmed, or waiting for its code.
public struct NotificationAddress: Sendable, Equatable {
    public var id: Int64
    public var channel: NotificationChannel
    /// Empty while a chat link waits for the person to send its code to the bot.
    public var address: String
    /// A Web Push subscription's keys (`p256dh` and `auth`, as the browser gave them), as JSON.
    public var keys: String
    public var confirmed: Bool
    public var createdAt: Date
}

/// How typing a code back ended.
public enum CodeCheck: Sendable, Equatable {
    case confirmed
    case wrong
    /// No code waits (never asked, expired, or tried too often): ask for a new one.
    case noCode
}

/// People's addresses and choices (issue 20). An address is used only once its code came back;
/// every address confirmed or removed is in the audit log.
extension NotificationStore {
    /// Stores an address to prove and a new code for it, and returns the code (to send to the
    /// address, or to show the person for the bot). A chat link's address is learnt from the chat.
    public func requestCode(personID: Int64, channel: NotificationChannel, address: String = "", at now: Date = Date()) async throws -> String {
        guard let proof = AddressRules.proof(channel), proof != .browser else { throw StoreError.conflict(field: "channel", key: "channel_not_linkable") }
        var g = SystemRandomNumberGenerator()
        let code = proof == .codeToAddress ? AddressRules.typedCode(using: &g) : AddressRules.chatCode(using: &g)
        let stored: String
        if proof == .codeToAddress {
            guard let a = AddressRules.normalise(address, for: channel) else { throw StoreError.conflict(field: "address", key: "address_invalid") }
            stored = a
        } else {
            stored = ""
        }
        let expires = Instant.format(now.addingTimeInterval(AddressRules.codeLifetime))
        try await database.write { sql in
            let existing = try await sql.select().columns("id", "verified_at").from("notification_addresses")
                .where("person_id", .equal, personID).where("channel", .equal, channel.rawValue).all()
            let rows = try await sql.select().columns("id", "verified_at").from("notification_addresses")
                .where("person_id", .equal, personID).where("channel", .equal, channel.rawValue).where("address", .equal, stored).all()
            if let row = rows.first, try row.optional("verified_at", as: String.self) != nil {
                throw StoreError.conflict(field: "address", key: "address_already_confirmed")
            }
            // A code sent to an address: one a minute per person and channel, so that nobody floods
            // a mailbox (theirs or another's) through our mail server.
            if proof == .codeToAddress, try await sql.select().column("id").from("notification_addresses")
                .where("person_id", .equal, personID).where("channel", .equal, channel.rawValue)
                .where("code_expires_at", .greaterThan, Instant.format(now.addingTimeInterval(AddressRules.codeLifetime - 60))).first() != nil {
                throw StoreError.conflict(field: "address", key: "code_too_soon")
            }
            if let row = rows.first {
                try await sql.update("notification_addresses").set("code_hash", to: Token.hash(code)).set("code_expires_at", to: expires)
                    .set("tries", to: 0).where("id", .equal, try row.decode(column: "id", as: Int64.self)).run()
            } else {
                guard existing.count < AddressRules.perChannel else { throw StoreError.conflict(field: "address", key: "address_too_many") }
                try await sql.insert(into: "notification_addresses")
                    .columns("person_id", "channel", "address", "code_hash", "code_expires_at", "created_at")
                    .values(SQLBind(personID), SQLBind(channel.rawValue), SQLBind(stored), SQLBind(Token.hash(code)), SQLBind(expires),
                            SQLBind(Instant.format(now)))
                    .run()
            }
        }
        return code
    }

    /// The person types back the code sent to their address.
    public func confirm(personID: Int64, channel: NotificationChannel, code: String, by actor: Actor, at now: Date = Date()) async throws -> CodeCheck {
        let kind = database.kind
        return try await database.write { sql in
            let rows = try await sql.select().columns("id", "address", "code_hash").from("notification_addresses")
                .where("person_id", .equal, personID).where("channel", .equal, channel.rawValue)
                .where("verified_at", .is, SQLLiteral.null).where("code_hash", .isNot, SQLLiteral.null)
                .where("code_expires_at", .greaterThan, Instant.format(now)).where("tries", .lessThan, AddressRules.codeTries).all()
            guard !rows.isEmpty else { return .noCode }
            let given = Token.hash(code.trimmingCharacters(in: .whitespaces))
            for row in rows where Token.equal(try row.decode(column: "code_hash", as: String.self), given) {
                let id = try row.decode(column: "id", as: Int64.self)
                try await Self.markConfirmed(id, address: try row.decode(column: "address", as: String.self), channel: channel,
                                             by: actor, at: now, in: sql, kind: kind)
                return .confirmed
            }
            try await sql.raw("""
                UPDATE notification_addresses SET tries = tries + 1
                WHERE person_id = \(bind: personID) AND channel = \(bind: channel.rawValue) AND verified_at IS NULL
                """).run()
            return .wrong
        }
    }

    /// A chat sent a code to the bot: the person waiting with that code is linked to the chat.
    /// Returns the person, or nil when no live code matches (a stranger, an old code).
    public func link(channel: NotificationChannel, code: String, chat: String, at now: Date = Date()) async throws -> Int64? {
        guard let address = AddressRules.normalise(chat, for: channel) else { return nil }
        let kind = database.kind
        return try await database.write { sql in
            guard let row = try await sql.select().columns("id", "person_id").from("notification_addresses")
                .where("channel", .equal, channel.rawValue).where("code_hash", .equal, Token.hash(code))
                .where("verified_at", .is, SQLLiteral.null).where("code_expires_at", .greaterThan, Instant.format(now)).first()
            else { return nil }
            let id = try row.decode(column: "id", as: Int64.self), personID = try row.decode(column: "person_id", as: Int64.self)
            let linked = try await sql.select().column("id").from("notification_addresses").where("person_id", .equal, personID)
                .where("channel", .equal, channel.rawValue).where("address", .equal, address).first()
            if linked != nil {
                // The same chat again: keep the link there is, drop the request.
                try await sql.delete(from: "notification_addresses").where("id", .equal, id).run()
                return personID
            }
            try await sql.update("notification_addresses").set("address", to: address).where("id", .equal, id).run()
            try await Self.markConfirmed(id, address: address, channel: channel, by: Actor(id: nil, name: "\(channel.rawValue):\(address)"),
                                         at: now, in: sql, kind: kind)
            return personID
        }
    }

    /// A browser's push subscription, confirmed by the browser itself (the person allowed it).
    public func subscribe(personID: Int64, endpoint: String, keys: String, by actor: Actor, at now: Date = Date()) async throws {
        guard let address = AddressRules.normalise(endpoint, for: .webPush) else { throw StoreError.conflict(field: "address", key: "address_invalid") }
        let kind = database.kind
        try await database.write { sql in
            if let row = try await sql.select().column("id").from("notification_addresses").where("person_id", .equal, personID)
                .where("channel", .equal, NotificationChannel.webPush.rawValue).where("address", .equal, address).first() {
                try await sql.update("notification_addresses").set("keys", to: keys)
                    .where("id", .equal, try row.decode(column: "id", as: Int64.self)).run()
                return
            }
            let count = try await sql.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from("notification_addresses")
                .where("person_id", .equal, personID).where("channel", .equal, NotificationChannel.webPush.rawValue)
                .first()?.decode(column: "n", as: Int.self) ?? 0
            guard count < AddressRules.perChannel else { throw StoreError.conflict(field: "address", key: "address_too_many") }
            let id = try await sql.raw("""
                INSERT INTO notification_addresses (person_id, channel, address, keys, created_at)
                VALUES (\(bind: personID), \(bind: NotificationChannel.webPush.rawValue), \(bind: address), \(bind: keys), \(bind: Instant.format(now)))
                RETURNING id
                """).first()!.decode(column: "id", as: Int64.self)
            try await Self.markConfirmed(id, address: address, channel: .webPush, by: actor, at: now, in: sql, kind: kind)
        }
    }

    static func markConfirmed(_ id: Int64, address: String, channel: NotificationChannel, by actor: Actor, at now: Date,
                              in sql: any SQLDatabase, kind: DatabaseKind) async throws {
        try await sql.update("notification_addresses").set("verified_at", to: Instant.format(now))
            .set("code_hash", to: SQLLiteral.null).set("code_expires_at", to: SQLLiteral.null).where("id", .equal, id).run()
        try await AuditLog.append(.init(action: .create, objectType: "notification_address", objectID: String(id),
                                        after: "\(channel.rawValue) \(address)"), by: actor, in: sql, kind: kind)
    }

    public func addresses(personID: Int64) async throws -> [NotificationAddress] {
        try await database.read { sql in
            try await sql.select().columns("id", "channel", "address", "keys", "verified_at", "created_at").from("notification_addresses")
                .where("person_id", .equal, personID).orderBy("id").all()
                .map { r in
                    guard let channel = NotificationChannel(rawValue: try r.decode(column: "channel", as: String.self)) else { throw CorruptRow(column: "channel") }
                    return NotificationAddress(id: try r.decode(column: "id", as: Int64.self), channel: channel,
                                               address: try r.decode(column: "address", as: String.self), keys: try r.decode(column: "keys", as: String.self),
                                               confirmed: try r.optional("verified_at", as: String.self) != nil, createdAt: try r.instant("created_at"))
                }
        }
    }

    /// Removes one of the person's own addresses (another's id is refused as not found).
    public func removeAddress(_ id: Int64, personID: Int64, by actor: Actor) async throws {
        let kind = database.kind
        try await database.write { sql in
            guard let row = try await sql.select().columns("channel", "address", "verified_at").from("notification_addresses")
                .where("id", .equal, id).where("person_id", .equal, personID).first() else { throw StoreError.notFound("address") }
            try await sql.delete(from: "notification_addresses").where("id", .equal, id).run()
            if try row.optional("verified_at", as: String.self) != nil {
                try await AuditLog.append(.init(action: .delete, objectType: "notification_address", objectID: String(id),
                                                before: "\(try row.decode(column: "channel", as: String.self)) \(try row.decode(column: "address", as: String.self))"),
                                          by: actor, in: sql, kind: kind)
            }
        }
    }

    // MARK: Choices

    public func preferences(personID: Int64) async throws -> NotificationPreferences {
        try await database.read { sql in try await Self.preferences(of: [personID], in: sql)[personID] ?? NotificationPreferences() }
    }

    public func setPreferences(_ preferences: NotificationPreferences, personID: Int64, by actor: Actor, at now: Date = Date()) async throws {
        let text = AuditJSON.encode(preferences)
        let kind = database.kind
        try await database.write { sql in
            let before = try await sql.select().column("choices").from("notification_preferences").where("person_id", .equal, personID)
                .first()?.decode(column: "choices", as: String.self)
            // Unchanged, or the defaults saved by someone who never chose: nothing to keep.
            guard before != text, before != nil || preferences != NotificationPreferences() else { return }
            try await sql.raw("""
                INSERT INTO notification_preferences (person_id, choices, updated_at) VALUES (\(bind: personID), \(bind: text), \(bind: Instant.format(now)))
                ON CONFLICT (person_id) DO UPDATE SET choices = excluded.choices, updated_at = excluded.updated_at
                """).run()
            try await AuditLog.append(.init(action: before == nil ? .create : .update, objectType: "notification_preferences",
                                            objectID: String(personID), before: before ?? "", after: text), by: actor, in: sql, kind: kind)
        }
    }

    /// Each person's choices; a person who never chose gets the defaults, and one with a leader's
    /// account the leader's (the 08:15 digest instead of single messages).
    static func preferences(of people: [Int64], in sql: any SQLDatabase) async throws -> [Int64: NotificationPreferences] {
        guard !people.isEmpty else { return [:] }
        var out: [Int64: NotificationPreferences] = [:]
        for r in try await sql.select().columns("person_id", "choices").from("notification_preferences")
            .where("person_id", .in, SQLBind.group(people)).all() {
            out[try r.decode(column: "person_id", as: Int64.self)] =
                try JSONDecoder().decode(NotificationPreferences.self, from: Data(try r.decode(column: "choices", as: String.self).utf8))
        }
        let unchosen = people.filter { out[$0] == nil }
        guard !unchosen.isEmpty else { return out }
        for r in try await sql.raw("""
            SELECT DISTINCT u.person_id FROM users u JOIN grants g ON g.user_id = u.id
            WHERE g.role = 'leader' AND u.disabled = FALSE AND u.person_id IN (\(binds: unchosen))
            """).all() {
            out[try r.decode(column: "person_id", as: Int64.self)] = .leader
        }
        return out
    }

    /// Everyone who takes a digest: those who chose one, and leaders who never chose.
    public func digestSubscribers() async throws -> [(Int64, NotificationPreferences)] {
        try await database.read { sql in
            var ids = Set(try await sql.raw("""
                SELECT DISTINCT u.person_id FROM users u JOIN grants g ON g.user_id = u.id
                WHERE g.role = 'leader' AND u.disabled = FALSE AND u.person_id IS NOT NULL
                """).all().map { try $0.decode(column: "person_id", as: Int64.self) })
            ids.formUnion(try await sql.select().column("person_id").from("notification_preferences").all()
                .map { try $0.decode(column: "person_id", as: Int64.self) })
            let prefs = try await Self.preferences(of: ids.sorted(), in: sql)
            return prefs.filter { $0.value.takesDigests }.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        }
    }

    /// Whether the person already has the notification with `key` (a digest already raised today).
    public func raised(_ key: NotificationKey, personID: Int64? = nil) async throws -> Bool {
        try await admitQueued()
        return try await database.read { sql in
            var q = sql.select().column("id").from("notifications").where("dedupe_key", .equal, key.description)
            if let personID { q = q.where("person_id", .equal, personID) }
            return try await q.first() != nil
        }
    }

    static func confirmedChannels(of people: [Int64], in sql: any SQLDatabase) async throws -> [Int64: Set<NotificationChannel>] {
        guard !people.isEmpty else { return [:] }
        var out: [Int64: Set<NotificationChannel>] = [:]
        for r in try await sql.raw("""
            SELECT DISTINCT person_id, channel FROM notification_addresses
            WHERE verified_at IS NOT NULL AND person_id IN (\(binds: people))
            """).all() {
            if let c = NotificationChannel(rawValue: try r.decode(column: "channel", as: String.self)) {
                out[try r.decode(column: "person_id", as: Int64.self), default: []].insert(c)
            }
        }
        return out
    }

    static func targets(of pairs: [(personID: Int64, channel: NotificationChannel)], in sql: any SQLDatabase) async throws -> [String: [DeliveryTarget]] {
        let people = Set(pairs.map(\.personID)).sorted()
        guard !people.isEmpty else { return [:] }
        var out: [String: [DeliveryTarget]] = [:]
        for r in try await sql.raw("""
            SELECT person_id, channel, address, keys FROM notification_addresses
            WHERE verified_at IS NOT NULL AND person_id IN (\(binds: people)) ORDER BY id
            """).all() {
            let key = "\(try r.decode(column: "person_id", as: Int64.self)):\(try r.decode(column: "channel", as: String.self))"
            out[key, default: []].append(DeliveryTarget(address: try r.decode(column: "address", as: String.self),
                                                        keys: try r.decode(column: "keys", as: String.self)))
        }
        return out
    }
}

/// What a channel keeps between runs and shares between nodes (Telegram's update offset, Zalo's
/// sealed access token), in the database rather than in one process.
extension NotificationStore {
    public func channelState(_ channel: NotificationChannel, _ name: String) async throws -> String? {
        try await database.read { sql in
            try await sql.select().column("value").from("notification_channel_state").where("channel", .equal, channel.rawValue)
                .where("name", .equal, name).first()?.decode(column: "value", as: String.self)
        }
    }

    /// Keeps `value` unless the state is already there, and returns the one kept: two nodes starting
    /// together agree on one VAPID key.
    public func channelState(_ channel: NotificationChannel, _ name: String, orKeep value: String, at now: Date = Date()) async throws -> String {
        try await database.write { sql in
            try await sql.raw("""
                INSERT INTO notification_channel_state (channel, name, value, updated_at)
                VALUES (\(bind: channel.rawValue), \(bind: name), \(bind: value), \(bind: Instant.format(now)))
                ON CONFLICT (channel, name) DO NOTHING
                """).run()
        }
        return try await channelState(channel, name) ?? value
    }

    /// A push subscription the push service says is gone (404 or 410): removed, in the audit log.
    public func dropSubscription(personID: Int64, endpoint: String) async throws {
        let kind = database.kind
        try await database.write { sql in
            guard let row = try await sql.select().column("id").from("notification_addresses").where("person_id", .equal, personID)
                .where("channel", .equal, NotificationChannel.webPush.rawValue).where("address", .equal, endpoint).first() else { return }
            let id = try row.decode(column: "id", as: Int64.self)
            try await sql.delete(from: "notification_addresses").where("id", .equal, id).run()
            try await AuditLog.append(.init(action: .delete, objectType: "notification_address", objectID: String(id),
                                            before: "web_push \(endpoint)", reason: "the push service says the subscription is gone"),
                                      by: .system, in: sql, kind: kind)
        }
    }

    public func setChannelState(_ channel: NotificationChannel, _ name: String, _ value: String, at now: Date = Date()) async throws {
        try await setChannelState(channel, [name: value], at: now)
    }

    /// Sets several values in one transaction: a renewed token, its expiry and the next refresh
    /// token are kept together or not at all.
    public func setChannelState(_ channel: NotificationChannel, _ values: [String: String], at now: Date = Date()) async throws {
        try await database.write { sql in
            for (name, value) in values.sorted(by: { $0.key < $1.key }) {
                try await sql.raw("""
                    INSERT INTO notification_channel_state (channel, name, value, updated_at)
                    VALUES (\(bind: channel.rawValue), \(bind: name), \(bind: value), \(bind: Instant.format(now)))
                    ON CONFLICT (channel, name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at
                    """).run()
            }
        }
    }

    /// Takes the channel's lease `name` until `until` when nobody holds it at `now` (one node renews
    /// a token at a time, on one database): true when taken. Given back by setting it to "".
    public func takeLease(_ channel: NotificationChannel, _ name: String, holder: String, until: Date, at now: Date = Date()) async throws -> Bool {
        try await database.write { sql in
            try await sql.raw("""
                INSERT INTO notification_channel_state (channel, name, value, updated_at)
                VALUES (\(bind: channel.rawValue), \(bind: name), \(bind: Instant.format(until) + " " + holder), \(bind: Instant.format(now)))
                ON CONFLICT (channel, name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at
                WHERE notification_channel_state.value < \(bind: Instant.format(now))
                RETURNING name
                """).first() != nil
        }
    }
}
