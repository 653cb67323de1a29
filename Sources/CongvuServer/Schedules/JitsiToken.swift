import CongvuNotify
import Crypto
import Foundation

/// A private Jitsi Meet's token authentication (its prosody `token` module): a JWT signed with
/// HMAC-SHA256 by the shared `app_secret`, naming the app (`iss`), the server (`sub`), the room and
/// the person joining, valid for a few hours. Made for each person who opens a meeting's page, so a
/// link passed on does not let anyone else in for long; the room's own link never carries one.
struct JitsiToken: Sendable {
    let appID: String
    let secret: String
    /// The Jitsi server's host (`meet.example.vn`).
    let domain: String

    struct Payload: Encodable {
        struct Context: Encodable { struct User: Encodable { var name: String; var moderator: Bool }; var user: User }
        var aud = "jitsi"
        var iss: String
        var sub: String
        var room: String
        var nbf: Int
        var exp: Int
        var context: Context
    }

    func token(room: String, name: String, moderator: Bool, now: Date = Date(), lifetime: TimeInterval = 6 * 3600) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let header = Base64URL.encode(Data(#"{"alg":"HS256","typ":"JWT"}"#.utf8))
        let payload = Base64URL.encode(try encoder.encode(Payload(iss: appID, sub: domain, room: room, nbf: Int(now.timeIntervalSince1970) - 60,
                                                                exp: Int(now.addingTimeInterval(lifetime).timeIntervalSince1970),
                                                                context: .init(user: .init(name: name, moderator: moderator)))))
        let signature = HMAC<SHA256>.authenticationCode(for: Data((header + "." + payload).utf8), using: SymmetricKey(data: Data(secret.utf8)))
        return header + "." + payload + "." + Base64URL.encode(Data(signature))
    }

    /// The room's link with the person's token, when the link is on this Jitsi server.
    func join(_ url: String, name: String, moderator: Bool) throws -> String? {
        guard let u = URL(string: url), u.host == domain, let room = u.pathComponents.last, room != "/" else { return nil }
        return url + "?jwt=" + (try token(room: room, name: name, moderator: moderator))
    }
}
