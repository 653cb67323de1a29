import CongvuDomain
import Foundation
import Testing

@Suite struct ProcedureImportTests {
    static let file = """
        Mã thủ tục,Tên thủ tục,Lĩnh vực,Cấp thực hiện,Thời hạn,Mức độ,Lệ phí,Thành phần hồ sơ,Quy trình,Hiệu lực từ,Niêm yết,Công khai
        1.001612,Đăng ký khai sinh,Hộ tịch,Cấp xã,Trong ngày,Toàn trình,0,"Tờ khai; original; 1|Giấy chứng sinh; certified_copy; 1",,2025-07-01,x,x
        2.000908,Chứng thực bản sao từ bản chính,Chứng thực,xã,2 ngày làm việc,mức độ 3,"2.000",,"Tiếp nhận; 4 giờ làm việc|Ký; 1 working_days",01/07/2025,,
        1.001612,Đăng ký khai sinh (lặp),Hộ tịch,xã,same_day,full,,,,2025-07-01,,
        1.003,Cấp phép,Xây dựng,phường,mười ngày,toàn phần,một nghìn,,,2025-13-01,,

        """

    @Test func readsThePortalsWordsAndNamesEveryProblem() throws {
        let parsed = try ProcedureImport.parse(Self.file)
        #expect(parsed.total == 4)
        #expect(parsed.rows.map(\.line) == [2, 3])
        let birth = parsed.rows[0].procedure
        #expect(birth.time == ProcessingTime(0, .sameDay) && birth.level == .commune && birth.onlineLevel == .full)
        #expect(birth.documents.map(\.form) == [.original, .certifiedCopy] && birth.postedAtCounter && birth.postedOnPortal)
        let copy = parsed.rows[1].procedure
        #expect(copy.time == ProcessingTime(2, .workingDays) && copy.onlineLevel == .level3 && copy.fee == 2000)
        // A step's time may be written in words too.
        #expect(copy.steps == [WorkflowStep(name: "Tiếp nhận", time: ProcessingTime(4, .workingHours)),
                               WorkflowStep(name: "Ký", time: ProcessingTime(1, .workingDays))])
        #expect(copy.validFrom == Day("2025-07-01") && !copy.postedAtCounter)
        let issues = Set(parsed.issues.map { "\($0.line) \($0.field) \($0.key)" })
        #expect(issues == ["4 version procedure_version_duplicate_in_file",
                           "5 level invalid", "5 time processing_time_invalid", "5 online_level invalid", "5 fee number_out_of_range",
                           "5 valid_from date_invalid"])
    }

    @Test func theVersionInForceOnADay() {
        func version(_ n: Int, _ from: String, _ to: String?) -> Procedure {
            Procedure(code: "1.1", name: "A", field: "F", level: .commune, time: ProcessingTime(1, .workingDays), onlineLevel: .full,
                      version: n, validFrom: Day(from)!, validTo: to.flatMap(Day.init))
        }
        let versions = [version(1, "2020-01-01", "2025-06-30"), version(2, "2025-07-01", nil)]
        #expect(Procedure.inForce(versions, on: Day("2024-03-01")!)?.version == 1)
        #expect(Procedure.inForce(versions, on: Day("2026-03-01")!)?.version == 2)
        // History older than the catalogue takes the earliest version; no version at all is nil.
        #expect(Procedure.inForce(versions, on: Day("2010-03-01")!)?.version == 1)
        #expect(Procedure.inForce([], on: Day("2026-03-01")!) == nil)
    }
}

@Suite struct DossierImportTests {
    let now = at("2026-11-22 12:00")
    static let header = "Mã hồ sơ;Mã thủ tục;Mã đơn vị;Kênh;Trạng thái;Ngày tiếp nhận;Ngày hẹn trả;Ngày có kết quả;Ngày trả kết quả;Ngày rút;Tạm dừng;Người nộp;Số CCCD;Ngày xin lỗi;Ngày hẹn mới;Lý do xin lỗi\n"

    func parse(_ rows: String) throws -> ParsedImport<DossierImport.Row> {
        try DossierImport.parse(Self.header + rows, now: now)
    }

    @Test func readsCodesWordsAndMoments() throws {
        let parsed = try parse("""
            h56-261102-0007;1.001612;CA-UB;trực tuyến;Đã trả kết quả;02/11/2026 08:15:40;05/11/2026 08:15;2026-11-06 09:00;2026-11-09;;"02/11/2026 08:15>03/11/2026 08:15";Nguyễn Văn An;040203001234;;;
            OLD/123;1.001612;CA-UB;;4;2026-11-10;2026-11-13;;;;;;;2026-11-12;2026-11-20;Chờ xác minh

            """)
        // A slash is not a code character.
        #expect(parsed.issues.map { "\($0.line) \($0.field) \($0.key)" } == ["3 code dossier_code_invalid"])
        let row = try #require(parsed.rows.first)
        #expect(row.code == "H56-261102-0007" && row.channel == .online && row.status == .delivered)
        #expect(row.receivedAt == DossierImport.Moment(date: at("2026-11-02 08:15"), timed: true))
        #expect(row.deliveredAt == DossierImport.Moment(date: at("2026-11-09 00:00"), timed: false))
        #expect(row.pauses == [Pause(from: at("2026-11-02 08:15"), to: at("2026-11-03 08:15"), status: .supplementRequested)])
        #expect(row.applicantName == "Nguyễn Văn An" && row.applicantIDNumber == "040203001234")
    }

    @Test(arguments: [
        ("X-1;1.1;U;;bogus;2026-11-02;2026-11-05;;;;;;;;;", ["status invalid"]),
        ("X-1;1.1;U;fax;1;2026-11-02;2026-11-05;;;;;;;;;", ["channel invalid", "status import_status_not_received"]),
        (";;;;4;;;;;;;;;;;", ["code required", "procedure_code required", "unit_code required", "received_at required", "due_at required"]),
        ("X-1;1.1;U;;4;2026-11-02;2026-11-01;;;;;;;;;", ["due_at import_before_received"]),
        ("X-1;1.1;U;;4;2026-12-02;2026-12-05;;;;;;;;;", ["received_at import_date_out_of_range"]),
        ("X-1;1.1;U;;4;1999-12-02;2000-01-05;;;;;;;;;", ["received_at import_date_out_of_range"]),
        ("X-1;1.1;U;;4;31/11/2026;2026-12-05;;;;;;;;;", ["received_at date_invalid"]),
        ("X-1;1.1;U;;10;2026-11-02;2026-11-05;;;;;;;;;", ["resolved_at import_status_needs_date", "delivered_at import_status_needs_date"]),
        ("X-1;1.1;U;;9;2026-11-02;2026-11-05;2026-11-01;;;;;;;;", ["resolved_at import_before_received"]),
        ("X-1;1.1;U;;10;2026-11-02;2026-11-05;2026-11-04;2026-11-03;;;;;;;", ["delivered_at import_before_resolved"]),
        ("X-1;1.1;U;;4;2026-11-02;2026-11-05;2026-11-04;;2026-11-04;;;;;;",
         ["resolved_at import_status_rules_out_date", "withdrawn_at import_status_rules_out_date"]),
        ("X-1;1.1;U;;7;2026-11-02;2026-11-05;;;;;;;;;", ["withdrawn_at import_status_needs_date"]),
        ("X-1;1.1;U;;4;2026-11-02;2026-11-05;;;;;;;2026-11-04;;", ["promised_at import_apology_incomplete"]),
        ("X-1;1.1;U;;4;2026-11-02;2026-11-05;;;;;;;2026-11-04;2026-11-05;", ["promised_at promised_after_due"]),
        ("X-1;1.1;U;;4;2026-11-02;2026-11-05;;;;;;12345;;;", ["applicant_id_number id_number_invalid"]),
        ("X-1;1.1;U;;4;2026-11-02;2026-11-05;;;;2026-11-03;;;;;", ["pauses import_pause_invalid"]),
        ("X-1;1.1;U;;4;2026-11-02;2026-11-05;;;;2026-11-01>2026-11-03;;;;;", ["pauses import_pause_out_of_order"]),
        ("X-1;1.1;U;;4;2026-11-02;2026-11-05;;;;2026-11-03>2026-11-04|2026-11-03 12:00>2026-11-05;;;;;", ["pauses import_pause_out_of_order"]),
        ("X-1;1.1;U;;9;2026-11-02;2026-11-05;2026-11-04;;;2026-11-03>2026-11-06;;;;;", ["pauses import_pause_out_of_order"]),
        ("X-1;1.1;U;;4;2026-11-02;2026-11-05;;;;2026-11-03>;;;;;", ["pauses import_pause_open"]),
        ("X-1;1.1;U;;5;2026-11-02;2026-11-05;;;;2026-11-03>2026-11-04;;;;;", ["pauses import_pause_missing"]),
    ])
    func everyProblemIsNamed(row: String, expected: [String]) throws {
        let parsed = try parse(row + "\n")
        #expect(parsed.rows.isEmpty)
        #expect(Set(parsed.issues.map { "\($0.field) \($0.key)" }) == Set(expected))
    }

    @Test func codesAreUniqueInTheFile() throws {
        let parsed = try parse("A-1;1.1;U;;4;2026-11-02;2026-11-05;;;;;;;;;\na-1;1.1;U;;4;2026-11-02;2026-11-05;;;;;;;;;\n")
        #expect(parsed.rows.count == 1 && parsed.issues == [ImportIssue(line: 3, field: "code", key: "code_duplicate_in_file")])
    }

    func procedure(_ time: ProcessingTime) -> Procedure {
        Procedure(id: 9, code: "1.1", name: "A", field: "Hộ tịch", level: .commune, time: time, onlineLevel: .full, validFrom: Day("2025-07-01")!)
    }

    @Test func pausesMoveTheDueDateAndTheOutcomeIsJudgedAgain() throws {
        // Due Thursday 5/11 08:00; one working day paused; resolved Friday 6/11: on time, not late.
        let parsed = try parse("""
            A-1;1.1;U;;10;2026-11-02 08:00;2026-11-05 08:00;2026-11-06 10:00;2026-11-09 09:00;;2026-11-02 08:00>2026-11-03 08:00;;;;;
            A-2;1.1;U;;5;2026-11-16 08:00;2026-11-19 08:00;;;;2026-11-17 08:00>2026-11-17 09:00|2026-11-18 08:00>;;;;;
            A-3;1.1;U;direct;7;2026-11-02 08:00;2026-11-05 08:00;;;2026-11-04 09:00;;;;;;

            """)
        #expect(parsed.issues.isEmpty)
        let resolved = try parsed.rows[0].dossier(procedure: procedure(ProcessingTime(3, .workingDays)), unitID: 4, calendar: proposedCalendar, now: now)
        #expect(resolved.legalDueAt == at("2026-11-05 08:00") && resolved.dueAt == at("2026-11-06 08:00"))
        #expect(resolved.timeliness == .onTime && resolved.closedDay == Day("2026-11-06") && resolved.imported && resolved.field == "Hộ tịch")
        #expect(parsed.rows[0].history.map(\.action) == [.accept, .requestSupplement, .supplementReceived, .resultReady, .deliver])
        #expect(parsed.rows[0].history.map(\.to) == [.accepted, .supplementRequested, .processing, .resultReady, .delivered])

        // Still paused: the open pause counts until now and carries the dossier's status.
        let paused = parsed.rows[1]
        #expect(paused.pauses.map(\.status) == [.supplementRequested, .supplementRequested] && paused.pauses[1].to == nil)
        #expect(paused.history.last?.action == .requestSupplement && paused.history.last?.to == .supplementRequested)
        let open = try paused.dossier(procedure: procedure(ProcessingTime(3, .workingDays)), unitID: 4, calendar: proposedCalendar, now: now)
        #expect(open.timeliness == nil && open.dueAt! > at("2026-11-20 08:00"))

        let withdrawn = try parsed.rows[2].dossier(procedure: procedure(ProcessingTime(3, .workingDays)), unitID: 4, calendar: proposedCalendar, now: now)
        #expect(withdrawn.closedDay == Day("2026-11-04") && withdrawn.timeliness == nil && withdrawn.resolvedAt == nil)
        #expect(parsed.rows[2].history.map(\.action) == [.accept, .withdraw])
    }

    @Test func hourBasedProceduresNeedTimesOfDay() throws {
        let parsed = try parse("A-1;1.1;U;;9;2026-11-02 08:00;2026-11-02;2026-11-02 15:00;;;;;;;;\n")
        #expect(throws: ValidationErrors([FieldError("due_at", "import_time_required")])) {
            try parsed.rows[0].dossier(procedure: procedure(ProcessingTime(4, .workingHours)), unitID: 4, calendar: proposedCalendar, now: now)
        }
        // By date the same row is fine: resolved on its due day.
        let d = try parsed.rows[0].dossier(procedure: procedure(ProcessingTime(1, .workingDays)), unitID: 4, calendar: proposedCalendar, now: now)
        #expect(d.timeliness == .onTime)
    }

    @Test func apologiesAreKeptInTheHistory() throws {
        let parsed = try parse("A-1;1.1;U;;9;2026-11-02 08:00;2026-11-05 08:00;2026-11-10 08:00;;;;;;2026-11-04 09:00;2026-11-10 17:00;Chờ xác minh\n")
        let row = try #require(parsed.rows.first)
        let d = try row.dossier(procedure: procedure(ProcessingTime(3, .workingDays)), unitID: 4, calendar: proposedCalendar, now: now)
        #expect(d.timeliness == .overdue && d.promisedAt == at("2026-11-10 17:00") && d.apologyReason == "Chờ xác minh")
        let apology = try #require(row.history.first { $0.action == .apologise })
        #expect(apology.from == .accepted && apology.to == .accepted && apology.note == "Chờ xác minh")
    }

    @Test func codesOfThisFormAreReadBack() {
        let parsed = DossierCode.parse("000.00.06.H56-261123-0042")
        #expect(parsed?.series == DossierCode.Series(agency: "000.00.06.H56", day: Day("2026-11-23")!) && parsed?.sequence == 42)
        #expect(DossierCode.parse("000.00.06.H56-261131-0042") == nil)
        #expect(DossierCode.parse("H56-2611-0042") == nil)
        #expect(DossierCode.parse("H56-261123-+042") == nil)
        #expect(DossierCode.parse("OLD-123") == nil)
    }
}
