import ClinicDomain
import ClinicInterop
import Foundation
import Testing

@Suite struct FHIRDiagnosticReportTests {
    @Test func reportHasStatusCategoryCodeAndTimes() throws {
        let json = try FHIRFixtures.json(FHIRDiagnosticReport(result: try FHIRFixtures.imaging()))
        #expect(json.string("resourceType") == "DiagnosticReport")
        #expect(json.string("id") == FHIRFixtures.imagingID.description)
        #expect(json.string("status") == "final")
        let category = try #require(json.objects("category").first?.objects("coding").first)
        #expect(category.string("system") == "http://terminology.hl7.org/CodeSystem/v2-0074")
        #expect(category.string("code") == "RAD")
        #expect(json.object("code")?.string("text") == "MRI spine")
        #expect(json.object("subject")?.string("reference") == "Patient/\(FHIRFixtures.patientID)")
        #expect(json.string("effectiveDateTime") == "2026-02-28T14:15:00Z")
        #expect(json.string("issued") == "2026-02-28T16:15:00Z")
        #expect(json.string("conclusion")?.hasPrefix("Acute L1 wedge compression fracture") == true)
        #expect(json.object("meta")?.string("versionId") == "2")
    }

    @Test func accessionNumberIsTheIdentifierInItsSourceSystem() throws {
        let json = try FHIRFixtures.json(FHIRDiagnosticReport(result: try FHIRFixtures.imaging()))
        let identifier = try #require(json.objects("identifier").first)
        #expect(identifier.string("value") == "ACC-2026-0042")
        #expect(identifier.string("system") == "urn:clinic:source:RIS%20North")
    }

    @Test func findingIsAContainedObservationReferencedFromResult() throws {
        let json = try FHIRFixtures.json(FHIRDiagnosticReport(result: try FHIRFixtures.imaging()))
        let observation = try #require(json.objects("contained").first)
        #expect(observation.string("resourceType") == "Observation")
        #expect(json.objects("result").first?.string("reference") == "#" + (observation.string("id") ?? ""))
        #expect(observation.object("bodySite")?.string("text") == "L1 vertebra")
        #expect(observation.object("valueQuantity")?["value"] as? Double == 30)
        #expect(observation.object("valueQuantity")?.string("code") == "%")
        let components = observation.objects("component")
        func component(_ text: String) -> [String: Any]? {
            components.first { $0.object("code")?.string("text") == text }
        }
        #expect(component("Fracture morphology")?.string("valueString") == "wedge")
        #expect(component("Marrow edema (MRI STIR/T2) or bone scan uptake")?.string("valueString") == "present")
        #expect(component("Genant grade")?["valueInteger"] as? Int == 2)
        #expect(component("Retropulsion or canal compromise")?["valueBoolean"] as? Bool == false)
    }

    @Test func everyResultStatusIsAFHIRReportStatus() {
        let expected: [ResultStatus: String] = [
            .preliminary: "preliminary", .final: "final", .corrected: "corrected", .cancelled: "cancelled",
        ]
        for status in ResultStatus.allCases {
            #expect(FHIRDiagnosticReport.status(status) == expected[status])
        }
    }

    @Test func everyModalityHasText() {
        #expect(
            Modality.allCases.map(FHIRDiagnosticReport.modalityText) == [
                "X-ray spine", "MRI spine", "CT spine", "Bone scan (nuclear medicine)",
            ])
    }
}
