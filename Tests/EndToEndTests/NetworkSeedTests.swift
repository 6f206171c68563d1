import ClinicDomain
import ClinicServices
import ClinicTestSupport
import Foundation
import Testing

/// `clinic seed --network` from the built binary: a small network written in bulk, checked as
/// the services and the reports would read it.
@Suite("clinic seed --network")
struct NetworkSeedTests {
    /// Three clinics, 900 referrals, about 270 visits over a year: the benchmark's network in small.
    private func seed(_ db: TestDatabase, seed: Int = 5) async throws -> (status: Int32, output: String) {
        try await runClinic(
            [
                "seed", "--network", "--clinics", "3", "--referrals", "900", "--appointments", "270", "--days", "365",
                "--seed", "\(seed)", "--database-url", db.ownerURL,
            ], db, timeout: .seconds(120))
    }

    @Test("every referral's events are legal moves of the state machine, in order, ending at its status")
    func eventsFollowTheStateMachine() async throws {
        try await withTestDatabase { (db: TestDatabase) async throws -> Void in
            let run = try await seed(db)
            #expect(run.status == 0, "\(run.output)")
            #expect(run.output.contains("3 clinics, 900 referrals"), "\(run.output)")
            #expect(try await db.count("clinics") == 3)
            #expect(try await db.count("resources") == 30)
            let events = try await db.query(
                "SELECT referral_id, kind, from_status, to_status FROM referral_events ORDER BY occurred_at, id"
            ).map { try $0.decode((UUID, String, String?, String).self) }
            var last: [UUID: ReferralStatus] = [:]
            for (referral, code, from, to) in events {
                let kind = try #require(ReferralEventKind(code: code), "unknown event kind \(code)")
                let target = try #require(ReferralStatus(code: to))
                let origin = from.flatMap(ReferralStatus.init(code:))
                #expect(
                    origin == last[referral], "\(code) from \(from ?? "nil") after \(last[referral]?.code ?? "nil")")
                switch (kind, origin) {
                case (.created, nil): #expect(target == .received)
                case (.moved(let transition), let origin?):
                    #expect((try? transition.apply(to: origin)) == target, "\(code): \(origin.code) -> \(to)")
                default: Issue.record("\(code) from \(from ?? "nil") is not a move of the state machine")
                }
                last[referral] = target
            }
            let statuses = try await db.query("SELECT id, status FROM referrals").map {
                try $0.decode((UUID, String).self)
            }
            #expect(statuses.count == 900)
            for (referral, status) in statuses { #expect(last[referral]?.code == status, "\(referral)") }
            // Every path is taken: closed after treatment, not a candidate, surgical review, cancelled.
            for (from, to) in [
                ("follow_up_scheduled", "closed"), ("not_candidate", "closed"), ("surgical_review", "closed"),
                ("triaged", "cancelled"),
            ] {
                #expect(
                    try await db.count("referral_events", where: "from_status = '\(from)' AND to_status = '\(to)'") > 0,
                    "\(from) -> \(to)")
            }
        }
    }

    @Test(
        "visits claim distinct free times inside opening hours, about as many as asked, with a referral status to match"
    )
    func visitsAreConsistent() async throws {
        try await withTestDatabase { (db: TestDatabase) async throws -> Void in
            #expect(try await seed(db).status == 0)
            let visits = try await db.count("appointments")
            #expect((200...340).contains(visits), "\(visits) visits for about 270")
            // The exclusion constraint held as the rows arrived; asked again, across all claims.
            #expect(
                try await db.count(
                    "appointment_resources a",
                    where: """
                        EXISTS (SELECT 1 FROM appointment_resources b WHERE b.resource_id = a.resource_id
                                AND b.appointment_id <> a.appointment_id AND b.during && a.during AND a.active AND b.active)
                        """) == 0)
            #expect(
                try await db.count(
                    "appointments a JOIN clinics c ON c.id = a.clinic_id",
                    where: """
                        (lower(a.during) AT TIME ZONE c.time_zone)::time < '07:00'
                        OR (upper(a.during) AT TIME ZONE c.time_zone)::time > '17:00'
                        OR extract(isodow FROM lower(a.during) AT TIME ZONE c.time_zone) > 5
                        """) == 0)
            // A past visit is completed, a future one booked, and the referral waits for the booked one.
            #expect(try await db.count("appointments", where: "state = 'completed' AND upper(during) > now()") == 0)
            #expect(try await db.count("appointments", where: "state = 'booked' AND upper(during) <= now()") == 0)
            #expect(
                try await db.count(
                    "appointments a JOIN referrals r ON r.id = a.referral_id",
                    where: """
                        a.state = 'booked' AND r.status <> CASE a.kind WHEN 'evaluation' THEN 'evaluation_scheduled'
                            WHEN 'procedure' THEN 'procedure_scheduled' ELSE 'follow_up_scheduled' END
                        """) == 0)
            // Every evaluated referral has its evaluation, by the rule set, agreeing with its move.
            #expect(
                try await db.count(
                    "referral_events e",
                    where: """
                        e.to_status IN ('candidate', 'not_candidate') AND NOT EXISTS (
                            SELECT 1 FROM evaluations v WHERE v.referral_id = e.referral_id AND v.decision = e.to_status)
                        """) == 0)
            #expect(
                try await db.count("evaluations", where: "decision = 'candidate' AND recommendation <> 'candidate'")
                    == 0)
        }
    }

    @Test("the services read what was written: lists, evaluations and the network's nightly report")
    func servicesReadTheRows() async throws {
        try await withTestDatabase { (db: TestDatabase) async throws -> Void in
            #expect(try await seed(db).status == 0)
            let services = try APIServices.postgres(db.database)
            let actor = Actor(principal: .commandLine("network seed test"), requestID: nil, at: Date())
            let page = try await services.referrals.list(.init(limit: 50), actor: actor)
            #expect(page.items.count == 50)
            let evaluated = try #require(
                try await db.query("SELECT referral_id FROM evaluations WHERE decision = 'candidate' LIMIT 1").first?
                    .decode(UUID.self))
            let evaluations = try await services.evaluations.list(referralID: ReferralID(evaluated), actor: actor)
            #expect(evaluations.first?.outcome == .candidate)
            #expect(evaluations.first?.assessment.recommendation == .candidate)
            let report = try await runClinic(["report", "nightly", "--network", "--format", "json"], db)
            #expect(report.status == 0, "\(report.output)")
        }
    }

    @Test("as the application role it is refused before anything is written, and a seed loaded twice is refused")
    func refusals() async throws {
        try await withTestDatabase { (db: TestDatabase) async throws -> Void in
            let asApp = try await runClinic(["seed", "--network", "--clinics", "1", "--referrals", "10"], db)
            #expect(asApp.status == 2, "\(asApp.output)")
            #expect(asApp.output.contains("schema owner"), "\(asApp.output)")
            #expect(try await db.count("clinics") == 0)
            #expect(try await seed(db, seed: 9).status == 0)
            let again = try await seed(db, seed: 9)
            #expect(again.status == 1, "\(again.output)")
            #expect(again.output.contains("already loaded"), "\(again.output)")
            #expect(try await db.count("referrals") == 900)
        }
    }

    @Test(
        "usage errors exit 64 before touching the database",
        arguments: [
            (["seed", "--network", "--synthetic"], "choose one"),
            (["seed", "--network", "--referrals", "0"], "--referrals"),
            (["seed", "--network", "--clinics", "0"], "--clinics"),
            (["seed", "--network", "--referrals", "10", "--appointments", "20"], "--appointments"),
            (["seed", "--network", "--clinic", "x"], "--clinic"),
            (["seed", "--synthetic", "--referrals", "5", "--clinics", "2"], "--network"),
        ])
    func usage(arguments: [String], message: String) async throws {
        let result = try await runClinic(arguments, environment: ["DATABASE_URL": "postgres://nobody@127.0.0.1:1/none"])
        #expect(result.status == 64)
        #expect(result.output.contains(message), "\(result.output)")
    }
}
