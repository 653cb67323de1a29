import CongvuDomain
import CongvuStore
import Crypto
import SQLKit

/// A small tree: a province with two communes, each with a People's Committee.
struct Tree {
    var province: OrgUnit
    var communeA: OrgUnit
    var communeB: OrgUnit
    var committeeA: OrgUnit
    var committeeB: OrgUnit

    static let actor = Actor(id: nil, name: "test")

    static func make(_ db: Database) async throws -> Tree {
        let units = UnitStore(database: db)
        let province = try await units.create(.init(parentID: nil, kind: .province, code: "P1", name: "Tỉnh Thử"), by: actor)
        let a = try await units.create(.init(parentID: province.id, kind: .commune, code: "CA", name: "Xã An Bình"), by: actor)
        let b = try await units.create(.init(parentID: province.id, kind: .commune, code: "CB", name: "Xã Đông Hòa"), by: actor)
        let ca = try await units.create(.init(parentID: a.id, kind: .peoplesCommittee, code: "CA-UB", name: "UBND xã An Bình"), by: actor)
        let cb = try await units.create(.init(parentID: b.id, kind: .peoplesCommittee, code: "CB-UB", name: "UBND xã Đông Hòa"), by: actor)
        return Tree(province: province, communeA: a, communeB: b, committeeA: ca, committeeB: cb)
    }

    @discardableResult
    static func person(_ db: Database, _ name: String, in unit: OrgUnit, card: String = "", from: String = "2025-07-01") async throws -> Person {
        try await PeopleStore(database: db).create(
            Person(id: 0, fullName: name, cardNumber: card),
            assignment: Assignment(id: 0, personID: 0, unitID: unit.id, title: "Công chức", category: .civilServant,
                                   isLeader: false, validFrom: Day(from)!),
            by: actor)
    }
}

let today = Day(year: 2026, month: 11, day: 22)!

/// Two transactions side by side, three times: one takes the audit chain's lock (as
/// `AuditLog.append` does) and then makes `first`, the other makes `second` and then takes the
/// chain. Each pauses between the two so the other takes its first lock meanwhile. A write whose
/// triggers take a lock after its rows without the chain's first deadlocks here (PostgreSQL
/// cancels one of the two after a second).
func writeBesideTheChainBothWays(_ db: Database, first: @escaping @Sendable (any SQLDatabase) async throws -> Void,
                                 second: @escaping @Sendable (any SQLDatabase) async throws -> Void) async throws {
    let chain = SQLQueryString("SELECT pg_advisory_xact_lock(\(literal: Int(AuditLog.chainLock)))")
    for _ in 0..<3 {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                try await db.write { sql in
                    try await sql.raw(chain).run()
                    try await sql.raw("SELECT pg_sleep(0.2)").run()
                    try await first(sql)
                }
            }
            group.addTask {
                try await Task.sleep(for: .milliseconds(50))
                try await db.write { sql in
                    try await second(sql)
                    try await sql.raw("SELECT pg_sleep(0.2)").run()
                    try await sql.raw(chain).run()
                }
            }
            try await group.waitForAll()
        }
    }
}

/// An account store with a secret key of its own (nothing sealed outlives the test).
func accountStore(_ db: Database) -> AccountStore {
    AccountStore(database: db, secrets: SecretBox(key: SymmetricKey(size: .bits256)))
}
