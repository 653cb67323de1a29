import CongvuDomain
import CongvuStore
import CongvuVideo
import Foundation
import Hummingbird

/// Cameras through the API (issue 26), by the pages' rules (`VideoServices.camera`): the cameras
/// the caller holds a right on with the state of their streams on this node, a window's recordings
/// (playback right) and a clip cut as MP4 (export right; the reason audited, the export logged).
/// Addresses, user names and stream URLs are never answered: they may carry the camera's password.
struct CamerasAPIController {
    let video: VideoServices
    /// The longest window one recordings answer covers.
    static let longestWindow: TimeInterval = 86_400

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get("cameras", use: list)
        group.get("cameras/:id", use: one)
        group.get("cameras/:id/recordings", use: recordings)
        group.post("cameras/:id/clips", use: clip)
    }

    struct CameraDTO: Codable, ResponseEncodable {
        struct StreamDTO: Codable {
            var stream: String; var running: Bool; var lastPictureAt: String?; var viewers: Int
            enum CodingKeys: String, CodingKey { case stream, running, lastPictureAt = "last_picture_at", viewers }
        }
        var id: Int64; var unitId: Int64; var unitName: String; var name: String; var brand: String; var recording: Bool; var active: Bool
        var retentionDays: Int; var terminalSerial: String?; var rights: [String]; var streams: [StreamDTO]
        enum CodingKeys: String, CodingKey {
            case id, unitId = "unit_id", unitName = "unit_name", name, brand, recording, active, retentionDays = "retention_days",
                 terminalSerial = "terminal_serial", rights, streams
        }
    }

    struct ListDTO: Codable, ResponseEncodable { var items: [CameraDTO] }

    func dto(_ r: CameraRecord, _ rights: Set<CameraRight>) -> CameraDTO {
        let c = r.camera
        let streams: [CameraDTO.StreamDTO] = CameraStream.allCases.map { stream in
            guard let channel = video.hub.recorder(camera: c.id, stream: stream)?.channel else {
                return .init(stream: stream.rawValue, running: false, lastPictureAt: nil, viewers: 0)
            }
            let stats = channel.statistics
            return .init(stream: stream.rawValue, running: true, lastPictureAt: stats.lastFragmentAt.map(Instant.format), viewers: stats.viewers)
        }
        return CameraDTO(id: c.id, unitId: c.unitID, unitName: r.unitName, name: c.name, brand: c.brand.rawValue, recording: c.recording,
                         active: c.active, retentionDays: c.retentionDays, terminalSerial: c.terminalSerial,
                         rights: CameraRight.allCases.filter(rights.contains).map(\.rawValue), streams: streams)
    }

    func list(_ request: Request, _ context: AppRequestContext) async throws -> ListDTO {
        ListDTO(items: try await video.cameras.visible(to: try context.signedIn()).map { dto($0.0, $0.1) })
    }

    func one(_ request: Request, _ context: AppRequestContext) async throws -> CameraDTO {
        let (record, rights) = try await video.camera(context.parameters.get("id", as: Int64.self), context)
        return dto(record, rights)
    }

    struct RecordingsDTO: Codable, ResponseEncodable {
        struct SegmentDTO: Codable { var start: String; var end: String; var seconds: Double; var bytes: Int64 }
        struct SpanDTO: Codable { var start: String; var end: String }
        var cameraId: Int64; var from: String; var to: String; var segments: [SegmentDTO]; var spans: [SpanDTO]
        enum CodingKeys: String, CodingKey { case cameraId = "camera_id", from, to, segments, spans }
    }

    /// `from` and `to` (instants, at most a day apart): the indexed segments and the recorded spans.
    func recordings(_ request: Request, _ context: AppRequestContext) async throws -> RecordingsDTO {
        let (record, _) = try await video.camera(context.parameters.get("id", as: Int64.self), context, needing: .playback)
        let q = request.uri.queryParameters
        guard let from = q["from"].flatMap({ Instant.parse(String($0)) }), let to = q["to"].flatMap({ Instant.parse(String($0)) }),
              to > from, to.timeIntervalSince(from) <= Self.longestWindow else { throw ValidationErrors([FieldError("from", "recordings_window")]) }
        let segments = try await video.cameras.segments(camera: record.camera.id, from: from, to: to)
        let timeline = Timeline(segments: segments, within: TimeSpan(start: from, end: to))
        return RecordingsDTO(cameraId: record.camera.id, from: Instant.format(from), to: Instant.format(to),
                             segments: segments.map { .init(start: Instant.format($0.start), end: Instant.format($0.end), seconds: $0.duration, bytes: $0.bytes) },
                             spans: timeline.spans.map { .init(start: Instant.format($0.start), end: Instant.format($0.end)) })
    }

    struct ClipBody: Decodable { var from: String; var to: String; var reason: String? }

    /// A clip of [from, to) (instants, at most an hour) as MP4, with the reason for taking it.
    func clip(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let (record, _) = try await video.camera(context.parameters.get("id", as: Int64.self), context, needing: .export)
        let body = try await AttendanceAPIController.body(request, ClipBody.self)
        guard let from = Instant.parse(body.from), let to = Instant.parse(body.to) else { throw ValidationErrors([FieldError("from", "clip_window")]) }
        let clip = try await video.exportClip(record, from: from, to: to, reason: body.reason ?? "", by: context.actor)
        return PlaybackController.mp4(clip, file: "camera-\(record.camera.id)-\(Instant.format(from).replacingOccurrences(of: ":", with: "")).mp4")
    }
}
