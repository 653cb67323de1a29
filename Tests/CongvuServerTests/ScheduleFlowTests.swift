import CongvuDomain
import CongvuServer
import CongvuStore
import CongvuTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
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
}
