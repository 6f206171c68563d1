import ClinicServices
import Hummingbird
import Logging
import OpenAPIHummingbird
import OpenAPIRuntime
import ServiceLifecycle

/// Where and how the HTTP server listens.
public struct APIConfiguration: Sendable {
    public var host: String
    public var port: Int
    /// Request bodies above this are refused with 413.
    public var maximumBodyBytes: Int
    /// The most one request may take once its body is in (authentication, waiting for a database
    /// connection, every statement); later it is answered 503 with Retry-After.
    public var requestTimeout: Duration
    /// Open connections beyond this wait in the kernel's accept queue until one closes.
    public var maximumConnections: Int
    /// `/ready` says "not ready" when the database has not answered within this.
    public var readinessTimeout: Duration
    /// Seals list cursors; servers behind one load balancer need the same one.
    public var cursors: CursorSeal
    /// `scheme://host[:port]` the FHIR links are written with; nil: the request's own Host.
    public var publicURL: String?
    /// The booking link and phone published availability carries.
    public var publishing: SMARTPublishing

    public init(
        host: String = "127.0.0.1", port: Int = 8080, maximumBodyBytes: Int = 1 << 20,
        requestTimeout: Duration = .seconds(10), maximumConnections: Int = 1024,
        readinessTimeout: Duration = .seconds(1),
        cursors: CursorSeal = .ephemeral(), publicURL: String? = nil, publishing: SMARTPublishing = SMARTPublishing()
    ) {
        self.publicURL = publicURL
        self.publishing = publishing
        self.host = host
        self.port = port
        self.maximumBodyBytes = maximumBodyBytes
        self.requestTimeout = requestTimeout
        self.maximumConnections = maximumConnections
        self.readinessTimeout = readinessTimeout
        self.cursors = cursors
    }
}

/// Builds the HTTP application: middleware chain, generated routes, handlers. Shared by
/// `clinic serve` and the tests, so the tests exercise exactly what production runs.
/// - Parameter services: long-running services to run beside the server (the database client).
public func buildApplication(
    configuration: APIConfiguration, api: APIServices, services: [any Service] = [],
    logger: Logger
) throws -> some ApplicationProtocol {
    let router = Router()
    let routes = RouteTable()
    router.add(middleware: RequestLogMiddleware(logger: logger, routes: routes))
    router.add(middleware: MetricsMiddleware())
    router.add(middleware: RequestBodyGuard(maximumBytes: configuration.maximumBodyBytes))
    router.add(middleware: FHIRNegotiationMiddleware(publicURL: configuration.publicURL))

    let handler = APIHandler(
        services: api, metrics: ClinicMetrics.registry, readinessTimeout: configuration.readinessTimeout,
        cursors: configuration.cursors, publishing: configuration.publishing,
        publishedFiles: PublishedFileCache(lifetime: Double(min(configuration.publishing.cacheSeconds, 60))))
    try handler.registerHandlers(
        on: RecordingTransport(
            router: router, table: routes, requestTimeout: configuration.requestTimeout, clock: api.now),
        configuration: .init(
            dateTranscoder: RFC3339DateTranscoder(), jsonEncodingOptions: [.sortedKeys, .withoutEscapingSlashes]),
        middlewares: [HeaderEncodingMiddleware(), AuthMiddleware(tokens: api.tokens, audit: api.audit, logger: logger)])

    return Application(
        router: router,
        // A client that goes quiet mid-request or between requests is cut off after 30 s.
        server: .http1(configuration: .init(idleTimeout: .seconds(30))),
        configuration: .init(
            address: .hostname(configuration.host, port: configuration.port), serverName: "clinic",
            availableConnectionsDelegate: .maximum(configuration.maximumConnections, logger: logger)),
        services: services,
        logger: logger)
}
