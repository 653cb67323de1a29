import CongvuDomain
import CongvuStore
import CongvuTestSupport
import Foundation
import SQLKit
import Testing

/// The feedback register on both databases: filing, the moves against the version read, the
/// history, merge and spam kept, the citizen's rating kept once given, escalation's queue, the
/// box's openings and what Open311 may publish.
@Suite struct FeedbackStoreTests {
    static let at = Instant.parse("2026-11-23T02:00:00.000Z")!

    static func draft(_ text: String, category: String = "attitude", privately: Bool = false) -> FeedbackDraft {
        FeedbackDraft(category: category, channel: .web, description: text, citizenName: "Nguyễn Văn Dân", contact: "0912345678", answerPrivately: privately)
    }

    static func filing(_ unit: OrgUnit, code: String) -> FeedbackStore.Filing {
        FeedbackStore.Filing(unitID: unit.id, code: code, at: at, due: Day("2026-12-07")!, forwardBy: Day("2026-11-30")!)
    }

    @Test(arguments: TestDatabases.kinds)
    func anItemIsFiledAssignedAnsweredRatedAndKept(kind: DatabaseKind) async throws {
        try await TestDatabases.withFresh(kind) { db, _ in
            let tree = try await Tree.make(db)
            let clerk = try await Tree.person(db, "Trần Thị Lan", in: tree.committeeA)
            let store = FeedbackStore(database: db)
            #expect(try await store.categories().map(\.code) == ["attitude", "regulation", "dossier", "public_service", "other"])
            let item = try await store.file(Self.draft("Cán bộ một cửa trả hồ sơ chậm, không hẹn lại."), Self.filing(tree.committeeA, code: "PA23456789"),
                                            office: nil, by: Tree.actor)
            #expect(item.status == .received && item.version == 1 && item.nextEscalation == Day("2026-12-07"))
            #expect(try await store.get(code: "PA23456789")?.id == item.id)
            // A code already taken is drawn again rather than refusing the citizen.
            let twin = try await store.file(Self.draft("Đèn đường thôn Đông hỏng đã lâu."), Self.filing(tree.committeeA, code: "PA23456789"), office: nil, by: Tree.actor)
            #expect(twin.code != "PA23456789" && FeedbackCode.normalise(twin.code) == twin.code && twin.id != item.id)

            // A move needs the version read, and a reason where the rules ask one.
            await #expect(throws: StoreError.conflict(field: "version", key: "feedback_changed")) {
                try await store.apply(.init(action: .assign, ownerUnitID: tree.committeeA.id, ownerID: clerk.id), to: item.id, version: 7, by: Tree.actor)
            }
            let assigned = try await store.apply(.init(action: .assign, ownerUnitID: tree.committeeA.id, ownerID: clerk.id), to: item.id, version: 1, by: Tree.actor)
            #expect(assigned.status == .assigned && assigned.ownerID == clerk.id && assigned.version == 2)
            await #expect(throws: ValidationErrors([FieldError("reason", "feedback_reason_required")])) {
                try await store.apply(.init(action: .reassign, ownerUnitID: tree.committeeA.id, ownerID: clerk.id), to: item.id, version: 2, by: Tree.actor)
            }
            await #expect(throws: ValidationErrors([FieldError("reason", "feedback_not_allowed")])) {
                try await store.apply(.init(action: .assign, ownerUnitID: tree.committeeA.id, ownerID: clerk.id), to: item.id, version: 2, by: Tree.actor)
            }
            let answered = try await store.apply(.init(action: .answer, answer: "Đã nhắc nhở công chức, hồ sơ trả ngày 25/11."), to: item.id, version: 2,
                                                 answeredBy: clerk.id, by: Tree.actor, at: Self.at.addingTimeInterval(86_400))
            #expect(answered.status == .answered && answered.answeredDay == Day("2026-11-24") && answered.nextEscalation == nil)

            // The citizen rates once; the database refuses a change even from outside the store.
            try await store.rate(code: item.code, .satisfied)
            await #expect(throws: StoreError.conflict(field: "satisfaction", key: "feedback_already_rated")) { try await store.rate(code: item.code, .notSatisfied) }
            await #expect(throws: (any Error).self) {
                try await db.write { sql in try await sql.update("feedback").set("satisfaction", to: "not_satisfied").where("id", .equal, item.id).run() }
            }
            await #expect(throws: (any Error).self) {
                try await db.write { sql in try await sql.delete(from: "feedback").where("id", .equal, item.id).run() }
            }

            // "Not solved" reopens it with a new deadline; the history keeps every step, append-only.
            try await store.verdict(code: item.code, solved: false, newDue: Day("2026-12-15")!, notify: NotificationDraft(key: NotificationKey(.feedbackReopened,
                                    recordType: "feedback", recordID: item.id, occasion: "")), heads: [clerk.id])
            let reopened = try #require(try await store.get(item.id))
            #expect(reopened.status == .assigned && reopened.reopened == 1 && reopened.due == Day("2026-12-15") && reopened.satisfaction == .satisfied)
            #expect(try await store.events(item.id).map(\.kind) == ["filed", "assign", "answer", "rated", "reopen"])
            #expect(try await NotificationStore(database: db).raised(NotificationKey(.feedbackReopened, recordType: "feedback", recordID: item.id,
                                                                                     occasion: "reopen-3"), personID: clerk.id))
            await #expect(throws: (any Error).self) {
                try await db.write { sql in try await sql.delete(from: "feedback_events").where("feedback_id", .equal, item.id).run() }
            }
        }
    }

    /// The answer is e-mailed to a citizen who gave an address, in the answer's transaction, each
    /// answer once; one who gave a phone number gets nothing by the outbox (the office calls).
    @Test(arguments: TestDatabases.kinds)
    func eachAnswerGoesToTheCitizensEmailThroughTheOutbox(kind: DatabaseKind) async throws {
        try await TestDatabases.withFresh(kind) { db, _ in
            let tree = try await Tree.make(db)
            let clerk = try await Tree.person(db, "Trần Thị Lan", in: tree.committeeA)
            let store = FeedbackStore(database: db), outbox = NotificationStore(database: db)
            var byMail = Self.draft("Đèn đường thôn Đông hỏng đã hai tuần.", privately: true)
            byMail.contact = "ha.lo@example.vn"
            let mailed = try await store.file(byMail, Self.filing(tree.committeeA, code: "PA23456789"), office: nil, by: Tree.actor)
            let phoned = try await store.file(Self.draft("Cán bộ tiếp dân không đeo thẻ.", privately: true), Self.filing(tree.committeeA, code: "PA3456789A"),
                                              office: nil, by: Tree.actor)
            for item in [mailed, phoned] {
                try await store.apply(.init(action: .assign, ownerUnitID: tree.committeeA.id, ownerID: clerk.id), to: item.id, version: 1, by: Tree.actor)
                try await store.apply(.init(action: .answer, answer: "Đã thay bóng đèn ngày 25/11."), to: item.id, version: 2, answeredBy: clerk.id, by: Tree.actor)
            }
            #expect(try await outbox.sentToAddresses(recordType: "feedback", recordID: phoned.id).isEmpty)
            let first = try await outbox.sentToAddresses(recordType: "feedback", recordID: mailed.id)
            #expect(first.map { "\($0.address) \($0.channel.rawValue) \($0.state)" } == ["ha.lo@example.vn email queued"])
            let claimed = try #require(try await outbox.claim(limit: 10).first)
            #expect(claimed.kind == .feedbackAnswer && claimed.personID == nil && claimed.link == "/phan-anh/ma/PA23456789")
            #expect(claimed.params == ["unit": tree.committeeA.name, "code": "PA23456789", "answer": "Đã thay bóng đèn ngày 25/11."])

            // "Not solved": reopened, answered again, and that answer is sent too.
            try await store.verdict(code: mailed.code, solved: false, newDue: Day("2026-12-15")!, notify: NotificationDraft(key: NotificationKey(.feedbackReopened,
                                    recordType: "feedback", recordID: mailed.id, occasion: "")), heads: [clerk.id])
            let reopened = try #require(try await store.get(mailed.id))
            try await store.apply(.init(action: .answer, answer: "Đã thay cả cột đèn."), to: mailed.id, version: reopened.version, answeredBy: clerk.id, by: Tree.actor)
            #expect(try await outbox.sentToAddresses(recordType: "feedback", recordID: mailed.id).count == 2)
        }
    }

    /// The stamp public lists are kept under: the same while nothing changes, moved by every write
    /// to the register or its categories, whoever makes it (here plain SQL).
    /// On PostgreSQL a write to the register takes the audit chain's lock before the count's row
    /// (step 48), so a transaction that appended to the chain and then writes an item (a task made
    /// from it) and one that wrote an item and then appends (an answer) wait in turn.
    @Test func aRegisterWriteAndAnAuditAppendInEitherOrderDoNotDeadlock() async throws {
        guard TestDatabases.kinds.contains(.postgres) else { return }
        try await TestDatabases.withFresh(.postgres) { db, _ in
            let tree = try await Tree.make(db)
            let store = FeedbackStore(database: db)
            let a = try await store.file(Self.draft("Đường thôn Đông ngập nước."), Self.filing(tree.committeeA, code: "PA23456789"), office: nil, by: Tree.actor)
            let b = try await store.file(Self.draft("Đèn đường thôn Tây hỏng."), Self.filing(tree.committeeA, code: "PA23456790"), office: nil, by: Tree.actor)
            let before = try await store.stamp()
            try await writeBesideTheChainBothWays(db, first: { sql in
                try await sql.raw("UPDATE feedback SET answer = answer || '.' WHERE id = \(bind: a.id)").run()
            }, second: { sql in
                try await sql.raw("UPDATE feedback SET answer = answer || '.' WHERE id = \(bind: b.id)").run()
            })
            #expect(try await store.stamp() != before)
            let answers = try await db.read { sql in
                try await sql.raw("SELECT answer FROM feedback WHERE id IN (\(bind: a.id), \(bind: b.id)) ORDER BY id").all().map { try $0.decode(column: "answer", as: String.self) }
            }
            #expect(answers == ["...", "..."])
        }
    }

    @Test(arguments: TestDatabases.kinds)
    func theRegistersStampMovesWithEveryWrite(kind: DatabaseKind) async throws {
        try await TestDatabases.withFresh(kind) { db, _ in
            let tree = try await Tree.make(db)
            let store = FeedbackStore(database: db)
            var stamps = [try await store.stamp()]
            #expect(try await store.stamp() == stamps[0])
            let item = try await store.file(Self.draft("Cán bộ một cửa trả hồ sơ chậm."), Self.filing(tree.committeeA, code: "PA23456789"), office: nil, by: Tree.actor)
            stamps.append(try await store.stamp())
            try await db.execute("UPDATE feedback SET answer = 'Đã trả lời.' WHERE id = \(item.id)")
            stamps.append(try await store.stamp())
            try await db.execute("UPDATE feedback_categories SET name_vi = 'Thái độ cán bộ' WHERE code = 'attitude'")
            stamps.append(try await store.stamp())
            try await db.execute("UPDATE units SET updated_at = '2099-01-01T00:00:00.000Z' WHERE id = \(tree.committeeA.id)")
            stamps.append(try await store.stamp())
            #expect(Set(stamps).count == 5, "\(stamps)")
        }
    }

    @Test(arguments: TestDatabases.kinds)
    func duplicatesMergeSpamStaysAndOnlyWhatIsPublicIsPublished(kind: DatabaseKind) async throws {
        try await TestDatabases.withFresh(kind) { db, _ in
            let tree = try await Tree.make(db)
            let store = FeedbackStore(database: db)
            let first = try await store.file(Self.draft("Đèn đường thôn 3 hỏng đã hai tuần.", category: "public_service"),
                                             Self.filing(tree.committeeA, code: "PA22222222"), office: nil, by: Tree.actor)
            let again = try await store.file(Self.draft("Đèn đường ở thôn 3 không sáng.", category: "public_service"),
                                             Self.filing(tree.committeeA, code: "PA33333333"), office: nil, by: Tree.actor)
            let junk = try await store.file(Self.draft("Quảng cáo vay tiền nhanh lãi thấp."), Self.filing(tree.committeeA, code: "PA44444444"),
                                            office: nil, by: Tree.actor)
            let secret = try await store.file(Self.draft("Xin trả lời riêng về việc đất đai nhà tôi.", privately: true),
                                              Self.filing(tree.committeeA, code: "PA55555555"), office: nil, by: Tree.actor)
            await #expect(throws: ValidationErrors([FieldError("merged_into", "feedback_merge_target")])) {
                try await store.apply(.init(action: .merge, reason: "Trùng nội dung", mergedInto: again.id), to: again.id, version: 1, by: Tree.actor)
            }
            let merged = try await store.apply(.init(action: .merge, reason: "Trùng nội dung", mergedInto: first.id), to: again.id, version: 1, by: Tree.actor)
            #expect(merged.status == .merged && merged.mergedInto == first.id)
            _ = try await store.apply(.init(action: .spam, reason: "Quảng cáo"), to: junk.id, version: 1, by: Tree.actor)

            let listed = try await store.list(FeedbackFilter(unitIDs: [tree.committeeA.id]))
            #expect(Set(listed.items.map(\.code)) == ["PA22222222", "PA33333333", "PA55555555"] && listed.total == 3)
            #expect(try await store.list(FeedbackFilter(unitIDs: [tree.committeeA.id], status: .spam)).items.map(\.code) == ["PA44444444"])
            // Accent-insensitive search over the description.
            let found = try await store.list(FeedbackFilter(unitIDs: [tree.committeeA.id], search: "den duong thon", limit: 1))
            #expect(found.total == 2 && found.items.map(\.code) == ["PA33333333"], "counted and paged by the database")
            #expect(try await store.list(FeedbackFilter(unitIDs: [tree.committeeA.id], search: "Đèn  ĐƯỜNG", offset: 1)).items.map(\.code) == ["PA22222222"])
            #expect(try await store.list(FeedbackFilter(unitIDs: [tree.committeeA.id], search: "pa2222")).items.map(\.code) == ["PA22222222"], "by its code")
            #expect(try await store.list(FeedbackFilter(unitIDs: [tree.committeeA.id], search: "den xe")).total == 0, "every word must be there")
            // Items written before the search text was kept (or by plain SQL) are found once the server has folded theirs.
            try await db.execute("UPDATE feedback SET search_key = NULL")
            #expect(try await store.list(FeedbackFilter(unitIDs: [tree.committeeA.id], search: "den duong")).total == 0)
            let rows = try await db.read { try await $0.raw("SELECT COUNT(*) AS n FROM feedback").first()!.decode(column: "n", as: Int.self) }
            #expect(try await store.fillSearchKeys(batch: 2) == rows, "every row, in batches")
            #expect(try await store.list(FeedbackFilter(unitIDs: [tree.committeeA.id], search: "den duong")).total == 2)
            #expect(try await store.fillSearchKeys() == 0)
            #expect(try await store.list(FeedbackFilter(unitIDs: [tree.committeeB.id])).items.isEmpty)

            // Open311 sees neither spam nor what the citizen asked to keep private.
            let published = try await store.published(unitIDs: nil, category: nil, open: nil, from: Self.at.addingTimeInterval(-60),
                                                      to: Self.at.addingTimeInterval(60), limit: 100)
            #expect(Set(published.map(\.code)) == ["PA22222222", "PA33333333"])
            #expect(try await store.published(unitIDs: nil, category: nil, open: true, from: Self.at.addingTimeInterval(-60),
                                              to: Self.at.addingTimeInterval(60), limit: 100).map(\.code) == ["PA22222222"])
            #expect(try await store.published(ids: ["PA55555555", "PA22222222"], unitIDs: nil, category: nil, open: nil, from: .distantPast,
                                              to: .distantFuture, limit: 100).map(\.code) == ["PA22222222"])
            _ = secret

            // Escalation's queue: open items past their next day, nothing merged or spam.
            #expect(try await store.escalationsDue(on: Day("2026-12-08")!).map(\.code) == ["PA22222222", "PA55555555"])
            #expect(try await store.escalationsDue(on: Day("2026-12-07")!).isEmpty)
            let up = try await store.apply(.init(action: .escalate, ownerUnitID: tree.province.id, due: nil), to: first.id, version: nil, by: .system)
            #expect(up.escalationLevel == 1 && up.escalatedUnitID == tree.province.id && up.nextEscalation == nil)
            #expect(try await store.list(FeedbackFilter(unitIDs: [tree.province.id])).items.map(\.code) == ["PA22222222"])

            let counts = FeedbackCounts(try await store.counted(unitIDs: [tree.committeeA.id], from: Day("2026-11-01")!, to: Day("2026-11-30")!),
                                        today: Day("2026-12-08")!)
            #expect(counts.total == 4 && counts.byStatus[.spam] == 1 && counts.overdue == 2 && counts.escalated == 1)
        }
    }

    @Test(arguments: TestDatabases.kinds)
    func theBoxIsOpenedBeforeWitnessesAndItsLettersCounted(kind: DatabaseKind) async throws {
        try await TestDatabases.withFresh(kind) { db, _ in
            let tree = try await Tree.make(db)
            let store = FeedbackStore(database: db)
            await #expect(throws: ValidationErrors.self) {
                _ = try await store.open(box: tree.committeeA.id, on: Day("2026-11-20")!, openedBy: "", witnesses: "", letters: -1, by: Tree.actor, at: Self.at)
            }
            let id = try await store.open(box: tree.committeeA.id, on: Day("2026-11-20")!, openedBy: "Chánh Văn phòng",
                                          witnesses: "Chủ tịch MTTQ xã; Thanh tra nhân dân", letters: 2, by: Tree.actor, at: Self.at)
            var letter = Self.draft("Thư góp ý về giờ làm việc của bộ phận một cửa.")
            letter.channel = .box
            var f = Self.filing(tree.committeeA, code: "PA66666666")
            f.boxOpeningID = id
            _ = try await store.file(letter, f, office: nil, by: Tree.actor)
            let opening = try #require(try await store.openings(unitID: tree.committeeA.id).first)
            #expect(opening.letters == 2 && opening.entered == 1 && opening.witnesses.contains("MTTQ"))
        }
    }
}
