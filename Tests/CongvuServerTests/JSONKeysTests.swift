import Foundation
import Testing
@testable import CongvuServer

/// The API's snake_case keys come from a remembered conversion; it must write exactly what
/// Foundation's `convertToSnakeCase` writes, for field names and dictionary keys alike.
@Suite struct JSONKeysTests {
    struct Sample: Encodable {
        struct Inner: Encodable { var personId: Int64; var fromDue: String?; var myURLValue: String }
        var id = 1
        var unitName = "Xã"
        var extensionDue: String? = "2026-12-01"
        var already_snake = true
        var _leading = 1
        var trailing_ = 2
        var ID = 3
        var x2y = 4
        var inner = [Inner(personId: 7, fromDue: nil, myURLValue: "u"), Inner(personId: 8, fromDue: "d", myURLValue: "v")]
        var counts: [String: Int] = ["onTime": 1, "openOverdue": 2, "Đúng hạn": 3]
        var byNumber: [Int: String] = [1: "a", 20: "b"]
    }

    @Test func theRememberedKeysAreFoundationsOwn() throws {
        let foundation = JSONEncoder()
        foundation.keyEncodingStrategy = .convertToSnakeCase
        foundation.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let ours = AppRequestContext.jsonEncoder()
        // Twice: the second time every key is remembered.
        for _ in 0..<2 {
            let expected = String(decoding: try foundation.encode(Sample()), as: UTF8.self)
            #expect(String(decoding: try ours.encode(Sample()), as: UTF8.self) == expected)
        }
        #expect(String(decoding: try ours.encode(Sample()), as: UTF8.self).contains("\"unit_name\":\"Xã\""))
    }
}
