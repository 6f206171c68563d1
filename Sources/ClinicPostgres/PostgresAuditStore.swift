import ClinicDomain
import ClinicServices
import Foundation
import PostgresNIO

/// The append-only audit trail.
public struct PostgresAuditStore: AuditStore {
    let database: ClinicDatabase

    public init(database: ClinicDatabase) { self.database = database }

    public func record(_ entry: AuditEntry) async throws {
        let logger = database.logger
        try await database.withConnection(outside: .clinicData) { connection in
            try await AuditRows.insert(entry, on: connection, logger: logger)
        }
    }

    public func entries(entityID: UUID, after: Int64?, limit: Int) async throws -> [StoredAuditEntry] {
        let logger = database.logger
        return try await database.withConnection(outside: .clinicData) { connection in
            try await connection.query(
                """
                SELECT id, occurred_at, actor_name, actor_role, action, entity_type, entity_id, request_id, outcome, clinic_id
                FROM audit_log WHERE entity_id = \(entityID) AND id > \(after ?? 0) ORDER BY id LIMIT \(limit)
                """, logger: logger
            ).collect().map { row in
                let (id, at, name, role, action, type, entity, request, outcome, clinic) =
                    try row.decode((Int64, Date, String, String, String, String, UUID?, String?, String, UUID?).self)
                return StoredAuditEntry(
                    id: id, occurredAt: at, actorName: name, actorRole: role, action: action,
                    entityType: type, entityID: entity, requestID: request, outcome: outcome,
                    clinicID: clinic.map(ClinicID.init))
            }
        }
    }
}

/// Writes one audit row on a given connection, so a mutation and its audit commit together.
enum AuditRows {
    static func insert(_ entry: AuditEntry, on connection: PostgresConnection, logger: Logger) async throws {
        _ = try await connection.execute(Insert(entry: entry), logger: logger)
    }

    /// Every request writes one: prepared once per connection, so PostgreSQL parses and plans it
    /// once instead of for every request.
    struct Insert: PostgresPreparedStatement {
        typealias Row = ()
        static let name = "audit_insert"
        static let sql = """
            INSERT INTO audit_log (actor_token_id, actor_name, actor_role, action, entity_type, entity_id, request_id, outcome,
                                   occurred_at, clinic_id)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
            """
        let entry: AuditEntry

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 10)
            bindings.append(entry.actor.principal.tokenID?.rawValue)
            bindings.append(entry.actor.principal.name)
            bindings.append(entry.actor.principal.role.rawValue)
            bindings.append(entry.action)
            bindings.append(entry.entityType)
            bindings.append(entry.entityID)
            bindings.append(entry.actor.requestID)
            bindings.append(entry.outcome.rawValue)
            bindings.append(entry.actor.at)
            bindings.append(entry.clinicID?.rawValue)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws {}
    }
}
