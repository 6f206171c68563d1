import ClinicDomain
import ClinicServices
import Foundation
import PostgresNIO

/// The waitlist's candidates and offers.
public struct PostgresWaitlistStore: WaitlistStore {
    let database: ClinicDatabase

    public init(database: ClinicDatabase) { self.database = database }

    public func waitlist(clinicID: ClinicID, scope: ClinicScope) async throws -> [Referral] {
        let logger = database.logger
        return try await database.withConnection(scope: scope) { connection in
            try await connection.query(
                """
                SELECT \(unescaped: ReferralRows.columns) FROM referrals r JOIN patients p ON p.id = r.patient_id
                WHERE r.clinic_id = \(clinicID.rawValue) AND r.status = 'candidate'
                ORDER BY CASE r.urgency WHEN 'urgent' THEN 0 ELSE 1 END, r.window_closes_on ASC NULLS LAST, r.created_at, r.id
                LIMIT 500
                """, logger: logger
            ).collect().map(ReferralRows.decode)
        }
    }

    /// An offer's columns, with its resources' kinds and names in the order of its ids.
    static let columns = """
        o.id, o.referral_id, o.clinic_id, o.freed_by, o.starts_at, o.ends_at, o.state, o.expires_at, o.appointment_id,
        ARRAY(SELECT r.id FROM unnest(o.resource_ids) WITH ORDINALITY u(id, n) JOIN resources r ON r.id = u.id ORDER BY u.n),
        ARRAY(SELECT r.kind FROM unnest(o.resource_ids) WITH ORDINALITY u(id, n) JOIN resources r ON r.id = u.id ORDER BY u.n),
        ARRAY(SELECT r.name FROM unnest(o.resource_ids) WITH ORDINALITY u(id, n) JOIN resources r ON r.id = u.id ORDER BY u.n)
        """

    static func decode(_ row: PostgresRow) throws -> WaitlistOffer {
        let (id, referral, clinic, freed, start, end, state, expires, appointment, ids, kinds, names) =
            try row.decode((UUID, UUID, UUID, UUID, Date, Date, String, Date, UUID?, [UUID], [String], [String]).self)
        guard let state = WaitlistOffer.State(rawValue: state) else {
            throw StoredDataError("unknown offer state \(state)")
        }
        let resources = try zip(ids, zip(kinds, names)).map { id, kindAndName in
            guard let kind = ResourceKind(rawValue: kindAndName.0) else {
                throw StoredDataError("unknown resource kind \(kindAndName.0)")
            }
            return Resource(
                id: ResourceID(id), clinicID: ClinicID(clinic), kind: kind,
                name: try BoundedText(kindAndName.1, maxLength: 200))
        }
        return WaitlistOffer(
            id: OfferID(id), referralID: ReferralID(referral), clinicID: ClinicID(clinic),
            freedBy: AppointmentID(freed),
            start: start, end: end, resources: resources, state: state, expiresAt: expires,
            appointmentID: appointment.map(AppointmentID.init))
    }

    public func offers(clinicID: ClinicID, scope: ClinicScope) async throws -> [WaitlistOffer] {
        let logger = database.logger
        return try await database.withConnection(scope: scope) { connection in
            try await connection.query(
                """
                SELECT \(unescaped: Self.columns) FROM waitlist_offers o WHERE o.clinic_id = \(clinicID.rawValue) ORDER BY o.created_at, o.id LIMIT 500
                """, logger: logger
            ).collect().map(Self.decode)
        }
    }

    public func offer(id: OfferID, scope: ClinicScope) async throws -> WaitlistOffer? {
        let logger = database.logger
        return try await database.withConnection(scope: scope) { connection in
            try await OfferRows.load(id, on: connection, logger: logger)
        }
    }

    public func offeredReferrals(freedBy: AppointmentID, scope: ClinicScope) async throws -> Set<ReferralID> {
        let logger = database.logger
        return try await database.withConnection(scope: scope) { connection in
            Set(
                try await connection.query(
                    "SELECT referral_id FROM waitlist_offers WHERE freed_by = \(freedBy.rawValue)", logger: logger
                )
                .collect().map { ReferralID(try $0.decode(UUID.self)) })
        }
    }

    public func createOffer(_ offer: WaitlistOffer, actor: Actor) async throws -> Bool {
        let logger = database.logger
        return try await database.transaction(scope: actor.scope) { connection in
            try await OfferRows.insert(offer, actor: actor, on: connection, logger: logger)
        }
    }

    public func end(
        offerID: OfferID, as state: WaitlistOffer.State, now: Date, next: WaitlistOffer?,
        actor: Actor
    ) async throws -> WaitlistOffer {
        let logger = database.logger
        return try await database.transaction(scope: actor.scope) { connection in
            // The one decision: only an offer still open (and, for a decline, not yet expired;
            // for an expiry, expired) changes. A concurrent answer waits on the row and then
            // finds it ended.
            let ended = try await connection.query(
                """
                UPDATE waitlist_offers SET state = \(state.rawValue), updated_at = \(now)
                WHERE id = \(offerID.rawValue) AND state = 'offered'
                  AND CASE WHEN \(state.rawValue) = 'expired' THEN expires_at <= \(now) ELSE expires_at > \(now) END
                RETURNING referral_id
                """, logger: logger
            ).collect()
            guard let row = ended.first else {
                throw ServiceError.offerClosed(
                    try await OfferRows.closedState(offerID, now: now, on: connection, logger: logger))
            }
            try await AuditRows.insert(
                AuditEntry(
                    actor: actor, action: "waitlist.\(state.rawValue)", entityType: "referral",
                    entityID: try row.decode(UUID.self)), on: connection, logger: logger)
            if let next { _ = try await OfferRows.insert(next, actor: actor, on: connection, logger: logger) }
            guard let offer = try await OfferRows.load(offerID, on: connection, logger: logger) else {
                throw ServiceError.notFound(entity: "offer")
            }
            return offer
        }
    }

    public func expiredOffers(clinicID: ClinicID?, now: Date, scope: ClinicScope) async throws -> [WaitlistOffer] {
        let logger = database.logger
        let clinic = clinicID?.rawValue
        return try await database.withConnection(scope: scope) { connection in
            try await connection.query(
                """
                SELECT \(unescaped: Self.columns) FROM waitlist_offers o
                WHERE o.state = 'offered' AND o.expires_at <= \(now) AND (\(clinic)::uuid IS NULL OR o.clinic_id = \(clinic))
                ORDER BY o.expires_at LIMIT 100
                """, logger: logger
            ).collect().map(Self.decode)
        }
    }

    public func offerHours(clinicID: ClinicID) async throws -> Int {
        let logger = database.logger
        return try await database.withConnection(outside: .clinicData) { connection in
            try await connection.query(
                "SELECT offer_hours FROM clinics WHERE id = \(clinicID.rawValue)", logger: logger
            )
            .collect().first?.decode(Int.self) ?? 24
        }
    }
}

/// Offer rows inside a caller's transaction: the waitlist's own writes, and the booking that
/// accepts an offer.
enum OfferRows {
    static func load(_ id: OfferID, on connection: PostgresConnection, logger: Logger) async throws -> WaitlistOffer? {
        try await connection.query(
            "SELECT \(unescaped: PostgresWaitlistStore.columns) FROM waitlist_offers o WHERE o.id = \(id.rawValue)",
            logger: logger
        ).collect().first.map(PostgresWaitlistStore.decode)
    }

    /// Writes an open offer unless its freed time already has one (false then), with its audit row.
    static func insert(_ offer: WaitlistOffer, actor: Actor, on connection: PostgresConnection, logger: Logger)
        async throws -> Bool
    {
        let inserted =
            try await connection.query(
                """
                INSERT INTO waitlist_offers (id, referral_id, clinic_id, freed_by, starts_at, ends_at, resource_ids, state, expires_at,
                                             created_at, updated_at)
                VALUES (\(offer.id.rawValue), \(offer.referralID.rawValue), \(offer.clinicID.rawValue), \(offer.freedBy.rawValue),
                        \(offer.start), \(offer.end), \(offer.resources.map(\.id.rawValue)), 'offered', \(offer.expiresAt),
                        \(actor.at), \(actor.at))
                ON CONFLICT DO NOTHING RETURNING 1
                """, logger: logger
            ).collect().count == 1
        if inserted {
            try await AuditRows.insert(
                AuditEntry(
                    actor: actor, action: "waitlist.offer", entityType: "referral",
                    entityID: offer.referralID.rawValue), on: connection, logger: logger)
        }
        return inserted
    }

    /// Locks an offer that a booking answers, and refuses unless it is open and unexpired at `now`.
    /// - Throws: `ServiceError.offerClosed` naming how it ended; `.notFound` when there is none.
    static func lockOpen(_ acceptance: OfferAcceptance, on connection: PostgresConnection, logger: Logger) async throws
    {
        let rows = try await connection.query(
            """
            SELECT state, expires_at FROM waitlist_offers WHERE id = \(acceptance.offerID.rawValue) FOR UPDATE
            """, logger: logger
        ).collect()
        guard let row = rows.first else { throw ServiceError.notFound(entity: "offer") }
        let (state, expires) = try row.decode((String, Date).self)
        guard state == "offered" else { throw ServiceError.offerClosed(state) }
        guard expires > acceptance.now else { throw ServiceError.offerClosed("expired") }
    }

    /// Ends a locked offer as accepted by `appointment`.
    static func markAccepted(
        _ acceptance: OfferAcceptance, appointment: AppointmentID, actor: Actor,
        on connection: PostgresConnection, logger: Logger
    ) async throws {
        let rows = try await connection.query(
            """
            UPDATE waitlist_offers SET state = 'accepted', appointment_id = \(appointment.rawValue), updated_at = \(acceptance.now)
            WHERE id = \(acceptance.offerID.rawValue) RETURNING referral_id
            """, logger: logger
        ).collect()
        guard let row = rows.first else { throw ServiceError.notFound(entity: "offer") }
        try await AuditRows.insert(
            AuditEntry(
                actor: actor, action: "waitlist.accepted", entityType: "referral",
                entityID: try row.decode(UUID.self)), on: connection, logger: logger)
    }

    /// How an offer that a conditional update could not end had ended: its state, or "expired"
    /// for one still marked open but past its time at `now`.
    static func closedState(_ id: OfferID, now: Date, on connection: PostgresConnection, logger: Logger) async throws
        -> String
    {
        let rows = try await connection.query(
            "SELECT state, expires_at FROM waitlist_offers WHERE id = \(id.rawValue)", logger: logger
        ).collect()
        guard let row = rows.first else { throw ServiceError.notFound(entity: "offer") }
        let (state, expires) = try row.decode((String, Date).self)
        return state == "offered" && expires <= now ? "expired" : state
    }
}
