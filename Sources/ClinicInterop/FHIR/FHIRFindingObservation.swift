import ClinicDomain
import Foundation

/// One vertebral finding as an Observation contained in its DiagnosticReport: the level as the
/// body site, the height loss as the value, and morphology, edema, Genant grade and red flags as components.
///
/// Contained, not a resource of its own: a finding has no identity outside its report, and the
/// level is only meaningful within that study (transitional anatomy), so it travels with the report.
public struct FHIRFindingObservation: Encodable, Sendable, Hashable {
    /// One `Observation.component`, with exactly one value.
    public struct Component: Encodable, Sendable, Hashable {
        public var code: FHIRCodeableConcept
        public var valueString: String?
        public var valueInteger: Int?
        public var valueBoolean: Bool?
    }

    public let resourceType = "Observation"
    public var id: String
    public var status: String
    public var category: [FHIRCodeableConcept]
    public var code: FHIRCodeableConcept
    public var subject: FHIRReference
    public var effectiveDateTime: String
    public var bodySite: FHIRCodeableConcept
    public var valueQuantity: FHIRQuantity
    public var component: [Component]

    init(finding: VertebralFinding, id: String, result: ImagingResult) {
        self.id = id
        status = FHIRDiagnosticReport.status(result.status)
        category = [
            FHIRCodeableConcept(
                coding: [
                    FHIRCoding(
                        system: "http://terminology.hl7.org/CodeSystem/observation-category", code: "imaging",
                        display: "Imaging")
                ])
        ]
        code = .text("Vertebral body height loss")
        subject = .to("Patient", result.patient.id.description)
        effectiveDateTime = FHIRInstant.utc(result.performedAt)
        bodySite = .text("\(finding.level) vertebra")
        valueQuantity = FHIRQuantity(value: finding.heightLossPercent, ucum: "%", unit: "%")
        var parts: [Component] = [
            Component(code: .text("Genant grade"), valueInteger: finding.genantGrade.rawValue)
        ]
        if let morphology = finding.morphology {
            parts.append(Component(code: .text("Fracture morphology"), valueString: morphology.rawValue))
        }
        parts.append(
            Component(
                code: .text("Marrow edema (MRI STIR/T2) or bone scan uptake"), valueString: finding.edema.rawValue))
        parts.append(Component(code: .text("Retropulsion or canal compromise"), valueBoolean: finding.retropulsion))
        parts.append(Component(code: .text("Suspected malignancy"), valueBoolean: finding.suspectedMalignancy))
        parts.append(Component(code: .text("Suspected infection"), valueBoolean: finding.suspectedInfection))
        component = parts
    }
}
