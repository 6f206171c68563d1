import Foundation
import ClinicServices
import Logging
import Metrics
import PostgresNIO
import Synchronization

/// The one way the stores reach PostgreSQL: a bounded wait for a connection, transactions whose
/// errors come back unwrapped, and a gauge of connections in use.
public struct ClinicDatabase: Sendable {
    public let client: PostgresClient
    public let logger: Logger
    /// How long a request may wait for a pooled connection before it is answered 503.
    let acquireTimeout: Duration
    private let inUse: InUseGauge

    public init(client: PostgresClient, logger: Logger, acquireTimeout: Duration = .seconds(5)) {
        self.client = client
        self.logger = logger
        self.acquireTimeout = acquireTimeout
        self.inUse = InUseGauge()
    }

    /// Builds a client for a configuration with a pool sized for a small machine.
    public static func makeClient(_ configuration: PostgresClient.Configuration, maximumConnections: Int, logger: Logger) -> PostgresClient {
        var configuration = configuration
        configuration.options.maximumConnections = maximumConnections
        configuration.options.minimumConnections = 0
        configuration.options.connectTimeout = .seconds(5)
        // No single statement may hold a connection for long: a runaway query answers 503, not a hang.
        configuration.options.additionalStartupParameters = [("statement_timeout", "15s")]
        return PostgresClient(configuration: configuration, backgroundLogger: logger)
    }

    /// Runs `body` on a leased connection; waiting longer than the acquire timeout is `ServiceError.unavailable`.
    public func withConnection<Result: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> Result) async throws -> Result {
        do {
            return try await lease(body)
        } catch let error as PSQLError {
            throw Self.translate(error)
        }
    }

    /// A server error no store mapped itself becomes a 4xx where the input caused it, and a
    /// `DatabaseFailure` (a 500 with only its SQLSTATE in the log, never its values) otherwise.
    static func translate(_ error: PSQLError) -> any Error {
        guard let state = error.sqlState else { return error.code == .server ? DatabaseFailure(sqlState: "?") : error }
        switch state {
        case "40P01", "40001": return error  // retried by `transaction`
        case "57014": return ServiceError.unavailable("a statement ran past the statement timeout")
        case "23P01":
            // An exclusion constraint: the detail names the key, "(resource_id, during)=(<uuid>, [...))".
            let detail = error.serverInfo?[.detail] ?? ""
            let id = detail.split(whereSeparator: { "(), ".contains($0) }).first { UUID(uuidString: String($0)) != nil }
            return ServiceError.conflict("resource \(id.map(String.init) ?? "requested") is already booked for an overlapping time")
        case let code where code.hasPrefix("23"): return ServiceError.conflict("the request conflicts with stored data (\(error.constraintName ?? code))")
        case let code where code.hasPrefix("22"): return ServiceError.invalid("", "a value is outside what the database can store")
        default: return DatabaseFailure(sqlState: state)
        }
    }

    private func lease<Result: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> Result) async throws -> Result {
        let acquired = Flag()
        let timeout = acquireTimeout
        let client = self.client
        let gauge = inUse
        return try await withThrowingTaskGroup(of: Result?.self) { group in
            group.addTask {
                try await client.withConnection { connection in
                    acquired.set()
                    gauge.change(by: 1)
                    defer { gauge.change(by: -1) }
                    return try await body(connection)
                }
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                if !acquired.isSet {
                    throw ServiceError.unavailable("no database connection became free within \(timeout)")
                }
                return nil
            }
            do {
                while let next = try await group.next() {
                    if let result = next {
                        group.cancelAll()
                        return result
                    }
                }
            } catch {
                group.cancelAll()
                throw error
            }
            throw ServiceError.unavailable("database operation ended without a result")
        }
    }

    /// Runs `body` in a transaction; errors thrown inside come back as thrown, not wrapped.
    ///
    /// A transaction PostgreSQL chose as a deadlock victim (40P01) or failed to serialise (40001)
    /// is run again, up to three times: concurrent inserts under an exclusion constraint can
    /// deadlock each other, and the loser's retry then meets the winner's row and is refused
    /// properly (23P01). The body must therefore read what it decides on inside the transaction.
    public func transaction<Result: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> Result) async throws -> Result {
        let logger = self.logger
        var attempt = 1
        while true {
            do {
                return try await withConnection { connection in
                    do {
                        return try await connection.withTransaction(logger: logger) { try await body($0) }
                    } catch let error as PostgresTransactionError {
                        throw error.closureError ?? error.commitError ?? error.beginError ?? error
                    }
                }
            } catch where ["40P01", "40001"].contains(error.sqlState ?? "") {
                guard attempt < 3 else { throw ServiceError.unavailable("the database kept refusing the transaction under contention") }
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

/// Connections currently leased, exported as the `clinic_db_connections_in_use` gauge.
final class InUseGauge: Sendable {
    private let count = Atomic<Int>(0)
    private let gauge = Gauge(label: "clinic_db_connections_in_use")

    func change(by delta: Int) {
        let now = count.add(delta, ordering: .relaxed).newValue
        gauge.record(now)
    }
}

/// A one-way switch shared between the lease task and its timeout.
final class Flag: Sendable {
    private let value = Atomic<Bool>(false)
    func set() { value.store(true, ordering: .sequentiallyConsistent) }
    var isSet: Bool { value.load(ordering: .sequentiallyConsistent) }
}
