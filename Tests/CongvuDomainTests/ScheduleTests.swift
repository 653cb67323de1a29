import CongvuDomain
import Foundation
import Testing

/// Issue 22's rules: schedule entries (checked, compared, overlapping, excusing), the citizen
/// reception minimum over weeks with holidays, the reception log, meeting rooms, and the iCalendar
/// feed read back by a real parser.
@Suite struct ScheduleTests {
    let calendar = WorkCalendar(hours: .ngheAn, specialDays: HolidayRules.proposals(year: 2026) + HolidayRules.proposals(year: 2027), years: 2026...2027)
    func day(_ s: String) -> Day { Day(s)! }
    func time(_ s: String) -> ClockTime { ClockTime(s)! }

    @Test func draftsAreCheckedFieldByField() throws {
        let entry = try ScheduleDraft(day: "2026-12-08", start: "8:00", end: "11:30", content: "  Họp  giao ban UBND xã ", place: "Phòng họp",
                                      chairID: 7, meetingURL: "https://meet.example.vn/congvu-ab").validate(unitID: 3)
        #expect(entry.content == "Họp giao ban UBND xã" && entry.start == time("08:00") && entry.status == .draft && entry.sequence == 0)
        func errors(_ d: ScheduleDraft) -> [String] {
            do { _ = try d.validate(unitID: 3); return [] } catch let e as ValidationErrors { return e.errors.map { "\($0.field):\($0.key)" } } catch { return ["?"] }
        }
        #expect(errors(ScheduleDraft(day: "2026-13-01", start: "8h", end: "11:30", content: "")) == ["day:date_invalid", "start:time_invalid", "content:required"])
        #expect(errors(ScheduleDraft(day: "2026-12-08", start: "14:00", end: "13:30", content: "Họp")) == ["end:schedule_end_before_start"])
        #expect(errors(ScheduleDraft(day: "2026-12-08", start: "14:00", end: "14:00", content: "Họp")) == ["end:schedule_end_before_start"])
        #expect(errors(ScheduleDraft(day: "2026-12-08", start: "14:00", end: "15:00", content: "Họp", meetingURL: "http://x.vn/a")) == ["meeting_url:schedule_link_invalid"])
    }

    @Test func anEntryKnowsItsHoursItsChangesAndItsExcuse() throws {
        var entry = ScheduleEntry(id: 5, unitID: 3, day: day("2026-12-08"), start: time("08:00"), end: time("11:00"), content: "Kiểm tra thực địa",
                                  place: "Thôn 3", chairID: 7, away: true, status: .published, sequence: 1)
        #expect(!entry.outsideHours(calendar))
        var evening = entry
        evening.start = time("18:00")
        evening.end = time("20:00")
        #expect(evening.outsideHours(calendar))
        var saturday = entry
        saturday.day = day("2026-12-12")
        #expect(saturday.outsideHours(calendar))
        var moved = entry
        moved.start = time("09:00")
        moved.place = "Thôn 5"
        #expect(ScheduleEntry.changes(from: entry, to: moved) == ["time", "place"])
        #expect(ScheduleEntry.changes(from: entry, to: entry).isEmpty)
        // Published and away: the chair is excused for its time, as by an approved notice.
        let excuse = try #require(entry.excuse)
        #expect(excuse.from == Instant.parseLocal("2026-12-08 08:00")! && excuse.to == Instant.parseLocal("2026-12-08 11:00")!)
        let state = Presence.now(Instant.parseLocal("2026-12-08 09:30")!, day: entry.day, punches: [], excuses: [excuse], calendar: calendar,
                                 policy: AttendancePolicy()).state
        #expect(state == .onNotice)
        entry.status = .draft
        #expect(entry.excuse == nil)
        entry.status = .published
        entry.away = false
        #expect(entry.excuse == nil)
    }

    @Test func overlappingEntriesOfOneLeaderAreFound() {
        func e(_ chair: Int64?, _ from: String, _ to: String, _ d: String = "2026-12-08", status: ScheduleEntry.Status = .published) -> ScheduleEntry {
            ScheduleEntry(unitID: 3, day: day(d), start: time(from), end: time(to), content: "x", chairID: chair, status: status)
        }
        let entries = [e(7, "08:00", "10:00"), e(7, "09:30", "11:00"), e(8, "09:00", "10:00"), e(7, "10:00", "11:00"), e(7, "08:30", "09:00", "2026-12-09"),
                       e(7, "08:00", "09:00", status: .cancelled), e(nil, "08:00", "11:00")]
        // 0 and 1 overlap; 1 and 3 overlap; 0 and 3 only touch; another day, another leader, a cancelled one and no chair do not count.
        #expect(ScheduleEntry.overlaps(entries).map { [$0.0, $0.1] } == [[0, 1], [1, 3]])
    }

    @Test func theReceptionMinimumIsCheckedWeekByWeekAroundHolidays() {
        let rules = ReceptionRule.law2013
        #expect(ReceptionRule.inForce(rules, role: .communeChairman, on: day("2026-12-08"))?.per == .week)
        // Four weeks of December 2026: receptions on the 3rd and the 17th only.
        let short = ReceptionCheck.shortfalls(receptionDays: [day("2026-12-03"), day("2026-12-17")], role: .communeChairman, rules: rules,
                                              from: day("2026-11-30"), to: day("2026-12-27"), calendar: calendar)
        #expect(short.map(\.first) == [day("2026-12-07"), day("2026-12-21")])
        #expect(short.allSatisfy { $0.required == 1 && $0.scheduled == 0 })
        // A week without a working day asks nothing; two days in one week count once toward another week.
        let tet = WorkCalendar(hours: .ngheAn, specialDays: (15...19).map { SpecialDay(day: Day(year: 2027, month: 2, day: $0)!, kind: .holiday, name: "Tết") },
                               years: 2027...2027)
        #expect(ReceptionCheck.shortfalls(receptionDays: [day("2027-02-08"), day("2027-02-09"), day("2027-02-22")], role: .communeChairman, rules: rules,
                                          from: day("2027-02-08"), to: day("2027-02-28"), calendar: tet).isEmpty)
        // A province chairman: one day a month.
        let months = ReceptionCheck.shortfalls(receptionDays: [day("2026-10-15")], role: .provinceChairman, rules: rules, from: day("2026-10-01"),
                                               to: day("2026-11-30"), calendar: calendar)
        #expect(months == [ReceptionShortfall(first: day("2026-11-01"), last: day("2026-11-30"), required: 1, scheduled: 0)])
        // An amendment is a new dated rule: from 2027 a commune chairman twice a week (a made-up change).
        let amended = rules + [ReceptionRule(role: .communeChairman, days: 2, per: .week, validFrom: day("2027-01-04"), reference: "giả định")]
        let after = ReceptionCheck.shortfalls(receptionDays: [day("2026-12-29"), day("2027-01-05")], role: .communeChairman, rules: amended,
                                              from: day("2026-12-28"), to: day("2027-01-10"), calendar: calendar)
        #expect(after == [ReceptionShortfall(first: day("2027-01-04"), last: day("2027-01-10"), required: 2, scheduled: 1)])
    }

    @Test func theReceptionLogIsChecked() throws {
        let r = try ReceptionRecord(day: day("2026-12-08"), receiverID: 7, citizenName: " Nguyễn  Văn An ", citizenID: "037 190 001 234",
                                    content: "Kiến nghị sửa đường thôn 3", classification: .petition, handling: .received).validated(today: day("2026-12-08"))
        #expect(r.citizenName == "Nguyễn Văn An" && r.citizenID == "037190001234")
        #expect(throws: ValidationErrors([FieldError("citizen_name", "required"), FieldError("citizen_id", "reception_id_invalid"),
                                          FieldError("content", "required"), FieldError("forwarded_to", "required"), FieldError("day", "reception_in_future")])) {
            try ReceptionRecord(day: day("2026-12-09"), receiverID: 7, citizenName: "", citizenID: "12345", content: "x", classification: .complaint,
                                handling: .forwarded).validated(today: day("2026-12-08"))
        }
    }

    @Test func aResultIsDatedBetweenTheReceptionAndTodayAndCounted() throws {
        let base = ReceptionRecord(day: day("2026-12-08"), receiverID: 7, citizenName: "Trần Thị Mai", content: "Phản ánh đèn đường hỏng",
                                   classification: .reflection, handling: .answered)
        var early = base
        early.result = "Đã sửa"
        early.resultDay = day("2026-12-07")
        #expect(throws: ValidationErrors([FieldError("result_day", "reception_result_day")])) { try early.validated(today: day("2026-12-10")) }
        var unsaid = base
        unsaid.resultDay = day("2026-12-09")
        #expect(throws: ValidationErrors([FieldError("result", "required")])) { try unsaid.validated(today: day("2026-12-10")) }
        var settled = base
        settled.result = " Đã sửa đèn "
        settled.resultDay = day("2026-12-09")
        #expect(try settled.validated(today: day("2026-12-10")).result == "Đã sửa đèn")
        // Two sessions (two days, or two receivers the same day), three citizens, one settled.
        var other = base
        other.receiverID = 8
        other.classification = .complaint
        let counts = ReceptionCounts([settled, base, other])
        #expect(counts.days == 2 && counts.citizens == 3 && counts.settled == 1)
        #expect(counts.byClassification == [.reflection: 2, .complaint: 1] && counts.byHandling == [.answered: 3])
    }

    @Test func meetingsAgendasAttendanceAndConclusionsAreChecked() throws {
        let d = try ScheduleDraft(day: "2026-12-10", start: "14:00", end: "16:00", content: "Hội nghị trực tuyến", agenda: " 1. Rét đậm \n",
                                  participantUnits: [9, 3, 9]).validate(unitID: 1)
        #expect(d.agenda == "1. Rét đậm" && d.participantUnits == [3, 9] && d.isMeeting)
        var later = d
        later.agenda = "1. Rét đậm\n2. Thường trực"
        #expect(ScheduleEntry.changes(from: d, to: later) == ["agenda"])
        #expect(throws: ValidationErrors([FieldError("agenda", "too_long")])) {
            try ScheduleDraft(day: "2026-12-10", start: "14:00", end: "16:00", content: "Họp", agenda: String(repeating: "x", count: 4001)).validate(unitID: 1)
        }
        #expect(try MeetingAttendance.attendees("  Nguyễn Văn A,  Chủ tịch \n\n Trần B \r\n") == ["Nguyễn Văn A, Chủ tịch", "Trần B"])
        #expect(throws: ValidationErrors([FieldError("attendees", "too_long")])) { try MeetingAttendance.attendees(String(repeating: "Người\n", count: 51)) }
        #expect(try MeetingConclusion.validated("  Các xã che chắn chuồng trại  ") == "Các xã che chắn chuồng trại")
        #expect(throws: ValidationErrors([FieldError("text", "required")])) { try MeetingConclusion.validated("ok") }
    }

    @Test func counterNoticesAndHotlinesAreChecked() throws {
        let n = try CounterNotice(field: " Đất  đai ", workingHours: "7h30–17h", receivingDays: "Thứ Hai", returningDays: "Thứ Ba").validated()
        #expect(n.field == "Đất đai")
        #expect(throws: ValidationErrors([FieldError("working_hours", "required"), FieldError("returning_days", "required")])) {
            try CounterNotice(field: "Hộ tịch", workingHours: " ", receivingDays: "Thứ Hai", returningDays: "").validated()
        }
        #expect(try Hotline(name: "Lê Văn A", title: "Chủ tịch", phone: "+84 912.345.678").validated().phone == "+84 912.345.678")
        #expect(try Hotline(name: "Lê Văn A", title: "Chủ tịch", phone: "0229 3865 101").validated().name == "Lê Văn A")
        for bad in ["12345", "0912 345 678 999", "hotline", "+1 212 555 0100 99"] {
            #expect(throws: ValidationErrors([FieldError("phone", "hotline_phone_invalid")])) { try Hotline(name: "A", title: "B", phone: bad).validated() }
        }
    }

    @Test func aRegularReceptionDayFallsOnItsWeekdaysAndSkipsHolidays() throws {
        let wednesdays = ReceptionDay(unitID: 1, chairID: 7, weekday: 3, start: ClockTime("07:30")!, end: ClockTime("11:30")!, validFrom: day("2026-12-01"),
                                      validTo: day("2027-01-31"))
        #expect(wednesdays.falls(on: day("2026-12-02")) && wednesdays.falls(on: day("2026-12-30")))
        #expect(!wednesdays.falls(on: day("2026-12-03")) && !wednesdays.falls(on: day("2027-02-03")))  // a Thursday; after it ended
        var firstMonday = wednesdays
        firstMonday.weekday = 1
        firstMonday.nth = 1
        #expect(firstMonday.falls(on: day("2026-12-07")) && !firstMonday.falls(on: day("2026-12-14")))
        var lastFriday = wednesdays
        lastFriday.weekday = 5
        lastFriday.nth = 5
        #expect(lastFriday.falls(on: day("2026-12-25")) && !lastFriday.falls(on: day("2026-12-18")))
        // New Year's Day 2027 is a Friday: a Friday rule has no session that week, and its next the week after.
        var fridays = wednesdays
        fridays.weekday = 5
        #expect(fridays.sessions(in: DutyWeek(containing: day("2026-12-28")), calendar: calendar) == [])
        #expect(fridays.sessions(in: DutyWeek(containing: day("2027-01-04")), calendar: calendar) == [day("2027-01-08")])
        #expect(throws: ValidationErrors([FieldError("chair", "required"), FieldError("weekday", "out_of_range"), FieldError("end", "schedule_end_before_start")])) {
            try ReceptionDay.validated(unitID: 1, chairID: nil, weekday: "8", nth: "0", start: "11:00", end: "10:00", place: "", from: day("2026-12-01"))
        }
        #expect(try ReceptionDay.validated(unitID: 1, chairID: 7, weekday: "3", nth: "", start: "7:30", end: "11:30", place: " Phòng tiếp dân ",
                                           from: day("2026-12-01")).place == "Phòng tiếp dân")
    }

    @Test func aMeetingRoomIsUnguessable() {
        let random = (0..<16).map { UInt8($0 * 17 % 256) }
        #expect(MeetingRoom.url(base: "https://meet.ninhbinh.gov.vn/", random: random) == "https://meet.ninhbinh.gov.vn/congvu-00112233445566778899aabbccddeeff")
        #expect(MeetingRoom.url(base: "http://meet.example.vn", random: random) == nil)
        #expect(MeetingRoom.url(base: "https://meet.example.vn", random: Array(random.prefix(8))) == nil)
    }

    func feed() -> String {
        let modified = Instant.parseLocal("2026-12-05 09:00")!  // 02:00 UTC
        return ICalendar.feed(name: "Lịch công tác UBND xã Gia Hưng", events: [
            .init(uid: "schedule-5@congvu", sequence: 2, day: day("2026-12-08"), start: time("08:00"), end: time("11:30"),
                  summary: "Họp giao ban, kiểm điểm tiến độ; dự: các phòng, ban", location: "Phòng họp tầng 2\nUBND xã",
                  description: String(repeating: "Nội dung rất dài về việc triển khai nhiệm vụ trọng tâm trong tuần; ", count: 4),
                  url: "https://congvu.example.vn/lich/14551-UB", lastModified: modified),
            .init(uid: "schedule-6@congvu", sequence: 1, day: day("2026-12-09"), start: time("14:00"), end: time("16:00"), summary: "Tiếp công dân",
                  cancelled: true, lastModified: modified),
        ], stamp: modified)
    }

    @Test func theFeedIsFoldedEscapedAndInCRLF() {
        let text = feed()
        #expect(text.hasPrefix("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n") && text.hasSuffix("END:VCALENDAR\r\n"))
        let lines = text.components(separatedBy: "\r\n").dropLast()
        #expect(lines.allSatisfy { $0.utf8.count <= 75 })
        #expect(!text.replacingOccurrences(of: "\r\n", with: "").contains("\n"))
        // Unfolded, the escaped values are whole again.
        let unfolded = text.replacingOccurrences(of: "\r\n ", with: "")
        #expect(unfolded.contains("SUMMARY:Họp giao ban\\, kiểm điểm tiến độ\\; dự: các phòng\\, ban\r\n"))
        #expect(unfolded.contains("LOCATION:Phòng họp tầng 2\\nUBND xã\r\n"))
        #expect(unfolded.contains("DTSTART;TZID=Asia/Ho_Chi_Minh:20261208T080000\r\nDTEND;TZID=Asia/Ho_Chi_Minh:20261208T113000"))
        #expect(unfolded.contains("SEQUENCE:2") && unfolded.contains("STATUS:CANCELLED") && unfolded.contains("DTSTAMP:20261205T020000Z"))
        // A fold never cuts a character: every line is valid UTF-8 on its own.
        #expect(lines.allSatisfy { String(data: Data($0.utf8), encoding: .utf8) != nil })
        #expect(ICalendar.fold(String(repeating: "ệ", count: 40)).components(separatedBy: "\r\n ").allSatisfy { $0.allSatisfy { $0 == "ệ" } })
    }

    /// Python's `icalendar` (from PyPI; the test command installs it) reads the feed back: the events,
    /// their times in Vietnam, the summary unescaped, the cancelled one. Without the parser the test
    /// says so, and fails under CI.
    @Test func aRealParserReadsTheFeed() throws {
        let probe = Process()
        probe.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        probe.arguments = ["python3", "-c", "import icalendar"]
        probe.standardError = FileHandle.nullDevice
        try probe.run()
        probe.waitUntilExit()
        if probe.terminationStatus != 0 {
            #expect(ProcessInfo.processInfo.environment["CI"] == nil, "python3's icalendar is missing: the test command installs it")
            return
        }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("congvu-\(UUID().uuidString).ics")
        try Data(feed().utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let script = """
            import icalendar, sys
            cal = icalendar.Calendar.from_ical(open(sys.argv[1], 'rb').read())
            for e in cal.walk('VEVENT'):
                print(e['UID'], e['SEQUENCE'], e['DTSTART'].dt.isoformat(), e['DTEND'].dt.isoformat(), e['STATUS'], e['SUMMARY'], sep='|')
            """
        let run = Process()
        run.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        run.arguments = ["python3", "-c", script, file.path]
        let out = Pipe()
        run.standardOutput = out
        try run.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        run.waitUntilExit()
        #expect(run.terminationStatus == 0)
        #expect(String(decoding: data, as: UTF8.self).split(separator: "\n") == [
            "schedule-5@congvu|2|2026-12-08T08:00:00+07:00|2026-12-08T11:30:00+07:00|CONFIRMED|Họp giao ban, kiểm điểm tiến độ; dự: các phòng, ban",
            "schedule-6@congvu|1|2026-12-09T14:00:00+07:00|2026-12-09T16:00:00+07:00|CANCELLED|Tiếp công dân",
        ])
    }
}
