import CongvuDomain
import CongvuServer
import CongvuStore
import CongvuTestSupport
import CongvuVideo
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

/// The office adds and configures cameras; leaders see only what they are granted; every page and
/// media path checks the per-camera right.
@Suite struct CameraPagesTests {
    @Test(arguments: TestDatabases.kinds)
    func theOfficeAddsACameraAndGrantsItsLeaders(kind: DatabaseKind) async throws {
        try await Harness.run(kind) { h in
            let office = try await h.signIn("vanphong.giahung")
            let committee = try await h.unit(code: "14551-UB")
            #expect(try await office.get("/cameras/new").status == .ok)
            // Every problem is named next to its field, in Vietnamese; nothing is stored.
            let bad = try await office.post("/cameras", ["unit": String(committee.id), "name": "", "brand": "hikvision", "host": "cam 1",
                                                         "rtsp_port": "70000", "retention_days": "0"])
            #expect(bad.status == .badRequest)
            #expect(bad.text.contains("Không được để trống.") && bad.text.contains("Cổng phải là số từ 1 đến 65535.")
                    && bad.text.contains("Địa chỉ IP hoặc tên máy không hợp lệ.") && bad.text.contains("Số ngày lưu từ 1 đến 3650."))
            #expect(try await h.services.video.cameras.cameras(within: nil).isEmpty)
            // A full RTSP address with the password in it: the password is sealed, never shown back.
            let created = try await office.post("/cameras", ["unit": String(committee.id), "name": "Cổng trụ sở", "brand": "rtsp",
                                                             "main_url": "rtsp://admin:Mk-Bi-Mat-7@10.0.0.9:554/live/main",
                                                             "sub_url": "rtsp://10.0.0.9:554/live/sub", "recording": "on"])
            #expect(created.status == .seeOther)
            let camera = try #require(try await h.services.video.cameras.cameras(within: nil).first)
            #expect(camera.camera.mainURL == "rtsp://10.0.0.9:554/live/main" && camera.camera.username == "admin")
            #expect(try await h.services.video.cameras.password(of: camera.camera.id) == "Mk-Bi-Mat-7")
            let page = try await office.get("/cameras/\(camera.camera.id)")
            #expect(page.status == .ok && !page.text.contains("Mk-Bi-Mat-7") && page.text.contains("id=\"grant-form\""))
            #expect(!(try await office.get("/cameras/\(camera.camera.id)/edit")).text.contains("Mk-Bi-Mat-7"))

            // The chairman sees nothing until granted.
            let chairman = try await h.signIn("chutich.giahung")
            #expect(!(try await chairman.get("/cameras")).text.contains("Cổng trụ sở"))
            #expect(try await chairman.get("/cameras/\(camera.camera.id)").status == .forbidden)
            #expect(try await chairman.get("/cameras/live/socket?c=\(camera.camera.id)").status == .forbidden)
            #expect(try await office.post("/cameras/\(camera.camera.id)/grants", ["role": "leader", "live": "on"]).status == .seeOther)
            // Only accounts of the office's own subtree, as the form offers: not someone elsewhere, not an account that does not exist.
            let elsewhereAccount = try #require(try await h.services.accounts.byUsername("chutich.giavan"))
            let outside = try await office.post("/cameras/\(camera.camera.id)/grants", ["user": String(elsewhereAccount.id), "live": "on"])
            #expect(outside.status == .badRequest && outside.text.contains("Chỉ cấp quyền cho tài khoản thuộc đơn vị bạn quản lý."))
            #expect(try await office.post("/cameras/\(camera.camera.id)/grants", ["user": "999999", "live": "on"]).status == .badRequest)
            // A socket asked for no camera is a clear 400.
            #expect((try await chairman.get("/cameras/live/socket?c=")).text.contains("Chọn từ 1 đến 36 camera."))
            let list = try await chairman.get("/cameras")
            #expect(list.text.contains("Cổng trụ sở") && list.text.contains("id=\"open-grid\""))
            let live = try await chairman.get("/cameras/\(camera.camera.id)")
            #expect(live.status == .ok && live.text.contains("data-live=\"\(camera.camera.id)\"") && !live.text.contains("grant-form"))
            // A leader's page carries no RTSP address, codec or ffmpeg diagnostics: those are the office's.
            #expect(!live.text.contains("rtsp://") && !live.text.contains("id=\"camera-health\"") && !live.text.contains("<code>"))
            #expect(page.text.contains("rtsp://10.0.0.9"))
            // The player's states, in Vietnamese, on the live page and the grid alike (one partial).
            let offline = "data-t-offline=\"Camera chưa có hình (đang khởi động hoặc mất kết nối)\""
            let grid = try await chairman.get("/cameras/grid")
            #expect(live.text.contains(offline) && grid.text.contains(offline))
            // Live HLS (iPhones before 17.1): granted, but no recorder runs here, so nothing to play yet; elsewhere refused.
            #expect(try await chairman.get("/cameras/\(camera.camera.id)/live.m3u8").status == .notFound)
            #expect(try await chairman.get("/cameras/\(camera.camera.id)/live/3.m4s").status == .notFound)
            // The socket path without an upgrade: allowed, so it asks for a WebSocket.
            #expect(try await chairman.get("/cameras/live/socket?c=\(camera.camera.id)").status == .upgradeRequired)
            #expect(try await chairman.get("/cameras/live/socket?c=99999").status == .notFound)
            // Granting and editing are the office's.
            #expect(try await chairman.post("/cameras/\(camera.camera.id)/grants", ["role": "leader", "export": "on"]).status == .forbidden)
            #expect(try await chairman.post("/cameras/\(camera.camera.id)", ["name": "x", "brand": "rtsp", "main_url": "rtsp://h/x",
                                                                              "unit": String(committee.id)]).status == .forbidden)
            // A leader of another commune is refused, on the page and the socket.
            let elsewhere = try await h.signIn("chutich.giavan")
            #expect(try await elsewhere.get("/cameras/\(camera.camera.id)").status == .forbidden)
            #expect(try await elsewhere.get("/cameras/live/socket?c=\(camera.camera.id)").status == .forbidden)
            for path in ["live.m3u8", "live/init.mp4", "live/3.m4s"] {
                #expect(try await elsewhere.get("/cameras/\(camera.camera.id)/\(path)").status == .forbidden, "\(path)")
            }
            // Editing keeps the sealed password when the field is left empty; the change is audited.
            #expect(try await office.post("/cameras/\(camera.camera.id)", ["unit": String(committee.id), "name": "Cổng chính", "brand": "rtsp",
                                                                            "main_url": "rtsp://10.0.0.9:554/live/main", "username": "admin",
                                                                            "recording": "on", "active": "on"]).status == .seeOther)
            #expect(try await h.services.video.cameras.password(of: camera.camera.id) == "Mk-Bi-Mat-7")
            #expect(try await h.services.audit.recent(objectType: "camera").count == 2)
            // The office locks footage of an incident; an end before the start is refused; the chairman may not lock.
            let lockPath = "/cameras/\(camera.camera.id)/locks"
            let backwards = try await office.post(lockPath, ["day": "2026-11-20", "from": "10:00", "to": "09:00", "reason": "Mất trộm"])
            #expect(backwards.status == .badRequest)
            #expect(backwards.text.contains("Giờ kết thúc phải sau giờ bắt đầu."))
            #expect(try await chairman.post(lockPath, ["day": "2026-11-20", "from": "09:00", "to": "10:00", "reason": "Mất trộm"]).status == .forbidden)
            #expect(try await office.post(lockPath, ["day": "2026-11-20", "from": "09:00", "to": "10:00", "reason": "Mất trộm xe máy"]).status == .seeOther)
            let locks = try await h.services.video.cameras.locks(camera: camera.camera.id)
            #expect(locks.count == 1 && locks[0].span.duration == 3600 && locks[0].reason == "Mất trộm xe máy")
            #expect((try await office.get("/cameras/\(camera.camera.id)")).text.contains("Mất trộm xe máy"))
            // The form offers live and playback to the unit's leaders by default: a camera added so
            // is on the chairman's phone at once, with no grant to remember.
            let form = try await office.get("/cameras/new").text
            #expect(form.contains("name=\"leaders_live\" checked") && form.contains("name=\"leaders_playback\" checked"))
            #expect(try await office.post("/cameras", ["unit": String(committee.id), "name": "Sân trụ sở", "brand": "rtsp",
                                                       "main_url": "rtsp://10.0.0.10:554/live/main", "recording": "on",
                                                       "leaders_live": "on", "leaders_playback": "on"]).status == .seeOther)
            let yard = try #require(try await h.services.video.cameras.cameras(within: nil).first { $0.camera.name == "Sân trụ sở" })
            #expect(try await chairman.get("/cameras/\(yard.camera.id)").status == .ok)
            #expect(try await chairman.get("/cameras/\(yard.camera.id)/playback").status == .ok)
            #expect(try await elsewhere.get("/cameras/\(yard.camera.id)").status == .forbidden)
            // Revoking takes the right away again.
            let grant = try #require(try await h.services.video.cameras.grants(camera: camera.camera.id).first)
            #expect(try await office.post("/cameras/\(camera.camera.id)/grants/\(grant.id)/delete", [:]).status == .seeOther)
            #expect(try await chairman.get("/cameras/\(camera.camera.id)").status == .forbidden)
        }
    }

    @Test func withoutFfmpegThePagesSaySo() async throws {
        try await Harness.run(configure: { $0.ffmpeg = "/nonexistent/ffmpeg" }) { h in
            try await CameraDemo.load(into: h.services.video.cameras, units: h.services.units)
            let chairman = try await h.signIn("chutich.giahung")
            let list = try await chairman.get("/cameras")
            #expect(list.status == .ok && list.text.contains("id=\"video-missing\"") && list.text.contains("/nonexistent/ffmpeg"))
            #expect(list.text.contains("Cổng trụ sở") && list.text.contains("Quầy một cửa"))
            let id = try #require(try await h.services.video.cameras.cameras(within: nil).first?.camera.id)
            #expect(try await chairman.get("/cameras/\(id)").text.contains("id=\"video-missing\""))
            // Other people's pages do not show the camera menu; the office's viewing log is theirs alone.
            let clerk = try await h.signIn("congchuc.giahung")
            #expect(!(try await clerk.get("/")).text.contains("href=\"/cameras\""))
            #expect(try await clerk.get("/cameras/views").status == .forbidden)
            #expect(try await clerk.get("/cameras/\(id)").status == .forbidden)
        }
    }

    @Test func theViewingLogShowsWhoWatchedWhatAndHowLong() async throws {
        try await Harness.run { h in
            try await CameraDemo.load(into: h.services.video.cameras, units: h.services.units)
            let id = try #require(try await h.services.video.cameras.cameras(within: nil).first?.camera.id)
            try await h.services.video.cameras.logView(camera: id, user: Actor(id: nil, name: "chutich.giahung"), kind: .live,
                                                 startedAt: Date(), seconds: 95, detail: "sub")
            let office = try await h.signIn("vanphong.giahung")
            let log = try await office.get("/cameras/views")
            #expect(log.status == .ok && log.text.contains("chutich.giahung") && log.text.contains(">95<"))
        }
    }
}

/// Adding an ONVIF camera asks the device for its addresses (a fake ONVIF device whose clock is off).
@Suite struct CameraONVIFTests {
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/python3")))
    func anONVIFCameraIsDiscoveredWhenAdded() async throws {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Video/fake_onvif.py").path
        let port = Int.random(in: 50_000..<60_000)
        let device = Process()
        device.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        device.arguments = [script, "--port", String(port), "--clock-offset", "-7200", "--rtsp-port", "8554"]
        let out = Pipe()
        device.standardOutput = out
        try device.runWithDefaultSignals()
        _ = out.fileHandleForReading.availableData
        defer { device.terminate(); device.waitUntilExit() }
        try await Harness.run { h in
            let office = try await h.signIn("vanphong.giahung")
            let committee = try await h.unit(code: "14551-UB")
            let fields = ["unit": String(committee.id), "name": "Hành lang", "brand": "onvif", "host": "127.0.0.1",
                          "http_port": String(port), "username": "admin", "recording": "on"]
            let refused = try await office.post("/cameras", fields.merging(["password": "sai-mat-khau"]) { a, _ in a })
            #expect(refused.status == .badRequest && refused.text.contains("Không dò được camera qua ONVIF") && refused.text.contains("NotAuthorized"))
            #expect(try await h.services.video.cameras.cameras(within: nil).isEmpty)
            #expect(try await office.post("/cameras", fields.merging(["password": "Abc12345"]) { a, _ in a }).status == .seeOther)
            let camera = try #require(try await h.services.video.cameras.cameras(within: nil).first?.camera)
            #expect(camera.brand == .onvif && camera.mainURL == "rtsp://127.0.0.1:8554/Streaming/Channels/101")
            #expect(camera.subURL == "rtsp://127.0.0.1:8554/Streaming/Channels/102" && camera.hasSubStream)
            #expect(camera.snapshotURL.hasSuffix("/ISAPI/Streaming/channels/101/picture"))
            #expect(try await h.services.video.cameras.password(of: camera.id) == "Abc12345")
        }
    }
}
