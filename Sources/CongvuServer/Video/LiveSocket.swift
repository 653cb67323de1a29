import CongvuDomain
import CongvuStore
import CongvuVideo
import Foundation
import Hummingbird
import HummingbirdWebSocket
import NIOCore
import Synchronization

/// The live view over one WebSocket: `/cameras/live/socket?c=3,5&s=sub` carries the cameras asked
/// for (each checked for the live right before the upgrade), multiplexed so a grid of many cameras
/// uses one connection. Binary frames: byte 0 the slot (the camera's place in `c`), byte 1 the kind
/// (0: init segment, preceded by its codec string's length and the string; 1: a fragment), then the
/// bytes. Each viewer reads from its own bounded queue, so a slow phone skips to the next keyframe
/// and never slows the others. Each viewing is logged when it ends.
struct LiveSocket {
    let video: VideoServices

    struct Watch {
        var record: CameraRecord
        var stream: CameraStream
    }

    /// The stream a live request asks for in `s` (`sub` unless `main`), for the socket and HLS alike.
    static func stream(asked request: Request) -> CameraStream {
        request.uri.queryParameters["s"].flatMap { CameraStream(rawValue: String($0)) } ?? .sub
    }

    /// The cameras asked for, each checked: 403 if any lacks the live right, 404 if unknown.
    func watchList(_ request: Request, _ context: AppRequestContext) async throws -> [Watch] {
        _ = try context.signedIn()
        let ids = (request.uri.queryParameters["c"].map(String.init) ?? "").split(separator: ",").compactMap { Int64($0) }
        guard !ids.isEmpty, ids.count <= 36 else { throw ValidationErrors([FieldError("c", "camera_list")]) }
        let stream = Self.stream(asked: request)
        var out: [Watch] = []
        for id in ids {
            out.append(Watch(record: try await video.camera(id, context, needing: .live).0, stream: stream))
        }
        return out
    }

    func addRoutes(to router: Router<AppRequestContext>) {
        router.ws("cameras/live/socket") { request, context in
            do {
                _ = try await watchList(request, context)
                return .upgrade([:])
            } catch {
                return .dontUpgrade
            }
        } onUpgrade: { inbound, outbound, ws in
            let request = ws.request
            let context = ws.requestContext
            guard let watches = try? await watchList(request, context) else { return }
            let started = Date()
            let viewers = ViewerList()
            await withThrowingTaskGroup(of: Void.self) { group in
                for (slot, watch) in watches.enumerated() {
                    group.addTask {
                        // A camera whose stream is not running (switched off, ffmpeg missing, just
                        // changed) shows as offline, and plays as soon as its recorder runs.
                        let camera = watch.record.camera.id
                        var channel = await video.liveChannel(camera: camera, stream: watch.stream)
                        if channel == nil { try await outbound.write(.text("{\"slot\":\(slot),\"state\":\"offline\"}")) }
                        while channel == nil {
                            try await Task.sleep(for: .seconds(2))
                            channel = await video.liveChannel(camera: camera, stream: watch.stream)
                        }
                        guard let channel, let viewer = viewers.add(channel.subscribe()) else { return }
                        // Ends when the socket does, or when the stream is gone for good (the page
                        // then reconnects and finds the camera's new stream).
                        for await chunk in viewer {
                            var buffer = ByteBuffer()
                            buffer.writeInteger(UInt8(slot))
                            switch chunk {
                            case .initSegment(let bytes, let track):
                                buffer.writeInteger(UInt8(0))
                                let codec = Array(track.codec.utf8.prefix(255))
                                buffer.writeInteger(UInt8(codec.count))
                                buffer.writeBytes(codec)
                                buffer.writeBytes(bytes)
                            case .fragment(let bytes, _):
                                buffer.writeInteger(UInt8(1))
                                buffer.writeBytes(bytes)
                            }
                            try await outbound.write(.binary(buffer))
                        }
                    }
                }
                group.addTask {
                    // The page sends nothing that matters; the loop ends when it goes away.
                    for try await _ in inbound {}
                }
                _ = try? await group.next()
                viewers.closeAll()
                group.cancelAll()
            }
            let seconds = Date().timeIntervalSince(started)
            for watch in watches {
                try? await video.cameras.logView(camera: watch.record.camera.id, user: context.actor, kind: .live,
                                                    startedAt: started, seconds: seconds, detail: watch.stream.rawValue)
            }
        }
    }
}

/// Live view for players without MediaSource (iPhones before iOS 17.1): an HLS playlist of the
/// last complete keyframe groups, their bytes and the init segment; the live right is checked on
/// each, and a viewing is logged once a minute while the playlist is being asked for.
struct LiveHLS {
    let video: VideoServices

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get(":id/live.m3u8", use: playlist)
        group.get(":id/live/init.mp4", use: initSegment)
        group.get(":id/live/:segment", use: segment)
    }

    func channel(_ request: Request, _ context: AppRequestContext) async throws -> (CameraRecord, CameraStream, LiveChannel) {
        let (record, _) = try await video.camera(context.parameters.get("id", as: Int64.self), context, needing: .live)
        let stream = LiveSocket.stream(asked: request)
        guard let channel = await video.liveChannel(camera: record.camera.id, stream: stream) else { throw StoreError.notFound("live") }
        return (record, stream, channel)
    }

    func playlist(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let (record, stream, channel) = try await channel(request, context)
        guard let (_, groups) = channel.hls() else { throw StoreError.notFound("live") }
        let id = record.camera.id
        let text = HLSPlaylist.live(groups, initURI: "/cameras/\(id)/live/init.mp4?s=\(stream.rawValue)") {
            "/cameras/\(id)/live/\($0).m4s?s=\(stream.rawValue)"
        }
        let actor = context.actor
        _ = try await video.hub.hlsViewings.value("\(actor.id ?? 0)-\(id)") {
            try await video.cameras.logView(camera: id, user: actor, kind: .live, startedAt: Date(), seconds: 60, detail: "hls \(stream.rawValue)")
            return true
        }
        return Response(status: .ok, headers: [.contentType: "application/vnd.apple.mpegurl", .cacheControl: "no-store"],
                        body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    func initSegment(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let (_, _, channel) = try await channel(request, context)
        guard let (initSegment, _) = channel.hls() else { throw StoreError.notFound("live") }
        return Response(status: .ok, headers: [.contentType: "video/mp4", .cacheControl: "no-store"],
                        body: .init(byteBuffer: ByteBuffer(bytes: initSegment)))
    }

    func segment(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let (_, _, channel) = try await channel(request, context)
        guard let name = context.parameters.get("segment"), name.hasSuffix(".m4s"), let sequence = Int(name.dropLast(4)),
              let group = channel.hls()?.groups.first(where: { $0.sequence == sequence }) else { throw StoreError.notFound("live") }
        return Response(status: .ok, headers: [.contentType: "video/iso.segment", .cacheControl: "private, max-age=30"],
                        body: .init(byteBuffer: ByteBuffer(bytes: group.bytes)))
    }
}

/// The router that answers WebSocket upgrades: the same session as the pages.
func buildWebSocketRouter(_ services: AppServices) -> Router<AppRequestContext> {
    let router = Router(context: AppRequestContext.self)
    router.add(middleware: SessionMiddleware(accounts: services.accounts))
    LiveSocket(video: services.video).addRoutes(to: router)
    return router
}

/// The viewers one socket opened, closed together when it ends (a slot may subscribe late).
final class ViewerList: Sendable {
    private let state = Mutex<(closed: Bool, viewers: [LiveViewer])>((false, []))

    /// The viewer, kept to be closed with the others; nil (and closed) when the socket has ended.
    func add(_ viewer: LiveViewer) -> LiveViewer? {
        let kept = state.withLock { s in
            if !s.closed { s.viewers.append(viewer) }
            return !s.closed
        }
        if !kept { viewer.close() }
        return kept ? viewer : nil
    }

    func closeAll() {
        let viewers = state.withLock { s in
            s.closed = true
            defer { s.viewers = [] }
            return s.viewers
        }
        for viewer in viewers { viewer.close() }
    }
}
