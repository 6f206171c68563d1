import ArgumentParser
import ClinicAPI
import ClinicPostgres
import ClinicServices
import Foundation
import Logging
import ServiceLifecycle

/// `clinic serve`: the HTTP API, until SIGTERM or SIGINT (then a graceful shutdown).
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the HTTP API.",
        discussion: "Refuses to start while migrations are pending (run `clinic migrate`). Stops gracefully on SIGTERM.")

    @OptionGroup var database: DatabaseOptions
    @Option(help: "Address to listen on (default: $CLINIC_HTTP_HOST or 127.0.0.1).") var host: String?
    @Option(help: "Port to listen on (default: $CLINIC_HTTP_PORT or 8080).") var port: String?

    func run() async throws {
        try await CommandRuntime.run {
            let settings = Settings(flags: ["database.url": database.databaseURL, "clinic.http.host": host, "clinic.http.port": port])
            let configuration = APIConfiguration(host: settings.httpHost(), port: try settings.httpPort())
            let logLevel = try settings.logLevel()
            let poolMaximum = try settings.poolMaximum()
            try await CommandRuntime.withDatabase(settings) { db in
                let pending = try await Migrator(database: db, migrations: try Migration.bundled()).pending()
                guard pending.isEmpty else {
                    throw CLIError.schema("the database has \(pending.count) pending migration(s) (\(pending.joined(separator: ", "))): run `clinic migrate` first")
                }
            }
            let logger = CommandRuntime.logger(level: logLevel)
            let client = ClinicDatabase.makeClient(try settings.databaseConfiguration(), maximumConnections: poolMaximum, logger: logger)
            let db = ClinicDatabase(client: client, logger: logger)
            let app = try buildApplication(configuration: configuration, api: try APIServices.postgres(db),
                                           services: [client], logger: logger)
            logger.notice("serving", metadata: ["address": "\(configuration.host):\(configuration.port)"])
            do {
                try await app.runService()
            } catch {
                throw CLIError.failed("server stopped: \(error)")
            }
        }
    }
}
