import ClinicDomain
import ClinicServices
import Foundation
import PostgresNIO

/// Referrals, their patients, events and audit rows in PostgreSQL.
public struct PostgresReferralStore: ReferralStore {
    let database: ClinicDatabase

    public init(database: ClinicDatabase) { self.database = database }

    public func create(_ referral: NewReferral, id: ReferralID, actor: Actor,
                       idempotency: IdempotencyClaim?) async throws -> CreateOutcome<ReferralID> {
        let logger = database.logger
        return try await database.transaction { connection in
            if let claim = idempotency {
                // A concurrent twin blocks here until the first commits, then finds its row.
                let claimed = try await connection.query("""
                    INSERT INTO idempotency_keys (scope, key, request_hash)
                    VALUES (\(claim.scope), \(claim.key), \(Data(claim.requestHash)))
                    ON CONFLICT DO NOTHING RETURNING 1
                    """, logger: logger).collect().count == 1
                if !claimed {
                    let rows = try await connection.query("""
                        SELECT request_hash, entity_id FROM idempotency_keys WHERE scope = \(claim.scope) AND key = \(claim.key)
                        """, logger: logger).collect()
                    guard let row = rows.first else { throw ServiceError.unavailable("idempotency key vanished") }
                    let (hash, entity) = try row.decode((Data, UUID?).self)
                    guard hash == Data(claim.requestHash), let entity else { throw ServiceError.idempotencyKeyReused }
                    return .replayed(ReferralID(entity))
                }
            }
            let patientID = try await PatientRows.match(referral.patient, clinicID: referral.clinicID, on: connection, logger: logger)
            let status = ReferralStatus.received.code
            try await connection.query("""
                INSERT INTO referrals (id, clinic_id, patient_id, referring_clinician_name, referring_clinician_npi,
                                       reason, symptom_onset, status)
                VALUES (\(id.rawValue), \(referral.clinicID.rawValue), \(patientID.rawValue),
                        \(referral.referringClinician.name.value), \(referral.referringClinician.npi),
                        \(referral.reason.value), \(referral.symptomOnset?.description)::date, \(status))
                """, logger: logger)
            try await EventRows.insert(referral: id, kind: "created", from: nil, to: .received, reason: nil,
                                       actor: actor, on: connection, logger: logger)
            try await AuditRows.insert(AuditEntry(actor: actor, action: "referral.create", entityType: "referral",
                                                  entityID: id.rawValue), on: connection, logger: logger)
            if let claim = idempotency {
                try await connection.query("""
                    UPDATE idempotency_keys SET entity_id = \(id.rawValue) WHERE scope = \(claim.scope) AND key = \(claim.key)
                    """, logger: logger)
            }
            return .created(id)
        }
    }

    public func referral(id: ReferralID) async throws -> Referral? {
        let logger = database.logger
        return try await database.withConnection { connection in
            let rows = try await connection.query("""
                SELECT \(unescaped: ReferralRows.columns) FROM referrals r JOIN patients p ON p.id = r.patient_id
                WHERE r.id = \(id.rawValue)
                """, logger: logger).collect()
            return try rows.first.map(ReferralRows.decode)
        }
    }

    public func list(_ query: ReferralQuery) async throws -> ReferralPage {
        let logger = database.logger
        // One extra row tells whether another page follows.
        let fetch = query.limit + 1
        let afterTime = query.after.map { Date(timeIntervalSince1970: Double($0.createdAtMicroseconds) / 1_000_000) }
        let afterID = query.after?.id.rawValue
        let status = query.status?.code
        let clinicID = query.clinicID?.rawValue
        let referrals = try await database.withConnection { connection in
            try await connection.query("""
                SELECT \(unescaped: ReferralRows.columns) FROM referrals r JOIN patients p ON p.id = r.patient_id
                WHERE (\(status)::text IS NULL OR r.status = \(status))
                  AND (\(clinicID)::uuid IS NULL OR r.clinic_id = \(clinicID))
                  AND (\(afterTime)::timestamptz IS NULL
                       OR (date_trunc('microseconds', r.created_at), r.id) < (\(afterTime), \(afterID)))
                ORDER BY r.created_at DESC, r.id DESC
                LIMIT \(fetch)
                """, logger: logger).collect().map(ReferralRows.decode)
        }
        let page = Array(referrals.prefix(query.limit))
        let next = referrals.count > query.limit ? page.last.map(ReferralCursor.init(after:)) : nil
        return ReferralPage(items: page, next: next)
    }
}

/// Reading referral rows joined with their patient.
enum ReferralRows {
    static let columns = """
        r.id, r.clinic_id, r.patient_id, p.mrn, p.given_name, p.family_name, to_char(p.birth_date, 'YYYY-MM-DD'), p.sex,
        r.referring_clinician_name, r.referring_clinician_npi, r.reason, to_char(r.symptom_onset, 'YYYY-MM-DD'),
        r.status, r.version, r.created_at, r.updated_at
        """

    static func decode(_ row: PostgresRow) throws -> Referral {
        let (id, clinicID, patientID, mrn, given, family, birth, sex, clinician, npi, reason, onset, status, version, created, updated) =
            try row.decode((UUID, UUID, UUID, String, String, String, String, String, String, String?, String, String?,
                            String, Int, Date, Date).self)
        guard let status = ReferralStatus(code: status) else { throw StoredDataError("unknown referral status \(status)") }
        let details = PatientDetails(mrn: try BoundedText(mrn, maxLength: 64), givenName: try BoundedText(given, maxLength: 100),
                                     familyName: try BoundedText(family, maxLength: 100), birthDate: try LocalDate(iso8601: birth),
                                     sex: AdministrativeSex(rawValue: sex) ?? .unknown)
        return Referral(
            id: ReferralID(id), clinicID: ClinicID(clinicID),
            patient: Patient(id: PatientID(patientID), clinicID: ClinicID(clinicID), details: details),
            referringClinician: try ReferringClinician(name: clinician, npi: npi),
            reason: try BoundedText(reason, maxLength: 2000), symptomOnset: try onset.map(LocalDate.init(iso8601:)),
            status: status, version: version, createdAt: created, updatedAt: updated)
    }
}

/// A row that breaks the domain's rules: the database was changed behind the application's back.
struct StoredDataError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Finds or creates the patient a message names, refusing to attach data to the wrong person.
enum PatientRows {
    static func match(_ patient: PatientDetails, clinicID: ClinicID, on connection: PostgresConnection,
                      logger: Logger) async throws -> PatientID {
        try await connection.query("""
            INSERT INTO patients (id, clinic_id, mrn, given_name, family_name, birth_date, sex)
            VALUES (\(UUID()), \(clinicID.rawValue), \(patient.mrn.value), \(patient.givenName.value),
                    \(patient.familyName.value), \(patient.birthDate.description)::date, \(patient.sex.rawValue))
            ON CONFLICT (clinic_id, mrn) DO NOTHING
            """, logger: logger)
        let rows = try await connection.query("""
            SELECT id, family_name, to_char(birth_date, 'YYYY-MM-DD') FROM patients
            WHERE clinic_id = \(clinicID.rawValue) AND mrn = \(patient.mrn.value)
            """, logger: logger).collect()
        guard let row = rows.first else { throw ServiceError.unavailable("patient row vanished") }
        let (id, family, birth) = try row.decode((UUID, String, String).self)
        // Same MRN, different person: a registration error to fix at the source, never to merge silently.
        guard birth == patient.birthDate.description,
              family.compare(patient.familyName.value, options: [.caseInsensitive, .diacriticInsensitive]) == .orderedSame
        else {
            throw ServiceError.conflict("this MRN belongs to a patient with a different family name or birth date at this clinic")
        }
        return PatientID(id)
    }
}

/// Appends to the referral event log.
enum EventRows {
    static func insert(referral: ReferralID, kind: String, from: ReferralStatus?, to: ReferralStatus, reason: String?,
                       actor: Actor, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("""
            INSERT INTO referral_events (referral_id, actor_token_id, actor_name, actor_role, kind, from_status, to_status, reason)
            VALUES (\(referral.rawValue), \(actor.principal.tokenID?.rawValue), \(actor.principal.name),
                    \(actor.principal.role.rawValue), \(kind), \(from?.code), \(to.code), \(reason))
            """, logger: logger)
    }
}
