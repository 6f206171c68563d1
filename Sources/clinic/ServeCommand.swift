import ArgumentParser
import ClinicAPI
import ClinicApp
import ClinicInterop
import ClinicPostgres
import ClinicServices
import Foundation
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization

/// `clinic serve`: the HTTP API, until SIGTERM or SIGINT (then a graceful shutdown).
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the HTTP API.",
        discussion: """
            Refuses to start while migrations are pending (run `clinic migrate`) and when its database role may \
            bypass the audit trail (a superuser, or the owner of the tables: see `clinic check`). On SIGTERM or \
            SIGINT it stops accepting connections, lets requests in flight finish for up to CLINIC_DRAIN_TIMEOUT \
            seconds, closes its database connections and exits 0.
            """)

    @OptionGroup var database: DatabaseOptions
    @Option(help: "Address to listen on (default: $CLINIC_HTTP_HOST or 127.0.0.1).") var host: String?
    @Option(help: "Port to listen on (default: $CLINIC_HTTP_PORT or 8080).") var port: String?
    @Option(
        name: .customLong("mllp-port"),
        help:
            "Also take HL7 v2 results over MLLP on this port (default: $CLINIC_MLLP_PORT, or none); needs $CLINIC_MLLP_TOKEN."
    )
    var mllpPort: String?

    func run() async throws {
        // A request's handler, its database queries and its response then run on the same event
        // loop threads, instead of hopping between Swift's pool and NIO's for every await.
        NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        try await CommandRuntime.run {
            let settings = Settings(flags: [
                "database.url": database.databaseURL, "clinic.http.host": host, "clinic.http.port": port,
                "clinic.mllp.port": mllpPort,
            ])
            let requestTimeout = try settings.requestTimeout()
            let drainTimeout = try settings.drainTimeout()
            let configuration = APIConfiguration(
                host: settings.httpHost(), port: try settings.httpPort(),
                requestTimeout: requestTimeout,
                maximumConnections: try settings.httpMaximumConnections(),
                readinessTimeout: try settings.readinessTimeout(),
                cursors: try settings.cursorSecret().map(CursorSeal.init(secret:)) ?? .ephemeral(),
                publicURL: try settings.publicURL(),
                publishing: SMARTPublishing(
                    bookingURL: try settings.bookingURL(), bookingPhone: settings.bookingPhone()))
            let mllp = try settings.mllpPort().map {
                (host: settings.mllpHost(), port: $0, token: try settings.mllpToken())
            }
            let webhookPolicy = try settings.webhookPolicy()
            let logLevel = try settings.logLevel()
            let poolMaximum = try settings.poolMaximum()
            let url = try settings.databaseURL()
            let migrations = try Migration.bundled()
            try await CommandRuntime.withDatabase(settings) { db in
                let pending = try await Migrator(database: db, migrations: migrations).pending()
                guard pending.isEmpty else {
                    throw CLIError.schema(
                        "the database has \(pending.count) pending migration(s) (\(pending.joined(separator: ", "))): run `clinic migrate` first"
                    )
                }
                if let problem = try await ServerDiagnostics(database: db).role().privilegeProblem {
                    throw CLIError.configuration("clinic serve will not run as this database role: \(problem)")
                }
            }
            let logger = CommandRuntime.logger(level: logLevel)
            // A statement may run as long as its request may, and no longer. A pool replaced after an
            // outage stays open one request deadline more, for the requests still holding it.
            func reconnecting(_ url: DatabaseURL, poolMaximum: Int) async -> ReconnectingClient {
                ReconnectingClient(
                    url: url, endpoint: await url.locate(timeout: .seconds(2), logger: logger),
                    retireAfter: requestTimeout + .seconds(1), logger: logger
                ) { endpoint in
                    ClinicDatabase.makeClient(
                        url.clientConfiguration(endpoint), maximumConnections: poolMaximum,
                        statementTimeout: requestTimeout, logger: logger)
                }
            }
            let client = await reconnecting(url, poolMaximum: poolMaximum)
            let db = ClinicDatabase(reconnecting: client, logger: logger)
            // The reports' replica has a pool of its own, small: a report runs its queries one by one.
            let replicaClient = try await settings.reportsDatabaseURL().asyncMap {
                await reconnecting($0, poolMaximum: 4)
            }
            let replica = replicaClient.map {
                ReportReplica(database: ClinicDatabase(reconnecting: $0, logger: logger))
            }
            let api = try APIServices.postgres(db, reportsReplica: replica)
            let app = try buildApplication(configuration: configuration, api: api, logger: logger)
            let listener = mllp.map { mllp in
                MLLPListener(
                    host: mllp.host, port: mllp.port, logger: logger,
                    onListening: { port in
                        logger.notice("MLLP listening", metadata: ["address": "\(mllp.host):\(port)"])
                    },
                    handler: MLLPResultHandler(
                        intake: HL7ResultIntake(imaging: api.imaging, messages: api.interfaceMessages),
                        tokens: api.tokens, secret: mllp.token, deadline: requestTimeout,
                        clock: api.now, logger: logger
                    ).handle)
            }
            let shutdown = ShutdownWatch(drainTimeout: drainTimeout, logger: logger)
            // Shut down in reverse order: stop the watch's clock first, then the HTTP server drains,
            // then the pool closes once no request needs it.
            var services: [ServiceGroupConfiguration.ServiceConfiguration] = [client, replicaClient].compactMap {
                $0
            }.map { .init(service: $0) }
            services.append(.init(service: app))
            let transport = HTTPWebhookTransport()
            services.append(
                .init(
                    service: WebhookDeliveries(
                        dispatcher: WebhookDispatcher(
                            store: PostgresWebhookStore(database: db), changes: PostgresChangeStore(database: db),
                            transport: transport, policy: webhookPolicy, now: api.now, logger: logger),
                        transport: transport),
                    successTerminationBehavior: .ignore))
            services.append(
                .init(
                    service: OfferSweep(waitlist: api.waitlist, now: api.now, interval: .seconds(15), logger: logger),
                    successTerminationBehavior: .ignore))
            // The MLLP listener stops accepting with the HTTP server, before the pool closes.
            if let listener { services.append(.init(service: listener)) }
            services += [
                .init(service: MemoryTrim(interval: .seconds(10)), successTerminationBehavior: .ignore),
                .init(service: shutdown, successTerminationBehavior: .ignore),
            ]
            var groupConfiguration = ServiceGroupConfiguration(
                services: services,
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger)
            // Past the drain limit the group cancels what is left; the watch ends the process
            // a second later if even that does not finish.
            groupConfiguration.maximumGracefulShutdownDuration = drainTimeout
            let group = ServiceGroup(configuration: groupConfiguration)
            if try settings.cursorSecret() == nil {
                logger.notice(
                    "CLINIC_CURSOR_SECRET is not set: list cursors are valid in this process only (set it when several servers share a load balancer)"
                )
            }
            logger.notice("serving", metadata: ["address": "\(configuration.host):\(configuration.port)"])
            do {
                try await group.run()
            } catch  where shutdown.requested {
                logger.notice("stopped", metadata: ["error": "\(type(of: error))"])
            } catch {
                throw CLIError.failed("server stopped: \(error)")
            }
            logger.notice("stopped")
        }
    }
}

extension Optional {
    /// `map` with an asynchronous transform.
    fileprivate func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let self else { return nil }
        return try await transform(self)
    }
}

/// Bounds a graceful shutdown: once SIGTERM or SIGINT arrives, requests in flight have the drain
/// limit to finish, and then the process exits 0 whatever is still open.
///
/// A thread rather than a task: the limit must hold even when a task ignores cancellation (a
/// query whose connection died), and the service group would cancel a task of ours with the rest.
final class ShutdownWatch: Service, Sendable {
    let drainTimeout: Duration
    let logger: Logger
    private let flag = Mutex(false)

    init(drainTimeout: Duration, logger: Logger) {
        self.drainTimeout = drainTimeout
        self.logger = logger
    }

    var requested: Bool { flag.withLock { $0 } }

    func run() async throws {
        do {
            try await gracefulShutdown()
        } catch {
            return  // cancelled: the group is stopping for another reason
        }
        flag.withLock { $0 = true }
        logger.notice("shutting down: draining requests in flight", metadata: ["drain_limit": "\(drainTimeout)"])
        let limit = drainTimeout + .seconds(1)
        let logger = self.logger
        Thread.detachNewThread {
            Thread.sleep(
                forTimeInterval: limit.timeInterval)
            logger.warning("drain limit passed with work still open; exiting")
            exit(0)
        }
    }
}
