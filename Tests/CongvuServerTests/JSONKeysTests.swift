import Foundation
import Testing
@testable import CongvuServer

/// Answers that declare their keys in snake_case are streamed (`StreamingJSON`) instead of going
/// through Foundation's encoder; each must mean exactly what Foundation writes with the API's
/// converting encoder (a camelCase key left undeclared would change the API silently), and what
/// cannot be streamed falls back to Foundation.
@Suite struct JSONKeysTests {
    static var declared: [any (Decodable & SnakeCaseKeyed).Type] { [TasksAPIController.ListDTO.self, TasksAPIController.TaskDTO.self,
                                                                           InspectionsAPIController.ListDTO.self, InspectionsAPIController.VisitDTO.self,
                                                                           InspectionsAPIController.CoverageDTO.self, SchedulesAPIController.WeekDTO.self,
                                                                           SchedulesAPIController.CountsDTO.self] }

    /// Parsed back by Foundation's JSON parser: the same object whatever the key order.
    func parsed(_ data: Data) throws -> NSObject { try #require(try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) as? NSObject) }

    @Test func declaredKeysMeanWhatFoundationWrites() throws {
        for type in Self.declared {
            let (sample, _) = try SampleDecoder.sample(type)
            let streamed = try StreamingJSON.encode(sample), foundation = try AppRequestContext.jsonEncoder().encode(sample)
            #expect(try parsed(streamed) == parsed(foundation), "\(type)")
            #expect(try AppRequestContext.json(sample) == streamed)
        }
    }

    struct Awkward: Encodable, SnakeCaseKeyed {
        struct Inner: Encodable { var name: String; var note: String? }
        var text = "Quote \" backslash \\ slash / tab \t line \n bell \u{07} end \u{1F} Việt Nam 🇻🇳"
        var missing: String? = nil
        var present: Int? = 0
        var negative: Int64 = -9_007_199_254_740_993
        var whole = 3.0
        var fraction = 0.1
        var flag = true
        var list = [[1, 2], [], [3]]
        var inners = [Inner(name: "a", note: nil), Inner(name: "b", note: "c")]
        var map = ["x y": 1, "ä": 2]
        var by_number = [1: "one", 20: "twenty"]
        var empty: [String] = []
        var nothing = Nothing()
        struct Nothing: Encodable { func encode(to encoder: any Encoder) throws {} }
    }

    @Test func everyKindOfValueIsWrittenAsFoundationWouldMeanIt() throws {
        let streamed = try StreamingJSON.encode(Awkward())
        #expect(try parsed(streamed) == parsed(try AppRequestContext.jsonEncoder().encode(Awkward())))
        let text = String(decoding: streamed, as: UTF8.self)
        #expect(!text.contains("missing") && text.contains("\"present\":0") && text.contains("\"whole\":3,") && text.contains("\\u0007"))
        #expect(try StreamingJSON.encode([1, 2]) == Data("[1,2]".utf8) && StreamingJSON.encode("a/b") == Data("\"a/b\"".utf8))
    }

    struct Nested: Encodable, SnakeCaseKeyed {
        var leaveEmpty: Bool
        enum CodingKeys: String, CodingKey { case outer, inner }
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            var n = c.nestedContainer(keyedBy: CodingKeys.self, forKey: .outer)
            if !leaveEmpty { try n.encode(1, forKey: .inner) }
        }
    }

    struct Dated: Encodable, SnakeCaseKeyed { var at = Date(timeIntervalSince1970: 0); var blob = Data([1, 2]) }

    /// What a stream cannot hold is refused, and the answer goes through Foundation instead.
    @Test func whatCannotBeStreamedFallsBackToFoundation() throws {
        for value in [Nested(leaveEmpty: false), Nested(leaveEmpty: true)] as [any Encodable] {
            #expect(throws: StreamingJSON.Unsupported.self) { try StreamingJSON.encode(value) }
        }
        #expect(throws: StreamingJSON.Unsupported.self) { try StreamingJSON.encode(Dated()) }
        #expect(throws: StreamingJSON.Unsupported.self) { try StreamingJSON.encode(Double.nan) }
        #expect(try AppRequestContext.json(Nested(leaveEmpty: false)) == AppRequestContext.jsonEncoder().encode(Nested(leaveEmpty: false)))
        #expect(try AppRequestContext.json(Dated()) == AppRequestContext.jsonEncoder().encode(Dated()))
    }

    /// The check above can fail: a type marked as declared that keeps a camelCase key.
    @Test func anUndeclaredKeyIsCaught() throws {
        struct Wrong: Encodable, SnakeCaseKeyed { var unitName = "Xã" }
        #expect(try parsed(StreamingJSON.encode(Wrong())) != parsed(AppRequestContext.jsonEncoder().encode(Wrong())))
    }
}
