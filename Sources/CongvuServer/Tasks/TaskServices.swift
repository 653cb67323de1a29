import CongvuDomain
import CongvuStore
import Foundation

/// Tasks in writing: their store, and who may see, give and evaluate them.
@dynamicMemberLookup
public struct TaskServices: FeatureServices {
    public let shared: SharedServices
    public let tasks: TaskStore

    init(shared: SharedServices) {
        self.shared = shared
        tasks = TaskStore(database: shared.database)
    }

    /// Where the principal may give tasks: the scope of `assignTasks`, and the units where their
    /// person holds a leading post today (a head gives tasks to their own staff).
    func assignScopes(_ p: Principal) async throws -> [String] {
        var scopes = p.scopes(for: .assignTasks)
        if let personID = p.personID, let record = try await shared.people.get(personID) {
            scopes += record.assignments.filter { $0.assignment.isLeader && $0.assignment.isActive(on: shared.today) }.map(\.unit.path)
        }
        return Set(scopes).filter { root in !scopes.contains { $0 != root && root.hasPrefix($0) } }.sorted()
    }

    /// How the principal stands to a task.
    struct Standing {
        var isLead: Bool
        var isAssigner: Bool
        var isParticipant: Bool
        var mayView: Bool
    }

    /// The lead (or nobody else) acts as lead; the assigner, or whoever may give tasks over the
    /// task's unit, acts as assigner; co-operating people and watchers may comment.
    func standing(_ p: Principal, _ row: TaskRow, people: [TaskPerson]) async throws -> Standing {
        let me = p.personID
        let isLead = me == row.task.ownerID
        let assign = try await assignScopes(p)
        let isAssigner = me == row.task.assignerID || assign.contains { row.unitPath.hasPrefix($0) }
        let isParticipant = me.map { id in people.contains { $0.personID == id } } ?? false
        let mayView = isLead || isAssigner || isParticipant || p.allows(.viewTasks, at: row.unitPath)
        return Standing(isLead: isLead, isAssigner: isAssigner, isParticipant: isParticipant, mayView: mayView)
    }
}
