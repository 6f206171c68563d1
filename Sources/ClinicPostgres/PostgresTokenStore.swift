import ClinicDomain
import ClinicServices
import Foundation
import PostgresNIO

/// API tokens, stored by the SHA-256 of their secret.
public struct PostgresTokenStore: TokenStore {
    let database: ClinicDatabase

    public init(database: ClinicDatabase) { self.database = database }

    public func insert(
        id: APITokenID, name: String, role: Role, scope: ClinicScope, hash: [UInt8], expiresAt: Date?
    ) async throws {
        let logger = database.logger
        let clinics = (scope.clinicIDs ?? []).map(\.rawValue)
        try await database.transaction(outside: .clinicData) { connection in
            let known = try await connection.query(
                "SELECT id FROM clinics WHERE id = ANY(\(clinics))", logger: logger
            ).collect().map { try $0.decode(UUID.self) }
            if let unknown = clinics.first(where: { !known.contains($0) }) {
                throw ServiceError.unknownReference(
                    pointer: "/clinics/\(unknown.uuidString.lowercased())", entity: "clinic")
            }
            try await connection.query(
                """
                INSERT INTO api_tokens (id, name, role, token_hash, expires_at, all_clinics)
                VALUES (\(id.rawValue), \(name), \(role.rawValue), \(Data(hash)), \(expiresAt), \(scope.isNetwork))
                """, logger: logger)
            try await connection.query(
                """
                INSERT INTO api_token_clinics (token_id, clinic_id) SELECT \(id.rawValue), unnest(\(clinics)::uuid[])
                """, logger: logger)
        }
    }

    /// A token's scope from its row: the network, or the clinics listed (none for a token that
    /// reached nothing when scopes were introduced).
    static func scope(allClinics: Bool, clinics: [UUID]) -> ClinicScope {
        allClinics ? .network : .clinics(Set(clinics.map(ClinicID.init)))
    }

    public func authenticate(hash: [UInt8], now: Date) async throws -> Principal? {
        let logger = database.logger
        return try await database.withConnection(outside: .clinicData) { connection in
            var found: Authenticate.Row?
            for try await row in try await connection.execute(Authenticate(hash: Data(hash), now: now), logger: logger)
            {
                found = row
            }
            guard let (id, name, roleText, stale, allClinics, clinics) = found else { return nil }
            guard let role = Role(rawValue: roleText) else { return nil }
            // Last-used is kept to the minute: one write per token per minute, not one per request.
            if stale {
                try await connection.query(
                    "UPDATE api_tokens SET last_used_at = \(now) WHERE id = \(id)", logger: logger)
            }
            return Principal(
                tokenID: APITokenID(id), name: name, role: role,
                scope: Self.scope(allClinics: allClinics, clinics: clinics))
        }
    }

    public func list() async throws -> [APIToken] {
        let logger = database.logger
        return try await database.withConnection(outside: .clinicData) { connection in
            try await connection.query(
                """
                SELECT id, name, role, created_at, expires_at, revoked_at, last_used_at, all_clinics,
                       ARRAY(SELECT clinic_id FROM api_token_clinics WHERE token_id = api_tokens.id)
                FROM api_tokens ORDER BY created_at, id
                """, logger: logger
            ).collect().compactMap { row in
                let (id, name, role, created, expires, revoked, used, allClinics, clinics) =
                    try row.decode((UUID, String, String, Date, Date?, Date?, Date?, Bool, [UUID]).self)
                guard let role = Role(rawValue: role) else { return nil }
                return APIToken(
                    id: APITokenID(id), name: name, role: role,
                    scope: Self.scope(allClinics: allClinics, clinics: clinics), createdAt: created,
                    expiresAt: expires, revokedAt: revoked, lastUsedAt: used)
            }
        }
    }

    public func revoke(id: APITokenID, at: Date) async throws -> Bool {
        let logger = database.logger
        return try await database.withConnection(outside: .clinicData) { connection in
            try await connection.query(
                """
                UPDATE api_tokens SET revoked_at = coalesce(revoked_at, \(at)) WHERE id = \(id.rawValue) RETURNING 1
                """, logger: logger
            ).collect().count == 1
        }
    }
}

/// The token check every request makes: prepared once per connection, so PostgreSQL parses and
/// plans it once instead of for every request.
struct Authenticate: PostgresPreparedStatement {
    typealias Row = (UUID, String, String, Bool, Bool, [UUID])
    static let name = "token_authenticate"
    static let sql = """
        SELECT id, name, role, last_used_at IS NULL OR last_used_at < $2 - interval '1 minute',
               all_clinics, ARRAY(SELECT clinic_id FROM api_token_clinics WHERE token_id = api_tokens.id)
        FROM api_tokens
        WHERE token_hash = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > $2)
        """
    let hash: Data
    let now: Date

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 2)
        try bindings.append(hash)
        bindings.append(now)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
}
