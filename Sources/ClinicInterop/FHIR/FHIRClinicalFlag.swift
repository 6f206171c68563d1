import ClinicDomain

/// The clinic's local code system for the referrer's clinical flags, one code per `ClinicalFlags` field.
public enum FHIRClinicalFlag: String, CaseIterable, Sendable {
    case neurologicalDeficit = "neurological-deficit"
    case cancerHistory = "cancer-history"
    case longTermSteroids = "long-term-steroids"
    case knownOsteoporosis = "known-osteoporosis"
    case severePain = "severe-pain"
    case hospitalised

    public static let system = "https://clinic.example.org/fhir/CodeSystem/clinical-flag"

    public var display: String {
        switch self {
        case .neurologicalDeficit: "Neurological deficit"
        case .cancerHistory: "History of cancer"
        case .longTermSteroids: "Long-term steroid use"
        case .knownOsteoporosis: "Known osteoporosis"
        case .severePain: "New severe pain"
        case .hospitalised: "Hospitalised"
        }
    }

    /// Whether `flags` has this one set.
    public func isSet(in flags: ClinicalFlags) -> Bool {
        switch self {
        case .neurologicalDeficit: flags.neurologicalDeficit
        case .cancerHistory: flags.cancerHistory
        case .longTermSteroids: flags.longTermSteroids
        case .knownOsteoporosis: flags.knownOsteoporosis
        case .severePain: flags.severePain
        case .hospitalised: flags.hospitalised
        }
    }

    /// Sets this one in `flags`.
    public func set(in flags: inout ClinicalFlags) {
        switch self {
        case .neurologicalDeficit: flags.neurologicalDeficit = true
        case .cancerHistory: flags.cancerHistory = true
        case .longTermSteroids: flags.longTermSteroids = true
        case .knownOsteoporosis: flags.knownOsteoporosis = true
        case .severePain: flags.severePain = true
        case .hospitalised: flags.hospitalised = true
        }
    }

    /// The flag as an `orderDetail` concept.
    var concept: FHIRCodeableConcept {
        FHIRCodeableConcept(coding: [FHIRCoding(system: Self.system, code: rawValue, display: display)])
    }
}
