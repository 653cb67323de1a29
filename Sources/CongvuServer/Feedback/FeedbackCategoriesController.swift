import CongvuDomain
import CongvuStore
import Foundation
import Hummingbird

/// The feedback categories, kept as data for the whole province (`/feedback/categories`): each with
/// its answer time in working days, added, renamed, given another time or retired (never deleted:
/// items keep theirs). The system's administrators keep them; every change is audited.
struct FeedbackCategoriesController {
    let feedback: FeedbackServices
    var catalogs: Catalogs { feedback.views.catalogs }

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get("categories", use: list)
        group.post("categories", use: save)
    }

    func keeper(_ context: AppRequestContext) throws {
        guard try context.signedIn().grants.contains(where: { $0.role == .systemAdmin }) else { throw Forbidden() }
    }

    func list(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        try keeper(context)
        return try await render(context, form: FormView())
    }

    func render(_ context: AppRequestContext, form: FormView, status: HTTPResponse.Status = .ok) async throws -> Response {
        let categories = try await feedback.store.categories()
        return try feedback.views.page(FeedbackCategoriesPage(
            form: form, categories: categories.map { .init(code: $0.code, name_vi: $0.nameVi, name_en: $0.nameEn, days: $0.answerDays, active: $0.active) }),
            context, status: status)
    }

    func save(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let form = try await FormData.read(request, context)
        try keeper(context)
        do {
            guard let days = Int(form["answer_days"].trimmingCharacters(in: .whitespaces)) else { throw ValidationErrors([FieldError("answer_days", "number_invalid")]) }
            try await feedback.store.save(FeedbackCategory(code: form["code"], nameVi: form["name_vi"], nameEn: form["name_en"], answerDays: days,
                                                           active: form.bool("active")), by: context.actor)
            return HTMLPage.redirect("/feedback/categories")
        } catch {
            var view = FormView(values: ["code": form["code"], "name_vi": form["name_vi"], "name_en": form["name_en"], "answer_days": form["answer_days"],
                                         "active": form.bool("active") ? "1" : ""])
            try view.absorb(error, catalogs: catalogs, locale: context.locale)
            return try await render(context, form: view, status: .badRequest)
        }
    }
}

/// The categories and the form to add or change one.
struct FeedbackCategoriesPage: Page {
    static let template = "feedback_categories"
    struct Category: Decodable { var code: String; var name_vi: String; var name_en: String; var days: Int; var active: Bool }
    var form: FormView
    var categories: [Category]
}
