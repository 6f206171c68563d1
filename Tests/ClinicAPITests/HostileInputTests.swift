import ClinicTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Hostile and malformed requests")
struct HostileInputTests {
    @Test("a body over 1 MiB is 413 and writes nothing")
    func oversizedBody() async throws {
        try await withApp { client, db in
            let fixtures = Fixtures(db)
            let clinic = try await fixtures.clinic()
            let token = try await fixtures.token(.admin)
            let huge = Fixtures.l1WedgeJSON(clinicID: clinic.id)
                .replacingOccurrences(
                    of: "\"reason\":\"", with: "\"reason\":\"" + String(repeating: "A", count: 10 << 20))
            try await client.execute(
                uri: "/v1/referrals", method: .post, headers: .bearer(token), body: ByteBuffer(json: huge)
            ) { response in
                #expect(response.status == .contentTooLarge)
                #expect(response.headers[.contentType] == "application/problem+json")
            }
            #expect(try await db.count("referrals") == 0)
        }
    }

    @Test("a body that is not JSON is 415")
    func wrongContentType() async throws {
        try await withApp { client, db in
            let fixtures = Fixtures(db)
            let clinic = try await fixtures.clinic()
            let token = try await fixtures.token(.admin)
            var headers = HTTPFields.bearer(token, json: false)
            headers[.contentType] = "text/plain"
            try await client.execute(
                uri: "/v1/referrals", method: .post, headers: headers,
                body: ByteBuffer(json: Fixtures.l1WedgeJSON(clinicID: clinic.id))
            ) { response in
                #expect(response.status == .unsupportedMediaType)
            }
            #expect(try await db.count("referrals") == 0)
        }
    }

    @Test("deeply nested JSON is 400, not a crash")
    func deepNesting() async throws {
        try await withApp { client, db in
            let token = try await Fixtures(db).token(.admin)
            let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
            try await client.execute(
                uri: "/v1/referrals", method: .post, headers: .bearer(token), body: ByteBuffer(json: deep)
            ) { response in
                #expect(response.status == .badRequest)
            }
        }
    }

    @Test("null where the document allows no null is 400 naming the field, even for optional fields")
    func nullValues() async throws {
        try await withApp { client, db in
            let fixtures = Fixtures(db)
            let clinic = try await fixtures.clinic()
            let token = try await fixtures.token(.admin)
            let body = Fixtures.l1WedgeJSON(clinicID: clinic.id).replacingOccurrences(
                of: "\"npi\":\"1234567893\"", with: "\"npi\":null")
            try await client.execute(
                uri: "/v1/referrals", method: .post, headers: .bearer(token), body: ByteBuffer(json: body)
            ) { response in
                #expect(response.status == .badRequest)
                #expect(JSONBody(response).pointers == ["/referringClinician/npi"])
            }
            #expect(try await db.count("referrals") == 0)
        }
    }

    @Test("NUL bytes in text are 400")
    func nulBytes() async throws {
        try await withApp { client, db in
            let fixtures = Fixtures(db)
            let clinic = try await fixtures.clinic()
            let token = try await fixtures.token(.admin)
            let body = Fixtures.l1WedgeJSON(clinicID: clinic.id).replacingOccurrences(
                of: "Eleanor", with: "Ele\\u0000anor")
            try await client.execute(
                uri: "/v1/referrals", method: .post, headers: .bearer(token), body: ByteBuffer(json: body)
            ) { response in
                #expect(response.status == .badRequest)
                #expect(JSONBody(response).pointers == ["/patient/givenName"])
            }
            #expect(try await db.count("referrals") == 0)
        }
    }

    @Test("an unknown route is 404 and a known route with the wrong method is 405 with Allow")
    func routing() async throws {
        try await withApp { client, db in
            let token = try await Fixtures(db).token(.admin)
            try await client.execute(uri: "/v1/nothing-here", method: .get, headers: .bearer(token, json: false)) {
                response in
                #expect(response.status == .notFound)
                #expect(response.headers[.contentType] == "application/problem+json")
            }
            try await client.execute(
                uri: "/v1/referrals/\(UUID())", method: .delete, headers: .bearer(token, json: false)
            ) { response in
                #expect(response.status == .methodNotAllowed)
                #expect(response.headers[.allow] == "GET, PATCH")
            }
        }
    }

    @Test("a POST without a body is 400")
    func missingBody() async throws {
        try await withApp { client, db in
            let token = try await Fixtures(db).token(.admin)
            try await client.execute(uri: "/v1/referrals", method: .post, headers: .bearer(token, json: false)) {
                response in
                #expect(response.status == .badRequest)
                #expect(response.headers[.contentType] == "application/problem+json")
            }
        }
    }
}
