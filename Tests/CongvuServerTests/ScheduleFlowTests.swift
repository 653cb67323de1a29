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

/// A unit's published schedule without an account: the week on its public page (drafts never, a
/// change shown as an adjustment, participants not named) and the iCalendar feed.
@Suite struct ScheduleFlowTests {
    @Test func theWeekIsPublicOncePublishedWithItsChanges() async throws {
        try await Harness.run { h in
            let committee = try await h.unit(code: "14551-UB")
            let chair = try await h.personID("chutich.giahung")
            let clerk = try await h.personID("congchuc.giahung")
            let chairName = try #require(try await h.services.people.get(chair)).person.fullName
            let store = h.services.schedules.store
            let week = DutyWeek(containing: h.services.today)
            let monday = week.start.description, tuesday = week.days()[1].description
            func entry(_ day: String, _ from: String, _ to: String, _ content: String, reception: Bool = false) throws -> ScheduleEntry {
                var e = try ScheduleDraft(day: day, start: from, end: to, content: content, place: "Hội trường UBND xã", chairID: chair,
                                          reception: reception).validate(unitID: committee.id)
                e.participants = [clerk]
                return e
            }
            let meeting = try await store.create(try entry(monday, "07:30", "09:00", "Giao ban, đánh giá công việc tuần"), by: .system)
            _ = try await store.create(try entry(tuesday, "07:30", "11:00", "Tiếp công dân định kỳ", reception: true), by: .system)
            let anonymous = h.browser()
            #expect(!(try await anonymous.get("/lich/14551-UB")).text.contains("Giao ban"))
            try await store.publish(unitID: committee.id, week: week, by: .system)
            var moved = try #require(try await store.get(meeting.id))
            moved.start = ClockTime("08:00")!
            moved.end = ClockTime("09:30")!
            _ = try await store.update(moved, version: moved.version, by: .system)
            _ = try await store.create(try entry(tuesday, "14:00", "16:00", "Bản nháp chưa công bố"), by: .system)

            let page = try await anonymous.get("/lich/14551-UB")
            #expect(page.status == .ok && page.text.contains("Giao ban, đánh giá công việc tuần") && page.text.contains(chairName))
            #expect(page.text.contains("08:00–09:30") && page.text.contains("Điều chỉnh: giờ"))
            #expect(page.text.contains("Tiếp công dân định kỳ") && !page.text.contains("Bản nháp chưa công bố"))
            let clerkName = try #require(try await h.services.people.get(clerk)).person.fullName
            #expect(!page.text.contains(clerkName))
            #expect(try await anonymous.get("/lich/khong-co").status == .notFound)

            let feed = try await anonymous.get("/lich/14551-UB/lich.ics")
            #expect(feed.status == .ok && feed.headers[.contentType] == "text/calendar; charset=utf-8")
            let unfolded = feed.text.replacingOccurrences(of: "\r\n ", with: "")
            #expect(unfolded.contains("UID:schedule-\(meeting.id)@14551-UB\r\n") && unfolded.contains("SEQUENCE:1\r\n"))
            #expect(unfolded.contains("DTSTART;TZID=Asia/Ho_Chi_Minh:\(week.start.description.replacingOccurrences(of: "-", with: ""))T080000"))
            #expect(!unfolded.contains("Bản nháp chưa công bố"))
            let other = try await anonymous.get("/lich/14551-UB/lich.ics?chair=\(clerk)")
            #expect(!other.text.contains("BEGIN:VEVENT"))
        }
    }

    @Test func theOfficeDraftsAndTheChairmanPublishes() async throws {
        try await Harness.run { h in
            let committee = try await h.unit(code: "14551-UB")
            let chair = try await h.personID("chutich.giahung")
            let office = try await h.signIn("vanphong.giahung")
            let chairman = try await h.signIn("chutich.giahung")
            let calendar = try #require(try await h.services.shared.workCalendar(unitID: committee.id))
            // Next week's first working day, so the entry is always ahead of today.
            let week = DutyWeek(containing: h.services.today).next
            let day = try #require(week.days().first { calendar.isWorkingDay($0) })
            let page = "/schedules?unit=\(committee.id)&week=\(week.start)"
            // The chairman has no reception day yet: the page warns of the weeks short of the law's minimum.
            let before = try await office.get(page)
            #expect(before.status == .ok && before.text.contains("0/1 ngày tiếp công dân theo quy định"))
            let bad = try await office.post("/schedules/entries?unit=\(committee.id)", ["day": day.description, "start": "10:00", "end": "09:00", "content": "Họp"])
            #expect(bad.status == .badRequest && bad.text.contains("Giờ kết thúc phải sau giờ bắt đầu"))
            #expect(try await office.post("/schedules/entries?unit=\(committee.id)", ["day": day.description, "start": "07:30", "end": "11:00",
                                                                                      "content": "Tiếp công dân định kỳ", "chair": String(chair),
                                                                                      "reception": "1"]).status == .seeOther)
            #expect(try await office.post("/schedules/entries?unit=\(committee.id)", ["day": day.description, "start": "09:00", "end": "10:00",
                                                                                      "content": "Làm việc với đoàn kiểm tra", "chair": String(chair)]).status == .seeOther)
            // The office drafts; only the leader publishes.
            #expect(try await office.post("/schedules/publish?unit=\(committee.id)", ["week": week.start.description]).status == .forbidden)
            #expect(!(try await h.browser().get("/lich/14551-UB?week=\(week.start)")).text.contains("Làm việc với đoàn kiểm tra"))
            let drafted = try await chairman.get(page)
            #expect(drafted.text.contains("id=\"publish-week\"") && drafted.text.contains("hai lịch trùng giờ"))
            #expect(try await chairman.post("/schedules/publish?unit=\(committee.id)", ["week": week.start.description]).status == .seeOther)
            #expect(!(try await chairman.get(page)).text.contains("id=\"publish-week\""))  // nothing left to publish
            let published = try await h.browser().get("/lich/14551-UB?week=\(week.start)")
            #expect(published.text.contains("Làm việc với đoàn kiểm tra") && published.text.contains("Tiếp công dân định kỳ"))
            // That week now has its reception day; the warning moves on to the weeks after it.
            let after = try await office.get(page)
            #expect(!after.text.contains("từ \(week.start.vietnamese)"))
            // A published entry is cancelled with a reason, never removed.
            let entry = try #require(try await h.services.schedules.store.week(unitID: committee.id, week: week, publicOnly: true).first { $0.content == "Làm việc với đoàn kiểm tra" })
            #expect(try await office.post("/schedules/cancel?unit=\(committee.id)", ["entry": String(entry.id), "reason": ""]).status == .badRequest)
            #expect(try await office.post("/schedules/cancel?unit=\(committee.id)", ["entry": String(entry.id), "reason": "Đoàn hoãn"]).status == .seeOther)
            let cancelled = try await h.browser().get("/lich/14551-UB?week=\(week.start)")
            #expect(cancelled.text.contains("Làm việc với đoàn kiểm tra") && cancelled.text.contains("Đã hủy"))
            // Another commune's office cannot touch it.
            let otherOffice = try await h.signIn("vanphong.giavan")
            #expect(try await otherOffice.post("/schedules/cancel?unit=\(committee.id)", ["entry": String(entry.id), "reason": "thử"]).status == .forbidden)
        }
    }

    /// A meeting between communes: the office drafts it and invites a unit, the chairman publishes,
    /// the invited committee hears of it and reports who attends (no one else sees it), the
    /// conclusions are recorded and one is given as a task; the week's workbook and print list it.
    @Test func aMeetingInvitesAUnitAndItsConclusionBecomesATask() async throws {
        try await Harness.run { h in
            let committee = try await h.unit(code: "14551-UB"), guest = try await h.unit(code: "14554-UB")
            let chair = try await h.personID("chutich.giahung"), guestLeader = try await h.personID("chutich.giavan")
            let office = try await h.signIn("vanphong.giahung"), chairman = try await h.signIn("chutich.giahung")
            let invited = try await h.signIn("chutich.giavan"), stranger = try await h.signIn("chutich.nhoquan")
            let week = DutyWeek(containing: h.services.today).next
            #expect(try await office.post("/schedules/entries?unit=\(committee.id)", ["day": week.start.description, "start": "14:00", "end": "16:00",
                                                                                       "content": "Hội nghị trực tuyến liên xã phòng chống rét",
                                                                                       "chair": String(chair)]).status == .seeOther)
            let entry = try #require(try await h.services.schedules.store.week(unitID: committee.id, week: week, publicOnly: false)
                .first { $0.content.hasPrefix("Hội nghị trực tuyến") })
            let edit = ["day": week.start.description, "start": "14:00", "end": "16:00", "content": entry.content, "chair": String(chair),
                        "agenda": "1. Dự báo rét đậm\n2. Phân công thường trực", "version": String(entry.version)]
            var outside = edit
            outside["units"] = "999999"
            #expect(try await office.post("/schedules/\(entry.id)/edit", outside).status == .badRequest)
            let vice = try #require(try await h.services.schedules.owners(in: [committee]).first { $0.title.hasPrefix("Phó Chủ tịch") })
            var outsider = edit
            outsider["participants"] = String(try await h.personID("chutich.giavan"))
            #expect(try await office.post("/schedules/\(entry.id)/edit", outsider).status == .badRequest)
            var invite = edit
            invite["units"] = String(guest.id)
            invite["participants"] = String(vice.personID)
            #expect(try await office.post("/schedules/\(entry.id)/edit", invite).status == .seeOther)
            // Editing against the version read before is refused, not silently applied.
            #expect(try await office.post("/schedules/\(entry.id)/edit", invite).status == .badRequest)
            // A draft is the office's own: the invited unit neither sees it nor hears of it yet.
            #expect(try await invited.get("/schedules/\(entry.id)").status == .notFound)
            #expect(try await h.services.notifications.store.inbox(personID: guestLeader).filter { $0.kind == .meetingInvitation }.isEmpty)
            #expect(try await chairman.post("/schedules/publish?unit=\(committee.id)", ["week": week.start.description]).status == .seeOther)
            let inbox = try await h.services.notifications.store.inbox(personID: guestLeader).filter { $0.kind == .meetingInvitation }
            #expect(inbox.count == 1 && inbox[0].link == "/schedules/\(entry.id)")
            #expect(try await h.services.notifications.store.inbox(personID: vice.personID).contains { $0.kind == .meetingInvitation })
            // A civil servant named among those taking part reads the entry the notification links to, and only reads it.
            let clerkID = try await h.personID("congchuc.giahung")
            let clerk = try await h.signIn("congchuc.giahung")
            #expect(try await clerk.get("/schedules/\(entry.id)").status == .notFound)
            let current = try #require(try await h.services.schedules.store.get(entry.id))
            var withClerk = current
            withClerk.participants = current.participants + [clerkID]
            _ = try await h.services.schedules.store.update(withClerk, version: current.version, by: .system)
            let read = try await clerk.get("/schedules/\(entry.id)")
            #expect(read.status == .ok && !read.text.contains("id=\"entry-edit\"") && !read.text.contains("id=\"conclusion-form\""))
            #expect(try await clerk.post("/schedules/\(entry.id)/conclusions", ["text": "Kết luận của người dự"]).status == .forbidden)
            #expect(try await office.get("/schedules/\(entry.id)").text.contains(vice.fullName))
            #expect(!(try await h.browser().get("/lich/14551-UB?week=\(week.start)")).text.contains(vice.fullName))
            let page = try await invited.get("/schedules/\(entry.id)")
            #expect(page.status == .ok && page.text.contains("1. Dự báo rét đậm") && page.text.contains("data-mark=\"\(guest.id)\""))
            #expect(!page.text.contains("id=\"entry-edit\""))  // the guest reports attendance, it does not edit the host's schedule
            #expect(try await stranger.get("/schedules/\(entry.id)").status == .notFound)
            #expect(try await invited.post("/schedules/\(entry.id)/attendance", ["unit": String(committee.id), "attendees": "Ai đó"]).status == .forbidden)
            #expect(try await invited.post("/schedules/\(entry.id)/attendance", ["unit": String(guest.id), "attendees": "Phó Chủ tịch UBND xã\nCông chức Địa chính",
                                                                                 "online": "1"]).status == .seeOther)
            #expect(try await office.get("/schedules/\(entry.id)").text.contains("Công chức Địa chính"))

            // The conclusions: recorded by the host, each given once as a task to someone of the meeting's units.
            #expect(try await office.post("/schedules/\(entry.id)/conclusions", ["text": "ok"]).status == .badRequest)
            #expect(try await office.post("/schedules/\(entry.id)/conclusions", ["text": "Xã Gia Vân che chắn chuồng trại trước đợt rét"]).status == .seeOther)
            let conclusion = try #require(try await h.services.schedules.meetings.conclusions(entryID: entry.id).first)
            let due = Day(Date().addingTimeInterval(7 * 86400), in: CivilTime.vietnam).description
            #expect(try await invited.post("/schedules/\(entry.id)/conclusions/\(conclusion.id)/task", ["owner": String(guestLeader), "due": due]).status == .forbidden)
            let past = try await office.post("/schedules/\(entry.id)/conclusions/\(conclusion.id)/task", ["owner": String(guestLeader), "due": "2020-01-01"])
            #expect(past.status == .badRequest && past.text.contains("Hạn không được trước hôm nay"))
            let notOurs = try await h.personID("chutich.nhoquan")
            #expect(try await office.post("/schedules/\(entry.id)/conclusions/\(conclusion.id)/task", ["owner": String(notOurs), "due": due]).status == .badRequest)
            #expect(try await office.post("/schedules/\(entry.id)/conclusions/\(conclusion.id)/task", ["owner": String(guestLeader), "due": due]).status == .seeOther)
            let taskID = try #require(try await h.services.schedules.meetings.conclusions(entryID: entry.id).first?.taskID)
            let task = try #require(try await h.services.tasks.tasks.get(taskID)).task
            #expect(task.ownerID == guestLeader && task.assignerID == chair && task.source.kind == .meeting && task.unitID == guest.id)
            let again = try await office.post("/schedules/\(entry.id)/conclusions/\(conclusion.id)/task", ["owner": String(guestLeader), "due": due])
            #expect(again.status == .badRequest && again.text.contains("đã được giao thành nhiệm vụ"))

            // The week as a workbook and on A4, with the invited unit named.
            let book = try await office.get("/schedules/week.xlsx?unit=\(committee.id)&week=\(week.start)")
            let rows = try WorkbookReader(Data(book.body.readableBytesView)).sheets[0].rows
            #expect(rows.contains { $0.contains("Hội nghị trực tuyến liên xã phòng chống rét") && $0.contains(guest.name) })
            let print = try await office.get("/schedules/print?unit=\(committee.id)&week=\(week.start)")
            #expect(print.status == .ok && print.text.contains("id=\"schedule-print\"") && print.text.contains(guest.name))
            #expect(try await stranger.get("/schedules/print?unit=\(committee.id)").status == .forbidden)
            // The weekly meeting pack gathers the other features' figures for the committee.
            let pack = try await chairman.get("/schedules/pack?unit=\(committee.id)")
            #expect(pack.status == .ok && pack.text.contains("id=\"pack-attendance\"") && pack.text.contains("id=\"pack-overdue-tasks\"")
                    && pack.text.contains("id=\"pack-books\"") && pack.text.contains("Phòng Kinh tế"))
            #expect(try await stranger.get("/schedules/pack?unit=\(committee.id)").status == .forbidden)
        }
    }

    /// The reception log: the office records a reception with a follow-up task (bad input told in
    /// Vietnamese), settles it against the version it read; an inspector reads it without the
    /// citizens' identities, a civil servant not at all; the workbook follows the same rule.
    @Test func theReceptionLogKeepsCitizensPrivate() async throws {
        try await Harness.run { h in
            let committee = try await h.unit(code: "14551-UB")
            let chair = try await h.personID("chutich.giahung"), clerk = try await h.personID("congchuc.giahung")
            _ = try await InspectionDemo.team(h.services)
            let office = try await h.signIn("vanphong.giahung"), inspector = try await h.signIn("thanhtra"), servant = try await h.signIn("congchuc.giahung")
            let url = "/reception?unit=\(committee.id)"
            #expect(try await office.get(url).text.contains("id=\"reception-form\""))
            let form = ["day": h.services.today.description, "receiver": String(chair), "citizen_name": "Nguyễn Văn Hòa", "citizen_address": "Thôn Trung",
                        "citizen_id": "123", "content": "Khiếu nại việc đo đạc ranh giới thửa đất", "classification": "complaint", "handling": "received",
                        "follow_up": "1", "owner": String(clerk), "due": Day(Date().addingTimeInterval(10 * 86400), in: CivilTime.vietnam).description]
            let bad = try await office.post(url, form)
            #expect(bad.status == .badRequest && bad.text.contains("Số định danh gồm 9 hoặc 12 chữ số") && bad.text.contains("Nguyễn Văn Hòa"))
            var good = form
            good["citizen_id"] = "037190001234"
            #expect(try await office.post(url, good).status == .seeOther)
            let entry = try #require(try await h.services.schedules.receptions.list(unitIDs: [committee.id], from: h.services.today, to: h.services.today).first)
            let followUpID = try #require(entry.taskID)
            let task = try #require(try await h.services.tasks.tasks.get(followUpID)).task
            #expect(task.ownerID == clerk && task.source.recordType == "reception_log")
            let kept = try await office.get(url)
            #expect(kept.text.contains("Nguyễn Văn Hòa") && kept.text.contains("037190001234"))
            let read = try await inspector.get(url)
            #expect(read.status == .ok && !read.text.contains("Nguyễn Văn Hòa") && !read.text.contains("037190001234") && read.text.contains("N***"))
            #expect(!read.text.contains("id=\"reception-form\""))
            #expect(try await inspector.post(url, good).status == .forbidden)
            #expect(try await servant.get(url).status == .forbidden)
            for (who, shows) in [(office, true), (inspector, false)] {
                let book = try await who.get("/reception/log.xlsx?unit=\(committee.id)")
                let rows = try WorkbookReader(Data(book.body.readableBytesView)).sheets[0].rows
                #expect(rows.contains { $0.contains("Khiếu nại việc đo đạc ranh giới thửa đất") })
                #expect(rows.contains { $0.contains("Nguyễn Văn Hòa") } == shows)
            }
            let settle = "/reception/\(entry.id)/result?unit=\(committee.id)"
            #expect(try await inspector.post(settle, ["result": "Đã trả lời", "result_day": h.services.today.description, "version": "1"]).status == .forbidden)
            #expect(try await office.post(settle, ["result": "Đã đo đạc lại, trả lời công dân", "result_day": h.services.today.description,
                                                   "version": "1"]).status == .seeOther)
            let stale = try await office.post(settle, ["result": "Lần nữa", "result_day": h.services.today.description, "version": "1"])
            #expect(stale.status == .badRequest && stale.text.contains("tải lại trang"))
            #expect(try await office.get(url).text.contains("Đã đo đạc lại, trả lời công dân"))
        }
    }

    /// A counter's notices: written by its office as lines (a bad line named), read by citizens on
    /// a phone and printed as the poster with QR codes; another commune's office cannot touch them.
    @Test func aCounterPostsItsDaysAndHotlines() async throws {
        try await Harness.run { h in
            let centre = try await h.unit(code: "14551-TTHCC")
            let office = try await h.signIn("vanphong.giahung"), other = try await h.signIn("vanphong.giavan")
            let url = "/counters/notices?unit=\(centre.id)"
            #expect(try await office.get(url).status == .ok)
            let lines = "Đất đai | 7h30–11h30, 13h30–17h | Thứ Hai, thứ Tư | Thứ Ba, thứ Năm\nHộ tịch | 7h30–17h | Hằng ngày"
            let bad = try await office.post(url, ["notices": lines, "hotlines": "Nguyễn Văn Hùng | Chủ tịch UBND xã | 0912 551 001"])
            #expect(bad.status == .badRequest && bad.text.contains("Dòng 2 chưa đúng"))
            let badPhone = try await office.post(url, ["notices": "Đất đai | 7h30–17h | Thứ Hai | Thứ Ba", "hotlines": "Nguyễn Văn Hùng | Chủ tịch UBND xã | 123"])
            #expect(badPhone.status == .badRequest && badPhone.text.contains("Dòng 1 của đường dây nóng"))
            #expect(try await office.post(url, ["notices": lines + " | Trong ngày", "hotlines": "Nguyễn Văn Hùng | Chủ tịch UBND xã | 0912 551 001"]).status == .seeOther)
            #expect(try await other.post(url, ["notices": "", "hotlines": ""]).status == .forbidden)
            let board = try await h.browser().get("/niem-yet/14551-TTHCC")
            #expect(board.status == .ok && board.text.contains("Thứ Ba, thứ Năm") && board.text.contains("tel:0912 551 001") && board.text.contains("/lich/14551-UB"))
            let poster = try await h.browser().get("/niem-yet/14551-TTHCC/poster")
            #expect(poster.status == .ok && poster.text.components(separatedBy: "<svg").count == 6)  // the notices, tracking, feedback, the survey, the schedule
            #expect(try await h.browser().get("/niem-yet/khong-co").status == .notFound)
            #expect(try await h.services.schedules.notices.board(unitID: centre.id).notices.count == 2)
        }
    }

    /// Where each leader is now, on the public door board; each leader's own feed; the morning's
    /// reception check raising a shortfall once to the office and the level above.
    @Test func theDoorShowsLeadersAndTheMorningWarnsOfReceptionOnce() async throws {
        try await Harness.run { h in
            let committee = try await h.unit(code: "14551-UB")
            let chair = try await h.personID("chutich.giahung"), vice = try await h.personID("congchuc.giahung")
            let store = h.services.schedules.store
            let today = h.services.today
            for (who, content) in [(chair, "Làm việc với Đoàn kiểm tra của tỉnh"), (vice, "Dự tập huấn chuyển đổi số")] {
                let e = try ScheduleDraft(day: today.description, start: "00:00", end: "23:59", content: content, place: "Hội trường UBND xã", chairID: who)
                    .validate(unitID: committee.id)
                _ = try await store.create(e, by: .system)
            }
            try await store.publish(unitID: committee.id, week: DutyWeek(containing: today), by: .system)
            let door = try await h.browser().get("/door/14551-UB")
            #expect(door.status == .ok && door.text.contains("id=\"door-leaders\"") && door.text.contains("Làm việc với Đoàn kiểm tra của tỉnh"))
            let feed = try await h.browser().get("/lich/14551-UB/lich.ics?chair=\(chair)")
            #expect(feed.text.contains("Làm việc với Đoàn kiểm tra của tỉnh") && !feed.text.contains("Dự tập huấn chuyển đổi số"))
            // The morning: the chairman has no reception day ahead, so the office and the province hear once.
            let raised = try await h.services.schedules.warnReceptionShortfalls()
            #expect(raised > 0)
            #expect(try await h.services.schedules.warnReceptionShortfalls() == 0)
            let officeInbox = try await h.services.notifications.store.inbox(personID: try await h.personID("vanphong.giahung"))
            #expect(officeInbox.contains { $0.kind == .receptionShort && $0.link == "/schedules?unit=\(committee.id)" })
        }
    }

    /// The API by the pages' rules: the week for those who keep the schedule, reception counts
    /// without anyone's identity; others are refused with a JSON error.
    @Test func theAPIGivesTheWeekAndTheReceptionCounts() async throws {
        try await Harness.run { h in
            let committee = try await h.unit(code: "14551-UB")
            let chair = try await h.personID("chutich.giahung")
            let today = h.services.today
            let entry = try ScheduleDraft(day: today.description, start: "07:30", end: "11:30", content: "Tiếp công dân định kỳ", chairID: chair, reception: true)
                .validate(unitID: committee.id)
            _ = try await h.services.schedules.store.create(entry, by: .system)
            let record = try ReceptionRecord(day: today, receiverID: chair, citizenName: "Nguyễn Văn Hòa", content: "Kiến nghị sửa đường thôn 3",
                                             classification: .petition, handling: .received).validated(today: today)
            _ = try await h.services.schedules.receptions.add(record, unitID: committee.id, by: .system)
            func token(_ username: String) async throws -> String {
                let user = try #require(try await h.services.accounts.byUsername(username))
                return try await h.services.accounts.issueAPIToken(userID: user.id, name: "api", by: .system)
            }
            let office = try await token("vanphong.giahung"), servant = try await token("congchuc.giahung")
            let b = h.browser()
            let week = try await b.request("/api/v1/schedules?unit=\(committee.id)&week=\(today)", headers: [.authorization: "Bearer \(office)"])
            #expect(week.status == .ok && week.text.contains("\"status\":\"draft\"") && week.text.contains("Tiếp công dân định kỳ"))
            let refused = try await b.request("/api/v1/schedules?unit=\(committee.id)", headers: [.authorization: "Bearer \(servant)"])
            #expect(refused.status == .forbidden && refused.text.contains("\"code\""))
            let counts = try await b.request("/api/v1/reception/counts?unit=\(committee.id)&from=\(today)&to=\(today)", headers: [.authorization: "Bearer \(office)"])
            #expect(counts.status == .ok && counts.text.contains("\"citizens\":1") && counts.text.contains("\"petition\":1"))
            #expect(!counts.text.contains("Nguyễn Văn Hòa"))
        }
    }

    /// The office sets the chairman's regular reception day (bad input told beside its own form),
    /// drafts a week's session from it, and ends it.
    @Test func theOfficeKeepsRegularReceptionDays() async throws {
        try await Harness.run { h in
            let committee = try await h.unit(code: "14551-UB")
            let chair = try await h.personID("chutich.giahung")
            let office = try await h.signIn("vanphong.giahung")
            let week = DutyWeek(containing: h.services.today).next.next
            let url = "/schedules/reception-days?unit=\(committee.id)&week=\(week.start)"
            let bad = try await office.post(url, ["chair": String(chair), "weekday": "3", "nth": "0", "start": "11:30", "end": "07:30"])
            #expect(bad.status == .badRequest && bad.text.contains("Giờ kết thúc phải sau giờ bắt đầu") && bad.text.contains("value=\"11:30\""))
            #expect(try await office.post(url, ["chair": String(chair), "weekday": "3", "nth": "0", "start": "07:30", "end": "11:30",
                                                "place": "Phòng tiếp công dân"]).status == .seeOther)
            let page = try await office.get("/schedules?unit=\(committee.id)&week=\(week.start)")
            #expect(page.text.contains("Thứ Tư hằng tuần") && page.text.contains("id=\"draft-receptions\""))
            #expect(try await office.post("/schedules/reception-days/draft?unit=\(committee.id)", ["week": week.start.description]).status == .seeOther)
            let entries = try await h.services.schedules.store.week(unitID: committee.id, week: week, publicOnly: false).filter(\.reception)
            let calendar = try #require(try await h.services.shared.workCalendar(unitID: committee.id))
            let wednesday = week.days()[2]
            #expect(entries.map(\.day) == (calendar.isWorkingDay(wednesday) ? [wednesday] : []))
            let rule = try #require(try await h.services.schedules.store.regularReceptionDays(unitID: committee.id, inForceFrom: h.services.today).first)
            #expect(try await office.post("/schedules/reception-days/end?unit=\(committee.id)", ["rule": String(rule.id)]).status == .seeOther)
            #expect(try await h.services.schedules.store.regularReceptionDays(unitID: committee.id, inForceFrom: h.services.today.next).isEmpty)
            let other = try await h.signIn("vanphong.giavan")
            #expect(try await other.post("/schedules/reception-days?unit=\(committee.id)", ["chair": String(chair), "weekday": "3", "start": "07:30",
                                                                                           "end": "11:30"]).status == .forbidden)
        }
    }

    /// On a private Jitsi each viewer of a meeting joins with a token of their own, which a real
    /// verifier (Python's PyJWT) accepts with the shared secret: the room, the person, moderator
    /// for the host's office only; a wrong secret is refused.
    @Test func aPrivateJitsiGivesEachViewerTheirOwnToken() async throws {
        try await Harness.run(configure: { config in
            config.meetingBaseURL = "https://meet.giahung.example.vn"
            config.meetingJWTAppID = "congvu"
            config.meetingJWTSecret = "bi-mat-cua-jitsi"
        }) { h in
            let committee = try await h.unit(code: "14551-UB"), guest = try await h.unit(code: "14554-UB")
            let chair = try await h.personID("chutich.giahung")
            let week = DutyWeek(containing: h.services.today).next
            var entry = try ScheduleDraft(day: week.start.description, start: "14:00", end: "16:00", content: "Họp trực tuyến liên xã", chairID: chair,
                                          meetingURL: "https://meet.giahung.example.vn/congvu-0123456789abcdef0123456789abcdef",
                                          participantUnits: [guest.id]).validate(unitID: committee.id)
            entry = try await h.services.schedules.store.create(entry, by: .system)
            try await h.services.schedules.store.publish(unitID: committee.id, week: week, by: .system)
            func token(_ username: String) async throws -> String {
                let page = try await (try await h.signIn(username)).get("/schedules/\(entry.id)")
                let href = try #require(page.text.components(separatedBy: "id=\"meeting-join\"").first?.components(separatedBy: "href=\"").last)
                return try #require(href.components(separatedBy: "?jwt=").last?.components(separatedBy: "\"").first)
            }
            func verify(_ jwt: String, secret: String) throws -> (Int32, String) {
                let script = """
                    import jwt, sys, json
                    claims = jwt.decode(sys.argv[1], sys.argv[2], algorithms=["HS256"], audience="jitsi", issuer="congvu")
                    print(json.dumps([claims["sub"], claims["room"], claims["context"]["user"]["name"], claims["context"]["user"]["moderator"]], ensure_ascii=False))
                    """
                let run = Process()
                run.executableURL = URL(fileURLWithPath: "/usr/bin/env")
                run.arguments = ["python3", "-c", script, jwt, secret]
                let out = Pipe()
                run.standardOutput = out
                run.standardError = Pipe()
                try run.run()
                let data = out.fileHandleForReading.readDataToEndOfFile()
                run.waitUntilExit()
                return (run.terminationStatus, String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
            }
            let host = try verify(try await token("vanphong.giahung"), secret: "bi-mat-cua-jitsi")
            #expect(host.0 == 0)
            #expect(host.1.hasPrefix("[\"meet.giahung.example.vn\", \"congvu-0123456789abcdef0123456789abcdef\"") && host.1.hasSuffix("true]"))
            let guestToken = try await token("chutich.giavan")
            let invited = try verify(guestToken, secret: "bi-mat-cua-jitsi")
            #expect(invited.0 == 0 && invited.1.hasSuffix("false]"))
            #expect(try verify(guestToken, secret: "mot-bi-mat-khac").0 != 0)
            // The public week never carries a token, nor the room.
            let open = try await h.browser().get("/lich/14551-UB?week=\(week.start)")
            #expect(open.text.contains("Họp trực tuyến liên xã") && !open.text.contains("jwt=") && !open.text.contains("congvu-0123456789"))
            let feed = try await h.browser().get("/lich/14551-UB/lich.ics")
            #expect(feed.text.contains("Họp trực tuyến liên xã") && !feed.text.contains("congvu-0123456789"))
        }
    }
}
