import ClinicDomain
import ClinicServices
import Foundation
import PostgresNIO

/// A finding as kept in a revision's jsonb snapshot.
struct StoredFinding: Codable {
    let level: String
    let heightLossPercent: Double
    let morphology: String?
    let edema: String
    let retropulsion: Bool
    let suspectedMalignancy: Bool
    let suspectedInfection: Bool

    init(_ finding: VertebralFinding) {
        level = finding.level.description
        heightLossPercent = finding.heightLossPercent
        morphology = finding.morphology?.rawValue
        edema = finding.edema.rawValue
        retropulsion = finding.retropulsion
        suspectedMalignancy = finding.suspectedMalignancy
        suspectedInfection = finding.suspectedInfection
    }

    func finding() throws -> VertebralFinding {
        try VertebralFinding(
            level: try VertebralLevel(level), heightLossPercent: heightLossPercent,
            morphology: morphology.flatMap(FractureMorphology.init(rawValue:)),
            edema: EdemaFinding(rawValue: edema) ?? .unknown, retropulsion: retropulsion,
            suspectedMalignancy: suspectedMalignancy, suspectedInfection: suspectedInfection)
    }
}

/// Imaging results: the current revision in `imaging_results` + `imaging_findings`, every
/// revision (the current one included) as a snapshot in `imaging_result_revisions`.
public struct PostgresImagingStore: ImagingResultStore {
    let database: ClinicDatabase

    public init(database: ClinicDatabase) { self.database = database }

    public func submit(
        _ result: NewImagingResult, newID: ImagingResultID, actor: Actor,
        retriage: @escaping @Sendable (ReferralSnapshot, _ revision: Int) throws -> ReferralChange?
    ) async throws -> ImagingSubmission {
        let logger = database.logger
        return try await database.transaction(scope: actor.scope) { connection in
            try await take(result, newID: newID, actor: actor, retriage: retriage, on: connection, logger: logger)
        }
    }

    public func submit(all submissions: [ImagingSubmissionRequest], actor: Actor) async throws -> [ImagingSubmission] {
        let logger = database.logger
        return try await database.transaction(scope: actor.scope) { connection in
            // Accessions locked in one order whatever the message's: two messages sharing studies
            // wait for each other instead of deadlocking.
            let order = submissions.indices.sorted {
                (submissions[$0].result.sourceSystem, submissions[$0].result.accessionNumber)
                    < (submissions[$1].result.sourceSystem, submissions[$1].result.accessionNumber)
            }
            var taken: [Int: ImagingSubmission] = [:]
            for index in order {
                let request = submissions[index]
                taken[index] = try await take(
                    request.result, newID: request.newID, actor: actor, retriage: request.retriage, on: connection,
                    logger: logger)
            }
            return submissions.indices.compactMap { taken[$0] }
        }
    }

    /// One result created, replayed or revised within the caller's transaction.
    private func take(
        _ result: NewImagingResult, newID: ImagingResultID, actor: Actor,
        retriage: @escaping @Sendable (ReferralSnapshot, _ revision: Int) throws -> ReferralChange?,
        on connection: PostgresConnection, logger: Logger
    ) async throws -> ImagingSubmission {
        do {
            // Serialises concurrent deliveries of one accession, including its very first one.
            try await connection.runToEnd(
                """
                SELECT pg_advisory_xact_lock(hashtextextended(\(result.sourceSystem) || chr(31) || \(result.accessionNumber), 0))
                """, logger: logger)
            let existing = try await connection.query(
                """
                SELECT id, result_status, content_hash, revision, patient_id, clinic_id FROM imaging_results
                WHERE source_system = \(result.sourceSystem) AND accession_number = \(result.accessionNumber)
                """, logger: logger
            ).collect()
            let current = try existing.first.map { try $0.decode((UUID, String, Data, Int, UUID, UUID).self) }
            // An accession is one clinic's: the same one sent for another clinic is neither a
            // replay (whose answer would show the first clinic's patient) nor a revision. (When
            // that clinic is outside the sender's scope the row is not seen here at all, and the
            // insert below meets the unique key instead: a conflict either way.)
            if let current, current.5 != result.clinicID.rawValue {
                throw ServiceError.conflict("this accession belongs to another clinic")
            }
            let decision = ImagingRevisionPolicy.decide(
                current: current.map { (ResultStatus(rawValue: $0.1) ?? .final, Array($0.2)) },
                incoming: result.status, contentHash: result.contentHash)
            switch decision {
            case .refuse(let pointer, let reason, let conflict):
                throw conflict ? ServiceError.conflict(reason) : ServiceError.invalid(pointer, reason)
            case .replay:
                return .replayed(ImagingResultID(current!.0))
            case .create:
                let patientID = try await PatientRows.match(
                    result.patient, clinicID: result.clinicID, on: connection, logger: logger)
                try await connection.query(
                    """
                    INSERT INTO imaging_results (id, source_system, accession_number, clinic_id, patient_id, modality,
                                                 result_status, performed_at, impression, revision, content_hash, received_at)
                    VALUES (\(newID.rawValue), \(result.sourceSystem), \(result.accessionNumber), \(result.clinicID.rawValue),
                            \(patientID.rawValue), \(result.modality.rawValue), \(result.status.rawValue), \(result.performedAt),
                            \(result.impression), 1, \(Data(result.contentHash)), \(actor.at))
                    """, logger: logger)
                try await writeRevision(
                    id: newID, revision: 1, result, receivedAt: actor.at, on: connection, logger: logger)
                try await AuditRows.insert(
                    AuditEntry(
                        actor: actor, action: "imaging_result.create", entityType: "imaging_result",
                        entityID: newID.rawValue), on: connection, logger: logger)
                return .created(newID)
            case .revise:
                let (rawID, _, _, revision, patientID, _) = current!
                let id = ImagingResultID(rawID)
                let matched = try await PatientRows.match(
                    result.patient, clinicID: result.clinicID, on: connection, logger: logger)
                guard matched.rawValue == patientID else {
                    throw ServiceError.conflict("a revision names a different patient than the original result")
                }
                try await connection.query(
                    """
                    UPDATE imaging_results SET result_status = \(result.status.rawValue), modality = \(result.modality.rawValue),
                        performed_at = \(result.performedAt), impression = \(result.impression), revision = \(revision + 1),
                        content_hash = \(Data(result.contentHash)), received_at = \(actor.at)
                    WHERE id = \(rawID)
                    """, logger: logger)
                try await connection.query(
                    "DELETE FROM imaging_findings WHERE imaging_result_id = \(rawID)", logger: logger)
                try await writeRevision(
                    id: id, revision: revision + 1, result, receivedAt: actor.at, on: connection, logger: logger)
                try await AuditRows.insert(
                    AuditEntry(
                        actor: actor, action: "imaging_result.revise", entityType: "imaging_result",
                        entityID: rawID), on: connection, logger: logger)
                let retriaged = try await retriageOpenReferrals(
                    using: id, revision: revision + 1, retriage: retriage, actor: actor,
                    on: connection, logger: logger)
                return .revised(id, retriaged: retriaged)
            }
        }
    }

    /// Applies the service's verdict to every open referral that uses the result, each locked
    /// first; returns the ones that changed.
    private func retriageOpenReferrals(
        using id: ImagingResultID, revision: Int,
        retriage: @Sendable (ReferralSnapshot, Int) throws -> ReferralChange?, actor: Actor,
        on connection: PostgresConnection, logger: Logger
    ) async throws -> [ReferralID] {
        let rows = try await connection.query(
            """
            SELECT ri.referral_id FROM referral_imaging ri JOIN referrals r ON r.id = ri.referral_id
            WHERE ri.imaging_result_id = \(id.rawValue) AND r.status NOT IN ('closed', 'cancelled')
            ORDER BY ri.referral_id
            """, logger: logger
        ).collect()
        var changed: [ReferralID] = []
        for row in rows {
            let referralID = ReferralID(try row.decode(UUID.self))
            guard let snapshot = try await TriageRows.snapshot(referralID, on: connection, logger: logger),
                let change = try retriage(snapshot, revision)
            else { continue }
            try await TriageRows.apply(change, to: snapshot, actor: actor, on: connection, logger: logger)
            changed.append(referralID)
        }
        return changed
    }

    private func writeRevision(
        id: ImagingResultID, revision: Int, _ result: NewImagingResult, receivedAt: Date,
        on connection: PostgresConnection, logger: Logger
    ) async throws {
        for finding in result.findings {
            try await connection.query(
                """
                INSERT INTO imaging_findings (id, imaging_result_id, level, height_loss_percent, morphology, edema,
                                              retropulsion, suspected_malignancy, suspected_infection)
                VALUES (\(UUID()), \(id.rawValue), \(finding.level.description), \(finding.heightLossPercent)::numeric,
                        \(finding.morphology?.rawValue), \(finding.edema.rawValue), \(finding.retropulsion),
                        \(finding.suspectedMalignancy), \(finding.suspectedInfection))
                """, logger: logger)
        }
        let snapshot = String(
            decoding: try JSONEncoder().encode(result.findings.map(StoredFinding.init)), as: UTF8.self)
        try await connection.query(
            """
            INSERT INTO imaging_result_revisions (imaging_result_id, revision, result_status, performed_at, impression, findings, received_at)
            VALUES (\(id.rawValue), \(revision), \(result.status.rawValue), \(result.performedAt), \(result.impression), \(snapshot)::jsonb,
                    \(receivedAt))
            """, logger: logger)
    }

    public func result(id: ImagingResultID, revision: Int?, scope: ClinicScope) async throws -> ImagingResult? {
        let logger = database.logger
        return try await database.withConnection(scope: scope) { connection in
            guard let revision else {
                return try await ImagingRows.current(ids: [id], on: connection, logger: logger).first
            }
            guard var current = try await ImagingRows.current(ids: [id], on: connection, logger: logger).first else {
                return nil
            }
            let rows = try await connection.query(
                """
                SELECT result_status, performed_at, impression, findings::text, received_at FROM imaging_result_revisions
                WHERE imaging_result_id = \(id.rawValue) AND revision = \(revision)
                """, logger: logger
            ).collect()
            guard let row = rows.first else { return nil }
            let (status, performed, impression, findings, received) = try row.decode(
                (String, Date, String, String, Date).self)
            let stored = try JSONDecoder().decode([StoredFinding].self, from: Data(findings.utf8))
            current = ImagingResult(
                id: current.id, clinicID: current.clinicID, patient: current.patient,
                sourceSystem: current.sourceSystem, accessionNumber: current.accessionNumber,
                status: ResultStatus(rawValue: status) ?? .final, modality: current.modality,
                performedAt: performed, impression: impression, findings: try stored.map { try $0.finding() },
                revision: revision, receivedAt: received)
            return current
        }
    }

    public func results(ids: [ImagingResultID], scope: ClinicScope) async throws -> [ImagingResult] {
        guard !ids.isEmpty else { return [] }
        let logger = database.logger
        return try await database.withConnection(scope: scope) { connection in
            let found = try await ImagingRows.current(ids: ids, on: connection, logger: logger)
            return ids.compactMap { id in found.first { $0.id == id } }
        }
    }
}

/// Reading current imaging results with their patient and findings.
enum ImagingRows {
    static func current(ids: [ImagingResultID], on connection: PostgresConnection, logger: Logger) async throws
        -> [ImagingResult]
    {
        guard !ids.isEmpty else { return [] }
        let raw = ids.map(\.rawValue)
        let rows = try await connection.query(
            """
            SELECT i.id, i.clinic_id, i.patient_id, p.mrn, p.given_name, p.family_name, to_char(p.birth_date, 'YYYY-MM-DD'), p.sex,
                   i.source_system, i.accession_number, i.result_status, i.modality, i.performed_at, i.impression, i.revision,
                   i.received_at,
                   coalesce((SELECT json_agg(json_build_object(
                        'level', f.level, 'heightLossPercent', f.height_loss_percent, 'morphology', f.morphology,
                        'edema', f.edema, 'retropulsion', f.retropulsion, 'suspectedMalignancy', f.suspected_malignancy,
                        'suspectedInfection', f.suspected_infection))
                     FROM imaging_findings f WHERE f.imaging_result_id = i.id), '[]')::text
            FROM imaging_results i JOIN patients p ON p.id = i.patient_id
            WHERE i.id = ANY(\(raw)) ORDER BY i.performed_at, i.id
            """, logger: logger
        ).collect()
        return try rows.map { row in
            let (
                id, clinicID, patientID, mrn, given, family, birth, sex, source, accession, status, modality, performed,
                impression,
                revision, received, findings
            ) =
                try row.decode(
                    (
                        UUID, UUID, UUID, String, String, String, String, String, String, String, String, String, Date,
                        String, Int, Date, String
                    ).self)
            let details = try PatientRows.details(
                mrn: mrn, givenName: given, familyName: family, birthDate: birth, sex: sex)
            let stored = try JSONDecoder().decode([StoredFinding].self, from: Data(findings.utf8))
            return ImagingResult(
                id: ImagingResultID(id), clinicID: ClinicID(clinicID),
                patient: Patient(id: PatientID(patientID), clinicID: ClinicID(clinicID), details: details),
                sourceSystem: source, accessionNumber: accession, status: ResultStatus(rawValue: status) ?? .final,
                modality: Modality(rawValue: modality) ?? .xRay, performedAt: performed, impression: impression,
                findings: try stored.map { try $0.finding() }.sorted { $0.level < $1.level }, revision: revision,
                receivedAt: received)
        }
    }
}
