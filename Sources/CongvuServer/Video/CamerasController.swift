import CongvuDomain
import CongvuStore
import CongvuVideo
import Foundation
import AsyncHTTPClient
import Hummingbird

/// Cameras: the list with each stream's health, adding and editing a camera by brand template or
/// RTSP address, one camera's page (live view, health, recorder history, rights), the live grid, and
/// the viewing log. Every page and media path checks the per-camera right.
struct CamerasController {
    let video: VideoServices
    var catalogs: Catalogs { video.views.catalogs }
    var store: CameraStore { video.cameras }

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get(use: list)
        group.get("new", use: newForm)
        group.post(use: create)
        group.get("grid", use: grid)
        group.get("views", use: viewsLog)
        group.get("live/socket", use: socketWithoutUpgrade)
        group.get(":id", use: show)
        group.get(":id/edit", use: editForm)
        group.post(":id", use: update)
        group.post(":id/grants", use: addGrant)
        group.post(":id/grants/:grant/delete", use: deleteGrant)
        group.post(":id/locks", use: addLock)
    }

    func camera(_ context: AppRequestContext, needing right: CameraRight? = nil) async throws -> (CameraRecord, Set<CameraRight>) {
        try await video.camera(context.parameters.get("id", as: Int64.self), context, needing: right)
    }

    func health(_ record: CameraRecord, _ locale: AppLocale) -> [CameraRow.Stream] {
        let c = record.camera
        var streams: [CameraRow.Stream] = []
        for stream in c.hasSubStream ? [CameraStream.main, .sub] : [.main] {
            guard let recorder = video.hub.recorder(camera: c.id, stream: stream) else { continue }
            let stats = recorder.channel.statistics
            let status = recorder.currentStatus
            let since = stats.lastFragmentAt.map { Date().timeIntervalSince($0) }
            let hourAgo = Date().addingTimeInterval(-3600)
            let warnings = StreamWarning.assess(codec: stats.track?.codec, keyframeInterval: stats.keyframeInterval,
                                                secondsSinceLastFragment: since, restartsLastHour: status.restarts.filter { $0 > hourAgo }.count)
            streams.append(.init(
                stream: catalogs.label("camera_stream", stream.rawValue, locale),
                online: !warnings.contains(.offline),
                state: catalogs.label("recorder_state", status.state.rawValue, locale),
                codec: stats.track?.codec ?? "–",
                resolution: stats.track.map { "\($0.width)×\($0.height)" } ?? "–",
                bitrate: stats.bitrate.map { "\($0 / 1000) kbit/s" } ?? "–",
                keyframe: stats.keyframeInterval.map { "\(Double(Int($0 * 10)) / 10) s" } ?? "–",
                viewers: stats.viewers, restarts: status.restarts.count, dropped: stats.dropped,
                warnings: warnings.map { catalogs.label("camera_warning", $0.rawValue, locale) },
                has_warnings: !warnings.isEmpty,
                lines: status.lastLines.suffix(5).joined(separator: "\n"),
                has_lines: !status.lastLines.isEmpty))
        }
        return streams
    }

    func row(_ record: CameraRecord, _ rights: Set<CameraRight>, _ locale: AppLocale) -> CameraRow {
        let c = record.camera
        let streams = health(record, locale)
        return CameraRow(id: c.id, name: c.name, unit: record.unitName, brand: catalogs.label("camera_brand", c.brand.rawValue, locale),
                         address: c.url(.main), recording: c.recording, active: c.active, retention: c.retentionDays,
                         live: rights.contains(.live), streams: streams, has_streams: !streams.isEmpty)
    }

    /// Whether recording can work on this server: shown on every camera page.
    var videoMissing: Bool { !video.hub.available }

    func list(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let p = try context.signedIn()
        let cameras = try await store.visible(to: p)
        let alerts = p.holds(.manageCameras)
            ? try await store.openAlerts(within: p.scopes(for: .manageCameras), serverWide: p.roles.contains(.systemAdmin)) : []
        return try video.views.page(CamerasPage(
            video_missing: videoMissing, ffmpeg: video.hub.ffmpegSetting,
            recorders_off: !video.config.cameras, can_manage: p.holds(.manageCameras),
            cameras: cameras.map { row($0.0, $0.1, context.locale) }, has_cameras: !cameras.isEmpty,
            any_live: cameras.contains { $0.1.contains(.live) },
            alerts: alerts.map { .init(kind: catalogs.label("camera_alert", $0.kind, context.locale), detail: $0.detail,
                                       at: Instant.display($0.raisedAt)) },
            has_alerts: !alerts.isEmpty), context)
    }

    // MARK: add and edit

    func formPage(_ context: AppRequestContext, camera: CameraRecord?, form: FormView, status: HTTPResponse.Status = .ok) async throws -> Response {
        let p = try context.signedIn()
        let units = try await video.units.list(scopes: p.scopes(for: .manageCameras)).filter { $0.isActive(on: video.today) }
        var values = form.values
        if values.isEmpty, let c = camera?.camera {
            values = ["name": c.name, "brand": c.brand.rawValue, "host": c.host, "rtsp_port": String(c.rtspPort), "http_port": String(c.httpPort),
                      "channel": String(c.channel), "username": c.username, "main_url": c.mainURL, "sub_url": c.subURL,
                      "snapshot_url": c.snapshotURL, "retention_days": String(c.retentionDays), "terminal_serial": c.terminalSerial ?? "",
                      "unit": String(c.unitID), "recording": c.recording ? "on" : "", "active": c.active ? "on" : ""]
        }
        if camera == nil && form.values.isEmpty {
            values["recording"] = "on"; values["brand"] = "hikvision"
            // The unit's leaders watch on their phones: offered by default, unticked at will.
            values["leaders_live"] = "on"; values["leaders_playback"] = "on"
        }
        var view = form
        view.values = values
        return try video.views.page(CameraFormPage(
            form: view,
            camera: camera.map { .init(id: $0.camera.id, name: $0.camera.name, has_password: $0.hasPassword) },
            editing: camera != nil,
            units: FormView.options(units.map { (value: String($0.id), label: $0.name) }, selected: values["unit"] ?? ""),
            brands: FormView.options(CameraBrand.allCases.map {
                (value: $0.rawValue, label: catalogs.label("camera_brand", $0.rawValue, context.locale)) }, selected: values["brand"] ?? "")),
            context, status: status)
    }

    func newForm(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        _ = try context.scopes(.manageCameras)
        return try await formPage(context, camera: nil, form: FormView())
    }

    func draft(_ form: FormData) -> CameraDraft {
        CameraDraft(unitID: form.int("unit"), name: form["name"], brand: form["brand"], host: form["host"], rtspPort: form["rtsp_port"],
                    httpPort: form["http_port"], channel: form["channel"], username: form["username"], password: form["password"],
                    mainURL: form["main_url"], subURL: form["sub_url"], snapshotURL: form["snapshot_url"], recording: form["recording"] == "on",
                    retentionDays: form["retention_days"], terminalSerial: form["terminal_serial"].tidied)
    }

    func formValues(_ form: FormData) -> [String: String] {
        var v: [String: String] = [:]
        for key in ["name", "brand", "host", "rtsp_port", "http_port", "channel", "username", "main_url", "sub_url", "snapshot_url",
                    "retention_days", "terminal_serial", "unit", "recording", "active", "leaders_live", "leaders_playback"] { v[key] = form[key] }
        // Credentials typed inside an address are never shown back.
        for key in ["main_url", "sub_url", "snapshot_url"] { v[key] = StreamURL.redacted(v[key] ?? "") }
        return v
    }

    /// For an ONVIF camera whose addresses are not known yet: asks the camera (clock, profiles,
    /// stream and snapshot URIs) and fills them in; a failure is a message under the address.
    func discovered(_ draft: CameraDraft) async throws -> CameraDraft {
        guard draft.brand == CameraBrand.onvif.rawValue, draft.mainURL.tidied.isEmpty else { return draft }
        _ = try draft.validated() // the address and ports first
        let port = Int(draft.httpPort.tidied) ?? 80
        do {
            let found = try await ONVIF.discover(host: draft.host.tidied, port: port, username: draft.username.tidied,
                                                 password: draft.password, client: .shared)
            var d = draft
            d.mainURL = found.mainURL
            d.subURL = found.subURL
            d.snapshotURL = found.snapshotURL
            return d
        } catch let failure as ONVIF.Failure {
            throw ONVIFFailed(reason: failure.description)
        }
    }

    struct ONVIFFailed: Error { let reason: String }

    func absorb(_ error: any Error, into view: inout FormView, _ context: AppRequestContext) throws {
        if let e = error as? ONVIFFailed {
            view.errors["host"] = catalogs.error("camera_onvif", context.locale) + " " + e.reason
        } else {
            try view.absorb(error, catalogs: catalogs, locale: context.locale)
        }
    }

    /// The camera a submitted form describes (discovered first for ONVIF), at a unit the principal
    /// manages cameras of, with the password to seal.
    func submitted(_ form: FormData, by p: Principal) async throws -> (Camera, password: String) {
        let d = try await discovered(draft(form))
        let camera = try d.validated()
        guard let unit = try await video.units.get(camera.unitID) else { throw ValidationErrors([FieldError("unit", "required")]) }
        guard p.allows(.manageCameras, at: unit.path) else { throw Forbidden() }
        return (camera, d.effectivePassword)
    }

    func create(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let form = try await FormData.read(request, context)
        let p = try context.signedIn()
        _ = try context.scopes(.manageCameras)
        var view = FormView(values: formValues(form))
        do {
            let (camera, password) = try await submitted(form, by: p)
            let id = try await store.create(camera, password: password, by: context.actor)
            let forLeaders = Set([CameraRight.live, .playback].filter { form["leaders_\($0.rawValue)"] == "on" })
            if !forLeaders.isEmpty {
                try await store.grant(CameraGrant(cameraID: id, userID: nil, role: .leader, rights: forLeaders), by: context.actor)
            }
            await video.changed(camera: id)
            return HTMLPage.redirect("/cameras/\(id)")
        } catch {
            try absorb(error, into: &view, context)
            return try await formPage(context, camera: nil, form: view, status: .badRequest)
        }
    }

    func editForm(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let (record, _) = try await camera(context)
        try context.require(.manageCameras, atAnyOf: [record.unitPath])
        return try await formPage(context, camera: record, form: FormView())
    }

    func update(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let form = try await FormData.read(request, context)
        let (record, _) = try await camera(context)
        let p = try context.require(.manageCameras, atAnyOf: [record.unitPath])
        var view = FormView(values: formValues(form))
        do {
            var (camera, password) = try await submitted(form, by: p)
            camera.id = record.camera.id
            camera.active = form["active"] == "on"
            try await store.update(camera, password: password, by: context.actor)
            await video.changed(camera: camera.id)
            return HTMLPage.redirect("/cameras/\(camera.id)")
        } catch {
            try absorb(error, into: &view, context)
            return try await formPage(context, camera: record, form: view, status: .badRequest)
        }
    }


    // MARK: one camera

    func show(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let (record, rights) = try await camera(context)
        let p = try context.signedIn()
        let manages = p.allows(.manageCameras, at: record.unitPath)
        let locale = context.locale
        let events = try await store.events(camera: record.camera.id, limit: 20)
        let grants = manages ? try await store.grants(camera: record.camera.id) : []
        let locks = manages ? try await store.locks(camera: record.camera.id) : []
        let accounts = manages ? try await video.accounts.list(scopes: p.scopes(for: .manageCameras)) : []
        let names = Dictionary(accounts.map { ($0.0.id, $0.0.displayName) }, uniquingKeysWith: { a, _ in a })
        let day = Day(Date(), in: CivilTime.vietnam)
        let dayStart = CivilTime.startOfDay(day)
        let timeline = Timeline(segments: try await store.segments(camera: record.camera.id, from: dayStart, to: dayStart.addingTimeInterval(86_400)),
                                within: TimeSpan(start: dayStart, end: min(Date(), dayStart.addingTimeInterval(86_400))))
        func clock(_ d: Date) -> String { Instant.clock(d) }
        // The node that records it now (several nodes: any of the site's recorder nodes).
        let holder = manages ? try await video.cluster.claims.holder("camera", slot: String(record.camera.id)) : nil
        return try video.views.page(CameraPage(
            camera: row(record, rights, locale),
            video_missing: videoMissing, ffmpeg: video.hub.ffmpegSetting,
            can_edit: manages, camera_id: record.camera.id, can_playback: rights.contains(.playback),
            events: events.map { .init(at: Instant.display($0.at), stream: $0.stream,
                                       kind: catalogs.label("camera_event", $0.kind, locale), detail: $0.detail) },
            has_events: !events.isEmpty,
            grants: grants.map { g in
                .init(id: g.id, who: g.userID.map { names[$0] ?? "#\($0)" } ?? g.role.map { catalogs.label("role", $0.rawValue, locale) } ?? "",
                      rights: g.rights.sorted { $0.rawValue < $1.rawValue }.map { catalogs.label("camera_right", $0.rawValue, locale) }.joined(separator: ", "))
            },
            locks: locks.map { .init(from: Instant.display($0.span.start), to: Instant.display($0.span.end), reason: $0.reason) },
            today: day.description,
            accounts: accounts.map { .init(value: String($0.0.id), label: "\($0.0.displayName) (\($0.0.username))", selected: false) },
            roles: Role.allCases.map { .init(value: $0.rawValue, label: catalogs.label("role", $0.rawValue, locale), selected: false) },
            spans: timeline.spans.map { .init(from: clock($0.start), to: clock($0.end)) },
            gaps: timeline.gaps.map { .init(from: clock($0.start), to: clock($0.end)) },
            has_spans: !timeline.spans.isEmpty,
            stream: record.camera.hasSubStream ? "sub" : "main",
            recorder: holder.flatMap { $0.live(at: Date()) ? $0.node : nil }), context)
    }

    func addGrant(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let form = try await FormData.read(request, context)
        let (record, _) = try await camera(context)
        try context.require(.manageCameras, atAnyOf: [record.unitPath])
        let rights = Set(CameraRight.allCases.filter { form[$0.rawValue] == "on" })
        let role = Role(rawValue: form["role"])
        let user = form.int("user")
        guard !rights.isEmpty, (role == nil) != (user == nil) else {
            throw ValidationErrors([FieldError("rights", "camera_grant_incomplete")])
        }
        // Only the accounts the form offers: those of the manager's own subtree.
        if let user, try await !video.accounts.list(scopes: try context.scopes(.manageCameras)).contains(where: { $0.0.id == user }) {
            throw ValidationErrors([FieldError("user", "camera_grant_account")])
        }
        try await store.grant(CameraGrant(cameraID: record.camera.id, userID: user, role: role, rights: rights), by: context.actor)
        return HTMLPage.redirect("/cameras/\(record.camera.id)#rights")
    }

    func deleteGrant(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        _ = try await FormData.read(request, context)
        let (record, _) = try await camera(context)
        try context.require(.manageCameras, atAnyOf: [record.unitPath])
        guard let id = context.parameters.get("grant", as: Int64.self) else { throw StoreError.notFound("camera_grant") }
        try await store.revokeGrant(id: id, camera: record.camera.id, by: context.actor)
        return HTMLPage.redirect("/cameras/\(record.camera.id)#rights")
    }

    /// Locks footage against retention (evidence of an incident): a day, a time range and a reason, audited.
    func addLock(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let form = try await FormData.read(request, context)
        let (record, _) = try await camera(context)
        try context.require(.manageCameras, atAnyOf: [record.unitPath])
        var errors = ValidationErrors()
        let from = Instant.parseLocal("\(form["day"].tidied) \(form["from"].tidied)")
        let to = Instant.parseLocal("\(form["day"].tidied) \(form["to"].tidied)")
        if from == nil { errors.add("lock_from", "date_invalid") }
        if to == nil { errors.add("lock_to", "date_invalid") }
        if let from, let to, to <= from { errors.add("lock_to", "lock_order") }
        if form["reason"].tidied.count < 3 { errors.add("lock_reason", "reason_required") }
        try errors.throwIfAny()
        try await store.lock(camera: record.camera.id, span: TimeSpan(start: from!, end: to!), reason: form["reason"].tidied, by: context.actor)
        return HTMLPage.redirect("/cameras/\(record.camera.id)#locks")
    }

    // MARK: live

    func grid(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let p = try context.signedIn()
        let live = try await store.visible(to: p).filter { $0.1.contains(.live) }
        return try video.views.page(CameraGridPage(
            video_missing: videoMissing, ffmpeg: video.hub.ffmpegSetting,
            cameras: live.map { .init(id: $0.0.camera.id, name: $0.0.camera.name, unit: $0.0.unitName,
                                      stream: $0.0.camera.hasSubStream ? "sub" : "main") },
            has_cameras: !live.isEmpty), context)
    }

    /// The socket path asked without an upgrade: the same checks, then "use a WebSocket".
    func socketWithoutUpgrade(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        _ = try await LiveSocket(video: video).watchList(request, context)
        throw HTTPError(.upgradeRequired, message: "WebSocket")
    }

    func viewsLog(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let scopes = try context.scopes(.manageCameras)
        let views = try await store.views(within: scopes)
        return try video.views.page(CameraViewsPage(
            views: views.map { .init(camera: $0.cameraName, camera_id: $0.cameraID, user: $0.userName,
                                     kind: catalogs.label("camera_view", $0.kind.rawValue, context.locale),
                                     at: Instant.display($0.startedAt), seconds: Int($0.seconds.rounded()),
                                     // Older playback rows repeated their start as `yyyy-MM-dd HH:mm`: shown as people write it.
                                     detail: Instant.parseLocal($0.detail).map { Instant.display($0) } ?? $0.detail) },
            has_views: !views.isEmpty), context)
    }
}

/// A camera as the lists and its page show it, with the health of each recorded stream.
struct CameraRow: Decodable {
    struct Stream: Decodable {
        var stream: String
        var online: Bool
        var state: String
        var codec: String
        var resolution: String
        var bitrate: String
        var keyframe: String
        var viewers: Int
        var restarts: Int
        var dropped: Int
        var warnings: [String]
        var has_warnings: Bool
        var lines: String
        var has_lines: Bool
    }
    var id: Int64
    var name: String
    var unit: String
    var brand: String
    var address: String
    var recording: Bool
    var active: Bool
    var retention: Int
    var live: Bool
    var streams: [Stream]
    var has_streams: Bool
}

struct CamerasPage: Page {
    static let template = "cameras"
    struct Alert: Decodable { var kind: String; var detail: String; var at: String }
    var video_missing: Bool
    var ffmpeg: String
    var recorders_off: Bool
    var can_manage: Bool
    var cameras: [CameraRow]
    var has_cameras: Bool
    var any_live: Bool
    var alerts: [Alert]
    var has_alerts: Bool
}

struct CameraFormPage: Page {
    static let template = "camera_form"
    struct Camera: Decodable { var id: Int64; var name: String; var has_password: Bool }
    var form: FormView
    var camera: Camera?
    var editing: Bool
    var units: [Option]
    var brands: [Option]
}

/// One camera: live picture, today's recordings, and for its managers health, rights and locks.
/// The template reads the camera's own values inside `{{#camera}}`.
struct CameraPage: Page {
    static let template = "camera"
    struct Event: Decodable { var at: String; var stream: String; var kind: String; var detail: String }
    struct Grant: Decodable { var id: Int64; var who: String; var rights: String }
    struct Lock: Decodable { var from: String; var to: String; var reason: String }
    struct Span: Decodable { var from: String; var to: String }
    var camera: CameraRow
    var video_missing: Bool
    var ffmpeg: String
    var can_edit: Bool
    var camera_id: Int64
    var can_playback: Bool
    var events: [Event]
    var has_events: Bool
    var grants: [Grant]
    var locks: [Lock]
    var today: String
    var accounts: [Option]
    var roles: [Option]
    var spans: [Span]
    var gaps: [Span]
    var has_spans: Bool
    var stream: String
    /// The node holding the camera's lease; nil when no recorder node does.
    var recorder: String?
}

struct CameraGridPage: Page {
    static let template = "camera_grid"
    struct Camera: Decodable { var id: Int64; var name: String; var unit: String; var stream: String }
    var video_missing: Bool
    var ffmpeg: String
    var cameras: [Camera]
    var has_cameras: Bool
}

/// Who watched which camera, live or played back.
struct CameraViewsPage: Page {
    static let template = "camera_views"
    struct View: Decodable {
        var camera: String
        var camera_id: Int64
        var user: String
        var kind: String
        var at: String
        var seconds: Int
        var detail: String
    }
    var views: [View]
    var has_views: Bool
}
