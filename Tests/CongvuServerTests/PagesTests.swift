import CongvuDomain
@testable import CongvuServer
import CongvuStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import SQLKit
import Testing

@Suite struct PeoplePagesTests {
    @Test func searchFindsNamesWithoutAccents() async throws {
        try await Harness.run { h in
            let b = try await h.signIn("chutich.giahung")
            let page = try await b.get("/people?q=nguyen+van+hung").text
            #expect(page.contains(">Nguyễn Văn Hùng</a>"))
            let none = try await b.get("/people?q=%25%25").text
            #expect(none.contains("person-name"))  // a query of only symbols lists everyone in scope
        }
    }

    @Test func aBadFormComesBackWithMessagesNextToTheFields() async throws {
        try await Harness.run { h in
            let b = try await h.signIn("vanphong.giahung")
            let office = try await h.unit(code: "14551-VP")
            let r = try await b.post("/people", ["full_name": "Lê Văn 9", "phone": "12", "birth_date": "31/02/1990",
                                                 "unit_id": String(office.id), "title": "", "category": "cadre", "valid_from": "2026-01-01"])
            #expect(r.status == .badRequest)
            let html = r.text
            #expect(html.contains("Họ tên không được chứa chữ số."))
            #expect(html.contains("Số điện thoại không hợp lệ."))
            #expect(html.contains("Ngày không hợp lệ"))
            #expect(html.contains("value=\"Lê Văn 9\""))  // what was typed is kept
            #expect(!html.contains("name=\"is_leader\" value=\"1\" checked"))
            #expect(try await h.services.people.search("le van 9", scopes: ["/"], on: h.services.today).total == 0)
        }
    }

    @Test func createEditAndMoveAreAuditedWithTheirReason() async throws {
        try await Harness.run { h in
            let b = try await h.signIn("vanphong.giahung")
            let office = try await h.unit(code: "14551-VP")
            let centre = try await h.unit(code: "14551-TTHCC")
            let created = try await b.post("/people", ["full_name": "Vũ Thị Ngọc Ánh", "gender": "female", "phone": "0912 345 678",
                                                       "unit_id": String(office.id), "title": "Công chức Văn phòng - Thống kê",
                                                       "category": "civil_servant", "valid_from": "2026-01-05"])
            #expect(created.status == .seeOther)
            let id = Int64(created.headers[.location]!.split(separator: "/").last!)!
            // An edit needs a reason.
            let noReason = try await b.post("/people/\(id)", ["full_name": "Vũ Thị Ngọc Anh"])
            #expect(noReason.status == .badRequest)
            #expect(noReason.text.contains("Hãy ghi lý do thay đổi"))
            #expect(try await b.post("/people/\(id)", ["full_name": "Vũ Thị Ngọc Anh", "phone": "0912345678", "reason": "sửa theo CCCD"]).status == .seeOther)
            #expect(try await b.post("/people/\(id)/move", ["unit_id": String(centre.id), "title": "Công chức Bộ phận một cửa",
                                                             "category": "civil_servant", "valid_from": "2026-06-01", "reason": "điều động"]).status == .seeOther)
            let record = try await h.services.people.get(id)!
            #expect(record.person.fullName == "Vũ Thị Ngọc Anh")
            #expect(record.assignments.map(\.unit.id) == [centre.id, office.id])
            let audit = try await h.services.audit.recent(limit: 20, objectType: "person", objectID: String(id))
            #expect(audit.first?.reason == "sửa theo CCCD")
            #expect(audit.first?.actorName == "vanphong.giahung")
            #expect(audit.first?.before.contains("Ngọc Ánh") == true)
            let page = try await b.get("/people/\(id)").text
            #expect(!page.contains("Thư điện tử"))  // no e-mail given: no empty row for it
            #expect(page.contains("Điện thoại"))
            #expect(page.contains("01/06/2026"))
            #expect(page.contains("31/05/2026"))
        }
    }
}

@Suite struct UnitPagesTests {
    @Test func aMergedCommuneShowsItsHistory() async throws {
        try await Harness.run { h in
            let b = try await h.signIn("admin")
            let commune = try await h.unit(code: "14551")
            let page = try await b.get("/units/\(commune.id)").text
            #expect(page.contains("Lịch sử sáp nhập"))
            #expect(page.contains("Xã Liên Sơn"))
            let old = try await h.unit(code: "14533")
            #expect(try await b.get("/units/\(old.id)").text.contains("Đơn vị này đã sáp nhập vào"))
            // The tree hides former units unless asked.
            #expect(!(try await b.get("/units").text.contains("Xã Liên Sơn")))
            #expect(try await b.get("/units?history=1").text.contains("Xã Liên Sơn"))
        }
    }

    @Test func theOfficeAddsAndRenamesUnitsInItsCommune() async throws {
        try await Harness.run { h in
            let b = try await h.signIn("vanphong.giahung")
            let committee = try await h.unit(code: "14551-UB")
            let r = try await b.post("/units", ["parent_id": String(committee.id), "kind": "department", "name": "Phòng Thử nghiệm", "code": "GH-TN"])
            #expect(r.status == .seeOther)
            let unit = try await h.unit(code: "GH-TN")
            #expect(try await b.post("/units/\(unit.id)", ["parent_id": String(committee.id), "kind": "department", "code": "GH-TN",
                                                            "name": "Phòng Đổi tên", "reason": ""]).status == .badRequest)
            #expect(try await b.post("/units/\(unit.id)", ["parent_id": String(committee.id), "kind": "department", "code": "GH-TN",
                                                            "name": "Phòng Đổi tên", "reason": "đổi tên theo quyết định"]).status == .seeOther)
            #expect(try await h.services.units.get(unit.id)?.name == "Phòng Đổi tên")
            // A ward cannot sit under a department; a code cannot be reused.
            let wrong = try await b.post("/units", ["parent_id": String(unit.id), "kind": "ward", "name": "Phường", "code": "GH-TN"])
            #expect(wrong.status == .badRequest)
            #expect(wrong.text.contains("Không thể đặt loại đơn vị này"))
            let taken = try await b.post("/units", ["parent_id": String(unit.id), "kind": "office", "name": "Tổ", "code": "GH-TN"])
            #expect(taken.text.contains("Mã này đã được dùng"))
        }
    }
}

@Suite struct ImportPagesTests {
    @Test func aFileIsCheckedThenImportedWithProgress() async throws {
        try await Harness.run(configure: { $0.metricsToken = "metrics-token-for-tests" }) { h in
            let b = try await h.signIn("vanphong.giahung")
            try await b.get("/import")
            let csv = "\u{FEFF}ho_ten,gioi_tinh,ma_don_vi,chuc_danh,phan_loai\r\nĐinh Công Tráng,nam,14551-KT,Công chức Địa chính,công chức\r\n"
            for dry in [true, false] {
                var fields = ["_csrf": b.csrf, "kind": "people"]
                if dry { fields["dry_run"] = "1" }
                let (headers, body) = Browser.multipart(fields, file: Data(csv.utf8), name: "file", filename: "nhan-su.csv")
                let start = try await b.request("/import", method: .post, headers: headers, body: body)
                #expect(start.status == .seeOther)
                let job = start.headers[.location]!
                let id = String(job.split(separator: "/").last!)
                _ = await h.services.imports.jobs.wait(id)
                #expect(try await b.get(job + "?format=json").text == "{\"finished\":true,\"percent\":100}")
                let report = try await b.get(job).text
                #expect(report.contains(dry ? "Kiểm tra xong, không có lỗi" : "Đã nhập xong"))
                // Another account cannot look at the job.
                #expect(try await h.signIn("vanphong.giavan").get(job).status == .notFound)
            }
            #expect(try await h.services.people.search("dinh cong trang", scopes: ["/"], on: h.services.today).total == 1)
            // Prometheus counts imports by kind and outcome (other tests import too: at least these).
            let metrics = try await h.browser().request("/metrics", headers: [.authorization: "Bearer metrics-token-for-tests"]).text
            func value(_ series: String) -> Double {
                metrics.split(separator: "\n").first { $0.hasPrefix(series + " ") }.flatMap { Double($0.split(separator: " ").last!) } ?? 0
            }
            #expect(value("congvu_imports_total{kind=\"people\",outcome=\"checked\"}") >= 1)
            #expect(value("congvu_imports_total{kind=\"people\",outcome=\"applied\"}") >= 1)
            #expect(value("congvu_import_rows_total{kind=\"people\"}") >= 2)
        }
    }

    /// Jobs live in the database (issue 25): one whose node died is reported failed on its page,
    /// by whichever node's watch runs next, in the importer's language.
    @Test func aJobWhoseNodeDiedIsReportedInterrupted() async throws {
        try await Harness.run { h in
            let b = try await h.signIn("vanphong.giahung")
            let owner = try #require(try await h.services.accounts.byUsername("vanphong.giahung")).id
            let jobs = h.services.imports.jobs
            try await jobs.store.start(id: "died-on-web-2", owner: owner, kind: "dossiers", dryRun: false, node: "web-2", now: Date() - 60)
            try await jobs.store.progress("died-on-web-2", done: 300, total: 1000)
            #expect(try await b.get("/import/jobs/died-on-web-2?format=json").text == "{\"finished\":false,\"percent\":30}")
            // This node's watch: web-2 never beat (or stopped); this node's own jobs are left running.
            try await jobs.store.start(id: "mine", owner: owner, kind: "people", dryRun: true, node: h.services.cluster.node.name)
            var this = h.services.cluster.node
            this.heartbeatAt = Date()
            try await h.services.cluster.nodes.heartbeat(this)
            #expect(try await jobs.watch(h.services.cluster).run(Date()).hasPrefix("1 interrupted"))
            #expect(try await b.get("/import/jobs/died-on-web-2?format=json").text == "{\"finished\":true,\"percent\":100}")
            let page = try await b.get("/import/jobs/died-on-web-2").text
            #expect(page.contains("Việc nhập bị ngắt giữa chừng"))
            #expect(try await jobs.job("mine")?.state == .running)
        }
    }

    @Test func problemsAreListedByLineInVietnamese() async throws {
        try await Harness.run { h in
            let b = try await h.signIn("vanphong.giahung")
            try await b.get("/import")
            let csv = "ho_ten;ma_don_vi;chuc_danh;phan_loai\nA;14554-VP;X;công chức\n"
            let (headers, body) = Browser.multipart(["_csrf": b.csrf, "kind": "people"], file: Data(csv.utf8), name: "file", filename: "loi.csv")
            let job = try await b.request("/import", method: .post, headers: headers, body: body).headers[.location]!
            _ = await h.services.imports.jobs.wait(String(job.split(separator: "/").last!))
            let report = try await b.get(job).text
            #expect(report.contains("Tệp có lỗi, không dòng nào được ghi"))
            #expect(report.contains("<td>2</td><td>Mã đơn vị</td><td>Đơn vị nằm ngoài phạm vi quản lý của bạn.</td>"))
            let (h2, b2) = Browser.multipart(["_csrf": b.csrf, "kind": "people"], file: Data(), name: "file", filename: "trong.csv")
            #expect(try await b.request("/import", method: .post, headers: h2, body: b2).status == .badRequest)
        }
    }

    @Test func historicDossiersArriveThroughTheSamePageAndAreTrackedPublicly() async throws {
        try await Harness.run { h in
            let b = try await h.signIn("vanphong.giahung")
            let page = try await b.get("/import?kind=dossiers").text
            #expect(page.contains("<option value=\"dossiers\" selected>Hồ sơ một cửa (dữ liệu cũ)</option>"))
            #expect(page.contains("<option value=\"procedures\">Thủ tục hành chính</option>") && page.contains("ngay_hen_tra"))
            let csv = """
                ma_ho_so,ma_thu_tuc,ma_don_vi,kenh,trang_thai,ngay_tiep_nhan,ngay_hen_tra,ngay_co_ket_qua,ngay_tra_ket_qua,nguoi_nop
                LEGACY-2025-1,1.000894,14551-TTHCC,trực tiếp,đã trả kết quả,03/03/2025 08:00,06/03/2025 08:00,05/03/2025 15:00,06/03/2025 09:00,Ngô Thị Hằng
                LEGACY-2025-2,1.000894,14554-TTHCC,trực tiếp,đã trả kết quả,03/03/2025 08:00,06/03/2025 08:00,05/03/2025 15:00,06/03/2025 09:00,Ngô Thị Hằng

                """
            let (headers, body) = Browser.multipart(["_csrf": b.csrf, "kind": "dossiers"], file: Data(csv.utf8), name: "file", filename: "ho-so-cu.csv")
            let job = try await b.request("/import", method: .post, headers: headers, body: body).headers[.location]!
            _ = await h.services.imports.jobs.wait(String(job.split(separator: "/").last!))
            // The other commune is outside the office's scope: the file is refused whole.
            let refused = try await b.get(job).text
            #expect(refused.contains("<td>3</td><td>Mã đơn vị</td><td>Đơn vị nằm ngoài phạm vi quản lý của bạn.</td>"))
            #expect(try await h.browser().get("/api/public/dossiers/LEGACY-2025-1").status == .notFound)

            let one = csv.split(separator: "\n").prefix(2).joined(separator: "\n") + "\n"
            let (h2, b2) = Browser.multipart(["_csrf": b.csrf, "kind": "dossiers"], file: Data(one.utf8), name: "file", filename: "ho-so-cu.csv")
            let job2 = try await b.request("/import", method: .post, headers: h2, body: b2).headers[.location]!
            _ = await h.services.imports.jobs.wait(String(job2.split(separator: "/").last!))
            #expect(try await b.get(job2).text.contains("Đã nhập xong"))
            let tracked = try await h.browser().get("/api/public/dossiers/legacy-2025-1").text
            #expect(tracked.contains("\"status\":10") && tracked.contains("N.T.H."))
            // A one-stop officer receives dossiers but does not import them.
            #expect(try await h.signIn("motcua.giahung").get("/import").status == .forbidden)
        }
    }
}

@Suite struct RobustnessTests {
    /// Whatever a person or a program sends, the answer is never a 500.
    @Test func badInputNeverBecomesAServerError() async throws {
        try await Harness.run { h in
            let b = try await h.signIn("admin")
            let unit = try await h.unit(code: "14551-VP")
            for uri in ["/people/abc", "/people/99999999999999999999", "/units/-5", "/units/0/edit", "/people?page=-3",
                        "/people?q=%E0%A4%A", "/units?q=%00", "/import/jobs/x", "/static/../Package.swift", "/lang/"] {
                let status = try await b.get(uri).status
                #expect(status.code < 500, "\(uri) answered \(status)")
            }
            let forms: [(String, [String: String])] = [
                ("/people", [:]),
                ("/people", ["full_name": String(repeating: "Á", count: 5000), "unit_id": "x", "valid_from": "2026-99-99", "category": "'; DROP TABLE people; --"]),
                ("/people", ["full_name": "Lê A", "unit_id": "999999", "title": "X", "category": "cadre", "valid_from": "2026-01-01"]),
                ("/units", ["parent_id": "abc", "kind": "", "name": "\u{0}"]),
                ("/units/\(unit.id)", ["parent_id": String(unit.id), "kind": "office", "name": "Vòng", "reason": "tạo vòng"]),
                ("/units/\(unit.id)", ["successor_id": String(unit.id), "parent_id": String(unit.parentID!), "kind": "office", "name": "X", "reason": "tự kế thừa"]),
                ("/people/1/move", ["unit_id": String(unit.id), "title": "X", "category": "cadre", "valid_from": "1900-01-01", "reason": "lùi ngày"]),
            ]
            for (uri, form) in forms {
                let status = try await b.post(uri, form).status
                #expect(status.code >= 400 && status.code < 500, "POST \(uri) answered \(status)")
            }
            let raw = try await b.request("/people", method: .post, headers: [.contentType: "multipart/form-data; boundary=zz"],
                                          body: ByteBuffer(string: "garbage"))
            #expect(raw.status.code < 500)
            #expect(try await h.services.people.count() == 183)
        }
    }
}

@Suite struct OpsTests {
    @Test func healthMetricsStaticAndHeaders() async throws {
        try await Harness.run(configure: { $0.metricsToken = "metrics-token-for-tests" }) { h in
            let b = h.browser()
            // Each subsystem for a monitor: the demo's terminals silent for an hour make it degraded, not down.
            struct Health: Decodable {
                struct Check: Decodable { var status: String; var detail: String? }
                var status: String; var database: String; var version: String; var schema: Int; var checks: [String: Check]
            }
            try await h.services.database.write { sql in
                try await sql.raw("UPDATE terminals SET last_seen_at = \(bind: Instant.format(Date().addingTimeInterval(-3600)))").run()
            }
            let health = try await b.get("/healthz")
            let silent = try JSONDecoder().decode(Health.self, from: Data(health.text.utf8))
            let terminals = try await h.services.terminals.terminals.list().filter { $0.status == .approved }.count
            #expect(health.status == .ok && silent.status == "degraded" && silent.database == "sqlite" && silent.version == Release.version
                    && silent.schema == Schema.all.count && silent.checks["database"]?.status == "ok")
            #expect(terminals > 0 && silent.checks["terminals"]?.status == "degraded" && silent.checks["terminals"]?.detail == "0/\(terminals) online")
            #expect(Set(silent.checks.keys) == ["database", "disk", "ffmpeg", "cameras", "terminals"])
            try await h.services.database.write { sql in try await sql.raw("UPDATE terminals SET last_seen_at = \(bind: Instant.format(Date()))").run() }
            let heard = try JSONDecoder().decode(Health.self, from: Data(try await b.get("/healthz").text.utf8))
            #expect(heard.checks["terminals"]?.status == "ok" && heard.checks["terminals"]?.detail == "\(terminals)/\(terminals) online")
            #expect(heard.status == (heard.checks.values.allSatisfy { $0.status == "ok" } ? "ok" : "degraded"))
            #expect(health.headers[.contentType] == "application/json; charset=utf-8")
            #expect(health.headers[HTTPField.Name("X-Frame-Options")!] == "DENY")
            #expect(health.headers[.contentSecurityPolicy]?.contains("default-src 'self'") == true)
            try await b.get("/login")
            // Metrics only to this machine's scraper or the token's holder (router tests come from no address).
            #expect(try await b.get("/metrics").status == .forbidden)
            #expect(try await b.request("/metrics", headers: [.authorization: "Bearer wrong-token-wrong-token"]).status == .forbidden)
            let metrics = try await b.request("/metrics", headers: [.authorization: "Bearer metrics-token-for-tests"])
            #expect(metrics.status == .ok)
            #expect(metrics.text.contains("hb_request"))
            // The work's figures after the demo load, each against the database read another way.
            func value(_ series: String) -> Int? {
                metrics.text.split(separator: "\n").first { $0.hasPrefix(series + " ") }.flatMap { Int($0.split(separator: " ").last!) }
            }
            func count(_ query: String) async throws -> Int {
                try await h.services.database.read { sql in try await sql.raw(SQLQueryString(query)).first()!.decode(column: "n", as: Int.self) }
            }
            let province = try await h.unit(code: "37"), today = h.services.today
            #expect(value("congvu_punches_total") == (try await count("SELECT COUNT(*) AS n FROM punches")) && value("congvu_punches_total")! > 0)
            let open = try await h.services.oneStop.dossiers.list(scopes: [province.path], filter: .open, limit: 100_000)
            let overdue = try await h.services.oneStop.dossiers.list(scopes: [province.path], filter: .overdue, limit: 100_000)
            #expect(value("congvu_dossiers_open") == open.count && value("congvu_dossiers_open{overdue=\"true\"}") == overdue.count && open.count > 0)
            let tasks = try await h.services.tasks.tasks.figures(scopes: [province.path], today: today, weekEnd: today, since: today)
            #expect(value("congvu_tasks_open{overdue=\"true\"}") == tasks.overdue)
            let fleet = try await h.services.terminals.terminals.list().filter { $0.status == .approved }
            let online = fleet.filter { Date().timeIntervalSince($0.lastSeen) < 600 }.count
            #expect(value("congvu_terminals{state=\"online\"}") == online && value("congvu_terminals{state=\"offline\"}") == fleet.count - online)
            #expect(value("congvu_feedback_open") == (try await count("SELECT COUNT(*) AS n FROM feedback WHERE answered_at IS NULL AND status NOT IN ('merged', 'spam', 'closed')")))
            #expect(metrics.text.contains("# TYPE congvu_punches_total counter") && metrics.text.contains("# TYPE congvu_dossiers_open gauge"))
            // The database's own: statements timed and waits for SQLite's writer (this test's demo wrote through it).
            func histogramCount(_ series: String) -> Int {
                metrics.text.split(separator: "\n").first { $0.hasPrefix(series) }.flatMap { Int($0.split(separator: " ").last!) } ?? 0
            }
            #expect(histogramCount("congvu_db_query_seconds_count{database=\"sqlite\"}") > 0)
            #expect(histogramCount("congvu_db_pool_wait_seconds_count{database=\"sqlite\",work=\"write\"}") > 0)
            // The recorders on this node: none run in tests (no camera reachable), and nobody watches.
            #expect(value("congvu_video_streams{state=\"running\"}") == 0 && value("congvu_video_live_viewers") == 0)
            let css = try await b.get("/static/app.css")
            #expect(css.status == .ok)
            #expect(css.text.contains("@media print"))
        }
    }
}

/// The audit chain's checkpoint in the places its database's administrators do not write: the foot
/// of every printed report, and the metrics Prometheus keeps.
@Suite struct AuditAnchorTests {
    @Test func printedReportsAndMetricsCarryTheLatestCheckpoint() async throws {
        try await Harness.run(configure: { $0.metricsToken = "metrics-token-for-tests" }) { h in
            let office = try await h.signIn("vanphong.giahung")
            #expect(try await !office.get("/attendance/timesheet").text.contains("id=\"audit-anchor\""))  // none written yet
            let written = try #require(try await h.services.auditCheckpoints.write(h.services.audit))
            let latest = try #require(h.services.auditCheckpoints.latest())
            #expect(latest == written)
            for page in ["/attendance/timesheet", "/one-stop/report", "/one-stop/book"] {
                let text = try await office.get(page).text
                #expect(text.contains("id=\"audit-anchor\"") && text.contains("bản ghi số \(written.seq), mã \(written.hash.prefix(16))"), "\(page)")
            }
            #expect(try await !office.get("/").text.contains("id=\"audit-anchor\""))  // reports only
            AuditCheckpointService.publish(latest)
            let metrics = try await h.browser().request("/metrics", headers: [.authorization: "Bearer metrics-token-for-tests"]).text
            #expect(metrics.contains("congvu_audit_checkpoint_seq \(written.seq)"))
            #expect(metrics.contains("congvu_audit_checkpoint_hash48 \(UInt64(written.hash.prefix(12), radix: 16)!)"))
            // A line whose key does not hold is no anchor.
            try Data("\(written.seq + 1)\t\(written.hash)\t\(written.at)\t\(String(repeating: "0", count: 64))\n".utf8)
                .append(to: h.services.auditCheckpoints.path)
            #expect(h.services.auditCheckpoints.latest() == nil)
        }
    }
}

extension Data {
    func append(to path: String) throws {
        let handle = try #require(FileHandle(forWritingAtPath: path))
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: self)
    }
}

@Suite struct PhotoTests {
    static let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13]

    @Test func thePhotoIsStoredAndServedOnlyWithinScope() async throws {
        try await Harness.run { h in
            let office = try await h.signIn("vanphong.giahung")
            let person = try await h.someone(in: "14551-VP")
            let (headers, body) = Browser.multipart(["_csrf": office.csrf], file: Data(Self.png), name: "photo", filename: "anh.png")
            #expect(try await office.request("/people/\(person.id)/photo", method: .post, headers: headers, body: body).status == .seeOther)
            let served = try await office.get("/people/\(person.id)/photo")
            #expect(served.status == .ok)
            #expect(served.headers[.contentType] == "image/png")
            #expect(Array(served.body.readableBytesView) == Self.png)
            #expect(try await office.get("/people/\(person.id)").text.contains("/people/\(person.id)/photo"))
            // Media obey the same scope as the record.
            #expect(try await h.signIn("congchuc.giavan").get("/people/\(person.id)/photo").status == .forbidden)
            #expect(try await h.browser().get("/people/\(person.id)/photo").status == .seeOther)
        }
    }

    @Test func onlyImagesAreAccepted() async throws {
        try await Harness.run { h in
            let office = try await h.signIn("vanphong.giahung")
            let person = try await h.someone(in: "14551-VP")
            let (headers, body) = Browser.multipart(["_csrf": office.csrf], file: Data("<script>".utf8), name: "photo", filename: "anh.png")
            let r = try await office.request("/people/\(person.id)/photo", method: .post, headers: headers, body: body)
            #expect(r.status == .badRequest)
            #expect(r.text.contains("Ảnh phải là tệp JPEG hoặc PNG."))
            #expect(try await h.services.people.get(person.id)?.person.photoPath == "")
        }
    }
}

@Suite struct ConfigTests {
    @Test func flagsOverEnvironmentOverFileOverDefaults() throws {
        let file = NSTemporaryDirectory() + "congvu-\(UUID().uuidString).conf"
        try "# thử\nport = 9000\nhostname = 0.0.0.0\nrequire_2fa = yes\ndata_dir = /srv/congvu\n".write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let config = try AppConfig.load(file: file, environment: ["CONGVU_PORT": "9100", "DATABASE_URL": "postgres://u@h/db"])
        #expect(config.port == 9100)
        #expect(config.hostname == "0.0.0.0")
        #expect(config.requireTwoFactorForPrivileged)
        #expect(config.dataDirectory == "/srv/congvu")
        #expect(config.databaseURL == "postgres://u@h/db")
        #expect(DatabaseLocation.resolve(databaseURL: config.databaseURL, dataDirectory: config.dataDirectory) == .postgres(url: "postgres://u@h/db"))
        #expect(DatabaseLocation.resolve(databaseURL: nil, dataDirectory: "/d") == .sqlite(path: "/d/congvu.sqlite"))
    }

    /// Receipts print a QR code to `public_url`: the default (this machine's loopback) or the
    /// server's own address on another port cannot work on a citizen's phone.
    @Test func aPublicURLThatPhonesCannotReachIsNamed() {
        func problem(_ url: String, host: String = "127.0.0.1", port: Int = 8080) -> AppConfig.PublicURLProblem? {
            var c = AppConfig()
            c.publicURL = url
            c.hostname = host
            c.port = port
            return c.publicURLProblem
        }
        #expect(AppConfig().publicURLProblem == .loopback)
        #expect(problem("http://localhost:8080") == .loopback && problem("http://[::1]:8080") == .loopback)
        #expect(problem("http://192.168.1.10:8080", host: "0.0.0.0", port: 8081) == .otherPort)
        #expect(problem("http://192.168.1.10:8081", host: "192.168.1.10", port: 8081) == nil)
        #expect(problem("http://192.168.1.10", host: "192.168.1.10", port: 8081) == .otherPort)
        // A name in front of a reverse proxy: the proxy's port is its own business.
        #expect(problem("https://motcua.giahung.ninhbinh.gov.vn", host: "0.0.0.0", port: 8080) == nil)
    }

    @Test func theHomeAndTheReceiptSayWhenTheQRCodeCannotWork() async throws {
        try await Harness.run { h in
            let officer = try await h.signIn("motcua.giahung")
            let home = try await officer.get("/").text
            #expect(home.contains("id=\"public-url-warning\"") && home.contains("http://127.0.0.1:8080"))
            // A civil servant cannot fix it and prints no receipts: nothing said.
            #expect(!(try await h.signIn("congchuc.giahung").get("/").text.contains("public-url-warning")))
            let rows = try await DossierStore(database: h.services.database).list(scopes: [try await h.unit(code: "14551").path], filter: .all, limit: 1)
            let receipt = try await officer.get("/one-stop/dossiers/\(try #require(rows.first).dossier.id)/print/receipt").text
            #expect(receipt.contains("public-url-warning"))
            // The issuer: the committee above the counter, then the counter; the centre's name once.
            let issuer = try #require(receipt.range(of: "id=\"printed-issuer\"")).upperBound
            let head = String(receipt[issuer...].prefix(300))
            #expect(head.contains("UBND xã Gia Hưng") && head.contains("Trung tâm Phục vụ hành chính công"))
            #expect(receipt.components(separatedBy: "Trung tâm Phục vụ hành chính công").count == 2)
        }
        try await Harness.run(configure: { $0.publicURL = "https://motcua.giahung.ninhbinh.gov.vn"; $0.hostname = "0.0.0.0" }) { h in
            let home = try await h.signIn("motcua.giahung").get("/").text
            #expect(!home.contains("public-url-warning"))
        }
    }

    /// Behind a reverse proxy every citizen would be one address to the throttles: the forwarded
    /// address is believed from the proxies the operator names, and only up to them.
    @Test func theClientIsFoundBehindTrustedProxiesOnly() {
        let trusted = ["10.0.0.5", "172.16.0.0/12"]
        #expect(ClientAddress.resolve(peer: "10.0.0.5", forwardedFor: "203.0.113.7", trusted: trusted) == "203.0.113.7")
        // A client's own prefix is passed over: the hop our proxy appended is the one believed.
        #expect(ClientAddress.resolve(peer: "10.0.0.5", forwardedFor: "1.2.3.4, 203.0.113.7", trusted: trusted) == "203.0.113.7")
        #expect(ClientAddress.resolve(peer: "10.0.0.5", forwardedFor: "203.0.113.7, 172.20.1.1", trusted: trusted) == "203.0.113.7")
        // From anyone else the header is ignored.
        #expect(ClientAddress.resolve(peer: "198.51.100.9", forwardedFor: "127.0.0.1", trusted: trusted) == "198.51.100.9")
        #expect(ClientAddress.resolve(peer: "10.0.0.5", forwardedFor: "203.0.113.7", trusted: []) == "10.0.0.5")
        #expect(ClientAddress.resolve(peer: nil, forwardedFor: "203.0.113.7", trusted: trusted) == "unknown")
        #expect(ClientAddress.isTrusted("172.31.255.255", trusted) && !ClientAddress.isTrusted("172.32.0.1", trusted))
        #expect(ClientAddress.isLoopback("127.0.0.1") && ClientAddress.isLoopback("::1") && !ClientAddress.isLoopback("10.0.0.1"))
        var config = AppConfig()
        #expect(throws: ConfigError.self) { try config.apply(["trusted_proxies": "proxy.local"]) }
        #expect(throws: ConfigError.self) { try config.apply(["metrics_token": "short"]) }
        #expect(throws: Never.self) { try config.apply(["trusted_proxies": "10.0.0.5, 172.16.0.0/12, ::1"]) }
        #expect(config.trustedProxies == ["10.0.0.5", "172.16.0.0/12", "::1"])
    }

    /// Served over https: cookies are Secure and browsers are told to stay on https.
    @Test func httpsPublicAddressesMakeCookiesSecureAndSendHSTS() async throws {
        try await Harness.run(configure: { $0.publicURL = "https://motcua.giahung.ninhbinh.gov.vn"; $0.hostname = "0.0.0.0" }) { h in
            let b = h.browser()
            let page = try await b.get("/login")
            #expect(page.headers[HTTPField.Name("Strict-Transport-Security")!] == "max-age=31536000")
            let r = try await b.post("/login", ["username": "congchuc.giahung", "password": Demo.password])
            let session = r.headers[values: .setCookie].first { $0.hasPrefix("cv_session=") } ?? ""
            #expect(session.contains("Secure"))
        }
        try await Harness.run { h in
            let page = try await h.browser().get("/login")
            #expect(page.headers[HTTPField.Name("Strict-Transport-Security")!] == nil)
            #expect(!(page.headers[values: .setCookie].first { $0.hasPrefix("cv_csrf=") } ?? "Secure").contains("Secure"))
        }
    }

    @Test func badSettingsAreNamed() {
        #expect(throws: ConfigError.self) { try AppConfig.load(file: nil, environment: ["CONGVU_PORT": "eighty"]) }
        #expect(throws: ConfigError.self) { _ = try AppConfig.parseFile("colour = red\n") }
        #expect(throws: ConfigError.self) { try AppConfig.load(file: "/nonexistent/congvu.conf", environment: [:]) }
    }
}
