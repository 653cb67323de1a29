import CongvuDomain
import CongvuStore
import CongvuTestSupport
import Foundation
import SQLKit
import Testing

@Suite struct MigrationTests {
    /// Steps live with their features; the one list keeps them numbered 1, 2, 3… with distinct names.
    @Test func stepsAreNumberedInOrder() {
        #expect(Schema.all.map(\.version) == Array(1...Schema.all.count))
        #expect(Set(Schema.all.map(\.name)).count == Schema.all.count)
    }

    @Test(arguments: TestDatabases.kinds)
    func appliesEveryMigrationOnceAndRecordsIt(kind: DatabaseKind) async throws {
        try await TestDatabases.withFresh(kind, migrate: false) { db, _ in
            let migrator = Migrator()
            let first = try await migrator.migrate(db)
            #expect(first == Schema.all.map(\.version))
            #expect(try await migrator.applied(db) == Schema.all.map(\.version))
            #expect(try await migrator.migrate(db).isEmpty)
        }
    }

    @Test(arguments: TestDatabases.kinds)
    func aFailingMigrationLeavesTheDatabaseAsItWas(kind: DatabaseKind) async throws {
        try await TestDatabases.withFresh(kind) { db, _ in
            let broken = Migration(version: 999, name: "broken", sql: [
                "CREATE TABLE half_done (id BIGINT PRIMARY KEY)",
                "INSERT INTO half_done (id) VALUES (1)",
                "THIS IS NOT SQL",
            ])
            await #expect(throws: MigrationError.self) { try await Migrator(Schema.all + [broken]).migrate(db) }
            let applied = try await Migrator().applied(db)
            #expect(!applied.contains(999))
            // The table created by the first statement was rolled back with the rest.
            await #expect(throws: (any Error).self) {
                try await db.read { try await $0.raw("SELECT id FROM half_done").all() }
            }
        }
    }
}

/// A database that lived through every release, one step at a time and holding data from its first
/// steps on, ends with the same schema as a new one, and its old rows still read through today's stores.
@Suite struct StepByStepUpgradeTests {
    /// Tables, columns (type, nullability, default) and indexes, as the database itself reports them.
    static func schema(_ db: Database) async throws -> [String] {
        try await db.read { sql in
            switch db.kind {
            case .sqlite:
                var out: [String] = []
                let objects = try await sql.raw("SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name").all()
                for o in objects {
                    let type = try o.decode(column: "type", as: String.self), name = try o.decode(column: "name", as: String.self)
                    out.append("\(type) \(name): \(try o.decode(column: "sql", as: String?.self) ?? "")")
                    guard type == "table" else { continue }
                    for c in try await sql.raw("SELECT name, type, \"notnull\" AS nn, dflt_value FROM pragma_table_info(\(bind: name))").all() {
                        out.append("  \(name).\(try c.decode(column: "name", as: String.self)) \(try c.decode(column: "type", as: String.self)) "
                                   + "\(try c.decode(column: "nn", as: Int.self)) \(try c.decode(column: "dflt_value", as: String?.self) ?? "-")")
                    }
                }
                return out
            case .postgres:
                let columns = try await sql.raw("""
                    SELECT table_name, column_name, data_type, is_nullable, COALESCE(column_default, '-') AS dflt
                    FROM information_schema.columns WHERE table_schema = current_schema() ORDER BY table_name, column_name
                    """).all().map { c in
                    "\(try c.decode(column: "table_name", as: String.self)).\(try c.decode(column: "column_name", as: String.self)) "
                        + "\(try c.decode(column: "data_type", as: String.self)) \(try c.decode(column: "is_nullable", as: String.self)) "
                        + (try c.decode(column: "dflt", as: String.self))
                }
                let indexes = try await sql.raw("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() ORDER BY indexname")
                    .all().map { "index \(try $0.decode(column: "indexname", as: String.self)): \(try $0.decode(column: "indexdef", as: String.self))" }
                return columns + indexes
            }
        }
    }

    /// Rows written with the columns their tables had at that step.
    static func seed(after version: Int, _ db: Database) async throws {
        let at = Instant.format(Date(timeIntervalSince1970: 1_709_514_123))
        try await db.write { sql in
            switch version {
            case 2:
                try await sql.raw("""
                    INSERT INTO units (kind, code, name, search_key, valid_from, path, created_at, updated_at)
                    VALUES ('commune', 'XA1', 'UBND xã Một', 'ubnd xa mot', '2020-01-01', '', \(bind: at), \(bind: at))
                    """).run()
                try await sql.raw("UPDATE units SET path = '/' || CAST(id AS TEXT) || '/'").run()
                try await sql.raw("""
                    INSERT INTO people (full_name, search_key, phone, card_number, created_at, updated_at)
                    VALUES ('Lò Thị Hoa', 'lo thi hoa', '0912000111', '0001', \(bind: at), \(bind: at))
                    """).run()
                try await sql.raw("""
                    INSERT INTO assignments (person_id, unit_id, title, category, is_leader, valid_from)
                    SELECT p.id, u.id, 'Công chức văn phòng', 'civil_servant', FALSE, '2020-01-01' FROM people p, units u
                    """).run()
            case 6:
                try await sql.raw("""
                    INSERT INTO punches (person_id, at, received_at, source, method, device, idempotency_key)
                    SELECT id, \(bind: at), \(bind: at), 'kiosk', 'card', 'kiosk:1', 'old-punch-1' FROM people
                    """).run()
            case 11:
                try await sql.raw("""
                    INSERT INTO procedures (code, version, name, search_key, field, level, time_value, time_unit, online_level, valid_from)
                    VALUES ('1.001', 1, 'Chứng thực bản sao', 'chung thuc ban sao', 'Chứng thực', 'commune', 1, 'working_days', 'partial', '2020-01-01')
                    """).run()
                try await sql.raw("INSERT INTO one_stop_counters (unit_id, agency_code) SELECT id, '000.01.01.H40' FROM units").run()
            default:
                break
            }
        }
    }

    @Test(arguments: TestDatabases.kinds)
    func everyStepOverDataEndsAsANewDatabase(kind: DatabaseKind) async throws {
        let fresh = try await TestDatabases.withFresh(kind) { db, _ in try await Self.schema(db) }
        try await TestDatabases.withFresh(kind, migrate: false) { db, _ in
            for step in Schema.all {
                #expect(try await Migrator(Schema.all.filter { $0.version <= step.version }).migrate(db) == [step.version])
                try await Self.seed(after: step.version, db)
            }
            let upgraded = try await Self.schema(db)
            #expect(upgraded.count == fresh.count)
            for (a, b) in zip(upgraded, fresh) where a != b { Issue.record("upgraded: \(a)\nnew:      \(b)") }
            // What was written at the first steps still reads through today's stores.
            let unit = try #require(try await UnitStore(database: db).byCode("XA1"))
            let people = try await PeopleStore(database: db).search("hoa", scopes: [unit.path], on: Day(year: 2024, month: 3, day: 4)!, limit: 10)
            #expect(people.items.map(\.person.fullName) == ["Lò Thị Hoa"])
            let personID = try #require(people.items.first?.person.id)
            let punches = try await PunchStore(database: db).punches(personIDs: [personID], from: Date(timeIntervalSince1970: 0), to: Date())
            #expect(punches[personID]?.count == 1)
            #expect(try await ProcedureStore(database: db).list(search: "chung thuc").map(\.code) == ["1.001"])
        }
    }
}

/// Upgrading a database that already holds terminals and their punches (step 19): approved
/// terminals are pinned to the address they last called from, and every PIN that has punched on a
/// terminal is taken as enrolled there, so nothing that counted before is held after the upgrade.
@Suite struct DeviceTrustUpgradeTests {
    @Test(arguments: TestDatabases.kinds)
    func anUpgradeKeepsWhatCountedBefore(kind: DatabaseKind) async throws {
        try await TestDatabases.withFresh(kind, migrate: false) { db, _ in
            _ = try await Migrator(Schema.all.filter { $0.version < 19 }).migrate(db)
            let tree = try await Tree.make(db)
            let personID = try await Tree.person(db, "Hà Văn Sáu", in: tree.committeeA).id
            let now = Instant.format(Date())
            try await db.write { sql in
                try await sql.raw("UPDATE people SET terminal_pin = '1201' WHERE id = \(bind: personID)").run()
                for (serial, status, address) in [("ZK1", "approved", "10.0.5.17"), ("ZK2", "pending", "10.0.5.99")] {
                    try await sql.raw("""
                        INSERT INTO terminals (serial, vendor, family, status, unit_id, first_seen_at, last_seen_at, last_address)
                        VALUES (\(bind: serial), 'zkteco', '2.x', \(bind: status), \(bind: tree.committeeA.id), \(bind: now), \(bind: now), \(bind: address))
                        """).run()
                }
                for (personID, pin, key) in [(Optional(personID), "", "k1"), (Optional(personID), "", "k2"), (nil, "7777", "k3")] {
                    try await sql.raw("""
                        INSERT INTO punches (person_id, terminal_pin, at, received_at, source, method, device, idempotency_key)
                        VALUES (\(bind: personID), \(bind: pin), \(bind: now), \(bind: now), 'terminal', 'fingerprint', 'terminal:ZK1', \(bind: key))
                        """).run()
                }
            }
            #expect(try await Migrator(Schema.all.filter { $0.version <= 19 }).migrate(db) == [19])
            // Every reader sees the new columns at once, including those that read before the step.
            for _ in 0..<2 * ProcessInfo.processInfo.activeProcessorCount + 2 { _ = try await TerminalStore(database: db).list() }
            let terminals = TerminalStore(database: db)
            let zk1 = try #require(try await terminals.get(serial: "ZK1"))
            #expect(zk1.pinnedAddress == "10.0.5.17" && zk1.admits(address: "10.0.5.17") && !zk1.admits(address: "10.0.5.18"))
            #expect(try await terminals.get(serial: "ZK2")?.pinnedAddress == "")
            #expect(try await terminals.enrolled(["1201", "7777", "5555"], terminalID: zk1.id) == ["1201", "7777"])
        }
    }
}

/// Step 38 lets a notification go to an address instead of a person; SQLite rebuilds the table for
/// it. The notifications, deliveries and attempts already there keep their ids and ties, and the
/// deliveries still refuse a notification that does not exist.
@Suite struct NotificationsToAddressesUpgradeTests {
    @Test(arguments: TestDatabases.kinds)
    func theOutboxKeepsWhatItHeld(kind: DatabaseKind) async throws {
        try await TestDatabases.withFresh(kind, migrate: false) { db, _ in
            _ = try await Migrator(Schema.all.filter { $0.version < 38 }).migrate(db)
            let tree = try await Tree.make(db)
            let lan = try await Tree.person(db, "Nguyễn Thị Lan", in: tree.committeeA)
            let at = Instant.parseLocal("2026-12-07 09:00")!
            let draft = NotificationDraft(key: NotificationKey(.taskAssigned, recordType: "task", recordID: 41), params: ["title": "Báo cáo"], link: "/tasks/41")
            let routing = NotificationRouting.route(.taskAssigned, preferences: .init(), verified: [.telegram], at: at)
            let ids = try await db.write { sql in
                // One routed when raised, one raised as that release did (the row alone) and not yet routed.
                try await NotificationStore.raise(draft, to: [(lan.id, routing)], at: at, in: sql) + [try await sql.raw("""
                    INSERT INTO notifications (person_id, kind, dedupe_key, record_type, record_id, params, link, created_at, digested)
                    VALUES (\(bind: lan.id), 'task_assigned', 'task_assigned:task:42', 'task', 42, '{}', '', \(bind: Instant.format(at)), FALSE) RETURNING id
                    """).first()!.decode(column: "id", as: Int64.self)]
            }
            let store = NotificationStore(database: db)
            // A worker of the release before had claimed the delivery and recorded a failure.
            try await db.execute("UPDATE notification_deliveries SET state = 'sending'")
            let delivery = try await db.read { try await $0.raw("SELECT id FROM notification_deliveries").first()!.decode(column: "id", as: Int64.self) }
            try await store.record(delivery, .failed(answer: "HTTP 502", permanent: false), at: at)

            #expect(try await Migrator(Schema.all).migrate(db) == Array(38...Schema.all.last!.version))
            #expect(try await store.inbox(personID: lan.id).map(\.id) == ids.reversed())
            #expect(try await store.deliveries(notificationID: ids[0]) == [.init(channel: .telegram, state: "queued", attempts: ["failed"])])
            // The one raised before the step and not yet routed is routed after it.
            #expect(try await store.route(at: at) == 1)
            await #expect(throws: (any Error).self) {
                try await db.execute("INSERT INTO notification_deliveries (notification_id, channel, state, not_before) VALUES (999999, 'email', 'queued', 'x')")
            }
            // New notifications number on after the old ones.
            let next = try await db.write { try await NotificationStore.raise(draft, toAddress: "ha.lo@example.vn", on: .email, at: at, in: $0) }
            #expect(try #require(next) > ids.max()!)
        }
    }
}

@Suite struct BackupTests {
    @Test func aBackupIsAConsistentCopyThatOpens() async throws {
        try await TestDatabases.withFresh(.sqlite) { db, dir in
            _ = try await Tree.make(db)
            let copy = dir + "/backup.sqlite"
            try await db.backup(to: copy)
            await #expect(throws: BackupTargetExists.self) { try await db.backup(to: copy) }
            let restored = try await Database.open(.sqlite(path: copy), logger: TestDatabases.logger)
            let count = try await UnitStore(database: restored).count()
            let verdict = try await AuditLog(database: restored).verify()
            await restored.shutdown()
            #expect(count == 5)
            #expect(verdict == .intact(count: 5))
        }
    }
}
