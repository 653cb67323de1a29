import CongvuDomain
import CongvuStore
import CongvuVideo
import Foundation
import AsyncHTTPClient
import Logging
import ServiceLifecycle
import Synchronization

/// Every camera stream's recorder, kept in step with the cameras table: the main stream recorded
/// (and live for the chairman's screen), the sub-stream live only for phones and grids. Segments and
/// recorder events go to the store; retention runs from here too.
///
/// With several nodes (issue 25) a recorder node records only the cameras of its site (the unit
/// named by `node_site` and below; every camera without one), and only those it holds a lease on
/// (`JobClaims`, job `camera`, slot the camera's id): two recorder nodes of one site share its
/// cameras, and when one stops renewing, the other takes its cameras within `cameraLease` plus a
/// sync. A node that cannot reach the database keeps recording what it holds, and indexes the
/// segments it closed meanwhile once the database answers again.
public final class VideoHub: RecorderDelegate {
    struct Running {
        var recorder: Recorder
        var task: Task<Void, Never>
        /// What the recorder was started with: a changed camera is restarted.
        var command: FFmpegCommand
        /// When it was started: a camera that never sent a picture is offline from here.
        var started: Date
    }

    let store: CameraStore
    /// ffmpeg's path, or nil when it is not installed: the pages say so and nothing records.
    public let ffmpeg: String?
    public let ffmpegSetting: String
    public let directory: String
    let segmentSeconds: Int
    let policy: RestartPolicy
    let logger: Logger
    private let running = Mutex<[StreamKey: Running]>([:])

    /// Snapshots taken at punches, stored once by hash like terminals' photos, kept `snapshotDays`.
    public let snapshots: PhotoStore
    let snapshotDays: Int
    /// HLS live viewings already logged this minute, per account and camera (players ask every few seconds).
    let hlsViewings = ExpiringCache<Bool>(lifetime: 60, capacity: 10_000)

    /// Whether this node records (the `recorder` role with cameras on), for which site, as which node.
    public let records: Bool
    let site: String
    let node: String
    let claims: JobClaims
    let units: UnitStore
    /// The cameras this node holds a lease on, by id.
    private let held = Mutex<[Int64: JobClaims.Claim]>([:])
    /// Segments closed while the database did not answer: indexed at the next sync that reaches it.
    private let unindexed = Mutex<[RecordedSegment]>([])
    /// One sync at a time (the loop, a camera edited here, a change heard from another node).
    private let syncing = Mutex<Task<Void, Never>?>(nil)
    /// How long a camera's lease holds without renewal; syncs renew it every `VideoService.interval`.
    public static let cameraLease: TimeInterval = 15

    init(store: CameraStore, ffmpeg: String, directory: String, segmentSeconds: Int, snapshots: PhotoStore, snapshotDays: Int,
         policy: RestartPolicy = RestartPolicy(), records: Bool = true, site: String = "", node: String = "congvu",
         claims: JobClaims, units: UnitStore, logger: Logger) {
        self.records = records
        self.site = site
        self.node = node
        self.claims = claims
        self.units = units
        self.snapshots = snapshots
        self.snapshotDays = snapshotDays
        self.store = store
        self.ffmpegSetting = ffmpeg
        self.ffmpeg = Recorder.locate(ffmpeg)
        self.directory = directory
        self.segmentSeconds = segmentSeconds
        self.policy = policy
        self.logger = logger
    }

    public var available: Bool { ffmpeg != nil }

    /// The live picture of a camera stream; the main stream when the camera has no sub-stream.
    public func channel(camera: Int64, stream: CameraStream) -> LiveChannel? {
        running.withLock { r in
            (r[StreamKey(cameraID: camera, stream: stream)] ?? r[StreamKey(cameraID: camera, stream: .main)])?.recorder.channel
        }
    }

    public func recorder(camera: Int64, stream: CameraStream) -> Recorder? {
        running.withLock { $0[StreamKey(cameraID: camera, stream: stream)]?.recorder }
    }

    func segmentDirectory(camera: Int64) -> String { (directory as NSString).appendingPathComponent(String(camera)) }

    /// Where a segment's file lies on this node (`path` as the index holds it).
    func localPath(_ path: String) -> String { (directory as NSString).appendingPathComponent(path) }

    /// Starts recorders for new or changed active cameras this node holds and stops the others;
    /// syncs asked for while one runs run after it, one at a time.
    public func sync(now: Date = Date()) async {
        let task = syncing.withLock { last -> Task<Void, Never> in
            let previous = last
            let next = Task { await previous?.value; await self.syncOnce(now: now) }
            last = next
            return next
        }
        await task.value
    }

    /// The active cameras of this node's site (every camera without a site).
    func siteCameras() async throws -> [CameraRecord] {
        let cameras = try await store.cameras(within: nil).filter { $0.camera.active }
        guard !site.isEmpty else { return cameras }
        guard let unit = try await units.byCode(site) else {
            logger.error("node_site names no unit: nothing recorded", metadata: ["site": "\(site)"])
            return []
        }
        return cameras.filter { $0.unitPath.hasPrefix(unit.path) }
    }

    /// Renews this node's leases, claims the site's cameras nobody holds, gives up those no longer
    /// its site's: the cameras this node records now. Without the database, what it holds.
    func leases(now: Date) async -> [CameraRecord]? {
        let cameras: [CameraRecord]
        do { cameras = try await siteCameras() } catch {
            logger.error("cameras unreadable", metadata: ["error": "\(error)"])
            return nil
        }
        let ids = Set(cameras.map(\.camera.id))
        var mine = held.withLock { $0 }
        do {
            let kept = try await claims.renew(Array(mine.values), lease: Self.cameraLease, now: now)
            let keptIDs = Set(kept.compactMap { Int64($0.slot) })
            for id in mine.keys where !keptIDs.contains(id) {
                logger.warning("camera taken over by another node", metadata: ["camera": "\(id)"])
                mine[id] = nil
            }
            for (id, claim) in mine where !ids.contains(id) {
                try await claims.release(claim, now: now)
                mine[id] = nil
            }
            for id in ids where mine[id] == nil {
                if let claim = try await claims.claim("camera", slot: String(id), node: node, lease: Self.cameraLease, now: now) {
                    if claim.attempt > 1 { logger.info("camera taken over", metadata: ["camera": "\(id)", "attempt": "\(claim.attempt)"]) }
                    mine[id] = claim
                }
            }
        } catch {
            logger.error("camera leases not renewed: recording on", metadata: ["error": "\(error)"])
        }
        held.withLock { $0 = mine }
        return cameras.filter { mine[$0.camera.id] != nil }
    }

    func syncOnce(now: Date) async {
        guard let ffmpeg, records else { return }
        await indexUnindexed()
        guard let cameras = await leases(now: now) else { return }
        var wanted: [StreamKey: FFmpegCommand] = [:]
        for record in cameras {
            let c = record.camera
            guard let password = try? await store.password(of: c.id) else { continue }
            let main = FFmpegCommand(input: StreamURL.withCredentials(c.url(.main), username: c.username, password: password),
                                     segmentDirectory: c.recording ? segmentDirectory(camera: c.id) : nil, segmentSeconds: segmentSeconds)
            wanted[StreamKey(cameraID: c.id, stream: .main)] = main
            if c.hasSubStream {
                wanted[StreamKey(cameraID: c.id, stream: .sub)] =
                    FFmpegCommand(input: StreamURL.withCredentials(c.url(.sub), username: c.username, password: password), segmentDirectory: nil)
            }
        }
        let stopped: [Running] = running.withLock { r in
            var out: [Running] = []
            for (key, run) in r where wanted[key] != run.command {
                out.append(run)
                r[key] = nil
            }
            for (key, command) in wanted where r[key] == nil {
                let recorder = Recorder(key: key, command: command, ffmpeg: ffmpeg, policy: policy, delegate: self)
                r[key] = Running(recorder: recorder, task: Task { await recorder.run() }, command: command, started: Date())
            }
            return out
        }
        for run in stopped {
            run.task.cancel()
            await run.task.value
            run.recorder.channel.closeViewers()
        }
    }

    /// Stops every recorder (each closes its segment) and gives its cameras' leases up.
    public func stopAll() async {
        let all = running.withLock { r -> [Running] in defer { r = [:] }; return Array(r.values) }
        for run in all { run.task.cancel() }
        for run in all { await run.task.value; run.recorder.channel.closeViewers() }
        await indexUnindexed()
        for claim in held.withLock({ h -> [JobClaims.Claim] in defer { h = [:] }; return Array(h.values) }) {
            try? await claims.release(claim)
        }
    }

    /// Indexes the segments closed while the database did not answer, oldest first; stops at the
    /// first that still cannot be written.
    func indexUnindexed() async {
        let waiting = unindexed.withLock { u -> [RecordedSegment] in defer { u = [] }; return u }
        guard !waiting.isEmpty else { return }
        var left = waiting[...]
        while let s = left.first {
            do { try await store.addSegment(s) } catch { break }
            VideoMetrics.indexed(bytes: s.bytes)
            left = left.dropFirst()
        }
        if !left.isEmpty { unindexed.withLock { $0 = Array(left) + $0 } }
        logger.info("segments indexed after the database came back", metadata: ["indexed": "\(waiting.count - left.count)", "waiting": "\(left.count)"])
    }

    /// The segments waiting for the database (what tests and `/healthz` read).
    public var unindexedCount: Int { unindexed.withLock { $0.count } }

    // MARK: RecorderDelegate

    public func segmentClosed(_ key: StreamKey, file: String, start: Date, duration: TimeInterval, bytes: Int64) async {
        // The last segment arrives while its recorder is being stopped (a camera edited or removed): the
        // write runs in a task of its own, which that cancellation does not reach, so it is never lost.
        let store = self.store
        let segment = RecordedSegment(cameraID: key.cameraID, start: start, end: start.addingTimeInterval(duration), bytes: bytes,
                                      path: "\(key.cameraID)/\(file)", node: node)
        do {
            try await Task { try await store.addSegment(segment) }.value
            VideoMetrics.indexed(bytes: bytes)
        } catch {
            // The file is on this node's disk: indexed when the database answers again (`indexUnindexed`).
            unindexed.withLock { $0.append(segment) }
            logger.error("segment not indexed yet", metadata: ["camera": "\(key.cameraID)", "file": "\(file)", "error": "\(error)"])
        }
    }

    public func recorderEvent(_ key: StreamKey, _ event: RecorderEvent) async {
        let (kind, detail): (String, String)
        switch event {
        case .started(let pid): (kind, detail) = ("started", "pid \(pid)")
        case .exited(let status, let ran, let lines):
            (kind, detail) = ("exited", "status \(status) after \(Int(ran)) s\n" + lines.suffix(5).joined(separator: "\n"))
        case .silent(let seconds): (kind, detail) = ("silent", "\(Int(seconds)) s")
        case .stalled(let ratio): (kind, detail) = ("stalled", "\((ratio * 100).rounded() / 100) s/s")
        case .missingProgram(let path): (kind, detail) = ("missing_program", path)
        }
        let store = self.store
        do {
            try await Task {
                try await store.recordEvent(camera: key.cameraID, stream: key.stream, kind: kind, detail: detail)
                // A frozen picture while the page says "running" must reach the office: one alert a day and stream.
                if case .stalled = event {
                    try await store.raiseAlert(camera: key.cameraID, kind: "stalled", detail: "\(key.stream.rawValue) \(detail)",
                                               dedupe: "stalled-\(key.cameraID)-\(key.stream.rawValue)-\(Day(Date(), in: CivilTime.vietnam))")
                }
            }.value
        } catch {
            logger.error("camera event not kept", metadata: ["camera": "\(key.cameraID)", "error": "\(error)"])
        }
    }

    /// A camera whose main stream has sent no picture for `after` seconds is offline: its alert is
    /// raised once a day (the store tells the office). Called by the video service's loop.
    public func watchOffline(now: Date = Date(), after: TimeInterval = 120) async {
        let silent: [(Int64, TimeInterval)] = running.withLock { r in
            r.compactMap { key, run in
                guard key.stream == .main else { return nil }
                let quiet = now.timeIntervalSince(run.recorder.channel.statistics.lastFragmentAt ?? run.started)
                return quiet > after ? (key.cameraID, quiet) : nil
            }
        }
        let day = Day(now, in: CivilTime.vietnam)
        for (camera, quiet) in silent {
            do {
                try await store.raiseAlert(camera: camera, kind: "offline", detail: "\(Int(quiet)) s", dedupe: "offline-\(camera)-\(day)")
            } catch {
                logger.error("camera alert not kept", metadata: ["camera": "\(camera)", "error": "\(error)"])
            }
        }
    }

    /// The recorders' state for `/metrics`: streams running, those silent for `after` seconds
    /// (stalled), and the live viewers watching them, in Prometheus's text exposition.
    public func exposition(now: Date = Date(), after: TimeInterval = 120) -> String {
        let (running, stalled, viewers) = self.running.withLock { r -> (Int, Int, Int) in
            var stalled = 0, viewers = 0
            for run in r.values {
                let stats = run.recorder.channel.statistics
                if now.timeIntervalSince(stats.lastFragmentAt ?? run.started) > after { stalled += 1 }
                viewers += stats.viewers
            }
            return (r.count, stalled, viewers)
        }
        return """
            # HELP congvu_video_streams Camera streams with a recorder on this node, and those that sent nothing for two minutes.
            # TYPE congvu_video_streams gauge
            congvu_video_streams{state="running"} \(running)
            congvu_video_streams{state="stalled"} \(stalled)
            # HELP congvu_video_live_viewers Live viewers watching this node's streams.
            # TYPE congvu_video_live_viewers gauge
            congvu_video_live_viewers \(viewers)

            """
    }

    // MARK: snapshots at punches

    /// Keeps a JPEG of the moment for each fresh punch at `serial`'s entrance when a camera is linked
    /// to it: from the recorder's keyframe group, else from the camera's snapshot address. A punch
    /// uploaded late (more than two minutes after it happened) gets none: the picture would be of now.
    public func snapshot(terminal serial: String, punches: [(key: String, at: Date)], now: Date = Date()) async {
        let fresh = punches.filter { abs(now.timeIntervalSince($0.at)) <= 120 }
        guard !fresh.isEmpty, let record = try? await store.camera(forTerminal: serial) else { return }
        let camera = record.camera
        var jpeg: Data?
        if let ffmpeg, let group = channel(camera: camera.id, stream: .main)?.currentGroup() {
            jpeg = await Snapshot.jpeg(fromGroup: group, ffmpeg: ffmpeg)
        }
        if jpeg == nil, let url = camera.snapshot, let password = try? await store.password(of: camera.id) {
            jpeg = await Snapshot.jpeg(from: url, username: camera.username, password: password, client: .shared)
        }
        guard let jpeg else {
            logger.info("no snapshot for a punch", metadata: ["camera": "\(camera.id)", "terminal": "\(serial)"])
            return
        }
        do {
            let sha = try snapshots.write(jpeg)
            for punch in fresh { try await store.linkSnapshot(punchKey: punch.key, camera: camera.id, sha: sha, takenAt: punch.at) }
        } catch {
            logger.error("snapshot not kept", metadata: ["camera": "\(camera.id)", "error": "\(error)"])
        }
    }

    // MARK: retention

    /// One retention pass: deletes by age and by free disk, never protected footage; alerts instead.
    @discardableResult
    public func applyRetention(now: Date = Date(), freeBytes: Int64? = nil, totalBytes: Int64? = nil) async throws -> RetentionPlan {
        let cameras = try await store.cameras(within: nil)
        let rules = Dictionary(uniqueKeysWithValues: cameras.map { ($0.camera.id, RetentionPlan.CameraRule(retentionDays: $0.camera.retentionDays)) })
        // Whatever any camera keeps no longer (the plan then applies each camera's own days).
        let shortest = cameras.map(\.camera.retentionDays).min() ?? 30
        let candidates = try await store.retentionCandidates(endedBefore: now.addingTimeInterval(-Double(shortest) * 86_400), oldest: 2000, node: node)
        let disk = Self.disk(directory)
        let protected = try await store.protectedSpans(from: candidates.first?.start ?? now, to: candidates.map(\.end).max() ?? now)
        let plan = RetentionPlan(segments: candidates, rules: rules, protected: protected, now: now,
                                 freeBytes: freeBytes ?? disk.free, totalBytes: totalBytes ?? disk.total)
        for path in try await store.removeSegments(plan.delete) {
            try? FileManager.default.removeItem(atPath: (directory as NSString).appendingPathComponent(path))
        }
        let deleted = Set(plan.delete)
        VideoMetrics.retained(deleted: candidates.filter { deleted.contains($0.id) })
        // Snapshots at punches have their own retention.
        for sha in try await store.pruneSnapshots(takenBefore: now.addingTimeInterval(-Double(snapshotDays) * 86_400)) {
            snapshots.remove(sha: sha)
        }
        let day = Day(now, in: CivilTime.vietnam).description
        for alert in plan.alerts {
            switch alert {
            case .keptPastRetention(let camera, let count, let bytes):
                try await store.raiseAlert(camera: camera, kind: "kept_past_retention", detail: "\(count) \(bytes)", dedupe: "kept-\(camera)-\(day)")
            case .diskLowProtectedOnly(let free, let needed):
                try await store.raiseAlert(camera: nil, kind: "disk_low_protected", detail: "\(free) \(needed)", dedupe: "disk-\(day)")
            }
        }
        return plan
    }

    static func disk(_ path: String) -> (free: Int64, total: Int64) {
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        guard let attrs = try? FileManager.default.attributesOfFileSystem(forPath: path) else { return (0, 0) }
        return ((attrs[.systemFreeSize] as? NSNumber)?.int64Value ?? 0, (attrs[.systemSize] as? NSNumber)?.int64Value ?? 0)
    }
}

/// Keeps the recorders in step with the cameras and their leases (every 5 s) and applies retention
/// (every 10 min); stops them all at shutdown.
struct VideoService: Service {
    let hub: VideoHub
    let logger: Logger
    static let interval: Duration = .seconds(5)

    func run() async throws {
        if !hub.available {
            logger.warning("ffmpeg not found: cameras will not record", metadata: ["ffmpeg": "\(hub.ffmpegSetting)"])
        }
        var lastRetention = Date.distantPast
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            await hub.sync()
            await hub.watchOffline()
            if Date().timeIntervalSince(lastRetention) > 600 {
                lastRetention = Date()
                do { try await hub.applyRetention() } catch { logger.error("retention failed", metadata: ["error": "\(error)"]) }
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: Self.interval) }
        }
        await hub.stopAll()
    }
}
