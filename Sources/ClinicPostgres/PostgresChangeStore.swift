import ClinicDomain
import ClinicServices
import Foundation
import PostgresNIO

/// The change feed: rows the triggers of migration 0012 write in each change's transaction,
/// placed in the feed by one sequencer at a time.
public struct PostgresChangeStore: ChangeStore {
    let database: ClinicDatabase
    /// The advisory lock that makes the sequencer one across every server of the database.
    public static let sequencerLock: Int64 = 0x636C_696E_6963_0012

    public init(database: ClinicDatabase) { self.database = database }

    @discardableResult public func sequence() async throws -> Int {
        let logger = database.logger
        return try await database.transaction(scope: .network) { connection in
            let pending =
                try await connection.query(
                    "SELECT EXISTS (SELECT 1 FROM changes WHERE position IS NULL)", logger: logger
                ).collect().first?.decode(Bool.self) ?? false
            guard pending else { return 0 }
            // Held to the end of this transaction: the next sequencer starts after these positions
            // are visible, and so numbers on from them.
            try await connection.runToEnd("SELECT pg_advisory_xact_lock(\(Self.sequencerLock))", logger: logger)
            return try await connection.query(
                """
                WITH pending AS (SELECT id FROM changes WHERE position IS NULL ORDER BY id LIMIT 10000),
                     numbered AS (SELECT id, row_number() OVER (ORDER BY id) AS n FROM pending),
                     top AS (SELECT coalesce(max(position), 0) AS top FROM changes)
                UPDATE changes c SET position = top.top + numbered.n
                FROM numbered, top WHERE c.id = numbered.id
                RETURNING 1
                """, logger: logger
            ).collect().count
        }
    }

    public func changes(after position: Int64, types: [ChangeType]?, limit: Int, scope: ClinicScope) async throws
        -> ChangeFeedRead
    {
        let logger = database.logger
        let typeNames = types?.map(\.rawValue)
        return try await database.withConnection(scope: scope) { connection in
            // The newest position in the same statement as the page, so in the same snapshot: a
            // second statement could see events placed after the page was read, and a client
            // told to resume past them would never get them.
            let rows = try await connection.query(
                """
                WITH page AS (
                    SELECT \(unescaped: Self.columns) FROM changes
                    WHERE position > \(position) AND type = ANY(\(typeNames ?? Self.known))
                    ORDER BY position
                    LIMIT \(limit))
                SELECT page.*, newest.position AS newest
                FROM (SELECT coalesce(max(position), 0) AS position FROM changes) newest LEFT JOIN page ON true
                ORDER BY page.position
                """, logger: logger
            ).collect()
            var events: [ChangeEvent] = []
            var newest: Int64 = 0
            for row in rows {
                let cells = row.makeRandomAccess()
                newest = try cells["newest"].decode(Int64.self)
                // The one row of an empty page carries only `newest`.
                guard try cells["event_id"].decode(UUID?.self) != nil, let event = try Self.event(row) else { continue }
                events.append(event)
            }
            return ChangeFeedRead(events: events, newest: newest)
        }
    }

    /// The event types this build can name: a row of a kind added by a newer build is passed over
    /// (never delivered, never blocking what follows) until this one is replaced.
    static let known = ChangeType.allCases.map(\.rawValue)

    static let columns =
        "event_id, position, type, occurred_at, clinic_id, referral_id, entity, entity_id, data::text"

    /// A change row as the domain's event; nil for a type this build does not know (none is
    /// written: every event kind maps to a `ChangeType`, which a test checks).
    static func event(_ row: PostgresRow) throws -> ChangeEvent? {
        let (id, position, type, occurred, clinic, referral, entity, entityID, data) = try row.decode(
            (UUID, Int64, String, Date, UUID, UUID, String, UUID, String).self)
        guard let type = ChangeType(rawValue: type), let entity = ChangeEntity(rawValue: entity) else { return nil }
        // Every value is text: ids and states, and instants the trigger wrote in the API's form.
        let fields = (try? JSONDecoder().decode([String: String].self, from: Data(data.utf8))) ?? [:]
        return ChangeEvent(
            id: id, position: position, type: type, occurredAt: occurred, clinicID: ClinicID(clinic),
            referralID: ReferralID(referral), entity: entity, entityID: entityID, data: fields)
    }
}
