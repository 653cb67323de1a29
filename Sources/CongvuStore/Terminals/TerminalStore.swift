import CongvuDomain
import CongvuTerminals
import Crypto
import Foundation
import SQLKit

/// An attendance terminal as the fleet knows it.
public struct Terminal: Sendable, Equatable {
    public enum Status: String, Sendable { case pending, approved, disabled }

    public var id: Int64
    public var serial: String
    public var vendor: String
    public var family: String
    public var status: Status
    public var unitID: Int64?
    public var unitPath: String?
    public var unitName: String?
    public var location: String
    /// The terminal clock's offset from UTC, in seconds (Vietnam: 25,200).
    public var utcOffset: Int
    /// How it writes names: `utf-8`, or `gb2312` on Chinese firmware (which shows no Vietnamese marks).
    public var encoding: String
    /// Whether it sends the photo it takes at a punch.
    public var photos: Bool
    public var firmware: String
    public var firstSeen: Date
    public var lastSeen: Date
    public var lastAddress: String
    public var userCount: Int?
    public var recordCount: Int?
    /// The stamps handed back at the handshake; "0" asks for everything again.
    public var attLogStamp: String
    public var operLogStamp: String
    public var photoStamp: String
    /// Seconds the terminal's clock is behind (negative: ahead), from its last realtime upload.
    public var clockDrift: Int?
    public var driftMeasuredAt: Date?
    public var lastUploadAt: Date?
    /// The address (or IPv4 range) the office approved it from: requests from elsewhere are held.
    public var pinnedAddress: String
    /// Its Security PUSH registry code, sealed; empty until it registers.
    public var registrySealed: String
    public var sessionID: String

    /// Whether a request from `address` may act for this terminal (an unpinned terminal: any).
    public func admits(address: String) -> Bool { pinnedAddress.isEmpty || AddressRange.contains(pinnedAddress, address) }

    /// A registered Security PUSH terminal must show its session token on every request.
    public var registered: Bool { !registrySealed.isEmpty }

    /// Names on this terminal are written without diacritics.
    public var asciiNames: Bool { encoding != "utf-8" }
}

/// What the office may change on an approved terminal.
public struct TerminalSettings: Sendable, Equatable {
    public var unitID: Int64
    public var location: String
    public var utcOffset: Int
    public var encoding: String
    public var photos: Bool
    public var enabled: Bool
    /// Where its requests must come from: an address, or an IPv4 range such as `10.0.5.0/24`.
    public var pinnedAddress: String

    public static let encodings = ["utf-8", "gb2312"]

    public init(unitID: Int64, location: String, utcOffset: Int, encoding: String, photos: Bool, enabled: Bool, pinnedAddress: String) {
        self.unitID = unitID
        self.location = location
        self.utcOffset = utcOffset
        self.encoding = encoding
        self.photos = photos
        self.enabled = enabled
        self.pinnedAddress = pinnedAddress
    }
}

/// A punch read from a terminal, before it is matched to a person.
public struct TerminalPunch: Sendable, Equatable {
    public var pin: String
    public var at: Date
    public var method: PunchMethod
    /// `zk:<serial>:<pin>:<local time>` or `zk:<serial>:idx:<index>`: a resend adds nothing.
    public var key: String

    public init(pin: String, at: Date, method: PunchMethod, key: String) {
        self.pin = pin
        self.at = at
        self.method = method
        self.key = key
    }

    /// The key of a punch by (terminal, PIN, the terminal's local time): a photo taken at the
    /// punch carries the same three and so finds it.
    public static func key(serial: String, pin: String, time: TerminalTime) -> String { "zk:\(serial):\(pin):\(time)" }
}

/// The fleet and the journal. A terminal seen for the first time is recorded as pending; its
/// uploads are refused (so it keeps its data) until an administrator approves it for a unit.
public struct TerminalStore: Sendable {
    let database: Database

    public init(database: Database) { self.database = database }

    static func decode(_ row: any SQLRow) throws -> Terminal {
        guard let status = Terminal.Status(rawValue: try row.decode(column: "status", as: String.self)) else { throw CorruptRow(column: "status") }
        return Terminal(id: try row.decode(column: "id", as: Int64.self), serial: try row.decode(column: "serial", as: String.self),
                        vendor: try row.decode(column: "vendor", as: String.self), family: try row.decode(column: "family", as: String.self),
                        status: status, unitID: try row.optional("unit_id", as: Int64.self),
                        unitPath: try row.optional("path", as: String.self), unitName: try row.optional("unit_name", as: String.self),
                        location: try row.decode(column: "location", as: String.self), utcOffset: try row.decode(column: "utc_offset", as: Int.self),
                        encoding: try row.decode(column: "encoding", as: String.self), photos: try row.decode(column: "photos", as: Bool.self),
                        firmware: try row.decode(column: "firmware", as: String.self), firstSeen: try row.instant("first_seen_at"),
                        lastSeen: try row.instant("last_seen_at"), lastAddress: try row.decode(column: "last_address", as: String.self),
                        userCount: try row.optional("user_count", as: Int.self), recordCount: try row.optional("record_count", as: Int.self),
                        attLogStamp: try row.decode(column: "attlog_stamp", as: String.self),
                        operLogStamp: try row.decode(column: "operlog_stamp", as: String.self),
                        photoStamp: try row.decode(column: "photo_stamp", as: String.self), clockDrift: try row.optional("clock_drift", as: Int.self),
                        driftMeasuredAt: try row.optionalInstant("drift_measured_at"),
                        lastUploadAt: try row.optionalInstant("last_upload_at"),
                        pinnedAddress: try row.decode(column: "pinned_address", as: String.self),
                        registrySealed: try row.decode(column: "registry_sealed", as: String.self),
                        sessionID: try row.decode(column: "session_id", as: String.self))
    }

    func select(_ sql: any SQLDatabase) -> SQLSelectBuilder {
        sql.select().column(SQLRaw("t.*")).column(col("u.path")).column(col("u.name"), as: "unit_name")
            .from(SQLAlias(SQLIdentifier("terminals"), as: SQLIdentifier("t")))
            .join(SQLAlias(SQLIdentifier("units"), as: SQLIdentifier("u")), method: SQLJoinMethod.left, on: SQLRaw("u.id = t.unit_id"))
    }

    public func get(serial: String) async throws -> Terminal? {
        try await database.read { sql in try await select(sql).where(col("t.serial"), .equal, SQLBind(serial)).first().map(TerminalStore.decode) }
    }

    public func list() async throws -> [Terminal] {
        try await database.read { sql in try await select(sql).orderBy(col("t.serial")).all().map(TerminalStore.decode) }
    }

    /// Notes a contact: a new serial becomes a pending terminal; a known one gets its last-seen
    /// time and address. `family` is what a handshake says (nil: keep what is known); a
    /// registered Security PUSH terminal is never taken back to the older family by a request
    /// that claims it.
    @discardableResult
    public func contact(serial: String, vendor: String, family: String?, address: String, now: Date = Date()) async throws -> Terminal {
        // Most requests come from a terminal seen seconds ago: no write for them.
        if var known = try await get(serial: serial), known.lastAddress == address, family == nil || known.family == family,
           now.timeIntervalSince(known.lastSeen) < 15 {
            known.lastSeen = max(known.lastSeen, now)
            return known
        }
        let at = Instant.format(now)
        try await database.write { sql in
            // Two first contacts at once (a terminal retrying) must not collide: insert if absent, then update.
            try await sql.insert(into: "terminals").columns("serial", "vendor", "family", "status", "first_seen_at", "last_seen_at", "last_address")
                .values(SQLBind(serial), SQLBind(vendor), SQLBind(family ?? ""), SQLBind(Terminal.Status.pending.rawValue), SQLBind(at), SQLBind(at),
                        SQLBind(address))
                .ignoringConflicts(with: "serial").run()
            try await sql.update("terminals").set("last_seen_at", to: at).set("last_address", to: address).where("serial", .equal, serial).run()
            if let family {
                try await sql.update("terminals").set("family", to: family).where("serial", .equal, serial)
                    .where("registry_sealed", .equal, "").run()
            }
        }
        return try await get(serial: serial)!
    }

    /// What the terminal says of itself in a poll's INFO. A record count lower than the last one
    /// means its log was cleared: that raises an alert.
    public func noteInfo(serial: String, firmware: String, users: Int?, records: Int?, now: Date = Date()) async throws {
        try await database.write { sql in
            guard let row = try await sql.select().column("id").column("record_count").from("terminals").where("serial", .equal, serial).first()
            else { return }
            let id = try row.decode(column: "id", as: Int64.self)
            if let before = try row.optional("record_count", as: Int.self), let records, records < before {
                try await AlertStore.raise([NewTerminalAlert(kind: .recordCountDown, occurredAt: now, detail: "\(before) → \(records)",
                                                             dedupe: "count:\(serial):\(before):\(records)")], terminalID: id, in: sql, now: now)
            }
            var update = sql.update("terminals").set("firmware", to: String(firmware.prefix(80))).set("user_count", to: SQLBind(users))
            if let records { update = update.set("record_count", to: records) }
            try await update.where("id", .equal, id).run()
        }
    }

    /// The office's settings for an approved terminal, audited. Disabling refuses its uploads (it keeps them).
    public func update(serial: String, _ settings: TerminalSettings, by actor: Actor, reason: String) async throws {
        var errors: [FieldError] = []
        if !TerminalSettings.encodings.contains(settings.encoding) { errors.append(FieldError("encoding", "invalid")) }
        if !(-12 * 3600...14 * 3600).contains(settings.utcOffset) || settings.utcOffset % 900 != 0 { errors.append(FieldError("utc_offset", "invalid")) }
        if settings.location.tidied.count > 100 { errors.append(FieldError("location", "too_long")) }
        let pinned = settings.pinnedAddress.trimmingCharacters(in: .whitespaces)
        if !pinned.isEmpty && !AddressRange.isValid(pinned) { errors.append(FieldError("pinned_address", "invalid")) }
        if !errors.isEmpty { throw ValidationErrors(errors) }
        let kind = database.kind
        try await database.write { sql in
            guard try await sql.select().column("id").from("terminals").where("serial", .equal, serial).first() != nil else {
                throw StoreError.notFound("terminal")
            }
            let status: Terminal.Status = settings.enabled ? .approved : .disabled
            try await sql.update("terminals").set("unit_id", to: settings.unitID).set("location", to: settings.location.tidied)
                .set("utc_offset", to: settings.utcOffset).set("encoding", to: settings.encoding).set("photos", to: settings.photos)
                .set("status", to: status.rawValue).set("pinned_address", to: pinned).where("serial", .equal, serial).run()
            try await AuditLog.append(.init(action: .update, objectType: "terminal", objectID: serial,
                                            after: AuditJSON.encode(["unit_id": String(settings.unitID), "location": settings.location.tidied,
                                                                     "utc_offset": String(settings.utcOffset), "encoding": settings.encoding,
                                                                     "photos": String(settings.photos), "status": status.rawValue,
                                                                     "pinned_address": pinned]),
                                            reason: reason), by: actor, in: sql, kind: kind)
        }
    }

    /// Asks the terminal for everything again at its next handshake (`ATTLOGStamp=0`): resent rows add nothing.
    public func requestFullUpload(serial: String, by actor: Actor) async throws {
        let kind = database.kind
        try await database.write { sql in
            try await sql.update("terminals").set("attlog_stamp", to: "0").where("serial", .equal, serial).run()
            try await AuditLog.append(.init(action: .update, objectType: "terminal", objectID: serial, after: "{\"attlog_stamp\":\"0\"}"),
                                      by: actor, in: sql, kind: kind)
        }
    }

    /// Approves a terminal for a unit: from now on its uploads are accepted, from the address it
    /// last called from (a DHCP network may widen the pin to a range on the terminal's page).
    public func approve(serial: String, unitID: Int64, location: String = "", by actor: Actor) async throws {
        let kind = database.kind
        try await database.write { sql in
            guard try await sql.select().column("id").from("terminals").where("serial", .equal, serial).first() != nil else {
                throw StoreError.notFound("terminal")
            }
            try await sql.update("terminals").set("status", to: Terminal.Status.approved.rawValue).set("unit_id", to: unitID)
                .set("location", to: location.tidied).set("approved_by", to: SQLBind(actor.id)).set("approved_at", to: Instant.now())
                .set(SQLIdentifier("pinned_address"), to: SQLIdentifier("last_address")).where("serial", .equal, serial).run()
            try await AuditLog.append(.init(action: .update, objectType: "terminal", objectID: serial,
                                            after: AuditJSON.encode(["status": "approved", "unit_id": String(unitID)])), by: actor, in: sql, kind: kind)
        }
    }

    /// The entry for a terminal that asks about a PIN it does not hold ("RemoteAtt"): someone
    /// serving in the terminal's own unit with that PIN, if exactly one. Never wider: the answer
    /// carries a name and a card number to whoever holds the terminal's serial.
    public func visitor(pin: String, within root: String) async throws -> (name: String, card: String)? {
        try await database.read { sql in
            let rows = try await sql.select().distinct().column(col("p.id")).column(col("p.full_name")).column(col("p.card_number"))
                .from(SQLAlias(SQLIdentifier("people"), as: SQLIdentifier("p")))
                .join(SQLAlias(SQLIdentifier("assignments"), as: SQLIdentifier("a")), on: SQLRaw("a.person_id = p.id"))
                .join(SQLAlias(SQLIdentifier("units"), as: SQLIdentifier("u")), on: SQLRaw("u.id = a.unit_id"))
                .where(col("p.terminal_pin"), .equal, SQLBind(pin)).where(col("a.valid_to"), .is, SQLLiteral.null)
                .within(scopes: [root], column: col("u.path")).limit(2).all()
            guard rows.count == 1 else { return nil }
            return (try rows[0].decode(column: "full_name", as: String.self), try rows[0].decode(column: "card_number", as: String.self))
        }
    }

    /// How many punches the server holds from a terminal between two instants (reconciliation).
    public func punchCount(serial: String, from: Date, to: Date) async throws -> Int {
        try await database.read { sql in
            try await sql.select().column(SQLRaw("COUNT(*) AS n")).from("punches").where("device", .equal, "terminal:\(serial)")
                .where("at", .greaterThanOrEqual, Instant.format(from)).where("at", .lessThanOrEqual, Instant.format(to)).first()!
                .decode(column: "n", as: Int.self)
        }
    }

    /// What an upload changed: new punches, whose, and which days that were already closed.
    public struct Ingested: Sendable {
        public var new: Int
        public var personIDs: [Int64]
    }

    /// Stores a batch of punches and the request's journal entry in one transaction: the reply
    /// may say OK once this returns. PINs are matched to people posted in the terminal's unit;
    /// unknown PINs are kept without a person, with the PIN, for the office to link. In the same
    /// transaction: the stamp the terminal sent, the clock drift a realtime upload shows, and an
    /// alert for punches dated far from now. `journal` is nil when rebuilding from the journal.
    public func ingest(_ punches: [TerminalPunch], terminal: Terminal, journal entry: JournalEntry?, stamp: String? = nil,
                       now: Date = Date()) async throws -> Ingested {
        let kind = database.kind
        let scope = terminal.unitPath ?? "/none/"
        let pins = Array(Set(punches.map(\.pin)))
        let day = Day(now, in: CivilTime.vietnam)
        let people: [String: Int64] = pins.isEmpty ? [:] : try await database.read { sql in
            var map: [String: Int64] = [:]
            let rows = try await sql.select().column(col("p.id")).column(col("p.terminal_pin"))
                .from(SQLAlias(SQLIdentifier("people"), as: SQLIdentifier("p")))
                .join(SQLAlias(SQLIdentifier("assignments"), as: SQLIdentifier("a")), on: SQLRaw("a.person_id = p.id"))
                .join(SQLAlias(SQLIdentifier("units"), as: SQLIdentifier("u")), on: SQLRaw("u.id = a.unit_id"))
                .where(col("p.terminal_pin"), .in, SQLBind.group(pins))
                .heldOn(day)
                .within(scopes: [scope], column: col("u.path")).all()
            for row in rows { map[try row.decode(column: "terminal_pin", as: String.self)] = try row.decode(column: "id", as: Int64.self) }
            return map
        }
        // A ZKTeco terminal holds the PINs it was given; a punch for any other may be someone
        // posting in its name (Hikvision terminals report no users: their events are not checked).
        let enrolled = terminal.vendor == "zkteco" ? try await self.enrolled(pins, terminalID: terminal.id) : Set(pins)
        let device = "terminal:\(terminal.serial)"
        let received = Instant.format(now)
        let (count, inserted) = try await database.write { sql -> (Int, [(Int64, Date)]) in
            // Which keys are stored already (usually none; all of them for a resend): asking is
            // cheaper than having every inserted row returned, and a resend inserts nothing.
            var seen = Set<String>()
            for chunk in stride(from: 0, to: punches.count, by: 500) {
                let keys = punches[chunk..<min(chunk + 500, punches.count)].map(\.key)
                for row in try await sql.select().column("idempotency_key").from("punches").where("idempotency_key", .in, SQLBind.group(keys)).all() {
                    seen.insert(try row.decode(column: "idempotency_key", as: String.self))
                }
            }
            let fresh = punches.filter { seen.insert($0.key).inserted }
            var new: [(Int64, Date)] = []
            var flagged: [Date] = []
            var unenrolled: [String] = []
            for chunk in stride(from: 0, to: fresh.count, by: 400) {
                let part = fresh[chunk..<min(chunk + 400, fresh.count)]
                var insert = sql.insert(into: "punches")
                    .columns("person_id", "card_number", "terminal_pin", "at", "received_at", "source", "method", "device", "flag", "note",
                             "idempotency_key")
                for p in part {
                    let person = people[p.pin]
                    var flag = PunchFlag.check(at: p.at, receivedAt: now)
                    if flag == .none && !enrolled.contains(p.pin) {
                        flag = .unenrolled
                        unenrolled.append(p.pin)
                    } else if flag != .none {
                        flagged.append(p.at)
                    } else if let person {
                        new.append((person, p.at))
                    }
                    insert = insert.values(SQLBind(person), SQLBind(""), SQLBind(person == nil ? p.pin : ""), SQLBind(Instant.format(p.at)),
                                           SQLBind(received), SQLBind(PunchSource.terminal.rawValue), SQLBind(p.method.rawValue), SQLBind(device),
                                           SQLBind(flag.rawValue), SQLBind(person == nil ? "PIN \(p.pin)" : ""), SQLBind(p.key))
                }
                try await insert.ignoringConflicts(with: "idempotency_key").run()
            }
            let count = fresh.count
            let newest = fresh.map(\.at).max()
            guard let entry else { return (count, new) }  // a rebuild from the journal changes nothing else
            _ = try await TerminalStore.appendJournal(entry, in: sql, kind: kind)
            var update = sql.update("terminals").set("last_upload_at", to: received)
            if let stamp, !stamp.isEmpty { update = update.set("attlog_stamp", to: String(stamp.prefix(32))) }
            var alerts: [NewTerminalAlert] = []
            if let newest, let drift = FleetRules.drift(newest: newest, receivedAt: now, rows: count, previousUpload: terminal.lastUploadAt) {
                update = update.set("clock_drift", to: drift).set("drift_measured_at", to: received)
                if abs(TimeInterval(drift)) > FleetRules.driftLimit {
                    alerts.append(NewTerminalAlert(kind: .clockDrift, occurredAt: now, detail: String(drift),
                                                   dedupe: "drift:\(terminal.serial):\(day)"))
                }
            }
            try await update.where("id", .equal, terminal.id).run()
            if let first = flagged.min(), let last = flagged.max() {
                alerts.append(NewTerminalAlert(kind: .farFromReceive, occurredAt: now,
                                               detail: "\(flagged.count) · \(Instant.display(first)) – \(Instant.display(last))",
                                               dedupe: "far:\(terminal.serial):\(received):\(first.timeIntervalSince1970)"))
            }
            if !unenrolled.isEmpty {
                let pins = Array(Set(unenrolled)).sorted()
                alerts.append(NewTerminalAlert(kind: .unenrolledPunches, occurredAt: now,
                                               detail: "\(unenrolled.count) · PIN \(pins.prefix(10).joined(separator: ", "))\(pins.count > 10 ? " …" : "")",
                                               dedupe: "unenrolled:\(terminal.serial):\(day)"))
            }
            try await AlertStore.raise(alerts, terminalID: terminal.id, in: sql, now: now)
            return (count, new)
        }
        // Punches for closed days change settled verdicts: recompute once per person and day.
        let closed = Set(inserted.map { ($0.0, Day($0.1, in: CivilTime.vietnam)) }.filter { $0.1 < day }.map { "\($0.0)|\($0.1)" })
        let verdicts = VerdictStore(database: database)
        for key in closed {
            let parts = key.split(separator: "|")
            try await verdicts.refresh(personIDs: [Int64(parts[0])!], days: [Day(String(parts[1]))!], cause: "punch")
        }
        return Ingested(new: count, personIDs: Array(Set(inserted.map(\.0))))
    }

    /// An OPERLOG or user upload: its tamper alerts, the users the terminal reports holding,
    /// its stamp and its journal entry, in one transaction.
    public func recordOperations(_ alerts: [NewTerminalAlert], users: [String] = [], terminal: Terminal, journal entry: JournalEntry, stamp: String?,
                                 now: Date = Date()) async throws {
        let kind = database.kind
        try await database.write { sql in
            try await AlertStore.raise(alerts, terminalID: terminal.id, in: sql, now: now)
            try await TerminalStore.enrol(users, terminalID: terminal.id, source: .device, in: sql, now: now)
            if let stamp, !stamp.isEmpty {
                try await sql.update("terminals").set("operlog_stamp", to: String(stamp.prefix(32))).where("id", .equal, terminal.id).run()
            }
            _ = try await TerminalStore.appendJournal(entry, in: sql, kind: kind)
        }
    }
}
