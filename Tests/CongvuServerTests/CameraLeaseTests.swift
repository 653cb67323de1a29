@testable import CongvuServer
import CongvuDomain
import CongvuStore
import CongvuTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

/// Cameras across recorder nodes (issue 25): the recorder nodes of a site share its cameras by
/// lease, a node silent past the lease loses them to the other, a node records only its own
/// site's, and a camera no recorder holds is alerted as unrecorded until one holds it again.
@Suite struct CameraLeaseTests {
    func recorder(_ h: Harness, _ node: String, site: String) -> VideoHub {
        let v = h.services.video
        return VideoHub(store: v.cameras, ffmpeg: "ffmpeg", directory: v.hub.directory, segmentSeconds: 60, snapshots: v.hub.snapshots,
                        snapshotDays: 7, records: true, site: site, node: node, claims: h.services.cluster.claims,
                        units: UnitStore(database: h.services.database), logger: TestDatabases.logger)
    }

    @Test(arguments: TestDatabases.kinds)
    func theRecordersOfASiteShareItsCamerasAndTakeThemOverWhenOneFallsSilent(kind: DatabaseKind) async throws {
        try await Harness.run(kind) { h in
            try await CameraDemo.load(into: h.services.video.cameras, units: h.services.units)
            let cameras = try await h.services.video.cameras.cameras(within: nil)
            let all = Set(cameras.map(\.camera.id))
            let counter = Set(cameras.filter { $0.unitName.contains("Trung tâm") || $0.camera.name == "Quầy một cửa" }.map(\.camera.id))
            #expect(all.count == 3 && counter.count == 1)
            let a = recorder(h, "rec-a", site: "14551"), b = recorder(h, "rec-b", site: "14551")
            let elsewhere = recorder(h, "rec-x", site: "14554"), centre = recorder(h, "rec-c", site: "14551-TTHCC")
            let now = Date()
            #expect(Set(try #require(await a.leases(now: now)).map(\.camera.id)) == all)
            #expect(try #require(await b.leases(now: now + 1)).isEmpty)
            #expect(try #require(await elsewhere.leases(now: now + 1)).isEmpty)
            #expect(try #require(await centre.leases(now: now + 1)).isEmpty)
            // a renews every sync: b gets nothing while it does.
            #expect(Set(try #require(await a.leases(now: now + 10)).map(\.camera.id)) == all)
            #expect(try #require(await b.leases(now: now + 20)).isEmpty)
            // a falls silent: once its leases ran out, b holds every camera of the site; a, back, holds none.
            let later = now + 10 + VideoHub.cameraLease + 1
            #expect(Set(try #require(await b.leases(now: later)).map(\.camera.id)) == all)
            #expect(try #require(await a.leases(now: later + 1)).isEmpty)
            let holders = try await h.services.cluster.claims.holders("camera")
            #expect(Set(holders.values.map(\.node)) == ["rec-b"] && holders.values.allSatisfy { $0.attempts == 2 })
            // b stops (its leases given up): the counter's own recorder takes its camera at once.
            await b.stopAll()
            #expect(Set(try #require(await centre.leases(now: later + 2)).map(\.camera.id)) == counter)
        }
    }

    @Test(arguments: TestDatabases.kinds)
    func aCameraNoRecorderHoldsIsAlertedThenClosedWhenOneDoes(kind: DatabaseKind) async throws {
        try await Harness.run(kind) { h in
            try await CameraDemo.load(into: h.services.video.cameras, units: h.services.units)
            let recorded = try await h.services.video.cameras.cameras(within: nil).filter(\.camera.recording)
            #expect(recorded.count == 2)
            let watch = h.services.video.unrecordedWatch()
            let now = Date()
            // No recorder node for the site (a misconfigured province): alerted, once a day.
            #expect(try await watch.run(now) == "2 unrecorded raised, 0 resolved")
            #expect(try await watch.run(now + 60) == "0 unrecorded raised, 0 resolved")
            let alerts = try await h.services.video.cameras.openAlerts()
            #expect(alerts.filter { $0.kind == "unrecorded" }.map(\.cameraID) .count == 2)
            let office = try await h.signIn("vanphong.giahung")
            let page = try await office.get("/cameras/\(recorded[0].camera.id)").text
            #expect(page.contains("Không máy chủ ghi hình nào đang giữ camera này"))
            // A recorder of the site starts: the alerts close, the page names it.
            // (Each page is read right after a renewal, as the recorder's sync makes one every 5 s: a
            // slow machine must not let the 15 s lease run out between the two.)
            let rec = recorder(h, "rec-giahung", site: "14551")
            let started = Date()
            _ = await rec.leases(now: started)
            #expect(try await watch.run(started) == "0 unrecorded raised, 2 resolved")
            #expect(try await h.services.video.cameras.openAlerts().filter { $0.kind == "unrecorded" }.isEmpty)
            _ = await rec.leases(now: Date())
            #expect(try await office.get("/cameras/\(recorded[0].camera.id)").text.contains("Máy chủ đang ghi: <b>rec-giahung</b>"))
            // The nodes page counts the cameras each recorder node holds.
            let admin = try await h.signIn("admin")
            try await h.services.cluster.nodes.heartbeat(ClusterNode(name: "rec-giahung", roles: ["recorder"], site: "14551", version: Release.version,
                                                                     schemaStep: Schema.all.count, address: "10.0.1.5:8080", startedAt: Date(), heartbeatAt: Date()))
            _ = await rec.leases(now: Date())
            let nodes = try await admin.get("/admin/nodes").text
            #expect(nodes.contains("rec-giahung") && nodes.contains("Camera đang ghi: 3") && !nodes.contains("<td>camera</td>"))
            // The recorder falls silent past the lease and the grace: a new outage, alerted again, once.
            let silent = Date() + VideoHub.cameraLease + 31
            #expect(try await watch.run(silent) == "2 unrecorded raised, 0 resolved")
            #expect(try await watch.run(silent + 30) == "0 unrecorded raised, 0 resolved")
            #expect(try await h.services.video.cameras.openAlerts().first { $0.kind == "unrecorded" }?.detail.hasPrefix("rec-giahung ") == true)
        }
    }

    /// Footage on a node that is gone, or that does not answer, is "not here" to the player: 404,
    /// never a 500 from the relay.
    @Test func footageOnANodeThatIsGoneOrSilentIsNotFound() async throws {
        try await Harness.run { h in
            try await CameraDemo.load(into: h.services.video.cameras, units: h.services.units)
            let gate = try #require(try await h.services.video.cameras.cameras(within: nil).first { $0.camera.recording }).camera.id
            let start = Date(timeIntervalSince1970: 1_796_540_400)  // 2026-12-06 08:00 UTC
            for (node, name) in [("rec-gone", "20261206T080000Z.mp4"), ("rec-silent", "20261206T080100Z.mp4")] {
                try await h.services.video.cameras.addSegment(RecordedSegment(cameraID: gate, start: start, end: start + 60, bytes: 1000,
                                                                              path: "\(gate)/\(name)", node: node))
            }
            // rec-silent is alive in the registry, at an address where nothing listens.
            try await h.services.cluster.nodes.heartbeat(ClusterNode(name: "rec-silent", roles: ["recorder"], site: "14551", version: Release.version,
                                                                     schemaStep: Schema.all.count, address: "127.0.0.1:1", startedAt: Date(), heartbeatAt: Date()))
            let admin = try await h.signIn("admin")
            for name in ["20261206T080000Z.mp4", "20261206T080100Z.mp4"] {
                let r = try await admin.request("/cameras/\(gate)/segments/\(name)", headers: [.range: "bytes=0-99"])
                #expect(r.status == .notFound, "\(name): \(r.status)")
            }
        }
    }
}
