import CongvuDomain
import CongvuStore
import CongvuTestSupport
import Testing

@Suite struct PeopleStoreTests {
    @Test(arguments: TestDatabases.kinds)
    func searchIsAccentInsensitiveAndScoped(kind: DatabaseKind) async throws {
        try await TestDatabases.withFresh(kind) { db, _ in
            let t = try await Tree.make(db)
            try await Tree.person(db, "Nguyễn Văn A", in: t.committeeA)
            try await Tree.person(db, "Nguyễn Thị Bích", in: t.committeeA)
            try await Tree.person(db, "Nguyễn Văn An", in: t.committeeB)
            try await Tree.person(db, "Trần Đức Định", in: t.committeeA)
            let people = PeopleStore(database: db)
            let a = try await people.search("nguyen van a", scopes: [t.communeA.path], on: today)
            #expect(a.items.map(\.person.fullName) == ["Nguyễn Văn A"])
            #expect(a.items.first?.unitName == "UBND xã An Bình")
            let all = try await people.search("NGUYEN", scopes: [t.province.path], on: today)
            #expect(all.total == 3)
            #expect(try await people.search("dinh", scopes: [t.communeA.path], on: today).items.map(\.person.fullName) == ["Trần Đức Định"])
            #expect(try await people.search("", scopes: [t.communeB.path], on: today).total == 1)
        }
    }

    @Test(arguments: TestDatabases.kinds)
    func pagesAreStableAndComplete(kind: DatabaseKind) async throws {
        try await TestDatabases.withFresh(kind) { db, _ in
            let t = try await Tree.make(db)
            for i in 0..<7 { try await Tree.person(db, "Lê Văn \(["An", "Bình", "Cường", "Dũng", "Giang", "Hải", "Khánh"][i])", in: t.committeeA) }
            let people = PeopleStore(database: db)
            var seen: [String] = []
            for page in 0..<3 {
                let p = try await people.search("", scopes: [t.communeA.path], on: today, limit: 3, offset: page * 3)
                #expect(p.total == 7)
                seen += p.items.map(\.person.fullName)
            }
            #expect(seen.count == 7)
            #expect(Set(seen).count == 7)
        }
    }

    @Test(arguments: TestDatabases.kinds)
    func aMoveEndsThePostAndKeepsHistory(kind: DatabaseKind) async throws {
        try await TestDatabases.withFresh(kind) { db, _ in
            let t = try await Tree.make(db)
            let person = try await Tree.person(db, "Phạm Minh Quân", in: t.committeeA)
            let people = PeopleStore(database: db)
            let next = Assignment(id: 0, personID: person.id, unitID: t.committeeB.id, title: "Phó Chủ tịch UBND xã",
                                  category: .cadre, isLeader: true, validFrom: Day("2026-03-01")!)
            try await people.move(personID: person.id, to: next, by: Tree.actor, reason: "điều động")
            let record = try await people.get(person.id)!
            #expect(record.assignments.count == 2)
            #expect(record.assignments[0].assignment.title == "Phó Chủ tịch UBND xã")
            #expect(record.assignments[1].assignment.validTo == Day("2026-02-28"))
            // Now in B, no longer listed in A, but still reachable through A's history.
            #expect(try await people.search("pham", scopes: [t.communeA.path], on: today).total == 0)
            #expect(try await people.search("pham", scopes: [t.communeB.path], on: today).total == 1)
            #expect(record.unitPaths.contains(t.committeeA.path))
        }
    }

    /// The units a person heads on a day: leading posts in force that day only, in the order held.
    @Test(arguments: TestDatabases.kinds)
    func theUnitsAPersonHeadsAreTheLeadingPostsOfTheDay(kind: DatabaseKind) async throws {
        try await TestDatabases.withFresh(kind) { db, _ in
            let t = try await Tree.make(db)
            let person = try await Tree.person(db, "Phạm Minh Quân", in: t.committeeA)
            let people = PeopleStore(database: db)
            #expect(try await people.headedUnitPaths(personID: person.id, on: Day("2026-02-01")!).isEmpty, "a post that does not lead")
            try await people.move(personID: person.id, to: Assignment(id: 0, personID: person.id, unitID: t.committeeB.id, title: "Chủ tịch UBND xã",
                                                                      category: .cadre, isLeader: true, validFrom: Day("2026-03-01")!),
                                  by: Tree.actor, reason: "điều động")
            #expect(try await people.headedUnitPaths(personID: person.id, on: Day("2026-02-28")!).isEmpty, "not before the post begins")
            #expect(try await people.headedUnitPaths(personID: person.id, on: Day("2026-03-01")!) == [t.committeeB.path])
            try await people.move(personID: person.id, to: Assignment(id: 0, personID: person.id, unitID: t.committeeA.id, title: "Công chức",
                                                                      category: .civilServant, isLeader: false, validFrom: Day("2026-06-01")!),
                                  by: Tree.actor, reason: "điều động")
            #expect(try await people.headedUnitPaths(personID: person.id, on: Day("2026-05-31")!) == [t.committeeB.path], "its last day")
            #expect(try await people.headedUnitPaths(personID: person.id, on: Day("2026-06-01")!).isEmpty)
            #expect(try await people.headedUnitPaths(personID: 999_999, on: Day("2026-06-01")!).isEmpty)
        }
    }

    @Test(arguments: TestDatabases.kinds)
    func cardNumbersAreUnique(kind: DatabaseKind) async throws {
        try await TestDatabases.withFresh(kind) { db, _ in
            let t = try await Tree.make(db)
            try await Tree.person(db, "Hà Thu Trang", in: t.committeeA, card: "0012345")
            await #expect(throws: StoreError.conflict(field: "card_number", key: "card_taken")) {
                try await Tree.person(db, "Bùi Văn Long", in: t.committeeB, card: "0012345")
            }
            // Nothing of the refused person was written.
            #expect(try await PeopleStore(database: db).count() == 1)
        }
    }
}
