import CongvuDomain
import CongvuStore

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
