import CongvuDomain
import Foundation
import SQLKit

/// A camera as listed: with its unit's name and path (for scoping) and whether a password is sealed.
public struct CameraRecord: Sendable, Equatable {
    public var camera: Camera
    public var unitName: String
    public var unitPath: String
    public var hasPassword: Bool
}

/// One viewing or export, as the office reads the log.
public struct CameraView: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable { case live, playback, export, snapshot }
    public var cameraID: Int64
    public var cameraName: String
    public var userID: Int64?
    public var userName: String
    public var kind: Kind
    public var startedAt: Date
    public var seconds: Double
    public var detail: String
}

public struct CameraEvent: Sendable, Equatable {
    public var stream: String
    public var kind: String
    public var at: Date
    public var detail: String
}

/// Cameras and everything recorded about them: settings (password sealed with the SecretBox,
/// audited), the segment index, recorder events, locks, grants, the viewing log and alerts.
public struct CameraStore: Sendable {
    let database: Database
    let secrets: SecretBox

    public init(database: Database, secrets: SecretBox) {
        self.database = database
        self.secrets = secrets
    }

    // MARK: cameras

    public func create(_ camera: Camera, password: String, by actor: Actor) async throws -> Int64 {
        let sealed = password.isEmpty ? "" : try secrets.seal(password)
        let kind = database.kind
        let now = Instant.now()
        return try await database.write { sql in
            guard try await sql.select().column("id").from("units").where("id", .equal, camera.unitID).first() != nil else {
                throw StoreError.notFound("unit")
            }
            let id = try await sql.insert(into: "cameras")
                .columns("unit_id", "name", "brand", "host", "rtsp_port", "http_port", "channel", "username", "password_sealed",
                         "main_url", "sub_url", "snapshot_url", "recording", "retention_days", "terminal_serial", "active",
                         "created_at", "updated_at")
                .values(SQLBind(camera.unitID), SQLBind(camera.name), SQLBind(camera.brand.rawValue), SQLBind(camera.host),
                        SQLBind(camera.rtspPort), SQLBind(camera.httpPort), SQLBind(camera.channel), SQLBind(camera.username),
                        SQLBind(sealed), SQLBind(camera.mainURL), SQLBind(camera.subURL), SQLBind(camera.snapshotURL),
                        SQLBind(camera.recording), SQLBind(camera.retentionDays), SQLBind(camera.terminalSerial),
                        SQLBind(camera.active), SQLBind(now), SQLBind(now))
                .returning("id").first()!.decode(column: "id", as: Int64.self)
            try await AuditLog.append(.init(action: .create, objectType: "camera", objectID: String(id),
                                            after: Self.auditText(camera, passwordChanged: !password.isEmpty)),
                                      by: actor, in: sql, kind: kind)
            return id
        }
    }

    /// Changes a camera's settings; an empty password keeps the sealed one.
    public func update(_ camera: Camera, password: String, by actor: Actor) async throws {
        let sealed = password.isEmpty ? nil : try secrets.seal(password)
        let kind = database.kind
        try await database.write { sql in
            guard let before = try await Self.load(camera.id, in: sql) else { throw StoreError.notFound("camera") }
            var update = sql.update("cameras").set("unit_id", to: camera.unitID).set("name", to: camera.name)
                .set("brand", to: camera.brand.rawValue).set("host", to: camera.host).set("rtsp_port", to: camera.rtspPort)
                .set("http_port", to: camera.httpPort).set("channel", to: camera.channel).set("username", to: camera.username)
                .set("main_url", to: camera.mainURL).set("sub_url", to: camera.subURL).set("snapshot_url", to: camera.snapshotURL)
                .set("recording", to: camera.recording).set("retention_days", to: camera.retentionDays)
                .set("terminal_serial", to: camera.terminalSerial).set("active", to: camera.active)
                .set("updated_at", to: Instant.now())
            if let sealed { update = update.set("password_sealed", to: sealed) }
            try await update.where("id", .equal, camera.id).run()
            try await AuditLog.append(.init(action: .update, objectType: "camera", objectID: String(camera.id),
                                            before: Self.auditText(before.camera, passwordChanged: false),
                                            after: Self.auditText(camera, passwordChanged: sealed != nil)),
                                      by: actor, in: sql, kind: kind)
        }
    }

    static func auditText(_ c: Camera, passwordChanged: Bool) -> String {
        var fields = ["name": c.name, "unit_id": String(c.unitID), "brand": c.brand.rawValue, "host": c.host,
                      "main_url": c.mainURL, "sub_url": c.subURL, "username": c.username, "recording": String(c.recording),
                      "retention_days": String(c.retentionDays), "active": String(c.active),
                      "terminal_serial": c.terminalSerial ?? ""]
        if passwordChanged { fields["password"] = "(changed)" }
        return AuditJSON.encode(fields)
    }

    public func camera(_ id: Int64) async throws -> CameraRecord? {
        try await database.read { sql in try await Self.load(id, in: sql) }
    }

    static func load(_ id: Int64, in sql: any SQLDatabase) async throws -> CameraRecord? {
        try await listQuery(sql).where(col("c.id"), .equal, SQLBind(id)).first().map(record)
    }

    /// Cameras at units within `scopes` (nil: every camera, for the recorders).
    public func cameras(within scopes: [String]?) async throws -> [CameraRecord] {
        try await database.read { sql in
            var q = Self.listQuery(sql)
            if let scopes { q = q.within(scopes: scopes, column: col("u.path")) }
            return try await q.orderBy(col("u.path")).orderBy(col("c.name")).all().map(Self.record)
        }
    }

    /// The camera linked to an entrance terminal, if any.
    public func camera(forTerminal serial: String) async throws -> CameraRecord? {
        try await database.read { sql in
            try await Self.listQuery(sql).where(col("c.terminal_serial"), .equal, SQLBind(serial)).where(col("c.active"), .equal, SQLBind(true))
                .first().map(Self.record)
        }
    }

    static func listQuery(_ sql: any SQLDatabase) -> SQLSelectBuilder {
        sql.select().column(SQLColumn(SQLLiteral.all, table: SQLIdentifier("c")))
            .column(col("u.name"), as: "unit_name").column(col("u.path"), as: "unit_path")
            .from(SQLAlias(SQLIdentifier("cameras"), as: SQLIdentifier("c")))
            .join(SQLAlias(SQLIdentifier("units"), as: SQLIdentifier("u")), on: SQLRaw("u.id = c.unit_id"))
    }

    static func record(_ row: any SQLRow) throws -> CameraRecord {
        let camera = Camera(
            id: try row.decode(column: "id", as: Int64.self), unitID: try row.decode(column: "unit_id", as: Int64.self),
            name: try row.decode(column: "name", as: String.self),
            brand: CameraBrand(rawValue: try row.decode(column: "brand", as: String.self)) ?? .rtsp,
            host: try row.decode(column: "host", as: String.self), rtspPort: try row.decode(column: "rtsp_port", as: Int.self),
            httpPort: try row.decode(column: "http_port", as: Int.self), channel: try row.decode(column: "channel", as: Int.self),
            username: try row.decode(column: "username", as: String.self), mainURL: try row.decode(column: "main_url", as: String.self),
            subURL: try row.decode(column: "sub_url", as: String.self), snapshotURL: try row.decode(column: "snapshot_url", as: String.self),
            recording: try row.decode(column: "recording", as: Bool.self), retentionDays: try row.decode(column: "retention_days", as: Int.self),
            terminalSerial: try row.optional("terminal_serial", as: String.self), active: try row.decode(column: "active", as: Bool.self))
        return CameraRecord(camera: camera, unitName: try row.decode(column: "unit_name", as: String.self),
                            unitPath: try row.decode(column: "unit_path", as: String.self),
                            hasPassword: !(try row.decode(column: "password_sealed", as: String.self)).isEmpty)
    }

    /// The sealed password opened, for the recorder and the snapshot fetch only.
    public func password(of id: Int64) async throws -> String {
        let sealed = try await database.read { sql in
            try await sql.select().column("password_sealed").from("cameras").where("id", .equal, id).first()?
                .decode(column: "password_sealed", as: String.self)
        }
        guard let sealed else { throw StoreError.notFound("camera") }
        return sealed.isEmpty ? "" : try secrets.open(sealed)
    }

    // MARK: segments

    public func addSegment(_ s: RecordedSegment) async throws {
        try await database.write { sql in
            try await sql.insert(into: "camera_segments").columns("camera_id", "start_at", "end_at", "bytes", "path", "node")
                .values(SQLBind(s.cameraID), SQLBind(Instant.format(s.start)), SQLBind(Instant.format(s.end)), SQLBind(s.bytes), SQLBind(s.path),
                        SQLBind(s.node))
                .ignoringConflicts(with: "path").run()
        }
    }

    /// Segments of a camera that overlap [from, to), in order.
    public func segments(camera: Int64, from: Date, to: Date) async throws -> [RecordedSegment] {
        try await database.read { sql in
            // A segment is at most a few minutes long: starting up to an hour before `from` is enough to overlap it.
            try await sql.select().columns(Self.segmentColumns).from("camera_segments")
                .where("camera_id", .equal, camera)
                .where("start_at", .greaterThanOrEqual, Instant.format(from.addingTimeInterval(-3600)))
                .where("start_at", .lessThan, Instant.format(to))
                .where("end_at", .greaterThan, Instant.format(from))
                .orderBy("start_at").all().map(Self.segment)
        }
    }

    static let segmentColumns = ["id", "camera_id", "start_at", "end_at", "bytes", "path", "node"]

    static func segment(_ row: any SQLRow) throws -> RecordedSegment {
        RecordedSegment(id: try row.decode(column: "id", as: Int64.self), cameraID: try row.decode(column: "camera_id", as: Int64.self),
                        start: try row.instant("start_at"), end: try row.instant("end_at"), bytes: try row.decode(column: "bytes", as: Int64.self),
                        path: try row.decode(column: "path", as: String.self), node: try row.decode(column: "node", as: String.self))
    }

    /// Candidates for retention: every segment that ended before `before`, plus the `oldest` oldest of
    /// all, among those on `node`'s disk (and those of before nodes were named): each recorder node
    /// deletes its own files and their index rows, never another node's.
    public func retentionCandidates(endedBefore before: Date, oldest: Int, node: String = "") async throws -> [RecordedSegment] {
        try await database.read { sql in
            var byID: [Int64: RecordedSegment] = [:]
            let cols = Self.segmentColumns, nodes = Array(Set(["", node]))
            for row in try await sql.select().columns(cols).from("camera_segments").where("end_at", .lessThan, Instant.format(before))
                .where("node", .in, nodes).all() {
                let s = try Self.segment(row); byID[s.id] = s
            }
            for row in try await sql.select().columns(cols).from("camera_segments").where("node", .in, nodes).orderBy("start_at").limit(oldest).all() {
                let s = try Self.segment(row); byID[s.id] = s
            }
            return byID.values.sorted { ($0.start, $0.id) < ($1.start, $1.id) }
        }
    }

    /// Newest segment end per camera (the index's live edge).
    public func lastSegmentEnd(camera: Int64) async throws -> Date? {
        try await database.read { sql in
            try await sql.select().column("end_at").from("camera_segments").where("camera_id", .equal, camera)
                .orderBy("start_at", .descending).limit(1).first()?.instant("end_at")
        }
    }

    /// Removes segments from the index; returns their paths for the caller to delete.
    public func removeSegments(_ ids: [Int64]) async throws -> [String] {
        guard !ids.isEmpty else { return [] }
        return try await database.write { sql in
            var paths: [String] = []
            for chunk in stride(from: 0, to: ids.count, by: 500) {
                let part = Array(ids[chunk..<min(chunk + 500, ids.count)])
                paths += try await sql.select().column("path").from("camera_segments").where("id", .in, SQLBind.group(part)).all()
                    .map { try $0.decode(column: "path", as: String.self) }
                try await sql.delete(from: "camera_segments").where("id", .in, SQLBind.group(part)).run()
            }
            return paths
        }
    }

    // MARK: protection

    /// Locks footage against retention, audited.
    public func lock(camera: Int64, span: TimeSpan, reason: String, by actor: Actor) async throws {
        let kind = database.kind
        try await database.write { sql in
            try await sql.insert(into: "camera_locks").columns("camera_id", "start_at", "end_at", "reason", "locked_by", "locked_at")
                .values(SQLBind(camera), SQLBind(Instant.format(span.start)), SQLBind(Instant.format(span.end)), SQLBind(reason),
                        SQLBind(actor.id), SQLBind(Instant.now())).run()
            try await AuditLog.append(.init(action: .create, objectType: "camera_lock", objectID: String(camera),
                                            after: AuditJSON.encode(["from": Instant.format(span.start), "to": Instant.format(span.end)]),
                                            reason: reason), by: actor, in: sql, kind: kind)
        }
    }

    public struct Lock: Sendable, Equatable {
        public var span: TimeSpan
        public var reason: String
        public var lockedAt: Date
    }

    /// The camera's locked spans, newest first.
    public func locks(camera: Int64, limit: Int = 50) async throws -> [Lock] {
        try await database.read { sql in
            try await sql.select().columns("start_at", "end_at", "reason", "locked_at").from("camera_locks").where("camera_id", .equal, camera)
                .orderBy("id", .descending).limit(limit).all().map {
                    Lock(span: TimeSpan(start: try $0.instant("start_at"), end: try $0.instant("end_at")),
                         reason: try $0.decode(column: "reason", as: String.self), lockedAt: try $0.instant("locked_at"))
                }
        }
    }

    /// Locked spans, and the moments around punches at each camera's linked entrance terminal
    /// (`margin` either side), that overlap [from, to).
    public func protectedSpans(from: Date, to: Date, margin: TimeInterval = 60) async throws -> [ProtectedSpan] {
        try await database.read { sql in
            var out: [ProtectedSpan] = []
            for row in try await sql.select().columns("camera_id", "start_at", "end_at").from("camera_locks")
                .where("end_at", .greaterThan, Instant.format(from)).where("start_at", .lessThan, Instant.format(to)).all() {
                out.append(ProtectedSpan(cameraID: try row.decode(column: "camera_id", as: Int64.self),
                                         span: TimeSpan(start: try row.instant("start_at"), end: try row.instant("end_at")), reason: .locked))
            }
            let punches = try await sql.select().column(col("c.id"), as: "camera_id").column(col("p.at"))
                .from(SQLAlias(SQLIdentifier("cameras"), as: SQLIdentifier("c")))
                .join(SQLAlias(SQLIdentifier("punches"), as: SQLIdentifier("p")), on: SQLRaw("p.device = 'terminal:' || c.terminal_serial"))
                .where(col("p.at"), .greaterThanOrEqual, SQLBind(Instant.format(from - margin)))
                .where(col("p.at"), .lessThan, SQLBind(Instant.format(to + margin)))
                .orderBy(col("p.at")).all()
            for row in punches {
                let at = try row.instant("at")
                out.append(ProtectedSpan(cameraID: try row.decode(column: "camera_id", as: Int64.self),
                                         span: TimeSpan(start: at - margin, end: at + margin), reason: .attendance))
            }
            return out
        }
    }

    // MARK: events and alerts

    public func recordEvent(camera: Int64, stream: CameraStream, kind: String, detail: String, at: Date = Date()) async throws {
        try await database.write { sql in
            try await sql.insert(into: "camera_events").columns("camera_id", "stream", "kind", "occurred_at", "detail")
                .values(SQLBind(camera), SQLBind(stream.rawValue), SQLBind(kind), SQLBind(Instant.format(at)), SQLBind(String(detail.prefix(4000))))
                .run()
        }
    }

    public func events(camera: Int64, limit: Int = 50) async throws -> [CameraEvent] {
        try await database.read { sql in
            try await sql.select().columns("stream", "kind", "occurred_at", "detail").from("camera_events").where("camera_id", .equal, camera)
                .orderBy("id", .descending).limit(limit).all().map {
                    CameraEvent(stream: try $0.decode(column: "stream", as: String.self), kind: try $0.decode(column: "kind", as: String.self),
                                at: try $0.instant("occurred_at"), detail: try $0.decode(column: "detail", as: String.self))
                }
        }
    }

    /// Raises an alert once per `dedupe` key; true when new.
    @discardableResult
    public func raiseAlert(camera: Int64?, kind: String, detail: String, dedupe: String, at now: Date = Date()) async throws -> Bool {
        try await database.write { sql in
            let raised = try await sql.insert(into: "camera_alerts").columns("camera_id", "kind", "detail", "dedupe", "raised_at")
                .values(SQLBind(camera), SQLBind(kind), SQLBind(detail), SQLBind(dedupe), SQLBind(Instant.format(now)))
                .ignoringConflicts(with: "dedupe").returning("id").first()
            // No picture, or a frozen one: the office that manages the camera hears of it at once.
            if let raised, let camera, Self.offlineKinds.contains(kind),
               let c = try await sql.raw("SELECT c.name, c.unit_id, u.path FROM cameras c JOIN units u ON u.id = c.unit_id WHERE c.id = \(bind: camera)").first() {
                let people = try await NotificationStore.nearest([.unitAdmin], over: [try c.decode(column: "path", as: String.self)], in: sql)
                try await NotificationStore.raise(
                    NotificationDraft(key: NotificationKey(.cameraOffline, recordType: "camera_alert", recordID: try raised.decode(column: "id", as: Int64.self)),
                                      unitID: try c.decode(column: "unit_id", as: Int64.self),
                                      params: ["subject": try c.decode(column: "name", as: String.self)], link: "/cameras/\(camera)"),
                    toPeople: people, at: now, in: sql)
            }
            return raised != nil
        }
    }

    /// Closes a camera's open alerts of `kind` (the condition is over: a recorder holds it again);
    /// returns how many.
    @discardableResult
    public func resolveAlerts(camera: Int64, kind: String, at now: Date = Date()) async throws -> Int {
        try await database.write { sql in
            let open = try await sql.select().column("id").from("camera_alerts").where("camera_id", .equal, camera).where("kind", .equal, kind)
                .where("resolved_at", .is, SQLLiteral.null).all()
            guard !open.isEmpty else { return 0 }
            try await sql.update("camera_alerts").set("resolved_at", to: Instant.format(now)).where("camera_id", .equal, camera)
                .where("kind", .equal, kind).where("resolved_at", .is, SQLLiteral.null).run()
            return open.count
        }
    }

    /// Alerts that mean the camera shows nothing live.
    static let offlineKinds: Set<String> = ["offline", "stalled"]

    public struct Alert: Sendable, Equatable {
        public var cameraID: Int64?
        /// The camera's name, for the lists that show the alert (nil for the disk's alerts).
        public var cameraName: String?
        public var kind: String
        public var detail: String
        public var raisedAt: Date
    }

    /// Every open alert (for the server's own jobs and tests).
    public func openAlerts() async throws -> [Alert] { try await openAlerts(within: [""], serverWide: true) }

    /// Open alerts of the cameras in the scopes; alerts of no camera (the recordings' disk) only
    /// with `serverWide` (whoever runs the server). A manager sees their own units' alerts only.
    public func openAlerts(within scopes: [String], serverWide: Bool) async throws -> [Alert] {
        try await database.read { sql in
            try await sql.select().column(col("a.camera_id")).column(col("c.name"), as: "camera_name").column(col("a.kind"))
                .column(col("a.detail")).column(col("a.raised_at"))
                .from(SQLAlias(SQLIdentifier("camera_alerts"), as: SQLIdentifier("a")))
                .join(SQLAlias(SQLIdentifier("cameras"), as: SQLIdentifier("c")), method: SQLJoinMethod.left, on: SQLRaw("c.id = a.camera_id"))
                .join(SQLAlias(SQLIdentifier("units"), as: SQLIdentifier("u")), method: SQLJoinMethod.left, on: SQLRaw("u.id = c.unit_id"))
                .where(col("a.resolved_at"), .is, SQLLiteral.null)
                .where { g in
                    g.where { $0.within(scopes: scopes, column: col("u.path")) }
                    if serverWide { g.orWhere(col("a.camera_id"), .is, SQLLiteral.null) }
                    return g
                }
                .orderBy(col("a.id"), SQLDirection.descending).limit(100).all().map {
                    Alert(cameraID: try $0.optional("camera_id", as: Int64.self), cameraName: try $0.optional("camera_name", as: String.self),
                          kind: try $0.decode(column: "kind", as: String.self), detail: try $0.decode(column: "detail", as: String.self),
                          raisedAt: try $0.instant("raised_at"))
                }
        }
    }

    // MARK: rights

    public func grant(_ grant: CameraGrant, by actor: Actor) async throws {
        let kind = database.kind
        try await database.write { sql in
            try await sql.insert(into: "camera_grants").columns("camera_id", "user_id", "role", "rights", "granted_by", "granted_at")
                .values(SQLBind(grant.cameraID), SQLBind(grant.userID), SQLBind(grant.role?.rawValue), SQLBind(grant.rightsText),
                        SQLBind(actor.id), SQLBind(Instant.now())).run()
            try await AuditLog.append(.init(action: .create, objectType: "camera_grant", objectID: String(grant.cameraID),
                                            after: AuditJSON.encode(["user_id": grant.userID.map(String.init) ?? "", "role": grant.role?.rawValue ?? "",
                                                                     "rights": grant.rightsText])), by: actor, in: sql, kind: kind)
        }
    }

    public func revokeGrant(id: Int64, camera: Int64, by actor: Actor) async throws {
        let kind = database.kind
        try await database.write { sql in
            guard try await sql.select().column("id").from("camera_grants").where("id", .equal, id).where("camera_id", .equal, camera).first() != nil else {
                throw StoreError.notFound("camera_grant")
            }
            try await sql.delete(from: "camera_grants").where("id", .equal, id).run()
            try await AuditLog.append(.init(action: .delete, objectType: "camera_grant", objectID: String(camera), before: String(id)),
                                      by: actor, in: sql, kind: kind)
        }
    }

    public func grants(camera: Int64) async throws -> [CameraGrant] {
        try await grants { $0.where("camera_id", .equal, camera) }
    }

    private func grants(_ filter: @escaping @Sendable (SQLSelectBuilder) -> SQLSelectBuilder = { $0 }) async throws -> [CameraGrant] {
        try await database.read { sql in
            try await filter(sql.select().columns("id", "camera_id", "user_id", "role", "rights").from("camera_grants"))
                .orderBy("id").all().map {
                    CameraGrant(id: try $0.decode(column: "id", as: Int64.self), cameraID: try $0.decode(column: "camera_id", as: Int64.self),
                                userID: try $0.optional("user_id", as: Int64.self),
                                role: try $0.optional("role", as: String.self).flatMap(Role.init(rawValue:)),
                                rights: CameraGrant.rights(from: try $0.decode(column: "rights", as: String.self)))
                }
        }
    }

    /// What `principal` may do with the camera (nil when the camera does not exist).
    public func rights(of principal: Principal, camera: Int64) async throws -> (CameraRecord, Set<CameraRight>)? {
        guard let record = try await self.camera(camera) else { return nil }
        let grants = try await grants(camera: camera)
        return (record, CameraAccess.rights(of: principal, cameraUnitPath: record.unitPath, grants: grants))
    }

    /// Every camera `principal` has some right on, with those rights: two queries however many cameras there are.
    public func visible(to principal: Principal) async throws -> [(CameraRecord, Set<CameraRight>)] {
        let records = try await cameras(within: nil)
        let grants = Dictionary(grouping: try await grants(), by: \.cameraID)
        return records.compactMap { record in
            let rights = CameraAccess.rights(of: principal, cameraUnitPath: record.unitPath, grants: grants[record.camera.id] ?? [])
            return rights.isEmpty ? nil : (record, rights)
        }
    }

    // MARK: viewing log

    public func logView(camera: Int64, user: Actor, kind: CameraView.Kind, startedAt: Date, seconds: Double, detail: String = "") async throws {
        try await database.write { sql in
            try await sql.insert(into: "camera_views").columns("camera_id", "user_id", "user_name", "kind", "started_at", "seconds", "detail")
                .values(SQLBind(camera), SQLBind(user.id), SQLBind(user.name), SQLBind(kind.rawValue), SQLBind(Instant.format(startedAt)),
                        SQLBind(seconds), SQLBind(detail)).run()
        }
    }

    /// The latest viewings of cameras within `scopes`.
    public func views(within scopes: [String], limit: Int = 200) async throws -> [CameraView] {
        try await database.read { sql in
            try await sql.select().column(col("v.camera_id")).column(col("c.name"), as: "camera_name").column(col("v.user_id"))
                .column(col("v.user_name")).column(col("v.kind")).column(col("v.started_at")).column(col("v.seconds")).column(col("v.detail"))
                .from(SQLAlias(SQLIdentifier("camera_views"), as: SQLIdentifier("v")))
                .join(SQLAlias(SQLIdentifier("cameras"), as: SQLIdentifier("c")), on: SQLRaw("c.id = v.camera_id"))
                .join(SQLAlias(SQLIdentifier("units"), as: SQLIdentifier("u")), on: SQLRaw("u.id = c.unit_id"))
                .within(scopes: scopes, column: col("u.path"))
                .orderBy(col("v.id"), SQLDirection.descending).limit(limit).all().map {
                    CameraView(cameraID: try $0.decode(column: "camera_id", as: Int64.self), cameraName: try $0.decode(column: "camera_name", as: String.self),
                               userID: try $0.optional("user_id", as: Int64.self), userName: try $0.decode(column: "user_name", as: String.self),
                               kind: CameraView.Kind(rawValue: try $0.decode(column: "kind", as: String.self)) ?? .live,
                               startedAt: try $0.instant("started_at"), seconds: try $0.decode(column: "seconds", as: Double.self),
                               detail: try $0.decode(column: "detail", as: String.self))
                }
        }
    }

    // MARK: snapshots at punches

    @discardableResult
    public func linkSnapshot(punchKey: String, camera: Int64, sha: String, takenAt: Date) async throws -> Bool {
        try await database.write { sql in
            try await sql.insert(into: "punch_snapshots").columns("punch_key", "camera_id", "sha256", "taken_at")
                .values(SQLBind(punchKey), SQLBind(camera), SQLBind(sha), SQLBind(Instant.format(takenAt)))
                .ignoringConflicts(with: "punch_key").returning("punch_key").first() != nil
        }
    }

    /// Which of these punch keys have a snapshot, and from which camera.
    public func snapshots(punchKeys keys: [String]) async throws -> [String: Int64] {
        guard !keys.isEmpty else { return [:] }
        return try await database.read { sql in
            var out: [String: Int64] = [:]
            for row in try await sql.select().columns("punch_key", "camera_id").from("punch_snapshots").where("punch_key", .in, SQLBind.group(keys)).all() {
                out[try row.decode(column: "punch_key", as: String.self)] = try row.decode(column: "camera_id", as: Int64.self)
            }
            return out
        }
    }

    /// Forgets snapshots taken before `cutoff`; returns the hashes no longer linked (their files can go).
    public func pruneSnapshots(takenBefore cutoff: Date) async throws -> [String] {
        let at = Instant.format(cutoff)
        return try await database.write { sql in
            let old = Set(try await sql.select().column("sha256").from("punch_snapshots").where("taken_at", .lessThan, at).all()
                .map { try $0.decode(column: "sha256", as: String.self) })
            guard !old.isEmpty else { return [] }
            try await sql.delete(from: "punch_snapshots").where("taken_at", .lessThan, at).run()
            let still = Set(try await sql.select().column("sha256").from("punch_snapshots").where("sha256", .in, SQLBind.group(Array(old))).all()
                .map { try $0.decode(column: "sha256", as: String.self) })
            return old.subtracting(still).sorted()
        }
    }

    public func snapshot(punchKey: String) async throws -> (camera: Int64, sha: String)? {
        try await database.read { sql in
            try await sql.select().columns("camera_id", "sha256").from("punch_snapshots").where("punch_key", .equal, punchKey).first().map {
                (try $0.decode(column: "camera_id", as: Int64.self), try $0.decode(column: "sha256", as: String.self))
            }
        }
    }
}
