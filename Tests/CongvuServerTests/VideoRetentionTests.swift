import CongvuDomain
import CongvuServer
import CongvuStore
import CongvuTestSupport
import CongvuVideo
import Foundation
import SQLKit
import Testing

/// Retention deletes old footage files and their index rows, keeps protected footage (locked, or
/// around a punch at the linked entrance) and raises an alert instead; a full disk takes the oldest
/// unprotected footage first.
@Suite struct VideoRetentionTests {
    @Test(arguments: TestDatabases.kinds)
    func retentionDeletesOldFootageButNeverProtectedFootage(kind: DatabaseKind) async throws {
        try await Harness.run(kind) { h in
            try await CameraDemo.load(into: h.services.video.cameras, units: h.services.units)
            let gate = try #require(try await h.services.video.cameras.cameras(within: nil).first { $0.camera.terminalSerial != nil }?.camera)
            let hub = h.services.video.hub
            let dir = hub.directory + "/\(gate.id)"
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            let now = Date()
            let old = now.addingTimeInterval(-Double(gate.retentionDays + 2) * 86_400)
            var files: [String] = []
            for i in 0..<4 {
                let start = old.addingTimeInterval(Double(i) * 600) // a minute every ten (ffmpeg was down between)
                let name = "seg\(i).mp4"
                #expect(FileManager.default.createFile(atPath: dir + "/" + name, contents: Data(repeating: 1, count: 1000)))
                files.append(dir + "/" + name)
                try await h.services.video.cameras.addSegment(RecordedSegment(cameraID: gate.id, start: start, end: start + 60, bytes: 1000,
                                                                        path: "\(gate.id)/\(name)"))
            }
            // Someone badged in at the gate during the second minute; the office locked the fourth.
            try await h.services.database.write { sql in
                try await sql.insert(into: "punches").columns("at", "received_at", "source", "method", "device", "idempotency_key")
                    .values(SQLBind(Instant.format(old + 630)), SQLBind(Instant.format(old + 630)), SQLBind("terminal"), SQLBind("card"),
                            SQLBind("terminal:\(gate.terminalSerial!)"), SQLBind("retention-test")).run()
            }
            try await h.services.video.cameras.lock(camera: gate.id, span: TimeSpan(start: old + 1805, end: old + 1810), reason: "Vụ mất trộm",
                                              by: Actor(id: nil, name: "vanphong"))
            let plan = try await hub.applyRetention(now: now, freeBytes: 900, totalBytes: 1000)
            #expect(plan.delete.count == 2)
            #expect(!FileManager.default.fileExists(atPath: files[0]) && !FileManager.default.fileExists(atPath: files[2]))
            #expect(FileManager.default.fileExists(atPath: files[1]) && FileManager.default.fileExists(atPath: files[3]))
            #expect(try await h.services.video.cameras.segments(camera: gate.id, from: old, to: now).map(\.path) == ["\(gate.id)/seg1.mp4", "\(gate.id)/seg3.mp4"])
            let alerts = try await h.services.video.cameras.openAlerts()
            #expect(alerts.map(\.kind) == ["kept_past_retention"] && alerts[0].detail == "2 2000")
            // A second pass the same day deletes nothing more and raises nothing twice.
            #expect(try await hub.applyRetention(now: now, freeBytes: 900, totalBytes: 1000).delete.isEmpty)
            #expect(try await h.services.video.cameras.openAlerts().count == 1)
            // Disk nearly full with only protected footage left: alert, delete nothing protected.
            let full = try await hub.applyRetention(now: now, freeBytes: 10, totalBytes: 1000)
            #expect(full.delete.isEmpty)
            #expect(try await h.services.video.cameras.openAlerts().map(\.kind).contains("disk_low_protected"))
            let office = try await h.signIn("vanphong.giahung")
            #expect((try await office.get("/cameras")).text.contains("id=\"camera-alerts\""))
        }
    }

    /// The last segment and the exit of a recorder being stopped arrive in its cancelled task: they are kept all the same.
    @Test func whatARecorderReportsWhileItIsStoppedIsKept() async throws {
        try await Harness.run { h in
            try await CameraDemo.load(into: h.services.video.cameras, units: h.services.units)
            let id = try #require(try await h.services.video.cameras.cameras(within: nil).first?.camera.id)
            let hub = h.services.video.hub
            let start = Date(timeIntervalSince1970: 1_795_421_700)
            let stopping = Task {
                try? await Task.sleep(for: .seconds(30)) // cancelled at once
                await hub.segmentClosed(StreamKey(cameraID: id, stream: .main), file: "20261123T081500Z.mp4", start: start, duration: 42, bytes: 10)
                await hub.recorderEvent(StreamKey(cameraID: id, stream: .main), .exited(status: 255, ranSeconds: 42, lines: []))
            }
            stopping.cancel()
            await stopping.value
            #expect(try await h.services.video.cameras.segments(camera: id, from: start, to: start + 60).map(\.path) == ["\(id)/20261123T081500Z.mp4"])
            #expect(try await h.services.video.cameras.events(camera: id).map(\.kind) == ["exited"])
        }
    }
}
