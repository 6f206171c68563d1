import ClinicDomain
import ClinicServices
import Foundation
import PostgresNIO

/// Webhook subscriptions, their leases and their delivery log.
public struct PostgresWebhookStore: WebhookStore {
    let database: ClinicDatabase

    public init(database: ClinicDatabase) { self.database = database }

    private static let columns = """
        id, url, secret, event_types, clinic_ids, description, state, paused_reason, delivered_through,
        consecutive_failures, next_attempt_at, last_error, created_at
        """

    public func create(_ subscription: WebhookSubscription, actor: Actor) async throws -> WebhookSubscription {
        // Changes committed before now are placed first, so that the subscription starts after them.
        try await PostgresChangeStore(database: database).sequence()
        let logger = database.logger
        return try await database.transaction(scope: .network) { connection in
            let rows = try await connection.query(
                """
                INSERT INTO webhook_subscriptions (id, url, secret, event_types, clinic_ids, description, state,
                    delivered_through, next_attempt_at, created_at, updated_at, created_by)
                VALUES (\(subscription.id.rawValue), \(subscription.url.value), \(subscription.secret),
                        \(subscription.eventTypes.map(\.rawValue)), \(subscription.clinicIDs.map(\.rawValue)),
                        \(subscription.description), 'active',
                        (SELECT coalesce(max(position), 0) FROM changes), \(actor.at), \(actor.at), \(actor.at),
                        \(actor.principal.name))
                RETURNING \(unescaped: Self.columns)
                """, logger: logger
            ).collect()
            try await AuditRows.insert(
                AuditEntry(
                    actor: actor, action: "webhook.create", entityType: "webhook", entityID: subscription.id.rawValue),
                on: connection, logger: logger)
            guard let row = rows.first else { throw ServiceError.unavailable("the subscription was not stored") }
            return try Self.subscription(row)
        }
    }

    public func subscriptions() async throws -> [WebhookSubscription] {
        let logger = database.logger
        return try await database.withConnection(outside: .clinicData) { connection in
            try await connection.query(
                "SELECT \(unescaped: Self.columns) FROM webhook_subscriptions ORDER BY created_at, id", logger: logger
            ).collect().map(Self.subscription)
        }
    }

    public func subscription(id: WebhookID) async throws -> WebhookSubscription? {
        let logger = database.logger
        return try await database.withConnection(outside: .clinicData) { connection in
            try await connection.query(
                "SELECT \(unescaped: Self.columns) FROM webhook_subscriptions WHERE id = \(id.rawValue)",
                logger: logger
            ).collect().first.map(Self.subscription)
        }
    }

    public func delete(id: WebhookID, actor: Actor) async throws -> Bool {
        try await change(id, action: "webhook.delete", actor: actor) { connection, logger in
            try await connection.query(
                "DELETE FROM webhook_subscriptions WHERE id = \(id.rawValue) RETURNING 1", logger: logger
            ).collect().count == 1
        }
    }

    public func resume(id: WebhookID, actor: Actor) async throws -> Bool {
        try await change(id, action: "webhook.resume", actor: actor) { connection, logger in
            try await connection.query(
                """
                UPDATE webhook_subscriptions SET state = 'active', paused_reason = NULL, consecutive_failures = 0,
                    next_attempt_at = \(actor.at), updated_at = \(actor.at)
                WHERE id = \(id.rawValue) RETURNING 1
                """, logger: logger
            ).collect().count == 1
        }
    }

    private func change(
        _ id: WebhookID, action: String, actor: Actor,
        _ body: @escaping @Sendable (PostgresConnection, Logger) async throws -> Bool
    ) async throws -> Bool {
        let logger = database.logger
        return try await database.transaction(outside: .clinicData) { connection in
            guard try await body(connection, logger) else { return false }
            try await AuditRows.insert(
                AuditEntry(actor: actor, action: action, entityType: "webhook", entityID: id.rawValue),
                on: connection, logger: logger)
            return true
        }
    }

    public func deliveries(subscriptionID: WebhookID, before beforeID: Int64?, limit: Int) async throws
        -> [WebhookDelivery]
    {
        let logger = database.logger
        return try await database.withConnection(outside: .clinicData) { connection in
            try await connection.query(
                """
                SELECT id, event_id, position, event_type, attempt, attempted_at, duration_ms, outcome, status_code, error
                FROM webhook_deliveries
                WHERE subscription_id = \(subscriptionID.rawValue) AND (\(beforeID)::bigint IS NULL OR id < \(beforeID))
                ORDER BY id DESC
                LIMIT \(limit + 1)
                """, logger: logger
            ).collect().compactMap { row in
                let (id, event, position, type, attempt, at, duration, outcome, status, error) = try row.decode(
                    (Int64, UUID, Int64, String, Int, Date, Int, String, Int?, String?).self)
                guard let type = ChangeType(rawValue: type) else { return nil }
                return WebhookDelivery(
                    id: id, eventID: event, position: position, eventType: type, attempt: attempt, attemptedAt: at,
                    durationMilliseconds: duration, outcome: WebhookDelivery.Outcome(rawValue: outcome) ?? .failed,
                    statusCode: status, error: error)
            }
        }
    }

    public func backlog(of subscription: WebhookSubscription) async throws -> Int {
        let logger = database.logger
        let types = subscription.eventTypes.map(\.rawValue)
        let clinics = subscription.clinicIDs.map(\.rawValue)
        return try await database.withConnection(scope: .network) { connection in
            try await connection.query(
                """
                SELECT count(*)::int FROM (
                    SELECT 1 FROM changes
                    WHERE position > \(subscription.deliveredThrough)
                      AND (cardinality(\(types)::text[]) = 0 OR type = ANY(\(types)))
                      AND (cardinality(\(clinics)::uuid[]) = 0 OR clinic_id = ANY(\(clinics)))
                    LIMIT 100000) waiting
                """, logger: logger
            ).collect().first?.decode(Int.self) ?? 0
        }
    }

    public func claim(owner: UUID, now: Date, lease: Duration) async throws -> WebhookSubscription? {
        let logger = database.logger
        let leaseEnds = now.addingTimeInterval(lease.timeInterval)
        return try await database.transaction(scope: .network) { connection in
            try await connection.query(
                """
                UPDATE webhook_subscriptions SET lease_owner = \(owner), lease_until = \(leaseEnds)
                WHERE id = (
                    SELECT s.id FROM webhook_subscriptions s
                    WHERE s.state = 'active' AND s.next_attempt_at <= \(now)
                      AND (s.lease_until IS NULL OR s.lease_until < \(now))
                      AND EXISTS (SELECT 1 FROM changes c
                                  WHERE c.position > s.delivered_through AND c.type = ANY(\(PostgresChangeStore.known))
                                    AND (cardinality(s.clinic_ids) = 0 OR c.clinic_id = ANY(s.clinic_ids)))
                    ORDER BY s.next_attempt_at, s.id
                    LIMIT 1
                    FOR UPDATE SKIP LOCKED)
                RETURNING \(unescaped: Self.columns)
                """, logger: logger
            ).collect().first.map(Self.subscription)
        }
    }

    public func pending(for subscription: WebhookSubscription, limit: Int) async throws -> [ChangeEvent] {
        let logger = database.logger
        let clinics = subscription.clinicIDs.map(\.rawValue)
        return try await database.withConnection(scope: .network) { connection in
            try await connection.query(
                """
                SELECT \(unescaped: PostgresChangeStore.columns) FROM changes
                WHERE position > \(subscription.deliveredThrough) AND type = ANY(\(PostgresChangeStore.known))
                  AND (cardinality(\(clinics)::uuid[]) = 0 OR clinic_id = ANY(\(clinics)))
                ORDER BY position
                LIMIT \(limit)
                """, logger: logger
            ).collect().compactMap(PostgresChangeStore.event)
        }
    }

    public func record(_ attempt: WebhookAttempt, owner: UUID) async throws -> Bool {
        let logger = database.logger
        let leaseEnds = attempt.leaseUntil
        return try await database.transaction(outside: .clinicData) { connection in
            let held: Bool
            if attempt.delivered {
                held =
                    try await connection.query(
                        """
                        UPDATE webhook_subscriptions SET delivered_through = greatest(delivered_through, \(attempt.event.position)),
                            consecutive_failures = 0, last_error = NULL, lease_until = \(leaseEnds), updated_at = \(attempt.at)
                        WHERE id = \(attempt.subscriptionID.rawValue) AND lease_owner = \(owner) RETURNING 1
                        """, logger: logger
                    ).collect().count == 1
            } else {
                held =
                    try await connection.query(
                        """
                        UPDATE webhook_subscriptions SET consecutive_failures = consecutive_failures + 1,
                            last_error = \(attempt.error), next_attempt_at = coalesce(\(attempt.retryAt), next_attempt_at),
                            state = CASE WHEN \(attempt.pauseReason)::text IS NULL THEN state ELSE 'paused' END,
                            paused_reason = coalesce(\(attempt.pauseReason), paused_reason),
                            lease_until = \(leaseEnds), updated_at = \(attempt.at)
                        WHERE id = \(attempt.subscriptionID.rawValue) AND lease_owner = \(owner) RETURNING 1
                        """, logger: logger
                    ).collect().count == 1
            }
            guard held else { return false }
            try await connection.query(
                """
                INSERT INTO webhook_deliveries (subscription_id, event_id, position, event_type, attempt, attempted_at,
                    duration_ms, outcome, status_code, error)
                VALUES (\(attempt.subscriptionID.rawValue), \(attempt.event.id), \(attempt.event.position),
                        \(attempt.event.type.rawValue), \(attempt.attempt), \(attempt.at), \(attempt.durationMilliseconds),
                        \(attempt.delivered ? "delivered" : "failed"), \(attempt.statusCode),
                        \(attempt.error.map { String($0.prefix(1000)) }))
                """, logger: logger)
            return true
        }
    }

    public func skip(subscriptionID: WebhookID, through position: Int64, owner: UUID) async throws {
        let logger = database.logger
        try await database.withConnection(outside: .clinicData) { connection in
            try await connection.query(
                """
                UPDATE webhook_subscriptions SET delivered_through = greatest(delivered_through, \(position))
                WHERE id = \(subscriptionID.rawValue) AND lease_owner = \(owner)
                """, logger: logger)
        }
    }

    public func release(subscriptionID: WebhookID, owner: UUID, now: Date) async throws {
        let logger = database.logger
        try await database.withConnection(outside: .clinicData) { connection in
            try await connection.query(
                """
                UPDATE webhook_subscriptions SET lease_owner = NULL, lease_until = NULL,
                    next_attempt_at = greatest(next_attempt_at, \(now))
                WHERE id = \(subscriptionID.rawValue) AND lease_owner = \(owner)
                """, logger: logger)
        }
    }

    static func subscription(_ row: PostgresRow) throws -> WebhookSubscription {
        let (id, url, secret, types, clinics, description, state, reason, through, failures, next, error, created) =
            try row.decode(
                (UUID, String, String, [String], [UUID], String?, String, String?, Int64, Int, Date, String?, Date).self
            )
        return WebhookSubscription(
            id: WebhookID(id), url: try WebhookURL(url), secret: secret,
            eventTypes: types.compactMap(ChangeType.init(rawValue:)), clinicIDs: clinics.map(ClinicID.init),
            description: description, state: state == "paused" ? .paused(reason: reason ?? "paused") : .active,
            consecutiveFailures: failures, lastError: error, nextAttemptAt: next, deliveredThrough: through,
            createdAt: created)
    }
}
