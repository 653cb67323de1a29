import CongvuDomain
import CongvuStore
import CongvuTestSupport
import Foundation
import Testing

@Suite struct AbsenceStoreTests {
    @Test(arguments: TestDatabases.kinds)
    func anApprovedNoticeExcusesTheVerdict(kind: DatabaseKind) async throws {
        try await TestDatabases.withFresh(kind) { db, _ in
            let t = try await Tree.make(db)
            let person = try await Tree.person(db, "Nguyễn Thị Lan", in: t.committeeA)
            let absences = AbsenceStore(database: db)
            let punches = PunchStore(database: db)
            for hhmm in ["2026-06-05 06:58", "2026-06-05 11:31"] {
                _ = try await punches.record(PunchInput(personID: person.id, at: Instant.parseLocal(hhmm)!, receivedAt: Instant.parseLocal(hhmm)!, source: .terminal, method: .card), by: .system)
            }
            let draft = AbsenceDraft(kind: "notice", place: "Sở Nội vụ", purpose: "Họp về sắp xếp bộ máy",
                                     from: Instant.parseLocal("2026-06-05 13:30")!, to: Instant.parseLocal("2026-06-05 17:00")!)
            let filed = try await absences.file(try draft.validate(personID: person.id, filedAt: Instant.parseLocal("2026-06-05 08:00")!), by: .system)
            try await CalendarStore(database: db).setOfficeHours(unitID: t.province.id, from: Day("2026-01-01")!, hours: .ngheAn,
                                                                 by: .system, reason: "giờ Nghệ An")
            let calendar = try await CalendarStore(database: db).workCalendar(for: t.committeeA, years: 2026...2026)
            func verdict() async throws -> DayVerdict {
                let dayPunches = try await punches.punches(personID: person.id, from: Instant.parseLocal("2026-06-05 00:00")!, to: Instant.parseLocal("2026-06-06 00:00")!)
                let excuses = try await absences.excuses(personID: person.id, from: Instant.parseLocal("2026-06-05 00:00")!, to: Instant.parseLocal("2026-06-06 00:00")!)
                return VerdictEngine.verdict(day: Day("2026-06-05")!, punches: dayPunches.map(\.punch), excuses: excuses,
                                             calendar: calendar, policy: AttendancePolicy(), isHoliday: false)
            }
            #expect(try await verdict().status == .halfDayAbsent)  // pending: not yet an excuse
            let leader = Actor(id: nil, name: "chutich")
            await #expect(throws: ValidationErrors([FieldError("note", "reason_required")])) {
                _ = try await absences.decide(filed.id, approve: false, note: "", by: leader)
            }
            _ = try await absences.decide(filed.id, approve: true, note: "", by: leader)
            #expect(try await verdict().status == .onTime)
            await #expect(throws: StoreError.conflict(field: "status", key: "absence_already_decided")) {
                _ = try await absences.decide(filed.id, approve: false, note: "đổi ý", by: leader)
            }
            let audit = try await AuditLog(database: db).recent(limit: 5, objectType: "absence", objectID: String(filed.id))
            #expect(audit.map(\.action) == [.update, .create])
            #expect(audit.first?.actorName == "chutich")
        }
    }

    /// A trip that starts at 06:00 on the first day of a new post (23:00 UTC the day before) is
    /// listed with that post: the post is looked up on the Vietnam day, not the UTC date (which
    /// found no post at all, and the leader never saw the request).
    @Test(arguments: TestDatabases.kinds)
    func aRequestBelongsToThePostOfItsVietnamDay(kind: DatabaseKind) async throws {
        try await TestDatabases.withFresh(kind) { db, _ in
            let t = try await Tree.make(db)
            let person = try await Tree.person(db, "Vi Văn Sớm", in: t.committeeA, from: "2026-06-05")
            let absences = AbsenceStore(database: db)
            let draft = AbsenceDraft(kind: "business_trip", place: "Tỉnh", purpose: "Tập huấn",
                                     from: Instant.parseLocal("2026-06-05 06:00")!, to: Instant.parseLocal("2026-06-05 17:00")!)
            let filed = try await absences.file(try draft.validate(personID: person.id, filedAt: Instant.parseLocal("2026-06-04 16:00")!), by: .system)
            #expect(Instant.format(filed.from).hasPrefix("2026-06-04T23:00"))  // the UTC date is the day before
            let row = try #require(try await absences.get(filed.id))
            #expect(row.unitPath == t.committeeA.path)
            #expect(try await absences.list(scopes: [t.communeA.path]).map(\.request.id).contains(filed.id))
        }
    }
}
