import CongvuDomain
@testable import CongvuServer
import CongvuStore
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

/// Each role's home answers "what needs me now" on one screen.
@Suite struct HomeTests {
    /// The count `{0} … {1} … {2}` and the names under it agree: people, not just a number.
    func names(in html: String, list: String) -> [String] {
        guard let start = html.range(of: "id=\"\(list)\"") else { return [] }
        let rest = html[start.upperBound...]
        let end = rest.range(of: "</ul>")?.lowerBound ?? rest.endIndex
        return rest[..<end].components(separatedBy: "<li>").dropFirst().compactMap { item in
            guard let a = item.range(of: "\">"), let b = item.range(of: "</a>") else { return nil }
            return String(item[a.upperBound..<b.lowerBound])
        }
    }

    /// The clerk of Gia Hưng files a notice for this afternoon.
    func file(_ h: Harness, _ clerk: Browser, kind: String, place: String, purpose: String, from: String, to: String) async throws {
        let today = h.services.today.description
        #expect(try await clerk.post("/absences", ["kind": kind, "place": place, "purpose": purpose,
                                                   "from": "\(today)T\(from)", "to": "\(today)T\(to)"]).status == .seeOther)
    }

    @Test func theChairmansMorningDecidesInOneTap() async throws {
        try await Harness.run { h in
            let clerk = try await h.signIn("congchuc.giahung")
            try await file(h, clerk, kind: "business_trip", place: "Sở Nội vụ", purpose: "Họp giao ban quý IV", from: "13:30", to: "17:00")
            let chairman = try await h.signIn("chutich.giahung")
            var home = try await chairman.get("/").text
            // Today in the commune: the section and its names agree with the live board's states.
            #expect(home.contains("id=\"morning-today\"") && home.contains("Hôm nay:"))
            let unit = try await h.unit(code: "14551")
            let board = try await BoardProbe.states(h, unit: unit)
            #expect(Set(names(in: home, list: "morning-late")) == Set(board.filter { $0.value == "late" }.map(\.key)))
            #expect(Set(names(in: home, list: "morning-absent")) == Set(board.filter { $0.value == "not_arrived" }.map(\.key)))
            // The notice waits for the chairman with a one-tap approval that comes back home.
            #expect(home.contains("id=\"morning-approvals\"") && home.contains("Họp giao ban"))
            let id = try #require(try await AbsenceStore(database: h.services.database).list(personID: try await h.personID("congchuc.giahung"))
                .first { $0.request.purpose == "Họp giao ban quý IV" }?.request.id)
            #expect(home.contains("action=\"/absences/\(id)/decide\""))
            let approved = try await chairman.post("/absences/\(id)/decide", ["decision": "approve", "back": "/"])
            #expect(approved.status == .seeOther && approved.headers[.location] == "/")
            #expect(try await AbsenceStore(database: h.services.database).get(id)?.request.status == .approved)
            home = try await chairman.get("/").text
            #expect(!home.contains("action=\"/absences/\(id)/decide\""))
            // A "back" elsewhere is not followed.
            try await file(h, clerk, kind: "notice", place: "Kho bạc", purpose: "Nộp chứng từ", from: "14:00", to: "15:00")
            let second = try #require(try await AbsenceStore(database: h.services.database).list(personID: try await h.personID("congchuc.giahung"))
                .first { $0.request.purpose == "Nộp chứng từ" }?.request.id)
            let away = try await chairman.post("/absences/\(second)/decide", ["decision": "approve", "back": "//evil.example"])
            #expect(away.headers[.location] == "/absences")
        }
    }

    @Test func theOfficeWatchesApprovalsAndSeesWhoMayDecide() async throws {
        try await Harness.run { h in
            let clerk = try await h.signIn("congchuc.giahung")
            try await file(h, clerk, kind: "notice", place: "Kho bạc", purpose: "Nộp chứng từ quý", from: "14:00", to: "15:00")
            let office = try await h.signIn("vanphong.giahung")
            let home = try await office.get("/").text
            // The office decides nothing: the request is watched, with the chairman named as who may decide.
            #expect(!home.contains("id=\"morning-approvals\""))
            let watched = try #require(home.range(of: "id=\"morning-watched\"")).upperBound
            let section = String(home[watched...].prefix(4000))
            let chairman = try #require(try await h.services.accounts.byUsername("chutich.giahung"))
            let clerkID = try await h.personID("congchuc.giahung")
            let clerkName = try #require(try await h.services.people.get(clerkID)).person.fullName
            #expect(section.contains(clerkName))
            #expect(section.contains(chairman.displayName))
        }
    }

    @Test func everyRoleSeesItsOwnWork() async throws {
        try await Harness.run { h in
            // The one-stop officer: the counter's open dossiers, the nearest due first; no attendance board.
            let officer = try await h.signIn("motcua.giahung")
            let counter = try await officer.get("/").text
            #expect(counter.contains("id=\"morning-counter\"") && !counter.contains("id=\"morning-today\""))
            // The civil servant: no board, no approvals; their own days to explain, worded for them.
            let clerk = try await h.signIn("congchuc.giahung")
            let mine = try await clerk.get("/").text
            #expect(!mine.contains("id=\"morning-today\"") && !mine.contains("id=\"morning-approvals\""))
            let personID = try await h.personID("congchuc.giahung")
            let first = Day(Date().addingTimeInterval(-30 * 86400), in: CivilTime.vietnam)
            let verdicts = try await VerdictStore(database: h.services.database).refresh(personIDs: [personID], days: first.through(h.services.today.previous), cause: "review")[personID] ?? [:]
            let cases = try await ExplanationStore(database: h.services.database).byDay(personIDs: [personID], first: first, last: h.services.today)[personID] ?? [:]
            let owed = verdicts.filter { day, v in v.needsExplanation && (cases[day] == nil || cases[day]?.status == .open) }
            #expect(mine.contains("id=\"morning-mine\"") == !owed.isEmpty)
            for day in owed.keys { #expect(mine.contains("Giải trình ngày \(day.vietnamese)") || mine.contains("Viết giải trình ngày \(day.vietnamese)")) }
            // A leader of another commune sees nothing of this one's.
            let elsewhere = try await h.signIn("chutich.giavan").get("/").text
            #expect(!elsewhere.contains("Gia Hưng</"))
        }
    }
}

/// A notice's form opens on times that are valid when it is opened, evenings included.
@Test func theNoticeFormsTimesAreValidAtAnyHour() throws {
    func span(_ local: String) throws -> (Date, Date) {
        let now = try #require(Instant.parseLocal(local))
        let d = AbsencesController.defaultSpan(now: now)
        let from = AbsencesController.moment(d["from"] ?? ""), to = AbsencesController.moment(d["to"] ?? "")
        return (try #require(from), try #require(to))
    }
    let morning = try span("2026-12-04 08:10")
    #expect(Instant.formatLocal(morning.0) == "2026-12-04 08:10" && Instant.formatLocal(morning.1) == "2026-12-04 17:00")
    // At 20:07 "from now to 17:00 today" was refused as ending before it starts.
    for evening in ["2026-12-04 16:30", "2026-12-04 20:07", "2026-12-04 23:59"] {
        let (from, to) = try span(evening)
        #expect(from < to && Instant.formatLocal(from) == "2026-12-05 07:30" && Instant.formatLocal(to) == "2026-12-05 17:00", "\(evening)")
    }
}

/// The live board's state of each person of a unit now, by name (what the home page must agree with).
enum BoardProbe {
    static func states(_ h: Harness, unit: OrgUnit) async throws -> [String: String] {
        let chairman = try await h.signIn("chutich.giahung")
        let json = try await chairman.get("/board/data?unit=\(unit.id)").text
        guard let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any],
              let people = object["people"] as? [[String: Any]] else { return [:] }
        var out: [String: String] = [:]
        for p in people { if let n = p["name"] as? String, let s = p["state"] as? String { out[n] = s } }
        return out
    }
}

/// `/` without a session: the citizens' front door, with what the law wants posted.
@Suite struct FrontDoorTests {
    @Test func citizensSeeProceduresCountersAndTracking() async throws {
        try await Harness.run { h in
            let citizen = h.browser()
            let home = try await citizen.get("/")
            #expect(home.status == .ok && home.text.contains("id=\"public-tracking\"") && home.text.contains("action=\"/tra-cuu\""))
            let current = try await ProcedureStore(database: h.services.database).list(validOn: h.services.today)
            #expect(current.count > 3 && home.text.contains("<span class=\"chip\">\(current.count)</span>"))
            // Each counter: address, telephone, today's hours, and its committee's door board.
            #expect(home.text.contains("Thôn Trung, xã Gia Hưng, tỉnh Ninh Bình") && home.text.contains("href=\"tel:02293865101\""))
            #expect(home.text.contains("href=\"/door/14551-UB\"") && home.text.contains("Giờ làm việc"))
            #expect(!home.text.contains("/logout") && home.text.contains("href=\"/login\""))
            // The catalogue, searched without accents; a procedure's documents, time and fee.
            let found = try await citizen.get("/thu-tuc?q=ket%20hon")
            #expect(found.status == .ok && found.text.contains("Đăng ký kết hôn"))
            let marriage = try #require(current.first { $0.code == "1.000894" })
            let page = try await citizen.get("/thu-tuc/\(marriage.id)")
            #expect(page.status == .ok && page.text.contains("Tờ khai đăng ký kết hôn") && page.text.contains("id=\"procedure-documents\""))
            #expect(page.text.contains(marriage.fee == 0 ? "Miễn phí" : PublicController.money(marriage.fee) + " đồng"))
            #expect(try await citizen.get("/thu-tuc/999999").status == .notFound)
            #expect(try await citizen.get("/thu-tuc/abc").status == .notFound)
            // Signed in, `/` is the person's own home.
            let clerk = try await h.signIn("congchuc.giahung")
            let own = try await clerk.get("/").text
            #expect(own.contains("/logout") && !own.contains("id=\"public-tracking\""))
        }
    }

    @Test func amountsAreWrittenTheVietnameseWay() {
        #expect(PublicController.money(0) == "0" && PublicController.money(500) == "500")
        #expect(PublicController.money(50_000) == "50.000" && PublicController.money(1_250_000) == "1.250.000")
    }
}
