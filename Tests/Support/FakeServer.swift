import Foundation

/// A protocol counterpart run as its own program on loopback (scripts/fakes/), stopped when the
/// test ends: it prints `READY <port> …` once it listens, and stops when its stdin closes. Its
/// start is awaited on a thread of its own: a test blocking one of the two cooperative threads of
/// a 2-core machine for seconds would hold up every other test running beside it.
public final class FakeServer: @unchecked Sendable {
    let process = Process()
    let input = Pipe()
    public let ready: [String]
    public let directory: URL

    /// Foundation's `Process.run` on Linux is not safe to call from two threads at once (seen: a
    /// crash in the launch when two fakes started together): every launch here takes this lock.
    static let launching = NSLock()

    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    public static func start(_ script: String, _ arguments: [String] = []) async throws -> FakeServer {
        try await withCheckedThrowingContinuation { continuation in
            Thread {
                continuation.resume(with: Result { try FakeServer(script, arguments) })
            }.start()
        }
    }

    init(_ script: String, _ arguments: [String]) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("congvu-fake-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let output = Pipe()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", Self.root.appendingPathComponent("scripts/fakes/\(script)").path, directory.path] + arguments
        process.standardInput = input
        process.standardOutput = output
        let process = self.process
        try Self.launching.withLock { try process.run() }
        var line = Data()
        while true {
            let byte = output.fileHandleForReading.readData(ofLength: 1)
            if byte.isEmpty || byte == Data("\n".utf8) { break }
            line.append(byte)
        }
        ready = String(decoding: line, as: UTF8.self).split(separator: " ").map(String.init)
        guard ready.first == "READY", ready.count >= 2 else {
            process.terminate()
            throw FakeServerDidNotStart(script: script, said: String(decoding: line, as: UTF8.self))
        }
    }
    public var port: Int { Int(ready[1]) ?? 0 }

    /// The JSON documents the fake wrote, in the order it received them.
    public func received() throws -> [[String: Any]] {
        try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".json") }.sorted().map {
            try JSONSerialization.jsonObject(with: Data(contentsOf: directory.appendingPathComponent($0))) as? [String: Any] ?? [:]
        }
    }

    /// Ends the fake without waiting for it (waiting would block a cooperative thread).
    public func stop() {
        try? input.fileHandleForWriting.close()
        process.terminate()
        try? FileManager.default.removeItem(at: directory)
    }

    public static func python(has module: String) -> Bool {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", "import \(module)"]
        p.standardError = FileHandle.nullDevice
        guard (try? launching.withLock({ try p.run() })) != nil else { return false }
        p.waitUntilExit()
        return p.terminationStatus == 0
    }
}

public struct FakeServerDidNotStart: Error {
    let script: String
    let said: String
}
