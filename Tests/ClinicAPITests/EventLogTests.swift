import ClinicDomain
import ClinicTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// A referral moves only through the state machine's transitions, and every move is logged under
/// its transition's name; events that move nothing say so, and never a refused move swallowed.
@Suite("The event log names every move by its transition")
struct EventLogTests {
    private func kinds(_ db: TestDatabase, _ referral: String) async throws -> [String] {
        try await db.query(
            "SELECT kind FROM referral_events WHERE referral_id = \(UUID(uuidString: referral)!) ORDER BY id"
        )
        .map { try $0.decode(String.self) }
    }

    private func status(_ db: TestDatabase, _ referral: String) async throws -> String {
        try await db.query("SELECT status FROM referrals WHERE id = \(UUID(uuidString: referral)!)").first!.decode(
            String.self)
    }

    @Test(
        "a procedure booked, checked in and completed: schedule_procedure, appointment_checked_in, complete_procedure")
    func procedureMoves() async throws {
        try await withApp { client, db in
            let (clinic, _) = try await Fixtures(db).schedulableClinic()
            let scheduler = try await Fixtures(db).token(.scheduler)
            let referral = try await candidateReferral(client, db, clinic)
            let (_, booked) = try await post(
                client, scheduler, "/v1/appointments",
                "{\"referralId\":\"\(referral)\",\"kind\":\"procedure\",\"start\":\"\(iso(Fixtures.nextMondayMorning(in: clinic)))\"}"
            )
            let id = try #require(booked.string("id"))
            #expect(try await post(client, scheduler, "/v1/appointments/\(id)/check-in").0 == 200)
            #expect(try await post(client, scheduler, "/v1/appointments/\(id)/complete").0 == 200)
            #expect(
                try await kinds(db, referral) == [
                    "created", "triage", "record_evaluation_candidate", "schedule_procedure",
                    "appointment_checked_in", "complete_procedure",
                ])
        }
    }

    @Test("confirming a held procedure is its booking: schedule_procedure, not an appointment event")
    func confirmedHoldIsTheBooking() async throws {
        try await withApp { client, db in
            let (clinic, _) = try await Fixtures(db).schedulableClinic()
            let scheduler = try await Fixtures(db).token(.scheduler)
            let referral = try await candidateReferral(client, db, clinic)
            let (_, held) = try await post(
                client, scheduler, "/v1/appointments",
                "{\"referralId\":\"\(referral)\",\"kind\":\"procedure\",\"start\":\"\(iso(Fixtures.nextMondayMorning(in: clinic)))\",\"hold\":true}"
            )
            let id = try #require(held.string("id"))
            #expect(try await post(client, scheduler, "/v1/appointments/\(id)/consent").0 == 200)
            let (confirmed, problem) = try await post(client, scheduler, "/v1/appointments/\(id)/confirm")
            #expect(confirmed == 200, "\(problem.object)")
            #expect(try await kinds(db, referral).last == "schedule_procedure")
            #expect(try await status(db, referral) == "procedure_scheduled")
        }
    }

    @Test("cancelling a hold moves nothing and says so: visit_cancelled, the referral still a candidate")
    func cancelledHoldMovesNothing() async throws {
        try await withApp { client, db in
            let (clinic, _) = try await Fixtures(db).schedulableClinic()
            let scheduler = try await Fixtures(db).token(.scheduler)
            let referral = try await candidateReferral(client, db, clinic)
            let (_, held) = try await post(
                client, scheduler, "/v1/appointments",
                "{\"referralId\":\"\(referral)\",\"kind\":\"procedure\",\"start\":\"\(iso(Fixtures.nextMondayMorning(in: clinic)))\",\"hold\":true}"
            )
            let id = try #require(held.string("id"))
            #expect(
                try await post(
                    client, scheduler, "/v1/appointments/\(id)/cancel", #"{"reason":"Patient prefers January"}"#
                ).0 == 200)
            #expect(try await kinds(db, referral).last == "visit_cancelled")
            #expect(try await status(db, referral) == "candidate")
            let moved = try await db.count(
                "referral_events",
                where: "referral_id = '\(referral)' AND kind = 'visit_cancelled' AND from_status = to_status")
            #expect(moved == 1)
        }
    }

    @Test("a booked procedure cancelled sends the referral back by the appointment_cancelled transition")
    func cancelledBookingMovesBack() async throws {
        try await withApp { client, db in
            let (clinic, _) = try await Fixtures(db).schedulableClinic()
            let scheduler = try await Fixtures(db).token(.scheduler)
            let referral = try await candidateReferral(client, db, clinic)
            let (_, booked) = try await post(
                client, scheduler, "/v1/appointments",
                "{\"referralId\":\"\(referral)\",\"kind\":\"procedure\",\"start\":\"\(iso(Fixtures.nextMondayMorning(in: clinic)))\"}"
            )
            #expect(
                try await post(
                    client, scheduler, "/v1/appointments/\(booked.string("id")!)/cancel",
                    #"{"reason":"Admitted elsewhere"}"#
                ).0 == 200)
            #expect(try await kinds(db, referral).suffix(2) == ["schedule_procedure", "appointment_cancelled"])
            #expect(try await status(db, referral) == "candidate")
        }
    }

    @Test("an edit that adds a neurological deficit routes to surgical review under that transition's name")
    func editRoutesByTransition() async throws {
        try await withApp { client, db in
            let clinic = try await Fixtures(db).clinic()
            let scheduler = try await Fixtures(db).token(.scheduler)
            let referral = try await client.createReferral(token: scheduler, clinicID: clinic.id) {
                JSONBody($0).string("id")!
            }
            var headers = HTTPFields.bearer(scheduler)
            headers[.ifMatch] = "\"1\""
            try await client.execute(
                uri: "/v1/referrals/\(referral)", method: .patch, headers: headers,
                body: ByteBuffer(json: #"{"clinicalFlags":{"neurologicalDeficit":true}}"#)
            ) { response in
                #expect(response.status == .ok)
                #expect(JSONBody(response).string("status") == "surgical_review")
            }
            #expect(try await kinds(db, referral) == ["created", "triage", "route_to_surgical_review"])
        }
    }
}

@Suite("Referral event kinds")
struct ReferralEventKindTests {
    @Test("every kind has its own code: no event that moves nothing shares a transition's name")
    func codesAreDistinct() {
        let kinds = ReferralEventKind.allCases
        #expect(Set(kinds.map(\.code)).count == kinds.count)
        #expect(kinds.filter { $0.transition != nil }.count == ReferralTransition.allCases.count)
        #expect(kinds.allSatisfy { ReferralEventKind(code: $0.code) == $0 })
    }
}
