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
            await #expect(throws: PSQLError.self) {
                _ = try await db.query("UPDATE audit_log SET actor_name = 'someone else'")
            }
            await #expect(throws: PSQLError.self) { _ = try await db.query("DELETE FROM audit_log") }
            await #expect(throws: PSQLError.self) { _ = try await db.query("TRUNCATE audit_log") }
            #expect(
                try await db.count("audit_log", where: "entity_id = '\(clinic.id)' AND actor_name = 'test-fixtures'")
                    == 1)
        }
    }

    @Test(
        "the application role cannot bypass the audit trail or the event log: every way round is refused for lack of privilege",
        arguments: [
            "ALTER TABLE audit_log DISABLE TRIGGER USER",
            "ALTER TABLE audit_log DISABLE TRIGGER ALL",
            "SET session_replication_role = replica",
            "DROP TABLE audit_log",
            "DROP TRIGGER audit_log_no_update_or_delete ON audit_log",
            "COPY (SELECT 1) TO PROGRAM 'true'",
            "COPY audit_log TO '/tmp/clinic-audit-copy'",
            "TRUNCATE audit_log",
            "UPDATE audit_log SET actor_name = 'someone else'",
            "DELETE FROM audit_log",
            "TRUNCATE referral_events",
            "UPDATE referral_events SET reason = 'rewritten'",
            "DELETE FROM referral_events",
            "ALTER TABLE referral_events DISABLE TRIGGER USER",
            "CREATE TABLE shadow (id int)",
            "ALTER TABLE referrals ADD COLUMN shadow text",
            "CREATE OR REPLACE FUNCTION audit_log_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$",
            "DELETE FROM referrals",
            "DELETE FROM patients",
            "TRUNCATE referrals CASCADE",
            "GRANT clinic_owner TO clinic_app",
            "SET ROLE clinic_owner",
            "CREATE ROLE intruder SUPERUSER",
        ])
    func applicationRoleCannotRewriteHistory(statement: String) async throws {
        try await withTestDatabase { db in
            let clinic = try await Fixtures(db).clinic()
            let services = try Fixtures(db).services()
            _ = try await services.referrals.create(
                Fixtures.l1WedgeDraft(clinicID: clinic.id), idempotencyKey: nil, actor: Fixtures.operator_)
            let (audit, events) = (try await db.count("audit_log"), try await db.count("referral_events"))
            // The code under test's own connection: the application role.
            do {
                _ = try await db.database.client.query(PostgresQuery(unsafeSQL: statement), logger: db.database.logger)
                    .collect()
                Issue.record("the application role ran: \(statement)")
            } catch let error as PSQLError {
                // 42501 insufficient privilege; 42501 also for a missing trigger-owner right. Anything
                // else would mean the statement got further than the privilege check.
                #expect(
                    error.serverInfo?[.sqlState] == "42501",
                    "\(statement): SQLSTATE \(error.serverInfo?[.sqlState] ?? "none")")
            }
            #expect(try await db.count("audit_log") == audit)
            #expect(try await db.count("referral_events") == events)
            #expect(try await db.count("referrals") == 1)
        }
    }

    @Test(
        "the server's role is not a superuser, owns nothing and cannot rewrite history; the owner is reported as unfit to serve"
    )
    func roleDiagnostics() async throws {
        try await withTestDatabase { db in
            let app = try await ServerDiagnostics(database: db.database).role()
            #expect(app.name == "clinic_app")
            #expect(app.privilegeProblem == nil, "\(app.privilegeProblem ?? "")")
            let owner = try await ServerDiagnostics(database: db.ownerDatabase).role()
            #expect(owner.ownedRelations > 20)
            #expect(owner.privilegeProblem?.contains("owns") == true)
        }
    }

    @Test("the event log refuses UPDATE, DELETE and TRUNCATE even for its owner")
    func eventLogIsAppendOnly() async throws {
        try await withTestDatabase { db in
            let clinic = try await Fixtures(db).clinic()
            _ = try await Fixtures(db).services().referrals.create(
                Fixtures.l1WedgeDraft(clinicID: clinic.id), idempotencyKey: nil,
                actor: Fixtures.operator_)
            for statement: PostgresQuery in [
                "UPDATE referral_events SET reason = 'rewritten'", "DELETE FROM referral_events",
                "TRUNCATE referral_events",
            ] {
                do {
                    _ = try await db.query(statement)
                    Issue.record("the owner ran: \(statement.sql)")
                } catch let error as PSQLError {
                    #expect(error.serverInfo?[.sqlState] == "42501")
                }
            }
            #expect(try await db.count("referral_events") == 2)
        }
    }

    @Test("two active claims on one room for overlapping times violate the exclusion constraint")
    func noDoubleBookingInTheSchema() async throws {
        try await withTestDatabase { db in
            let fixtures = Fixtures(db)
            let clinic = try await fixtures.clinic()
            let services = try fixtures.services()
            let referral = try await services.referrals.create(
                Fixtures.l1WedgeDraft(clinicID: clinic.id), idempotencyKey: nil,
                actor: Fixtures.operator_
            ).referral
            let room = try await ClinicSetupService.postgres(db.database)
                .addResource(
                    clinicID: clinic.id, kind: .procedureRoom, name: "Procedure Suite 1", actor: Fixtures.operator_)
            func book(_ range: String) async throws {
                let id = UUID()
                _ = try await db.query(
                    """
                    INSERT INTO appointments (id, referral_id, clinic_id, kind, state, during)
                    VALUES (\(id), \(referral.id.rawValue), \(clinic.id.rawValue), 'procedure', 'booked', \(range)::tstzrange)
                    """)
                _ = try await db.query(
                    """
                    INSERT INTO appointment_resources (appointment_id, resource_id, during)
                    VALUES (\(id), \(room.resource.id.rawValue), \(range)::tstzrange)
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
