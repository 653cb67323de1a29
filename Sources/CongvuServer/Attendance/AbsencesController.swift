import CongvuDomain
import CongvuStore
import Foundation
import Hummingbird

/// Out-of-office notices and leave: a person files from the phone; a leader above them approves
/// or rejects with a reason (a leader's own request goes to the level above).
struct AbsencesController {
    let attendance: AttendanceServices
    var catalogs: Catalogs { attendance.views.catalogs }
    var store: AbsenceStore { attendance.absences }

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get(use: page)
        group.post(use: file)
        group.post(":id/decide", use: decide)
    }

    static func row(_ r: AbsenceRow, catalogs: Catalogs, locale: AppLocale) -> AbsencesPage.Row {
        let a = r.request
        return .init(id: a.id, person_id: a.personID, name: r.fullName, title: r.title, unit: r.unitName,
                     kind: catalogs.label("absence_kind", a.kind.rawValue, locale), place: Template.optional(a.place), purpose: a.purpose,
                     task: Template.optional(a.task), from: Instant.display(a.from), to: Instant.display(a.to),
                     status: a.status.rawValue, status_label: catalogs.label("absence_status", a.status.rawValue, locale),
                     late: a.filedLate, note: Template.optional(a.decisionNote))
    }

    func page(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        try await render(context)
    }

    func render(_ context: AppRequestContext, status: HTTPResponse.Status = .ok, form: FormView? = nil) async throws -> Response {
        let p = try context.signedIn()
        let locale = context.locale
        var mine: [AbsenceRow] = []
        if let id = p.personID { mine = try await store.list(personID: id) }
        var toDecide: [AbsencesPage.Row] = []
        if p.grants.contains(where: { $0.role == .leader }) {
            var decider = Decider(attendance: attendance, principal: p)
            for r in try await store.list(scopes: p.scopes(for: .viewAttendance), statuses: [.pending])
            where try await decider.mayDecide(personID: r.request.personID) {
                toDecide.append(Self.row(r, catalogs: catalogs, locale: locale))
            }
        }
        let recent = p.holds(.viewAttendance)
            ? try await store.list(scopes: p.scopes(for: .viewAttendance), statuses: [.approved, .rejected], limit: 30) : []
        let view = form ?? FormView(values: ["kind": Excuse.Kind.notice.rawValue].merging(Self.defaultSpan(now: Date())) { a, _ in a })
        return try attendance.views.page(AbsencesPage(
            form: view, can_file: p.personID != nil,
            kinds: FormView.options(Excuse.Kind.allCases.map { (value: $0.rawValue, label: catalogs.label("absence_kind", $0.rawValue, locale)) },
                                    selected: view.values["kind"] ?? ""),
            mine: mine.map { Self.row($0, catalogs: catalogs, locale: locale) }, has_mine: !mine.isEmpty,
            to_decide: toDecide, has_to_decide: !toDecide.isEmpty,
            recent: recent.map { Self.row($0, catalogs: catalogs, locale: locale) }, has_recent: !recent.isEmpty), context, status: status)
    }

    /// The form's first times: from now to 17:00 today; late in the afternoon (when that would be
    /// an hour or less, or already past) the next day, 07:30 to 17:00, which is what people file then.
    static func defaultSpan(now: Date) -> [String: String] {
        let local = Instant.formatLocal(now)  // "yyyy-MM-dd HH:mm"
        let today = Day(now, in: CivilTime.vietnam)
        let minutes = (Int(local.dropFirst(11).prefix(2)) ?? 0) * 60 + (Int(local.dropFirst(14).prefix(2)) ?? 0)
        if minutes >= 16 * 60 { return ["from": "\(today.next)T07:30", "to": "\(today.next)T17:00"] }
        return ["from": String(local.prefix(16)).replacingOccurrences(of: " ", with: "T"), "to": "\(today)T17:00"]
    }

    /// `2026-11-22T13:30` (a datetime-local field) or `2026-11-22 13:30`, in Vietnam's time.
    static func moment(_ text: String) -> Date? {
        Instant.parseLocal(text.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "T", with: " "))
    }

    func file(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let p = try context.signedIn()
        let form = try await FormData.read(request, context)
        guard let personID = p.personID else { throw Forbidden() }
        var view = FormView(values: Dictionary(uniqueKeysWithValues: ["kind", "place", "purpose", "task", "from", "to"].map { ($0, form[$0]) }))
        do {
            let draft = AbsenceDraft(kind: form["kind"], place: form["place"], purpose: form["purpose"], task: form["task"],
                                     from: Self.moment(form["from"]), to: Self.moment(form["to"]))
            let request = try draft.validate(personID: personID, filedAt: Date())
            _ = try await store.file(request, by: context.actor)
            return HTMLPage.redirect("/absences")
        } catch {
            try view.absorb(error, catalogs: catalogs, locale: context.locale)
            return try await render(context, status: .badRequest, form: view)
        }
    }

    func decide(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let p = try context.signedIn()
        let form = try await FormData.read(request, context)
        guard let id = context.parameters.get("id", as: Int64.self), let row = try await store.get(id) else { throw StoreError.notFound("absence") }
        guard try await attendance.mayDecide(p, personID: row.request.personID) else { throw Forbidden() }
        do {
            _ = try await store.decide(id, approve: form["decision"] == "approve", note: form["note"], by: context.actor)
            await attendance.announce(personIDs: [row.request.personID])
            // One tap on the home page comes back there.
            return HTMLPage.redirect(AuthController.safeNext(form["back"]) ?? "/absences")
        } catch let e as ValidationErrors {
            return try await render(context, status: .badRequest, form: FormView(errors: ["decision": catalogs.error(e.errors[0].key, context.locale)]))
        } catch StoreError.conflict(_, let key) {
            return try await render(context, status: .conflict, form: FormView(errors: ["decision": catalogs.error(key, context.locale)]))
        }
    }
}

struct AbsencesPage: Page {
    static let template = "absences"
    struct Row: Decodable {
        var id: Int64
        var person_id: Int64
        var name: String
        var title: String
        var unit: String
        var kind: String
        var place: String?
        var purpose: String
        var task: String?
        var from: String
        var to: String
        var status: String
        var status_label: String
        var late: Bool
        var note: String?
    }
    var form: FormView
    var can_file: Bool
    var kinds: [Option]
    var mine: [Row]
    var has_mine: Bool
    var to_decide: [Row]
    var has_to_decide: Bool
    var recent: [Row]
    var has_recent: Bool
}
