import ClinicPostgres
import ClinicTestSupport
import Foundation
import PostgresNIO
import Testing

@Suite("Migrator")
struct MigratorTests {
    /// A database with nothing in it, not even the template's schema.
    private func withEmptySchema(_ body: (TestDatabase) async throws -> Void) async throws {
        try await withTestDatabase { db in
            _ = try await db.query("DROP SCHEMA public CASCADE")
            _ = try await db.query("CREATE SCHEMA public")
            try await body(db)
        }
    }

    @Test("applies every bundled file in order and records its checksum")
    func appliesAll() async throws {
        try await withEmptySchema { db in
            let migrations = try Migration.bundled()
            let applied = try await Migrator(database: db.ownerDatabase, migrations: migrations).migrate()
            #expect(applied == migrations.map(\.name))
            #expect(try await db.count("schema_migrations") == migrations.count)
            #expect(try await db.count("pg_extension", where: "extname = 'btree_gist'") == 1)
        }
    }

    @Test("a second run applies nothing")
    func rerunIsIdempotent() async throws {
        try await withTestDatabase { db in
            let applied = try await Migrator(database: db.ownerDatabase, migrations: try Migration.bundled()).migrate()
            #expect(applied.isEmpty)
        }
    }

    @Test("two migrations at once: the lock serialises them and each file is applied once")
    func concurrentRunsAreSafe() async throws {
        try await withEmptySchema { db in
            let migrator = Migrator(database: db.ownerDatabase, migrations: try Migration.bundled())
            async let first = migrator.migrate()
            async let second = migrator.migrate()
            let (a, b) = try await (first, second)
            let names = try Migration.bundled().map(\.name)
            #expect((a + b).sorted() == names)
            #expect(try await db.count("schema_migrations") == names.count)
        }
    }

    @Test("an applied file that was edited stops the migrator and the pending check")
    func editedFileRefused() async throws {
        try await withTestDatabase { db in
            var migrations = try Migration.bundled()
            let first = migrations[0]
            migrations[0] = Migration(name: first.name, sql: first.sql + "\n-- edited after release\n")
            let migrator = Migrator(database: db.ownerDatabase, migrations: migrations)
            await #expect(throws: MigrationError.edited(name: first.name)) { try await migrator.migrate() }
            await #expect(throws: MigrationError.edited(name: first.name)) { try await migrator.pending() }
        }
    }

    @Test("a new file is pending until migrate applies it; a failing file is rolled back whole")
    func pendingThenApplied() async throws {
        try await withTestDatabase { db in
            let extra = Migration(
                name: "9999_test_extra.sql", sql: "CREATE TABLE test_extra (id int); INSERT INTO test_extra VALUES (1);"
            )
            let migrator = Migrator(database: db.ownerDatabase, migrations: try Migration.bundled() + [extra])
            #expect(try await migrator.pending() == [extra.name])
            #expect(try await migrator.migrate() == [extra.name])
            #expect(try await migrator.pending().isEmpty)

            let broken = Migration(
                name: "9999_test_zbroken.sql", sql: "CREATE TABLE half_done (id int); SELECT no_such_function();")
            let failing = Migrator(database: db.ownerDatabase, migrations: try Migration.bundled() + [extra, broken])
            await #expect(throws: MigrationError.self) { try await failing.migrate() }
            #expect(try await db.count("pg_tables", where: "tablename = 'half_done'") == 0)
            #expect(try await failing.pending() == [broken.name])
        }
    }

    @Test(
        "upgrading to clinic scope: admin tokens stay network-wide, other tokens are bound to the clinics that existed, and the event log learns its clinic"
    )
    func upgradeToClinicScopeGrantsNothingNew() async throws {
        try await withEmptySchema { db in
            let all = try Migration.bundled()
            let scopeIndex = try #require(all.firstIndex { $0.name == "0008_clinic_scope.sql" })
            _ = try await Migrator(database: db.ownerDatabase, migrations: Array(all[..<scopeIndex])).migrate()
            let (desert, mesa, patient, referral) = (UUID(), UUID(), UUID(), UUID())
            let (admin, scheduler) = (UUID(), UUID())
            _ = try await db.query(
                "INSERT INTO clinics (id, name, time_zone) VALUES (\(desert), 'Desert Spine Center', 'America/Phoenix'), (\(mesa), 'Mesa Spine', 'America/Denver')"
            )
            _ = try await db.query(
                """
                INSERT INTO api_tokens (id, name, role, token_hash) VALUES
                    (\(admin), 'ops', 'admin', decode(repeat('aa', 32), 'hex')),
                    (\(scheduler), 'front desk', 'scheduler', decode(repeat('bb', 32), 'hex'))
                """)
            _ = try await db.query(
                "INSERT INTO patients (id, clinic_id, mrn, given_name, family_name, birth_date, sex) VALUES (\(patient), \(mesa), 'MESA-1', 'Eleanor', 'Whitfield', '1958-03-14', 'female')"
            )
            _ = try await db.query(
                "INSERT INTO referrals (id, clinic_id, patient_id, referring_clinician_name, reason, status) VALUES (\(referral), \(mesa), \(patient), 'Dr. Samuel Ortiz', 'L1 wedge fracture, 30% height loss', 'received')"
            )
            _ = try await db.query(
                "INSERT INTO referral_events (referral_id, actor_name, actor_role, kind, to_status) VALUES (\(referral), 'ops', 'admin', 'created', 'received')"
            )

            #expect(
                try await Migrator(database: db.ownerDatabase, migrations: all).migrate().first == all[scopeIndex].name)
            #expect(try await db.count("api_tokens", where: "id = '\(admin)' AND all_clinics") == 1)
            #expect(try await db.count("api_token_clinics", where: "token_id = '\(admin)'") == 0)
            #expect(try await db.count("api_tokens", where: "id = '\(scheduler)' AND NOT all_clinics") == 1)
            #expect(try await db.count("api_token_clinics", where: "token_id = '\(scheduler)'") == 2)
            #expect(try await db.count("referral_events", where: "clinic_id = '\(mesa)'") == 1)
            // A clinic opened after the upgrade is not reached by the old scheduler token.
            _ = try await db.query(
                "INSERT INTO clinics (id, name, time_zone) VALUES (\(UUID()), 'Canyon Spine', 'America/Phoenix')")
            #expect(try await db.count("api_token_clinics", where: "token_id = '\(scheduler)'") == 2)
        }
    }

    @Test("the script splitter keeps semicolons inside quotes, comments and dollar-quoted bodies")
    func scriptSplitting() {
        let script = """
            -- a comment; with a semicolon
            CREATE TABLE a (t text DEFAULT 'x;y');
            CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'no; never'; END; $$;
            /* block; comment */ SELECT 1
            """
        let statements = SQLScriptProbe.split(script)
        #expect(statements.count == 3)
        #expect(statements[1].hasSuffix("END; $$"))
    }
}
