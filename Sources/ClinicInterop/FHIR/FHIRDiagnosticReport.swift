import ClinicDomain
import Foundation

/// FHIR R4 DiagnosticReport for a radiology result: the impression as the conclusion, and each
/// vertebral finding as a contained Observation.
public struct FHIRDiagnosticReport: Encodable, Sendable, Hashable {
    public let resourceType = "DiagnosticReport"
    public var id: String
    public var meta: FHIRMeta
    public var contained: [FHIRFindingObservation]?
    public var identifier: [FHIRIdentifier]
    public var status: String
    public var category: [FHIRCodeableConcept]
    public var code: FHIRCodeableConcept
    public var subject: FHIRReference
    public var effectiveDateTime: String
    public var issued: String
    public var result: [FHIRReference]?
    public var conclusion: String?

    public init(result imaging: ImagingResult) {
        id = imaging.id.description
        meta = FHIRMeta(versionId: String(imaging.revision), lastUpdated: imaging.receivedAt)
        let findings = imaging.findings.enumerated().map { index, finding in
            FHIRFindingObservation(finding: finding, id: "finding-\(index + 1)", result: imaging)
        }
        contained = findings.nonEmptyFHIRArray
        identifier = [
            FHIRIdentifier(
                use: "usual",
                type: FHIRCodeableConcept(
                    coding: [
                        FHIRCoding(
                            system: "http://terminology.hl7.org/CodeSystem/v2-0203", code: "ACSN",
                            display: "Accession ID")
                    ]),
                system: Self.accessionSystem(sourceSystem: imaging.sourceSystem), value: imaging.accessionNumber)
        ]
        status = Self.status(imaging.status)
        category = [
            FHIRCodeableConcept(
                coding: [
                    FHIRCoding(
                        system: "http://terminology.hl7.org/CodeSystem/v2-0074", code: "RAD", display: "Radiology")
                ])
        ]
        // Text only: LOINC's spine imaging codes are per region and view, which the result does not record.
        code = .text(Self.modalityText(imaging.modality))
        subject = .to("Patient", imaging.patient.id.description)
        effectiveDateTime = FHIRInstant.utc(imaging.performedAt)
        issued = FHIRInstant.utc(imaging.receivedAt)
        result = findings.map { FHIRReference(reference: "#" + $0.id, display: $0.bodySite.text) }.nonEmptyFHIRArray
        conclusion = imaging.impression.nonEmptyFHIRString
    }

    /// DiagnosticReport.status: our four result statuses are FHIR codes of the same name.
    public static func status(_ status: ResultStatus) -> String {
        switch status {
        case .preliminary: "preliminary"
        case .final: "final"
        case .corrected: "corrected"
        case .cancelled: "cancelled"
        }
    }

    public static func modalityText(_ modality: Modality) -> String {
        switch modality {
        case .xRay: "X-ray spine"
        case .mri: "MRI spine"
        case .ct: "CT spine"
        case .boneScan: "Bone scan (nuclear medicine)"
        }
    }

    /// `urn:clinic:source:<source system>`, the source system percent-encoded so that the URI
    /// has no spaces or other characters a FHIR `uri` may not hold.
    public static func accessionSystem(sourceSystem: String) -> String {
        var encoded = ""
        for byte in sourceSystem.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                encoded.append(Character(Unicode.Scalar(byte)))
            default:
                let hex = Array("0123456789ABCDEF")
                encoded += "%" + String(hex[Int(byte >> 4)]) + String(hex[Int(byte & 0x0F)])
            }
        }
        return "urn:clinic:source:" + encoded
    }
}
