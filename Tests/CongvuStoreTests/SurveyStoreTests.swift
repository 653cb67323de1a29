import CongvuDomain
import CongvuStore
import CongvuTestSupport
import Foundation
import SQLKit
import Testing

/// Surveys on both databases: questionnaires as versioned data stored once, anonymous responses
/// that are only ever added, one per dossier, and the counters' ratings read beside them.
@Suite struct SurveyStoreTests {
    @Test(arguments: TestDatabases.kinds)
    func versionsAreKeptAndResponsesAddedOncePerDossier(kind: DatabaseKind) async throws {
        try await TestDatabases.withFresh(kind) { db, _ in
            let tree = try await Tree.make(db)
            let official = try await Tree.person(db, "Trần Thị Lan", in: tree.committeeA)
            let store = SurveyStore(database: db)
            let v1 = try #require(try await store.current("sipas"))
            let again = try await store.current("sipas")
            #expect(v1.questionnaire == .sipas && again?.id == v1.id)
            #expect(try await store.current("no-such") == nil)
            // A new wording is a new version; the old answers keep theirs.
            var v2 = Questionnaire.sipas
            v2.version = 2
            v2.questions[0].textVi = "Nơi tiếp nhận dễ tìm"
            let stored2 = try await store.publish(v2)
            let latest = try await store.current("sipas"), republished = try await store.publish(v2)
            #expect(latest?.id == stored2.id && republished.id == stored2.id)
            #expect(try await store.get(v1.id)?.questionnaire.questions[0].textVi == Questionnaire.sipas.questions[0].textVi)

            let at = Instant.parse("2026-11-23T02:00:00.000Z")!
            try await store.respond(v1, unitID: tree.committeeA.id, dossierCode: "HS-1", channel: .receipt, answers: ["access_place": "5"], at: at)
            await #expect(throws: StoreError.conflict(field: "dossier", key: "survey_already_answered")) {
                try await store.respond(stored2, unitID: tree.committeeA.id, dossierCode: "HS-1", channel: .receipt, answers: ["access_place": "1"], at: at)
            }
            try await store.respond(stored2, unitID: tree.committeeA.id, channel: .open, answers: ["access_place": "4"], at: at)
            let attitude = try #require(try await store.current("attitude"))
            try await store.respond(attitude, unitID: tree.committeeA.id, officialID: official.id, channel: .counter, answers: ["polite": "5"], at: at)
            let one = try await store.answered(dossierCode: "HS-1"), two = try await store.answered(dossierCode: "HS-2")
            #expect(one && !two)

            let all = try await store.responses(unitIDs: [tree.committeeA.id], from: Day("2026-11-01")!, to: Day("2026-11-30")!)
            #expect(all.map(\.version) == [1, 2, 1] && all.map(\.channel) == [.receipt, .open, .counter])
            #expect(try await store.responses(unitIDs: [tree.committeeA.id], from: Day("2026-11-01")!, to: Day("2026-11-30")!, code: "sipas").count == 2)
            #expect(try await store.responses(unitIDs: [tree.committeeA.id], from: Day("2026-11-01")!, to: Day("2026-11-30")!, officialID: official.id)
                .map(\.answers) == [["polite": "5"]])
            #expect(try await store.responses(unitIDs: [tree.committeeB.id], from: Day("2026-11-01")!, to: Day("2026-11-30")!).isEmpty)
            // Responses and questionnaire versions are never changed.
            await #expect(throws: (any Error).self) {
                try await db.write { sql in try await sql.update("survey_responses").set("answers", to: "{}").run() }
            }
            await #expect(throws: (any Error).self) {
                try await db.write { sql in try await sql.delete(from: "survey_questionnaires").run() }
            }
            #expect(try await store.counterRatings(unitIDs: [tree.committeeA.id], from: Day("2026-11-01")!, to: Day("2026-11-30")!).isEmpty)
        }
    }
}
