import ClinicDomain
import ClinicTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import PostgresNIO
import Testing

@Suite("POST and GET /v1/referrals")
struct ReferralEndpointTests {
    @Test(
        "a scheduler refers a 68-year-old with an L1 wedge fracture: 201, received then triaged routine, both events in the same transaction"
    )
    func createReferral() async throws {
        try await withApp { client, db in
            let fixtures = Fixtures(db)
            let clinic = try await fixtures.clinic()
            let token = try await fixtures.token(.scheduler, name: "front desk")
            try await client.createReferral(token: token, clinicID: clinic.id) { response in
                #expect(response.status == .created)
                let body = JSONBody(response)
                let id = try #require(body.string("id"))
                #expect(body.string("status") == "triaged")
                #expect(body.string("urgency") == "routine")
                #expect(body["version"] as? Int == 1)
                #expect(response.headers[.location] == "/v1/referrals/\(id)")
                #expect(response.headers[.eTag] == "\"1\"")
                #expect(
                    try await db.count(
                        "referral_events",
                        where:
                            "referral_id = '\(id)' AND kind = 'created' AND to_status = 'received' AND actor_name = 'front desk' AND actor_role = 'scheduler'"
                    ) == 1)
                #expect(
                    try await db.count(
                        "referral_events",
                        where:
                            "referral_id = '\(id)' AND kind = 'triage' AND from_status = 'received' AND to_status = 'triaged'"
                    ) == 1)
                #expect(
                    try await db.count(
                        "audit_log",
                        where:
                            "entity_id = '\(id)' AND action = 'referral.create' AND outcome = 'success' AND request_id IS NOT NULL"
                    ) == 1)
            }
        }
    }

    @Test("reading a referral returns it with its version as ETag, and audits the read")
    func getReferral() async throws {
        try await withApp { client, db in
            let fixtures = Fixtures(db)
            let clinic = try await fixtures.clinic()
            let token = try await fixtures.token(.clinician)
            let id = try await client.createReferral(token: token, clinicID: clinic.id) { JSONBody($0).string("id")! }
            var headers = HTTPFields.bearer(token, json: false)
            headers[HTTPField.Name("X-Request-Id")!] = "read-1"
            try await client.execute(uri: "/v1/referrals/\(id)", method: .get, headers: headers) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.eTag] == "\"1\"")
                let body = JSONBody(response)
                let patient = try #require(body["patient"] as? [String: Any])
                #expect(patient["birthDate"] as? String == "1958-03-14")
                #expect(patient["mrn"] as? String == "MRN-0001")
            }
            #expect(
                try await db.count(
                    "audit_log", where: "entity_id = '\(id)' AND action = 'referral.read' AND request_id = 'read-1'")
                    == 1)
        }
    }

    @Test("an unknown id is 404 problem+json")
    func unknownReferral() async throws {
        try await withApp { client, db in
            let token = try await Fixtures(db).token(.admin)
            try await client.execute(uri: "/v1/referrals/\(UUID())", method: .get, headers: .bearer(token, json: false))
            { response in
                #expect(response.status == .notFound)
                #expect(response.headers[.contentType] == "application/problem+json")
                #expect(JSONBody(response).string("type") == "/problems/not-found")
            }
        }
    }

    @Test("a malformed id is 400 naming the id")
    func malformedID() async throws {
        try await withApp { client, db in
            let token = try await Fixtures(db).token(.admin)
            try await client.execute(
                uri: "/v1/referrals/not-a-uuid", method: .get, headers: .bearer(token, json: false)
            ) { response in
                #expect(response.status == .badRequest)
                #expect(JSONBody(response).pointers == ["/id"])
            }
        }
    }

    @Test(
        "bad bodies are 400 naming the field, and write nothing",
        arguments: [
            ("{\"clinicId\": ", [""]),
            ("[]", [""]),
            ("{}", ["/referringClinician"]),
            ("REASON_MISSING", ["/reason"]),
            ("BIRTHDATE_NUMBER", ["/patient/birthDate"]),
            ("BIRTHDATE_FUTURE", ["/patient/birthDate"]),
            ("SEX_UNKNOWN_VALUE", ["/patient/sex"]),
            ("EXTRA_FIELD", [""]),
            ("CLINIC_NOT_UUID", ["/clinicId"]),
            ("NPI_SHORT", ["/referringClinician/npi"]),
            ("MRN_BLANK_AND_ONSET_BAD", ["/patient/mrn", "/symptomOnset"]),
        ])
    func badBodies(variant: String, pointers: [String]) async throws {
        try await withApp { client, db in
            let fixtures = Fixtures(db)
            let clinic = try await fixtures.clinic()
            let token = try await fixtures.token(.intake)
            let good = Fixtures.l1WedgeJSON(clinicID: clinic.id)
            let body: String =
                switch variant {
                case "REASON_MISSING":
                    good.replacingOccurrences(of: "\"reason\":", with: "\"reasonText\":")
                        .replacingOccurrences(
                            of:
                                "\"reasonText\":\"L1 wedge fracture, 30% height loss, STIR edema on MRI; NRS 7 despite bracing.\",",
                            with: "")
                case "BIRTHDATE_NUMBER": good.replacingOccurrences(of: "\"1958-03-14\"", with: "19580314")
                case "BIRTHDATE_FUTURE": good.replacingOccurrences(of: "1958-03-14", with: "2099-01-01")
                case "SEX_UNKNOWN_VALUE": good.replacingOccurrences(of: "\"female\"", with: "\"F\"")
                case "EXTRA_FIELD": good.replacingOccurrences(of: "{\"clinicId\"", with: "{\"admin\":true,\"clinicId\"")
                case "CLINIC_NOT_UUID": good.replacingOccurrences(of: clinic.id.description, with: "clinic-1")
                case "NPI_SHORT": good.replacingOccurrences(of: "1234567893", with: "12345")
                case "MRN_BLANK_AND_ONSET_BAD":
                    good.replacingOccurrences(of: "\"MRN-0001\"", with: "\"   \"")
                        .replacingOccurrences(of: "2026-10-30", with: "2026-02-30")
                default: variant
                }
            try await client.execute(
                uri: "/v1/referrals", method: .post, headers: .bearer(token), body: ByteBuffer(json: body)
            ) { response in
                #expect(response.status == .badRequest)
                #expect(response.headers[.contentType] == "application/problem+json")
                let problem = JSONBody(response)
                #expect(problem["status"] as? Int == 400)
                #expect(problem.string("requestId") != nil)
                if pointers != [""] { #expect(problem.pointers == pointers) }
            }
            #expect(try await db.count("referrals") == 0)
            #expect(try await db.count("patients") == 0)
            #expect(try await db.count("audit_log", where: "action LIKE 'referral.%'") == 0)
        }
    }

    @Test("a clinic id that names no clinic is 422 at /clinicId and writes nothing")
    func unknownClinic() async throws {
        try await withApp { client, db in
            let token = try await Fixtures(db).token(.intake)
            try await client.postReferral(token: token, Fixtures.l1WedgeJSON(clinicID: .random())) { response in
                #expect(response.status == .unprocessableContent)
                #expect(JSONBody(response).string("type") == "/problems/unknown-reference")
                #expect(JSONBody(response).pointers == ["/clinicId"])
            }
            #expect(try await db.count("patients") == 0)
        }
    }

    @Test("text that looks like SQL is stored verbatim, not executed")
    func injectionShapedTextIsData() async throws {
        try await withApp { client, db in
            let fixtures = Fixtures(db)
            let clinic = try await fixtures.clinic()
            let token = try await fixtures.token(.scheduler)
            let body = Fixtures.l1WedgeJSON(clinicID: clinic.id)
                .replacingOccurrences(of: "Whitfield", with: "O'Brien'); DROP TABLE referrals;--")
            try await client.execute(
                uri: "/v1/referrals", method: .post, headers: .bearer(token), body: ByteBuffer(json: body)
            ) { response in
                #expect(response.status == .created)
                let patient = JSONBody(response)["patient"] as? [String: Any]
                #expect(patient?["familyName"] as? String == "O'Brien'); DROP TABLE referrals;--")
            }
            #expect(try await db.count("referrals") == 1)
        }
    }

    @Test("an MRN that belongs to another person is 409, never merged")
    func mrnOfAnotherPerson() async throws {
        try await withApp { client, db in
            let fixtures = Fixtures(db)
            let clinic = try await fixtures.clinic()
            let token = try await fixtures.token(.scheduler)
            try await client.createReferral(token: token, clinicID: clinic.id) { #expect($0.status == .created) }
            let other = Fixtures.l1WedgeJSON(clinicID: clinic.id).replacingOccurrences(
                of: "1958-03-14", with: "1971-06-02")
            try await client.execute(
                uri: "/v1/referrals", method: .post, headers: .bearer(token), body: ByteBuffer(json: other)
            ) { response in
                #expect(response.status == .conflict)
                #expect(!String(buffer: response.body).contains("1958"))
            }
            #expect(try await db.count("referrals") == 1)
            #expect(try await db.count("patients") == 1)
        }
    }

    @Test("a second referral for the same patient reuses the patient record")
    func samePatientTwice() async throws {
        try await withApp { client, db in
            let fixtures = Fixtures(db)
            let clinic = try await fixtures.clinic()
            let token = try await fixtures.token(.scheduler)
            try await client.createReferral(token: token, clinicID: clinic.id) { #expect($0.status == .created) }
            try await client.createReferral(token: token, clinicID: clinic.id) { #expect($0.status == .created) }
            #expect(try await db.count("referrals") == 2)
            #expect(try await db.count("patients") == 1)
        }
    }
}
