import CongvuDomain
import CongvuStore
import CongvuTestSupport
import Foundation
import Testing

@Suite struct CalendarStoreTests {
    @Test(arguments: TestDatabases.kinds)
    func proposalsApplyUntilConfirmedThenTheConfirmedDaysRule(kind: DatabaseKind) async throws {
        try await TestDatabases.withFresh(kind) { db, _ in
            let t = try await Tree.make(db)
            let store = CalendarStore(database: db)
            var c = try await store.workCalendar(for: t.committeeA, years: 2026...2026)
            #expect(!c.isWorkingDay(Day("2026-02-17")!))  // Tết, proposed
            #expect(try await store.confirmProposals(year: 2026, by: Tree.actor) == HolidayRules.proposals(year: 2026).count)
            #expect(try await store.confirmProposals(year: 2026, by: Tree.actor) == 0)
            // The notice moved the day next to National Day: the office edits the confirmed days.
            let days = try await store.specialDays(years: 2026...2026, for: nil)
            let adjacent = try #require(days.first { $0.special.day == Day("2026-09-01") })
            try await store.delete(adjacent.id, by: Tree.actor, reason: "theo thông báo")
            _ = try await store.add(SpecialDay(day: Day("2026-09-03")!, kind: .holiday, name: "holiday_national_day"), unitID: nil, by: Tree.actor)
            await #expect(throws: StoreError.conflict(field: "day", key: "special_day_taken")) {
                _ = try await store.add(SpecialDay(day: Day("2026-09-03")!, kind: .localDayOff, name: "x"), unitID: nil, by: Tree.actor)
            }
            c = try await store.workCalendar(for: t.committeeA, years: 2026...2026)
            #expect(c.isWorkingDay(Day("2026-09-01")!))
            #expect(!c.isWorkingDay(Day("2026-09-03")!))
            let audit = try await AuditLog(database: db).recent(limit: 3, objectType: "special_day")
            #expect(audit.contains { $0.action == .delete && $0.reason == "theo thông báo" })
        }
    }

    @Test(arguments: TestDatabases.kinds)
    func localDaysApplyToTheUnitAndBelowOnly(kind: DatabaseKind) async throws {
        try await TestDatabases.withFresh(kind) { db, _ in
            let t = try await Tree.make(db)
            let store = CalendarStore(database: db)
            try await store.confirmProposals(year: 2026, by: Tree.actor)
            _ = try await store.add(SpecialDay(day: Day("2026-06-05")!, kind: .localDayOff, name: "Lễ hội"), unitID: t.communeA.id, by: Tree.actor)
            _ = try await store.add(SpecialDay(day: Day("2026-06-06")!, kind: .makeUpWorkday, name: "Làm bù"), unitID: t.communeA.id, by: Tree.actor)
            let a = try await store.workCalendar(for: t.committeeA, years: 2026...2026)
            let b = try await store.workCalendar(for: t.committeeB, years: 2026...2026)
            #expect(!a.isWorkingDay(Day("2026-06-05")!))
            #expect(a.isWorkingDay(Day("2026-06-06")!))
            #expect(b.isWorkingDay(Day("2026-06-05")!))
            #expect(!b.isWorkingDay(Day("2026-06-06")!))
        }
    }

    @Test(arguments: TestDatabases.kinds)
    func officeHoursAreInheritedUnlessAUnitSetsItsOwn(kind: DatabaseKind) async throws {
        try await TestDatabases.withFresh(kind) { db, _ in
            let t = try await Tree.make(db)
            let store = CalendarStore(database: db)
            try await store.setOfficeHours(unitID: t.province.id, from: Day("2025-01-01")!, hours: .ngheAn, by: Tree.actor, reason: "quyết định của tỉnh")
            let custom = try #require(OfficeHours.parse("01/01-31/12 08:00-12:00 13:00-17:00"))
            try await store.setOfficeHours(unitID: t.committeeB.id, from: Day("2026-01-01")!, hours: custom, by: Tree.actor, reason: "riêng")
            let a = try await store.workCalendar(for: t.committeeA, years: 2026...2026)
            let b = try await store.workCalendar(for: t.committeeB, years: 2026...2026)
            #expect(a.sessions(on: Day("2026-06-05")!).map(\.description) == ["07:00-11:30", "13:30-17:00"])
            #expect(b.sessions(on: Day("2026-06-05")!).map(\.description) == ["08:00-12:00", "13:00-17:00"])
            #expect(OfficeHours.parse(OfficeHours.ngheAn.text) == .ngheAn)
            #expect(try await AuditLog(database: db).recent(limit: 1, objectType: "office_hours").first?.reason == "riêng")
            // A summer date that changes hours mid-year follows the schedule.
            let later = try #require(OfficeHours.parse("01/01-31/12 07:30-11:30 13:30-17:30"))
            try await store.setOfficeHours(unitID: t.province.id, from: Day("2026-07-01")!, hours: later, by: Tree.actor, reason: "đổi giờ")
            let a2 = try await store.workCalendar(for: t.committeeA, years: 2026...2026)
            #expect(a2.sessions(on: Day("2026-06-30")!).first?.description == "07:00-11:30")
            #expect(a2.sessions(on: Day("2026-07-01")!).first?.description == "07:30-11:30")
            #expect(try a2.addingWorkingDays(1, to: Instant.parseLocal("2026-06-30 07:10")!) == Instant.parseLocal("2026-07-01 07:30")!)
        }
    }
}
