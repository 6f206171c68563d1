import ClinicDomain
import ClinicTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@testable import ClinicAPI

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
                created.append(
                    try await client.createReferral(token: token, clinicID: clinic.id, mrn: "MRN-\(index)") {
                        JSONBody($0).string("id")!
                    })
            }
            var seen: [String] = []
            var cursor: String?
            var pages = 0
            repeat {
                let uri = "/v1/referrals?limit=2" + (cursor.map { "&cursor=\($0)" } ?? "")
                cursor = try await client.execute(uri: uri, method: .get, headers: .bearer(token, json: false)) {
                    response in
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
            for index in 1...4 {
                try await client.createReferral(token: token, clinicID: clinic.id, mrn: "MRN-\(index)") { _ in }
            }
            let (first, cursor) = try await client.execute(
                uri: "/v1/referrals?limit=2", method: .get, headers: .bearer(token, json: false)
            ) { response in
                let body = JSONBody(response)
                return (
                    (body["items"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String },
                    body.string("nextCursor")
                )
            }
            try await client.createReferral(token: token, clinicID: clinic.id, mrn: "MRN-late") { _ in }
            let second = try await client.execute(
                uri: "/v1/referrals?limit=2&cursor=\(cursor!)", method: .get, headers: .bearer(token, json: false)
            ) { response in
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
                try await client.execute(
                    uri: "/v1/referrals?\(query)", method: .get, headers: .bearer(token, json: false)
                ) { response in
                    #expect(response.status == .ok)
                    #expect((JSONBody(response)["items"] as? [Any])?.count == expected, "\(query)")
                }
            }
        }
    }

    @Test(
        "bad query parameters are 400 naming the parameter",
        arguments: [
            ("limit=0", "/limit"), ("limit=101", "/limit"), ("cursor=garbage", "/cursor"),
            ("clinicId=denver", "/clinicId"),
        ])
    func badParameters(query: String, pointer: String) async throws {
        try await withApp { client, db in
            let token = try await Fixtures(db).token(.admin)
            try await client.execute(uri: "/v1/referrals?\(query)", method: .get, headers: .bearer(token, json: false))
            { response in
                #expect(response.status == .badRequest)
                #expect(JSONBody(response).pointers == [pointer])
            }
        }
    }

    @Test("forged, edited, foreign and borrowed cursors are 400 at /cursor, and the server lives on")
    func forgedCursors() async throws {
        try await withApp { client, db in
            let token = try await Fixtures(db).token(.admin)
            let clinic = try await Fixtures(db).clinic()
            for index in 0..<3 {
                try await client.postReferral(
                    token: token, Fixtures.l1WedgeJSON(clinicID: clinic.id, mrn: "CUR-\(index)")
                ) { _ in }
            }
            let issued = try await client.execute(
                uri: "/v1/referrals?limit=1", method: .get, headers: .bearer(token, json: false)
            ) {
                try #require(JSONBody($0).string("nextCursor"))
            }
            let auditIssued = try await client.execute(
                uri: "/v1/audit?entityId=\(clinic.id)&limit=1", method: .get,
                headers: .bearer(token, json: false)
            ) { JSONBody($0).string("nextCursor") }
            func base64URL(_ text: String) -> String {
                Data(text.utf8).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(
                    of: "/", with: "_"
                )
                .replacingOccurrences(of: "=", with: "")
            }
            let (payload, tag) = (String(issued.split(separator: ".")[0]), String(issued.split(separator: ".")[1]))
            var forged = [
                // The payload that stopped the server before cursors were sealed: a time before year 1.
                base64URL("-9223000000000000000:3f1c2a4e-0000-4000-8000-000000000001"),
                base64URL("referrals:-9223000000000000000:3f1c2a4e-0000-4000-8000-000000000001") + "." + tag,
                base64URL("referrals:253402300800000000:3f1c2a4e-0000-4000-8000-000000000001") + "." + tag,
                payload + "." + String(tag.reversed()),  // tag edited
                String(payload.dropLast()) + "A." + tag,  // payload edited
                issued + ".", "." + tag, payload, issued + issued, String(repeating: "A", count: 199) + "." + tag,
                // Well formed and sealed, but by another server's key.
                CursorSeal(secret: String(repeating: "another server's key ", count: 2))
                    .seal(
                        String(
                            decoding: Data(
                                base64Encoded: payload.padding(
                                    toLength: (payload.count + 3) / 4 * 4, withPad: "=", startingAt: 0
                                )
                                .replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/"))
                                ?? Data(), as: UTF8.self)),
            ]
            if let auditIssued { forged.append(auditIssued) }  // the audit list's cursor is not the referral list's
            for cursor in forged {
                let encoded = cursor.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
                try await client.execute(
                    uri: "/v1/referrals?cursor=\(encoded)", method: .get, headers: .bearer(token, json: false)
                ) { response in
                    #expect(response.status == .badRequest, "\(cursor)")
                    #expect(JSONBody(response).pointers == ["/cursor"], "\(cursor)")
                }
            }
            try await client.execute(
                uri: "/v1/referrals?cursor=\(issued)", method: .get, headers: .bearer(token, json: false)
            ) { response in
                #expect(response.status == .ok)
                #expect((JSONBody(response)["items"] as? [Any])?.count == 2)
            }
        }
    }

    @Test(
        "any RFC 3339 instant is accepted in createdFrom, with fractions and unusual offsets",
        arguments: [
            "2026-11-25T09:30:00-07:00", "2026-11-25T16:30:00.123456Z", "0983-07-29T23:11:51+22:33",
        ])
    func rfc3339Instants(instant: String) async throws {
        try await withApp { client, db in
            let token = try await Fixtures(db).token(.admin)
            let encoded = instant.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            try await client.execute(
                uri: "/v1/referrals?createdFrom=\(encoded)", method: .get, headers: .bearer(token, json: false)
            ) { response in
                #expect(response.status == .ok)
            }
        }
    }

    @Test(
        "malformed parameter values are 400, not 500",
        arguments: [
            "status=evaluated", "limit=ten", "limit=99999999999999999999", "createdFrom=yesterday",
            "createdFrom=2026-11-25T09:30:00",
        ])
    func unparseableParameters(query: String) async throws {
        try await withApp { client, db in
            let token = try await Fixtures(db).token(.admin)
            try await client.execute(uri: "/v1/referrals?\(query)", method: .get, headers: .bearer(token, json: false))
            { response in
                #expect(response.status == .badRequest)
                #expect(response.headers[.contentType] == "application/problem+json")
            }
        }
    }
}
