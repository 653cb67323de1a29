import CongvuDomain
import CongvuStore
import Foundation
import Hummingbird

/// The feedback register as Open311 GeoReport v2 (`/open311/v2/…`), each endpoint in `.json` and
/// `.xml`: services are the feedback categories, a request is a feedback item (its id the public
/// tracking code), a jurisdiction is a receiving unit by its code. Reading is public like the
/// tracking page (never spam, never what a citizen asked to keep private, never who filed it);
/// filing needs an API key (an API token issued to the client's account) and is limited per
/// address like the public form. Errors come as the standard's list of code and description.
struct Open311Controller {
    let feedback: FeedbackServices
    var store: FeedbackStore { feedback.store }

    func addRoutes(to router: Router<AppRequestContext>) {
        let group = router.group("open311/v2")
        for format in Format.allCases {
            group.get("services.\(format.rawValue)") { request, context in try await self.respond(format) { try await self.services(request) } }
            group.get("requests.\(format.rawValue)") { request, context in try await self.cached(request, format, context) { try await self.requests(request) } }
            group.post("requests.\(format.rawValue)") { request, context in try await self.respond(format) { try await self.post(request, context) } }
        }
        group.get("services/:file") { request, context in try await self.suffixed(context) { try await self.service($0) } }
        group.get("requests/:file") { request, context in try await self.suffixed(context) { try await self.request($0, context) } }
        group.get("tokens/:file") { request, context in try await self.suffixed(context) { try await self.token($0) } }
    }

    enum Format: String, CaseIterable { case json, xml }

    /// A value of the answer: a list of elements, each a list of named fields (in the standard's order).
    struct Element {
        var name: String
        var fields: [(String, Value)]
    }

    enum Value {
        case text(String)
        case number(Double)
        case bool(Bool)
        case null
        /// A nested list (a service's attributes).
        case list(String, [Element])
    }

    /// A list answered from what was built for the same query under the register's stamp (read in
    /// one row; every write anywhere moves it), so a kept list is never stale on this node or
    /// another; the minute it is kept bounds how far the default 90 days may lag. Requests that
    /// miss together wait for one build. Public data only; errors are not kept. Limited per address
    /// before anything is read.
    func cached(_ request: Request, _ format: Format, _ context: AppRequestContext,
                _ body: @escaping () async throws -> (String, [Element])) async throws -> Response {
        guard feedback.readLimiter.allow(context.clientAddress) else { return try render(format, error: Open311.Failure(429, "too many requests")) }
        do {
            let key = "\(format.rawValue) \(request.uri.query ?? "") \(try await store.stamp())"
            let bytes = try await feedback.publicLists.value(key) {
                let (root, elements) = try await body()
                return Self.body(format, root: root, elements)
            }
            return Response(status: .ok, headers: [.contentType: Self.contentType(format)], body: .init(byteBuffer: bytes))
        } catch let failure as Open311.Failure {
            return try render(format, error: failure)
        }
    }

    /// An endpoint whose last path component carries the format (`attitude.json`).
    func suffixed(_ context: AppRequestContext, _ body: (String) async throws -> (String, [Element])) async throws -> Response {
        let file = context.parameters.get("file") ?? ""
        let dot = file.lastIndex(of: ".")
        guard let dot, let format = Format(rawValue: String(file[file.index(after: dot)...])) else {
            return try render(.json, error: Open311.Failure(404, "unknown format: use .json or .xml"))
        }
        return try await respond(format) { try await body(String(file[..<dot])) }
    }

    func respond(_ format: Format, _ body: () async throws -> (String, [Element])) async throws -> Response {
        do {
            let (root, elements) = try await body()
            return try render(format, root: root, elements)
        } catch let failure as Open311.Failure {
            return try render(format, error: failure)
        } catch let e as HTTPError {
            // A body too large, a body cut short: still the standard's shape.
            return try render(format, error: Open311.Failure(Int(e.status.code), e.body ?? e.status.reasonPhrase))
        }
    }

    // MARK: Endpoints

    func services(_ request: Request) async throws -> (String, [Element]) {
        let english = request.uri.queryParameters["lang"] == "en"
        return ("services", try await store.categories().filter(\.active).map { c in
            Element(name: "service", fields: [("service_code", .text(c.code)), ("service_name", .text(english ? c.nameEn : c.nameVi)),
                                              ("description", .text(english ? c.nameEn : c.nameVi)), ("metadata", .bool(false)), ("type", .text("realtime")),
                                              ("keywords", .text("")), ("group", .text(""))])
        })
    }

    func service(_ code: String) async throws -> (String, [Element]) {
        guard try await store.categories().contains(where: { $0.code == code && $0.active }) else { throw Open311.Failure(404, "service_code not found: \(code)") }
        return ("service_definitions", [Element(name: "service_definition", fields: [("service_code", .text(code)), ("attributes", .list("attribute", []))])])
    }

    func token(_ token: String) async throws -> (String, [Element]) {
        // Every service is realtime: a token is the request's id, known at once.
        guard let code = FeedbackCode.normalise(token), let item = try await store.get(code: code), item.status != .spam else {
            throw Open311.Failure(404, "token not found")
        }
        return ("service_requests", [Element(name: "request", fields: [("service_request_id", .text(item.code)), ("token", .text(item.code))])])
    }

    func request(_ id: String, _ context: AppRequestContext) async throws -> (String, [Element]) {
        guard feedback.readLimiter.allow(context.clientAddress) else { throw Open311.Failure(429, "too many requests") }
        guard let code = FeedbackCode.normalise(id),
              let item = try await store.published(ids: [code], unitIDs: nil, category: nil, open: nil, from: .distantPast, to: .distantFuture, limit: 1).first else {
            throw Open311.Failure(404, "service_request_id not found: \(id)")
        }
        return ("service_requests", elements([item]))
    }

    func requests(_ request: Request) async throws -> (String, [Element]) {
        let q = request.uri.queryParameters
        func text(_ k: String) -> String { q[Substring(k)].map(String.init)?.tidied ?? "" }
        if !text("service_request_id").isEmpty {
            let codes = text("service_request_id").split(separator: ",").compactMap { FeedbackCode.normalise(String($0)) }
            guard !codes.isEmpty, codes.count <= Open311.maxRequests else { throw Open311.Failure(400, "service_request_id: a comma-separated list of ids") }
            return ("service_requests", elements(try await store.published(ids: codes, unitIDs: nil, category: nil, open: nil, from: .distantPast,
                                                                                     to: .distantFuture, limit: Open311.maxRequests)))
        }
        let now = Date()
        func date(_ k: String) throws -> Date? {
            guard !text(k).isEmpty else { return nil }
            guard let d = Open311.parse(text(k)) else { throw Open311.Failure(400, "\(k): an ISO 8601 date and time") }
            return d
        }
        let end = try date("end_date"), start = try date("start_date")
        let to = end ?? min(now, (start ?? now).addingTimeInterval(Double(Open311.maxDays) * 86_400))
        let from = start ?? to.addingTimeInterval(-Double(Open311.maxDays) * 86_400)
        guard from <= to else { throw Open311.Failure(400, "start_date after end_date") }
        guard to.timeIntervalSince(from) <= Double(Open311.maxDays) * 86_400 else { throw Open311.Failure(400, "at most 90 days per query") }
        var units: [Int64]?
        if !text("jurisdiction_id").isEmpty {
            guard let unit = try await feedback.units.byCode(text("jurisdiction_id")) else { throw Open311.Failure(404, "jurisdiction_id not found") }
            units = [unit.id]
        }
        var category: String?
        if !text("service_code").isEmpty {
            guard try await store.categories().contains(where: { $0.code == text("service_code") }) else { throw Open311.Failure(404, "service_code not found") }
            category = text("service_code")
        }
        var open: Bool?
        switch text("status") {
        case "": break
        case "open": open = true
        case "closed": open = false
        default: throw Open311.Failure(400, "status: open or closed")
        }
        // The standard's end is inclusive; a stored instant is at most a millisecond finer.
        let items = try await store.published(unitIDs: units, category: category, open: open, from: from, to: to.addingTimeInterval(0.001), limit: Open311.maxRequests)
        return ("service_requests", elements(items))
    }

    func post(_ request: Request, _ context: AppRequestContext) async throws -> (String, [Element]) {
        let buffer = try await request.body.collect(upTo: 64 * 1024)
        let type = (request.headers[.contentType] ?? "").lowercased()
        guard type.hasPrefix("application/x-www-form-urlencoded") else { throw Open311.Failure(400, "a form-encoded body is required") }
        var fields: [String: String] = [:]
        for (k, values) in FormData.parseURLEncoded(String(decoding: buffer.readableBytesView, as: UTF8.self)) {
            guard values.count == 1 else { throw Open311.Failure(400, "\(k) given more than once") }
            fields[k] = values[0]
        }
        guard let key = fields["api_key"], !key.isEmpty, let client = try await feedback.accounts.principal(apiToken: key) else {
            throw Open311.Failure(403, "a valid api_key is required")
        }
        guard feedback.limiter.allow(context.clientAddress) else { throw Open311.Failure(429, "too many requests") }
        let categories = try await store.categories()
        let posted = try Open311.posted(fields, categories: categories)
        guard let unit = try await feedback.units.byCode(posted.jurisdiction), unit.isActive(on: feedback.today),
              FeedbackServices.receivingKinds.contains(unit.kind) else { throw Open311.Failure(404, "jurisdiction_id not found") }
        let item = try await feedback.file(posted.draft, unit: unit, client: client.username, mediaURL: posted.mediaURL, categories: categories,
                                           by: Actor(id: client.userID, name: client.username))
        return ("service_requests", [Element(name: "request", fields: [("service_request_id", .text(item.code)), ("service_notice", .text("")),
                                                                      ("account_id", .null)])])
    }

    /// The published view of items: never the citizen's name or contact.
    func elements(_ items: [PublishedFeedback]) -> [Element] {
        items.map { i in
            Element(name: "request", fields: [
                ("service_request_id", .text(i.code)), ("status", .text(i.status.open311)),
                ("status_notes", .text(i.mergedInto.map { "merged into \($0)" } ?? i.answer)),
                ("service_name", .text(i.categoryName.isEmpty ? i.category : i.categoryName)),
                ("service_code", .text(i.category)), ("description", .text(i.description)),
                ("agency_responsible", .text(i.ownerName)), ("service_notice", .text("")),
                ("requested_datetime", .text(Open311.datetime(stored: i.receivedAt))), ("updated_datetime", .text(Open311.datetime(stored: i.updatedAt))),
                ("expected_datetime", .text(Open311.endOf(i.due))), ("address", .text(i.address)), ("address_id", .text("")),
                ("zipcode", .text("")), ("lat", i.latitude.map { .number($0) } ?? .null), ("long", i.longitude.map { .number($0) } ?? .null),
                ("media_url", .text(i.mediaURL)),
            ])
        }
    }

    // MARK: Rendering

    static func contentType(_ format: Format) -> String { format == .json ? "application/json; charset=utf-8" : "text/xml; charset=utf-8" }

    /// The answer's bytes: JSON, or XML under its root element.
    static func body(_ format: Format, root: String, _ elements: [Element]) -> ByteBuffer {
        switch format {
        case .json:
            let out = StreamingJSON.Output()
            json(elements, into: out)
            return ByteBuffer(bytes: out.bytes)
        case .xml:
            return ByteBuffer(string: "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<\(root)>" + elements.map(xml).joined() + "</\(root)>\n")
        }
    }

    func render(_ format: Format, root: String, _ elements: [Element]) throws -> Response {
        Response(status: .ok, headers: [.contentType: Self.contentType(format)], body: .init(byteBuffer: Self.body(format, root: root, elements)))
    }

    func render(_ format: Format, error: Open311.Failure) throws -> Response {
        let status = HTTPResponse.Status(code: error.code)
        let element = Element(name: "error", fields: [("code", .number(Double(error.code))), ("description", .text(error.description))])
        var response = try render(format, root: "errors", [element])
        response.status = status
        return response
    }

    /// JSON written straight into bytes (an `Encodable` with keys chosen at run time went through
    /// boxed containers: a third of a 1,000-request answer's time, measured with perf).
    static func json(_ elements: [Element], into out: StreamingJSON.Output) {
        out.raw("[")
        for (i, e) in elements.enumerated() {
            if i > 0 { out.raw(",") }
            out.raw("{")
            for (j, (name, value)) in e.fields.enumerated() {
                if j > 0 { out.raw(",") }
                out.string(name)
                out.raw(":")
                switch value {
                case .text(let s): out.string(s)
                case .number(let n): out.raw(n == n.rounded() && abs(n) < 1e15 ? String(Int64(n)) : String(n))
                case .bool(let b): out.raw(b ? "true" : "false")
                case .null: out.raw("null")
                case .list(_, let items): json(items, into: out)
                }
            }
            out.raw("}")
        }
        out.raw("]")
    }

    static func xml(_ e: Element) -> String {
        "<\(e.name)>" + e.fields.map { name, value in
            switch value {
            case .text(let s): return "<\(name)>\(XMLText.escape(s))</\(name)>"
            case .number(let n): return "<\(name)>\(n == n.rounded() && abs(n) < 1e15 ? String(Int64(n)) : String(n))</\(name)>"
            case .bool(let b): return "<\(name)>\(b)</\(name)>"
            case .null: return "<\(name)/>"
            case .list(_, let items): return "<\(name)>" + items.map(xml).joined() + "</\(name)>"
            }
        }.joined() + "</\(e.name)>"
    }
}
