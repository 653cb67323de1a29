import CongvuDomain
import CongvuStore
import Foundation
import Hummingbird

/// `AppServices.mayDecide` for a list: each person's answer looked up once.
struct Decider {
    let attendance: AttendanceServices
    let principal: Principal
    var known: [Int64: Bool] = [:]

    mutating func mayDecide(personID: Int64) async throws -> Bool {
        if let answer = known[personID] { return answer }
        let answer = try await attendance.mayDecide(principal, personID: personID)
        known[personID] = answer
        return answer
    }
}

/// How attendance reads in the user's language: verdicts, reasons, kiosk answers.
struct AttendanceText {
    let catalogs: Catalogs
    let locale: AppLocale

    func text(_ key: String, _ args: Any...) -> String { catalogs.text(key, locale, args.map { "\($0)" }) }

    func verdict(_ s: DayVerdict.Status) -> String { catalogs.label("verdict", s.rawValue, locale) }

    func reason(_ r: DayVerdict.Reason) -> String {
        switch r {
        case .late(let m, _): return text("reason_late", m)
        case .leftEarly(let m, _): return text("reason_left_early", m)
        case .sessionMissed(let s): return text(s == 0 ? "reason_missed_morning" : "reason_missed_afternoon")
        case .missingCheckOut: return text("reason_missing_check_out")
        case .missingCheckIn: return text("reason_missing_check_in")
        case .excused(_, let kind): return text("reason_excused_by", catalogs.label("absence_kind", kind.rawValue, locale))
        case .ignoredPunches(let n): return text("reason_ignored_punches", n)
        }
    }

    func reasons(_ v: DayVerdict) -> String { v.reasons.map(reason).joined(separator: "; ") }

    /// "check-in 07:24, on time" or "check-out 16:40, 20 min early".
    func feedback(_ f: Presence.Feedback, at: Date) -> String {
        let head = text(f.kind == .checkIn ? "kiosk_check_in" : "kiosk_check_out", Instant.clock(at))
        if f.repeated { return head + " · " + text("kiosk_repeated") }
        if f.minutes == 0 { return head + " · " + text("kiosk_on_time") }
        if let boundary = f.outsideHours {
            return head + " · " + text(f.kind == .checkIn ? "kiosk_after_hours" : "kiosk_before_hours", boundary.description)
        }
        return head + " · " + text(f.kind == .checkIn ? "kiosk_late" : "kiosk_early", f.minutes)
    }

    func cause(_ c: String) -> String { catalogs.label("verdict_cause", c, locale) }
}

/// The live board of a unit now: each person's state from today's punches and approved notices.
struct BoardBuilder {
    let attendance: AttendanceServices

    func snapshot(unit: OrgUnit, locale: AppLocale, now: Date = Date()) async throws -> BoardSnapshot {
        let day = Day(now, in: CivilTime.vietnam)
        let store = attendance.verdicts
        let posts = try await store.posts(scopes: [unit.path], first: day, last: day)
        let rules = try await store.rules(unitIDs: Set(posts.map(\.unitID)), years: day.year...day.year)
        let ids = posts.map(\.personID)
        let from = CivilTime.startOfDay(day), to = from.addingTimeInterval(86400)
        let punches = try await attendance.punches.punches(personIDs: ids, from: from, to: to)
        let requests = try await attendance.absences.approved(personIDs: ids, from: from, to: to)
        // A leader's published schedule entry away from the office counts as a notice (issue 22).
        let away = try await ScheduleStore(database: attendance.database).excuses(personIDs: ids, from: from, to: to)
        let photos = try await attendance.photos.latestPhotoPunches(personIDs: ids, from: from, to: to)
        let t = AttendanceText(catalogs: catalogs, locale: locale)
        var counts: [Presence.State: Int] = [:]
        var entries: [BoardSnapshot.Entry] = []
        for post in posts {
            let mine = requests[post.personID] ?? []
            let state = Presence.now(now, day: day, punches: (punches[post.personID] ?? []).map(\.at), excuses: mine.compactMap(\.excuse) + (away[post.personID] ?? []),
                                     calendar: rules.calendar(post.unitID), policy: rules.policy(post.unitID, on: day))
            counts[state.state, default: 0] += 1
            let request = mine.first { "absence-\($0.id)" == state.excuseID }
            let notice = request.map { r in
                [catalogs.label("absence_kind", r.kind.rawValue, locale), r.place, r.purpose].filter { !$0.isEmpty }.joined(separator: " · ")
            }
            var detail: [String] = []
            if let i = state.checkIn { detail.append(t.text("board_in", Instant.clock(i))) }
            if state.lateMinutes > 0 { detail.append(t.text("reason_late", state.lateMinutes)) }
            if let o = state.checkOut { detail.append(t.text("board_out", Instant.clock(o))) }
            if let notice, let r = request { detail = [notice, t.text("board_until", Instant.display(r.to))] }
            if state.excuseID?.hasPrefix("schedule-") == true { detail = [t.text("board_schedule_away")] }
            entries.append(.init(id: post.personID, name: post.fullName, title: post.title, unit: post.unitName, state: state.state.rawValue,
                                 label: catalogs.label("presence", state.state.rawValue, locale), lateMinutes: state.lateMinutes,
                                 checkIn: state.checkIn.map { Instant.clock($0) }, checkOut: state.checkOut.map { Instant.clock($0) },
                                 notice: notice, until: request.map { Instant.display($0.to) }, detail: detail.joined(separator: " · "),
                                 photo: photos[post.personID].map { "/attendance/punches/\($0)/photo" }))
        }
        let order = Presence.State.allCases
        entries.sort { (order.firstIndex(of: Presence.State(rawValue: $0.state)!)!, $0.name) < (order.firstIndex(of: Presence.State(rawValue: $1.state)!)!, $1.name) }
        return BoardSnapshot(unitID: unit.id, unitName: unit.name, day: day.description, at: Instant.clock(now),
                             counts: order.compactMap { s in counts[s].map { .init(state: s.rawValue, label: catalogs.label("presence", s.rawValue, locale), count: $0) } },
                             people: entries)
    }

    var catalogs: Catalogs { attendance.views.catalogs }

    /// The board, shared by every viewer of the unit until something changes.
    func cached(unit: OrgUnit, locale: AppLocale, stale: Bool = false) async throws -> SharedBoard {
        let builder = self
        return try await attendance.events.board(unitID: unit.id * 2 + (locale == .vi ? 0 : 1), path: unit.path, stale: stale) {
            try await builder.snapshot(unit: unit, locale: locale)
        }
    }
}
