import CongvuDomain
import CongvuStore
import CongvuTestSupport
import Foundation
import Synchronization
import Testing

@Suite struct OneStopImportStoreTests {
    static let procedures = """
        ma_thu_tuc,ten_thu_tuc,linh_vuc,cap_thuc_hien,thoi_han,muc_do,le_phi,hieu_luc_tu,niem_yet,cong_khai
        2.000908,Chứng thực bản sao từ bản chính,Chứng thực,xã,trong ngày,toàn trình,2000,2025-07-01,x,x
        1.004227,Đăng ký kết hôn,Hộ tịch,xã,5 ngày làm việc,một phần,,2025-07-01,x,
        """

    @Test(arguments: TestDatabases.kinds)
    func proceduresAreAddedNeverOverwritten(kind: DatabaseKind) async throws {
        try await TestDatabases.withFresh(kind) { db, _ in
            let imports = ImportStore(database: db)
            let store = ProcedureStore(database: db)
            let dry = try await imports.run(.procedures, Self.procedures, dryRun: true, scopes: ["/"], by: Tree.actor)
            #expect(dry.issues.isEmpty && dry.rows == 2 && !dry.applied)
            #expect(try await store.list().isEmpty)
            let done = try await imports.run(.procedures, Self.procedures, dryRun: false, scopes: ["/"], by: Tree.actor)
            #expect(done.applied && done.created == 2)
            let marriage = try #require(try await store.list(search: "ket hon").first)
            #expect(marriage.time == ProcessingTime(5, .workingDays) && marriage.onlineLevel == .partial && !marriage.isPosted)
            // The same file again: every version is already there, and nothing changes.
            let again = try await imports.run(.procedures, Self.procedures, dryRun: false, scopes: ["/"], by: Tree.actor)
            #expect(again.issues == [ImportIssue(line: 2, field: "version", key: "procedure_version_taken"),
                                     ImportIssue(line: 3, field: "version", key: "procedure_version_taken")])
            #expect(try await store.list().count == 2)
            #expect(try await AuditLog(database: db).verify() == .intact(count: 2))
        }
    }

    /// October 2026, from another system: one early, one on time thanks to its pause, one late
    /// with an apology, one still open and late, one withdrawn, and one at the other commune.
    static let october = """
        Mã hồ sơ;Mã thủ tục;Mã đơn vị;Kênh;Trạng thái;Ngày tiếp nhận;Ngày hẹn trả;Ngày có kết quả;Ngày trả kết quả;Ngày rút;Tạm dừng;Người nộp;Ngày xin lỗi;Ngày hẹn mới;Lý do xin lỗi
        000.00.06.H56-261005-0001;1.001612;CA-UB;trực tuyến;10;05/10/2026 08:00;08/10/2026 08:00;07/10/2026 10:00;08/10/2026;;;Nguyễn Văn An;;;
        000.00.06.H56-261005-0002;1.001612;CA-UB;trực tiếp;9;05/10/2026 09:00;08/10/2026 09:00;09/10/2026 10:00;;;06/10/2026 09:00>07/10/2026 09:00;Lê Thị Bình;;;
        000.00.06.H56-261005-0009;1.001612;CA-UB;;9;05/10/2026 10:00;08/10/2026 10:00;14/10/2026 10:00;;;;Trần Văn Cường;07/10/2026 09:00;14/10/2026 17:00;Chờ xác minh của công an xã
        OLD-2026-77;1.001612;CA-UB;;đang xử lý;20/10/2026 08:00;23/10/2026 08:00;;;;;Phạm Thị Dung;;;
        000.00.06.H56-261006-0003;1.001612;CA-UB;;rút hồ sơ;06/10/2026 08:00;09/10/2026 08:00;;;12/10/2026;;Hoàng Văn Em;;;
        CB-2026-1;1.001612;CB-UB;bưu chính;2;01/10/2026 08:00;06/10/2026 08:00;;;;;Vũ Thị Phương;;;

        """

    @Test(arguments: TestDatabases.kinds)
    func historicDossiersReportTheirPeriodAndNumberingGoesOn(kind: DatabaseKind) async throws {
        try await TestDatabases.withFresh(kind) { db, _ in
            let f = try await OneStopFixture.make(db)
            let imports = ImportStore(database: db)
            let scopes = [f.tree.province.path]
            let now = local("2026-11-22 12:00")
            let dry = try await imports.run(.dossiers, Self.october, dryRun: true, scopes: scopes, now: now, by: Tree.actor)
            #expect(dry.issues.isEmpty && dry.rows == 6)
            #expect(try await f.dossiers.list(scopes: scopes, filter: .all).isEmpty)
            let steps = Mutex<[Int]>([])
            let done = try await imports.run(.dossiers, Self.october, dryRun: false, scopes: scopes, now: now, by: Tree.actor) { done, total in
                steps.withLock { $0.append(done * 100 / max(total, 1)) }
            }
            #expect(done.applied && done.created == 6)
            #expect(steps.withLock { $0.last == 100 && $0 == $0.sorted() })

            // The report for October counts them as if they had been received here.
            let october = ReportPeriod(.month, year: 2026, index: 10)!
            let total = try await f.dossiers.settlement(october, grouping: .unit, scopes: scopes, today: Day("2026-12-04")!).total
            #expect(total.online == 1 && total.directOrPostal == 5 && total.carriedOver == 0)
            #expect(total.early == 1 && total.onTime == 1 && total.overdue == 1)
            #expect(total.openWithinTime == 0 && total.openOverdue == 2 && total.withdrawn == 1 && total.balances)
            let late = try await f.dossiers.overdue(october, scopes: scopes, today: Day("2026-12-04")!)
            #expect(Set(late.map(\.row.dossier.code)) == ["000.00.06.H56-261005-0009", "OLD-2026-77", "CB-2026-1"])
            #expect(late.first { $0.resolvedLate }?.row.dossier.apologyReason == "Chờ xác minh của công an xã")

            // The pause moved the due date by one working day; the history reads like a dossier received here.
            let paused = try #require(try await f.dossiers.byCode("000.00.06.H56-261005-0002"))
            #expect(paused.dossier.dueAt == local("2026-10-09 09:00") && paused.dossier.timeliness == .onTime && paused.dossier.imported)
            #expect(try await f.dossiers.events(paused.dossier.id).map(\.action) == ["accept", "request_supplement", "supplement_received", "result_ready"])
            #expect(try await f.dossiers.pauses(paused.dossier.id) == [Pause(from: local("2026-10-06 09:00"), to: local("2026-10-07 09:00"),
                                                                              status: .supplementRequested)])
            let tracking = try #require(try await f.dossiers.tracking(code: "000.00.06.H56-261005-0001"))
            #expect(tracking.status == .delivered && tracking.initials == "N.V.A." && tracking.steps.map(\.status) == [.accepted, .resultReady, .delivered])

            // The agency's numbering for 5 October continues after the highest imported number.
            let next = try await f.receive("2026-10-05 14:00")
            #expect(next.code == "000.00.06.H56-261005-0010")

            // The same file again: every code is taken, nothing is written twice.
            let again = try await imports.run(.dossiers, Self.october, dryRun: false, scopes: scopes, now: now, by: Tree.actor)
            #expect(again.issues.count == 6 && again.issues.allSatisfy { $0.key == "dossier_code_taken" })
            #expect(try await f.dossiers.list(scopes: scopes, filter: .all).count == 7)
            guard case .intact = try await AuditLog(database: db).verify() else { Issue.record("the audit chain broke"); return }
        }
    }

    @Test(arguments: TestDatabases.kinds)
    func unknownNamesAndOtherScopesStopTheWholeFile(kind: DatabaseKind) async throws {
        try await TestDatabases.withFresh(kind) { db, _ in
            let f = try await OneStopFixture.make(db)
            let file = Self.october + """
                X-1;9.999;CA-UB;;4;20/10/2026;23/10/2026;;;;;;;;
                X-2;1.001612;NOPE;;4;20/10/2026;23/10/2026;;;;;;;;

                """
            let report = try await ImportStore(database: db).run(.dossiers, file, dryRun: false, scopes: [f.tree.communeA.path],
                                                                 now: local("2026-11-22 12:00"), by: Tree.actor)
            #expect(Set(report.issues.map { "\($0.line) \($0.field) \($0.key)" })
                    == ["7 unit_code unit_out_of_scope", "8 procedure_code procedure_unknown", "9 unit_code unit_unknown"])
            #expect(!report.applied)
            #expect(try await f.dossiers.list(scopes: ["/"], filter: .all).isEmpty)
        }
    }
}
