import CongvuDomain
import Foundation
import Testing

let rules2025 = OneStopRules(validFrom: Day("2025-07-01")!)

@Suite struct DueDateTests {
    let cal = proposedCalendar

    func due(_ time: ProcessingTime, _ received: String) throws -> String {
        local(try Deadlines.due(time, receivedAt: at(received), calendar: cal, rules: rules2025))
    }

    @Test func workingDaysLandAtTheSameClockTime() throws {
        // Friday 20/11/2026 09:15 + 3 working days: Wednesday 25/11 09:15 (the weekend skipped).
        #expect(try due(ProcessingTime(3, .workingDays), "2026-11-20 09:15") == "2026-11-25 09:15")
        // Tết 2027 (4–10 Feb off, proposals): Wednesday 3/2 + 2 working days = Friday 12/2.
        #expect(try due(ProcessingTime(2, .workingDays), "2027-02-03 10:00") == "2027-02-12 10:00")
    }

    @Test func intakeOutsideTheSessionsStartsAtTheNextSession() throws {
        // Winter sessions 07:30–12:00 and 13:30–17:00. Received at 18:40 on Friday: counting
        // starts Monday 07:30, so 1 working day lands Tuesday 07:30.
        #expect(try due(ProcessingTime(1, .workingDays), "2026-11-20 18:40") == "2026-11-24 07:30")
        // Received during lunch: counting starts at 13:30.
        #expect(try due(ProcessingTime(2, .workingDays), "2026-11-23 12:10") == "2026-11-25 13:30")
        // On a Sunday: Monday 07:30.
        #expect(try due(ProcessingTime(1, .workingDays), "2026-11-22 10:00") == "2026-11-24 07:30")
    }

    @Test func sameDayHasAThreeOClockCutOff() throws {
        #expect(try due(ProcessingTime(0, .sameDay), "2026-11-23 14:59") == "2026-11-23 17:00")
        #expect(try due(ProcessingTime(0, .sameDay), "2026-11-23 15:00") == "2026-11-24 17:00")
        #expect(try due(ProcessingTime(0, .sameDay), "2026-11-21 09:00") == "2026-11-23 17:00")
        // The cut-off is data: a rule version with 16:00.
        var later = rules2025
        later.sameDayCutOff = ClockTime(hour: 16, minute: 0)!
        #expect(local(try Deadlines.due(ProcessingTime(0, .sameDay), receivedAt: at("2026-11-23 15:30"), calendar: cal, rules: later)) == "2026-11-23 17:00")
    }

    @Test func calendarDaysMoveOffDaysOff() throws {
        // Monday 23/11 + 5 calendar days = Saturday 28/11 → Monday 30/11, end of the day.
        #expect(try due(ProcessingTime(5, .calendarDays), "2026-11-23 08:00") == "2026-11-30 17:00")
        #expect(try due(ProcessingTime(3, .calendarDays), "2026-11-23 08:00") == "2026-11-26 17:00")
    }

    @Test func workingHoursWalkTheSessions() throws {
        // 10:00 + 4 h: 2 h until 12:00, then 13:30 + 2 h = 15:30.
        #expect(try due(ProcessingTime(4, .workingHours), "2026-11-23 10:00") == "2026-11-23 15:30")
        // 16:00 + 3 h: 1 h today, then Tuesday 07:30 + 2 h.
        #expect(try due(ProcessingTime(3, .workingHours), "2026-11-23 16:00") == "2026-11-24 09:30")
    }

    @Test func pausesMoveTheDueDateByTheWorkingTimePaused() throws {
        let base = at("2026-11-25 09:15")
        // Paused from Monday 23/11 09:15 to Tuesday 24/11 09:15: one working day (8 h).
        let pauses = [Pause(from: at("2026-11-23 09:15"), to: at("2026-11-24 09:15"), status: .supplementRequested)]
        #expect(local(try Deadlines.extended(base, by: pauses, now: at("2026-11-30 08:00"), calendar: cal)) == "2026-11-26 09:15")
        // A pause over a weekend costs only its working time: Friday 16:00 → Monday 08:30 is 2 h.
        let weekend = [Pause(from: at("2026-11-20 16:00"), to: at("2026-11-23 08:30"), status: .awaitingPayment)]
        #expect(local(try Deadlines.extended(base, by: weekend, now: at("2026-11-30 08:00"), calendar: cal)) == "2026-11-25 11:15")
        // An open pause counts until now.
        let open = [Pause(from: at("2026-11-24 07:30"), to: nil, status: .supplementRequested)]
        #expect(local(try Deadlines.extended(base, by: open, now: at("2026-11-24 11:30"), calendar: cal)) == "2026-11-25 14:45")
        #expect(try Deadlines.extended(base, by: [], now: base, calendar: cal) == base)
    }

    @Test func apologyAlertComesTheLeadWorkingDaysBefore() {
        // Due Monday 30/11: one working day before is Friday 27/11.
        #expect(Deadlines.apologyAlertDay(due: at("2026-11-30 10:00"), lead: 1, calendar: cal) == Day("2026-11-27")!)
        #expect(Deadlines.apologyAlertDay(due: at("2026-11-30 10:00"), lead: 2, calendar: cal) == Day("2026-11-26")!)
        #expect(Deadlines.apologyAlertDay(due: at("2026-11-30 10:00"), lead: 0, calendar: cal) == Day("2026-11-30")!)
    }

    @Test func rulesAreChosenByDate() {
        let old = OneStopRules(validFrom: Day("2018-08-21")!, apologyLeadDays: 1, basis: "61/2018")
        let new = OneStopRules(validFrom: Day("2025-07-01")!, apologyLeadDays: 2, basis: "118/2025")
        #expect(OneStopRules.inForce([new, old], on: Day("2025-06-30")!).basis == "61/2018")
        #expect(OneStopRules.inForce([new, old], on: Day("2025-07-01")!).basis == "118/2025")
        #expect(OneStopRules.inForce([new, old], on: Day("2010-01-01")!).basis == "61/2018")
    }
}

@Suite struct TimelinessTests {
    @Test func datesAreComparedNotInstants() {
        let due = at("2026-11-25 09:15")
        #expect(Timeliness.of(resolvedAt: at("2026-11-24 16:00"), dueAt: due, hourBased: false) == .early)
        // Later the same day is still on time: dates, not instants.
        #expect(Timeliness.of(resolvedAt: at("2026-11-25 16:45"), dueAt: due, hourBased: false) == .onTime)
        #expect(Timeliness.of(resolvedAt: at("2026-11-25 07:31"), dueAt: due, hourBased: false) == .onTime)
        #expect(Timeliness.of(resolvedAt: at("2026-11-26 07:31"), dueAt: due, hourBased: false) == .overdue)
    }

    @Test func hourBasedProceduresAreJudgedToTheMinute() {
        let due = at("2026-11-23 15:30")
        #expect(Timeliness.of(resolvedAt: at("2026-11-23 15:29"), dueAt: due, hourBased: true) == .onTime)
        #expect(Timeliness.of(resolvedAt: at("2026-11-23 15:31"), dueAt: due, hourBased: true) == .overdue)
        #expect(Timeliness.of(resolvedAt: at("2026-11-22 15:31"), dueAt: due, hourBased: true) == .early)
    }
}

@Suite struct DossierRuleTests {
    @Test func codesFollowTheNationalPattern() {
        #expect(DossierCode.make(agency: "000.00.06.H56", day: Day("2023-10-27")!, sequence: 361) == "000.00.06.H56-231027-0361")
        #expect(DossierCode.normalise("  000.00.06.h56-231027-0361 ") == "000.00.06.H56-231027-0361")
        #expect(DossierCode.normalise("x' OR 1=1") == nil)
        #expect(DossierCode.isAgency("000.00.06.H56") && !DossierCode.isAgency("a-b"))
    }

    @Test func transitionsFollowTheStatuses() {
        #expect(DossierAction.accept.apply(to: .submitted) == .success(.accepted))
        #expect(DossierAction.transfer.apply(to: .accepted) == .success(.processing))
        #expect(DossierAction.requestSupplement.apply(to: .processing) == .success(.supplementRequested))
        #expect(DossierAction.supplementReceived.apply(to: .supplementRequested) == .success(.processing))
        #expect(DossierAction.resultReady.apply(to: .processing) == .success(.resultReady))
        #expect(DossierAction.deliver.apply(to: .resultReady) == .success(.delivered))
        #expect(DossierAction.apologise.apply(to: .processing) == .success(.processing))
        // Refused with a reason.
        #expect(DossierAction.deliver.apply(to: .processing) == .failure(FieldError("action", "dossier_action_not_allowed")))
        #expect(DossierAction.resultReady.apply(to: .supplementRequested) == .failure(FieldError("action", "dossier_action_not_allowed")))
        #expect(DossierAction.withdraw.apply(to: .delivered) == .failure(FieldError("action", "dossier_action_not_allowed")))
        // Nothing leaves a final status.
        for final in [DossierStatus.refused, .withdrawn, .delivered] { #expect(DossierAction.available(from: final).isEmpty) }
        #expect(DossierAction.available(from: .resultReady) == [.deliver])
    }

    @Test func statusGroups() {
        #expect(DossierStatus.allCases.filter(\.pausesClock) == [.supplementRequested, .awaitingPayment, .stopped])
        #expect(DossierStatus.allCases.filter(\.isOpen) == [.accepted, .processing, .supplementRequested, .awaitingPayment, .stopped])
        #expect(!DossierStatus.refused.isReceived && !DossierStatus.submitted.isReceived)
    }

    @Test func identityNumbersAndInitials() {
        #expect(IdentityNumber.isValid("040203001234") && IdentityNumber.isValid("186123456"))
        #expect(!IdentityNumber.isValid("04020300123") && !IdentityNumber.isValid("04020300123a"))
        #expect(initials("Nguyễn Văn An") == "N.V.A.")
        #expect(initials("  đặng  thị  ") == "Đ.T.")
    }

    @Test func proceduresValidateEveryField() throws {
        var d = ProcedureDraft()
        d.code = "2.000908"; d.name = "Chứng thực bản sao từ bản chính"; d.field = "Chứng thực"; d.level = "commune"
        d.time = "same_day"; d.onlineLevel = "partial"; d.fee = "2.000"; d.validFrom = "2025-07-01"
        d.documents = "Bản chính giấy tờ; original; 1\nBản sao cần chứng thực; copy; 2"
        d.steps = "Tiếp nhận; 2 working_hours|Ký duyệt; 1 working_hours"
        let p = try d.validate()
        #expect(p.fee == 2000 && p.time == ProcessingTime(0, .sameDay) && p.documents.count == 2 && p.documents[1].quantity == 2)
        #expect(p.steps == [WorkflowStep(name: "Tiếp nhận", time: ProcessingTime(2, .workingHours)), WorkflowStep(name: "Ký duyệt", time: ProcessingTime(1, .workingHours))])
        var bad = ProcedureDraft()
        bad.code = "2 000 908"; bad.level = "district-ish"; bad.time = "5 weeks"; bad.onlineLevel = "5"; bad.fee = "-3"
        bad.documents = "; copy"; bad.validFrom = "2025-13-01"
        let errors = try #require(throws: ValidationErrors.self) { try bad.validate() }
        #expect(Set(errors.errors.map(\.field)) == ["code", "name", "field", "level", "time", "online_level", "fee", "documents", "valid_from"])
        #expect(ProcessingTime("15 working_days")?.description == "15 working_days" && ProcessingTime("0 working_days") == nil)
    }

    /// The catalogue form and the CSV import take a clerk's words, not the stored keys.
    @Test func proceduresAreWrittenInAClerksWords() throws {
        var d = ProcedureDraft()
        d.code = "1.000894"; d.name = "Đăng ký kết hôn"; d.field = "Hộ tịch"; d.level = "Cấp xã"
        d.time = "5 ngày làm việc"; d.onlineLevel = "Toàn trình"; d.validFrom = "2025-07-01"
        d.documents = "Tờ khai đăng ký kết hôn; bản chính; 1\nGiấy xác nhận tình trạng hôn nhân; Bản sao có chứng thực; 2\nCCCD; bản sao"
        d.steps = "Tiếp nhận; trong ngày\nThẩm định; 3 ngày làm việc"
        // The words alone are not the keys: refused as they are, accepted once read.
        #expect(throws: ValidationErrors.self) { try d.validate() }
        let p = try d.inWords().validate()
        #expect(p.level == .commune && p.time == ProcessingTime(5, .workingDays) && p.onlineLevel == .full)
        #expect(p.documents.map(\.form) == [.original, .certifiedCopy, .copy] && p.documents.map(\.quantity) == [1, 2, 1])
        #expect(p.steps.map(\.time) == [ProcessingTime(0, .sameDay), ProcessingTime(3, .workingDays)])
        // The keys still work, and an unknown word is still refused by name.
        var keys = d
        keys.documents = "Tờ khai; original; 1"
        #expect(try keys.inWords().validate().documents.map(\.form) == [.original])
        keys.documents = "Tờ khai; bản nháp; 1"
        let errors = try #require(throws: ValidationErrors.self) { try keys.inWords().validate() }
        #expect(errors.errors.map(\.field) == ["documents"])
    }

    @Test func catalogueFigures() {
        func p(_ code: String, posted: Bool, _ level: OnlineLevel, validTo: Day? = nil) -> Procedure {
            Procedure(code: code, name: code, field: "f", level: .commune, time: ProcessingTime(1, .workingDays), onlineLevel: level,
                      validFrom: Day("2020-01-01")!, validTo: validTo, postedAtCounter: posted, postedOnPortal: posted)
        }
        // The seeds: 282 of 375 posted is 75.2 %.
        var list = (0..<282).map { p("1.\($0)", posted: true, .level2) } + (0..<93).map { p("2.\($0)", posted: false, .level3) }
        list.append(p("9.1", posted: true, .full, validTo: Day("2021-01-01")!))
        let f = CatalogueFigures(list, on: Day("2026-11-22")!)
        #expect(f.total == 375 && f.posted == 282 && f.postedShare == 75.2 && f.byLevel[.level3] == 93 && f.byLevel[.full] == nil)
    }
}

@Suite struct SettlementTests {
    @Test func governmentPeriodsRunFromThe15thToThe14th() {
        let m = ReportPeriod(.month, year: 2026, index: 1, government: true)!
        #expect(m.first == Day("2025-12-15")! && m.last == Day("2026-01-14")!)
        let q = ReportPeriod(.quarter, year: 2026, index: 2, government: true)!
        #expect(q.first == Day("2026-03-15")! && q.last == Day("2026-06-14")!)
        let y = ReportPeriod(.year, year: 2025)!
        #expect(y.first == Day("2025-01-01")! && y.last == Day("2025-12-31")! && y.days == 365)
        let nine = ReportPeriod(.nineMonths, year: 2020)!
        #expect(nine.last == Day("2020-09-30")!)
        #expect(ReportPeriod(.half, year: 2026, index: 2)!.first == Day("2026-07-01")!)
        #expect(ReportPeriod(.quarter, year: 2026, index: 5) == nil && ReportPeriod(first: Day("2026-02-01")!, last: Day("2026-01-01")!) == nil)
    }

    func facts(received: String?, closed: String?, status: DossierStatus, due: String?, _ t: Timeliness? = nil, channel: Channel = .direct) -> DossierFacts {
        DossierFacts(unitID: 1, field: "f", channel: channel, receivedDay: received.flatMap(Day.init), closedDay: closed.flatMap(Day.init),
                     status: status, dueDay: due.flatMap(Day.init), timeliness: t)
    }

    /// A day long after the periods these tests count: every period has ended.
    let after = Day("2026-12-04")!

    @Test func everyColumnCountsWhatItDefines() {
        let period = ReportPeriod(.month, year: 2026, index: 10)!
        var row = SettlementRow()
        // Carried over: received in September, open on 1 October, resolved on time in October.
        row.count(facts(received: "2026-09-28", closed: "2026-10-02", status: .delivered, due: "2026-10-02", .onTime), in: period, today: after)
        // Closed before the period: not counted at all.
        row.count(facts(received: "2026-09-10", closed: "2026-09-30", status: .delivered, due: "2026-10-02", .early), in: period, today: after)
        // Online, early.
        row.count(facts(received: "2026-10-05", closed: "2026-10-06", status: .resultReady, due: "2026-10-09", .early, channel: .online), in: period, today: after)
        // Postal, overdue.
        row.count(facts(received: "2026-10-05", closed: "2026-10-20", status: .delivered, due: "2026-10-09", .overdue, channel: .postal), in: period, today: after)
        // Open at the end, due after it / before it.
        row.count(facts(received: "2026-10-29", closed: nil, status: .processing, due: "2026-11-03"), in: period, today: after)
        row.count(facts(received: "2026-10-01", closed: "2026-11-02", status: .delivered, due: "2026-10-15", .overdue), in: period, today: after)
        // Withdrawn in the period.
        row.count(facts(received: "2026-10-12", closed: "2026-10-13", status: .withdrawn, due: "2026-10-20"), in: period, today: after)
        // Received after the period, or never received: not counted.
        row.count(facts(received: "2026-11-01", closed: nil, status: .processing, due: "2026-11-05"), in: period, today: after)
        row.count(facts(received: nil, closed: nil, status: .refused, due: nil), in: period, today: after)
        #expect(row == SettlementRow(online: 1, directOrPostal: 4, carriedOver: 1, early: 1, onTime: 1, overdue: 1,
                                     openWithinTime: 1, openOverdue: 1, withdrawn: 1))
        #expect(row.received == 6 && row.resolved == 3 && row.inProgress == 2 && row.balances)
        #expect(row.onTimeRate.map { ($0 * 10).rounded() / 10 } == 66.7 && row.onlineRate == 20)
    }

    /// An open dossier is overdue when its due day is before the day it is judged on: the day after
    /// the period's end once the period has ended, today while it runs (seen: the current month's
    /// report called every open dossier overdue because its due day was before the 31st).
    @Test func openDossiersAreJudgedOnTheEndOfThePeriodOrToday() {
        let december = ReportPeriod(.month, year: 2026, index: 12)!
        #expect(december.judgementDay(today: Day("2026-12-04")!) == Day("2026-12-04")!)
        #expect(december.judgementDay(today: Day("2027-02-01")!) == Day("2027-01-01")!)
        let dueLater = facts(received: "2026-12-01", closed: nil, status: .processing, due: "2026-12-09")
        let dueToday = facts(received: "2026-11-30", closed: nil, status: .processing, due: "2026-12-04")
        let dueYesterday = facts(received: "2026-11-27", closed: nil, status: .supplementRequested, due: "2026-12-03")
        var running = SettlementRow()
        [dueLater, dueToday, dueYesterday].forEach { running.count($0, in: december, today: Day("2026-12-04")!) }
        #expect(running.openWithinTime == 2 && running.openOverdue == 1 && running.balances)
        // The same dossiers, still open when the month has ended: all three are overdue.
        var ended = SettlementRow()
        [dueLater, dueToday, dueYesterday].forEach { ended.count($0, in: december, today: Day("2027-01-05")!) }
        #expect(ended.openWithinTime == 0 && ended.openOverdue == 3)
        // Due on the period's last day and still open at its end: overdue; due the day after: not yet.
        let november = ReportPeriod(.month, year: 2026, index: 11)!
        var edge = SettlementRow()
        edge.count(facts(received: "2026-11-25", closed: nil, status: .processing, due: "2026-11-30"), in: november, today: after)
        edge.count(facts(received: "2026-11-25", closed: nil, status: .processing, due: "2026-12-01"), in: november, today: after)
        #expect(edge.openOverdue == 1 && edge.openWithinTime == 1)
    }

    /// Cells counted by the database become the same columns as the dossiers counted one by one.
    @Test func cellsAddUpLikeSingleDossiers() {
        var row = SettlementRow()
        // Ten online dossiers resolved early: three carried over, eight closed by the end, one open past due.
        row.add(SettlementCell(channel: .online, status: .delivered, timeliness: .early, count: 10, carriedOver: 3, closed: 8, openOverdue: 1))
        // Postal ones still processing (no timeliness yet): none closed, two past due.
        row.add(SettlementCell(channel: .postal, status: .processing, timeliness: nil, count: 5, carriedOver: 0, closed: 0, openOverdue: 2))
        // Withdrawn: closed counts as withdrawn, never as resolved.
        row.add(SettlementCell(channel: .direct, status: .withdrawn, timeliness: nil, count: 2, carriedOver: 1, closed: 2, openOverdue: 0))
        // Resolved without a recorded timeliness counts on time, as in `count`.
        row.add(SettlementCell(channel: .direct, status: .resultReady, timeliness: nil, count: 1, carriedOver: 0, closed: 1, openOverdue: 0))
        #expect(row == SettlementRow(online: 7, directOrPostal: 7, carriedOver: 4, early: 8, onTime: 1, overdue: 0,
                                     openWithinTime: 1 + 3, openOverdue: 1 + 2, withdrawn: 2))
        #expect(row.balances)
    }

    /// The report's identity on generated data, for many periods: received (with carry-over) =
    /// resolved + in progress + withdrawn; and the open at one period's end are the carry-over of the next.
    @Test func theIdentityHoldsOnGeneratedData() {
        var g = SeededGenerator(seed: 61)
        var all: [DossierFacts] = []
        let start = LunarCalendar.julianDay(Day("2025-01-01")!)
        for _ in 0..<5000 {
            let r = start + Int.random(in: 0..<700, using: &g)
            let dueIn = Int.random(in: 0...20, using: &g)
            let roll = Int.random(in: 0..<100, using: &g)
            let status: DossierStatus = roll < 5 ? .refused : roll < 10 ? .withdrawn : roll < 25 ? .processing : roll < 30 ? .supplementRequested : roll < 60 ? .resultReady : .delivered
            let closed: Int? = status.isResolved || status == .withdrawn ? r + Int.random(in: 0...30, using: &g) : nil
            let t: Timeliness? = status.isResolved ? (closed! < r + dueIn ? .early : closed! == r + dueIn ? .onTime : .overdue) : nil
            all.append(DossierFacts(unitID: Int64.random(in: 1...3, using: &g), field: "f", channel: Channel.allCases.randomElement(using: &g)!,
                                    receivedDay: status.isReceived ? LunarCalendar.day(julianDay: r) : nil, closedDay: closed.flatMap(LunarCalendar.day(julianDay:)),
                                    status: status, dueDay: LunarCalendar.day(julianDay: r + dueIn), timeliness: t))
        }
        var previous: SettlementRow?
        for m in 1...12 {
            let period = ReportPeriod(.month, year: 2025, index: m, government: true)!
            var row = SettlementRow()
            all.forEach { row.count($0, in: period, today: after) }
            #expect(row.balances, "\(m)")
            if let previous { #expect(previous.inProgress == row.carriedOver, "\(m)") }
            previous = row
            // Per unit rows add up to the whole.
            var byUnit: [Int64: SettlementRow] = [:]
            for d in all { byUnit[d.unitID, default: SettlementRow()].count(d, in: period, today: after) }
            #expect(byUnit.values.reduce(SettlementRow(), +) == row)
        }
    }
}

@Suite struct RatingAccessTests {
    @Test func theReceiptsTagRatesAnyReceivedDossierOnce() {
        #expect(throws: Never.self) { try RatingAccess.check(.receipt, status: .accepted, rated: false, digits: nil, idNumber: "", phone: "") }
        #expect(throws: RatingAccess.Refusal.alreadyRated) { try RatingAccess.check(.receipt, status: .delivered, rated: true, digits: nil, idNumber: "", phone: "") }
        #expect(throws: RatingAccess.Refusal.notReceived) { try RatingAccess.check(.receipt, status: .refused, rated: false, digits: nil, idNumber: "", phone: "") }
    }

    @Test func aTypedCodeNeedsTheResultAndTheLastDigits() {
        func check(_ status: DossierStatus, _ digits: String?) throws(RatingAccess.Refusal) {
            try RatingAccess.check(.lastDigits, status: status, rated: false, digits: digits, idNumber: "037190005678", phone: "0912 000 111")
        }
        #expect(throws: RatingAccess.Refusal.notYetResolved) { try check(.processing, "5678") }
        #expect(throws: Never.self) { try check(.delivered, nil) }
        #expect(throws: Never.self) { try check(.resultReady, "5678") }
        #expect(throws: Never.self) { try check(.delivered, "0111") }
        for wrong in ["1234", "678", "05678", "56a8", ""] {
            #expect(throws: RatingAccess.Refusal.digitsWrong, "\(wrong)") { try check(.delivered, wrong) }
        }
        // Nothing known to match: no typed digits can prove it.
        #expect(!RatingAccess.lastDigitsMatch("0000", idNumber: "", phone: ""))
    }
}

@Suite struct EvaluationTests {
    @Test func bandsAreData() {
        let b = EvaluationBand.circular2018
        #expect(EvaluationBand.classify(15.5, bands: b) == "excellent")
        #expect(EvaluationBand.classify(15, bands: b) == "good")
        #expect(EvaluationBand.classify(12, bands: b) == "good")
        #expect(EvaluationBand.classify(11.99, bands: b) == "fair")
        #expect(EvaluationBand.classify(6, bands: b) == "average")
        #expect(EvaluationBand.classify(5.9, bands: b) == "weak")
        let q = QuarterEvaluation(totals: [18, 16, 14], satisfaction: [.verySatisfied: 2, .notSatisfied: 1], bands: b)
        #expect(q.average == 16 && q.band == "excellent" && q.satisfiedRate.map { $0.rounded() } == 67)
    }

    @Test func scoresAreZeroToTwoOnEveryIndicator() throws {
        var s = Dictionary(uniqueKeysWithValues: EvaluationIndicator.allCases.map { ($0, 2) })
        #expect(try EvaluationScores(s).total == 18)
        s[.attitude] = 3
        s[.feedback] = nil
        let e = try #require(throws: ValidationErrors.self) { try EvaluationScores(s) }
        #expect(e.errors == [FieldError("attitude", "number_out_of_range"), FieldError("feedback", "required")])
    }
}

/// QR codes and barcodes, read back by a real decoder (zbarimg, from Debian's zbar-tools; the
/// test command installs it).
@Suite struct PrintedCodeTests {
    static let zbar = ["/usr/bin/zbarimg", "/usr/local/bin/zbarimg"].first { FileManager.default.isExecutableFile(atPath: $0) }

    /// Writes a bitmap as a plain PBM (with a scale) and asks zbarimg what it reads.
    func decode(width: Int, height: Int, scale: Int, dark: (Int, Int) -> Bool) throws -> String {
        let zbar = try #require(Self.zbar, "zbarimg is missing: scripts/test installs zbar-tools")
        var pbm = "P1\n\(width * scale) \(height * scale)\n"
        for y in 0..<(height * scale) {
            var line = ""
            for x in 0..<(width * scale) { line += dark(x / scale, y / scale) ? "1 " : "0 " }
            pbm += line + "\n"
        }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("congvu-code-\(UUID().uuidString).pbm")
        try pbm.write(to: file, atomically: true, encoding: .ascii)
        defer { try? FileManager.default.removeItem(at: file) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: zbar)
        p.arguments = ["--quiet", "--raw", file.path]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        return String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).trimmingCharacters(in: .newlines)
    }

    func read(_ qr: QRCode) throws -> String {
        try decode(width: qr.size + 8, height: qr.size + 8, scale: 4) { x, y in
            x >= 4 && y >= 4 && x < qr.size + 4 && y < qr.size + 4 && qr.isDark(x: x - 4, y: y - 4)
        }
    }

    @Test(arguments: [
        "HELLO", "https://congvu.example.gov.vn/tra-cuu?ma=000.00.06.H56-231027-0361",
        "Hồ sơ của ông Nguyễn Văn An đã có kết quả tại Bộ phận một cửa xã Gia Hưng, hẹn trả 25/11/2026",
        String(repeating: "0123456789", count: 21),
    ])
    func qrCodesDecodeToWhatWasEncoded(_ text: String) throws {
        let qr = try QRCode(text)
        #expect(try read(qr) == text)
    }

    @Test func everyVersionAndMaskDecodes() throws {
        // Lengths that need versions 1 to 10 (7 and above carry version blocks).
        for (length, version) in [(10, 1), (20, 2), (40, 3), (60, 4), (80, 5), (100, 6), (120, 7), (150, 8), (180, 9), (210, 10)] {
            let text = String((0..<length).map { i in Character(UnicodeScalar(UInt8(97 + (i * 7 + length) % 26))) })
            let qr = try QRCode(text)
            #expect(qr.version == version && qr.size == version * 4 + 17)
            #expect(try read(qr) == text, "version \(version)")
        }
        for mask in 0..<8 {
            let qr = try QRCode(bytes: Array("mask \(mask)".utf8), mask: mask)
            #expect(try read(qr) == "mask \(mask)", "mask \(mask)")
        }
        #expect(throws: QRCode.Failure.tooLong) { try QRCode(String(repeating: "x", count: 214)) }
        #expect(try QRCode("x").svg().hasPrefix("<svg"))
    }

    @Test func code39BarcodesDecode() throws {
        for text in ["000.00.06.H56-231027-0361", "H56-0001", "ABC XYZ 789"] {
            let widths = try #require(Code39.widths(text))
            var bars: [Bool] = Array(repeating: false, count: 10)
            for (i, w) in widths.enumerated() { bars += Array(repeating: i % 2 == 0, count: w) }
            bars += Array(repeating: false, count: 10)
            #expect(try decode(width: bars.count, height: 30, scale: 2) { x, _ in bars[x] } == text)
        }
        #expect(Code39.widths("a*b") == nil && Code39.svg("H56-1") != nil)
    }
}
