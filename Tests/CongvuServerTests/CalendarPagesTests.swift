import CongvuDomain
import CongvuServer
import CongvuStore
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@Suite struct CalendarPagesTests {
    @Test func proposalsAreShownApartUntilTheAdministratorConfirmsThem() async throws {
        try await Harness.run { h in
            let admin = try await h.signIn("admin")
            let commune = try await h.unit(code: "14551")
            let before = try await admin.get("/calendar?unit=\(commune.id)&year=2028").text
            #expect(before.contains("class=\"proposed\" title=\"Tết Nguyên đán"))
            #expect(before.contains("id=\"confirm-proposals\""))
            #expect(try await admin.post("/calendar/confirm", ["unit": String(commune.id), "year": "2028"]).status == .seeOther)
            let after = try await admin.get("/calendar?unit=\(commune.id)&year=2028").text
            #expect(!after.contains("class=\"proposed\""))
            #expect(after.contains("class=\"off confirmed\" title=\"Tết Nguyên đán"))
            let ics = try await admin.get("/calendar/ics?unit=\(commune.id)&year=2028")
            #expect(ics.headers[.contentType] == "text/calendar; charset=utf-8")
            #expect(ics.text.hasPrefix("BEGIN:VCALENDAR\r\n"))
            #expect(ics.text.contains("DTSTART;VALUE=DATE:20280126\r\nDTEND;VALUE=DATE:20280127\r\n"))
            #expect(ics.text.contains("SUMMARY:Tết Nguyên đán (Nghỉ lễ\\, tết)"))
            #expect(ics.text.split(separator: "\r\n").allSatisfy { $0.utf8.count <= 75 })
        }
    }

    @Test func theOfficeKeepsItsCommunesDaysAndHoursOnly() async throws {
        try await Harness.run { h in
            let office = try await h.signIn("vanphong.giahung")
            let own = try await h.unit(code: "14551")
            let other = try await h.unit(code: "14554")
            let day = ["day": "2027-03-15", "kind": "local_day_off", "name": "Lễ hội làng", "reference": "QĐ 12/QĐ-UBND", "scope": "unit"]
            #expect(try await office.post("/calendar/days", day.merging(["unit": String(own.id)]) { _, b in b }).status == .seeOther)
            #expect(try await office.post("/calendar/days", day.merging(["unit": String(other.id)]) { _, b in b }).status == .forbidden)
            #expect(try await office.post("/calendar/days", day.merging(["unit": String(own.id), "scope": "national", "day": "2027-03-16"]) { _, b in b }).status == .forbidden)
            #expect(try await office.post("/calendar/confirm", ["unit": String(own.id), "year": "2028"]).status == .forbidden)
            let twice = try await office.post("/calendar/days", day.merging(["unit": String(own.id)]) { _, b in b })
            #expect(twice.status == .badRequest)
            #expect(twice.text.contains("Ngày này đã có trong lịch"))
            // The day applies to the commune and its offices, not to the neighbour.
            let store = CalendarStore(database: h.services.database)
            let centre = try await h.unit(code: "14551-TTHCC")
            #expect(!(try await store.workCalendar(for: centre, years: 2027...2027).isWorkingDay(Day("2027-03-15")!)))
            #expect(try await store.workCalendar(for: other, years: 2027...2027).isWorkingDay(Day("2027-03-15")!))

            let bad = try await office.post("/calendar/hours", ["unit": String(own.id), "year": "2027", "hours_from": "2027-01-01",
                                                                  "hours_text": "16/04-15/10 07:00-11:30", "reason": "thử"])
            #expect(bad.status == .badRequest)
            #expect(bad.text.contains("các mùa phải phủ kín cả năm"))
            #expect(try await office.post("/calendar/hours", ["unit": String(own.id), "year": "2027", "hours_from": "2027-01-01",
                                                              "hours_text": "01/01-31/12 07:15-11:45 13:15-16:45", "reason": "quyết định xã"]).status == .seeOther)
            #expect(try await store.workCalendar(for: centre, years: 2027...2027).sessions(on: Day("2027-06-01")!).first?.description == "07:15-11:45")
            let leader = try await h.signIn("chutich.giahung")
            #expect(try await leader.get("/calendar?unit=\(own.id)&year=2028").status == .ok)
            #expect(try await leader.post("/calendar/days", day.merging(["unit": String(own.id), "day": "2027-03-17"]) { _, b in b }).status == .forbidden)
            #expect(try await leader.get("/calendar?unit=\(other.id)&year=2028").status == .forbidden)

            let id = try await store.specialDays(years: 2027...2027, for: own).first { $0.unitID == own.id }!.id
            #expect(try await office.post("/calendar/days/\(id)/delete", ["unit": String(own.id), "year": "2027", "reason": ""]).status == .badRequest)
            #expect(try await office.post("/calendar/days/\(id)/delete", ["unit": String(own.id), "year": "2027", "reason": "hủy lễ hội"]).status == .seeOther)
            #expect(try await h.services.audit.recent(limit: 1, objectType: "special_day").first?.reason == "hủy lễ hội")
        }
    }
}
