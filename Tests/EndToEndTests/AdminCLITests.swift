import ClinicDomain
import ClinicServices
import ClinicTestSupport
import Foundation
import Testing

/// The operator's commands of the built binary: `check`, `referrals list`, `template set`,
/// `block add` and shell completion, with their exit codes.
@Suite("clinic admin CLI")
struct AdminCLITests {
    // MARK: check

    @Test("check passes on a migrated database and names every check")
    func checkPasses() async throws {
        try await withTestDatabase { (db: TestDatabase) async throws -> Void in
            try await Fixtures(db).clinic()
            let result = try await runClinic(["check"], db)
            #expect(result.status == 0, "\(result.output)")
            for name in [
                "database_url", "http_port", "pool_max", "log_level", "database", "database_role", "migrations",
                "server_version",
                "btree_gist", "clock", "time_zones",
            ] {
                #expect(result.output.contains("ok    \(name) "), "\(name) in \(result.output)")
            }
            #expect(result.output.contains("America/Phoenix"))
        }
    }

    @Test("check exits 4 on an unmigrated database and on an edited migration, saying what to run")
    func checkSchemaNotCurrent() async throws {
        try await withTestDatabase { (db: TestDatabase) async throws -> Void in
            _ = try await db.query("UPDATE schema_migrations SET checksum = 'edited' WHERE name = '0001_schema.sql'")
            let edited = try await runClinic(["check"], db)
            #expect(edited.status == 4)
            #expect(
                edited.output.contains("FAIL  migrations")
                    && edited.output.contains("0001_schema.sql was applied and has since been edited"))
        }
        try await withTestDatabase { (db: TestDatabase) async throws -> Void in
            _ = try await db.query("DROP SCHEMA public CASCADE")
            _ = try await db.query("CREATE SCHEMA public")
            let result = try await runClinic(["check"], db)
            #expect(result.status == 4)
            #expect(result.output.contains("FAIL  migrations") && result.output.contains("run `clinic migrate`"))
            #expect(result.output.contains("ok    database "))
            #expect(
                try await db.count("pg_tables", where: "schemaname = 'public'") == 0, "check must not create anything")
        }
    }

    @Test("check exits 2 without DATABASE_URL and with a malformed setting, and still checks the rest")
    func checkConfiguration() async throws {
        let missing = try await runClinic(["check"], environment: ["DATABASE_URL": ""])
        #expect(missing.status == 2)
        #expect(missing.output.contains("FAIL  database_url") && missing.output.contains("DATABASE_URL is not set"))
        #expect(missing.output.contains("ok    log_level"))
        try await withTestDatabase { (db: TestDatabase) async throws -> Void in
            let badPool = try await runClinic(
                ["check"], environment: ["DATABASE_URL": db.url, "CLINIC_DB_POOL_MAX": "zero"])
            #expect(badPool.status == 2)
            #expect(badPool.output.contains("CLINIC_DB_POOL_MAX must be a whole number"))
            #expect(badPool.output.contains("ok    migrations"))
        }
    }

    @Test("check exits 3 when nothing listens on the database port")
    func checkUnreachable() async throws {
        let port = try freeLoopbackPort()
        let result = try await runClinic(
            ["check", "--database-url", "postgres://clinic@127.0.0.1:\(port)/clinic"], environment: [:])
        #expect(result.status == 3)
        #expect(result.output.contains("FAIL  database") && result.output.contains("127.0.0.1:\(port)"))
        #expect(result.output.contains("skip  database_role, migrations"))
    }

    @Test(
        "check says where the reports will read: a replica that is not a standby or cannot be reached is a warning, a malformed URL a failure"
    )
    func checkReportsReplica() async throws {
        try await withTestDatabase { (db: TestDatabase) async throws -> Void in
            let unset = try await runClinic(["check"], db)
            #expect(unset.output.contains("ok    reports_replica") && unset.output.contains("not set"))
            // The primary's own URL: answers, but reports would read the primary anyway.
            let primary = try await runClinic(
                ["check"], environment: ["DATABASE_URL": db.url, "CLINIC_REPORTS_DATABASE_URL": db.url])
            #expect(primary.status == 0)
            #expect(primary.output.contains("warn  reports_replica") && primary.output.contains("is not a standby"))
            let port = try freeLoopbackPort()
            let away = try await runClinic(
                ["check"],
                environment: [
                    "DATABASE_URL": db.url,
                    "CLINIC_REPORTS_DATABASE_URL": "postgres://clinic_app@127.0.0.1:\(port)/clinic",
                ])
            #expect(away.status == 0)
            #expect(
                away.output.contains("warn  reports_replica") && away.output.contains("cannot reach 127.0.0.1:\(port)"))
            let malformed = try await runClinic(
                ["check"], environment: ["DATABASE_URL": db.url, "CLINIC_REPORTS_DATABASE_URL": "postgres://replica"])
            #expect(malformed.status == 2)
            #expect(
                malformed.output.contains("FAIL  reports_replica")
                    && malformed.output.contains("CLINIC_REPORTS_DATABASE_URL"))
        }
    }

    @Test("check --json is one JSON object with ok and every check's name, status and detail")
    func checkJSON() async throws {
        try await withTestDatabase { (db: TestDatabase) async throws -> Void in
            let passing = try await runClinic(["check", "--json"], db)
            #expect(passing.status == 0)
            let object = try #require(
                try JSONSerialization.jsonObject(with: Data(passing.output.utf8)) as? [String: Any])
            #expect(object["ok"] as? Bool == true)
            let checks = try #require(object["checks"] as? [[String: String]])
            #expect(checks.count == 12)
            #expect(checks.allSatisfy { ["ok", "warn"].contains($0["status"]) && !($0["detail"] ?? "").isEmpty })
            #expect(checks.contains { $0["name"] == "migrations" && $0["status"] == "ok" })
        }
        let failing = try await runClinic(["check", "--json"], environment: ["DATABASE_URL": ""])
        #expect(failing.status == 2)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(failing.output.utf8)) as? [String: Any])
        #expect(object["ok"] as? Bool == false)
        #expect((object["checks"] as? [[String: String]])?.first?["status"] == "fail")
        #expect((object["skipped"] as? [String])?.contains("database") == true)
    }

    // MARK: referrals list

    /// A referral received `daysAgo` days ago (the service's clock and the actor's instant set back), with its onset `onsetDaysBefore` earlier.
    private func referral(_ db: TestDatabase, clinic: Clinic, mrn: String, daysAgo: Int, onsetDaysBefore: Int)
        async throws -> Referral
    {
        let received = Date().addingTimeInterval(-Double(daysAgo) * 86_400)
        var draft = Fixtures.l1WedgeDraft(clinicID: clinic.id, mrn: mrn)
        draft.symptomOnset = clinic.today(at: received).adding(days: -onsetDaysBefore).description
        return try await Fixtures(db).services(now: { received }).referrals
            .create(draft, idempotencyKey: nil, actor: Fixtures.operator_(at: received)).referral
    }

    @Test("referrals list --overdue lists a referral past its due date and not a fresh one")
    func overdueReferrals() async throws {
        try await withTestDatabase { (db: TestDatabase) async throws -> Void in
            let desert = try await Fixtures(db).clinic()
            let late = try await referral(db, clinic: desert, mrn: "MRN-LATE", daysAgo: 20, onsetDaysBefore: 10)
            let fresh = try await referral(db, clinic: desert, mrn: "MRN-FRESH", daysAgo: 0, onsetDaysBefore: 10)
            let result = try await runClinic(["referrals", "list", "--overdue", "--clinic", desert.id.description], db)
            #expect(result.status == 0, "\(result.output)")
            #expect(result.output.contains(late.id.description) && result.output.contains("MRN-LATE"))
            #expect(!result.output.contains(fresh.id.description))
            #expect(result.output.contains("RECEIVED") && result.output.contains("overdue"))
            #expect(result.output.hasSuffix("1 referral.\n"))

            let json = try await runClinic(["referrals", "list", "--json"], db)
            let rows = try #require(try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [[String: Any]])
            #expect(rows.count == 2)
            #expect(Set(rows.compactMap { $0["id"] as? String }) == [late.id.description, fresh.id.description])
            #expect(rows.first { $0["id"] as? String == late.id.description }?["overdue"] as? Bool == true)
            #expect(
                Set(rows[0].keys) == [
                    "id", "clinicId", "patientId", "mrn", "givenName", "familyName", "status", "urgency",
                    "evaluationDueOn", "windowClosesOn", "overdue", "receivedOn", "createdAt", "version",
                ])
            #expect(
                try await db.count(
                    "audit_log", where: "action = 'referral.list' AND actor_name = 'clinic referrals list'") == 2)
        }
    }

    @Test("referrals list --window-closing-within: 0 means closing today; a negative count is a usage error")
    func windowClosing() async throws {
        try await withTestDatabase { (db: TestDatabase) async throws -> Void in
            let desert = try await Fixtures(db).clinic()
            // The default candidacy window is 84 days from onset: this one closes today.
            let closing = try await referral(db, clinic: desert, mrn: "MRN-CLOSING", daysAgo: 0, onsetDaysBefore: 84)
            let open = try await referral(db, clinic: desert, mrn: "MRN-OPEN", daysAgo: 0, onsetDaysBefore: 10)
            let today = try await runClinic(["referrals", "list", "--window-closing-within", "0"], db)
            #expect(today.status == 0, "\(today.output)")
            #expect(today.output.contains(closing.id.description) && !today.output.contains(open.id.description))
            let negative = try await runClinic(["referrals", "list", "--window-closing-within", "-1"], db)
            #expect(negative.status == 64)
            #expect(negative.output.contains("--window-closing-within"))
            let tooFar = try await runClinic(["referrals", "list", "--window-closing-within", "366"], db)
            #expect(tooFar.status == 1)
            #expect(tooFar.output.contains("error: /windowClosingWithinDays: must be from 0 to 365"))
            let badStatus = try await runClinic(["referrals", "list", "--status", "waiting"], db)
            #expect(
                badStatus.status == 1 && badStatus.output.contains("error: --status must be one of received, triaged"))
            #expect(try await runClinic(["referrals", "list", "--limit", "0"], db).status == 64)
        }
    }

    @Test("referrals list pages through with the cursor up to --limit")
    func paging() async throws {
        try await withTestDatabase { (db: TestDatabase) async throws -> Void in
            let desert = try await Fixtures(db).clinic()
            for index in 0..<3 {
                _ = try await referral(db, clinic: desert, mrn: "MRN-\(index)", daysAgo: 0, onsetDaysBefore: 10)
            }
            let two = try await runClinic(["referrals", "list", "--limit", "2"], db)
            #expect(two.status == 0)
            #expect(two.output.hasSuffix("2 referrals (more match: raise --limit).\n"))
            #expect(try await runClinic(["referrals", "list"], db).output.hasSuffix("3 referrals.\n"))
        }
    }

    // MARK: template set, block add

    @Test("template set and block add work end to end; a malformed window exits 1 and changes nothing")
    func templateAndBlock() async throws {
        try await withTestDatabase { (db: TestDatabase) async throws -> Void in
            let (_, resources) = try await Fixtures(db).schedulableClinic()
            let room = try #require(resources[.procedureRoom]).description
            let set = try await runClinic(
                ["template", "set", room, "--window", "1-3=08:00-12:00", "--window", "5=13:00-15:00"], db)
            #expect(set.status == 0, "\(set.output)")
            #expect(set.output.contains("Procedure Suite 1: 4 weekly window(s)."))
            #expect(try await db.count("availability_templates", where: "resource_id = '\(room)'") == 4)

            let bad = try await runClinic(["template", "set", room, "--window", "weekdays=08:00-12:00"], db)
            #expect(bad.status == 1)
            #expect(bad.output.contains("error: weekdays=08:00-12:00 is not DAYS=HH:MM-HH:MM"))
            let backwards = try await runClinic(["template", "set", room, "--window", "1=12:00-08:00"], db)
            #expect(backwards.status == 1 && backwards.output.contains("must be after the start"))
            #expect(try await db.count("availability_templates", where: "resource_id = '\(room)'") == 4)

            let block = try await runClinic(
                [
                    "block", "add", room, "--starts", "2026-12-24T00:00:00-07:00", "--ends",
                    "2026-12-26T00:00:00-07:00",
                    "--kind", "holiday", "--reason", "Christmas",
                ], db)
            #expect(block.status == 0, "\(block.output)")
            #expect(
                try await db.count("resource_blocks", where: "resource_id = '\(room)' AND reason = 'Christmas'") == 1)
            #expect(
                try await runClinic(
                    [
                        "block", "add", room, "--starts", "2026-12-24", "--ends", "2026-12-26T00:00:00-07:00",
                        "--kind", "holiday", "--reason", "X",
                    ], db
                ).status == 1)
            #expect(
                try await runClinic(
                    [
                        "block", "add", room, "--starts", "2026-12-24T00:00:00-07:00", "--ends",
                        "2026-12-26T00:00:00-07:00",
                        "--kind", "vacation", "--reason", "X",
                    ], db
                ).status == 64)
            #expect(
                try await db.count(
                    "audit_log",
                    where: "outcome = 'success' AND actor_name IN ('clinic template set', 'clinic block add')") == 2)

            // The older spelling is the same implementation.
            #expect(try await runClinic(["resource", "template", room, "--window", "1-5=07:00-17:00"], db).status == 0)
            #expect(try await db.count("availability_templates", where: "resource_id = '\(room)'") == 5)
            let listed = try await runClinic(
                ["resource", "list", "--clinic", try #require(Self.clinicID(of: room, db)), "--json"], db)
            let rows = try #require(
                try JSONSerialization.jsonObject(with: Data(listed.output.utf8)) as? [[String: Any]])
            #expect((rows.first { $0["id"] as? String == room }?["windows"] as? [[String: Any]])?.count == 5)
        }
    }

    @Test(
        "block add refuses instants past year 9999 and bare dates with exit 1, and stores nothing (year 300000 once stopped the command)",
        arguments: [
            ("300000-01-01T00:00:00Z", "300000-01-02T00:00:00Z"),
            ("+10000-01-01T00:00:00Z", "2026-12-26T00:00:00-07:00"),
            ("-9999-01-01T00:00:00Z", "2026-12-26T00:00:00-07:00"), ("0000-06-01T00:00:00Z", "0000-06-02T00:00:00Z"),
        ])
    func blockOutOfRange(starts: String, ends: String) async throws {
        try await withTestDatabase { (db: TestDatabase) async throws -> Void in
            let room = try #require(try await Fixtures(db).schedulableClinic().resources[.procedureRoom]).description
            let result = try await runClinic(
                ["block", "add", room, "--starts=\(starts)", "--ends=\(ends)", "--kind", "other", "--reason", "x"], db)
            #expect(result.status == 1, "\(result.output)")
            #expect(result.output.contains("error: "))
            #expect(try await db.count("resource_blocks") == 0)
        }
    }

    private static func clinicID(of resource: String, _ db: TestDatabase) async throws -> String? {
        try await db.query("SELECT clinic_id::text FROM resources WHERE id = \(UUID(uuidString: resource)!)").first?
            .decode(String.self)
    }

    // MARK: completion

    @Test("shell completion scripts are generated for bash, zsh and fish and know the commands")
    func completion() async throws {
        for shell in ["bash", "zsh", "fish"] {
            let result = try await runClinic(["--generate-completion-script", shell], environment: [:])
            #expect(result.status == 0)
            for command in ["report", "referrals", "check", "template", "block"] {
                #expect(result.output.contains(command), "\(shell) completion lacks \(command)")
            }
        }
        let bash = try await runClinic(["--generate-completion-script", "bash"], environment: [:])
        #expect(bash.output.contains("_clinic_report()"), "the bash completion has no function for `clinic report`")
        #expect(bash.output.contains("_clinic_referrals_list()"))
    }
}
