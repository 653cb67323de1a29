import CongvuDomain
import Foundation
import Testing

/// Tasks: deadlines in working days, the four states, early / on time / late, who may do what,
/// reminders, orphans, recurrence.
@Suite struct TaskTests {
    /// 2026 with its proposed holidays: 2 September (Wednesday) and 1 September (bridge day) off.
    let calendar = WorkCalendar(hours: .ngheAn, specialDays: HolidayRules.proposals(year: 2026) + HolidayRules.proposals(year: 2027), years: 2026...2027)
    let now = Instant.parseLocal("2026-08-31 09:00")!
    func day(_ s: String) -> Day { Day(s)! }

    func task(due: String, status: WorkTask.Status = .inProgress, reported: String? = nil) -> WorkTask {
        WorkTask(id: 1, unitID: 7, year: 2026, number: 3, title: "Báo cáo tháng", assignerID: 1, ownerID: 2, assignedAt: now, due: day(due),
                 status: status, reportedAt: reported.map { Instant.parseLocal("\($0) 10:00")! })
    }

    @Test func aDeadlineInWorkingDaysSkipsWeekendsAndHolidays() throws {
        let draft = TaskDraft(title: "  Rà soát hồ sơ  ", ownerID: 2, dueWorkingDays: "3")
        // Given on Monday 31 August, three working days later: 1 and 2 September are off (National
        // Day and the day next to it), so Thursday 3, Friday 4, then Monday 7 September.
        let t = try draft.validate(unitID: 7, assignerID: 1, today: day("2026-08-31"), now: now, calendar: calendar)
        #expect(t.due == day("2026-09-07") && t.originalDue == t.due && t.title == "Rà soát hồ sơ" && t.status == .assigned)
        #expect(try TaskDraft(title: "X", ownerID: 2, dueDate: "2026-09-10").validate(unitID: 7, assignerID: 1, today: day("2026-08-31"), now: now, calendar: calendar).due == day("2026-09-10"))
    }

    @Test func badDraftsSayWhatIsWrong() {
        func errors(_ d: TaskDraft) -> [String] {
            do { _ = try d.validate(unitID: 7, assignerID: 1, today: day("2026-08-31"), now: now, calendar: calendar); return [] }
            catch let e as ValidationErrors { return e.errors.map { "\($0.field):\($0.key)" } } catch { return ["?"] }
        }
        #expect(errors(TaskDraft(title: "", ownerID: nil)) == ["title:required", "owner:required", "due_date:task_due_required"])
        #expect(errors(TaskDraft(title: "X", ownerID: 2, dueDate: "2026-08-30")) == ["due_date:task_due_past"])
        #expect(errors(TaskDraft(title: "X", ownerID: 2, dueDate: "2026-13-01")) == ["due_date:date_invalid"])
        #expect(errors(TaskDraft(title: "X", ownerID: 2, dueWorkingDays: "0")) == ["due_working_days:task_working_days_invalid"])
        // A calendar that ends before the count is reached refuses it instead of leaving the task without a deadline.
        let short = WorkCalendar(hours: .ngheAn, specialDays: [], years: 2026...2026)
        #expect(throws: ValidationErrors([FieldError("due_working_days", "task_working_days_invalid")])) {
            try TaskDraft(title: "X", ownerID: 2, dueWorkingDays: "200").validate(unitID: 7, assignerID: 1, today: day("2026-12-01"), now: now, calendar: short)
        }
        #expect(errors(TaskDraft(title: "X", ownerID: 2, priority: "top", dueWorkingDays: "2", sourceKind: "rumour")) == ["priority:invalid", "source_kind:invalid"])
        #expect(errors(TaskDraft(title: String(repeating: "a", count: 301), ownerID: 2, dueWorkingDays: "2")) == ["title:too_long"])
    }

    @Test func theFourStatesOfTheGovernmentOffice() {
        #expect(task(due: "2026-09-04").standing(on: day("2026-09-04")) == .openWithinDeadline)
        #expect(task(due: "2026-09-04").standing(on: day("2026-09-05")) == .openOverdue)
        #expect(task(due: "2026-09-04", status: .reported, reported: "2026-09-04").standing(on: day("2026-12-01")) == .doneOnTime)
        #expect(task(due: "2026-09-04", status: .accepted, reported: "2026-09-07").standing(on: day("2026-09-07")) == .doneLate)
        #expect(task(due: "2026-09-04", status: .cancelled).standing(on: day("2026-09-07")) == nil)
    }

    @Test func earlyOnTimeAndLateCountWorkingDays() throws {
        // Due Friday 4 September. Reported Monday 31 August: two working days early (31 Aug, 3 Sep).
        #expect(try TaskTimeliness.judge(done: day("2026-08-31"), due: day("2026-09-04"), calendar: calendar) == .early(workingDays: 2))
        #expect(try TaskTimeliness.judge(done: day("2026-09-04"), due: day("2026-09-04"), calendar: calendar) == .onTime)
        // Reported on Saturday: late by the one working day it missed; Monday the 7th likewise.
        #expect(try TaskTimeliness.judge(done: day("2026-09-05"), due: day("2026-09-04"), calendar: calendar) == .late(workingDays: 1))
        #expect(try TaskTimeliness.judge(done: day("2026-09-07"), due: day("2026-09-04"), calendar: calendar) == .late(workingDays: 1))
        #expect(try TaskTimeliness.judge(done: day("2026-09-09"), due: day("2026-09-04"), calendar: calendar) == .late(workingDays: 3))
    }

    @Test func eachStepIsTakenByItsOwnPeopleInOrder() {
        let given = task(due: "2026-09-04", status: .assigned)
        #expect(TaskRules.available(given, isLead: true, isAssigner: false, isParticipant: true, extensionPending: false)
                == [.acknowledge, .progress, .requestExtension, .reportDone, .comment])
        #expect(TaskRules.available(given, isLead: false, isAssigner: true, isParticipant: false, extensionPending: false) == [.cancel, .reassign, .comment])
        let reported = task(due: "2026-09-04", status: .reported)
        #expect(TaskRules.available(reported, isLead: false, isAssigner: true, isParticipant: false, extensionPending: false)
                == [.accept, .returnForRework, .cancel, .reassign, .comment])
        // A person never evaluates their own task, even one they gave themselves.
        #expect(TaskRules.available(reported, isLead: true, isAssigner: true, isParticipant: false, extensionPending: false) == [.cancel, .reassign, .comment])
        // One extension request at a time, decided by the assigner.
        let pending = task(due: "2026-09-04")
        #expect(!TaskRules.available(pending, isLead: true, isAssigner: false, isParticipant: false, extensionPending: true).contains(.requestExtension))
        #expect(TaskRules.available(pending, isLead: false, isAssigner: true, isParticipant: false, extensionPending: true).prefix(2) == [.approveExtension, .refuseExtension])
        // A closed task takes comments only; a watcher only comments.
        #expect(TaskRules.available(task(due: "2026-09-04", status: .accepted), isLead: true, isAssigner: true, isParticipant: true, extensionPending: false) == [.comment])
        #expect(TaskRules.available(pending, isLead: false, isAssigner: false, isParticipant: true, extensionPending: false) == [.comment])
        #expect(TaskAction.returnForRework.next(from: .reported, extensionPending: false) == .inProgress)
        #expect(TaskAction.accept.next(from: .inProgress, extensionPending: false) == nil)
        #expect(TaskAction.cancel.needsReason && TaskAction.returnForRework.needsReason && !TaskAction.accept.needsReason)
    }

    @Test func unacknowledgedAfterAWorkingDayAndRemindersBeforeTheDeadline() {
        // Given Monday 31 August 09:00: the next working moment a day later is Thursday 3 September 09:00.
        let given = task(due: "2026-09-10", status: .assigned)
        #expect(!TaskRules.unacknowledged(given, now: Instant.parseLocal("2026-09-03 08:59")!, calendar: calendar))
        #expect(TaskRules.unacknowledged(given, now: Instant.parseLocal("2026-09-03 09:01")!, calendar: calendar))
        // Due Thursday 10 September: reminders on Monday 7 (3 working days left) and Wednesday 9 (1 left), then every day once overdue.
        let reminded = ["2026-09-04", "2026-09-07", "2026-09-08", "2026-09-09", "2026-09-10", "2026-09-11", "2026-09-14"]
            .filter { TaskRules.remindsToday(task(due: "2026-09-10"), today: day($0), calendar: calendar) }
        #expect(reminded == ["2026-09-07", "2026-09-09", "2026-09-11", "2026-09-14"])
        #expect(!TaskRules.remindsToday(task(due: "2026-09-10", status: .reported), today: day("2026-09-14"), calendar: calendar))
    }

    @Test func aTaskIsOrphanedWhenItsLeadHoldsNoPostUnderItsUnit() {
        let open = task(due: "2026-09-10")
        #expect(!TaskRules.orphaned(open, unitPath: "/1/7/", ownerPostPaths: ["/1/7/12/"]))
        #expect(!TaskRules.orphaned(open, unitPath: "/1/7/12/", ownerPostPaths: ["/1/7/"]))
        #expect(TaskRules.orphaned(open, unitPath: "/1/7/", ownerPostPaths: ["/1/9/"]), "transferred to another commune")
        #expect(TaskRules.orphaned(open, unitPath: "/1/7/", ownerPostPaths: []), "retired or left")
        #expect(!TaskRules.orphaned(task(due: "2026-09-10", status: .accepted), unitPath: "/1/7/", ownerPostPaths: []))
    }

    @Test func recurringReportsFallOnWorkingDays() throws {
        let monthly = try #require(Recurrence("RRULE:FREQ=MONTHLY;BYMONTHDAY=-1"))
        #expect(monthly.description == "FREQ=MONTHLY;BYMONTHDAY=-1")
        // The last day of each month; Saturday 31 October moves back to Friday the 30th.
        #expect(monthly.occurrences(from: day("2026-08-01"), through: day("2026-11-30"), calendar: calendar).map(\.description)
                == ["2026-08-31", "2026-09-30", "2026-10-30", "2026-11-30"])
        let weekly = try #require(Recurrence("FREQ=WEEKLY;BYDAY=FR;COUNT=3"))
        #expect(weekly.occurrences(from: day("2026-08-26"), through: day("2026-12-31"), calendar: calendar).map(\.description)
                == ["2026-08-28", "2026-09-04", "2026-09-11"])
        let fortnightly = try #require(Recurrence("FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH;UNTIL=20260920"))
        #expect(fortnightly.occurrences(from: day("2026-08-31"), through: day("2026-12-31"), calendar: calendar).map(\.description)
                == ["2026-08-31", "2026-09-03", "2026-09-14", "2026-09-17"])
        let yearly = try #require(Recurrence("FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=15"))
        #expect(yearly.occurrences(from: day("2026-01-01"), through: day("2027-12-31"), calendar: calendar).map(\.description) == ["2026-12-15", "2027-12-15"])
        // A recurring task's deadlines from the day it is given: three months ahead unless said otherwise.
        #expect(try Recurrence.deadlines(rule: "FREQ=MONTHLY;BYMONTHDAY=-1", until: "", today: day("2026-08-31"), calendar: calendar).map(\.description)
                == ["2026-08-31", "2026-09-30", "2026-10-30", "2026-11-30"])
        #expect(try Recurrence.deadlines(rule: "FREQ=WEEKLY;BYDAY=FR", until: "2026-09-12", today: day("2026-08-31"), calendar: calendar).count == 2)
        #expect(throws: ValidationErrors([FieldError("recurrence", "task_recurrence_invalid")])) {
            try Recurrence.deadlines(rule: "mỗi tháng", until: "", today: day("2026-08-31"), calendar: calendar)
        }
        #expect(throws: ValidationErrors([FieldError("repeat_until", "task_repeat_until_invalid")])) {
            try Recurrence.deadlines(rule: "FREQ=WEEKLY;BYDAY=FR", until: "2028-01-01", today: day("2026-08-31"), calendar: calendar)
        }
        #expect(throws: ValidationErrors([FieldError("recurrence", "task_recurrence_empty")])) {
            try Recurrence.deadlines(rule: "FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=15", until: "2026-10-01", today: day("2026-08-31"), calendar: calendar)
        }
        for bad in ["FREQ=DAILY", "FREQ=WEEKLY", "FREQ=WEEKLY;BYDAY=XX", "FREQ=MONTHLY;BYMONTHDAY=32", "FREQ=MONTHLY;BYMONTHDAY=1;COUNT=2;UNTIL=20270101",
                    "FREQ=MONTHLY;BYMONTHDAY=1;FOO=1", "FREQ=YEARLY;BYMONTHDAY=1", "FREQ=MONTHLY;BYMONTHDAY=1;INTERVAL=0"] {
            #expect(Recurrence(bad) == nil, "\(bad)")
        }
    }

    @Test func aSeriesWithoutAnEndIsExtendedToItsHorizon() throws {
        let monthly = try #require(Recurrence("FREQ=MONTHLY;BYMONTHDAY=-1"))
        // Given on 31 August, generated through 30 November; on 1 December the horizon (92 days) is 3 March 2027:
        // the last working days of December, January (Sunday 31st → Friday 29th) and February (Sunday 28th → Friday 26th).
        #expect(Recurrence.horizon(from: day("2026-12-01")) == day("2027-03-03"))
        #expect(monthly.extending(start: day("2026-08-31"), generatedThrough: day("2026-11-30"), until: nil, today: day("2026-12-01"), calendar: calendar)
                .map(\.description) == ["2026-12-31", "2027-01-29", "2027-02-26"])
        // Generated far enough: nothing the next night; a series' own end stops it.
        #expect(monthly.extending(start: day("2026-08-31"), generatedThrough: day("2027-02-26"), until: nil, today: day("2026-12-02"), calendar: calendar).isEmpty)
        #expect(monthly.extending(start: day("2026-08-31"), generatedThrough: day("2026-11-30"), until: day("2027-01-15"), today: day("2026-12-01"),
                                  calendar: calendar).map(\.description) == ["2026-12-31"])
        #expect(monthly.extending(start: day("2026-08-31"), generatedThrough: day("2026-12-31"), until: day("2026-12-31"), today: day("2026-12-01"),
                                  calendar: calendar).isEmpty)
        // COUNT counts from the series' first day, not from the night it is extended.
        let three = try #require(Recurrence("FREQ=WEEKLY;BYDAY=FR;COUNT=3"))
        #expect(three.extending(start: day("2026-08-26"), generatedThrough: day("2026-09-04"), until: nil, today: day("2026-09-01"), calendar: calendar)
                .map(\.description) == ["2026-09-11"])
        #expect(try Recurrence.end("", today: day("2026-12-01")) == nil)
        #expect(try Recurrence.end(" 2027-06-30 ", today: day("2026-12-01")) == day("2027-06-30"))
        #expect(throws: ValidationErrors([FieldError("repeat_until", "task_repeat_until_invalid")])) { try Recurrence.end("2026-11-30", today: day("2026-12-01")) }
    }

    @Test func anOrphanedTaskWaitsInWorkingDaysThenGoesToTheLevelAbove() {
        // The lead's last day in post was Friday 27 November: the task has had no lead since Saturday the 28th.
        let since = OrphanRules.since(lastDayInPost: day("2026-11-27"), assigned: day("2026-10-01"))
        #expect(since == day("2026-11-28"))
        #expect(OrphanRules.since(lastDayInPost: nil, assigned: day("2026-10-01")) == day("2026-10-01"), "the lead never held a post there")
        #expect(OrphanRules.since(lastDayInPost: day("2026-09-01"), assigned: day("2026-10-01")) == day("2026-10-01"), "given after the lead had left")
        // Monday 7 December: five working days waited (30 Nov – 4 Dec), not more than five; Tuesday the 8th: six.
        #expect(OrphanRules.waited(since: since, today: day("2026-12-07"), calendar: calendar) == 5)
        #expect(!OrphanRules.escalated(waited: OrphanRules.waited(since: since, today: day("2026-12-07"), calendar: calendar)))
        #expect(OrphanRules.escalated(waited: OrphanRules.waited(since: since, today: day("2026-12-08"), calendar: calendar)))
        #expect(OrphanRules.escalated(waited: OrphanRules.waited(since: since, today: day("2026-12-02"), calendar: calendar), after: 1))
        #expect(!OrphanRules.escalated(waited: OrphanRules.waited(since: since, today: day("2026-12-02"), calendar: calendar)))
        #expect(OrphanRules.waited(since: since, today: day("2026-11-28"), calendar: calendar) == 0)
    }
}

@Suite struct StandingDutiesTests {
    let calendar = WorkCalendar(hours: .ngheAn, specialDays: HolidayRules.proposals(year: 2026), years: 2026...2026)

    @Test func aNewPostWantsWrittenDutiesWithinTenWorkingDays() throws {
        // In post from Monday 2 November: ten working days run to Friday 13 November.
        let from = Day("2026-11-02")!
        #expect(!DutyRules.overdue(postFrom: from, approvedFrom: nil, today: Day("2026-11-16")!, calendar: calendar))
        #expect(DutyRules.overdue(postFrom: from, approvedFrom: nil, today: Day("2026-11-17")!, calendar: calendar))
        // Duties approved for the post (dated from its start or later) settle it; older ones, for the last post, do not.
        #expect(!DutyRules.overdue(postFrom: from, approvedFrom: Day("2026-11-05")!, today: Day("2026-12-01")!, calendar: calendar))
        #expect(DutyRules.overdue(postFrom: from, approvedFrom: Day("2025-07-01")!, today: Day("2026-12-01")!, calendar: calendar))
        #expect(!DutyRules.overdue(postFrom: Day("2026-12-20")!, approvedFrom: nil, today: Day("2026-12-01")!, calendar: calendar), "a post not yet begun")
        // The same rule as one day for a list: posts begun on or before Monday 2 November are past the grace on 17 November.
        let latest = try DutyRules.latestStart(today: Day("2026-11-17")!, calendar: calendar)
        #expect(latest == Day("2026-11-02")!)
        #expect(DutyRules.overdue(postFrom: latest, approvedFrom: nil, today: Day("2026-11-17")!, calendar: calendar))
        #expect(!DutyRules.overdue(postFrom: latest.next, approvedFrom: nil, today: Day("2026-11-17")!, calendar: calendar))
        #expect(throws: ValidationErrors.self) { try StandingDuties.validate(text: "  ngắn ") }
        #expect(try StandingDuties.validate(text: "  Theo dõi công tác văn thư, lưu trữ  ") == "Theo dõi công tác văn thư, lưu trữ")
    }
}
