import CongvuDomain
import Foundation
import Testing

@Suite struct SearchKeyTests {
    @Test(arguments: [
        ("Nguyễn Văn Ánh", "nguyen van anh"),
        ("ĐẶNG THỊ  HỒNG", "dang thi hong"),
        ("  Trần—Đức, Định ", "tran duc dinh"),
        ("Phường Tây Hoa Lư", "phuong tay hoa lu"),
        ("Ủy ban nhân dân", "uy ban nhan dan"),
        ("50% _x\\", "50 x"),
    ])
    func foldsAccentsCaseAndPunctuation(input: String, key: String) {
        #expect(SearchKey.fold(input) == key)
    }

    @Test func likePatternsNeverCarryWildcardsFromTheQuery() {
        #expect(SearchKey.likePattern("Nguyễn") == "%nguyen%")
        #expect(SearchKey.likePattern("%_") == nil)
        #expect(SearchKey.likePattern("   ") == nil)
    }
}

@Suite struct DayTests {
    @Test func parsesBothWrittenForms() {
        #expect(Day("2025-07-01") == Day(year: 2025, month: 7, day: 1))
        #expect(Day("01/07/2025") == Day(year: 2025, month: 7, day: 1))
        #expect(Day("1/7/2025")?.description == "2025-07-01")
        #expect(Day(year: 2025, month: 7, day: 1)?.vietnamese == "01/07/2025")
    }

    /// The stored form is read byte by byte; the same day written loosely still parses the long way.
    @Test func readsTheStoredFormAndLooserOnes() {
        #expect(Day("2026-12-31") == Day(year: 2026, month: 12, day: 31))
        #expect(Day(" 2026-12-31 ") == Day(year: 2026, month: 12, day: 31))
        #expect(Day("2026-1-05") == Day(year: 2026, month: 1, day: 5))
        #expect(Day("05/01/2026") == Day(year: 2026, month: 1, day: 5))
    }

    @Test(arguments: ["2025-02-29", "31/04/2025", "2025-13-01", "2025-7", "abc", "", "0001-01-01", "07/01/25", "2025-0a-01", "2025-00-10",
                      "2025-06-31", "+202-06-01", "2025-06-1x"])
    func refusesImpossibleDays(text: String) {
        #expect(Day(text) == nil)
    }

    @Test func leapYearsAndPreviousDay() {
        #expect(Day("2024-02-29") != nil)
        #expect(Day("2000-02-29") != nil)
        #expect(Day("1900-02-29") == nil)
        #expect(Day("2025-03-01")!.previous == Day("2025-02-28"))
        #expect(Day("2025-01-01")!.previous == Day("2024-12-31"))
        #expect(Day("2025-07-10")!.previous == Day("2025-07-09"))
        #expect(Day("1900-01-01")!.previous.description == "1899-12-31")
    }

    @Test func theWorkingDayIsTakenInVietnam() {
        // 18:30 UTC on 30 June is already 1 July in Hanoi.
        let instant = Date(timeIntervalSince1970: 1_751_308_200)
        #expect(Day(instant, in: CivilTime.vietnam) == Day("2025-07-01"))
        #expect(Day(instant, in: TimeZone(identifier: "UTC")!) == Day("2025-06-30"))
    }

    @Test func instantsRoundTripInUTC() {
        let date = Date(timeIntervalSince1970: 1_751_308_200.123)
        let text = Instant.format(date)
        #expect(text == "2025-06-30T18:30:00.123Z")
        #expect(abs(Instant.parse(text)!.timeIntervalSince(date)) < 0.001)
        #expect(Instant.display(date) == "01/07/2025 01:30")
    }
}

@Suite struct LocalTimeTests {
    @Test func typedMomentsAreVietnamTime() throws {
        let d = try #require(Instant.parseLocal("2026-06-05 07:30"))
        #expect(Instant.format(d) == "2026-06-05T00:30:00.000Z")
        #expect(Instant.formatLocal(d) == "2026-06-05 07:30")
        #expect(Instant.clock(d) == "07:30")
        #expect(Instant.parseLocal("05/06/2026 7:30") == d)
        for bad in ["2026-06-05", "2026-06-05 25:00", "2026-06-05 24:00", "tomorrow 07:30", "2026-02-30 07:00"] {
            #expect(Instant.parseLocal(bad) == nil, "\(bad)")
        }
    }
}

@Suite struct InstantFormTests {
    /// The fast stored form agrees with Foundation's ISO 8601 formatter over a wide spread of instants.
    @Test func theStoredFormAgreesWithFoundation() {
        let iso = ISO8601DateFormatter()
        iso.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        var g = SystemRandomNumberGenerator()
        for _ in 0..<5000 {
            let ms = Int64.random(in: -2_208_988_800_000...4_102_444_800_000, using: &g)  // 1900 to 2100
            let date = Date(timeIntervalSince1970: TimeInterval(ms) / 1000)
            let text = Instant.format(date)
            #expect(text == iso.string(from: date), "\(ms)")
            #expect(Instant.parse(text).map { Int64(($0.timeIntervalSince1970 * 1000).rounded()) } == ms, "\(text)")
        }
        #expect(Instant.parse("2026-06-05T07:00:00.000+07:00") == Date(timeIntervalSince1970: 1_780_617_600))
        #expect(Instant.parse("2026-06-05T07:00:00Z") == nil)  // stored instants always carry milliseconds
        #expect(Instant.parse("2026-02-30T07:00:00.000Z") == nil)
        #expect(Instant.parse("2026-06-05T24:00:00.000Z") == nil)
    }
}
