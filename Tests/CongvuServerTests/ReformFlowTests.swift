import CongvuDomain
import CongvuStore
import CongvuTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import SQLKit
import Testing
import ZIPFoundation
@testable import CongvuServer

/// The reform index over HTTP (issue 24): the province opens a round on the example framework, a
/// commune self-assesses with evidence and submits, refused where the rules say with the rule named;
/// another commune reads nothing of it; the council appraises with reasons the commune reads,
/// publishes, and the ranking, the remediation tasks and the workbooks follow.
@Suite struct ReformFlowTests {
    static func location(_ r: TestResponse) -> String { r.headers[.location] ?? "" }

    @Test(arguments: TestDatabases.kinds)
    func aCommuneSelfAssessesTheCouncilAppraisesAndPublishes(kind: DatabaseKind) async throws {
        try await Harness.run(kind) { h in
            let province = try await h.unit(code: "37"), giaHung = try await h.unit(code: "14551"), giaVan = try await h.unit(code: "14554")
            let nhoQuan = try await h.unit(code: "14557")
            let example = try ReformServices.example()
            let admin = try await h.signIn("admin")
            #expect(try await admin.get("/reform").text.contains("id=\"reform-open\""))
            // Opening needs units under the body; then the round exists.
            let bad = try await admin.post("/reform/rounds", ["framework": "example", "body": String(province.id), "deadline": "2027-01-15"])
            #expect(bad.status == .badRequest && bad.text.contains("Chọn các đơn vị trực thuộc"))
            let opened = try await admin.request("/reform/rounds", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"], body: ByteBuffer(string:
                "_csrf=\(admin.csrf)&framework=example&body=\(province.id)&deadline=2027-01-15&units=\(giaHung.id)&units=\(giaVan.id)&units=\(nhoQuan.id)"))
            #expect(opened.status == .seeOther)
            let roundPath = Self.location(opened), roundID = Int64(roundPath.split(separator: "/").last!)!
            let sheetPath = "\(roundPath)/units/\(giaHung.id)"

            // Gia Vân's chairman reads nothing of Gia Hưng's, and sees only its own row before publication.
            let giavan = try await h.signIn("chutich.giavan")
            #expect(try await giavan.get(sheetPath).status == .forbidden)
            let theirs = try await giavan.get(roundPath)
            #expect(theirs.status == .ok && theirs.text.contains("Xã Gia Vân") && !theirs.text.contains("Xã Gia Hưng"))

            // Gia Hưng's office assesses itself.
            let office = try await h.signIn("vanphong.giahung")
            let sheet = try await office.get(sheetPath)
            #expect(sheet.status == .ok && sheet.text.contains("id=\"reform-index\"") && sheet.text.contains(example.areas[0].name))
            let manual = example.subCriteria.filter { $0.method == .manual && $0.applies(to: "commune") }
            let evidenced = try #require(manual.first { $0.evidenceRequired })
            // Refused with the rule named: submission incomplete, points above the maximum, points without evidence.
            let early = try await office.post("\(sheetPath)/submit", [:])
            #expect(early.status == .badRequest && early.text.contains("Chưa chấm đủ") && early.text.contains(evidenced.code))
            let above = try await office.post("\(sheetPath)/assess", ["code": evidenced.code, "points": "\(evidenced.maximum.hundredths / 100 + 1)", "note": ""])
            #expect(above.status == .badRequest && above.text.contains("vượt điểm tối đa"))
            let bare = try await office.post("\(sheetPath)/assess", ["code": evidenced.code, "points": evidenced.maximum.description, "note": ""])
            #expect(bare.status == .badRequest && bare.text.contains("cần tài liệu kiểm chứng"))
            #expect(try await office.post("\(sheetPath)/assess", ["code": evidenced.code, "points": "nhiều", "note": ""]).status == .badRequest)
            // A file of evidence (checked by its bytes), then the points.
            let (headers, body) = Browser.multipart(["_csrf": office.csrf, "code": evidenced.code], file: Data("%PDF-1.4 kế hoạch CCHC".utf8), name: "file", filename: "ke-hoach.pdf")
            #expect(try await office.request("\(sheetPath)/evidence", method: .post, headers: headers, body: body).status == .seeOther)
            let (h2, b2) = Browser.multipart(["_csrf": office.csrf, "code": evidenced.code], file: Data("MZ".utf8), name: "file", filename: "x.exe")
            #expect(try await office.request("\(sheetPath)/evidence", method: .post, headers: h2, body: b2).status == .badRequest)
            for s in manual {
                if s.evidenceRequired && s.code != evidenced.code {
                    #expect(try await office.post("\(sheetPath)/evidence", ["code": s.code, "link": "/tasks"]).status == .seeOther)
                }
                let points = s.code == evidenced.code ? s.maximum : s.maximum.scaled(8_000, over: 10_000)
                let saved = try await office.post("\(sheetPath)/assess", ["code": s.code, "points": points.description, "note": "Kế hoạch số 12/KH-UBND"])
                #expect(saved.status == .seeOther, "\(s.code): \(saved.status)")
            }
            let evidence = try #require(try await h.services.reform.store.evidence(roundID: roundID, unitID: giaHung.id).first { !$0.file.isEmpty })
            #expect(try await office.get("\(sheetPath)/evidence/\(evidence.id)").text.hasPrefix("%PDF"))
            #expect(try await giavan.get("\(sheetPath)/evidence/\(evidence.id)").status == .forbidden)
            // A computed sub-criterion reads its records.
            let computed = try #require(example.subCriteria.first { if case .computed = $0.method { $0.applies(to: "commune") } else { false } })
            let drill = try await office.get("\(sheetPath)/measures/\(computed.code)")
            #expect(drill.status == .ok && drill.text.contains("id=\"reform-measured\""))
            // Submitted: the unit's points are its own no more.
            #expect(try await office.post("\(sheetPath)/submit", [:]).status == .seeOther)
            let late = try await office.post("\(sheetPath)/assess", ["code": evidenced.code, "points": "0", "note": ""])
            #expect(late.status == .badRequest && late.text.contains("đã nộp"))
            // The civil servant of the commune has no say, and Gia Vân cannot appraise.
            #expect(try await (try await h.signIn("congchuc.giahung")).post("\(sheetPath)/assess", ["code": evidenced.code, "points": "0"]).status == .forbidden)
            #expect(try await giavan.post("\(sheetPath)/appraise", ["code": evidenced.code, "points": "0", "reason": "Không đạt yêu cầu"]).status == .forbidden)

            // The council: a change needs a reason, which the commune reads.
            let unexplained = try await admin.post("\(sheetPath)/appraise", ["code": evidenced.code, "points": "0.5", "reason": ""])
            #expect(unexplained.status == .badRequest && unexplained.text.contains("ghi rõ lý do"))
            #expect(try await admin.post("\(sheetPath)/appraise", ["code": evidenced.code, "points": "0.5", "reason": "Kế hoạch ban hành chậm 20 ngày"]).status == .seeOther)
            let survey = try #require(example.subCriteria.first { $0.method == .survey })
            #expect(try await admin.post("\(sheetPath)/appraise", ["code": survey.code, "points": survey.maximum.scaled(8_500, over: 10_000).description,
                                                                    "reason": "Kết quả điều tra xã hội học"]).status == .seeOther)
            let reread = try await office.get(sheetPath)
            #expect(reread.text.contains("Kế hoạch ban hành chậm 20 ngày") && reread.text.contains("id=\"reform-scored\""))

            // Publication: the decision is required; then everything is locked and public to the units.
            let nameless = try await admin.post("\(roundPath)/publish", ["decision_number": "", "decision_day": h.services.today.description])
            #expect(nameless.status == .badRequest)
            #expect(try await h.services.reform.store.round(roundID)?.status == .open)
            #expect(try await admin.post("\(roundPath)/publish", ["decision_number": "125/QĐ-UBND", "decision_day": h.services.today.description]).status == .seeOther)
            let published = try await giavan.get(roundPath)
            #expect(published.text.contains("Đã công bố") && published.text.contains("125/QĐ-UBND") && published.text.contains("Xã Gia Hưng"))
            let locked = try await admin.post("\(sheetPath)/appraise", ["code": evidenced.code, "points": "1", "reason": "Xem xét lại theo đề nghị"])
            #expect(locked.status == .badRequest && locked.text.contains("đã công bố"))
            let results = try await h.services.reform.store.published(roundID: roundID)
            #expect(results.count == 3 && Set(results.map(\.rank)).isSubset(of: [1, 2, 3]) && results.allSatisfy { $0.of == 3 })
            // The weak sub-criteria became tasks of Gia Hưng's chairman, on the committee's books.
            let chairman = try await h.personID("chutich.giahung")
            let tasks = try await h.services.database.read { sql in
                try await sql.raw("SELECT owner_id, source_record_id FROM tasks WHERE source_kind = 'reform'").all()
                    .map { (try $0.decode(column: "owner_id", as: Int64.self), try $0.decode(column: "source_record_id", as: Int64.self)) }
            }
            #expect(tasks.contains { $0.0 == chairman && $0.1 == roundID })
            #expect(try await (try await h.signIn("chutich.giahung")).get("/tasks").text.contains("\(example.year) · "))

            // The workbooks for the council's file, and the framework as data.
            let ranking = try await admin.get("\(roundPath)/ranking.xlsx")
            let rows = try WorkbookReader(Data(ranking.body.readableBytesView)).sheets[0].rows
            #expect(rows.contains { $0.contains("Xã Gia Hưng") } && rows.contains { $0.contains("Xã Nho Quan") })
            let unitBook = try await office.get("\(sheetPath)/sheet.xlsx")
            #expect(try WorkbookReader(Data(unitBook.body.readableBytesView)).sheets[0].rows.contains { $0.contains(evidenced.code) })
            let frameworkID = try #require(try await h.services.reform.store.round(roundID)?.framework.id)
            let json = try await office.get("/reform/frameworks/\(frameworkID)")
            #expect(try JSONDecoder().decode(ReformFramework.self, from: Data(json.body.readableBytesView)) == example)
        }
    }

    @Test func pastYearsIncludingMergedUnitsShowInTheTrend() async throws {
        try await Harness.run { h in
            let province = try await h.unit(code: "37"), giaHung = try await h.unit(code: "14551"), former = try await h.unit(code: "14533")
            let admin = try await h.signIn("admin")
            let entered = try await admin.post("/reform/history", ["unit": String(former.id), "year": "2024", "issuer": "UBND huyện Gia Viễn",
                                                                   "index": "81,33", "band": "Khá", "rank": "15", "of": "21"])
            #expect(entered.status == .seeOther)
            let wrong = try await admin.post("/reform/history", ["unit": String(former.id), "year": "2023", "issuer": "UBND huyện Gia Viễn", "index": "101"])
            #expect(wrong.status == .badRequest && wrong.text.contains("từ 0 đến 100"))
            let twice = try await admin.post("/reform/history", ["unit": String(former.id), "year": "2024", "issuer": "UBND huyện Gia Viễn", "index": "80"])
            #expect(twice.status == .badRequest && twice.text.contains("Đã có kết quả"))
            // A commune's leader enters nothing, not even its own past.
            #expect(try await (try await h.signIn("vanphong.giahung")).post("/reform/history", ["unit": String(giaHung.id), "year": "2024",
                                                                                                 "issuer": "x", "index": "90"]).status == .badRequest)
            let stored = try await h.services.reform.store.saveFramework(try ReformServices.example(), by: .system)
            let round = try await h.services.reform.store.openRound(frameworkID: stored.id, bodyID: province.id, deadline: h.services.today.next,
                                                                    units: [(giaHung.id, "commune")], by: .system)
            let sheet = try await (try await h.signIn("chutich.giahung")).get("/reform/rounds/\(round)/units/\(giaHung.id)")
            #expect(sheet.text.contains("id=\"reform-trend\"") && sheet.text.contains("Xã Liên Sơn") && sheet.text.contains("81.33%") && sheet.text.contains("15/21"))
        }
    }

    /// The demo's year published and this year open: the leaders' home and the weekly pack carry them.
    @Test func theHomeCardsAndTheMeetingPackCarryTheIndex() async throws {
        try await Harness.run { h in
            let accounts = try await ReformDemo.load(h.services)
            #expect(accounts.map(\.username) == ["noivu"])
            let year = h.services.today.year
            let chairman = try await h.signIn("chutich.giahung")
            let home = try await chairman.get("/")
            #expect(home.text.contains("Chỉ số CCHC · Xã Gia Hưng") && home.text.contains("Năm \(year - 1): ") && home.text.contains("xếp hạng ")
                    && home.text.contains("Năm \(year): đã tự chấm"))
            let council = try await h.signIn("noivu")
            let councilHome = try await council.get("/")
            #expect(councilHome.text.contains("Thẩm định chỉ số CCHC năm \(year)"))
            // The council reads nothing else of the communes.
            #expect(try await council.get("/attendance").status == .forbidden)
            let committee = try await h.unit(code: "14551-UB")
            let pack = try await chairman.get("/schedules/pack?unit=\(committee.id)")
            #expect(pack.status == .ok && pack.text.contains("id=\"pack-reform\"") && pack.text.contains("125/QĐ-UBND") && pack.text.contains("(dự kiến)"))
            // The published year gave Nho Quan's chairman remediation tasks, the council as their assigner.
            let tasks = try await (try await h.signIn("chutich.nhoquan")).get("/tasks")
            #expect(tasks.text.contains("\(year - 1) · "))
        }
    }

    /// A workbook as spreadsheet programs write it: the text in shared strings, cells by reference
    /// (one left empty), the sheet found through the workbook's relationships.
    static func sharedStringsWorkbook(_ rows: [[String]]) throws -> Data {
        var strings: [String] = [], index: [String: Int] = [:]
        var sheet = #"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#
        for (r, row) in rows.enumerated() {
            sheet += #"<row r="\#(r + 1)">"#
            for (c, text) in row.enumerated() where !text.isEmpty {
                let i = index[text] ?? { strings.append(text); index[text] = strings.count - 1; return strings.count - 1 }()
                sheet += #"<c r="\#(XLSXSheet.column(c))\#(r + 1)" t="s"><v>\#(i)</v></c>"#
            }
            sheet += "</row>"
        }
        sheet += "</sheetData></worksheet>"
        let shared = #"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"#
            + strings.map { "<si><t>\(XMLText.escape($0))</t></si>" }.joined() + "</sst>"
        let parts: [(String, String)] = [
            ("[Content_Types].xml", #"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>"#),
            ("xl/workbook.xml", #"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Bộ chỉ số" sheetId="1" r:id="rId7"/></sheets></workbook>"#),
            ("xl/_rels/workbook.xml.rels", #"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId7" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/data.xml"/></Relationships>"#),
            ("xl/worksheets/data.xml", sheet), ("xl/sharedStrings.xml", shared),
        ]
        let archive = try Archive(accessMode: .create)
        for (path, text) in parts {
            let data = Data(text.utf8)
            try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(data.count), compressionMethod: .deflate) { position, size in
                data.subdata(in: Int(position)..<Int(position) + size)
            }
        }
        return try #require(archive.data)
    }

    @Test func aCouncilChecksAFrameworkFileThenStoresIt() async throws {
        try await Harness.run { h in
            let admin = try await h.signIn("admin")
            func upload(_ data: Data, filename: String, dryRun: Bool) async throws -> TestResponse {
                var fields = ["_csrf": admin.csrf]
                if dryRun { fields["dry_run"] = "1" }
                let (headers, body) = Browser.multipart(fields, file: data, name: "file", filename: filename)
                return try await admin.request("/reform/frameworks", method: .post, headers: headers, body: body)
            }
            // The example as a Home Affairs office would edit it: next year's version, in a spreadsheet program.
            var next = try ReformServices.example()
            next.code = "xa-ninh-binh"
            next.year += 1
            next.isExample = false
            let book = try Self.sharedStringsWorkbook(ReformFrameworkTable.rows(next))
            let checked = try await upload(book, filename: "bo-chi-so.xlsx", dryRun: true)
            #expect(checked.status == .ok && checked.text.contains("id=\"reform-check\"") && checked.text.contains("Điểm tối đa nhóm Xã: 100"))
            #expect(try await h.services.reform.store.frameworks().isEmpty, "a check stores nothing")
            let stored = try await upload(book, filename: "bo-chi-so.xlsx", dryRun: false)
            #expect(stored.status == .ok && stored.text.contains("Đã lưu bộ chỉ số"))
            let saved = try #require(try await h.services.reform.store.frameworks().first)
            #expect(saved.framework == next)
            // Exported back as a workbook and as CSV, each reads back to the same framework.
            let xlsx = try await admin.get("/reform/frameworks/\(saved.id)/table.xlsx")
            let fromXLSX = ReformFrameworkTable.parse(CSV.records(table: try XLSXReader.firstSheet(Data(xlsx.body.readableBytesView)), aliases: ReformFrameworkTable.aliases))
            #expect(fromXLSX.framework == next)
            let csv = try await admin.get("/reform/frameworks/\(saved.id)/table.csv")
            #expect(csv.headers[.contentType]?.hasPrefix("text/csv") == true)
            #expect(ReformFrameworkTable.parse(try CSV.records(csv.text, aliases: ReformFrameworkTable.aliases)).framework == next)
            // The same version with other content is refused: a change is a new version.
            var changed = next
            changed.title = "Bộ chỉ số đã sửa"
            let clash = try await upload(Data(CSV.write(ReformFrameworkTable.rows(changed)).utf8), filename: "sua.csv", dryRun: false)
            #expect(clash.status == .badRequest && clash.text.contains("tăng phiên bản"))
            // A faulty file: each problem by its line, nothing stored.
            let faulty = "type,code,name,maximum,method\nmeta,code,x,,\narea,1,A,,\nitem,1.1.1,B,1,manual\n"
            let refused = try await upload(Data(faulty.utf8), filename: "loi.csv", dryRun: false)
            #expect(refused.status == .badRequest && refused.text.contains("Dòng 4") && refused.text.contains("Tiêu chí phải đứng sau một lĩnh vực"))
            #expect(try await upload(Data([0x50, 0x4B, 0x03, 0x04, 0, 0]), filename: "hong.xlsx", dryRun: true).status == .badRequest)
            #expect(try await h.services.reform.store.frameworks().count == 1)
            // A commune's office uploads nothing.
            let office = try await h.signIn("vanphong.giahung")
            let (headers, body) = Browser.multipart(["_csrf": office.csrf], file: book, name: "file", filename: "bo-chi-so.xlsx")
            #expect(try await office.request("/reform/frameworks", method: .post, headers: headers, body: body).status == .forbidden)
        }
    }

    /// The API by the pages' rules: a council reads every unit's standing, a unit its own until publication.
    @Test func theAPIGivesTheRoundsAndTheirResultsByThePagesRules() async throws {
        try await Harness.run { h in
            _ = try await ReformDemo.load(h.services)
            func token(_ username: String) async throws -> String {
                let account = try #require(try await h.services.accounts.byUsername(username))
                return try await h.services.accounts.issueAPIToken(userID: account.id, name: "api", by: .system)
            }
            func get(_ uri: String, _ bearer: String) async throws -> (TestResponse, [String: Any]) {
                let r = try await h.browser().request(uri, headers: [.authorization: "Bearer \(bearer)"])
                return (r, (try? JSONSerialization.jsonObject(with: Data(r.body.readableBytesView)) as? [String: Any]) ?? [:])
            }
            let council = try await token("noivu"), commune = try await token("chutich.giavan"), clerk = try await token("congchuc.giavan")
            let (listed, body) = try await get("/api/v1/reform/rounds", council)
            let rounds = try #require(body["rounds"] as? [[String: Any]])
            #expect(listed.status == .ok && rounds.count == 2 && rounds.allSatisfy { $0["council"] as? Bool == true })
            let published = try #require(rounds.first { $0["status"] as? String == "published" }?["id"] as? Int)
            let open = try #require(rounds.first { $0["status"] as? String == "open" }?["id"] as? Int)
            #expect((try await get("/api/v1/reform/rounds", commune)).1["rounds"].map { ($0 as? [[String: Any]])?.count } == 2)
            #expect((try await get("/api/v1/reform/rounds", clerk)).1["rounds"].map { ($0 as? [[String: Any]])?.count } == 0)
            // Published: everyone taking part reads the whole ranking.
            let (_, results) = try await get("/api/v1/reform/rounds/\(published)/results", commune)
            let lines = try #require(results["results"] as? [[String: Any]])
            #expect(lines.count == 3 && Set(lines.compactMap { $0["rank"] as? Int }) == [1, 2, 3] && lines.allSatisfy { $0["of"] as? Int == 3 })
            #expect(lines.contains { ($0["unit"] as? [String: Any])?["name"] as? String == "Xã Gia Hưng" })
            // Open: the council reads all three, Gia Vân only its own line.
            #expect(((try await get("/api/v1/reform/rounds/\(open)/results", council)).1["results"] as? [[String: Any]])?.count == 3)
            let own = try #require((try await get("/api/v1/reform/rounds/\(open)/results", commune)).1["results"] as? [[String: Any]])
            #expect(own.count == 1 && (own[0]["unit"] as? [String: Any])?["name"] as? String == "Xã Gia Vân")
            let (refused, error) = try await get("/api/v1/reform/rounds/\(open)/results", clerk)
            #expect(refused.status == .forbidden && (error["error"] as? [String: Any])?["code"] as? String == "forbidden")
            #expect((try await get("/api/v1/reform/rounds/999999/results", council)).0.status == .notFound)
        }
    }
}
