import CongvuDomain
@testable import CongvuServer
import CongvuStore
import CongvuTerminals
import CongvuTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SQLKit
import Testing

/// What issue 26 adds to the API for integrators and operators: procedures, the settlement report,
/// the terminal fleet and its alerts, and the audit log, each by its pages' rules.
@Suite struct OperatorAPITests {
    struct Client {
        let h: Harness
        let bearer: String

        init(_ h: Harness, _ username: String) async throws {
            self.h = h
            let account = try #require(try await h.services.accounts.byUsername(username))
            bearer = try await h.services.accounts.issueAPIToken(userID: account.id, name: "api", by: .system)
        }

        func get(_ uri: String) async throws -> (Int, [String: Any]) {
            let r = try await h.browser().request(uri, headers: [.authorization: "Bearer \(bearer)"])
            return (Int(r.status.code), (try? JSONSerialization.jsonObject(with: Data(r.body.readableBytesView)) as? [String: Any]) ?? [:])
        }

        func post(_ uri: String, json: String) async throws -> (Int, [String: Any]) {
            let r = try await h.browser().request(uri, method: .post, headers: [.authorization: "Bearer \(bearer)", .contentType: "application/json"],
                                                  body: ByteBuffer(string: json))
            return (Int(r.status.code), (try? JSONSerialization.jsonObject(with: Data(r.body.readableBytesView)) as? [String: Any]) ?? [:])
        }
    }

    @Test(arguments: TestDatabases.kinds) func proceduresAndTheSettlementReportFollowThePages(_ kind: DatabaseKind) async throws {
        try await Harness.run(kind) { h in
            let admin = try await Client(h, "admin"), counter = try await Client(h, "motcua.giahung"), clerk = try await Client(h, "congchuc.giahung")
            let (_, all) = try await admin.get("/api/v1/procedures")
            let items = try #require(all["items"] as? [[String: Any]])
            let stored = try await h.services.oneStop.procedures.list(limit: 2000)
            #expect(items.count == stored.count && items.count > 5)
            let first = try #require(stored.first)
            let (status, one) = try await counter.get("/api/v1/procedures/\(first.id)")
            #expect(status == 200 && one["code"] as? String == first.code && (one["time"] as? [String: Any])?["unit"] as? String == first.time.unit.rawValue)
            #expect((one["documents"] as? [Any])?.count == first.documents.count && one["online_level"] as? String == first.onlineLevel.rawValue)
            // A search without the accents finds the same as the page's.
            let word = try #require(first.name.split(separator: " ").first.map(String.init))
            let (_, found) = try await counter.get("/api/v1/procedures?q=\(SearchKey.fold(word).addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed)!)")
            #expect((found["items"] as? [[String: Any]])?.contains { $0["id"] as? Int == Int(first.id) } == true)
            #expect(try await admin.get("/api/v1/procedures?valid_on=someday").0 == 400)
            #expect(try await clerk.get("/api/v1/procedures").0 == 403)
            #expect(try await admin.get("/api/v1/procedures/999999").0 == 404)

            // Biểu 06 for the year: the same figures as the store's, the counter's fewer than the province's.
            let year = h.services.today.year
            let (_, report) = try await admin.get("/api/v1/reports/settlement?kind=year&year=\(year)")
            let province = try await h.unit(code: "37")
            let expected = try await h.services.oneStop.dossiers.settlement(try #require(ReportPeriod(.year, year: year, index: 1, government: false)),
                                                                          grouping: .unit, scopes: [province.path], today: h.services.today)
            let total = try #require(report["total"] as? [String: Any])
            #expect(total["received"] as? Int == expected.total.received && expected.total.received > 0)
            #expect(total["resolved"] as? Int == expected.total.resolved && total["open_overdue"] as? Int == expected.total.openOverdue)
            #expect((report["lines"] as? [[String: Any]])?.count == expected.lines.count && report["first"] as? String == "\(year)-01-01")
            let (_, byField) = try await admin.get("/api/v1/reports/settlement?kind=year&year=\(year)&group=field")
            #expect((byField["total"] as? [String: Any])?["received"] as? Int == expected.total.received && byField["group"] as? String == "field")
            let (_, theirs) = try await counter.get("/api/v1/reports/settlement?kind=year&year=\(year)")
            #expect(((theirs["total"] as? [String: Any])?["received"] as? Int ?? 0) < expected.total.received)
            for bad in ["kind=weekly", "kind=year&year=1900", "kind=month&index=13", "kind=range&from=2026-05-01&to=2026-04-01", "group=people", "year=soon"] {
                #expect(try await admin.get("/api/v1/reports/settlement?\(bad)").0 == 400, "\(bad)")
            }
            #expect(try await clerk.get("/api/v1/reports/settlement").0 == 403)
        }
    }

    @Test func theFleetAndItsAlertsByTheFleetPagesRules() async throws {
        try await Harness.run { h in
            let office = try await Client(h, "vanphong.giahung"), elsewhere = try await Client(h, "vanphong.giavan"), clerk = try await Client(h, "congchuc.giahung")
            let (_, list) = try await office.get("/api/v1/terminals")
            let items = try #require(list["items"] as? [[String: Any]])
            let serials = Set(items.compactMap { $0["serial"] as? String })
            #expect(serials == ["AF6C201460501", "DS-K1T341AM20240001", "AF6C201460502"])
            let pending = try #require(items.first { $0["serial"] as? String == "AF6C201460502" })
            #expect(pending["status"] as? String == "pending" && (pending["problems"] as? [String])?.contains("pending") == true)
            #expect(!String(decoding: try JSONSerialization.data(withJSONObject: list), as: UTF8.self).contains("registry"))
            // Another commune's office sees the pending terminal (no data yet) but not Gia Hưng's.
            let (_, theirs) = try await elsewhere.get("/api/v1/terminals")
            #expect(Set(((theirs["items"] as? [[String: Any]]) ?? []).compactMap { $0["serial"] as? String }) == ["AF6C201460502"])
            #expect(try await elsewhere.get("/api/v1/terminals/AF6C201460501").0 == 403)
            let (status, gate) = try await office.get("/api/v1/terminals/AF6C201460501")
            #expect(status == 200 && gate["location"] as? String == "Cổng chính trụ sở" && gate["users"] as? Int == 61)
            #expect(try await office.get("/api/v1/terminals/NOPE").0 == 404)
            #expect(try await clerk.get("/api/v1/terminals").0 == 403)

            // An alert raised at the gate: listed, resolved once with what was found, audited.
            let terminal = try #require(try await h.services.terminals.terminals.get(serial: "AF6C201460501"))
            try await h.services.terminals.alerts.raise([NewTerminalAlert(kind: .timeSet, occurredAt: Date(), detail: "08:00 → 07:40", dedupe: "api-test")],
                                                        terminalID: terminal.id)
            let (_, open) = try await office.get("/api/v1/terminal-alerts")
            let alert = try #require((open["items"] as? [[String: Any]])?.first { $0["kind"] as? String == "time_set" })
            let id = try #require(alert["id"] as? Int)
            #expect(((try await elsewhere.get("/api/v1/terminal-alerts").1["items"] as? [[String: Any]]) ?? []).allSatisfy { $0["id"] as? Int != id })
            #expect(try await elsewhere.post("/api/v1/terminal-alerts/\(id)/resolve", json: #"{"resolution": "Không phải của tôi"}"#).0 == 403)
            #expect(try await office.post("/api/v1/terminal-alerts/\(id)/resolve", json: #"{"resolution": "  "}"#).0 == 400)
            #expect(try await office.post("/api/v1/terminal-alerts/\(id)/resolve", json: #"{"note": 1}"#).0 == 400)
            let (resolved, after) = try await office.post("/api/v1/terminal-alerts/\(id)/resolve", json: #"{"resolution": "Đồng hồ chỉnh lại theo giờ chuẩn"}"#)
            #expect(resolved == 200 && after["resolved_at"] != nil && after["resolution"] as? String == "Đồng hồ chỉnh lại theo giờ chuẩn")
            #expect(try await office.post("/api/v1/terminal-alerts/\(id)/resolve", json: #"{"resolution": "Lần nữa"}"#).0 == 409)
            #expect(try await h.services.audit.recent(objectType: "terminal_alert", objectID: String(id)).first?.reason == "Đồng hồ chỉnh lại theo giờ chuẩn")
            let (_, history) = try await office.get("/api/v1/terminal-alerts?serial=AF6C201460501&state=all")
            #expect(((history["items"] as? [[String: Any]]) ?? []).contains { $0["id"] as? Int == id && $0["resolved_at"] != nil })
            #expect(((try await office.get("/api/v1/terminal-alerts").1["items"] as? [[String: Any]]) ?? []).allSatisfy { $0["id"] as? Int != id })
            #expect(try await office.get("/api/v1/terminal-alerts?state=all").0 == 400)
            #expect(try await office.get("/api/v1/terminal-alerts?state=closed").0 == 400)
        }
    }

    @Test(arguments: TestDatabases.kinds) func theAuditLogPagesInTheChainsOrder(_ kind: DatabaseKind) async throws {
        try await Harness.run(kind) { h in
            let admin = try await Client(h, "admin"), office = try await Client(h, "vanphong.giahung")
            let (_, first) = try await admin.get("/api/v1/audit?limit=50")
            let page = try #require(first["items"] as? [[String: Any]])
            #expect(page.count == 50 && page.first?["seq"] as? Int == 1 && first["next"] as? Int == 50)
            // Each record names the one before it: another system can check the chain it copied.
            for (a, b) in zip(page, page.dropFirst()) { #expect(b["prev_hash"] as? String == a["hash"] as? String && (b["seq"] as! Int) == (a["seq"] as! Int) + 1) }
            let (_, second) = try await admin.get("/api/v1/audit?after=50&limit=10")
            let next = try #require(second["items"] as? [[String: Any]])
            #expect(next.first?["seq"] as? Int == 51 && next.first?["prev_hash"] as? String == page.last?["hash"] as? String)
            let last = try #require(try await h.services.audit.recent(limit: 1).first)
            let (_, end) = try await admin.get("/api/v1/audit?after=\(last.seq)")
            #expect((end["items"] as? [Any])?.isEmpty == true && end["next"] as? Int == Int(last.seq))
            let (_, one) = try await admin.get("/api/v1/audit?object_type=\(last.objectType)&object_id=\(last.objectID)&limit=1000")
            #expect(((one["items"] as? [[String: Any]]) ?? []).allSatisfy { $0["object_id"] as? String == last.objectID } && (one["items"] as? [Any])?.isEmpty == false)
            for bad in ["limit=0", "limit=1001", "after=-1", "after=x"] { #expect(try await admin.get("/api/v1/audit?\(bad)").0 == 400, "\(bad)") }
            #expect(try await office.get("/api/v1/audit").0 == 403)
        }
    }

    @Test func theFeedbackRegisterByItsRules() async throws {
        try await Harness.run { h in
            try await FeedbackDemo.load(h.services)
            let office = try await Client(h, "vanphong.giahung"), elsewhere = try await Client(h, "vanphong.giavan"), clerk = try await Client(h, "congchuc.giahung")
            let (status, list) = try await office.get("/api/v1/feedback")
            let items = try #require(list["items"] as? [[String: Any]])
            let unit = try #require(list["unit_id"] as? Int)
            let stored = try await h.services.feedback.store.list(FeedbackFilter(unitIDs: [Int64(unit)], limit: 100))
            #expect(status == 200 && list["total"] as? Int == stored.total && stored.total > 0 && items.count == min(100, stored.total))
            #expect(Set(items.compactMap { $0["code"] as? String }) == Set(stored.items.map(\.code)))
            let (_, answered) = try await office.get("/api/v1/feedback?status=answered")
            let answeredItems = try #require(answered["items"] as? [[String: Any]])
            #expect(!answeredItems.isEmpty && answeredItems.allSatisfy { $0["status"] as? String == "answered" && !($0["answer"] as? String ?? "").isEmpty })
            let id = try #require(items.first?["id"] as? Int)
            let (found, one) = try await office.get("/api/v1/feedback/\(id)")
            #expect(found == 200 && (one["events"] as? [Any])?.isEmpty == false && one["code"] as? String == items.first?["code"] as? String)
            #expect(try await elsewhere.get("/api/v1/feedback/\(id)").0 == 403)
            #expect(try await elsewhere.get("/api/v1/feedback?unit=\(unit)").0 == 403)
            #expect(try await clerk.get("/api/v1/feedback").0 == 403)
            #expect(try await office.get("/api/v1/feedback/999999").0 == 404)
            for bad in ["status=lost", "channel=fax", "from=hôm-qua", "offset=-1", "unit=x"] {
                #expect(try await office.get("/api/v1/feedback?\(bad)").0 == 400, "\(bad)")
            }
        }
    }

    @Test func surveyResultsByTheResultsPagesRules() async throws {
        try await Harness.run { h in
            try await SurveyDemo.load(h.services)
            let office = try await Client(h, "vanphong.giahung"), elsewhere = try await Client(h, "vanphong.giavan"), clerk = try await Client(h, "congchuc.giahung")
            // The demo's citizens answered at the one-stop centre.
            let today = h.services.today, from = "\(today.year)-01-01", centre = try await h.unit(code: "14551-TTHCC")
            let (status, summary) = try await office.get("/api/v1/surveys/results?unit=\(centre.id)&from=\(from)&to=\(today)")
            let unit = try #require(summary["unit_id"] as? Int)
            let stored = try await h.services.feedback.surveys.responses(unitIDs: [Int64(unit)], from: try #require(Day(from)), to: today, code: "sipas")
            #expect(status == 200 && summary["responses"] as? Int == stored.count && stored.count > 0)
            let elements = try #require(summary["elements"] as? [[String: Any]])
            #expect(elements.map { $0["key"] as? String } == SIPASElement.allCases.map(\.rawValue))
            let overall = try #require(summary["overall"] as? [String: Any])
            let share = try #require(overall["satisfied"] as? Double), low = try #require(overall["satisfied_low"] as? Double)
            #expect((0...1).contains(share) && low <= share && (summary["questions"] as? [Any])?.isEmpty == false)
            #expect(try await elsewhere.get("/api/v1/surveys/results?unit=\(unit)").0 == 403)
            #expect(try await clerk.get("/api/v1/surveys/results").0 == 403)
            for bad in ["q=gallup", "from=đầu-năm", "unit=x"] { #expect(try await office.get("/api/v1/surveys/results?\(bad)").0 == 400, "\(bad)") }
        }
    }
}
