import CongvuDomain
import Foundation

/// The verdicts of everyone serving in a unit (and below) on one day: one query for the people,
/// one for their punches, one for their approved notices and leave.
public struct DailyVerdicts: Sendable {
    let database: Database

    public init(database: Database) { self.database = database }

    public struct Row: Sendable {
        public var person: PersonSummary
        public var verdict: DayVerdict
    }

    public func rows(unit: OrgUnit, day: Day, policy: AttendancePolicy = AttendancePolicy()) async throws -> [Row] {
        let people = try await PeopleStore(database: database).search("", scopes: [unit.path], on: day, limit: 10_000).items
        let calendar = try await CalendarStore(database: database).workCalendar(for: unit, years: day.year...day.year)
        let from = calendar.startOfDay(day), to = from.addingTimeInterval(86400)
        let ids = people.map(\.person.id)
        let punches = try await PunchStore(database: database).punches(personIDs: ids, from: from, to: to)
        let excuses = try await AbsenceStore(database: database).excuses(personIDs: ids, from: from, to: to)
        let holiday = !calendar.isWorkingDay(day) && !HolidayRules.isWeekend(day)
        return people.map { p in
            Row(person: p, verdict: VerdictEngine.verdict(day: day, punches: punches[p.person.id] ?? [], excuses: excuses[p.person.id] ?? [],
                                                         calendar: calendar, policy: policy, isHoliday: holiday))
        }
    }
}
