@testable import CongvuServer
import CongvuDomain
import CongvuStore
import CongvuTerminals
import CongvuTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import SQLKit
import Testing

/// Every route the server registers, enumerated from the router itself (a route added tomorrow is
/// in this test tomorrow), for every kind of caller: nobody, a session still waiting for its second
/// factor, each account of commune A against commune B's objects, and the province administrator
/// as the positive control that B's objects are real. Nobody gets what is not theirs, and nothing
/// answers 500.
@Suite struct EveryRouteAccessTests {
    /// Reached without an account, by design: citizens' pages, sign-in, and devices with their own
    /// credentials (terminals, kiosks), or routes that refuse by themselves (metrics).
    static let publicRoutes: Set<String> = [
        "GET /sw.js", "POST /zalo/webhook",
        "GET /", "GET /danh-gia", "POST /danh-gia", "GET /door/{code}", "GET /healthz", "GET /metrics", "GET /iclock/**", "POST /iclock/**",
        "POST /hikvision/{serial}/events", "GET /kiosk", "POST /kiosk/punch", "GET /kiosk/photo/{id}", "GET /lang/{code}", "GET /login",
        "POST /login", "GET /login/2fa", "POST /login/2fa", "POST /logout", "GET /thu-tuc", "GET /thu-tuc/{id}", "GET /tra-cuu",
        "GET /api/public/dossiers/{code}", "GET /api/openapi.yaml",
        "GET /lich/{code}", "GET /lich/{code}/lich.ics", "GET /niem-yet/{code}", "GET /niem-yet/{code}/poster",
        "GET /phan-anh/{unit}", "POST /phan-anh/{unit}", "GET /khao-sat/{unit}", "POST /khao-sat/{unit}", "GET /phan-anh/ma", "GET /phan-anh/ma/{code}", "POST /phan-anh/ma/{code}/giai-quyet",
        "POST /phan-anh/ma/{code}/danh-gia",
        "GET /open311/v2/services.json", "GET /open311/v2/services.xml", "GET /open311/v2/requests.json", "GET /open311/v2/requests.xml",
        "POST /open311/v2/requests.json", "POST /open311/v2/requests.xml", "GET /open311/v2/services/{file}", "GET /open311/v2/requests/{file}",
        "GET /open311/v2/tokens/{file}",
    ]
    /// Objects every unit shares by design (the procedures' catalogue): any account with the right
    /// reads them; they still answer nobody without a token.
    static let sharedObjects: [String: String] = [
        "GET /api/v1/procedures/{id}": "the procedures' catalogue is one for the whole province, as its public page /thu-tuc/{id}",
    ]
    /// Not sent by signed-in callers: they would end the session the loop runs in.
    static let sessionEnders: Set<String> = ["POST /logout", "GET /lang/{code}", "POST /login", "GET /login", "GET /login/2fa", "POST /login/2fa"]
    /// B's object exists, yet even its rightful viewer gets no page here without more: files that
    /// were never made (a photo, an attachment, a recording) and jobs kept in one process's memory.
    static let noPositiveControl: [String: String] = [
        "GET /import/jobs/{id}": "a person's own import: nobody else follows it, the administrator neither",
        "GET /internal/cameras/{id}/live": "the nodes' own route: the cluster credential only (ClusterTests), no account",
        "GET /internal/cameras/{id}/index": "the nodes' own route: the cluster credential only (ClusterTests), no account",
        "GET /internal/cameras/{id}/segments/{name}": "the nodes' own route: the cluster credential only (ClusterTests), no account",
        "GET /notifications/{id}/open": "a person's own notification: nobody else opens it, the administrator neither",
        "GET /people/{id}/photo": "the demo's people have no photo",
        "GET /attendance/punches/{id}/photo": "the punch has no photo",
        "GET /attendance/punches/{id}/snapshot": "no camera recorded the punch",
        "GET /explanations/{id}/attachment": "the explanation has no attachment",
        "GET /cameras/{id}/live.m3u8": "no recorder runs in router tests",
        "GET /cameras/{id}/live/init.mp4": "no recorder runs in router tests",
        "GET /cameras/{id}/live/{segment}": "no recorder runs in router tests",
        "GET /cameras/{id}/segments/{name}": "no segment was recorded",
        "GET /cameras/live/socket": "a WebSocket upgrade, tested over a real socket in AuthTests",
    ]

    struct Fixtures: Sendable {
        var ids: [String: String]  // route prefix → B's object
        var day: String
        var serial: String
        var grant: String
        var unitB: String
        var file: String
        var photo = "0"
        var paper = "0"
        var conclusion = "0"
        var reformUnit = "0"
        var reformSub = "0"
        var evidence = "0"
    }

    /// The route's path with B's objects in its parameters.
    static func uri(_ path: String, _ f: Fixtures) -> String {
        var out = path.replacingOccurrences(of: "/**", with: "/cdata")
        let prefix = f.ids.keys.filter { out.hasPrefix($0) }.max { $0.count < $1.count }
        if let prefix, let id = f.ids[prefix] { out = out.replacingOccurrences(of: "{id}", with: id) }
        // Pages that pick a unit are asked for B's; a stream ends after its first message.
        let hour = Instant.format(Date().addingTimeInterval(-3600))
        let query = "?unit=\(f.unitB)&limit=1&from=\(hour)&to=\(Instant.format(Date()))"
        out = out.replacingOccurrences(of: "{eid}", with: f.evidence)
        return out.replacingOccurrences(of: "{day}", with: f.day).replacingOccurrences(of: "{serial}", with: f.serial)
            .replacingOccurrences(of: "{grant}", with: f.grant).replacingOccurrences(of: "{segment}", with: "0.m4s")
            .replacingOccurrences(of: "{name}", with: "0.mp4").replacingOccurrences(of: "{form}", with: "receipt")
            .replacingOccurrences(of: "{code}", with: "14554").replacingOccurrences(of: "{file}", with: f.file)
            .replacingOccurrences(of: "{photo}", with: f.photo).replacingOccurrences(of: "{paper}", with: f.paper)
            .replacingOccurrences(of: "{conclusion}", with: f.conclusion).replacingOccurrences(of: "{unit}", with: "14554-UB")
            .replacingOccurrences(of: "{action}", with: "answer").replacingOccurrences(of: "{n}", with: "1")
            .replacingOccurrences(of: "{uid}", with: f.reformUnit).replacingOccurrences(of: "{sub}", with: f.reformSub) + query
    }

    /// One of B's objects for every kind of parameter, made as the office of B would where the demo has none.
    static func fixtures(_ h: Harness) async throws -> Fixtures {
        let services = h.services, db = services.database
        let communeB = try await h.unit(code: "14554")
        let committeeB = try await h.unit(code: "14554-UB")
        let person = try await h.someone(in: "14554-UB")
        let actor = Actor(id: nil, name: "test")
        func first(_ sql: String) async throws -> String {
            let id = try await db.read { s in try await s.raw(SQLQueryString(sql)).first()?.decode(column: "id", as: Int64.self) }
            guard let id else { throw FixtureMissing(sql: sql) }
            return String(id)
        }
        let inB = "JOIN assignments a ON a.person_id = x.person_id JOIN units u ON u.id = a.unit_id WHERE u.path LIKE '\(communeB.path)%'"
        let punch = try await PunchStore(database: db).record(PunchInput(personID: person.id, at: Date().addingTimeInterval(-3600), source: .kiosk,
                                                                         method: .card, device: "kiosk:0", queued: true, idempotencyKey: "access:1",
                                                                         hold: .unsigned), by: actor).punch
        let userB = try #require(try await services.accounts.byUsername("congchuc.giavan"))
        _ = try await services.accounts.issueAPIToken(userID: userB.id, name: "B", by: actor)
        let day = try await CalendarStore(database: db).add(SpecialDay(day: Day("2026-12-24")!, kind: .localDayOff, name: "Ngày của xã"),
                                                            unitID: communeB.id, by: actor)
        let camera = try await services.video.cameras.create(
            try CameraDraft(unitID: committeeB.id, name: "Cổng Gia Vân", brand: "rtsp", mainURL: "rtsp://10.1.0.9/live", recording: false).validated(),
            password: "", by: actor)
        try await services.video.cameras.grant(CameraGrant(cameraID: camera, userID: nil, role: .leader, rights: [.live, .playback]), by: actor)
        let grant = try #require(try await services.video.cameras.grants(camera: camera).first?.id)
        let (kiosk, _) = try await KioskStore(database: db).register(unitID: committeeB.id, name: "Cửa Gia Vân", signingKeySealed: "", by: actor)
        let terminals = TerminalStore(database: db)
        let serial = "GIAVAN0001"
        let terminal = try await terminals.contact(serial: serial, vendor: "zkteco", family: "2.x", address: "10.1.0.20")
        try await terminals.approve(serial: serial, unitID: committeeB.id, by: actor)
        try await AlertStore(database: db).raise([NewTerminalAlert(kind: .timeSet, occurredAt: Date(), detail: "x", dedupe: "access:alert")],
                                                 terminalID: terminal.id)
        let command = try await CommandStore(database: db).enqueue([NewTerminalCommand(kind: .reboot, command: "REBOOT")], terminalID: terminal.id,
                                                                   by: actor)[0]
        let alert = try await first("SELECT id FROM terminal_alerts WHERE dedupe = 'access:alert'")
        let token = try await first("SELECT t.id FROM api_tokens t WHERE t.user_id = \(userB.id)")
        let procedure = try await first("SELECT id FROM procedures ORDER BY id LIMIT 1")
        // A task of B's with a file.
        let sha = try services.tasks.files.write(Data("%PDF-1.4 kế hoạch Gia Vân".utf8))
        let task = try await services.tasks.tasks.create(
            WorkTask(unitID: committeeB.id, year: services.today.year, title: "Kiểm tra hồ sơ Gia Vân", assignerID: person.id, ownerID: person.id,
                     assignedAt: Date(), due: services.today), files: [TaskFile.Upload(sha256: sha, name: "ke-hoach.pdf", ext: "pdf", size: 26)], by: actor)
        let file = try #require(try await services.tasks.tasks.files(task.id).first?.id)
        var ids: [String: String] = [
            "/units/": String(communeB.id), "/people/": String(person.id), "/attendance/person/": String(person.id),
            "/attendance/punches/": String(punch.id), "/attendance/held/": String(punch.id),
            "/absences/": try await first("SELECT x.id FROM absence_requests x \(inB) ORDER BY x.id LIMIT 1"),
            "/explanations/": try await first("SELECT x.id FROM explanations x \(inB) ORDER BY x.id LIMIT 1"),
            "/admin/users/": String(userB.id), "/account/tokens/": token, "/calendar/days/": String(day.id), "/cameras/": String(camera),
            "/kiosks/": String(kiosk.id), "/kiosk/photo/": String(person.id), "/terminals/alerts/": alert, "/terminals/commands/": String(command),
            "/import/jobs/": "b-office-import", "/thu-tuc/": procedure,
            "/tasks/duty-books/": String(try await h.unit(code: "14554-KT").id), "/tasks/duties/": String(person.id),
            "/tasks/": String(task.id),
            "/one-stop/dossiers/": try await first("SELECT d.id FROM dossiers d JOIN units u ON u.id = d.unit_id WHERE u.path LIKE '\(communeB.path)%' ORDER BY d.id LIMIT 1"),
            "/api/v1/units/": String(communeB.id), "/api/v1/people/": String(person.id),
        ]
        // A notification of B's person, and an address B's person confirmed.
        let notes = NotificationStore(database: db)
        ids["/notifications/"] = String(try await NotificationStore.raiseOne(NotificationDraft(key: NotificationKey(.taskAssigned, recordType: "task", recordID: task.id)),
                                                                             to: person.id, in: db))
        let code = try await notes.requestCode(personID: person.id, channel: .telegram)
        _ = try await notes.link(channel: .telegram, code: code, chat: "5512345")
        ids["/notifications/settings/addresses/"] = String(try #require(try await notes.addresses(personID: person.id).first?.id))
        // A delivery of B's that failed for good, which only B's office may send again.
        let routed = NotificationRouting.route(.terminalTamper, preferences: .init(), verified: [.telegram], at: Date())
        let failedNote = try await db.write { sql in
            try await NotificationStore.raise(NotificationDraft(key: NotificationKey(.terminalTamper, recordType: "terminal", recordID: terminal.id)),
                                              to: [(person.id, routed)], in: sql)
        }[0]
        let claimed = try #require(try await notes.claim(limit: 50).first { $0.notificationID == failedNote })
        try await notes.record(claimed.id, .failed(answer: "403 Forbidden: bot was blocked by the user", permanent: true))
        ids["/notifications/log/"] = String(claimed.id)
        ids["/api/v1/absences/"] = ids["/absences/"]
        ids["/api/v1/dossiers/"] = ids["/one-stop/dossiers/"]
        ids["/api/v1/tasks/"] = ids["/tasks/"]
        ids["/api/v1/procedures/"] = procedure
        ids["/api/v1/cameras/"] = String(camera)
        ids["/internal/cameras/"] = String(camera)
        // B's office's import, in the database as every job is.
        try await services.imports.jobs.store.start(id: "b-office-import", owner: try #require(try await services.accounts.byUsername("vanphong.giavan")).id,
                                                    kind: "people", dryRun: true, node: services.cluster.node.name)
        ids["/api/v1/terminal-alerts/"] = alert
        // An unannounced visit to B by the province, started, with a photo.
        let inspections = services.inspections.store
        let provinceID = try #require(communeB.parentID)
        let province = try #require(try await services.units.get(provinceID))
        let checklist = try await inspections.currentChecklist(body: province, by: actor)
        let visit = try await inspections.create(bodyID: province.id, unitID: committeeB.id, kind: .unannounced, checklistID: checklist.id,
                                                 plannedFor: nil, year: services.today.year, by: actor)
        try await inspections.start(visit, at: Date(), leaderID: nil, roll: try await services.inspections.roll(unit: committeeB, at: Date()), by: actor)
        let photoSHA = try services.inspections.photos.write(Data([0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10]) + Data("JFIF Gia Vân".utf8))
        try await inspections.addPhoto(visit, code: "badges", sha256: photoSHA, ext: "jpg", size: 18, by: actor)
        ids["/inspections/"] = String(visit)
        let decision = try services.inspections.files.write(Data("%PDF-1.4 quyết định".utf8))
        ids["/inspections/plans/"] = String(try await inspections.createPlan(
            bodyID: province.id, year: services.today.year, PlanDraft(title: "Kế hoạch", units: [communeB.id: 1], team: [person.id: .leader]),
            decisionFile: decision + ".pdf", by: actor))
        ids["/api/v1/inspections/"] = String(visit)
        var fixtures = Fixtures(ids: ids, day: Day(Date(), in: CivilTime.vietnam).previous.description, serial: serial, grant: String(grant),
                                unitB: String(committeeB.id), file: String(file))
        fixtures.photo = String(try #require(try await inspections.record(visit)?.photos.first?.id))
        // B's published schedule entry with a paper and a conclusion, and an entry of its reception log.
        let schedules = services.schedules, today = services.today
        let entry = try await schedules.store.create(try ScheduleDraft(day: today.description, start: "14:00", end: "16:00", content: "Họp UBND xã Gia Vân")
            .validate(unitID: committeeB.id), by: actor)
        try await schedules.store.publish(unitID: committeeB.id, week: DutyWeek(containing: today), by: actor)
        fixtures.ids["/schedules/"] = String(entry.id)
        try await schedules.meetings.attach(entryID: entry.id, file: try schedules.files.write(Data("%PDF-1.4 tài liệu họp".utf8)) + ".pdf", name: "tai-lieu.pdf",
                                            by: actor)
        fixtures.paper = String(try #require(try await schedules.meetings.files(entryID: entry.id).first?.id))
        fixtures.conclusion = String(try await schedules.meetings.conclude(entryID: entry.id, text: "Kết luận cuộc họp của Gia Vân", by: actor).id)
        let reception = try ReceptionRecord(day: today, receiverID: person.id, citizenName: "Công dân Gia Vân", content: "Kiến nghị sửa đường",
                                            classification: .petition, handling: .received).validated(today: today)
        fixtures.ids["/reception/"] = String(try await schedules.receptions.add(reception, unitID: committeeB.id, by: actor).id)
        // Feedback filed with B, with a photo.
        let picture = try services.feedback.files.write(Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) + Data("ảnh Gia Vân".utf8))
        fixtures.ids["/feedback/"] = String(try await services.feedback.file(
            FeedbackDraft(category: "attitude", channel: .web, description: "Phản ánh thái độ ở Xã Gia Vân"), unit: committeeB, photos: [picture], by: actor).id)
        fixtures.ids["/api/v1/feedback/"] = fixtures.ids["/feedback/"]
        // The province's reform-index round over B, with a file of evidence from B.
        let example = try await services.reform.store.saveFramework(try ReformServices.example(), by: actor)
        let round = try await services.reform.store.openRound(frameworkID: example.id, bodyID: province.id, deadline: today.next,
                                                              units: [(communeB.id, "commune")], by: actor)
        fixtures.ids["/reform/rounds/"] = String(round)
        fixtures.ids["/api/v1/reform/rounds/"] = String(round)
        fixtures.ids["/reform/frameworks/"] = String(example.id)
        fixtures.reformUnit = String(communeB.id)
        let manual = try #require(example.framework.subCriteria.first { $0.method == .manual && $0.applies(to: "commune") })
        fixtures.reformSub = try #require(example.framework.subCriteria.first { if case .computed = $0.method { true } else { false } }).code
        fixtures.evidence = String(try await services.reform.store.addEvidence(
            roundID: round, unitID: communeB.id, code: manual.code, file: try services.tasks.files.write(Data("%PDF-1.4 kế hoạch CCHC Gia Vân".utf8)),
            fileName: "ke-hoach-cchc.pdf", on: today, by: actor))
        return fixtures
    }

    @Test(arguments: TestDatabases.kinds)
    func nobodyReachesWhatIsNotTheirsOnAnyRoute(kind: DatabaseKind) async throws {
        try await Harness.run(kind) { h in
            let routes = buildRouter(h.services).routes.map { (method: $0.method, path: $0.path.description, key: "\($0.method) \($0.path)") }
            #expect(routes.count > 140)
            let f = try await Self.fixtures(h)
            let unfilled = routes.filter { Self.uri($0.path, f).contains("{") }.map(\.key)
            #expect(unfilled.isEmpty, "routes without a fixture: \(unfilled)")

            func send(_ b: Browser, _ route: (method: HTTPRequest.Method, path: String, key: String), headers: HTTPFields = [:]) async throws -> TestResponse {
                let uri = Self.uri(route.path, f)
                if route.method == .post { return try await b.post(uri, ["reason": "thử quyền truy cập"]) }
                return try await b.request(uri, method: route.method, headers: headers)
            }
            func refused(_ r: TestResponse) -> Bool {
                [.unauthorized, .forbidden].contains(r.status) || (r.status == .seeOther && (r.headers[.location] ?? "").hasPrefix("/login"))
            }

            // Nobody, and a session waiting for its second factor (B's chairman has one).
            let anonymous = h.browser()
            try await anonymous.get("/login")
            let chairmanB = try #require(try await h.services.accounts.byUsername("chutich.giavan"))
            try await h.services.accounts.setTOTP(userID: chairmanB.id, secret: "JBSWY3DPEHPK3PXP", enabled: true, by: .system)
            let half = h.browser()
            try await half.get("/login")
            #expect(try await half.post("/login", ["username": "chutich.giavan", "password": Demo.password]).headers[.location] == "/login/2fa")
            for (name, b) in [("nobody", anonymous), ("half signed in", half)] {
                for route in routes where !Self.sessionEnders.contains(route.key) {
                    let r = try await send(b, route)
                    #expect(r.status.code < 500, "\(name) \(route.key) answered \(r.status)")
                    if !Self.publicRoutes.contains(route.key) && !route.path.hasPrefix("/api/v1") {
                        #expect(refused(r), "\(name) \(route.key) answered \(r.status) \(r.headers[.location] ?? "")")
                    }
                    if route.path.hasPrefix("/api/v1") { #expect(r.status == .unauthorized, "\(name) \(route.key) answered \(r.status)") }
                }
            }

            // Each account of commune A, against B's objects: refused everywhere, changing nothing.
            // (Their own account may change: a new device noted, a second factor offered on /account.)
            var own = Set<String>()
            for username in ["congchuc.giahung", "vanphong.giahung", "motcua.giahung", "chutich.giahung"] {
                own.insert(String(try #require(try await h.services.accounts.byUsername(username)).id))
            }
            let ownIDs = own
            func changes() async throws -> [String] {
                try await h.services.audit.recent(limit: 5000)
                    .filter { $0.action != .login && $0.objectType != "api_token" && !($0.objectType == "user" && ownIDs.contains($0.objectID)) }
                    .map { "\($0.objectType) \($0.objectID) \($0.after)" }
            }
            let auditBefore = try await changes()
            for username in ["congchuc.giahung", "vanphong.giahung", "motcua.giahung", "chutich.giahung"] {
                let b = h.browser()
                let signedIn = try await b.signIn(username, password: Demo.password)
                #expect(signedIn.status == .seeOther && signedIn.headers[.location] != "/login/2fa")
                let account = try #require(try await h.services.accounts.byUsername(username))
                let token = try await h.services.accounts.issueAPIToken(userID: account.id, name: "access", by: .system)
                for route in routes where !Self.sessionEnders.contains(route.key) {
                    let headers: HTTPFields = route.path.hasPrefix("/api/v1") ? [.authorization: "Bearer \(token)"] : [:]
                    let r = try await send(b, route, headers: headers)
                    #expect(r.status.code < 500, "\(username) \(route.key) answered \(r.status)")
                    if !Self.publicRoutes.contains(route.key) {
                        #expect(r.status != .ok || !r.text.contains("Xã Gia Vân"), "\(username) sees B on \(route.key)")
                    }
                    if route.path.contains("{") && !Self.publicRoutes.contains(route.key) && Self.sharedObjects[route.key] == nil {
                        #expect((400..<500).contains(r.status.code), "\(username) reached B's \(route.key): \(r.status) \(r.headers[.location] ?? "")")
                    }
                }
            }
            let auditAfter = try await changes()
            #expect(auditAfter == auditBefore, "A's accounts changed something: \(auditAfter.prefix(auditAfter.count - auditBefore.count))")

            // The positive control: B's objects are real, and the province's administrator reaches them.
            let admin = h.browser()
            #expect(try await admin.signIn("admin", password: Demo.password).status == .seeOther)
            let adminToken = try await h.services.accounts.issueAPIToken(userID: try #require(try await h.services.accounts.byUsername("admin")).id,
                                                                         name: "access", by: .system)
            for route in routes where route.method == .get && route.path.contains("{") && !Self.publicRoutes.contains(route.key)
                && Self.noPositiveControl[route.key] == nil {
                let headers: HTTPFields = route.path.hasPrefix("/api/v1") ? [.authorization: "Bearer \(adminToken)"] : [:]
                let r = try await send(admin, route, headers: headers)
                #expect(r.status.code < 400, "the administrator got \(r.status) on \(route.key) → \(Self.uri(route.path, f))")
            }
        }
    }
}

/// Every form route, enumerated from the router: a post without the session's CSRF token (none, or
/// another's) is refused with 403 and changes nothing, even for the province's administrator, who
/// may do everything else. Routes that take no form (devices, the API with its bearer token) are named.
@Suite struct EveryFormCSRFTests {
    /// Not forms: devices with their own credentials, and the token-authenticated API.
    static let notForms: Set<String> = ["POST /iclock/**", "POST /zalo/webhook", "POST /hikvision/{serial}/events", "POST /kiosk/punch",
                                        "POST /open311/v2/requests.json", "POST /open311/v2/requests.xml"]

    @Test func everyFormRefusesAPostWithoutItsToken() async throws {
        try await Harness.run { h in
            let routes = buildRouter(h.services).routes.filter { $0.method == .post }
                .map { (path: $0.path.description, key: "\($0.method) \($0.path)") }
                .filter { !Self.notForms.contains($0.key) && !$0.path.hasPrefix("/api/") }
            #expect(routes.count > 50)
            let f = try await EveryRouteAccessTests.fixtures(h)
            let admin = h.browser()
            #expect(try await admin.signIn("admin", password: Demo.password).status == .seeOther)
            let other = h.browser()
            #expect(try await other.signIn("vanphong.giahung", password: Demo.password).status == .seeOther)
            func changes() async throws -> Int {
                try await h.services.audit.recent(limit: 5000).filter { $0.action != .login && $0.objectType != "api_token" && $0.objectType != "user" }.count
            }
            // The second factor's form acts only for a session waiting for it.
            let chairmanB = try #require(try await h.services.accounts.byUsername("chutich.giavan"))
            try await h.services.accounts.setTOTP(userID: chairmanB.id, secret: "JBSWY3DPEHPK3PXP", enabled: true, by: .system)
            let half = h.browser()
            try await half.get("/login")
            #expect(try await half.post("/login", ["username": "chutich.giavan", "password": Demo.password]).headers[.location] == "/login/2fa")
            let before = try await changes()
            for route in routes {
                let uri = EveryRouteAccessTests.uri(route.path, f)
                let b = route.key == "POST /login/2fa" ? half : admin
                for token in ["", "forged", other.csrf] {
                    let r = try await b.post(uri, ["_csrf": token, "reason": "thử CSRF", "name": "X", "unit": f.unitB, "code": "123456"])
                    #expect(r.status == .forbidden, "\(route.key) with token '\(token.prefix(6))' answered \(r.status)")
                }
            }
            #expect(try await changes() == before)
            // Still signed in: not even sign-out went through.
            #expect(try await admin.get("/account").status == .ok)
        }
    }
}

struct FixtureMissing: Error { let sql: String }
