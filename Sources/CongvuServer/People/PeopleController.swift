import CongvuDomain
import CongvuStore
import Foundation
import Hummingbird

/// Staff records: search, view with the history of posts, create, edit, move to another unit.
struct PeopleController {
    let services: AppServices
    var catalogs: Catalogs { services.views.catalogs }
    static let pageSize = 50

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get(use: list)
        group.get("new", use: newForm)
        group.post(use: create)
        group.get(":id", use: show)
        group.get(":id/edit", use: editForm)
        group.post(":id", use: update)
        group.post(":id/move", use: move)
        group.get(":id/photo", use: photo)
        group.post(":id/photo", use: uploadPhoto)
    }

    static func summaryRow(_ s: PersonSummary, _ catalogs: Catalogs, _ locale: AppLocale) -> PersonRow {
        PersonRow(id: s.person.id, name: s.person.fullName, title: s.title, unit: s.unitName, unit_id: s.unitID ?? 0,
                  leader: s.isLeader, category: s.category.map { catalogs.label("category", $0.rawValue, locale) } ?? "",
                  phone: s.person.phone)
    }

    func list(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let scopes = try context.scopes(.viewPeople)
        let q = request.uri.queryParameters["q"].map(String.init) ?? ""
        let page = max(1, request.uri.queryParameters["page"].flatMap { Int($0) } ?? 1)
        let result = try await services.people.search(q, scopes: scopes, on: services.today,
                                                      limit: Self.pageSize, offset: (page - 1) * Self.pageSize)
        let pages = max(1, (result.total + Self.pageSize - 1) / Self.pageSize)
        let query = q.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
        return try services.views.page(PeoplePage(
            people: result.items.map { Self.summaryRow($0, catalogs, context.locale) },
            q: q, total: result.total, page: page, pages: pages,
            prev: page > 1 ? "/people?q=\(query)&page=\(page - 1)" : nil,
            next: page < pages ? "/people?q=\(query)&page=\(page + 1)" : nil,
            can_create: try context.signedIn().holds(.editPeople)), context)
    }

    func load(_ context: AppRequestContext) async throws -> PersonRecord {
        guard let id = context.parameters.get("id", as: Int64.self), let record = try await services.people.get(id) else {
            throw StoreError.notFound("person")
        }
        return record
    }

    func show(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        try await renderPerson(try await load(context), context)
    }

    func renderPerson(_ record: PersonRecord, _ context: AppRequestContext, status: HTTPResponse.Status = .ok,
                      move: PersonPage.Move? = nil, moveFailed: Bool = false, photoError: String? = nil) async throws -> Response {
        let p = try context.require(.viewPeople, atAnyOf: record.unitPaths)
        let today = services.today
        let locale = context.locale
        let canEdit = p.allows(.editPeople, atAnyOf: record.unitPaths)
        let person = record.person
        let posts = record.assignments.map { a, unit in
            PersonPage.Post(unit: unit.name, unit_id: unit.id, title: a.title, category: catalogs.label("category", a.category.rawValue, locale),
                            leader: a.isLeader, from: a.validFrom.vietnamese, to: a.validTo?.vietnamese ?? "", current: a.isActive(on: today))
        }
        let shown = PersonPage.Person(
            id: person.id, name: person.fullName, phone: Template.optional(person.phone), email: Template.optional(person.email),
            gender: person.gender.map { catalogs.label("gender", $0.rawValue, locale) },
            birth_date: person.birthDate?.vietnamese,
            // A card number typed at the kiosk punches for its holder: only those who manage the person see it.
            card: Template.optional(canEdit ? person.cardNumber : (person.cardNumber.isEmpty ? "" : "••••")),
            pin: Template.optional(canEdit ? person.terminalPIN : (person.terminalPIN.isEmpty ? "" : "••••")),
            photo: !person.photoPath.isEmpty)
        var move = move
        if canEdit, move == nil {
            move = try await moveForm(context, FormView(values: ["valid_from": today.description]))
        }
        return try services.views.page(PersonPage(person: shown, posts: posts, can_edit: canEdit, move: move, move_failed: moveFailed,
                                                  photo_error: photoError), context, status: status)
    }

    /// Units offered for a post: those where the person may edit staff.
    func unitChoices(_ context: AppRequestContext, selected: String) async throws -> [Option] {
        let units = try await services.units.list(scopes: try context.scopes(.editPeople)).filter { $0.isActive(on: services.today) }
        return FormView.options([(value: "", label: "—")] + units.map { (value: String($0.id), label: $0.name) }, selected: selected)
    }

    func categoryChoices(_ locale: AppLocale, selected: String) -> [Option] {
        FormView.options(StaffCategory.allCases.map { (value: $0.rawValue, label: catalogs.label("category", $0.rawValue, locale)) }, selected: selected)
    }

    func formPage(_ context: AppRequestContext, _ form: FormView, editing: Person?) async throws -> PersonFormPage {
        PersonFormPage(form: form,
                       units: try await unitChoices(context, selected: form.values["unit_id"] ?? ""),
                       categories: categoryChoices(context.locale, selected: form.values["category"] ?? StaffCategory.civilServant.rawValue),
                       genders: FormView.options([(value: "", label: "—")] + Gender.allCases.map { (value: $0.rawValue, label: catalogs.label("gender", $0.rawValue, context.locale)) },
                                                 selected: form.values["gender"] ?? ""),
                       editing: editing.map { .init(id: $0.id, name: $0.fullName) })
    }

    func moveForm(_ context: AppRequestContext, _ form: FormView) async throws -> PersonPage.Move {
        PersonPage.Move(form: form,
                        units: try await unitChoices(context, selected: form.values["unit_id"] ?? ""),
                        categories: categoryChoices(context.locale, selected: form.values["category"] ?? StaffCategory.civilServant.rawValue))
    }

    static let personFields = ["full_name", "gender", "birth_date", "phone", "email", "card_number", "terminal_pin"]
    static let postFields = ["unit_id", "title", "category", "valid_from", "valid_to", "reason"]

    func draft(_ form: FormData) -> PersonDraft {
        PersonDraft(fullName: form["full_name"], gender: form["gender"], birthDate: form["birth_date"], phone: form["phone"],
                    email: form["email"], cardNumber: form["card_number"], terminalPIN: form["terminal_pin"])
    }

    func postDraft(_ form: FormData) -> AssignmentDraft {
        AssignmentDraft(unitID: form.int("unit_id"), title: form["title"], category: form["category"], isLeader: form.bool("is_leader"),
                        validFrom: form["valid_from"], validTo: form["valid_to"])
    }

    /// The unit of a new post must exist and lie where the person may edit staff.
    func checkPostUnit(_ unitID: Int64?, _ context: AppRequestContext) async throws {
        guard let unitID, let unit = try await services.units.get(unitID) else { return }
        guard try context.signedIn().allows(.editPeople, at: unit.path) else {
            throw ValidationErrors([FieldError("unit_id", "unit_out_of_scope")])
        }
    }

    func newForm(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        _ = try context.scopes(.editPeople)
        let form = FormView(values: ["valid_from": services.today.description,
                                     "unit_id": request.uri.queryParameters["unit"].map(String.init) ?? ""])
        return try services.views.page(try await formPage(context, form, editing: nil), context)
    }

    func create(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        _ = try context.scopes(.editPeople)
        let form = try await FormData.read(request, context)
        var view = FormView(values: Dictionary(uniqueKeysWithValues: (Self.personFields + Self.postFields).map { ($0, form[$0]) }))
        view.values["is_leader"] = form.bool("is_leader") ? "1" : ""
        do {
            var errors = ValidationErrors()
            var person: Person?
            var post: Assignment?
            do { person = try draft(form).validate(today: services.today) } catch let e as ValidationErrors { errors.errors += e.errors }
            do { post = try postDraft(form).validate(personID: 0) } catch let e as ValidationErrors { errors.errors += e.errors }
            try errors.throwIfAny()
            try await checkPostUnit(post!.unitID, context)
            let created = try await services.people.create(person!, assignment: post!, by: context.actor, reason: form["reason"].tidied)
            return HTMLPage.redirect("/people/\(created.id)")
        } catch {
            try view.absorb(error, catalogs: catalogs, locale: context.locale)
            return try services.views.page(try await formPage(context, view, editing: nil), context, status: .badRequest)
        }
    }

    func editForm(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let record = try await load(context)
        try context.require(.editPeople, atAnyOf: record.unitPaths)
        let p = record.person
        let form = FormView(values: ["full_name": p.fullName, "gender": p.gender?.rawValue ?? "", "birth_date": p.birthDate?.description ?? "",
                                     "phone": p.phone, "email": p.email, "card_number": p.cardNumber, "terminal_pin": p.terminalPIN])
        return try services.views.page(try await formPage(context, form, editing: p), context)
    }

    func update(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let record = try await load(context)
        try context.require(.editPeople, atAnyOf: record.unitPaths)
        let form = try await FormData.read(request, context)
        var view = FormView(values: Dictionary(uniqueKeysWithValues: (Self.personFields + ["reason"]).map { ($0, form[$0]) }))
        do {
            let reason = try requireReason(form)
            var person = try draft(form).validate(today: services.today)
            person.id = record.person.id
            person.photoPath = record.person.photoPath
            try await services.people.update(person, by: context.actor, reason: reason)
            return HTMLPage.redirect("/people/\(person.id)")
        } catch {
            try view.absorb(error, catalogs: catalogs, locale: context.locale)
            return try services.views.page(try await formPage(context, view, editing: record.person), context, status: .badRequest)
        }
    }

    static let photoLimit = 2 * 1024 * 1024

    var photoDirectory: String { (services.config.dataDirectory as NSString).appendingPathComponent("photos") }

    /// The photo is served only to those who may see the person.
    func photo(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let record = try await load(context)
        try context.require(.viewPeople, atAnyOf: record.unitPaths)
        let name = record.person.photoPath
        guard !name.isEmpty, let data = FileManager.default.contents(atPath: (photoDirectory as NSString).appendingPathComponent(name)) else {
            throw StoreError.notFound("photo")
        }
        return Response(status: .ok, headers: [.contentType: name.hasSuffix(".png") ? "image/png" : "image/jpeg", .cacheControl: "private, max-age=300"],
                        body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// A JPEG or PNG of at most 2 MiB, recognised by its first bytes, not by its name.
    func uploadPhoto(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let record = try await load(context)
        try context.require(.editPeople, atAnyOf: record.unitPaths)
        let form = try await FormData.read(request, context)
        func refuse(_ key: String) async throws -> Response {
            try await renderPerson(record, context, status: .badRequest, photoError: catalogs.error(key, context.locale))
        }
        guard let file = form.files["photo"], !file.content.isEmpty else { return try await refuse("required") }
        guard let ext = UploadedFile.kind(of: file.content)?.ext, ext != "pdf" else { return try await refuse("photo_type") }
        guard file.content.count <= Self.photoLimit else { return try await refuse("photo_too_large") }
        let name = "\(record.person.id)-\(Token.random(bytes: 8)).\(ext)"
        try UploadedFile.save(file.content, directory: photoDirectory, name: name)
        try await services.people.setPhoto(personID: record.person.id, file: name, by: context.actor)
        return HTMLPage.redirect("/people/\(record.person.id)")
    }

    /// A move ends the current post the day before the new one starts; the history keeps both.
    func move(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let record = try await load(context)
        try context.require(.editPeople, atAnyOf: record.unitPaths)
        let form = try await FormData.read(request, context)
        var view = FormView(values: Dictionary(uniqueKeysWithValues: Self.postFields.map { ($0, form[$0]) }))
        do {
            let reason = try requireReason(form)
            let post = try postDraft(form).validate(personID: record.person.id)
            try await checkPostUnit(post.unitID, context)
            try await services.people.move(personID: record.person.id, to: post, by: context.actor, reason: reason)
            return HTMLPage.redirect("/people/\(record.person.id)")
        } catch {
            try view.absorb(error, catalogs: catalogs, locale: context.locale)
            return try await renderPerson(record, context, status: .badRequest, move: try await moveForm(context, view), moveFailed: true)
        }
    }
}
