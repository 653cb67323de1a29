import CongvuDomain
import CongvuStore
import Foundation
import Hummingbird

/// Work schedules and citizen reception (issue 22): the store and the limit on the public pages.
@dynamicMemberLookup
public struct ScheduleServices: FeatureServices {
    public let shared: SharedServices
    public let store: ScheduleStore
    /// Meetings between levels: attendance, files, conclusions.
    public let meetings: MeetingStore
    /// The citizen reception log.
    public let receptions: ReceptionLogStore
    /// What one-stop counters post for citizens.
    public let notices: CounterNoticeStore
    /// Meetings' papers, stored once by SHA-256 outside the web root.
    let files: ContentFiles
    /// The task mechanism: conclusions and receptions become tasks through it.
    let taskServices: TaskServices
    /// Requests per address and minute to the public schedule pages and feeds.
    let limiter: RateLimiter
    /// A private Jitsi's tokens, when `meeting_jwt_app_id` and `meeting_jwt_secret` are set.
    let jitsi: JitsiToken?
    /// Public pages and feeds as sent to visitors without an account, by path and query, language,
    /// day and the store's stamp of what they were built from: a change anywhere makes a new key, so a
    /// kept answer is never stale; the lifetime only bounds what a renamed leader would show.
    let publicAnswers = ExpiringCache<String>(lifetime: 60, capacity: 5_000)

    init(shared: SharedServices, taskServices: TaskServices) throws {
        self.shared = shared
        let config = shared.config
        if let appID = config.meetingJWTAppID, let secret = config.meetingJWTSecret, let host = config.meetingBaseURL.flatMap({ URL(string: $0)?.host }) {
            jitsi = JitsiToken(appID: appID, secret: try NotificationServices.open(secret, "meeting_jwt_secret", shared.secrets), domain: host)
        } else {
            jitsi = nil
        }
        self.taskServices = taskServices
        store = ScheduleStore(database: shared.database)
        meetings = MeetingStore(database: shared.database)
        receptions = ReceptionLogStore(database: shared.database)
        notices = CounterNoticeStore(database: shared.database)
        files = ContentFiles(directory: shared.dataPath("meeting-files"))
        limiter = RateLimiter(perMinute: shared.config.trackingPerMinute)
    }

    /// The unit a schedules page is asked for (`unit` in the query; default: the first) among the
    /// active units of `scopes` that keep a schedule and a reception log (committees, party
    /// committees, their departments, offices and centres), with those units for the picker; 403
    /// for a unit outside them or without any.
    func pick(_ request: Request, scopes: [String]) async throws -> (OrgUnit, [OrgUnit]) {
        guard !scopes.isEmpty else { throw Forbidden() }
        let units = try await shared.units.list(scopes: TaskServices.roots(scopes)).filter {
            $0.isActive(on: shared.today) && [.peoplesCommittee, .partyCommittee, .department, .office, .serviceCentre].contains($0.kind)
        }
        let asked = request.uri.queryParameters["unit"].flatMap { Int64($0) }
        guard let unit = asked.flatMap({ id in units.first { $0.id == id } }) ?? (asked == nil ? units.first : nil) else { throw Forbidden() }
        return (unit, units)
    }

    /// Whether the principal keeps the unit's schedule: its office drafts, its leaders publish.
    static func keeps(_ p: Principal, _ unit: OrgUnit) -> Bool {
        p.allows(.draftSchedules, at: unit.path) || p.allows(.publishSchedules, at: unit.path)
    }

    /// Who may lead a task handed on from a meeting or a reception: the people posted in the units
    /// themselves, and the heads (leading posts) of the units below them.
    func owners(in units: [OrgUnit]) async throws -> [StaffPost] {
        let ids = Set(units.map(\.id))
        return try await taskServices.staff(of: units).filter { $0.isLeader || ids.contains($0.unitID) }
    }

    /// The people posted in the unit itself today.
    func posts(_ unit: OrgUnit) async throws -> [StaffPost] {
        try await VerdictStore(database: shared.database).posts(scopes: [unit.path], first: shared.today, last: shared.today).filter { $0.unitID == unit.id }
    }

    /// How far ahead the reception check looks: the week shown and the next, the weeks the office
    /// drafts and the leader publishes (a warning further out would fire every week for nothing).
    static func receptionWindow(_ week: DutyWeek) -> (from: Day, to: Day) { (week.start, week.next.days(count: 7).last!) }

    /// The chairman's shortfalls over the reception window starting with `week`.
    func receptionShortfalls(_ unit: OrgUnit, coming week: DutyWeek) async throws -> [(chair: StaffPost, short: ReceptionShortfall)] {
        let w = Self.receptionWindow(week)
        return try await receptionShortfalls(unit, from: w.from, to: w.to)
    }

    /// The unit's chairman (a leading post titled "Chủ tịch…") and the periods from `from` to `to`
    /// where their published reception days fall short of the law.
    func receptionShortfalls(_ unit: OrgUnit, from: Day, to: Day) async throws -> [(chair: StaffPost, short: ReceptionShortfall)] {
        guard let calendar = try await shared.workCalendar(unitID: unit.id) else { return [] }
        let role = try await receptionRole(of: unit)
        var out: [(StaffPost, ReceptionShortfall)] = []
        for leader in try await posts(unit).filter({ $0.isLeader && $0.title.hasPrefix("Chủ tịch") }) {
            let days = try await store.receptionDays(chairID: leader.personID, from: from, to: to)
            for short in ReceptionCheck.shortfalls(receptionDays: days, role: role, rules: ReceptionRule.law2013, from: from, to: to, calendar: calendar) {
                out.append((leader, short))
            }
        }
        return out
    }

    /// Which reception minimum the unit's chairman answers to: by the level the committee serves.
    func receptionRole(of unit: OrgUnit) async throws -> ReceptionRule.Role {
        guard unit.kind == .peoplesCommittee, let parentID = unit.parentID, let parent = try await shared.units.get(parentID) else { return .agencyHead }
        switch parent.kind {
        case .commune, .ward, .specialZone: return .communeChairman
        case .district: return .districtChairman
        case .province: return .provinceChairman
        default: return .agencyHead
        }
    }

    /// The morning's check of citizen reception: for each People's Committee, the chairman's
    /// published reception days over this week and the next against the law; a shortfall
    /// goes to the committee's office and to the leaders of the level above, once per period (its
    /// key), so a second run or a second node adds nothing. Returns how many were raised.
    @discardableResult
    func warnReceptionShortfalls(now: Date = Date()) async throws -> Int {
        let today = Day(now, in: CivilTime.vietnam)
        let week = DutyWeek(containing: today)
        var raised = 0
        for unit in try await shared.units.list(scopes: ["/"]) where unit.kind == .peoplesCommittee && unit.isActive(on: today) {
            let shortfalls = try await receptionShortfalls(unit, coming: week)
            guard let first = shortfalls.first else { continue }
            // The level above a commune's committee: the province the commune belongs to.
            var grand: OrgUnit?
            if let parent = unit.parentID, let p = try await shared.units.get(parent), let g = p.parentID { grand = try await shared.units.get(g) }
            let above = grand.map { [$0.path] } ?? []
            let subject = "\(unit.name) · \(first.chair.fullName) · \(first.short.first.vietnamese)–\(first.short.last.vietnamese): " +
                "\(first.short.scheduled)/\(first.short.required)"
            let draft = NotificationDraft(key: NotificationKey(.receptionShort, recordType: "unit", recordID: unit.id, occasion: first.short.first.description),
                                          unitID: unit.id, params: ["subject": subject], link: "/schedules?unit=\(unit.id)")
            guard try await !shared.notifications.raised(draft.key) else { continue }
            raised += try await shared.database.write { sql in
                let office = try await NotificationStore.nearest([.unitAdmin], over: [unit.path], in: sql)
                let leaders = above.isEmpty ? [] : try await NotificationStore.nearest([.leader], over: above, in: sql)
                let people = Set(office + leaders)
                try await NotificationStore.raise(draft, toPeople: Array(people), at: now, in: sql)
                return people.count
            }
        }
        return raised
    }

    /// The schedules' part of the morning (07:30): reception shortfalls.
    var morning: NightlyJob {
        NightlyJob(name: "reception check") { now in "reception shortfalls raised \(try await warnReceptionShortfalls(now: now))" }
    }
}
