import Foundation

/// A task given in writing (nhiệm vụ): one lead (chủ trì) who owns it, co-operating people
/// (phối hợp) and watchers (theo dõi), a deadline on the unit's working calendar, and the "3 steps":
/// assigned → carried out and reported → evaluated. Every other feature (inspections, feedback,
/// meetings, the reform index) creates its follow-up through this one mechanism, naming the record
/// it came from in `source`.
public struct WorkTask: Equatable, Sendable {
    public enum Status: String, CaseIterable, Codable, Sendable {
        /// Given, not yet acknowledged by its lead.
        case assigned
        /// Acknowledged (or returned for rework): being carried out.
        case inProgress = "in_progress"
        /// The lead reported it done; the assigner evaluates.
        case reported
        /// Evaluated and closed.
        case accepted
        case cancelled

        public var isOpen: Bool { self == .assigned || self == .inProgress || self == .reported }
    }

    public enum Priority: String, CaseIterable, Codable, Sendable { case normal, high, urgent }

    /// The assigner's grade when accepting.
    public enum Quality: String, CaseIterable, Codable, Sendable { case excellent, good, satisfactory, unsatisfactory }

    public var id: Int64
    public var unitID: Int64
    /// Numbered per unit and year: "12/2026".
    public var year: Int
    public var number: Int
    public var title: String
    public var content: String
    public var source: TaskSource
    public var assignerID: Int64
    /// The lead (chủ trì).
    public var ownerID: Int64
    public var priority: Priority
    public var assignedAt: Date
    /// The deadline: the end of this day. Extensions move it; `originalDue` keeps the first.
    public var due: Day
    public var originalDue: Day
    public var status: Status
    public var acknowledgedAt: Date?
    public var reportedAt: Date?
    public var closedAt: Date?
    public var percent: Int
    public var quality: Quality?
    public var parentID: Int64?
    /// Optimistic concurrency: every change names the version it read.
    public var version: Int
    /// For one of a recurring series: its rule (RRULE), the same on every task of the series.
    public var recurrence: String = ""
    /// The recurring series the task belongs to, if any.
    public var seriesID: Int64?

    public init(id: Int64 = 0, unitID: Int64, year: Int, number: Int = 0, title: String, content: String = "", source: TaskSource = .none,
                assignerID: Int64, ownerID: Int64, priority: Priority = .normal, assignedAt: Date, due: Day, originalDue: Day? = nil,
                status: Status = .assigned, acknowledgedAt: Date? = nil, reportedAt: Date? = nil, closedAt: Date? = nil, percent: Int = 0,
                quality: Quality? = nil, parentID: Int64? = nil, version: Int = 1, recurrence: String = "", seriesID: Int64? = nil) {
        self.id = id
        self.unitID = unitID
        self.year = year
        self.number = number
        self.title = title
        self.content = content
        self.source = source
        self.assignerID = assignerID
        self.ownerID = ownerID
        self.priority = priority
        self.assignedAt = assignedAt
        self.due = due
        self.originalDue = originalDue ?? due
        self.status = status
        self.acknowledgedAt = acknowledgedAt
        self.reportedAt = reportedAt
        self.closedAt = closedAt
        self.percent = percent
        self.quality = quality
        self.parentID = parentID
        self.version = version
        self.recurrence = recurrence
        self.seriesID = seriesID
    }

    /// "12/2026".
    public var reference: String { "\(number)/\(year)" }

    /// The day the lead reported it done (what the evaluation judges), in Vietnam.
    public var doneDay: Day? { reportedAt.map { Day($0, in: CivilTime.vietnam) } }

    /// One of the Government Office's four states (Decision 42/2014/QĐ-TTg), judged on `today`:
    /// done (reported or accepted) on time or late, open within the deadline or overdue. Nil when cancelled.
    public func standing(on today: Day) -> TaskStanding? {
        switch status {
        case .cancelled: return nil
        case .reported, .accepted:
            guard let done = doneDay else { return .doneOnTime }
            return done <= due ? .doneOnTime : .doneLate
        case .assigned, .inProgress:
            return today <= due ? .openWithinDeadline : .openOverdue
        }
    }
}

/// The Government Office's four states of a task.
public enum TaskStanding: String, CaseIterable, Codable, Sendable {
    case doneOnTime = "done_on_time"
    case doneLate = "done_late"
    case openWithinDeadline = "open_within_deadline"
    case openOverdue = "open_overdue"
}

/// Where a task came from: a document (number and date), a meeting's conclusion, a leader's
/// instruction, an inspection's recommendation or a citizen's feedback, with the record it links to.
public struct TaskSource: Equatable, Sendable {
    public enum Kind: String, CaseIterable, Codable, Sendable {
        case none, document, meeting, instruction, inspection, feedback
        /// A weak sub-criterion of a published reform index.
        case reform
    }
    public var kind: Kind
    /// A document's number and issuer ("15/CT-UBND"), or what names the record.
    public var reference: String
    public var date: Day?
    /// The originating record, when it lives in Congvu (`inspection_finding`, 42).
    public var recordType: String
    public var recordID: Int64?

    public init(kind: Kind, reference: String = "", date: Day? = nil, recordType: String = "", recordID: Int64? = nil) {
        self.kind = kind
        self.reference = reference
        self.date = date
        self.recordType = recordType
        self.recordID = recordID
    }

    public static let none = TaskSource(kind: .none)
}

/// How a task was done against its deadline, in working days of the unit's calendar.
public enum TaskTimeliness: Equatable, Sendable {
    case early(workingDays: Int)
    case onTime
    case late(workingDays: Int)

    /// Done on `done`, due on `due`: early when at least one working day before the due day.
    public static func judge(done: Day, due: Day, calendar: WorkCalendar) throws -> TaskTimeliness {
        let gap = try calendar.workingDays(from: done, to: due)
        if gap > 0 { return .early(workingDays: gap) }
        if done <= due { return .onTime }
        return .late(workingDays: max(1, try calendar.workingDays(from: due, to: done)))
    }
}

/// What may be done to a task, by whom.
public enum TaskAction: String, CaseIterable, Codable, Sendable {
    case acknowledge, progress
    case requestExtension = "request_extension"
    case approveExtension = "approve_extension"
    case refuseExtension = "refuse_extension"
    case reportDone = "report_done"
    case accept
    case returnForRework = "return"
    case cancel
    case reassign
    case comment

    /// Who may take an action: the lead (or the lead's substitute while they are away), the
    /// assigner (or a leader above the task's unit), anyone on the task (comments).
    public enum Actor: Sendable { case lead, assigner, participant }

    public var actor: Actor {
        switch self {
        case .acknowledge, .progress, .requestExtension, .reportDone: .lead
        case .approveExtension, .refuseExtension, .accept, .returnForRework, .cancel, .reassign: .assigner
        case .comment: .participant
        }
    }

    /// The statuses an action may be taken in, and the status it leaves.
    public func next(from status: WorkTask.Status, extensionPending: Bool) -> WorkTask.Status? {
        switch (self, status) {
        case (.acknowledge, .assigned): .inProgress
        case (.progress, .inProgress), (.progress, .assigned): .inProgress
        case (.requestExtension, .inProgress), (.requestExtension, .assigned): extensionPending ? nil : status
        case (.approveExtension, _), (.refuseExtension, _): extensionPending && status.isOpen ? status : nil
        case (.reportDone, .inProgress), (.reportDone, .assigned): .reported
        case (.accept, .reported): .accepted
        case (.returnForRework, .reported): .inProgress
        case (.cancel, _): status.isOpen ? .cancelled : nil
        case (.reassign, _): status.isOpen ? status : nil
        case (.comment, _): status
        default: nil
        }
    }

    /// Actions that must say why (kept in the audit log and the task's history).
    public var needsReason: Bool { [.requestExtension, .refuseExtension, .returnForRework, .cancel, .reassign].contains(self) }
}

public enum TaskRules {
    /// The actions open to someone on a task, in the order a page offers them.
    public static func available(_ task: WorkTask, isLead: Bool, isAssigner: Bool, isParticipant: Bool, extensionPending: Bool) -> [TaskAction] {
        TaskAction.allCases.filter { action in
            guard action.next(from: task.status, extensionPending: extensionPending) != nil else { return false }
            switch action.actor {
            case .lead: return isLead
            case .assigner: return isAssigner && !(isLead && [.accept, .returnForRework].contains(action))
            case .participant: return isLead || isAssigner || isParticipant
            }
        }
    }

    /// A task given but not acknowledged within a working day of being assigned.
    public static func unacknowledged(_ task: WorkTask, now: Date, calendar: WorkCalendar) -> Bool {
        guard task.status == .assigned, let limit = try? calendar.addingWorkingDays(1, to: task.assignedAt) else { return false }
        return now > limit
    }

    /// The working days left before the deadline (0 on the due day; negative once overdue).
    public static func workingDaysLeft(_ task: WorkTask, today: Day, calendar: WorkCalendar) throws -> Int {
        today <= task.due ? try calendar.workingDays(from: today, to: task.due) : -max(1, try calendar.workingDays(from: task.due, to: today))
    }

    /// Reminders fall this many working days before the deadline, and every day once it is overdue.
    public static let reminderDays = [3, 1]

    /// Whether an open task is due for a reminder on `today`.
    public static func remindsToday(_ task: WorkTask, today: Day, calendar: WorkCalendar) -> Bool {
        guard task.status == .assigned || task.status == .inProgress, let left = try? workingDaysLeft(task, today: today, calendar: calendar) else { return false }
        return left < 0 || reminderDays.contains(left)
    }

    /// Whether a task's lead has lost the post that made it theirs: no post, on `day`, in the task's
    /// unit or under it (transfer, retirement, leaving). Such a task waits for the head to reassign it.
    public static func orphaned(_ task: WorkTask, unitPath: String, ownerPostPaths: [String]) -> Bool {
        task.status.isOpen && !ownerPostPaths.contains { $0.hasPrefix(unitPath) || unitPath.hasPrefix($0) }
    }
}

/// A task as typed in the form, before checks.
public struct TaskDraft: Sendable {
    public var title: String
    public var content: String
    public var ownerID: Int64?
    public var priority: String
    /// A date (`2026-12-20`) or a number of working days (`5`).
    public var dueDate: String
    public var dueWorkingDays: String
    public var sourceKind: String
    public var sourceReference: String
    public var sourceDate: String

    public init(title: String, content: String = "", ownerID: Int64?, priority: String = "normal", dueDate: String = "",
                dueWorkingDays: String = "", sourceKind: String = "none", sourceReference: String = "", sourceDate: String = "") {
        self.title = title
        self.content = content
        self.ownerID = ownerID
        self.priority = priority
        self.dueDate = dueDate
        self.dueWorkingDays = dueWorkingDays
        self.sourceKind = sourceKind
        self.sourceReference = sourceReference
        self.sourceDate = sourceDate
    }

    /// The task, its deadline taken from a date or counted in working days from `today` on the
    /// unit's calendar. Refuses a deadline in the past, more than five years ahead, or missing.
    public func validate(unitID: Int64, assignerID: Int64, today: Day, now: Date, calendar: WorkCalendar) throws -> WorkTask {
        var errors = ValidationErrors()
        let title = self.title.trimmingCharacters(in: .whitespacesAndNewlines)
        if title.isEmpty { errors.add("title", "required") } else if title.count > 300 { errors.add("title", "too_long") }
        if content.count > 10_000 { errors.add("content", "too_long") }
        if ownerID == nil { errors.add("owner", "required") }
        let priority = WorkTask.Priority(rawValue: self.priority)
        if priority == nil { errors.add("priority", "invalid") }
        var due: Day?
        let days = dueWorkingDays.trimmingCharacters(in: .whitespaces)
        let date = dueDate.trimmingCharacters(in: .whitespaces)
        if !days.isEmpty {
            // A count the calendar cannot reach is refused like any other, never left without a deadline.
            if let n = Int(days), (1...250).contains(n), let d = try? calendar.addingWorkingDays(n, to: today) { due = d } else {
                errors.add("due_working_days", "task_working_days_invalid")
            }
        } else if !date.isEmpty {
            if let d = Day(date) {
                if d < today { errors.add("due_date", "task_due_past") } else if d.year > today.year + 5 { errors.add("due_date", "date_invalid") } else { due = d }
            } else { errors.add("due_date", "date_invalid") }
        } else {
            errors.add("due_date", "task_due_required")
        }
        let kind = TaskSource.Kind(rawValue: sourceKind)
        if kind == nil { errors.add("source_kind", "invalid") }
        var sourceDay: Day?
        if !sourceDate.trimmingCharacters(in: .whitespaces).isEmpty {
            sourceDay = Day(sourceDate.trimmingCharacters(in: .whitespaces))
            if sourceDay == nil { errors.add("source_date", "date_invalid") }
        }
        try errors.throwIfAny()
        return WorkTask(unitID: unitID, year: today.year, title: title, content: content.trimmingCharacters(in: .whitespacesAndNewlines),
                        source: TaskSource(kind: kind!, reference: sourceReference.trimmingCharacters(in: .whitespaces), date: sourceDay),
                        assignerID: assignerID, ownerID: ownerID!, priority: priority!, assignedAt: now, due: due!)
    }
}
