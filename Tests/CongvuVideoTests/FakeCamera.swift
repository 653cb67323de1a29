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
    let port: Int
    let httpPort: Int
    let user = "admin"
    let password = "Abc12345"
    private var process: Process?
    private let extra: [String]

    init(extra: [String] = []) async throws {
        self.extra = extra
        port = Int.random(in: 20_000..<40_000)
        httpPort = port + 1
        try await start()
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
        // GStreamer's Python start-up alone took over 10 s while the whole suite ran on two cores.
        _ = await eventually(30) { seen.value.withLock { $0.contains("\n") } }
        let line = seen.value.withLock { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        guard line == "ready" else { throw FakeCameraFailed(line: line) }
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

struct FakeCameraFailed: Error { let line: String }

/// Waits until `condition` holds, checking every 100 ms, for at most `seconds`.
func eventually(_ seconds: Double, _ condition: () async -> Bool) async -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if await condition() { return true }
        try? await Task.sleep(for: .milliseconds(100))
    }
    return await condition()
}
