import CongvuDomain
import CongvuStore
import Foundation
import Hummingbird

/// Work schedules and citizen reception (issue 22): the store and the limit on the public pages.
@dynamicMemberLookup
public struct ScheduleServices: FeatureServices {
    public let shared: SharedServices
    public let store: ScheduleStore
    /// Requests per address and minute to the public schedule pages and feeds.
    let limiter: RateLimiter

    init(shared: SharedServices) {
        self.shared = shared
        store = ScheduleStore(database: shared.database)
        limiter = RateLimiter(perMinute: shared.config.trackingPerMinute)
    }

    /// The people posted in the unit itself today.
    func posts(_ unit: OrgUnit) async throws -> [StaffPost] {
        try await VerdictStore(database: shared.database).posts(scopes: [unit.path], first: shared.today, last: shared.today).filter { $0.unitID == unit.id }
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
}

