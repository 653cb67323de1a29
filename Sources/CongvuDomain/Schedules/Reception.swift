import Foundation

/// The legal minimum of regular citizen reception by a head in person, as dated data (Law 42/2013
/// on Citizen Reception, Decree 64/2014): kept per role and level so an amendment is a new row.
public struct ReceptionRule: Equatable, Sendable {
    public enum Role: String, CaseIterable, Codable, Sendable {
        /// The chairman of a commune, ward or special zone's People's Committee.
        case communeChairman = "commune_chairman"
        /// The chairman of a (former) district's People's Committee.
        case districtChairman = "district_chairman"
        /// The chairman of a province's People's Committee.
        case provinceChairman = "province_chairman"
        /// The head of any other agency.
        case agencyHead = "agency_head"
    }
    public enum Period: String, CaseIterable, Codable, Sendable { case week, month }

    public var role: Role
    public var days: Int
    public var per: Period
    public var validFrom: Day
    public var reference: String

    public init(role: Role, days: Int, per: Period, validFrom: Day, reference: String) {
        self.role = role
        self.days = days
        self.per = per
        self.validFrom = validFrom
        self.reference = reference
    }

    /// The rules as the law has them since 1 July 2014 (the Law's and the Decree's effect).
    public static let law2013: [ReceptionRule] = [
        .init(role: .communeChairman, days: 1, per: .week, validFrom: Day(year: 2014, month: 7, day: 1)!, reference: "Luật Tiếp công dân 2013, Điều 15"),
        .init(role: .districtChairman, days: 2, per: .month, validFrom: Day(year: 2014, month: 7, day: 1)!, reference: "Luật Tiếp công dân 2013, Điều 13"),
        .init(role: .provinceChairman, days: 1, per: .month, validFrom: Day(year: 2014, month: 7, day: 1)!, reference: "Luật Tiếp công dân 2013, Điều 12"),
        .init(role: .agencyHead, days: 1, per: .month, validFrom: Day(year: 2014, month: 7, day: 1)!, reference: "Nghị định 64/2014/NĐ-CP, Điều 4"),
    ]

    /// The rule in force for a role on a day: the latest that began by then.
    public static func inForce(_ rules: [ReceptionRule], role: Role, on day: Day) -> ReceptionRule? {
        rules.filter { $0.role == role && $0.validFrom <= day }.max { $0.validFrom < $1.validFrom }
    }
}

/// A period (a week from Monday, or a calendar month) in which a head's reception days fall short.
public struct ReceptionShortfall: Equatable, Sendable {
    public var first: Day
    public var last: Day
    public var required: Int
    public var scheduled: Int

    public init(first: Day, last: Day, required: Int, scheduled: Int) {
        self.first = first
        self.last = last
        self.required = required
        self.scheduled = scheduled
    }
}

public enum ReceptionCheck {
    /// The periods from `from` to `to` in which the head has fewer distinct reception days than the
    /// rule asks. A period with fewer working days than the rule asks (a week of Tết) asks only
    /// what it has; a period without any working day asks nothing.
    public static func shortfalls(receptionDays: Set<Day>, role: ReceptionRule.Role, rules: [ReceptionRule], from: Day, to: Day,
                                  calendar: WorkCalendar) -> [ReceptionShortfall] {
        var out: [ReceptionShortfall] = []
        var cursor = from
        while cursor <= to {
            guard let rule = ReceptionRule.inForce(rules, role: role, on: cursor) else { cursor = cursor.next; continue }
            let (first, last) = bounds(of: cursor, per: rule.per)
            let days = first.through(last)
            let working = days.filter { calendar.isWorkingDay($0) }.count
            let required = min(rule.days, working)
            let scheduled = Set(days).intersection(receptionDays).count
            if scheduled < required { out.append(.init(first: first, last: last, required: required, scheduled: scheduled)) }
            cursor = last.next
        }
        return out
    }

    static func bounds(of day: Day, per: ReceptionRule.Period) -> (Day, Day) {
        switch per {
        case .week:
            let week = DutyWeek(containing: day)
            return (week.start, week.days(count: 7).last!)
        case .month:
            return (Day(year: day.year, month: day.month, day: 1)!,
                    Day(year: day.year, month: day.month, day: Day.daysIn(month: day.month, year: day.year))!)
        }
    }
}

/// An entry of the reception log (sổ tiếp công dân).
public struct ReceptionRecord: Equatable, Sendable {
    /// What the citizen brought, as the law classifies it.
    public enum Classification: String, CaseIterable, Codable, Sendable {
        case complaint, denunciation, petition, reflection
    }
    public enum Handling: String, CaseIterable, Codable, Sendable {
        /// Answered on the spot.
        case answered
        /// Received for the unit to settle.
        case received
        /// Passed to the competent unit.
        case forwarded
        /// Guided to where it belongs.
        case guided
    }

    public var day: Day
    public var receiverID: Int64
    public var citizenName: String
    public var citizenAddress: String
    public var citizenID: String
    public var content: String
    public var classification: Classification
    public var handling: Handling
    public var forwardedTo: String
    /// The outcome once known, and its date.
    public var result: String
    public var resultDay: Day?

    public init(day: Day, receiverID: Int64, citizenName: String, citizenAddress: String = "", citizenID: String = "", content: String,
                classification: Classification, handling: Handling, forwardedTo: String = "", result: String = "", resultDay: Day? = nil) {
        self.day = day
        self.receiverID = receiverID
        self.citizenName = citizenName
        self.citizenAddress = citizenAddress
        self.citizenID = citizenID
        self.content = content
        self.classification = classification
        self.handling = handling
        self.forwardedTo = forwardedTo
        self.result = result
        self.resultDay = resultDay
    }

    /// Tidied and checked: a name and content, an ID number of 9 or 12 digits when given, where it
    /// went when forwarded, not in the future.
    public func validated(today: Day) throws -> ReceptionRecord {
        var r = self
        r.citizenName = citizenName.tidied
        r.citizenAddress = citizenAddress.tidied
        r.citizenID = citizenID.filter { !$0.isWhitespace }
        r.content = content.trimmingCharacters(in: .whitespacesAndNewlines)
        r.forwardedTo = forwardedTo.tidied
        r.result = result.trimmingCharacters(in: .whitespacesAndNewlines)
        var errors: [FieldError] = []
        if r.citizenName.isEmpty { errors.append(FieldError("citizen_name", "required")) }
        if r.citizenName.count > 200 || r.citizenAddress.count > 300 { errors.append(FieldError("citizen_name", "too_long")) }
        if !r.citizenID.isEmpty, !([9, 12].contains(r.citizenID.count) && r.citizenID.allSatisfy(\.isASCII) && r.citizenID.allSatisfy(\.isNumber)) {
            errors.append(FieldError("citizen_id", "reception_id_invalid"))
        }
        if r.content.count < 5 { errors.append(FieldError("content", "required")) }
        if r.content.count > 4000 { errors.append(FieldError("content", "too_long")) }
        if r.handling == .forwarded && r.forwardedTo.isEmpty { errors.append(FieldError("forwarded_to", "required")) }
        if r.day > today { errors.append(FieldError("day", "reception_in_future")) }
        if r.result.count > 4000 { errors.append(FieldError("result", "too_long")) }
        if let done = r.resultDay, done < r.day || done > today { errors.append(FieldError("result_day", "reception_result_day")) }
        if r.resultDay != nil && r.result.isEmpty { errors.append(FieldError("result", "required")) }
        if !errors.isEmpty { throw ValidationErrors(errors) }
        return r
    }
}

/// The reception log's counts for a period, as reports ask for them: sessions (distinct days a
/// head received), citizens received, and the cases by classification and by handling.
public struct ReceptionCounts: Equatable, Sendable {
    public var days: Int
    public var citizens: Int
    public var byClassification: [ReceptionRecord.Classification: Int]
    public var byHandling: [ReceptionRecord.Handling: Int]
    /// Cases with a result recorded.
    public var settled: Int

    public init(_ records: [ReceptionRecord]) {
        days = Set(records.map { "\($0.day)/\($0.receiverID)" }).count
        citizens = records.count
        byClassification = Dictionary(grouping: records, by: \.classification).mapValues(\.count)
        byHandling = Dictionary(grouping: records, by: \.handling).mapValues(\.count)
        settled = records.filter { $0.resultDay != nil }.count
    }
}

/// What a one-stop counter posts for one field: its working hours, and the days it receives and
/// returns dossiers (an inspection faults a counter that does not announce them).
public struct CounterNotice: Equatable, Sendable {
    public var id: Int64
    public var field: String
    public var workingHours: String
    public var receivingDays: String
    public var returningDays: String

    public init(id: Int64 = 0, field: String, workingHours: String, receivingDays: String, returningDays: String) {
        self.id = id
        self.field = field
        self.workingHours = workingHours
        self.receivingDays = receivingDays
        self.returningDays = returningDays
    }

    /// Tidied; every part said, none over 300 characters.
    public func validated() throws -> CounterNotice {
        var n = self
        n.field = field.tidied
        n.workingHours = workingHours.tidied
        n.receivingDays = receivingDays.tidied
        n.returningDays = returningDays.tidied
        var errors: [FieldError] = []
        for (name, value) in [("field", n.field), ("working_hours", n.workingHours), ("receiving_days", n.receivingDays), ("returning_days", n.returningDays)] {
            if value.isEmpty { errors.append(FieldError(name, "required")) } else if value.count > 300 { errors.append(FieldError(name, "too_long")) }
        }
        if !errors.isEmpty { throw ValidationErrors(errors) }
        return n
    }
}

/// A line of the hotline board: a leader's published number.
public struct Hotline: Equatable, Sendable {
    public var id: Int64
    public var name: String
    public var title: String
    public var phone: String

    public init(id: Int64 = 0, name: String, title: String, phone: String) {
        self.id = id
        self.name = name
        self.title = title
        self.phone = phone
    }

    /// A name, a post, and a Vietnamese telephone number (digits, spaces, dots, an optional +84;
    /// 8 to 11 digits once `+84` reads as `0`).
    public func validated() throws -> Hotline {
        var h = self
        h.name = name.tidied
        h.title = title.tidied
        h.phone = phone.tidied
        var errors: [FieldError] = []
        if h.name.isEmpty { errors.append(FieldError("name", "required")) }
        if h.title.isEmpty { errors.append(FieldError("title", "required")) }
        if h.name.count > 200 || h.title.count > 200 { errors.append(FieldError("name", "too_long")) }
        var digits = h.phone.filter { !" .-".contains($0) }
        if digits.hasPrefix("+84") { digits = "0" + digits.dropFirst(3) }
        if !(digits.allSatisfy { $0.isASCII && $0.isNumber } && (8...11).contains(digits.count)) { errors.append(FieldError("phone", "hotline_phone_invalid")) }
        if !errors.isEmpty { throw ValidationErrors(errors) }
        return h
    }
}

/// A video-meeting room: a Jitsi Meet address from a configured base and an unguessable name.
public enum MeetingRoom {
    /// `base` (`https://meet.example.vn`) and 16 random bytes become `https://meet.example.vn/congvu-<32 hex>`.
    public static func url(base: String, random: [UInt8]) -> String? {
        let trimmed = base.hasSuffix("/") ? String(base.dropLast()) : base
        guard random.count >= 16, trimmed.hasPrefix("https://"), URL(string: trimmed)?.host != nil else { return nil }
        return trimmed + "/congvu-" + random.hexString
    }
}

/// A leader's regular citizen reception day (lịch tiếp công dân định kỳ), as the office keeps it:
/// a weekday every week, or the nth such weekday of each month, with its hours and place, from a
/// day (and until one, once replaced: dated, never deleted). The week's drafts are made from it.
public struct ReceptionDay: Equatable, Sendable {
    public var id: Int64
    public var unitID: Int64
    public var chairID: Int64
    /// 1 = Monday … 7 = Sunday.
    public var weekday: Int
    /// 0: every week; 1–4: the first to fourth such weekday of the month; 5: the last.
    public var nth: Int
    public var start: ClockTime
    public var end: ClockTime
    public var place: String
    public var validFrom: Day
    public var validTo: Day?

    public init(id: Int64 = 0, unitID: Int64, chairID: Int64, weekday: Int, nth: Int = 0, start: ClockTime, end: ClockTime, place: String = "",
                validFrom: Day, validTo: Day? = nil) {
        self.id = id
        self.unitID = unitID
        self.chairID = chairID
        self.weekday = weekday
        self.nth = nth
        self.start = start
        self.end = end
        self.place = place
        self.validFrom = validFrom
        self.validTo = validTo
    }

    /// Checked: a weekday, which week of the month, hours that read with the end after the start.
    public static func validated(unitID: Int64, chairID: Int64?, weekday: String, nth: String, start: String, end: String, place: String,
                                 from: Day) throws -> ReceptionDay {
        var errors: [FieldError] = []
        if chairID == nil { errors.append(FieldError("chair", "required")) }
        let w = Int(weekday), n = Int(nth.isEmpty ? "0" : nth)
        if w == nil || !(1...7).contains(w!) { errors.append(FieldError("weekday", "out_of_range")) }
        if n == nil || !(0...5).contains(n!) { errors.append(FieldError("nth", "out_of_range")) }
        let s = ClockTime(start), e = ClockTime(end)
        if s == nil { errors.append(FieldError("start", "time_invalid")) }
        if e == nil { errors.append(FieldError("end", "time_invalid")) }
        if let s, let e, e <= s { errors.append(FieldError("end", "schedule_end_before_start")) }
        if place.tidied.count > 300 { errors.append(FieldError("place", "too_long")) }
        if !errors.isEmpty { throw ValidationErrors(errors) }
        return ReceptionDay(unitID: unitID, chairID: chairID!, weekday: w!, nth: n!, start: s!, end: e!, place: place.tidied, validFrom: from)
    }

    /// Whether the rule holds a session on `day` (in force that day, the weekday and the week of
    /// the month matching); the calendar then decides whether the day is worked.
    public func falls(on day: Day) -> Bool {
        guard validFrom <= day, validTo.map({ day <= $0 }) ?? true else { return false }
        let w = HolidayRules.weekday(day)
        guard (w == 0 ? 7 : w) == weekday else { return false }
        switch nth {
        case 0: return true
        case 5: return day.day + 7 > Day.daysIn(month: day.month, year: day.year)
        default: return (day.day - 1) / 7 + 1 == nth
        }
    }

    /// The rule's sessions in a week: its days that the unit works (a holiday takes its session away,
    /// and the reception check then says the week is short).
    public func sessions(in week: DutyWeek, calendar: WorkCalendar) -> [Day] {
        week.days(count: 7).filter { falls(on: $0) && calendar.isWorkingDay($0) }
    }
}
