import CongvuDomain
import Foundation
import Testing

/// Feedback's rules: what a citizen may file, tracking codes, deadlines in working days, escalation
/// up the levels, which move fits which state, and the register's figures.
@Suite struct FeedbackTests {
    let calendar = WorkCalendar(hours: .ngheAn, specialDays: HolidayRules.proposals(year: 2026) + HolidayRules.proposals(year: 2027), years: 2026...2027)
    let categories = [FeedbackCategory(code: "attitude", nameVi: "Thái độ", nameEn: "Attitude", answerDays: 10),
                      FeedbackCategory(code: "old", nameVi: "Cũ", nameEn: "Old", answerDays: 10, active: false)]

    @Test func aDraftAcceptsOnlyWhatItDescribes() throws {
        let ok = try FeedbackDraft(category: "attitude", channel: .web, description: "  Cán bộ  tiếp dân thiếu tôn trọng.\n", citizenName: "  Lê   Văn A ",
                                   contact: "0912.345.678").validated(categories: categories)
        #expect(ok.description == "Cán bộ  tiếp dân thiếu tôn trọng." && ok.citizenName == "Lê Văn A" && ok.contact == "0912345678")
        #expect(try FeedbackDraft(category: "attitude", channel: .web, description: "Mười ký tự đủ rồi", contact: "Dan@Example.VN")
            .validated(categories: categories).contact == "dan@example.vn")
        func errors(_ d: FeedbackDraft) -> [String] {
            do { _ = try d.validated(categories: categories); return [] } catch let e as ValidationErrors { return e.errors.map { "\($0.field):\($0.key)" } } catch { return ["?"] }
        }
        #expect(errors(FeedbackDraft(category: "old", channel: .web, description: "Nội dung đủ dài để nhận.")) == ["category:required"])
        #expect(errors(FeedbackDraft(category: "attitude", channel: .web, description: "ngắn")) == ["description:feedback_too_short"])
        #expect(errors(FeedbackDraft(category: "attitude", channel: .web, description: String(repeating: "a", count: 4_001))) == ["description:too_long"])
        #expect(errors(FeedbackDraft(category: "attitude", channel: .web, description: "Nội dung đủ dài để nhận.", contact: "gọi tôi")) == ["contact:feedback_contact"])
        #expect(errors(FeedbackDraft(category: "attitude", channel: .hotline, description: "Nội dung đủ dài để nhận.", answerPrivately: true))
                == ["contact:feedback_private_needs_contact"])
        #expect(errors(FeedbackDraft(category: "attitude", channel: .open311, description: "Nội dung đủ dài để nhận.", latitude: 95, longitude: 105)) == ["lat:feedback_location"])
        #expect(errors(FeedbackDraft(category: "attitude", channel: .open311, description: "Nội dung đủ dài để nhận.", latitude: 18.67)) == ["lat:feedback_location"])
        #expect(errors(FeedbackDraft(category: "attitude", channel: .open311, description: "Nội dung đủ dài để nhận.", latitude: 18.67, longitude: 105.69)).isEmpty)
    }

    @Test func trackingCodesAreRandomAndReadAsTyped() {
        var seen = Set<String>()
        for _ in 0..<1_000 { seen.insert(FeedbackCode.make()) }
        #expect(seen.count == 1_000 && seen.allSatisfy { FeedbackCode.normalise($0) == $0 })
        #expect(FeedbackCode.normalise(" pa-23k4 m5n6 ") == "PA23K4M5N6")
        #expect(FeedbackCode.normalise("PA0000000O") == nil)   // no look-alikes: 0 and O are not in the alphabet
        #expect(FeedbackCode.normalise("PA2345") == nil && FeedbackCode.normalise("HS23456789") == nil)
    }

    @Test func deadlinesCountWorkingDaysAndSkipHolidays() throws {
        // Friday 27/11/2026 plus 10 working days: two weekends skipped.
        #expect(try FeedbackClock.due(from: Day("2026-11-27")!, days: 10, calendar: calendar) == Day("2026-12-11"))
        // Received on a Saturday: taken as received on Monday, the five days follow it.
        #expect(try FeedbackClock.forwardBy(received: Day("2026-11-28")!, calendar: calendar) == Day("2026-12-07"))
        #expect(try FeedbackClock.forwardBy(received: Day("2026-11-30")!, calendar: calendar) == Day("2026-12-07"))
        // Across the National Day holiday (1–2/9/2026 off): Monday 31/8 plus 5 working days.
        #expect(!calendar.isWorkingDay(Day("2026-09-02")!))
        let forward = try FeedbackClock.forwardBy(received: Day("2026-08-31")!, calendar: calendar)
        #expect(forward > Day("2026-09-07")! && calendar.isWorkingDay(forward))
        #expect(FeedbackClock.isOverdue(status: .assigned, due: Day("2026-12-11")!, today: Day("2026-12-12")!))
        #expect(!FeedbackClock.isOverdue(status: .assigned, due: Day("2026-12-11")!, today: Day("2026-12-11")!))
        #expect(!FeedbackClock.isOverdue(status: .answered, due: Day("2026-12-11")!, today: Day("2027-01-12")!))
    }

    @Test func escalationClimbsOneLevelAtATimeAndStopsAtTheTop() throws {
        // A commune in older data: district, then province.
        #expect(FeedbackClock.escalationTarget(levels: [20, 1], level: 0) == 20)
        #expect(FeedbackClock.escalationTarget(levels: [20, 1], level: 1) == 1)
        #expect(FeedbackClock.escalationTarget(levels: [20, 1], level: 2) == nil)
        #expect(FeedbackClock.escalationTarget(levels: [], level: 0) == nil)
        #expect(try FeedbackClock.nextEscalation(after: Day("2026-12-11")!, days: 10, calendar: calendar) == Day("2026-12-25"))
    }

    @Test func eachMoveFitsItsStateAndSomeNeedAReason() throws {
        #expect(throws: Never.self) { try FeedbackAction.assign.check(.received, reason: "") }
        #expect(throws: FeedbackAction.Refusal.notAllowed) { try FeedbackAction.assign.check(.assigned, reason: "") }
        #expect(throws: FeedbackAction.Refusal.reasonRequired) { try FeedbackAction.reassign.check(.assigned, reason: " ab ") }
        #expect(throws: Never.self) { try FeedbackAction.reassign.check(.assigned, reason: "Nghỉ phép dài ngày") }
        #expect(throws: FeedbackAction.Refusal.notAllowed) { try FeedbackAction.answer.check(.received, reason: "") }
        #expect(throws: FeedbackAction.Refusal.reasonRequired) { try FeedbackAction.spam.check(.received, reason: "") }
        #expect(throws: FeedbackAction.Refusal.notAllowed) { try FeedbackAction.merge.check(.answered, reason: "Trùng nội dung") }
        #expect(throws: Never.self) { try FeedbackAction.reopen.check(.answered, reason: "citizen_not_solved") }
        #expect(throws: FeedbackAction.Refusal.notAllowed) { try FeedbackAction.escalate.check(.answered, reason: "") }
        #expect(throws: FeedbackAction.Refusal.notAllowed) { try FeedbackAction.forward.check(.spam, reason: "Không thuộc thẩm quyền") }
        #expect(FeedbackStatus.allCases.filter(\.isOpen) == [.received, .assigned])
        #expect(FeedbackStatus.answered.open311 == "closed" && FeedbackStatus.received.open311 == "open")
    }

    @Test func theFiguresCountOnTimeAnswersOverdueAndEscalations() {
        let d = { (s: String) in Day(s)! }
        let items: [FeedbackCounts.Item] = [
            .init(category: "attitude", unitID: 1, status: .closed, due: d("2026-11-10"), answeredOn: d("2026-11-09"), escalations: 0),
            .init(category: "attitude", unitID: 1, status: .answered, due: d("2026-11-10"), answeredOn: d("2026-11-12"), escalations: 1),
            .init(category: "dossier", unitID: 2, status: .assigned, due: d("2026-11-20"), answeredOn: nil, escalations: 1),
            .init(category: "dossier", unitID: 2, status: .received, due: d("2026-12-20"), answeredOn: nil, escalations: 0),
            .init(category: "other", unitID: 1, status: .spam, due: d("2026-11-01"), answeredOn: nil, escalations: 0),
        ]
        let c = FeedbackCounts(items, today: d("2026-12-01"))
        #expect(c.total == 5 && c.byStatus[.spam] == 1 && c.byCategory == ["attitude": 2, "dossier": 2] && c.byUnit == [1: 2, 2: 2])
        #expect(c.answered == 2 && c.answeredOnTime == 1 && c.onTimePercent == 50 && c.overdue == 1 && c.escalated == 2)
        #expect(FeedbackCounts([], today: d("2026-12-01")).onTimePercent == nil)
    }

    @Test func categoriesAreCheckedAsData() throws {
        #expect(try FeedbackCategory(code: " land ", nameVi: " Đất đai ", nameEn: "Land", answerDays: 15).validated().code == "land")
        #expect(throws: ValidationErrors.self) { try FeedbackCategory(code: "đất", nameVi: "Đất đai", nameEn: "", answerDays: 15).validated() }
        #expect(throws: ValidationErrors.self) { try FeedbackCategory(code: "land", nameVi: "Đất đai", nameEn: "", answerDays: 0).validated() }
        #expect(throws: ValidationErrors.self) { try FeedbackAnswer(text: "ngắn").validated() }
    }
}
