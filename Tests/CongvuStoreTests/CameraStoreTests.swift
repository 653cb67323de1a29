import CongvuDomain
import CongvuStore
import CongvuTestSupport
import Crypto
import Foundation
import SQLKit
import Testing

@Suite struct CameraStoreTests {
    let secrets = SecretBox(key: SymmetricKey(size: .bits256))

    func principal(_ role: Role, at unit: OrgUnit, user: Int64 = 50) -> Principal {
        Principal(userID: user, username: "u\(user)", displayName: "U", grants: [Grant(role: role, unitID: unit.id, unitPath: unit.path)])
    }

    /// The password is sealed at rest (never in the row or the audit), opened for the recorder, and kept when an edit leaves it empty.
    @Test(arguments: TestDatabases.kinds)
    func passwordsAreSealedAndSettingsAudited(kind: DatabaseKind) async throws {
        try await TestDatabases.withFresh(kind) { db, _ in
            let tree = try await Tree.make(db)
            let store = CameraStore(database: db, secrets: secrets)
            var camera = Camera(unitID: tree.committeeA.id, name: "Cổng chính", brand: .hikvision, host: "192.168.1.64", username: "admin")
            let id = try await store.create(camera, password: "Cam-Secret-1", by: Tree.actor)
            camera.id = id
            #expect(try await store.password(of: id) == "Cam-Secret-1")
            let stored = try await db.read { try await $0.raw("SELECT password_sealed FROM cameras").first()!.decode(column: "password_sealed", as: String.self) }
            #expect(!stored.contains("Cam-Secret-1") && !stored.isEmpty)
            let audit = try await AuditLog(database: db).recent(objectType: "camera")
            #expect(audit.count == 1 && !audit[0].after.contains("Cam-Secret-1"))
            camera.name = "Cổng phụ"
            try await store.update(camera, password: "", by: Tree.actor)
            #expect(try await store.password(of: id) == "Cam-Secret-1")
            #expect(try await store.camera(id)?.camera.name == "Cổng phụ")
            #expect(try await store.camera(id)?.hasPassword == true)
            // Another key cannot open it.
            let other = CameraStore(database: db, secrets: SecretBox(key: SymmetricKey(size: .bits256)))
            await #expect(throws: (any Error).self) { _ = try await other.password(of: id) }
            // Lists are scoped to the subtree.
            #expect(try await store.cameras(within: [tree.communeB.path]).isEmpty)
            #expect(try await store.cameras(within: [tree.province.path]).map(\.camera.id) == [id])
        }
    }

    /// A manager sees the alerts of their own units' cameras; the disk's alerts go to whoever runs the server.
    @Test(arguments: TestDatabases.kinds)
    func alertsAreScopedToTheUnitsOneManages(kind: DatabaseKind) async throws {
        try await TestDatabases.withFresh(kind) { db, _ in
            let tree = try await Tree.make(db)
            let store = CameraStore(database: db, secrets: secrets)
            let a = try await store.create(Camera(unitID: tree.committeeA.id, name: "Cổng A", brand: .rtsp, mainURL: "rtsp://a/x"), password: "", by: Tree.actor)
            let b = try await store.create(Camera(unitID: tree.committeeB.id, name: "Cổng B", brand: .rtsp, mainURL: "rtsp://b/x"), password: "", by: Tree.actor)
            _ = try await store.raiseAlert(camera: a, kind: "stalled", detail: "sub", dedupe: "a")
            _ = try await store.raiseAlert(camera: b, kind: "stalled", detail: "sub", dedupe: "b")
            _ = try await store.raiseAlert(camera: nil, kind: "disk_low_protected", detail: "1 2", dedupe: "disk")
            #expect(try await store.openAlerts(within: [tree.communeA.path], serverWide: false).map(\.cameraID) == [a])
            #expect(Set(try await store.openAlerts(within: [tree.province.path], serverWide: true).map(\.cameraID)) == [a, b, nil])
        }
    }

    /// Rights: managers have all; others only what a grant to their account or to a role they hold over the unit gives.
    @Test(arguments: TestDatabases.kinds)
    func perCameraRights(kind: DatabaseKind) async throws {
        try await TestDatabases.withFresh(kind) { db, _ in
            let tree = try await Tree.make(db)
            let store = CameraStore(database: db, secrets: secrets)
            let id = try await store.create(Camera(unitID: tree.committeeA.id, name: "Một cửa", brand: .dahua, host: "10.0.0.5"),
                                            password: "", by: Tree.actor)
            #expect(try await store.rights(of: principal(.unitAdmin, at: tree.communeA), camera: id)?.1 == Set(CameraRight.allCases))
            #expect(try await store.rights(of: principal(.unitAdmin, at: tree.communeB), camera: id)?.1 == [])
            #expect(try await store.rights(of: principal(.leader, at: tree.communeA), camera: id)?.1 == [])
            try await store.grant(CameraGrant(cameraID: id, role: .leader, rights: [.live, .playback]), by: Tree.actor)
            let clerk = try await AccountStore(database: db, secrets: secrets).create(
                username: "vanthu", displayName: "Văn thư", passwordHash: "x", personID: nil, grants: [], by: Tree.actor)
            try await store.grant(CameraGrant(cameraID: id, userID: clerk.id, rights: [.export]), by: Tree.actor)
            #expect(try await store.rights(of: principal(.leader, at: tree.communeA), camera: id)?.1 == [.live, .playback])
            #expect(try await store.rights(of: principal(.leader, at: tree.communeB), camera: id)?.1 == [])  // a leader elsewhere
            #expect(try await store.rights(of: principal(.leader, at: tree.communeA, user: clerk.id), camera: id)?.1 == Set(CameraRight.allCases))
            #expect(try await store.rights(of: principal(.civilServant, at: tree.communeA, user: clerk.id), camera: id)?.1 == [.export])
            let grants = try await store.grants(camera: id)
            try await store.revokeGrant(id: grants[0].id, camera: id, by: Tree.actor)
            #expect(try await store.rights(of: principal(.leader, at: tree.communeA), camera: id)?.1 == [])
            #expect(try await store.rights(of: principal(.leader, at: tree.communeA), camera: 9999) == nil)
        }
    }

    /// The segment index answers a time window; retention candidates and protected spans come from it; viewings are append-only.
    @Test(arguments: TestDatabases.kinds)
    func segmentsProtectionAndViews(kind: DatabaseKind) async throws {
        try await TestDatabases.withFresh(kind) { db, _ in
            let tree = try await Tree.make(db)
            let store = CameraStore(database: db, secrets: secrets)
            let id = try await store.create(Camera(unitID: tree.committeeA.id, name: "Sân", brand: .rtsp, mainURL: "rtsp://h/x",
                                                   terminalSerial: "CKJ1"), password: "", by: Tree.actor)
            let t0 = Date(timeIntervalSince1970: 1_795_000_000)
            for i in 0..<5 {
                try await store.addSegment(RecordedSegment(cameraID: id, start: t0 + Double(i) * 60, end: t0 + Double(i + 1) * 60,
                                                           bytes: 1000, path: "\(id)/seg\(i).mp4"))
            }
            // Indexing the same file twice adds nothing.
            try await store.addSegment(RecordedSegment(cameraID: id, start: t0, end: t0 + 60, bytes: 1000, path: "\(id)/seg0.mp4"))
            let window = try await store.segments(camera: id, from: t0 + 90, to: t0 + 150)
            #expect(window.map(\.path) == ["\(id)/seg1.mp4", "\(id)/seg2.mp4"])
            #expect(try await store.lastSegmentEnd(camera: id) == t0 + 300)
            #expect(try await store.retentionCandidates(endedBefore: t0 + 121, oldest: 1).map(\.path) == ["\(id)/seg0.mp4", "\(id)/seg1.mp4"])

            try await store.lock(camera: id, span: TimeSpan(start: t0 + 10, end: t0 + 20), reason: "Mất trộm", by: Tree.actor)
            #expect(try await store.linkSnapshot(punchKey: "k1", camera: id, sha: "ab", takenAt: t0 + 200))
            #expect(try await !store.linkSnapshot(punchKey: "k1", camera: id, sha: "ab", takenAt: t0 + 200))
            // A punch at the linked entrance protects the footage around it; one at another terminal does not.
            for (key, device) in [("p1", "terminal:CKJ1"), ("p2", "terminal:OTHER")] {
                try await db.write { sql in
                    try await sql.insert(into: "punches").columns("at", "received_at", "source", "method", "device", "idempotency_key")
                        .values(SQLBind(Instant.format(t0 + 200)), SQLBind(Instant.format(t0 + 200)), SQLBind("terminal"), SQLBind("card"),
                                SQLBind(device), SQLBind(key)).run()
                }
            }
            let protected = try await store.protectedSpans(from: t0, to: t0 + 300, margin: 30)
            #expect(protected.map(\.reason) == [.locked, .attendance])
            #expect(protected[1].span == TimeSpan(start: t0 + 170, end: t0 + 230))
            #expect(try await store.protectedSpans(from: t0 + 1000, to: t0 + 2000).isEmpty)
            #expect(try await store.camera(forTerminal: "CKJ1")?.camera.id == id)

            let paths = try await store.removeSegments([window[0].id])
            #expect(paths == ["\(id)/seg1.mp4"])
            #expect(try await store.segments(camera: id, from: t0, to: t0 + 300).count == 4)

            try await store.logView(camera: id, user: Actor(id: nil, name: "Chủ tịch"), kind: .live, startedAt: t0, seconds: 42.5)
            let views = try await store.views(within: [tree.province.path])
            #expect(views.map(\.userName) == ["Chủ tịch"] && views[0].seconds == 42.5 && views[0].cameraName == "Sân")
            #expect(try await store.views(within: [tree.communeB.path]).isEmpty)
            await #expect(throws: (any Error).self) {
                try await db.write { try await $0.raw("UPDATE camera_views SET seconds = 1").run() }
            }
            #expect(try await store.raiseAlert(camera: id, kind: "disk_low", detail: "x", dedupe: "d1"))
            #expect(try await !store.raiseAlert(camera: id, kind: "disk_low", detail: "x", dedupe: "d1"))
            #expect(try await store.openAlerts().count == 1)
        }
    }
}
