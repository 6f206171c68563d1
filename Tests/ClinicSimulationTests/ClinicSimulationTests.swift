import ClinicApp
import ClinicDomain
import ClinicServices
import ClinicSimulation
import ClinicTestSupport
import Foundation
import Testing

/// The simulation driven directly, as `clinic seed` drives it: weeks of a clinic's life through
/// the services on a simulated clock, checked against the state machine and the schedule.
@Suite("Clinic simulation")
struct ClinicSimulationTests {
    private func replay(_ db: TestDatabase, referrals: Int = 40, seed: UInt64 = 3, days: Int = 28) async throws
        -> SyntheticHistory.Outcome
    {
        let clock = SimulatedClock(Date())
        let services = try APIServices.postgres(db.database, now: { clock.now })
        return try await SyntheticHistory(services: services, clock: clock)
            .load(referrals: referrals, seed: seed, days: days, clinicID: nil, progress: { _ in })
    }

    @Test(
        "four weeks at the Denver clinic: every referral made, procedures done, and every event a legal move of the state machine or one that moves nothing"
    )
    func eventsFollowTheStateMachine() async throws {
        try await withTestDatabase { db in
            let outcome = try await replay(db)
            #expect(outcome.summary.referralsCreated == 40)
            #expect(outcome.summary.proceduresDone > 0)
            #expect(outcome.clinic.timeZone.identifier == "America/Denver")
            let events = try await db.query(
                "SELECT referral_id, kind, from_status, to_status FROM referral_events ORDER BY id"
            )
            .map { try $0.decode((UUID, String, String?, String).self) }
            #expect(events.count > 200)
            // Each event starts where the referral's previous one ended, and the last one is where the
            // referral stands: a wrong from_status would otherwise pass the check of each event alone.
            var last: [UUID: String] = [:]
            for (referral, code, from, to) in events {
                if let previous = last[referral] {
                    #expect(from == previous, "\(code) from \(from ?? "nil") after \(previous)")
                }
                last[referral] = to
            }
            let statuses = try await db.query("SELECT id, status FROM referrals").map {
                try $0.decode((UUID, String).self)
            }
            #expect(statuses.count == 40)
            for (referral, status) in statuses { #expect(last[referral] == status, "\(referral): \(status)") }
            for (_, code, from, to) in events {
                let kind = try #require(ReferralEventKind(code: code), "unknown event kind \(code)")
                let target = try #require(ReferralStatus(code: to))
                switch (kind, from.flatMap(ReferralStatus.init(code:))) {
                case (.created, nil):
                    #expect(target == .received)
                case (.moved(let transition), let origin?):
                    #expect((try? transition.apply(to: origin)) == target, "\(code): \(origin.code) -> \(to)")
                case (_, let origin?):
                    #expect(origin == target, "\(code) moved \(origin.code) -> \(to) without a transition")
                default:
                    Issue.record("\(code) without a status to start from")
                }
            }
        }
    }

    @Test(
        "no room or clinician holds two live claims at once, and every live booking's referral is in the state its booking made"
    )
    func scheduleIsConsistent() async throws {
        try await withTestDatabase { db in
            _ = try await replay(db)
            // The two checks below count violations; they mean something only with live bookings.
            #expect(try await db.count("appointments", where: "state IN ('booked', 'confirmed')") > 0)
            #expect(try await db.count("appointment_resources", where: "active") > 0)
            #expect(
                try await db.count(
                    "appointment_resources a JOIN appointment_resources b ON a.resource_id = b.resource_id",
                    where: """
                        a.appointment_id < b.appointment_id AND a.active AND b.active
                        AND NOT a.overbooked AND NOT b.overbooked AND a.during && b.during
                        """) == 0)
            #expect(
                try await db.count(
                    "appointments a JOIN referrals r ON r.id = a.referral_id",
                    where: """
                        a.state IN ('booked', 'confirmed') AND r.status <> CASE a.kind WHEN 'evaluation' THEN 'evaluation_scheduled'
                            WHEN 'procedure' THEN 'procedure_scheduled' ELSE 'follow_up_scheduled' END
                        """) == 0)
        }
    }

    @Test("the same seed gives the same history; loading it twice at one clinic is refused and adds nothing")
    func seedsAreRepeatable() async throws {
        let first = try await withTestDatabase { db in try await replay(db, referrals: 15, seed: 9, days: 14).summary }
        try await withTestDatabase { db in
            let again = try await replay(db, referrals: 15, seed: 9, days: 14).summary
            #expect(again.referralsCreated == first.referralsCreated)
            #expect(again.evaluations == first.evaluations)
            #expect(again.proceduresDone == first.proceduresDone)
            #expect(again.visitsCancelled == first.visitsCancelled)
            let referrals = try await db.count("referrals")
            await #expect(throws: SeedError.self) { _ = try await replay(db, referrals: 15, seed: 9, days: 14) }
            #expect(try await db.count("referrals") == referrals)
        }
    }
}
