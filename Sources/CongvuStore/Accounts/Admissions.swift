import CongvuDomain
import Foundation

/// Who a session or API token stands for, as the database last said, with when it stops admitting.
public struct Admission: Sendable {
    /// How long an admission is kept (`Database.admissions`), in seconds.
    public static let kept: TimeInterval = 10

    public var principal: Principal
    /// The session a cookie stands for (nil for an API token).
    public var session: Session?
    /// When the session or token expires; checked on every use, not only when read.
    public var until: Date?
}

extension AccountStore {
    /// `read`'s admission for `key`, kept for every request of the next seconds while this node hears
    /// every change (`Database.hearsEveryChange`), read afresh otherwise. A refusal is never kept: a
    /// token made a moment ago is admitted at once.
    func admitted(_ key: String, now: Date, read: @escaping @Sendable () async throws -> Admission?) async throws -> Admission? {
        let admission: Admission?
        if database.hearsEveryChange {
            do {
                admission = try await database.admissions.value(key, now: now) {
                    guard let found = try await read() else { throw NotAdmitted() }
                    return found
                }
            } catch is NotAdmitted {
                admission = nil
            }
        } else {
            admission = try await read()
        }
        guard let admission, admission.until.map({ $0 > now }) ?? true else { return nil }
        return admission
    }

    /// Tells this node and the others that who may do what changed: what they keep is read afresh.
    /// Call it once the change committed (a `defer` around the write).
    func accessChanged() { database.changes.publish(.access) }
}

private struct NotAdmitted: Error {}
