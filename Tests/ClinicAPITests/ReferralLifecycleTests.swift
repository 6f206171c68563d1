import ClinicDomain
import ClinicServices
import ClinicTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Referral lifecycle through the API")
struct ReferralLifecycleTests {
    /// A triaged referral for the L1 example; returns its id.
    private func referral(_ client: any TestClientProtocol, token: String, clinicID: ClinicID, mrn: String = "MRN-0001")
        async throws -> String
    {
        try await client.createReferral(token: token, clinicID: clinicID, mrn: mrn) { JSONBody($0).string("id")! }
    }

    private func headers(_ token: String, ifMatch: String? = nil) -> HTTPFields {
        var fields = HTTPFields.bearer(token)
        if let ifMatch { fields[.ifMatch] = ifMatch }
        return fields
    }

    @Test("cancelling records the reason and an event; cancelling again is 409 naming the current status")
    func cancel() async throws {
        try await withApp { client, db in
            let clinic = try await Fixtures(db).clinic()
            let token = try await Fixtures(db).token(.scheduler)
            let id = try await referral(client, token: token, clinicID: clinic.id)
            try await client.execute(
                uri: "/v1/referrals/\(id)/cancel", method: .post, headers: headers(token),
                body: ByteBuffer(json: #"{"reason":"Patient chose conservative care"}"#)
            ) { response in
                #expect(response.status == .ok)
                #expect(JSONBody(response).string("status") == "cancelled")
                #expect(JSONBody(response).string("cancelReason") == "Patient chose conservative care")
                #expect(response.headers[.eTag] == "\"2\"")
            }
            try await client.execute(
                uri: "/v1/referrals/\(id)/cancel", method: .post, headers: headers(token),
                body: ByteBuffer(json: #"{"reason":"again"}"#)
            ) { response in
                #expect(response.status == .conflict)
                #expect(JSONBody(response).string("type") == "/problems/illegal-transition")
                #expect(JSONBody(response).string("detail")?.contains("cancelled") == true)
            }
            #expect(
                try await db.count(
                    "referral_events",
                    where:
                        "referral_id = '\(id)' AND kind = 'cancel' AND from_status = 'triaged' AND to_status = 'cancelled' AND reason = 'Patient chose conservative care'"
                ) == 1)
        }
    }

    @Test(
        "cancelling a referral releases its booked evaluation: the consult room and evaluator are free for the next patient"
    )
    func cancelReleasesBookings() async throws {
        try await withApp { client, db in
            let (clinic, _) = try await Fixtures(db).schedulableClinic()
            let scheduler = try await Fixtures(db).token(.scheduler)
            let first = try await referral(client, token: scheduler, clinicID: clinic.id, mrn: "MRN-1")
            let second = try await referral(client, token: scheduler, clinicID: clinic.id, mrn: "MRN-2")
            let start = iso(Fixtures.nextMondayMorning(in: clinic))
            let (booked, appointment) = try await post(
                client, scheduler, "/v1/appointments",
                "{\"referralId\":\"\(first)\",\"kind\":\"evaluation\",\"start\":\"\(start)\"}")
            #expect(booked == 201)
            let (cancelled, _) = try await post(
                client, scheduler, "/v1/referrals/\(first)/cancel", #"{"reason":"Moved out of state"}"#)
            #expect(cancelled == 200)
            try await client.execute(
                uri: "/v1/appointments/\(appointment.string("id")!)", method: .get,
                headers: .bearer(scheduler, json: false)
            ) {
                #expect(JSONBody($0).string("state") == "cancelled")
                #expect(JSONBody($0).string("cancelReason") == "Referral cancelled: Moved out of state")
            }
            #expect(
                try await db.count(
                    "audit_log", where: "action = 'appointment.cancel' AND entity_id = '\(appointment.string("id")!)'")
                    == 1)
            let (rebooked, _) = try await post(
                client, scheduler, "/v1/appointments",
                "{\"referralId\":\"\(second)\",\"kind\":\"evaluation\",\"start\":\"\(start)\"}")
            #expect(rebooked == 201)
        }
    }

    @Test("PATCH without If-Match is 428; with a stale one 412 and nothing changes; with the current one it applies")
    func patchNeedsCurrentVersion() async throws {
        try await withApp { client, db in
            let clinic = try await Fixtures(db).clinic()
            let token = try await Fixtures(db).token(.clinician)
            let id = try await referral(client, token: token, clinicID: clinic.id)
            let body = ByteBuffer(json: #"{"reason":"L1 fracture, pain now NRS 8"}"#)
            try await client.execute(uri: "/v1/referrals/\(id)", method: .patch, headers: headers(token), body: body) {
                response in
                #expect(response.status == .preconditionRequired)
                #expect(response.headers[.contentType] == "application/problem+json")
            }
            try await client.execute(
                uri: "/v1/referrals/\(id)", method: .patch, headers: headers(token, ifMatch: "\"7\""), body: body
            ) { response in
                #expect(response.status == .preconditionFailed)
            }
            #expect(try await db.count("referrals", where: "reason LIKE 'L1 wedge%' AND version = 1") == 1)
            try await client.execute(
                uri: "/v1/referrals/\(id)", method: .patch, headers: headers(token, ifMatch: "\"1\""), body: body
            ) { response in
                #expect(response.status == .ok)
                #expect(JSONBody(response).string("reason") == "L1 fracture, pain now NRS 8")
                #expect(response.headers[.eTag] == "\"2\"")
            }
        }
    }

    @Test("two writers with the same version: one wins, the other gets 412")
    func ifMatchRace() async throws {
        try await withApp { client, db in
            let clinic = try await Fixtures(db).clinic()
            let token = try await Fixtures(db).token(.scheduler)
            let id = try await referral(client, token: token, clinicID: clinic.id)
            let codes = try await withThrowingTaskGroup(of: Int.self) { group in
                for payer in ["Medicare", "Aetna"] {
                    group.addTask {
                        try await client.execute(
                            uri: "/v1/referrals/\(id)", method: .patch, headers: self.headers(token, ifMatch: "\"1\""),
                            body: ByteBuffer(json: "{\"payer\":\"\(payer)\"}")
                        ) { $0.status.code }
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(codes.sorted() == [200, 412])
            #expect(try await db.count("referrals", where: "id = '\(id)' AND version = 2") == 1)
        }
    }

    @Test("reporting a new neurological deficit by PATCH re-triages to surgical review")
    func patchRetriages() async throws {
        try await withApp { client, db in
            let clinic = try await Fixtures(db).clinic()
            let token = try await Fixtures(db).token(.clinician)
            let id = try await referral(client, token: token, clinicID: clinic.id)
            try await client.execute(
                uri: "/v1/referrals/\(id)", method: .patch, headers: headers(token, ifMatch: "\"1\""),
                body: ByteBuffer(json: #"{"clinicalFlags":{"neurologicalDeficit":true}}"#)
            ) { response in
                #expect(response.status == .ok)
                let body = JSONBody(response)
                #expect(body.string("status") == "surgical_review")
                #expect(body.string("urgency") == "surgical_review")
                #expect((body["clinicalFlags"] as? [String: Any])?["neurologicalDeficit"] as? Bool == true)
            }
        }
    }

    @Test(
        "an urgency override raises the due date's urgency and records who and why; lowering it from surgical review returns to the pathway"
    )
    func urgencyOverride() async throws {
        try await withApp { client, db in
            let clinic = try await Fixtures(db).clinic()
            let token = try await Fixtures(db).token(.clinician, name: "Dr. Chen")
            let id = try await referral(client, token: token, clinicID: clinic.id)
            try await client.execute(
                uri: "/v1/referrals/\(id)/urgency", method: .post, headers: headers(token),
                body: ByteBuffer(json: #"{"urgency":"urgent","reason":"Pain uncontrolled on oral opioids"}"#)
            ) { response in
                #expect(response.status == .ok)
                let body = JSONBody(response)
                #expect(body.string("urgency") == "urgent")
                #expect(body["urgencyOverridden"] as? Bool == true)
                #expect(
                    (body["urgencyReasons"] as? [[String: Any]])?.map { $0["code"] as? String } == [
                        "routine", "override",
                    ])
            }
            try await client.execute(
                uri: "/v1/referrals/\(id)/urgency", method: .post, headers: headers(token),
                body: ByteBuffer(json: #"{"urgency":"surgical_review","reason":"Possible cord signal change"}"#)
            ) { response in
                #expect(JSONBody(response).string("status") == "surgical_review")
            }
            try await client.execute(
                uri: "/v1/referrals/\(id)/urgency", method: .post, headers: headers(token),
                body: ByteBuffer(json: #"{"urgency":"routine","reason":"Spine surgeon reviewed: no cord compromise"}"#)
            ) { response in
                #expect(JSONBody(response).string("status") == "triaged")
                #expect(JSONBody(response).string("urgency") == "routine")
            }
            // Each override is an event with who and why; the two that moved the referral are
            // named by their transitions, not as overrides.
            let kinds = try await db.query(
                """
                SELECT kind FROM referral_events WHERE referral_id = \(UUID(uuidString: id)!) AND actor_name = 'Dr. Chen' AND reason IS NOT NULL
                ORDER BY id
                """
            ).map { try $0.decode(String.self) }
            #expect(kinds == ["urgency_override", "route_to_surgical_review", "return_from_surgical_review"])
        }
    }

    @Test("an override needs a known urgency and a reason")
    func overrideValidation() async throws {
        try await withApp { client, db in
            let clinic = try await Fixtures(db).clinic()
            let token = try await Fixtures(db).token(.scheduler)
            let id = try await referral(client, token: token, clinicID: clinic.id)
            for body in [
                #"{"urgency":"asap","reason":"x"}"#, #"{"urgency":"urgent"}"#, #"{"urgency":"urgent","reason":"   "}"#,
            ] {
                try await client.execute(
                    uri: "/v1/referrals/\(id)/urgency", method: .post, headers: headers(token),
                    body: ByteBuffer(json: body)
                ) { response in
                    #expect(response.status == .badRequest, "\(body)")
                }
            }
            #expect(try await db.count("referrals", where: "version = 1") == 1)
        }
    }

    @Test("the event log lists every move with who made it, oldest first")
    func eventLog() async throws {
        try await withApp { client, db in
            let clinic = try await Fixtures(db).clinic()
            let token = try await Fixtures(db).token(.scheduler, name: "front desk")
            let id = try await referral(client, token: token, clinicID: clinic.id)
            try await client.execute(
                uri: "/v1/referrals/\(id)/cancel", method: .post, headers: headers(token),
                body: ByteBuffer(json: #"{"reason":"duplicate referral"}"#)
            ) { _ in }
            try await client.execute(
                uri: "/v1/referrals/\(id)/events", method: .get, headers: .bearer(token, json: false)
            ) { response in
                #expect(response.status == .ok)
                let events = JSONBody(response)["items"] as? [[String: Any]] ?? []
                #expect(events.map { $0["kind"] as? String } == ["created", "triage", "cancel"])
                #expect(events.map { $0["toStatus"] as? String } == ["received", "triaged", "cancelled"])
                #expect(events.allSatisfy { $0["actorName"] as? String == "front desk" })
                #expect((events[1]["reasons"] as? [[String: Any]])?.first?["code"] as? String == "routine")
            }
            try await client.execute(
                uri: "/v1/referrals/\(UUID())/events", method: .get, headers: .bearer(token, json: false)
            ) { response in
                #expect(response.status == .notFound)
            }
        }
    }
}

@Suite("GET /v1/referrals: triage filters")
struct ReferralTriageFilterTests {
    @Test("overdue, window-closing, urgency, patient and created-range filters each select the right referrals")
    func filters() async throws {
        try await withApp { client, db in
            let fixtures = Fixtures(db)
            let clinic = try await fixtures.clinic()
            let token = try await fixtures.token(.admin)
            let actor = Fixtures.operator_
            // Received 30 days ago (the actor acting then), routine: due 16 days ago, so overdue now.
            let past = Date().addingTimeInterval(-30 * 86_400)
            var old = Fixtures.l1WedgeDraft(clinicID: clinic.id, mrn: "MRN-OLD")
            old.symptomOnset = nil
            let overdue = try await fixtures.services(now: { past }).referrals.create(
                old, idempotencyKey: nil,
                actor: Fixtures.operator_(at: past)
            ).referral
            // Onset 80 days ago: the 84-day window closes in 4 days.
            let today = clinic.today(at: Date())
            var closing = Fixtures.l1WedgeDraft(clinicID: clinic.id, mrn: "MRN-CLOSING")
            closing.symptomOnset = today.adding(days: -80).description
            let atRisk = try await fixtures.services().referrals.create(closing, idempotencyKey: nil, actor: actor)
                .referral
            // Urgent: long-term steroids, onset 10 days ago.
            var steroid = Fixtures.l1WedgeDraft(clinicID: clinic.id, mrn: "MRN-STEROID")
            steroid.symptomOnset = today.adding(days: -10).description
            steroid.flags = ClinicalFlags(longTermSteroids: true)
            let urgent = try await fixtures.services().referrals.create(steroid, idempotencyKey: nil, actor: actor)
                .referral

            func ids(_ query: String) async throws -> Set<String> {
                try await client.execute(
                    uri: "/v1/referrals?\(query)", method: .get, headers: .bearer(token, json: false)
                ) { response in
                    #expect(response.status == .ok, "\(query)")
                    return Set(
                        (JSONBody(response)["items"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String })
                }
            }
            #expect(try await ids("overdue=true") == [overdue.id.description])
            #expect(try await ids("overdue=false") == [atRisk.id.description, urgent.id.description])
            #expect(try await ids("windowClosingWithinDays=14") == [atRisk.id.description])
            #expect(try await ids("urgency=urgent") == [urgent.id.description])
            #expect(try await ids("patientId=\(urgent.patient.id)") == [urgent.id.description])
            let cutoff = ISO8601DateFormatter().string(from: Date().addingTimeInterval(3600))
            #expect(try await ids("createdBefore=\(cutoff)").count == 3)
            #expect(try await ids("createdFrom=\(cutoff)").isEmpty)
        }
    }
}
