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
    /// Live pictures relayed from the other nodes.
    let relays: LiveRelays

    init(shared: SharedServices) {
        let config = shared.config
        self.shared = shared
        cameras = CameraStore(database: shared.database, secrets: shared.secrets)
        hub = VideoHub(store: cameras, ffmpeg: config.ffmpeg, directory: config.recordingsDirectory ?? shared.dataPath("recordings"),
                       segmentSeconds: config.segmentSeconds,
                       snapshots: PhotoStore(database: shared.database, directory: shared.dataPath("camera-snapshots")),
                       snapshotDays: config.cameraSnapshotDays, records: config.cameras && config.nodeRoles.contains("recorder"),
                       site: config.nodeSite, node: config.nodeName, claims: shared.cluster.claims, units: UnitStore(database: shared.database),
                       logger: shared.logger)
        relays = LiveRelays(logger: shared.logger)
        // A camera changed on another node: this node's recorders follow at once, not at the next loop.
        let hub = self.hub
        if hub.records { shared.database.changes.on(.camera) { _ in Task { await hub.sync() } } }
    }

    /// Cameras that should record but no recorder node holds (none for their site, or all of them
    /// silent past the lease and a grace of `grace` seconds) are alerted as unrecorded once per
    /// outage, and the alert closed when a recorder holds the camera again. Once per interval and cluster.
    func unrecordedWatch(grace: TimeInterval = 30) -> NightlyJob {
        let cameras = self.cameras, claims = shared.cluster.claims
        return NightlyJob(name: "cameras_unrecorded") { now in
            let holders = try await claims.holders("camera")
            var raised = 0, resolved = 0
            for record in try await cameras.cameras(within: nil) where record.camera.active && record.camera.recording {
                let id = record.camera.id, holder = holders[String(id)]
                if let holder, holder.leaseUntil > now.addingTimeInterval(-grace) {
                    if holder.live(at: now) { resolved += try await cameras.resolveAlerts(camera: id, kind: "unrecorded", at: now) }
                    continue
                }
                // One alert per outage: a lease that ran out at its instant, or a camera never held, per day.
                let detail = holder.map { "\($0.node) \(Instant.format($0.leaseUntil))" } ?? ""
                let outage = holder.map { Instant.format($0.leaseUntil) } ?? Day(now, in: CivilTime.vietnam).description
                if try await cameras.raiseAlert(camera: id, kind: "unrecorded", detail: detail, dedupe: "unrecorded-\(id)-\(outage)", at: now) {
                    raised += 1
                }
            }
            return "\(raised) unrecorded raised, \(resolved) resolved"
        }
    }

    /// A camera added, changed or removed: every recorder node syncs (this one before answering).
    func changed(camera id: Int64) async {
        shared.database.changes.publish(.camera, String(id))
        if hub.records { await hub.sync() }
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
