import ClinicDomain
import ClinicInterop
import ClinicServices
import Foundation
import Testing

@Suite struct FHIRServiceRequestIntakeTests {
    static let imagingReference = "DiagnosticReport/9d8c7b6a-5f4e-4d3c-8b2a-190817263544"

    /// A referral network's request for our 68-year-old patient with an L1 wedge fracture.
    static func request() -> [String: Any] {
        [
            "resourceType": "ServiceRequest",
            "id": "ref-778",
            "identifier": [["system": "urn:oid:2.16.840.1.113883.3.7812.1", "value": "REF-2026-000778"]],
            "status": "active",
            "intent": "order",
            "priority": "urgent",
            "contained": [
                [
                    "resourceType": "Patient", "id": "p1",
                    "identifier": [
                        ["system": "urn:oid:1.2.3", "value": "INS-991"],
                        [
                            "type": [
                                "coding": [["system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "MR"]]
                            ],
                            "system": "urn:clinic:front-range:mrn", "value": "00012345",
                        ],
                    ],
                    "name": [["family": "Hill", "given": ["Margaret", "Ann"]]],
                    "birthDate": "1957-05-14",
                    "gender": "female",
                ]
            ],
            "subject": ["reference": "#p1"],
            "locationReference": [["reference": "Location/6F1C2B0E-8D3A-4E55-9C1B-2A7D4E9F0A11"]],
            "requester": [
                "display": "Dr. Alan Reyes",
                "identifier": ["system": "http://hl7.org/fhir/sid/us-npi", "value": "1234567893"],
            ],
            "reasonCode": [
                [
                    "text": "Acute L1 wedge compression fracture, 30% height loss, STIR edema on MRI",
                    "coding": [
                        ["system": FHIRClinicalFlag.system, "code": "known-osteoporosis"]
                    ],
                ]
            ],
            "orderDetail": [["coding": [["system": FHIRClinicalFlag.system, "code": "severe-pain"]]]],
            "extension": [["url": FHIRExtensionURL.symptomOnset, "valueDate": "2026-02-16"]],
            "insurance": [["display": "Medicare Part B"]],
            "authoredOn": "2026-03-02T09:30:00-07:00",
            "someFutureElement": ["nested": [1, 2, 3]],
        ]
    }

    static func bytes(_ object: Any) throws -> [UInt8] {
        Array(try JSONSerialization.data(withJSONObject: object))
    }

    /// The error the intake gives for `object`, which must be refused.
    static func refusal(_ object: Any) throws -> FHIRIntakeError {
        try refusal(bytes: bytes(object))
    }

    static func refusal(bytes: [UInt8]) throws -> FHIRIntakeError {
        do {
            _ = try FHIRServiceRequestIntake(json: bytes)
        } catch {
            return error
        }
        Issue.record("the intake accepted what it should refuse")
        throw FHIRIntakeError("test", "accepted")
    }

    static func without(_ key: String) -> [String: Any] {
        var object = request()
        object[key] = nil
        return object
    }

    static func withPatient(_ change: (inout [String: Any]) -> Void) -> [String: Any] {
        var object = request()
        var contained = object["contained"] as? [[String: Any]] ?? []
        change(&contained[0])
        object["contained"] = contained
        return object
    }

    @Test func fullRequestWithContainedPatientBecomesADraft() throws {
        let intake = try FHIRServiceRequestIntake(json: try Self.bytes(Self.request()))
        let draft = intake.draft
        #expect(intake.identifier.system == "urn:oid:2.16.840.1.113883.3.7812.1")
        #expect(intake.identifier.value == "REF-2026-000778")
        #expect(intake.priority == "urgent")
        #expect(draft.clinicID == "6f1c2b0e-8d3a-4e55-9c1b-2a7d4e9f0a11")
        #expect(
            draft.patient
                == ReferralDraft.PatientDraft(
                    mrn: "00012345", givenName: "Margaret", familyName: "Hill", birthDate: "1957-05-14", sex: .female))
        #expect(draft.referringClinicianName == "Dr. Alan Reyes")
        #expect(draft.referringClinicianNPI == "1234567893")
        #expect(draft.reason == "Acute L1 wedge compression fracture, 30% height loss, STIR edema on MRI")
        #expect(draft.symptomOnset == "2026-02-16")
        #expect(draft.payer == "Medicare Part B")
        #expect(draft.imagingResultIDs.isEmpty)
        #expect(draft.flags == ClinicalFlags(knownOsteoporosis: true, severePain: true))
    }

    @Test func priorityNeverBecomesAClinicalFlag() throws {
        var object = Self.request()
        object["priority"] = "stat"
        object["orderDetail"] = nil
        object["reasonCode"] = [["text": "L1 wedge fracture"]]
        let intake = try FHIRServiceRequestIntake(json: try Self.bytes(object))
        #expect(intake.draft.flags == ClinicalFlags())
    }

    @Test func supportingImagingAloneNeedsNoPatientOrClinic() throws {
        var object = Self.request()
        object["contained"] = nil
        object["subject"] = nil
        object["locationReference"] = nil
        object["supportingInfo"] = [["reference": Self.imagingReference], ["reference": "Observation/pain-score"]]
        let draft = try FHIRServiceRequestIntake(json: try Self.bytes(object)).draft
        #expect(draft.patient == nil)
        #expect(draft.clinicID == nil)
        #expect(draft.imagingResultIDs == ["9d8c7b6a-5f4e-4d3c-8b2a-190817263544"])
    }

    @Test func mrnFallsBackToTheFirstIdentifier() throws {
        let object = Self.withPatient { patient in
            patient["identifier"] = [["value": "00012345"], ["value": "other"]]
        }
        #expect(try FHIRServiceRequestIntake(json: try Self.bytes(object)).draft.patient?.mrn == "00012345")
    }

    @Test func missingGenderIsUnknown() throws {
        let object = Self.withPatient { $0["gender"] = nil }
        #expect(try FHIRServiceRequestIntake(json: try Self.bytes(object)).draft.patient?.sex == .unknown)
    }

    @Test func reasonFallsBackToCodingDisplayThenNote() throws {
        var object = Self.request()
        object["reasonCode"] = [["coding": [["system": "http://snomed.info/sct", "display": "Fracture of L1"]]]]
        #expect(try FHIRServiceRequestIntake(json: try Self.bytes(object)).draft.reason == "Fracture of L1")
        object["reasonCode"] = nil
        object["note"] = [["text": "Please assess for kyphoplasty"]]
        #expect(
            try FHIRServiceRequestIntake(json: try Self.bytes(object)).draft.reason == "Please assess for kyphoplasty")
    }

    @Test func eachRequiredFieldMissingNamesItsExpression() throws {
        let cases: [(String, [String: Any])] = [
            ("ServiceRequest.resourceType", Self.without("resourceType")),
            ("ServiceRequest.status", Self.without("status")),
            ("ServiceRequest.intent", Self.without("intent")),
            ("ServiceRequest.identifier", Self.without("identifier")),
            ("ServiceRequest.requester.display", Self.without("requester")),
            ("ServiceRequest.reasonCode", Self.without("reasonCode")),
            ("ServiceRequest.subject", Self.without("subject")),
            ("ServiceRequest.locationReference", Self.without("locationReference")),
            ("Patient.identifier", Self.withPatient { $0["identifier"] = nil }),
            ("Patient.name", Self.withPatient { $0["name"] = nil }),
            ("Patient.name.family", Self.withPatient { $0["name"] = [["given": ["Margaret"]]] }),
            ("Patient.name.given", Self.withPatient { $0["name"] = [["family": "Hill"]] }),
            ("Patient.birthDate", Self.withPatient { $0["birthDate"] = nil }),
        ]
        for (expression, object) in cases {
            let error = try Self.refusal(object)
            #expect(error.expression == expression)
            #expect(!error.diagnostics.isEmpty)
        }
    }

    @Test func identifierWithoutSystemDoesNotCount() throws {
        var object = Self.request()
        object["identifier"] = [["value": "REF-2026-000778"]]
        #expect(try Self.refusal(object).expression == "ServiceRequest.identifier")
    }

    @Test func wrongResourceTypeIsRefused() throws {
        var object = Self.request()
        object["resourceType"] = "Patient"
        let error = try Self.refusal(object)
        #expect(error.expression == "ServiceRequest.resourceType")
        #expect(error.diagnostics.contains("not Patient"))
    }

    @Test func onlyActiveRequestsAreAccepted() throws {
        for status in ["draft", "on-hold", "revoked", "completed", "entered-in-error", "unknown", "pending"] {
            var object = Self.request()
            object["status"] = status
            let error = try Self.refusal(object)
            #expect(error.expression == "ServiceRequest.status")
            #expect(error.diagnostics.lowercased().contains("only active"))
        }
    }

    @Test func directiveAndOptionIntentsAreRefused() throws {
        for intent in ["directive", "option", "wish"] {
            var object = Self.request()
            object["intent"] = intent
            #expect(try Self.refusal(object).expression == "ServiceRequest.intent")
        }
        for intent in ["original-order", "plan", "proposal"] {
            var object = Self.request()
            object["intent"] = intent
            _ = try FHIRServiceRequestIntake(json: try Self.bytes(object))
        }
    }

    @Test func unknownPriorityIsRefused() throws {
        var object = Self.request()
        object["priority"] = "whenever"
        #expect(try Self.refusal(object).expression == "ServiceRequest.priority")
    }

    @Test func partialBirthDateIsRefused() throws {
        for date in ["1957", "1957-05", "1957-02-30", "14/05/1957"] {
            let error = try Self.refusal(Self.withPatient { $0["birthDate"] = date })
            #expect(error.expression == "Patient.birthDate")
        }
    }

    @Test func unknownGenderIsRefused() throws {
        let error = try Self.refusal(Self.withPatient { $0["gender"] = "F" })
        #expect(error.expression == "Patient.gender")
    }

    @Test func badSymptomOnsetIsRefused() throws {
        var object = Self.request()
        object["extension"] = [["url": FHIRExtensionURL.symptomOnset, "valueDate": "mid-February"]]
        #expect(try Self.refusal(object).expression.hasSuffix("symptom-onset').valueDate"))
    }

    @Test func badNPIIsRefused() throws {
        var object = Self.request()
        object["requester"] = [
            "display": "Dr. Alan Reyes", "identifier": ["system": "http://hl7.org/fhir/sid/us-npi", "value": "12345"],
        ]
        #expect(try Self.refusal(object).expression == "ServiceRequest.requester.identifier.value")
    }

    @Test func unknownClinicalFlagCodeIsRefused() throws {
        var object = Self.request()
        object["orderDetail"] = [["coding": [["system": FHIRClinicalFlag.system, "code": "pregnant"]]]]
        #expect(try Self.refusal(object).expression == "ServiceRequest.orderDetail[0].coding[0].code")
    }

    @Test func subjectOutsideTheRequestIsRefused() throws {
        var object = Self.request()
        object["subject"] = ["reference": "Patient/123"]
        #expect(try Self.refusal(object).expression == "ServiceRequest.subject.reference")
        object["subject"] = ["reference": "#p2"]
        #expect(try Self.refusal(object).expression == "ServiceRequest.subject.reference")
    }

    @Test func badLocationAndImagingReferencesAreRefused() throws {
        var object = Self.request()
        object["locationReference"] = [["reference": "Location/front-range"]]
        #expect(try Self.refusal(object).expression == "ServiceRequest.locationReference[0].reference")
        object = Self.request()
        object["supportingInfo"] = [["reference": "DiagnosticReport/42"]]
        #expect(try Self.refusal(object).expression == "ServiceRequest.supportingInfo[0].reference")
    }

    @Test func numberWhereAStringBelongsIsRefused() throws {
        var object = Self.request()
        object["requester"] = ["display": 42]
        let error = try Self.refusal(object)
        #expect(error.expression == "ServiceRequest.requester.display")
        #expect(error.diagnostics.contains("found a number"))
    }

    @Test func nonJSONBytesAreRefused() throws {
        let error = try Self.refusal(bytes: Array("MSH|^~\\&|RIS|".utf8))
        #expect(error.expression == "ServiceRequest")
        #expect(try Self.refusal(bytes: []).expression == "ServiceRequest")
        #expect(try Self.refusal(bytes: [0xFF, 0xFE, 0x7B, 0x7D]).expression == "ServiceRequest")
    }

    @Test func jsonArrayIsRefused() throws {
        let error = try Self.refusal([Self.request()])
        #expect(error.expression == "ServiceRequest")
        #expect(error.diagnostics.contains("an array"))
    }

    @Test func deeplyNestedInputIsRefusedWithoutCrashing() throws {
        let deep =
            Array(repeating: UInt8(ascii: "["), count: 200_000) + Array(repeating: UInt8(ascii: "]"), count: 200_000)
        #expect(try Self.refusal(bytes: deep).expression == "ServiceRequest")
        var object = Self.request()
        var nested: Any = "end"
        for _ in 0..<100 { nested = ["x": nested] }
        object["someFutureElement"] = nested
        #expect(try Self.refusal(object).expression == "ServiceRequest")
    }

    @Test func bracketsInsideStringsDoNotCountAsNesting() throws {
        var object = Self.request()
        object["note"] = [["text": String(repeating: "[{", count: 500)]]
        _ = try FHIRServiceRequestIntake(json: try Self.bytes(object))
    }

    @Test func fiveMegabyteStringIsRefused() throws {
        var object = Self.request()
        object["reasonCode"] = [["text": String(repeating: "a", count: 5_000_000)]]
        let error = try Self.refusal(object)
        #expect(error.code == .tooCostly)
    }

    @Test func overlongFieldIsRefusedAtItsExpression() throws {
        var object = Self.request()
        object["reasonCode"] = [["text": String(repeating: "a", count: 20_000)]]
        #expect(try Self.refusal(object).expression == "ServiceRequest.reasonCode[0].text")
    }

    @Test func errorBecomesAnOperationOutcome() throws {
        let error = try Self.refusal(Self.withPatient { $0["birthDate"] = nil })
        let issue = try #require(error.operationOutcome.issue.first)
        #expect(issue.severity == .error)
        #expect(issue.code == .required)
        #expect(issue.expression == ["Patient.birthDate"])
    }

    @Test func mangledRequestsNeverCrash() throws {
        // Each top-level element replaced by values of every JSON type: refused or accepted, never a trap.
        let junk: [Any] = [NSNull(), 0, -1.5e300, true, "", "x", [Any](), [[Any]()], [String: Any](), ["a": [1]]]
        for key in Self.request().keys {
            for value in junk {
                var object = Self.request()
                object[key] = value
                _ = try? FHIRServiceRequestIntake(json: try Self.bytes(object))
            }
        }
        for key in (Self.request()["contained"] as? [[String: Any]])?.first?.keys.map({ $0 }) ?? [] {
            for value in junk {
                _ = try? FHIRServiceRequestIntake(json: try Self.bytes(Self.withPatient { $0[key] = value }))
            }
        }
    }
}
