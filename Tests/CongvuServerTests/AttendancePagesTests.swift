import CongvuDomain
import CongvuServer
import CongvuStore
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@Suite struct AttendancePagesTests {
    @Test func leadersSeeTheDayOfTheirUnitWithReasons() async throws {
        try await Harness.run { h in
            let committee = try await h.unit(code: "14551-UB")
            let person = try await h.someone(in: "14551-UB")
            let punches = PunchStore(database: h.services.database)
            for t in ["2026-06-05 07:20", "2026-06-05 17:02"] {
                _ = try await punches.record(PunchInput(personID: person.id, at: Instant.parseLocal(t)!, receivedAt: Instant.parseLocal(t)!, source: .terminal, method: .card), by: .system)
            }
            let leader = try await h.signIn("chutich.giahung")
            let page = try await leader.get("/attendance?unit=\(committee.id)&day=2026-06-05")
            #expect(page.status == .ok)
            let html = page.text
            #expect(html.contains("id=\"attendance-list\""))
            let row = try #require(html.components(separatedBy: "<tr>").first { $0.contains(">\(person.fullName)</a>") })
            #expect(row.contains("Đi muộn"))
            #expect(row.contains("muộn 20 phút"))
            #expect(row.contains("07:20"))
            // Nobody else punched that day in the demo's history: absent without reason.
            #expect(html.contains("Vắng không lý do"))
            // The weekend is not a working day for anyone.
            #expect(try await leader.get("/attendance?unit=\(committee.id)&day=2026-06-06").text.contains("Không phải ngày làm việc"))
        }
    }

    @Test func attendanceStaysWithinScope() async throws {
        try await Harness.run { h in
            let other = try await h.unit(code: "14554")
            #expect(try await h.signIn("chutich.giahung").get("/attendance?unit=\(other.id)").status == .forbidden)
            #expect(try await h.signIn("congchuc.giahung").get("/attendance").status == .forbidden)
            #expect(try await h.signIn("vanphong.giahung").get("/attendance").status == .ok)
            #expect(try await h.signIn("admin").get("/attendance?unit=\(other.id)&day=2026-13-45").status == .ok)  // a bad day falls back to today
        }
    }
}
