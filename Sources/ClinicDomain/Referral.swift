import Foundation

/// Marker for referral identifiers.
public enum ReferralTag {}
public typealias ReferralID = Identifier<ReferralTag>

/// The clinician who sent the patient.
public struct ReferringClinician: Hashable, Sendable {
    public let name: BoundedText
    /// US National Provider Identifier: ten digits, when known.
    public let npi: String?

    public init(name: String, npi: String?) throws {
        var collector = ViolationCollector()
        let name = collector.check("/name") { try BoundedText(name, maxLength: 200) }
        if let npi, !(npi.count == 10 && npi.allSatisfy(\.isASCII) && npi.allSatisfy(\.isNumber)) {
            collector.add("/npi", "must be ten digits")
        }
        try collector.throwIfAny()
        self.name = name!
        self.npi = npi
    }
}

/// A request to refer a patient for kyphoplasty evaluation, validated.
public struct NewReferral: Hashable, Sendable {
    public let clinicID: ClinicID
    public let patient: PatientDetails
    public let referringClinician: ReferringClinician
    public let reason: BoundedText
    public let symptomOnset: LocalDate?

    public init(clinicID: ClinicID, patient: PatientDetails, referringClinician: ReferringClinician,
                reason: BoundedText, symptomOnset: LocalDate?) {
        self.clinicID = clinicID
        self.patient = patient
        self.referringClinician = referringClinician
        self.reason = reason
        self.symptomOnset = symptomOnset
    }

    /// Validates raw fields, naming every bad one with its JSON pointer.
    public static func validate(clinicID: ClinicID, patient: () throws -> PatientDetails,
                                clinicianName: String, clinicianNPI: String?, reason: String,
                                symptomOnset: String?, today: LocalDate) throws -> NewReferral {
        var collector = ViolationCollector()
        let patient = collector.check("/patient", patient)
        let clinician = collector.check("/referringClinician") {
            try ReferringClinician(name: clinicianName, npi: clinicianNPI)
        }
        let reason = collector.check("/reason") { try BoundedText(reason, maxLength: 2000) }
        var onset: LocalDate?
        if let symptomOnset {
            onset = collector.check("/symptomOnset") { try LocalDate(iso8601: symptomOnset) }
            if let day = onset, day > today { collector.add("/symptomOnset", "must not be in the future") }
        }
        try collector.throwIfAny()
        return NewReferral(clinicID: clinicID, patient: patient!, referringClinician: clinician!,
                           reason: reason!, symptomOnset: onset)
    }
}

/// A referral as stored: who, why, where it is in the pathway, and its version for optimistic concurrency.
public struct Referral: Hashable, Sendable {
    public let id: ReferralID
    public let clinicID: ClinicID
    public let patient: Patient
    public let referringClinician: ReferringClinician
    public let reason: BoundedText
    public let symptomOnset: LocalDate?
    public let status: ReferralStatus
    public let version: Int
    public let createdAt: Date
    public let updatedAt: Date

    public init(id: ReferralID, clinicID: ClinicID, patient: Patient, referringClinician: ReferringClinician,
                reason: BoundedText, symptomOnset: LocalDate?, status: ReferralStatus, version: Int,
                createdAt: Date, updatedAt: Date) {
        self.id = id
        self.clinicID = clinicID
        self.patient = patient
        self.referringClinician = referringClinician
        self.reason = reason
        self.symptomOnset = symptomOnset
        self.status = status
        self.version = version
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}
