import CongvuDomain
import CongvuStore
import CongvuTestSupport
import Foundation
import Testing

/// Written standing duties on both databases: a draft edited until approved, approved versions kept.
@Suite struct StandingDutiesStoreTests {
    @Test(arguments: TestDatabases.kinds)
    func aDraftIsApprovedAndTheNextVersionSupersedesIt(kind: DatabaseKind) async throws {
        try await TestDatabases.withFresh(kind) { db, _ in
            let tree = try await Tree.make(db)
            let clerk = try await Tree.person(db, "Trần Thị Lan", in: tree.committeeA)
            _ = try await Tree.person(db, "Hồ Văn Khác", in: tree.committeeB)
            let store = StandingDutiesStore(database: db)
            var rows = try await store.people(scopes: [tree.communeA.path], on: today)
            #expect(rows.map(\.fullName) == ["Trần Thị Lan"] && rows[0].approved == nil && rows[0].draft == nil && rows[0].postFrom == Day("2025-07-01"))
            await #expect(throws: ValidationErrors.self) {
                try await store.write(personID: clerk.id, unitID: tree.committeeA.id, validFrom: Day("2025-07-01")!, text: "ngắn", version: 0, by: Tree.actor)
            }
            var d = try await store.write(personID: clerk.id, unitID: tree.committeeA.id, validFrom: Day("2025-07-01")!,
                                          text: "Văn thư, lưu trữ; tổng hợp báo cáo tuần.", version: 0, by: Tree.actor)
            await #expect(throws: StoreError.conflict(field: "version", key: "duties_changed")) {
                try await store.write(personID: clerk.id, unitID: tree.committeeA.id, validFrom: Day("2025-07-01")!, text: "Văn thư và lưu trữ hồ sơ", version: 0, by: Tree.actor)
            }
            d = try await store.write(personID: clerk.id, unitID: tree.committeeA.id, validFrom: Day("2025-07-01")!,
                                      text: "Văn thư, lưu trữ; tổng hợp báo cáo tuần, tháng.", version: d.version, by: Tree.actor)
            #expect(try await store.people(scopes: [tree.communeA.path], on: today)[0].draft?.text == "Văn thư, lưu trữ; tổng hợp báo cáo tuần, tháng.")
            let approved = try await store.approve(personID: clerk.id, version: d.version, by: Tree.actor)
            #expect(approved.status == .approved && approved.approvedBy == "test")
            await #expect(throws: StoreError.notFound("standing_duties")) { try await store.approve(personID: clerk.id, version: approved.version, by: Tree.actor) }
            // The next version, approved, supersedes it from its own day; both stay.
            let next = try await store.write(personID: clerk.id, unitID: tree.committeeA.id, validFrom: Day("2026-11-01")!,
                                             text: "Thêm: theo dõi sổ trực tuần của Văn phòng.", version: 0, by: Tree.actor)
            _ = try await store.approve(personID: clerk.id, version: next.version, by: Tree.actor)
            rows = try await store.people(scopes: [tree.communeA.path], on: today)
            #expect(rows[0].approved?.validFrom == Day("2026-11-01") && rows[0].draft == nil)
            #expect(try await store.people(scopes: [tree.communeA.path], on: Day("2026-10-01")!)[0].approved?.validFrom == Day("2025-07-01"))
            #expect(try await store.history(personID: clerk.id).count == 2)
        }
    }
}
