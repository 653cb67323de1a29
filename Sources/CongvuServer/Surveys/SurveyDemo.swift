import CongvuDomain
import CongvuStore
import Foundation
import SQLKit

/// The demo's surveys (issue 23): about a third of the delivered dossiers at the three communes'
/// counters answered the SIPAS questionnaire from their tracking page, a few days after delivery,
/// mostly satisfied and less so with the procedure; at each counter's tablet citizens rated the
/// officers' attitude, enough for the busiest officers' own results to show.
enum SurveyDemo {
    static func load(_ services: AppServices, now: Date = Date()) async throws {
        let surveys = services.feedback.surveys
        guard let sipas = try await surveys.current("sipas"), let attitude = try await surveys.current("attitude") else { return }
        var rng = SeededGenerator(seed: 1001)
        /// A level on the scale: mostly 4 and 5, `lower` shifting it down for the harder elements.
        func level(_ lower: Int = 0) -> String {
            let roll = Int.random(in: 0..<100, using: &rng) + lower
            return String(roll < 45 ? 5 : roll < 80 ? 4 : roll < 92 ? 3 : roll < 97 ? 2 : 1)
        }
        for key in ["14551", "14554", "14557"] {
            guard let centre = try await services.units.byCode("\(key)-TTHCC") else { continue }
            let delivered = try await services.database.read { sql in
                try await sql.raw("""
                    SELECT code, delivered_at FROM dossiers WHERE unit_id = \(bind: centre.id) AND status = 10 AND delivered_at IS NOT NULL ORDER BY id
                    """).all().map { (try $0.decode(column: "code", as: String.self), try $0.decode(column: "delivered_at", as: String.self)) }
            }
            for (code, at) in delivered where Int.random(in: 0..<100, using: &rng) < 35 {
                guard let deliveredAt = Instant.parse(at) else { continue }
                let answeredAt = deliveredAt.addingTimeInterval(Double(Int.random(in: 1...96, using: &rng)) * 3600)
                guard answeredAt < now else { continue }
                var answers: [String: String] = [:]
                for q in sipas.questionnaire.questions where q.kind == .scale {
                    if !q.required && Int.random(in: 0..<2, using: &rng) == 0 { continue }
                    answers[q.code] = level(q.element == .procedure ? 8 : q.element == .feedback ? 5 : 0)
                }
                try await surveys.respond(sipas, unitID: centre.id, dossierCode: code, channel: .receipt, answers: answers, at: answeredAt)
            }
            // The officers at the counter, rated on its tablet over the last months.
            for (i, officer) in try await services.tasks.staff(of: [centre]).enumerated() {
                for _ in 0..<(i == 0 ? 18 : 6) {
                    let at = now.addingTimeInterval(-Double(Int.random(in: 1...150, using: &rng)) * 86_400)
                    let answers = ["polite": level(), "clear": level(3), "timely": level(5), "honest": level()]
                    try await surveys.respond(attitude, unitID: centre.id, officialID: officer.personID, channel: .counter, answers: answers, at: at)
                }
            }
        }
    }
}
