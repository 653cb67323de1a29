import CongvuDomain
import CongvuStore
import CongvuTestSupport
import Synchronization
import Testing

@Suite struct ImportStoreTests {
    static let goodPeople = "\u{FEFF}Họ tên;Giới tính;Ngày sinh;Mã đơn vị;Chức danh;Phân loại;Lãnh đạo;Số thẻ\n"
        + "Nguyễn Văn Bình;Nam;12/05/1980;CA-UB;Chủ tịch UBND xã;Cán bộ;x;1001\n"
        + "Lê Thị Hoa;Nữ;1990-02-01;CA-UB;Công chức Tư pháp - Hộ tịch;Công chức;;1002\n"
        + "\"Trần, Quang Huy\";Nam;;CB-UB;Người hoạt động không chuyên trách;không chuyên trách;;\n"

    @Test(arguments: TestDatabases.kinds)
    func aDryRunChecksEverythingAndWritesNothing(kind: DatabaseKind) async throws {
        try await TestDatabases.withFresh(kind) { db, _ in
            let t = try await Tree.make(db)
            let report = try await ImportStore(database: db).importPeople(Self.goodPeople, dryRun: true, scopes: [t.province.path],
                                                                         today: today, by: Tree.actor)
            #expect(report.issues.isEmpty)
            #expect(report.rows == 3)
            #expect(!report.applied)
            #expect(try await PeopleStore(database: db).count() == 0)
        }
    }

    @Test(arguments: TestDatabases.kinds)
    func aGoodFileIsImportedWholeWithProgress(kind: DatabaseKind) async throws {
        try await TestDatabases.withFresh(kind) { db, _ in
            let t = try await Tree.make(db)
            let last = Mutex((0, 0))
            let report = try await ImportStore(database: db).importPeople(Self.goodPeople, dryRun: false, scopes: [t.province.path],
                                                                         today: today, by: Tree.actor) { done, total in
                last.withLock { $0 = (done, total) }
            }
            #expect(report.applied)
            #expect(report.created == 3)
            #expect(last.withLock { $0.0 == $0.1 && $0.1 > 0 })
            let found = try await PeopleStore(database: db).search("tran quang", scopes: [t.province.path], on: today)
            #expect(found.items.first?.person.fullName == "Trần, Quang Huy")
            #expect(found.items.first?.category == .partTime)
        }
    }

    @Test(arguments: TestDatabases.kinds)
    func oneBadRowMeansNothingIsWritten(kind: DatabaseKind) async throws {
        try await TestDatabases.withFresh(kind) { db, _ in
            let t = try await Tree.make(db)
            let file = Self.goodPeople + "Phạm Văn 3;Nam;31/02/1990;XX;;giám đốc;;1001\n"
            let report = try await ImportStore(database: db).importPeople(file, dryRun: false, scopes: [t.province.path],
                                                                         today: today, by: Tree.actor)
            #expect(!report.applied)
            #expect(report.rows == 4)  // a row with five problems is still one row
            let keys = Set(report.issues.filter { $0.line == 5 }.map { "\($0.field):\($0.key)" })
            #expect(keys == ["full_name:name_has_digits", "birth_date:date_invalid", "title:required", "category:category_invalid",
                             "card_number:card_duplicate_in_file"])
            #expect(try await PeopleStore(database: db).count() == 0)
        }
    }

    @Test(arguments: TestDatabases.kinds)
    func rowsOutsideTheScopeAreRefused(kind: DatabaseKind) async throws {
        try await TestDatabases.withFresh(kind) { db, _ in
            let t = try await Tree.make(db)
            let report = try await ImportStore(database: db).importPeople(Self.goodPeople, dryRun: false, scopes: [t.communeA.path],
                                                                         today: today, by: Tree.actor)
            #expect(report.issues == [ImportIssue(line: 4, field: "unit_code", key: "unit_out_of_scope")])
            #expect(try await PeopleStore(database: db).count() == 0)
        }
    }

    @Test(arguments: TestDatabases.kinds)
    func unitsArriveInAnyOrderWithTheirSuccessors(kind: DatabaseKind) async throws {
        try await TestDatabases.withFresh(kind) { db, _ in
            let t = try await Tree.make(db)
            let file = """
                ma,ten,cap,ma_cap_tren,tu_ngay,den_ngay,ma_ke_thua
                X1-VP,Văn phòng,văn phòng,X1-UB,,,
                X1-UB,UBND xã Mới,UBND,X1,2025-07-01,,
                X1,Xã Mới,xã,P1,2025-07-01,,
                H9,Huyện Cũ,huyện,P1,,30/06/2025,
                O1,Xã Cũ,xã,H9,,30/06/2025,X1
                """
            let report = try await ImportStore(database: db).importUnits(file, dryRun: false, scopes: [t.province.path], by: Tree.actor)
            #expect(report.issues.isEmpty)
            #expect(report.created == 5)
            let units = UnitStore(database: db)
            let office = try await units.byCode("X1-VP")!
            let commune = try await units.byCode("X1")!
            #expect(office.path.hasPrefix(commune.path))
            #expect(try await units.byCode("O1")?.successorID == commune.id)
            #expect(try await AuditLog(database: db).verify() == .intact(count: 5 + 5 + 1))
        }
    }
}
