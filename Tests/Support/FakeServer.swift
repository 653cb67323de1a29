import Foundation
import Synchronization
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
#if canImport(Glibc)
import Glibc
#endif

/// A protocol counterpart run as its own program on loopback (scripts/fakes/), stopped when the
/// test ends: it prints `READY <port> …` once it listens, and stops when its stdin closes.
///
/// The child holds nothing of ours but its own pipes: every other descriptor is closed in it, and
/// its stderr goes to a file in its directory. A child holding the test process's stderr keeps
/// `swift test` waiting after the tests end, for as long as it lives (swift test reads that pipe
/// until every holder has closed it); one holding another child's pipe keeps that pipe's reader
/// from its end of file, and a test blocked on that read holds one of the two cooperative threads.
///
/// Started with posix_spawn, not Foundation's `Process`: with the whole suite's connections open
/// (over 1,300 descriptors), `Process.run()` crashed inside its own launch (twice in CI, a bad read
/// in a memmove while it walked the descriptors). Its start waits on a thread of its own: blocking
/// one of the two cooperative threads of a 2-core machine would hold up the tests beside it.
public final class FakeServer: @unchecked Sendable {
    let pid: pid_t
    let input: Int32
    public let ready: [String]
    public let directory: URL

    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    public static func start(_ script: String, _ arguments: [String] = []) async throws -> FakeServer {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try FakeServer(script, arguments) }) }.start()
        }
    }

    init(_ script: String, _ arguments: [String]) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("congvu-fake-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let child = try Self.spawn(["python3", Self.root.appendingPathComponent("scripts/fakes/\(script)").path, directory.path] + arguments,
                                   stderr: directory.appendingPathComponent("stderr.log").path)
        pid = child.pid
        input = child.stdin
        var line = [UInt8]()
        var byte: UInt8 = 0
        while read(child.stdout, &byte, 1) == 1, byte != UInt8(ascii: "\n") { line.append(byte) }
        close(child.stdout)
        let said = String(decoding: line, as: UTF8.self)
        ready = said.split(separator: " ").map(String.init)
        guard ready.first == "READY", ready.count >= 2 else {
            kill(pid, SIGTERM)
            close(input)
            let errors = (try? String(contentsOf: directory.appendingPathComponent("stderr.log"), encoding: .utf8)) ?? ""
            throw FakeServerDidNotStart(script: script, said: errors.isEmpty ? said : said + "\n" + errors)
        }
    }

    public var port: Int { Int(ready[1]) ?? 0 }

    /// A GET to the fake's own control (a push endpoint's `/subscribe`).
    public func get(_ path: String) async throws -> Data {
        try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)\(path)")!).0
    }

    /// A POST of JSON to the fake's own control (a person writing to the fake Telegram bot).
    public func post(_ path: String, _ json: [String: Any]) async throws {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        request.httpMethod = "POST"
        request.httpBody = try JSONSerialization.data(withJSONObject: json)
        _ = try await URLSession.shared.data(for: request)
    }

    /// The JSON documents the fake wrote, in the order it received them.
    public func received() throws -> [[String: Any]] {
        try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".json") }.sorted().map {
            try JSONSerialization.jsonObject(with: Data(contentsOf: directory.appendingPathComponent($0))) as? [String: Any] ?? [:]
        }
    }

    /// Ends the fake; it is reaped on a thread of its own (waiting here would hold a cooperative thread).
    public func stop() {
        close(input)
        kill(pid, SIGTERM)
        let pid = self.pid, directory = self.directory
        Thread {
            var status: Int32 = 0
            waitpid(pid, &status, 0)
            try? FileManager.default.removeItem(at: directory)
        }.start()
    }

    /// Whether python3 imports `module`: asked once per module and kept (tests ask it in their traits).
    public static func python(has module: String) -> Bool {
        if let known = modules.withLock({ $0[module] }) { return known }
        var found = false
        if let child = try? spawn(["python3", "-c", "import \(module)"], stderr: "/dev/null") {
            close(child.stdin)
            close(child.stdout)
            var status: Int32 = 0
            waitpid(child.pid, &status, 0)
            found = status == 0
        }
        modules.withLock { $0[module] = found }
        return found
    }

    static let modules = Mutex<[String: Bool]>([:])

    /// Starts `arguments` (looked up on PATH) with a pipe on its stdin, one on its stdout and its
    /// stderr written to the file `stderr`; every other descriptor is closed in the child (the
    /// test process holds hundreds, few of them close-on-exec: sockets, and Foundation's pipes to
    /// other children).
    static func spawn(_ arguments: [String], stderr: String) throws -> (pid: pid_t, stdin: Int32, stdout: Int32) {
        guard let closeFrom = closeFrom else {
            throw FakeServerDidNotStart(script: arguments[0], said: "this C library has no posix_spawn_file_actions_addclosefrom_np (glibc 2.34)")
        }
        var inPipe: [Int32] = [-1, -1], outPipe: [Int32] = [-1, -1]
        guard pipe(&inPipe) == 0 else { throw FakeServerDidNotStart(script: arguments[0], said: "pipe") }
        guard pipe(&outPipe) == 0 else {
            close(inPipe[0]); close(inPipe[1])
            throw FakeServerDidNotStart(script: arguments[0], said: "pipe")
        }
        // Glibc's pipe2 is not imported into Swift: close-on-exec set just after (another child
        // spawned in between would only hold a fake open until its SIGTERM).
        for fd in inPipe + outPipe { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, inPipe[0], 0)
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
        posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        _ = closeFrom(&actions, 3)
        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawnp(&pid, arguments[0], &actions, nil, argv, environ)
        close(inPipe[0])
        close(outPipe[1])
        guard rc == 0 else {
            close(inPipe[1]); close(outPipe[0])
            throw FakeServerDidNotStart(script: arguments[0], said: "posix_spawnp: \(rc)")
        }
        return (pid, inPipe[1], outPipe[0])
    }
}

extension FakeServer {
    typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32

    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (since 2.34; Debian 12 has 2.36), which
    /// Swift's Glibc module does not import: looked up by name.
    static var closeFrom: AddCloseFrom? {
        guard let symbol = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") else { return nil }
        return unsafeBitCast(symbol, to: AddCloseFrom.self)
    }
}

public struct FakeServerDidNotStart: Error {
    let script: String
    let said: String
}
