import CongvuDomain
import Foundation
import Logging
import ServiceLifecycle

/// One of the jobs the server runs on a schedule. Every job is also safe to run twice (each checks
/// in the database what is already done); the cluster's claims make it run once per slot anyway.
struct NightlyJob: Sendable {
    let name: String
    /// Does the night's work at `now`; returns what it did, for the log.
    let run: @Sendable (_ now: Date) async throws -> String
}

/// Runs the features' nightly jobs once a night per cluster, after 01:00 in Vietnam (and at start
/// when the server starts after that hour), one after another; one job failing does not stop the
/// others. Each night's run of a job is claimed by one node (`ClusterServices.once`); every node
/// looks each minute, so a job whose node died mid-run is taken over when its lease runs out.
/// The same loop runs the morning's jobs after 07:30 (`after`), when people read what they raise.
struct NightlyService: Service {
    let jobs: [NightlyJob]
    let cluster: ClusterServices
    let logger: Logger
    /// Seconds after local midnight from which the day's run is due.
    var after: TimeInterval = 3600

    func run() async throws {
        await cancelWhenGracefulShutdown { await loop() }
    }

    func loop() async {
        while !Task.isCancelled {
            let now = Date()
            let today = Day(now, in: CivilTime.vietnam)
            if now.timeIntervalSince(CivilTime.startOfDay(today)) >= after {
                for job in jobs { await cluster.once(job, slot: today.description, at: now, logger: logger) }
            }
            try? await Task.sleep(for: .seconds(60))
        }
    }
}

/// Runs watches every `interval` seconds (a terminal gone silent must be heard of within minutes),
/// once per cluster and interval: the slot is the interval's number since 1970.
struct RecurringService: Service {
    let jobs: [NightlyJob]
    let cluster: ClusterServices
    let interval: TimeInterval
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                let now = Date()
                let slot = String(Int(now.timeIntervalSince1970 / interval))
                for job in jobs { await cluster.once(job, slot: slot, at: now, lease: interval, logger: logger) }
                try? await Task.sleep(for: .seconds(interval))
            }
        }
    }
}
