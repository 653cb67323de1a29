import CongvuDomain
import CongvuStore
import CongvuTestSupport
import Testing

@Suite struct OrganisationStoreTests {
    @Test(arguments: TestDatabases.kinds)
    func pathsDescribeTheTreeAndScopesFilterIt(kind: DatabaseKind) async throws {
        try await TestDatabases.withFresh(kind) { db, _ in
            let t = try await Tree.make(db)
            #expect(t.committeeA.path == "/\(t.province.id)/\(t.communeA.id)/\(t.committeeA.id)/")
            let units = UnitStore(database: db)
            let inA = try await units.list(scopes: [t.communeA.path]).map(\.code)
            #expect(inA == ["CA", "CA-UB"])
            #expect(try await units.list(scopes: []).isEmpty)
            #expect(try await units.list(scopes: [t.province.path]).count == 5)
        }
    }

    @Test(arguments: TestDatabases.kinds)
    func searchIgnoresAccentsAndFindsCodes(kind: DatabaseKind) async throws {
        try await TestDatabases.withFresh(kind) { db, _ in
            let t = try await Tree.make(db)
            let units = UnitStore(database: db)
            #expect(try await units.search("dong hoa", scopes: [t.province.path]).map(\.code) == ["CB", "CB-UB"])
            #expect(try await units.search("CA-UB", scopes: [t.province.path]).map(\.code) == ["CA-UB"])
            #expect(try await units.search("dong hoa", scopes: [t.communeA.path]).isEmpty)
        }
    }

    @Test(arguments: TestDatabases.kinds)
    func movingAUnitRewritesItsSubtreeAndIsAudited(kind: DatabaseKind) async throws {
        try await TestDatabases.withFresh(kind) { db, _ in
            let t = try await Tree.make(db)
            let units = UnitStore(database: db)
            let office = try await units.create(.init(parentID: t.committeeA.id, kind: .office, code: "VP", name: "Văn phòng"), by: Tree.actor)
            _ = try await units.update(t.committeeA.id, .init(parentID: t.communeB.id, kind: .peoplesCommittee, code: "CA-UB", name: "UBND xã An Bình"),
                                       by: Tree.actor, reason: "test move")
            let moved = try await units.get(office.id)!
            #expect(moved.path == "/\(t.province.id)/\(t.communeB.id)/\(t.committeeA.id)/\(office.id)/")
            let audit = try await AuditLog(database: db).recent(limit: 1)
            #expect(audit.first?.reason == "test move")
            #expect(audit.first?.before.contains("\"parentID\":\(t.communeA.id)") == true)
        }
    }

    @Test(arguments: TestDatabases.kinds)
    func codesAreUniqueAndCyclesRefused(kind: DatabaseKind) async throws {
        try await TestDatabases.withFresh(kind) { db, _ in
            let t = try await Tree.make(db)
            let units = UnitStore(database: db)
            await #expect(throws: StoreError.conflict(field: "code", key: "code_taken")) {
                _ = try await units.create(.init(parentID: t.province.id, kind: .commune, code: "CA", name: "Trùng"), by: Tree.actor)
            }
            await #expect(throws: StoreError.conflict(field: "parent_id", key: "unit_parent_cycle")) {
                _ = try await units.update(t.communeA.id, .init(parentID: t.committeeA.id, kind: .commune, code: "CA", name: "Xã An Bình"),
                                           by: Tree.actor, reason: "cycle")
            }
        }
    }

    @Test(arguments: TestDatabases.kinds)
    func mergedUnitsKeepTheirHistory(kind: DatabaseKind) async throws {
        try await TestDatabases.withFresh(kind) { db, _ in
            let t = try await Tree.make(db)
            let units = UnitStore(database: db)
            let old = try await units.create(.init(parentID: t.province.id, kind: .commune, code: "OLD", name: "Xã Cũ",
                                                   validTo: Day("2025-06-30"), successorID: t.communeA.id), by: Tree.actor)
            #expect(try await units.predecessors(of: t.communeA.id).map(\.id) == [old.id])
            #expect(!(try await units.get(old.id)!.isActive(on: today)))
        }
    }
}
