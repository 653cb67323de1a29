import CongvuDomain
import Foundation
import SQLKit

/// Recipients named by role, found inside the raising feature's transaction: the people whose
/// enabled accounts hold the roles on the nearest unit over the record (`NotificationAudience`).
extension NotificationStore {
    /// People holding one of `roles` on the nearest unit at or above any of `unitPaths`.
    public static func nearest(_ roles: Set<Role>, over unitPaths: [String], except: Int64? = nil, in sql: any SQLDatabase) async throws -> [Int64] {
        NotificationAudience.nearest(try await holders(roles, over: unitPaths, in: sql), covering: unitPaths, except: except)
    }

    /// The leaders who decide `personID`'s notices and leave (`AbsenceRules`), the nearest level that may.
    public static func deciders(ofPerson personID: Int64, on day: Day, in sql: any SQLDatabase) async throws -> [Int64] {
        let own = try await sql.raw("""
            SELECT u.path FROM assignments a JOIN units u ON u.id = a.unit_id
            WHERE a.person_id = \(bind: personID) AND a.valid_from <= \(bind: day.description)
              AND (a.valid_to IS NULL OR a.valid_to >= \(bind: day.description))
            """).all().map { try $0.decode(column: "path", as: String.self) }
        let leads = try await sql.raw("""
            SELECT n.path FROM grants g JOIN users s ON s.id = g.user_id JOIN units n ON n.id = g.unit_id
            WHERE s.person_id = \(bind: personID) AND g.role = \(bind: Role.leader.rawValue)
            """).all().map { try $0.decode(column: "path", as: String.self) }
        return NotificationAudience.deciders(try await holders([.leader], over: own, in: sql), personID: personID,
                                             personUnitPaths: own, personLeaderPaths: leads)
    }

    /// Grants of `roles` on the units of `unitPaths` and their ancestors, of enabled accounts with a person.
    static func holders(_ roles: Set<Role>, over unitPaths: [String], in sql: any SQLDatabase) async throws -> [NotificationAudience.Holder] {
        let units = Set(unitPaths.flatMap { OrgUnit.ids(inPath: $0) }).sorted()
        guard !units.isEmpty, !roles.isEmpty else { return [] }
        return try await sql.raw("""
            SELECT s.person_id, n.path FROM grants g JOIN users s ON s.id = g.user_id JOIN units n ON n.id = g.unit_id
            WHERE g.unit_id IN (\(binds: units)) AND g.role IN (\(binds: roles.map(\.rawValue).sorted()))
              AND s.disabled = FALSE AND s.person_id IS NOT NULL
            """).all().map {
            NotificationAudience.Holder(personID: try $0.decode(column: "person_id", as: Int64.self), unitPath: try $0.decode(column: "path", as: String.self))
        }
    }
}
