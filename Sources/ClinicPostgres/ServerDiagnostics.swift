import Foundation
import PostgresNIO

/// Read-only questions `clinic check` asks the server about itself: version, extensions, clock
/// and the time zones the clinics use. Nothing here writes.
public struct ServerDiagnostics: Sendable {
    /// The server's version and whether the exclusion constraints' extension can be used.
    public struct Server: Sendable, Hashable {
        /// `server_version_num`, e.g. 150004 for 15.4.
        public let versionNumber: Int
        public let version: String
        public let btreeGistAvailable: Bool
        /// The installed version, nil when `CREATE EXTENSION btree_gist` has not run here.
        public let btreeGistInstalled: String?
    }

    /// The database's clock read between two local readings, so the round trip bounds the error.
    public struct Clock: Sendable, Hashable {
        public let databaseNow: Date
        public let sentAt: Date
        public let receivedAt: Date

        /// Seconds the database's clock is ahead of this machine's (negative: behind).
        public var offset: TimeInterval {
            databaseNow.timeIntervalSince(sentAt.addingTimeInterval(receivedAt.timeIntervalSince(sentAt) / 2))
        }

        /// Half the round trip: how far `offset` may be off.
        public var uncertainty: TimeInterval { receivedAt.timeIntervalSince(sentAt) / 2 }
    }

    /// One IANA zone the clinics use, and whether PostgreSQL's zone database knows it.
    public struct ClinicZone: Sendable, Hashable {
        public let identifier: String
        public let clinics: Int
        public let knownToDatabase: Bool
    }

    let database: ClinicDatabase

    public init(database: ClinicDatabase) {
        self.database = database
    }

    /// Version and btree_gist, in one round trip.
    public func server() async throws -> Server {
        let logger = database.logger
        return try await database.withConnection { connection in
            let rows = try await connection.query("""
                SELECT current_setting('server_version_num')::int, current_setting('server_version'),
                       EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'btree_gist'),
                       (SELECT extversion FROM pg_extension WHERE extname = 'btree_gist')
                """, logger: logger).collect()
            let (number, version, available, installed) = try rows[0].decode((Int, String, Bool, String?).self)
            return Server(versionNumber: number, version: version, btreeGistAvailable: available, btreeGistInstalled: installed)
        }
    }

    /// The database's clock against this machine's.
    public func clock() async throws -> Clock {
        let logger = database.logger
        return try await database.withConnection { connection in
            // A warm-up round trip first: the timed one then measures the clock, not the connection's start.
            _ = try await connection.query("SELECT 1", logger: logger).collect()
            let sentAt = Date()
            // clock_timestamp(), not now(): now() is the transaction's start, not this moment.
            let rows = try await connection.query("SELECT clock_timestamp()", logger: logger).collect()
            let receivedAt = Date()
            return Clock(databaseNow: try rows[0].decode(Date.self), sentAt: sentAt, receivedAt: receivedAt)
        }
    }

    /// The zones of every clinic, grouped; nil when there is no `clinics` table yet (unmigrated).
    public func clinicZones() async throws -> [ClinicZone]? {
        let logger = database.logger
        return try await database.withConnection { connection in
            let exists = try await connection.query("SELECT to_regclass('clinics') IS NOT NULL", logger: logger).collect()
            guard try exists[0].decode(Bool.self) else { return nil }
            var zones: [ClinicZone] = []
            // IN (subquery) reads pg_timezone_names, a scan of the zone files, once rather than per clinic.
            for try await (identifier, clinics, known) in try await connection.query("""
                SELECT c.time_zone, count(*)::int, c.time_zone IN (SELECT name FROM pg_timezone_names)
                FROM clinics c GROUP BY c.time_zone ORDER BY c.time_zone
                """, logger: logger).decode((String, Int, Bool).self) {
                zones.append(ClinicZone(identifier: identifier, clinics: clinics, knownToDatabase: known))
            }
            return zones
        }
    }
}
