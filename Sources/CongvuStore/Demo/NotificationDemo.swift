import CongvuDomain
import Foundation
import SQLKit

/// Notifications in the demo (issue 20): the Gia Hưng office has confirmed its e-mail and takes new
/// tasks there, a Gia Vân civil servant has linked Telegram; what the demo's tasks raised for them
/// is answered as the providers would have (one e-mail refused), so the office's log, its home
/// card and the resend button show something on a newcomer's first look.
enum NotificationDemo {
    static let officeEmail = "vanphong@giahung.ninhbinh.gov.vn"

    static func person(_ db: Database, _ username: String) async throws -> Int64? {
        try await db.read { sql in
            try await sql.select().column("person_id").from("users").where("username", .equal, username).first()?
                .decode(column: "person_id", as: Int64?.self)
        }
    }

    /// Before the demo's tasks: the addresses and choices their notifications are routed by.
    static func addresses(into db: Database, now: Date) async throws {
        let store = NotificationStore(database: db)
        let demo = Actor(id: nil, name: "demo")
        if let office = try await person(db, "vanphong.giahung") {
            let code = try await store.requestCode(personID: office, channel: .email, address: officeEmail, at: now)
            _ = try await store.confirm(personID: office, channel: .email, code: code, by: demo, at: now)
            try await store.setPreferences(NotificationPreferences(channels: [.taskAssigned: [.email]]), personID: office, by: demo, at: now)
        }
        if let clerk = try await person(db, "congchuc.giavan") {
            let code = try await store.requestCode(personID: clerk, channel: .telegram, at: now)
            _ = try await store.link(channel: .telegram, code: code, chat: "6100200300", at: now)
        }
    }

    /// After the demo's tasks: each delivery answered a few seconds after it was raised; the
    /// office's latest e-mail refused by its mail server.
    static func answers(in db: Database, now: Date) async throws {
        let store = NotificationStore(database: db)
        let claimed = try await store.claim(limit: 1000, at: now)
        let refused = claimed.filter { $0.channel == .email }.max { $0.createdAt < $1.createdAt }?.id
        for (n, d) in claimed.enumerated() {
            let at = d.createdAt.addingTimeInterval(4)
            let outcome: DeliveryOutcome
            if d.id == refused {
                outcome = .failed(answer: "550 5.1.1 <\(officeEmail)>: Recipient address rejected: mailbox unavailable", permanent: true)
            } else if d.channel == .email {
                outcome = .sent(answer: "250 2.0.0 Ok: queued as 4F\(String(format: "%05X", 4096 + n))")
            } else {
                outcome = .sent(answer: "message_id \(812 + n)")
            }
            try await store.record(d.id, outcome, at: at)
        }
    }
}
