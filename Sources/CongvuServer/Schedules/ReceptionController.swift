import CongvuDomain
import CongvuStore
import Foundation
import Hummingbird

/// The citizen reception log (sổ tiếp công dân) of a unit: who received whom, about what, how it
/// was handled and settled, a follow-up task when one is needed; counts by period for reports,
/// with a workbook. The unit's office and leaders keep it and see the citizens' identities; an
/// inspector of the unit reads it without them.
struct ReceptionController {
    let schedules: ScheduleServices
    var catalogs: Catalogs { schedules.views.catalogs }
    var store: ReceptionLogStore { schedules.receptions }

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get(use: log)
        group.get("log.xlsx", use: workbook)
        group.post(use: add)
        group.post(":id/result", use: settle)
    }

    struct Scope {
        var unit: OrgUnit
        var units: [OrgUnit]
        /// Keeps the log (the citizens' identities shown) rather than only reading it.
        var keeps: Bool
        var from: Day
        var to: Day
    }

    func scope(_ request: Request, _ context: AppRequestContext) async throws -> Scope {
        let p = try context.signedIn()
        let (unit, units) = try await schedules.pick(request, scopes: p.scopes(for: .draftSchedules) + p.scopes(for: .publishSchedules)
                                                      + p.scopes(for: .viewInspections))
        let today = schedules.today
        let q = request.uri.queryParameters
        let from = q["from"].flatMap { Day(String($0)) } ?? Day(year: today.year, month: today.month, day: 1)!
        let to = max(from, q["to"].flatMap { Day(String($0)) } ?? today)
        return Scope(unit: unit, units: units, keeps: ScheduleServices.keeps(p, unit), from: from, to: to)
    }

    func log(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        try await render(try await scope(request, context), context)
    }

    /// A citizen's identity for the reader: whole for those who keep the log, otherwise withheld.
    func citizen(_ r: ReceptionRecord, keeps: Bool) -> (name: String, address: String?, id: String?) {
        guard keeps else { return (String(r.citizenName.prefix(1)) + "***", nil, nil) }
        return (r.citizenName, Template.optional(r.citizenAddress), Template.optional(r.citizenID))
    }

    func render(_ s: Scope, _ context: AppRequestContext, form: FormView = FormView(), status: HTTPResponse.Status = .ok) async throws -> Response {
        let locale = context.locale
        let entries = try await store.list(unitIDs: [s.unit.id], from: s.from, to: s.to)
        // Anyone of the unit may receive or follow up (the leaders first): the chairman gives a land
        // complaint straight to the land officer.
        let staff = try await schedules.taskServices.staff(of: [s.unit]).sorted { ($0.isLeader ? 0 : 1) < ($1.isLeader ? 0 : 1) }
        var names = Dictionary(staff.map { ($0.personID, $0.fullName) }, uniquingKeysWith: { a, _ in a })
        for id in Set(entries.map(\.record.receiverID)) where names[id] == nil { names[id] = try await schedules.people.get(id)?.person.fullName }
        let counts = ReceptionCounts(entries.map(\.record))
        let rows = entries.map { e in
            let c = citizen(e.record, keeps: s.keeps)
            return ReceptionPage.Row(id: e.id, day: e.record.day.vietnamese, receiver: names[e.record.receiverID] ?? "", citizen: c.name, address: c.address,
                                     citizen_id: c.id, content: e.record.content,
                                     classification: catalogs.label("reception_class", e.record.classification.rawValue, locale),
                                     handling: catalogs.label("reception_handling", e.record.handling.rawValue, locale),
                                     forwarded: Template.optional(e.record.forwardedTo), result: Template.optional(e.record.result),
                                     result_day: e.record.resultDay?.vietnamese, task: e.taskID, version: e.version, can_settle: s.keeps && e.record.resultDay == nil)
        }
        return try schedules.views.page(ReceptionPage(
            form: form, unit: .init(id: s.unit.id, name: s.unit.name),
            units: FormView.options(s.units.map { (value: String($0.id), label: $0.name) }, selected: String(s.unit.id)),
            from: s.from.description, to: s.to.description, period: "\(s.from.vietnamese) – \(s.to.vietnamese)", today: schedules.today.description, keeps: s.keeps, rows: rows, has_rows: !rows.isEmpty,
            counts: [("reception_count_days", counts.days), ("reception_count_citizens", counts.citizens), ("reception_count_settled", counts.settled)]
                .map { .init(label: catalogs.text($0.0, locale), value: $0.1) }
                + ReceptionRecord.Classification.allCases.map { .init(label: catalogs.label("reception_class", $0.rawValue, locale), value: counts.byClassification[$0] ?? 0) },
            receivers: FormView.options(staff.map { (value: String($0.personID), label: "\($0.fullName) · \($0.title)") },
                                        selected: form.values["receiver"] ?? ""),
            classes: FormView.options(ReceptionRecord.Classification.allCases.map { (value: $0.rawValue, label: catalogs.label("reception_class", $0.rawValue, locale)) },
                                      selected: form.values["classification"] ?? ""),
            handlings: FormView.options(ReceptionRecord.Handling.allCases.map { (value: $0.rawValue, label: catalogs.label("reception_handling", $0.rawValue, locale)) },
                                        selected: form.values["handling"] ?? ""),
            owners: FormView.options(staff.map { (value: String($0.personID), label: "\($0.fullName) · \($0.title)") }, selected: form.values["owner"] ?? "")),
            context, status: status)
    }

    func add(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let form = try await FormData.read(request, context)
        let s = try await scope(request, context)
        guard s.keeps else { throw Forbidden() }
        do {
            let staff = try await schedules.taskServices.staff(of: [s.unit])
            guard let receiver = form.int("receiver"), staff.contains(where: { $0.personID == receiver }) else {
                throw ValidationErrors([FieldError("receiver", "required")])
            }
            guard let classification = ReceptionRecord.Classification(rawValue: form["classification"]) else {
                throw ValidationErrors([FieldError("classification", "required")])
            }
            guard let handling = ReceptionRecord.Handling(rawValue: form["handling"]) else { throw ValidationErrors([FieldError("handling", "required")]) }
            guard let day = Day(form["day"]) else { throw ValidationErrors([FieldError("day", "date_invalid")]) }
            let record = try ReceptionRecord(day: day, receiverID: receiver, citizenName: form["citizen_name"], citizenAddress: form["citizen_address"],
                                             citizenID: form["citizen_id"], content: form["content"], classification: classification, handling: handling,
                                             forwardedTo: form["forwarded_to"]).validated(today: schedules.today)
            var followUp: WorkTask?
            if form.bool("follow_up") {
                followUp = try await schedules.taskServices.task(title: String(record.content.prefix(200)), content: record.content, source: TaskSource(kind: .feedback),
                                                    owner: form.int("owner"), due: form["due"], assignerID: receiver,
                                                    staff: staff)
            }
            _ = try await store.add(record, unitID: s.unit.id, followUp: followUp, by: context.actor)
            return HTMLPage.redirect("/reception?unit=\(s.unit.id)&from=\(min(s.from, day))&to=\(s.to)")
        } catch {
            var view = FormView(values: ["day": form["day"], "receiver": form["receiver"], "citizen_name": form["citizen_name"],
                                         "citizen_address": form["citizen_address"], "citizen_id": form["citizen_id"], "content": form["content"],
                                         "classification": form["classification"], "handling": form["handling"], "forwarded_to": form["forwarded_to"],
                                         "owner": form["owner"], "due": form["due"], "follow_up": form.bool("follow_up") ? "1" : ""])
            try view.absorb(error, catalogs: catalogs, locale: context.locale)
            return try await render(s, context, form: view, status: .badRequest)
        }
    }

    /// The outcome of a case, and when.
    func settle(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let form = try await FormData.read(request, context)
        let s = try await scope(request, context)
        guard s.keeps else { throw Forbidden() }
        guard let id = context.parameters.get("id", as: Int64.self), let entry = try await store.get(id), entry.unitID == s.unit.id else {
            throw StoreError.notFound("reception_log")
        }
        do {
            guard let day = Day(form["result_day"]) else { throw ValidationErrors([FieldError("result_day", "date_invalid")]) }
            try await store.settle(id, result: form["result"], on: day, version: form.int("version").map(Int.init) ?? -1, today: schedules.today,
                                   by: context.actor)
            return HTMLPage.redirect("/reception?unit=\(s.unit.id)&from=\(s.from)&to=\(s.to)")
        } catch {
            var view = FormView()
            try view.absorb(error, catalogs: catalogs, locale: context.locale)
            return try await render(s, context, form: view, status: .badRequest)
        }
    }

    func workbook(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let s = try await scope(request, context)
        let locale = context.locale
        let entries = try await store.list(unitIDs: [s.unit.id], from: s.from, to: s.to)
        var names: [Int64: String] = [:]
        for id in Set(entries.map(\.record.receiverID)) { names[id] = try await schedules.people.get(id)?.person.fullName }
        var log = XLSXSheet(name: catalogs.text("reception_sheet_log", locale))
        log.title = "\(catalogs.text("reception_title", locale)) · \(s.unit.name) · \(s.from.vietnamese) – \(s.to.vietnamese)"
        log.header = ["field_day", "reception_receiver", "reception_citizen", "reception_address", "reception_citizen_id", "reception_content",
                      "reception_classification", "reception_handling_label", "reception_forwarded_to", "reception_result", "reception_result_day"]
            .map { catalogs.text($0, locale) }
        log.rows = entries.map { e in
            let c = citizen(e.record, keeps: s.keeps), r = e.record
            return [.text(r.day.description), .text(names[r.receiverID] ?? ""), .text(c.name), .text(c.address ?? ""), .text(c.id ?? ""), .text(r.content),
                    .text(catalogs.label("reception_class", r.classification.rawValue, locale)),
                    .text(catalogs.label("reception_handling", r.handling.rawValue, locale)), .text(r.forwardedTo), .text(r.result),
                    .text(r.resultDay?.description ?? "")]
        }
        log.widths = [11, 22, 22, 26, 14, 50, 14, 16, 20, 40, 11]
        let counts = ReceptionCounts(entries.map(\.record))
        var summary = XLSXSheet(name: catalogs.text("reception_sheet_counts", locale))
        summary.title = log.title
        summary.header = [catalogs.text("reception_counts", locale), ""]
        summary.rows = [("reception_count_days", counts.days), ("reception_count_citizens", counts.citizens), ("reception_count_settled", counts.settled)]
            .map { [.text(catalogs.text($0.0, locale)), .number(Double($0.1))] }
            + ReceptionRecord.Classification.allCases.map { [.text(catalogs.label("reception_class", $0.rawValue, locale)), .number(Double(counts.byClassification[$0] ?? 0))] }
            + ReceptionRecord.Handling.allCases.map { [.text(catalogs.label("reception_handling", $0.rawValue, locale)), .number(Double(counts.byHandling[$0] ?? 0))] }
        summary.widths = [40, 12]
        summary.landscape = false
        return try XLSXSheet.response([log, summary], filename: "so-tiep-cong-dan-\(s.unit.code)-\(s.from)-\(s.to).xlsx")
    }
}

/// The reception log of a unit over a period, its counts, and the form to record a reception.
struct ReceptionPage: Page {
    static let template = "reception"
    struct Row: Decodable {
        var id: Int64
        var day: String
        var receiver: String
        var citizen: String
        var address: String?
        var citizen_id: String?
        var content: String
        var classification: String
        var handling: String
        var forwarded: String?
        var result: String?
        var result_day: String?
        var task: Int64?
        var version: Int
        var can_settle: Bool
    }
    struct Count: Decodable { var label: String; var value: Int }
    var form: FormView
    var unit: UnitRef
    var units: [Option]
    var from: String
    var to: String
    var period: String
    var today: String
    var keeps: Bool
    var rows: [Row]
    var has_rows: Bool
    var counts: [Count]
    var receivers: [Option]
    var classes: [Option]
    var handlings: [Option]
    var owners: [Option]
}
