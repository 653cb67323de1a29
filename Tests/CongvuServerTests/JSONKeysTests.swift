import Foundation
import Testing
@testable import CongvuServer

/// Answers that declare their keys in snake_case are written without Foundation's conversion; each
/// must come out exactly as the converting encoder writes it (a camelCase key left undeclared would
/// change the API silently).
@Suite struct JSONKeysTests {
    static let declared: [any (Decodable & SnakeCaseKeyed).Type] = [TasksAPIController.ListDTO.self, TasksAPIController.TaskDTO.self]

    func json(_ value: any Encodable, converting: Bool) throws -> String {
        let encoder = AppRequestContext.jsonEncoder(for: converting ? nil : value)
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    @Test func declaredKeysAreTheConvertedOnes() throws {
        for type in Self.declared {
            let (sample, _) = try SampleDecoder.sample(type)
            let declared = try json(sample, converting: false), converted = try json(sample, converting: true)
            #expect(declared == converted, "\(type)")
            #expect(!declared.contains("Id\""), "\(type)")
        }
    }

    /// The check can fail: a type marked as declared that keeps a camelCase key.
    @Test func anUndeclaredKeyIsCaught() throws {
        struct Wrong: Encodable, SnakeCaseKeyed { var unitName = "Xã" }
        #expect(try json(Wrong(), converting: false) != json(Wrong(), converting: true))
    }
}
