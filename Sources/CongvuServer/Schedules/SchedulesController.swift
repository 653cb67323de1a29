import CongvuDomain
import CongvuStore
import Foundation
import Hummingbird

/// The office drafts a unit's week, its leader publishes it (on a phone); published entries are
/// cancelled, never silently removed. The page warns of one leader's overlapping entries, entries
/// outside working hours, and reception days short of the legal minimum in the coming weeks.
struct SchedulesController {
    let schedules: ScheduleServices
    var catalogs: Catalogs { schedules.views.catalogs }
    var store: ScheduleStore { schedules.store }

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get(use: week)
        group.get("week.xlsx", use: workbook)
        group.get("print", use: print)
        group.post("entries", use: create)
        group.post("publish", use: publish)
        group.post("cancel", use: cancel)
        group.post("reception-days", use: addReceptionDay)
        group.post("reception-days/end", use: endReceptionDay)
        group.post("reception-days/draft", use: draftReceptions)
    }

    /// The unit asked for among those whose schedules the principal drafts or publishes.
    func unit(_ request: Request, _ context: AppRequestContext) async throws -> (OrgUnit, [OrgUnit], publish: Bool) {
        let p = try context.signedIn()
        let (unit, units) = try await schedules.pick(request, scopes: p.scopes(for: .draftSchedules) + p.scopes(for: .publishSchedules))
        return (unit, units, p.allows(.publishSchedules, at: unit.path))
    }

    func dutyWeek(_ request: Request) -> DutyWeek {
        DutyWeek(containing: request.uri.queryParameters["week"].flatMap { Day(String($0)) } ?? schedules.today)
    }

    func week(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let (unit, units, publish) = try await unit(request, context)
        return try await render(unit, units: units, publish: publish, week: dutyWeek(request), context)
    }

    /// The unit's leaders today (their posts there), who chair entries.
    func leaders(_ unit: OrgUnit) async throws -> [StaffPost] {
        try await schedules.posts(unit).filter(\.isLeader)
    }

    func render(_ unit: OrgUnit, units: [OrgUnit], publish: Bool, week: DutyWeek, _ context: AppRequestContext, form: FormView = FormView(),
                status: HTTPResponse.Status = .ok) async throws -> Response {
        let locale = context.locale
        let entries = try await store.week(unitID: unit.id, week: week, publicOnly: false)
        let leaders = try await leaders(unit)
        let names = Dictionary(leaders.map { ($0.personID, $0.fullName) }, uniquingKeysWith: { a, _ in a })
        guard let calendar = try await schedules.shared.workCalendar(unitID: unit.id) else { throw StoreError.notFound("unit") }
        var warnings: [String] = []
        for (a, b) in ScheduleEntry.overlaps(entries) {
            warnings.append(catalogs.text("schedule_warning_overlap", locale, [names[entries[a].chairID ?? 0] ?? "", entries[a].day.vietnamese,
                                                                               "\(entries[a].start)", "\(entries[b].start)"]))
        }
        // The chairman's reception days against the legal minimum, this week and the next.
        for (leader, short) in try await schedules.receptionShortfalls(unit, coming: week) {
            warnings.append(catalogs.text("schedule_warning_reception", locale, [leader.fullName, short.first.vietnamese, short.last.vietnamese,
                                                                                 String(short.scheduled), String(short.required)]))
        }
        let rules = try await store.regularReceptionDays(unitID: unit.id, inForceFrom: schedules.today).map { r in
            SchedulesPage.Rule(id: r.id, chair: names[r.chairID] ?? "", when: Self.describe(r, locale: locale, catalogs: catalogs) + " · \(r.start)–\(r.end)",
                               place: Template.optional(r.place), from: r.validFrom.vietnamese, to: r.validTo?.vietnamese)
        }
        let view = entries.map { e in
            SchedulesPage.Entry(id: e.id, day: e.day.vietnamese, time: "\(e.start)–\(e.end)", content: e.content, place: Template.optional(e.place),
                                chair: e.chairID.flatMap { names[$0] }, status: e.status.rawValue,
                                status_label: catalogs.label("schedule_status", e.status.rawValue, locale), draft: e.status == .draft,
                                published: e.status == .published, outside: e.outsideHours(calendar), reception: e.reception, away: e.away,
                                meeting_url: Template.optional(e.meetingURL))
        }
        return try schedules.views.page(SchedulesPage(
            form: form, unit: .init(id: unit.id, name: unit.name), code: unit.code,
            units: FormView.options(units.map { (value: String($0.id), label: $0.name) }, selected: String(unit.id)),
            week: week.start.description, week_label: "\(week.start.vietnamese) – \(week.days().last!.vietnamese)", previous: week.previous.start.description,
            next: week.next.start.description, entries: view, has_entries: !view.isEmpty, drafts: entries.filter { $0.status == .draft }.count.nonZero,
            can_publish: publish, warnings: warnings, has_warnings: !warnings.isEmpty,
            chairs: FormView.options(leaders.map { (value: String($0.personID), label: "\($0.fullName) · \($0.title)") }, selected: form.values["chair"] ?? ""),
            can_room: schedules.config.meetingBaseURL != nil,
            leader_feeds: leaders.map { .init(id: $0.personID, name: $0.fullName) }, rules: rules, has_rules: !rules.isEmpty,
            weekdays: FormView.options((1...7).map { (value: String($0), label: catalogs.text("weekday_long_\($0)", locale)) }, selected: form.values["rule_weekday"] ?? "3"),
            nths: FormView.options((0...5).map { (value: String($0), label: catalogs.text("reception_nth_\($0)", locale)) }, selected: form.values["rule_nth"] ?? "0"),
            rule_chairs: FormView.options(leaders.map { (value: String($0.personID), label: "\($0.fullName) · \($0.title)") },
                                          selected: form.values["rule_chair"] ?? "")),
            context, status: status)
    }

    func create(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let form = try await FormData.read(request, context)
        let (unit, units, publish) = try await unit(request, context)
        do {
            var url = form["meeting_url"]
            if form.bool("room"), url.isEmpty, let base = schedules.config.meetingBaseURL {
                url = MeetingRoom.url(base: base, random: (0..<16).map { _ in UInt8.random(in: 0...255) }) ?? ""
            }
            let chair = form.int("chair")
            if let chair, !(try await leaders(unit)).contains(where: { $0.personID == chair }) { throw ValidationErrors([FieldError("chair", "out_of_range")]) }
            let entry = try ScheduleDraft(day: form["day"], start: form["start"], end: form["end"], content: form["content"], place: form["place"], chairID: chair,
                                          away: form.bool("away"), meetingURL: url, reception: form.bool("reception")).validate(unitID: unit.id)
            _ = try await store.create(entry, by: context.actor)
            return HTMLPage.redirect("/schedules?unit=\(unit.id)&week=\(DutyWeek(containing: entry.day).start)")
        } catch {
            var view = FormView(values: ["day": form["day"], "start": form["start"], "end": form["end"], "content": form["content"], "place": form["place"],
                                         "chair": form["chair"], "meeting_url": form["meeting_url"]])
            try view.absorb(error, catalogs: catalogs, locale: context.locale)
            return try await render(unit, units: units, publish: publish, week: dutyWeek(request), context, form: view, status: .badRequest)
        }
    }

    /// The week's entries as rows for the workbook and the A4 print: day, time, content, place,
    /// chair, the units taking part, status (drafts are marked; the print of a published week has none).
    func rows(_ unit: OrgUnit, week: DutyWeek, locale: AppLocale) async throws -> [[String]] {
        let entries = try await store.week(unitID: unit.id, week: week, publicOnly: false)
        var names: [Int64: String] = [:], units: [Int64: String] = [:]
        for id in Set(entries.compactMap(\.chairID)) { names[id] = try await schedules.people.get(id)?.person.fullName }
        for id in Set(entries.flatMap(\.participantUnits)) { units[id] = try await schedules.units.get(id)?.name }
        return entries.map { e in
            let weekday = HolidayRules.weekday(e.day)
            return [catalogs.text("weekday_\(weekday == 0 ? 7 : weekday)", locale) + " " + e.day.vietnamese, "\(e.start)–\(e.end)", e.content, e.place,
                    e.chairID.flatMap { names[$0] } ?? "", e.participantUnits.compactMap { units[$0] }.joined(separator: ", "),
                    catalogs.label("schedule_status", e.status.rawValue, locale)]
        }
    }

    static let columns = ["field_day", "schedule_time", "schedules_content", "schedule_place", "schedule_chair", "meeting_invited", "field_status"]

    func workbook(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let (unit, _, _) = try await unit(request, context)
        let week = dutyWeek(request), locale = context.locale
        var sheet = XLSXSheet(name: catalogs.text("schedules_title", locale))
        sheet.title = "\(catalogs.text("schedules_title", locale)) · \(unit.name) · \(week.start.vietnamese) – \(week.days().last!.vietnamese)"
        sheet.header = Self.columns.map { catalogs.text($0, locale) }
        sheet.rows = try await rows(unit, week: week, locale: locale).map { $0.map { .text($0) } }
        sheet.widths = [16, 12, 50, 24, 22, 30, 12]
        return try XLSXSheet.response([sheet], filename: "lich-cong-tac-\(unit.code)-\(week.start).xlsx")
    }

    /// The week on an A4 page, for the notice board.
    func print(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let (unit, _, _) = try await unit(request, context)
        let week = dutyWeek(request), locale = context.locale
        return try schedules.views.page(SchedulePrintPage(
            unit: .init(id: unit.id, name: unit.name), week: week.start.description,
            week_label: "\(week.start.vietnamese) – \(week.days().last!.vietnamese)", header: Self.columns.map { catalogs.text($0, locale) },
            rows: try await rows(unit, week: week, locale: locale)), context)
    }

    /// "Thứ Tư hằng tuần", "Thứ Hai tuần thứ nhất của tháng".
    static func describe(_ r: ReceptionDay, locale: AppLocale, catalogs: Catalogs) -> String {
        catalogs.text("reception_rule_\(r.nth == 0 ? "weekly" : "monthly")", locale,
                      [catalogs.text("weekday_long_\(r.weekday)", locale), catalogs.text("reception_nth_\(r.nth)", locale)])
    }

    /// The office sets a leader's regular reception day, from today.
    func addReceptionDay(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let form = try await FormData.read(request, context)
        let (unit, units, publish) = try await unit(request, context)
        do {
            let chair = form.int("chair")
            if let chair, !(try await leaders(unit)).contains(where: { $0.personID == chair }) { throw ValidationErrors([FieldError("chair", "out_of_range")]) }
            let rule = try ReceptionDay.validated(unitID: unit.id, chairID: chair, weekday: form["weekday"], nth: form["nth"], start: form["start"],
                                                  end: form["end"], place: form["place"], from: schedules.today)
            try await store.addReceptionDay(rule, by: context.actor)
            return HTMLPage.redirect("/schedules?unit=\(unit.id)&week=\(dutyWeek(request).start)#reception-days")
        } catch {
            // The rule's form sits beside the entry's: its fields and messages are named apart.
            var view = FormView(values: ["rule_chair": form["chair"], "rule_weekday": form["weekday"], "rule_nth": form["nth"], "rule_start": form["start"],
                                         "rule_end": form["end"], "rule_place": form["place"]])
            let renamed: any Error = (error as? ValidationErrors).map { ValidationErrors($0.errors.map { FieldError("rule_" + $0.field, $0.key) }) } ?? error
            try view.absorb(renamed, catalogs: catalogs, locale: context.locale)
            return try await render(unit, units: units, publish: publish, week: dutyWeek(request), context, form: view, status: .badRequest)
        }
    }

    /// A regular reception day ends today (kept, dated).
    func endReceptionDay(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let form = try await FormData.read(request, context)
        let (unit, _, _) = try await unit(request, context)
        guard let id = form.int("rule") else { throw StoreError.notFound("reception_day") }
        try await store.endReceptionDay(id, unitID: unit.id, after: schedules.today, by: context.actor)
        return HTMLPage.redirect("/schedules?unit=\(unit.id)&week=\(dutyWeek(request).start)#reception-days")
    }

    /// The week's reception sessions drafted from the regular days (holidays skipped).
    func draftReceptions(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let form = try await FormData.read(request, context)
        let (unit, _, _) = try await unit(request, context)
        guard let calendar = try await schedules.shared.workCalendar(unitID: unit.id) else { throw StoreError.notFound("unit") }
        let week = DutyWeek(containing: Day(form["week"]) ?? schedules.today)
        _ = try await store.draftReceptions(unitID: unit.id, week: week, calendar: calendar, content: catalogs.text("reception_session", .vi), by: context.actor)
        return HTMLPage.redirect("/schedules?unit=\(unit.id)&week=\(week.start)")
    }

    /// The leader publishes the week's drafts.
    func publish(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let form = try await FormData.read(request, context)
        let (unit, _, publish) = try await unit(request, context)
        guard publish else { throw Forbidden() }
        let week = DutyWeek(containing: Day(form["week"]) ?? schedules.today)
        try await store.publish(unitID: unit.id, week: week, by: context.actor)
        return HTMLPage.redirect("/schedules?unit=\(unit.id)&week=\(week.start)")
    }

    /// Calls off a published entry of the unit, with a reason.
    func cancel(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let form = try await FormData.read(request, context)
        let (unit, units, publish) = try await unit(request, context)
        guard let id = form.int("entry"), let entry = try await store.get(id), entry.unitID == unit.id else { throw StoreError.notFound("schedule_entry") }
        do {
            try await store.cancel(id, reason: form["reason"], by: context.actor)
            return HTMLPage.redirect("/schedules?unit=\(unit.id)&week=\(DutyWeek(containing: entry.day).start)")
        } catch {
            var view = FormView()
            try view.absorb(error, catalogs: catalogs, locale: context.locale)
            return try await render(unit, units: units, publish: publish, week: DutyWeek(containing: entry.day), context, form: view, status: .badRequest)
        }
    }
}

/// A unit's week on A4.
struct SchedulePrintPage: Page {
    static let template = "schedule_print"
    var unit: UnitRef
    var week: String
    var week_label: String
    var header: [String]
    var rows: [[String]]
}

/// A unit's week for the office and its leaders.
struct SchedulesPage: Page {
    static let template = "schedules"
    struct Entry: Decodable {
        var id: Int64
        var day: String
        var time: String
        var content: String
        var place: String?
        var chair: String?
        var status: String
        var status_label: String
        var draft: Bool
        var published: Bool
        var outside: Bool
        var reception: Bool
        var away: Bool
        var meeting_url: String?
    }
    var form: FormView
    var unit: UnitRef
    var code: String
    var units: [Option]
    var week: String
    var week_label: String
    var previous: String
    var next: String
    var entries: [Entry]
    var has_entries: Bool
    /// Drafts waiting to be published (nil when none: the publish form is hidden).
    var drafts: Int?
    var can_publish: Bool
    var warnings: [String]
    var has_warnings: Bool
    var chairs: [Option]
    /// A video-meeting base is configured: the form offers to make a room.
    var can_room: Bool
    /// Each leader's own calendar feed, for their phone.
    var leader_feeds: [UnitRef]
    /// The leaders' regular reception days in force.
    struct Rule: Decodable { var id: Int64; var chair: String; var when: String; var place: String?; var from: String; var to: String? }
    var rules: [Rule]
    var has_rules: Bool
    var weekdays: [Option]
    var nths: [Option]
    var rule_chairs: [Option]
}
