import ClinicTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("GET /v1/audit")
struct AuditTrailTests {
    @Test("an admin sees who created and who read a referral, in order, with request ids")
    func referralHistory() async throws {
        try await withApp { client, db in
            let fixtures = Fixtures(db)
            let clinic = try await fixtures.clinic()
            let intake = try await fixtures.token(.intake, name: "PACS interface")
            let clinician = try await fixtures.token(.clinician, name: "Dr. Chen")
            let admin = try await fixtures.token(.admin, name: "clinic manager")
            let id = try await client.createReferral(token: intake, clinicID: clinic.id) { JSONBody($0).string("id")! }
            var headers = HTTPFields.bearer(clinician, json: false)
            headers[HTTPField.Name("X-Request-Id")!] = "chart-open-1"
            try await client.execute(uri: "/v1/referrals/\(id)", method: .get, headers: headers) {
                #expect($0.status == .ok)
            }
            try await client.execute(
                uri: "/v1/audit?entityId=\(id)", method: .get, headers: .bearer(admin, json: false)
            ) { response in
                #expect(response.status == .ok)
                let items = JSONBody(response)["items"] as? [[String: Any]] ?? []
                #expect(items.map { $0["action"] as? String } == ["referral.create", "referral.read", "audit.read"])
                #expect(items.map { $0["actorName"] as? String } == ["PACS interface", "Dr. Chen", "clinic manager"])
                #expect(items[1]["requestId"] as? String == "chart-open-1")
                #expect(items.allSatisfy { $0["outcome"] as? String == "success" })
            }
        }
    }

    @Test("pages of the trail follow each other without repeats")
    func paging() async throws {
        try await withApp { client, db in
            let fixtures = Fixtures(db)
            let clinic = try await fixtures.clinic()
            let admin = try await fixtures.token(.admin)
            let id = try await client.createReferral(token: admin, clinicID: clinic.id) { JSONBody($0).string("id")! }
            for _ in 0..<3 {
                try await client.execute(uri: "/v1/referrals/\(id)", method: .get, headers: .bearer(admin, json: false))
                { _ in }
            }
            let (first, cursor) = try await client.execute(
                uri: "/v1/audit?entityId=\(id)&limit=2", method: .get, headers: .bearer(admin, json: false)
            ) { response in
                let body = JSONBody(response)
                return (
                    (body["items"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? Int }, body.string("nextCursor")
                )
            }
            #expect(first.count == 2)
            let second = try await client.execute(
                uri: "/v1/audit?entityId=\(id)&limit=2&cursor=\(try #require(cursor))", method: .get,
                headers: .bearer(admin, json: false)
            ) { response in
                (JSONBody(response)["items"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? Int }
            }
            #expect(second.count == 2)
            #expect(second.min()! > first.max()!)
        }
    }

    @Test("a missing or malformed entityId is 400 naming it")
    func badEntity() async throws {
        try await withApp { client, db in
            let admin = try await Fixtures(db).token(.admin)
            try await client.execute(uri: "/v1/audit", method: .get, headers: .bearer(admin, json: false)) {
                #expect($0.status == .badRequest)
            }
            try await client.execute(uri: "/v1/audit?entityId=42", method: .get, headers: .bearer(admin, json: false)) {
                response in
                #expect(response.status == .badRequest)
                #expect(JSONBody(response).pointers == ["/entityId"])
            }
        }
    }
}
