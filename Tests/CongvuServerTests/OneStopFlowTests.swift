import CongvuDomain
import CongvuServer
import CongvuStore
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

/// The counter's day, driven as people do it: intake → transfer → supplement → result →
/// delivery → public tracking → rating, then the report.
@Suite struct OneStopFlowTests {
    func procedureID(_ h: Harness, code: String) async throws -> Procedure {
        try #require(try await ProcedureStore(database: h.services.database).list(search: code).first)
    }

    @Test func fromIntakeToRating() async throws {
        try await Harness.run { h in
            let officer = try await h.signIn("motcua.giahung")
            let centre = try await h.unit(code: "14551-TTHCC")
            let marriage = try await procedureID(h, code: "1.000894")
            #expect(try await officer.get("/one-stop/intake?procedure=\(marriage.id)").text.contains("Tờ khai đăng ký kết hôn"))
            // Bad input: every problem named in Vietnamese, nothing stored.
            let before = try await DossierStore(database: h.services.database).list(scopes: ["/"], filter: .all, limit: 100_000).count
            let bad = try await officer.post("/one-stop/intake", ["procedure": String(marriage.id), "unit": String(centre.id), "channel": "1",
                                                                  "name": "", "id_number": "12345", "phone": "abc", "sets": "1"])
            #expect(bad.status == .badRequest)
            #expect(bad.text.contains("Không được để trống") && bad.text.contains("Số CCCD gồm 12 chữ số") && bad.text.contains("Chưa nhận đủ thành phần hồ sơ"))
            #expect(try await DossierStore(database: h.services.database).list(scopes: ["/"], filter: .all, limit: 100_000).count == before)
            // A good intake.
            let ok = try await officer.post("/one-stop/intake", ["procedure": String(marriage.id), "unit": String(centre.id), "channel": "1",
                                                                 "name": "Trần Thị Mai Anh", "id_number": "037190001234", "phone": "0912 345 678",
                                                                 "doc_0": "1", "doc_0_form": "original", "doc_0_qty": "1", "sets": "1"])
            #expect(ok.status == .seeOther)
            let location = try #require(ok.headers[.location])
            let id = try #require(Int64(location.split(separator: "/").last!.split(separator: "?").first!))
            var page = try await officer.get(location).text
            #expect(page.contains("Đã tiếp nhận") && page.contains("Trần Thị Mai Anh"))
            let store = DossierStore(database: h.services.database)
            var d = try #require(try await store.get(id)).dossier
            #expect(d.code.hasPrefix("000.01.37.H40-") && d.status == .accepted)
            // Looked up at once (the answer is then kept a few seconds): the later steps still show, each change drops it.
            #expect(try await h.browser().get("/api/public/dossiers/\(d.code)").text.contains("\"status\":2"))
            // The receipt: code as text, a barcode and a QR code linking to tracking.
            let receipt = try await officer.get("/one-stop/dossiers/\(id)/print/receipt").text
            #expect(receipt.contains(d.code) && receipt.contains("<svg") && receipt.contains("Ngày hẹn trả kết quả") && receipt.contains("tra-cuu?ma="))
            // Transfer, then a supplement (a reason is required), then its arrival.
            let economy = try await h.unit(code: "14551-KT")
            // Only to units of the commune the counter serves.
            let elsewhere = try await h.unit(code: "14554-KT")
            #expect(try await officer.post("/one-stop/dossiers/\(id)/act", ["action": "transfer", "version": "1", "to_unit": String(elsewhere.id)]).status == .badRequest)
            let today = h.services.today.description
            #expect(try await officer.get("/one-stop/book?from=\(today)&to=\(today)").text.contains(d.code))
            #expect(try await officer.get("/one-stop/book?from=\(today)&to=2000-01-01").status == .badRequest)
            #expect(try await officer.post("/one-stop/dossiers/\(id)/act", ["action": "transfer", "version": "1", "to_unit": String(economy.id)]).status == .seeOther)
            let noReason = try await officer.post("/one-stop/dossiers/\(id)/act", ["action": "request_supplement", "version": "2", "note": ""])
            #expect(noReason.status == .badRequest && noReason.text.contains("Hãy ghi lý do"))
            // A stale version is refused: someone else changed it.
            let stale = try await officer.post("/one-stop/dossiers/\(id)/act", ["action": "request_supplement", "version": "1", "note": "Thiếu giấy xác nhận"])
            #expect(stale.status == .conflict && stale.text.contains("vừa được người khác cập nhật"))
            #expect(try await officer.post("/one-stop/dossiers/\(id)/act", ["action": "request_supplement", "version": "2",
                                                                             "note": "Thiếu giấy xác nhận tình trạng hôn nhân"]).status == .seeOther)
            #expect(try await officer.get("/one-stop/dossiers/\(id)/print/supplement").text.contains("Thiếu giấy xác nhận tình trạng hôn nhân"))
            // Not allowed from this status.
            let early = try await officer.post("/one-stop/dossiers/\(id)/act", ["action": "deliver", "version": "3"])
            #expect(early.status == .badRequest && early.text.contains("không cho phép thao tác này"))
            for (action, version) in [("supplement_received", "3"), ("result_ready", "4"), ("deliver", "5")] {
                #expect(try await officer.post("/one-stop/dossiers/\(id)/act", ["action": action, "version": version]).status == .seeOther, "\(action)")
            }
            d = try #require(try await store.get(id)).dossier
            #expect(d.status == .delivered && d.timeliness == .early)
            page = try await officer.get("/one-stop/dossiers/\(id)").text
            #expect(page.contains("Trước hạn") && page.contains("Phòng Kinh tế"))
            // The log names people, not usernames.
            let officerName = try #require(try await h.services.accounts.byUsername("motcua.giahung")).displayName
            #expect(page.contains(officerName) && !page.contains(">motcua.giahung<"))
            let control = try await officer.get("/one-stop/dossiers/\(id)/print/control").text
            #expect(control.contains("Yêu cầu bổ sung") && control.contains("Trả kết quả"))

            // Public tracking, without signing in: initials only.
            let anonymous = h.browser()
            let tracked = try await anonymous.get("/tra-cuu?ma=\(d.code.lowercased())")
            #expect(tracked.status == .ok && tracked.text.contains("T.T.M.A.") && !tracked.text.contains("Trần Thị Mai Anh") && tracked.text.contains("Đã trả kết quả"))
            #expect(try await anonymous.get("/tra-cuu?ma=KHONG-CO").status == .notFound)
            let api = try await anonymous.get("/api/public/dossiers/\(d.code)")
            let json = try #require(try JSONSerialization.jsonObject(with: Data(api.text.utf8)) as? [String: Any])
            #expect(json["status"] as? Int == 10 && json["applicant_initials"] as? String == "T.T.M.A." && !api.text.contains("037190001234"))
            let missing = try await anonymous.get("/api/public/dossiers/X-1")
            #expect(missing.status == .notFound && missing.text.contains("dossier_not_found"))

            // Rating on the counter's tablet, once: the officer opens it in counter mode, and the
            // tablet rates without the officer's session, its menu or its sign-out.
            let opened = try await officer.get("/one-stop/dossiers/\(id)/rate")
            let tabletURL = try #require(opened.headers[.location])
            #expect(opened.status == .seeOther && tabletURL.hasPrefix("/danh-gia?ma=\(d.code)&k=") && tabletURL.hasSuffix("&quay=1"))
            let tablet = h.browser()
            let form = try await tablet.get(tabletURL)
            #expect(form.status == .ok && form.text.contains("id=\"rate-form\"") && !form.text.contains("/logout") && !form.text.contains("name=\"digits\""))
            let fields = ["ma": d.code, "k": String(tabletURL.split(separator: "k=")[1].prefix { $0 != "&" }), "quay": "1"]
            #expect(try await tablet.post("/danh-gia", fields.merging(["satisfaction": "very_satisfied", "comment": "Nhanh", "score_attitude": "2"]) { a, _ in a }).status == .badRequest)
            let rated = try await tablet.post("/danh-gia", fields.merging(["satisfaction": "very_satisfied", "comment": "Nhanh"]) { a, _ in a })
            #expect(rated.status == .ok && rated.text.contains("Cảm ơn") && !rated.text.contains("/logout"))
            #expect(try await tablet.post("/danh-gia", fields.merging(["satisfaction": "satisfied"]) { a, _ in a }).status == .conflict)
            #expect(try await store.isRated(id))

            // The report counts it; its XLSX opens.
            let month = h.services.today
            let report = try await officer.get("/one-stop/report?kind=month&year=\(month.year)&index=\(month.month)")
            #expect(report.status == .ok && report.text.contains("Tình hình, kết quả giải quyết thủ tục hành chính") && report.text.contains("settlement-chart"))
            let xlsx = try await officer.get("/one-stop/report.xlsx?kind=quarter&year=\(month.year)&index=4&gov=1&group=field")
            #expect(xlsx.status == .ok && xlsx.headers[.contentType]?.contains("spreadsheetml") == true)
            #expect(try await officer.get("/one-stop/report?kind=month&year=\(month.year)&index=13").status == .badRequest)
        }
    }

    /// A citizen rates from the receipt's QR code (tracking, then "rate"), or by typing the code
    /// once the result is ready, proving it with the last digits of the ID number or phone.
    @Test func citizensRateFromTheReceiptOrTheTrackingPage() async throws {
        try await Harness.run { h in
            let officer = try await h.signIn("motcua.giahung")
            let centre = try await h.unit(code: "14551-TTHCC")
            let marriage = try await procedureID(h, code: "1.000894")
            let ok = try await officer.post("/one-stop/intake", ["procedure": String(marriage.id), "unit": String(centre.id), "channel": "1",
                                                                 "name": "Phạm Thị Hoa", "id_number": "037190005678", "phone": "0912 000 111",
                                                                 "doc_0": "1", "doc_0_form": "original", "doc_0_qty": "1", "sets": "1"])
            let location = try #require(ok.headers[.location])
            let id = try #require(Int64(location.split(separator: "/").last!.split(separator: "?").first!))
            let store = DossierStore(database: h.services.database)
            let d = try #require(try await store.get(id)).dossier
            // The receipt's QR code: tracking with the dossier's tag (decoded by a real reader in the browser suite).
            let receipt = try await officer.get("/one-stop/dossiers/\(id)/print/receipt").text
            let qr = try #require(receipt.range(of: "/tra-cuu?ma=\(d.code)&amp;k=")).upperBound
            let tag = String(receipt[qr...].prefix { $0.isHexDigit })
            #expect(tag.count == 16)
            let citizen = h.browser()
            // With the receipt's tag the link is there from intake on; a wrong tag is only a lookup.
            #expect(try await citizen.get("/tra-cuu?ma=\(d.code)&k=\(tag)").text.contains("id=\"rate-link\""))
            #expect(!(try await citizen.get("/tra-cuu?ma=\(d.code)&k=0000000000000000").text.contains("id=\"rate-link\"")))
            // The code typed by hand, before the result: no rating yet.
            #expect(!(try await citizen.get("/tra-cuu?ma=\(d.code)").text.contains("id=\"rate-link\"")))
            let early = try await citizen.get("/danh-gia?ma=\(d.code)")
            #expect(early.status == .forbidden && early.text.contains("khi hồ sơ đã có kết quả") && !early.text.contains("rate-form"))
            for (action, version) in [("result_ready", "1"), ("deliver", "2")] {
                #expect(try await officer.post("/one-stop/dossiers/\(id)/act", ["action": action, "version": version]).status == .seeOther, "\(action)")
            }
            // After delivery the tracking page offers it; typed by hand it asks the last four digits.
            let tracked = try await citizen.get("/tra-cuu?ma=\(d.code)").text
            #expect(tracked.contains("id=\"rate-link\" href=\"/danh-gia?ma=\(d.code)\""))
            let form = try await citizen.get("/danh-gia?ma=\(d.code)")
            #expect(form.status == .ok && form.text.contains("name=\"digits\""))
            let wrong = try await citizen.post("/danh-gia", ["ma": d.code, "k": "", "digits": "1234", "satisfaction": "satisfied"])
            #expect(wrong.status == .badRequest && wrong.text.contains("Bốn số cuối không khớp"))
            #expect(!(try await store.isRated(id)))
            // Without the page's token (a form on another site) nothing is recorded.
            let forged = h.browser()
            #expect(try await forged.post("/danh-gia", ["ma": d.code, "digits": "5678", "satisfaction": "not_satisfied", "_csrf": "x"]).status == .forbidden)
            // The phone's last four digits serve as well as the ID number's.
            let rated = try await citizen.post("/danh-gia", ["ma": d.code, "k": "", "digits": "0111", "satisfaction": "satisfied", "comment": "Cán bộ nhiệt tình"])
            #expect(rated.status == .ok && rated.text.contains("id=\"rating-thanks\""))
            #expect(try await store.isRated(id))
            // Once only, whichever way.
            #expect(!(try await citizen.get("/tra-cuu?ma=\(d.code)&k=\(tag)").text.contains("id=\"rate-link\"")))
            #expect(try await citizen.post("/danh-gia", ["ma": d.code, "k": tag, "satisfaction": "satisfied"]).status == .conflict)
            #expect(try await citizen.get("/danh-gia?ma=KHONG-CO").status == .notFound)
        }
    }

    /// The province's report lists three "Trung tâm Phục vụ hành chính công": each with its commune's committee.
    @Test func sameNamedUnitsAreToldApartInTheReport() async throws {
        try await Harness.run { h in
            let admin = try await h.signIn("admin")
            let report = try await admin.get("/one-stop/report?kind=year&year=\(h.services.today.year)").text
            for committee in ["UBND xã Gia Hưng", "UBND xã Gia Vân", "UBND xã Nho Quan"] {
                #expect(report.contains("Trung tâm Phục vụ hành chính công · \(committee)"), "\(committee)")
            }
        }
    }

    @Test func rightsFollowTheUnitTree() async throws {
        try await Harness.run { h in
            let rows = try await DossierStore(database: h.services.database).list(scopes: [try await h.unit(code: "14551").path], filter: .all, limit: 1)
            let id = try #require(rows.first?.dossier.id)
            // Another commune's officer cannot see, print or act on it.
            let other = try await h.signIn("motcua.giavan")
            #expect(try await other.get("/one-stop/dossiers/\(id)").status == .forbidden)
            #expect(try await other.get("/one-stop/dossiers/\(id)/print/receipt").status == .forbidden)
            #expect(try await other.post("/one-stop/dossiers/\(id)/act", ["action": "deliver", "version": "1"]).status == .forbidden)
            // The commune's leader sees it but cannot act; a civil servant has no one-stop pages.
            let leader = try await h.signIn("chutich.giahung")
            #expect(try await leader.get("/one-stop/dossiers/\(id)").status == .ok)
            #expect(try await leader.post("/one-stop/dossiers/\(id)/act", ["action": "deliver", "version": "1"]).status == .forbidden)
            #expect(try await leader.get("/one-stop/intake").status == .forbidden)
            let clerk = try await h.signIn("congchuc.giahung")
            #expect(!(try await clerk.get("/").text.contains("/one-stop\"")))
            // The leader's report holds only the commune's counter.
            let report = try await leader.get("/one-stop/report?kind=year&year=\(h.services.today.year)").text
            #expect(report.contains("Trung tâm Phục vụ hành chính công") && !report.contains("Gia Vân"))
        }
    }

    @Test func publicTrackingIsRateLimited() async throws {
        try await Harness.run(.sqlite, configure: { $0.trackingPerMinute = 3 }) { (h: Harness) async throws in
            let anonymous = h.browser()
            for _ in 0..<3 { #expect(try await anonymous.get("/api/public/dossiers/X-1").status == .notFound) }
            #expect(try await anonymous.get("/api/public/dossiers/X-1").status == .tooManyRequests)
            #expect(try await anonymous.get("/tra-cuu?ma=X-1").status == .tooManyRequests)
        }
    }
}
