import CongvuDomain
import CongvuStore
import Foundation
import Hummingbird
import Synchronization

/// Imports running in the background, so that a long file shows its progress while it runs.
public final class ImportJobs: Sendable {
    public struct Job: Sendable {
        public var id: String
        public var ownerID: Int64
        public var kind: String
        public var dryRun: Bool
        public var done = 0
        public var total = 0
        public var report: ImportReport?
        /// A catalog error key when the file itself could not be read.
        public var failure: String?
        public var finished: Bool { report != nil || failure != nil }
    }

    private let jobs = Mutex<[String: Job]>([:])

    public init() {}

    func start(owner: Int64, kind: String, dryRun: Bool, work: @escaping @Sendable (@escaping ImportStore.Progress) async throws -> ImportReport) -> String {
        let id = Token.random(bytes: 12)
        jobs.withLock { $0[id] = Job(id: id, ownerID: owner, kind: kind, dryRun: dryRun) }
        Task {
            do {
                let report = try await work { done, total in
                    self.jobs.withLock { $0[id]?.done = done; $0[id]?.total = total }
                }
                jobs.withLock { $0[id]?.report = report }
            } catch let e as ImportFileError {
                jobs.withLock { $0[id]?.failure = e.key }
            } catch {
                jobs.withLock { $0[id]?.failure = "import_failed" }
            }
        }
        return id
    }

    public func job(_ id: String) -> Job? { jobs.withLock { $0[id] } }

    /// Waits until the job finishes (for the command line and tests).
    public func wait(_ id: String) async -> Job? {
        while let job = job(id), !job.finished { try? await Task.sleep(for: .milliseconds(20)) }
        return job(id)
    }
}

/// Upload a CSV of people or units, check it (dry run) and import it.
struct ImportController {
    let services: AppServices
    var catalogs: Catalogs { services.views.catalogs }

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get(use: page)
        group.post(use: start)
        group.get("jobs/:id", use: job)
    }

    func page(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        _ = try context.scopes(.importData)
        return try services.views.page("import", context, ["kinds": kinds(context.locale, selected: "people")])
    }

    func kinds(_ locale: AppLocale, selected: String) -> [[String: Any]] {
        FormView.options([(value: "people", label: catalogs.text("import_kind_people", locale)),
                          (value: "units", label: catalogs.text("import_kind_units", locale))], selected: selected)
    }

    func start(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let scopes = try context.scopes(.importData)
        let form = try await FormData.read(request, context)
        let kind = form["kind"] == "units" ? "units" : "people"
        let dryRun = form.bool("dry_run")
        var text = form["text"]
        if let file = form.files["file"], !file.content.isEmpty {
            guard let decoded = String(data: file.content, encoding: .utf8) else {
                return try services.views.page("import", context, status: .badRequest, [
                    "kinds": kinds(context.locale, selected: kind), "error": catalogs.error("import_not_utf8", context.locale)])
            }
            text = decoded
        }
        if text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            return try services.views.page("import", context, status: .badRequest, [
                "kinds": kinds(context.locale, selected: kind), "error": catalogs.error("import_empty", context.locale)])
        }
        let imports = services.imports
        let actor = context.actor
        let today = services.today
        let input = text
        let id = services.importJobs.start(owner: try context.signedIn().userID, kind: kind, dryRun: dryRun) { progress in
            kind == "units"
                ? try await imports.importUnits(input, dryRun: dryRun, scopes: scopes, by: actor, progress: progress)
                : try await imports.importPeople(input, dryRun: dryRun, scopes: scopes, today: today, by: actor, progress: progress)
        }
        return HTMLPage.redirect("/import/jobs/\(id)")
    }

    /// The job's page, or its state as JSON for the progress bar (`?format=json`).
    func job(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let p = try context.signedIn()
        guard let id = context.parameters.get("id"), let job = services.importJobs.job(id), job.ownerID == p.userID else {
            throw StoreError.notFound("import")
        }
        let percent = job.finished ? 100 : (job.total == 0 ? 0 : min(99, job.done * 100 / job.total))
        if request.uri.queryParameters["format"] == "json" {
            return OpsController.json(.ok, "{\"finished\":\(job.finished),\"percent\":\(percent)}")
        }
        var data: [String: Any] = ["id": job.id, "percent": percent, "finished": job.finished, "dry_run": job.dryRun,
                                   "kind": catalogs.text("import_kind_\(job.kind)", context.locale)]
        if let failure = job.failure { data["failure"] = catalogs.error(failure, context.locale) }
        if let report = job.report {
            data["report"] = [
                "rows": report.rows, "created": report.created, "applied": report.applied,
                "issue_count": report.issues.count, "has_issues": !report.issues.isEmpty,
                "issues": report.issues.map { i -> [String: Any] in
                    ["line": i.line, "field": catalogs.text("field_\(i.field)", context.locale), "message": catalogs.error(i.key, context.locale)]
                },
            ] as [String: Any]
        }
        return try services.views.page("import_job", context, data)
    }
}
