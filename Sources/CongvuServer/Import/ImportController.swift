import CongvuDomain
import CongvuStore
import Foundation
import Hummingbird
import Metrics
import Synchronization

/// Imports running in the background, so that a long file shows its progress while it runs. The
/// jobs live in the database (`ImportJobStore`): any node answers for their progress, and a job
/// whose node died is reported failed by the next node's watch.
public struct ImportJobs: Sendable {
    public let store: ImportJobStore
    let node: String

    init(database: Database, node: String) {
        store = ImportJobStore(database: database)
        self.node = node
    }

    /// Starts `work` as a job of `owner`; its progress is written at most every quarter second.
    func start(owner: Int64, kind: String, dryRun: Bool,
               work: @escaping @Sendable (_ job: String, @escaping ImportStore.Progress) async throws -> ImportReport) async throws -> String {
        let id = Token.random(bytes: 12)
        try await store.start(id: id, owner: owner, kind: kind, dryRun: dryRun, node: node)
        let store = self.store
        Task {
            let latest = Mutex<(done: Int, total: Int)?>(nil)
            let writer = Task {
                // Ends when cancelled: a write from a cancelled task is refused before it runs.
                while (try? await Task.sleep(for: .milliseconds(250))) != nil {
                    if let p = latest.withLock({ p in defer { p = nil }; return p }) { try? await store.progress(id, done: p.done, total: p.total) }
                }
            }
            defer { writer.cancel() }
            do {
                let report = try await work(id) { done, total in latest.withLock { $0 = (done, total) } }
                writer.cancel()
                try await store.finish(id, report: report)
                Self.count(kind, report.dryRun ? "checked" : report.applied ? "applied" : "refused", rows: report.rows)
            } catch let e as ImportFileError {
                try? await store.fail(id, key: e.key)
                Self.count(kind, "failed", rows: 0)
            } catch {
                try? await store.fail(id, key: "import_failed")
                Self.count(kind, "failed", rows: 0)
            }
        }
        return id
    }

    /// `/metrics`: imports by kind and outcome (checked by a dry run, applied, refused for faulty
    /// rows, failed to read), and the rows they read.
    static func count(_ kind: String, _ outcome: String, rows: Int) {
        Counter(label: "congvu_imports_total", dimensions: [("kind", kind), ("outcome", outcome)]).increment()
        Counter(label: "congvu_import_rows_total", dimensions: [("kind", kind)]).increment(by: rows)
    }

    public func job(_ id: String) async throws -> ImportJob? { try await store.job(id) }

    /// Waits until the job finishes (for the command line and tests).
    public func wait(_ id: String) async -> ImportJob? {
        while let job = try? await store.job(id), !job.finished { try? await Task.sleep(for: .milliseconds(20)) }
        return try? await store.job(id)
    }

    /// Jobs of nodes that stopped beating or started again since reported failed, once per
    /// interval and cluster; finished jobs kept a month.
    func watch(_ cluster: ClusterServices) -> NightlyJob {
        let store = self.store
        return NightlyJob(name: "import_jobs_watch") { now in
            let alive = try await cluster.nodes.list().filter { $0.alive(at: now) }
            let failed = try await store.failInterrupted(alive: Dictionary(alive.map { ($0.name, $0.startedAt) }) { a, _ in a }, now: now)
            let pruned = try await store.prune(before: now.addingTimeInterval(-30 * 86_400))
            return "\(failed) interrupted, \(pruned) old removed"
        }
    }
}

/// Upload a CSV of people, units, procedures or historic dossiers, check it (dry run) and import it.
struct ImportController {
    let imports: ImportServices
    var catalogs: Catalogs { imports.views.catalogs }

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get(use: page)
        group.post(use: start)
        group.get("jobs/:id", use: job)
    }

    /// The kinds the principal may import, with their scopes.
    func allowed(_ context: AppRequestContext) throws -> [ImportKind: [String]] {
        let p = try context.signedIn()
        let allowed = ImportKind.allCases.reduce(into: [ImportKind: [String]]()) { out, kind in
            let scopes = p.scopes(for: kind.permission)
            if !scopes.isEmpty { out[kind] = scopes }
        }
        guard !allowed.isEmpty else { throw Forbidden() }
        return allowed
    }

    func page(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let allowed = try allowed(context)
        return try show(context, allowed, selected: ImportKind(rawValue: request.uri.queryParameters["kind"].map(String.init) ?? "") ?? .people)
    }

    func show(_ context: AppRequestContext, _ allowed: [ImportKind: [String]], selected: ImportKind, status: HTTPResponse.Status = .ok,
              error: String? = nil) throws -> Response {
        let kinds = ImportKind.allCases.filter { allowed[$0] != nil }
        return try imports.views.page(ImportPage(
            kinds: FormView.options(kinds.map { (value: $0.rawValue, label: catalogs.text("import_kind_\($0.rawValue)", context.locale)) },
                                    selected: selected.rawValue),
            columns: kinds.map { .init(label: catalogs.text("import_kind_\($0.rawValue)", context.locale),
                                       columns: catalogs.text("import_columns_\($0.rawValue)", context.locale),
                                       note: catalogs.text("import_note_\($0.rawValue)", context.locale)) },
            error: error), context, status: status)
    }

    func start(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let allowed = try allowed(context)
        let form = try await FormData.read(request, context)
        guard let kind = ImportKind(rawValue: form["kind"]), let scopes = allowed[kind] else { throw Forbidden() }
        let dryRun = form.bool("dry_run")
        var text = form["text"]
        if let file = form.files["file"], !file.content.isEmpty {
            guard let decoded = String(data: file.content, encoding: .utf8) else {
                return try show(context, allowed, selected: kind, status: .badRequest, error: catalogs.error("import_not_utf8", context.locale))
            }
            text = decoded
        }
        if text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            return try show(context, allowed, selected: kind, status: .badRequest, error: catalogs.error("import_empty", context.locale))
        }
        let database = imports.database
        let actor = context.actor
        let input = text
        let changes = imports.database.changes
        let id = try await imports.jobs.start(owner: try context.signedIn().userID, kind: kind.rawValue, dryRun: dryRun) { job, progress in
            let report = try await ImportStore(database: database, job: job).run(kind, input, dryRun: dryRun, scopes: scopes, by: actor, progress: progress)
            // Codes looked up before the import may be remembered as unknown, on every node.
            if kind == .dossiers && report.applied { changes.publish(.dossier, "*") }
            return report
        }
        return HTMLPage.redirect("/import/jobs/\(id)")
    }

    /// The job's page, or its state as JSON for the progress bar (`?format=json`).
    func job(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let p = try context.signedIn()
        guard let id = context.parameters.get("id"), let job = try await imports.jobs.job(id), job.ownerID == p.userID else {
            throw StoreError.notFound("import")
        }
        let percent = job.finished ? 100 : (job.total == 0 ? 0 : min(99, job.done * 100 / job.total))
        if request.uri.queryParameters["format"] == "json" {
            return JSONReply.response(Progress(finished: job.finished, percent: percent))
        }
        return try imports.views.page(ImportJobPage(
            id: job.id, percent: percent, finished: job.finished, dry_run: job.dryRun,
            kind: catalogs.text("import_kind_\(job.kind)", context.locale),
            failure: job.failure.map { catalogs.error($0, context.locale) },
            report: job.report.map { report in
                .init(rows: report.rows, created: report.created, applied: report.applied,
                      issue_count: report.issues.count, has_issues: !report.issues.isEmpty,
                      issues: report.issues.map { i in
                          .init(line: i.line, field: catalogs.text("field_\(i.field)", context.locale), message: catalogs.error(i.key, context.locale))
                      })
            }), context)
    }
}

/// An import's progress, for the page that polls it.
struct Progress: Encodable {
    var finished: Bool
    var percent: Int
}

struct ImportPage: Page {
    static let template = "import"
    struct Kind: Decodable { var label: String; var columns: String; var note: String }
    var kinds: [Option]
    var columns: [Kind]
    var error: String?
}

/// An import's progress, then its report.
struct ImportJobPage: Page {
    static let template = "import_job"
    struct Report: Decodable {
        struct Issue: Decodable { var line: Int; var field: String; var message: String }
        var rows: Int
        var created: Int
        var applied: Bool
        var issue_count: Int
        var has_issues: Bool
        var issues: [Issue]
    }
    var id: String
    var percent: Int
    var finished: Bool
    var dry_run: Bool
    var kind: String
    var failure: String?
    var report: Report?
}
