import ClinicDomain
import ClinicTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Clinic setup through the API")
struct ClinicSetupTests {
    static let denver =
        #"{"name":"Front Range Spine","timeZone":"America/Denver","hours":[{"weekday":1,"opens":"07:00","closes":"17:00"},{"weekday":2,"opens":"07:00","closes":"17:00"}]}"#

    @Test("an admin creates a clinic in America/Denver with its hours and default visit lengths")
    func createClinic() async throws {
        try await withApp { client, db in
            let admin = try await Fixtures(db).token(.admin)
            let id = try await client.execute(
                uri: "/v1/clinics", method: .post, headers: .bearer(admin), body: ByteBuffer(json: Self.denver)
            ) { response in
                #expect(response.status == .created)
                let body = JSONBody(response)
                #expect(body.string("timeZone") == "America/Denver")
                #expect((body["hours"] as? [Any])?.count == 2)
                #expect(body["minutesPerLevel"] as? Int == 60)
                #expect((body["triageTargets"] as? [String: Any])?["routineDueDays"] as? Int == 14)
                return body.string("id")!
            }
            let reporter = try await Fixtures(db).token(.reporter)
            try await client.execute(uri: "/v1/clinics/\(id)", method: .get, headers: .bearer(reporter, json: false)) {
                response in
                #expect(response.status == .ok)
                #expect(JSONBody(response).string("name") == "Front Range Spine")
            }
        }
    }

    @Test("visit settings change how long a procedure books; out-of-range values are 400 naming the field")
    func visitSettings() async throws {
        try await withApp { client, db in
            let (clinic, _) = try await Fixtures(db).schedulableClinic()
            let admin = try await Fixtures(db).token(.admin)
            try await client.execute(
                uri: "/v1/clinics/\(clinic.id)/visit-settings", method: .put, headers: .bearer(admin),
                body: ByteBuffer(json: #"{"minutesPerLevel":45,"recoveryMinutes":120}"#)
            ) { response in
                #expect(response.status == .ok)
                #expect(JSONBody(response)["minutesPerLevel"] as? Int == 45)
                #expect(JSONBody(response)["recoveryMinutes"] as? Int == 120)
                #expect(JSONBody(response)["turnoverMinutes"] as? Int == 15)
            }
            // An L1 candidate's procedure now holds its room for 45 minutes plus 15 of turnover.
            let referral = try await candidateReferral(client, db, clinic)
            let monday = Fixtures.nextMondayMorning(in: clinic)
            let (booked, procedure) = try await post(
                client, admin, "/v1/appointments",
                "{\"referralId\":\"\(referral)\",\"kind\":\"procedure\",\"start\":\"\(iso(monday))\"}")
            #expect(booked == 201)
            #expect(procedure.string("end") == RFC3339.format(monday.addingTimeInterval(60 * 60)))
            try await client.execute(
                uri: "/v1/clinics/\(clinic.id)/visit-settings", method: .put, headers: .bearer(admin),
                body: ByteBuffer(json: #"{"minutesPerLevel":5}"#)
            ) { response in
                #expect(response.status == .badRequest)
                #expect(JSONBody(response).pointers == ["/minutesPerLevel"])
            }
        }
    }

    @Test(
        "bad clinics are 400 naming the field, and nothing is stored",
        arguments: [
            (#""timeZone":"America/Denver""#, #""timeZone":"MST""#, "/timeZone"),
            (
                #""opens":"07:00","closes":"17:00"},{"weekday":2"#, #""opens":"17:00","closes":"07:00"},{"weekday":2"#,
                "/hours/0/closes"
            ),
            (#"{"weekday":2,"#, #"{"weekday":1,"#, "/hours"),
        ])
    func badClinics(find: String, replace: String, pointer: String) async throws {
        try await withApp { client, db in
            let admin = try await Fixtures(db).token(.admin)
            let body = Self.denver.replacingOccurrences(of: find, with: replace)
            try await client.execute(
                uri: "/v1/clinics", method: .post, headers: .bearer(admin), body: ByteBuffer(json: body)
            ) { response in
                #expect(response.status == .badRequest)
                #expect(JSONBody(response).pointers == [pointer])
            }
            #expect(try await db.count("clinics") == 0)
        }
    }

    @Test("resources get weekly templates and blocks; a duplicate name is 409; overlapping windows are 400")
    func resourcesTemplatesBlocks() async throws {
        try await withApp { client, db in
            let clinic = try await Fixtures(db).clinic()
            let admin = try await Fixtures(db).token(.admin)
            let scheduler = try await Fixtures(db).token(.scheduler)
            let room = try await client.execute(
                uri: "/v1/clinics/\(clinic.id)/resources", method: .post, headers: .bearer(admin),
                body: ByteBuffer(json: #"{"kind":"procedure_room","name":"Procedure Suite 1"}"#)
            ) { response in
                #expect(response.status == .created)
                return JSONBody(response).string("id")!
            }
            try await client.execute(
                uri: "/v1/clinics/\(clinic.id)/resources", method: .post, headers: .bearer(admin),
                body: ByteBuffer(json: #"{"kind":"consult_room","name":"Procedure Suite 1"}"#)
            ) { #expect($0.status == .conflict) }
            try await client.execute(
                uri: "/v1/resources/\(room)/availability-template", method: .put, headers: .bearer(admin),
                body: ByteBuffer(
                    json:
                        #"{"windows":[{"weekday":1,"starts":"07:00","ends":"12:00"},{"weekday":1,"starts":"11:00","ends":"15:00"}]}"#
                )
            ) { response in
                #expect(response.status == .badRequest)
                #expect(JSONBody(response).pointers == ["/windows/1"])
            }
            try await client.execute(
                uri: "/v1/resources/\(room)/availability-template", method: .put, headers: .bearer(admin),
                body: ByteBuffer(
                    json:
                        #"{"windows":[{"weekday":1,"starts":"07:00","ends":"12:00"},{"weekday":1,"starts":"13:00","ends":"17:00"},{"weekday":3,"starts":"07:00","ends":"17:00"}]}"#
                )
            ) { response in
                #expect(response.status == .ok)
                #expect((JSONBody(response)["windows"] as? [Any])?.count == 3)
            }
            try await client.execute(
                uri: "/v1/resources/\(room)/blocks", method: .post, headers: .bearer(scheduler),
                body: ByteBuffer(
                    json:
                        #"{"starts":"2026-12-24T00:00:00-07:00","ends":"2026-12-26T00:00:00-07:00","kind":"holiday","reason":"Christmas"}"#
                )
            ) { response in
                #expect(response.status == .created)
            }
            try await client.execute(
                uri: "/v1/resources/\(room)/blocks", method: .post, headers: .bearer(scheduler),
                body: ByteBuffer(
                    json:
                        #"{"starts":"2026-12-26T00:00:00-07:00","ends":"2026-12-24T00:00:00-07:00","kind":"holiday","reason":"backwards"}"#
                )
            ) { response in
                #expect(response.status == .badRequest)
                #expect(JSONBody(response).pointers == ["/ends"])
            }
            try await client.execute(
                uri: "/v1/resources/\(UUID())/blocks", method: .post, headers: .bearer(scheduler),
                body: ByteBuffer(
                    json:
                        #"{"starts":"2026-12-24T00:00:00Z","ends":"2026-12-25T00:00:00Z","kind":"leave","reason":"x"}"#)
            ) { #expect($0.status == .notFound) }
            try await client.execute(
                uri: "/v1/clinics/\(clinic.id)/resources", method: .get, headers: .bearer(scheduler, json: false)
            ) { response in
                let items = JSONBody(response)["items"] as? [[String: Any]] ?? []
                #expect(items.count == 1)
                #expect((items.first?["windows"] as? [Any])?.count == 3)
            }
            #expect(try await db.count("resource_blocks") == 1)
            #expect(
                try await db.count(
                    "audit_log",
                    where:
                        "entity_id = '\(room)' AND action IN ('resource.create', 'resource.template', 'resource.block')"
                ) == 3)
        }
    }
}
