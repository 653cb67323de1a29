import CongvuDomain
import CongvuStore
import Foundation
import Hummingbird

/// What a one-stop counter announces (an inspection faults a counter that does not): per field its
/// working hours and the days it receives and returns dossiers, and the hotline board with the
/// leaders' published numbers, the office hours and the QR of the feedback form. A People's
/// Committee without a counter of its own has the same board: its hotlines and hours. The office writes it as lines (`field | hours | receiving |
/// returning`, `name | post | number`); citizens read it at `/niem-yet/{code}` on a phone, and the
/// counter prints it as an A4 poster with the QR codes of the public pages.
struct CounterNoticesController {
    let schedules: ScheduleServices
    var catalogs: Catalogs { schedules.views.catalogs }
    var counters: DossierStore { DossierStore(database: schedules.database) }

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get(use: edit)
        group.post(use: save)
    }

    func addPublicRoutes(to router: Router<AppRequestContext>) {
        router.get("niem-yet/:code", use: board)
        router.get("niem-yet/:code/poster", use: poster)
    }

    /// The units with a board: the counters, and the People's Committees.
    func hasBoard(_ unit: OrgUnit) async throws -> Bool {
        if unit.kind == .peoplesCommittee { return true }
        return try await counters.counter(unitID: unit.id) != nil
    }

    /// The boards the principal keeps (`manageProcedures`): the counters' and the committees', and the one asked for.
    func counter(_ request: Request, _ context: AppRequestContext) async throws -> (OrgUnit, [OrgUnit]) {
        let p = try context.signedIn()
        var units: [OrgUnit] = []
        for c in try await counters.counters() {
            if let u = try await schedules.units.get(c.unitID), p.allows(.manageProcedures, at: u.path) { units.append(u) }
        }
        let committees = try await schedules.units.list(scopes: TaskServices.roots(p.scopes(for: .manageProcedures)))
            .filter { $0.kind == .peoplesCommittee && $0.isActive(on: schedules.today) }
        units += committees.filter { c in !units.contains { $0.id == c.id } }
        guard !units.isEmpty else { throw Forbidden() }
        let asked = request.uri.queryParameters["unit"].flatMap { Int64($0) }
        guard let unit = asked.flatMap({ id in units.first { $0.id == id } }) ?? (asked == nil ? units.first : nil) else { throw Forbidden() }
        return (unit, units)
    }

    static func lines(_ text: String) -> [[String]] {
        text.split(whereSeparator: \.isNewline).map { $0.split(separator: "|", omittingEmptySubsequences: false).map { String($0).tidied } }
            .filter { !$0.allSatisfy(\.isEmpty) }
    }

    func edit(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let (unit, units) = try await counter(request, context)
        let b = try await schedules.notices.board(unitID: unit.id)
        return try await render(unit, units: units, FormView(values: [
            "notices": b.notices.map { "\($0.field) | \($0.workingHours) | \($0.receivingDays) | \($0.returningDays)" }.joined(separator: "\n"),
            "hotlines": b.hotlines.map { "\($0.name) | \($0.title) | \($0.phone)" }.joined(separator: "\n"),
        ]), context)
    }

    func render(_ unit: OrgUnit, units: [OrgUnit], _ form: FormView, _ context: AppRequestContext, status: HTTPResponse.Status = .ok) async throws -> Response {
        try schedules.views.page(CounterNoticesPage(form: form, unit: .init(id: unit.id, name: unit.name), code: unit.code,
                                                    units: FormView.options(units.map { (value: String($0.id), label: $0.name) }, selected: String(unit.id))),
                                 context, status: status)
    }

    func save(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let form = try await FormData.read(request, context)
        let (unit, units) = try await counter(request, context)
        do {
            var notices: [CounterNotice] = [], hotlines: [Hotline] = [], errors: [FieldError] = []
            for (i, l) in Self.lines(form["notices"]).enumerated() {
                do {
                    guard l.count == 4 else { throw ValidationErrors([]) }
                    notices.append(try CounterNotice(field: l[0], workingHours: l[1], receivingDays: l[2], returningDays: l[3]).validated())
                } catch is ValidationErrors {
                    errors.append(FieldError("notices", "counter_notice_line:\(i + 1)"))
                }
            }
            for (i, l) in Self.lines(form["hotlines"]).enumerated() {
                do {
                    guard l.count == 3 else { throw ValidationErrors([]) }
                    hotlines.append(try Hotline(name: l[0], title: l[1], phone: l[2]).validated())
                } catch is ValidationErrors {
                    errors.append(FieldError("hotlines", "counter_hotline_line:\(i + 1)"))
                }
            }
            if notices.count > 40 || hotlines.count > 20 { errors.append(FieldError("notices", "too_long")) }
            if !errors.isEmpty { throw ValidationErrors(errors) }
            try await schedules.notices.save(unitID: unit.id, notices: notices, hotlines: hotlines, by: context.actor)
            return HTMLPage.redirect("/counters/notices?unit=\(unit.id)")
        } catch {
            var view = FormView(values: ["notices": form["notices"], "hotlines": form["hotlines"]])
            try view.absorb(error, catalogs: catalogs, locale: context.locale)
            return try await render(unit, units: units, view, context, status: .badRequest)
        }
    }

    /// The counter's public board, its unit found by code.
    func publicBoard(_ request: Request, _ context: AppRequestContext) async throws -> CounterBoardPage {
        guard schedules.limiter.allow(context.clientAddress) else { throw HTTPError(.tooManyRequests) }
        guard let code = context.parameters.get("code"), let unit = try await schedules.units.byCode(code), unit.isActive(on: schedules.today),
              try await hasBoard(unit) else { throw StoreError.notFound("unit") }
        let counter = try await counters.counter(unitID: unit.id)
        // The office hours in force, the unit's own or the nearest above it.
        let today = schedules.today
        let hours = try await schedules.calendars.officeHours(for: unit).first { $0.validFrom <= today }?.hours.text
        let b = try await schedules.notices.board(unitID: unit.id)
        // The committee the counter serves, whose schedule is public: the nearest People's Committee
        // above it, or beside it under the same commune.
        var committee: OrgUnit? = unit.kind == .peoplesCommittee ? unit : nil, cursor = unit.parentID
        while committee == nil, let id = cursor, let above = try await schedules.units.get(id) {
            committee = above.kind == .peoplesCommittee ? above
                : try await schedules.units.children(of: id).first { $0.kind == .peoplesCommittee && $0.isActive(on: schedules.today) }
            cursor = above.parentID
        }
        let base = schedules.config.publicURL
        let links = [("counter_qr_notices", "/niem-yet/\(unit.code)"), ("counter_qr_tracking", "/tra-cuu"), ("counter_qr_feedback", "/phan-anh/\(unit.code)"), ("counter_qr_survey", "/khao-sat/\(unit.code)"),
                     ("counter_qr_schedule", committee.map { "/lich/\($0.code)" })]
            .compactMap { key, path in path.map { (key, $0) } }
            .map { key, path in
                CounterBoardPage.Link(label: catalogs.text(key, context.locale), path: path,
                                      qr: (try? QRCode((base.isEmpty ? "" : base) + path).svg(scale: 3)) ?? "")
            }
        return CounterBoardPage(unit: unit.name, code: unit.code, address: counter.flatMap { Template.optional($0.address) },
                                phone: counter.flatMap { Template.optional($0.phone) }, is_counter: counter != nil, office_hours: hours,
                                notices: b.notices.map { .init(field: $0.field, hours: $0.workingHours, receiving: $0.receivingDays, returning: $0.returningDays) },
                                has_notices: !b.notices.isEmpty, hotlines: b.hotlines.map { .init(name: $0.name, title: $0.title, phone: $0.phone) },
                                has_hotlines: !b.hotlines.isEmpty, links: links)
    }

    func board(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        try schedules.views.page(try await publicBoard(request, context), context)
    }

    func poster(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        try schedules.views.page(CounterPosterPage(board: try await publicBoard(request, context)), context)
    }
}

/// The office's form for a counter's notices and hotlines.
struct CounterNoticesPage: Page {
    static let template = "counter_notices"
    var form: FormView
    var unit: UnitRef
    var code: String
    var units: [Option]
}

/// A counter's public board on a phone.
struct CounterBoardPage: Page, Decodable {
    static let template = "counter_board"
    struct Notice: Decodable { var field: String; var hours: String; var receiving: String; var returning: String }
    struct Hotline: Decodable { var name: String; var title: String; var phone: String }
    struct Link: Decodable { var label: String; var path: String; var qr: String }
    var unit: String
    var code: String
    var address: String?
    var phone: String?
    /// A one-stop counter's board, or a committee's hotline board.
    var is_counter: Bool
    /// The unit's office hours (seasons and sessions).
    var office_hours: String?
    var notices: [Notice]
    var has_notices: Bool
    var hotlines: [Hotline]
    var has_hotlines: Bool
    var links: [Link]
}

/// The same board as an A4 poster for the counter's wall.
struct CounterPosterPage: Page {
    static let template = "counter_poster"
    var board: CounterBoardPage
}
