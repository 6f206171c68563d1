import ClinicDomain
import ClinicInterop
import Foundation
import Testing

/// The clinical example every FHIR and SMART test maps: a 68-year-old woman, MRN 00012345, with an
/// L1 wedge fracture (30% height loss, STIR edema on MRI), referred to a Denver spine clinic.
enum FHIRFixtures {
    static let clinicID = ClinicID(UUID(uuidString: "6F1C2B0E-8D3A-4E55-9C1B-2A7D4E9F0A11")!)
    static let patientID = PatientID(UUID(uuidString: "0B8E1D2C-3F4A-4B5C-8D6E-7F8091A2B3C4")!)
    static let referralID = ReferralID(UUID(uuidString: "5A4B3C2D-1E0F-4A1B-9C2D-3E4F5A6B7C8D")!)
    static let imagingID = ImagingResultID(UUID(uuidString: "9D8C7B6A-5F4E-4D3C-8B2A-190817263544")!)
    static let appointmentID = AppointmentID(UUID(uuidString: "1C2D3E4F-5A6B-4C7D-8E9F-0A1B2C3D4E5F")!)
    static let roomID = ResourceID(UUID(uuidString: "2E3F4A5B-6C7D-4E8F-9A0B-1C2D3E4F5A6B")!)
    static let proceduralistID = ResourceID(UUID(uuidString: "3F4A5B6C-7D8E-4F9A-8B1C-2D3E4F5A6B7C")!)

    /// 2026-03-02T16:30:00Z, 09:30 in Denver (MST, -07:00).
    static let createdAt = Date(timeIntervalSince1970: 1_772_469_000)

    static func clinic() throws -> Clinic {
        Clinic(
            id: clinicID, name: try BoundedText("Front Range Spine Clinic", maxLength: 200),
            timeZone: try ClinicTimeZone("America/Denver"))
    }

    static func patient() throws -> Patient {
        Patient(
            id: patientID, clinicID: clinicID,
            details: PatientDetails(
                mrn: try BoundedText("00012345", maxLength: 64), givenName: try BoundedText("Margaret", maxLength: 100),
                familyName: try BoundedText("Hill", maxLength: 100),
                birthDate: try LocalDate(year: 1957, month: 5, day: 14), sex: .female))
    }

    static func referral(
        status: ReferralStatus = .triaged, urgency: Urgency? = .urgent, override: Urgency? = nil
    ) throws -> Referral {
        Referral(
            id: referralID, clinicID: clinicID, patient: try patient(),
            referringClinician: try ReferringClinician(name: "Dr. Alan Reyes", npi: "1234567893"),
            reason: try BoundedText(
                "Acute L1 wedge compression fracture, 30% height loss, STIR edema on MRI", maxLength: 2000),
            symptomOnset: try LocalDate(year: 2026, month: 2, day: 16),
            flags: ClinicalFlags(knownOsteoporosis: true, severePain: true), payer: "Medicare Part B",
            imagingResultIDs: [imagingID], status: status, urgency: urgency,
            urgencyReasons: [
                TriageReason(code: "osteoporosis_severe_pain", detail: "Known osteoporosis with new severe pain.")
            ],
            urgencyOverride: override, evaluationDueOn: try LocalDate(year: 2026, month: 3, day: 5),
            windowClosesOn: try LocalDate(year: 2026, month: 5, day: 11), cancelReason: nil, version: 3,
            createdAt: createdAt, updatedAt: createdAt.addingTimeInterval(3600))
    }

    static func imaging(status: ResultStatus = .final) throws -> ImagingResult {
        ImagingResult(
            id: imagingID, clinicID: clinicID, patient: try patient(), sourceSystem: "RIS North",
            accessionNumber: "ACC-2026-0042", status: status, modality: .mri,
            performedAt: Date(timeIntervalSince1970: 1_772_288_100),  // 2026-02-28T14:15:00Z
            impression: "Acute L1 wedge compression fracture with 30% height loss and marrow edema on STIR.",
            findings: [
                try VertebralFinding(
                    level: try VertebralLevel("L1"), heightLossPercent: 30, morphology: .wedge, edema: .present,
                    retropulsion: false, suspectedMalignancy: false, suspectedInfection: false)
            ],
            revision: 2, receivedAt: Date(timeIntervalSince1970: 1_772_295_300))  // 2026-02-28T16:15:00Z
    }

    static func appointment(state: AppointmentState = .booked, cancelReason: String? = nil, overbook: String? = nil)
        throws -> Appointment
    {
        // 2026-03-16T14:00:00Z (08:00 MDT, -06:00) for 75 minutes.
        let start = Date(timeIntervalSince1970: 1_773_669_600)
        return Appointment(
            id: appointmentID, referralID: referralID, clinicID: clinicID, kind: .procedure, state: state,
            start: start, end: start.addingTimeInterval(75 * 60),
            resources: [
                Resource(
                    id: roomID, clinicID: clinicID, kind: .procedureRoom,
                    name: try BoundedText("Procedure suite 1", maxLength: 200)),
                Resource(
                    id: proceduralistID, clinicID: clinicID, kind: .proceduralist,
                    name: try BoundedText("Dr. Priya Natarajan", maxLength: 200)),
            ],
            holdExpiresAt: nil, cancelReason: cancelReason, overbookReason: overbook, version: 1)
    }

    /// The encoded resource read back as a JSON object.
    static func json(_ value: some Encodable) throws -> [String: Any] {
        let bytes = try FHIRJSON.encode(value)
        return try #require(JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
    }
}

extension Dictionary where Key == String, Value == Any {
    /// The object at `key`, for chained reads in expectations.
    func object(_ key: String) -> [String: Any]? { self[key] as? [String: Any] }
    /// The array of objects at `key`.
    func objects(_ key: String) -> [[String: Any]] { self[key] as? [[String: Any]] ?? [] }
    func string(_ key: String) -> String? { self[key] as? String }
}
