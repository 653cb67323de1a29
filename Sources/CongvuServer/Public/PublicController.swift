import CongvuDomain
import CongvuStore
import Foundation
import Hummingbird

/// The front door for citizens, without an account: what the law wants posted (the procedure
/// catalogue with documents, processing times and fees), each counter's address, telephone and
/// today's hours, dossier tracking and the committees' door boards. `/` shows it to whoever is
/// not signed in; staff sign in from it.
struct PublicController {
    let oneStop: OneStopServices
    var catalogs: Catalogs { oneStop.views.catalogs }
    var procedures: ProcedureStore { oneStop.procedures }

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("thu-tuc", use: catalogue)
        router.get("thu-tuc/:id", use: procedure)
    }

    /// The deployment's name: its top unit (the province), or the app's name.
    func deployment() async throws -> String {
        try await oneStop.units.list(scopes: [""]).first { $0.parentID == nil && $0.isActive(on: oneStop.today) }?.name ?? ""
    }

    func home(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let locale = context.locale
        let today = oneStop.today
        let store = oneStop.dossiers
        var counters: [PublicHomePage.Counter] = []
        for c in try await store.counters() {
            guard let unit = try await oneStop.units.get(c.unitID), unit.isActive(on: today) else { continue }
            var parent: OrgUnit?
            if let id = unit.parentID { parent = try await oneStop.units.get(id) }
            let calendar = try await oneStop.calendars.workCalendar(for: unit, years: today.year...today.year)
            let sessions = calendar.sessions(on: today)
            let weekday = HolidayRules.weekday(today)
            counters.append(.init(
                name: unit.name, parent: Template.optional(parent?.name ?? ""), address: Template.optional(c.address), phone: Template.optional(c.phone),
                tel: c.phone.filter { $0.isNumber || $0 == "+" },
                hours: sessions.isEmpty ? catalogs.text("public_closed_today", locale)
                    : sessions.map { "\($0.start)–\($0.end)" }.joined(separator: ", "),
                day: catalogs.text("weekday_\(weekday == 0 ? 7 : weekday)", locale) + " " + today.vietnamese,
                // The committee's door board: who is in, who is away, right now.
                door: parent.flatMap { $0.code.isEmpty ? nil : "/door/\($0.code)" }))
        }
        let current = try await procedures.list(validOn: today)
        let fields = Dictionary(grouping: current, by: \.field).map { PublicHomePage.Field(field: $0.key, count: $0.value.count) }
            .sorted { SearchKey.fold($0.field) < SearchKey.fold($1.field) }
        return try oneStop.views.page(PublicHomePage(
            deployment: try await deployment(), counters: counters, has_counters: !counters.isEmpty,
            procedure_count: current.count, fields: fields), context)
    }

    /// The procedures in force, searched without accents, by field.
    func catalogue(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let q = request.uri.queryParameters["q"].map(String.init) ?? ""
        let field = request.uri.queryParameters["field"].map(String.init) ?? ""
        let found = try await procedures.list(search: String(q.prefix(100)), field: String(field.prefix(200)), validOn: oneStop.today)
        return try oneStop.views.page(PublicProceduresPage(
            deployment: try await deployment(), q: q, field: Template.optional(field), count: found.count,
            procedures: found.map { row($0, context.locale) }, has_procedures: !found.isEmpty), context)
    }

    func procedure(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        guard let id = context.parameters.get("id", as: Int64.self), let p = try await procedures.get(id), p.isValid(on: oneStop.today) else {
            throw StoreError.notFound("procedure")
        }
        let locale = context.locale
        var shown = row(p, locale)
        shown.documents = p.documents.enumerated().map { i, d in
            .init(n: i + 1, name: d.name, form: catalogs.label("document_form", d.form.rawValue, locale), quantity: d.quantity)
        }
        shown.has_documents = !p.documents.isEmpty
        shown.result = Template.optional(p.result)
        shown.legal_basis = Template.optional(p.legalBasis)
        return try oneStop.views.page(PublicProcedurePage(p: shown, deployment: try await deployment()), context)
    }

    func row(_ p: Procedure, _ locale: AppLocale) -> PublicProcedure {
        let fee = p.fee == 0 ? catalogs.text("public_fee_free", locale)
            : catalogs.text("public_fee_amount", locale, [Self.money(p.fee)]) + (p.feeNote.isEmpty ? "" : " (\(p.feeNote))")
        return PublicProcedure(id: p.id, code: p.code, name: p.name, field: p.field, level: catalogs.label("competent_level", p.level.rawValue, locale),
                               time: OneStopController(oneStop: oneStop).timeText(p.time, locale), fee: fee,
                               online: catalogs.label("online_level", p.onlineLevel.rawValue, locale), documents_count: p.documents.count)
    }

    /// 50000 → "50.000", as amounts are written in Vietnam.
    static func money(_ n: Int) -> String {
        let digits = String(n)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(".") }
            out.append(c)
        }
        return out
    }
}

/// A procedure as the public pages show it; its documents on its own page.
struct PublicProcedure: Decodable {
    var id: Int64
    var code: String
    var name: String
    var field: String
    var level: String
    var time: String
    var fee: String
    var online: String
    var documents_count: Int
    var documents: [DossierDocument] = []
    var has_documents = false
    var result: String?
    var legal_basis: String?
}

/// The citizens' front page: the counters, their hours today and the door boards.
struct PublicHomePage: Page {
    static let template = "public_home"
    struct Counter: Decodable {
        var name: String
        var parent: String?
        var address: String?
        var phone: String?
        var tel: String
        var hours: String
        var day: String
        var door: String?
    }
    struct Field: Decodable { var field: String; var count: Int }
    var deployment: String
    var counters: [Counter]
    var has_counters: Bool
    var procedure_count: Int
    var fields: [Field]
}

struct PublicProceduresPage: Page {
    static let template = "public_procedures"
    var deployment: String
    var q: String
    var field: String?
    var count: Int
    var procedures: [PublicProcedure]
    var has_procedures: Bool
}

struct PublicProcedurePage: Page {
    static let template = "public_procedure"
    var p: PublicProcedure
    var deployment: String
}
