import CongvuDomain
import CongvuStore
import Foundation
import Hummingbird

/// A unit's published work schedule without an account: the week on a phone (today first marked,
/// the leaders' entries first each day, changes shown), and the iCalendar feed for phone calendars
/// (the unit's, or one leader's with `?chair=`). Drafts never show; participants are not named.
struct PublicScheduleController {
    let schedules: ScheduleServices
    var catalogs: Catalogs { schedules.views.catalogs }

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("lich/:code", use: page)
        router.get("lich/:code/lich.ics", use: feed)
    }

    func unit(_ context: AppRequestContext) async throws -> OrgUnit {
        guard let code = context.parameters.get("code"), let unit = try await schedules.units.byCode(code) else { throw StoreError.notFound("unit") }
        return unit
    }

    func week(_ request: Request) -> DutyWeek {
        DutyWeek(containing: request.uri.queryParameters["week"].flatMap { Day(String($0)) } ?? schedules.today)
    }

    /// The names of the leaders who chair the entries.
    func chairs(_ entries: [ScheduleEntry]) async throws -> [Int64: String] {
        var names: [Int64: String] = [:]
        for id in Set(entries.compactMap(\.chairID)) { names[id] = try await schedules.people.get(id)?.person.fullName }
        return names
    }

    /// An answer for visitors without an account, kept under the stamp of the entries it shows
    /// (signed-in people get their menu, built each time).
    func kept(_ request: Request, _ context: AppRequestContext, from: Day, to: Day, build: () async throws -> String) async throws -> String {
        guard let code = context.parameters.get("code"), let stamp = try await schedules.store.stamp(unitCode: code, from: from, to: to) else {
            throw StoreError.notFound("unit")
        }
        guard context.principal == nil else { return try await build() }
        return try await schedules.publicAnswers.value("\(context.locale.rawValue) \(context.requestPath) \(schedules.today) \(stamp)", build: build)
    }

    func page(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        guard schedules.limiter.allow(context.clientAddress) else { throw HTTPError(.tooManyRequests) }
        let week = week(request)
        let html = try await kept(request, context, from: week.start, to: week.next.start) { try await render(week, context) }
        return HTMLPage.response(html)
    }

    func render(_ week: DutyWeek, _ context: AppRequestContext) async throws -> String {
        let unit = try await unit(context)
        let entries = try await schedules.store.week(unitID: unit.id, week: week, publicOnly: true)
        let names = try await chairs(entries)
        var changed: [Int64: String] = [:]
        for e in entries where e.sequence > 0 {
            if let last = try await schedules.store.changes(e.id).last {
                changed[e.id] = last.fields.map { catalogs.label("schedule_field", $0, context.locale) }.joined(separator: ", ") + " · " + Instant.display(last.at)
            }
        }
        let today = schedules.today
        // Monday to Friday always, the weekend when something is on; the leaders' entries first each day.
        let days = week.days(count: 7).enumerated().compactMap { index, day -> PublicSchedulePage.Day? in
            let mine = entries.filter { $0.day == day }.sorted { ($0.chairID == nil ? 1 : 0, $0.start.minutes) < ($1.chairID == nil ? 1 : 0, $1.start.minutes) }
            guard !mine.isEmpty || index < 5 else { return nil }
            return .init(label: catalogs.text("weekday_\(index + 1)", context.locale) + " " + day.vietnamese, today: day == today,
                         entries: mine.map { e in
                             .init(time: "\(e.start)–\(e.end)", content: e.content, place: Template.optional(e.place), chair: e.chairID.flatMap { names[$0] },
                                   cancelled: e.status == .cancelled, reception: e.reception, online: !e.meetingURL.isEmpty, changed: changed[e.id])
                         }, empty: mine.isEmpty)
        }
        return try schedules.views.render(PublicSchedulePage(
            unit: unit.name, code: unit.code, week_label: "\(week.start.vietnamese) – \(week.days().last!.vietnamese)", previous: week.previous.start.description,
            next: week.next.start.description, days: days), context)
    }

    func feed(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        guard schedules.limiter.allow(context.clientAddress) else { throw HTTPError(.tooManyRequests) }
        // This week and the four after it.
        let first = DutyWeek(containing: schedules.today)
        let text = try await kept(request, context, from: first.start, to: first.next.next.next.next.next.start) {
            try await calendar(first, chair: request.uri.queryParameters["chair"].flatMap { Int64($0) }, context)
        }
        return Response(status: .ok, headers: [.contentType: "text/calendar; charset=utf-8", .cacheControl: "public, max-age=60"],
                        body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// The unit's (or one leader's) published entries of five weeks from `first`, as iCalendar.
    func calendar(_ first: DutyWeek, chair: Int64?, _ context: AppRequestContext) async throws -> String {
        let unit = try await unit(context)
        var entries: [ScheduleEntry] = []
        var week = first
        for _ in 0..<5 {
            entries += try await schedules.store.week(unitID: unit.id, week: week, publicOnly: true)
            week = week.next
        }
        if let chair { entries = entries.filter { $0.chairID == chair } }
        let names = try await chairs(entries)
        let base = schedules.config.publicURL
        let events = entries.map { e in
            ICalendar.Event(uid: "schedule-\(e.id)@\(unit.code)", sequence: e.sequence, day: e.day, start: e.start, end: e.end, summary: e.content,
                            // The room's link stays off the public feed, as off the public page: whoever has it may join.
                            location: e.place, description: e.chairID.flatMap { names[$0] } ?? "",
                            url: base.isEmpty ? "" : base + "/lich/" + unit.code, cancelled: e.status == .cancelled, lastModified: Date())
        }
        return ICalendar.feed(name: catalogs.text("schedule_feed_name", .vi, [unit.name]), events: events, stamp: Date())
    }
}

/// A unit's published week for citizens and staff, on a phone.
struct PublicSchedulePage: Page {
    static let template = "public_schedule"
    struct Entry: Decodable {
        var time: String
        var content: String
        var place: String?
        var chair: String?
        var cancelled: Bool
        var reception: Bool
        var online: Bool
        /// The last adjustment after publication: what changed and when.
        var changed: String?
    }
    struct Day: Decodable { var label: String; var today: Bool; var entries: [Entry]; var empty: Bool }
    var unit: String
    var code: String
    var week_label: String
    var previous: String
    var next: String
    var days: [Day]
}
