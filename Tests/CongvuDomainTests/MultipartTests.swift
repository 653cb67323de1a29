import CongvuDomain
import Foundation
import Testing

/// One reader of multipart bodies for the office's uploads and the terminals' events.
@Suite struct MultipartTests {
    @Test func partsWithTheirHeadersAndContent() throws {
        let body = Data("preamble\r\n--XyZ\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nMột hai\r\nba\r\n--XyZ\r\n".utf8)
            + Data("Content-Disposition: form-data; name=\"file\"; filename=\"ds.csv\"\r\nContent-Type: text/csv\r\n\r\na,b\r\n\r\n--XyZ--\r\nepilogue".utf8)
        let parts = try Multipart.parts(body, boundary: "XyZ")
        #expect(parts.count == 2)
        #expect(parts[0].name == "note" && parts[0].filename == nil && String(decoding: parts[0].content, as: UTF8.self) == "Một hai\r\nba")
        #expect(parts[1].name == "file" && parts[1].filename == "ds.csv" && parts[1].contentType == "text/csv")
        #expect(String(decoding: parts[1].content, as: UTF8.self) == "a,b\r\n")  // the CRLF before the delimiter is the delimiter's
    }

    @Test func firmwareQuirks() throws {
        // Bare newlines, a part without headers, no closing delimiter, unquoted attributes.
        let body = Data("--b\nContent-Disposition: form-data; name=event_log\n\n{\"a\":1}\n--b\n\nraw\n--b\ncut short".utf8)
        let parts = try Multipart.parts(body, boundary: "b")
        #expect(parts.map(\.name) == ["event_log", nil])
        #expect(parts.map { String(decoding: $0.content, as: UTF8.self) } == ["{\"a\":1}", "raw"])
        // A slice of a larger buffer reads the same as a copy.
        let framed = Data("xx".utf8) + body
        #expect(try Multipart.parts(framed[2...], boundary: "b") == parts)
    }

    @Test func malformedBodiesAreRefusedNotGuessed() {
        #expect(throws: Multipart.Malformed.self) { try Multipart.parts(Data("no delimiter here".utf8), boundary: "b") }
        #expect(throws: Multipart.Malformed.self) { try Multipart.parts(Data("--b\r\nnot a header line\r\n\r\nx\r\n--b--".utf8), boundary: "b") }
        #expect(throws: Multipart.Malformed.self) { try Multipart.parts(Data("--b\r\nName: x".utf8), boundary: "b") }
        #expect(throws: Multipart.Malformed.self) { try Multipart.parts(Data("--b--".utf8), boundary: "") }
    }

    @Test func boundaries() {
        #expect(Multipart.boundary(contentType: "multipart/form-data; boundary=----WebKitFormBoundaryA1") == "----WebKitFormBoundaryA1")
        #expect(Multipart.boundary(contentType: "Multipart/Mixed; charset=utf-8; Boundary=\"MIME boundary\"") == "MIME boundary")
        #expect(Multipart.boundary(contentType: "application/json; boundary=x") == nil)
        #expect(Multipart.boundary(contentType: "multipart/form-data") == nil)
        #expect(Multipart.boundary(contentType: "multipart/form-data; boundary=" + String(repeating: "x", count: 71)) == nil)
    }
}

/// One reader of URL-encoded text for forms and terminal queries.
@Suite struct FormURLEncodedTests {
    @Test func pairsInOrderDecoded() {
        let pairs = FormURLEncoded.pairs("SN=CKJ7201460123&table=ATTLOG&reason=%C4%90i+c%C3%B4ng+t%C3%A1c&flag&&x=a=b&bad=%zz")
        #expect(pairs.map(\.key) == ["SN", "table", "reason", "flag", "x", "bad"])
        #expect(pairs.map(\.value) == ["CKJ7201460123", "ATTLOG", "Đi công tác", "", "a=b", "%zz"])
        #expect(FormURLEncoded.pairs("").isEmpty)
    }
}
