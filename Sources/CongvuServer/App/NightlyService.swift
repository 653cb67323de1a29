import CongvuDomain
import Foundation
import Logging
import ServiceLifecycle

/// One of the jobs the server runs once a night. Every job is safe to run twice and on several
/// nodes at once (each checks in the database what is already done), so no node needs to know
/// whether another ran it.
struct NightlyJob: Sendable {
    let name: String
    /// Does the night's work at `now`; returns what it did, for the log.
    let run: @Sendable (_ now: Date) async throws -> String
}

/// Runs the features' nightly jobs once a night, after 01:00 in Vietnam (and once at start when
/// the server starts after that hour), one after another; one job failing does not stop the others.
/// The same loop runs the morning's jobs after 07:30 (`after`), when people read what they raise.
struct NightlyService: Service {
    let jobs: [NightlyJob]
    let logger: Logger
    /// Seconds after local midnight from which the day's run is due.
    var after: TimeInterval = 3600

    func run() async throws {
        await cancelWhenGracefulShutdown { await loop() }
    }

    func loop() async {
        var done: Day?
        while !Task.isCancelled {
            let now = Date()
            let today = Day(now, in: CivilTime.vietnam)
            if done != today, now.timeIntervalSince(CivilTime.startOfDay(today)) >= after {
                done = today
                for job in jobs {
                    do {
                        let said = try await job.run(now)
                        logger.info("nightly job done", metadata: ["job": "\(job.name)", "result": "\(said)"])
                    } catch {
                        logger.error("nightly job failed", metadata: ["job": "\(job.name)", "error": "\(error)"])
                    }
                }
            }
            try? await Task.sleep(for: .seconds(60))
        }
    }
}

/// Runs watches every `interval` seconds (a terminal gone silent must be heard of within minutes),
/// each safe to run twice and on several nodes: what they raise carries its dedupe key.
struct RecurringService: Service {
    let jobs: [NightlyJob]
    let interval: TimeInterval
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                for job in jobs {
                    do { _ = try await job.run(Date()) } catch { logger.error("watch failed", metadata: ["job": "\(job.name)", "error": "\(error)"]) }
                }
                try? await Task.sleep(for: .seconds(interval))
            }
        }
    }
}
