import CongvuDomain
import CongvuStore
import CongvuTestSupport
import Foundation
import SQLKit
import Testing

@Suite struct PunchStoreTests {
    let now = Date(timeIntervalSince1970: 1_780_632_000)  // 2026-06-05 07:00 in Vietnam

    @Test(arguments: TestDatabases.kinds)
    func aPunchSentTwiceIsStoredOnce(kind: DatabaseKind) async throws {
        try await TestDatabases.withFresh(kind) { db, _ in
            let t = try await Tree.make(db)
            let person = try await Tree.person(db, "Lê Văn Tâm", in: t.committeeA, card: "123456")
            let store = PunchStore(database: db)
            let input = PunchInput(personID: person.id, at: now, receivedAt: now, source: .terminal, method: .card, device: "ZK-01")
            let first = try await store.record(input, by: .system)
            let again = try await store.record(input, by: .system)
            #expect(first.isNew)
            #expect(!again.isNew)
            #expect(again.punch.id == first.punch.id)
            // A kiosk retrying with its own key after a network blip: still one punch, marked as queued.
            let queued = PunchInput(personID: person.id, at: now.addingTimeInterval(60), receivedAt: now.addingTimeInterval(600),
                                    source: .kiosk, method: .card, queued: true, idempotencyKey: "kiosk-1:abc")
            _ = try await store.record(queued, by: .system)
            _ = try await store.record(queued, by: .system)
            let day = try await store.punches(personID: person.id, from: now.addingTimeInterval(-3600), to: now.addingTimeInterval(3600))
            #expect(day.count == 2)
            #expect(day[1].queued)
        }
    }

    @Test(arguments: TestDatabases.kinds)
    func untrustworthyTimesAreFlaggedAndLeftOut(kind: DatabaseKind) async throws {
        try await TestDatabases.withFresh(kind) { db, _ in
            let t = try await Tree.make(db)
            let person = try await Tree.person(db, "Lê Văn Tâm", in: t.committeeA)
            let store = PunchStore(database: db)
            let future = try await store.record(PunchInput(personID: person.id, at: now.addingTimeInterval(3600), receivedAt: now,
                                                           source: .terminal, method: .fingerprint), by: .system)
            let stale = try await store.record(PunchInput(personID: person.id, at: now.addingTimeInterval(-10 * 86400), receivedAt: now,
                                                          source: .terminal, method: .fingerprint), by: .system)
            #expect(future.punch.flag == .future)
            #expect(stale.punch.flag == .stale)
            let range = (now.addingTimeInterval(-20 * 86400), now.addingTimeInterval(86400))
            #expect(try await store.punches(personID: person.id, from: range.0, to: range.1).isEmpty)
            #expect(try await store.punches(personID: person.id, from: range.0, to: range.1, includeFlagged: true).count == 2)
        }
    }

    @Test(arguments: TestDatabases.kinds)
    func manualPunchesNeedAReasonAndAreAudited(kind: DatabaseKind) async throws {
        try await TestDatabases.withFresh(kind) { db, _ in
            let t = try await Tree.make(db)
            let person = try await Tree.person(db, "Lê Văn Tâm", in: t.committeeA)
            let store = PunchStore(database: db)
            let office = Actor(id: nil, name: "vanphong")
            await #expect(throws: ValidationErrors([FieldError("note", "reason_required")])) {
                _ = try await store.record(PunchInput(personID: person.id, at: now, source: .manual, method: .manual), by: office)
            }
            let manual = try await store.record(PunchInput(personID: person.id, at: now, source: .manual, method: .manual,
                                                           note: "máy chấm công hỏng"), by: office)
            #expect(manual.punch.punch.source == .manual)
            let audit = try await AuditLog(database: db).recent(limit: 1, objectType: "punch")
            #expect(audit.first?.reason == "máy chấm công hỏng")
            #expect(audit.first?.actorName == "vanphong")
        }
    }

    @Test(arguments: TestDatabases.kinds)
    func unknownCardsWaitForTheOfficeToLinkThem(kind: DatabaseKind) async throws {
        try await TestDatabases.withFresh(kind) { db, _ in
            let t = try await Tree.make(db)
            let person = try await Tree.person(db, "Lê Văn Tâm", in: t.committeeA)
            let other = try await Tree.person(db, "Trần Thị Mai", in: t.committeeA, card: "777")
            let store = PunchStore(database: db)
            for minutes in [0, 540] {
                _ = try await store.record(PunchInput(personID: nil, cardNumber: "99001", at: now.addingTimeInterval(Double(minutes * 60)),
                                                      receivedAt: now.addingTimeInterval(Double(minutes * 60)), source: .terminal, method: .card), by: .system)
            }
            let unknown = try await store.unknownCards()
            #expect(unknown.map(\.card) == ["99001"])
            #expect(unknown.first?.punches == 2)
            await #expect(throws: StoreError.conflict(field: "card_number", key: "card_taken")) {
                _ = try await store.linkCard("777", to: person.id, by: .system, reason: "thẻ của người khác")
            }
            #expect(try await store.linkCard("99001", to: person.id, by: .system, reason: "thẻ mới cấp") == 2)
            #expect(try await store.unknownCards().isEmpty)
            #expect(try await store.punches(personID: person.id, from: now.addingTimeInterval(-60), to: now.addingTimeInterval(86400)).count == 2)
            #expect(try await PeopleStore(database: db).get(person.id)?.person.cardNumber == "99001")
            #expect(try await PeopleStore(database: db).get(other.id)?.person.cardNumber == "777")
        }
    }

    /// A value that cannot be read back is an error, never a crash or a made-up time.
    @Test(arguments: TestDatabases.kinds)
    func aCorruptStoredTimeIsAnError(kind: DatabaseKind) async throws {
        try await TestDatabases.withFresh(kind) { db, _ in
            let t = try await Tree.make(db)
            let person = try await Tree.person(db, "Lê Văn Tâm", in: t.committeeA)
            try await db.write { sql in
                try await sql.raw("""
                    INSERT INTO punches (person_id, at, received_at, source, method, idempotency_key)
                    VALUES (\(bind: person.id), '2026-06-05T07:00:00Z', '2026-06-05T07:00:00.000Z', 'terminal', 'card', 'corrupt')
                    """).run()
            }
            await #expect(throws: (any Error).self) {
                _ = try await PunchStore(database: db).punches(personID: person.id, from: now.addingTimeInterval(-86400), to: now.addingTimeInterval(86400))
            }
        }
    }
}
