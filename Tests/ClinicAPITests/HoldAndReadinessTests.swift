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

@Suite("Holds and readiness through the API")
struct HoldAndReadinessTests {
    @Test(
        "a live hold blocks the time and leaves the referral unmoved; an expired hold blocks nobody and cannot be confirmed"
    )
    func holdExpiry() async throws {
        let clock = TestClock()
        try await withApp(api: { db in try APIServices.postgres(db.database, now: clock.now) }) { client, db in
            let fixtures = Fixtures(db)
            let (clinic, _) = try await fixtures.schedulableClinic()
            let scheduler = try await fixtures.token(.scheduler)
            let a = try await client.createReferral(token: scheduler, clinicID: clinic.id, mrn: "MRN-A") {
                JSONBody($0).string("id")!
            }
            let b = try await client.createReferral(token: scheduler, clinicID: clinic.id, mrn: "MRN-B") {
                JSONBody($0).string("id")!
            }
            let start = iso(Fixtures.nextMondayMorning(in: clinic))
            let (code, held) = try await post(
                client, scheduler, "/v1/appointments",
                "{\"referralId\":\"\(a)\",\"kind\":\"evaluation\",\"start\":\"\(start)\",\"hold\":true}")
            #expect(code == 201)
            #expect(held.string("state") == "held")
            #expect(held.string("holdExpiresAt") != nil)
            try await client.execute(uri: "/v1/referrals/\(a)", method: .get, headers: .bearer(scheduler, json: false))
            { #expect(JSONBody($0).string("status") == "triaged") }
            #expect(
                try await post(
                    client, scheduler, "/v1/appointments",
                    "{\"referralId\":\"\(b)\",\"kind\":\"evaluation\",\"start\":\"\(start)\"}"
                ).0 == 409)
            let hold = try #require(held.string("id"))
            clock.advance(by: 29 * 60)  // the clinic's hold minutes are 30: still live
            #expect(
                try await post(
                    client, scheduler, "/v1/appointments",
                    "{\"referralId\":\"\(b)\",\"kind\":\"evaluation\",\"start\":\"\(start)\"}"
                ).0 == 409)
            clock.advance(by: 2 * 60)  // now lapsed, on the services' clock, whatever the database's says
            #expect(
                try await post(
                    client, scheduler, "/v1/appointments",
                    "{\"referralId\":\"\(b)\",\"kind\":\"evaluation\",\"start\":\"\(start)\"}"
                ).0 == 201)
            #expect(try await post(client, scheduler, "/v1/appointments/\(hold)/confirm").0 == 409)
        }
    }

    @Test("a reschedule onto a time held by an expired hold goes through: the expired hold is released")
    func rescheduleOverExpiredHold() async throws {
        let clock = TestClock()
        try await withApp(api: { db in try APIServices.postgres(db.database, now: clock.now) }) { client, db in
            let fixtures = Fixtures(db)
            let (clinic, _) = try await fixtures.schedulableClinic()
            let scheduler = try await fixtures.token(.scheduler)
            let a = try await client.createReferral(token: scheduler, clinicID: clinic.id, mrn: "MRN-A") {
                JSONBody($0).string("id")!
            }
            let b = try await client.createReferral(token: scheduler, clinicID: clinic.id, mrn: "MRN-B") {
                JSONBody($0).string("id")!
            }
            let monday = Fixtures.nextMondayMorning(in: clinic)
            let (_, booked) = try await post(
                client, scheduler, "/v1/appointments",
                "{\"referralId\":\"\(a)\",\"kind\":\"evaluation\",\"start\":\"\(iso(monday))\"}")
            let nine = iso(monday.addingTimeInterval(2 * 3600))
            let (_, held) = try await post(
                client, scheduler, "/v1/appointments",
                "{\"referralId\":\"\(b)\",\"kind\":\"evaluation\",\"start\":\"\(nine)\",\"hold\":true}")
            clock.advance(by: 31 * 60)
            let (code, moved) = try await post(
                client, scheduler, "/v1/appointments/\(booked.string("id")!)/reschedule", "{\"start\":\"\(nine)\"}")
            #expect(code == 200)
            #expect(moved.string("state") == "booked")
            #expect(moved.string("start") == RFC3339.format(monday.addingTimeInterval(2 * 3600)))
            #expect(
                try await db.count(
                    "appointment_resources", where: "appointment_id = '\(held.string("id")!)' AND active") == 0)
        }
    }

    @Test("a hold moved to another time is still a hold: the referral stays triaged until it is confirmed")
    func rescheduledHoldStaysHeld() async throws {
        try await withApp { client, db in
            let (clinic, _) = try await Fixtures(db).schedulableClinic()
            let scheduler = try await Fixtures(db).token(.scheduler)
            let a = try await client.createReferral(token: scheduler, clinicID: clinic.id, mrn: "MRN-A") {
                JSONBody($0).string("id")!
            }
            let monday = Fixtures.nextMondayMorning(in: clinic)
            let (_, held) = try await post(
                client, scheduler, "/v1/appointments",
                "{\"referralId\":\"\(a)\",\"kind\":\"evaluation\",\"start\":\"\(iso(monday))\",\"hold\":true}")
            let nine = iso(monday.addingTimeInterval(2 * 3600))
            let (code, moved) = try await post(
                client, scheduler, "/v1/appointments/\(held.string("id")!)/reschedule", "{\"start\":\"\(nine)\"}")
            #expect(code == 200)
            #expect(moved.string("state") == "held" && moved.string("holdExpiresAt") != nil)
            #expect(moved.string("start") == RFC3339.format(monday.addingTimeInterval(2 * 3600)))
            try await client.execute(uri: "/v1/referrals/\(a)", method: .get, headers: .bearer(scheduler, json: false))
            {
                #expect(JSONBody($0).string("status") == "triaged")
            }
        }
    }

    @Test(
        "a booking retried with its Idempotency-Key answers the first booking, though its time is now taken; ten at once book once"
    )
    func bookingReplays() async throws {
        try await withApp { client, db in
            let (clinic, _) = try await Fixtures(db).schedulableClinic()
            let scheduler = try await Fixtures(db).token(.scheduler)
            let a = try await client.createReferral(token: scheduler, clinicID: clinic.id, mrn: "MRN-A") {
                JSONBody($0).string("id")!
            }
            let headers: HTTPFields = {
                var fields = HTTPFields.bearer(scheduler)
                fields[HTTPField.Name("Idempotency-Key")!] = "book-eval-1"
                return fields
            }()
            let body =
                "{\"referralId\":\"\(a)\",\"kind\":\"evaluation\",\"start\":\"\(iso(Fixtures.nextMondayMorning(in: clinic)))\"}"
            let answers = try await withThrowingTaskGroup(of: (Int, String?).self) { group in
                for _ in 0..<10 {
                    group.addTask {
                        try await client.execute(
                            uri: "/v1/appointments", method: .post, headers: headers, body: ByteBuffer(json: body)
                        ) {
                            (Int($0.status.code), JSONBody($0).string("id"))
                        }
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(answers.filter { $0.0 == 201 }.count == 1)
            #expect(answers.filter { $0.0 == 200 }.count == 9)
            #expect(answers.allSatisfy { $0.1 != nil } && Set(answers.compactMap(\.1)).count == 1)
            let retried = try await client.execute(
                uri: "/v1/appointments", method: .post, headers: headers, body: ByteBuffer(json: body)
            ) {
                (Int($0.status.code), JSONBody($0).string("id"))
            }
            #expect(retried.0 == 200 && retried.1 == answers.first?.1)
            #expect(try await db.count("appointments") == 1)
        }
    }

    @Test("one Idempotency-Key for a hold and then for a booking of the same time is refused (422), not replayed")
    func idempotencyKeyCoversHold() async throws {
        try await withApp { client, db in
            let (clinic, _) = try await Fixtures(db).schedulableClinic()
            let scheduler = try await Fixtures(db).token(.scheduler)
            let a = try await client.createReferral(token: scheduler, clinicID: clinic.id, mrn: "MRN-A") {
                JSONBody($0).string("id")!
            }
            let start = iso(Fixtures.nextMondayMorning(in: clinic))
            var headers = HTTPFields.bearer(scheduler)
            headers[HTTPField.Name("Idempotency-Key")!] = "hold-then-book-1"
            for (hold, expected) in [(true, 201), (false, 422)] {
                let body = "{\"referralId\":\"\(a)\",\"kind\":\"evaluation\",\"start\":\"\(start)\",\"hold\":\(hold)}"
                try await client.execute(
                    uri: "/v1/appointments", method: .post, headers: headers, body: ByteBuffer(json: body)
                ) {
                    #expect(Int($0.status.code) == expected, "hold: \(hold)")
                }
            }
            #expect(try await db.count("appointments") == 1)
        }
    }

    @Test("confirming a live hold needs consent, then books it and moves the referral")
    func confirmHold() async throws {
        try await withApp { client, db in
            let fixtures = Fixtures(db)
            let (clinic, _) = try await fixtures.schedulableClinic()
            let scheduler = try await fixtures.token(.scheduler)
            let referral = try await client.createReferral(token: scheduler, clinicID: clinic.id) {
                JSONBody($0).string("id")!
            }
            let (_, held) = try await post(
                client, scheduler, "/v1/appointments",
                "{\"referralId\":\"\(referral)\",\"kind\":\"evaluation\",\"start\":\"\(iso(Fixtures.nextMondayMorning(in: clinic)))\",\"hold\":true}"
            )
            let id = try #require(held.string("id"))
            let (refused, problem) = try await post(client, scheduler, "/v1/appointments/\(id)/confirm")
            #expect(refused == 409)
            #expect(problem.pointers == ["/readiness/consent"])
            #expect(try await post(client, scheduler, "/v1/appointments/\(id)/consent").0 == 200)
            let (confirmed, body) = try await post(client, scheduler, "/v1/appointments/\(id)/confirm")
            #expect(confirmed == 200)
            #expect(body.string("state") == "confirmed")
            try await client.execute(
                uri: "/v1/referrals/\(referral)", method: .get, headers: .bearer(scheduler, json: false)
            ) {
                #expect(JSONBody($0).string("status") == "evaluation_scheduled")
            }
        }
    }

    @Test(
        "a procedure's readiness lists each unmet item: INR over the threshold, prior authorization, consent; recording the authorization and consent leaves only the INR"
    )
    func procedureReadiness() async throws {
        try await withApp { client, db in
            let fixtures = Fixtures(db)
            let (clinic, _) = try await fixtures.schedulableClinic()
            let pacs = try await fixtures.token(.intake)
            let clinician = try await fixtures.token(.clinician)
            let scheduler = try await fixtures.token(.scheduler)
            let recent = iso(Date().addingTimeInterval(-2 * 86_400))
            let result = try await client.postImaging(
                token: pacs, ImagingJSON.mri(clinicID: clinic.id, performedAt: recent)
            ) { JSONBody($0).string("id")! }
            let referral = try await client.postReferral(
                token: pacs,
                """
                {"imagingResultIds":["\(result)"],"referringClinician":{"name":"Dr. Ortiz"},"reason":"Painful L1 fracture","payer":"Commercial Example"}
                """
            ) { JSONBody($0).string("id")! }
            let evaluation = EvaluationFlowTests.vignette(
                decision: #"{"outcome":"candidate","reason":"Surgeon agrees despite 5 weeks of bracing"}"#
            )
            .replacingOccurrences(of: #""inr":1.2"#, with: #""inr":1.7"#)
            #expect(try await post(client, clinician, "/v1/referrals/\(referral)/evaluations", evaluation).0 == 201)
            let (_, booked) = try await post(
                client, scheduler, "/v1/appointments",
                "{\"referralId\":\"\(referral)\",\"kind\":\"procedure\",\"start\":\"\(iso(Fixtures.nextMondayMorning(in: clinic)))\"}"
            )
            let id = try #require(booked.string("id"))
            let (code, first) = try await post(client, scheduler, "/v1/appointments/\(id)/confirm")
            #expect(code == 409)
            #expect(
                Set(first.pointers) == ["/readiness/lab_inr", "/readiness/consent", "/readiness/prior_authorization"])
            try await client.execute(
                uri: "/v1/referrals/\(referral)/prior-authorization", method: .post, headers: .bearer(scheduler),
                body: ByteBuffer(json: #"{"number":"PA-2026-88121"}"#)
            ) { #expect($0.status == .noContent) }
            #expect(try await post(client, scheduler, "/v1/appointments/\(id)/consent").0 == 200)
            let (secondCode, second) = try await post(client, scheduler, "/v1/appointments/\(id)/confirm")
            #expect(secondCode == 409)
            #expect(second.pointers == ["/readiness/lab_inr"])
            #expect(try await db.count("appointments", where: "state = 'booked'") == 1)
        }
    }
}
