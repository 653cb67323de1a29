import Foundation

/// An entry of a unit's work schedule (lịch công tác): what, when, where, who chairs, who takes part,
/// who prepares, and the video-meeting room when it is held online.
public struct ScheduleEntry: Equatable, Sendable {
    public enum Status: String, CaseIterable, Codable, Sendable {
        /// The office's draft, not public.
        case draft
        /// Published by the leader; every later change is kept and shown as an adjustment.
        case published
        /// Called off after publication (kept, shown struck through; the calendar feed says CANCELLED).
        case cancelled
    }

    public var id: Int64
    public var unitID: Int64
    public var day: Day
    public var start: ClockTime
    public var end: ClockTime
    public var content: String
    public var place: String
    /// The leader who chairs or attends, whose schedule it is.
    public var chairID: Int64?
    public var participants: [Int64]
    public var participantUnits: [Int64]
    public var preparingUnitID: Int64?
    /// Away from the office (a site visit, a meeting elsewhere): published, it excuses the chair's
    /// attendance for its time as an approved notice would.
    public var away: Bool
    public var meetingURL: String
    /// A meeting's agenda (what is to be discussed, in order), sent with the invitations.
    public var agenda: String
    /// A regular citizen reception session of the chair (counts toward the legal minimum).
    public var reception: Bool
    public var status: Status
    /// Raised by every change after publication (the calendar feed's SEQUENCE).
    public var sequence: Int
    /// The stored row's version (optimistic: a change against an older one is refused).
    public var version: Int

    public init(id: Int64 = 0, unitID: Int64, day: Day, start: ClockTime, end: ClockTime, content: String, place: String = "", chairID: Int64? = nil,
                participants: [Int64] = [], participantUnits: [Int64] = [], preparingUnitID: Int64? = nil, away: Bool = false, meetingURL: String = "",
                agenda: String = "", reception: Bool = false, status: Status = .draft, sequence: Int = 0, version: Int = 0) {
        self.id = id
        self.unitID = unitID
        self.day = day
        self.start = start
        self.end = end
        self.content = content
        self.place = place
        self.chairID = chairID
        self.participants = participants
        self.participantUnits = participantUnits
        self.preparingUnitID = preparingUnitID
        self.away = away
        self.meetingURL = meetingURL
        self.agenda = agenda
        self.reception = reception
        self.status = status
        self.sequence = sequence
        self.version = version
    }

    /// The entry's span as moments on the Vietnamese clock.
    public var from: Date { CivilTime.startOfDay(day).addingTimeInterval(TimeInterval(start.minutes * 60)) }
    public var to: Date { CivilTime.startOfDay(day).addingTimeInterval(TimeInterval(end.minutes * 60)) }

    /// For the chair's attendance: a published entry away from the office excuses its time.
    public var excuse: Excuse? {
        guard away, status == .published, chairID != nil else { return nil }
        return Excuse(id: "schedule-\(id)", kind: .businessTrip, from: from, to: to)
    }

    /// A meeting between levels: other units take part (each marks who attends).
    public var isMeeting: Bool { !participantUnits.isEmpty }

    /// Whether the entry lies outside the unit's working hours that day (a flag, not an error:
    /// an evening meeting is allowed, but the page says so).
    public func outsideHours(_ calendar: WorkCalendar) -> Bool {
        let sessions = calendar.sessions(on: day)
        guard let first = sessions.first, let last = sessions.last else { return true }
        return start < first.start || end > last.end
    }

    /// What changed between two versions of an entry, by field name (for the "điều chỉnh" line).
    public static func changes(from old: ScheduleEntry, to new: ScheduleEntry) -> [String] {
        var out: [String] = []
        if old.day != new.day { out.append("day") }
        if old.start != new.start || old.end != new.end { out.append("time") }
        if old.content != new.content { out.append("content") }
        if old.place != new.place { out.append("place") }
        if old.chairID != new.chairID { out.append("chair") }
        if Set(old.participants) != Set(new.participants) || Set(old.participantUnits) != Set(new.participantUnits) { out.append("participants") }
        if old.preparingUnitID != new.preparingUnitID { out.append("preparing_unit") }
        if old.away != new.away { out.append("away") }
        if old.meetingURL != new.meetingURL { out.append("meeting_url") }
        if old.agenda != new.agenda { out.append("agenda") }
        if old.reception != new.reception { out.append("reception") }
        if old.status != new.status { out.append("status") }
        return out
    }

    /// Pairs of entries (by index) whose chair is the same and whose times overlap on the same day:
    /// a warning to the office, not a refusal (a leader may leave one meeting for another).
    public static func overlaps(_ entries: [ScheduleEntry]) -> [(Int, Int)] {
        var out: [(Int, Int)] = []
        let live = entries.indices.filter { entries[$0].status != .cancelled && entries[$0].chairID != nil }
        for (n, i) in live.enumerated() {
            for j in live[(n + 1)...] {
                let a = entries[i], b = entries[j]
                if a.chairID == b.chairID, a.day == b.day, a.start < b.end, b.start < a.end { out.append((i, j)) }
            }
        }
        return out
    }
}

/// What the office types for an entry, checked before anything is stored.
public struct ScheduleDraft: Equatable, Sendable {
    public var day: String
    public var start: String
    public var end: String
    public var content: String
    public var place: String
    public var chairID: Int64?
    public var away: Bool
    public var meetingURL: String
    public var reception: Bool
    public var agenda: String
    public var participantUnits: [Int64]

    public init(day: String, start: String, end: String, content: String, place: String = "", chairID: Int64? = nil, away: Bool = false,
                meetingURL: String = "", reception: Bool = false, agenda: String = "", participantUnits: [Int64] = []) {
        self.day = day
        self.start = start
        self.end = end
        self.content = content
        self.place = place
        self.chairID = chairID
        self.away = away
        self.meetingURL = meetingURL
        self.reception = reception
        self.agenda = agenda
        self.participantUnits = participantUnits
    }

    /// The entry, or every field's problem: a real day, times that read, the end after the start,
    /// some content, a meeting link that is an https address.
    public func validate(unitID: Int64) throws -> ScheduleEntry {
        var errors: [FieldError] = []
        let day = Day(self.day.tidied)
        if day == nil { errors.append(FieldError("day", "date_invalid")) }
        let start = ClockTime(self.start), end = ClockTime(self.end)
        if start == nil { errors.append(FieldError("start", "time_invalid")) }
        if end == nil { errors.append(FieldError("end", "time_invalid")) }
        if let start, let end, end <= start { errors.append(FieldError("end", "schedule_end_before_start")) }
        let content = self.content.tidied, place = self.place.tidied, url = meetingURL.tidied
        if content.isEmpty { errors.append(FieldError("content", "required")) }
        if content.count > 1000 { errors.append(FieldError("content", "too_long")) }
        if place.count > 300 { errors.append(FieldError("place", "too_long")) }
        let agenda = self.agenda.trimmingCharacters(in: .whitespacesAndNewlines)
        if agenda.count > 4000 { errors.append(FieldError("agenda", "too_long")) }
        if !url.isEmpty, !(url.hasPrefix("https://") && URL(string: url)?.host != nil) { errors.append(FieldError("meeting_url", "schedule_link_invalid")) }
        if reception && chairID == nil { errors.append(FieldError("chair", "schedule_reception_needs_chair")) }
        if !errors.isEmpty { throw ValidationErrors(errors) }
        return ScheduleEntry(unitID: unitID, day: day!, start: start!, end: end!, content: content, place: place, chairID: chairID,
                             participantUnits: Array(Set(participantUnits)).sorted(), away: away, meetingURL: url, agenda: agenda, reception: reception)
    }
}

/// What a participant unit says of a meeting: who attends for it, and whether from its own room online.
public struct MeetingAttendance: Equatable, Sendable {
    public var unitID: Int64
    /// The attendees' names and posts, one per line as the unit typed them.
    public var attendees: [String]
    public var online: Bool
    public var markedAt: Date
    public var markedBy: String

    public init(unitID: Int64, attendees: [String], online: Bool, markedAt: Date, markedBy: String) {
        self.unitID = unitID
        self.attendees = attendees
        self.online = online
        self.markedAt = markedAt
        self.markedBy = markedBy
    }

    /// The attendees from a text area: one per line, tidied, blank lines dropped; at most 50, each
    /// under 200 characters.
    public static func attendees(_ text: String) throws -> [String] {
        let lines = text.split(whereSeparator: \.isNewline).map { String($0).tidied }.filter { !$0.isEmpty }
        if lines.count > 50 || lines.contains(where: { $0.count > 200 }) { throw ValidationErrors([FieldError("attendees", "too_long")]) }
        return lines
    }
}

/// A conclusion the secretary records at a meeting; it may be handed on as a task.
public struct MeetingConclusion: Equatable, Sendable {
    public var id: Int64
    public var text: String
    public var taskID: Int64?
    public var createdAt: Date
    public var createdBy: String

    public init(id: Int64 = 0, text: String, taskID: Int64? = nil, createdAt: Date, createdBy: String) {
        self.id = id
        self.text = text
        self.taskID = taskID
        self.createdAt = createdAt
        self.createdBy = createdBy
    }

    /// The text tidied: some words, not a book.
    public static func validated(_ text: String) throws -> String {
        let t = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if t.count < 5 { throw ValidationErrors([FieldError("text", "required")]) }
        if t.count > 2000 { throw ValidationErrors([FieldError("text", "too_long")]) }
        return t
    }
}
