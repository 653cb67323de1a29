import Foundation
import Logging
import Synchronization

/// The one change-notification mechanism (issue 25): what other viewers must see at once (a punch
/// for the live boards, a dossier for the public tracking cache, a calendar change for the working
/// calendars, a camera for the recorders, an account or grant for who is admitted) is published
/// here after its transaction committed. The handlers of this process run at once; on PostgreSQL
/// the change also goes out with `NOTIFY` and every other node's `run` loop hands it to its own
/// handlers (`LISTEN`), so a viewer on node A sees what was written on node B. On SQLite there is
/// one node and nothing goes out.
public final class ChangeBus: Sendable {
    public static let channel = "congvu_changes"
    /// PostgreSQL refuses a NOTIFY payload of 8,000 bytes or more: a longer one says "everything".
    static let longest = 7_000

    public struct Topic: RawRepresentable, Hashable, Sendable {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        /// Unit paths whose people's attendance changed (comma-separated).
        public static let attendance = Topic(rawValue: "attendance")
        /// A dossier's tracking code whose public answer changed.
        public static let dossier = Topic(rawValue: "dossier")
        /// The special days or office hours changed.
        public static let calendar = Topic(rawValue: "calendar")
        /// A camera or its rights changed.
        public static let camera = Topic(rawValue: "camera")
        /// Who may do what changed: an account, its grants, a session, an API token, or the paths
        /// of units (what grants reach).
        public static let access = Topic(rawValue: "access")
    }

    /// This process among the nodes: its own messages coming back through LISTEN are not run twice.
    public let instance = UUID().uuidString
    private let handlers = Mutex<[Topic: [@Sendable (String) -> Void]]>([:])
    private let notify: (@Sendable (String) async throws -> Void)?
    /// The NOTIFYs under way, by number.
    private let sending = Mutex<(next: Int, tasks: [Int: Task<Void, Never>])>((0, [:]))
    private let logger: Logger
    /// Changes received from other nodes (what tests hold to).
    private let received = Atomic<Int>(0)

    init(notify: (@Sendable (String) async throws -> Void)?, logger: Logger) {
        self.notify = notify
        self.logger = logger
    }

    /// Runs `handler` for every change of `topic`, made by this node or (PostgreSQL) another.
    public func on(_ topic: Topic, _ handler: @escaping @Sendable (String) -> Void) {
        handlers.withLock { $0[topic, default: []].append(handler) }
    }

    /// Tells this node's handlers now, and the other nodes through the database. Call it after the
    /// change committed: the others read the database when they hear of it.
    public func publish(_ topic: Topic, _ payload: String = "") {
        let payload = payload.utf8.count > Self.longest ? "*" : payload
        run(topic, payload)
        guard let notify else { return }
        let message = "\(instance)\t\(topic.rawValue)\t\(payload)"
        let logger = self.logger
        sending.withLock { s in
            let id = s.next
            s.next += 1
            s.tasks[id] = Task { [self] in
                do { try await notify(message) } catch {
                    logger.error("change not sent to the other nodes", metadata: ["topic": "\(topic.rawValue)", "error": "\(error)"])
                }
                _ = self.sending.withLock { $0.tasks.removeValue(forKey: id) }
            }
        }
    }

    /// Waits for the changes still on their way to the other nodes: a short-lived process (the
    /// command line) calls it, through `Database.shutdown`, before its connections close.
    func sent() async {
        for task in sending.withLock({ Array($0.tasks.values) }) { await task.value }
    }

    /// A message from the channel: another node's change for this node's handlers.
    func deliver(_ message: String) {
        let parts = message.split(separator: "\t", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3, parts[0] != instance else { return }
        received.add(1, ordering: .relaxed)
        run(Topic(rawValue: parts[1]), parts[2])
    }

    public var receivedFromOthers: Int { received.load(ordering: .relaxed) }

    private func run(_ topic: Topic, _ payload: String) {
        for h in handlers.withLock({ $0[topic] ?? [] }) { h(payload) }
    }
}
