import CongvuDomain
import CongvuStore
import CongvuVideo
import Foundation
import Hummingbird

/// Recorded footage: a day's timeline to pick a moment, playback from the segment files through
/// the same player (byte ranges for MediaSource, an HLS playlist for Safari), and the export of a
/// clip as MP4 without re-encoding. Every path checks the playback (or export) right on the camera,
/// segment bytes included, and every playback and export is logged; exports are audited.
struct PlaybackController {
    let video: VideoServices
    var catalogs: Catalogs { video.views.catalogs }
    var store: CameraStore { video.cameras }
    /// The longest window one playlist covers, and the longest clip one export cuts.
    static let longestWindow: TimeInterval = 6 * 3600
    static let longestClip: TimeInterval = 3600

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get(":id/playback", use: page)
        group.get(":id/playback.json", use: json)
        group.get(":id/playback.m3u8", use: playlist)
        group.get(":id/segments/:name", use: segment)
        group.post(":id/export", use: export)
    }

    func camera(_ context: AppRequestContext, needing right: CameraRight) async throws -> CameraRecord {
        try await video.camera(context.parameters.get("id", as: Int64.self), context, needing: right).0
    }

    /// The window asked in `from` and `to` (ISO instants or local `YYYY-MM-DD HH:MM`), checked.
    func window(_ request: Request, longest: TimeInterval) throws -> TimeSpan {
        func instant(_ key: String) -> Date? {
            guard let text = request.uri.queryParameters[Substring(key)].map(String.init) else { return nil }
            return Instant.parse(text) ?? Instant.parseLocal(text)
        }
        guard let from = instant("from"), let to = instant("to"), to > from, to.timeIntervalSince(from) <= longest else {
            throw ValidationErrors([FieldError("from", "playback_window")])
        }
        return TimeSpan(start: from, end: to)
    }

    /// The indexed files of the window, read by their headers (files retention removed are skipped),
    /// on this node or on the node that recorded them.
    func files(_ record: CameraRecord, _ window: TimeSpan) async throws -> [PlaybackFile] {
        await video.playbackFiles(try await store.segments(camera: record.camera.id, from: window.start, to: window.end))
    }

    func page(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let (record, rights) = try await video.camera(context.parameters.get("id", as: Int64.self), context, needing: .playback)
        let day = request.uri.queryParameters["day"].flatMap { Day(String($0)) } ?? video.today
        let start = CivilTime.startOfDay(day)
        let segments = try await store.segments(camera: record.camera.id, from: start, to: start.addingTimeInterval(86_400))
        let timeline = Timeline(segments: segments, within: TimeSpan(start: start, end: min(Date(), start.addingTimeInterval(86_400))))
        let at = request.uri.queryParameters["at"].flatMap { Instant.parseLocal("\(day) \($0)") } ?? timeline.spans.first?.start
        func pct(_ d: Date) -> String { HLSPlaylist.seconds(max(0, min(100, d.timeIntervalSince(start) / 864))) }
        var page = PlaybackPage(
            id: record.camera.id, name: record.camera.name, unit: record.unitName, day: day.description,
            prev: day.previous.description, next: day.next.description,
            // At least 0.2 % wide (about three minutes), so a short span can still be seen and tapped.
            spans: timeline.spans.map { .init(left: pct($0.start), width: pct(start + max($0.duration, 172.8)), from: Instant.clock($0.start),
                                              to: Instant.clock($0.end), at: Instant.clock($0.start)) },
            has_spans: !timeline.spans.isEmpty, can_export: rights.contains(.export),
            hours: (0..<24).filter { $0 % 3 == 0 }.map { .init(left: pct(start + Double($0) * 3600), label: Digits.pad($0, 2) + ":00",
                                                               anchor: $0 == 0 ? "start" : "middle") })
        if let at {
            let from = at, to = at.addingTimeInterval(1800)
            let query = "from=\(Instant.format(from))&to=\(Instant.format(to))"
            page.playing = .init(json: "/cameras/\(record.camera.id)/playback.json?\(query)",
                                 hls: "/cameras/\(record.camera.id)/playback.m3u8?\(query)", at: Instant.formatLocal(at),
                                 clip_from: Instant.clock(at), clip_to: Instant.clock(at.addingTimeInterval(300)))
        }
        return try video.views.page(page, context)
    }

    func json(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let record = try await camera(context, needing: .playback)
        let window = try window(request, longest: Self.longestWindow)
        let files = try await files(record, window)
        let body = PlaybackPlan(
            codec: files.first?.file.track.codec ?? "", from: Int64(window.start.timeIntervalSince1970 * 1000),
            files: files.map { f in
                .init(url: "/cameras/\(record.camera.id)/segments/\(f.name)", start: Int64(f.start.timeIntervalSince1970 * 1000),
                      initRange: [f.file.initRange.lowerBound, f.file.initRange.count],
                      fragments: f.file.fragments.map { .init(offset: $0.offset, length: $0.length, seconds: $0.seconds) })
            })
        try await store.logView(camera: record.camera.id, user: context.actor, kind: .playback, startedAt: window.start,
                                seconds: window.duration, detail: "")
        return JSONReply.response(body)
    }

    func playlist(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let record = try await camera(context, needing: .playback)
        let window = try window(request, longest: Self.longestWindow)
        let text = HLSPlaylist.make(try await files(record, window)) { "/cameras/\(record.camera.id)/segments/\($0)" }
        try await store.logView(camera: record.camera.id, user: context.actor, kind: .playback, startedAt: window.start,
                                seconds: window.duration, detail: "hls")
        return Response(status: .ok, headers: [.contentType: "application/vnd.apple.mpegurl", .cacheControl: "no-store"],
                        body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// A segment's bytes (whole or a single range), only for a file this camera's index names.
    func segment(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let record = try await camera(context, needing: .playback)
        guard let name = context.parameters.get("name"), let start = FFmpegCommand.start(ofSegment: name) else {
            throw StoreError.notFound("segment")
        }
        let indexed = try await store.segments(camera: record.camera.id, from: start, to: start.addingTimeInterval(1))
        guard let segment = indexed.first(where: { $0.path == "\(record.camera.id)/\(name)" }) else { throw StoreError.notFound("segment") }
        return try await video.segmentResponse(segment, range: request.headers[.range])
    }

    /// The page's export of a clip of the chosen day (local times), as an MP4 download.
    func export(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let form = try await FormData.read(request, context)
        let record = try await camera(context, needing: .export)
        let day = form["day"].tidied
        guard let from = Instant.parseLocal("\(day) \(form["from"].tidied)"), let to = Instant.parseLocal("\(day) \(form["to"].tidied)") else {
            throw ValidationErrors([FieldError("from", "clip_window")])
        }
        let clip = try await video.exportClip(record, from: from, to: to, reason: form["reason"], by: context.actor)
        let file = "camera-\(record.camera.id)-\(day)-\(form["from"].tidied.replacingOccurrences(of: ":", with: "")).mp4"
        return Self.mp4(clip, file: file)
    }

    static func mp4(_ clip: Data, file: String) -> Response {
        Response(status: .ok, headers: [.contentType: "video/mp4", .contentDisposition: "attachment; filename=\"\(file)\""],
                 body: .init(byteBuffer: ByteBuffer(bytes: clip)))
    }
}

extension VideoServices {
    /// Cuts [from, to) of a camera's footage into one MP4 (concat of the segment files, no
    /// re-encoding), with the reason audited and the export in the viewing log: the page's export and
    /// the API's clip. At most `PlaybackController.longestClip`, and only what was recorded.
    func exportClip(_ record: CameraRecord, from: Date, to: Date, reason: String, by actor: Actor) async throws -> Data {
        guard to > from, to.timeIntervalSince(from) <= PlaybackController.longestClip else { throw ValidationErrors([FieldError("from", "clip_window")]) }
        let reason = reason.tidied
        guard reason.count >= 3 else { throw ValidationErrors([FieldError("reason", "required")]) }
        guard let ffmpeg = hub.ffmpeg else {
            throw Refusal(status: .serviceUnavailable, key: "ffmpeg_missing")
        }
        let segments = try await cameras.segments(camera: record.camera.id, from: from, to: to)
        guard !segments.isEmpty else { throw Refusal(status: .notFound, key: "clip_nothing_recorded") }
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("congvu-clip-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }
        // Segments recorded on another node are fetched from it first (only those the clip covers).
        var pieces: [(String, Date, TimeInterval)] = []
        for s in segments where s.end > from && s.start < to {
            if let path = await segmentFile(s, into: work) { pieces.append((path, s.start, s.duration)) }
        }
        guard !pieces.isEmpty else { throw Refusal(status: .notFound, key: "clip_nothing_recorded") }
        let list = ClipExport.concatList(pieces, from: from, to: to)
        try list.write(toFile: work + "/list.txt", atomically: true, encoding: .utf8)
        let output = work + "/clip.mp4"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ffmpeg)
        process.arguments = ClipExport.arguments(list: work + "/list.txt", output: output)
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        let exit = try? process.startAwaitingExit()
        let status = await exit?.value ?? -1
        guard status == 0, let clip = FileManager.default.contents(atPath: output) else {
            throw Refusal(status: .serviceUnavailable, key: "clip_failed")
        }
        try await self.audit.record(.init(action: .create, objectType: "camera_export", objectID: String(record.camera.id),
                                     after: AuditJSON.encode(["from": Instant.format(from), "to": Instant.format(to), "bytes": String(clip.count)]),
                                     reason: reason), by: actor)
        try await cameras.logView(camera: record.camera.id, user: actor, kind: .export, startedAt: from, seconds: to.timeIntervalSince(from),
                                  detail: reason)
        return clip
    }
}

/// A camera's day: the recorded spans on a 24-hour bar, and the player at the chosen time.
struct PlaybackPage: Page {
    static let template = "camera_playback"
    struct Span: Decodable { var left: String; var width: String; var from: String; var to: String; var at: String }
    struct Hour: Decodable { var left: String; var label: String; var anchor: String }
    struct Playing: Decodable { var json: String; var hls: String; var at: String; var clip_from: String; var clip_to: String }
    var id: Int64
    var name: String
    var unit: String
    var day: String
    var prev: String
    var next: String
    var spans: [Span]
    var has_spans: Bool
    var can_export: Bool
    var hours: [Hour]
    var playing: Playing?
}

/// What the player fetches to play a window: each segment file's URL, start (ms), init section and
/// fragments as `[offset, length, seconds]`.
struct PlaybackPlan: Encodable {
    struct File: Encodable {
        struct Fragment: Encodable {
            var offset: Int
            var length: Int
            var seconds: Double
            func encode(to encoder: any Encoder) throws {
                var c = encoder.unkeyedContainer()
                try c.encode(offset)
                try c.encode(length)
                try c.encode(seconds)
            }
        }
        var url: String
        var start: Int64
        var initRange: [Int]
        var fragments: [Fragment]
        enum CodingKeys: String, CodingKey { case url, start, initRange = "init", fragments }
    }
    var codec: String
    var from: Int64
    var files: [File]
}
