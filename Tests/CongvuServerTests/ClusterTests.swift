import CongvuDomain
import CongvuStore
import CongvuTestSupport
import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Synchronization
import Testing
@testable import CongvuServer

/// Two nodes of one installation in one process, on one database (issue 25): scheduled work runs
/// once whichever node looks first, and is taken over from a node that died; a punch taken by one
/// node's API reaches a live board held by the other through PostgreSQL.
@Suite struct ClusterTests {
    static func config(_ name: String, dir: String) -> AppConfig {
        var c = AppConfig()
        c.dataDirectory = dir
        c.bcryptCost = 4
        c.cameras = false
        c.nodeName = name
        return c
    }

    @Test(arguments: TestDatabases.kinds)
    func scheduledWorkRunsOncePerClusterAndIsTakenOver(kind: DatabaseKind) async throws {
        try await TestDatabases.withFresh(kind) { db, dir in
            let a = ClusterServices(config: Self.config("web-1", dir: dir), database: db, secrets: Self.secrets)
            let b = ClusterServices(config: Self.config("web-2", dir: dir), database: db, secrets: Self.secrets)
            let runs = Mutex<[String]>([])
            let job = NightlyJob(name: "reconcile") { _ in runs.withLock { $0.append("ran") }; return "done" }
            // Both nodes look at once, twice: one run.
            async let first = a.once(job, slot: "2026-12-06", logger: TestDatabases.logger)
            async let second = b.once(job, slot: "2026-12-06", logger: TestDatabases.logger)
            let (ranA, ranB) = await (first, second)
            #expect(ranA != ranB && runs.withLock { $0.count } == 1)
            #expect(await a.once(job, slot: "2026-12-06", logger: TestDatabases.logger) == false)
            #expect(try await a.claims.finished("reconcile", slot: "2026-12-06"))
            // A node claims the next night and dies before finishing: the other takes over once its lease ran out.
            let night = Date()
            _ = try #require(try await a.claims.claim("reconcile", slot: "2026-12-07", node: "web-1", lease: 120, now: night))
            #expect(await b.once(job, slot: "2026-12-07", at: night + 60, logger: TestDatabases.logger) == false)
            #expect(await b.once(job, slot: "2026-12-07", at: night + 121, logger: TestDatabases.logger))
            #expect(runs.withLock { $0.count } == 2)
            let run = try #require(try await a.claims.recent().first { $0.slot == "2026-12-07" })
            #expect(run.node == "web-2" && run.attempts == 2 && run.finished && run.result == "done")
            // A failing job is finished with its error, not retried all night.
            let failing = NightlyJob(name: "prune") { _ in throw CancellationError() }
            #expect(await a.once(failing, slot: "2026-12-06", logger: TestDatabases.logger))
            #expect(try await a.claims.recent().first { $0.job == "prune" }?.result.hasPrefix("failed") == true)
        }
    }

    @Test func aPunchOnOneNodeReachesTheBoardOfAnother() async throws {
        guard TestDatabases.kinds.contains(.postgres) else { return }
        try await Harness.run(.postgres) { h in
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("congvu-node-b-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: dir) }
            // Every node of an installation holds the same secret key (sealed settings, tokens' tags).
            try FileManager.default.copyItem(atPath: h.services.config.dataDirectory + "/secret.key", toPath: dir + "/secret.key")
            let other = try await Database.open(h.services.database.location, logger: TestDatabases.logger)
            let b = try await AppServices.open(config: Self.config("web-2", dir: dir), database: other, logger: TestDatabases.logger)
            let listenA = try await listenForChanges(h.services.database)
            defer { listenA.cancel() }
            #expect(h.services.database.listening)

            // A viewer of Gia Hưng's board on node A.
            let commune = try await h.unit(code: "14551"), person = try await h.someone(in: "14551-UB")
            let (stream, stop) = h.services.attendance.events.subscribe(path: commune.path, heartbeat: .seconds(30))
            defer { stop() }
            let heard = Task { () -> Date? in
                for await signal in stream { if case .change = signal { return Date() } }
                return nil
            }
            // The punch arrives through node B's API.
            let account = try #require(try await b.accounts.byUsername("admin"))
            let token = try await b.accounts.issueAPIToken(userID: account.id, name: "node-b", by: .system)
            try await Application(router: buildRouter(b)).test(.router) { client in
                let body = #"{"person_id": \#(person.id), "at": "\#(Instant.format(Date()))", "method": "card", "idempotency_key": "cluster-1"}"#
                let r = try await client.execute(uri: "/api/v1/punches", method: .post,
                                                 headers: [.authorization: "Bearer \(token)", .contentType: "application/json"], body: ByteBuffer(string: body))
                #expect(r.status == .created || r.status == .ok)
            }
            // How fast (under a second) is measured with two server processes alone (Tests/Cluster/check.py);
            // here the whole suite shares two cores, so only that it arrives is held.
            let timeout = Task { try await Task.sleep(for: .seconds(15)); heard.cancel() }
            let at = await heard.value
            timeout.cancel()
            #expect(at != nil, "node A never heard of node B's punch")
            #expect(h.services.database.changes.receivedFromOthers >= 1)
            await other.shutdown()
        }
    }

    /// The registry as an operator reads it: `/healthz` and the administrators' page, with the
    /// scheduled work and the node that ran it; nobody else sees the page.
    @Test func theNodesPageAndHealthListTheNodes() async throws {
        try await Harness.run { h in
            var this = h.services.cluster.node
            this.heartbeatAt = Date()
            try await h.services.cluster.nodes.heartbeat(this)
            try await h.services.cluster.nodes.heartbeat(ClusterNode(name: "ghi-hinh-gia-hung", roles: ["recorder"], site: "", version: "0.24.0", schemaStep: 42,
                                                                     address: "10.0.0.9:8080", startedAt: Date() - 3600, heartbeatAt: Date() - 60))
            #expect(await h.services.cluster.once(NightlyJob(name: "terminals_reconcile") { _ in "12 máy được hỏi" }, slot: "2026-12-06", logger: TestDatabases.logger))
            struct Health: Decodable {
                struct Node: Decodable { var name: String; var roles: [String]; var alive: Bool; var schema: Int }
                var node: String; var nodes: [Node]
            }
            let health = try JSONDecoder().decode(Health.self, from: Data(try await h.browser().get("/healthz").text.utf8))
            #expect(health.node == this.name && health.nodes.map(\.name) == [this.name, "ghi-hinh-gia-hung"])
            #expect(health.nodes[0].alive && !health.nodes[1].alive && health.nodes[1].roles == ["recorder"] && health.nodes[1].schema == 42)
            let page = try await h.signIn("admin").get("/admin/nodes")
            #expect(page.status == .ok && page.text.contains(this.name) && page.text.contains("ghi-hinh-gia-hung"))
            #expect(page.text.contains("im lặng") && page.text.contains("khác phiên bản lược đồ") && page.text.contains("ghi hình camera"))
            #expect(page.text.contains("terminals_reconcile") && page.text.contains("12 máy được hỏi"))
            #expect(try await h.signIn("vanphong.giahung").get("/admin/nodes").status == .forbidden)
            // The same list as a workbook, for the same people only.
            let admin = try await h.signIn("admin")
            // This node beats as a running node does (silent after 20 s: the suite on two cores takes longer than that).
            this.heartbeatAt = Date()
            try await h.services.cluster.nodes.heartbeat(this)
            let book = try await admin.get("/admin/nodes/xlsx")
            #expect(book.status == .ok && book.headers[.contentType]?.contains("spreadsheetml") == true)
            let rows = try XLSXReader.firstSheet(Data(book.body.readableBytesView))
            let silent = try #require(rows.first { $0.first == "ghi-hinh-gia-hung" })
            #expect(rows.contains { $0.first == "Máy" && $0.contains("Trạng thái") } && rows.contains { $0.first == this.name && $0.contains("đang chạy") })
            #expect(silent.contains("im lặng") && silent.contains("ghi hình camera") && silent.contains("0.24.0") && silent.contains("42"))
            #expect(try await h.signIn("vanphong.giahung").get("/admin/nodes/xlsx").status == .forbidden)
        }
    }

    static let secrets = SecretBox(key: SymmetricKey(size: .bits256))

    /// What one node's request to another carries: good for its method, path and minute only, and
    /// only under the key every node of the installation shares.
    @Test func theClusterCredentialProvesTheCallerAndItsRequest() {
        let web = ClusterCredential(secrets: Self.secrets, node: "web-1"), recorder = ClusterCredential(secrets: Self.secrets, node: "rec-1")
        let now = Date(timeIntervalSince1970: 1_790_000_000)
        let value = web.value(method: "GET", path: "/internal/cameras/3/live", now: now)
        #expect(recorder.verify(value, method: "GET", path: "/internal/cameras/3/live", now: now + 30) == "web-1")
        #expect(recorder.verify(value, method: "GET", path: "/internal/cameras/4/live", now: now) == nil)
        #expect(recorder.verify(value, method: "POST", path: "/internal/cameras/3/live", now: now) == nil)
        #expect(recorder.verify(value, method: "GET", path: "/internal/cameras/3/live", now: now + 61) == nil)
        #expect(recorder.verify(value.replacingOccurrences(of: "web-1", with: "web-2"), method: "GET", path: "/internal/cameras/3/live", now: now) == nil)
        let stranger = ClusterCredential(secrets: SecretBox(key: SymmetricKey(size: .bits256)), node: "web-1")
        #expect(stranger.verify(value, method: "GET", path: "/internal/cameras/3/live", now: now) == nil)
        for bad in [nil, "", "web-1", "web-1 x y", "web-1 \(Int(now.timeIntervalSince1970)) 00"] {
            #expect(recorder.verify(bad, method: "GET", path: "/internal/cameras/3/live", now: now) == nil)
        }
    }

    /// The internal routes answer the credential only: not a session, not an API token, not nothing.
    @Test func internalRoutesRefuseAnythingButTheClusterCredential() async throws {
        try await Harness.run { h in
            let paths = ["/internal/cameras/1/live", "/internal/cameras/1/index?names=x", "/internal/cameras/1/segments/20261206T080000.mp4"]
            let admin = try await h.signIn("admin")
            for path in paths {
                let anonymous = try await h.browser().get(path)
                #expect(anonymous.status == .unauthorized && anonymous.text.contains("\"code\":\"cluster_credential\""))
                #expect(try await admin.get(path).status == .unauthorized)
            }
            let credential = h.services.cluster.credential
            func internalGet(_ path: String, _ query: String = "") async throws -> TestResponse {
                try await h.browser().request(path + query, headers: [ClusterCredential.header: credential.value(method: "GET", path: path)])
            }
            // With it: what this node holds (nothing recorded here: no picture, no file, an empty index).
            #expect(try await internalGet("/internal/cameras/1/index", "?names=20261206T080000.mp4,../secret.key").text == "{}")
            #expect(try await internalGet("/internal/cameras/1/live").status == .notFound)
            #expect(try await internalGet("/internal/cameras/1/segments/20261206T080000.mp4").status == .notFound)
            #expect(try await internalGet("/internal/cameras/1/segments/secret.key").status == .notFound)
        }
    }

    @Test func aNodesRolesAreChecked() throws {
        var config = AppConfig()
        try config.apply(["node_name": "web-2", "node_roles": "web", "node_site": "14551", "node_address": "10.0.1.5:8080"])
        #expect(config.nodeName == "web-2" && config.nodeRoles == ["web"] && config.nodeSite == "14551" && config.nodeAddress == "10.0.1.5:8080")
        for bad in [["node_roles": "web,cook"], ["node_roles": ""], ["node_name": "two words"], ["node_name": ""], ["node_site": "a b"],
                    ["node_address": "no-port"], ["node_address": "http://x:1/"]] {
            #expect(throws: ConfigError.self) { try config.apply(bad) }
        }
    }
}
