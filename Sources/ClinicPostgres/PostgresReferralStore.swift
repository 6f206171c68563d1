import ClinicDomain
import ClinicServices
import Foundation
import PostgresNIO

/// Referrals, their patients, events and audit rows in PostgreSQL.
public struct PostgresReferralStore: ReferralStore {
    let database: ClinicDatabase

    public init(database: ClinicDatabase) { self.database = database }

    public func create(
        _ referral: NewReferral, id: ReferralID, actor: Actor,
        idempotency: IdempotencyClaim?
    ) async throws -> CreateOutcome<ReferralID> {
        let logger = database.logger
        return try await database.transaction(scope: actor.principal.scope) { connection in
            if let claim = idempotency,
                let earlier = try await IdempotencyRows.claim(claim, on: connection, logger: logger)
            {
                return .replayed(ReferralID(earlier))
            }
            let patientID = try await PatientRows.match(
                referral.patient, clinicID: referral.clinicID, on: connection, logger: logger)
            let triage = referral.triage
            let transition = referral.triageTransition
            let status = try transition.apply(to: .received)
            let flags = referral.flags
            try await connection.query(
                """
                INSERT INTO referrals (id, clinic_id, patient_id, referring_clinician_name, referring_clinician_npi,
                                       reason, symptom_onset, status, urgency, urgency_reasons, evaluation_due_on,
                                       window_closes_on, payer, neurological_deficit, cancer_history, long_term_steroids,
                                       known_osteoporosis, severe_pain, hospitalised, created_at, updated_at)
                VALUES (\(id.rawValue), \(referral.clinicID.rawValue), \(patientID.rawValue),
                        \(referral.referringClinician.name.value), \(referral.referringClinician.npi),
                        \(referral.reason.value), \(referral.symptomOnset?.description)::date, \(status.code),
                        \(triage.urgency.rawValue), \(StoredReason.encode(triage.reasons))::jsonb,
                        \(triage.evaluationDueOn.description)::date, \(triage.windowClosesOn?.description)::date,
                        \(referral.payer?.value), \(flags.neurologicalDeficit), \(flags.cancerHistory), \(flags.longTermSteroids),
                        \(flags.knownOsteoporosis), \(flags.severePain), \(flags.hospitalised),
                        \(actor.at), \(actor.at))
                """, logger: logger)
            for resultID in referral.imagingResultIDs {
                try await connection.query(
                    """
                    INSERT INTO referral_imaging (referral_id, imaging_result_id) VALUES (\(id.rawValue), \(resultID.rawValue))
                    """, logger: logger)
            }
            try await EventRows.insertCreation(
                referral: id, triage: triage, transition: transition, to: status, actor: actor, on: connection,
                logger: logger)
            try await AuditRows.insert(
                AuditEntry(
                    actor: actor, action: "referral.create", entityType: "referral",
                    entityID: id.rawValue), on: connection, logger: logger)
            if let claim = idempotency {
                try await IdempotencyRows.record(claim, entity: id.rawValue, on: connection, logger: logger)
            }
            return .created(id)
        }
    }

    public func referral(id: ReferralID, scope: ClinicScope) async throws -> Referral? {
        let logger = database.logger
        return try await database.withConnection(scope: scope) { connection in
            try await connection.execute(ReferralReads.ByID(id: id), logger: logger).first { _ in true }
        }
    }

    public func patient(id: PatientID, scope: ClinicScope) async throws -> Patient? {
        let logger = database.logger
        return try await database.withConnection(scope: scope) { connection in
            let rows = try await connection.query(
                """
                SELECT clinic_id, mrn, given_name, family_name, to_char(birth_date, 'YYYY-MM-DD'), sex
                FROM patients WHERE id = \(id.rawValue)
                """, logger: logger
            ).collect()
            guard let row = rows.first else { return nil }
            let (clinic, mrn, given, family, birth, sex) = try row.decode(
                (UUID, String, String, String, String, String).self)
            return Patient(
                id: id, clinicID: ClinicID(clinic),
                details: try PatientRows.details(
                    mrn: mrn, givenName: given, familyName: family, birthDate: birth, sex: sex))
        }
    }

    public func list(_ query: ReferralQuery) async throws -> ReferralPage {
        let logger = database.logger
        let referrals = try await database.withConnection(scope: query.scope) { connection in
            var rows: [Referral] = []
            for try await referral in try await connection.execute(ReferralReads.Page(query: query), logger: logger) {
                rows.append(referral)
            }
            return rows
        }
        let page = Array(referrals.prefix(query.limit))
        let next = referrals.count > query.limit ? page.last.flatMap(ReferralCursor.init(after:)) : nil
        return ReferralPage(items: page, next: next)
    }

    /// States whose evaluation visit is still to come: the ones that can be overdue.
    static let awaitingEvaluation = ReferralStatus.allCases.filter(\.awaitsEvaluation).map(\.code)
    /// States still on the kyphoplasty pathway without a procedure: the ones at risk of ageing out.
    static let withoutProcedure = ReferralStatus.allCases.filter(\.awaitsProcedure).map(\.code)

    public func events(referralID: ReferralID, scope: ClinicScope) async throws -> [ReferralEvent]? {
        let logger = database.logger
        return try await database.withConnection(scope: scope) { connection in
            let exists = try await connection.query(
                "SELECT 1 FROM referrals WHERE id = \(referralID.rawValue)", logger: logger
            ).collect()
            guard !exists.isEmpty else { return nil }
            return try await connection.query(
                """
                SELECT id, occurred_at, kind, from_status, to_status, actor_name, actor_role, reason,
                       details->>'urgency', details->>'previousUrgency', (details->'reasons')::text
                FROM referral_events WHERE referral_id = \(referralID.rawValue) ORDER BY id
                """, logger: logger
            ).collect().map { row in
                let (id, at, kind, from, to, name, role, reason, urgency, previous, reasons) =
                    try row.decode(
                        (Int64, Date, String, String?, String, String, String, String?, String?, String?, String?).self)
                return ReferralEvent(
                    id: id, occurredAt: at, kind: kind, fromStatus: from, toStatus: to, actorName: name,
                    actorRole: role, reason: reason, urgency: urgency.flatMap(Urgency.init(rawValue:)),
                    previousUrgency: previous.flatMap(Urgency.init(rawValue:)), reasons: StoredReason.decode(reasons))
            }
        }
    }

    public func change(
        id: ReferralID, expectedVersion: Int?, actor: Actor,
        decide: @escaping @Sendable (ReferralSnapshot) throws -> ReferralChange
    ) async throws {
        let logger = database.logger
        try await database.transaction(scope: actor.principal.scope) { connection in
            _ = try await Self.change(id, expectedVersion, actor, decide, on: connection, logger: logger)
        }
    }

    public func cancel(
        id: ReferralID, expectedVersion: Int?, actor: Actor,
        decide: @escaping @Sendable (ReferralSnapshot) throws -> ReferralChange
    ) async throws -> [AppointmentID] {
        let logger = database.logger
        return try await database.transaction(scope: actor.principal.scope) { connection in
            let change = try await Self.change(id, expectedVersion, actor, decide, on: connection, logger: logger)
            let released = try await connection.query(
                """
                WITH released AS (
                    UPDATE appointments SET state = 'cancelled', hold_expires_at = NULL,
                        cancel_reason = 'Referral cancelled: ' || \(change.cancelReason ?? "no reason given"),
                        version = version + 1, updated_at = \(actor.at)
                    WHERE referral_id = \(id.rawValue) AND state IN ('held', 'booked', 'confirmed')
                    RETURNING id),
                freed AS (UPDATE appointment_resources SET active = false WHERE appointment_id IN (SELECT id FROM released))
                SELECT id FROM released ORDER BY id
                """, logger: logger
            ).collect().map { AppointmentID(try $0.decode(UUID.self)) }
            for appointment in released {
                try await AuditRows.insert(
                    AuditEntry(
                        actor: actor, action: "appointment.cancel", entityType: "appointment",
                        entityID: appointment.rawValue), on: connection, logger: logger)
            }
            return released
        }
    }

    /// Locks the referral, checks the version, applies what `decide` says; the change applied.
    private static func change(
        _ id: ReferralID, _ expectedVersion: Int?, _ actor: Actor,
        _ decide: @Sendable (ReferralSnapshot) throws -> ReferralChange,
        on connection: PostgresConnection, logger: Logger
    ) async throws -> ReferralChange {
        guard let snapshot = try await TriageRows.snapshot(id, on: connection, logger: logger) else {
            throw ServiceError.notFound(entity: "referral")
        }
        if let expectedVersion, expectedVersion != snapshot.referral.version {
            throw ServiceError.versionMismatch(current: snapshot.referral.version)
        }
        let change = try decide(snapshot)
        try await TriageRows.apply(change, to: snapshot, actor: actor, on: connection, logger: logger)
        return change
    }
}

/// Reading referral rows joined with their patient.
enum ReferralRows {
    static let columns = """
        r.id, r.clinic_id, r.patient_id, p.mrn, p.given_name, p.family_name, to_char(p.birth_date, 'YYYY-MM-DD'), p.sex,
        r.referring_clinician_name, r.referring_clinician_npi, r.reason, to_char(r.symptom_onset, 'YYYY-MM-DD'),
        r.status, r.version, r.created_at, r.updated_at,
        r.neurological_deficit, r.cancer_history, r.long_term_steroids, r.known_osteoporosis, r.severe_pain, r.hospitalised,
        r.payer, r.urgency, r.urgency_reasons::text, r.urgency_override,
        to_char(r.evaluation_due_on, 'YYYY-MM-DD'), to_char(r.window_closes_on, 'YYYY-MM-DD'), r.cancel_reason,
        ARRAY(SELECT ri.imaging_result_id FROM referral_imaging ri WHERE ri.referral_id = r.id ORDER BY ri.imaging_result_id)
        """

    static func decode(_ row: PostgresRow) throws -> Referral {
        let (
            id, clinicID, patientID, mrn, given, family, birth, sex, clinician, npi, reason, onset, status, version,
            created, updated,
            neuro, cancer, steroids, osteoporosis, severe, hospitalised, payer, urgency, reasons, override, due, window,
            cancelReason,
            imaging
        ) =
            try row.decode(
                (
                    UUID, UUID, UUID, String, String, String, String, String, String, String?, String, String?,
                    String, Int, Date, Date, Bool, Bool, Bool, Bool, Bool, Bool, String?, String?, String?, String?,
                    String?, String?, String?, [UUID]
                ).self)
        guard let status = ReferralStatus(code: status) else {
            throw StoredDataError("unknown referral status \(status)")
        }
        let details = try PatientRows.details(
            mrn: mrn, givenName: given, familyName: family, birthDate: birth, sex: sex)
        return Referral(
            id: ReferralID(id), clinicID: ClinicID(clinicID),
            patient: Patient(id: PatientID(patientID), clinicID: ClinicID(clinicID), details: details),
            referringClinician: try ReferringClinician(name: clinician, npi: npi),
            reason: try BoundedText(reason, maxLength: 2000), symptomOnset: try onset.map(LocalDate.init(iso8601:)),
            flags: ClinicalFlags(
                neurologicalDeficit: neuro, cancerHistory: cancer, longTermSteroids: steroids,
                knownOsteoporosis: osteoporosis, severePain: severe, hospitalised: hospitalised),
            payer: payer, imagingResultIDs: imaging.map(ImagingResultID.init), status: status,
            urgency: urgency.flatMap(Urgency.init(rawValue:)), urgencyReasons: StoredReason.decode(reasons),
            urgencyOverride: override.flatMap(Urgency.init(rawValue:)),
            evaluationDueOn: try due.map(LocalDate.init(iso8601:)),
            windowClosesOn: try window.map(LocalDate.init(iso8601:)),
            cancelReason: cancelReason, version: version, createdAt: created, updatedAt: updated)
    }
}

/// A row that breaks the domain's rules: the database was changed behind the application's back.
struct StoredDataError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Finds or creates the patient a message names, refusing to attach data to the wrong person.
enum PatientRows {
    /// Patient details from stored columns (already validated when written).
    static func details(mrn: String, givenName: String, familyName: String, birthDate: String, sex: String) throws
        -> PatientDetails
    {
        PatientDetails(
            mrn: try BoundedText(mrn, maxLength: 64), givenName: try BoundedText(givenName, maxLength: 100),
            familyName: try BoundedText(familyName, maxLength: 100), birthDate: try LocalDate(iso8601: birthDate),
            sex: AdministrativeSex(rawValue: sex) ?? .unknown)
    }

    static func match(
        _ patient: PatientDetails, clinicID: ClinicID, on connection: PostgresConnection,
        logger: Logger
    ) async throws -> PatientID {
        try await connection.query(
            """
            INSERT INTO patients (id, clinic_id, mrn, given_name, family_name, birth_date, sex)
            VALUES (\(UUID()), \(clinicID.rawValue), \(patient.mrn.value), \(patient.givenName.value),
                    \(patient.familyName.value), \(patient.birthDate.description)::date, \(patient.sex.rawValue))
            ON CONFLICT (clinic_id, mrn) DO NOTHING
            """, logger: logger)
        let rows = try await connection.query(
            """
            SELECT id, family_name, to_char(birth_date, 'YYYY-MM-DD') FROM patients
            WHERE clinic_id = \(clinicID.rawValue) AND mrn = \(patient.mrn.value)
            """, logger: logger
        ).collect()
        guard let row = rows.first else { throw ServiceError.unavailable("patient row vanished") }
        let (id, family, birth) = try row.decode((UUID, String, String).self)
        // Same MRN, different person: a registration error to fix at the source, never to merge silently.
        guard birth == patient.birthDate.description,
            family.compare(patient.familyName.value, options: [.caseInsensitive, .diacriticInsensitive]) == .orderedSame
        else {
            throw ServiceError.conflict(
                "this MRN belongs to a patient with a different family name or birth date at this clinic")
        }
        return PatientID(id)
    }
}

/// Appends to the referral event log.
enum EventRows {
    /// The event's `details`: a triage's urgency and reasons, or nothing.
    static func details(triage: TriageOutcome?, previousUrgency: Urgency?) throws -> String {
        guard let triage else { return "{}" }
        struct Details: Encodable {
            let urgency: String
            let previousUrgency: String?
            let reasons: [StoredReason]
        }
        let value = Details(
            urgency: triage.urgency.rawValue, previousUrgency: previousUrgency?.rawValue,
            reasons: triage.reasons.map { StoredReason(code: $0.code, detail: $0.detail) })
        return String(decoding: try JSONEncoder().encode(value), as: UTF8.self)
    }

    /// A new referral's two first events, `created` then its triage, in one statement: the rows
    /// take their ids in the order of the VALUES list, which is the order the log reads them in.
    static func insertCreation(
        referral: ReferralID, triage: TriageOutcome, transition: ReferralTransition, to status: ReferralStatus,
        actor: Actor, on connection: PostgresConnection, logger: Logger
    ) async throws {
        let details = try Self.details(triage: triage, previousUrgency: nil)
        let created = ReferralEventKind.created.code
        let received = ReferralStatus.received.code
        let triaged = ReferralEventKind.moved(transition).code
        try await connection.query(
            """
            INSERT INTO referral_events (referral_id, actor_token_id, actor_name, actor_role, kind, from_status, to_status, reason, details,
                                         occurred_at)
            VALUES (\(referral.rawValue), \(actor.principal.tokenID?.rawValue), \(actor.principal.name),
                    \(actor.principal.role.rawValue), \(created), NULL, \(received), NULL, '{}'::jsonb, \(actor.at)),
                   (\(referral.rawValue), \(actor.principal.tokenID?.rawValue), \(actor.principal.name),
                    \(actor.principal.role.rawValue), \(triaged), \(received), \(status.code), NULL, \(details)::jsonb,
                    \(actor.at))
            """, logger: logger)
    }

    static func insert(
        referral: ReferralID, kind: ReferralEventKind, from: ReferralStatus?, to: ReferralStatus, reason: String?,
        triage: TriageOutcome? = nil, previousUrgency: Urgency? = nil,
        actor: Actor, on connection: PostgresConnection, logger: Logger
    ) async throws {
        let details = try Self.details(triage: triage, previousUrgency: previousUrgency)
        try await connection.query(
            """
            INSERT INTO referral_events (referral_id, actor_token_id, actor_name, actor_role, kind, from_status, to_status, reason, details,
                                         occurred_at)
            VALUES (\(referral.rawValue), \(actor.principal.tokenID?.rawValue), \(actor.principal.name),
                    \(actor.principal.role.rawValue), \(kind.code), \(from?.code), \(to.code), \(reason), \(details)::jsonb,
                    \(actor.at))
            """, logger: logger)
    }
}
