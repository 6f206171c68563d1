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

    /// What the connected role may do beyond the grants the application needs.
    public struct RolePrivileges: Sendable, Hashable {
        public let name: String
        public let isSuperuser: Bool
        public let canCreateRoles: Bool
        /// Tables and sequences of this database owned by the role or by a role it is a member of:
        /// an owner may disable the audit trail's triggers or drop the tables.
        public let ownedRelations: Int
        /// UPDATE, DELETE or TRUNCATE on `audit_log` or `referral_events`, which are append-only.
        public let mayRewriteHistory: Bool

        /// Whether row-level security lets this role past: a superuser, or the owner of the
        /// tables (the policies are not forced on their owner). Bulk COPY needs it.
        public var bypassesRowSecurity: Bool { isSuperuser || ownedRelations > 0 }

        /// Why a server must not run as this role; nil when it holds only what it needs.
        public var privilegeProblem: String? {
            var problems: [String] = []
            if isSuperuser {
                problems.append(
                    "\(name) is a superuser (it could disable any trigger, empty the audit trail and run programs on the database host)"
                )
            }
            if canCreateRoles { problems.append("\(name) may create roles (and so grant itself the owner's)") }
            if ownedRelations > 0 {
                problems.append(
                    "\(name) owns \(ownedRelations) table(s) or sequence(s), directly or through a role it belongs to (an owner may drop them or disable the audit trail's triggers)"
                )
            }
            if mayRewriteHistory {
                problems.append("\(name) may update, delete or truncate the append-only audit_log or referral_events")
            }
            guard !problems.isEmpty else { return nil }
            return problems.joined(separator: "; ")
                + ". Run the server as the application role (clinic_app: see the README's Security section), and migrate as the owner."
        }
    }

    let database: ClinicDatabase

    public init(database: ClinicDatabase) {
        self.database = database
    }

    /// Version and btree_gist, in one round trip.
    public func server() async throws -> Server {
        let logger = database.logger
        return try await database.withConnection(outside: .clinicData) { connection in
            let rows = try await connection.query(
                """
                SELECT current_setting('server_version_num')::int, current_setting('server_version'),
                       EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'btree_gist'),
                       (SELECT extversion FROM pg_extension WHERE extname = 'btree_gist')
                """, logger: logger
            ).collect()
            let (number, version, available, installed) = try rows[0].decode((Int, String, Bool, String?).self)
            return Server(
                versionNumber: number, version: version, btreeGistAvailable: available, btreeGistInstalled: installed)
        }
    }

    /// The connected role's powers, in one round trip.
    public func role() async throws -> RolePrivileges {
        let logger = database.logger
        return try await database.withConnection(outside: .clinicData) { connection in
            let rows = try await connection.query(
                """
                SELECT current_user::text, r.rolsuper, r.rolcreaterole,
                       (SELECT count(*)::int FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                        WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
                          AND c.relkind IN ('r', 'p', 'S', 'v', 'm')
                          AND pg_has_role(current_user, c.relowner, 'MEMBER')),
                       coalesce((SELECT bool_or(has_table_privilege(t.oid, p.privilege))
                                 FROM pg_class t CROSS JOIN unnest(ARRAY['UPDATE', 'DELETE', 'TRUNCATE']) AS p(privilege)
                                 WHERE t.oid IN (to_regclass('audit_log'), to_regclass('referral_events'))), false)
                FROM pg_roles r WHERE r.rolname = current_user
                """, logger: logger
            ).collect()
            let (name, superuser, createRole, owned, rewrite) = try rows[0].decode((String, Bool, Bool, Int, Bool).self)
            return RolePrivileges(
                name: name, isSuperuser: superuser, canCreateRoles: createRole, ownedRelations: owned,
                mayRewriteHistory: rewrite)
        }
    }

    /// The database's clock against this machine's.
    public func clock() async throws -> Clock {
        let logger = database.logger
        return try await database.withConnection(outside: .clinicData) { connection in
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
        return try await database.withConnection(outside: .clinicData) { connection in
            let exists = try await connection.query("SELECT to_regclass('clinics') IS NOT NULL", logger: logger)
                .collect()
            guard try exists[0].decode(Bool.self) else { return nil }
            var zones: [ClinicZone] = []
            // IN (subquery) reads pg_timezone_names, a scan of the zone files, once rather than per clinic.
            for try await (identifier, clinics, known) in try await connection.query(
                """
                SELECT c.time_zone, count(*)::int, c.time_zone IN (SELECT name FROM pg_timezone_names)
                FROM clinics c GROUP BY c.time_zone ORDER BY c.time_zone
                """, logger: logger
            ).decode((String, Int, Bool).self) {
                zones.append(ClinicZone(identifier: identifier, clinics: clinics, knownToDatabase: known))
            }
            return zones
        }
    }
}
