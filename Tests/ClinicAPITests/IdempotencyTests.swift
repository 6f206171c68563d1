import ClinicTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Idempotency-Key on POST /v1/referrals")
struct IdempotencyTests {
    @Test("a retry with the same key returns the first referral (200) and creates nothing")
    func replay() async throws {
        try await withApp { client, db in
            let fixtures = Fixtures(db)
            let clinic = try await fixtures.clinic()
            let token = try await fixtures.token(.intake)
            let first = try await client.createReferral(token: token, clinicID: clinic.id, key: "fax-2026-11-25-001") {
                response in
                #expect(response.status == .created)
                return JSONBody(response).string("id")
            }
            let second = try await client.createReferral(token: token, clinicID: clinic.id, key: "fax-2026-11-25-001") {
                response in
                #expect(response.status == .ok)
                return JSONBody(response).string("id")
            }
            #expect(first != nil && first == second)
            #expect(try await db.count("referrals") == 1)
            #expect(try await db.count("referral_events") == 2)
        }
    }

    @Test("the same key with a different body is 422 and creates nothing")
    func reusedKey() async throws {
        try await withApp { client, db in
            let fixtures = Fixtures(db)
            let clinic = try await fixtures.clinic()
            let token = try await fixtures.token(.intake)
            try await client.createReferral(token: token, clinicID: clinic.id, key: "k1") {
                #expect($0.status == .created)
            }
            try await client.createReferral(token: token, clinicID: clinic.id, mrn: "MRN-9999", key: "k1") { response in
                #expect(response.status == .unprocessableContent)
                #expect(JSONBody(response).string("type") == "/problems/idempotency-key-reused")
            }
            #expect(try await db.count("referrals") == 1)
        }
    }

    @Test("ten identical requests at once make one referral")
    func concurrentReplays() async throws {
        try await withApp { client, db in
            let fixtures = Fixtures(db)
            let clinic = try await fixtures.clinic()
            let token = try await fixtures.token(.intake)
            let statuses = try await withThrowingTaskGroup(of: (Int, String?).self) { group in
                for _ in 0..<10 {
                    group.addTask {
                        try await client.createReferral(token: token, clinicID: clinic.id, key: "burst-1") { response in
                            (response.status.code, JSONBody(response).string("id"))
                        }
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.filter { $0.0 == 201 }.count == 1)
            #expect(statuses.filter { $0.0 == 200 }.count == 9)
            #expect(statuses.allSatisfy { $0.1 != nil } && Set(statuses.compactMap(\.1)).count == 1)
            #expect(try await db.count("referrals") == 1)
            #expect(try await db.count("patients") == 1)
        }
    }

    @Test("keys are per caller: two intake systems may use the same key")
    func keysArePerCaller() async throws {
        try await withApp { client, db in
            let fixtures = Fixtures(db)
            let clinic = try await fixtures.clinic()
            let pacs = try await fixtures.token(.intake, name: "PACS")
            let ris = try await fixtures.token(.intake, name: "RIS")
            try await client.createReferral(token: pacs, clinicID: clinic.id, key: "1") {
                #expect($0.status == .created)
            }
            try await client.createReferral(token: ris, clinicID: clinic.id, key: "1") {
                #expect($0.status == .created)
            }
            #expect(try await db.count("referrals") == 2)
        }
    }
}
