import CongvuDomain
import CongvuStore
import CongvuTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import SQLKit
import Testing
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
}
