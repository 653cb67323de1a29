import CongvuDomain
import Foundation
import SQLKit

/// A large organisation for benchmarks, written with bulk inserts: a province with one commune
/// of `people` staff in committees of 100 (grouped ten committees to a group of 1,000), and a
/// separate 60-person committee; a month of punches for everyone, with lateness and absences.
public enum BenchmarkFixture {
    public struct Units: Sendable {
        public var commune: OrgUnit
        /// The first 1,000 people.
        public var group: OrgUnit
        /// A unit of 60 people.
        public var small: OrgUnit
    }

    public static func load(into db: Database, people: Int, month: Month) async throws -> Units {
        let units = UnitStore(database: db)
        let actor = Actor(id: nil, name: "bench")
        let province = try await units.create(.init(parentID: nil, kind: .province, code: "B", name: "Tỉnh Thử"), by: actor)
        let commune = try await units.create(.init(parentID: province.id, kind: .commune, code: "B1", name: "Xã Lớn"), by: actor)
        let small = try await units.create(.init(parentID: province.id, kind: .peoplesCommittee, code: "B2-UB", name: "UBND xã Nhỏ"), by: actor)
        var committees: [OrgUnit] = []
        var groups: [OrgUnit] = []
        for g in 0..<max(1, people / 1000) {
            let group = try await units.create(.init(parentID: commune.id, kind: .office, code: "B1-G\(g)", name: "Khối \(g + 1)"), by: actor)
            groups.append(group)
            for c in 0..<10 where committees.count * 100 < people {
                committees.append(try await units.create(.init(parentID: group.id, kind: .department, code: "B1-G\(g)-\(c)", name: "Phòng \(g + 1).\(c + 1)"), by: actor))
            }
        }
        let posts = (0..<people).map { committees[$0 / 100].id } + Array(repeating: small.id, count: 60)
        let now = Instant.now()
        try await db.write { sql in
            for chunk in stride(from: 0, to: posts.count, by: 500) {
                var insert = sql.insert(into: "people").columns("full_name", "search_key", "card_number", "terminal_pin", "created_at", "updated_at")
                for i in chunk..<min(chunk + 500, posts.count) {
                    let name = "Nguyễn Văn Thử \(i)"
                    insert = insert.values(SQLBind(name), SQLBind(SearchKey.fold(name)), SQLBind("B" + Digits.pad(i, 9)), SQLBind(""),
                                           SQLBind(now), SQLBind(now))
                }
                try await insert.run()
            }
        }
        let ids = try await db.read { sql in
            try await sql.select().column("id").from("people").orderBy("id").all().map { try $0.decode(column: "id", as: Int64.self) }
        }
        let days = month.days.filter { HolidayRules.weekday($0) != 0 && HolidayRules.weekday($0) != 6 }
        try await db.write { sql in
            for chunk in stride(from: 0, to: ids.count, by: 500) {
                var insert = sql.insert(into: "assignments").columns("person_id", "unit_id", "title", "category", "is_leader", "valid_from")
                for i in chunk..<min(chunk + 500, ids.count) {
                    insert = insert.values(SQLBind(ids[i]), SQLBind(posts[i]), SQLBind("Chuyên viên"), SQLBind(StaffCategory.civilServant.rawValue),
                                           SQLBind(false), SQLBind("2025-07-01"))
                }
                try await insert.run()
            }
            var rng = SystemRandomNumberGenerator()
            var batch = PunchBatch(sql: sql, device: "bench")
            for day in days {
                let start = CivilTime.startOfDay(day)
                for person in ids {
                    let roll = Int.random(in: 0..<100, using: &rng)
                    if roll < 3 { continue }
                    let arrive = start.addingTimeInterval(7 * 3600 - 900 + Double(Int.random(in: 0...1500, using: &rng)))
                    var times = [arrive]
                    if roll >= 8 { times.append(start.addingTimeInterval(17 * 3600 - 600 + Double(Int.random(in: 0...1200, using: &rng)))) }
                    for at in times { try await batch.add(person: person, at: at) }
                }
            }
            try await batch.flush()
        }
        return Units(commune: commune, group: groups[0], small: small)
    }
}
