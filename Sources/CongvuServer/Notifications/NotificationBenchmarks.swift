import CongvuDomain
import CongvuNotify
import CongvuStore
import Foundation
import Logging

/// What `congvu bench notifications` measures, from outside the server's module: the delivery
/// worker emptying the outbox, and the floor beside it, the configured channel's sender alone.
public enum NotificationBenchmarks {
    /// Runs the worker's batches until nothing is due; returns how many deliveries it handled.
    public static func deliverAll(_ services: AppServices, concurrency: Int = 16) async throws -> Int {
        let worker = DeliveryWorker(services: services.notifications, logger: Logger(label: "bench"), concurrency: concurrency)
        var total = 0
        while true {
            let n = try await worker.runOnce()
            if n == 0 { return total }
            total += n
        }
    }

    /// The floor: `count` messages through `channel`'s sender with the same concurrency, without the
    /// outbox (no claim, no record). Returns how many the provider took.
    public static func rawSends(_ services: AppServices, channel: NotificationChannel, address: String, count: Int, concurrency: Int = 16) async -> Int {
        guard let sender = services.notifications.senders[channel] else { return 0 }
        let message = OutgoingMessage(subject: "bench", text: "Bạn được giao nhiệm vụ 1/2026/BT: đo tốc độ\nMở: http://127.0.0.1/tasks/1",
                                      link: "http://127.0.0.1/tasks/1", idempotencyKey: "bench")
        return await withTaskGroup(of: Bool.self) { group in
            var sent = 0, running = 0
            for _ in 0..<count {
                if running == concurrency, let ok = await group.next() {
                    running -= 1
                    if ok { sent += 1 }
                }
                group.addTask { if case .sent = await sender.send(message, to: DeliveryTarget(address: address)) { true } else { false } }
                running += 1
            }
            for await ok in group where ok { sent += 1 }
            return sent
        }
    }
}
