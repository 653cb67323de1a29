import CongvuDomain
import CongvuStore
import Foundation
import Hummingbird

/// Explanation cases (giải trình): opened on a violation by the person or by those who watch
/// attendance, explained by the person before the deadline (with an optional file), decided by a
/// leader above them with a reason. No penalty follows by itself; the trail is the evidence.
struct ExplanationsController {
    let attendance: AttendanceServices
    var catalogs: Catalogs { attendance.views.catalogs }
    var store: ExplanationStore { attendance.explanations }

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get(use: list)
        group.post("open", use: open)
        group.get(":id", use: show)
        group.post(":id/explain", use: explain)
        group.post(":id/decide", use: decide)
        group.get(":id/attachment", use: attachment)
    }

    static func view(_ e: Explanation, catalogs: Catalogs, locale: AppLocale, now: Date) -> ExplanationCase {
        ExplanationCase(id: e.id, day: e.day.description, day_vn: e.day.vietnamese, status: e.status.rawValue,
                        status_label: catalogs.label("explanation_status", e.status.rawValue, locale),
                        verdict: catalogs.label("verdict", e.verdict.rawValue, locale), minutes: e.minutes > 0 ? e.minutes : nil,
                        due: Instant.display(e.dueAt), overdue: e.isOverdue(at: now), late: e.explainedLate,
                        text: Template.optional(e.text), attachment: Template.optional(e.attachmentName),
                        explained_at: e.explainedAt.map { Instant.display($0) },
                        note: Template.optional(e.decisionNote), decided_at: e.decidedAt.map { Instant.display($0) })
    }

    func row(_ r: ExplanationRow, _ locale: AppLocale) -> ExplanationCase {
        var v = Self.view(r.explanation, catalogs: catalogs, locale: locale, now: Date())
        v.name = r.fullName
        v.unit = r.unitName
        v.person_id = r.explanation.personID
        return v
    }

    func list(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let p = try context.signedIn()
        let locale = context.locale
        var mine: [ExplanationRow] = []
        if let id = p.personID { mine = try await store.list(personID: id) }
        var toDecide: [ExplanationCase] = []
        var watched: [ExplanationCase] = []
        if p.holds(.viewAttendance) {
            let scoped = try await store.list(scopes: p.scopes(for: .viewAttendance), statuses: [.open, .explained])
            var decider = Decider(attendance: attendance, principal: p)
            for r in scoped {
                if r.explanation.status == .explained, try await decider.mayDecide(personID: r.explanation.personID) {
                    toDecide.append(row(r, locale))
                } else if r.explanation.personID != p.personID {
                    watched.append(row(r, locale))
                }
            }
        }
        return try attendance.views.page(ExplanationsPage(
            mine: mine.map { row($0, locale) }, has_mine: !mine.isEmpty,
            to_decide: toDecide, has_to_decide: !toDecide.isEmpty,
            watched: watched, has_watched: !watched.isEmpty), context)
    }

    /// Opens a case on a closed day's violation: for oneself, or for anyone whose attendance one watches.
    func open(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let form = try await FormData.read(request, context)
        let record = try await attendance.person(form.int("person"), context)
        guard let day = Day(form["day"]), day < attendance.today else { throw ValidationErrors([FieldError("day", "date_invalid")]) }
        let verdicts = attendance.verdicts
        guard let verdict = try await verdicts.refresh(personIDs: [record.person.id], days: [day], cause: "review")[record.person.id]?[day],
              let post = try await verdicts.posts(personIDs: [record.person.id], first: day, last: day).last else {
            throw StoreError.notFound("verdict")
        }
        let rules = try await verdicts.rules(unitIDs: [post.unitID], years: day.year...(day.year + 1))
        let explanation = try Explanation.open(personID: record.person.id, day: day, verdict: verdict, at: Date(), by: context.actor.id,
                                               calendar: rules.calendar(post.unitID), workingDays: rules.policy(post.unitID, on: day).explanationDays)
        do {
            let stored = try await store.open(explanation, by: context.actor)
            return HTMLPage.redirect("/explanations/\(stored.id)")
        } catch StoreError.conflict {
            let existing = try await store.byDay(personIDs: [record.person.id], first: day, last: day)[record.person.id]![day]!
            return HTMLPage.redirect("/explanations/\(existing.id)")
        }
    }

    /// The case, seen by the person and by those who watch their attendance.
    func load(_ context: AppRequestContext) async throws -> ExplanationRow {
        guard let id = context.parameters.get("id", as: Int64.self), let row = try await store.get(id) else { throw StoreError.notFound("explanation") }
        let p = try context.signedIn()
        if p.personID != row.explanation.personID { try context.require(.viewAttendance, atAnyOf: [row.unitPath]) }
        return row
    }

    func show(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        try await render(try await load(context), context)
    }

    func render(_ r: ExplanationRow, _ context: AppRequestContext, status: HTTPResponse.Status = .ok, form: FormView = FormView()) async throws -> Response {
        let p = try context.signedIn()
        let mayDecide = try await attendance.mayDecide(p, personID: r.explanation.personID)
        // A case an inspection opened says which minutes and what the team found.
        let origin = try await InspectionStore(database: attendance.database).origin(explanationID: r.explanation.id).map { o in
            ExplanationPage.Origin(visit_id: o.visitID, number: o.number.map { "\($0)/\(o.year)" } ?? "",
                                   finding: catalogs.label("finding", o.kind.rawValue, context.locale))
        }
        return try attendance.views.page(ExplanationPage(
            form: form, case: row(r, context.locale), origin: origin,
            can_explain: r.explanation.status == .open && p.personID == r.explanation.personID,
            can_decide: r.explanation.status == .explained && mayDecide), context, status: status)
    }

    static let attachmentLimit = 5 * 1024 * 1024
    var attachmentDirectory: String { (attendance.config.dataDirectory as NSString).appendingPathComponent("attachments") }

    func explain(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let r = try await load(context)
        guard try context.signedIn().personID == r.explanation.personID else { throw Forbidden() }
        let form = try await FormData.read(request, context)
        var view = FormView(values: ["text": form["text"]])
        do {
            var attachment: (name: String, file: String)?
            if let upload = form.files["file"], !upload.content.isEmpty {
                let type = try UploadedFile.accept(upload.content, kinds: ["jpg", "png", "pdf"], limit: Self.attachmentLimit)
                let name = "\(r.explanation.id)-\(Token.random(bytes: 8)).\(type.ext)"
                try UploadedFile.save(upload.content, directory: attachmentDirectory, name: name)
                attachment = (String(upload.filename.suffix(120)), name)
            }
            _ = try await store.explain(r.explanation.id, text: form["text"], attachment: attachment, by: context.actor)
            return HTMLPage.redirect("/explanations/\(r.explanation.id)")
        } catch {
            try view.absorb(error, catalogs: catalogs, locale: context.locale)
            return try await render(r, context, status: .badRequest, form: view)
        }
    }

    func decide(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let r = try await load(context)
        guard try await attendance.mayDecide(try context.signedIn(), personID: r.explanation.personID) else { throw Forbidden() }
        let form = try await FormData.read(request, context)
        var view = FormView(values: ["note": form["note"]])
        do {
            _ = try await store.decide(r.explanation.id, accept: form["decision"] == "accept", note: form["note"], by: context.actor)
            // One tap on the home page comes back there.
            return HTMLPage.redirect(AuthController.safeNext(form["back"]) ?? "/explanations/\(r.explanation.id)")
        } catch {
            try view.absorb(error, catalogs: catalogs, locale: context.locale)
            return try await render(r, context, status: .badRequest, form: view)
        }
    }

    func attachment(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let r = try await load(context)
        guard let file = try await store.attachmentFile(r.explanation.id), !file.isEmpty,
              let data = FileManager.default.contents(atPath: (attachmentDirectory as NSString).appendingPathComponent(file)),
              let type = UploadedFile.kind(of: data) else { throw StoreError.notFound("attachment") }
        return UploadedFile.response(data, name: "attachment.\(type.ext)")
    }
}

/// An explanation case as the pages show it; `name`, `unit` and `person_id` where a list names whose.
struct ExplanationCase: Decodable {
    var id: Int64
    var day: String
    var day_vn: String
    var status: String
    var status_label: String
    var verdict: String
    var minutes: Int?
    var due: String
    var overdue: Bool
    var late: Bool
    var text: String?
    var attachment: String?
    var explained_at: String?
    var note: String?
    var decided_at: String?
    var name: String?
    var unit: String?
    var person_id: Int64?
}

struct ExplanationsPage: Page {
    static let template = "explanations"
    var mine: [ExplanationCase]
    var has_mine: Bool
    var to_decide: [ExplanationCase]
    var has_to_decide: Bool
    var watched: [ExplanationCase]
    var has_watched: Bool
}

struct ExplanationPage: Page {
    static let template = "explanation"
    /// The inspection whose minutes opened (or joined) the case.
    struct Origin: Decodable { var visit_id: Int64; var number: String; var finding: String }
    var form: FormView
    var `case`: ExplanationCase
    var origin: Origin?
    var can_explain: Bool
    var can_decide: Bool
}
