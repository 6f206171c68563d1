import ClinicDomain
import ClinicTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("POST /v1/imaging-results")
struct ImagingIntakeTests {
    @Test("an MRI with an L1 wedge fracture is stored with its derived Genant grade and acuity")
    func storesResult() async throws {
        try await withApp { client, db in
            let clinic = try await Fixtures(db).clinic()
            let pacs = try await Fixtures(db).token(.intake, name: "PACS")
            try await client.postImaging(token: pacs, ImagingJSON.mri(clinicID: clinic.id)) { response in
                #expect(response.status == .created)
                let body = JSONBody(response)
                #expect(body.string("disposition") == "created")
                #expect(body["revision"] as? Int == 1)
                let finding = (body["findings"] as? [[String: Any]])?.first
                #expect(finding?["genantGrade"] as? Int == 2)
                #expect(finding?["acuity"] as? String == "recent")
                #expect(response.headers[.location]?.hasPrefix("/v1/imaging-results/") == true)
            }
            #expect(try await db.count("imaging_results") == 1)
            #expect(try await db.count("imaging_findings", where: "level = 'L1'") == 1)
        }
    }

    @Test("the same message twice creates nothing and answers the stored result")
    func replay() async throws {
        try await withApp { client, db in
            let clinic = try await Fixtures(db).clinic()
            let pacs = try await Fixtures(db).token(.intake)
            let first = try await client.postImaging(token: pacs, ImagingJSON.mri(clinicID: clinic.id)) {
                JSONBody($0).string("id")
            }
            try await client.postImaging(token: pacs, ImagingJSON.mri(clinicID: clinic.id)) { response in
                #expect(response.status == .ok)
                #expect(JSONBody(response).string("disposition") == "replayed")
                #expect(first != nil && JSONBody(response).string("id") == first)
            }
            #expect(try await db.count("imaging_results") == 1)
            #expect(try await db.count("imaging_result_revisions") == 1)
            #expect(try await db.count("audit_log", where: "action = 'imaging_result.create.replay'") == 1)
        }
    }

    @Test(
        "the same accession sent for another clinic is 409, and the answer shows nothing of the first clinic's patient")
    func accessionOfAnotherClinic() async throws {
        try await withApp { client, db in
            let desert = try await Fixtures(db).clinic()
            let mesa = try await Fixtures(db).clinic(name: "Mesa Spine", timeZone: "America/Denver")
            let pacs = try await Fixtures(db).token(.intake)
            _ = try await client.postImaging(token: pacs, ImagingJSON.mri(clinicID: desert.id)) {
                JSONBody($0).string("id")
            }
            try await client.execute(
                uri: "/v1/imaging-results", method: .post, headers: .bearer(pacs),
                body: ByteBuffer(json: ImagingJSON.mri(clinicID: mesa.id))
            ) { response in
                #expect(response.status == .conflict)
                let text = String(buffer: response.body)
                #expect(!text.contains("Whitfield") && !text.contains(desert.id.description))
            }
            #expect(try await db.count("imaging_results") == 1)
            #expect(try await db.count("patients") == 1)
        }
    }

    @Test("ten identical deliveries at once store one result")
    func concurrentDeliveries() async throws {
        try await withApp { client, db in
            let clinic = try await Fixtures(db).clinic()
            let pacs = try await Fixtures(db).token(.intake)
            let codes = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<10 {
                    group.addTask {
                        try await client.postImaging(token: pacs, ImagingJSON.mri(clinicID: clinic.id)) {
                            $0.status.code
                        }
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(codes.filter { $0 == 201 }.count == 1)
            #expect(codes.filter { $0 == 200 }.count == 9)
            #expect(try await db.count("imaging_results") == 1)
            #expect(try await db.count("patients") == 1)
        }
    }

    @Test("preliminary then final is a revision; the preliminary stays readable")
    func revisionKeepsHistory() async throws {
        try await withApp { client, db in
            let clinic = try await Fixtures(db).clinic()
            let pacs = try await Fixtures(db).token(.intake)
            let reader = try await Fixtures(db).token(.clinician)
            let id = try await client.postImaging(
                token: pacs,
                ImagingJSON.mri(
                    clinicID: clinic.id, status: "preliminary",
                    findings: #"{"level":"L1","heightLossPercent":22,"edema":"unknown"}"#)
            ) { JSONBody($0).string("id")! }
            try await client.postImaging(token: pacs, ImagingJSON.mri(clinicID: clinic.id)) { response in
                #expect(response.status == .ok)
                #expect(JSONBody(response).string("disposition") == "revised")
                #expect(JSONBody(response)["revision"] as? Int == 2)
            }
            try await client.execute(
                uri: "/v1/imaging-results/\(id)?revision=1", method: .get, headers: .bearer(reader, json: false)
            ) { response in
                #expect(response.status == .ok)
                let body = JSONBody(response)
                #expect(body.string("resultStatus") == "preliminary")
                #expect((body["findings"] as? [[String: Any]])?.first?["genantGrade"] as? Int == 1)
            }
            try await client.execute(
                uri: "/v1/imaging-results/\(id)", method: .get, headers: .bearer(reader, json: false)
            ) { response in
                #expect(JSONBody(response).string("resultStatus") == "final")
            }
            try await client.execute(
                uri: "/v1/imaging-results/\(id)?revision=3", method: .get, headers: .bearer(reader, json: false)
            ) { response in
                #expect(response.status == .notFound)
            }
        }
    }

    @Test(
        "invalid messages are 400 naming the field and store nothing",
        arguments: [
            ("UNKNOWN_LEVEL", "/findings/0/level"),
            ("HEIGHT_LOSS_120", "/findings/0/heightLossPercent"),
            ("FUTURE", "/performedAt"),
            ("CORRECTED_UNSEEN", "/resultStatus"),
            ("LEVEL_TWICE", "/findings/1/level"),
            ("BAD_MODALITY", "/modality"),
        ])
    func invalidMessages(variant: String, pointer: String) async throws {
        try await withApp { client, db in
            let clinic = try await Fixtures(db).clinic()
            let pacs = try await Fixtures(db).token(.intake)
            let l1 = #"{"level":"L1","heightLossPercent":30,"edema":"present"}"#
            let json: String =
                switch variant {
                case "UNKNOWN_LEVEL":
                    ImagingJSON.mri(
                        clinicID: clinic.id, findings: #"{"level":"L6","heightLossPercent":30,"edema":"present"}"#)
                case "HEIGHT_LOSS_120":
                    ImagingJSON.mri(
                        clinicID: clinic.id, findings: #"{"level":"L1","heightLossPercent":120,"edema":"present"}"#)
                case "FUTURE": ImagingJSON.mri(clinicID: clinic.id, performedAt: "2099-01-01T08:00:00Z")
                case "CORRECTED_UNSEEN": ImagingJSON.mri(clinicID: clinic.id, status: "corrected")
                case "LEVEL_TWICE": ImagingJSON.mri(clinicID: clinic.id, findings: l1 + "," + l1)
                default: ImagingJSON.mri(clinicID: clinic.id, modality: "PET")
                }
            try await client.postImaging(token: pacs, json) { response in
                #expect(response.status == .badRequest)
                #expect(JSONBody(response).pointers.contains(pointer), "\(JSONBody(response).pointers)")
            }
            #expect(try await db.count("imaging_results") == 0)
            #expect(try await db.count("patients") == 0)
        }
    }

    @Test("an older status after a newer one is 409 and changes nothing")
    func outOfOrder() async throws {
        try await withApp { client, db in
            let clinic = try await Fixtures(db).clinic()
            let pacs = try await Fixtures(db).token(.intake)
            try await client.postImaging(token: pacs, ImagingJSON.mri(clinicID: clinic.id)) {
                #expect($0.status == .created)
            }
            try await client.postImaging(
                token: pacs,
                ImagingJSON.mri(
                    clinicID: clinic.id, status: "preliminary",
                    findings: #"{"level":"L1","heightLossPercent":10,"edema":"unknown"}"#)
            ) { response in
                #expect(response.status == .conflict)
            }
            #expect(try await db.count("imaging_result_revisions") == 1)
        }
    }

    @Test(
        "a corrected report that adds retropulsion re-triages the open referral to surgical review, with an event saying why"
    )
    func revisionRetriagesReferral() async throws {
        try await withApp { client, db in
            let clinic = try await Fixtures(db).clinic()
            let pacs = try await Fixtures(db).token(.intake)
            let scheduler = try await Fixtures(db).token(.scheduler)
            let resultID = try await client.postImaging(token: pacs, ImagingJSON.mri(clinicID: clinic.id)) {
                JSONBody($0).string("id")!
            }
            let referralID = try await client.postReferral(
                token: scheduler,
                """
                {"imagingResultIds":["\(resultID)"],"referringClinician":{"name":"Dr. Samuel Ortiz"},
                 "reason":"Painful L1 fracture, NRS 7."}
                """
            ) { response in
                #expect(response.status == .created)
                let body = JSONBody(response)
                #expect(body.string("status") == "triaged")
                #expect(body.string("urgency") == "routine")
                #expect(body.string("clinicId") == clinic.id.description)
                #expect((body["patient"] as? [String: Any])?["mrn"] as? String == "MRN-0001")
                // No onset given: the window runs 12 weeks from the MRI date.
                #expect(body.string("windowClosesOn") == "2027-02-12")
                return body.string("id")!
            }
            try await client.postImaging(
                token: pacs,
                ImagingJSON.mri(
                    clinicID: clinic.id, status: "corrected",
                    findings:
                        #"{"level":"L1","heightLossPercent":30,"morphology":"wedge","edema":"present","retropulsion":true}"#
                )
            ) { response in
                #expect(response.status == .ok)
                #expect(JSONBody(response)["retriagedReferralIds"] as? [String] == [referralID])
            }
            try await client.execute(
                uri: "/v1/referrals/\(referralID)", method: .get, headers: .bearer(scheduler, json: false)
            ) { response in
                let body = JSONBody(response)
                #expect(body.string("status") == "surgical_review")
                #expect(body.string("urgency") == "surgical_review")
                #expect((body["urgencyReasons"] as? [[String: Any]])?.first?["code"] as? String == "retropulsion")
            }
            try await client.execute(
                uri: "/v1/referrals/\(referralID)/events", method: .get, headers: .bearer(scheduler, json: false)
            ) { response in
                let events = JSONBody(response)["items"] as? [[String: Any]] ?? []
                // The move is the state machine's transition; the reason names the revision behind it.
                #expect(events.map { $0["kind"] as? String } == ["created", "triage", "route_to_surgical_review"])
                let last = events.last ?? [:]
                #expect(last["previousUrgency"] as? String == "routine")
                #expect(last["urgency"] as? String == "surgical_review")
                #expect(last["fromStatus"] as? String == "triaged")
                #expect(last["toStatus"] as? String == "surgical_review")
                #expect((last["reason"] as? String)?.contains("MR-2026-1101") == true)
            }
        }
    }

    @Test("a referral may not mix imaging of two patients")
    func mixedPatients() async throws {
        try await withApp { client, db in
            let clinic = try await Fixtures(db).clinic()
            let pacs = try await Fixtures(db).token(.intake)
            let a = try await client.postImaging(token: pacs, ImagingJSON.mri(clinicID: clinic.id)) {
                JSONBody($0).string("id")!
            }
            let b = try await client.postImaging(
                token: pacs,
                ImagingJSON.mri(clinicID: clinic.id, accession: "MR-2", mrn: "MRN-0002")
                    .replacingOccurrences(of: "Whitfield", with: "Benally")
            ) { JSONBody($0).string("id")! }
            try await client.postReferral(
                token: pacs,
                """
                {"imagingResultIds":["\(a)","\(b)"],"referringClinician":{"name":"Dr. Ortiz"},"reason":"x"}
                """
            ) { response in
                #expect(response.status == .badRequest)
                #expect(JSONBody(response).pointers == ["/imagingResultIds"])
            }
            try await client.postReferral(
                token: pacs,
                """
                {"imagingResultIds":["\(UUID())"],"referringClinician":{"name":"Dr. Ortiz"},"reason":"x"}
                """
            ) { response in
                #expect(response.status == .unprocessableContent)
                #expect(JSONBody(response).pointers == ["/imagingResultIds/0"])
            }
            #expect(try await db.count("referrals") == 0)
        }
    }
}
