import CongvuDomain
import CongvuStore
import Foundation
import Hummingbird

/// The working calendar of a unit: a year of month grids (days off, make-up days, proposals not
/// yet confirmed, seasons), the confirmed days, the office hours, and an iCalendar export.
/// National days are confirmed by system administrators; a unit's own days and hours by those
/// who may edit the unit.
struct CalendarController {
    let services: AppServices
    var catalogs: Catalogs { services.views.catalogs }
    var store: CalendarStore { services.calendars }

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get(use: page)
        group.get("ics", use: ics)
        group.post("confirm", use: confirm)
        group.post("days", use: addDay)
        group.post("days/:id/delete", use: deleteDay)
        group.post("hours", use: setHours)
    }

    /// The unit and year asked for (defaults: the first unit of the person's scope, this year).
    func selection(_ request: Request, _ context: AppRequestContext, form: FormData? = nil) async throws -> (OrgUnit, Int) {
        let p = try context.signedIn()
        let unitID = form?.int("unit") ?? request.uri.queryParameters["unit"].flatMap { Int64($0) } ?? p.grants.first?.unitID
        guard let unitID, let unit = try await services.units.get(unitID) else { throw StoreError.notFound("unit") }
        try context.require(.viewOrganisation, atAnyOf: [unit.path])
        let yearText = form.map { $0["year"] } ?? request.uri.queryParameters["year"].map(String.init)
        let year = yearText.flatMap { Int($0) } ?? services.today.year
        guard (1990...2100).contains(year) else { throw HTTPError(.badRequest) }
        return (unit, year)
    }

    func name(_ key: String, _ locale: AppLocale) -> String { catalogs.text(key, locale) }

    func page(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let (unit, year) = try await selection(request, context)
        return try await render(context, unit: unit, year: year)
    }

    func render(_ context: AppRequestContext, unit: OrgUnit, year: Int, status: HTTPResponse.Status = .ok,
                form: FormView = FormView(), deleteError: String? = nil) async throws -> Response {
        let p = try context.signedIn()
        let locale = context.locale
        let stored = try await store.specialDays(years: year...year, for: unit)
        let calendar = try await store.workCalendar(for: unit, years: year...year)
        let confirmedNational = Set(stored.filter { $0.unitID == nil }.map(\.special.day))
        let proposals = HolidayRules.proposals(year: year).filter { !confirmedNational.contains($0.day) }
        let byDay = Dictionary(stored.map { ($0.special.day, $0) }, uniquingKeysWith: { a, b in a.unitID == nil ? b : a })
        let proposedByDay = Dictionary(proposals.map { ($0.day, $0) }, uniquingKeysWith: { a, _ in a })

        var months: [CalendarPage.Month] = []
        for month in 1...12 {
            let first = Day(year: year, month: month, day: 1)!
            let lead = (HolidayRules.weekday(first) + 6) % 7  // Monday first
            var cells: [CalendarPage.Cell] = Array(repeating: .blank, count: lead)
            var sessions: [String] = []
            for d in 1...Day.daysIn(month: month, year: year) {
                let day = Day(year: year, month: month, day: d)!
                let lunar = LunarCalendar.lunar(day)
                var classes: [String] = []
                var title = lunar.map { "\(catalogs.text("calendar_lunar", locale)) \($0)" } ?? ""
                if let s = byDay[day] {
                    classes.append(s.special.kind.isDayOff ? "off confirmed" : "makeup")
                    title = "\(name(s.special.name, locale)) · \(catalogs.label("special_kind", s.special.kind.rawValue, locale)) · " + title
                } else if let s = proposedByDay[day] {
                    classes.append("proposed")
                    title = "\(name(s.name, locale)) · \(catalogs.text("calendar_proposed", locale)) · " + title
                } else if HolidayRules.isWeekend(day) {
                    classes.append("weekend")
                }
                let text = calendar.sessions(on: day).map(\.description).joined(separator: ", ")
                if !text.isEmpty && !sessions.contains(text) { sessions.append(text) }
                cells.append(.init(blank: false, day: d, class: classes.joined(separator: " "), title: title,
                                   lunar: Template.optional(lunar.map { $0.day == 1 || $0.day == 15 ? "\($0.day)/\($0.month)" : "" } ?? "")))
            }
            while cells.count % 7 != 0 { cells.append(.blank) }
            let weeks = stride(from: 0, to: cells.count, by: 7).map { CalendarPage.Week(cells: Array(cells[$0..<($0 + 7)])) }
            months.append(.init(name: catalogs.text("month_\(month)", locale), weeks: weeks, sessions: sessions.joined(separator: " → ")))
        }
        let canEditUnit = p.allows(.editOrganisation, at: unit.path)
        let isSystemAdmin = p.roles.contains(.systemAdmin)
        let unitNames = Dictionary(try await services.units.ancestors(of: unit).map { ($0.id, $0.name) } + [(unit.id, unit.name)],
                                   uniquingKeysWith: { a, _ in a })
        let days = stored.map { s in
            CalendarPage.Special(id: s.id, day: s.special.day.vietnamese, kind: catalogs.label("special_kind", s.special.kind.rawValue, locale),
                                 name: name(s.special.name, locale), reference: Template.optional(name(s.special.reference, locale)),
                                 scope: s.unitID.map { unitNames[$0] ?? "#\($0)" } ?? catalogs.text("calendar_national", locale),
                                 deletable: s.unitID == nil ? isSystemAdmin : p.allows(.editOrganisation, at: unit.path) && s.unitID == unit.id)
        }
        let hours = try await store.officeHours(for: unit)
        let units = try await services.units.list(scopes: p.scopes(for: .viewOrganisation)).filter { $0.isActive(on: services.today) }
        return try services.views.page(CalendarPage(
            form: form, unit: .init(id: unit.id, name: unit.name), year: year, prev: year - 1, next: year + 1,
            months: months, days: days, has_days: !days.isEmpty,
            proposals: proposals.map { .init(day: $0.day.vietnamese, name: name($0.name, locale),
                                             kind: catalogs.label("special_kind", $0.kind.rawValue, locale)) },
            has_proposals: !proposals.isEmpty,
            can_confirm: isSystemAdmin && !proposals.isEmpty, can_edit: canEditUnit || isSystemAdmin,
            can_edit_unit: canEditUnit, is_system_admin: isSystemAdmin,
            hours: hours.map { .init(unit: unitNames[$0.unitID] ?? "#\($0.unitID)", from: $0.validFrom.vietnamese, text: $0.hours.text) },
            has_hours: !hours.isEmpty,
            units: FormView.options(units.map { (value: String($0.id), label: $0.name) }, selected: String(unit.id)),
            kinds: FormView.options(SpecialDayKind.allCases.map { (value: $0.rawValue, label: catalogs.label("special_kind", $0.rawValue, locale)) },
                                    selected: form.values["kind"] ?? SpecialDayKind.localDayOff.rawValue),
            hours_default: hours.first?.hours.text ?? OfficeHours.ngheAn.text,
            delete_error: deleteError), context, status: status)
    }

    func back(_ unit: OrgUnit, _ year: Int) -> Response { HTMLPage.redirect("/calendar?unit=\(unit.id)&year=\(year)") }

    func confirm(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let form = try await FormData.read(request, context)
        let (unit, year) = try await selection(request, context, form: form)
        guard try context.signedIn().roles.contains(.systemAdmin) else { throw Forbidden() }
        try await store.confirmProposals(year: year, by: context.actor)
        return back(unit, year)
    }

    func addDay(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let form = try await FormData.read(request, context)
        let (unit, year) = try await selection(request, context, form: form)
        let national = form["scope"] == "national"
        if national { guard try context.signedIn().roles.contains(.systemAdmin) else { throw Forbidden() } } else {
            try context.require(.editOrganisation, atAnyOf: [unit.path])
        }
        var view = FormView(values: ["day": form["day"], "kind": form["kind"], "name": form["name"], "reference": form["reference"]])
        do {
            var errors = ValidationErrors()
            let day = Day(form["day"])
            if day == nil { errors.add("day", form["day"].tidied.isEmpty ? "required" : "date_invalid") }
            let kind = SpecialDayKind(rawValue: form["kind"])
            if kind == nil { errors.add("kind", "special_kind_invalid") }
            let name = form["name"].tidied
            if name.isEmpty { errors.add("name", "required") } else if name.count > 120 { errors.add("name", "too_long") }
            try errors.throwIfAny()
            _ = try await store.add(SpecialDay(day: day!, kind: kind!, name: name, reference: form["reference"].tidied),
                                    unitID: national ? nil : unit.id, by: context.actor, reason: form["reason"].tidied)
            return back(unit, day!.year)
        } catch {
            try view.absorb(error, catalogs: catalogs, locale: context.locale)
            return try await render(context, unit: unit, year: year, status: .badRequest, form: view)
        }
    }

    func deleteDay(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let form = try await FormData.read(request, context)
        let (unit, year) = try await selection(request, context, form: form)
        guard let id = context.parameters.get("id", as: Int64.self), let day = try await store.specialDay(id) else {
            throw StoreError.notFound("special_day")
        }
        if let owner = day.unitID {
            guard let ownerUnit = try await services.units.get(owner) else { throw StoreError.notFound("unit") }
            try context.require(.editOrganisation, atAnyOf: [ownerUnit.path])
        } else {
            guard try context.signedIn().roles.contains(.systemAdmin) else { throw Forbidden() }
        }
        do {
            try await store.delete(id, by: context.actor, reason: try requireReason(form))
        } catch let e as ValidationErrors {
            return try await render(context, unit: unit, year: year, status: .badRequest,
                                    deleteError: catalogs.error(e.errors[0].key, context.locale))
        }
        return back(unit, year)
    }

    func setHours(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let form = try await FormData.read(request, context)
        let (unit, year) = try await selection(request, context, form: form)
        try context.require(.editOrganisation, atAnyOf: [unit.path])
        var view = FormView(values: ["hours_from": form["hours_from"], "hours_text": form["hours_text"], "hours_reason": form["reason"]])
        do {
            var errors = ValidationErrors()
            let from = Day(form["hours_from"])
            if from == nil { errors.add("hours_from", "date_invalid") }
            let hours = OfficeHours.parse(form["hours_text"])
            if hours == nil { errors.add("hours_text", "office_hours_invalid") }
            if form["reason"].tidied.count < 3 { errors.add("hours_reason", "reason_required") }
            try errors.throwIfAny()
            try await store.setOfficeHours(unitID: unit.id, from: from!, hours: hours!, by: context.actor, reason: form["reason"].tidied)
            return back(unit, year)
        } catch {
            try view.absorb(error, catalogs: catalogs, locale: context.locale)
            return try await render(context, unit: unit, year: year, status: .badRequest, form: view)
        }
    }

    /// The confirmed days of the year that apply to the unit, as an iCalendar file (RFC 5545).
    func ics(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let (unit, year) = try await selection(request, context)
        let days = try await store.specialDays(years: year...year, for: unit)
        let now = Date()
        let body = ICalendar.feed(name: "\(unit.name) \(year)", events: days.map { s in
            ICalendar.Event(uid: "special-day-\(s.id)@congvu", day: s.special.day, start: nil, end: nil,
                            summary: "\(name(s.special.name, context.locale)) (\(catalogs.label("special_kind", s.special.kind.rawValue, context.locale)))",
                            description: name(s.special.reference, context.locale), lastModified: now)
        }, stamp: now)
        return Response(status: .ok, headers: [.contentType: "text/calendar; charset=utf-8",
                                               .contentDisposition: "attachment; filename=\"lich-\(unit.id)-\(year).ics\""],
                        body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}

/// A unit's working calendar for a year: months of weeks, special days, proposals, office hours.
struct CalendarPage: Page {
    static let template = "calendar"
    struct Cell: Decodable {
        var blank: Bool
        var day: Int
        var `class`: String
        var title: String
        var lunar: String?
        static let blank = Cell(blank: true, day: 0, class: "", title: "", lunar: nil)
    }
    struct Week: Decodable { var cells: [Cell] }
    struct Month: Decodable { var name: String; var weeks: [Week]; var sessions: String }
    struct Special: Decodable {
        var id: Int64
        var day: String
        var kind: String
        var name: String
        var reference: String?
        var scope: String
        var deletable: Bool
    }
    struct Proposal: Decodable { var day: String; var name: String; var kind: String }
    struct Hours: Decodable { var unit: String; var from: String; var text: String }
    var form: FormView
    var unit: UnitRef
    var year: Int
    var prev: Int
    var next: Int
    var months: [Month]
    var days: [Special]
    var has_days: Bool
    var proposals: [Proposal]
    var has_proposals: Bool
    var can_confirm: Bool
    var can_edit: Bool
    var can_edit_unit: Bool
    var is_system_admin: Bool
    var hours: [Hours]
    var has_hours: Bool
    var units: [Option]
    var kinds: [Option]
    var hours_default: String
    var delete_error: String?
}
