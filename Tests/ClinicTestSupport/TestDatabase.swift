import ClinicPostgres
import ClinicServices
import Foundation
import Logging
import PostgresNIO

/// A fresh, migrated database for one test, with a running client.
public struct TestDatabase: Sendable {
    public let name: String
    /// `postgres://...` as the application role, for processes started by the test (the CLI, the server).
    public let url: String
    /// `postgres://...` as the schema's owner, for `clinic migrate`.
    public let ownerURL: String
    /// The code under test's connections, as the application role (only its grants).
    public let database: ClinicDatabase
    /// The test's own connection for setting up and checking, as the schema's owner.
    public let client: PostgresClient
    /// The cluster's superuser connection, for statistics only; nil where statements cannot be counted.
    let statistics: PostgresClient?

    /// Runs SQL for assertions (counts, raw rows). Tests read; the code under test writes.
    public func query(_ query: PostgresQuery) async throws -> [PostgresRow] {
        try await client.query(query, logger: database.logger).collect()
    }

    /// `SELECT count(*)` of a table, optionally filtered by a trusted literal condition.
    public func count(_ table: String, where condition: String = "true") async throws -> Int {
        let rows = try await query(PostgresQuery(unsafeSQL: "SELECT count(*)::int FROM \(table) WHERE \(condition)"))
        return try rows.first!.decode(Int.self)
    }
}

/// Gives `body` a fresh database cloned from the migrated template, and drops it afterwards.
/// - Parameter statementTimeout: how long one statement of the code under test may run (the
///   server passes its request deadline); short, to make a wait run out.
public func withTestDatabase<T: Sendable>(
    poolSize: Int = 6, statementTimeout: Duration = .seconds(15), _ body: (TestDatabase) async throws -> T
) async throws -> T {
    let (name, server) = try await TestCluster.shared.createDatabase()
    let logger = await TestCluster.shared.logger
    let client = PostgresClient(
        configuration: server.configuration(role: TestCluster.ownerRole, database: name), backgroundLogger: logger)
    let result: Result<T, any Error>
    do {
        result = .success(
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await client.run() }
                defer { group.cancelAll() }
                let database = ClinicDatabase(
                    client: ClinicDatabase.makeClient(
                        server.configuration(role: TestCluster.appRole, database: name),
                        maximumConnections: poolSize, statementTimeout: statementTimeout, logger: logger),
                    logger: logger)
                return try await withThrowingTaskGroup(of: Void.self) { inner in
                    inner.addTask { await database.client.run() }
                    defer { inner.cancelAll() }
                    return try await body(
                        TestDatabase(
                            name: name, url: server.url(role: TestCluster.appRole, database: name),
                            ownerURL: server.url(role: TestCluster.ownerRole, database: name),
                            database: database, client: client,
                            statistics: server.countsStatements ? server.admin : nil))
                }
            })
    } catch {
        result = .failure(error)
    }
    _ = try? await server.admin.query(
        PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)"), logger: logger)
    return try result.get()
}

extension TestDatabase {
    /// Whether `statements(during:)` can count on this server.
    public var countsStatements: Bool { statistics != nil }

    /// How many statements the application role sent to this database while `body` ran, counted
    /// by `pg_stat_statements` (top-level statements, BEGIN and COMMIT included). The scope's
    /// `set_config` is left out: whether a lease sends it depends on which pooled connection it
    /// gets, not on the request (ConnectionScopes).
    public func statements(during body: () async throws -> Void) async throws -> Int {
        guard let statistics else { throw StatementCountUnavailable() }
        let count: @Sendable () async throws -> Int = {
            let rows = try await statistics.query(
                """
                SELECT coalesce(sum(s.calls), 0)::int FROM pg_stat_statements s
                WHERE s.dbid = (SELECT oid FROM pg_database WHERE datname = \(name))
                  AND s.userid = (SELECT oid FROM pg_roles WHERE rolname = \(TestCluster.appRole))
                  AND s.query NOT LIKE '%set_config(%'
                """, logger: database.logger
            ).collect()
            return try rows.first!.decode(Int.self)
        }
        let before = try await count()
        try await body()
        return try await count() - before
    }

    /// The schema's owner as a `ClinicDatabase`, for the migrator (which the application role may not run).
    public var ownerDatabase: ClinicDatabase { ClinicDatabase(client: client, logger: database.logger) }
}

/// `pg_stat_statements` is not loaded on the server the tests use (a shared server without it).
public struct StatementCountUnavailable: Error {}
