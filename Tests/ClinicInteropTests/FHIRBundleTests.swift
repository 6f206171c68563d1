import ClinicDomain
import ClinicInterop
import Foundation
import Testing

@Suite struct FHIRBundleTests {
    @Test func searchsetHasFullURLsMatchModeAndLinks() throws {
        let bundle = FHIRBundle.searchset(
            entries: [
                .patient(FHIRPatient(patient: try FHIRFixtures.patient())),
                .serviceRequest(FHIRServiceRequest(referral: try FHIRFixtures.referral())),
            ],
            fullURLBase: "https://clinic.example.org/fhir/",
            selfURL: "https://clinic.example.org/fhir/ServiceRequest?_count=2",
            nextURL: "https://clinic.example.org/fhir/ServiceRequest?_count=2&cursor=abc", total: 7)
        let json = try FHIRFixtures.json(bundle)
        #expect(json.string("resourceType") == "Bundle")
        #expect(json.string("type") == "searchset")
        #expect(json["total"] as? Int == 7)
        let entries = json.objects("entry")
        #expect(
            entries.map { $0.string("fullUrl") } == [
                "https://clinic.example.org/fhir/Patient/\(FHIRFixtures.patientID)",
                "https://clinic.example.org/fhir/ServiceRequest/\(FHIRFixtures.referralID)",
            ])
        #expect(entries.allSatisfy { $0.object("search")?.string("mode") == "match" })
        #expect(entries.first?.object("resource")?.string("resourceType") == "Patient")
        #expect(json.objects("link").map { $0.string("relation") } == ["self", "next"])
    }

    @Test func emptyLastPageHasNoEntryAndNoNextLink() throws {
        let bundle = FHIRBundle.searchset(
            entries: [], fullURLBase: "https://clinic.example.org/fhir",
            selfURL: "https://clinic.example.org/fhir/Slot",
            nextURL: nil, total: nil)
        let json = try FHIRFixtures.json(bundle)
        #expect(json["entry"] == nil)
        #expect(json["total"] == nil)
        #expect(json.objects("link").map { $0.string("relation") } == ["self"])
    }
}
