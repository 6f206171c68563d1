import ClinicServices
import Foundation
import PostgresNIO

/// Idempotency-Key claims, written in the transaction of the creation they guard.
enum IdempotencyRows {
    /// Claims the key, or returns the id an earlier identical request created. A concurrent twin
    /// blocks on the insert until the first commits, then finds its row.
    /// - Throws: `ServiceError.idempotencyKeyReused` when the key came with another request.
    static func claim(_ claim: IdempotencyClaim, on connection: PostgresConnection, logger: Logger) async throws
        -> UUID?
    {
        let claimed =
            try await connection.query(
                """
                INSERT INTO idempotency_keys (scope, key, request_hash) VALUES (\(claim.scope), \(claim.key), \(Data(claim.requestHash)))
                ON CONFLICT DO NOTHING RETURNING 1
                """, logger: logger
            ).collect().count == 1
        if claimed { return nil }
        let rows = try await connection.query(
            """
            SELECT request_hash, entity_id FROM idempotency_keys WHERE scope = \(claim.scope) AND key = \(claim.key)
            """, logger: logger
        ).collect()
        guard let row = rows.first else { throw ServiceError.unavailable("idempotency key vanished") }
        let (hash, entity) = try row.decode((Data, UUID?).self)
        guard hash == Data(claim.requestHash), let entity else { throw ServiceError.idempotencyKeyReused }
        return entity
    }

    /// What an earlier request with this key created, without claiming it; nil when the key is
    /// unused (or its first request is still running).
    /// - Throws: `ServiceError.idempotencyKeyReused` when the key came with another request.
    static func earlier(_ claim: IdempotencyClaim, on connection: PostgresConnection, logger: Logger) async throws
        -> UUID?
    {
        let rows = try await connection.query(
            """
            SELECT request_hash, entity_id FROM idempotency_keys WHERE scope = \(claim.scope) AND key = \(claim.key)
            """, logger: logger
        ).collect()
        guard let row = rows.first else { return nil }
        let (hash, entity) = try row.decode((Data, UUID?).self)
        guard hash == Data(claim.requestHash) else { throw ServiceError.idempotencyKeyReused }
        return entity
    }

    /// Records what the claimed key created, for its replays.
    static func record(_ claim: IdempotencyClaim, entity: UUID, on connection: PostgresConnection, logger: Logger)
        async throws
    {
        try await connection.query(
            """
            UPDATE idempotency_keys SET entity_id = \(entity) WHERE scope = \(claim.scope) AND key = \(claim.key)
            """, logger: logger)
    }
}
