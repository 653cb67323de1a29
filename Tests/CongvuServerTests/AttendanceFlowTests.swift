import CongvuDomain
import CongvuServer
import CongvuStore
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import SQLKit
import Testing

/// Notices, the kiosk, explanations, the boards and the reports, driven as people use them.
@Suite struct AttendanceFlowTests {
    func json(_ r: TestResponse) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(r.text.utf8)) as? [String: Any])
    }

    @Test func noticesAreDecidedByTheLeaderAboveOnly() async throws {
        try await Harness.run { h in
            let clerk = try await h.signIn("congchuc.giahung")
            let today = h.services.today.description
            // Bad input is refused field by field, in Vietnamese.
            let bad = try await clerk.post("/absences", ["kind": "notice", "place": "", "purpose": "", "from": "\(today)T14:00", "to": "\(today)T13:00"])
            #expect(bad.status == .badRequest)
            #expect(bad.text.contains("Không được để trống"))
            let filed = try await clerk.post("/absences", ["kind": "business_trip", "place": "Sở Nội vụ", "purpose": "Họp giao ban quý IV",
                                                           "task": "Báo cáo CCHC", "from": "\(today)T13:30", "to": "\(today)T17:00"])
            #expect(filed.status == .seeOther)
            let mine = try await clerk.get("/absences").text
            #expect(mine.contains("Họp giao ban quý IV") && mine.contains("Chờ duyệt"))
            let id = try #require(try await AbsenceStore(database: h.services.database).list(personID: try await h.personID("congchuc.giahung"))
                .first { $0.request.purpose == "Họp giao ban quý IV" }?.request.id)
            // The other commune's leader sees nothing and may not decide.
            let other = try await h.signIn("chutich.giavan")
            #expect(!(try await other.get("/absences").text.contains("Họp giao ban quý IV")))
            #expect(try await other.post("/absences/\(id)/decide", ["decision": "approve"]).status == .forbidden)
            // The commune's leader rejects only with a reason, then approves.
            let leader = try await h.signIn("chutich.giahung")
            #expect(try await leader.get("/absences").text.contains("Họp giao ban quý IV"))
            let noReason = try await leader.post("/absences/\(id)/decide", ["decision": "reject", "note": ""])
            #expect(noReason.status == .badRequest)
            #expect(try await leader.post("/absences/\(id)/decide", ["decision": "approve", "note": ""]).status == .seeOther)
            #expect(try await leader.post("/absences/\(id)/decide", ["decision": "reject", "note": "đổi ý"]).status == .conflict)
            // The leader's own notice goes to the level above: not to himself.
            #expect(try await leader.post("/absences", ["kind": "notice", "place": "UBND tỉnh", "purpose": "Dự hội nghị",
                                                        "from": "\(today)T08:00", "to": "\(today)T11:00"]).status == .seeOther)
            let own = try await AbsenceStore(database: h.services.database).list(scopes: [""], statuses: [.pending]).first { $0.request.purpose == "Dự hội nghị" }!
            #expect(try await leader.post("/absences/\(own.request.id)/decide", ["decision": "approve"]).status == .forbidden)
            let audit = try await AuditLog(database: h.services.database).recent(limit: 10, objectType: "absence", objectID: String(id))
            #expect(audit.count == 2)
        }
    }

    /// A card number typed at the kiosk (not read by its USB reader) is recorded as typed, and the
    /// unit may ask for the holder's PIN after it or refuse it; colleagues no longer see card numbers.
    @Test func typedCardNumbersFollowTheUnitsRule() async throws {
        try await Harness.run { h in
            let committee = try await h.unit(code: "14551-UB")
            let person = try await h.newcomer("Lê Văn Gõ", card: "0045127788", pin: "480211")
            // Only those who manage the person see the number; a colleague sees it masked.
            let colleague = try await h.signIn("congchuc.giahung")
            let seen = try await colleague.get("/people/\(person.id)")
            #expect(seen.status == .ok && !seen.text.contains("0045127788") && !seen.text.contains("480211") && seen.text.contains("••••"))
            let office = try await h.signIn("vanphong.giahung")
            #expect(try await office.get("/people/\(person.id)").text.contains("0045127788"))
            #expect(try await office.post("/kiosks", ["unit": String(committee.id), "name": "Cửa chính"]).status == .seeOther)
            let headers: HTTPFields = [.contentType: "application/json", HTTPField.Name("X-Congvu-Kiosk")!: "1"]
            func tap(_ body: String) async throws -> TestResponse {
                try await office.request("/kiosk/punch", method: .post, headers: headers, body: ByteBuffer(string: body))
            }
            let punches = PunchStore(database: h.services.database)
            func methods() async throws -> [PunchMethod] {
                try await punches.punches(personID: person.id, from: Date().addingTimeInterval(-86400), to: Date().addingTimeInterval(60)).map(\.punch.method)
            }
            // By default a typed number is accepted and recorded as typed; the reader's as a card.
            #expect(try json(try await tap(#"{"card":"0045127788","key":"t1"}"#))["ok"] as? Bool == true)
            #expect(try await methods() == [.typedCard])
            // The unit asks for the PIN after a typed number.
            func setRule(_ rule: String) async throws {
                let saved = try await office.post("/attendance/policy", [
                    "unit": String(committee.id), "valid_from": h.services.today.description, "derivation": "per_day", "grace_minutes": "5",
                    "collapse_seconds": "0", "window_minutes": "180", "half_day_minutes": "180", "absent_below_minutes": "30",
                    "explanation_days": "3", "typed_cards": rule, "reason": "Chống chấm công hộ"])
                #expect(saved.status == .seeOther, "\(rule)")
            }
            try await setRule("pin")
            #expect(try await office.get("/attendance/policy?unit=\(committee.id)").text.contains("Chấp nhận khi nhập thêm mã PIN của người đó"))
            let asked = try await tap(#"{"card":"0045127788","key":"t2"}"#)
            #expect(try asked.status == .unauthorized && json(asked)["code"] as? String == "typed_card_needs_pin")
            let wrong = try await tap(#"{"card":"0045127788","pin":"111111","key":"t3"}"#)
            #expect(try wrong.status == .forbidden && json(wrong)["code"] as? String == "typed_card_wrong_pin")
            #expect(try await methods() == [.typedCard])
            #expect(try json(try await tap(#"{"card":"0045127788","pin":"480211","key":"t4"}"#))["ok"] as? Bool == true)
            // The reader needs no PIN.
            #expect(try json(try await tap(#"{"card":"0045127788","entry":"reader","key":"t5"}"#))["ok"] as? Bool == true)
            #expect(try await methods() == [.typedCard, .typedCard, .card])
            // Refused altogether: nothing recorded, the reader still works.
            try await setRule("refuse")
            let refused = try await tap(#"{"card":"0045127788","pin":"480211","key":"t6"}"#)
            #expect(try refused.status == .forbidden && json(refused)["message"] as? String == "Đơn vị chỉ nhận quẹt thẻ hoặc mã PIN. Vui lòng quẹt thẻ.")
            #expect(try await methods().count == 3)
            // A rule that does not exist is refused in words.
            let bad = try await office.post("/attendance/policy", [
                "unit": String(committee.id), "valid_from": h.services.today.description, "derivation": "per_day", "grace_minutes": "5",
                "collapse_seconds": "0", "window_minutes": "180", "half_day_minutes": "180", "absent_below_minutes": "30",
                "explanation_days": "3", "typed_cards": "sometimes", "reason": "thử"])
            #expect(bad.status == .badRequest && bad.text.contains("Chọn cách xử lý mã thẻ gõ tay."))
        }
    }

    /// Every demo person's card number is one the kiosk accepts (half of them were negative).
    @Test func theDemoCardsAreReadable() async throws {
        try await Harness.run { h in
            let cards = try await h.services.database.read { sql in
                try await sql.raw("SELECT card_number FROM people WHERE card_number <> ''").all().map { try $0.decode(column: "card_number", as: String.self) }
            }
            #expect(cards.count > 100)
            #expect(cards.allSatisfy { $0.count == 10 && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }, "\(cards.filter { !$0.allSatisfy(\.isNumber) }.prefix(3))")
        }
    }

    @Test func theKioskRecordsCardsAndPINsOnlyWhenRegistered() async throws {
        try await Harness.run { h in
            let committee = try await h.unit(code: "14551-UB")
            let person = try await h.newcomer("Đinh Thị Kiosk", card: "55500123", pin: "739215")
            let office = try await h.signIn("vanphong.giahung")
            let headers: HTTPFields = [.contentType: "application/json", HTTPField.Name("X-Congvu-Kiosk")!: "1"]
            // Not registered: the page is locked and punches are refused.
            #expect(try await office.get("/kiosk").status == .forbidden)
            #expect(try await office.request("/kiosk/punch", method: .post, headers: headers, body: ByteBuffer(string: #"{"card":"\#(person.cardNumber)"}"#)).status == .forbidden)
            let registered = try await office.post("/kiosks", ["unit": String(committee.id), "name": "Cửa chính"])
            #expect(registered.status == .seeOther)
            #expect(office.cookies["cv_kiosk"] != nil)
            // The page hands the kiosk its signing key once, the first time it opens.
            let first = try await office.get("/kiosk").text
            #expect(first.contains("id=\"kiosk-card\""))
            let signingKey = try #require(first.range(of: "data-signing-key=\"").map { String(first[$0.upperBound...].prefix(64)) })
            #expect(signingKey.count == 64)
            #expect(try await !office.get("/kiosk").text.contains("data-signing-key"))
            // Without the page's header (a form from elsewhere) nothing is recorded.
            #expect(try await office.request("/kiosk/punch", method: .post, headers: [.contentType: "application/json"],
                                             body: ByteBuffer(string: #"{"card":"\#(person.cardNumber)"}"#)).status == .forbidden)
            let ok = try json(try await office.request("/kiosk/punch", method: .post, headers: headers,
                                                       body: ByteBuffer(string: #"{"card":"\#(person.cardNumber)","key":"k1"}"#)))
            #expect(ok["ok"] as? Bool == true)
            #expect(ok["name"] as? String == person.fullName)
            #expect((ok["message"] as? String)?.hasPrefix("Vào ") == true)
            // The same tap sent again is the same punch.
            let again = try json(try await office.request("/kiosk/punch", method: .post, headers: headers,
                                                          body: ByteBuffer(string: #"{"card":"\#(person.cardNumber)","key":"k1"}"#)))
            #expect((again["message"] as? String)?.contains("đã ghi nhận") == true)
            // A PIN from the keypad (six digits: the demo's own staff have four, so it is this person's alone).
            let pin = try json(try await office.request("/kiosk/punch", method: .post, headers: headers,
                                                        body: ByteBuffer(string: #"{"pin":"\#(person.terminalPIN)","key":"k2"}"#)))
            #expect(pin["ok"] as? Bool == true && pin["name"] as? String == person.fullName)
            let wrong = try json(try await office.request("/kiosk/punch", method: .post, headers: headers,
                                                          body: ByteBuffer(string: #"{"pin":"739216","key":"k2b"}"#)))
            #expect(wrong["code"] as? String == "pin_unknown")
            // An unknown card is recorded and listed for the office, never dropped.
            let unknown = try json(try await office.request("/kiosk/punch", method: .post, headers: headers, body: ByteBuffer(string: #"{"card":"99887766"}"#)))
            #expect(unknown["code"] as? String == "unknown_card")
            #expect(try await office.get("/attendance/cards").text.contains("99887766"))
            // A queued punch keeps its original time and is marked queued. Signed with the kiosk's key
            // when it was made, it counts; unsigned, signed for another time, or sent more than a day
            // late, it is kept but held for the office; one from next week is refused.
            let kioskID = try #require(try await KioskStore(database: h.services.database).list(scopes: [committee.path]).first?.id)
            func queue(_ at: Date, key: String, signedAt: Date? = nil, sign: Bool = true) async throws -> [String: Any] {
                let text = Instant.format(at)
                let sig = SecretBox.hmac(hexKey: signingKey, "\(kioskID)|\(person.cardNumber)||\(Instant.format(signedAt ?? at))|\(key)")
                return try json(try await office.request("/kiosk/punch", method: .post, headers: headers, body: ByteBuffer(string:
                    #"{"card":"\#(person.cardNumber)","queued":true,"at":"\#(text)","key":"\#(key)"\#(sign ? #","sig":"\#(sig)""# : "")}"#)))
            }
            let earlier = Date().addingTimeInterval(-600)
            #expect(try await queue(earlier, key: "k3")["queued"] as? Bool == true)
            _ = try await queue(Date().addingTimeInterval(-700), key: "k4", sign: false)
            _ = try await queue(Date().addingTimeInterval(-800), key: "k5", signedAt: Date().addingTimeInterval(-3600))
            _ = try await queue(Date().addingTimeInterval(-30 * 3600), key: "k6")
            let stored = try await PunchStore(database: h.services.database).punches(personID: person.id, from: Date().addingTimeInterval(-2 * 86400),
                                                                                     to: Date().addingTimeInterval(60), includeFlagged: true)
            #expect(stored.first { $0.queued && $0.punch.at.timeIntervalSince(earlier) > -1 && $0.punch.at.timeIntervalSince(earlier) < 1 }?.flag == PunchFlag.none)
            #expect(stored.filter(\.queued).map(\.flag).sorted { $0.rawValue < $1.rawValue } == [.none, .lateQueue, .unsigned, .unsigned])
            // Both moments are kept: when it was made and when it arrived.
            #expect(stored.filter(\.queued).allSatisfy { $0.receivedAt.timeIntervalSince($0.punch.at) >= 599 })
            #expect(try await office.get("/attendance/cards").text.contains("gửi muộn quá thời hạn cho phép"))
            let future = Instant.format(Date().addingTimeInterval(7 * 86400))
            #expect(try await office.request("/kiosk/punch", method: .post, headers: headers,
                                             body: ByteBuffer(string: #"{"card":"1","queued":true,"at":"\#(future)"}"#)).status == .badRequest)
            #expect(try await office.request("/kiosk/punch", method: .post, headers: headers, body: ByteBuffer(string: "not json")).status == .badRequest)
            // Revoked: locked again.
            let kiosk = try await KioskStore(database: h.services.database).list(scopes: [committee.path]).first!
            #expect(try await office.post("/kiosks/\(kiosk.id)/revoke", ["reason": "máy hỏng"]).status == .seeOther)
            #expect(try await office.get("/kiosk").status == .forbidden)
            // A civil servant cannot register a kiosk.
            #expect(try await h.signIn("congchuc.giahung").post("/kiosks", ["unit": String(committee.id), "name": "x"]).status == .forbidden)
        }
    }

    @Test func explanationsRunFromOpeningToDecision() async throws {
        try await Harness.run { h in
            let personID = try await h.personID("congchuc.giahung")
            // A past day the demo gave the clerk a violation and no case yet.
            let verdicts = VerdictStore(database: h.services.database)
            let cases = ExplanationStore(database: h.services.database)
            var day = h.services.today.previous
            var found = false
            for _ in 0..<80 {
                let v = try await verdicts.refresh(personIDs: [personID], days: [day], cause: "review")[personID]?[day]
                if v?.needsExplanation == true, try await cases.byDay(personIDs: [personID], first: day, last: day).isEmpty { found = true; break }
                day = day.previous
            }
            try #require(found)
            let office = try await h.signIn("vanphong.giahung")
            let opened = try await office.post("/explanations/open", ["person": String(personID), "day": day.description])
            let location = try #require(opened.headers[.location])
            let clerk = try await h.signIn("congchuc.giahung")
            let page = try await clerk.get(location)
            #expect(page.text.contains("id=\"explain-form\""))
            // Too short, then with a PDF; a file that is not a PDF or an image is refused.
            let (h1, b1) = Browser.multipart(["_csrf": clerk.csrf, "text": "ngắn"], file: Data(), name: "file", filename: "")
            #expect(try await clerk.request(location + "/explain", method: .post, headers: h1, body: b1).status == .badRequest)
            let (h2, b2) = Browser.multipart(["_csrf": clerk.csrf, "text": "Đi xác minh hồ sơ tại thôn theo phân công"], file: Data("MZ".utf8), name: "file", filename: "x.exe")
            #expect(try await clerk.request(location + "/explain", method: .post, headers: h2, body: b2).status == .badRequest)
            let (h3, b3) = Browser.multipart(["_csrf": clerk.csrf, "text": "Đi xác minh hồ sơ tại thôn theo phân công"], file: Data("%PDF-1.4 giấy mời".utf8), name: "file", filename: "giay-moi.pdf")
            #expect(try await clerk.request(location + "/explain", method: .post, headers: h3, body: b3).status == .seeOther)
            #expect(try await clerk.get(location + "/attachment").headers[.contentType] == "application/pdf")
            // Another commune's leader sees neither the case nor its file.
            let other = try await h.signIn("chutich.giavan")
            #expect(try await other.get(location).status == .forbidden)
            #expect(try await other.get(location + "/attachment").status == .forbidden)
            // The commune's leader decides; a rejection needs a reason.
            let leader = try await h.signIn("chutich.giahung")
            #expect(try await leader.get("/explanations").text.contains("explanations-to-decide"))
            #expect(try await leader.post(location + "/decide", ["decision": "reject", "note": ""]).status == .badRequest)
            #expect(try await leader.post(location + "/decide", ["decision": "accept", "note": "Có giấy mời"]).status == .seeOther)
            #expect(try await clerk.get(location).text.contains("Đã chấp nhận"))
            // A day without a violation cannot be opened.
            let onTimeDay = try await office.post("/explanations/open", ["person": String(personID), "day": "2020-01-04"])
            #expect(onTimeDay.status == .badRequest || onTimeDay.status == .notFound)
            // and a refusal says why, in Vietnamese.
            let future = try await office.post("/explanations/open", ["person": String(personID), "day": "2999-01-01"])
            #expect(future.status == .badRequest && future.text.contains("Ngày không hợp lệ"))
        }
    }

    @Test func boardsReportsAndTheirPrivacy() async throws {
        try await Harness.run { h in
            let committee = try await h.unit(code: "14551-UB")
            let leader = try await h.signIn("chutich.giahung")
            let board = try await leader.get("/board?unit=\(committee.id)")
            #expect(board.status == .ok)
            #expect(board.text.contains("id=\"board-list\""))
            let events = try await leader.get("/board/events?unit=\(committee.id)&limit=1")
            #expect(events.headers[.contentType] == "text/event-stream")
            #expect(events.text.contains("event: board\ndata: {"))
            let data = try json(try await leader.get("/board/data?unit=\(committee.id)"))
            let people = try #require(data["people"] as? [[String: Any]])
            #expect(people.count > 30)
            #expect(try await h.signIn("congchuc.giahung").get("/board?unit=\(committee.id)").status == .forbidden)
            // The door board needs no account and shows no arrival times or lateness.
            let door = try await h.browser().get("/door/14551-UB")
            #expect(door.status == .ok)
            #expect(door.text.contains(people[0]["name"] as! String))
            #expect(!door.text.contains("muộn") && !door.text.contains("Đến muộn") && !door.text.contains("vào 0"))
            #expect(try await h.browser().get("/door/NOPE").status == .notFound)
            // The timesheet, on A4 and as a workbook.
            let sheet = try await leader.get("/attendance/timesheet?unit=\(committee.id)")
            #expect(sheet.text.contains("id=\"timesheet\"") && sheet.text.contains("class=\"landscape\""))
            let xlsx = try await leader.get("/attendance/timesheet.xlsx?unit=\(committee.id)")
            #expect(xlsx.headers[.contentType] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
            #expect(Array(xlsx.body.readableBytesView.prefix(2)) == Array("PK".utf8))
            let compliance = try await leader.get("/attendance/compliance?unit=\(committee.id)")
            #expect(compliance.text.contains("id=\"compliance-trend\"") && compliance.text.contains("<polyline"))
            #expect(try await h.signIn("chutich.giavan").get("/attendance/timesheet.xlsx?unit=\(committee.id)").status == .forbidden)
            // A person's month, for themselves.
            let me = try await h.signIn("congchuc.giahung")
            let month = try await me.get("/attendance/me")
            #expect(month.status == .seeOther)
            #expect(try await me.get(month.headers[.location]!).text.contains("id=\"month-totals\""))
        }
    }

    @Test func theAPIRecordsPunchesOnceAndReportsTheSameFigures() async throws {
        try await Harness.run { h in
            let account = try #require(try await h.services.accounts.byUsername("vanphong.giahung"))
            let auth: HTTPFields = [.authorization: "Bearer \(try await h.services.accounts.issueAPIToken(userID: account.id, name: "t", by: .system))", .contentType: "application/json"]
            let person = try await h.someone(in: "14551-UB")
            let committee = try await h.unit(code: "14551-UB")
            let at = Instant.format(Date().addingTimeInterval(-300))
            let body = #"{"person_id":\#(person.id),"at":"\#(at)","method":"fingerprint","idempotency_key":"dev-1-42"}"#
            let first = try json(try await h.client.execute(uri: "/api/v1/punches", method: .post, headers: auth, body: ByteBuffer(string: body)))
            #expect(first["created"] as? Bool == true)
            let second = try json(try await h.client.execute(uri: "/api/v1/punches", method: .post, headers: auth, body: ByteBuffer(string: body)))
            #expect(second["created"] as? Bool == false)
            #expect(second["id"] as? Int == first["id"] as? Int)
            let bad = try await h.client.execute(uri: "/api/v1/punches", method: .post, headers: auth,
                                                 body: ByteBuffer(string: #"{"person_id":\#(person.id),"at":"yesterday"}"#))
            #expect(bad.status == .badRequest)
            #expect(try json(bad)["error"] != nil)
            // A time no device keeps (schemathesis found the year 837 answered with a 500): refused, nothing stored.
            let ancient = try await h.client.execute(uri: "/api/v1/punches", method: .post, headers: auth,
                                                     body: ByteBuffer(string: #"{"person_id":\#(person.id),"at":"0837-10-16T05:23:41.0Z","idempotency_key":"old"}"#))
            let refusal = try json(ancient)["error"] as? [String: Any]
            #expect(ancient.status == .badRequest && refusal?["code"] as? String == "bad_request")
            let daily = try json(try await h.client.execute(uri: "/api/v1/attendance/daily?unit=\(committee.id)", method: .get, headers: auth))
            #expect((daily["items"] as? [Any])?.isEmpty == false)
            let sheet = try json(try await h.client.execute(uri: "/api/v1/attendance/timesheet?unit=\(committee.id)&month=2026-10", method: .get, headers: auth))
            #expect((sheet["rows"] as? [[String: Any]])?.first?["codes"] as? [String] != nil)
            #expect(try await h.client.execute(uri: "/api/v1/attendance/timesheet?unit=\(committee.id)&month=10-2026", method: .get, headers: auth).status == .badRequest)
            let other = try await h.unit(code: "14554-UB")
            #expect(try await h.client.execute(uri: "/api/v1/attendance/compliance?unit=\(other.id)", method: .get, headers: auth).status == .forbidden)
        }
    }
}
