import ClinicDomain
import ClinicServices
import Foundation
import PostgresNIO

/// API tokens, stored by the SHA-256 of their secret.
public struct PostgresTokenStore: TokenStore {
    let database: ClinicDatabase

    public init(database: ClinicDatabase) { self.database = database }

    public func insert(id: APITokenID, name: String, role: Role, hash: [UInt8], expiresAt: Date?) async throws {
        let logger = database.logger
        try await database.withConnection { connection in
            try await connection.query(
                """
                INSERT INTO api_tokens (id, name, role, token_hash, expires_at)
                VALUES (\(id.rawValue), \(name), \(role.rawValue), \(Data(hash)), \(expiresAt))
                """, logger: logger)
        }
    }

    public func authenticate(hash: [UInt8], now: Date) async throws -> Principal? {
        let logger = database.logger
        return try await database.withConnection { connection in
            let rows = try await connection.query(
                """
                SELECT id, name, role, last_used_at IS NULL OR last_used_at < \(now) - interval '1 minute'
                FROM api_tokens
                WHERE token_hash = \(Data(hash)) AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > \(now))
                """, logger: logger
            ).collect()
            guard let row = rows.first else { return nil }
            let (id, name, roleText, stale) = try row.decode((UUID, String, String, Bool).self)
            guard let role = Role(rawValue: roleText) else { return nil }
            // Last-used is kept to the minute: one write per token per minute, not one per request.
            if stale {
                try await connection.query(
                    "UPDATE api_tokens SET last_used_at = \(now) WHERE id = \(id)", logger: logger)
            }
            return Principal(tokenID: APITokenID(id), name: name, role: role)
        }
    }

    public func list() async throws -> [APIToken] {
        let logger = database.logger
        return try await database.withConnection { connection in
            try await connection.query(
                """
                SELECT id, name, role, created_at, expires_at, revoked_at, last_used_at FROM api_tokens ORDER BY created_at, id
                """, logger: logger
            ).collect().compactMap { row in
                let (id, name, role, created, expires, revoked, used) =
                    try row.decode((UUID, String, String, Date, Date?, Date?, Date?).self)
                guard let role = Role(rawValue: role) else { return nil }
                return APIToken(
                    id: APITokenID(id), name: name, role: role, createdAt: created, expiresAt: expires,
                    revokedAt: revoked, lastUsedAt: used)
            }
        }
    }

    public func revoke(id: APITokenID, at: Date) async throws -> Bool {
        let logger = database.logger
        return try await database.withConnection { connection in
            try await connection.query(
                """
                UPDATE api_tokens SET revoked_at = coalesce(revoked_at, \(at)) WHERE id = \(id.rawValue) RETURNING 1
                """, logger: logger
            ).collect().count == 1
        }
    }
}
