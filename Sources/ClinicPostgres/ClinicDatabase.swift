import ClinicDomain
import ClinicServices
import Foundation
import Logging
import Metrics
import NIOCore
import PostgresNIO
import Synchronization
import _ConnectionPoolModule

/// The one way the stores reach PostgreSQL: pooled connections, transactions whose errors come
/// back unwrapped, database errors translated once, and a gauge of connections in use.
///
/// Nothing here times a wait: the server bounds each request as a whole (its deadline cancels a
/// wait for a connection too), and commands probe the database once before they start. A timer
/// per query would cost more than the query.
public struct ClinicDatabase: Sendable {
    private enum Source {
        case fixed(PostgresClient)
        case reconnecting(ReconnectingClient)
    }

    private let source: Source
    public let logger: Logger
    private let inUse: InUseGauge

    /// One pool for the life of the value: commands and tests.
    public init(client: PostgresClient, logger: Logger) {
        self.source = .fixed(client)
        self.logger = logger
        self.inUse = InUseGauge()
    }

    /// The server's pool, replaced when it lags behind a database that came back.
    public init(reconnecting: ReconnectingClient, logger: Logger) {
        self.source = .reconnecting(reconnecting)
        self.logger = logger
        self.inUse = InUseGauge()
    }

    /// The pool statements go to now.
    public var client: PostgresClient {
        switch source {
        case .fixed(let client): client
        case .reconnecting(let reconnecting): reconnecting.current
        }
    }

    /// Builds a client with a pool sized for a small machine.
    /// - Parameter statementTimeout: no single statement may hold a connection longer; a runaway
    ///   query answers 503, not a hang. The server passes its request deadline.
    public static func makeClient(
        _ configuration: PostgresClient.Configuration, maximumConnections: Int,
        statementTimeout: Duration = .seconds(15), logger: Logger
    ) -> PostgresClient {
        var configuration = configuration
        configuration.options.maximumConnections = maximumConnections
        configuration.options.minimumConnections = 0
        configuration.options.connectTimeout = .seconds(5)
        configuration.options.additionalStartupParameters = [
            ("statement_timeout", "\(max(1, statementTimeout.wholeMilliseconds))ms")
        ]
        return PostgresClient(
            configuration: configuration, eventLoopGroup: SpreadEventLoops(), backgroundLogger: logger)
    }

    /// Runs `body` on a leased connection that sees only `scope`'s clinics: the connection's
    /// `clinic.scope` setting, which every row-level security policy on patient data reads, is
    /// set first (migration 0008). Database errors come back translated.
    public func withConnection<Result: Sendable>(
        scope: ClinicScope, _ body: @escaping @Sendable (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        try await lease(scope: scope, body)
    }

    /// Marks a lease for tables that hold no patient data (tokens, audit, configuration, rule
    /// sets, idempotency keys): no scope is set, and a patient table read here would see the
    /// scope of whoever used the connection before. Never touch patient tables in such a lease.
    public enum Outside: Sendable { case clinicData }

    /// Runs `body` on a leased connection for tables without patient data; see `Outside`.
    public func withConnection<Result: Sendable>(
        outside: Outside, _ body: @escaping @Sendable (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        try await lease(scope: nil, body)
    }

    private func lease<Result: Sendable>(
        scope: ClinicScope?, _ body: @escaping @Sendable (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        let pool = client
        let handedOver = LeaseFlag()
        do {
            return try await lease(from: pool, scope: scope, handedOver: handedOver, body)
        } catch let error as ConnectionPoolError where error == .poolShutdown && !handedOver.isSet {
            // The request waited on a pool that was replaced under it (its database was lost and
            // another took over): the body never ran, so it waits on the new pool instead.
            guard case .reconnecting(let reconnecting) = source, reconnecting.current !== pool else {
                throw ServiceError.unavailable("the database connection pool closed")
            }
            return try await lease(from: reconnecting.current, scope: scope, handedOver: LeaseFlag(), body)
        }
    }

    private func lease<Result: Sendable>(
        from pool: PostgresClient, scope: ClinicScope?, handedOver: LeaseFlag,
        _ body: @escaping @Sendable (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        let gauge = inUse
        let logger = logger
        do {
            let result = try await pool.withConnection { connection in
                handedOver.set()
                gauge.change(by: 1)
                defer { gauge.change(by: -1) }
                if let scope { try await ConnectionScopes.shared.set(scope, on: connection, logger: logger) }
                return try await body(connection)
            }
            if case .reconnecting(let reconnecting) = source { reconnecting.recordSuccess() }
            return result
        } catch let error as PSQLError {
            // A write refused by a standby: the pool's server was demoted (a failover); the
            // reconnecting client then looks for the new primary at once.
            if error.sqlState == "25006", case .reconnecting(let reconnecting) = source {
                reconnecting.recordReadOnly()
            }
            throw Self.translate(error)
        } catch let error as ConnectionPoolError where error == .poolShutdown && !handedOver.isSet {
            throw error  // the caller leases again on the pool that replaced this one
        } catch let error as ConnectionPoolError {
            // The pool gave up on a database that keeps refusing connections (its circuit breaker).
            throw ServiceError.unavailable("the database refuses connections (\(error))")
        }
    }

    /// A server error no store mapped itself becomes a 4xx where the input caused it, a 503 where
    /// the database is out of reach, and a `DatabaseFailure` (a 500 with only its SQLSTATE in
    /// the log, never its values) otherwise.
    static func translate(_ error: PSQLError) -> any Error {
        guard let state = error.sqlState else {
            switch error.code {
            // The connection died under the query, was never made, or the pool is closing:
            // PostgreSQL restarting, stopped, or out of reach. Whether a COMMIT in flight
            // landed is unknown; a retry with the same Idempotency-Key tells.
            case .serverClosedConnection, .clientClosedConnection, .connectionError, .uncleanShutdown, .poolClosed,
                .queryCancelled, .sslUnsupported, .failedToAddSSLHandler:
                return ServiceError.unavailable("the database connection was lost")
            default:
                // A protocol or decoding failure: a fault of ours or the driver's. Its description
                // is generic (PSQLError keeps query and values out of it), safe for a log.
                return DatabaseFailure(sqlState: "none (\(error.code))")
            }
        }
        switch state {
        case "40P01", "40001": return error  // retried by `transaction`
        case "57014": return ServiceError.unavailable("a statement ran past the statement timeout")
        // Shutting down, crashed, starting up, or a standby that takes no writes (after a failover).
        case "57P01", "57P02", "57P03", "25006":
            return ServiceError.unavailable("the database is restarting or read-only")
        case let code where code.hasPrefix("08") || code.hasPrefix("53"):
            // Connection exceptions; insufficient resources (too many connections, out of memory or disk).
            return ServiceError.unavailable("the database cannot take the request now (SQLSTATE \(code))")
        case "42501":
            // A row-level security policy refused a row (or an append-only table an edit): the
            // code tried to write outside the principal's clinics. The services refuse that
            // before it gets here; this is the database's own line of defence.
            return ServiceError.forbidden("the change would reach a clinic outside the token's scope")
        case "23P01":
            // An exclusion constraint: the detail names the key, "(resource_id, during)=(<uuid>, [...))".
            let detail = error.serverInfo?[.detail] ?? ""
            let id = detail.split(whereSeparator: { "(), ".contains($0) }).first { UUID(uuidString: String($0)) != nil }
            return ServiceError.conflict(
                "resource \(id.map(String.init) ?? "requested") is already booked for an overlapping time")
        case let code where code.hasPrefix("23"):
            return ServiceError.conflict("the request conflicts with stored data (\(error.constraintName ?? code))")
        case let code where code.hasPrefix("22"):
            return ServiceError.invalid("", "a value is outside what the database can store")
        default: return DatabaseFailure(sqlState: state)
        }
    }

    /// Runs `body` in a transaction on a connection that sees only `scope`'s clinics (see
    /// `withConnection(scope:_:)`); errors thrown inside come back as thrown, not wrapped.
    ///
    /// A transaction PostgreSQL chose as a deadlock victim (40P01) or failed to serialise (40001)
    /// is run again, up to three times: concurrent inserts under an exclusion constraint can
    /// deadlock each other, and the loser's retry then meets the winner's row and is refused
    /// properly (23P01). The body must therefore read what it decides on inside the transaction.
    public func transaction<Result: Sendable>(
        scope: ClinicScope, _ body: @escaping @Sendable (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        try await transaction(leasing: scope, body)
    }

    /// A transaction over tables without patient data; see `Outside`.
    public func transaction<Result: Sendable>(
        outside: Outside, _ body: @escaping @Sendable (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        try await transaction(leasing: nil, body)
    }

    private func transaction<Result: Sendable>(
        leasing scope: ClinicScope?, _ body: @escaping @Sendable (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        let logger = self.logger
        var attempt = 1
        while true {
            do {
                return try await lease(scope: scope) { connection in
                    do {
                        return try await connection.withTransaction(logger: logger) { try await body($0) }
                    } catch let error as PostgresTransactionError {
                        throw error.closureError ?? error.commitError ?? error.beginError ?? error
                    }
                }
            } catch  where ["40P01", "40001"].contains(error.sqlState ?? "") {
                guard attempt < 3 else {
                    throw ServiceError.unavailable("the database kept refusing the transaction under contention")
                }
                attempt += 1
                try await Task.sleep(for: .milliseconds(Int.random(in: 5...40)))
            }
        }
    }
}

/// A database error with nothing of the request in it: safe to log.
public struct DatabaseFailure: Error, CustomStringConvertible {
    public let sqlState: String
    public var description: String { "database error, SQLSTATE \(sqlState)" }
}

extension Error {
    /// The SQLSTATE of a server error, e.g. 23505 for a unique violation.
    var sqlState: String? { (self as? PSQLError)?.serverInfo?[.sqlState] }
    /// The constraint a server error names.
    var constraintName: String? { (self as? PSQLError)?.serverInfo?[.constraintName] }
}

/// Whether a lease got its connection (and so ran its body).
final class LeaseFlag: Sendable {
    private let value = Atomic<Bool>(false)
    func set() { value.store(true, ordering: .relaxed) }
    var isSet: Bool { value.load(ordering: .relaxed) }
}

/// Connections currently leased, exported as the `clinic_db_connections_in_use` gauge.
final class InUseGauge: Sendable {
    private let count = Atomic<Int>(0)
    private let gauge = Gauge(label: "clinic_db_connections_in_use")

    func change(by delta: Int) {
        let now = count.add(delta, ordering: .relaxed).newValue
        gauge.record(now)
    }
}
