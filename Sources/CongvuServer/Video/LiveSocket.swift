import CongvuDomain
import CongvuStore
import CongvuVideo
import Foundation
import Hummingbird
import HummingbirdWebSocket
import NIOCore

/// The live view over one WebSocket: `/cameras/live/socket?c=3,5&s=sub` carries the cameras asked
/// for (each checked for the live right before the upgrade), multiplexed so a grid of many cameras
/// uses one connection. Binary frames: byte 0 the slot (the camera's place in `c`), byte 1 the kind
/// (0: init segment, preceded by its codec string's length and the string; 1: a fragment), then the
/// bytes. Each viewer reads from its own bounded queue, so a slow phone skips to the next keyframe
/// and never slows the others. Each viewing is logged when it ends.
struct LiveSocket {
    let services: AppServices

    struct Watch {
        var record: CameraRecord
        var stream: CameraStream
    }

    /// The cameras asked for, each checked: 403 if any lacks the live right, 404 if unknown.
    func watchList(_ request: Request, _ context: AppRequestContext) async throws -> [Watch] {
        _ = try context.signedIn()
        let ids = (request.uri.queryParameters["c"].map(String.init) ?? "").split(separator: ",").compactMap { Int64($0) }
        guard !ids.isEmpty, ids.count <= 36 else { throw HTTPError(.badRequest, message: "c") }
        let stream = CameraStream(rawValue: request.uri.queryParameters["s"].map(String.init) ?? "sub") ?? .sub
        var out: [Watch] = []
        for id in ids {
            out.append(Watch(record: try await services.camera(id, context, needing: .live).0, stream: stream))
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
            var viewers: [LiveViewer] = []
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (slot, watch) in watches.enumerated() {
                    guard let channel = services.video.channel(camera: watch.record.camera.id, stream: watch.stream) else {
                        try await outbound.write(.text("{\"slot\":\(slot),\"state\":\"offline\"}"))
                        continue
                    }
                    let viewer = channel.subscribe()
                    viewers.append(viewer)
                    group.addTask {
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
                let open = viewers
                group.addTask {
                    // The page sends nothing that matters; the loop ends when it goes away.
                    for try await _ in inbound {}
                    for viewer in open { viewer.close() }
                }
                _ = try? await group.next()
                for viewer in open { viewer.close() }
                group.cancelAll()
            }
            let seconds = Date().timeIntervalSince(started)
            for watch in watches {
                try? await services.cameras.logView(camera: watch.record.camera.id, user: context.actor, kind: .live,
                                                    startedAt: started, seconds: seconds, detail: watch.stream.rawValue)
            }
        }
    }
}

/// The router that answers WebSocket upgrades: the same session as the pages.
func buildWebSocketRouter(_ services: AppServices) -> Router<AppRequestContext> {
    let router = Router(context: AppRequestContext.self)
    router.add(middleware: SessionMiddleware(accounts: services.accounts))
    LiveSocket(services: services).addRoutes(to: router)
    return router
}
