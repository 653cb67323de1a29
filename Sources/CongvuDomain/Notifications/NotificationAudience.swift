import Foundation

/// Who hears of something that happened in a unit when a feature names roles, not people: the
/// holders of those roles on the nearest unit at or above it. A commune's terminal alert goes to
/// the commune's office, not to every province official whose grant also covers it; a unit with
/// nobody in the role passes it up to the first level that has someone.
public enum NotificationAudience {
    /// One grant held by a person's account.
    public struct Holder: Sendable, Equatable {
        public var personID: Int64
        public var unitPath: String
        public init(personID: Int64, unitPath: String) {
            self.personID = personID
            self.unitPath = unitPath
        }
    }

    /// The people among `holders` on the deepest unit path that covers any of `paths`, without `except`.
    public static func nearest(_ holders: [Holder], covering paths: [String], except: Int64? = nil) -> [Int64] {
        let covering = holders.filter { h in h.personID != except && paths.contains { $0.hasPrefix(h.unitPath) } }
        guard let depth = covering.map(\.unitPath.count).max() else { return [] }
        return Set(covering.filter { $0.unitPath.count == depth }.map(\.personID)).sorted()
    }

    /// Who decides a person's notice or leave, as `AbsenceRules.mayDecide` allows, the nearest first:
    /// leaders over the person's units, and above every unit the person leads.
    public static func deciders(_ leaders: [Holder], personID: Int64, personUnitPaths: [String], personLeaderPaths: [String]) -> [Int64] {
        let allowed = leaders.filter { h in personLeaderPaths.allSatisfy { $0 != h.unitPath && $0.hasPrefix(h.unitPath) } }
        return nearest(allowed, covering: personUnitPaths, except: personID)
    }
}
