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

/// A request to refer a patient for kyphoplasty evaluation, validated and triaged.
public struct NewReferral: Hashable, Sendable {
    public let clinicID: ClinicID
    public let patient: PatientDetails
    public let referringClinician: ReferringClinician
    public let reason: BoundedText
    public let symptomOnset: LocalDate?
    public let flags: ClinicalFlags
    public let payer: BoundedText?
    public let imagingResultIDs: [ImagingResultID]
    public let triage: TriageOutcome

    public init(
        clinicID: ClinicID, patient: PatientDetails, referringClinician: ReferringClinician, reason: BoundedText,
        symptomOnset: LocalDate?, flags: ClinicalFlags, payer: BoundedText?, imagingResultIDs: [ImagingResultID],
        triage: TriageOutcome
    ) {
        self.clinicID = clinicID
        self.patient = patient
        self.referringClinician = referringClinician
        self.reason = reason
        self.symptomOnset = symptomOnset
        self.flags = flags
        self.payer = payer
        self.imagingResultIDs = imagingResultIDs
        self.triage = triage
    }

    /// The move triage makes from `received`, in the transaction that creates the referral:
    /// red flags route it to surgical review, anything else leaves it triaged on the pathway.
    public var triageTransition: ReferralTransition {
        triage.urgency == .surgicalReview ? .routeToSurgicalReview : .triage
    }
}

/// A referral as stored: who, why, its triage, where it is in the pathway, and its version for
/// optimistic concurrency.
public struct Referral: Hashable, Sendable {
    public let id: ReferralID
    public let clinicID: ClinicID
    public let patient: Patient
    public let referringClinician: ReferringClinician
    public let reason: BoundedText
    public let symptomOnset: LocalDate?
    public let flags: ClinicalFlags
    public let payer: String?
    public let imagingResultIDs: [ImagingResultID]
    public let status: ReferralStatus
    /// Nil only for referrals stored before triage existed.
    public let urgency: Urgency?
    public let urgencyReasons: [TriageReason]
    public let urgencyOverride: Urgency?
    public let evaluationDueOn: LocalDate?
    public let windowClosesOn: LocalDate?
    public let cancelReason: String?
    public let version: Int
    public let createdAt: Date
    public let updatedAt: Date

    public init(
        id: ReferralID, clinicID: ClinicID, patient: Patient, referringClinician: ReferringClinician,
        reason: BoundedText, symptomOnset: LocalDate?, flags: ClinicalFlags, payer: String?,
        imagingResultIDs: [ImagingResultID], status: ReferralStatus, urgency: Urgency?, urgencyReasons: [TriageReason],
        urgencyOverride: Urgency?, evaluationDueOn: LocalDate?, windowClosesOn: LocalDate?, cancelReason: String?,
        version: Int, createdAt: Date, updatedAt: Date
    ) {
        self.id = id
        self.clinicID = clinicID
        self.patient = patient
        self.referringClinician = referringClinician
        self.reason = reason
        self.symptomOnset = symptomOnset
        self.flags = flags
        self.payer = payer
        self.imagingResultIDs = imagingResultIDs
        self.status = status
        self.urgency = urgency
        self.urgencyReasons = urgencyReasons
        self.urgencyOverride = urgencyOverride
        self.evaluationDueOn = evaluationDueOn
        self.windowClosesOn = windowClosesOn
        self.cancelReason = cancelReason
        self.version = version
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// Still waiting for its evaluation visit, past the due date, on the clinic's calendar.
    public func isOverdue(today: LocalDate) -> Bool {
        status.isOverdue(due: evaluationDueOn, today: today)
    }
}

extension ReferralStatus {
    /// States in which the evaluation visit has not happened yet.
    public var awaitsEvaluation: Bool {
        switch self {
        case .received, .triaged, .surgicalReview, .evaluationScheduled: true
        default: false
        }
    }

    /// States still on the kyphoplasty pathway with no procedure booked: the ones a closing
    /// candidacy window threatens.
    public var awaitsProcedure: Bool {
        switch self {
        case .received, .triaged, .evaluationScheduled, .evaluated(.candidate), .evaluated(.deferred): true
        default: false
        }
    }

    /// Past its evaluation due date while still waiting for the evaluation.
    public func isOverdue(due: LocalDate?, today: LocalDate) -> Bool {
        guard let due else { return false }
        return awaitsEvaluation && due < today
    }
}
