import ArgumentParser
import ClinicDomain
import ClinicPostgres
import ClinicServices
import Foundation
import Logging

/// Runs a command body with a live database client, and turns failures into clear messages
/// on stderr and the documented exit codes.
enum CommandRuntime {
    static func logger(level: Logger.Level = .warning) -> Logger {
        var logger = Logger(label: "clinic")
        logger.logLevel = level
        return logger
    }

    static func withDatabase<T>(
        _ settings: Settings, logLevel: Logger.Level = .warning,
        _ body: (ClinicDatabase) async throws -> T
    ) async throws -> T {
        let url = try settings.databaseURL()
        let logger = logger(level: logLevel)
        // One connection of its own first: the pool would keep retrying an unreachable database
        // in the background while the command waited.
        // With several hosts, the first that suits target_session_attrs (the primary, for read-write).
        // A refused connection answers at once; the long limit is for a busy machine (a command
        // started beside a full test suite or a nightly batch), where 5 s was seen to run out.
        guard let endpoint = await url.locate(timeout: .seconds(15), logger: logger) else { throw unreachable(url) }
        // The pool's own chatter stays off standard error below .error: a command's output may be
        // parsed (--json), and its first lease can race the pool's start with a harmless warning.
        let client = ClinicDatabase.makeClient(
            url.clientConfiguration(endpoint), maximumConnections: 2, logger: Self.logger(level: .error))
        let database = ClinicDatabase(client: client, logger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            do {
                return try await body(database)
            } catch let error as CLIError {
                throw error
            } catch let error as MigrationError {
                throw CLIError.schema("\(error)")
            } catch ServiceError.unavailable {
                throw unreachable(url)
            } catch let error as ServiceError {
                throw CLIError.failed(Self.describe(error))
            } catch let error as DatabaseFailure {
                throw CLIError.failed(describe(error))
            }
        }
    }

    static func unreachable(_ url: DatabaseURL) -> CLIError {
        let hosts = url.endpoints.map(\.description).joined(separator: ", ")
        let what =
            url.targetSession == .readWrite
            ? "a database that takes writes at \(hosts)" : "the database at \(hosts)"
        return CLIError.unreachable(
            "cannot reach \(what) as \(url.username): is PostgreSQL running, "
                + "and are the user, password and database in DATABASE_URL right?")
    }

    /// Runs `body` with the reports' replica when `CLINIC_REPORTS_DATABASE_URL` is set (nil
    /// otherwise). A replica out of reach is not an error: the reports read the primary then.
    static func withReportsReplica<T>(
        _ settings: Settings, logLevel: Logger.Level = .warning, _ body: (ReportReplica?) async throws -> T
    ) async throws -> T {
        guard let url = try settings.reportsDatabaseURL() else { return try await body(nil) }
        let endpoint = await url.locate(timeout: .seconds(2), logger: logger(level: logLevel)) ?? url.endpoints[0]
        let client = ClinicDatabase.makeClient(
            url.clientConfiguration(endpoint), maximumConnections: 2, logger: Self.logger(level: .critical))
        let replica = ReportReplica(database: ClinicDatabase(client: client, logger: logger(level: logLevel)))
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            return try await body(replica)
        }
    }

    /// Any failure as one line for stderr.
    static func describe(_ error: any Error) -> String {
        switch error {
        case let error as CLIError: error.description
        case let error as ServiceError: describe(error)
        case let error as DatabaseFailure: error.description
        default: String(describing: error)
        }
    }

    static func describe(_ error: ServiceError) -> String {
        switch error {
        case .invalid(let validation):
            validation.violations.map { "\($0.pointer): \($0.message)" }.joined(separator: "; ")
        case .notFound(let entity): "no such \(entity)"
        case .unknownReference(let pointer, let entity): "\(pointer): no \(entity) has this id"
        case .conflict(let detail): detail
        case .notReady(let items): items.map(\.message).joined(separator: " ")
        case .illegalTransition(let current, let attempted): "cannot \(attempted) in status \(current.code)"
        case .versionMismatch(let current): "changed meanwhile (now version \(current))"
        case .idempotencyKeyReused: "idempotency key reused with a different request"
        case .unavailable(let detail): detail
        case .offerClosed(let state): "the offer was already \(state)"
        case .forbidden(let detail): detail
        case .bookingsInTheWay(let detail, let bookings):
            ([detail]
                + bookings.map {
                    "appointment \($0.appointmentID) (\($0.kind.rawValue), \($0.state.rawValue)) at \(RFC3339.format($0.during.lowerBound))"
                })
                .joined(separator: "\n  ")
        case .unprocessable(let validation):
            validation.violations.map { "\($0.pointer): \($0.message)" }.joined(separator: "; ")
        }
    }

    /// The usual shape of a database command: settings from `--database-url` and the environment,
    /// a live client, and failures printed with their exit code.
    static func withDatabase(url: String?, _ body: (ClinicDatabase) async throws -> Void) async throws {
        try await run {
            try await withDatabase(Settings(flags: ["database.url": url]), body)
        }
    }

    /// Runs a command, printing a failure as `error: ...` and exiting with its code.
    static func run(_ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch let error as CLIError {
            FileHandle.standardError.write(Data("error: \(error.description)\n".utf8))
            throw ExitCode(error.exitCode)
        }
    }
}
