import CongvuDomain
import CongvuStore
import CongvuTerminals
import Foundation
import Hummingbird

/// Attendance for leaders, the office and inspectors (a unit's day, the unknown cards, the
/// unit's rules) and for everyone about themselves (a month, a day with its punches, the
/// verdict's history and the explanation case).
struct AttendanceController {
    let services: AppServices
    var catalogs: Catalogs { services.views.catalogs }
    var verdicts: VerdictStore { services.attendance.verdicts }

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get(use: daily)
        group.get("me", use: me)
        group.get("person/:id", use: month)
        group.get("person/:id/day/:day", use: dayView)
        group.post("person/:id/day/:day/punches", use: manualPunch)
        group.get("punches/:id/photo", use: punchPhoto)
        group.get("punches/:id/snapshot", use: punchSnapshot)
        group.get("cards", use: cards)
        group.post("cards/link", use: linkCard)
        group.post("held/:id", use: reviewHeld)
        group.get("policy", use: policy)
        group.post("policy", use: savePolicy)
    }

    static let order: [DayVerdict.Status] = [.absent, .halfDayAbsent, .lateAndLeftEarly, .late, .leftEarly, .missingPunch, .excused,
                                             .onTime, .pending, .holiday, .notScheduled]

    func time(_ date: Date?) -> String? { date.map { Instant.clock($0) } }

    // MARK: A unit's day

    func daily(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let (unit, units) = try await services.attendance.unitSelection(request, context)
        var day = request.uri.queryParameters["day"].flatMap { Day(String($0)) } ?? services.today
        if !(1990...2100).contains(day.year) { day = services.today }
        let t = AttendanceText(catalogs: catalogs, locale: context.locale)
        let sheet = try await verdicts.sheet(unit: unit, days: [day])
        let cases = try await services.attendance.explanations.byDay(personIDs: sheet.people.map(\.personID), first: day, last: day)
        let rows = sheet.people.compactMap { p in sheet.verdict(p.personID, day).map { (p, $0) } }
            .sorted { (Self.order.firstIndex(of: $0.1.status)!, $0.0.fullName) < (Self.order.firstIndex(of: $1.1.status)!, $1.0.fullName) }
        var counts: [DayVerdict.Status: Int] = [:]
        for r in rows { counts[r.1.status, default: 0] += 1 }
        let unexplained = rows.filter { $0.1.needsExplanation && cases[$0.0.personID]?[day].map { $0.status == .open } ?? true }.count
        return try services.views.page(AttendancePage(
            unit: .init(id: unit.id, name: unit.name), day: day.description, day_vn: day.vietnamese,
            prev: day.previous.description, next: day.next.description, units: units,
            counts: Self.order.compactMap { s in counts[s].map { AttendancePage.Count(status: s.rawValue, label: t.verdict(s), count: $0) } },
            unexplained: unexplained,
            rows: rows.map { (p, v) in
                let c = cases[p.personID]?[day]
                return AttendancePage.Row(
                    id: p.personID, name: p.fullName, title: p.title, status: v.status.rawValue, label: t.verdict(v.status),
                    in: time(v.checkIn), out: time(v.checkOut), reasons: Template.optional(t.reasons(v)), day: day.description,
                    case: c.map { .init(status: $0.status.rawValue, label: catalogs.label("explanation_status", $0.status.rawValue, context.locale), id: $0.id) },
                    can_open: c == nil && v.needsExplanation && day < services.today)
            },
            has_rows: !rows.isEmpty), context)
    }

    // MARK: A person's month and day

    func me(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        guard let id = try context.signedIn().personID else { throw StoreError.notFound("person") }
        return HTMLPage.redirect("/attendance/person/\(id)")
    }

    func month(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let record = try await services.attendance.person(context.parameters.get("id", as: Int64.self), context)
        let month = request.uri.queryParameters["month"].flatMap { Month(String($0)) } ?? Month(services.today)
        let t = AttendanceText(catalogs: catalogs, locale: context.locale)
        let days = month.days.filter { $0 <= services.today }
        let computed = try await verdicts.refresh(personIDs: [record.person.id], days: days, cause: "review")[record.person.id] ?? [:]
        let cases = try await services.attendance.explanations.byDay(personIDs: [record.person.id], first: month.first, last: month.last)[record.person.id] ?? [:]
        var totals = Timesheet.Totals()
        let rows = days.reversed().compactMap { day -> AttendancePersonPage.Row? in
            guard let v = computed[day] else { return nil }
            totals.add(v)
            return AttendancePersonPage.Row(
                day: day.description, day_vn: day.vietnamese,
                weekday: catalogs.text("weekday_\(HolidayRules.weekday(day) == 0 ? 7 : HolidayRules.weekday(day))", context.locale),
                status: v.status.rawValue, label: t.verdict(v.status), code: Timesheet.code(v),
                in: time(v.checkIn), out: time(v.checkOut), reasons: Template.optional(t.reasons(v)),
                case: cases[day].map { catalogs.label("explanation_status", $0.status.rawValue, context.locale) },
                quiet: v.status == .notScheduled || v.status == .holiday)
        }
        return try services.views.page(AttendancePersonPage(
            person: .init(id: record.person.id, name: record.person.fullName, title: record.assignments.first?.assignment.title ?? ""),
            month: month.description, month_vn: month.vietnamese, prev: month.previous.description,
            next: month.next.description, rows: rows, has_rows: !rows.isEmpty,
            totals: .init(scheduled: totals.scheduled, worked: Self.number(totals.worked), excused: totals.excused,
                          absent: Self.number(totals.absent), late: totals.lateCount, late_minutes: totals.lateMinutes,
                          early: totals.earlyCount, missing: totals.missingPunches)), context)
    }

    static func number(_ x: Double) -> String { x == x.rounded() ? String(Int(x)) : String(format: "%.1f", x) }

    func dayParameter(_ context: AppRequestContext) throws -> Day {
        guard let text = context.parameters.get("day"), let day = Day(text), (1990...2100).contains(day.year) else { throw StoreError.notFound("day") }
        return day
    }

    /// A terminal's photo of a punch: shown to whoever may see that person's attendance.
    func punchPhoto(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        guard let id = context.parameters.get("id", as: Int64.self), let punch = try await services.attendance.punches.punch(id: id),
              let personID = punch.personID else { throw StoreError.notFound("photo") }
        _ = try await services.attendance.person(personID, context)
        guard let jpeg = try await services.attendance.photos.photo(key: punch.key) else { throw StoreError.notFound("photo") }
        return Response(status: .ok, headers: [.contentType: "image/jpeg", .cacheControl: "private, max-age=86400"],
                        body: .init(byteBuffer: ByteBuffer(bytes: jpeg)))
    }

    /// The entrance camera's picture of a punch: for whoever may see that person's attendance and
    /// holds the playback right on that camera.
    func punchSnapshot(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        guard let id = context.parameters.get("id", as: Int64.self), let punch = try await services.attendance.punches.punch(id: id),
              let personID = punch.personID else { throw StoreError.notFound("snapshot") }
        _ = try await services.attendance.person(personID, context)
        guard let (camera, sha) = try await services.video.cameras.snapshot(punchKey: punch.key) else { throw StoreError.notFound("snapshot") }
        _ = try await services.video.camera(camera, context, needing: .playback)
        guard let jpeg = services.video.hub.snapshots.jpeg(sha: sha) else { throw StoreError.notFound("snapshot") }
        return Response(status: .ok, headers: [.contentType: "image/jpeg", .cacheControl: "private, max-age=86400"],
                        body: .init(byteBuffer: ByteBuffer(bytes: jpeg)))
    }

    func dayView(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let record = try await services.attendance.person(context.parameters.get("id", as: Int64.self), context)
        return try await renderDay(record, try dayParameter(context), context)
    }

    func renderDay(_ record: PersonRecord, _ day: Day, _ context: AppRequestContext, status: HTTPResponse.Status = .ok,
                   form: FormView = FormView()) async throws -> Response {
        let p = try context.signedIn()
        let locale = context.locale
        let t = AttendanceText(catalogs: catalogs, locale: locale)
        let id = record.person.id
        let from = CivilTime.startOfDay(day)
        let punches = try await services.attendance.punches.punches(personID: id, from: from, to: from.addingTimeInterval(86400), includeFlagged: true)
        let verdict = try await verdicts.refresh(personIDs: [id], days: [day], cause: "review")[id]?[day]
        let history = try await verdicts.history(personID: id, day: day)
        let absences = try await services.attendance.absences.requests(personID: id, from: from, to: from.addingTimeInterval(86400))
        let explanation = try await services.attendance.explanations.byDay(personIDs: [id], first: day, last: day)[id]?[day]
        let canEdit = p.allows(.editPeople, atAnyOf: record.unitPaths)
        let photos = try await services.attendance.photos.keysWithPhotos(punches.filter { $0.punch.source == .terminal }.map(\.key))
        // The entrance cameras' pictures, where the viewer may play that camera back.
        var snapshots: Set<String> = []
        var playable: [Int64: Bool] = [:]
        for (key, camera) in try await services.video.cameras.snapshots(punchKeys: punches.filter { $0.punch.source == .terminal }.map(\.key)) {
            if playable[camera] == nil { playable[camera] = try await services.video.cameras.rights(of: p, camera: camera)?.1.contains(.playback) ?? false }
            if playable[camera] == true { snapshots.insert(key) }
        }
        let alerts = try await services.terminals.alerts.touching(personID: id, day: day, devices: Array(Set(punches.map(\.device))))
        return try services.views.page(AttendanceDayPage(
            form: form,
            person: .init(id: id, name: record.person.fullName), day: day.description, day_vn: day.vietnamese,
            month: Month(day).description, prev: day.previous.description, next: day.next.description,
            verdict: verdict.map { v in
                .init(status: v.status.rawValue, label: t.verdict(v.status), reasons: Template.optional(t.reasons(v)),
                      in: time(v.checkIn), out: time(v.checkOut))
            },
            punches: punches.map { s in
                .init(time: Instant.clock(s.punch.at), source: catalogs.label("punch_source", s.punch.source.rawValue, locale),
                      method: catalogs.label("punch_method", s.punch.method.rawValue, locale), device: Template.optional(s.device),
                      queued: s.queued, manual: s.punch.source == .manual, note: Template.optional(s.note),
                      flag: s.flag == .none ? nil : catalogs.label("punch_flag", s.flag.rawValue, locale),
                      received: s.receivedAt.timeIntervalSince(s.punch.at) > 120 ? Instant.display(s.receivedAt) : nil,
                      photo: photos.contains(s.key) ? "/attendance/punches/\(s.id)/photo" : nil,
                      snapshot: snapshots.contains(s.key) ? "/attendance/punches/\(s.id)/snapshot" : nil)
            },
            has_punches: !punches.isEmpty,
            has_terminal_alerts: !alerts.isEmpty,
            terminal_alerts: alerts.map { a in
                .init(kind: catalogs.text("terminal_alert_\(a.kind.rawValue)", locale), at: Instant.display(a.occurredAt), detail: a.detail,
                      serial: a.serial, resolved: a.resolvedAt != nil, resolution: a.resolution)
            },
            absences: absences.map { a in
                .init(kind: catalogs.label("absence_kind", a.kind.rawValue, locale), place: Template.optional(a.place), purpose: a.purpose,
                      from: Instant.display(a.from), to: Instant.display(a.to), status: catalogs.label("absence_status", a.status.rawValue, locale))
            },
            history: history.map { h in
                .init(at: Instant.display(h.at), label: t.verdict(h.status), cause: t.cause(h.cause),
                      reasons: Template.optional(h.reasons.map(t.reason).joined(separator: "; ")))
            },
            has_history: history.count > 1,
            explanation: explanation.map { ExplanationsController.view($0, catalogs: catalogs, locale: locale, now: Date()) },
            can_open: explanation == nil && (verdict?.needsExplanation ?? false) && day < services.today,
            can_punch: canEdit), context, status: status)
    }

    /// The office records a punch a person could not make (a broken terminal, a forgotten card),
    /// with a reason; it is shown as manual everywhere and audited.
    func manualPunch(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let record = try await services.attendance.person(context.parameters.get("id", as: Int64.self), context)
        let day = try dayParameter(context)
        try context.require(.editPeople, atAnyOf: record.unitPaths)
        let form = try await FormData.read(request, context)
        var view = FormView(values: ["time": form["time"], "reason": form["reason"]])
        do {
            var errors = ValidationErrors()
            let at = Instant.parseLocal("\(day.description) \(form["time"].trimmingCharacters(in: .whitespaces))")
            if at == nil { errors.add("time", "time_invalid") } else if at! > Date() { errors.add("time", "time_in_future") }
            if form["reason"].tidied.count < 3 { errors.add("reason", "reason_required") }
            try errors.throwIfAny()
            _ = try await services.attendance.punches.record(
                PunchInput(personID: record.person.id, at: at!, source: .manual, method: .manual, device: "", note: form["reason"]), by: context.actor)
            await services.attendance.announce(personIDs: [record.person.id])
            return HTMLPage.redirect("/attendance/person/\(record.person.id)/day/\(day)")
        } catch {
            try view.absorb(error, catalogs: catalogs, locale: context.locale)
            return try await renderDay(record, day, context, status: .badRequest, form: view)
        }
    }

    // MARK: Unknown cards

    /// Cards read at a kiosk and terminal PINs that no person holds: visible to those who edit
    /// people where the kiosk or terminal stands. `value` names one in the link form.
    func visibleCards(_ context: AppRequestContext) async throws -> [(value: String, card: String, punches: Int, last: Date, kiosk: String)] {
        let p = try context.signedIn()
        let scopes = try context.scopes(.editPeople)
        let kiosks = Dictionary(uniqueKeysWithValues: try await services.attendance.kiosks.list(scopes: scopes).map { ("kiosk:\($0.id)", $0) })
        let terminals = Dictionary(uniqueKeysWithValues: try await services.terminals.terminals.list()
            .filter { t in t.unitPath.map { path in scopes.contains { path.hasPrefix($0) } } ?? false }.map { ("terminal:\($0.serial)", $0) })
        return try await services.attendance.punches.unknownCards().compactMap { c in
            if !c.pin.isEmpty {
                guard let t = terminals[c.device] else { return nil }
                return ("pin:\(c.pin)@\(c.device)", "PIN \(c.pin)", c.punches, c.last, "\(t.serial) \(t.location) · \(t.unitName ?? "")")
            }
            if let k = kiosks[c.device] { return (c.card, c.card, c.punches, c.last, "\(k.name) · \(k.unitName)") }
            return p.roles.contains(.systemAdmin) && !c.card.isEmpty ? (c.card, c.card, c.punches, c.last, c.device) : nil
        }
    }

    func cards(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        try await renderCards(context)
    }

    func renderCards(_ context: AppRequestContext, status: HTTPResponse.Status = .ok, form: FormView = FormView()) async throws -> Response {
        let p = try context.signedIn()
        let list = try await visibleCards(context)
        let people = try await services.people.search("", scopes: p.scopes(for: .editPeople), on: services.today, limit: 2000).items
        let held = try await services.attendance.punches.held(scopes: p.scopes(for: .editPeople))
        return try services.views.page(AttendanceCardsPage(
            form: form,
            held: held.map { h in
                .init(id: h.punch.id, person: h.personName, person_id: h.punch.personID ?? 0, at: Instant.display(h.punch.punch.at),
                      received: Instant.display(h.punch.receivedAt), device: h.punch.device, pin: Template.optional(h.pin),
                      why: catalogs.label("punch_flag", h.punch.flag.rawValue, context.locale))
            },
            has_held: !held.isEmpty,
            cards: list.map { .init(value: $0.value, card: $0.card, punches: $0.punches, last: Instant.display($0.last), where: $0.kiosk) },
            has_cards: !list.isEmpty,
            people: FormView.options(people.map { (value: String($0.person.id), label: "\($0.person.fullName) · \($0.title)") },
                                     selected: form.values["person"] ?? "")), context, status: status)
    }

    func linkCard(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let form = try await FormData.read(request, context)
        var view = FormView(values: ["card": form["card"], "person": form["person"], "reason": form["reason"]])
        do {
            guard try await visibleCards(context).contains(where: { $0.value == form["card"] }) else { throw StoreError.notFound("card") }
            guard let personID = form.int("person"), let record = try await services.people.get(personID) else {
                throw ValidationErrors([FieldError("person", "required")])
            }
            try context.require(.editPeople, atAnyOf: record.unitPaths)
            let punches = services.attendance.punches
            let value = form["card"]
            if value.hasPrefix("pin:"), let at = value.firstIndex(of: "@") {
                _ = try await punches.linkPIN(String(value[value.index(value.startIndex, offsetBy: 4)..<at]), device: String(value[value.index(after: at)...]),
                                             to: personID, by: context.actor, reason: try requireReason(form))
            } else {
                _ = try await punches.linkCard(value, to: personID, by: context.actor, reason: try requireReason(form))
            }
            await services.attendance.announce(personIDs: [personID])
            return HTMLPage.redirect("/attendance/cards")
        } catch {
            try view.absorb(error, catalogs: catalogs, locale: context.locale)
            return try await renderCards(context, status: .badRequest, form: view)
        }
    }

    /// The office accepts a held punch (it counts from now on) or refuses it (it stays held).
    func reviewHeld(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let form = try await FormData.read(request, context)
        guard let id = context.parameters.get("id", as: Int64.self),
              let held = try await services.attendance.punches.held(scopes: try context.scopes(.editPeople), id: id).first,
              let personID = held.punch.personID else { throw StoreError.notFound("punch") }
        do {
            _ = try await services.attendance.punches.review(id, accept: form["decision"] == "accept", by: context.actor, note: form["reason"])
            await services.attendance.announce(personIDs: [personID])
            return HTMLPage.redirect("/attendance/cards#held")
        } catch {
            var view = FormView(values: ["reason": form["reason"]])
            try view.absorb(error, catalogs: catalogs, locale: context.locale)
            return try await renderCards(context, status: .badRequest, form: view)
        }
    }

    // MARK: Rules

    func policy(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let (unit, units) = try await services.attendance.unitSelection(request, context, .viewAttendance)
        return try await renderPolicy(unit, units, context)
    }

    func renderPolicy(_ unit: OrgUnit, _ units: [Option], _ context: AppRequestContext, status: HTTPResponse.Status = .ok,
                      form: FormView? = nil) async throws -> Response {
        let p = try context.signedIn()
        let store = services.attendance.policies
        let stored = try await store.policies(for: unit)
        let current = try await store.resolver(for: unit).policy(on: services.today)
        let names = Dictionary(try await services.units.ancestors(of: unit).map { ($0.id, $0.name) } + [(unit.id, unit.name)], uniquingKeysWith: { a, _ in a })
        let view = form ?? FormView(values: [
            "valid_from": services.today.description, "derivation": current.derivation.rawValue, "grace_minutes": String(current.graceMinutes),
            "collapse_seconds": String(current.collapseSeconds), "window_minutes": String(current.windowMinutes),
            "half_day_minutes": String(current.halfDayMinutes), "absent_below_minutes": String(current.absentBelowMinutes),
            "explanation_days": String(current.explanationDays), "typed_cards": current.typedCards.rawValue,
        ])
        return try services.views.page(AttendancePolicyPage(
            form: view, unit: .init(id: unit.id, name: unit.name), units: units,
            derivations: FormView.options([AttendancePolicy.Derivation.perDay, .perSession].map {
                (value: $0.rawValue, label: catalogs.label("derivation", $0.rawValue, context.locale))
            }, selected: view.values["derivation"] ?? ""),
            typed_cards: FormView.options(AttendancePolicy.TypedCards.allCases.map {
                (value: $0.rawValue, label: catalogs.label("typed_cards", $0.rawValue, context.locale))
            }, selected: view.values["typed_cards"] ?? ""),
            stored: stored.map { s in
                .init(unit: names[s.unitID] ?? "#\(s.unitID)", from: s.validFrom.vietnamese,
                      derivation: catalogs.label("derivation", s.policy.derivation.rawValue, context.locale),
                      grace: s.policy.graceMinutes, half_day: s.policy.halfDayMinutes, explanation_days: s.policy.explanationDays,
                      typed_cards: catalogs.label("typed_cards", s.policy.typedCards.rawValue, context.locale))
            },
            has_stored: !stored.isEmpty,
            can_edit: p.allows(.editOrganisation, at: unit.path)), context, status: status)
    }

    func savePolicy(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let form = try await FormData.read(request, context)
        let (unit, units) = try await services.attendance.unitSelection(request, context, .viewAttendance, form: form)
        try context.require(.editOrganisation, atAnyOf: [unit.path])
        let fields = ["valid_from", "derivation", "grace_minutes", "collapse_seconds", "window_minutes", "half_day_minutes",
                      "absent_below_minutes", "explanation_days", "typed_cards", "reason"]
        var view = FormView(values: Dictionary(uniqueKeysWithValues: fields.map { ($0, form[$0]) }))
        do {
            var policy: AttendancePolicy?
            var errors = ValidationErrors()
            do {
                policy = try AttendancePolicy.validate(derivation: form["derivation"], grace: form["grace_minutes"], collapse: form["collapse_seconds"],
                                                       window: form["window_minutes"], halfDay: form["half_day_minutes"],
                                                       absentBelow: form["absent_below_minutes"], explanationDays: form["explanation_days"],
                                                       typedCards: form["typed_cards"])
            } catch let e as ValidationErrors { errors.errors += e.errors }
            let from = Day(form["valid_from"])
            if from == nil { errors.add("valid_from", "date_invalid") }
            if form["reason"].tidied.count < 3 { errors.add("reason", "reason_required") }
            try errors.throwIfAny()
            try await services.attendance.policies.set(unitID: unit.id, from: from!, policy: policy!, by: context.actor, reason: form["reason"])
            return HTMLPage.redirect("/attendance/policy?unit=\(unit.id)")
        } catch {
            try view.absorb(error, catalogs: catalogs, locale: context.locale)
            return try await renderPolicy(unit, units, context, status: .badRequest, form: view)
        }
    }
}
