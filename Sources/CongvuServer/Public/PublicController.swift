import CongvuDomain
import CongvuStore
import Foundation
import Hummingbird

/// The front door for citizens, without an account: what the law wants posted (the procedure
/// catalogue with documents, processing times and fees), each counter's address, telephone and
/// today's hours, dossier tracking and the committees' door boards. `/` shows it to whoever is
/// not signed in; staff sign in from it.
struct PublicController {
    let services: AppServices
    var catalogs: Catalogs { services.views.catalogs }
    var procedures: ProcedureStore { ProcedureStore(database: services.database) }

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("thu-tuc", use: catalogue)
        router.get("thu-tuc/:id", use: procedure)
    }

    /// The deployment's name: its top unit (the province), or the app's name.
    func deployment() async throws -> String {
        try await services.units.list(scopes: [""]).first { $0.parentID == nil && $0.isActive(on: services.today) }?.name ?? ""
    }

    func home(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let locale = context.locale
        let today = services.today
        let store = DossierStore(database: services.database)
        var counters: [[String: Any]] = []
        for c in try await store.counters() {
            guard let unit = try await services.units.get(c.unitID), unit.isActive(on: today) else { continue }
            var parent: OrgUnit?
            if let id = unit.parentID { parent = try await services.units.get(id) }
            let calendar = try await CalendarStore(database: services.database).workCalendar(for: unit, years: today.year...today.year)
            let sessions = calendar.sessions(on: today)
            let weekday = HolidayRules.weekday(today)
            counters.append([
                "name": unit.name, "parent": Template.optional(parent?.name ?? ""), "address": Template.optional(c.address), "phone": Template.optional(c.phone),
                "tel": c.phone.filter { $0.isNumber || $0 == "+" },
                "hours": sessions.isEmpty ? catalogs.text("public_closed_today", locale)
                    : sessions.map { "\($0.start)–\($0.end)" }.joined(separator: ", "),
                "day": catalogs.text("weekday_\(weekday == 0 ? 7 : weekday)", locale) + " " + today.vietnamese,
                // The committee's door board: who is in, who is away, right now.
                "door": parent.map { $0.code.isEmpty ? false : "/door/\($0.code)" as Any } ?? false,
            ])
        }
        let current = try await procedures.list(validOn: today)
        let fields = Dictionary(grouping: current, by: \.field).map { ["field": $0.key, "count": $0.value.count] }
            .sorted { SearchKey.fold($0["field"] as? String ?? "") < SearchKey.fold($1["field"] as? String ?? "") }
        return try services.views.page("public_home", context, [
            "deployment": try await deployment(), "counters": counters, "has_counters": !counters.isEmpty,
            "procedure_count": current.count, "fields": fields,
        ])
    }

    /// The procedures in force, searched without accents, by field.
    func catalogue(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let q = request.uri.queryParameters["q"].map(String.init) ?? ""
        let field = request.uri.queryParameters["field"].map(String.init) ?? ""
        let found = try await procedures.list(search: String(q.prefix(100)), field: String(field.prefix(200)), validOn: services.today)
        return try services.views.page("public_procedures", context, [
            "deployment": try await deployment(), "q": q, "field": Template.optional(field), "count": found.count,
            "procedures": found.map { row($0, context.locale) }, "has_procedures": !found.isEmpty,
        ])
    }

    func procedure(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        guard let id = context.parameters.get("id", as: Int64.self), let p = try await procedures.get(id), p.isValid(on: services.today) else {
            throw StoreError.notFound("procedure")
        }
        let locale = context.locale
        var data = row(p, locale)
        data["documents"] = p.documents.enumerated().map { i, d in
            ["n": i + 1, "name": d.name, "form": catalogs.label("document_form", d.form.rawValue, locale), "quantity": d.quantity] as [String: Any]
        }
        data["has_documents"] = !p.documents.isEmpty
        data["result"] = Template.optional(p.result)
        data["legal_basis"] = Template.optional(p.legalBasis)
        return try services.views.page("public_procedure", context, ["p": data, "deployment": try await deployment()])
    }

    func row(_ p: Procedure, _ locale: AppLocale) -> [String: Any] {
        let fee = p.fee == 0 ? catalogs.text("public_fee_free", locale)
            : catalogs.text("public_fee_amount", locale, [Self.money(p.fee)]) + (p.feeNote.isEmpty ? "" : " (\(p.feeNote))")
        return ["id": p.id, "code": p.code, "name": p.name, "field": p.field, "level": catalogs.label("competent_level", p.level.rawValue, locale),
                "time": OneStopController(services: services).timeText(p.time, locale), "fee": fee,
                "online": catalogs.label("online_level", p.onlineLevel.rawValue, locale), "documents_count": p.documents.count]
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
