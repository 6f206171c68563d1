import ClinicDomain
import Foundation

/// FHIR R4 Schedule: one clinic's capacity for one kind of visit, which its Slots belong to.
public struct FHIRSchedule: Encodable, Sendable, Hashable {
    public let resourceType = "Schedule"
    public var id: String
    public var active: Bool
    public var serviceType: [FHIRCodeableConcept]
    public var actor: [FHIRReference]
    public var comment: String?

    public init(clinic: Clinic, kind: VisitKind) {
        id = FHIRIDs.schedule(clinicID: clinic.id, kind: kind)
        active = true
        // HL7's service-type code system has no code for spine augmentation or its evaluation, and
        // a broader one (a surgical specialty) would mislead a slot finder: the text says what it
        // is, and a procedure schedule adds the CPT codes of the first level it offers.
        serviceType =
            [.text(Self.serviceText(kind))]
            + (kind == .procedure ? [BillingCodes.kyphoplastyThoracic, BillingCodes.kyphoplastyLumbosacral] : []).map {
                FHIRCodeableConcept(coding: [
                    FHIRCoding(system: BillingCodes.cptSystem, code: $0.code, display: $0.display)
                ])
            }
        actor = [.to("Location", clinic.id.description, display: clinic.name.value)]
        comment = "Times are in the clinic's time zone, \(clinic.timeZone.identifier)."
    }

    /// What a slot on this schedule offers, as a slot finder shows it.
    public static func serviceText(_ kind: VisitKind) -> String {
        switch kind {
        case .evaluation: "Kyphoplasty evaluation visit"
        case .procedure: "Kyphoplasty procedure (about one hour per treated vertebra, home the same day)"
        case .followUp: "Kyphoplasty follow-up visit"
        }
    }
}
