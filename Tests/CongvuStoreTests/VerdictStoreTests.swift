import CongvuDomain
import CongvuStore
import CongvuTestSupport
import Foundation
import Testing

/// Settled verdicts change when their inputs change, and every change is kept with its cause.
@Suite struct VerdictStoreTests {
    @Test(arguments: TestDatabases.kinds)
    func closedDaysAreSettledAndRecomputedWithHistory(kind: DatabaseKind) async throws {
        try await TestDatabases.withFresh(kind) { db, _ in
            let t = try await Tree.make(db)
            try await CalendarStore(database: db).setOfficeHours(unitID: t.province.id, from: Day("2026-01-01")!, hours: .ngheAn, by: .system, reason: "giờ Nghệ An")
            let lan = try await Tree.person(db, "Nguyễn Thị Lan", in: t.committeeA)
            let other = try await Tree.person(db, "Trần Văn Bình", in: t.committeeB)
            let day = Day("2026-06-05")!
            let store = VerdictStore(database: db)
            let punches = PunchStore(database: db)
            func punch(_ hhmm: String, source: PunchSource = .terminal, note: String = "") async throws {
                let at = Instant.parseLocal("2026-06-05 \(hhmm)")!
                _ = try await punches.record(PunchInput(personID: lan.id, at: at, receivedAt: at.addingTimeInterval(3600), source: source, method: source == .manual ? .manual : .card, note: note), by: .system)
            }
            try await punch("07:20")
            // The sheet settles the day: late, and the check-out is missing.
            let sheet = try await store.sheet(unit: t.communeA, days: [day])
            #expect(sheet.people.map(\.personID) == [lan.id])  // the other commune is not in the subtree
            #expect(sheet.verdict(lan.id, day)?.status == .late)
            #expect(sheet.verdict(lan.id, day)?.reasons.contains(.missingCheckOut) == true)
            // A late terminal upload of the check-out recomputes it at once.
            try await punch("17:01")
            #expect(try await store.stored(personIDs: [lan.id], days: [day])[lan.id]?[day]?.status == .late)
            // An approved morning notice excuses the lateness.
            let absences = AbsenceStore(database: db)
            let filed = try await absences.file(try AbsenceDraft(kind: "notice", place: "Thôn Đông", purpose: "Xác minh hồ sơ",
                                                                 from: Instant.parseLocal("2026-06-05 07:00"), to: Instant.parseLocal("2026-06-05 07:30"))
                .validate(personID: lan.id, filedAt: Instant.parseLocal("2026-06-05 06:30")!), by: .system)
            _ = try await absences.decide(filed.id, approve: true, note: "", by: .system)
            #expect(try await store.stored(personIDs: [lan.id], days: [day])[lan.id]?[day]?.status == .onTime)
            // The province makes the day a holiday afterwards.
            _ = try await CalendarStore(database: db).add(SpecialDay(day: day, kind: .localDayOff, name: "Nghỉ bão"), unitID: t.province.id, by: .system, reason: "bão số 1")
            #expect(try await store.stored(personIDs: [lan.id, other.id], days: [day])[lan.id]?[day]?.status == .holiday)
            let history = try await store.history(personID: lan.id, day: day)
            #expect(history.map(\.status) == [.late, .late, .onTime, .holiday])
            #expect(history[1].reasons == [.late(minutes: 20, session: 0)])
            #expect(history.map(\.cause) == ["settled", "punch", "absence", "calendar"])
            // Viewing again changes nothing: no new history.
            _ = try await store.sheet(unit: t.province, days: [day])
            #expect(try await store.history(personID: lan.id, day: day).count == 4)
            // Today is provisional and never stored.
            let today = Day(Date(), in: CivilTime.vietnam)
            _ = try await store.sheet(unit: t.province, days: [today])
            #expect(try await store.stored(personIDs: [lan.id], days: [today]).isEmpty)
        }
    }

    /// Several viewers opening the same closed month at once all settle it: none fails, one row per day stays.
    @Test(arguments: TestDatabases.kinds)
    func concurrentSettlesOfTheSameDaysAgree(kind: DatabaseKind) async throws {
        try await TestDatabases.withFresh(kind) { db, _ in
            let t = try await Tree.make(db)
            let lan = try await Tree.person(db, "Nguyễn Thị Lan", in: t.committeeA)
            let days = Month("2026-06")!.days
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<6 { group.addTask { _ = try await VerdictStore(database: db).sheet(unit: t.communeA, days: days) } }
                try await group.waitForAll()
            }
            #expect(try await VerdictStore(database: db).stored(personIDs: [lan.id], days: days)[lan.id]?.count == days.count)
        }
    }

    @Test(arguments: TestDatabases.kinds)
    func rulesAreEffectiveDatedAndInherited(kind: DatabaseKind) async throws {
        try await TestDatabases.withFresh(kind) { db, _ in
            let t = try await Tree.make(db)
            let store = PolicyStore(database: db)
            try await store.set(unitID: t.province.id, from: Day("2026-01-01")!, policy: AttendancePolicy(graceMinutes: 10), by: .system, reason: "quy định tỉnh")
            try await store.set(unitID: t.communeA.id, from: Day("2026-06-01")!, policy: AttendancePolicy(derivation: .perSession, graceMinutes: 0),
                                by: .system, reason: "quy định xã")
            let a = try await store.resolver(for: t.committeeA)
            #expect(a.policy(on: Day("2026-05-31")!) == AttendancePolicy())  // the commune's own rules replace the province's, from their day
            #expect(a.policy(on: Day("2026-06-01")!).derivation == .perSession)
            #expect(try await store.resolver(for: t.committeeB).policy(on: Day("2026-06-01")!).graceMinutes == 10)
            await #expect(throws: ValidationErrors([FieldError("reason", "reason_required")])) {
                try await store.set(unitID: t.communeA.id, from: Day("2026-07-01")!, policy: AttendancePolicy(), by: .system, reason: "")
            }
            let audit = try await AuditLog(database: db).recent(limit: 5, objectType: "attendance_policy")
            #expect(audit.count == 2)
        }
    }

    @Test(arguments: TestDatabases.kinds)
    func explanationCasesGoOneWayAndKiosksCanBeRevoked(kind: DatabaseKind) async throws {
        try await TestDatabases.withFresh(kind) { db, _ in
            let t = try await Tree.make(db)
            let lan = try await Tree.person(db, "Nguyễn Thị Lan", in: t.committeeA)
            let store = ExplanationStore(database: db)
            var late = DayVerdict(status: .late)
            late.lateMinutes = 20
            let e = try await store.open(try Explanation.open(personID: lan.id, day: Day("2026-06-05")!, verdict: late, at: Date(), by: nil,
                                                              calendar: WorkCalendar(hours: .ngheAn, specialDays: []), workingDays: 3), by: .system)
            await #expect(throws: StoreError.conflict(field: "day", key: "explanation_exists")) {
                _ = try await store.open(e, by: .system)
            }
            await #expect(throws: StoreError.conflict(field: "status", key: "explanation_not_explained")) {
                _ = try await store.decide(e.id, accept: true, note: "", by: .system)
            }
            let explained = try await store.explain(e.id, text: "Xe hỏng giữa đường, đã báo trưởng phòng", attachment: ("giay.pdf", "1-x.pdf"), by: .system)
            #expect(explained.status == .explained)
            await #expect(throws: StoreError.conflict(field: "status", key: "explanation_not_open")) {
                _ = try await store.explain(e.id, text: "Viết lại lần nữa cho chắc", attachment: nil, by: .system)
            }
            await #expect(throws: ValidationErrors([FieldError("note", "reason_required")])) {
                _ = try await store.decide(e.id, accept: false, note: "", by: .system)
            }
            #expect(try await store.decide(e.id, accept: false, note: "Không có xác nhận", by: .system).status == .rejected)
            #expect(try await store.list(scopes: [t.communeA.path]).map(\.explanation.status) == [.rejected])
            #expect(try await store.list(scopes: [t.communeB.path]).isEmpty)
            #expect(try await store.attachmentFile(e.id) == "1-x.pdf")

            let kiosks = KioskStore(database: db)
            let (kiosk, token) = try await kiosks.register(unitID: t.committeeA.id, name: "Cửa chính", signingKeySealed: "", by: .system)
            #expect(try await kiosks.authenticate(token)?.id == kiosk.id)
            #expect(try await kiosks.authenticate("not-a-token") == nil)
            try await kiosks.revoke(kiosk.id, by: .system, reason: "máy hỏng")
            #expect(try await kiosks.authenticate(token) == nil)
        }
    }
}
