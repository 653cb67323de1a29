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

/// Inspections through the pages and the API: a visit from its roll to locked minutes with the
/// violators' explanation cases and the corrective tasks, who sees what when, bad input in the
/// user's language, and the weekly duty unit.
@Suite struct InspectionFlowTests {
    /// The last working day before today at a clock time, as the start field sends it, and as a moment.
    static func lastWorkingDay(_ h: Harness, _ unit: OrgUnit, hour: Int, minute: Int) async throws -> (field: String, at: Date) {
        let calendar = try #require(try await h.services.shared.workCalendar(unitID: unit.id))
        let day = try calendar.subtractingWorkingDays(1, from: h.services.today)
        let at = CivilTime.startOfDay(day).addingTimeInterval(TimeInterval(hour * 3600 + minute * 60))
        return (Instant.formatLocal(at).replacingOccurrences(of: " ", with: "T"), at)
    }

    static func visitID(_ location: String?) throws -> Int64 {
        try #require(location.flatMap { Int64($0.replacingOccurrences(of: "/inspections/", with: "")) })
    }

    @Test(arguments: TestDatabases.kinds)
    func aVisitGoesFromTheRollToLockedMinutes(kind: DatabaseKind) async throws {
        try await Harness.run(kind, configure: { $0.inspectionBackdateHours = 168 }) { h in
            let team = try await InspectionDemo.team(h.services)
            let committee = try await h.unit(code: "14551-UB")
            let store = h.services.inspections.store
            let inspector = try await h.signIn("thanhtra")
            let leader = try await h.signIn("chutich.giahung")
            let elsewhere = try await h.signIn("chutich.giavan")

            // Only inspectors start visits.
            #expect(try await leader.post("/inspections", ["unit": String(committee.id), "kind": "unannounced"]).status == .forbidden)
            // A planned visit for today, started at 06:30 of the last working day (before the day's punches).
            let created = try await inspector.post("/inspections", ["unit": String(committee.id), "kind": "planned", "planned_for": h.services.today.description])
            #expect(created.status == .seeOther)
            let id = try Self.visitID(created.headers[.location])
            let location = "/inspections/\(id)"
            // Not visible to the unit until it is finalised, not even that it exists.
            #expect(try await leader.get(location).status == .notFound)
            #expect(try await leader.post(location + "/start", [:]).status == .notFound)
            // A start too far back is refused, in Vietnamese.
            let tooEarly = try await inspector.post(location + "/start", ["started_at": Instant.formatLocal(Date().addingTimeInterval(-200 * 3600)).replacingOccurrences(of: " ", with: "T")])
            #expect(tooEarly.status == .badRequest && tooEarly.text.contains("quá xa trong quá khứ"))
            let start = try await Self.lastWorkingDay(h, committee, hour: 6, minute: 30)
            // Someone punched in at 06:20 and is not at their place when the team looks.
            let people = try await h.services.people.search("", scopes: [committee.path], on: h.services.today, limit: 50).items.map(\.person)
            let early = try #require(people.first)
            _ = try await h.services.attendance.punches.record(PunchInput(personID: early.id, at: start.at.addingTimeInterval(-600), source: .manual,
                                                                          method: .card, device: "test", note: "thẻ quẹt sớm"), by: Actor(id: nil, name: "test"))
            #expect(try await inspector.post(location + "/start", ["started_at": start.field]).status == .seeOther)
            let roll = try #require(try await store.record(id)).roll
            #expect(roll.count >= 5 && roll.first { $0.personID == early.id }?.state == .present)
            let notArrived = try #require(roll.first { $0.state == .notArrived })

            // Finalising now is refused: nobody is marked yet.
            let premature = try await inspector.post(location + "/finalise", [:])
            #expect(premature.status == .badRequest && premature.text.contains("chưa được đánh dấu"))

            // Marks: the early one not seen, one without a punch seen, everyone else not seen; one
            // mark from the page's script (JSON), the rest as forms.
            let json = try await inspector.request(location + "/roll", method: .post, headers: [.accept: "application/json", .contentType: "application/x-www-form-urlencoded"],
                                                   body: .init(string: "_csrf=\(inspector.csrf)&person=\(early.id)&sighting=not_seen"))
            #expect(json.status == .ok && json.text.contains("\"ok\":true"))
            for line in roll where InspectionRoll.needsMark(line.state) && line.personID != early.id {
                let sighting = line.personID == notArrived.personID || line.state == .present || line.state == .late ? "seen" : "not_seen"
                #expect(try await inspector.post(location + "/roll", ["person": String(line.personID), "sighting": sighting]).status == .seeOther)
            }
            let marked = try #require(try await store.record(id))
            #expect(marked.roll.first { $0.personID == early.id }?.finding == .punchedNotPresent)
            #expect(marked.roll.first { $0.personID == notArrived.personID }?.finding == .presentNoPunch)
            let findings = marked.roll.filter { $0.finding != nil }.count
            let page = try await inspector.get(location)
            #expect(page.text.contains("Có chấm công nhưng không có mặt") && page.text.contains("Có mặt nhưng không chấm công"))
            // What the system knows is shown beside its item: the roll's own count of findings.
            #expect(page.text.contains("\(roll.count) người phải có mặt; \(findings) sai lệch; 0 chưa đánh dấu"))
            // … and the chairman's reception days from the published schedule (none yet), linked to the public week.
            #expect(page.text.contains("href=\"/lich/14551-UB\"") && page.text.contains("thiếu ngày tiếp công dân của Chủ tịch theo luật"))

            // The checklist: a refusal for an unknown item, then every item; a photo of the failure.
            #expect(try await inspector.post(location + "/items", ["code": "weather", "result": "pass"]).status == .badRequest)
            let checklist = try #require(try await store.checklist(marked.visit.checklistID))
            for item in checklist.items {
                let fail = item.code == "reception_schedule"
                #expect(try await inspector.post(location + "/items", ["code": item.code, "result": fail ? "fail" : "pass",
                                                                       "note": fail ? "Chưa niêm yết lịch tiếp công dân" : ""]).status == .seeOther)
            }
            let (badHeaders, badBody) = Browser.multipart(["_csrf": inspector.csrf, "code": "reception_schedule"], file: Data("%PDF-1.4".utf8), name: "photo", filename: "x.pdf")
            let refused = try await inspector.request(location + "/photos", method: .post, headers: badHeaders, body: badBody)
            #expect(refused.status == .badRequest && refused.text.contains("Chỉ nhận ảnh JPEG hoặc PNG"))
            let jpeg = Data([0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10]) + Data("JFIF bảng niêm yết".utf8)
            let (photoHeaders, photoBody) = Browser.multipart(["_csrf": inspector.csrf, "code": "reception_schedule"], file: jpeg, name: "photo", filename: "bang.jpg")
            #expect(try await inspector.request(location + "/photos", method: .post, headers: photoHeaders, body: photoBody).status == .seeOther)
            let photo = try #require(try await store.record(id)?.photos.first)
            #expect(photo.takenBy == "thanhtra" && photo.sha256 == ContentFiles.sha256(jpeg))

            // A recommendation needs an owner from the unit.
            let outsider = try await h.someone(in: "14554-UB")
            let wrongOwner = try await inspector.post(location + "/recommendations", ["text": "Niêm yết lịch tiếp công dân", "owner": String(outsider.id),
                                                                                      "due": "2099-01-01"])
            #expect(wrongOwner.status == .badRequest && wrongOwner.text.contains("phải thuộc đơn vị được kiểm tra"))
            let due = try await Self.lastWorkingDay(h, committee, hour: 0, minute: 0)
            let owner = notArrived.personID
            #expect(try await inspector.post(location + "/recommendations", ["text": "Niêm yết lịch tiếp công dân của Chủ tịch", "owner": String(owner),
                                                                            "due": Day(due.at.addingTimeInterval(30 * 86400), in: CivilTime.vietnam).description]).status == .seeOther)
            #expect(try await inspector.post(location + "/text", ["representative": "Đại diện UBND xã", "conclusions": "Cơ bản chấp hành."]).status == .seeOther)

            #expect(try await inspector.post(location + "/finalise", [:]).status == .seeOther)
            let done = try #require(try await store.record(id))
            #expect(done.visit.status == .finalised && done.violations.count == findings && done.visit.contentHash != nil)
            // Each violator has an explanation case for that day; the recommendation is the unit's corrective task.
            let caseID = try #require(done.violations.first { $0.personID == early.id }?.explanationID)
            let explanation = try #require(try await h.services.attendance.explanations.get(caseID))
            #expect(explanation.explanation.personID == early.id && explanation.explanation.day == Day(start.at, in: CivilTime.vietnam)
                    && explanation.explanation.status == .open)
            let taskID = try #require(done.recommendations.first?.taskID)
            let task = try #require(try await h.services.tasks.tasks.get(taskID))
            #expect(task.task.ownerID == owner && task.task.assignerID == team.leader.id && task.task.source.kind == .inspection)
            // The case says which minutes opened it and what the team found.
            let casePage = try await inspector.get("/explanations/\(caseID)")
            #expect(casePage.status == .ok && casePage.text.contains("id=\"explanation-origin\"") && casePage.text.contains("Có chấm công nhưng không có mặt"))
            #expect(try await store.verify(id))

            // Now the unit sees its minutes (its chairman was told); another commune does not.
            let inbox = try await leader.get("/notifications")
            #expect(inbox.text.contains("Biên bản kiểm tra công vụ đã ký: BB \(done.visit.number ?? 0)/\(done.visit.year) · UBND xã Gia Hưng"))
            #expect(!(try await elsewhere.get("/notifications")).text.contains("Biên bản kiểm tra công vụ đã ký"))
            let seen = try await leader.get(location)
            #expect(seen.status == .ok && seen.text.contains("Khớp nhật ký kiểm toán"))
            let minutes = try await leader.get(location + "/minutes")
            #expect(minutes.status == .ok && minutes.text.contains("BIÊN BẢN KIỂM TRA") && minutes.text.contains("Niêm yết lịch tiếp công dân của Chủ tịch"))
            #expect(try await leader.get(location + "/photos/\(photo.id)").status == .ok)
            #expect(try await elsewhere.get(location).status == .notFound)
            #expect(try await elsewhere.get(location + "/photos/\(photo.id)").status == .notFound)
            // The leader reads, but does not record.
            #expect(try await leader.post(location + "/addenda", ["addendum": "Bổ sung của xã"]).status == .forbidden)

            // Locked: a late mark is refused; an addendum is the only change.
            let late = try await inspector.post(location + "/roll", ["person": String(early.id), "sighting": "seen"])
            #expect(late.status == .badRequest && late.text.contains("không ở trạng thái đang kiểm tra"))
            #expect(try await inspector.post(location + "/addenda", ["addendum": "Bổ sung: bảng niêm yết đã được treo ngày hôm sau."]).status == .seeOther)
            #expect(try await store.record(id)?.addenda.count == 1)
            #expect(try await store.verify(id))

            // The API says the same, with the same rules.
            let token = try await h.services.accounts.issueAPIToken(userID: try #require(try await h.services.accounts.byUsername("chutich.giahung")).id,
                                                                    name: "t", by: .system)
            let api = try await h.browser().request("/api/v1/inspections/\(id)", headers: [.authorization: "Bearer \(token)"])
            #expect(api.status == .ok && api.text.contains("\"status\":\"finalised\"") && api.text.contains("\"finding\":\"punched_not_present\""))
            let otherToken = try await h.services.accounts.issueAPIToken(userID: try #require(try await h.services.accounts.byUsername("chutich.giavan")).id,
                                                                         name: "t", by: .system)
            #expect(try await h.browser().request("/api/v1/inspections/\(id)", headers: [.authorization: "Bearer \(otherToken)"]).status == .notFound)

            // The unit reports the corrective task done; the inspector, who gave it, finds it did not work and returns it.
            let reported = try await h.services.tasks.tasks.act(taskID, TaskStep(action: .reportDone, version: task.task.version, note: "Đã niêm yết"),
                                                                 by: Actor(id: nil, name: "xa"))
            let inspectorToken = try await h.services.accounts.issueAPIToken(userID: try #require(try await h.services.accounts.byUsername("thanhtra")).id,
                                                                             name: "t", by: .system)
            let returned = try await h.browser().request("/api/v1/tasks/\(taskID)/steps", method: .post,
                                                         headers: [.authorization: "Bearer \(inspectorToken)", .contentType: "application/json"],
                                                         body: .init(string: "{\"action\":\"return\",\"version\":\(reported.version),\"note\":\"Lịch niêm yết chưa có ngày tiếp\"}"))
            #expect(returned.status == .ok && returned.text.contains("\"status\":\"in_progress\""))
            // … and plans a re-inspection from the minutes; its page lists what it checks. The unit cannot plan one.
            #expect(try await leader.post(location + "/reinspect", ["planned_for": h.services.today.description]).status == .forbidden)
            let again = try await inspector.post(location + "/reinspect", ["planned_for": h.services.today.description])
            #expect(again.status == .seeOther)
            let followUp = try #require(try await store.visit(try Self.visitID(again.headers[.location])))
            #expect(followUp.followsID == id && followUp.kind == .planned && followUp.unitID == committee.id && followUp.status == .planned)
            let followPage = try await inspector.get("/inspections/\(followUp.id)")
            #expect(followPage.text.contains("id=\"followed-list\"") && followPage.text.contains("Niêm yết lịch tiếp công dân của Chủ tịch"))
            #expect(try await leader.get("/inspections/\(followUp.id)").status == .notFound)

            // Coverage: the province's year counts Gia Hưng.
            let coverage = try await inspector.get("/inspections/coverage")
            #expect(coverage.status == .ok && coverage.text.contains("id=\"coverage-ratio\">1/3<"))
            let workbook = try await inspector.get("/inspections/coverage.xlsx")
            #expect(workbook.status == .ok && workbook.headers[.contentType]?.contains("spreadsheetml") == true)
            // A plan for the year, with the decision that formed the team: a plan without a leader is refused.
            let communeA = try #require(committee.parentID)
            let (noLeaderHeaders, noLeaderBody) = Browser.multipart(["_csrf": inspector.csrf, "title": "Kế hoạch bổ sung", "unit": String(communeA)],
                                                                    file: Data(), name: "decision", filename: "")
            let noLeader = try await inspector.request("/inspections/plans", method: .post, headers: noLeaderHeaders, body: noLeaderBody)
            #expect(noLeader.status == .badRequest && noLeader.text.contains("đúng một trưởng đoàn"))
            let (planHeaders, planBody) = Browser.multipart(["_csrf": inspector.csrf, "title": "Kế hoạch kiểm tra công vụ quý IV", "unit": String(communeA),
                                                             "visits": "2", "leader": String(team.leader.id), "secretary": String(team.secretary.id),
                                                             "decision_number": "301/QĐ-UBND", "decision_date": "2026-10-01"],
                                                            file: Data("%PDF-1.4 quyết định".utf8), name: "decision", filename: "qd.pdf")
            #expect(try await inspector.request("/inspections/plans", method: .post, headers: planHeaders, body: planBody).status == .seeOther)
            let province = try await h.unit(code: "37")
            let plan = try #require(try await store.plans(bodyID: province.id, year: h.services.today.year).first)
            #expect(plan.draft.team == [team.leader.id: .leader, team.secretary.id: .secretary] && plan.draft.units.values.first == 2)
            let withPlan = try await inspector.get("/inspections/coverage")
            #expect(withPlan.text.contains("Kế hoạch kiểm tra công vụ quý IV") && withPlan.text.contains("301/QĐ-UBND"))
            let file = try await inspector.get("/inspections/plans/\(plan.id)/decision")
            #expect(file.status == .ok && file.headers[.contentType] == "application/pdf")
            #expect(try await leader.get("/inspections/plans/\(plan.id)/decision").status == .forbidden)

            // The province's checklist: an item added makes a new version; the locked minutes keep theirs.
            #expect(try await leader.get("/inspections/checklist").status == .forbidden)
            let badCode = try await inspector.post("/inspections/checklist", ["code": "cờ đỏ", "theme": "office", "text": "Treo cờ"])
            #expect(badCode.status == .badRequest && badCode.text.contains("chữ không dấu"))
            #expect(try await inspector.post("/inspections/checklist", ["code": "flag_raised", "theme": "office", "text": "Treo cờ Tổ quốc đúng quy định"]).status == .seeOther)
            let newer = try await store.currentChecklist(body: province, by: Actor(id: nil, name: "test"))
            #expect(newer.version == checklist.version + 1 && newer.items.last?.text == "Treo cờ Tổ quốc đúng quy định")
            #expect(try await store.record(id)?.checklist.id == checklist.id)
            #expect(try await store.verify(id))
            #expect(try await inspector.post("/inspections/checklist", ["remove": "dress"]).status == .seeOther)
            #expect(try await store.currentChecklist(body: province, by: Actor(id: nil, name: "test")).items.contains { $0.code == "dress" } == false)
            #expect(try await inspector.get("/inspections/checklist").text.contains("Treo cờ Tổ quốc đúng quy định"))

            // The inspector's home card.
            #expect(try await inspector.get("/").text.contains("Kiểm tra công vụ"))
        }
    }

    @Test func theDutyUnitChecksTheOtherDepartments() async throws {
        try await Harness.run { h in
            let committee = try await h.unit(code: "14551-UB")
            let departments = try await h.services.units.list(scopes: [committee.path]).filter { $0.parentID == committee.id }.sorted { $0.code < $1.code }
            #expect(departments.count >= 3)
            let chair = try await h.signIn("chutich.giahung")
            let week = DutyWeek(containing: h.services.today)
            // A roster with one department is refused; then every department from this week.
            let short = try await chair.post("/inspections/duty/roster?unit=\(committee.id)", ["order": String(departments[0].id), "start": week.start.description, "minimum": "3"])
            #expect(short.status == .badRequest && short.text.contains("ít nhất hai phòng"))
            let order = departments.map { String($0.id) }.joined(separator: ",")
            #expect(try await chair.post("/inspections/duty/roster?unit=\(committee.id)", ["order": order, "start": week.start.description, "minimum": "3"]).status == .seeOther)
            let calendar = try #require(try await h.services.shared.workCalendar(unitID: committee.id))
            let roster = try #require(try await h.services.inspections.store.roster(unitID: committee.id))
            // This week's department: the first of the order, since the roster starts this week (a week
            // without a working day has nobody, and nothing to check).
            if !DutyRotation.counts(week, calendar: calendar) { return }
            let onDuty = try #require(roster.rotation.onDuty(week, calendar: calendar))
            #expect(onDuty == departments[0].id)
            let dutyUnit = departments[0]
            let page = try await chair.get("/inspections/duty?unit=\(committee.id)")
            #expect(page.status == .ok && page.text.contains("id=\"on-duty\"") && page.text.contains(dutyUnit.name))
            // Someone of another department may not start a check; someone of the duty department may.
            let other = try #require(departments.first { $0.id != onDuty })
            let dutyPerson = try await h.someone(in: dutyUnit.code)
            let outsider = try await h.someone(in: other.code)
            func browser(for person: Person, _ username: String) async throws -> Browser {
                let hash = try await h.services.passwords.hash(Demo.password)
                _ = try await h.services.accounts.create(username: username, displayName: person.fullName, passwordHash: hash, personID: person.id,
                                                         grants: [], by: .system)
                return try await h.signIn(username)
            }
            let checker = try await browser(for: dutyPerson, "truc.tuan")
            let stranger = try await browser(for: outsider, "khong.truc")
            #expect(try await stranger.post("/inspections/duty/check?unit=\(committee.id)", ["department": String(other.id)]).status == .forbidden)
            // The duty department cannot check itself.
            #expect(try await checker.post("/inspections/duty/check?unit=\(committee.id)", ["department": String(onDuty)]).status == .badRequest)
            let started = try await checker.post("/inspections/duty/check?unit=\(committee.id)", ["department": String(other.id)])
            #expect(started.status == .seeOther)
            let id = try Self.visitID(started.headers[.location])
            let visit = try #require(try await h.services.inspections.store.visit(id))
            #expect(visit.kind == .dutyCheck && visit.status == .open && visit.bodyID == onDuty && visit.unitID == other.id && visit.week == week)
            // The checked department's people see the check while it runs; the short checklist is used.
            #expect(try await stranger.get("/inspections/\(id)").status == .ok)
            #expect(try await h.services.inspections.store.record(id)?.checklist.items == Checklist.dutyShort)
            #expect(try await h.services.inspections.store.dutyChecks(underPath: committee.path, week: week) == [other.id: 1])
            let after = try await chair.get("/inspections/duty?unit=\(committee.id)")
            #expect(after.text.contains("<strong>1</strong>/\(roster.rotation.required(week, calendar: calendar))"))

            // The Monday report: the duty department comments on the checked one and sums up the week;
            // another department may not write in it. On A4 and as a workbook.
            let report = "/inspections/duty/report?unit=\(committee.id)&week=\(week.start)"
            #expect(try await stranger.post(report, ["department": String(other.id), "text": "Tự khen"]).status == .forbidden)
            #expect(try await checker.post(report, ["department": String(other.id), "text": "Chấp hành tốt giờ giấc; 01 công chức chưa đeo thẻ."]).status == .seeOther)
            #expect(try await checker.post(report, ["department": "0", "text": "Các phòng cơ bản chấp hành tốt."]).status == .seeOther)
            #expect(try await checker.post(report, ["department": "0", "text": String(repeating: "dài ", count: 900)]).status == .badRequest)
            let printed = try await chair.get(report)
            #expect(printed.status == .ok && printed.text.contains("BÁO CÁO KẾT QUẢ TRỰC TUẦN") && printed.text.contains("01 công chức chưa đeo thẻ")
                    && printed.text.contains("Các phòng cơ bản chấp hành tốt."))
            let workbook = try await chair.get("/inspections/duty/report.xlsx?unit=\(committee.id)&week=\(week.start)")
            #expect(workbook.status == .ok && workbook.headers[.contentType]?.contains("spreadsheetml") == true)
            let rows = try WorkbookReader(Data(workbook.body.readableBytesView)).sheets[0].rows
            #expect(rows.contains { $0.first == other.name && $0.last == "Chấp hành tốt giờ giấc; 01 công chức chưa đeo thẻ." })
            let audited = try await h.services.audit.recent(limit: 20, objectType: "duty_report")
            #expect(audited.count == 2 && audited.allSatisfy { $0.actorName == "truc.tuan" })

            // A department asks to take next week's duty; only the committee decides, and then it takes effect.
            let nextWeek = week.next
            let asked = try await stranger.post("/inspections/duty/swap-request?unit=\(committee.id)",
                                                ["week": nextWeek.start.description, "department": String(other.id), "reason": "Tuần sau phòng trực đi tập huấn"])
            #expect(asked.status == .seeOther)
            let pending = try await h.services.inspections.store.swapRequests(unitID: committee.id)
            let requestID = try #require(pending.first { $0.departmentID == other.id && $0.week == nextWeek }?.id)
            #expect(try await stranger.post("/inspections/duty/swap-decision?unit=\(committee.id)", ["request": String(requestID), "decision": "approve"]).status
                    == .forbidden)
            #expect(try await chair.get("/inspections/duty?unit=\(committee.id)").text.contains("Tuần sau phòng trực đi tập huấn"))
            #expect(try await chair.post("/inspections/duty/swap-decision?unit=\(committee.id)", ["request": String(requestID), "decision": "approve"]).status
                    == .seeOther)
            let swapped = try #require(try await h.services.inspections.store.roster(unitID: committee.id))
            #expect(swapped.rotation.onDuty(nextWeek, calendar: calendar) == (DutyRotation.counts(nextWeek, calendar: calendar) ? other.id : nil))
            #expect(try await h.services.inspections.store.swapRequests(unitID: committee.id).isEmpty)
        }
    }
}
