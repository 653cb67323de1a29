import CongvuDomain
import CongvuServer
import CongvuStore
import CongvuTestSupport
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing
@testable import CongvuServer

/// Open311 GeoReport v2 over HTTP, every endpoint in JSON and XML and every error in the standard's
/// shape, the bodies read by Foundation's JSON and XML parsers rather than compared as text.
@Suite struct Open311Tests {
    static func json(_ r: TestResponse) throws -> Any { try JSONSerialization.jsonObject(with: Data(r.body.readableBytesView)) }

    static func list(_ r: TestResponse) throws -> [[String: Any]] { try #require(try json(r) as? [[String: Any]]) }

    /// The text of every `<name>` element of an XML body, in order (parsed, not searched).
    final class Collector: NSObject, XMLParserDelegate {
        let wanted: String
        var values: [String] = []
        var current: String?
        var root = ""
        init(_ wanted: String) { self.wanted = wanted }
        func parser(_ p: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
            if root.isEmpty { root = name }
            if name == wanted { current = "" }
        }
        func parser(_ p: XMLParser, foundCharacters s: String) { current? += s }
        func parser(_ p: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            if name == wanted, let c = current { values.append(c); current = nil }
        }
    }

    static func xml(_ r: TestResponse, _ element: String) throws -> (root: String, values: [String]) {
        let parser = XMLParser(data: Data(r.body.readableBytesView))
        let c = Collector(element)
        parser.delegate = c
        #expect(parser.parse(), "not well-formed XML: \(r.text)")
        return (c.root, c.values)
    }

    static func post(_ b: Browser, _ path: String, _ fields: [String: String]) async throws -> TestResponse {
        let body = fields.map { "\(Browser.encode($0.key))=\(Browser.encode($0.value))" }.joined(separator: "&")
        return try await b.request(path, method: .post, headers: [.contentType: "application/x-www-form-urlencoded"], body: ByteBuffer(string: body))
    }

    @Test func servicesRequestsAndTokensInJSONAndXML() async throws {
        try await Harness.run { h in
            let client = h.browser()
            let account = try #require(try await h.services.accounts.byUsername("vanphong.giahung"))
            let key = try await h.services.accounts.issueAPIToken(userID: account.id, name: "Cổng DVC tỉnh", by: .system)

            let services = try await client.get("/open311/v2/services.json")
            #expect(services.status == .ok && services.headers[.contentType] == "application/json; charset=utf-8")
            let codes = try Self.list(services).compactMap { $0["service_code"] as? String }
            #expect(codes == ["attitude", "regulation", "dossier", "public_service", "other"])
            #expect(try Self.list(services).allSatisfy { $0["metadata"] as? Bool == false && $0["type"] as? String == "realtime" })
            let servicesXML = try Self.xml(try await client.get("/open311/v2/services.xml"), "service_code")
            #expect(servicesXML.root == "services" && servicesXML.values == codes)
            let definition = try Self.list(try await client.get("/open311/v2/services/attitude.json"))
            #expect(definition.first?["service_code"] as? String == "attitude" && (definition.first?["attributes"] as? [Any])?.isEmpty == true)
            #expect(try Self.xml(try await client.get("/open311/v2/services/attitude.xml"), "service_code").root == "service_definitions")

            // Filing with the key; the answer carries the id the citizen tracks.
            let posted = try await Self.post(client, "/open311/v2/requests.json", [
                "api_key": key, "jurisdiction_id": "14551-UB", "service_code": "public_service", "lat": "20.1234", "long": "105.9876",
                "address_string": "Thôn 3, xã Gia Hưng", "description": "Cống thoát nước bị tắc <gây> ngập & hôi.", "first_name": "Lan",
                "last_name": "Nguyễn", "phone": "0912345678", "media_url": "https://anh.example.vn/cong.jpg"])
            #expect(posted.status == .ok)
            let id = try #require(try Self.list(posted).first?["service_request_id"] as? String)
            let item = try #require(try await h.services.feedback.store.get(code: id))
            #expect(item.draft.channel == .open311 && item.client == "vanphong.giahung" && item.draft.citizenName == "Lan Nguyễn" && item.draft.latitude == 20.1234)

            let one = try Self.list(try await client.get("/open311/v2/requests/\(id).json"))
            let r = try #require(one.first)
            #expect(r["status"] as? String == "open" && r["service_code"] as? String == "public_service" && r["lat"] as? Double == 20.1234)
            #expect(r["description"] as? String == "Cống thoát nước bị tắc <gây> ngập & hôi." && r["media_url"] as? String == "https://anh.example.vn/cong.jpg")
            #expect((r["expected_datetime"] as? String)?.hasSuffix("T23:59:59+07:00") == true && (r["requested_datetime"] as? String)?.count == 20)
            // Who filed it is not published.
            let again = try await client.get("/open311/v2/requests/\(id).json")
            #expect(r["first_name"] == nil && !again.text.contains("0912345678"))
            let oneXML = try Self.xml(try await client.get("/open311/v2/requests/\(id).xml"), "description")
            #expect(oneXML.root == "service_requests" && oneXML.values == ["Cống thoát nước bị tắc <gây> ngập & hôi."])
            #expect(try Self.xml(try await client.get("/open311/v2/tokens/\(id).xml"), "service_request_id").values == [id])
            #expect(try Self.list(try await client.get("/open311/v2/tokens/\(id).json")).first?["token"] as? String == id)

            // Listing: by id, by service, by status, by jurisdiction, by dates.
            let other = try await h.services.feedback.file(FeedbackDraft(category: "attitude", channel: .web, description: "Cán bộ đến muộn giờ tiếp dân."),
                                                           unit: try await h.unit(code: "14554-UB"), by: .system)
            let all = try Self.list(try await client.get("/open311/v2/requests.json")).compactMap { $0["service_request_id"] as? String }
            #expect(Set(all) == [id, other.code])
            #expect(try Self.list(try await client.get("/open311/v2/requests.json?service_request_id=\(other.code),\(id)")).count == 2)
            #expect(try Self.list(try await client.get("/open311/v2/requests.json?service_code=attitude")).compactMap { $0["service_request_id"] as? String } == [other.code])
            #expect(try Self.list(try await client.get("/open311/v2/requests.json?jurisdiction_id=14551-UB")).compactMap { $0["service_request_id"] as? String } == [id])
            #expect(try Self.list(try await client.get("/open311/v2/requests.json?status=closed")).isEmpty)
            let yesterday = Open311.datetime(Date().addingTimeInterval(-86_400))
            #expect(try Self.list(try await client.get("/open311/v2/requests.json?end_date=\(Browser.encode(yesterday))")).isEmpty)
            #expect(try Self.list(try await client.get("/open311/v2/requests.json?start_date=\(Browser.encode(yesterday))")).count == 2)
            let xmlList = try Self.xml(try await client.get("/open311/v2/requests.xml"), "service_request_id")
            #expect(Set(xmlList.values) == [id, other.code])

            // Answered, the request closes and its notes are the answer; a private one is never listed.
            _ = try await h.services.feedback.store.apply(.init(action: .assign, ownerUnitID: item.ownerUnitID, ownerID: try await h.personID("congchuc.giahung")),
                                                          to: item.id, version: 1, by: .system)
            _ = try await h.services.feedback.store.apply(.init(action: .answer, answer: "Đã nạo vét cống ngày 24/11."), to: item.id, version: 2, by: .system)
            let closed = try Self.list(try await client.get("/open311/v2/requests.json?status=closed"))
            #expect(closed.count == 1 && closed[0]["status_notes"] as? String == "Đã nạo vét cống ngày 24/11.")
            let secret = try await h.services.feedback.file(FeedbackDraft(category: "other", channel: .web, description: "Xin trả lời riêng cho tôi.",
                                                                          contact: "0911222333", answerPrivately: true), unit: try await h.unit(code: "14551-UB"), by: .system)
            #expect(try await client.get("/open311/v2/requests/\(secret.code).json").status == .notFound)
        }
    }

    /// Lists are kept under the register's stamp: a change made through another node's store (here
    /// a second store on the same database, which this node's cache knows nothing of) shows at once.
    @Test func aKeptListShowsAChangeMadeAnywhereAtOnce() async throws {
        try await Harness.run { h in
            let client = h.browser()
            let unit = try await h.unit(code: "14551-UB")
            let first = try await h.services.feedback.file(FeedbackDraft(category: "other", channel: .web, description: "Loa phát thanh quá to."), unit: unit, by: .system)
            let listed = try Self.list(try await client.get("/open311/v2/requests.json"))
            #expect(listed.count == 1 && listed.first?["status"] as? String == "open")
            #expect(try Self.list(try await client.get("/open311/v2/requests.json")).count == 1)
            let otherNode = FeedbackStore(database: h.services.database)
            _ = try await otherNode.apply(.init(action: .spam, reason: "Tin rác"), to: first.id, version: 1, by: .system)
            #expect(try Self.list(try await client.get("/open311/v2/requests.json")).isEmpty, "spam is never published, and the kept list is not served")
            let second = try await h.services.feedback.file(FeedbackDraft(category: "other", channel: .web, description: "Đèn đường hỏng lâu ngày."), unit: unit, by: .system)
            let office = try await h.personID("vanphong.giahung")
            _ = try await otherNode.apply(.init(action: .assign, ownerUnitID: unit.id, ownerID: office), to: second.id, version: 1, by: .system)
            _ = try await otherNode.apply(.init(action: .answer, answer: "Đã thay bóng đèn ngày 25/11."), to: second.id, version: 2, by: .system)
            let fresh = try Self.list(try await client.get("/open311/v2/requests.json"))
            #expect(fresh.map { $0["service_request_id"] as? String } == [second.code] && fresh.first?["status_notes"] as? String == "Đã thay bóng đèn ngày 25/11.")
        }
    }

    @Test func errorsComeInTheStandardsShape() async throws {
        try await Harness.run(configure: { $0.feedbackPerMinute = 4 }) { h in
            let client = h.browser()
            let account = try #require(try await h.services.accounts.byUsername("vanphong.giahung"))
            let key = try await h.services.accounts.issueAPIToken(userID: account.id, name: "client", by: .system)
            func error(_ r: TestResponse) throws -> (Int, String) {
                let e = try #require(try Self.list(r).first)
                return (try #require(e["code"] as? Int), try #require(e["description"] as? String))
            }
            let good = ["api_key": key, "jurisdiction_id": "14551-UB", "service_code": "attitude", "address_string": "UBND xã",
                        "description": "Cán bộ không đeo thẻ công chức."]
            var r = try await Self.post(client, "/open311/v2/requests.json", good.merging(["api_key": "sai"]) { $1 })
            do { let e = try error(r); #expect(r.status == .forbidden && e.0 == 403) }
            r = try await Self.post(client, "/open311/v2/requests.json", good.filter { $0.key != "api_key" })
            #expect(r.status == .forbidden)
            r = try await Self.post(client, "/open311/v2/requests.json", good.merging(["service_code": "khong-co"]) { $1 })
            do { let e = try error(r); #expect(r.status == .notFound && e.1.contains("service_code")) }
            r = try await Self.post(client, "/open311/v2/requests.json", good.filter { $0.key != "address_string" })
            do { let e = try error(r); #expect(r.status == .badRequest && e.1.contains("location")) }
            r = try await Self.post(client, "/open311/v2/requests.json", good.merging(["description": String(repeating: "x", count: 4_001)]) { $1 })
            do { let e = try error(r); #expect(r.status == .badRequest && e.1.contains("4000")) }
            r = try await Self.post(client, "/open311/v2/requests.xml", good.merging(["jurisdiction_id": "99999"]) { $1 })
            let xmlError = try Self.xml(r, "code")
            #expect(r.status == .notFound && xmlError.root == "errors" && xmlError.values == ["404"])
            // The limit per address: four filings a minute, counted after the key is checked.
            r = try await Self.post(client, "/open311/v2/requests.json", good)
            do { let e = try error(r); #expect(r.status == .tooManyRequests && e.0 == 429) }

            r = try await Self.post(client, "/open311/v2/requests.json", good.merging(["attribute[size]": "big"]) { $1 })
            #expect((400..<500).contains(r.status.code))
            #expect(try await client.get("/open311/v2/services/attitude.html").status == .notFound)
            #expect(try await client.get("/open311/v2/services/khong-co.json").status == .notFound)
            #expect(try error(try await client.get("/open311/v2/requests/PA22222222.json")).0 == 404)
            #expect(try error(try await client.get("/open311/v2/tokens/khong-co.json")).0 == 404)
            #expect(try error(try await client.get("/open311/v2/requests.json?status=pending")).0 == 400)
            #expect(try error(try await client.get("/open311/v2/requests.json?start_date=hom-qua")).0 == 400)
            #expect(try error(try await client.get("/open311/v2/requests.json?start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z")).1.contains("90 days"))
            #expect(try error(try await client.get("/open311/v2/requests.json?jurisdiction_id=khong-co")).0 == 404)
        }
    }
}
