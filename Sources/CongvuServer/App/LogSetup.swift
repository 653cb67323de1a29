import CongvuDomain
import Foundation
import Logging
import Synchronization

/// Structured logs: one JSON object a line on standard error (`CONGVU_LOG_FORMAT=json`, for log
/// collectors) or swift-log's readable `key=value` lines (the default, for people).
public enum LogSetup {
    private static let done = Mutex(false)

    public static func bootstrap(level: Logger.Level) {
        let first = done.withLock { d -> Bool in defer { d = true }; return !d }
        guard first else { return }
        let json = ProcessInfo.processInfo.environment["CONGVU_LOG_FORMAT"] == "json"
        LoggingSystem.bootstrap { label in
            var handler: any LogHandler = json ? JSONLogHandler(label: label) : StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }
}

struct JSONLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var object: [String: String] = ["ts": Instant.format(Date()), "level": event.level.rawValue,
                                        "label": label, "msg": event.message.description]
        for (k, v) in metadata.merging(event.metadata ?? [:], uniquingKeysWith: { _, b in b }) { object[k] = v.description }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        if let data = try? encoder.encode(object) {
            FileHandle.standardError.write(data + Data("\n".utf8))
        }
    }
}
