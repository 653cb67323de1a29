import CongvuDomain
import CongvuStore
import Foundation

/// The cameras: their store (one, shared with the recorders) and the recorders with their live pictures.
@dynamicMemberLookup
public struct VideoServices: FeatureServices {
    public let shared: SharedServices
    public let cameras: CameraStore
    /// The camera recorders and their live pictures.
    public let hub: VideoHub

    init(shared: SharedServices) {
        let config = shared.config
        self.shared = shared
        cameras = CameraStore(database: shared.database, secrets: shared.secrets)
        hub = VideoHub(store: cameras, ffmpeg: config.ffmpeg, directory: config.recordingsDirectory ?? shared.dataPath("recordings"),
                       segmentSeconds: config.segmentSeconds,
                       snapshots: PhotoStore(database: shared.database, directory: shared.dataPath("camera-snapshots")),
                       snapshotDays: config.cameraSnapshotDays, logger: shared.logger)
    }

    /// A camera with what the signed-in principal may do with it: 404 for an unknown camera, 403
    /// without any right on it, or without `right` when one is named. Every camera route and media
    /// path comes through here.
    func camera(_ id: Int64?, _ context: AppRequestContext, needing right: CameraRight? = nil) async throws -> (CameraRecord, Set<CameraRight>) {
        let p = try context.signedIn()
        guard let id, let (record, rights) = try await cameras.rights(of: p, camera: id) else { throw StoreError.notFound("camera") }
        guard !rights.isEmpty, right.map(rights.contains) ?? true else { throw Forbidden() }
        return (record, rights)
    }
}
