import CongvuDomain
import CongvuStore
import Foundation
import Hummingbird

/// The attendance feature's stores, live boards and rules that need the database: punches, notices
/// and leave, explanations, verdicts, each unit's rules, kiosks, and the terminals' punch photos.
@dynamicMemberLookup
public struct AttendanceServices: FeatureServices {
    public let shared: SharedServices
    public let punches: PunchStore
    public let absences: AbsenceStore
    public let explanations: ExplanationStore
    public let verdicts: VerdictStore
    public let policies: PolicyStore
    public let kiosks: KioskStore
    /// Terminals' punch photos, stored once under the data directory.
    public let photos: PhotoStore
    /// Live board notifications and the boards shared between viewers.
    let events = AttendanceEvents()

    init(shared: SharedServices) {
        let db = shared.database
        self.shared = shared
        punches = PunchStore(database: db)
        absences = AbsenceStore(database: db)
        explanations = ExplanationStore(database: db)
        verdicts = VerdictStore(database: db)
        policies = PolicyStore(database: db)
        kiosks = KioskStore(database: db)
        photos = PhotoStore(database: db, directory: shared.dataPath("punch-photos"))
        // Boards hear of punches and decisions from this node and, through the database, from the others.
        let events = self.events
        db.changes.on(.attendance) { payload in
            if payload == "*" { events.publishEverywhere() } else { events.publish(paths: payload.split(separator: ",").map(String.init)) }
        }
    }

    /// Tells the boards of every unit above the person's posts today that something changed.
    func announce(personIDs: [Int64]) async {
        let day = shared.today
        guard let posts = try? await verdicts.posts(personIDs: personIDs, first: day, last: day) else { return }
        shared.database.changes.publish(.attendance, posts.map(\.unitPath).joined(separator: ","))
    }

    /// May the principal decide on this person's notices, leave and explanations? A leader above
    /// them (see `AbsenceRules.mayDecide`): never the person, and a leader's own go to the level above.
    func mayDecide(_ p: Principal, personID: Int64) async throws -> Bool {
        guard p.grants.contains(where: { $0.role == .leader }) else { return false }
        guard let record = try await shared.people.get(personID) else { return false }
        let current = record.assignments.filter { $0.assignment.isActive(on: shared.today) }.map(\.unit.path)
        let leaderPaths = try await absences.leaderPaths(personID: personID)
        return AbsenceRules.mayDecide(p, personID: personID, personUnitPaths: current.isEmpty ? record.unitPaths : current, personLeaderPaths: leaderPaths)
    }

    /// The person with their posts, if the principal may see their attendance: their own, or
    /// anyone's within the scope of `viewAttendance`.
    func person(_ id: Int64?, _ context: AppRequestContext) async throws -> PersonRecord {
        let p = try context.signedIn()
        guard let id, let record = try await shared.people.get(id) else { throw StoreError.notFound("person") }
        if p.personID != id { try context.require(.viewAttendance, atAnyOf: record.unitPaths) }
        return record
    }

    /// The unit asked for (`unit` in the form or the query; default: the first of the principal's
    /// scope), checked for `permission`.
    func selectedUnit(_ request: Request, _ context: AppRequestContext, _ permission: Permission = .viewAttendance,
                      form: FormData? = nil) async throws -> OrgUnit {
        let p = try context.signedIn()
        let scopes = try context.scopes(permission)
        let asked = form?.int("unit") ?? request.uri.queryParameters["unit"].flatMap { Int64($0) }
        let unitID = asked ?? p.grants.first { scopes.contains($0.unitPath) }?.unitID
        guard let unitID, let unit = try await shared.units.get(unitID) else { throw StoreError.notFound("unit") }
        try context.require(permission, atAnyOf: [unit.path])
        return unit
    }

    /// The selected unit and the principal's units for a picker.
    func unitSelection(_ request: Request, _ context: AppRequestContext, _ permission: Permission = .viewAttendance,
                       form: FormData? = nil) async throws -> (OrgUnit, [Option]) {
        let unit = try await selectedUnit(request, context, permission, form: form)
        let units = try await shared.units.list(scopes: try context.scopes(permission)).filter { $0.isActive(on: shared.today) }
        return (unit, FormView.options(units.map { (value: String($0.id), label: $0.name) }, selected: String(unit.id)))
    }
}
