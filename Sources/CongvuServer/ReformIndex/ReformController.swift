import CongvuDomain
import CongvuStore
import Foundation
import Hummingbird

/// The reform index (`/reform`, issue 24). A council (`appraiseReform` over the round's issuing
/// body) opens a year's round on a framework for the units of its scope, appraises, closes and
/// publishes; a unit (`assessReform` over it) self-assesses its manual sub-criteria with evidence
/// and submits, and follows its projected index live all year. A unit never reads another's
/// assessment before publication; published rounds change no more.
struct ReformController {
    let reform: ReformServices
    var catalogs: Catalogs { reform.views.catalogs }
    var store: ReformStore { reform.store }

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get(use: index)
        group.post("rounds", use: openRound)
        group.post("history", use: enterHistory)
        group.get("frameworks/:id", use: frameworkJSON)
        group.get("frameworks/:id/table.xlsx", use: frameworkWorkbook)
        group.get("frameworks/:id/table.csv", use: frameworkCSV)
        group.post("frameworks", use: importFramework)
        group.get("rounds/:id", use: round)
        group.get("rounds/:id/ranking.xlsx", use: rankingWorkbook)
        group.post("rounds/:id/close", use: close)
        group.post("rounds/:id/publish", use: publish)
        group.get("rounds/:id/units/:uid", use: sheet)
        group.get("rounds/:id/units/:uid/sheet.xlsx", use: sheetWorkbook)
        group.get("rounds/:id/units/:uid/measures/:sub", use: drill)
        group.post("rounds/:id/units/:uid/assess", use: assess)
        group.post("rounds/:id/units/:uid/evidence", use: addEvidence)
        group.get("rounds/:id/units/:uid/evidence/:eid", use: evidenceFile)
        group.post("rounds/:id/units/:uid/evidence/:eid/delete", use: removeEvidence)
        group.post("rounds/:id/units/:uid/submit", use: submit)
        group.post("rounds/:id/units/:uid/appraise", use: appraise)
    }

    // MARK: Who may see and do what

    /// A round and whether the principal is its council (appraises over the issuing body).
    struct Seat {
        var round: ReformRound
        var body: OrgUnit
        var council: Bool
        var participants: [ReformParticipant]
        /// The participants the principal assesses (their own units).
        var own: [ReformParticipant]
    }

    func seat(_ context: AppRequestContext) async throws -> Seat {
        let p = try context.signedIn()
        guard let id = context.parameters.get("id").flatMap({ Int64($0) }), let round = try await store.round(id),
              let body = try await reform.units.get(round.bodyID) else { throw StoreError.notFound("reform_round") }
        let participants = try await store.participants(roundID: id)
        let council = p.allows(.appraiseReform, at: body.path)
        let own = participants.filter { p.allows(.assessReform, at: $0.unitPath) }
        guard council || !own.isEmpty else { throw Forbidden() }
        return Seat(round: round, body: body, council: council, participants: participants, own: own)
    }

    /// A unit's sheet in a round: its council, or the unit itself.
    struct UnitSeat {
        var seat: Seat
        var participant: ReformParticipant
        var unit: OrgUnit
        var canAssess: Bool
    }

    func unitSeat(_ context: AppRequestContext) async throws -> UnitSeat {
        let s = try await seat(context)
        guard let unitID = context.parameters.get("uid").flatMap({ Int64($0) }),
              let participant = s.participants.first(where: { $0.unitID == unitID }), let unit = try await reform.units.get(unitID) else {
            throw StoreError.notFound("unit")
        }
        let mine = s.own.contains { $0.unitID == unitID }
        guard s.council || mine else { throw Forbidden() }
        return UnitSeat(seat: s, participant: participant, unit: unit, canAssess: mine)
    }

    /// The issuing bodies where the principal sits on the council: the province, communes and wards,
    /// their People's Committees (which assess their own departments).
    func councilUnits(_ p: Principal) async throws -> [OrgUnit] {
        let kinds: Set<UnitKind> = [.province, .commune, .ward, .specialZone, .peoplesCommittee]
        return try await reform.units.list(scopes: TaskServices.roots(p.scopes(for: .appraiseReform)))
            .filter { $0.isActive(on: reform.today) && kinds.contains($0.kind) }
    }

    // MARK: Index

    func index(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        try await renderIndex(context, form: FormView(values: ["deadline": defaultDeadline.description]))
    }

    var defaultDeadline: Day {
        // Units assess a year in its last weeks and the first weeks of the next.
        Day(year: reform.today.year + 1, month: 1, day: 15)!
    }

    func renderIndex(_ context: AppRequestContext, form: FormView, check: ReformIndexPage.Check? = nil, status: HTTPResponse.Status = .ok) async throws -> Response {
        let p = try context.signedIn(), locale = context.locale
        guard p.holds(.assessReform) || p.holds(.appraiseReform) else { throw Forbidden() }
        var rows: [ReformIndexPage.Round] = []
        for r in try await store.rounds() {
            guard let body = try await reform.units.get(r.bodyID) else { continue }
            let participants = try await store.participants(roundID: r.id)
            let council = p.allows(.appraiseReform, at: body.path)
            let own = participants.filter { p.allows(.assessReform, at: $0.unitPath) }
            guard council || !own.isEmpty else { continue }
            rows.append(.init(id: r.id, year: r.year, title: r.framework.framework.title, body: body.name, status: catalogs.label("reform_status", r.status.rawValue, locale),
                              status_code: r.status.rawValue, deadline: r.deadline.vietnamese, units: participants.count,
                              submitted: participants.filter { $0.submittedAt != nil }.count, example: r.framework.framework.isExample,
                              own: own.map { .init(href: "/reform/rounds/\(r.id)/units/\($0.unitID)", name: $0.unitName) }, council: council))
        }
        let bodies = try await councilUnits(p)
        // For a council: the stored frameworks (to open a round on, or download as JSON, workbook or
        // CSV), the shipped example until it is stored, the units it may assess and enter past years of.
        let frameworks = bodies.isEmpty ? [] : try await store.frameworks()
        func label(_ f: ReformFramework) -> String { "\(f.title) · \(f.year) · v\(f.version)" }
        var choices = frameworks.map { (value: String($0.id), label: label($0.framework)) }
        if !bodies.isEmpty, let example = try? ReformServices.example(),
           !frameworks.contains(where: { $0.framework.code == example.code && $0.framework.version == example.version }) {
            choices.append((value: "example", label: catalogs.text("reform_example_framework", locale, [example.title, String(example.year)])))
        }
        let scope = bodies.isEmpty ? [] : try await reform.units.list(scopes: TaskServices.roots(bodies.map(\.path)))
        let candidates = scope.filter { $0.isActive(on: reform.today) && [.commune, .ward, .specialZone, .department].contains($0.kind) }
        let history = scope.filter { [.commune, .ward, .specialZone, .district, .department].contains($0.kind) }
        let stored = frameworks.map { ReformIndexPage.Framework(id: $0.id, label: label($0.framework), example: $0.framework.isExample) }
        return try reform.views.page(ReformIndexPage(
            form: form, rounds: rows, has_rounds: !rows.isEmpty, council: !bodies.isEmpty, check: check, stored: stored, has_stored: !stored.isEmpty,
            frameworks: FormView.options(choices, selected: form.values["framework"] ?? ""),
            bodies: FormView.options(bodies.map { (value: String($0.id), label: $0.name) }, selected: form.values["body"] ?? ""),
            candidates: candidates.map { .init(id: $0.id, name: $0.name, kind: catalogs.label("unit_kind", $0.kind.rawValue, locale),
                                               checked: $0.kind != .department) },
            history_units: FormView.options(history.map { (value: String($0.id), label: $0.isActive(on: reform.today) ? $0.name : "\($0.name) (\(catalogs.text("reform_former", locale)))") },
                                            selected: form.values["unit"] ?? "")), context, status: status)
    }

    func openRound(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let form = try await FormData.read(request, context), p = try context.signedIn()
        do {
            let bodies = try await councilUnits(p)
            guard let body = form.int("body").flatMap({ id in bodies.first { $0.id == id } }) else { throw ValidationErrors([FieldError("body", "required")]) }
            let framework: StoredFramework
            if form["framework"] == "example" {
                framework = try await store.saveFramework(try ReformServices.example(), by: context.actor)
            } else {
                guard let id = form.int("framework"), let f = try await store.framework(id) else { throw ValidationErrors([FieldError("framework", "required")]) }
                framework = f
            }
            guard let deadline = Day(form["deadline"]) else { throw ValidationErrors([FieldError("deadline", "date_invalid")]) }
            var units: [(unitID: Int64, group: String)] = []
            for id in form.all("units").compactMap({ Int64($0) }) {
                guard let u = try await reform.units.get(id), u.path.hasPrefix(body.path), u.id != body.id else { throw ValidationErrors([FieldError("units", "reform_units")]) }
                units.append((u.id, ReformServices.group(of: u, in: framework.framework)))
            }
            let id = try await store.openRound(frameworkID: framework.id, bodyID: body.id, deadline: deadline, units: units, by: context.actor)
            return HTMLPage.redirect("/reform/rounds/\(id)")
        } catch {
            var view = FormView(values: ["framework": form["framework"], "body": form["body"], "deadline": form["deadline"]])
            try view.absorb(error, catalogs: catalogs, locale: context.locale)
            return try await renderIndex(context, form: view, status: .badRequest)
        }
    }

    /// A past year's result, as its decision printed it (units merged in 2025 keep theirs).
    func enterHistory(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let form = try await FormData.read(request, context), p = try context.signedIn()
        do {
            guard let unitID = form.int("unit"), let unit = try await reform.units.get(unitID), p.allows(.appraiseReform, at: unit.path) else {
                throw ValidationErrors([FieldError("unit", "required")])
            }
            guard let year = Int(form["year"].tidied), let index = Percent(form["index"]) else { throw ValidationErrors([FieldError("index", "reform_index_value")]) }
            let rank = Int(form["rank"].tidied), of = Int(form["of"].tidied)
            if (rank == nil) != (of == nil) { throw ValidationErrors([FieldError("rank", "reform_rank")]) }
            try await store.enterHistory(ReformHistoryEntry(unitID: unit.id, year: year, issuer: form["issuer"], index: index, band: form["band"], rank: rank, of: of),
                                         by: context.actor)
            return HTMLPage.redirect("/reform")
        } catch {
            var view = FormView(values: ["unit": form["unit"], "year": form["year"], "issuer": form["issuer"], "index": form["index"], "band": form["band"],
                                         "rank": form["rank"], "of": form["of"], "deadline": defaultDeadline.description])
            try view.absorb(error, catalogs: catalogs, locale: context.locale)
            return try await renderIndex(context, form: view, status: .badRequest)
        }
    }

    /// A framework version as data (what import and export read and write).
    func frameworkJSON(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let f = try await readableFramework(context)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8",
                                               .contentDisposition: "attachment; filename=\"\(f.framework.code)-v\(f.framework.version).json\""],
                        body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(f.framework))))
    }

    /// The framework as the table a Home Affairs office keeps (`ReformFrameworkTable`), in a workbook.
    func frameworkWorkbook(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let f = try await readableFramework(context).framework
        let rows = ReformFrameworkTable.rows(f)
        var sheet = XLSXSheet(name: catalogs.text("reform_framework", context.locale))
        sheet.header = rows[0]
        sheet.rows = rows.dropFirst().map { $0.map { .text($0) } }
        sheet.widths = [10, 14, 60, 10, 12, 24, 16, 14, 16, 10]
        return try XLSXSheet.response([sheet], filename: "\(f.code)-v\(f.version).xlsx")
    }

    /// The same table as CSV (UTF-8).
    func frameworkCSV(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let f = try await readableFramework(context).framework
        return Response(status: .ok, headers: [.contentType: "text/csv; charset=utf-8", .contentDisposition: "attachment; filename=\"\(f.code)-v\(f.version).csv\""],
                        body: .init(byteBuffer: ByteBuffer(string: CSV.write(ReformFrameworkTable.rows(f)))))
    }

    /// A framework from a workbook or CSV, checked line by line; with `dry_run` only the check is shown.
    func importFramework(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let form = try await FormData.read(request, context), p = try context.signedIn(), locale = context.locale
        guard p.holds(.appraiseReform), !(try await councilUnits(p)).isEmpty else { throw Forbidden() }
        let dryRun = form.bool("dry_run")
        var view = FormView(values: ["deadline": defaultDeadline.description])
        guard let file = form.files["file"], !file.content.isEmpty else {
            view.errors["file"] = catalogs.error("required", locale)
            return try await renderIndex(context, form: view, status: .badRequest)
        }
        let table: (header: [String], rows: [(line: Int, values: [String: String])])
        do {
            if UploadedFile.kind(of: file.content)?.ext == "xlsx" {
                table = CSV.records(table: try XLSXReader.firstSheet(file.content), aliases: ReformFrameworkTable.aliases)
            } else {
                guard let text = String(data: file.content, encoding: .utf8) else { throw ImportFileError(key: "import_not_utf8", line: nil) }
                table = try CSV.records(text, aliases: ReformFrameworkTable.aliases)
            }
        } catch let e as ImportFileError {
            view.errors["file"] = catalogs.error(e.key, locale)
            return try await renderIndex(context, form: view, status: .badRequest)
        } catch {
            view.errors["file"] = catalogs.error("reform_table_unreadable", locale)
            return try await renderIndex(context, form: view, status: .badRequest)
        }
        let parsed = ReformFrameworkTable.parse(table)
        guard let f = parsed.framework else {
            let issues = parsed.issues.prefix(100).map {
                ReformIndexPage.Issue(line: $0.line == 0 ? "–" : String($0.line), field: $0.field, message: catalogs.error($0.key, locale))
            }
            return try await renderIndex(context, form: view, check: .init(title: file.filename, summary: [], issues: issues, stored: false), status: .badRequest)
        }
        let summary = [catalogs.text("reform_check_framework", locale, [f.title, String(f.year), String(f.version), f.issuer]),
                       catalogs.text("reform_check_counts", locale, [String(f.areas.count), String(f.areas.map(\.criteria.count).reduce(0, +)), String(f.subCriteria.count)])]
            + f.peerGroups.map { catalogs.text("reform_check_maximum", locale, [catalogs.label("reform_group", $0, locale), f.maximum(for: $0).description]) }
        if dryRun { return try await renderIndex(context, form: view, check: .init(title: file.filename, summary: summary, issues: [], stored: false)) }
        do {
            _ = try await store.saveFramework(f, by: context.actor)
        } catch {
            try view.absorb(error, catalogs: catalogs, locale: locale)
            if let message = view.errors["version"] { view.errors["file"] = message }
            return try await renderIndex(context, form: view, status: .badRequest)
        }
        return try await renderIndex(context, form: view, check: .init(title: file.filename, summary: summary, issues: [], stored: true))
    }

    /// A stored framework, for the councils and units of the rounds on it; before any round, for any council.
    func readableFramework(_ context: AppRequestContext) async throws -> StoredFramework {
        let p = try context.signedIn()
        guard p.holds(.assessReform) || p.holds(.appraiseReform) else { throw Forbidden() }
        guard let id = context.parameters.get("id").flatMap({ Int64($0) }), let f = try await store.framework(id) else { throw StoreError.notFound("reform_framework") }
        // Read by the councils and units of the rounds on it; before any round, by any council.
        let rounds = try await store.rounds().filter { $0.framework.id == id }
        var readable = rounds.isEmpty && p.holds(.appraiseReform)
        for r in rounds where !readable {
            if let body = try await reform.units.get(r.bodyID), p.allows(.appraiseReform, at: body.path) { readable = true }
            if try await store.participants(roundID: r.id).contains(where: { p.allows(.assessReform, at: $0.unitPath) }) { readable = true }
        }
        guard readable else { throw Forbidden() }
        return f
    }

    // MARK: A round

    /// A unit's line in a round's standings.
    struct Standing {
        var unitID: Int64
        var unit: String
        var group: String
        /// Nil before publication for a reader who is not the council.
        var rank: Int?
        var of: Int?
        var points: Points
        var maximum: Points
        var index: Percent
        var band: String
        var submitted: Bool

        var row: ReformRoundPage.Row {
            .init(unit_id: unitID, unit: unit, group: group, rank: rank.map { "\($0)/\(of ?? 0)" } ?? "–", points: points.description, maximum: maximum.description,
                  index: index.description, band: band, submitted: submitted, width: ReformController.width(index))
        }
    }

    /// The lines the reader may see: everything for the council; before publication, a unit only its own.
    func standings(_ s: Seat) async throws -> [Standing] {
        let f = s.round.framework.framework
        let visible = Set((s.council || s.round.status == .published ? s.participants : s.own).map(\.unitID))
        let bands = Dictionary(f.bands.map { ($0.code, $0.name) }, uniquingKeysWith: { a, _ in a })
        if s.round.status == .published {
            let names = Dictionary(s.participants.map { ($0.unitID, $0.unitName) }, uniquingKeysWith: { a, _ in a })
            return try await store.published(roundID: s.round.id).filter { visible.contains($0.unitID) }.map { r in
                Standing(unitID: r.unitID, unit: names[r.unitID] ?? "", group: r.group, rank: r.rank, of: r.of, points: r.points, maximum: r.maximum,
                         index: r.index, band: bands[r.band] ?? "", submitted: true)
            }
        }
        // Open: today's measures for the units shown (the others, never shown, stand on what is kept).
        let measured = s.round.status == .open ? try await reform.measured(s.round, s.participants.filter { visible.contains($0.unitID) }) : [:]
        return try await store.standings(roundID: s.round.id, measured: measured).filter { visible.contains($0.participant.unitID) }.map { st in
            Standing(unitID: st.participant.unitID, unit: st.participant.unitName, group: st.participant.group, rank: s.council ? st.rank.rank : nil,
                     of: s.council ? st.rank.of : nil, points: st.result.points, maximum: st.result.maximum, index: st.result.index,
                     band: st.result.band?.name ?? "", submitted: st.participant.submittedAt != nil)
        }
    }

    static func width(_ p: Percent) -> Int { max(0, min(100, p.hundredths / 100)) }

    func round(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        try await renderRound(try await seat(context), context, form: FormView(values: ["decision_day": reform.today.description]))
    }

    func renderRound(_ s: Seat, _ context: AppRequestContext, form: FormView, status: HTTPResponse.Status = .ok) async throws -> Response {
        let f = s.round.framework.framework, locale = context.locale
        let rows = try await standings(s).map(\.row)
        return try reform.views.page(ReformRoundPage(
            form: form, id: s.round.id, title: f.title, year: f.year, issuer: f.issuer, body: s.body.name, example: f.isExample,
            status: catalogs.label("reform_status", s.round.status.rawValue, locale), status_code: s.round.status.rawValue,
            deadline: s.round.deadline.vietnamese, decision: s.round.decisionNumber.isEmpty ? nil : s.round.decisionNumber,
            decision_day: s.round.decisionDay?.vietnamese, council: s.council, can_close: s.council && s.round.status == .open,
            can_publish: s.council && s.round.status != .published, version: s.round.version,
            groups: f.peerGroups.map { g in .init(name: catalogs.label("reform_group", g, locale), rows: rows.filter { $0.group == g }) }
                .filter { !$0.rows.isEmpty },
            framework_id: s.round.framework.id, bands: f.bands.map { "\($0.name) ≥ \($0.minimum)%" }.joined(separator: " · ")),
            context, status: status)
    }

    func close(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        _ = try await FormData.read(request, context)
        let s = try await seat(context)
        guard s.council else { throw Forbidden() }
        try await store.close(roundID: s.round.id, measured: try await reform.measured(s.round, s.participants), by: context.actor)
        return HTMLPage.redirect("/reform/rounds/\(s.round.id)")
    }

    func publish(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let form = try await FormData.read(request, context), p = try context.signedIn()
        let s = try await seat(context)
        guard s.council else { throw Forbidden() }
        do {
            guard let day = Day(form["decision_day"]), day <= reform.today else { throw ValidationErrors([FieldError("decision_day", "date_invalid")]) }
            let number = form["decision_number"].tidied
            if number.isEmpty || number.count > 60 { throw ValidationErrors([FieldError("decision_number", "required")]) }
            var round = s.round
            round.decisionNumber = number
            let measured = round.status == .open ? try await reform.measured(round, s.participants) : [:]
            if round.status == .open { try await store.close(roundID: round.id, measured: measured, by: context.actor); round.version += 1 }
            let tasks = try await reform.remediation(round, decisionDay: day, assignerID: p.personID)
            try await store.publish(roundID: round.id, version: round.version, decisionNumber: form["decision_number"], decisionDay: day,
                                    issuer: s.body.name, tasks: tasks, by: context.actor)
            return HTMLPage.redirect("/reform/rounds/\(s.round.id)")
        } catch {
            var view = FormView(values: ["decision_number": form["decision_number"], "decision_day": form["decision_day"]])
            try view.absorb(error, catalogs: catalogs, locale: context.locale)
            return try await renderRound(try await seat(context), context, form: view, status: .badRequest)
        }
    }

    func rankingWorkbook(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let s = try await seat(context), locale = context.locale, f = s.round.framework.framework
        var sheet = XLSXSheet(name: catalogs.text("reform_ranking", locale))
        sheet.title = "\(f.title) · \(s.body.name)\(s.round.decisionNumber.isEmpty ? "" : " · \(s.round.decisionNumber)")"
        sheet.header = ["reform_group", "field_unit", "reform_rank", "reform_points", "reform_maximum", "reform_index", "reform_band"].map { catalogs.text($0, locale) }
        sheet.rows = try await standings(s).map { r in
            [.text(catalogs.label("reform_group", r.group, locale)), .text(r.unit), r.rank.map { .text("\($0)/\(r.of ?? 0)") } ?? .empty,
             .number(Double(r.points.hundredths) / 100), .number(Double(r.maximum.hundredths) / 100), .number(Double(r.index.hundredths) / 100), .text(r.band)]
        }
        sheet.widths = [14, 36, 8, 10, 10, 10, 16]
        return try XLSXSheet.response([sheet], filename: "chi-so-cchc-\(f.year)-\(s.round.id).xlsx")
    }

    // MARK: A unit's sheet

    func sheet(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        try await renderSheet(try await unitSeat(context), context, form: FormView())
    }

    func renderSheet(_ u: UnitSeat, _ context: AppRequestContext, form: FormView, failed: String? = nil, status: HTTPResponse.Status = .ok) async throws -> Response {
        let locale = context.locale, round = u.seat.round, f = round.framework.framework, group = u.participant.group
        let entries = try await reform.entries(round, u.participant)
        let evidence = try await store.evidence(roundID: round.id, unitID: u.unit.id)
        let scores = ReformSheet.scores(f, entries: entries), result = ReformResult(f, group: group, scores: scores)
        let open = round.status == .open && u.participant.submittedAt == nil && reform.today <= round.deadline
        let canAssess = u.canAssess && open
        let canAppraise = u.seat.council && round.status != .published && (round.status == .appraising || u.participant.submittedAt != nil)
        let base = "/reform/rounds/\(round.id)/units/\(u.unit.id)"
        var areas: [ReformSheetPage.Area] = []
        for area in f.areas {
            var criteria: [ReformSheetPage.Criterion] = []
            for c in area.criteria {
                let part = result.criteria.first { $0.code == c.code }
                let items = c.items.filter { $0.applies(to: group) }.map { s -> ReformSheetPage.Item in
                    let e = entries[s.code]
                    var measured: String?, measureCode: String?
                    if case .computed(let scoring) = s.method {
                        measureCode = scoring.measure.rawValue
                        measured = e?.measured.map { v in "\(v.share.map { "\($0)%" } ?? "–") (\(v.numerator)/\(v.denominator))" } ?? "–"
                    }
                    let points = ReformSheet.points(s, e)
                    return .init(
                        code: s.code, name: s.name, maximum: s.maximum.description, method: catalogs.label("reform_method", Self.methodKey(s.method), locale),
                        manual: s.method == .manual, evidence_required: s.evidenceRequired, measured: measured,
                        measure: measureCode.map { catalogs.label("reform_measure", $0, locale) },
                        measure_link: measureCode.map { _ in "\(base)/measures/\(s.code)" },
                        self_points: e?.selfPoints?.description, note: e.flatMap { $0.note.isEmpty ? nil : $0.note },
                        council_points: e?.councilPoints?.description, council_reason: e.flatMap { $0.councilReason.isEmpty ? nil : $0.councilReason },
                        not_applicable: scores.notApplicable.contains(s.code), points: points?.description ?? "–",
                        evidence: evidence.filter { $0.code == s.code }.map { ev in
                            .init(id: ev.id, label: ev.link.isEmpty ? ev.fileName : ev.link, href: ev.link.isEmpty ? "\(base)/evidence/\(ev.id)" : ev.link)
                        },
                        error: failed == s.code ? form.errors.values.sorted().joined(separator: " ") : nil,
                        can_assess: canAssess && s.method == .manual, can_appraise: canAppraise, width: points.map { Self.width(Percent($0, of: s.maximum)) } ?? 0)
                }
                guard !items.isEmpty else { continue }
                criteria.append(.init(code: c.code, name: c.name, points: part?.points.description ?? "0", maximum: part?.maximum.description ?? "0", items: items))
            }
            guard !criteria.isEmpty else { continue }
            let part = result.areas.first { $0.code == area.code }
            areas.append(.init(code: area.code, name: area.name, points: part?.points.description ?? "0", maximum: part?.maximum.description ?? "0",
                               width: part?.share.map(Self.width) ?? 0, criteria: criteria))
        }
        // History: the unit's years and those of the units merged into it.
        let predecessors = try await reform.units.predecessors(of: u.unit.id)
        let names = Dictionary(([u.unit] + predecessors).map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a })
        let history = try await store.history(unitIDs: [u.unit.id] + predecessors.map(\.id)).filter { $0.year < f.year || $0.roundID != round.id }
        let lastYear = history.last { $0.unitID == u.unit.id && $0.year == f.year - 1 }
        let missing = canAssess ? ReformSheet.missing(f, group: group, entries: entries) : []
        let risk = ReformSheet.atRisk(f, group: group, entries: entries).prefix(5).map { r in
            ReformSheetPage.Risk(code: r.code, name: f.subCriteria.first { $0.code == r.code }?.name ?? "", points: r.points.description)
        }
        var published: ReformPublished?
        if round.status == .published { published = try await store.published(roundID: round.id).first { $0.unitID == u.unit.id } }
        return try reform.views.page(ReformSheetPage(
            form: form, round_id: round.id, unit_id: u.unit.id, unit: u.unit.name, title: f.title, year: f.year, example: f.isExample,
            group: catalogs.label("reform_group", group, locale), status: catalogs.label("reform_status", round.status.rawValue, locale),
            status_code: round.status.rawValue, deadline: round.deadline.vietnamese,
            submitted: u.participant.submittedAt.map { Instant.display($0) }, decision: round.decisionNumber.isEmpty ? nil : round.decisionNumber,
            points: result.points.description, maximum: result.maximum.description, index: result.index.description,
            scored: round.status == .published ? nil : ReformSheet.scoredSoFar(f, group: group, entries: entries).map { "\($0.index)% (\($0.points)/\($0.maximum))" },
            band: result.band?.name ?? "–", below_floor: result.belowFloor.isEmpty ? nil : result.belowFloor.joined(separator: ", "),
            rank: published.map { "\($0.rank)/\($0.of)" }, projected: round.status != .published,
            last_year: lastYear.map { "\($0.index)%" }, change: lastYear.map { Self.signed(result.index.hundredths - $0.index.hundredths) },
            areas: areas, risks: Array(risk), has_risks: !risk.isEmpty,
            history: history.map { h in .init(year: h.year, unit: names[h.unitID] ?? "", index: h.index.description, band: h.band,
                                              rank: h.rank.map { "\($0)/\(h.of ?? 0)" }, width: Self.width(h.index)) } +
                [.init(year: f.year, unit: u.unit.name, index: result.index.description, band: result.band?.name ?? "", rank: published.map { "\($0.rank)/\($0.of)" },
                       width: Self.width(result.index))],
            can_assess: canAssess, can_submit: canAssess && missing.isEmpty, missing: missing.isEmpty ? nil : missing.joined(separator: ", "),
            can_appraise: canAppraise, council: u.seat.council), context, status: status)
    }

    static func signed(_ hundredths: Int) -> String {
        (hundredths > 0 ? "+" : hundredths < 0 ? "−" : "±") + Percent(hundredths: abs(hundredths)).description
    }

    static func methodKey(_ m: ReformFramework.Method) -> String {
        switch m {
        case .manual: "manual"
        case .computed: "computed"
        case .survey: "survey"
        case .bonus: "bonus"
        case .penalty: "penalty"
        }
    }

    func sheetWorkbook(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let u = try await unitSeat(context), locale = context.locale, round = u.seat.round, f = round.framework.framework
        let entries = try await reform.entries(round, u.participant)
        let result = ReformResult(f, group: u.participant.group, scores: ReformSheet.scores(f, entries: entries))
        var sheet = XLSXSheet(name: catalogs.text("reform_sheet", locale))
        sheet.title = "\(f.title) · \(u.unit.name) · \(catalogs.text("reform_index", locale)) \(result.index)% (\(result.points)/\(result.maximum))"
        sheet.header = ["reform_code", "reform_criterion", "reform_method", "reform_maximum", "reform_measured", "reform_self_points", "reform_note",
                        "reform_council_points", "reform_council_reason", "reform_points"].map { catalogs.text($0, locale) }
        for area in f.areas {
            sheet.rows.append([.text(area.code), .text(area.name)])
            for c in area.criteria {
                sheet.rows.append([.text(c.code), .text(c.name)])
                for s in c.items where s.applies(to: u.participant.group) {
                    let e = entries[s.code]
                    func n(_ p: Points?) -> XLSXSheet.Cell { p.map { .number(Double($0.hundredths) / 100) } ?? .empty }
                    sheet.rows.append([.text(s.code), .text(s.name), .text(catalogs.label("reform_method", Self.methodKey(s.method), locale)), n(s.maximum),
                                       .text(e?.measured.map { "\($0.numerator)/\($0.denominator)" } ?? ""), n(e?.selfPoints), .text(e?.note ?? ""),
                                       n(e?.councilPoints), .text(e?.councilReason ?? ""), n(ReformSheet.points(s, e))])
                }
            }
        }
        sheet.widths = [8, 50, 12, 8, 12, 10, 30, 10, 30, 8]
        return try XLSXSheet.response([sheet], filename: "chi-so-cchc-\(f.year)-\(u.unit.code.isEmpty ? String(u.unit.id) : u.unit.code).xlsx")
    }

    /// The records behind a computed sub-criterion.
    func drill(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let u = try await unitSeat(context), locale = context.locale, f = u.seat.round.framework.framework
        guard let code = context.parameters.get("sub"), let s = f.subCriteria.first(where: { $0.code == code }), case .computed(let scoring) = s.method else {
            throw StoreError.notFound("reform_criterion")
        }
        let period = ReformMeasures.Period.year(f.year, today: reform.today)
        let records = try await reform.measures.records(scoring.measure, unit: u.unit, period: period)
        let value = try await reform.entries(u.seat.round, u.participant)[code]?.measured
        return try reform.views.page(ReformMeasurePage(
            round_id: u.seat.round.id, unit_id: u.unit.id, unit: u.unit.name, code: s.code, name: s.name,
            measure: catalogs.label("reform_measure", scoring.measure.rawValue, locale), definition: catalogs.label("reform_measure_rule", scoring.measure.rawValue, locale),
            period: "\(period.first.vietnamese) – \(period.cut.vietnamese)",
            value: value.map { v in "\(v.share.map { "\($0)%" } ?? "–") (\(v.numerator)/\(v.denominator))" } ?? "–",
            records: records.map { .init(label: $0.label, detail: $0.detail, met: $0.met, link: $0.link) }, has_records: !records.isEmpty), context)
    }

    // MARK: Changes

    func assess(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let form = try await FormData.read(request, context), u = try await unitSeat(context)
        guard u.canAssess else { throw Forbidden() }
        do {
            guard let points = Points(form["points"]) else { throw ValidationErrors([FieldError("points", "reform_points")]) }
            try await store.assess(roundID: u.seat.round.id, unitID: u.unit.id, code: form["code"], points: points, note: form["note"], on: reform.today, by: context.actor)
            return HTMLPage.redirect("/reform/rounds/\(u.seat.round.id)/units/\(u.unit.id)#c-\(form["code"])")
        } catch {
            return try await refused(error, u, form, context)
        }
    }

    func refused(_ error: any Error, _ u: UnitSeat, _ form: FormData, _ context: AppRequestContext) async throws -> Response {
        var view = FormView()
        try view.absorb(error, catalogs: catalogs, locale: context.locale)
        return try await renderSheet(u, context, form: view, failed: form["code"].isEmpty ? nil : form["code"], status: .badRequest)
    }

    func addEvidence(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let form = try await FormData.read(request, context), u = try await unitSeat(context)
        guard u.canAssess else { throw Forbidden() }
        do {
            let kept = try reform.taskServices.keep(form.files["file"])
            try await store.addEvidence(roundID: u.seat.round.id, unitID: u.unit.id, code: form["code"], file: kept?.sha256 ?? "", fileName: kept?.name ?? "",
                                        link: kept == nil ? form["link"] : "", on: reform.today, by: context.actor)
            return HTMLPage.redirect("/reform/rounds/\(u.seat.round.id)/units/\(u.unit.id)#c-\(form["code"])")
        } catch {
            return try await refused(error, u, form, context)
        }
    }

    func removeEvidence(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let form = try await FormData.read(request, context), u = try await unitSeat(context)
        guard u.canAssess, let id = context.parameters.get("eid").flatMap({ Int64($0) }) else { throw Forbidden() }
        do {
            try await store.removeEvidence(roundID: u.seat.round.id, unitID: u.unit.id, id: id, by: context.actor)
            return HTMLPage.redirect("/reform/rounds/\(u.seat.round.id)/units/\(u.unit.id)")
        } catch {
            return try await refused(error, u, form, context)
        }
    }

    /// An evidence file, for the unit and its council only.
    func evidenceFile(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let u = try await unitSeat(context)
        guard let id = context.parameters.get("eid").flatMap({ Int64($0) }),
              let e = try await store.evidence(roundID: u.seat.round.id, unitID: u.unit.id).first(where: { $0.id == id }), !e.file.isEmpty,
              let data = reform.taskServices.files.read(sha: e.file) else { throw StoreError.notFound("reform_evidence") }
        return UploadedFile.response(data, name: e.fileName)
    }

    func submit(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let form = try await FormData.read(request, context), u = try await unitSeat(context)
        guard u.canAssess else { throw Forbidden() }
        do {
            try await store.submit(roundID: u.seat.round.id, unitID: u.unit.id, on: reform.today, by: context.actor)
            return HTMLPage.redirect("/reform/rounds/\(u.seat.round.id)/units/\(u.unit.id)")
        } catch {
            return try await refused(error, u, form, context)
        }
    }

    func appraise(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let form = try await FormData.read(request, context), u = try await unitSeat(context)
        guard u.seat.council else { throw Forbidden() }
        do {
            let notApplicable = form.bool("not_applicable")
            let points = notApplicable ? nil : Points(form["points"])
            if !notApplicable && points == nil { throw ValidationErrors([FieldError("points", "reform_points")]) }
            try await store.appraise(roundID: u.seat.round.id, unitID: u.unit.id, code: form["code"], points: points, notApplicable: notApplicable,
                                     reason: form["reason"], by: context.actor)
            return HTMLPage.redirect("/reform/rounds/\(u.seat.round.id)/units/\(u.unit.id)#c-\(form["code"])")
        } catch {
            return try await refused(error, u, form, context)
        }
    }
}
