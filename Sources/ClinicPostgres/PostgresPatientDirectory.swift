import ClinicDomain
import ClinicServices
import Foundation
import PostgresNIO

/// The front desk's patient lookups, under the caller's clinic scope.
public struct PostgresPatientDirectory: PatientDirectory {
    let database: ClinicDatabase

    public init(database: ClinicDatabase) { self.database = database }

    public func patients(
        _ lookup: PatientLookup, clinicID: ClinicID?, after cursor: PatientCursor?, limit: Int, scope: ClinicScope
    ) async throws -> [Patient] {
        let logger = database.logger
        let (mrn, family, birth): (String?, String?, String?) =
            switch lookup {
            case .mrn(let mrn): (mrn, nil, nil)
            case .nameAndBirthDate(let family, let birth): (nil, family, birth.description)
            }
        return try await database.withConnection(scope: scope) { connection in
            try await connection.query(
                """
                SELECT id, clinic_id, mrn, given_name, family_name, to_char(birth_date, 'YYYY-MM-DD'), sex
                FROM patients
                WHERE (\(mrn)::text IS NULL OR mrn = \(mrn))
                  AND (\(family)::text IS NULL OR lower(family_name) = lower(\(family)))
                  AND (\(birth)::date IS NULL OR birth_date = \(birth)::date)
                  AND (\(clinicID?.rawValue)::uuid IS NULL OR clinic_id = \(clinicID?.rawValue))
                  AND (\(cursor?.id.rawValue)::uuid IS NULL
                       OR (family_name, given_name, id) > (\(cursor?.familyName), \(cursor?.givenName), \(cursor?.id.rawValue)))
                ORDER BY family_name, given_name, id
                LIMIT \(limit + 1)
                """, logger: logger
            ).collect().map { row in
                let (id, clinic, mrn, given, family, birth, sex) = try row.decode(
                    (UUID, UUID, String, String, String, String, String).self)
                return Patient(
                    id: PatientID(id), clinicID: ClinicID(clinic),
                    details: try PatientRows.details(
                        mrn: mrn, givenName: given, familyName: family, birthDate: birth, sex: sex))
            }
        }
    }

    public func imagingResultIDs(patientID: PatientID, after cursor: ImagingCursor?, limit: Int, scope: ClinicScope)
        async throws -> [ImagingResultID]
    {
        let logger = database.logger
        return try await database.withConnection(scope: scope) { connection in
            try await connection.query(
                """
                SELECT id FROM imaging_results
                WHERE patient_id = \(patientID.rawValue)
                  AND (\(cursor?.microseconds)::bigint IS NULL
                       OR (date_trunc('microseconds', performed_at), id)
                          < ('epoch'::timestamptz + \(cursor?.microseconds)::bigint * interval '1 microsecond',
                             \(cursor?.id.rawValue)::uuid))
                ORDER BY performed_at DESC, id DESC
                LIMIT \(limit + 1)
                """, logger: logger
            ).collect().map { ImagingResultID(try $0.decode(UUID.self)) }
        }
    }
}
