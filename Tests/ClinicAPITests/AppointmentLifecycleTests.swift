import ClinicDomain
import ClinicPostgres
import ClinicServices
import ClinicTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Appointment lifecycle through the API")
struct AppointmentLifecycleTests {
    private func status(_ client: any TestClientProtocol, _ token: String, referral: String) async throws -> String? {
        try await client.execute(uri: "/v1/referrals/\(referral)", method: .get, headers: .bearer(token, json: false)) {
            JSONBody($0).string("status")
        }
    }

    @Test(
        "follow-up proposals fall on days 10 to 14 after the procedure, earliest first: a clinician working Wednesday to Friday is offered the Thursday and Friday, never day 15"
    )
    func followUpWindow() async throws {
        try await withApp { client, db in
            let fixtures = Fixtures(db)
            let (clinic, resources) = try await fixtures.schedulableClinic()
            // The evaluator who sees follow-ups works Wednesday to Friday only.
            _ = try await ClinicSetupService.postgres(db.database)
                .setTemplate(
                    resourceID: resources[.evaluator]!, windows: (3...5).map { ($0, "07:00", "17:00") },
                    actor: Fixtures.operator_)
            let scheduler = try await fixtures.token(.scheduler)
            let referral = try await candidateReferral(client, db, clinic)
            let monday = Fixtures.nextMondayMorning(in: clinic)
            let (_, booked) = try await post(
                client, scheduler, "/v1/appointments",
                "{\"referralId\":\"\(referral)\",\"kind\":\"procedure\",\"start\":\"\(iso(monday))\"}")
            let id = try #require(booked.string("id"))
            let (done, completed) = try await post(client, scheduler, "/v1/appointments/\(id)/complete")
            #expect(done == 200)
            let starts = (completed["proposedFollowUp"] as? [[String: Any]] ?? []).compactMap { $0["start"] as? String }
            try #require(!starts.isEmpty)
            #expect(starts.first == RFC3339.format(monday.addingTimeInterval(10 * 86_400)))
            #expect(starts == starts.sorted())
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = clinic.timeZone.zone
            for start in starts {
                let day = try #require(RFC3339.instant(start))
                let after = calendar.dateComponents(
                    [.day], from: calendar.startOfDay(for: monday), to: calendar.startOfDay(for: day)
                ).day!
                #expect((10...11).contains(after), "\(start) is day \(after) after the procedure")
            }
        }
    }

    @Test(
        "a candidate goes from procedure booking through check-in and completion to a proposed follow-up, and the follow-up closes the referral"
    )
    func procedureToFollowUp() async throws {
        try await withApp { client, db in
            let fixtures = Fixtures(db)
            let (clinic, _) = try await fixtures.schedulableClinic()
            let clinician = try await fixtures.token(.clinician)
            let scheduler = try await fixtures.token(.scheduler)
            let referral = try await candidateReferral(client, db, clinic)
            let monday = Fixtures.nextMondayMorning(in: clinic)
            let (code, booked) = try await post(
                client, scheduler, "/v1/appointments",
                "{\"referralId\":\"\(referral)\",\"kind\":\"procedure\",\"start\":\"\(iso(monday))\"}")
            #expect(code == 201)
            // One level (60 min) plus 15 minutes of room turnover.
            #expect(booked.string("end") == RFC3339.format(monday.addingTimeInterval(75 * 60)))
            let id = try #require(booked.string("id"))
            #expect(try await status(client, scheduler, referral: referral) == "procedure_scheduled")
            let date = LocalDate(monday, in: clinic.timeZone.zone).description
            try await client.execute(
                uri: "/v1/schedule?clinicId=\(clinic.id)&date=\(date)", method: .get,
                headers: .bearer(scheduler, json: false)
            ) { response in
                #expect(response.status == .ok)
                let sheet = JSONBody(response)
                let room = (sheet["rooms"] as? [[String: Any]])?.first
                #expect((room?["resource"] as? [String: Any])?["name"] as? String == "Procedure Suite 1")
                let entry = (room?["entries"] as? [[String: Any]])?.first
                #expect(entry?["kind"] as? String == "procedure")
                #expect(entry?["levels"] as? [String] == ["L1"])
                #expect((entry?["patient"] as? [String: Any])?["name"] as? String == "Whitfield, Eleanor")
                #expect((entry?["checks"] as? [String])?.contains { $0.contains("warfarin") } == true)
                #expect((entry?["openItems"] as? [String])?.contains("Consent is not recorded yet.") == true)
                #expect((sheet["clinicians"] as? [[String: Any]])?.count == 1)
            }
            #expect(try await post(client, scheduler, "/v1/appointments/\(id)/check-in").0 == 200)
            #expect(try await post(client, scheduler, "/v1/appointments/\(id)/check-in").0 == 409)
            let (done, completed) = try await post(client, clinician, "/v1/appointments/\(id)/complete")
            #expect(done == 200)
            #expect(completed.string("state") == "completed")
            #expect(try await status(client, scheduler, referral: referral) == "procedure_done")
            let proposals = completed["proposedFollowUp"] as? [[String: Any]] ?? []
            #expect(!proposals.isEmpty)
            let followUpStart = try #require(proposals.first?["start"] as? String)
            // The first free time from day 10: ten days after a Monday is the next week's Thursday, at opening.
            #expect(followUpStart == RFC3339.format(monday.addingTimeInterval(10 * 86_400)))
            let (followCode, followUp) = try await post(
                client, scheduler, "/v1/appointments",
                "{\"referralId\":\"\(referral)\",\"kind\":\"follow_up\",\"start\":\"\(followUpStart)\"}")
            #expect(followCode == 201)
            #expect(try await status(client, scheduler, referral: referral) == "follow_up_scheduled")
            #expect(try await post(client, clinician, "/v1/appointments/\(followUp.string("id")!)/complete").0 == 200)
            #expect(try await status(client, scheduler, referral: referral) == "closed")
        }
    }

    @Test(
        "rescheduling onto a taken time is 409 and leaves the booking as it was; onto a free time it moves atomically")
    func rescheduleAtomicity() async throws {
        try await withApp { client, db in
            let fixtures = Fixtures(db)
            let (clinic, resources) = try await fixtures.schedulableClinic()
            let scheduler = try await fixtures.token(.scheduler)
            let a = try await client.createReferral(token: scheduler, clinicID: clinic.id, mrn: "MRN-A") {
                JSONBody($0).string("id")!
            }
            let b = try await client.createReferral(token: scheduler, clinicID: clinic.id, mrn: "MRN-B") {
                JSONBody($0).string("id")!
            }
            let monday = Fixtures.nextMondayMorning(in: clinic)
            let (_, first) = try await post(
                client, scheduler, "/v1/appointments",
                "{\"referralId\":\"\(a)\",\"kind\":\"evaluation\",\"start\":\"\(iso(monday))\"}")
            let eight = monday.addingTimeInterval(3600)
            #expect(
                try await post(
                    client, scheduler, "/v1/appointments",
                    "{\"referralId\":\"\(b)\",\"kind\":\"evaluation\",\"start\":\"\(iso(eight))\"}"
                ).0 == 201)
            let old = try #require(first.string("id"))
            #expect(
                try await post(client, scheduler, "/v1/appointments/\(old)/reschedule", "{\"start\":\"\(iso(eight))\"}")
                    .0 == 409)
            try await client.execute(
                uri: "/v1/appointments/\(old)", method: .get, headers: .bearer(scheduler, json: false)
            ) { response in
                #expect(JSONBody(response).string("state") == "booked")
                #expect(JSONBody(response).string("start") == RFC3339.format(monday))
            }
            let nine = monday.addingTimeInterval(2 * 3600)
            let (code, moved) = try await post(
                client, scheduler, "/v1/appointments/\(old)/reschedule", "{\"start\":\"\(iso(nine))\"}")
            #expect(code == 200)
            #expect(moved.string("start") == RFC3339.format(nine))
            try await client.execute(
                uri: "/v1/appointments/\(old)", method: .get, headers: .bearer(scheduler, json: false)
            ) { response in
                #expect(JSONBody(response).string("state") == "cancelled")
            }
            #expect(try await status(client, scheduler, referral: a) == "evaluation_scheduled")
            #expect(
                try await db.count(
                    "appointment_resources", where: "active AND resource_id = '\(resources[.consultRoom]!)'") == 2)
        }
    }

    @Test("a no-show frees the room and sends the referral back to be booked again")
    func noShow() async throws {
        try await withApp { client, db in
            let fixtures = Fixtures(db)
            let (clinic, _) = try await fixtures.schedulableClinic()
            let scheduler = try await fixtures.token(.scheduler)
            let referral = try await client.createReferral(token: scheduler, clinicID: clinic.id) {
                JSONBody($0).string("id")!
            }
            let (_, booked) = try await post(
                client, scheduler, "/v1/appointments",
                "{\"referralId\":\"\(referral)\",\"kind\":\"evaluation\",\"start\":\"\(iso(Fixtures.nextMondayMorning(in: clinic)))\"}"
            )
            let (code, missed) = try await post(client, scheduler, "/v1/appointments/\(booked.string("id")!)/no-show")
            #expect(code == 200)
            #expect(missed.string("state") == "no_show")
            #expect(try await status(client, scheduler, referral: referral) == "triaged")
            #expect(try await db.count("appointment_resources", where: "active") == 0)
            #expect(try await post(client, scheduler, "/v1/appointments/\(booked.string("id")!)/complete").0 == 409)
        }
    }
}
