import CongvuDomain
@testable import CongvuServer
import CongvuStore
import CongvuTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// The "3 steps" through the router: the chairman assigns, the clerk acknowledges, reports progress
/// and reports it done, the chairman evaluates; and every refusal on the way.
@Suite struct TaskFlowTests {
    static func id(_ response: TestResponse) throws -> Int64 {
        let location = try #require(response.headers[.location])
        return try #require(Int64(location.split(separator: "/").last!))
    }

    @Test func assignCarryOutAndEvaluate() async throws {
        try await Harness.run { h in
            let chair = try await h.signIn("chutich.giahung")
            let clerk = try await h.signIn("congchuc.giahung")
            let clerkID = try await h.personID("congchuc.giahung")
            let elsewhere = try await h.personID("congchuc.giavan")
            let form = try await chair.get("/tasks/new")
            #expect(form.status == .ok && form.text.contains("value=\"\(clerkID)\"") && !form.text.contains("value=\"\(elsewhere)\""))
            // Bad input is sent back with its message, in Vietnamese.
            let empty = try await chair.post("/tasks", ["title": "", "owner": String(clerkID), "priority": "normal", "source_kind": "none"])
            #expect(empty.status == .badRequest && empty.text.contains("Không được để trống") && empty.text.contains("Nhập hạn hoàn thành"))
            let outside = try await chair.post("/tasks", ["title": "Việc xã khác", "owner": String(elsewhere), "due_working_days": "3",
                                                          "priority": "normal", "source_kind": "none"])
            #expect(outside.status == .badRequest && outside.text.contains("không thuộc đơn vị"))
            let ok = try await chair.post("/tasks", ["title": "Tổng hợp báo cáo cải cách hành chính quý IV", "content": "Gửi Văn phòng trước hạn",
                                                     "owner": String(clerkID), "due_working_days": "5", "priority": "high",
                                                     "source_kind": "document", "source_reference": "15/KH-UBND", "source_date": "2026-11-20"])
            #expect(ok.status == .seeOther)
            let id = try Self.id(ok)
            let stored = try #require(try await h.services.tasks.tasks.get(id))
            #expect(stored.task.ownerID == clerkID && stored.task.status == .assigned && stored.task.priority == .high)
            // The clerk finds it among their tasks and on the home card.
            #expect(try await clerk.get("/tasks").text.contains("Tổng hợp báo cáo cải cách hành chính quý IV"))
            #expect(try await clerk.get("/").text.contains("href=\"/tasks\""))
            // The clerk cannot evaluate; the chairman cannot acknowledge for them.
            #expect(try await clerk.post("/tasks/\(id)/act", ["action": "accept", "version": "1", "quality": "good"]).status == .conflict)
            #expect(try await chair.post("/tasks/\(id)/act", ["action": "acknowledge", "version": "1"]).status == .forbidden)
            #expect(try await clerk.post("/tasks/\(id)/act", ["action": "acknowledge", "version": "1"]).status == .seeOther)
            // Acting on a stale page is a conflict, said as such.
            let stale = try await clerk.post("/tasks/\(id)/act", ["action": "progress", "version": "1", "percent": "50", "note": "Đã có số liệu"])
            #expect(stale.status == .conflict && stale.text.contains("vừa được người khác cập nhật"))
            let badPercent = try await clerk.post("/tasks/\(id)/act", ["action": "progress", "version": "2", "percent": "năm mươi", "note": "x"])
            #expect(badPercent.status == .badRequest && badPercent.text.contains("từ 0 đến 100"))
            #expect(try await clerk.post("/tasks/\(id)/act", ["action": "progress", "version": "2", "percent": "50", "note": "Đã có số liệu 3 thôn"]).status == .seeOther)
            #expect(try await clerk.post("/tasks/\(id)/act", ["action": "report_done", "version": "3", "note": "Đã gửi báo cáo"]).status == .seeOther)
            #expect(try await chair.post("/tasks/\(id)/act", ["action": "accept", "version": "4", "quality": "good"]).status == .seeOther)
            let page = try await chair.get("/tasks/\(id)").text
            #expect(page.contains("Đã đánh giá") && page.contains("Hoàn thành đúng hạn") && page.contains("Tốt"))
            #expect(page.contains("Báo cáo tiến độ") && page.contains("Đã có số liệu 3 thôn"))
            // The slip prints with its QR code; another commune sees nothing of it.
            let slip = try await chair.get("/tasks/\(id)/print")
            #expect(slip.status == .ok && slip.text.contains("PHIẾU GIAO VIỆC") && slip.text.contains("<svg") && slip.text.contains("15/KH-UBND"))
            let other = try await h.signIn("chutich.giavan")
            #expect(try await other.get("/tasks/\(id)").status == .forbidden)
            #expect(try await other.post("/tasks/\(id)/act", ["action": "comment", "version": "5", "note": "Xem"]).status == .forbidden)
            #expect(try await other.get("/tasks/board").text.contains("Tổng hợp báo cáo") == false)
            // The board: the chairman's units; a clerk without a leading post has none.
            #expect(try await chair.get("/tasks/board?show=all").text.contains("Tổng hợp báo cáo cải cách hành chính quý IV"))
            #expect(try await clerk.get("/tasks/board").status == .forbidden)
            let board = try await chair.get("/tasks/board.xlsx?show=all")
            #expect(board.status == .ok && board.headers[.contentType]?.contains("spreadsheetml") == true)
            #expect(try await clerk.get("/tasks/board.xlsx").status == .forbidden)
            #expect(try await clerk.get("/tasks/new").status == .forbidden)
            #expect(try await h.services.tasks.tasks.events(id).map(\.action) == ["assign", "acknowledge", "progress", "report_done", "accept"])
            // The year's figures count it for the clerk, on the page and in the workbook.
            let stats = try await chair.get("/tasks/stats").text
            let clerkName = try #require(try await h.services.people.get(clerkID)).person.fullName
            #expect(stats.contains("id=\"task-stats\"") && stats.contains(clerkName))
            let workbook = try await chair.get("/tasks/stats.xlsx")
            #expect(workbook.status == .ok && workbook.headers[.contentType]?.contains("spreadsheetml") == true)
            #expect(try await clerk.get("/tasks/stats").status == .forbidden)
        }
    }

    @Test func theHeadReassignsTheTasksOfSomeoneWhoLeft() async throws {
        try await Harness.run { h in
            let chair = try await h.signIn("chutich.giahung")
            let clerkID = try await h.personID("congchuc.giahung")
            let committee = try await h.unit(code: "14551-UB")
            let colleague = try #require(try await h.services.people.get(try await h.personID("vanphong.giahung"))).person
            for title in ["Kiểm kê tài sản công của xã", "Rà soát sổ hộ tịch năm 2020"] {
                #expect(try await chair.post("/tasks", ["title": title, "owner": String(clerkID), "due_working_days": "10", "priority": "normal",
                                                        "source_kind": "none"]).status == .seeOther)
            }
            // The demo's own transfer left two tasks; the clerk's are not among them yet.
            let before = try await chair.get("/tasks/orphans").text
            #expect(before.contains("Theo dõi công trình đường giao thông thôn Bắc") && !before.contains("Kiểm kê tài sản công của xã"))
            // The clerk is transferred to the other commune.
            let other = try await h.unit(code: "14554-UB")
            try await h.services.people.move(personID: clerkID, to: Assignment(id: 0, personID: clerkID, unitID: other.id, title: "Công chức",
                                                                               category: .civilServant, isLeader: false, validFrom: h.services.today),
                                             by: Actor(id: nil, name: "test"), reason: "Điều động")
            let page = try await chair.get("/tasks/orphans").text
            #expect(page.contains("Kiểm kê tài sản công của xã") && page.contains("Rà soát sổ hộ tịch năm 2020"))
            #expect(try await chair.post("/tasks/orphans", ["all": String(colleague.id), "reason": ""]).status == .badRequest)
            #expect(try await chair.post("/tasks/orphans", ["all": String(clerkID), "reason": "Bàn giao"]).status == .badRequest, "no longer in the unit")
            #expect(try await chair.post("/tasks/orphans", ["all": String(colleague.id), "reason": "Bàn giao khi điều động"]).status == .seeOther)
            #expect(try await chair.get("/tasks/orphans").text.contains("id=\"no-orphans\""))
            let mine = try await h.services.tasks.tasks.mine(personID: colleague.id)
            let titles = Set(mine.filter { $0.unitPath.hasPrefix(committee.path) }.map(\.task.title))
            #expect(titles.isSuperset(of: ["Kiểm kê tài sản công của xã", "Rà soát sổ hộ tịch năm 2020", "Theo dõi công trình đường giao thông thôn Bắc"]))
        }
    }

    /// The same cycle through the API, with the same checks.
    @Test func theAPIListsAndStepsLikeThePages() async throws {
        try await Harness.run { h in
            func token(_ username: String) async throws -> HTTPFields {
                let account = try #require(try await h.services.accounts.byUsername(username))
                return [.authorization: "Bearer \(try await h.services.accounts.issueAPIToken(userID: account.id, name: "t", by: .system))"]
            }
            let clerk = try await token("congchuc.giahung"), other = try await token("chutich.giavan")
            let api = h.browser()
            func json(_ uri: String, _ headers: HTTPFields, post body: String? = nil) async throws -> (HTTPResponse.Status, [String: Any]) {
                var headers = headers
                if body != nil { headers[.contentType] = "application/json" }
                let r = try await api.request(uri, method: body == nil ? .get : .post, headers: headers, body: body.map { ByteBuffer(string: $0) })
                return (r.status, (try? JSONSerialization.jsonObject(with: Data(r.text.utf8)) as? [String: Any]) ?? [:])
            }
            let (status, list) = try await json("/api/v1/tasks", clerk)
            let items = try #require(list["items"] as? [[String: Any]])
            #expect(status == .ok && !items.isEmpty)
            // The demo's monthly reports are the clerk's; the open ones are listed by deadline.
            let open = try #require(items.first { ($0["status"] as? String) == "in_progress" || ($0["status"] as? String) == "assigned" })
            let id = try #require(open["id"] as? Int), version = try #require(open["version"] as? Int)
            let (forbidden, error) = try await json("/api/v1/tasks/\(id)", other)
            #expect(forbidden == .forbidden && (error["error"] as? [String: Any])?["code"] as? String == "forbidden")
            let (stale, conflict) = try await json("/api/v1/tasks/\(id)/steps", clerk, post: #"{"action":"comment","version":\#(version + 5),"note":"Đang làm"}"#)
            #expect(stale == .conflict && (conflict["error"] as? [String: Any])?["code"] as? String == "conflict")
            let (bad, _) = try await json("/api/v1/tasks/\(id)/steps", clerk, post: #"{"action":"progress","version":\#(version),"percent":150,"note":"x"}"#)
            #expect(bad == .badRequest)
            let (ok, after) = try await json("/api/v1/tasks/\(id)/steps", clerk, post: #"{"action":"progress","version":\#(version),"percent":80,"note":"Gần xong"}"#)
            #expect(ok == .ok && after["percent"] as? Int == 80 && after["version"] as? Int == version + 1)
            #expect(((after["events"] as? [[String: Any]])?.last?["note"] as? String) == "Gần xong")
            let (missing, _) = try await json("/api/v1/tasks/999999", clerk)
            #expect(missing == .notFound)
            // The board: the commune's tasks for its chairman; nothing for a clerk; another commune's unit is refused.
            let chair = try await token("chutich.giahung")
            let committee = try await h.unit(code: "14551"), committeeB = try await h.unit(code: "14554")
            let (boardOK, board) = try await json("/api/v1/tasks/board?unit=\(committee.id)&show=all", chair)
            let boardItems = try #require(board["items"] as? [[String: Any]])
            #expect(boardOK == .ok && boardItems.contains { $0["id"] as? Int == id })
            #expect(try await json("/api/v1/tasks/board?unit=\(committeeB.id)", chair).0 == .forbidden)
            #expect(try await json("/api/v1/tasks/board", clerk).0 == .forbidden)
            #expect(try await json("/api/v1/tasks/board?unit=\(committee.id)&show=soon", chair).0 == .badRequest)

            // The clerk's inbox: the demo's assignments, in Vietnamese, each linking to its task.
            let (inboxOK, inbox) = try await json("/api/v1/notifications", clerk)
            let notes = try #require(inbox["items"] as? [[String: Any]])
            let unread = try #require(inbox["unread"] as? Int)
            #expect(inboxOK == .ok && !notes.isEmpty && unread >= notes.count)
            let note = try #require(notes.first { ($0["kind"] as? String) == "task_assigned" })
            #expect((note["message"] as? String)?.hasPrefix("Bạn được giao nhiệm vụ ") == true, "\(note)")
            // Its deadline as people write it, not as it is stored.
            #expect((note["message"] as? String)?.range(of: #"\(hạn \d{2}/\d{2}/\d{4}\)$"#, options: .regularExpression) != nil, "\(note)")
            #expect((note["link"] as? String)?.hasPrefix(h.services.config.publicURL + "/tasks/") == true && note["read_at"] == nil, "unread: no read_at")
            let noteID = try #require(note["id"] as? Int)
            // Another person cannot mark it read; the clerk can.
            #expect(try await json("/api/v1/notifications/read", other, post: #"{"ids":[\#(noteID)]}"#).0 == .ok)
            #expect(try await json("/api/v1/notifications", clerk).1["unread"] as? Int == unread)
            let (readOK, readAfter) = try await json("/api/v1/notifications/read", clerk, post: #"{"ids":[\#(noteID)]}"#)
            #expect(readOK == .ok && readAfter["unread"] as? Int == unread - 1)
            #expect(try await json("/api/v1/notifications?limit=0", clerk).0 == .badRequest)
            #expect(try await json("/api/v1/notifications/read", clerk, post: "{").0 == .badRequest)
        }
    }

    /// The API's board is kept between changes, under the database's count of task changes: a step
    /// through the API, a task or a person's name changed in the database by anyone (here plain SQL,
    /// as another server or an import would), each shows at the next read; a search is answered afresh.
    @Test(arguments: TestDatabases.kinds)
    func aKeptBoardFollowsEveryChangeWhoeverMakesIt(kind: DatabaseKind) async throws {
        try await Harness.run(kind) { h in
            let chair = try #require(try await h.services.accounts.byUsername("chutich.giahung"))
            let bearer: HTTPFields = [.authorization: "Bearer \(try await h.services.accounts.issueAPIToken(userID: chair.id, name: "t", by: .system))"]
            let committee = try await h.unit(code: "14551")
            let api = h.browser()
            func board(_ query: String = "") async throws -> [[String: Any]] {
                let r = try await api.request("/api/v1/tasks/board?unit=\(committee.id)\(query)", method: .get, headers: bearer)
                #expect(r.status == .ok && r.headers[.contentLength] == String(r.body.readableBytes))
                return try #require((try JSONSerialization.jsonObject(with: Data(r.text.utf8)) as? [String: Any])?["items"] as? [[String: Any]])
            }
            func item(_ items: [[String: Any]], _ id: Int) -> [String: Any]? { items.first { $0["id"] as? Int == id } }
            let first = try await board()
            let task = try #require(first.first { ($0["status"] as? String) == "in_progress" || ($0["status"] as? String) == "assigned" })
            let id = try #require(task["id"] as? Int), ownerID = try #require(task["owner_id"] as? Int)
            let kept = try await board()
            #expect(kept.count == first.count && item(kept, id)?["version"] as? Int == task["version"] as? Int)

            // A step through the API (by the chairman, who gave the task: a comment moves its version).
            var posting = bearer
            posting[.contentType] = "application/json"
            let stepped = try await api.request("/api/v1/tasks/\(id)/steps", method: .post, headers: posting,
                                                body: ByteBuffer(string: #"{"action":"comment","version":\#(task["version"] as! Int),"note":"Đề nghị báo cáo sớm"}"#))
            #expect(stepped.status == .ok)
            #expect(item(try await board(), id)?["version"] as? Int == (task["version"] as! Int) + 1)
            // Written in the database by someone else: the task's title, its owner's name.
            try await h.services.database.execute("UPDATE tasks SET title = 'Tiêu đề đã sửa trực tiếp', search_key = 'tieu de da sua truc tiep' WHERE id = \(id)")
            #expect(item(try await board(), id)?["title"] as? String == "Tiêu đề đã sửa trực tiếp")
            try await h.services.database.execute("UPDATE people SET full_name = 'Tên Đã Đổi' WHERE id = \(ownerID)")
            #expect(item(try await board(), id)?["owner_name"] as? String == "Tên Đã Đổi")
            // Closed by SQL: gone from the open board, on the board of everything.
            try await h.services.database.execute("UPDATE tasks SET status = 'cancelled' WHERE id = \(id)")
            #expect(item(try await board(), id) == nil)
            #expect(item(try await board("&show=all"), id)?["status"] as? String == "cancelled")
            // A search is read afresh and finds the new title, accents ignored.
            #expect(try await board("&show=all&q=tieu%20de%20da%20sua").map { $0["id"] as? Int } == [id])
        }
    }

    /// A department's week: the head of the Economy department writes and submits the book; it is
    /// locked; the chairman sees every department with the missing ones first; another commune sees nothing.
    @Test func theDepartmentSubmitsItsWeekAndTheLeaderSeesItAmongTheOthers() async throws {
        try await Harness.run { h in
            let economy = try await h.unit(code: "14551-KT")
            let head = try await h.services.people.search("", scopes: [economy.path], on: h.services.today, limit: 50).items
                .first { $0.isLeader && $0.title == "Trưởng phòng Kinh tế" }
            // The head holds a leading post and a civil servant's account: heading the department is what lets them write its book.
            _ = try await h.services.accounts.create(username: "truongphong.kt", displayName: try #require(head).person.fullName,
                                                     passwordHash: try await h.services.passwords.hash(Demo.password),
                                                     personID: head!.person.id, grants: [(.civilServant, economy.id)], by: .system)
            let boss = try await h.signIn("truongphong.kt")
            // This week the chairman gave the department's head a task.
            let chair = try await h.signIn("chutich.giahung")
            #expect(try await chair.post("/tasks", ["title": "Kiểm tra công trình thủy lợi trước mùa khô", "owner": String(head!.person.id),
                                                    "due_working_days": "5", "priority": "high", "source_kind": "none"]).status == .seeOther)
            let week = DutyWeek(containing: h.services.today).start.description
            let page = try await boss.get("/tasks/duty-books/\(economy.id)?week=\(week)")
            #expect(page.status == .ok && page.text.contains("id=\"duty-book-form\""))
            let taskID = try #require(page.text.range(of: "name=\"comment_").map { page.text[$0.upperBound...].prefix { $0.isNumber } }.map(String.init))
            // The head may not write another department's book, nor submit without a summary.
            let culture = try await h.unit(code: "14551-VHXH")
            #expect(try await boss.get("/tasks/duty-books/\(culture.id)?week=\(week)").status == .forbidden)
            let empty = try await boss.post("/tasks/duty-books/\(economy.id)?week=\(week)", ["version": "0", "submit": "1"])
            #expect(empty.status == .badRequest && empty.text.contains("Ghi ưu điểm hoặc tồn tại"))
            #expect(try await boss.post("/tasks/duty-books/\(economy.id)?week=\(week)",
                                        ["version": "0", "submit": "1", "comment_\(taskID)": "Bám sát tiến độ", "strengths": "Hoàn thành đúng hạn phần lớn việc",
                                         "weaknesses": "Còn việc quá hạn"]).status == .seeOther)
            let locked = try await boss.get("/tasks/duty-books/\(economy.id)?week=\(week)").text
            #expect(!locked.contains("id=\"duty-book-form\"") && locked.contains("Bám sát tiến độ") && locked.contains("id=\"duty-book-addendum\""))
            #expect(try await boss.post("/tasks/duty-books/\(economy.id)?week=\(week)", ["version": "1", "strengths": "sửa"]).status == .conflict)
            #expect(try await boss.post("/tasks/duty-books/\(economy.id)/addenda?week=\(week)", ["addendum": "Bổ sung: việc quá hạn đã xong"]).status == .seeOther)
            // The chairman's week: every department, those not submitted first.
            let overview = try await chair.get("/tasks/duty-books?week=\(week)").text
            let culturePos = try #require(overview.range(of: "Phòng Văn hóa - Xã hội")?.lowerBound)
            let economyPos = try #require(overview.range(of: "Phòng Kinh tế")?.lowerBound)
            #expect(culturePos < economyPos)
            // The weekly meeting's pack: every department's state, then each book, on A4 and in one workbook.
            let pack = try await chair.get("/tasks/duty-books/print?week=\(week)")
            #expect(pack.status == .ok && pack.text.contains("SỔ TRỰC TUẦN CÁC PHÒNG, BAN") && pack.text.contains("Bám sát tiến độ")
                    && pack.text.contains("Bổ sung: việc quá hạn đã xong") && pack.text.contains("Kiểm tra công trình thủy lợi trước mùa khô"))
            let packCulture = try #require(pack.text.range(of: "Phòng Văn hóa - Xã hội")?.lowerBound)
            #expect(packCulture < (try #require(pack.text.range(of: "Phòng Kinh tế")?.lowerBound)))
            let workbook = try WorkbookReader(Data(try await chair.get("/tasks/duty-books/xlsx?week=\(week)").body.readableBytesView))
            #expect(workbook.sheets.map(\.name) == ["Tổng hợp", "Nhiệm vụ trong sổ"])
            let economyRow = try #require(workbook["Tổng hợp"]?.first { $0.first == "Phòng Kinh tế" })
            // Submitted just now: on time or late depending on when the test runs (the week's deadline is Friday 16:30).
            let submitted = DutyBookDeadline().state(submittedAt: Date(), week: DutyWeek(containing: h.services.today), now: Date()) == .late ? "Nộp muộn" : "Đã nộp đúng hạn"
            #expect(economyRow.dropFirst().first == submitted && economyRow.contains("Hoàn thành đúng hạn phần lớn việc") && economyRow[3] == "1")
            #expect(workbook["Tổng hợp"]?.contains { $0.first == "Phòng Văn hóa - Xã hội" && $0.dropFirst().first?.hasPrefix("Chưa nộp") == true } == true)
            #expect(workbook["Nhiệm vụ trong sổ"]?.contains { $0.first == "Phòng Kinh tế" && $0.last == "Bám sát tiến độ" } == true)
            let otherPack = try await h.signIn("chutich.giavan").get("/tasks/duty-books/print?week=\(week)")
            #expect(otherPack.status == .ok && !otherPack.text.contains("Bám sát tiến độ"))
            #expect(try await h.signIn("congchuc.giahung").get("/tasks/duty-books/xlsx?week=\(week)").status == .forbidden)
            let print = try await chair.get("/tasks/duty-books/\(economy.id)/print?week=\(week)")
            #expect(print.status == .ok && print.text.contains("SỔ THEO DÕI NHIỆM VỤ TRONG TUẦN") && print.text.contains("Bổ sung: việc quá hạn đã xong"))
            let xlsx = try await chair.get("/tasks/duty-books/\(economy.id)/xlsx?week=\(week)")
            #expect(xlsx.status == .ok && xlsx.headers[.contentType]?.contains("spreadsheetml") == true)
            // The chairman reads but may also write (gives tasks there); another commune may do neither.
            let other = try await h.signIn("chutich.giavan")
            #expect(try await other.get("/tasks/duty-books/\(economy.id)?week=\(week)").status == .forbidden)
            #expect(!(try await other.get("/tasks/duty-books?week=\(week)").text.contains("/tasks/duty-books/\(economy.id)?")))
        }
    }

    /// Standing duties: the office writes a clerk's duties, a head above the clerk approves them; the
    /// clerk reads but neither writes nor approves; another commune sees nothing.
    @Test func theOfficeWritesDutiesAndTheChairmanApprovesThem() async throws {
        try await Harness.run { h in
            let clerkID = try await h.personID("congchuc.giahung")
            let office = try await h.signIn("vanphong.giahung"), chair = try await h.signIn("chutich.giahung"), clerk = try await h.signIn("congchuc.giahung")
            let list = try await office.get("/tasks/duties").text
            #expect(list.contains("id=\"duties-list\""))
            let page = try await office.get("/tasks/duties/\(clerkID)").text
            #expect(page.contains("id=\"duties-form\"") && !page.contains("id=\"duties-approve\""))
            #expect(try await office.post("/tasks/duties/\(clerkID)", ["valid_from": "2025-07-01", "text": "ít", "version": "0"]).status == .badRequest)
            let version = try await h.services.tasks.duties.history(personID: clerkID).first { $0.status == .draft }?.version ?? 0
            #expect(try await office.post("/tasks/duties/\(clerkID)", ["valid_from": "2025-07-01", "text": "Văn thư, lưu trữ; thống kê; tổng hợp báo cáo định kỳ.",
                                                                      "version": String(version)]).status == .seeOther)
            let draft = try #require(try await h.services.tasks.duties.history(personID: clerkID).first { $0.status == .draft })
            // The Chief of Office heads the clerk's unit and may approve; the clerk may not; the chairman does.
            #expect(try await office.get("/tasks/duties/\(clerkID)").text.contains("id=\"duties-approve\""))
            #expect(try await clerk.post("/tasks/duties/\(clerkID)/approve", ["version": String(draft.version)]).status == .forbidden)
            #expect(try await clerk.get("/tasks/duties/\(clerkID)").status == .ok)
            #expect(try await chair.post("/tasks/duties/\(clerkID)/approve", ["version": String(draft.version)]).status == .seeOther)
            let approved = try await chair.get("/tasks/duties/\(clerkID)").text
            #expect(approved.contains("Văn thư, lưu trữ; thống kê; tổng hợp báo cáo định kỳ.") && approved.contains("id=\"duties-history\""))
            #expect(try await chair.get("/tasks/duties/print").text.contains("BẢN PHÂN CÔNG NHIỆM VỤ"))
            let other = try await h.signIn("chutich.giavan")
            #expect(try await other.get("/tasks/duties/\(clerkID)").status == .forbidden)
            #expect(try await other.post("/tasks/duties/\(clerkID)/approve", ["version": "9"]).status == .forbidden)
        }
    }

    /// A monthly report given once becomes one task per month, generated three months ahead.
    @Test func aRecurringReportIsGivenOnceForEachMonth() async throws {
        try await Harness.run { h in
            let chair = try await h.signIn("chutich.giahung")
            let clerkID = try await h.personID("congchuc.giahung")
            let bad = try await chair.post("/tasks", ["title": "Báo cáo tháng", "owner": String(clerkID), "recurrence": "custom", "rrule": "mỗi tháng",
                                                      "priority": "normal", "source_kind": "none"])
            #expect(bad.status == .badRequest && bad.text.contains("Quy tắc lặp không hợp lệ"))
            let ok = try await chair.post("/tasks", ["title": "Báo cáo công tác dân số tháng", "owner": String(clerkID), "recurrence": "monthly_last",
                                                     "priority": "normal", "source_kind": "none"])
            #expect(ok.status == .seeOther)
            let series = try await h.services.tasks.tasks.mine(personID: clerkID).filter { $0.task.title == "Báo cáo công tác dân số tháng" }
            let months = Set(series.map { Month($0.task.due) })
            #expect(series.count >= 3 && months.count == series.count, "one a month: \(series.map(\.task.due))")
            #expect(series.allSatisfy { $0.task.recurrence == "FREQ=MONTHLY;BYMONTHDAY=-1" })
            #expect(try await chair.get("/tasks/\(series[0].task.id)").text.contains("Hằng tháng, ngày làm việc cuối tháng"))
        }
    }

    /// The home page reminds the lead of tasks 3 and 1 working days before the deadline and every
    /// day once overdue; a task due later stays off it.
    @Test func theHomePageRemindsTheLead() async throws {
        try await Harness.run { h in
            let chair = try await h.signIn("chutich.giahung"), clerk = try await h.signIn("congchuc.giahung")
            let clerkID = try await h.personID("congchuc.giahung")
            for (title, days) in [("Nộp báo cáo sơ kết", "3"), ("Chuẩn bị hồ sơ thi đua", "8")] {
                #expect(try await chair.post("/tasks", ["title": title, "owner": String(clerkID), "due_working_days": days, "priority": "normal",
                                                        "source_kind": "none"]).status == .seeOther)
            }
            let home = try await clerk.get("/").text
            let section = try #require(home.range(of: "id=\"morning-tasks\"").map { String(home[$0.lowerBound...].prefix(4000)) })
            #expect(section.contains("Nộp báo cáo sơ kết") && section.contains("còn 3 ngày làm việc"))
            #expect(!section.contains("Chuẩn bị hồ sơ thi đua"))
            // The demo's overdue task of the clerk is there every day.
            #expect(section.contains("Cập nhật hồ sơ cán bộ, công chức vào cơ sở dữ liệu của tỉnh") && section.contains("quá hạn"))
            // The leader's card counts those without written duties as the duties page flags them: the demo's two newest clerks.
            let chairHome = try await chair.get("/").text
            let card = try #require(chairHome.range(of: "Chưa phân công nhiệm vụ bằng văn bản").map { String(chairHome[$0.lowerBound...].prefix(200)) })
            #expect(card.contains("<span class=\"tile-value\">2</span>"), "\(card)")
            let duties = try await chair.get("/tasks/duties?unit=\(try await h.unit(code: "14551").id)").text
            #expect(duties.contains("<strong>2</strong>"))
        }
    }

    /// The chairman gives a department's head a task; the head splits part of it to one of their staff.
    @Test func aHeadSplitsATaskToTheirStaff() async throws {
        try await Harness.run { h in
            let economy = try await h.unit(code: "14551-KT")
            let staff = try await h.services.people.search("", scopes: [economy.path], on: h.services.today, limit: 50).items
            let head = try #require(staff.first { $0.isLeader && $0.title == "Trưởng phòng Kinh tế" })
            let member = try #require(staff.first { !$0.isLeader && $0.title.hasPrefix("Công chức") })
            _ = try await h.services.accounts.create(username: "truongphong.kt", displayName: head.person.fullName,
                                                     passwordHash: try await h.services.passwords.hash(Demo.password),
                                                     personID: head.person.id, grants: [(.civilServant, economy.id)], by: .system)
            let chair = try await h.signIn("chutich.giahung"), boss = try await h.signIn("truongphong.kt")
            let given = try await chair.post("/tasks", ["title": "Rà soát hiện trạng các tuyến kênh mương", "owner": String(head.person.id),
                                                        "due_working_days": "10", "priority": "normal", "source_kind": "none"])
            let parentID = try Self.id(given)
            let parentDue = try #require(try await h.services.tasks.tasks.get(parentID)).task.due
            #expect(try await boss.get("/tasks/\(parentID)").text.contains("id=\"task-split\""))
            let form = try await boss.get("/tasks/new?parent=\(parentID)").text
            #expect(form.contains("id=\"task-parent\"") && form.contains("value=\"\(member.person.id)\""))
            let late = try await boss.post("/tasks", ["title": "Đo đạc tuyến kênh Đông", "owner": String(member.person.id), "parent": String(parentID),
                                                      "due_date": parentDue.next.next.description, "priority": "normal", "source_kind": "none"])
            #expect(late.status == .badRequest && late.text.contains("không được sau hạn của nhiệm vụ gốc"))
            let part = try await boss.post("/tasks", ["title": "Đo đạc tuyến kênh Đông", "owner": String(member.person.id), "parent": String(parentID),
                                                      "due_date": parentDue.description, "priority": "normal", "source_kind": "none"])
            #expect(part.status == .seeOther)
            let childID = try Self.id(part)
            #expect(try await h.services.tasks.tasks.get(childID)?.task.parentID == parentID)
            #expect(try await chair.get("/tasks/\(parentID)").text.contains("Đo đạc tuyến kênh Đông"))
            #expect(try await boss.get("/tasks/\(childID)").text.contains("id=\"task-parent\""))
            // Someone neither leading nor giving the task cannot split it.
            let clerk = try await h.signIn("congchuc.giahung")
            #expect(try await clerk.get("/tasks/new?parent=\(parentID)").status == .forbidden)
        }
    }

    /// While the lead is away on an approved notice, the substitute they named acts for them; not before.
    @Test func aNamedSubstituteActsOnlyWhileTheLeadIsAway() async throws {
        try await Harness.run { h in
            let chair = try await h.signIn("chutich.giahung"), clerk = try await h.signIn("congchuc.giahung")
            let clerkID = try await h.personID("congchuc.giahung")
            let office = try await h.unit(code: "14551-VP")
            let colleague = try #require(try await h.services.people.search("", scopes: [office.path], on: h.services.today, limit: 50).items
                .first { !$0.isLeader && $0.person.id != clerkID })
            _ = try await h.services.accounts.create(username: "dongnghiep.vp", displayName: colleague.person.fullName,
                                                     passwordHash: try await h.services.passwords.hash(Demo.password),
                                                     personID: colleague.person.id, grants: [(.civilServant, office.id)], by: .system)
            let substitute = try await h.signIn("dongnghiep.vp")
            let id = try Self.id(try await chair.post("/tasks", ["title": "Tổng hợp ý kiến cử tri", "owner": String(clerkID), "due_working_days": "5",
                                                                "priority": "normal", "source_kind": "none"]))
            #expect(try await clerk.post("/tasks/\(id)/substitute", ["substitute": String(colleague.person.id)]).status == .seeOther)
            #expect(try await chair.get("/tasks/\(id)").text.contains("id=\"task-substitute\""))
            // Named, but the lead is at work: the substitute cannot act yet.
            #expect(try await substitute.post("/tasks/\(id)/act", ["action": "acknowledge", "version": "1"]).status == .forbidden)
            #expect(try await substitute.post("/tasks/\(id)/substitute", ["substitute": ""]).status == .forbidden)
            // The lead goes on an approved notice covering now.
            let absences = AbsenceStore(database: h.services.database)
            let notice = try await absences.file(AbsenceRequest(id: 0, personID: clerkID, kind: .notice, place: "Sở Nội vụ", purpose: "Tập huấn",
                                                                from: Date().addingTimeInterval(-3600), to: Date().addingTimeInterval(3 * 3600),
                                                                filedAt: Date().addingTimeInterval(-7200)), by: .system)
            _ = try await absences.decide(notice.id, approve: true, note: "", by: .system)
            #expect(try await substitute.post("/tasks/\(id)/act", ["action": "acknowledge", "version": "1"]).status == .seeOther)
            #expect(try await chair.get("/tasks/\(id)").text.contains("người thay đang xử lý"))
            #expect(try await h.services.tasks.tasks.events(id).last?.actorName == "dongnghiep.vp")
        }
    }

    /// A minimal Word document as its bytes begin: a ZIP whose first part is the document.
    static let docx = Data([0x50, 0x4B, 0x03, 0x04]) + Data("....word/document.xml<w:document/>".utf8)

    @Test func filesComeWithTheTaskAndTheReportsAndOnlyItsPeopleOpenThem() async throws {
        try await Harness.run { h in
            let chair = try await h.signIn("chutich.giahung")
            let clerk = try await h.signIn("congchuc.giahung")
            let clerkID = try await h.personID("congchuc.giahung")
            let fields = ["title": "Kiểm tra hồ sơ đất đai thôn Nam", "owner": String(clerkID), "due_working_days": "5", "priority": "normal", "source_kind": "none"]
            // A program is refused with the message naming what is accepted; nothing is assigned.
            let (h0, b0) = Browser.multipart(fields.merging(["_csrf": chair.csrf]) { a, _ in a }, file: Data("MZ\u{90}".utf8), name: "file", filename: "virus.exe")
            let refused = try await chair.request("/tasks", method: .post, headers: h0, body: b0)
            #expect(refused.status == .badRequest && refused.text.contains("Chỉ nhận ảnh JPEG, PNG, tệp PDF, Word"))
            #expect(try await h.services.tasks.tasks.mine(personID: clerkID).contains { $0.task.title == fields["title"] } == false)
            let (h1, b1) = Browser.multipart(fields.merging(["_csrf": chair.csrf]) { a, _ in a }, file: Data("%PDF-1.4 kế hoạch".utf8), name: "file",
                                             filename: "Kế hoạch kiểm tra.pdf")
            let created = try await chair.request("/tasks", method: .post, headers: h1, body: b1)
            #expect(created.status == .seeOther)
            let id = try Self.id(created)
            let page = try await clerk.get("/tasks/\(id)").text
            #expect(page.contains("id=\"task-files\"") && page.contains("Kế hoạch kiểm tra.pdf") && page.contains("enctype=\"multipart/form-data\""))
            // A step that is not the sender's keeps nothing of the file sent with it.
            func stored() -> Int {
                (FileManager.default.enumerator(atPath: h.services.tasks.files.directory)?.allObjects ?? []).compactMap { $0 as? String }
                    .filter { $0.count > 60 }.count
            }
            let before = stored()
            let (hx, bx) = Browser.multipart(["_csrf": chair.csrf, "action": "acknowledge", "version": "1"], file: Data("%PDF-1.4 không phải của tôi".utf8),
                                             name: "file", filename: "x.pdf")
            #expect(try await chair.request("/tasks/\(id)/act", method: .post, headers: hx, body: bx).status == .forbidden)
            #expect(stored() == before)
            // The clerk reports with a Word document; too large a file is refused.
            #expect(try await clerk.post("/tasks/\(id)/act", ["action": "acknowledge", "version": "1"]).status == .seeOther)
            let big = Data("%PDF-1.4 ".utf8) + Data(repeating: 0x20, count: TaskServices.fileLimit)
            let (h2, b2) = Browser.multipart(["_csrf": clerk.csrf, "action": "progress", "version": "2", "percent": "60", "note": "Đã kiểm tra 12 hồ sơ"],
                                             file: big, name: "file", filename: "lon.pdf")
            let tooBig = try await clerk.request("/tasks/\(id)/act", method: .post, headers: h2, body: b2)
            #expect(tooBig.status == .badRequest && tooBig.text.contains("tối đa 10 MB"))
            let (h3, b3) = Browser.multipart(["_csrf": clerk.csrf, "action": "progress", "version": "2", "percent": "60", "note": "Đã kiểm tra 12 hồ sơ"],
                                             file: Self.docx, name: "file", filename: "Biên bản kiểm tra.docx")
            #expect(try await clerk.request("/tasks/\(id)/act", method: .post, headers: h3, body: b3).status == .seeOther)
            let files = try await h.services.tasks.tasks.files(id)
            #expect(files.map(\.name) == ["Kế hoạch kiểm tra.pdf", "Biên bản kiểm tra.docx"] && files.map(\.ext) == ["pdf", "docx"])
            let history = try await chair.get("/tasks/\(id)").text
            #expect(history.contains("/tasks/\(id)/files/\(files[1].id)"))
            // Opened by its people under its own name; not by another commune, not through another task.
            let doc = try await chair.get("/tasks/\(id)/files/\(files[1].id)")
            #expect(doc.status == .ok && doc.headers[.contentType]?.contains("wordprocessingml") == true && Data(doc.body.readableBytesView) == Self.docx)
            #expect(doc.headers[.contentDisposition]?.hasPrefix("attachment;") == true)
            #expect(doc.headers[.contentDisposition]?.contains("filename*=UTF-8''Bi%C3%AAn%20b%E1%BA%A3n") == true)
            #expect(try await clerk.get("/tasks/\(id)/files/\(files[0].id)").headers[.contentType] == "application/pdf")
            let other = try await h.signIn("chutich.giavan")
            #expect(try await other.get("/tasks/\(id)/files/\(files[0].id)").status == .forbidden)
            let second = try await chair.post("/tasks", ["title": "Việc khác", "owner": String(clerkID), "due_working_days": "3", "priority": "normal",
                                                         "source_kind": "none"])
            #expect(try await chair.get("/tasks/\(try Self.id(second))/files/\(files[0].id)").status == .notFound)
            #expect(try await chair.get("/tasks/\(id)/files/999999").status == .notFound)
        }
    }

    @Test func aSeriesGoesOnEveryNightUntilTheAssignerEndsIt() async throws {
        try await Harness.run { h in
            let chair = try await h.signIn("chutich.giahung")
            let clerk = try await h.signIn("congchuc.giahung")
            let clerkID = try await h.personID("congchuc.giahung")
            let title = "Báo cáo tiến độ giải ngân vốn đầu tư công tuần"
            #expect(try await chair.post("/tasks", ["title": title, "owner": String(clerkID), "recurrence": "weekly_friday", "priority": "normal",
                                                    "source_kind": "none"]).status == .seeOther)
            func series() async throws -> [TaskRow] { try await h.services.tasks.tasks.mine(personID: clerkID).filter { $0.task.title == title } }
            let first = try await series()
            #expect((12...14).contains(first.count), "about three months of Fridays: \(first.count)")
            // The nightly job a month on adds the Fridays that came into the horizon, once.
            let later = Date().addingTimeInterval(30 * 86400)
            let added = try await h.services.tasks.extendSeries(now: later)
            #expect((3...5).contains(added))
            #expect(try await h.services.tasks.extendSeries(now: later) == 0)
            let all = try await series()
            #expect(all.count == first.count + added && Set(all.map(\.task.due)).count == all.count)
            let id = all[0].task.id
            #expect(try await chair.get("/tasks/\(id)").text.contains("id=\"task-series-stop\""))
            #expect(try await clerk.get("/tasks/\(id)").text.contains("id=\"task-series-stop\"") == false)
            #expect(try await clerk.post("/tasks/\(id)/series/stop", ["reason": "Không cần nữa"]).status == .forbidden)
            let noReason = try await chair.post("/tasks/\(id)/series/stop", ["reason": ""])
            #expect(noReason.status == .badRequest && noReason.text.contains("lý do"))
            #expect(try await chair.post("/tasks/\(id)/series/stop", ["reason": "Dự án đã giải ngân xong"]).status == .seeOther)
            #expect(try await chair.get("/tasks/\(id)").text.contains("Dự án đã giải ngân xong"))
            #expect(try await chair.post("/tasks/\(id)/series/stop", ["reason": "Lần nữa"]).status == .conflict)
            #expect(try await h.services.tasks.extendSeries(now: Date().addingTimeInterval(90 * 86400)) == 0)
            #expect(try await series().count == all.count, "the tasks already given stay")
        }
    }

    @Test func orphansWaitingTooLongAreFlaggedAbove() async throws {
        try await Harness.run { h in
            let chair = try await h.signIn("chutich.giahung")
            let clerk = try await h.signIn("congchuc.giahung")
            // The demo's transfer was ten working days ago, past the five allowed.
            let page = try await chair.get("/tasks/orphans").text
            #expect(page.contains("id=\"orphans-escalated\"") && page.contains("Đã báo cấp trên") && page.contains("ngày làm việc</span>"))
            let home = try await chair.get("/").text
            #expect(home.contains("Nhiệm vụ chưa giao lại") && home.contains("2 nhiệm vụ ở đơn vị cấp dưới chờ quá hạn"))
            let workbook = try await chair.get("/tasks/orphans.xlsx")
            #expect(workbook.status == .ok && workbook.headers[.contentType]?.contains("spreadsheetml") == true)
            #expect(try await clerk.get("/tasks/orphans.xlsx").status == .forbidden)
            // The unit's written duties as a workbook too.
            let duties = try await chair.get("/tasks/duties.xlsx")
            #expect(duties.status == .ok && duties.headers[.contentType]?.contains("spreadsheetml") == true)
            #expect(try await clerk.get("/tasks/duties.xlsx").status == .forbidden)
        }
        // A province that allows a month: nothing is flagged yet.
        try await Harness.run(configure: { $0.orphanEscalationDays = 30 }) { h in
            let chair = try await h.signIn("chutich.giahung")
            let page = try await chair.get("/tasks/orphans").text
            #expect(page.contains("Theo dõi công trình đường giao thông thôn Bắc") && !page.contains("id=\"orphans-escalated\""))
            #expect(try await chair.get("/").text.contains("0 nhiệm vụ ở đơn vị cấp dưới chờ quá hạn"))
        }
    }
}
