import ClinicDomain
import ClinicPostgres
import ClinicServices
import ClinicTestSupport
import Foundation
import PostgresNIO
import Testing

@Suite("Database invariants")
struct StoreInvariantTests {
    @Test("the audit trail refuses UPDATE, DELETE and TRUNCATE, even for the table's owner")
    func auditIsAppendOnly() async throws {
        try await withTestDatabase { db in
            let clinic = try await Fixtures(db).clinic()
            #expect(try await db.count("audit_log", where: "entity_id = '\(clinic.id)'") == 1)
            await #expect(throws: PSQLError.self) { _ = try await db.query("UPDATE audit_log SET actor_name = 'someone else'") }
            await #expect(throws: PSQLError.self) { _ = try await db.query("DELETE FROM audit_log") }
            await #expect(throws: PSQLError.self) { _ = try await db.query("TRUNCATE audit_log") }
            #expect(try await db.count("audit_log", where: "entity_id = '\(clinic.id)' AND actor_name = 'test-fixtures'") == 1)
        }
    }

    @Test("two active claims on one room for overlapping times violate the exclusion constraint")
    func noDoubleBookingInTheSchema() async throws {
        try await withTestDatabase { db in
            let fixtures = Fixtures(db)
            let clinic = try await fixtures.clinic()
            let services = try fixtures.services()
            let referral = try await services.referrals.create(Fixtures.l1WedgeDraft(clinicID: clinic.id), idempotencyKey: nil,
                                                               actor: Fixtures.operator_).referral
            let room = try await ClinicSetupService(store: PostgresClinicStore(database: db.database))
                .addResource(clinicID: clinic.id, kind: .procedureRoom, name: "Procedure Suite 1", actor: Fixtures.operator_)
            func book(_ range: String) async throws {
                let id = UUID()
                _ = try await db.query("""
                    INSERT INTO appointments (id, referral_id, clinic_id, kind, state, during)
                    VALUES (\(id), \(referral.id.rawValue), \(clinic.id.rawValue), 'procedure', 'booked', \(range)::tstzrange)
                    """)
                _ = try await db.query("""
                    INSERT INTO appointment_resources (appointment_id, resource_id, during)
                    VALUES (\(id), \(room.id.rawValue), \(range)::tstzrange)
                    """)
            }
            try await book("[2026-12-01 08:00-07, 2026-12-01 10:00-07)")
            // Back to back is fine: ranges are half-open.
            try await book("[2026-12-01 10:00-07, 2026-12-01 11:00-07)")
            do {
                try await book("[2026-12-01 09:30-07, 2026-12-01 10:30-07)")
                Issue.record("an overlapping claim was accepted")
            } catch let error as PSQLError {
                #expect(error.serverInfo?[.sqlState] == "23P01")
            }
        }
    }
}
