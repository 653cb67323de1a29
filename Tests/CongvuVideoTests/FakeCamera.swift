import CongvuTestSupport
import Foundation
import Synchronization
import Testing
@testable import CongvuVideo

/// The programs the recording tests drive: ffmpeg, and Debian's python3 with GStreamer for the fake camera.
enum VideoTools {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let script = repository.appendingPathComponent("Tests/Video/fake_camera.py").path
    static let python = "/usr/bin/python3"
    static let ffmpeg = Recorder.locate("ffmpeg")

    static let available: Bool = {
        guard ffmpeg != nil, FileManager.default.isExecutableFile(atPath: python) else { return false }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: python)
        p.arguments = ["-c", "import gi; gi.require_version('GstRtspServer', '1.0'); from gi.repository import GstRtspServer"]
        p.standardError = FileHandle.nullDevice
        guard (try? p.run()) != nil else { return false }
        p.waitUntilExit()
        return p.terminationStatus == 0
    }()
}

/// A fake camera process on a free loopback port.
final class FakeCamera: @unchecked Sendable {
    private(set) var port: Int
    private(set) var httpPort: Int
    let user = "admin"
    let password = "Abc12345"
    private var process: Process?
    private let extra: [String]

    init(extra: [String] = []) async throws {
        self.extra = extra
        port = Int.random(in: 20_000..<40_000)
        httpPort = port + 1
        // A random port may be taken by another test's server: the camera then exits at once, and
        // is started again on other ports (a camera that starts but never says it is ready is not).
        for attempt in 1...3 {
            do { try await start(); return } catch let failure as FakeCameraFailed where failure.exited && attempt < 3 {
                port = Int.random(in: 20_000..<40_000)
                httpPort = port + 1
            }
        }
    }

    func start() async throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: VideoTools.python)
        p.arguments = [VideoTools.script, "--port", String(port), "--http-port", String(httpPort), "--gop", "25"] + extra
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.runWithDefaultSignals()
        process = p
        // "ready" once it listens.
        let seen = Shared("")
        let handle = out.fileHandleForReading
        DispatchQueue.global().async {
            while true {
                let data = handle.availableData
                if data.isEmpty { return }
                let text = seen.value.withLock { $0 += String(decoding: data, as: UTF8.self); return $0 }
                if text.contains("\n") { return }
            }
        }
        // GStreamer's Python start-up alone took over 10 s, once 30, while the whole suite ran on two cores.
        _ = await eventually(60) { seen.value.withLock { $0.contains("\n") } || !p.isRunning }
        let line = seen.value.withLock { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        guard line == "ready" else {
            let exited = !p.isRunning && !line.hasPrefix("ready")
            if !exited { p.terminate() }
            process = nil
            throw FakeCameraFailed(line: line, exited: exited)
        }
    }

    func url(_ path: String) -> String { "rtsp://127.0.0.1:\(port)\(path)" }

    func stop() {
        guard let p = process, p.isRunning else { return }
        p.terminate()
        p.waitUntilExit()
        process = nil
    }

    deinit { process?.terminate() }
}

struct FakeCameraFailed: Error {
    let line: String
    /// The process ended before it was ready (its port taken, say), rather than being slow.
    var exited = false
}

