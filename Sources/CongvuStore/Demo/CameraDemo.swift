import CongvuDomain
import Foundation

/// The demo's cameras at Gia Hưng: the committee's gate (linked to the ZKTeco terminal at the door),
/// the one-stop counter (Hikvision channels 1 and 2 of one recorder; the counter's face terminal linked) and the meeting room (Dahua).
/// They point at 127.0.0.1:8554, where `Tests/Video/fake_camera.py --port 8554 --http-port 8555`
/// serves pictures; without it they show as offline, as a real camera that is down would.
/// Leaders of the commune may watch them live and play them back.
public enum CameraDemo {
    public static func load(into store: CameraStore, units: UnitStore) async throws {
        guard let committee = try await units.byCode("14551-UB"), let centre = try await units.byCode("14551-TTHCC") else { return }
        let actor = Actor(id: nil, name: "demo")
        let cameras = [
            Camera(unitID: committee.id, name: "Cổng trụ sở", brand: .hikvision, host: "127.0.0.1", rtspPort: 8554, httpPort: 8555,
                   channel: 1, username: "admin", retentionDays: 30, terminalSerial: "AF6C201460501"),
            Camera(unitID: centre.id, name: "Quầy một cửa", brand: .hikvision, host: "127.0.0.1", rtspPort: 8554, httpPort: 8555,
                   channel: 2, username: "admin", retentionDays: 90, terminalSerial: "DS-K1T341AM20240001"),
            Camera(unitID: committee.id, name: "Phòng họp", brand: .dahua, host: "127.0.0.1", rtspPort: 8554, httpPort: 8555,
                   channel: 1, username: "admin", recording: false, retentionDays: 30),
        ]
        for camera in cameras {
            let id = try await store.create(camera, password: "Abc12345", by: actor)
            try await store.grant(CameraGrant(cameraID: id, role: .leader, rights: [.live, .playback]), by: actor)
        }
    }
}
