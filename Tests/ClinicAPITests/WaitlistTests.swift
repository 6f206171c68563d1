import ClinicDomain
import ClinicTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Waitlist offers through the API")
struct WaitlistTests {
    /// A candidate: an MRI, a referral from it (urgent with long-term steroids), an evaluation deciding candidate.
    private func candidate(_ client: any TestClientProtocol, _ clinic: Clinic, _ tokens: (String, String), mrn: String, urgent: Bool) async throws -> String {
        let (pacs, clinician) = tokens
        let result = try await client.postImaging(token: pacs, ImagingJSON.mri(clinicID: clinic.id, accession: "MR-\(mrn)", mrn: mrn)) { JSONBody($0).string("id")! }
        let flags = urgent ? #","clinicalFlags":{"longTermSteroids":true}"# : ""
        let referral = try await client.postReferral(token: pacs, """
            {"imagingResultIds":["\(result)"],"referringClinician":{"name":"Dr. Ortiz"},"reason":"Painful L1 fracture"\(flags)}
            """) { JSONBody($0).string("id")! }
        _ = try await post(client, clinician, "/v1/referrals/\(referral)/evaluations", EvaluationFlowTests.vignette(decision: #"{"outcome":"candidate"}"#))
        return referral
    }

    /// Three candidates at a clinic; the first has the Monday 07:00 procedure booked. Returns (booked appointment, urgent, routine).
    private func scenario(_ client: any TestClientProtocol, _ db: TestDatabase) async throws -> (clinic: Clinic, appointment: String, urgent: String, routine: String, scheduler: String) {
        let fixtures = Fixtures(db)
        let (clinic, _) = try await fixtures.schedulableClinic()
        let tokens = (try await fixtures.token(.intake), try await fixtures.token(.clinician))
        let scheduler = try await fixtures.token(.scheduler)
        let booked = try await candidate(client, clinic, tokens, mrn: "MRN-1", urgent: false)
        let routine = try await candidate(client, clinic, tokens, mrn: "MRN-2", urgent: false)
        let urgent = try await candidate(client, clinic, tokens, mrn: "MRN-3", urgent: true)
        let (_, appointment) = try await post(client, scheduler, "/v1/appointments",
                                              "{\"referralId\":\"\(booked)\",\"kind\":\"procedure\",\"start\":\"\(iso(Fixtures.nextMondayMorning(in: clinic)))\"}")
        return (clinic, appointment.string("id")!, urgent, routine, scheduler)
    }

    private func offers(_ client: any TestClientProtocol, _ token: String, _ clinic: Clinic) async throws -> [[String: Any]] {
        try await client.execute(uri: "/v1/waitlist?clinicId=\(clinic.id)", method: .get, headers: .bearer(token, json: false)) { response in
            #expect(response.status == .ok)
            return JSONBody(response)["offers"] as? [[String: Any]] ?? []
        }
    }

    @Test("a cancelled procedure's time is offered to the most urgent candidate first, who accepts and is booked")
    func accepted() async throws {
        try await withApp { client, db in
            let s = try await scenario(client, db)
            try await client.execute(uri: "/v1/waitlist?clinicId=\(s.clinic.id)", method: .get, headers: .bearer(s.scheduler, json: false)) { response in
                let candidates = JSONBody(response)["candidates"] as? [[String: Any]] ?? []
                #expect(candidates.map { $0["referralId"] as? String } == [s.urgent, s.routine])
            }
            #expect(try await post(client, s.scheduler, "/v1/appointments/\(s.appointment)/cancel", #"{"reason":"Patient admitted elsewhere"}"#).0 == 200)
            let open = try await offers(client, s.scheduler, s.clinic)
            #expect(open.count == 1)
            #expect(open.first?["referralId"] as? String == s.urgent)
            let (code, accepted) = try await post(client, s.scheduler, "/v1/waitlist/offers/\(open.first!["id"] as! String)/accept")
            #expect(code == 200)
            #expect(accepted.string("state") == "accepted")
            #expect(accepted.string("appointmentId") != nil)
            try await client.execute(uri: "/v1/referrals/\(s.urgent)", method: .get, headers: .bearer(s.scheduler, json: false)) {
                #expect(JSONBody($0).string("status") == "procedure_scheduled")
            }
        }
    }

    @Test("cancelling a referral with a booked procedure frees the time and offers it to the most urgent candidate")
    func referralCancelled() async throws {
        try await withApp { client, db in
            let s = try await scenario(client, db)
            let booked = try await client.execute(uri: "/v1/appointments/\(s.appointment)", method: .get, headers: .bearer(s.scheduler, json: false)) {
                JSONBody($0).string("referralId")!
            }
            #expect(try await post(client, s.scheduler, "/v1/referrals/\(booked)/cancel", #"{"reason":"Chose conservative care"}"#).0 == 200)
            try await client.execute(uri: "/v1/appointments/\(s.appointment)", method: .get, headers: .bearer(s.scheduler, json: false)) {
                #expect(JSONBody($0).string("state") == "cancelled")
            }
            let open = try await offers(client, s.scheduler, s.clinic)
            #expect(open.map { $0["referralId"] as? String } == [s.urgent])
        }
    }

    @Test("a declined offer passes the time to the next candidate")
    func declined() async throws {
        try await withApp { client, db in
            let s = try await scenario(client, db)
            _ = try await post(client, s.scheduler, "/v1/appointments/\(s.appointment)/cancel", #"{"reason":"Patient admitted elsewhere"}"#)
            let first = try #require(try await offers(client, s.scheduler, s.clinic).first?["id"] as? String)
            let (code, declined) = try await post(client, s.scheduler, "/v1/waitlist/offers/\(first)/decline")
            #expect(code == 200 && declined.string("state") == "declined")
            #expect(try await post(client, s.scheduler, "/v1/waitlist/offers/\(first)/accept").0 == 409)
            let all = try await offers(client, s.scheduler, s.clinic)
            #expect(all.count == 2)
            #expect(all.last?["referralId"] as? String == s.routine)
            #expect(all.last?["state"] as? String == "offered")
        }
    }

    @Test("an expired offer passes the time on, and can no longer be accepted")
    func expired() async throws {
        try await withApp { client, db in
            let s = try await scenario(client, db)
            _ = try await post(client, s.scheduler, "/v1/appointments/\(s.appointment)/cancel", #"{"reason":"Patient admitted elsewhere"}"#)
            let first = try #require(try await offers(client, s.scheduler, s.clinic).first?["id"] as? String)
            _ = try await db.query("UPDATE waitlist_offers SET expires_at = now() - interval '1 minute' WHERE id = \(UUID(uuidString: first)!)")
            let all = try await offers(client, s.scheduler, s.clinic)
            #expect(all.map { $0["state"] as? String } == ["expired", "offered"])
            #expect(all.last?["referralId"] as? String == s.routine)
            #expect(try await post(client, s.scheduler, "/v1/waitlist/offers/\(first)/accept").0 == 409)
        }
    }
}
