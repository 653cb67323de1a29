import CongvuDomain
import Dispatch
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// What a recorder tells its owner: segments to index and events to keep in the camera's history.
public protocol RecorderDelegate: Sendable {
    /// A segment file is complete (closed by ffmpeg, or found after a crash and read back).
    func segmentClosed(_ key: StreamKey, file: String, start: Date, duration: TimeInterval, bytes: Int64) async
    func recorderEvent(_ key: StreamKey, _ event: RecorderEvent) async
}

/// Which stream of which camera.
public struct StreamKey: Sendable, Hashable, CustomStringConvertible {
    public var cameraID: Int64
    public var stream: CameraStream
    public init(cameraID: Int64, stream: CameraStream) { self.cameraID = cameraID; self.stream = stream }
    public var description: String { "camera \(cameraID) \(stream.rawValue)" }
}

public enum RecorderEvent: Sendable, Equatable {
    case started(pid: Int32)
    /// The process ended; `lines` are its last error lines (credentials removed).
    case exited(status: Int32, ranSeconds: Double, lines: [String])
    /// No output for too long: the watchdog stopped it.
    case silent(seconds: Double)
    /// Output kept coming but its timestamps stopped advancing with the clock (or raced ahead):
    /// stopped, to be started again. `ratio` is media seconds per wall second over the window.
    case stalled(ratio: Double)
    /// ffmpeg is not installed: nothing can be recorded.
    case missingProgram(String)
}

/// Supervises one ffmpeg for one camera stream: starts it, reads its live output fragment by fragment into a
/// `LiveChannel`, indexes segments as ffmpeg closes them, restarts it with backoff when it ends, and
/// stops it when it falls silent. It never decodes video.
public final class Recorder: Sendable {
    public struct Status: Sendable, Equatable {
        public enum State: String, Sendable { case starting, running, waiting, stopped, missingProgram = "missing_program" }
        public var state: State = .starting
        public var pid: Int32?
        public var startedAt: Date?
        public var restarts: [Date] = []
        public var lastLines: [String] = []
        public var lastExit: Int32?
        public var nextAttempt: Date?
    }

    public let key: StreamKey
    public let channel: LiveChannel
    public let ffmpeg: String
    public let policy: RestartPolicy
    private let command: FFmpegCommand
    private let delegate: any RecorderDelegate
    private let status = Mutex(Status())
    private let lastOutput = Mutex(Date.distantPast)
    private let current = Mutex<Process?>(nil)

    public init(key: StreamKey, command: FFmpegCommand, ffmpeg: String, policy: RestartPolicy = RestartPolicy(),
                channel: LiveChannel = LiveChannel(), delegate: any RecorderDelegate) {
        self.key = key
        self.command = command
        self.ffmpeg = ffmpeg
        self.policy = policy
        self.channel = channel
        self.delegate = delegate
    }

    public var currentStatus: Status { status.withLock { $0 } }

    /// The first executable named `name` on PATH (or the path itself when it is one).
    public static func locate(_ name: String, path: String? = ProcessInfo.processInfo.environment["PATH"]) -> String? {
        if name.contains("/") { return FileManager.default.isExecutableFile(atPath: name) ? name : nil }
        for dir in (path ?? "/usr/bin:/bin").split(separator: ":") {
            let candidate = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// Runs until the task is cancelled: start, watch, restart with backoff.
    public func run() async {
        guard FileManager.default.isExecutableFile(atPath: ffmpeg) else {
            status.withLock { $0.state = .missingProgram }
            await delegate.recorderEvent(key, .missingProgram(ffmpeg))
            return
        }
        var failures = 0
        while !Task.isCancelled {
            let started = Date()
            let exit = await runOnce()
            let ran = Date().timeIntervalSince(started)
            await recoverUnlisted(since: started)
            if Task.isCancelled { break }
            failures = policy.failures(after: failures, ran: ran)
            let wait = policy.delay(afterFailures: failures)
            status.withLock {
                $0.state = .waiting
                $0.restarts.append(Date())
                if $0.restarts.count > 100 { $0.restarts.removeFirst($0.restarts.count - 100) }
                $0.lastExit = exit
                $0.nextAttempt = Date().addingTimeInterval(wait)
            }
            try? await Task.sleep(for: .seconds(wait))
        }
        status.withLock { $0.state = .stopped; $0.pid = nil }
    }

    /// Stops the running ffmpeg now (it is started again after the backoff): for tests and the health page.
    public func restartNow() { stop(current.withLock { $0 }) }

    private func runOnce() async -> Int32 {
        if let dir = command.segmentDirectory {
            try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            if let list = command.segmentList { try? FileManager.default.removeItem(atPath: list) }
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ffmpeg)
        process.arguments = command.arguments
        var env = ProcessInfo.processInfo.environment
        env["TZ"] = "UTC"
        process.environment = env
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        let stdoutDone = readOutput(out.fileHandleForReading)
        let stderrDone = readErrors(err.fileHandleForReading)
        lastOutput.withLock { $0 = Date() }
        let started = Date()
        let exited: Int32 = await withTaskCancellationHandler {
            // Cancelled before the start: never start (the cancellation handler has already run).
            guard !Task.isCancelled, let exit = try? process.startAwaitingExit() else { return -1 }
            current.withLock { $0 = process }
            // Cancelled while it was starting: the cancellation handler found nothing to stop.
            if Task.isCancelled { stop(process) }
            status.withLock { $0.state = .running; $0.pid = process.processIdentifier; $0.startedAt = started; $0.nextAttempt = nil }
            Task { await self.delegate.recorderEvent(self.key, .started(pid: process.processIdentifier)) }
            Task { await self.supervise(process) }
            return await exit.value
        } onCancel: {
            self.stop(process)
        }
        current.withLock { $0 = nil }
        try? out.fileHandleForWriting.close()
        try? err.fileHandleForWriting.close()
        await stdoutDone.value
        await stderrDone.value
        await readList() // the rows written as ffmpeg closed its last segment
        channel.recorderStopped()
        let lines = status.withLock { $0.lastLines }
        await delegate.recorderEvent(key, .exited(status: exited, ranSeconds: Date().timeIntervalSince(started), lines: lines))
        return exited
    }

    /// Asks ffmpeg to finish (SIGINT closes the current segment properly), then kills it.
    private func stop(_ process: Process?) {
        guard let process, process.isRunning else { return }
        let pid = process.processIdentifier
        kill(pid, SIGINT)
        DispatchQueue.global().asyncAfter(deadline: .now() + 3) {
            if process.isRunning { kill(pid, SIGKILL) }
        }
    }

    /// While ffmpeg runs: indexes the segments it closed, and stops it when it has written nothing
    /// for `policy.silence` seconds (the watchdog). One timer per process, every fifth of the silence
    /// (2 s by default): each wake-up costs the server a few thread switches, for every stream.
    private func supervise(_ process: Process) async {
        let step = min(2, max(0.1, policy.silence / 5))
        while process.isRunning && !Task.isCancelled {
            try? await Task.sleep(for: .seconds(step))
            await readList()
            let quiet = Date().timeIntervalSince(lastOutput.withLock { $0 })
            if quiet > policy.silence && process.isRunning {
                await delegate.recorderEvent(key, .silent(seconds: quiet))
                stop(process)
                return
            }
        }
    }

    // MARK: output

    /// The live stream's clocks: the track's timescale and the stall detector.
    struct Clock: Sendable {
        var timescale: UInt32 = 0
        var stall: StallDetector
    }

    private func readOutput(_ pipe: FileHandle) -> Task<Void, Never> {
        let feed = Shared(LiveFeed())
        let clock = Shared(Clock(stall: policy.stall))
        // A pipe large enough for the reader to rest between reads while nobody watches (ffmpeg
        // must never block on it: its recording would stall). Without it, every frame is read.
        let roomy = fcntl(pipe.fileDescriptor, 1031 /* F_SETPIPE_SZ */, Self.pipeCapacity) >= Self.pipeCapacity
        return readFD(pipe, bufferSize: Self.pipeCapacity / 2, rest: { [channel] read in
            if roomy && read < Self.pipeCapacity / 4 { channel.restWhileUnwatched() }
        }) { [self] bytes in
            lastOutput.withLock { $0 = Date() }
            do {
                try feed.value.withLock {
                    try $0.feed(bytes) { item in
                        if let ratio = self.stalled(item, clock) { self.stopStalled(ratio: ratio) }
                        channel.ingest(item)
                    }
                }
            } catch {
                // A broken box stream: start over; the channel waits for the next init segment.
                feed.value.withLock { $0 = LiveFeed() }
                channel.recorderStopped()
            }
        }
    }

    /// Feeds the stall detector one item of the live output.
    private func stalled(_ item: LiveFeed.Item, _ clock: Shared<Clock>) -> Double? {
        clock.value.withLock { c in
            switch item {
            case .initSegment(_, let track):
                c.timescale = track?.timescale ?? 0
                c.stall.reset()
                return nil
            case .fragment(_, let info):
                guard c.timescale > 0 else { return nil }
                return c.stall.observe(media: Double(info.decodeTime) / Double(c.timescale), at: Date())
            }
        }
    }

    /// A stalled stream is told to its owner (who raises the camera's alert) and stopped: `run`
    /// starts it again after the backoff, and its viewers reconnect to the new stream.
    private func stopStalled(ratio: Double) {
        Task { await self.delegate.recorderEvent(self.key, .stalled(ratio: ratio)) }
        stop(current.withLock { $0 })
    }

    /// 1 MiB: a quarter of a second of a 16 Mbit/s camera is 0.5 MiB.
    static let pipeCapacity: Int32 = 1 << 20

    private func readErrors(_ pipe: FileHandle) -> Task<Void, Never> {
        let pending = Shared(Data())
        return readFD(pipe) { [self] bytes in
            let lines: [String] = pending.value.withLock { buffer in
                buffer.append(contentsOf: bytes)
                var out: [String] = []
                while let nl = buffer.firstIndex(of: 10) {
                    out.append(String(decoding: buffer[buffer.startIndex..<nl], as: UTF8.self))
                    buffer = Data(buffer[(nl + 1)...])
                }
                if buffer.count > 4096 { buffer = Data() }
                return out
            }
            let clean = lines.map { StreamURL.redactLine($0).trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
            if !clean.isEmpty {
                status.withLock { s in
                    s.lastLines.append(contentsOf: clean)
                    if s.lastLines.count > 20 { s.lastLines.removeFirst(s.lastLines.count - 20) }
                }
            }
        }
    }

    /// Reads a pipe as data arrives until end of file, on a thread of its own: a blocking read, so
    /// no event source is left watching a descriptor that is closed and reused when ffmpeg restarts.
    /// `handle` sees the bytes in the read buffer (it copies what it keeps); `rest`, told how many
    /// bytes came, may pause the thread before the next read.
    private func readFD(_ pipe: FileHandle, bufferSize: Int32 = 1 << 16, rest: (@Sendable (Int) -> Void)? = nil,
                        _ handle: @escaping @Sendable (UnsafeRawBufferPointer) -> Void) -> Task<Void, Never> {
        let finished = AsyncStream<Void>.makeStream()
        let thread = Thread {
            let fd = pipe.fileDescriptor
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Int(bufferSize), alignment: 16)
            defer { buffer.deallocate() }
            while true {
                let n = Glibc.read(fd, buffer.baseAddress, buffer.count)
                if n > 0 {
                    handle(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
                    rest?(n)
                } else if n == 0 || errno != EINTR {
                    break
                }
            }
            withExtendedLifetime(pipe) {}
            finished.continuation.finish()
        }
        thread.name = "congvu-recorder-pipe"
        thread.start()
        return Task { for await _ in finished.stream {} }
    }

    // MARK: segments

    private let listOffset = Mutex(0)
    private let reported = Mutex(Set<String>())

    private func readList() async {
        guard let list = command.segmentList, let dir = command.segmentDirectory,
              let data = FileManager.default.contents(atPath: list) else { return }
        let rows: [FFmpegCommand.ListedSegment] = listOffset.withLock { offset in
            if data.count < offset { offset = 0 }
            guard let lastNewline = data.lastIndex(of: 10), lastNewline >= offset else { return [] }
            let text = String(decoding: data[offset...lastNewline], as: UTF8.self)
            offset = lastNewline + 1
            return text.split(separator: "\n").compactMap { FFmpegCommand.parseList(line: String($0)) }
        }
        for row in rows { await report(name: row.name, duration: row.duration, in: dir) }
    }

    private func report(name: String, duration: Double, in dir: String) async {
        guard let start = FFmpegCommand.start(ofSegment: name) else { return }
        let isNew = reported.withLock { names in
            // Names sort by time: forget the older half once a few days of minutes are remembered.
            if names.count > 10_000 { names = Set(names.sorted().suffix(5_000)) }
            return names.insert(name).inserted
        }
        guard isNew else { return }
        let path = (dir as NSString).appendingPathComponent(name)
        let bytes = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int64) ?? 0
        await delegate.segmentClosed(key, file: name, start: start, duration: duration, bytes: bytes)
    }

    /// After a crash the last segment is not in ffmpeg's list: read its fragments back and index it.
    private func recoverUnlisted(since: Date) async {
        guard let dir = command.segmentDirectory,
              let names = try? FileManager.default.contentsOfDirectory(atPath: dir) else { return }
        for name in names.sorted() {
            guard let start = FFmpegCommand.start(ofSegment: name), start >= since.addingTimeInterval(-Double(command.segmentSeconds) - 2),
                  !reported.withLock({ $0.contains(name) }) else { continue }
            let path = (dir as NSString).appendingPathComponent(name)
            guard let file = try? SegmentFile(path: path), file.duration > 0 else { continue }
            await report(name: name, duration: file.duration, in: dir)
        }
    }
}

/// A mutex-guarded value that closures running on other threads can share.
final class Shared<Value: Sendable>: Sendable {
    let value: Mutex<Value>
    init(_ value: Value) { self.value = Mutex(value) }
}
