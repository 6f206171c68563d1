import ClinicDomain
import Foundation

/// FHIR R4 ServiceRequest for a referral to kyphoplasty evaluation.
public struct FHIRServiceRequest: Encodable, Sendable, Hashable {
    public let resourceType = "ServiceRequest"
    public var id: String
    public var meta: FHIRMeta
    public var extension_: [FHIRExtension]?
    public var identifier: [FHIRIdentifier]
    public var status: String
    public var intent: String
    public var priority: String
    public var code: FHIRCodeableConcept
    public var orderDetail: [FHIRCodeableConcept]?
    public var subject: FHIRReference
    public var occurrencePeriod: FHIRPeriod?
    public var authoredOn: String
    public var requester: FHIRReference
    public var locationReference: [FHIRReference]
    public var reasonCode: [FHIRCodeableConcept]
    public var insurance: [FHIRReference]?
    public var supportingInfo: [FHIRReference]?
    public var note: [FHIRAnnotation]?

    /// The system of the identifier every referral carries: `urn:clinic:referral|<id>`.
    public static let identifierSystem = "urn:clinic:referral"

    public init(referral: Referral) {
        id = referral.id.description
        meta = FHIRMeta(versionId: String(referral.version), lastUpdated: referral.updatedAt)
        var extensions: [FHIRExtension] = []
        if let closes = referral.windowClosesOn {
            extensions.append(
                FHIRExtension(url: FHIRExtensionURL.candidacyWindowCloses, value: .date(FHIRInstant.date(closes))))
        }
        if let onset = referral.symptomOnset {
            extensions.append(FHIRExtension(url: FHIRExtensionURL.symptomOnset, value: .date(FHIRInstant.date(onset))))
        }
        extension_ = extensions.nonEmptyFHIRArray
        identifier = [FHIRIdentifier(system: Self.identifierSystem, value: referral.id.description)]
        status = Self.status(referral.status)
        intent = "order"
        priority = Self.priority(referral.urgencyOverride ?? referral.urgency)
        // Text only: the CPT kyphoplasty codes (22513/22514) name the procedure at a thoracic or
        // lumbar level, which is not known, and may never be done, when the evaluation is asked for.
        code = .text("Kyphoplasty evaluation")
        orderDetail =
            FHIRClinicalFlag.allCases.filter { $0.isSet(in: referral.flags) }.map(\.concept)
            .nonEmptyFHIRArray
        subject = .to("Patient", referral.patient.id.description)
        occurrencePeriod = referral.evaluationDueOn.map { FHIRPeriod(end: FHIRInstant.date($0)) }
        authoredOn = FHIRInstant.utc(referral.createdAt)
        requester = FHIRReference(
            identifier: referral.referringClinician.npi.map {
                FHIRIdentifier(system: "http://hl7.org/fhir/sid/us-npi", value: $0)
            },
            display: referral.referringClinician.name.value)
        locationReference = [.to("Location", referral.clinicID.description)]
        // The reason as written, coded with the diagnosis its flags support (DOMAIN.md's ICD-10-CM).
        let diagnosis = BillingCodes.diagnosis(referral.flags)
        reasonCode = [
            FHIRCodeableConcept(
                coding: [
                    FHIRCoding(system: BillingCodes.icd10System, code: diagnosis.code, display: diagnosis.display)
                ],
                text: referral.reason.value)
        ]
        insurance = referral.payer.nonEmptyFHIRString.map { [FHIRReference(display: $0)] }
        supportingInfo = referral.imagingResultIDs.map { .to("DiagnosticReport", $0.description) }.nonEmptyFHIRArray
        var notes = referral.urgencyReasons.compactMap { reason in
            reason.detail.nonEmptyFHIRString.map { FHIRAnnotation(text: "Triage: " + $0) }
        }
        if let override = referral.urgencyOverride, override != referral.urgency {
            notes.append(FHIRAnnotation(text: "Urgency overridden by a clinician to \(override.rawValue)."))
        }
        if referral.status == .cancelled, let reason = referral.cancelReason.nonEmptyFHIRString {
            notes.append(FHIRAnnotation(text: "Cancelled: " + reason))
        }
        note = notes.nonEmptyFHIRArray
    }

    /// ServiceRequest.status for a referral status: on the pathway is active; closed, or judged
    /// not a candidate, is completed; cancelled is revoked.
    public static func status(_ status: ReferralStatus) -> String {
        switch status {
        case .received, .triaged, .surgicalReview, .evaluationScheduled, .evaluated(.candidate),
            .evaluated(.deferred), .procedureScheduled, .procedureDone, .followUpScheduled:
            "active"
        case .evaluated(.notCandidate), .closed: "completed"
        case .cancelled: "revoked"
        }
    }

    /// ServiceRequest.priority for the effective urgency; surgical review is same-day, so stat.
    public static func priority(_ urgency: Urgency?) -> String {
        switch urgency {
        case .routine, nil: "routine"
        case .urgent: "urgent"
        case .surgicalReview: "stat"
        }
    }

    private enum CodingKeys: String, CodingKey {
        case resourceType, id, meta, identifier, status, intent, priority, code, orderDetail, subject
        case occurrencePeriod, authoredOn, requester, locationReference, reasonCode, insurance, supportingInfo, note
        case extension_ = "extension"
    }
}
