import ClinicDomain
import ClinicInterop
import Foundation
import Testing

@Suite struct FHIRServiceRequestTests {
    @Test func referralBecomesAnActiveOrderForThePatient() throws {
        let json = try FHIRFixtures.json(FHIRServiceRequest(referral: try FHIRFixtures.referral()))
        #expect(json.string("resourceType") == "ServiceRequest")
        #expect(json.string("id") == FHIRFixtures.referralID.description)
        #expect(json.string("status") == "active")
        #expect(json.string("intent") == "order")
        #expect(json.string("priority") == "urgent")
        #expect(json.object("subject")?.string("reference") == "Patient/\(FHIRFixtures.patientID)")
        #expect(json.object("code")?.string("text") == "Kyphoplasty evaluation")
        #expect(json.object("code")?["coding"] == nil)
        #expect(json.string("authoredOn") == "2026-03-02T16:30:00Z")
        #expect(json.object("meta")?.string("lastUpdated") == "2026-03-02T17:30:00Z")
        #expect(json.object("meta")?.string("versionId") == "3")
    }

    @Test func identifierIsTheReferralURN() throws {
        let json = try FHIRFixtures.json(FHIRServiceRequest(referral: try FHIRFixtures.referral()))
        let identifier = try #require(json.objects("identifier").first)
        #expect(identifier.string("system") == "urn:clinic:referral")
        #expect(identifier.string("value") == FHIRFixtures.referralID.description)
    }

    @Test func requesterHasTheClinicianNameAndNPI() throws {
        let json = try FHIRFixtures.json(FHIRServiceRequest(referral: try FHIRFixtures.referral()))
        let requester = try #require(json.object("requester"))
        #expect(requester.string("display") == "Dr. Alan Reyes")
        #expect(requester.object("identifier")?.string("system") == "http://hl7.org/fhir/sid/us-npi")
        #expect(requester.object("identifier")?.string("value") == "1234567893")
    }

    @Test func reasonImagingDueDateAndWindowAreCarried() throws {
        let json = try FHIRFixtures.json(FHIRServiceRequest(referral: try FHIRFixtures.referral()))
        #expect(json.objects("reasonCode").first?.string("text")?.hasPrefix("Acute L1 wedge") == true)
        #expect(
            json.objects("supportingInfo").map { $0.string("reference") } == [
                "DiagnosticReport/\(FHIRFixtures.imagingID)"
            ])
        #expect(json.object("occurrencePeriod")?.string("end") == "2026-03-05")
        let window = json.objects("extension").first { $0.string("url") == FHIRExtensionURL.candidacyWindowCloses }
        #expect(window?.string("valueDate") == "2026-05-11")
        #expect(json.objects("locationReference").first?.string("reference") == "Location/\(FHIRFixtures.clinicID)")
        #expect(json.objects("insurance").first?.string("display") == "Medicare Part B")
    }

    @Test func triageReasonsAreNotes() throws {
        let json = try FHIRFixtures.json(FHIRServiceRequest(referral: try FHIRFixtures.referral()))
        #expect(json.objects("note").map { $0.string("text") } == ["Triage: Known osteoporosis with new severe pain."])
    }

    @Test func clinicalFlagsAreOrderDetailCodings() throws {
        let json = try FHIRFixtures.json(FHIRServiceRequest(referral: try FHIRFixtures.referral()))
        let codes = json.objects("orderDetail").flatMap { $0.objects("coding") }.map { $0.string("code") }
        #expect(codes == ["known-osteoporosis", "severe-pain"])
    }

    @Test func statusTableCoversEveryReferralStatus() {
        let expected: [ReferralStatus: String] = [
            .received: "active", .triaged: "active", .surgicalReview: "active", .evaluationScheduled: "active",
            .evaluated(.candidate): "active", .evaluated(.deferred): "active", .evaluated(.notCandidate): "completed",
            .procedureScheduled: "active", .procedureDone: "active", .followUpScheduled: "active",
            .closed: "completed", .cancelled: "revoked",
        ]
        for status in ReferralStatus.allCases {
            #expect(FHIRServiceRequest.status(status) == expected[status], "\(status)")
        }
    }

    @Test func priorityTableCoversEveryUrgency() {
        #expect(FHIRServiceRequest.priority(.routine) == "routine")
        #expect(FHIRServiceRequest.priority(.urgent) == "urgent")
        #expect(FHIRServiceRequest.priority(.surgicalReview) == "stat")
        #expect(FHIRServiceRequest.priority(nil) == "routine")
    }

    @Test func overrideWinsOverTriageUrgency() throws {
        let referral = try FHIRFixtures.referral(urgency: .routine, override: .surgicalReview)
        #expect(FHIRServiceRequest(referral: referral).priority == "stat")
    }

    @Test func referralWithoutOptionalPartsHasNoEmptyFields() throws {
        let full = try FHIRFixtures.referral()
        let bare = Referral(
            id: full.id, clinicID: full.clinicID, patient: full.patient,
            referringClinician: try ReferringClinician(name: "Dr. Alan Reyes", npi: nil), reason: full.reason,
            symptomOnset: nil, flags: ClinicalFlags(), payer: "  ", imagingResultIDs: [], status: .received,
            urgency: nil, urgencyReasons: [], urgencyOverride: nil, evaluationDueOn: nil, windowClosesOn: nil,
            cancelReason: nil, version: 1, createdAt: full.createdAt, updatedAt: full.updatedAt)
        let json = try FHIRFixtures.json(FHIRServiceRequest(referral: bare))
        for key in ["extension", "orderDetail", "occurrencePeriod", "insurance", "supportingInfo", "note"] {
            #expect(json[key] == nil, "\(key)")
        }
        #expect(json.object("requester")?["identifier"] == nil)
    }
}
