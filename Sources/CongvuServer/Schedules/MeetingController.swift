import CongvuDomain
import CongvuStore
import Foundation
import Hummingbird

/// One schedule entry (`/schedules/{id}`): its details and history of changes, editing (a draft
/// quietly, a published entry as a kept adjustment), and for a meeting between levels the units
/// invited, each marking who attends, the agenda's files, and the secretary's conclusions, each
/// handed on once as a task. The unit whose schedule it is keeps it; an invited unit's office and
/// leaders see it and mark their attendance.
struct MeetingController {
    let schedules: ScheduleServices
    var catalogs: Catalogs { schedules.views.catalogs }
    var store: ScheduleStore { schedules.store }
    var meetings: MeetingStore { schedules.meetings }

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get(":id", use: show)
        group.post(":id/edit", use: edit)
        group.post(":id/attendance", use: attend)
        group.post(":id/files", use: upload)
        group.get(":id/files/:paper", use: download)
        group.post(":id/conclusions", use: conclude)
        group.post(":id/conclusions/:conclusion/task", use: handOn)
    }

    struct Loaded {
        var entry: ScheduleEntry
        var unit: OrgUnit
        var participants: [OrgUnit]
        /// The principal keeps the owning unit's schedule.
        var keeps: Bool
        /// The invited units whose attendance the principal marks.
        var marks: [OrgUnit]
    }

    /// The entry, for whoever keeps its unit's schedule, keeps an invited unit's, or takes part in
    /// it once published (to read); 404 for anyone else.
    func load(_ context: AppRequestContext) async throws -> Loaded {
        let p = try context.signedIn()
        guard let id = context.parameters.get("id", as: Int64.self), let entry = try await store.get(id),
              let unit = try await schedules.units.get(entry.unitID) else { throw StoreError.notFound("schedule_entry") }
        var participants: [OrgUnit] = []
        for u in entry.participantUnits { if let unit = try await schedules.units.get(u) { participants.append(unit) } }
        let keeps = ScheduleServices.keeps(p, unit)
        let marks = entry.status == .draft ? [] : participants.filter { ScheduleServices.keeps(p, $0) }
        let takesPart = entry.status != .draft && p.personID.map(entry.participants.contains) == true
        guard keeps || !marks.isEmpty || takesPart else { throw StoreError.notFound("schedule_entry") }
        return Loaded(entry: entry, unit: unit, participants: participants, keeps: keeps, marks: marks)
    }

    /// Units a meeting may invite: committees, departments, offices and centres of the owning unit's province.
    func invitable(_ unit: OrgUnit) async throws -> [OrgUnit] {
        let root = "/" + (unit.path.split(separator: "/").first.map(String.init) ?? "") + "/"
        return try await schedules.units.list(scopes: [root]).filter {
            $0.id != unit.id && $0.isActive(on: schedules.today) && [.peoplesCommittee, .department, .office, .serviceCentre].contains($0.kind)
        }
    }

    func show(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        try await render(try await load(context), context)
    }

    func render(_ l: Loaded, _ context: AppRequestContext, form: FormView = FormView(), status: HTTPResponse.Status = .ok) async throws -> Response {
        let locale = context.locale
        let e = l.entry
        // The unit's own people (and its departments' heads), read once: the chairs, those taking part.
        let people = try await schedules.owners(in: [l.unit])
        let leaders = people.filter { $0.isLeader && $0.unitID == l.unit.id }
        let chair = e.chairID.flatMap { id in leaders.first { $0.personID == id }?.fullName }
        let changes = try await store.changes(e.id).map {
            Instant.display($0.at) + " · " + $0.actorName + " · " + $0.fields.map { catalogs.label("schedule_field", $0, locale) }.joined(separator: ", ")
        }
        let attendance = try await meetings.attendance(entryID: e.id)
        let units = l.participants.map { u in
            MeetingPage.Invited(id: u.id, name: u.name, attendees: attendance[u.id]?.attendees ?? [], online: attendance[u.id]?.online ?? false,
                                marked: attendance[u.id].map { "\(Instant.display($0.markedAt)) · \($0.markedBy)" },
                                can_mark: l.marks.contains { $0.id == u.id }, text: attendance[u.id]?.attendees.joined(separator: "\n") ?? "")
        }
        let staff = l.keeps ? try await schedules.owners(in: [l.unit] + l.participants) : []
        let conclusions = try await meetings.conclusions(entryID: e.id).map {
            MeetingPage.Conclusion(id: $0.id, text: $0.text, task: $0.taskID, by: "\(Instant.display($0.createdAt)) · \($0.createdBy)")
        }
        let editable = l.keeps && e.status != .cancelled
        // On a private Jitsi each viewer joins with a token of their own (the host's office as moderator).
        let join = try schedules.jitsi.flatMap { try $0.join(e.meetingURL, name: context.principal?.displayName ?? "", moderator: l.keeps) }
        let candidates = editable ? try await invitable(l.unit) : []
        // Who takes part from the unit itself, and which of its departments prepares.
        let names = Dictionary(people.map { ($0.personID, $0.fullName) }, uniquingKeysWith: { a, _ in a })
        let below = try await schedules.units.children(of: l.unit.id).filter { $0.isActive(on: schedules.today) }
        let preparing = e.preparingUnitID.flatMap { id in below.first { $0.id == id }?.name }
        let values = form.values.isEmpty ? ["day": e.day.description, "start": e.start.description, "end": e.end.description, "content": e.content,
                                             "place": e.place, "agenda": e.agenda, "meeting_url": e.meetingURL, "chair": e.chairID.map(String.init) ?? "",
                                             "away": e.away ? "1" : "", "reception": e.reception ? "1" : ""] : form.values
        var view = form
        view.values = values
        return try schedules.views.page(MeetingPage(
            form: view, id: e.id, entry_id: e.id, unit: .init(id: l.unit.id, name: l.unit.name), day: e.day.vietnamese, week: DutyWeek(containing: e.day).start.description,
            time: "\(e.start)–\(e.end)", content: e.content, place: Template.optional(e.place), chair: chair,
            status_label: catalogs.label("schedule_status", e.status.rawValue, locale), cancelled: e.status == .cancelled, reception: e.reception, away: e.away,
            meeting_url: Template.optional(e.meetingURL), join_url: join, agenda: Template.optional(e.agenda), changes: changes, has_changes: !changes.isEmpty,
            invited: units, has_invited: !units.isEmpty, keeps: l.keeps, editable: editable,
            chairs: FormView.options(leaders.map { (value: String($0.personID), label: "\($0.fullName) · \($0.title)") }, selected: values["chair"] ?? ""),
            candidates: candidates.map { u in
                // "Văn phòng HĐND và UBND" is in every commune: say whose.
                let parent = u.kind == .peoplesCommittee ? nil : candidates.first { $0.id == u.parentID }?.name
                return .init(value: String(u.id), label: u.name + (parent.map { " · " + $0 } ?? ""), selected: e.participantUnits.contains(u.id))
            },
            has_candidates: !candidates.isEmpty, version: e.version,
            participants: e.participants.compactMap { names[$0] }, preparing: preparing,
            people: editable ? people.map { .init(value: String($0.personID), label: "\($0.fullName) · \($0.title)", selected: e.participants.contains($0.personID)) } : [],
            preparers: FormView.options(below.map { (value: String($0.id), label: $0.name) }, selected: e.preparingUnitID.map(String.init) ?? ""),
            files: try await meetings.files(entryID: e.id).map { .init(id: $0.id, name: $0.name, by: "\(Instant.display($0.uploadedAt)) · \($0.uploadedBy)") },
            conclusions: conclusions, has_conclusions: !conclusions.isEmpty, can_conclude: l.keeps && e.status == .published,
            owners: FormView.options(staff.map { (value: String($0.personID), label: "\($0.fullName) · \($0.unitName)") }, selected: "")), context, status: status)
    }

    func edit(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let form = try await FormData.read(request, context)
        var l = try await load(context)
        guard l.keeps else { throw Forbidden() }
        do {
            let chair = form.int("chair")
            if let chair, !(try await schedules.posts(l.unit)).contains(where: { $0.isLeader && $0.personID == chair }) {
                throw ValidationErrors([FieldError("chair", "out_of_range")])
            }
            let allowed = Set(try await invitable(l.unit).map(\.id))
            let units = form.all("units").compactMap { Int64($0) }
            let people = Set(try await schedules.owners(in: [l.unit]).map(\.personID))
            let participants = form.all("participants").compactMap { Int64($0) }
            guard participants.allSatisfy(people.contains) else { throw ValidationErrors([FieldError("participants", "out_of_range")]) }
            let preparing = form.int("preparing")
            if let preparing, !(try await schedules.units.children(of: l.unit.id)).contains(where: { $0.id == preparing }) {
                throw ValidationErrors([FieldError("preparing", "out_of_range")])
            }
            guard units.allSatisfy(allowed.contains) else { throw ValidationErrors([FieldError("units", "out_of_range")]) }
            var entry = try ScheduleDraft(day: form["day"], start: form["start"], end: form["end"], content: form["content"], place: form["place"], chairID: chair,
                                          away: form.bool("away"), meetingURL: form["meeting_url"], reception: form.bool("reception"), agenda: form["agenda"],
                                          participantUnits: units).validate(unitID: l.unit.id)
            entry.id = l.entry.id
            entry.participants = Array(Set(participants)).sorted()
            entry.preparingUnitID = preparing
            _ = try await store.update(entry, version: form.int("version").map(Int.init) ?? -1, by: context.actor)
            return HTMLPage.redirect("/schedules/\(l.entry.id)")
        } catch {
            var view = FormView(values: ["day": form["day"], "start": form["start"], "end": form["end"], "content": form["content"], "place": form["place"],
                                         "agenda": form["agenda"], "meeting_url": form["meeting_url"], "chair": form["chair"],
                                         "away": form.bool("away") ? "1" : "", "reception": form.bool("reception") ? "1" : ""])
            try view.absorb(error, catalogs: catalogs, locale: context.locale)
            l.entry = try await store.get(l.entry.id) ?? l.entry
            return try await render(l, context, form: view, status: .badRequest)
        }
    }

    /// An invited unit says who attends for it.
    func attend(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let form = try await FormData.read(request, context)
        let l = try await load(context)
        guard let unit = form.int("unit"), l.marks.contains(where: { $0.id == unit }) else { throw Forbidden() }
        do {
            try await meetings.mark(entryID: l.entry.id, unitID: unit, attendees: try MeetingAttendance.attendees(form["attendees"]), online: form.bool("online"),
                                    by: context.actor)
            return HTMLPage.redirect("/schedules/\(l.entry.id)")
        } catch {
            var view = FormView()
            try view.absorb(error, catalogs: catalogs, locale: context.locale)
            return try await render(l, context, form: view, status: .badRequest)
        }
    }

    /// The agenda's papers: PDF, Word, Excel or a picture, 20 MB each.
    func upload(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let form = try await FormData.read(request, context)
        let l = try await load(context)
        guard l.keeps else { throw Forbidden() }
        do {
            guard let upload = form.files["file"], !upload.content.isEmpty else { throw ValidationErrors([FieldError("file", "required")]) }
            let kind = try UploadedFile.accept(upload.content, kinds: ["pdf", "docx", "xlsx", "jpg", "png"], limit: 20 * 1024 * 1024, field: "file")
            let sha = try schedules.files.write(upload.content)
            let name = (upload.filename as NSString).lastPathComponent.tidied
            try await meetings.attach(entryID: l.entry.id, file: sha + "." + kind.ext, name: name.isEmpty ? "tai-lieu.\(kind.ext)" : name, by: context.actor)
            return HTMLPage.redirect("/schedules/\(l.entry.id)")
        } catch {
            var view = FormView()
            try view.absorb(error, catalogs: catalogs, locale: context.locale)
            return try await render(l, context, form: view, status: .badRequest)
        }
    }

    func download(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let l = try await load(context)
        guard let id = context.parameters.get("paper", as: Int64.self), let file = try await meetings.files(entryID: l.entry.id).first(where: { $0.id == id }),
              let data = schedules.files.read(sha: String(file.file.prefix { $0 != "." })) else { throw StoreError.notFound("meeting_file") }
        return UploadedFile.response(data, name: file.name)
    }

    /// The secretary records a conclusion of a held (published) meeting.
    func conclude(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let form = try await FormData.read(request, context)
        let l = try await load(context)
        guard l.keeps, l.entry.status == .published else { throw Forbidden() }
        do {
            try await meetings.conclude(entryID: l.entry.id, text: form["text"], by: context.actor)
            return HTMLPage.redirect("/schedules/\(l.entry.id)#conclusions")
        } catch {
            var view = FormView(values: ["text": form["text"]])
            try view.absorb(error, catalogs: catalogs, locale: context.locale)
            return try await render(l, context, form: view, status: .badRequest)
        }
    }

    /// A conclusion becomes a task: its lead among the people of the meeting's units, a deadline.
    func handOn(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let form = try await FormData.read(request, context)
        let l = try await load(context)
        guard l.keeps, let assigner = l.entry.chairID ?? context.principal?.personID else { throw Forbidden() }
        guard let cid = context.parameters.get("conclusion", as: Int64.self),
              let c = try await meetings.conclusions(entryID: l.entry.id).first(where: { $0.id == cid }) else { throw StoreError.notFound("meeting_conclusion") }
        do {
            let staff = try await schedules.owners(in: [l.unit] + l.participants)
            let task = try await schedules.taskServices.task(title: c.text, content: "\(l.entry.content) · \(l.entry.day.vietnamese)\n\n\(c.text)",
                                                source: TaskSource(kind: .meeting, reference: l.entry.content, date: l.entry.day, recordType: "meeting_conclusion",
                                                                   recordID: c.id),
                                                owner: form.int("owner"), due: form["due"], assignerID: assigner, staff: staff)
            _ = try await meetings.handOn(conclusionID: c.id, as: task, by: context.actor)
            return HTMLPage.redirect("/schedules/\(l.entry.id)#conclusions")
        } catch {
            var view = FormView()
            try view.absorb(error, catalogs: catalogs, locale: context.locale)
            return try await render(l, context, form: view, status: .badRequest)
        }
    }
}

/// One schedule entry, and the meeting it may be.
struct MeetingPage: Page {
    static let template = "meeting"
    struct Invited: Decodable {
        var id: Int64
        var name: String
        var attendees: [String]
        var online: Bool
        var marked: String?
        var can_mark: Bool
        var text: String
    }
    struct File: Decodable { var id: Int64; var name: String; var by: String }
    struct Conclusion: Decodable { var id: Int64; var text: String; var task: Int64?; var by: String }
    var form: FormView
    var id: Int64
    /// The entry's id again, for forms inside sections whose rows have their own `id`.
    var entry_id: Int64
    var unit: UnitRef
    var day: String
    var week: String
    var time: String
    var content: String
    var place: String?
    var chair: String?
    var status_label: String
    var cancelled: Bool
    var reception: Bool
    var away: Bool
    var meeting_url: String?
    /// The link with the viewer's own token, on a private Jitsi.
    var join_url: String?
    var agenda: String?
    var changes: [String]
    var has_changes: Bool
    var invited: [Invited]
    var has_invited: Bool
    var keeps: Bool
    var editable: Bool
    var chairs: [Option]
    var candidates: [Option]
    var has_candidates: Bool
    var version: Int
    /// The people of the unit taking part (named to those who see the entry, never publicly).
    var participants: [String]
    var preparing: String?
    var people: [Option]
    var preparers: [Option]
    var files: [File]
    var conclusions: [Conclusion]
    var has_conclusions: Bool
    var can_conclude: Bool
    var owners: [Option]
}
