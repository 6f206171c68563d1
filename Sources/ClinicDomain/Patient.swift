import Foundation

/// Marker for patient identifiers.
public enum PatientTag {}
public typealias PatientID = Identifier<PatientTag>

/// Administrative sex as recorded by the clinic's registration system.
public enum AdministrativeSex: String, CaseIterable, Sendable, Codable {
    case female, male, other, unknown
}

/// Who the patient is, as the referring system tells us. Matched to a stored patient by clinic + MRN.
public struct PatientDetails: Hashable, Sendable {
    /// The clinic's medical record number.
    public let mrn: BoundedText
    public let givenName: BoundedText
    public let familyName: BoundedText
    public let birthDate: LocalDate
    public let sex: AdministrativeSex

    /// - Parameter today: birth dates after it are refused.
    public init(
        mrn: String, givenName: String, familyName: String, birthDate: String,
        sex: AdministrativeSex, today: LocalDate
    ) throws {
        var collector = ViolationCollector()
        let mrn = collector.check("/mrn") { try BoundedText(mrn, maxLength: 64) }
        let given = collector.check("/givenName") { try BoundedText(givenName, maxLength: 100) }
        let family = collector.check("/familyName") { try BoundedText(familyName, maxLength: 100) }
        let birth = collector.check("/birthDate") { try LocalDate(iso8601: birthDate) }
        if let birth, birth > today { collector.add("/birthDate", "must not be in the future") }
        if let birth, birth.year < today.year - 130 { collector.add("/birthDate", "is more than 130 years ago") }
        try collector.throwIfAny()
        self.init(mrn: mrn!, givenName: given!, familyName: family!, birthDate: birth!, sex: sex)
    }

    /// Assembles details from parts that are already valid (as read back from storage).
    public init(
        mrn: BoundedText, givenName: BoundedText, familyName: BoundedText, birthDate: LocalDate, sex: AdministrativeSex
    ) {
        self.mrn = mrn
        self.givenName = givenName
        self.familyName = familyName
        self.birthDate = birthDate
        self.sex = sex
    }
}

/// A stored patient.
public struct Patient: Hashable, Sendable {
    public let id: PatientID
    public let clinicID: ClinicID
    public let details: PatientDetails

    public init(id: PatientID, clinicID: ClinicID, details: PatientDetails) {
        self.id = id
        self.clinicID = clinicID
        self.details = details
    }
}
