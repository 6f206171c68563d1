import ClinicDomain
import ClinicServices
import ClinicTestSupport
import Foundation
import PostgresNIO
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Concurrent bookings through the running server: the database's exclusion constraint decides.
@Suite("Booking races through the running server")
struct BookingRaceTests {
    /// 50 triaged referrals at the clinic.
    private func referrals(_ db: TestDatabase, _ clinic: Clinic) async throws -> [String] {
        let services = try Fixtures(db).services()
        var ids: [String] = []
        for index in 0..<50 {
            ids.append(
                try await services.referrals.create(
                    Fixtures.l1WedgeDraft(clinicID: clinic.id, mrn: "RACE-\(index)"), idempotencyKey: nil,
                    actor: Fixtures.operator_
                ).referral.id.description)
        }
        return ids
    }

    private func race(_ base: String, token: String, bodies: [String]) async throws -> [Int] {
        try await answers(base, token: token, bodies: bodies).map(\.status)
    }

    /// Each request's final status, with its body and the problem's detail.
    private func answers(_ base: String, token: String, bodies: [String]) async throws -> [(
        status: Int, request: String, detail: String
    )] {
        try await withThrowingTaskGroup(of: (status: Int, request: String, detail: String).self) { group in
            for body in bodies {
                group.addTask {
                    var request = URLRequest(url: URL(string: "\(base)/v1/appointments")!)
                    request.httpMethod = "POST"
                    request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
                    request.setValue("application/json", forHTTPHeaderField: "Content-Type")
                    request.httpBody = Data(body.utf8)
                    // A 503 (no database connection free within 5 s, on a loaded 2-core machine)
                    // says "try again": a client does, and the race is judged on the final answers.
                    for _ in 0..<5 {
                        let (data, response) = try await URLSession.shared.data(for: request)
                        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
                        let problem = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
                        guard status == 503 else { return (status, body, problem?["detail"] as? String ?? "") }
                        try await Task.sleep(for: .milliseconds(200))
                    }
                    return (503, body, "")
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
    }

    @Test("50 concurrent bookings of one room at one time: exactly one 201, the rest 409, one active claim")
    func sameRoom() async throws {
        try await withTestDatabase(poolSize: 4) { db in
            let (clinic, resources) = try await Fixtures(db).schedulableClinic()
            let token = try await Fixtures(db).token(.scheduler)
            let ids = try await referrals(db, clinic)
            let start = ISO8601DateFormatter().string(from: Fixtures.nextMondayMorning(in: clinic))
            let room = resources[.consultRoom]!
            let evaluator = resources[.evaluator]!
            try await withRunningServer(db, poolSize: 10) { base in
                let bodies = ids.map {
                    "{\"referralId\":\"\($0)\",\"kind\":\"evaluation\",\"start\":\"\(start)\",\"resourceIds\":[\"\(room)\",\"\(evaluator)\"]}"
                }
                let codes = try await race(base, token: token, bodies: bodies)
                #expect(codes.filter { $0 == 201 }.count == 1)
                #expect(codes.filter { $0 == 409 }.count == 49, "statuses: \(codes.sorted())")
            }
            #expect(try await db.count("appointment_resources", where: "active AND resource_id = '\(room)'") == 1)
            #expect(try await db.count("appointments") == 1)
            #expect(try await db.count("referrals", where: "status = 'evaluation_scheduled'") == 1)
        }
    }

    @Test("50 concurrent bookings sharing one evaluator across two rooms: exactly one wins")
    func sharedClinician() async throws {
        try await withTestDatabase(poolSize: 4) { db in
            let (clinic, resources) = try await Fixtures(db).schedulableClinic()
            let setup = ClinicSetupService.postgres(db.database)
            let roomB = try await setup.addResource(
                clinicID: clinic.id, kind: .consultRoom, name: "Consult Room B", actor: Fixtures.operator_)
            _ = try await setup.setTemplate(
                resourceID: roomB.resource.id, windows: (1...5).map { ($0, "07:00", "17:00") },
                actor: Fixtures.operator_)
            let token = try await Fixtures(db).token(.scheduler)
            let ids = try await referrals(db, clinic)
            let start = ISO8601DateFormatter().string(from: Fixtures.nextMondayMorning(in: clinic))
            let rooms = [resources[.consultRoom]!, roomB.resource.id]
            let evaluator = resources[.evaluator]!
            try await withRunningServer(db, poolSize: 10) { base in
                let bodies = ids.enumerated().map { index, id in
                    "{\"referralId\":\"\(id)\",\"kind\":\"evaluation\",\"start\":\"\(start)\",\"resourceIds\":[\"\(rooms[index % 2])\",\"\(evaluator)\"]}"
                }
                let answers = try await answers(base, token: token, bodies: bodies)
                let codes = answers.map(\.status)
                #expect(codes.filter { $0 == 201 }.count == 1)
                #expect(codes.filter { $0 == 409 }.count == 49, "statuses: \(codes.sorted())")
                // A loser stopped by the exclusion constraint (rather than by the check before
                // the transaction) is told which resource is taken: one it asked for, and one the
                // winner holds. All of a request's claims go in one INSERT; the taken one is named.
                let claimed = try await db.query(
                    "SELECT resource_id FROM appointment_resources WHERE active"
                ).map { try $0.decode(UUID.self) }
                for answer in answers where answer.detail.contains("already booked") {
                    let named = answer.detail.split(separator: " ").compactMap { UUID(uuidString: String($0)) }
                    #expect(named.count == 1, "\(answer.detail)")
                    for id in named {
                        #expect(answer.request.contains(id.uuidString.lowercased()), "\(answer.detail)")
                        #expect(claimed.contains(id), "\(answer.detail)")
                    }
                }
            }
            #expect(try await db.count("appointment_resources", where: "active AND resource_id = '\(evaluator)'") == 1)
        }
    }
}
