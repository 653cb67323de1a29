import AsyncHTTPClient
import CongvuDomain
import CongvuStore
import CongvuVideo
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import Synchronization

/// Cameras across nodes (issue 25): a camera's live picture runs on the recorder node holding it,
/// its recordings lie on the disk of the node that recorded them. Any web node shows them: it checks
/// the viewer's rights as always, then relays from that node over the `/internal` routes, which
/// answer only the cluster credential (`ClusterCredential`).
struct VideoInternalController {
    let video: VideoServices

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get("cameras/:id/live", use: live)
        group.get("cameras/:id/index", use: index)
        group.get("cameras/:id/segments/:name", use: segment)
    }

    /// This node's live picture of a camera it runs, as fragmented MP4: the init segment, then each
    /// fragment as it comes (a slow reader skips to the next keyframe, as a viewer does).
    func live(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let stream = request.uri.queryParameters["s"].flatMap { CameraStream(rawValue: String($0)) } ?? .main
        guard let id = context.parameters.get("id", as: Int64.self), let channel = video.hub.channel(camera: id, stream: stream) else {
            throw StoreError.notFound("live")
        }
        let viewer = channel.subscribe()
        return Response(status: .ok, headers: [.contentType: "video/mp4", .cacheControl: "no-store"], body: ResponseBody { writer in
            defer { viewer.close() }
            for await chunk in viewer {
                switch chunk {
                case .initSegment(let bytes, _), .fragment(let bytes, _): try await writer.write(ByteBuffer(bytes: bytes))
                }
            }
            try await writer.finish(nil)
        })
    }

    /// The headers of segment files on this node's disk (`names`, comma-separated), read as
    /// playback reads them: what a web node needs to plan playback without fetching the files.
    func index(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        guard let id = context.parameters.get("id", as: Int64.self) else { throw StoreError.notFound("camera") }
        let names = (request.uri.queryParameters["names"].map(String.init) ?? "").split(separator: ",").map(String.init)
        var files: [String: SegmentFile] = [:]
        for name in names.prefix(2000) where VideoServices.isSegmentName(name) {
            files[name] = try? SegmentFile(path: video.hub.localPath("\(id)/\(name)"))
        }
        let data = try JSONEncoder().encode(files)
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// A segment file on this node's disk, whole or a byte range.
    func segment(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        guard let id = context.parameters.get("id", as: Int64.self), let name = context.parameters.get("name"),
              VideoServices.isSegmentName(name) else { throw StoreError.notFound("segment") }
        return try VideoServices.serve(file: video.hub.localPath("\(id)/\(name)"), range: request.headers[.range])
    }
}

/// Live pictures relayed from the recorder node holding them: one upstream connection per camera
/// stream, shared by this node's viewers, closed when nobody has watched for a while or when the
/// upstream ends (its node died: the next viewer finds the camera's new holder).
final class LiveRelays: Sendable {
    private struct Entry {
        let channel: LiveChannel
        let task: Task<Void, Never>
    }
    private let entries = Mutex<[StreamKey: Entry]>([:])
    let logger: Logger
    /// How long a relay stays open without anyone watching.
    static let idle: TimeInterval = 30

    init(logger: Logger) { self.logger = logger }

    /// The relay of `key` already open on this node.
    func existing(_ key: StreamKey) -> LiveChannel? { entries.withLock { $0[key]?.channel } }

    func channel(_ key: StreamKey, from address: String, credential: ClusterCredential) -> LiveChannel {
        entries.withLock { e in
            if let entry = e[key] { return entry.channel }
            let channel = LiveChannel()
            let task = Task { [logger] in
                await Self.relay(key, from: address, into: channel, credential: credential, logger: logger)
                channel.recorderStopped()
                channel.closeViewers()
                self.entries.withLock { e in if e[key]?.channel === channel { e[key] = nil } }
            }
            e[key] = Entry(channel: channel, task: task)
            return channel
        }
    }

    var count: Int { entries.withLock { $0.count } }

    static func relay(_ key: StreamKey, from address: String, into channel: LiveChannel, credential: ClusterCredential, logger: Logger) async {
        let path = "/internal/cameras/\(key.cameraID)/live"
        let request = credential.get(address, path, query: "s=\(key.stream.rawValue)")
        do {
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
            guard response.status == .ok else {
                logger.warning("live relay refused", metadata: ["camera": "\(key.cameraID)", "node": "\(address)", "status": "\(response.status.code)"])
                return
            }
            var feed = LiveFeed()
            var lastWatched = Date()
            for try await buffer in response.body {
                try buffer.withUnsafeReadableBytes { bytes in try feed.feed(bytes) { channel.ingest($0) } }
                let now = Date()
                if channel.isWatched(now: now) { lastWatched = now } else if now.timeIntervalSince(lastWatched) > idle { break }
            }
        } catch {
            logger.info("live relay ended", metadata: ["camera": "\(key.cameraID)", "node": "\(address)", "error": "\(error)"])
        }
    }
}

extension ClusterCredential {
    /// A GET of another node's `/internal` route at `address`, carrying this node's credential.
    func get(_ address: String, _ path: String, query: String? = nil) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: "http://\(address)\(path)" + (query.map { "?" + $0 } ?? ""))
        request.headers.add(name: Self.header.rawName, value: value(method: "GET", path: path))
        return request
    }
}

extension VideoServices {
    /// A camera stream's live picture on this node: its own recorder's, or relayed from the node
    /// holding the camera; nil when no node runs it now.
    func liveChannel(camera: Int64, stream: CameraStream) async -> LiveChannel? {
        if let local = hub.channel(camera: camera, stream: stream) { return local }
        // An open relay answers without the database (HLS players ask every second or two).
        let key = StreamKey(cameraID: camera, stream: stream)
        if let relayed = relays.existing(key) { return relayed }
        guard let holder = try? await shared.cluster.claims.holder("camera", slot: String(camera)), holder.live(at: Date()),
              let address = try? await shared.cluster.address(of: holder.node) else { return nil }
        return relays.channel(key, from: address, credential: shared.cluster.credential)
    }

    /// Whether `name` is a segment file's name as the recorders write them (no path in it).
    static func isSegmentName(_ name: String) -> Bool {
        FFmpegCommand.start(ofSegment: name) != nil && !name.contains("/") && !name.contains("..")
    }

    /// The playback headers of a window's segments: read on this node's disk, or asked of the node
    /// that recorded them (one request per node); files retention removed, or on a node that is
    /// gone, are left out.
    func playbackFiles(_ segments: [RecordedSegment]) async -> [PlaybackFile] {
        var remote: [String: [RecordedSegment]] = [:]
        var files: [Int64: SegmentFile] = [:]
        for s in segments {
            if let file = try? SegmentFile(path: hub.localPath(s.path)) { files[s.id] = file } else if !s.node.isEmpty { remote[s.node, default: []].append(s) }
        }
        for (node, list) in remote {
            guard let camera = list.first?.cameraID, let address = try? await shared.cluster.address(of: node) else { continue }
            let names = list.map { ($0.path as NSString).lastPathComponent }
            let path = "/internal/cameras/\(camera)/index"
            guard let data = try? await internalGet(address, path, query: "names=" + names.joined(separator: ","), limit: 16 << 20),
                  let index = try? JSONDecoder().decode([String: SegmentFile].self, from: data) else { continue }
            for s in list { files[s.id] = index[(s.path as NSString).lastPathComponent] }
        }
        return segments.compactMap { s in files[s.id].map { PlaybackFile(name: (s.path as NSString).lastPathComponent, start: s.start, file: $0) } }
    }

    /// A segment's bytes for the player: from this node's disk, or relayed (the range included) from
    /// the node that recorded it.
    func segmentResponse(_ s: RecordedSegment, range: String?) async throws -> Response {
        let local = hub.localPath(s.path)
        if FileManager.default.fileExists(atPath: local) { return try Self.serve(file: local, range: range) }
        guard !s.node.isEmpty, let address = try? await shared.cluster.address(of: s.node) else { throw StoreError.notFound("segment") }
        let path = "/internal/cameras/\(s.cameraID)/segments/\((s.path as NSString).lastPathComponent)"
        var request = shared.cluster.credential.get(address, path)
        if let range { request.headers.add(name: "Range", value: range) }
        // The recording's node unreachable or cut off mid-answer: the player is told it is not here, never a 500.
        guard let response = try? await HTTPClient.shared.execute(request, timeout: .seconds(30)),
              [200, 206, 416].contains(response.status.code),
              let body = try? await response.body.collect(upTo: 1 << 30) else { throw StoreError.notFound("segment") }
        var headers: HTTPFields = [.contentType: "video/mp4", .acceptRanges: "bytes", .cacheControl: "private, max-age=3600"]
        if let contentRange = response.headers.first(name: "Content-Range") { headers[.contentRange] = contentRange }
        return Response(status: .init(code: Int(response.status.code)), headers: headers, body: .init(byteBuffer: body))
    }

    /// A segment file on this node's disk for ffmpeg (a clip): fetched into `directory` from the node
    /// that recorded it when it is not here; nil when neither has it.
    func segmentFile(_ s: RecordedSegment, into directory: String) async -> String? {
        let local = hub.localPath(s.path)
        if FileManager.default.fileExists(atPath: local) { return local }
        guard !s.node.isEmpty, let address = try? await shared.cluster.address(of: s.node) else { return nil }
        let path = "/internal/cameras/\(s.cameraID)/segments/\((s.path as NSString).lastPathComponent)"
        guard let data = try? await internalGet(address, path, limit: 1 << 30) else { return nil }
        let copy = (directory as NSString).appendingPathComponent("\(s.id).mp4")
        return FileManager.default.createFile(atPath: copy, contents: data) ? copy : nil
    }

    /// A GET of another node's `/internal` route, with the cluster credential; the body, or nil
    /// unless 200.
    func internalGet(_ address: String, _ path: String, query: String? = nil, limit: Int) async throws -> Data? {
        let request = shared.cluster.credential.get(address, path, query: query)
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        guard response.status == .ok else { return nil }
        return Data(try await response.body.collect(upTo: limit).readableBytesView)
    }

    /// A file's bytes, whole or a single range (RFC 9110), as the player asks.
    static func serve(file path: String, range: String?) throws -> Response {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw StoreError.notFound("segment") }
        defer { try? handle.close() }
        let size = Int(try handle.seekToEnd())
        var headers: HTTPFields = [.contentType: "video/mp4", .acceptRanges: "bytes", .cacheControl: "private, max-age=3600"]
        if let range = ByteRange(header: range, size: size) {
            try handle.seek(toOffset: UInt64(range.lower))
            let data = try handle.read(upToCount: range.count) ?? Data()
            headers[.contentRange] = "bytes \(range.lower)-\(range.upper)/\(size)"
            return Response(status: .partialContent, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
        }
        if range != nil {
            headers[.contentRange] = "bytes */\(size)"
            return Response(status: .rangeNotSatisfiable, headers: headers)
        }
        try handle.seek(toOffset: 0)
        let data = try handle.readToEnd() ?? Data()
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
