import CongvuDomain
import Testing

@Suite struct CSVTests {
    @Test func readsWhatSpreadsheetsWrite() throws {
        let text = "\u{FEFF}a;b;c\r\n1;\"x; \"\"y\"\"\";\"two\nlines\"\r\n\r\n3;;\n"
        #expect(try CSV.parse(text) == [["a", "b", "c"], ["1", "x; \"y\"", "two\nlines"], ["3", "", ""]])
    }

    @Test func commasWhenTheHeaderHasMoreCommas() throws {
        #expect(try CSV.parse("a,b\n1,2") == [["a", "b"], ["1", "2"]])
    }

    @Test(arguments: ["a,b\n\"open,1\n", "a,b\nx\"y,1\n", "a\n\"q\"x\n"])
    func malformedQuotesAreRefused(text: String) {
        #expect(throws: CSV.ParseError.self) { try CSV.parse(text) }
    }

    @Test func recordsCarryFileLineNumbers() throws {
        let r = try CSV.records("Họ tên,Mã đơn vị\nA,X\n,\nB,Y\n", aliases: PeopleImport.aliases)
        #expect(r.header == ["full_name", "unit_code"])
        #expect(r.rows.map(\.line) == [2, 4])
        #expect(r.rows[1].values["unit_code"] == "Y")
    }
}

@Suite struct ImportRuleTests {
    let today = Day("2026-11-22")!

    @Test func aMissingColumnStopsTheFile() {
        #expect(throws: ImportFileError(key: "import_missing_column:category", line: 1)) {
            _ = try PeopleImport.parse("ho_ten,ma_don_vi,chuc_danh\nA,B,C\n", today: today)
        }
        #expect(throws: ImportFileError(key: "import_empty", line: nil)) { _ = try PeopleImport.parse("", today: today) }
    }

    @Test func eachRowReportsAllItsProblems() throws {
        let parsed = try PeopleImport.parse("""
            ho_ten,ma_don_vi,chuc_danh,phan_loai,so_the,tu_ngay
            Lê Văn Tám,X,Công chức,công chức,77,
            ,X,,kỹ sư,77,32/01/2025
            """, today: today)
        #expect(parsed.total == 2)
        #expect(parsed.rows.count == 1)
        #expect(parsed.rows[0].assignment.validFrom == "2026-11-22")
        #expect(parsed.issues.map { "\($0.line) \($0.field) \($0.key)" } == [
            "3 full_name required", "3 title required", "3 category category_invalid", "3 valid_from date_invalid",
            "3 card_number card_duplicate_in_file",
        ])
    }

    @Test func unitLevelsInVietnamese() throws {
        #expect(UnitImport.kind("Tỉnh") == .province)
        #expect(UnitImport.kind("Đặc khu") == .specialZone)
        #expect(UnitImport.kind("Phường") == .ward)
        #expect(UnitImport.kind("Trung tâm Phục vụ hành chính công") == .serviceCentre)
        #expect(UnitImport.kind("thôn") == nil)
        let parsed = try UnitImport.parse("ma,ten,cap\nA,Xã A,xã\nA,Xã B,xã\nB,,thôn\n")
        #expect(parsed.total == 3)
        #expect(parsed.rows.map(\.code) == ["A"])
        #expect(parsed.issues.map { "\($0.line) \($0.field) \($0.key)" } == ["3 code code_duplicate_in_file", "4 kind unit_kind_invalid", "4 name required"])
    }
}
