import ClinicDomain
import ClinicServices
import ClinicTestSupport
import Foundation
import PostgresNIO
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Two answers to one waitlist offer at the same moment, through the running server: exactly one
/// wins, the other gets 409 naming how the offer ended, and what is stored agrees with the winner.
@Suite("Waitlist offer races through the running server", .serialized)
struct WaitlistRaceTests {
    enum Answer: String, Sendable { case accept, decline }

    static let rounds = 20

    @Test("accept and decline of one offer at the same moment, 20 rounds: one wins, the stored state agrees")
    func acceptVersusDecline() async throws { try await race(.accept, .decline) }

    @Test("two accepts of one offer at the same moment, 20 rounds: one booking, the other 409 naming it accepted")
    func acceptVersusAccept() async throws { try await race(.accept, .accept) }

    @Test(
        "two declines of one offer at the same moment, 20 rounds: one passes the time on, the other 409 naming it declined"
    )
    func declineVersusDecline() async throws { try await race(.decline, .decline) }

    /// Twenty procedure bookings of candidates on twenty weekday mornings and 22 candidates waiting;
    /// each round cancels one booking (its time is offered to a waiting candidate) and sends the
    /// two answers to that offer at once.
    private func race(_ first: Answer, _ second: Answer) async throws {
        try await withTestDatabase(poolSize: 4) { db in
            let fixtures = Fixtures(db)
            let (clinic, _) = try await fixtures.schedulableClinic()
            let services = try fixtures.services()
            let scheduler = try await fixtures.token(.scheduler)
            for index in 0..<(Self.rounds + 2) {
                _ = try await fixtures.candidate(
                    at: clinic, mrn: "WAIT-\(index)", urgent: index % 3 == 0, services: services)
            }
            let monday = Fixtures.nextMondayMorning(in: clinic)
            var bookings: [(appointment: AppointmentID, start: Date)] = []
            for round in 0..<Self.rounds {
                let start = monday.addingTimeInterval(Double(round / 5 * 7 + round % 5) * 86_400)
                let booked = try await fixtures.candidate(at: clinic, mrn: "BOOKED-\(round)", services: services)
                let (appointment, _) = try await services.scheduling.book(
                    referralID: booked, kind: .procedure, start: start,
                    resourceIDs: nil, idempotencyKey: nil, actor: Fixtures.operator_)
                bookings.append((appointment.id, start))
            }
            let log = try await withRunningServer(db) { base in
                for (round, booking) in bookings.enumerated() {
                    let (cancelled, _) = try await send(
                        base, "POST", "/v1/appointments/\(booking.appointment)/cancel", scheduler,
                        #"{"reason":"Patient admitted elsewhere"}"#)
                    #expect(cancelled == 200)
                    let offered = try await db.query(
                        """
                        SELECT id, referral_id FROM waitlist_offers WHERE freed_by = \(booking.appointment.rawValue) AND state = 'offered'
                        """)
                    let (offerID, candidate) = try #require(offered.first).decode((UUID, UUID).self)
                    // Not retried: a retry after a 503 would be a third answer to the offer.
                    async let one = send(
                        base, "POST", "/v1/waitlist/offers/\(offerID)/\(first.rawValue)", scheduler, "{}",
                        retrying: false)
                    async let two = send(
                        base, "POST", "/v1/waitlist/offers/\(offerID)/\(second.rawValue)", scheduler, "{}",
                        retrying: false)
                    let answers = [(first, try await one), (second, try await two)]
                    try await verify(
                        round: round, answers: answers, offer: offerID, candidate: candidate,
                        freedBy: booking.appointment,
                        start: booking.start, db)
                }
            }
            #expect(!log.contains("Fatal error"))
        }
    }

    /// The round's answers against what is stored: one 200, one 409 naming the winner's end; the
    /// offer, the booking, the referral and the next offer as the winner's answer says.
    private func verify(
        round: Int, answers: [(Answer, (Int, [String: Any]))], offer: UUID, candidate: UUID, freedBy: AppointmentID,
        start: Date, _ db: TestDatabase
    ) async throws {
        let winners = answers.filter { $0.1.0 == 200 }
        let losers = answers.filter { $0.1.0 != 200 }
        try #require(winners.count == 1, "round \(round): statuses \(answers.map { $0.1.0 })")
        let (winner, (_, body)) = winners[0]
        let ended = winner == .accept ? "accepted" : "declined"
        #expect(body["state"] as? String == ended, "round \(round)")
        let loser = try #require(losers.first).1
        #expect(loser.0 == 409, "round \(round)")
        #expect(loser.1["type"] as? String == "/problems/offer-closed", "round \(round): \(loser.1)")
        #expect((loser.1["detail"] as? String)?.contains(ended) == true, "round \(round): \(loser.1)")

        let stored = try #require(
            try await db.query("SELECT state, appointment_id FROM waitlist_offers WHERE id = \(offer)").first)
        let (state, appointment) = try stored.decode((String, UUID?).self)
        #expect(state == ended, "round \(round)")
        let openForTime = try await db.count("waitlist_offers", where: "freed_by = '\(freedBy)' AND state = 'offered'")
        let candidateBookings = try await db.count(
            "appointments",
            where: "referral_id = '\(candidate)' AND state = 'booked' AND kind = 'procedure'")
        let status = try #require(try await db.query("SELECT status FROM referrals WHERE id = \(candidate)").first)
            .decode(String.self)
        if winner == .accept {
            let booked = try #require(appointment, "round \(round): accepted without a booking")
            #expect(body["appointmentId"] as? String == booked.uuidString.lowercased())
            #expect(
                try await db.count(
                    "appointments", where: "id = '\(booked)' AND referral_id = '\(candidate)' AND state = 'booked'")
                    == 1)
            #expect(candidateBookings == 1, "round \(round)")
            #expect(status == "procedure_scheduled", "round \(round)")
            #expect(openForTime == 0, "round \(round): the booked time is still offered")
        } else {
            #expect(appointment == nil, "round \(round)")
            #expect(candidateBookings == 0, "round \(round): declined, yet booked")
            #expect(status == "candidate", "round \(round)")
            #expect(openForTime == 1, "round \(round): the declined time was not passed on exactly once")
            let next = try await db.count(
                "waitlist_offers",
                where: "freed_by = '\(freedBy)' AND state = 'offered' AND referral_id <> '\(candidate)'")
            #expect(next == 1, "round \(round)")
        }
    }

    /// One request; a 503 (the loaded test machine) is retried as a client would, when `retrying`.
    private func send(
        _ base: String, _ method: String, _ path: String, _ token: String, _ body: String,
        retrying: Bool = true
    ) async throws -> (Int, [String: Any]) {
        var request = URLRequest(url: URL(string: base + path)!)
        request.httpMethod = method
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.httpBody = Data(body.utf8)
        for _ in 0..<5 {
            let (data, response) = try await URLSession.shared.data(for: request)
            let status = (response as? HTTPURLResponse)?.statusCode ?? 0
            if status == 503 && retrying {
                try await Task.sleep(for: .milliseconds(200))
                continue
            }
            return (status, (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:])
        }
        return (503, [:])
    }
}
