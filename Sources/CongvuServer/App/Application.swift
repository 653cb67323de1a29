import CongvuDomain
import CongvuStore
import Foundation
import Hummingbird
import HummingbirdWebSocket
import Logging
import Metrics
import Prometheus
import ServiceLifecycle
import Synchronization
import UnixSignals

/// The one place the server is assembled, used by `congvu serve` and by the tests.
public func buildApplication(config: AppConfig, logger: Logger) async throws -> CongvuServer<some ApplicationProtocol> {
    let services = try await AppServices.open(config: config, logger: logger)
    if let problem = config.publicURLProblem {
        logger.warning("public_url does not reach this server from citizens' phones: the QR codes printed on receipts will not open",
                       metadata: ["public_url": "\(config.publicURL)", "problem": "\(problem.rawValue)", "listening": "\(config.hostname):\(config.port)",
                                  "fix": "set public_url (config file) or CONGVU_PUBLIC_URL to the address citizens use"])
    }
    if config.demo, try await services.units.count() == 0 {
        logger.info("empty database: loading the demo")
        let accounts = try await services.loadDemo()
        for a in accounts {
            logger.info("demo account", metadata: ["user": "\(a.username)", "password": "\(a.password)", "role": "\(a.role.rawValue)", "unit": "\(a.unit)"])
        }
    }
    let router = buildRouter(services)
    var background: [any Service] = [DatabaseService(database: services.database),
                                     ClusterService(cluster: services.cluster, database: services.database, logger: logger),
                                     NightlyService(jobs: [TerminalHousekeeping(services: services).nightly, services.tasks.nightly,
                                                           services.cluster.prune], cluster: services.cluster, logger: logger),
                                     AuditCheckpointService(services: services, logger: logger),
                                     RecurringService(jobs: [services.imports.jobs.watch(services.cluster)]
                                                          + (config.cameras ? [services.video.unrecordedWatch()] : []),
                                                      cluster: services.cluster, interval: 30, logger: logger)]
    if config.cameras && config.nodeRoles.contains("recorder") { background.append(VideoService(hub: services.video.hub, logger: logger)) }
    if config.notifications {
        background.append(DeliveryWorker(services: services.notifications, logger: logger, lease: config.notificationLease))
        background.append(DigestService(services: services, logger: logger))
        background.append(NightlyService(jobs: [services.tasks.morning, services.oneStop.morning, services.schedules.morning, services.feedback.morning],
                                         cluster: services.cluster, logger: logger, after: 7.5 * 3600))
        background.append(RecurringService(jobs: [TerminalHousekeeping(services: services).watch], cluster: services.cluster, interval: 60, logger: logger))
        if let bot = services.notifications.telegram { background.append(TelegramLinkService(services: services.notifications, bot: bot, logger: logger)) }
    }
    let app = Application(
        router: router,
        server: .http1WebSocketUpgrade(webSocketRouter: buildWebSocketRouter(services)),
        configuration: .init(address: .hostname(config.hostname, port: config.port), serverName: "Congvu"),
        services: background,
        logger: logger
    )
    return CongvuServer(app: app, events: services.attendance.events, logger: logger)
}

/// The application and what must stop before it: the live boards' event streams never end by
/// themselves, and a server shutting down waits for open requests, so they are closed first.
public struct CongvuServer<App: ApplicationProtocol>: Sendable {
    let app: App
    let events: AttendanceEvents
    let logger: Logger

    /// Runs until SIGTERM or SIGINT, then shuts down gracefully.
    public func run() async throws {
        let group = ServiceGroup(configuration: .init(services: [app, EventStreamsService(events: events)],
                                                      gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}

/// Ends every open event stream when shutdown begins (services stop in reverse order: this one first).
struct EventStreamsService: Service {
    let events: AttendanceEvents

    func run() async throws {
        try? await gracefulShutdown()
        events.close()
    }
}

/// Every route of the server, with its middleware.
public func buildRouter(_ services: AppServices) -> Router<AppRequestContext> {
    MetricsRegistry.bootstrapOnce()
    let router = Router(context: AppRequestContext.self)
    router.add(middleware: MetricsMiddleware())
    router.add(middleware: LogRequestsMiddleware(.debug))
    router.add(middleware: SecurityHeadersMiddleware(strictTransport: services.config.servedOverHTTPS))
    router.add(middleware: ClientAddressMiddleware(trusted: services.config.trustedProxies))
    router.add(middleware: SessionMiddleware(accounts: services.accounts))
    router.add(middleware: ErrorMiddleware(views: services.views))
    router.add(middleware: FileMiddleware(Resources.path("public"), urlBasePath: "/static", searchForIndexHtml: false))

    OpsController(services: services).addRoutes(to: router)
    AuthController(services: services).addRoutes(to: router)
    KioskController(attendance: services.attendance).addDeviceRoutes(to: router)
    TerminalController(services: services).addRoutes(to: router)
    HikvisionController(services: services).addRoutes(to: router)
    BoardController(attendance: services.attendance).addPublicRoutes(to: router)
    TrackingController(oneStop: services.oneStop).addRoutes(to: router)
    NotificationsController.addPublicRoutes(to: router)
    ZaloWebhookController(services: services.notifications).addRoutes(to: router)
    RatingController(oneStop: services.oneStop).addRoutes(to: router)
    PublicScheduleController(schedules: services.schedules).addRoutes(to: router)
    CounterNoticesController(schedules: services.schedules).addPublicRoutes(to: router)
    PublicFeedbackController(feedback: services.feedback).addRoutes(to: router)
    Open311Controller(feedback: services.feedback).addRoutes(to: router)
    SurveyController(feedback: services.feedback).addRoutes(to: router)
    // One node's requests to another (live pictures and recordings relayed): the cluster credential only.
    VideoInternalController(video: services.video)
        .addRoutes(to: router.group("internal").add(middleware: ClusterOnlyMiddleware(credential: services.cluster.credential)))
    let front = PublicController(oneStop: services.oneStop), home = HomeController(services: services)
    front.addRoutes(to: router)
    // `/`: the citizens' front door, or the signed-in person's own home.
    router.get("/") { request, context -> Response in
        guard context.principal != nil, let session = context.session else { return try await front.home(request, context) }
        if session.secondFactorPending { return HTMLPage.redirect("/login/2fa") }
        return try await home.home(request, context)
    }
    let pages = router.group().add(middleware: RequireSignIn())
    UnitsController(services: services).addRoutes(to: pages.group("units"))
    PeopleController(services: services).addRoutes(to: pages.group("people"))
    ImportController(imports: services.imports).addRoutes(to: pages.group("import"))
    AuditController(services: services).addRoutes(to: pages.group("audit"))
    NotificationsController(services: services.notifications).addRoutes(to: pages)
    NotificationLogController(services: services.notifications).addRoutes(to: pages)
    AccountController(services: services).addRoutes(to: pages.group("account"))
    UsersController(services: services).addRoutes(to: pages.group("admin/users"))
    NodesController(services: services).addRoutes(to: pages.group("admin/nodes"))
    CalendarController(services: services).addRoutes(to: pages.group("calendar"))
    TasksController(tasks: services.tasks).addRoutes(to: pages.group("tasks"))
    DutyBookController(tasks: services.tasks).addRoutes(to: pages.group("tasks"))
    DutiesController(tasks: services.tasks).addRoutes(to: pages.group("tasks"))
    CoverageController(inspections: services.inspections).addRoutes(to: pages.group("inspections"))
    ChecklistController(inspections: services.inspections).addRoutes(to: pages.group("inspections"))
    SchedulesController(schedules: services.schedules).addRoutes(to: pages.group("schedules"))
    MeetingPackController(services: services).addRoutes(to: pages.group("schedules"))
    MeetingController(schedules: services.schedules).addRoutes(to: pages.group("schedules"))
    ReceptionController(schedules: services.schedules).addRoutes(to: pages.group("reception"))
    CounterNoticesController(schedules: services.schedules).addRoutes(to: pages.group("counters/notices"))
    FeedbackCategoriesController(feedback: services.feedback).addRoutes(to: pages.group("feedback"))
    FeedbackController(feedback: services.feedback).addRoutes(to: pages.group("feedback"))
    SurveyResultsController(feedback: services.feedback).addRoutes(to: pages.group("surveys"))
    ReformController(reform: services.reform).addRoutes(to: pages.group("reform"))
    InspectionsController(inspections: services.inspections).addRoutes(to: pages.group("inspections"))
    AttendanceController(services: services).addRoutes(to: pages.group("attendance"))
    ReportsController(attendance: services.attendance).addRoutes(to: pages.group("attendance"))
    AbsencesController(attendance: services.attendance).addRoutes(to: pages.group("absences"))
    ExplanationsController(attendance: services.attendance).addRoutes(to: pages.group("explanations"))
    BoardController(attendance: services.attendance).addRoutes(to: pages.group("board"))
    KioskController(attendance: services.attendance).addSetupRoutes(to: pages.group("kiosks"))
    FleetController(services: services).addRoutes(to: pages.group("terminals"))
    OneStopController(oneStop: services.oneStop).addRoutes(to: pages.group("one-stop"))
    CamerasController(video: services.video).addRoutes(to: pages.group("cameras"))
    PlaybackController(video: services.video).addRoutes(to: pages.group("cameras"))
    LiveHLS(video: services.video).addRoutes(to: pages.group("cameras"))
    let api = router.group("api/v1").add(middleware: APITokenMiddleware(accounts: services.accounts))
    APIController(services: services).addRoutes(to: api)
    ReportsController(attendance: services.attendance).addAPIRoutes(to: api)
    AttendanceAPIController(attendance: services.attendance).addRoutes(to: api)
    TasksAPIController(tasks: services.tasks).addRoutes(to: api)
    InspectionsAPIController(inspections: services.inspections).addRoutes(to: api)
    SchedulesAPIController(schedules: services.schedules).addRoutes(to: api)
    NotificationsAPIController(services: services.notifications).addRoutes(to: api)
    ReformAPIController(reform: services.reform).addRoutes(to: api)
    OneStopAPIController(oneStop: services.oneStop).addRoutes(to: api)
    TerminalsAPIController(fleet: FleetController(services: services)).addRoutes(to: api)
    CamerasAPIController(video: services.video).addRoutes(to: api)
    AuditAPIController(audit: services.audit).addRoutes(to: api)
    FeedbackAPIController(register: FeedbackController(feedback: services.feedback)).addRoutes(to: api)
    SurveysAPIController(results: SurveyResultsController(feedback: services.feedback)).addRoutes(to: api)
    router.get("api/openapi.yaml") { _, _ in
        let text = try String(contentsOfFile: Resources.path("openapi.yaml"), encoding: .utf8)
        return Response(status: .ok, headers: [.contentType: "application/yaml; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }
    return router
}

/// Closes the database when the application shuts down (after in-flight requests finish).
struct DatabaseService: Service {
    let database: Database

    func run() async throws {
        try? await gracefulShutdown()
        await database.shutdown()
    }
}

enum MetricsRegistry {
    private static let started = Mutex(false)
    static let registry = PrometheusCollectorRegistry()

    /// swift-metrics may be bootstrapped once per process; tests build many routers.
    static func bootstrapOnce() {
        let first = started.withLock { s -> Bool in
            defer { s = true }
            return !s
        }
        if first {
            MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
            VideoMetrics.register()
        }
    }
}
