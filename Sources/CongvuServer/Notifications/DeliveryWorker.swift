import CongvuDomain
import CongvuNotify
import CongvuStore
import Foundation
import Logging
import Metrics
import ServiceLifecycle

/// Sends what the outbox holds (issue 20). Claims due deliveries under a lease, sends each to
/// every confirmed address of its person on its channel (or to the address it was raised to, for
/// a citizen without an account), and records what the provider answered.
/// A worker killed mid-send loses nothing: its claims run out and are claimed again; the provider
/// gets the same idempotency key (an e-mail's Message-ID) the second time. Several nodes may each
/// run one: PostgreSQL hands every delivery to one of them.
struct DeliveryWorker: Service {
    let services: NotificationServices
    let logger: Logger
    var batch = 100
    /// Messages in flight at once.
    var concurrency = 16
    /// Outcomes recorded together, in one transaction.
    var recordEvery = 32
    /// Seconds a claim holds: longer than the slowest provider's timeout.
    var lease: TimeInterval = 120
    var policy = RetryPolicy()

    func run() async throws {
        await cancelWhenGracefulShutdown { await loop() }
    }

    func loop() async {
        var lastGauge = Date.distantPast
        while !Task.isCancelled {
            var sent = 0
            do {
                sent = try await runOnce()
                if Date().timeIntervalSince(lastGauge) > 15 {
                    lastGauge = Date()
                    for (channel, n) in try await services.store.queued() {
                        Gauge(label: "congvu_notifications_queued", dimensions: [("channel", channel.rawValue)]).record(n)
                    }
                }
            } catch {
                logger.error("notification worker", metadata: ["error": "\(error)"])
            }
            if sent < batch { try? await Task.sleep(for: .seconds(1)) }
        }
    }

    /// Claims one batch and delivers it; returns how many deliveries it handled. Outcomes are
    /// recorded a group at a time as they come in (`recordEvery`), one transaction per group: a
    /// node killed before recording a group sends those again after the lease, with the same
    /// idempotency key.
    @discardableResult
    func runOnce(at now: Date = Date()) async throws -> Int {
        let claimed = try await services.store.claim(limit: batch, at: now, lease: lease)
        guard !claimed.isEmpty else { return 0 }
        try await withThrowingTaskGroup(of: (ClaimedDelivery, DeliveryOutcome).self) { group in
            var running = 0
            var done: [(ClaimedDelivery, DeliveryOutcome)] = []
            func take(_ result: (ClaimedDelivery, DeliveryOutcome)) async throws {
                running -= 1
                done.append(result)
                if done.count >= recordEvery {
                    try await record(done)
                    done.removeAll()
                }
            }
            for delivery in claimed {
                if running == concurrency, let result = try await group.next() { try await take(result) }
                group.addTask { (delivery, await send(delivery)) }
                running += 1
            }
            while let result = try await group.next() { try await take(result) }
            try await record(done)
        }
        return claimed.count
    }

    func record(_ outcomes: [(ClaimedDelivery, DeliveryOutcome)]) async throws {
        guard !outcomes.isEmpty else { return }
        for (delivery, outcome) in outcomes {
            let channel = delivery.channel.rawValue
            switch outcome {
            case .sent:
                Counter(label: "congvu_notifications_sent_total", dimensions: [("channel", channel)]).increment()
                Metrics.Timer(label: "congvu_notification_latency_seconds", dimensions: [("channel", channel)], preferredDisplayUnit: .seconds)
                    .recordInterval(since: delivery.createdAt)
            case .failed(let answer, let permanent):
                Counter(label: "congvu_notifications_failed_total", dimensions: [("channel", channel), ("permanent", "\(permanent)")]).increment()
                logger.notice("notification not delivered", metadata: ["delivery": "\(delivery.id)", "channel": "\(channel)", "answer": "\(answer)"])
            }
        }
        try await services.store.record(outcomes.map { ($0.0.id, $0.1) }, policy: policy)
    }

    /// Sends to every confirmed address; sent when one of them took it (a person's several phones).
    func send(_ delivery: ClaimedDelivery) async -> DeliveryOutcome {
        // Congvu's own reasons are kept as catalog keys (`delivery_answer_…`), shown in the reader's language.
        guard let sender = services.senders[delivery.channel] else {
            return .failed(answer: NotificationServices.ownAnswer("channel_not_configured"), permanent: true)
        }
        guard !delivery.targets.isEmpty else { return .failed(answer: NotificationServices.ownAnswer("no_address"), permanent: true) }
        let message = services.message(for: delivery)
        var answers: [String] = [], sent = false, permanent = true
        for target in delivery.targets {
            await services.pacers.wait(delivery.channel)
            switch await sender.send(message, to: target) {
            case .sent(let answer):
                sent = true
                answers.append(answer)
            case .failed(let answer, let p):
                permanent = permanent && p
                answers.append(answer)
                if delivery.channel == .webPush, let person = delivery.personID, answer.hasPrefix("404") || answer.hasPrefix("410") {
                    try? await services.store.dropSubscription(personID: person, endpoint: target.address)
                }
            }
        }
        let answer = answers.joined(separator: " | ")
        return sent ? .sent(answer: answer) : .failed(answer: answer, permanent: permanent)
    }
}

extension Metrics.Timer {
    func recordInterval(since start: Date) {
        recordNanoseconds(Int64(max(0, Date().timeIntervalSince(start)) * 1_000_000_000))
    }
}
