import CongvuDomain
import CongvuStore
import Foundation

/// The demo's work schedules (issue 22): Gia Hưng's committee has this week published (a Monday
/// briefing, the chairman's citizen reception, a site visit away from the office, one entry
/// adjusted after publication) and next week drafted, waiting for the chairman to publish; so
/// `/lich/14551-UB`, its feed and `/schedules` show something true at once.
enum ScheduleDemo {
    static let actor = Actor(id: nil, name: "demo")

    static func load(_ services: AppServices, now: Date = Date()) async throws {
        guard let committee = try await services.units.byCode("14551-UB"),
              let chair = try await services.accounts.byUsername("chutich.giahung")?.personID,
              let calendar = try await services.shared.workCalendar(unitID: committee.id) else { return }
        let store = services.schedules.store
        let thisWeek = DutyWeek(containing: Day(now, in: CivilTime.vietnam))
        for (week, publish) in [(thisWeek, true), (thisWeek.next, false)] {
            let days = week.days().filter { calendar.isWorkingDay($0) }
            guard days.count >= 3 else { continue }
            let plan: [(Day, String, String, String, String, Bool, Bool)] = [
                (days[0], "07:30", "09:00", "Giao ban UBND xã, đánh giá công việc tuần", "Phòng họp UBND xã", false, false),
                (days[1], "08:00", "11:00", "Kiểm tra tiến độ làm đường giao thông nông thôn thôn 3", "Thôn 3", true, false),
                (days[2], "07:30", "11:30", "Chủ tịch UBND xã tiếp công dân định kỳ", "Phòng tiếp công dân", false, true),
            ]
            var created: [ScheduleEntry] = []
            for (day, start, end, content, place, away, reception) in plan {
                let entry = try ScheduleDraft(day: day.description, start: start, end: end, content: content, place: place, chairID: chair, away: away,
                                              reception: reception).validate(unitID: committee.id)
                created.append(try await store.create(entry, by: actor, at: now))
            }
            guard publish else { continue }
            try await store.publish(unitID: committee.id, week: week, by: actor, at: now)
            // The site visit moved to the afternoon after publication: shown as an adjustment.
            if var moved = try await store.get(created[1].id) {
                moved.start = ClockTime(hour: 14, minute: 0)!
                moved.end = ClockTime(hour: 16, minute: 30)!
                _ = try await store.update(moved, version: moved.version, by: actor, at: now)
            }
        }
    }
}
