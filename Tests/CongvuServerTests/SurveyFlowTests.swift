import CongvuDomain
import CongvuServer
import CongvuStore
import CongvuTestSupport
import Crypto
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import SQLKit
import Testing
@testable import CongvuServer

/// Surveys over HTTP: the open survey behind its proof of work and the limit per address; a
/// delivered dossier's link answered once; the counter's tablet under the officer's session; the
/// results with their intervals and the counters' ratings; an official's results only from the
/// minimum; the raw responses as a workbook.
@Suite struct SurveyFlowTests {
    /// What the survey page's script does: the first number whose hash with the challenge starts with the zeros.
    static func solve(_ challenge: String) -> String {
        var n = 0
        while !SHA256.hash(data: Data("\(challenge):\(n)".utf8)).hexString.hasPrefix(String(repeating: "0", count: ProofOfWork.zeros)) { n += 1 }
        return String(n)
    }

    static func challenge(in html: String) -> String? {
        guard let r = html.range(of: "name=\"challenge\" value=\"") else { return nil }
        return String(html[r.upperBound...].prefix { $0 != "\"" })
    }

    static let answers = ["a_access_place": "5", "a_access_info": "4", "a_procedure_papers": "5", "a_procedure_fee": "5", "a_official_attitude": "4",
                          "a_official_guidance": "4", "a_result_time": "3", "a_result_correct": "5", "a_feedback_way": "4"]

    @Test func theOpenSurveyNeedsItsProofOfWorkAndKeepsToTheLimit() async throws {
        try await Harness.run(configure: { $0.feedbackPerMinute = 3 }) { h in
            let citizen = h.browser()
            let page = try await citizen.get("/khao-sat/14551-TTHCC")
            #expect(page.status == .ok && page.text.contains("Khảo sát sự hài lòng") && page.text.contains("survey.js"))
            let challenge = try #require(Self.challenge(in: page.text))
            // Without the work, or with a wrong number, nothing is kept.
            #expect(try await citizen.post("/khao-sat/14551-TTHCC", Self.answers.merging(["challenge": challenge, "nonce": ""]) { $1 }).status == .badRequest)
            var wrong = 0
            while SHA256.hash(data: Data("\(challenge):\(wrong)".utf8)).hexString.hasPrefix("000") { wrong += 1 }
            #expect(try await citizen.post("/khao-sat/14551-TTHCC", Self.answers.merging(["challenge": challenge, "nonce": String(wrong)]) { $1 }).status == .badRequest)
            let nonce = Self.solve(challenge)
            let done = try await citizen.post("/khao-sat/14551-TTHCC", Self.answers.merging(["challenge": challenge, "nonce": nonce]) { $1 })
            #expect(done.status == .ok && done.text.contains("id=\"survey-thanks\""))
            // A solved challenge is spent.
            #expect(try await citizen.post("/khao-sat/14551-TTHCC", Self.answers.merging(["challenge": challenge, "nonce": nonce]) { $1 }).status != .ok)
            // The limit per address, counted before the work is checked.
            let limited = try await citizen.post("/khao-sat/14551-TTHCC", Self.answers)
            #expect(limited.status == .tooManyRequests)
            let centre = try await h.unit(code: "14551-TTHCC")
            let kept = try await h.services.feedback.surveys.responses(unitIDs: [centre.id], from: h.services.today, to: h.services.today)
            #expect(kept.count == 1 && kept[0].channel == .open && kept[0].answers["access_place"] == "5")
            #expect(try await citizen.get("/khao-sat/khong-co").status == .notFound)
        }
    }

    @Test func aDeliveredDossiersLinkIsAnsweredOnceAndTheCounterUsesTheOfficersSession() async throws {
        try await Harness.run { h in
            let centre = try await h.unit(code: "14551-TTHCC")
            let db = h.services.database
            // A delivered dossier of the centre.
            let code = try #require(try await db.read { sql in
                try await sql.raw("SELECT code FROM dossiers WHERE unit_id = \(bind: centre.id) AND status = 10 ORDER BY id LIMIT 1").first()?
                    .decode(column: "code", as: String.self)
            })
            let tag = SurveyController.tag(code, h.services.secrets)
            // Its tracking page, reached from the receipt's QR, offers the survey; typed without the receipt's tag, not.
            let rating = RatingController.tag(code, h.services.oneStop)
            #expect(try await h.browser().get("/tra-cuu?ma=\(code)&k=\(rating)").text.contains("/khao-sat/14551-TTHCC?ma=\(code)&amp;k=\(tag)"))
            #expect(!(try await h.browser().get("/tra-cuu?ma=\(code)")).text.contains("/khao-sat/"))
            let citizen = h.browser()
            #expect(try await citizen.get("/khao-sat/14551-TTHCC?ma=\(code)&k=wrong").status == .forbidden)
            let page = try await citizen.get("/khao-sat/14551-TTHCC?ma=\(code)&k=\(tag)")
            #expect(page.status == .ok && Self.challenge(in: page.text) == nil)
            let form = Self.answers.merging(["ma": code, "k": tag]) { $1 }
            #expect(try await citizen.post("/khao-sat/14551-TTHCC", form.merging(["a_access_place": "9"]) { $1 }).status == .badRequest)
            #expect(try await citizen.post("/khao-sat/14551-TTHCC", form).status == .ok)
            #expect(try await citizen.post("/khao-sat/14551-TTHCC", form).status == .conflict)
            #expect(try await citizen.get("/khao-sat/14551-TTHCC?ma=\(code)&k=\(tag)").text.contains("id=\"survey-closed\""))
            #expect(!(try await h.browser().get("/tra-cuu?ma=\(code)&k=\(rating)")).text.contains("/khao-sat/"))

            // The counter's tablet: the officer's session, no proof of work, about one official.
            let officer = try await h.signIn("motcua.giahung")
            let tablet = try await officer.get("/khao-sat/14551-TTHCC?q=attitude&quay=1")
            #expect(tablet.status == .ok && Self.challenge(in: tablet.text) == nil && tablet.text.contains("name=\"official\""))
            let staff = try await h.services.tasks.staff(of: [centre])
            let official = try #require(staff.first).personID
            let rated = ["q": "attitude", "quay": "1", "official": String(official), "a_polite": "5", "a_clear": "4", "a_timely": "5", "a_honest": "5"]
            #expect(try await officer.post("/khao-sat/14551-TTHCC", rated.merging(["official": "999999"]) { $1 }).status == .badRequest)
            for _ in 0..<3 { #expect(try await officer.post("/khao-sat/14551-TTHCC", rated).status == .ok) }
            let kept = try await h.services.feedback.surveys.responses(unitIDs: [centre.id], from: h.services.today, to: h.services.today)
            #expect(kept.map(\.channel) == [.receipt, .counter, .counter, .counter] && kept[0].answers["access_place"] == "5")
        }
    }

    /// The leader's home counts the quarter's SIPAS responses of the units they look after, with
    /// the share satisfied and its interval.
    @Test func theLeadersHomeCardCountsTheQuartersResponses() async throws {
        try await Harness.run { h in
            let leader = try await h.signIn("chutich.giahung")
            func card() async throws -> (Int, String) {
                let home = try await leader.get("/").text
                let title = try #require(home.range(of: "Phiếu khảo sát quý này</span>"))
                let rest = String(home[title.upperBound...].prefix(400))
                let value = try #require(rest.firstMatch(of: /tile-value">(\d+)</)).1
                let note = try #require(rest.firstMatch(of: /muted small">([^<]*)</)).1
                return (Int(value)!, String(note))
            }
            let (before, _) = try await card()
            let centre = try await h.unit(code: "14551-TTHCC")
            let sipas = try #require(try await h.services.feedback.surveys.current("sipas"))
            for v in ["5", "4", "2"] {
                try await h.services.feedback.surveys.respond(sipas, unitID: centre.id, channel: .open, answers: ["access_place": v, "official_attitude": v])
            }
            let (after, note) = try await card()
            #expect(after == before + 3)
            #expect(note.hasPrefix("Hài lòng chung ") && note.contains("(95%: "), "\(note)")
            // Someone who handles no feedback has no such card.
            #expect(!(try await h.signIn("congchuc.giahung").get("/").text.contains("Phiếu khảo sát quý này")))
        }
    }

    @Test func resultsShowIntervalsAndAnOfficialOnlyFromTheMinimum() async throws {
        try await Harness.run(configure: { $0.surveyOfficialMinimum = 3 }) { h in
            let centre = try await h.unit(code: "14551-TTHCC")
            let surveys = h.services.feedback.surveys
            let sipas = try #require(try await surveys.current("sipas")), attitude = try #require(try await surveys.current("attitude"))
            for v in ["5", "4", "4", "2"] {
                try await surveys.respond(sipas, unitID: centre.id, channel: .open, answers: ["access_place": v, "official_attitude": v])
            }
            let staff = try await h.services.tasks.staff(of: [centre])
            let (many, few) = (try #require(staff.first), staff.count > 1 ? staff[1] : nil)
            for v in ["5", "5", "4"] { try await surveys.respond(attitude, unitID: centre.id, officialID: many.personID, channel: .counter, answers: ["polite": v]) }
            if let few { try await surveys.respond(attitude, unitID: centre.id, officialID: few.personID, channel: .counter, answers: ["polite": "1"]) }

            let leader = try await h.signIn("chutich.giahung")
            let page = try await leader.get("/surveys?unit=\(centre.id)")
            #expect(page.status == .ok && page.text.contains("id=\"survey-count\">4<") && page.text.contains("75%"))
            let officials = try await leader.get("/surveys?unit=\(centre.id)&q=attitude")
            #expect(officials.text.contains(many.fullName) && (few.map { !officials.text.contains($0.fullName) } ?? true))
            // The office reads the unit's results, not each official's.
            let office = try await h.signIn("vanphong.giahung")
            let plain = try await office.get("/surveys?unit=\(centre.id)&q=attitude")
            #expect(plain.status == .ok && !plain.text.contains("id=\"survey-officials\""))

            let book = try await leader.get("/surveys/responses.xlsx?unit=\(centre.id)&q=sipas")
            #expect(book.status == .ok)
            let rows = try WorkbookReader(Data(book.body.readableBytesView)).sheets[0].rows
            #expect(rows.count >= 5 && !rows.contains { $0.contains(many.fullName) })
            #expect(try await h.signIn("congchuc.giavan").get("/surveys?unit=\(centre.id)").status == .forbidden)
        }
    }
}
