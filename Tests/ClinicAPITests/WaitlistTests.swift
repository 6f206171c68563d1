import ClinicApp
import ClinicDomain
import ClinicPostgres
import ClinicServices
import ClinicTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Waitlist offers through the API")
struct WaitlistTests {
    /// Three candidates at a clinic; the first has the Monday 07:00 procedure booked. Returns (booked appointment, urgent, routine).
    private func scenario(_ client: any TestClientProtocol, _ db: TestDatabase) async throws -> (
        clinic: Clinic, appointment: String, urgent: String, routine: String, scheduler: String
    ) {
        let fixtures = Fixtures(db)
        let (clinic, _) = try await fixtures.schedulableClinic()
        let scheduler = try await fixtures.token(.scheduler)
        let booked = try await candidateReferral(client, db, clinic, mrn: "MRN-1", urgent: false)
        let routine = try await candidateReferral(client, db, clinic, mrn: "MRN-2", urgent: false)
        let urgent = try await candidateReferral(client, db, clinic, mrn: "MRN-3", urgent: true)
        let (_, appointment) = try await post(
            client, scheduler, "/v1/appointments",
            "{\"referralId\":\"\(booked)\",\"kind\":\"procedure\",\"start\":\"\(iso(Fixtures.nextMondayMorning(in: clinic)))\"}"
        )
        return (clinic, appointment.string("id")!, urgent, routine, scheduler)
    }

    private func offers(_ client: any TestClientProtocol, _ token: String, _ clinic: Clinic) async throws -> [[String:
        Any]]
    {
        try await client.execute(
            uri: "/v1/waitlist?clinicId=\(clinic.id)", method: .get, headers: .bearer(token, json: false)
        ) { response in
            #expect(response.status == .ok)
            return JSONBody(response)["offers"] as? [[String: Any]] ?? []
        }
    }

    @Test("a cancelled procedure's time is offered to the most urgent candidate first, who accepts and is booked")
    func accepted() async throws {
        try await withApp { client, db in
            let s = try await scenario(client, db)
            try await client.execute(
                uri: "/v1/waitlist?clinicId=\(s.clinic.id)", method: .get, headers: .bearer(s.scheduler, json: false)
            ) { response in
                let candidates = JSONBody(response)["candidates"] as? [[String: Any]] ?? []
                #expect(candidates.map { $0["referralId"] as? String } == [s.urgent, s.routine])
            }
            #expect(
                try await post(
                    client, s.scheduler, "/v1/appointments/\(s.appointment)/cancel",
                    #"{"reason":"Patient admitted elsewhere"}"#
                ).0 == 200)
            let open = try await offers(client, s.scheduler, s.clinic)
            #expect(open.count == 1)
            #expect(open.first?["referralId"] as? String == s.urgent)
            let (code, accepted) = try await post(
                client, s.scheduler, "/v1/waitlist/offers/\(open.first!["id"] as! String)/accept")
            #expect(code == 200)
            #expect(accepted.string("state") == "accepted")
            #expect(accepted.string("appointmentId") != nil)
            try await client.execute(
                uri: "/v1/referrals/\(s.urgent)", method: .get, headers: .bearer(s.scheduler, json: false)
            ) {
                #expect(JSONBody($0).string("status") == "procedure_scheduled")
            }
        }
    }

    @Test("cancelling a referral with a booked procedure frees the time and offers it to the most urgent candidate")
    func referralCancelled() async throws {
        try await withApp { client, db in
            let s = try await scenario(client, db)
            let booked = try await client.execute(
                uri: "/v1/appointments/\(s.appointment)", method: .get, headers: .bearer(s.scheduler, json: false)
            ) {
                JSONBody($0).string("referralId")!
            }
            #expect(
                try await post(
                    client, s.scheduler, "/v1/referrals/\(booked)/cancel", #"{"reason":"Chose conservative care"}"#
                ).0 == 200)
            try await client.execute(
                uri: "/v1/appointments/\(s.appointment)", method: .get, headers: .bearer(s.scheduler, json: false)
            ) {
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
            _ = try await post(
                client, s.scheduler, "/v1/appointments/\(s.appointment)/cancel",
                #"{"reason":"Patient admitted elsewhere"}"#)
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

    @Test(
        "an offer expires on the service's clock: a day later it is passed on, and accepting it is 409 naming its end")
    func expired() async throws {
        let clock = TestClock()
        try await withApp(api: { db in try APIServices.postgres(db.database, now: clock.now) }) { client, db in
            let s = try await scenario(client, db)
            _ = try await post(
                client, s.scheduler, "/v1/appointments/\(s.appointment)/cancel",
                #"{"reason":"Patient admitted elsewhere"}"#)
            let first = try #require(try await offers(client, s.scheduler, s.clinic).first?["id"] as? String)
            clock.advance(by: 23 * 3600)
            #expect(try await offers(client, s.scheduler, s.clinic).map { $0["state"] as? String } == ["offered"])
            clock.advance(by: 2 * 3600)  // past the clinic's 24 offer hours
            let all = try await offers(client, s.scheduler, s.clinic)
            #expect(all.map { $0["state"] as? String } == ["expired", "offered"])
            #expect(all.last?["referralId"] as? String == s.routine)
            let (code, problem) = try await post(client, s.scheduler, "/v1/waitlist/offers/\(first)/accept")
            #expect(code == 409)
            #expect(problem.string("type") == "/problems/offer-closed")
            #expect(problem.string("detail")?.contains("expired") == true)
            #expect(try await db.count("appointments", where: "state = 'booked'") == 0)
        }
    }

    @Test("a second decline of an ended offer is 409 naming how it ended, and passes nothing on")
    func declinedTwice() async throws {
        try await withApp { client, db in
            let s = try await scenario(client, db)
            _ = try await post(
                client, s.scheduler, "/v1/appointments/\(s.appointment)/cancel",
                #"{"reason":"Patient admitted elsewhere"}"#)
            let first = try #require(try await offers(client, s.scheduler, s.clinic).first?["id"] as? String)
            #expect(try await post(client, s.scheduler, "/v1/waitlist/offers/\(first)/decline").0 == 200)
            let (code, problem) = try await post(client, s.scheduler, "/v1/waitlist/offers/\(first)/decline")
            #expect(code == 409)
            #expect(problem.string("detail")?.contains("declined") == true)
            #expect(try await db.count("waitlist_offers") == 2)
        }
    }

    /// A clinic with an anesthesia provider working the same hours; a routine local-anesthesia
    /// candidate booked Monday 07:00; an urgent general-anesthesia candidate and a routine
    /// local one waiting.
    private func anesthesiaScenario(_ client: any TestClientProtocol, _ db: TestDatabase) async throws
        -> (
            clinic: Clinic, appointment: String, general: String, local: String, provider: ResourceID, scheduler: String
        )
    {
        let fixtures = Fixtures(db)
        let (clinic, _) = try await fixtures.schedulableClinic()
        let setup = ClinicSetupService.postgres(db.database)
        let provider = try await setup.addResource(
            clinicID: clinic.id, kind: .anesthesia, name: "Dr. Priya Patel, CRNA",
            actor: Fixtures.operator_
        ).resource.id
        _ = try await setup.setTemplate(
            resourceID: provider, windows: (1...5).map { ($0, "07:00", "17:00") }, actor: Fixtures.operator_)
        let scheduler = try await fixtures.token(.scheduler)
        let booked = try await candidateReferral(client, db, clinic, mrn: "MRN-LOCAL-1", urgent: false)
        let general = try await candidateReferral(
            client, db, clinic, mrn: "MRN-GA", urgent: true, anesthesia: "general")
        let local = try await candidateReferral(client, db, clinic, mrn: "MRN-LOCAL-2", urgent: false)
        let (status, appointment) = try await post(
            client, scheduler, "/v1/appointments",
            "{\"referralId\":\"\(booked)\",\"kind\":\"procedure\",\"start\":\"\(iso(Fixtures.nextMondayMorning(in: clinic)))\"}"
        )
        #expect(status == 201)
        #expect(
            (appointment["resources"] as? [[String: Any]])?.contains { $0["kind"] as? String == "anesthesia" } == false)
        return (clinic, appointment.string("id")!, general, local, provider, scheduler)
    }

    @Test(
        "time freed by a local-anesthesia booking goes to a general-anesthesia candidate when a provider is free; the offer names the provider and accepting books them"
    )
    func generalAnesthesiaFits() async throws {
        try await withApp { client, db in
            let s = try await anesthesiaScenario(client, db)
            #expect(
                try await post(
                    client, s.scheduler, "/v1/appointments/\(s.appointment)/cancel",
                    #"{"reason":"Patient admitted elsewhere"}"#
                ).0 == 200)
            let open = try await offers(client, s.scheduler, s.clinic)
            #expect(open.map { $0["referralId"] as? String } == [s.general])
            let kinds = (open.first?["resources"] as? [[String: Any]])?.compactMap { $0["kind"] as? String }.sorted()
            #expect(kinds == ["anesthesia", "procedure_room", "proceduralist"].sorted())
            let (code, accepted) = try await post(
                client, s.scheduler, "/v1/waitlist/offers/\(open.first!["id"] as! String)/accept")
            #expect(code == 200 && accepted.string("state") == "accepted")
            let appointment = try #require(accepted.string("appointmentId"))
            #expect(
                try await db.count(
                    "appointment_resources",
                    where: "appointment_id = '\(appointment)' AND active AND resource_id = '\(s.provider)'") == 1)
        }
    }

    @Test(
        "a general-anesthesia candidate is skipped when no provider is free then: the time goes to the next candidate who fits"
    )
    func generalAnesthesiaSkipped() async throws {
        try await withApp { client, db in
            let s = try await anesthesiaScenario(client, db)
            let monday = Fixtures.nextMondayMorning(in: s.clinic)
            let (blocked, _) = try await post(
                client, s.scheduler, "/v1/resources/\(s.provider)/blocks",
                "{\"starts\":\"\(iso(monday))\",\"ends\":\"\(iso(monday.addingTimeInterval(4 * 3600)))\",\"kind\":\"leave\",\"reason\":\"Conference\"}"
            )
            #expect(blocked == 201)
            #expect(
                try await post(
                    client, s.scheduler, "/v1/appointments/\(s.appointment)/cancel",
                    #"{"reason":"Patient admitted elsewhere"}"#
                ).0 == 200)
            let open = try await offers(client, s.scheduler, s.clinic)
            #expect(open.map { $0["referralId"] as? String } == [s.local])
            let kinds = (open.first?["resources"] as? [[String: Any]])?.compactMap { $0["kind"] as? String }.sorted()
            #expect(kinds == ["procedure_room", "proceduralist"].sorted())
        }
    }
}
