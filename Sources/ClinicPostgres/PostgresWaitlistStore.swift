import ClinicDomain
import ClinicServices
import Foundation
import PostgresNIO

/// The waitlist's candidates and offers.
public struct PostgresWaitlistStore: WaitlistStore {
    let database: ClinicDatabase

    public init(database: ClinicDatabase) { self.database = database }

    public func waitlist(clinicID: ClinicID) async throws -> [Referral] {
        let logger = database.logger
        return try await database.withConnection { connection in
            try await connection.query("""
                SELECT \(unescaped: ReferralRows.columns) FROM referrals r JOIN patients p ON p.id = r.patient_id
                WHERE r.clinic_id = \(clinicID.rawValue) AND r.status = 'candidate'
                ORDER BY CASE r.urgency WHEN 'urgent' THEN 0 ELSE 1 END, r.window_closes_on ASC NULLS LAST, r.created_at, r.id
                LIMIT 500
                """, logger: logger).collect().map(ReferralRows.decode)
        }
    }

    static let columns = "id, referral_id, clinic_id, freed_by, starts_at, ends_at, resource_ids, state, expires_at, appointment_id"

    static func decode(_ row: PostgresRow) throws -> WaitlistOffer {
        let (id, referral, clinic, freed, start, end, resources, state, expires, appointment) =
            try row.decode((UUID, UUID, UUID, UUID, Date, Date, [UUID], String, Date, UUID?).self)
        return WaitlistOffer(id: OfferID(id), referralID: ReferralID(referral), clinicID: ClinicID(clinic), freedBy: AppointmentID(freed),
                             start: start, end: end, resourceIDs: resources.map(ResourceID.init),
                             state: WaitlistOffer.State(rawValue: state) ?? .expired, expiresAt: expires,
                             appointmentID: appointment.map(AppointmentID.init))
    }

    public func offers(clinicID: ClinicID) async throws -> [WaitlistOffer] {
        let logger = database.logger
        return try await database.withConnection { connection in
            try await connection.query("""
                SELECT \(unescaped: Self.columns) FROM waitlist_offers WHERE clinic_id = \(clinicID.rawValue) ORDER BY created_at, id LIMIT 500
                """, logger: logger).collect().map(Self.decode)
        }
    }

    public func offer(id: OfferID) async throws -> WaitlistOffer? {
        let logger = database.logger
        return try await database.withConnection { connection in
            try await connection.query("SELECT \(unescaped: Self.columns) FROM waitlist_offers WHERE id = \(id.rawValue)", logger: logger)
                .collect().first.map(Self.decode)
        }
    }

    public func offeredReferrals(freedBy: AppointmentID) async throws -> Set<ReferralID> {
        let logger = database.logger
        return try await database.withConnection { connection in
            Set(try await connection.query("SELECT referral_id FROM waitlist_offers WHERE freed_by = \(freedBy.rawValue)", logger: logger)
                .collect().map { ReferralID(try $0.decode(UUID.self)) })
        }
    }

    public func createOffer(_ offer: WaitlistOffer, actor: Actor) async throws -> Bool {
        let logger = database.logger
        return try await database.transaction { connection in
            let inserted = try await connection.query("""
                INSERT INTO waitlist_offers (id, referral_id, clinic_id, freed_by, starts_at, ends_at, resource_ids, state, expires_at)
                VALUES (\(offer.id.rawValue), \(offer.referralID.rawValue), \(offer.clinicID.rawValue), \(offer.freedBy.rawValue),
                        \(offer.start), \(offer.end), \(offer.resourceIDs.map(\.rawValue)), 'offered', \(offer.expiresAt))
                ON CONFLICT DO NOTHING RETURNING 1
                """, logger: logger).collect().count == 1
            if inserted {
                try await AuditRows.insert(AuditEntry(actor: actor, action: "waitlist.offer", entityType: "referral",
                                                      entityID: offer.referralID.rawValue), on: connection, logger: logger)
            }
            return inserted
        }
    }

    public func settle(offerID: OfferID, to state: WaitlistOffer.State, appointmentID: AppointmentID?, actor: Actor) async throws -> Bool {
        let logger = database.logger
        return try await database.transaction { connection in
            let rows = try await connection.query("""
                UPDATE waitlist_offers SET state = \(state.rawValue), appointment_id = \(appointmentID?.rawValue), updated_at = now()
                WHERE id = \(offerID.rawValue) AND state = 'offered' RETURNING referral_id
                """, logger: logger).collect()
            guard let row = rows.first else { return false }
            try await AuditRows.insert(AuditEntry(actor: actor, action: "waitlist.\(state.rawValue)", entityType: "referral",
                                                  entityID: try row.decode(UUID.self)), on: connection, logger: logger)
            return true
        }
    }

    public func expiredOffers(clinicID: ClinicID?) async throws -> [WaitlistOffer] {
        let logger = database.logger
        let clinic = clinicID?.rawValue
        return try await database.withConnection { connection in
            try await connection.query("""
                SELECT \(unescaped: Self.columns) FROM waitlist_offers
                WHERE state = 'offered' AND expires_at <= now() AND (\(clinic)::uuid IS NULL OR clinic_id = \(clinic))
                ORDER BY expires_at LIMIT 100
                """, logger: logger).collect().map(Self.decode)
        }
    }

    public func offerHours(clinicID: ClinicID) async throws -> Int {
        let logger = database.logger
        return try await database.withConnection { connection in
            try await connection.query("SELECT offer_hours FROM clinics WHERE id = \(clinicID.rawValue)", logger: logger)
                .collect().first?.decode(Int.self) ?? 24
        }
    }
}
