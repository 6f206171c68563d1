import ClinicDomain
import ClinicServices
import Foundation
import PostgresNIO

/// Renaming, deactivating and blocking resources, with the bookings that stand in the way.
extension PostgresClinicStore: ResourceAdminStore {
    public func resource(id: ResourceID) async throws -> ResourceSetup? {
        let logger = database.logger
        return try await database.withConnection(outside: .clinicData) { connection in
            guard let resource = try await Self.resource(id, connection, logger, lock: false) else { return nil }
            return ResourceSetup(resource: resource, windows: try await Self.windows(id, connection, logger))
        }
    }

    public func futureBookings(resourceID: ResourceID, after: Date, limit: Int, scope: ClinicScope) async throws
        -> [BookingReference]
    {
        let logger = database.logger
        return try await database.withConnection(scope: scope) { connection in
            try await Self.bookings(resourceID, overlapping: after, nil, now: after, limit: limit, connection, logger)
        }
    }

    public func updateResource(id: ResourceID, name: BoundedText?, active: Bool?, actor: Actor) async throws
        -> ResourceUpdateOutcome
    {
        let logger = database.logger
        return try await database.transaction(scope: actor.scope) { connection in
            // Locked: a booking claims its resources under a lock on their rows, so no booking
            // slips in between the check below and the deactivation.
            guard let current = try await Self.resource(id, connection, logger, lock: true) else { return .notFound }
            if let name, name != current.name {
                let taken = try await connection.query(
                    """
                    SELECT 1 FROM resources WHERE clinic_id = \(current.clinicID.rawValue) AND name = \(name.value)
                      AND id <> \(id.rawValue)
                    """, logger: logger
                ).collect()
                if !taken.isEmpty { return .nameTaken }
            }
            if active == false, current.active {
                let bookings = try await Self.bookings(
                    id, overlapping: actor.at, nil, now: actor.at, limit: ResourceAdministration.bookingListLimit,
                    connection, logger)
                if !bookings.isEmpty { return .holdsBookings(bookings) }
            }
            try await connection.query(
                """
                UPDATE resources SET name = coalesce(\(name?.value), name), active = coalesce(\(active), active)
                WHERE id = \(id.rawValue)
                """, logger: logger)
            try await AuditRows.insert(
                AuditEntry(actor: actor, action: "resource.update", entityType: "resource", entityID: id.rawValue),
                on: connection, logger: logger)
            guard let updated = try await Self.resource(id, connection, logger, lock: false) else { return .notFound }
            return .updated(ResourceSetup(resource: updated, windows: try await Self.windows(id, connection, logger)))
        }
    }

    public func addBlock(_ block: ResourceBlock, actor: Actor) async throws -> BlockOutcome {
        let logger = database.logger
        return try await database.transaction(scope: actor.scope) { connection in
            guard try await Self.resource(block.resourceID, connection, logger, lock: true) != nil else {
                return .resourceNotFound
            }
            let covered = try await Self.bookings(
                block.resourceID, overlapping: block.during.lowerBound, block.during.upperBound, now: actor.at,
                limit: ResourceAdministration.bookingListLimit, connection, logger)
            if !covered.isEmpty, !block.overBookings { return .overlapsBookings(covered) }
            try await connection.query(
                """
                INSERT INTO resource_blocks (id, resource_id, during, kind, reason, over_bookings, created_at)
                VALUES (\(block.id.rawValue), \(block.resourceID.rawValue),
                        tstzrange(\(block.during.lowerBound), \(block.during.upperBound), '[)'), \(block.kind.rawValue),
                        \(block.reason.value), \(block.overBookings), \(actor.at))
                """, logger: logger)
            try await AuditRows.insert(
                AuditEntry(
                    actor: actor, action: block.overBookings ? "resource.block_over_bookings" : "resource.block",
                    entityType: "resource", entityID: block.resourceID.rawValue),
                on: connection, logger: logger)
            return .added(covering: covered)
        }
    }

    public func blocks(resourceID: ResourceID, from: Date, to: Date?, after cursor: BlockCursor?, limit: Int)
        async throws -> [ResourceBlock]
    {
        let logger = database.logger
        return try await database.withConnection(outside: .clinicData) { connection in
            try await connection.query(
                """
                SELECT id, lower(during), upper(during), kind, reason, over_bookings FROM resource_blocks
                WHERE resource_id = \(resourceID.rawValue) AND upper(during) > \(from)
                  AND (\(to)::timestamptz IS NULL OR lower(during) < \(to))
                  AND (\(cursor?.microseconds)::bigint IS NULL
                       OR (date_trunc('microseconds', lower(during)), id)
                          > ('epoch'::timestamptz + \(cursor?.microseconds)::bigint * interval '1 microsecond',
                             \(cursor?.id.rawValue)::uuid))
                ORDER BY lower(during), id
                LIMIT \(limit + 1)
                """, logger: logger
            ).collect().map { row in
                let (id, starts, ends, kind, reason, over) = try row.decode(
                    (UUID, Date, Date, String, String, Bool).self)
                return try ResourceBlock(
                    id: BlockID(id), resourceID: resourceID, starts: starts, ends: ends,
                    kind: BlockKind(rawValue: kind) ?? .other, reason: try BoundedText(reason, maxLength: 500),
                    overBookings: over)
            }
        }
    }

    public func deleteBlock(id: BlockID, resourceID: ResourceID, actor: Actor) async throws -> Bool {
        let logger = database.logger
        return try await database.transaction(outside: .clinicData) { connection in
            let deleted =
                try await connection.query(
                    """
                    DELETE FROM resource_blocks WHERE id = \(id.rawValue) AND resource_id = \(resourceID.rawValue)
                    RETURNING 1
                    """, logger: logger
                ).collect().count == 1
            if deleted {
                try await AuditRows.insert(
                    AuditEntry(
                        actor: actor, action: "resource.unblock", entityType: "resource", entityID: resourceID.rawValue),
                    on: connection, logger: logger)
            }
            return deleted
        }
    }

    static func resource(_ id: ResourceID, _ connection: PostgresConnection, _ logger: Logger, lock: Bool)
        async throws -> Resource?
    {
        let rows = try await connection.query(
            """
            SELECT clinic_id, kind, name, active FROM resources WHERE id = \(id.rawValue)
            \(unescaped: lock ? "FOR UPDATE" : "")
            """, logger: logger
        ).collect()
        guard let row = rows.first else { return nil }
        let (clinic, kind, name, active) = try row.decode((UUID, String, String, Bool).self)
        return Resource(
            id: id, clinicID: ClinicID(clinic), kind: ResourceKind(rawValue: kind) ?? .consultRoom,
            name: try BoundedText(name, maxLength: 200), active: active)
    }

    /// The live bookings holding `resource` that overlap [from, to) (to open: everything ending
    /// after from). A hold past its expiry holds nothing.
    static func bookings(
        _ resource: ResourceID, overlapping from: Date, _ to: Date?, now: Date, limit: Int,
        _ connection: PostgresConnection, _ logger: Logger
    ) async throws -> [BookingReference] {
        try await connection.query(
            """
            SELECT a.id, a.referral_id, a.kind, a.state, lower(a.during), upper(a.during)
            FROM appointment_resources ar JOIN appointments a ON a.id = ar.appointment_id
            WHERE ar.resource_id = \(resource.rawValue) AND ar.active
              AND ar.during && tstzrange(\(from), \(to), '[)')
              AND a.state IN ('held', 'booked', 'confirmed', 'checked_in')
              AND (a.state <> 'held' OR a.hold_expires_at > \(now))
            ORDER BY lower(a.during), a.id
            LIMIT \(limit)
            """, logger: logger
        ).collect().map { row in
            let (id, referral, kind, state, starts, ends) = try row.decode(
                (UUID, UUID, String, String, Date, Date).self)
            return BookingReference(
                appointmentID: AppointmentID(id), referralID: ReferralID(referral),
                kind: VisitKind(rawValue: kind) ?? .evaluation, state: AppointmentState(rawValue: state) ?? .booked,
                during: starts..<max(ends, starts))
        }
    }
}
