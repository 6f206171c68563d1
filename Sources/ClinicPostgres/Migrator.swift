import Crypto
import Foundation
import Logging
import PostgresNIO

/// One forward-only migration file.
public struct Migration: Sendable, Hashable {
    public let name: String
    public let sql: String
    /// SHA-256 of the file in hex, recorded when applied: an applied file must never change.
    /// Computed once here, not on every `/ready`.
    public let checksum: String

    public init(name: String, sql: String) {
        self.name = name
        self.sql = sql
        let digits = Array("0123456789abcdef")
        self.checksum = String(
            SHA256.hash(data: Data(sql.utf8)).flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 0x0f)]] })
    }

    /// The files shipped with this build, in order (`0001_*.sql`, `0002_*.sql`, ...), read from
    /// disk once per process.
    public static func bundled() throws -> [Migration] {
        try shipped.get()
    }

    private static let shipped = Result<[Migration], any Error> {
        guard let directory = Bundle.module.url(forResource: "Migrations", withExtension: nil) else {
            throw MigrationError.missingFiles
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { $0.hasSuffix(".sql") }
            .sorted()
        return try names.map {
            Migration(name: $0, sql: try String(contentsOf: directory.appendingPathComponent($0), encoding: .utf8))
        }
    }
}

/// Why migrating stopped.
public enum MigrationError: Error, CustomStringConvertible, Equatable {
    case missingFiles
    case edited(name: String)
    case unknownApplied(name: String)
    case failed(name: String, message: String)

    public var description: String {
        switch self {
        case .missingFiles: "the migration files are missing from this build"
        case .edited(let name):
            "migration \(name) was applied and has since been edited; applied migrations must never change: add a new file instead"
        case .unknownApplied(let name):
            "the database has migration \(name) applied, which this build does not know: it is newer than this build"
        case .failed(let name, let message): "migration \(name) failed and was rolled back: \(message)"
        }
    }
}

/// Applies pending migrations in order, each in its own transaction, under an advisory lock so
/// that two `clinic migrate` at once are safe: the second waits, then finds nothing to do.
public struct Migrator: Sendable {
    /// Arbitrary but fixed: identifies "the migration lock" among advisory locks.
    static let lockKey: Int64 = 7_326_001
    let database: ClinicDatabase
    let migrations: [Migration]

    public init(database: ClinicDatabase, migrations: [Migration]) {
        self.database = database
        self.migrations = migrations
    }

    /// Applies what is pending; returns the names applied now.
    @discardableResult
    public func migrate() async throws -> [String] {
        let migrations = self.migrations
        let logger = database.logger
        return try await database.withConnection(outside: .clinicData) { connection in
            try await connection.runToEnd("SELECT pg_advisory_lock(\(Self.lockKey))", logger: logger)
            do {
                let applied = try await Self.ensureTableAndRead(connection, logger: logger)
                try Self.verify(applied: applied, against: migrations)
                var newlyApplied: [String] = []
                for migration in migrations where applied[migration.name] == nil {
                    do {
                        try await connection.withTransaction(logger: logger) { connection in
                            for statement in SQLScript.statements(migration.sql) {
                                // Migration files ship with the build; they are trusted SQL, not input.
                                try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                            }
                            try await connection.query(
                                """
                                INSERT INTO schema_migrations (name, checksum) VALUES (\(migration.name), \(migration.checksum))
                                """, logger: logger)
                        }
                    } catch let error as PostgresTransactionError {
                        let cause = error.closureError ?? error.commitError ?? error
                        throw MigrationError.failed(name: migration.name, message: String(reflecting: cause))
                    }
                    logger.info("applied migration", metadata: ["migration": "\(migration.name)"])
                    newlyApplied.append(migration.name)
                }
                try await connection.runToEnd("SELECT pg_advisory_unlock(\(Self.lockKey))", logger: logger)
                return newlyApplied
            } catch {
                try? await connection.runToEnd("SELECT pg_advisory_unlock(\(Self.lockKey))", logger: logger)
                throw error
            }
        }
    }

    /// Names of files not yet applied. Throws when an applied file was edited.
    public func pending() async throws -> [String] {
        let migrations = self.migrations
        let logger = database.logger
        let applied = try await database.withConnection(outside: .clinicData) { connection in
            let exists = try await connection.query(
                "SELECT to_regclass('schema_migrations') IS NOT NULL", logger: logger
            )
            .decode(Bool.self).reduce(into: false) { $0 = $0 || $1 }
            return exists ? try await Self.read(connection, logger: logger) : [:]
        }
        try Self.verify(applied: applied, against: migrations)
        return migrations.map(\.name).filter { applied[$0] == nil }
    }

    private static func verify(applied: [String: String], against migrations: [Migration]) throws {
        let known = Dictionary(uniqueKeysWithValues: migrations.map { ($0.name, $0.checksum) })
        for (name, checksum) in applied.sorted(by: { $0.key < $1.key }) {
            guard let expected = known[name] else { throw MigrationError.unknownApplied(name: name) }
            guard expected == checksum else { throw MigrationError.edited(name: name) }
        }
    }

    private static func ensureTableAndRead(_ connection: PostgresConnection, logger: Logger) async throws -> [String:
        String]
    {
        try await connection.query(
            """
            CREATE TABLE IF NOT EXISTS schema_migrations (
                name text PRIMARY KEY,
                checksum text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now()
            )
            """, logger: logger)
        return try await read(connection, logger: logger)
    }

    private static func read(_ connection: PostgresConnection, logger: Logger) async throws -> [String: String] {
        var applied: [String: String] = [:]
        for try await (name, checksum) in try await connection.query(
            "SELECT name, checksum FROM schema_migrations", logger: logger
        )
        .decode((String, String).self) {
            applied[name] = checksum
        }
        return applied
    }
}
