import Foundation

/// Open311 GeoReport v2 (the feedback register as a standard API): what a client posts, turned
/// into a draft; the standard's dates and its errors.
public enum Open311 {
    /// An error in the standard's shape: an HTTP status and a description, listed.
    public struct Failure: Error, Equatable, Sendable {
        public var code: Int
        public var description: String

        public init(_ code: Int, _ description: String) {
            self.code = code
            self.description = description
        }
    }

    /// What `POST requests` carries, as the standard names it.
    public struct Posted: Sendable, Equatable {
        public var jurisdiction: String
        public var draft: FeedbackDraft
        public var mediaURL: String
    }

    /// Reads a `POST requests` form: a service code, a location (lat and long, or an address), the
    /// description (at most 4,000 characters), the optional person and media URL. Anything the
    /// standard does not describe is refused rather than guessed.
    public static func posted(_ fields: [String: String], categories: [FeedbackCategory]) throws(Failure) -> Posted {
        let known: Set<String> = ["api_key", "jurisdiction_id", "service_code", "lat", "long", "address_string", "address_id", "email", "device_id",
                                  "account_id", "first_name", "last_name", "phone", "description", "media_url"]
        if let unknown = fields.keys.sorted().first(where: { !known.contains($0) && !$0.hasPrefix("attribute[") }) {
            throw Failure(400, "unknown field: \(unknown)")
        }
        if let attribute = fields.keys.sorted().first(where: { $0.hasPrefix("attribute[") }) {
            throw Failure(400, "\(attribute): the service has no attributes")
        }
        let jurisdiction = (fields["jurisdiction_id"] ?? "").tidied
        guard !jurisdiction.isEmpty else { throw Failure(400, "jurisdiction_id is required") }
        let service = (fields["service_code"] ?? "").tidied
        guard categories.contains(where: { $0.code == service && $0.active }) else { throw Failure(404, "service_code not found: \(service)") }
        var latitude: Double?, longitude: Double?
        let lat = (fields["lat"] ?? "").tidied, long = (fields["long"] ?? "").tidied
        if !lat.isEmpty || !long.isEmpty {
            guard let a = Double(lat), let b = Double(long), (-90...90).contains(a), (-180...180).contains(b) else {
                throw Failure(400, "lat and long must be decimal degrees")
            }
            (latitude, longitude) = (a, b)
        }
        let address = [fields["address_string"], fields["address_id"]].compactMap { $0?.tidied }.first { !$0.isEmpty } ?? ""
        guard latitude != nil || !address.isEmpty else { throw Failure(400, "a location is required: lat and long, address_string or address_id") }
        let description = fields["description"] ?? ""
        guard description.count <= FeedbackDraft.maxDescription else { throw Failure(400, "description longer than 4000 characters") }
        let media = (fields["media_url"] ?? "").tidied
        if !media.isEmpty {
            guard media.count <= 1_000, let url = URL(string: media), ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host != nil else {
                throw Failure(400, "media_url must be an http or https URL")
            }
        }
        let name = [fields["first_name"], fields["last_name"]].compactMap { $0?.tidied }.filter { !$0.isEmpty }.joined(separator: " ")
        let contact = [fields["phone"], fields["email"]].compactMap { $0?.tidied }.first { !$0.isEmpty } ?? ""
        let draft = FeedbackDraft(category: service, channel: .open311, description: description, citizenName: name, contact: contact,
                                  address: address, latitude: latitude, longitude: longitude)
        do {
            return Posted(jurisdiction: jurisdiction, draft: try draft.validated(categories: categories), mediaURL: media)
        } catch let errors as ValidationErrors {
            let first = errors.errors.first
            throw Failure(400, "\(first?.field ?? "request"): \(first?.key ?? "invalid")")
        } catch {
            throw Failure(400, "invalid request")
        }
    }

    /// The standard's date: ISO 8601 with its zone, in UTC (`2026-11-23T02:00:00Z`).
    public static func datetime(_ date: Date) -> String { datetime(stored: Instant.format(date)) }

    /// The same from an instant as stored (`2026-11-23T02:00:00.000Z`): the milliseconds dropped.
    public static func datetime(stored: String) -> String {
        stored.count == 24 && stored.hasSuffix("Z") ? String(stored.prefix(19)) + "Z" : stored
    }

    /// The end of a day in Vietnam, as the standard's date: a deadline falls at its end.
    public static func endOf(_ day: Day) -> String { "\(day)T23:59:59+07:00" }

    /// A date as clients send it: ISO 8601 with a zone (`Z` or `±hh:mm`), or a bare day (Vietnam's midnight).
    public static func parse(_ text: String) -> Date? {
        let t = text.tidied
        if let day = Day(t), t.count == 10 { return CivilTime.startOfDay(day) }
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        if let d = f.date(from: t) { return d }
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.date(from: t)
    }

    /// At most this many days per `GET requests`, and this many requests.
    public static let maxDays = 90
    public static let maxRequests = 1_000
}
