import CongvuDomain
import CongvuStore
import Foundation
import Hummingbird

/// `AppServices.mayDecide` for a list: each person's answer looked up once.
struct Decider {
    let services: AppServices
    let principal: Principal
    var known: [Int64: Bool] = [:]

    mutating func mayDecide(personID: Int64) async throws -> Bool {
        if let answer = known[personID] { return answer }
        let answer = try await services.mayDecide(principal, personID: personID)
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
    let services: AppServices

    func snapshot(unit: OrgUnit, locale: AppLocale, now: Date = Date()) async throws -> BoardSnapshot {
        let db = services.database
        let day = Day(now, in: CivilTime.vietnam)
        let store = VerdictStore(database: db)
        let posts = try await store.posts(scopes: [unit.path], first: day, last: day)
        let rules = try await store.rules(unitIDs: Set(posts.map(\.unitID)), years: day.year...day.year)
        let ids = posts.map(\.personID)
        let from = CivilTime.startOfDay(day), to = from.addingTimeInterval(86400)
        let punches = try await PunchStore(database: db).punches(personIDs: ids, from: from, to: to)
        let requests = try await AbsenceStore(database: db).approved(personIDs: ids, from: from, to: to)
        let photos = try await services.punchPhotos.latestPhotoPunches(personIDs: ids, from: from, to: to)
        let t = AttendanceText(catalogs: catalogs, locale: locale)
        var counts: [Presence.State: Int] = [:]
        var entries: [BoardSnapshot.Entry] = []
        for post in posts {
            let mine = requests[post.personID] ?? []
            let state = Presence.now(now, day: day, punches: (punches[post.personID] ?? []).map(\.at), excuses: mine.compactMap(\.excuse),
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

    var catalogs: Catalogs { services.views.catalogs }

    /// The board, shared by every viewer of the unit until something changes.
    func cached(unit: OrgUnit, locale: AppLocale, stale: Bool = false) async throws -> SharedBoard {
        let builder = self
        return try await services.events.board(unitID: unit.id * 2 + (locale == .vi ? 0 : 1), path: unit.path, stale: stale) {
            try await builder.snapshot(unit: unit, locale: locale)
        }
    }
}

extension AppServices {
    /// Tells the boards of every unit above the person's posts today that something changed.
    /// After a terminal's punches are stored: the live boards hear of them, and the camera at that
    /// entrance keeps a picture of the moment (beside the terminal's answer, which does not wait).
    func terminalPunchesArrived(_ result: TerminalStore.Ingested, punches: [TerminalPunch], serial: String, now: Date) async {
        if !result.personIDs.isEmpty { await announce(personIDs: result.personIDs) }
        let moments = punches.map { (key: $0.key, at: $0.at) }
        let video = self.video
        Task { await video.snapshot(terminal: serial, punches: moments, now: now) }
    }

    func announce(personIDs: [Int64]) async {
        let day = today
        guard let posts = try? await VerdictStore(database: database).posts(personIDs: personIDs, first: day, last: day) else { return }
        events.publish(paths: posts.map(\.unitPath))
    }

    /// May the principal decide on this person's notices, leave and explanations? A leader above
    /// them (see `AbsenceRules.mayDecide`): never the person, and a leader's own go to the level above.
    func mayDecide(_ p: Principal, personID: Int64) async throws -> Bool {
        guard p.grants.contains(where: { $0.role == .leader }) else { return false }
        guard let record = try await people.get(personID) else { return false }
        let current = record.assignments.filter { $0.assignment.isActive(on: today) }.map(\.unit.path)
        let leaderPaths = try await AbsenceStore(database: database).leaderPaths(personID: personID)
        return AbsenceRules.mayDecide(p, personID: personID, personUnitPaths: current.isEmpty ? record.unitPaths : current, personLeaderPaths: leaderPaths)
    }

    /// The person with their posts, if the principal may see their attendance: their own, or
    /// anyone's within the scope of `viewAttendance`.
    func attendancePerson(_ id: Int64?, _ context: AppRequestContext) async throws -> PersonRecord {
        let p = try context.signedIn()
        guard let id, let record = try await people.get(id) else { throw StoreError.notFound("person") }
        if p.personID != id { try context.require(.viewAttendance, atAnyOf: record.unitPaths) }
        return record
    }
}
