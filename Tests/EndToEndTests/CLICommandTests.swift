import ClinicDomain
import ClinicServices
import ClinicTestSupport
import Foundation
import Testing

/// The admin commands of the built binary against a real database, with their exit codes.
@Suite("clinic CLI commands")
struct CLICommandTests {
    @Test("a clinic's triage targets are set from the CLI and used for the next referral")
    func triageTargets() async throws {
        try await withTestDatabase { (db: TestDatabase) async throws -> Void in
            let desert = try await Fixtures(db).clinic()
            let set = try await runClinic(["clinic", "targets", desert.id.description, "--routine-days", "7"], db)
            #expect(set.status == 0)
            #expect(set.output.contains("routine 7 days"))
            let shown = try await runClinic(["clinic", "show", desert.id.description], db)
            #expect(shown.status == 0 && shown.output.contains("routine due in:     7 days"))
            let json = try await runClinic(["clinic", "show", desert.id.description, "--json"], db)
            let object = try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [String: Any]
            #expect(object?["routineDueDays"] as? Int == 7 && object?["timeZone"] as? String == "America/Phoenix")
            let referral = try await Fixtures(db).services().referrals.create(
                Fixtures.l1WedgeDraft(clinicID: desert.id),
                idempotencyKey: nil, actor: Fixtures.operator_
            ).referral
            #expect(referral.evaluationDueOn == desert.today(at: Date()).adding(days: 7))
        }
    }

    @Test("targets out of range are refused with exit code 1 and change nothing")
    func badTargets() async throws {
        try await withTestDatabase { (db: TestDatabase) async throws -> Void in
            let desert = try await Fixtures(db).clinic()
            let result = try await runClinic(
                ["clinic", "targets", desert.id.description, "--urgent-days", "30", "--routine-days", "14"], db)
            #expect(result.status == 1)
            #expect(result.output.contains("/urgentDueDays"))
            #expect(try await db.count("clinics", where: "urgent_due_days = 3") == 1)
            let unknown = try await runClinic(["clinic", "show", UUID().uuidString], db)
            #expect(unknown.status == 1)
        }
    }

    @Test("tokens are listed without secrets, and a revoked one shows as revoked")
    func tokenListAndRevoke() async throws {
        try await withTestDatabase { (db: TestDatabase) async throws -> Void in
            let created = try await runClinic(
                ["token", "create", "--role", "reporter", "--all-clinics", "--name", "nightly report", "--json"], db)
            #expect(created.status == 0)
            let json = try #require(
                try JSONSerialization.jsonObject(with: Data(created.output.utf8)) as? [String: String])
            let id = try #require(json["id"])
            let secret = try #require(json["token"])
            let listed = try await runClinic(["token", "list"], db)
            #expect(
                listed.output.contains("nightly report") && listed.output.contains("active")
                    && !listed.output.contains(secret))
            #expect(try await runClinic(["token", "revoke", id], db).status == 0)
            #expect(try await runClinic(["token", "list"], db).output.contains("revoked"))
            #expect(try await runClinic(["token", "revoke", UUID().uuidString], db).status == 1)
        }
    }

    @Test("a token bound to Desert Spine shows its clinic in create and list; one of the whole network says so")
    func scopedTokens() async throws {
        try await withTestDatabase { (db: TestDatabase) async throws -> Void in
            let desert = try await Fixtures(db).clinic()
            let mesa = try await Fixtures(db).clinic(name: "Mesa Spine", timeZone: "America/Denver")
            let front = try await runClinic(
                [
                    "token", "create", "--role", "scheduler", "--name", "desert front desk", "--clinic",
                    desert.id.description,
                ],
                db)
            #expect(front.status == 0 && front.output.contains("reaching clinic \(desert.id)"))
            let both = try await runClinic(
                [
                    "token", "create", "--role", "clinician", "--name", "Dr. Chen", "--clinic", desert.id.description,
                    "--clinic", mesa.id.description, "--json",
                ], db)
            let json = try #require(try JSONSerialization.jsonObject(with: Data(both.output.utf8)) as? [String: String])
            #expect(
                Set(json["scope"]?.split(separator: ",").map(String.init) ?? []) == [
                    desert.id.description, mesa.id.description,
                ])
            let listed = try await runClinic(["token", "list", "--json"], db)
            let rows = try #require(
                try JSONSerialization.jsonObject(with: Data(listed.output.utf8)) as? [[String: String]])
            #expect(rows.first { $0["name"] == "desert front desk" }?["scope"] == desert.id.description)
            let text = try await runClinic(["token", "list"], db)
            #expect(text.output.contains(desert.id.description))
            let network = try await runClinic(
                ["token", "create", "--role", "reporter", "--name", "network", "--all-clinics"], db)
            #expect(network.status == 0 && network.output.contains("the whole network"))
            #expect(try await db.count("api_token_clinics") == 3)
            #expect(try await db.count("api_tokens", where: "all_clinics") == 1)
        }
    }

    @Test(
        "a token must name its clinics or the network: no scope, both, a malformed id or an unknown clinic exit non-zero and create nothing",
        arguments: [
            (["--role", "scheduler", "--name", "front desk"], "say which clinics the token reaches"),
            (
                ["--role", "scheduler", "--name", "front desk", "--all-clinics", "--clinic", "CLINIC"],
                "give either --clinic or --all-clinics, not both"
            ),
            (["--role", "scheduler", "--name", "front desk", "--clinic", "desert"], "must be a clinic's UUID"),
            (["--role", "scheduler", "--name", "front desk", "--clinic", UUID().uuidString], "no clinic has this id"),
        ])
    func unscopedTokensRefused(arguments: [String], reason: String) async throws {
        try await withTestDatabase { (db: TestDatabase) async throws -> Void in
            let desert = try await Fixtures(db).clinic()
            let result = try await runClinic(
                ["token", "create"] + arguments.map { $0 == "CLINIC" ? desert.id.description : $0 }, db)
            #expect(result.status != 0, "\(arguments): \(result.output)")
            #expect(result.output.contains("clinic"), "\(result.output)")
            #expect(result.output.contains(reason), "\(arguments): \(result.output)")
            #expect(try await db.count("api_tokens") == 0)
        }
    }

    @Test("clinic audit shows who touched an entity")
    func auditCommand() async throws {
        try await withTestDatabase { (db: TestDatabase) async throws -> Void in
            let desert = try await Fixtures(db).clinic()
            let result = try await runClinic(["audit", "--entity", desert.id.description], db)
            #expect(result.status == 0)
            #expect(result.output.contains("clinic.create") && result.output.contains("test-fixtures"))
        }
    }

    @Test(
        "a clinic is set up from the CLI: create, resources with weekly windows, a block; bad input exits 1 and says what to fix"
    )
    func clinicSetupFromCLI() async throws {
        try await withTestDatabase { (db: TestDatabase) async throws -> Void in
            let created = try await runClinic(
                [
                    "clinic", "create", "--name", "Front Range Spine", "--time-zone", "America/Denver", "--hours",
                    "1-5=07:00-17:00",
                ], db)
            #expect(created.status == 0)
            let id = try #require(Self.firstUUID(created.output))
            let room = try await runClinic(
                [
                    "resource", "add", "--clinic", id, "--kind", "procedure_room", "--name", "Suite 1", "--window",
                    "1-5=07:00-17:00",
                ], db)
            #expect(room.status == 0 && room.output.contains("5 weekly window(s)"))
            let resourceID = try #require(Self.firstUUID(room.output))
            #expect(
                try await runClinic(
                    [
                        "resource", "block", resourceID, "--starts", "2026-12-24T00:00:00-07:00", "--ends",
                        "2026-12-26T00:00:00-07:00",
                        "--kind", "holiday", "--reason", "Christmas",
                    ], db
                ).status == 0)
            let listed = try await runClinic(["resource", "list", "--clinic", id], db)
            #expect(listed.output.contains("Suite 1") && listed.output.contains("1=07:00-17:00"))
            #expect(
                try await runClinic(["resource", "template", resourceID, "--window", "1-5=17:00-07:00"], db).status == 1
            )
            let badZone = try await runClinic(["clinic", "create", "--name", "X", "--time-zone", "MST"], db)
            #expect(badZone.status == 1 && badZone.output.contains("/timeZone"))
            #expect(try await db.count("availability_templates") == 5)
            #expect(try await db.count("resource_blocks") == 1)
            let settings = try await runClinic(
                ["clinic", "settings", id, "--minutes-per-level", "45", "--recovery-minutes", "120"], db)
            #expect(settings.status == 0 && settings.output.contains("45 min per level"))
            #expect(try await runClinic(["clinic", "settings", id, "--turnover-minutes", "999"], db).status == 1)
        }
    }

    static func firstUUID(_ text: String) -> String? {
        text.split(whereSeparator: { "() ,".contains($0) }).map(String.init).first { UUID(uuidString: $0) != nil }
    }

    @Test("clinic roles prints the matrix the server enforces")
    func roles() async throws {
        let result = try await runClinic(["roles", "--markdown"], environment: [:])
        #expect(result.status == 0)
        #expect(result.output.trimmingCharacters(in: .whitespacesAndNewlines) == PermissionMatrix.table(markdown: true))
        let text = try await runClinic(["roles"], environment: [:])
        #expect(text.status == 0 && text.output.contains("Clinic scope") && text.output.contains("--all-clinics"))
    }
}
