import CongvuDomain
import CongvuStore
import Foundation
import Hummingbird

/// The daily attendance list of a unit for leaders, the office and inspectors: counts by verdict,
/// then each person's check-in, check-out and the reasons.
struct AttendanceController {
    let services: AppServices
    var catalogs: Catalogs { services.views.catalogs }

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get(use: daily)
    }

    static let order: [DayVerdict.Status] = [.absent, .halfDayAbsent, .lateAndLeftEarly, .late, .leftEarly, .missingPunch, .excused,
                                             .onTime, .holiday, .notScheduled]

    func time(_ date: Date?) -> Any { date.map { Instant.clock($0) } ?? false }

    func reason(_ r: DayVerdict.Reason, _ locale: AppLocale) -> String {
        switch r {
        case .late(let m, _): return catalogs.text("reason_late", locale).replacingOccurrences(of: "{0}", with: String(m))
        case .leftEarly(let m, _): return catalogs.text("reason_left_early", locale).replacingOccurrences(of: "{0}", with: String(m))
        case .sessionMissed(let s): return catalogs.text(s == 0 ? "reason_missed_morning" : "reason_missed_afternoon", locale)
        case .missingCheckOut: return catalogs.text("reason_missing_check_out", locale)
        case .missingCheckIn: return catalogs.text("reason_missing_check_in", locale)
        case .excused: return catalogs.text("reason_excused", locale)
        case .ignoredPunches(let n): return catalogs.text("reason_ignored_punches", locale).replacingOccurrences(of: "{0}", with: String(n))
        }
    }

    func daily(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let p = try context.signedIn()
        let scopes = try context.scopes(.viewAttendance)
        let unitID = request.uri.queryParameters["unit"].flatMap { Int64($0) } ?? p.grants.first { scopes.contains($0.unitPath) }?.unitID
        guard let unitID, let unit = try await services.units.get(unitID) else { throw StoreError.notFound("unit") }
        try context.require(.viewAttendance, atAnyOf: [unit.path])
        let day = request.uri.queryParameters["day"].flatMap { Day(String($0)) } ?? services.today
        guard (1990...2100).contains(day.year) else { throw HTTPError(.badRequest) }
        let locale = context.locale
        let rows = try await DailyVerdicts(database: services.database).rows(unit: unit, day: day)
            .sorted { (Self.order.firstIndex(of: $0.verdict.status) ?? 99, $0.person.person.fullName) < (Self.order.firstIndex(of: $1.verdict.status) ?? 99, $1.person.person.fullName) }
        var counts: [DayVerdict.Status: Int] = [:]
        for r in rows { counts[r.verdict.status, default: 0] += 1 }
        let units = try await services.units.list(scopes: scopes).filter { $0.isActive(on: day) }
        return try services.views.page("attendance", context, [
            "unit": ["id": unit.id, "name": unit.name], "day": day.description, "day_vn": day.vietnamese,
            "prev": day.previous.description, "next": LunarCalendar.day(julianDay: LunarCalendar.julianDay(day) + 1)?.description ?? day.description,
            "units": FormView.options(units.map { (value: String($0.id), label: $0.name) }, selected: String(unit.id)),
            "counts": Self.order.compactMap { s -> [String: Any]? in
                guard let n = counts[s] else { return nil }
                return ["status": s.rawValue, "label": catalogs.label("verdict", s.rawValue, locale), "count": n]
            },
            "rows": rows.map { r -> [String: Any] in
                ["id": r.person.person.id, "name": r.person.person.fullName, "title": r.person.title, "status": r.verdict.status.rawValue,
                 "label": catalogs.label("verdict", r.verdict.status.rawValue, locale), "in": time(r.verdict.checkIn), "out": time(r.verdict.checkOut),
                 "reasons": present(r.verdict.reasons.map { reason($0, locale) }.joined(separator: "; "))]
            },
            "has_rows": !rows.isEmpty,
        ])
    }
}
