import ClinicDomain
import ClinicTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Availability and booking through the API")
struct BookingTests {
    @Test(
        "availability offers Monday 07:00; booking it schedules the evaluation; cancelling frees the room for the next patient"
    )
    func bookAndCancel() async throws {
        try await withApp { client, db in
            let fixtures = Fixtures(db)
            let (clinic, resources) = try await fixtures.schedulableClinic()
            let scheduler = try await fixtures.token(.scheduler)
            let first = try await client.createReferral(token: scheduler, clinicID: clinic.id, mrn: "MRN-A") {
                JSONBody($0).string("id")!
            }
            let second = try await client.createReferral(token: scheduler, clinicID: clinic.id, mrn: "MRN-B") {
                JSONBody($0).string("id")!
            }
            let monday = Fixtures.nextMondayMorning(in: clinic)
            try await client.execute(
                uri: "/v1/availability?referralId=\(first)&kind=evaluation&from=\(iso(monday))&limit=3",
                method: .get, headers: .bearer(scheduler, json: false)
            ) { response in
                #expect(response.status == .ok)
                let items = JSONBody(response)["items"] as? [[String: Any]] ?? []
                #expect(items.count == 3)
                #expect(items.first?["start"] as? String == RFC3339.format(monday))
                #expect(
                    Set((items.first?["resources"] as? [[String: Any]] ?? []).compactMap { $0["kind"] as? String }) == [
                        "consult_room", "evaluator",
                    ])
            }
            let booking = "{\"referralId\":\"\(first)\",\"kind\":\"evaluation\",\"start\":\"\(iso(monday))\"}"
            let appointment = try await client.execute(
                uri: "/v1/appointments", method: .post, headers: .bearer(scheduler), body: ByteBuffer(json: booking)
            ) { response in
                #expect(response.status == .created)
                #expect(JSONBody(response).string("state") == "booked")
                return JSONBody(response).string("id")!
            }
            try await client.execute(
                uri: "/v1/referrals/\(first)", method: .get, headers: .bearer(scheduler, json: false)
            ) { response in
                #expect(JSONBody(response).string("status") == "evaluation_scheduled")
            }
            let competing = booking.replacingOccurrences(of: first, with: second)
            try await client.execute(
                uri: "/v1/appointments", method: .post, headers: .bearer(scheduler), body: ByteBuffer(json: competing)
            ) { response in
                #expect(response.status == .conflict)
            }
            try await client.execute(
                uri: "/v1/appointments/\(appointment)/cancel", method: .post, headers: .bearer(scheduler),
                body: ByteBuffer(json: #"{"reason":"Patient in hospital"}"#)
            ) { response in
                #expect(response.status == .ok)
                #expect(JSONBody(response).string("state") == "cancelled")
            }
            try await client.execute(
                uri: "/v1/referrals/\(first)", method: .get, headers: .bearer(scheduler, json: false)
            ) { response in
                #expect(JSONBody(response).string("status") == "triaged")
            }
            try await client.execute(
                uri: "/v1/appointments", method: .post, headers: .bearer(scheduler), body: ByteBuffer(json: competing)
            ) { response in
                #expect(response.status == .created)
            }
            #expect(
                try await db.count(
                    "appointment_resources", where: "active AND resource_id = '\(resources[.consultRoom]!)'") == 1)
        }
    }

    @Test(
        "overbooking a taken time needs a reason and the scheduler role; it is recorded, audited and outside the constraint"
    )
    func overbook() async throws {
        try await withApp { client, db in
            let fixtures = Fixtures(db)
            let (clinic, resources) = try await fixtures.schedulableClinic()
            let scheduler = try await fixtures.token(.scheduler, name: "front desk")
            let clinician = try await fixtures.token(.clinician)
            let a = try await client.createReferral(token: scheduler, clinicID: clinic.id, mrn: "MRN-A") {
                JSONBody($0).string("id")!
            }
            let b = try await client.createReferral(token: scheduler, clinicID: clinic.id, mrn: "MRN-B") {
                JSONBody($0).string("id")!
            }
            let start = iso(Fixtures.nextMondayMorning(in: clinic))
            let book = { (referral: String, extra: String) in
                ByteBuffer(
                    json: "{\"referralId\":\"\(referral)\",\"kind\":\"evaluation\",\"start\":\"\(start)\"\(extra)}")
            }
            try await client.execute(
                uri: "/v1/appointments", method: .post, headers: .bearer(scheduler), body: book(a, "")
            ) { #expect($0.status == .created) }
            try await client.execute(
                uri: "/v1/appointments", method: .post, headers: .bearer(scheduler), body: book(b, "")
            ) { #expect($0.status == .conflict) }
            try await client.execute(
                uri: "/v1/appointments", method: .post, headers: .bearer(scheduler), body: book(b, #","overbook":{}"#)
            ) { response in
                #expect(response.status == .badRequest)
            }
            try await client.execute(
                uri: "/v1/appointments", method: .post, headers: .bearer(clinician),
                body: book(b, #","overbook":{"reason":"Dr. Chen agreed"}"#)
            ) { #expect($0.status == .forbidden) }
            try await client.execute(
                uri: "/v1/appointments", method: .post, headers: .bearer(scheduler),
                body: book(b, #","overbook":{"reason":"Urgent: pain uncontrolled, Dr. Chen agreed to see both"}"#)
            ) { response in
                #expect(response.status == .created)
                #expect(
                    JSONBody(response).string("overbookReason")
                        == "Urgent: pain uncontrolled, Dr. Chen agreed to see both")
            }
            #expect(
                try await db.count(
                    "appointment_resources", where: "active AND resource_id = '\(resources[.consultRoom]!)'") == 2)
            #expect(try await db.count("appointment_resources", where: "active AND overbooked") == 2)
            #expect(
                try await db.count("audit_log", where: "action = 'appointment.overbook' AND actor_name = 'front desk'")
                    == 1)
        }
    }

    @Test("a procedure is only offered to a candidate")
    func procedureNeedsCandidate() async throws {
        try await withApp { client, db in
            let fixtures = Fixtures(db)
            let (clinic, _) = try await fixtures.schedulableClinic()
            let scheduler = try await fixtures.token(.scheduler)
            let id = try await client.createReferral(token: scheduler, clinicID: clinic.id) {
                JSONBody($0).string("id")!
            }
            try await client.execute(
                uri: "/v1/availability?referralId=\(id)&kind=procedure", method: .get,
                headers: .bearer(scheduler, json: false)
            ) { response in
                #expect(response.status == .conflict)
            }
        }
    }

    @Test("a time outside the templates or in the past is refused; an unknown referral is 404")
    func refusals() async throws {
        try await withApp { client, db in
            let fixtures = Fixtures(db)
            let (clinic, _) = try await fixtures.schedulableClinic()
            let scheduler = try await fixtures.token(.scheduler)
            let id = try await client.createReferral(token: scheduler, clinicID: clinic.id) {
                JSONBody($0).string("id")!
            }
            let sunday = Fixtures.nextMondayMorning(in: clinic).addingTimeInterval(-86_400)
            try await client.execute(
                uri: "/v1/appointments", method: .post, headers: .bearer(scheduler),
                body: ByteBuffer(
                    json: "{\"referralId\":\"\(id)\",\"kind\":\"evaluation\",\"start\":\"\(iso(sunday))\"}")
            ) { response in
                #expect(response.status == .conflict)
            }
            try await client.execute(
                uri: "/v1/appointments", method: .post, headers: .bearer(scheduler),
                body: ByteBuffer(
                    json: "{\"referralId\":\"\(id)\",\"kind\":\"evaluation\",\"start\":\"2020-01-06T14:00:00Z\"}")
            ) { response in
                #expect(response.status == .badRequest)
                #expect(JSONBody(response).pointers == ["/start"])
            }
            var blankKey = HTTPFields.bearer(scheduler)
            blankKey[HTTPField.Name("Idempotency-Key")!] = ""
            try await client.execute(
                uri: "/v1/appointments", method: .post, headers: blankKey,
                body: ByteBuffer(
                    json:
                        "{\"referralId\":\"\(id)\",\"kind\":\"evaluation\",\"start\":\"\(iso(Fixtures.nextMondayMorning(in: clinic)))\"}"
                )
            ) { response in
                #expect(response.status == .badRequest)
            }
            try await client.execute(
                uri: "/v1/availability?referralId=\(UUID())&kind=evaluation", method: .get,
                headers: .bearer(scheduler, json: false)
            ) { #expect($0.status == .notFound) }
            #expect(try await db.count("appointments") == 0)
        }
    }
}
