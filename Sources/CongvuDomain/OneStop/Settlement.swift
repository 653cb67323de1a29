import Foundation

/// A reporting period: month, quarter, half-year, nine months, year or any range. Government
/// periods run from the 15th of the month before the first month to the 14th of the last month.
public struct ReportPeriod: Hashable, Sendable {
    public enum Kind: String, CaseIterable, Sendable {
        case month, quarter, half, nineMonths = "nine_months", year, range
    }

    public var kind: Kind
    public var first: Day
    public var last: Day
    public var government: Bool

    public init?(first: Day, last: Day) {
        guard first <= last else { return nil }
        self.kind = .range
        self.first = first
        self.last = last
        self.government = false
    }

    /// `index` is the month (1–12), quarter (1–4) or half (1–2); ignored for nine months and year.
    public init?(_ kind: Kind, year: Int, index: Int = 1, government: Bool = false) {
        let months: ClosedRange<Int>
        switch kind {
        case .month: guard (1...12).contains(index) else { return nil }; months = index...index
        case .quarter: guard (1...4).contains(index) else { return nil }; months = (index * 3 - 2)...(index * 3)
        case .half: guard (1...2).contains(index) else { return nil }; months = (index * 6 - 5)...(index * 6)
        case .nineMonths: months = 1...9
        case .year: months = 1...12
        case .range: return nil
        }
        guard let firstMonth = Month(year: year, month: months.lowerBound), let lastMonth = Month(year: year, month: months.upperBound) else { return nil }
        self.kind = kind
        self.government = government
        if government {
            let before = firstMonth.previous
            first = Day(year: before.year, month: before.month, day: 15)!
            last = Day(year: lastMonth.year, month: lastMonth.month, day: 14)!
        } else {
            first = firstMonth.first
            last = lastMonth.last
        }
    }

    /// How many days the period spans.
    public var days: Int { LunarCalendar.julianDay(last) - LunarCalendar.julianDay(first) + 1 }

    /// The day on which an open dossier is judged: the day after the period's end once it has
    /// ended, today while it runs. An open dossier is overdue when its due day is before this day,
    /// the same rule as the dossier list's "overdue" (due day before today), so a report of the
    /// current month never calls a dossier overdue whose deadline is still ahead.
    public func judgementDay(today: Day) -> Day { min(last.next, today) }
}

/// What the report needs from one dossier: days in Vietnam and the stored classification.
public struct DossierFacts: Sendable {
    public var unitID: Int64
    public var field: String
    public var channel: Channel
    /// The day it was received (accepted); nil when it never was.
    public var receivedDay: Day?
    /// The day it was resolved (result ready) or withdrawn; nil while open.
    public var closedDay: Day?
    public var status: DossierStatus
    /// The due day with pauses; nil for dossiers not received.
    public var dueDay: Day?
    public var timeliness: Timeliness?

    public init(unitID: Int64, field: String, channel: Channel, receivedDay: Day?, closedDay: Day?, status: DossierStatus,
                dueDay: Day?, timeliness: Timeliness?) {
        self.unitID = unitID
        self.field = field
        self.channel = channel
        self.receivedDay = receivedDay
        self.closedDay = closedDay
        self.status = status
        self.dueDay = dueDay
        self.timeliness = timeliness
    }
}

/// Dossiers alike in all the report tells apart (channel, status, timeliness), counted together by
/// the database for a period: how many, how many of them were carried over, closed by the
/// period's end, and still open past their due day. `SettlementRow.add` turns cells into columns.
public struct SettlementCell: Equatable, Sendable {
    public var channel: Channel
    public var status: DossierStatus
    public var timeliness: Timeliness?
    public var count: Int
    public var carriedOver: Int
    public var closed: Int
    public var openOverdue: Int

    public init(channel: Channel, status: DossierStatus, timeliness: Timeliness?, count: Int, carriedOver: Int, closed: Int, openOverdue: Int) {
        self.channel = channel
        self.status = status
        self.timeliness = timeliness
        self.count = count
        self.carriedOver = carriedOver
        self.closed = closed
        self.openOverdue = openOverdue
    }
}

/// One row of the settlement report (Biểu 06): columns 3–13, plus the dossiers withdrawn in the
/// period, shown separately so that the identity holds.
public struct SettlementRow: Equatable, Sendable {
    public var online = 0
    public var directOrPostal = 0
    public var carriedOver = 0
    public var early = 0
    public var onTime = 0
    public var overdue = 0
    public var openWithinTime = 0
    public var openOverdue = 0
    public var withdrawn = 0

    public init() {}

    public init(online: Int, directOrPostal: Int, carriedOver: Int, early: Int, onTime: Int, overdue: Int,
                openWithinTime: Int, openOverdue: Int, withdrawn: Int) {
        self.online = online
        self.directOrPostal = directOrPostal
        self.carriedOver = carriedOver
        self.early = early
        self.onTime = onTime
        self.overdue = overdue
        self.openWithinTime = openWithinTime
        self.openOverdue = openOverdue
        self.withdrawn = withdrawn
    }

    /// Column 3 = 4 + 5 + 6.
    public var received: Int { online + directOrPostal + carriedOver }
    /// Column 7 = 8 + 9 + 10.
    public var resolved: Int { early + onTime + overdue }
    /// Column 11 = 12 + 13.
    public var inProgress: Int { openWithinTime + openOverdue }
    /// Received in the period (without the carry-over).
    public var newlyReceived: Int { online + directOrPostal }

    /// The report's identity: everything received is resolved, withdrawn or still in progress.
    public var balances: Bool { received == resolved + inProgress + withdrawn }

    /// (early + on time) / resolved, in per cent; nil when nothing was resolved.
    public var onTimeRate: Double? { resolved == 0 ? nil : Double(early + onTime) * 100 / Double(resolved) }
    /// Online / received in the period, in per cent.
    public var onlineRate: Double? { newlyReceived == 0 ? nil : Double(online) * 100 / Double(newlyReceived) }

    public static func + (a: SettlementRow, b: SettlementRow) -> SettlementRow {
        SettlementRow(online: a.online + b.online, directOrPostal: a.directOrPostal + b.directOrPostal, carriedOver: a.carriedOver + b.carriedOver,
                      early: a.early + b.early, onTime: a.onTime + b.onTime, overdue: a.overdue + b.overdue,
                      openWithinTime: a.openWithinTime + b.openWithinTime, openOverdue: a.openOverdue + b.openOverdue, withdrawn: a.withdrawn + b.withdrawn)
    }

    /// Adds a cell of dossiers counted by the database, with the same definitions as `count`.
    public mutating func add(_ c: SettlementCell) {
        carriedOver += c.carriedOver
        if c.channel == .online { online += c.count - c.carriedOver } else { directOrPostal += c.count - c.carriedOver }
        if c.status == .withdrawn {
            withdrawn += c.closed
        } else {
            switch c.timeliness ?? .onTime {
            case .early: early += c.closed
            case .onTime: onTime += c.closed
            case .overdue: overdue += c.closed
            }
        }
        openOverdue += c.openOverdue
        openWithinTime += c.count - c.closed - c.openOverdue
    }

    /// Counts one dossier into the row for a period, as judged on `today` (see
    /// `ReportPeriod.judgementDay`). The definitions the SQL report follows too.
    public mutating func count(_ d: DossierFacts, in period: ReportPeriod, today: Day) {
        guard let received = d.receivedDay, received <= period.last else { return }
        let closed = d.closedDay.flatMap { $0 <= period.last ? $0 : nil }
        if received < period.first {
            // Carried over only when still open at the period's start.
            if let c = d.closedDay, c < period.first { return }
            carriedOver += 1
        } else if d.channel == .online {
            online += 1
        } else {
            directOrPostal += 1
        }
        if let closed, closed >= period.first {
            if d.status == .withdrawn {
                withdrawn += 1
            } else {
                switch d.timeliness ?? .onTime {
                case .early: early += 1
                case .onTime: onTime += 1
                case .overdue: overdue += 1
                }
            }
        } else if let due = d.dueDay, due < period.judgementDay(today: today) {
            openOverdue += 1
        } else {
            openWithinTime += 1
        }
    }
}
