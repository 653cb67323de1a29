import CongvuDomain
import CongvuServer
import CongvuStore
import CongvuTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing
@testable import CongvuServer

/// Feedback end to end over HTTP: a citizen files without an account, the office assigns, the
/// owner answers, the citizen reads, rates and reopens; what each reader may see; escalation,
/// forwarding, merging, spam, the box, photos, the limit per address and the workbook.
@Suite struct FeedbackFlowTests {
    /// A citizen's filing on the public form: the tracking code it answers with.
    static func file(_ citizen: Browser, _ unitCode: String, _ fields: [String: String]) async throws -> (TestResponse, String?) {
        _ = try await citizen.get("/phan-anh/\(unitCode)")
        let response = try await citizen.post("/phan-anh/\(unitCode)", fields)
        let code = response.headers[.location].flatMap { $0.split(separator: "/").last.map { String($0.prefix { $0 != "?" }) } }
        return (response, code)
    }

    @Test func aCitizenFilesTheOfficeAssignsTheOwnerAnswersAndTheCitizenRates() async throws {
        try await Harness.run { h in
            let committee = try await h.unit(code: "14551-UB")
            let clerk = try await h.personID("congchuc.giahung"), office = try await h.personID("vanphong.giahung")
            let chair = try await h.personID("chutich.giahung")
            let citizen = h.browser()
            let form = try await citizen.get("/phan-anh/14551-UB")
            #expect(form.status == .ok && form.text.contains("name=\"description\"") && form.text.contains("Thái độ, tác phong"))
            let (filed, code) = try await Self.file(citizen, "14551-UB", [
                "category": "attitude", "description": "Ngày 20/11 tôi nộp hồ sơ, cán bộ <b>không</b> hẹn ngày trả.",
                "citizen_name": "Phạm Thị Hoa", "contact": "0912 345 678"])
            #expect(filed.status == .seeOther)
            let tracking = try #require(code)
            let thanks = try await citizen.get("/phan-anh/ma/\(tracking)?moi=1")
            #expect(thanks.text.contains(tracking) && thanks.text.contains("Chờ phân công"))
            // What the citizen typed is text, never markup.
            #expect(thanks.text.contains("&lt;b&gt;không&lt;/b&gt;") && !thanks.text.contains("<b>không</b>"))
            let item = try #require(try await h.services.feedback.store.get(code: tracking))
            #expect(item.draft.channel == .web && item.draft.contact == "0912345678" && item.ownerUnitID == committee.id)
            #expect(try await h.services.notifications.store.inbox(personID: office).contains { $0.kind == .feedbackFiled && $0.link == "/feedback/\(item.id)" })

            // The office finds it, reads the citizen's contact and gives it to a civil servant, as a task.
            let desk = try await h.signIn("vanphong.giahung")
            let list = try await desk.get("/feedback?unit=\(committee.id)&q=hen+ngay")
            #expect(list.status == .ok && list.text.contains(tracking))
            let page = try await desk.get("/feedback/\(item.id)")
            #expect(page.text.contains("Phạm Thị Hoa") && page.text.contains("0912345678") && page.text.contains("id=\"feedback-assign\""))
            #expect(try await desk.post("/feedback/\(item.id)/assign", ["owner_unit": String(committee.id), "owner": String(clerk), "version": "9"]).status == .conflict)
            let assigned = try await desk.post("/feedback/\(item.id)/assign", ["owner_unit": String(committee.id), "owner": String(clerk), "version": "1", "as_task": "1"])
            #expect(assigned.status == .seeOther)
            let given = try #require(try await h.services.feedback.store.get(item.id))
            #expect(given.status == .assigned && given.ownerID == clerk && given.taskID != nil)
            let task = try #require(try await h.services.tasks.tasks.get(given.taskID!)).task
            #expect(task.ownerID == clerk && task.source.kind == .feedback && task.source.reference == tracking && task.due == given.due)
            #expect(try await h.services.notifications.store.inbox(personID: clerk).contains { $0.kind == .feedbackAssigned })

            // Someone of another commune reads nothing of it.
            let stranger = try await h.signIn("congchuc.giavan")
            #expect(try await stranger.get("/feedback/\(item.id)").status == .forbidden)
            #expect(try await stranger.post("/feedback/\(item.id)/answer", ["answer": "Trả lời của người lạ, không được phép.", "version": "2"]).status == .forbidden)

            // The owner answers from the notification's page.
            let owner = try await h.signIn("congchuc.giahung")
            let own = try await owner.get("/feedback/\(item.id)")
            #expect(own.status == .ok && own.text.contains("id=\"feedback-answer-form\"") && !own.text.contains("id=\"feedback-assign\""))
            #expect(try await owner.post("/feedback/\(item.id)/answer", ["answer": "ngắn", "version": "2"]).status == .badRequest)
            #expect(try await owner.post("/feedback/\(item.id)/answer", ["answer": "Đã hẹn trả hồ sơ ngày 25/11 và nhắc nhở công chức tiếp nhận.",
                                                                          "version": "2"]).status == .seeOther)

            // The citizen reads the answer, rates it once, and says it is not solved: it reopens and the chairman hears.
            let answered = try await citizen.get("/phan-anh/ma/\(tracking)")
            #expect(answered.text.contains("Đã hẹn trả hồ sơ ngày 25/11") && answered.text.contains("id=\"feedback-solved\"") && answered.text.contains("id=\"feedback-rate\""))
            #expect(try await citizen.post("/phan-anh/ma/\(tracking)/danh-gia", ["satisfaction": "nonsense"]).status == .badRequest)
            #expect(try await citizen.post("/phan-anh/ma/\(tracking)/danh-gia", ["satisfaction": "satisfied"]).status == .seeOther)
            #expect(try await citizen.post("/phan-anh/ma/\(tracking)/danh-gia", ["satisfaction": "very_satisfied"]).status == .conflict)
            #expect(try await citizen.post("/phan-anh/ma/\(tracking)/giai-quyet", ["solved": "no"]).status == .seeOther)
            let reopened = try #require(try await h.services.feedback.store.get(item.id))
            #expect(reopened.status == .assigned && reopened.reopened == 1 && reopened.satisfaction == .satisfied)
            #expect(try await h.services.notifications.store.inbox(personID: chair).contains { $0.kind == .feedbackReopened })
            // No staff route changes a rating; the page shows the citizen's.
            #expect(try await desk.get("/feedback/\(item.id)").text.contains("Hài lòng"))
            #expect(try await citizen.get("/phan-anh/ma/PA22222222").status == .notFound)
            #expect(try await citizen.get("/phan-anh/ma?ma=\(tracking.lowercased())").headers[.location] == "/phan-anh/ma/\(tracking)")
        }
    }

    @Test func badInputIsRefusedInWordsAndTheLimitPerAddressHolds() async throws {
        try await Harness.run(configure: { $0.feedbackPerMinute = 3 }) { h in
            let citizen = h.browser()
            let (short, _) = try await Self.file(citizen, "14551-UB", ["category": "attitude", "description": "ngắn"])
            #expect(short.status == .badRequest && short.text.contains("Nội dung quá ngắn"))
            let (contact, _) = try await Self.file(citizen, "14551-UB", ["category": "attitude", "description": "Nội dung đủ dài để nhận.", "contact": "gọi tôi"])
            #expect(contact.status == .badRequest && contact.text.contains("Nhập số điện thoại"))
            // A photo is checked by its bytes.
            _ = try await citizen.get("/phan-anh/14551-UB")
            let (headers, body) = Browser.multipart(["_csrf": citizen.csrf, "category": "public_service", "description": "Ống nước vỡ trước cổng trường."],
                                                    file: Data("not an image".utf8), name: "photo1", filename: "a.jpg")
            let wrong = try await citizen.request("/phan-anh/14551-UB", method: .post, headers: headers, body: body)
            #expect(wrong.status == .badRequest && wrong.text.contains("JPEG hoặc PNG"))
            let (limited, _) = try await Self.file(citizen, "14551-UB", ["category": "attitude", "description": "Nội dung đủ dài để nhận."])
            #expect(limited.status == .tooManyRequests)
            #expect(try await citizen.get("/phan-anh/khong-co-don-vi").status == .notFound)
            #expect(try await h.services.feedback.store.list(FeedbackFilter(unitIDs: [try await h.unit(code: "14551-UB").id])).total == 0)
        }
    }

    @Test func photosAreForTheOwnerUnitOnly() async throws {
        try await Harness.run { h in
            let citizen = h.browser()
            _ = try await citizen.get("/phan-anh/14551-UB")
            let png = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) + Data(repeating: 7, count: 64)
            let (headers, body) = Browser.multipart(["_csrf": citizen.csrf, "category": "public_service", "description": "Ống nước vỡ trước cổng trường."],
                                                    file: png, name: "photo1", filename: "ong-nuoc.png")
            let filed = try await citizen.request("/phan-anh/14551-UB", method: .post, headers: headers, body: body)
            #expect(filed.status == .seeOther)
            let code = try #require(filed.headers[.location]?.split(separator: "/").last.map { String($0.prefix { $0 != "?" }) })
            let item = try #require(try await h.services.feedback.store.get(code: code))
            #expect(item.photos == 1)
            let desk = try await h.signIn("vanphong.giahung")
            let photo = try await desk.get("/feedback/\(item.id)/photos/1")
            #expect(photo.status == .ok && photo.headers[.contentType] == "image/png")
            #expect(try await desk.get("/feedback/\(item.id)/photos/2").status == .notFound)
            #expect(try await h.browser().get("/feedback/\(item.id)/photos/1").status != .ok)
            #expect(try await h.signIn("vanphong.giavan").get("/feedback/\(item.id)/photos/1").status == .forbidden)
        }
    }

    @Test func lateFeedbackClimbsForwardingMovesItAndDuplicatesMerge() async throws {
        try await Harness.run { h in
            let committee = try await h.unit(code: "14551-UB"), other = try await h.unit(code: "14554-UB")
            let province = try await h.unit(code: "37")
            let chair = try await h.personID("chutich.giahung")
            let feedback = h.services.feedback
            let longAgo = Date().addingTimeInterval(-40 * 86_400)
            let late = try await feedback.file(FeedbackDraft(category: "public_service", channel: .hotline, description: "Rác thải tồn đọng ở chợ xã.",
                                                             citizenName: "Ông Tư", contact: "0987654321"), unit: committee, by: .system, at: longAgo)
            #expect(try await feedback.escalate() == 1)
            let up = try #require(try await feedback.store.get(late.id))
            #expect(up.escalationLevel == 1 && up.escalatedUnitID == province.id && up.nextEscalation == nil)
            #expect(try await h.services.notifications.store.inbox(personID: chair).contains { $0.kind == .feedbackEscalated })
            // At the top it stays: a second morning adds nothing.
            #expect(try await feedback.escalate() == 0)
            let overdue = try await h.signIn("vanphong.giahung").get("/feedback?unit=\(committee.id)&overdue=1")
            #expect(overdue.text.contains(late.code) && overdue.text.contains("Đã chuyển cấp trên"))

            // Forwarded to the competent commune: its office is told, ours keeps the item without the citizen's details.
            let desk = try await h.signIn("vanphong.giahung")
            let wrong = try await feedback.file(FeedbackDraft(category: "regulation", channel: .letter, description: "Đường liên thôn xã Gia Vân sạt lở.",
                                                              citizenName: "Bà Năm", contact: "0977000111"), unit: committee, by: .system)
            _ = try await desk.get("/feedback/\(wrong.id)")
            #expect(try await desk.post("/feedback/\(wrong.id)/forward", ["to_unit": String(other.id), "reason": "", "version": "1"]).status == .badRequest)
            #expect(try await desk.post("/feedback/\(wrong.id)/forward", ["to_unit": String(other.id), "reason": "Thuộc địa bàn xã Gia Vân", "version": "1"]).status == .seeOther)
            let moved = try #require(try await feedback.store.get(wrong.id))
            #expect(moved.ownerUnitID == other.id && moved.status == .received)
            #expect(try await h.services.notifications.store.inbox(personID: try await h.personID("vanphong.giavan")).contains { $0.kind == .feedbackFiled })
            let kept = try await desk.get("/feedback/\(wrong.id)")
            #expect(kept.status == .ok && !kept.text.contains("0977000111") && !kept.text.contains("id=\"feedback-assign\""))
            #expect(try await h.signIn("vanphong.giavan").get("/feedback/\(wrong.id)").text.contains("0977000111"))

            // A duplicate merges into the first with a reason; spam stays, out of sight.
            let first = try await feedback.file(FeedbackDraft(category: "public_service", channel: .web, description: "Đèn đường thôn 3 hỏng."), unit: committee, by: .system)
            let dup = try await feedback.file(FeedbackDraft(category: "public_service", channel: .web, description: "Thôn 3 mất đèn đường."), unit: committee, by: .system)
            _ = try await desk.get("/feedback/\(dup.id)")
            #expect(try await desk.post("/feedback/\(dup.id)/merge", ["into": first.code, "reason": "", "version": "1"]).status == .badRequest)
            #expect(try await desk.post("/feedback/\(dup.id)/merge", ["into": first.code.lowercased(), "reason": "Cùng nội dung", "version": "1"]).status == .seeOther)
            #expect(try await h.browser().get("/phan-anh/ma/\(dup.code)").text.contains("/phan-anh/ma/\(first.code)"))
            let junk = try await feedback.file(FeedbackDraft(category: "other", channel: .web, description: "Quảng cáo vay tiền nhanh."), unit: committee, by: .system)
            #expect(try await desk.post("/feedback/\(junk.id)/spam", ["reason": "Quảng cáo", "version": "1"]).status == .seeOther)
            #expect(!(try await desk.get("/feedback?unit=\(committee.id)")).text.contains(junk.code))
            #expect(try await desk.get("/feedback?unit=\(committee.id)&status=spam").text.contains(junk.code))
            #expect(try await h.browser().get("/phan-anh/ma/\(junk.code)").text.contains("Chờ phân công"))

            // The workbook lists the register with its figures.
            let book = try await desk.get("/feedback/register.xlsx?unit=\(committee.id)")
            #expect(book.status == .ok)
            let sheets = try WorkbookReader(Data(book.body.readableBytesView)).sheets
            #expect(sheets[0].rows.contains { $0.first == late.code } && sheets.count == 2)
        }
    }

    @Test func theBoxIsOpenedAndItsLettersEntered() async throws {
        try await Harness.run { h in
            let committee = try await h.unit(code: "14551-UB")
            let desk = try await h.signIn("vanphong.giahung")
            _ = try await desk.get("/feedback/box?unit=\(committee.id)")
            #expect(try await desk.post("/feedback/box?unit=\(committee.id)", ["opened_on": "", "letters": "2"]).status == .badRequest)
            #expect(try await desk.post("/feedback/box?unit=\(committee.id)", ["opened_on": h.services.today.description, "opened_by": "Chánh Văn phòng",
                                                                              "witnesses": "Chủ tịch MTTQ xã", "letters": "2"]).status == .seeOther)
            let opening = try #require(try await h.services.feedback.store.openings(unitID: committee.id).first)
            _ = try await desk.get("/feedback?unit=\(committee.id)")
            #expect(try await desk.post("/feedback?unit=\(committee.id)", ["channel": "box", "category": "regulation",
                                                                          "description": "Đề nghị niêm yết rõ lệ phí chứng thực."]).status == .badRequest)
            #expect(try await desk.post("/feedback?unit=\(committee.id)", ["channel": "box", "box_opening": String(opening.id), "category": "regulation",
                                                                          "description": "Đề nghị niêm yết rõ lệ phí chứng thực."]).status == .seeOther)
            let box = try await desk.get("/feedback/box?unit=\(committee.id)")
            #expect(box.text.contains("Chủ tịch MTTQ xã") && box.text.contains("Chưa nhập đủ") && box.text.contains("id=\"box-xlsx\""))
            // The openings as a workbook, the newest first: two letters found, one entered so far.
            let book = try await desk.get("/feedback/box.xlsx?unit=\(committee.id)")
            #expect(book.status == .ok)
            let rows = try WorkbookReader(Data(book.body.readableBytesView)).sheets[0].rows
            let first = try #require(rows.first { $0.contains("Chủ tịch MTTQ xã") })
            #expect(first.contains(h.services.today.description) && first.contains("Chánh Văn phòng") && first.suffix(2) == ["2", "1"], "\(first)")
            #expect(try await h.signIn("congchuc.giahung").get("/feedback/box").status == .forbidden)
            #expect(try await h.signIn("congchuc.giahung").get("/feedback/box.xlsx").status == .forbidden)
            #expect(try await h.signIn("vanphong.giavan").get("/feedback/box.xlsx?unit=\(committee.id)").status == .forbidden)
        }
    }

    @Test func categoriesAreDataTheAdministratorKeeps() async throws {
        try await Harness.run { h in
            let admin = try await h.signIn("admin")
            let page = try await admin.get("/feedback/categories")
            #expect(page.status == .ok && page.text.contains("public_service"))
            #expect(try await admin.post("/feedback/categories", ["code": "đất đai", "name_vi": "Đất đai", "answer_days": "20", "active": "1"]).status == .badRequest)
            #expect(try await admin.post("/feedback/categories", ["code": "land", "name_vi": "Đất đai", "name_en": "Land", "answer_days": "20",
                                                                   "active": "1"]).status == .seeOther)
            let land = try #require(try await h.services.feedback.store.categories().first { $0.code == "land" })
            #expect(land.answerDays == 20 && land.active)
            #expect(try await h.browser().get("/phan-anh/14551-UB").text.contains("Đất đai"))
            // Retired: kept for the items that have it, no longer offered.
            #expect(try await admin.post("/feedback/categories", ["code": "land", "name_vi": "Đất đai", "name_en": "Land", "answer_days": "20"]).status == .seeOther)
            #expect(!(try await h.browser().get("/phan-anh/14551-UB")).text.contains("Đất đai"))
            #expect(try await h.services.audit.recent(limit: 20).contains { $0.objectType == "feedback_category" && $0.objectID == "land" })
            #expect(try await h.signIn("vanphong.giahung").get("/feedback/categories").status == .forbidden)
        }
    }

    @Test func aCommitteesHotlineBoardCarriesItsHoursAndTheFeedbackQR() async throws {
        try await Harness.run { h in
            let committee = try await h.unit(code: "14551-UB")
            let office = try await h.signIn("vanphong.giahung")
            let url = "/counters/notices?unit=\(committee.id)"
            #expect(try await office.get(url).status == .ok)
            #expect(try await office.post(url, ["notices": "", "hotlines": "Nguyễn Văn Hùng | Chủ tịch UBND xã | 0912 551 001"]).status == .seeOther)
            let board = try await h.browser().get("/niem-yet/14551-UB")
            #expect(board.status == .ok && board.text.contains("tel:0912 551 001") && board.text.contains("id=\"counter-office-hours\"")
                    && board.text.contains("/phan-anh/14551-UB") && board.text.contains("/lich/14551-UB"))
            let poster = try await h.browser().get("/niem-yet/14551-UB/poster")
            #expect(poster.status == .ok && poster.text.components(separatedBy: "<svg").count == 6)
            // A commune itself has no board; a committee of another commune is not ours to edit.
            #expect(try await h.browser().get("/niem-yet/14551").status == .notFound)
            let other = try await h.unit(code: "14554-UB")
            #expect(try await office.post("/counters/notices?unit=\(other.id)", ["notices": "", "hotlines": ""]).status == .forbidden)
        }
    }
}
