import CongvuDomain
import CongvuStore
import Foundation
import Logging
import ServiceLifecycle

/// Leaders' digests (issue 20): at the time each person chose (a leader's default is 08:15), one
/// message of what needs them in their units, made from the same figures as their home page:
/// late, absent and away today, requests waiting for their decision, overdue and nearly due
/// dossiers, overdue tasks, open terminal and camera alerts. Weekly digests the same, on the
/// chosen weekday. Each is raised once per person and day (its key), so several nodes running
/// this loop, or a restart, send it once; a server that was down at the time sends it when it is
/// back within six hours, not later in the day.
struct DigestService: Service {
    let services: AppServices
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do { try await runOnce() } catch { logger.error("digests", metadata: ["error": "\(error)"]) }
                try? await Task.sleep(for: .seconds(60))
            }
        }
    }

    /// Raises the digests due at `now`; returns the people who got one.
    @discardableResult
    func runOnce(at now: Date = Date()) async throws -> [Int64] {
        let store = services.notifications.store
        var raised: [Int64] = []
        for (personID, prefs) in try await store.digestSubscribers() {
            var due: [(NotificationKind, Day)] = []
            if let minute = prefs.dailyDigest, let day = DigestSchedule.dueDaily(minute: minute, at: now) { due.append((.dailyDigest, day)) }
            if let slot = prefs.weeklyDigest, let day = DigestSchedule.dueWeekly(slot, at: now) { due.append((.weeklyDigest, day)) }
            for (kind, day) in due {
                let key = NotificationKey(kind, recordType: "person", recordID: personID, occasion: day.description)
                guard try await !store.raised(key, personID: personID),
                      let account = try await services.accounts.byPerson(personID) else { continue }
                let params = try await figures(try await services.accounts.principal(for: account), day: day)
                try await services.database.write { sql in
                    try await NotificationStore.raise(NotificationDraft(key: key, params: params, link: "/"), toPeople: [personID], at: now, in: sql)
                }
                raised.append(personID)
            }
        }
        return raised
    }

    /// The digest's figures for `principal`, from the home page's own computations.
    func figures(_ principal: Principal, day: Day) async throws -> [String: String] {
        let morning = Morning(services: services, principal: principal, locale: .vi)
        var out: [String: String] = ["day": day.description]
        if let today = try await morning.today() {
            out["late"] = String(today.late.count)
            out["absent"] = String(today.absent.count)
            out["away"] = String(today.away.count)
        }
        out["approvals"] = String(try await morning.approvals().mine.count)
        if let dossiers = try await morning.dossiers() {
            out["dossiers_overdue"] = String(dossiers.overdue_count ?? 0)
            out["dossiers_soon"] = String(dossiers.soon_count ?? 0)
        }
        let (taskScopes, _) = try await services.tasks.scopes(principal)
        if !taskScopes.isEmpty {
            let today = services.today
            out["tasks"] = String(try await services.tasks.tasks.figures(scopes: taskScopes, today: today, weekEnd: today,
                                                                         since: Day(year: today.year, month: 1, day: 1)!).overdue)
        }
        out["alerts"] = String(try await morning.alerts().count)
        return out
    }
}

/// A digest in words: its heading, then one part per figure that is not zero, each with the page
/// it opens (in e-mail and chat messages, one line and one link each).
struct DigestText {
    let catalogs: Catalogs
    let locale: AppLocale

    /// The figures in the order they are read, each with its catalog text and page.
    static let parts: [(field: String, key: String, path: String)] = [
        ("absent", "digest_absent", "/board"), ("late", "digest_late", "/board"), ("away", "digest_away", "/board"),
        ("approvals", "digest_approvals", "/"), ("dossiers_overdue", "digest_dossiers_overdue", "/one-stop?filter=overdue"),
        ("dossiers_soon", "digest_dossiers_soon", "/one-stop?filter=due_soon"), ("tasks", "digest_tasks", "/tasks/board"),
        ("alerts", "digest_alerts", "/"),
    ]

    func heading(_ kind: NotificationKind, _ params: [String: String]) -> String {
        catalogs.text("notification_" + kind.rawValue, locale, [Day(params["day"] ?? "")?.vietnamese ?? ""])
    }

    /// The parts with something to say: (text, page).
    func lines(_ params: [String: String]) -> [(String, String)] {
        Self.parts.compactMap { part in
            guard let n = Int(params[part.field] ?? ""), n > 0 else { return nil }
            return (catalogs.text(part.key, locale, [String(n)]), part.path)
        }
    }

    /// One line for the inbox: "Tổng hợp ngày 07/12/2026: 2 vắng không thông báo, 1 hồ sơ quá hạn".
    func summary(_ kind: NotificationKind, _ params: [String: String]) -> String {
        let parts = lines(params).map(\.0)
        return heading(kind, params) + ": " + (parts.isEmpty ? catalogs.text("digest_nothing", locale) : parts.joined(separator: ", "))
    }
}
