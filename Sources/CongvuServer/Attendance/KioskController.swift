import CongvuDomain
import CongvuStore
import Foundation
import Hummingbird
import HTTPTypes

/// The digital card board at the entrance: a registered device (its token in a cookie) reads a
/// card number from a USB reader (digits then Enter) or a PIN from the on-screen keypad, records
/// the punch at the server's time and answers with the person's photo, name, title and verdict.
/// When the network drops the page queues punches with their original times and sends them
/// later, marked as queued and signed with the kiosk's own key when they were made; a queued
/// punch without a valid signature, or sent too long after, is held for the office. Unknown cards
/// are recorded for the office, never dropped.
struct KioskController {
    let attendance: AttendanceServices
    var catalogs: Catalogs { attendance.views.catalogs }
    var kiosks: KioskStore { attendance.kiosks }

    static let cookie = "cv_kiosk"

    /// The device's routes: no account is signed in at a kiosk.
    func addDeviceRoutes(to router: Router<AppRequestContext>) {
        router.get("kiosk", use: page)
        router.post("kiosk/punch", use: punch)
        router.get("kiosk/photo/:id", use: photo)
    }

    /// The office's routes: register, list and revoke kiosks.
    func addSetupRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get(use: setup)
        group.post(use: register)
        group.post(":id/revoke", use: revoke)
    }

    func device(_ request: Request) async throws -> Kiosk? {
        guard let token = request.cookies[Self.cookie]?.value else { return nil }
        return try await kiosks.authenticate(token)
    }

    // MARK: The device

    func page(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        guard let kiosk = try await device(request) else {
            return try attendance.views.page(KioskLockedPage(), context, status: .forbidden)
        }
        // The signing key goes to the page once, the first time it opens after registration; it
        // never travels again, so a copy of the cookie alone cannot sign a queued punch.
        var key: String?
        if !kiosk.keyDelivered, !kiosk.signingKeySealed.isEmpty, try await kiosks.keyDelivered(kiosk.id) {
            key = try attendance.secrets.open(kiosk.signingKeySealed)
        }
        return try attendance.views.page(KioskPage(kiosk: .init(id: kiosk.id, name: kiosk.name, unit: kiosk.unitName, signing_key: key)), context)
    }

    struct PunchRequest: Decodable {
        var card: String?
        var pin: String?
        /// The original time of a queued punch (ISO 8601); ignored otherwise.
        var at: String?
        var queued: Bool?
        /// Chosen by the page for each tap, so that a resend is the same punch.
        var key: String?
        /// How the card number came: `reader` when the page saw it arrive at a USB reader's pace
        /// (every key within a few tens of milliseconds), anything else is typed by hand.
        var entry: String?
        /// A queued punch's HMAC-SHA-256 under the kiosk's key, made when it was tapped (see `signed`).
        var sig: String?

        /// What the kiosk signs: its id, the card, the PIN, the original time and the tap's key.
        func signed(kioskID: Int64) -> String { [String(kioskID), card ?? "", pin ?? "", at ?? "", key ?? ""].joined(separator: "|") }
    }

    struct PunchAnswer: Encodable {
        var ok: Bool
        var code: String?
        var message: String
        var name: String?
        var title: String?
        var photo: String?
        var kind: String?
        var minutes: Int?
        var queued: Bool?
    }

    func answer(_ a: PunchAnswer, status: HTTPResponse.Status = .ok) throws -> Response {
        Response(status: status, headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"],
                 body: .init(byteBuffer: ByteBuffer(bytes: try AppRequestContext.json(a))))
    }

    func refuse(_ code: String, _ context: AppRequestContext, status: HTTPResponse.Status = .badRequest) throws -> Response {
        try answer(PunchAnswer(ok: false, code: code, message: catalogs.text("kiosk_\(code)", context.locale)), status: status)
    }

    func punch(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        // Only the kiosk page's own script sends this header: a form on another site cannot.
        guard request.headers[HTTPField.Name("X-Congvu-Kiosk")!] == "1" else { return try refuse("forbidden", context, status: .forbidden) }
        guard let kiosk = try await device(request) else { return try refuse("forbidden", context, status: .forbidden) }
        let body = try await request.body.collect(upTo: 4096)
        guard let input = try? JSONDecoder().decode(PunchRequest.self, from: Data(body.readableBytesView)) else { return try refuse("bad_request", context) }
        let now = Date()
        let queued = input.queued ?? false
        var at = now
        var hold = PunchFlag.none
        if queued {
            guard let text = input.at, let original = Instant.parse(text) else { return try refuse("bad_request", context) }
            guard original <= now.addingTimeInterval(PunchFlag.tolerance) else { return try refuse("bad_time", context) }
            at = original
            // Kept whatever it says, but counted only if it proves where and when it was made.
            let key = try? attendance.secrets.open(kiosk.signingKeySealed)
            if let key, let sig = input.sig?.lowercased(), Token.equal(sig, SecretBox.hmac(hexKey: key, input.signed(kioskID: kiosk.id))) {
                if now.timeIntervalSince(original) > TimeInterval(attendance.config.kioskQueueHoldHours) * 3600 { hold = .lateQueue }
            } else {
                hold = .unsigned
            }
        }
        let key = (input.key ?? "").filter { $0.isLetter || $0.isNumber || $0 == "-" }.prefix(64)
        let idempotency = key.isEmpty ? "" : "kiosk:\(kiosk.id):\(key)"
        let day = Day(at, in: CivilTime.vietnam)
        let verdicts = attendance.verdicts
        let punches = attendance.punches
        let actor = Actor(id: nil, name: "kiosk:\(kiosk.id)")
        var person: Person?
        var method = PunchMethod.card
        var card = ""
        if let raw = input.card?.trimmingCharacters(in: .whitespacesAndNewlines), !raw.isEmpty {
            guard raw.count <= 32, raw.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else { return try refuse("bad_card", context) }
            card = raw
            person = try await attendance.people.byCard(raw)
            if input.entry != "reader" {
                // Typed by hand: whoever knows a colleague's number could punch for them, so the
                // kiosk's unit decides whether to accept it, ask the holder's PIN, or refuse.
                method = .typedCard
                let rule = try await typedCardRule(kiosk, on: day)
                if rule == .refuse { return try refuse("typed_card_refused", context, status: .forbidden) }
                if rule == .pin, let holder = person {
                    guard let pin = input.pin?.trimmingCharacters(in: .whitespaces), !pin.isEmpty else {
                        return try refuse("typed_card_needs_pin", context, status: .unauthorized)
                    }
                    guard !holder.terminalPIN.isEmpty, pin == holder.terminalPIN else { return try refuse("typed_card_wrong_pin", context, status: .forbidden) }
                }
            }
        } else if let pin = input.pin?.trimmingCharacters(in: .whitespaces), !pin.isEmpty {
            guard (4...8).contains(pin.count), pin.allSatisfy(\.isNumber) else { return try refuse("pin_unknown", context) }
            method = .pin
            let staff = try await verdicts.posts(scopes: [kiosk.unitPath], first: day, last: day)
            let ids = Set(staff.map(\.personID))
            let matches = try await attendance.people.withPIN(pin, among: Array(ids))
            guard matches.count == 1 else { return try refuse(matches.isEmpty ? "pin_unknown" : "pin_ambiguous", context) }
            person = matches[0]
        } else {
            return try refuse("bad_request", context)
        }
        guard let person else {
            _ = try await punches.record(PunchInput(personID: nil, cardNumber: card, at: at, receivedAt: now, source: .kiosk, method: method,
                                                   device: "kiosk:\(kiosk.id)", queued: queued, idempotencyKey: idempotency, hold: hold), by: actor)
            return try answer(PunchAnswer(ok: false, code: "unknown_card", message: catalogs.text("kiosk_unknown_card", context.locale), queued: queued))
        }
        let earlier = try await punches.times(personID: person.id, on: day)
        let (_, isNew) = try await punches.record(PunchInput(personID: person.id, cardNumber: card, at: at, receivedAt: now, source: .kiosk, method: method,
                                                            device: "kiosk:\(kiosk.id)", queued: queued, idempotencyKey: idempotency, hold: hold), by: actor)
        let post = try await verdicts.posts(personIDs: [person.id], first: day, last: day).last
        var feedback = Presence.Feedback(kind: .checkIn, minutes: 0, repeated: !isNew)
        if let post, isNew {
            let rules = try await verdicts.rules(unitIDs: [post.unitID], years: day.year...day.year)
            let from = CivilTime.startOfDay(day)
            let excuses = try await attendance.absences.excuses(personID: person.id, from: from, to: from.addingTimeInterval(86400))
            feedback = Presence.feedback(at: at, earlier: earlier, day: day, calendar: rules.calendar(post.unitID),
                                         policy: rules.policy(post.unitID, on: day), excuses: excuses)
        }
        await attendance.announce(personIDs: [person.id])
        let text = AttendanceText(catalogs: catalogs, locale: context.locale)
        return try answer(PunchAnswer(ok: true, message: text.feedback(feedback, at: at), name: person.fullName, title: post?.title ?? "",
                                      photo: person.photoPath.isEmpty ? nil : "/kiosk/photo/\(person.id)", kind: feedback.kind.rawValue,
                                      minutes: feedback.minutes, queued: queued))
    }

    /// What the kiosk's unit accepts of a typed card number on a day (its own rules or its nearest ancestor's).
    func typedCardRule(_ kiosk: Kiosk, on day: Day) async throws -> AttendancePolicy.TypedCards {
        guard let unit = try await attendance.units.get(kiosk.unitID) else { return .allow }
        return try await attendance.policies.resolver(for: unit).policy(on: day).typedCards
    }

    /// A person's photo, for the kiosk of a unit they serve in.
    func photo(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        guard let kiosk = try await device(request) else { throw Forbidden() }
        guard let id = context.parameters.get("id", as: Int64.self), let record = try await attendance.people.get(id),
              record.unitPaths.contains(where: { $0.hasPrefix(kiosk.unitPath) }), !record.person.photoPath.isEmpty,
              let data = FileManager.default.contents(atPath: (attendance.config.dataDirectory as NSString)
                  .appendingPathComponent("photos/\(record.person.photoPath)")) else { throw StoreError.notFound("photo") }
        return Response(status: .ok, headers: [.contentType: UploadedFile.kind(of: data)?.mime ?? "image/jpeg", .cacheControl: "private, max-age=300"],
                        body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    // MARK: Setup by the office

    func setup(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        try await renderSetup(request, context)
    }

    func renderSetup(_ request: Request, _ context: AppRequestContext, status: HTTPResponse.Status = .ok, form: FormView = FormView()) async throws -> Response {
        let scopes = try context.scopes(.editPeople)
        let list = try await kiosks.list(scopes: scopes)
        let units = try await attendance.units.list(scopes: scopes).filter { $0.isActive(on: attendance.today) }
        let here = try await device(request)
        return try attendance.views.page(KiosksPage(
            form: form,
            kiosks: list.map { k in
                .init(id: k.id, name: k.name, unit: k.unitName, created: Instant.display(k.createdAt),
                      seen: k.lastSeenAt.map { Instant.display($0) }, revoked: k.revoked, this: here?.id == k.id)
            },
            has_kiosks: !list.isEmpty,
            units: FormView.options(units.map { (value: String($0.id), label: $0.name) }, selected: form.values["unit"] ?? "")), context, status: status)
    }

    /// Registers this browser as a kiosk of the unit: the token goes into a long-lived cookie.
    func register(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let form = try await FormData.read(request, context)
        var view = FormView(values: ["unit": form["unit"], "name": form["name"]])
        do {
            guard let unitID = form.int("unit"), let unit = try await attendance.units.get(unitID) else {
                throw ValidationErrors([FieldError("unit", "required")])
            }
            try context.require(.editPeople, atAnyOf: [unit.path])
            let signingKey = try attendance.secrets.seal(Token.random(bytes: 32))
            let (_, token) = try await kiosks.register(unitID: unit.id, name: form["name"], signingKeySealed: signingKey, by: context.actor)
            var response = HTMLPage.redirect("/kiosk")
            response.headers[values: .setCookie].append(
                "\(Self.cookie)=\(token); Path=/kiosk; Max-Age=\(5 * 365 * 86400); HttpOnly; SameSite=Strict\(attendance.config.cookiesSecure ? "; Secure" : "")")
            return response
        } catch {
            try view.absorb(error, catalogs: catalogs, locale: context.locale)
            return try await renderSetup(request, context, status: .badRequest, form: view)
        }
    }

    func revoke(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let form = try await FormData.read(request, context)
        guard let id = context.parameters.get("id", as: Int64.self), let kiosk = try await kiosks.get(id) else { throw StoreError.notFound("kiosk") }
        try context.require(.editPeople, atAnyOf: [kiosk.unitPath])
        do {
            try await kiosks.revoke(id, by: context.actor, reason: form["reason"])
        } catch {
            var view = FormView()
            try view.absorb(error, catalogs: catalogs, locale: context.locale)
            return try await renderSetup(request, context, status: .badRequest, form: view)
        }
        return HTMLPage.redirect("/kiosks")
    }
}

/// The kiosk itself: a browser registered to a unit.
struct KioskPage: Page {
    static let template = "kiosk"
    struct Kiosk: Decodable {
        var id: Int64
        var name: String
        var unit: String
        /// Handed to the page once, the first time it opens after registration.
        var signing_key: String?
    }
    var kiosk: Kiosk
}

/// A browser that is not (or no longer) a kiosk.
struct KioskLockedPage: Page {
    static let template = "kiosk_locked"
}

struct KiosksPage: Page {
    static let template = "kiosks"
    struct Kiosk: Decodable {
        var id: Int64
        var name: String
        var unit: String
        var created: String
        var seen: String?
        var revoked: Bool
        var this: Bool
    }
    var form: FormView
    var kiosks: [Kiosk]
    var has_kiosks: Bool
    var units: [Option]
}
