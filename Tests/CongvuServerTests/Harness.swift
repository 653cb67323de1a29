import CongvuDomain
import CongvuServer
import CongvuStore
import CongvuTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import SQLKit
import Testing

/// A server over a fresh database with the demo loaded, driven through Hummingbird's router tester.
struct Harness {
    let services: AppServices
    let client: any TestClientProtocol

    static func run(_ kind: DatabaseKind = .sqlite, configure: (inout AppConfig) -> Void = { _ in },
                    _ body: @escaping @Sendable (Harness) async throws -> Void) async throws {
        try await TestDatabases.withFresh(kind) { db, dir in
            var config = AppConfig()
            config.dataDirectory = dir
            config.bcryptCost = 4
            // No camera recorders in router tests: they would start ffmpeg.
            config.cameras = false
            configure(&config)
            let services = try await AppServices.open(config: config, database: db, logger: TestDatabases.logger)
            _ = try await Demo.load(into: db, passwordHash: try await services.passwords.hash(Demo.password), oneStopDays: 20)
            let app = Application(router: buildRouter(services), configuration: .init(address: .hostname("127.0.0.1", port: 0)))
            try await app.test(.router) { client in
                try await body(Harness(services: services, client: client))
            }
        }
    }

    func browser() -> Browser { Browser(client: client) }

    /// Signs in through the real form and returns a browser holding the session.
    func signIn(_ username: String, password: String = Demo.password) async throws -> Browser {
        let b = browser()
        let response = try await b.signIn(username, password: password)
        #expect(response.status == .seeOther, "sign-in of \(username) failed with \(response.status)")
        return b
    }

    func unit(code: String) async throws -> OrgUnit { try await services.units.byCode(code)! }

    /// The person an account stands for.
    func personID(_ username: String) async throws -> Int64 {
        try #require(try await services.accounts.byUsername(username)?.personID)
    }

    /// A request as a terminal sends it: no cookies, no Content-Type to rely on.
    func device(_ method: HTTPRequest.Method, _ uri: String, _ body: Data = Data()) async throws -> TestResponse {
        try await client.execute(uri: uri, method: method, headers: [:], body: ByteBuffer(bytes: body))
    }

    /// Router tests come from no address: the demo's terminals, pinned to the commune's network,
    /// would hold their uploads. Unpins one and notes the PINs it holds, as its reports would.
    func trustDemoTerminal(_ serial: String, pins: [String]) async throws {
        let store = TerminalStore(database: services.database)
        let terminal = try #require(try await store.get(serial: serial))
        try await services.database.write { sql in
            try await sql.update("terminals").set("pinned_address", to: "").where("serial", .equal, serial).run()
        }
        try await store.enrol(pins, terminalID: terminal.id, source: .device)
    }

    /// Somebody of the unit with `code` given a terminal PIN (as the office does on their page).
    func enrolled(pin: String, in code: String = "14551-UB") async throws -> Person {
        var person = try await someone(in: code)
        person.terminalPIN = pin
        try await services.people.update(person, by: .system, reason: "ghi danh máy chấm công")
        return person
    }

    /// A new civil servant of the unit with `code` (since 1 July 2025) with a card and a PIN: someone
    /// with no punch yet today (the demo's staff have checked in by mid-morning).
    func newcomer(_ name: String, card: String, pin: String, in code: String = "14551-UB") async throws -> Person {
        let unit = try await self.unit(code: code)
        return try await services.people.create(
            Person(id: 0, fullName: name, cardNumber: card, terminalPIN: pin),
            assignment: Assignment(id: 0, personID: 0, unitID: unit.id, title: "Công chức", category: .civilServant,
                                   isLeader: false, validFrom: Day("2025-07-01")!),
            by: Actor(id: nil, name: "test"))
    }

    /// Somebody with a current post in the unit with `code` (its first person by name).
    func someone(in code: String) async throws -> Person {
        let unit = try await self.unit(code: code)
        return try await services.people.search("", scopes: [unit.path], on: services.today, limit: 1).items[0].person
    }
}

/// Keeps cookies and the CSRF token between requests, as a browser does.
final class Browser {
    let client: any TestClientProtocol
    var cookies: [String: String] = [:]
    var csrf = ""
    var language = "vi"

    init(client: any TestClientProtocol) { self.client = client }

    var cookieHeader: String { cookies.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: "; ") }

    @discardableResult
    func request(_ uri: String, method: HTTPRequest.Method = .get, headers: HTTPFields = [:], body: ByteBuffer? = nil) async throws -> TestResponse {
        var headers = headers
        if !cookies.isEmpty { headers[.cookie] = cookieHeader }
        let response = try await client.execute(uri: uri, method: method, headers: headers, body: body)
        for value in response.headers[values: .setCookie] {
            let pair = value.split(separator: ";")[0].split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(pair[0]), val = pair.count > 1 ? String(pair[1]) : ""
            if value.contains("Max-Age=0") || val.isEmpty { cookies[name] = nil } else { cookies[name] = val }
        }
        if let token = Browser.csrf(in: response.text) { csrf = token }
        return response
    }

    @discardableResult
    func get(_ uri: String) async throws -> TestResponse { try await request(uri) }

    /// Posts a form with this browser's CSRF token, unless the form brings its own `_csrf`.
    func post(_ uri: String, _ form: [String: String]) async throws -> TestResponse {
        var form = form
        if form["_csrf"] == nil { form["_csrf"] = csrf }
        let body = form.map { "\(Browser.encode($0.key))=\(Browser.encode($0.value))" }.joined(separator: "&")
        return try await request(uri, method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                                 body: ByteBuffer(string: body))
    }

    func signIn(_ username: String, password: String) async throws -> TestResponse {
        try await get("/login")
        let response = try await post("/login", ["username": username, "password": password])
        if response.status == .seeOther { try await get("/") }
        return response
    }

    /// A `multipart/form-data` body with text fields and one file.
    static func multipart(_ fields: [String: String], file: Data, name: String, filename: String) -> (HTTPFields, ByteBuffer) {
        let boundary = "----congvu\(UUID().uuidString)"
        var body = Data()
        for (k, v) in fields { body += Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(k)\"\r\n\r\n\(v)\r\n".utf8) }
        body += Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"; filename=\"\(filename)\"\r\nContent-Type: application/octet-stream\r\n\r\n".utf8)
        body += file + Data("\r\n--\(boundary)--\r\n".utf8)
        return ([.contentType: "multipart/form-data; boundary=\(boundary)"], ByteBuffer(bytes: body))
    }

    static func encode(_ s: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return s.addingPercentEncoding(withAllowedCharacters: allowed) ?? s
    }

    static func csrf(in html: String) -> String? {
        guard let r = html.range(of: "name=\"_csrf\" value=\"") else { return nil }
        return String(html[r.upperBound...].prefix { $0 != "\"" })
    }
}

extension TestResponse {
    var text: String { String(buffer: body) }
}

extension NotificationStore {
    /// Raises `draft` to one person as a feature does (queued, inside a transaction) and returns
    /// their notification's id, read back from their inbox (which admits the queue).
    static func raiseOne(_ draft: NotificationDraft, to personID: Int64, in db: Database) async throws -> Int64 {
        try await db.write { try await NotificationStore.raise(draft, toPeople: [personID], in: $0) }
        return try #require(try await NotificationStore(database: db).inbox(personID: personID, limit: 500)
            .first { $0.kind == draft.key.kind && $0.link == draft.link && $0.params == draft.params }).id
    }
}
