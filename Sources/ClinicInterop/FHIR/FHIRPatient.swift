import ClinicDomain
import Foundation

/// FHIR R4 Patient for a stored patient: MRN, name, birth date and administrative gender.
public struct FHIRPatient: Encodable, Sendable, Hashable {
    /// One entry of `Patient.name`.
    public struct HumanName: Encodable, Sendable, Hashable {
        public var use: String
        public var family: String
        public var given: [String]
    }

    public let resourceType = "Patient"
    public var id: String
    public var identifier: [FHIRIdentifier]
    public var name: [HumanName]
    public var gender: String
    public var birthDate: String

    public init(patient: Patient) {
        id = patient.id.description
        identifier = [FHIRPatient.mrnIdentifier(patient.details.mrn.value, clinicID: patient.clinicID)]
        name = [
            HumanName(
                use: "official", family: patient.details.familyName.value, given: [patient.details.givenName.value])
        ]
        gender = FHIRPatient.gender(patient.details.sex)
        birthDate = FHIRInstant.date(patient.details.birthDate)
    }

    /// The MRN as an identifier typed MR (v2 table 0203), in the clinic's own MRN namespace:
    /// MRNs are only unique within a clinic.
    public static func mrnIdentifier(_ mrn: String, clinicID: ClinicID) -> FHIRIdentifier {
        FHIRIdentifier(
            use: "usual",
            type: FHIRCodeableConcept(
                coding: [
                    FHIRCoding(
                        system: "http://terminology.hl7.org/CodeSystem/v2-0203", code: "MR",
                        display: "Medical record number")
                ]),
            system: "urn:clinic:\(clinicID):mrn", value: mrn)
    }

    /// FHIR administrative-gender codes; ours are the same four words.
    public static func gender(_ sex: AdministrativeSex) -> String {
        switch sex {
        case .female: "female"
        case .male: "male"
        case .other: "other"
        case .unknown: "unknown"
        }
    }
}
