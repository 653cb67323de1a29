import CongvuDomain
import CongvuStore
import Foundation

/// The demo's schedules (issue 22), so every page shows something true at once: the three
/// communes' committees have the last three weeks and this one published (a Monday briefing, a
/// site visit away from the office, the chairman's reception day drafted from his regular day; one
/// entry adjusted after publication), next week published and the week after drafted for the
/// chairman to publish. Gia Hưng's next week has no reception day (the page and the morning warn);
/// last week it held an online meeting with the two neighbouring committees, which reported who
/// attended; of its conclusions one became a task. Its reception log has the sessions' citizens,
/// some settled, one with a follow-up task; the three counters post their hours, receiving and
/// returning days and hotlines.
enum ScheduleDemo {
    static let actor = Actor(id: nil, name: "demo")

    static func load(_ services: AppServices, now: Date = Date()) async throws {
        guard let committee = try await services.units.byCode("14551-UB"),
              let chair = try await services.accounts.byUsername("chutich.giahung")?.personID,
              let calendar = try await services.shared.workCalendar(unitID: committee.id) else { return }
        let schedules = services.schedules
        let today = Day(now, in: CivilTime.vietnam)
        let neighbours = [try await services.units.byCode("14554-UB"), try await services.units.byCode("14557-UB")].compactMap { $0 }
        let (receptions, lastWeekMeeting) = try await weeks(services, unit: committee, chair: chair, calendar: calendar, weekday: 3, today: today, now: now,
                                                            skipReception: 4, neighbours: neighbours)
        // The neighbours' chairmen receive on Tuesdays and Thursdays every week; Gia Hưng's on Wednesdays.
        for (code, key, weekday) in [("14554", "giavan", 2), ("14557", "nhoquan", 4)] {
            guard let unit = try await services.units.byCode("\(code)-UB"), let person = try await services.accounts.byUsername("chutich.\(key)")?.personID,
                  let unitCalendar = try await services.shared.workCalendar(unitID: unit.id) else { continue }
            _ = try await weeks(services, unit: unit, chair: person, calendar: unitCalendar, weekday: weekday, today: today, now: now)
        }
        if let meeting = lastWeekMeeting {
            for (unit, names) in zip(neighbours, [["Phó Chủ tịch UBND xã", "Công chức Địa chính - Nông nghiệp"], ["Chủ tịch UBND xã", "Công chức Văn phòng - Thống kê"]]) {
                try await schedules.meetings.mark(entryID: meeting.id, unitID: unit.id, attendees: names, online: true, by: actor, at: now)
            }
            let staff = try await schedules.owners(in: [committee])
            let first = try await schedules.meetings.conclude(entryID: meeting.id, text: "Các xã rà soát, hoàn thành che chắn chuồng trại cho đàn trâu, bò trước đợt rét.",
                                                              by: actor, at: now)
            _ = try await schedules.meetings.conclude(entryID: meeting.id, text: "Duy trì thường trực phòng, chống thiên tai 24/24 giờ trong các ngày rét đậm.",
                                                      by: actor, at: now)
            if let owner = staff.first(where: { $0.unitName == "Phòng Kinh tế" && $0.isLeader }) ?? staff.first {
                let due = try calendar.addingWorkingDays(5, to: today)
                let task = WorkTask(unitID: owner.unitID, year: today.year, title: first.text, content: meeting.content + "\n\n" + first.text,
                                    source: TaskSource(kind: .meeting, reference: meeting.content, date: meeting.day, recordType: "meeting_conclusion", recordID: first.id),
                                    assignerID: chair, ownerID: owner.personID, assignedAt: now, due: due)
                _ = try await schedules.meetings.handOn(conclusionID: first.id, as: task, by: actor)
            }
        }
        try await log(services, committee: committee, chair: chair, sessions: receptions, today: today, now: now)
        try await counters(services, now: now)
    }

    /// A committee's weeks from three weeks ago to the week after next: a Monday briefing and a site
    /// visit away each week, the chairman's regular reception day drafted from its rule (not in week
    /// `skipReception`), and with `neighbours` an online meeting with them last week. Published up to
    /// next week; this week's site visit moved after publication. Returns the past reception
    /// sessions and the meeting.
    static func weeks(_ services: AppServices, unit: OrgUnit, chair: Int64, calendar: WorkCalendar, weekday: Int, today: Day, now: Date,
                      skipReception: Int? = nil, neighbours: [OrgUnit] = []) async throws -> ([ScheduleEntry], ScheduleEntry?) {
        let schedules = services.schedules, store = schedules.store
        let thisWeek = DutyWeek(containing: today)
        var week = thisWeek.previous.previous.previous
        try await store.addReceptionDay(ReceptionDay(unitID: unit.id, chairID: chair, weekday: weekday, start: ClockTime(hour: 7, minute: 30)!,
                                                     end: ClockTime(hour: 11, minute: 30)!, place: "Phòng tiếp công dân", validFrom: week.start), by: actor)
        var receptions: [ScheduleEntry] = []
        var meeting: ScheduleEntry?
        for n in 0..<6 {
            defer { week = week.next }
            let days = week.days().filter { calendar.isWorkingDay($0) }
            guard days.count >= 3 else { continue }
            var created: [ScheduleEntry] = []
            for (day, start, end, content, place, away) in [
                (days[0], "07:30", "09:00", "Giao ban UBND xã, đánh giá công việc tuần", "Phòng họp UBND xã", false),
                (days[1], "08:00", "11:00", "Kiểm tra tiến độ làm đường giao thông nông thôn thôn \(n + 1)", "Thôn \(n + 1)", true),
            ] {
                let entry = try ScheduleDraft(day: day.description, start: start, end: end, content: content, place: place, chairID: chair, away: away)
                    .validate(unitID: unit.id)
                created.append(try await store.create(entry, by: actor, at: now))
            }
            if n != skipReception {
                created += try await store.draftReceptions(unitID: unit.id, week: week, calendar: calendar, content: "Chủ tịch UBND xã tiếp công dân định kỳ",
                                                           by: actor)
            }
            if n == 2, days.count >= 4, !neighbours.isEmpty {
                let room = MeetingRoom.url(base: schedules.config.meetingBaseURL ?? "https://meet.jit.si", random: (0..<16).map { _ in UInt8.random(in: 0...255) }) ?? ""
                let draft = try ScheduleDraft(day: days[3].description, start: "14:00", end: "16:30",
                                              content: "Hội nghị trực tuyến liên xã triển khai phòng, chống rét đậm, rét hại cho cây trồng, vật nuôi",
                                              place: "Phòng họp trực tuyến \(unit.name)", chairID: chair, meetingURL: room,
                                              agenda: "1. Tình hình thời tiết và dự báo rét đậm\n2. Phương án bảo vệ mạ xuân và đàn gia súc\n3. Phân công thường trực",
                                              participantUnits: neighbours.map(\.id)).validate(unitID: unit.id)
                meeting = try await store.create(draft, by: actor, at: now)
            }
            guard n < 5 else { continue }  // the week after next stays drafted
            try await store.publish(unitID: unit.id, week: week, by: actor, at: now)
            receptions += created.filter(\.reception).filter { $0.day < today }
            // This week's site visit moved to the afternoon after publication: shown as an adjustment.
            if n == 3, var moved = try await store.get(created[1].id) {
                moved.start = ClockTime(hour: 14, minute: 0)!
                moved.end = ClockTime(hour: 16, minute: 30)!
                _ = try await store.update(moved, version: moved.version, by: actor, at: now)
            }
        }
        return (receptions, meeting)
    }

    /// Citizens received at the chairman's past sessions: two or three each, some settled.
    static func log(_ services: AppServices, committee: OrgUnit, chair: Int64, sessions: [ScheduleEntry], today: Day, now: Date) async throws {
        let cases: [(String, String, String, ReceptionRecord.Classification, ReceptionRecord.Handling, String)] = [
            ("Nguyễn Văn Hòa", "Thôn Trung", "Đề nghị cấp giấy chứng nhận quyền sử dụng đất cho thửa đất ở đã sử dụng ổn định từ năm 1990.", .petition, .received, ""),
            ("Trần Thị Mai", "Thôn Đông", "Phản ánh đường điện chiếu sáng thôn Đông hỏng nhiều ngày chưa được sửa.", .reflection, .answered, ""),
            ("Phạm Văn Tuấn", "Thôn 3", "Khiếu nại việc đo đạc ranh giới thửa đất khi làm đường giao thông nông thôn.", .complaint, .received, ""),
            ("Lê Thị Hạnh", "Thôn Bắc", "Hỏi thủ tục hưởng trợ cấp xã hội cho người cao tuổi.", .petition, .guided, ""),
            ("Đinh Văn Khánh", "Thôn Nam", "Kiến nghị về việc xây dựng lấn chiếm hành lang kênh tưới của hộ liền kề.", .reflection, .forwarded, "Công an xã Gia Hưng"),
        ]
        let store = services.schedules.receptions
        let officer = try await services.tasks.staff(of: [committee]).first { !$0.isLeader }
        for (i, session) in sessions.enumerated() {
            for k in 0..<(2 + i % 2) {
                let c = cases[(i * 2 + k) % cases.count]
                let record = try ReceptionRecord(day: session.day, receiverID: chair, citizenName: c.0, citizenAddress: "\(c.1), xã Gia Hưng", content: c.2,
                                                 classification: c.3, handling: c.4, forwardedTo: c.5).validated(today: today)
                var followUp: WorkTask?
                if c.3 == .complaint, let officer, let calendar = try await services.shared.workCalendar(unitID: officer.unitID) {
                    followUp = WorkTask(unitID: officer.unitID, year: today.year, title: "Kiểm tra, trả lời khiếu nại về ranh giới thửa đất", content: c.2,
                                        assignerID: chair, ownerID: officer.personID, assignedAt: now, due: try calendar.addingWorkingDays(10, to: session.day))
                }
                let entry = try await store.add(record, unitID: committee.id, followUp: followUp, by: actor, at: now)
                if c.4 == .answered || (c.4 == .guided && session.day < today) {
                    try await store.settle(entry.id, result: "Đã trả lời, hướng dẫn công dân tại buổi tiếp.", on: session.day, version: entry.version, today: today, by: actor)
                }
            }
        }
    }

    /// The communes' counters post their fields' hours and days, and the hotline board; the committees their hotlines.
    static func counters(_ services: AppServices, now: Date) async throws {
        let hours = "Sáng 7h30–11h30, chiều 13h30–17h00, thứ Hai đến thứ Sáu"
        let notices = [
            CounterNotice(field: "Đất đai", workingHours: hours, receivingDays: "Thứ Hai, thứ Tư, thứ Sáu", returningDays: "Thứ Ba, thứ Năm"),
            CounterNotice(field: "Hộ tịch", workingHours: hours, receivingDays: "Các ngày làm việc trong tuần", returningDays: "Các ngày làm việc trong tuần"),
            CounterNotice(field: "Chứng thực", workingHours: hours + "; sáng thứ Bảy", receivingDays: "Các ngày làm việc và sáng thứ Bảy", returningDays: "Trong ngày"),
            CounterNotice(field: "Lao động, thương binh và xã hội", workingHours: hours, receivingDays: "Thứ Hai đến thứ Năm", returningDays: "Thứ Sáu"),
        ]
        for (code, phone) in [("14551", "0912 551 001"), ("14554", "0912 554 001"), ("14557", "0912 557 001")] {
            guard let centre = try await services.units.byCode("\(code)-TTHCC"), let committee = try await services.units.byCode("\(code)-UB") else { continue }
            let leaders = try await services.schedules.posts(committee).filter(\.isLeader).sorted { ($0.title.hasPrefix("Chủ tịch") ? 0 : 1) < ($1.title.hasPrefix("Chủ tịch") ? 0 : 1) }
            var hotlines = leaders.prefix(2).enumerated().map { i, l in Hotline(name: l.fullName, title: l.title, phone: i == 0 ? phone : "0912 \(code.suffix(3)) 002") }
            hotlines.append(Hotline(name: "Bộ phận Một cửa", title: "Trung tâm Phục vụ hành chính công", phone: "0229 3865 \(code.suffix(3))"))
            try await services.schedules.notices.save(unitID: centre.id, notices: notices, hotlines: hotlines, by: actor)
            // The committee's own board: its leaders' hotlines, beside its office hours.
            try await services.schedules.notices.save(unitID: committee.id, notices: [], hotlines: Array(hotlines.prefix(2)), by: actor)
        }
    }
}
