import ClinicDomain
import ClinicServices
import ClinicTestSupport
import Foundation
import Testing

@Suite("ReferralService")
struct ReferralServiceTests {
    @Test(
        "validation uses the clinic's date: a symptom onset of 'today' in Phoenix is accepted while UTC is already tomorrow"
    )
    func todayIsTheClinicsDay() async throws {
        try await withTestDatabase { (db: TestDatabase) async throws -> Void in
            let fixtures = Fixtures(db)
            let clinic = try await fixtures.clinic()
            // 2026-11-26 03:00 UTC is 2026-11-25 20:00 in Phoenix.
            let now = try Date("2026-11-26T03:00:00Z", strategy: .iso8601)
            var draft = Fixtures.l1WedgeDraft(clinicID: clinic.id)
            draft.symptomOnset = "2026-11-25"
            let created = try await fixtures.services(now: { now }).referrals.create(
                draft, idempotencyKey: nil, actor: Fixtures.operator_(at: now))
            #expect(created.referral.symptomOnset?.description == "2026-11-25")
            draft.symptomOnset = "2026-11-26"
            await #expect(
                throws: ServiceError.invalid(
                    ValidationError(pointer: "/symptomOnset", message: "must not be in the future"))
            ) {
                try await fixtures.services(now: { now }).referrals.create(
                    draft, idempotencyKey: nil, actor: Fixtures.operator_(at: now))
            }
        }
    }

    @Test("listing audits the read with the actor and request id")
    func listIsAudited() async throws {
        try await withTestDatabase { (db: TestDatabase) async throws -> Void in
            let actor = Actor(
                principal: Principal(tokenID: nil, name: "Dr. Chen", role: .clinician, scope: .network),
                requestID: "req-77", at: Date())
            _ = try await Fixtures(db).services().referrals.list(.init(), actor: actor)
            #expect(
                try await db.count(
                    "audit_log", where: "action = 'referral.list' AND actor_name = 'Dr. Chen' AND request_id = 'req-77'"
                ) == 1)
        }
    }

    @Test("an unknown clinic is an unknown reference at clinicId and writes nothing")
    func unknownClinic() async throws {
        try await withTestDatabase { (db: TestDatabase) async throws -> Void in
            let draft = Fixtures.l1WedgeDraft(clinicID: .random())
            await #expect(throws: ServiceError.unknownReference(pointer: "/clinicId", entity: "clinic")) {
                try await Fixtures(db).services().referrals.create(
                    draft, idempotencyKey: nil, actor: Fixtures.operator_)
            }
            #expect(try await db.count("patients") == 0)
        }
    }

    @Test("an idempotency key of control characters or over 200 characters is refused")
    func badIdempotencyKeys() async throws {
        try await withTestDatabase { (db: TestDatabase) async throws -> Void in
            let clinic = try await Fixtures(db).clinic()
            for key in ["", "line\nbreak", String(repeating: "k", count: 201)] {
                await #expect(throws: ServiceError.self) {
                    try await Fixtures(db).services().referrals.create(
                        Fixtures.l1WedgeDraft(clinicID: clinic.id), idempotencyKey: key,
                        actor: Fixtures.operator_)
                }
            }
            #expect(try await db.count("referrals") == 0)
        }
    }
}

@Suite("Referral cursors")
struct ReferralCursorTests {
    @Test("a position survives its round trip through its payload")
    func roundTrip() throws {
        let cursor = try #require(ReferralCursor(createdAtMicroseconds: 1_795_625_093_123_456, id: .random()))
        #expect(ReferralCursor(payload: cursor.payload) == cursor)
    }

    @Test(
        "payloads it did not write, and instants outside years 0001-9999, are refused",
        arguments: [
            "", "garbage", "123", "-9223000000000000000:3f1c2a4e-0000-4000-8000-000000000001",
            "253402300800000000:3f1c2a4e-0000-4000-8000-000000000001", "1:2:3", "99999999999999999999999:x",
        ])
    func foreignPayloads(payload: String) {
        #expect(ReferralCursor(payload: payload) == nil)
    }
}

@Suite("TokenService")
struct TokenServiceTests {
    @Test("a created token authenticates as its role until revoked")
    func lifecycle() async throws {
        try await withTestDatabase { (db: TestDatabase) async throws -> Void in
            let service = try Fixtures(db).services().tokens
            let (id, secret) = try await service.create(name: "PACS interface", role: .intake, scope: .network)
            #expect(try await service.authenticate(secret: secret, now: Date())?.role == .intake)
            #expect(try await service.authenticate(secret: secret + "x", now: Date()) == nil)
            try await service.revoke(id: id, at: Date())
            #expect(try await service.authenticate(secret: secret, now: Date()) == nil)
            await #expect(throws: ServiceError.notFound(entity: "token")) {
                try await service.revoke(id: .random(), at: Date())
            }
        }
    }

    @Test("a blank token name is refused")
    func blankName() async throws {
        try await withTestDatabase { (db: TestDatabase) async throws -> Void in
            await #expect(throws: ServiceError.self) {
                try await Fixtures(db).services().tokens.create(name: "  ", role: .admin, scope: .network)
            }
        }
    }
}
