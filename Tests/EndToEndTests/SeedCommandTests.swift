import ClinicDomain
import ClinicServices
import ClinicTestSupport
import Foundation
import Testing

/// `clinic seed --synthetic` and `--demo` from the built binary against a real database.
@Suite("clinic seed")
struct SeedCommandTests {
    @Test(
        "seed --synthetic replays weeks of history: every referral, events over many days, procedures done, bookings ahead, no double booking"
    )
    func synthetic() async throws {
        try await withTestDatabase { (db: TestDatabase) async throws -> Void in
            let run = try await runClinic(
                ["seed", "--synthetic", "--referrals", "60", "--seed", "7"], db, timeout: .seconds(240))
            #expect(run.status == 0, "\(run.output)")
            #expect(run.output.contains("60 referrals created"))
            #expect(run.output.contains("seed: 60/60 referrals (100%)"))  // Not a terminal: a line per 10%.
            #expect(try await db.count("referrals") == 60)
            #expect(try await db.count("clinics", where: "time_zone = 'America/Denver'") == 1)
            let days =
                try await db.query(
                    """
                    SELECT count(DISTINCT (occurred_at AT TIME ZONE 'America/Denver')::date)::int FROM referral_events
                    """
                ).first?.decode(Int.self) ?? 0
            #expect(days > 20)
            #expect(
                try await db.count(
                    "referral_events", where: "from_status = 'procedure_scheduled' AND to_status = 'procedure_done'")
                    > 0)
            #expect(try await db.count("evaluations") > 0)
            // History ends yesterday in the clinic's zone, with bookings from today on.
            #expect(
                try await db.count(
                    "referral_events",
                    where:
                        "(occurred_at AT TIME ZONE 'America/Denver')::date >= (now() AT TIME ZONE 'America/Denver')::date"
                ) == 0)
            #expect(
                try await db.count("appointments", where: "state IN ('booked', 'confirmed') AND lower(during) > now()")
                    > 0)
            // Visits within clinic hours on the clinic's wall clock, across DST changes.
            #expect(
                try await db.count(
                    "appointments",
                    where: """
                        (lower(during) AT TIME ZONE 'America/Denver')::time < '07:00' OR (upper(during) AT TIME ZONE 'America/Denver')::time > '17:00'
                        """) == 0)
            #expect(
                try await db.count(
                    "appointment_resources a JOIN appointment_resources b ON a.resource_id = b.resource_id",
                    where: """
                        a.appointment_id < b.appointment_id AND a.active AND b.active AND a.during && b.during
                        """) == 0)
            // The event log tells each referral's status as the row does.
            #expect(
                try await db.count(
                    "referrals r",
                    where: """
                        r.status <> (SELECT e.to_status FROM referral_events e WHERE e.referral_id = r.id ORDER BY e.occurred_at DESC, e.id DESC LIMIT 1)
                        """) == 0)
        }
    }

    @Test("the same seed twice is refused with exit code 1 and changes nothing; another seed adds its own history")
    func sameSeedTwice() async throws {
        try await withTestDatabase { (db: TestDatabase) async throws -> Void in
            #expect(
                try await runClinic(["seed", "--synthetic", "--referrals", "5", "--seed", "11", "--days", "7"], db)
                    .status == 0)
            let again = try await runClinic(
                ["seed", "--synthetic", "--referrals", "5", "--seed", "11", "--days", "7"], db)
            #expect(again.status == 1)
            #expect(again.output.contains("seed 11 is already loaded"))
            #expect(try await db.count("referrals") == 5)
            #expect(
                try await runClinic(["seed", "--synthetic", "--referrals", "5", "--seed", "12", "--days", "7"], db)
                    .status == 0)
            #expect(try await db.count("referrals") == 10)
            #expect(try await db.count("clinics") == 1)
        }
    }

    @Test(
        "usage errors exit 64 with a message, before touching the database",
        arguments: [
            (["seed", "--synthetic"], "--referrals"),
            (["seed", "--synthetic", "--referrals", "0"], "from 1 to 1000000"),
            (["seed", "--synthetic", "--referrals", "1000001"], "from 1 to 1000000"),
            (["seed", "--synthetic", "--referrals", "5", "--days", "3"], "--days"),
            (["seed", "--synthetic", "--referrals", "5", "--clinic", "nope"], "--clinic"),
            (["seed", "--demo", "--synthetic", "--referrals", "5"], "choose one"),
            (["seed", "--demo", "--referrals", "5"], "--synthetic"),
            (["seed"], "--demo"),
        ])
    func usage(arguments: [String], message: String) async throws {
        let result = try await runClinic(
            arguments,
            environment: ["DATABASE_URL": "postgres://nobody@127.0.0.1:1/none"])
        #expect(result.status == 64)
        #expect(result.output.contains(message), "\(result.output)")
    }

    @Test("an unknown clinic exits 1 and says so")
    func unknownClinic() async throws {
        try await withTestDatabase { (db: TestDatabase) async throws -> Void in
            let result = try await runClinic(
                ["seed", "--synthetic", "--referrals", "5", "--clinic", UUID().uuidString], db)
            #expect(result.status == 1)
            #expect(result.output.contains("no such clinic"))
        }
    }

    @Test("seed --demo twice: the history once, the named referrals once, the nightly report's sections filled")
    func demoTwice() async throws {
        try await withTestDatabase { (db: TestDatabase) async throws -> Void in
            // Six weeks of history through the services: half a minute alone, more beside the whole suite.
            let first = try await runClinic(["seed", "--demo"], db, timeout: .seconds(240))
            #expect(first.status == 0, "\(first.output)")
            #expect(first.output.contains("5 new referrals; history: 150 referrals"))
            let referrals = try await db.count("referrals")
            #expect(referrals == 155)
            let second = try await runClinic(["seed", "--demo"], db, timeout: .seconds(240))
            #expect(second.status == 0, "\(second.output)")
            #expect(second.output.contains("0 new referrals; history already loaded, skipped."))
            #expect(try await db.count("referrals") == referrals)
            let zone = "America/Phoenix"
            let yesterday = "((now() AT TIME ZONE '\(zone)')::date - 1)"
            // The named five are recent: two of them arrived yesterday, Kowalczyk's window closes within 14 days.
            #expect(
                try await db.count("referrals", where: "(created_at AT TIME ZONE '\(zone)')::date = \(yesterday)") >= 2)
            #expect(
                try await db.count(
                    "referrals r JOIN patients p ON p.id = r.patient_id",
                    where: """
                        p.family_name = 'Kowalczyk' AND r.window_closes_on BETWEEN \(yesterday) AND \(yesterday) + 14
                        """) == 1)
            #expect(
                try await db.count(
                    "referral_events", where: "(occurred_at AT TIME ZONE '\(zone)')::date < \(yesterday) - 30") > 0)
            // Yesterday's report shows a missed visit, on a day the clinic was open.
            if Self.wasWeekday(daysAgo: 1, zone: zone) {
                #expect(
                    try await db.count(
                        "appointments",
                        where:
                            "state IN ('cancelled', 'no_show') AND (lower(during) AT TIME ZONE '\(zone)')::date = \(yesterday)"
                    ) >= 1)
            }
            #expect(try await db.count("referrals", where: "status = 'candidate'") > 0)
            // The five named patients, once each, beside the generated history; every resource bookable.
            let named = "patient_id IN (SELECT id FROM patients WHERE mrn NOT LIKE 'DSC-H%')"
            #expect(try await db.count("referrals", where: named) == 5)
            #expect(try await db.count("referrals", where: "\(named) AND status = 'surgical_review'") == 1)
            #expect(try await db.count("availability_templates") == 6 * 5)

            // And the report a manager reads the next morning has something in every list.
            let run = try await runClinic(["report", "nightly", "--format", "json"], db)
            #expect(run.status == 0)
            let report = try NightlyReport.decoder().decode(NightlyReport.self, from: Data(run.output.utf8))
            #expect(report.newReferrals.total >= 2)
            #expect(report.funnel.rolling30Days.stages.first?.count ?? 0 > 0)
            #expect(report.timings.referralToEvaluation.count > 0)
            #expect(report.overdue.contains { $0.patientName == "Benally, Harold" })
            #expect(report.windowClosing.contains { $0.patientName == "Kowalczyk, Walter" })
            #expect(report.utilisation.count == 6)
            #expect(report.waitlist.length > 0 && report.waitlist.oldest != nil)
        }
    }

    private static func wasWeekday(daysAgo: Int, zone: String) -> Bool {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: zone) ?? calendar.timeZone
        guard let day = calendar.date(byAdding: .day, value: -daysAgo, to: Date()) else { return false }
        return !calendar.isDateInWeekend(day)
    }
}
