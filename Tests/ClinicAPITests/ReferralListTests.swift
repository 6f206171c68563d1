import ClinicDomain
import ClinicTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("GET /v1/referrals: filters and keyset pagination")
struct ReferralListTests {
    @Test("pages of two walk all five referrals newest first, without repeats, and end without a cursor")
    func pagination() async throws {
        try await withApp { client, db in
            let fixtures = Fixtures(db)
            let clinic = try await fixtures.clinic()
            let token = try await fixtures.token(.scheduler)
            var created: [String] = []
            for index in 1...5 {
                created.append(try await client.createReferral(token: token, clinicID: clinic.id, mrn: "MRN-\(index)") { JSONBody($0).string("id")! })
            }
            var seen: [String] = []
            var cursor: String?
            var pages = 0
            repeat {
                let uri = "/v1/referrals?limit=2" + (cursor.map { "&cursor=\($0)" } ?? "")
                cursor = try await client.execute(uri: uri, method: .get, headers: .bearer(token, json: false)) { response in
                    #expect(response.status == .ok)
                    let body = JSONBody(response)
                    let items = body["items"] as? [[String: Any]] ?? []
                    #expect(items.count <= 2)
                    seen += items.compactMap { $0["id"] as? String }
                    return body.string("nextCursor")
                }
                pages += 1
            } while cursor != nil && pages < 10
            #expect(pages == 3)
            #expect(seen == created.reversed())
        }
    }

    @Test("a referral created while paging does not shift the pages already being read")
    func stableUnderInserts() async throws {
        try await withApp { client, db in
            let fixtures = Fixtures(db)
            let clinic = try await fixtures.clinic()
            let token = try await fixtures.token(.scheduler)
            for index in 1...4 { try await client.createReferral(token: token, clinicID: clinic.id, mrn: "MRN-\(index)") { _ in } }
            let (first, cursor) = try await client.execute(uri: "/v1/referrals?limit=2", method: .get, headers: .bearer(token, json: false)) { response in
                let body = JSONBody(response)
                return ((body["items"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }, body.string("nextCursor"))
            }
            try await client.createReferral(token: token, clinicID: clinic.id, mrn: "MRN-late") { _ in }
            let second = try await client.execute(uri: "/v1/referrals?limit=2&cursor=\(cursor!)", method: .get, headers: .bearer(token, json: false)) { response in
                (JSONBody(response)["items"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
            }
            #expect(Set(first).isDisjoint(with: second))
            #expect(second.count == 2)
        }
    }

    @Test("status and clinic filters narrow the list")
    func filters() async throws {
        try await withApp { client, db in
            let fixtures = Fixtures(db)
            let phoenix = try await fixtures.clinic()
            let denver = try await fixtures.clinic(name: "Front Range Spine", timeZone: "America/Denver")
            let token = try await fixtures.token(.admin)
            try await client.createReferral(token: token, clinicID: phoenix.id) { _ in }
            try await client.createReferral(token: token, clinicID: denver.id) { _ in }
            for (query, expected) in [("status=triaged", 2), ("status=cancelled", 0), ("clinicId=\(denver.id)", 1)] {
                try await client.execute(uri: "/v1/referrals?\(query)", method: .get, headers: .bearer(token, json: false)) { response in
                    #expect(response.status == .ok)
                    #expect((JSONBody(response)["items"] as? [Any])?.count == expected, "\(query)")
                }
            }
        }
    }

    @Test("bad query parameters are 400 naming the parameter", arguments: [
        ("limit=0", "/limit"), ("limit=101", "/limit"), ("cursor=garbage", "/cursor"), ("clinicId=denver", "/clinicId"),
    ])
    func badParameters(query: String, pointer: String) async throws {
        try await withApp { client, db in
            let token = try await Fixtures(db).token(.admin)
            try await client.execute(uri: "/v1/referrals?\(query)", method: .get, headers: .bearer(token, json: false)) { response in
                #expect(response.status == .badRequest)
                #expect(JSONBody(response).pointers == [pointer])
            }
        }
    }

    @Test("any RFC 3339 instant is accepted in createdFrom, with fractions and unusual offsets", arguments: [
        "2026-11-25T09:30:00-07:00", "2026-11-25T16:30:00.123456Z", "0983-07-29T23:11:51+22:33",
    ])
    func rfc3339Instants(instant: String) async throws {
        try await withApp { client, db in
            let token = try await Fixtures(db).token(.admin)
            let encoded = instant.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            try await client.execute(uri: "/v1/referrals?createdFrom=\(encoded)", method: .get, headers: .bearer(token, json: false)) { response in
                #expect(response.status == .ok)
            }
        }
    }

    @Test("malformed parameter values are 400, not 500", arguments: ["status=evaluated", "limit=ten", "limit=99999999999999999999", "createdFrom=yesterday", "createdFrom=2026-11-25T09:30:00"])
    func unparseableParameters(query: String) async throws {
        try await withApp { client, db in
            let token = try await Fixtures(db).token(.admin)
            try await client.execute(uri: "/v1/referrals?\(query)", method: .get, headers: .bearer(token, json: false)) { response in
                #expect(response.status == .badRequest)
                #expect(response.headers[.contentType] == "application/problem+json")
            }
        }
    }
}
