import ClinicDomain
import ClinicServices
import ClinicTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// The hot endpoints send a fixed number of statements whatever the data size: each is counted
/// (pg_stat_statements) with a small clinic day and again with a fuller one, and the counts must
/// match, so that a query per row (N+1) cannot come back unnoticed.
@Suite(
    "Statements per request",
    .enabled("needs pg_stat_statements on the test server") { try await TestClusterProbe.countsStatements() })
struct StatementCountTests {
    /// A Desert Spine Monday with `count` more candidates booked for an L1 procedure, one after
    /// another in the procedure suite from 07:00 (75 minutes each with turnover).
    private func book(
        _ count: Int, from first: Int, _ client: any TestClientProtocol, _ db: TestDatabase, _ clinic: Clinic,
        token: String
    ) async throws -> [String] {
        var ids: [String] = []
        let monday = Fixtures.nextMondayMorning(in: clinic)
        for index in first..<(first + count) {
            let referral = try await Fixtures(db).candidate(at: clinic, mrn: "DSC-\(index)").description
            let start = monday.addingTimeInterval(Double(index) * 90 * 60)
            let (status, booked) = try await post(
                client, token, "/v1/appointments",
                "{\"referralId\":\"\(referral)\",\"kind\":\"procedure\",\"start\":\"\(iso(start))\"}")
            try #require(status == 201, "booking \(index): \(status) \(booked.object)")
            ids.append(try #require(booked.string("id")))
        }
        return ids
    }

    private func statements(
        _ db: TestDatabase, _ client: any TestClientProtocol, _ token: String, _ method: HTTPRequest.Method,
        _ uri: String, _ body: String? = nil, expect: HTTPResponse.Status = .ok
    ) async throws -> Int {
        try await db.statements {
            try await client.execute(
                uri: uri, method: method, headers: .bearer(token, json: body != nil),
                body: body.map { ByteBuffer(json: $0) }
            ) { response in
                #expect(response.status == expect, "\(uri): \(String(buffer: response.body))")
            }
        }
    }

    @Test(
        "the day sheet, a referral by id, a list page and availability: the same statements for one procedure as for four"
    )
    func readsDoNotGrowWithTheDay() async throws {
        try await withApp { client, db in
            let (clinic, _) = try await Fixtures(db).schedulableClinic()
            let scheduler = try await Fixtures(db).token(.scheduler)
            let waiting = try await Fixtures(db).candidate(at: clinic, mrn: "DSC-WAIT")
            let day = LocalDate(Fixtures.nextMondayMorning(in: clinic), in: clinic.timeZone.zone)
            let reads: [(String, String)] = [
                ("day sheet", "/v1/schedule?clinicId=\(clinic.id)&date=\(day)"),
                ("referral by id", "/v1/referrals/\(waiting)"),
                ("list page", "/v1/referrals?clinicId=\(clinic.id)&limit=50"),
                ("availability", "/v1/availability?referralId=\(waiting)&kind=procedure&limit=5"),
            ]
            _ = try await book(1, from: 0, client, db, clinic, token: scheduler)
            var small: [String: Int] = [:]
            for (name, uri) in reads {
                small[name] = try await statements(db, client, scheduler, .get, uri)
                // The token check, the read and its audit row at least: a count of zero means nothing was counted.
                #expect((small[name] ?? 0) >= 3, "\(name): \(small[name] ?? 0) statements")
            }
            _ = try await book(3, from: 1, client, db, clinic, token: scheduler)
            for (name, uri) in reads {
                let full = try await statements(db, client, scheduler, .get, uri)
                #expect(
                    full == small[name],
                    "\(name): \(small[name] ?? -1) statements with one procedure, \(full) with four")
            }
        }
    }

    @Test("booking a procedure: the same statements with one procedure already that day as with four")
    func bookingDoesNotGrowWithTheDay() async throws {
        try await withApp { client, db in
            let (clinic, _) = try await Fixtures(db).schedulableClinic()
            let scheduler = try await Fixtures(db).token(.scheduler)
            let monday = Fixtures.nextMondayMorning(in: clinic)
            func bookAt(_ slot: Int, mrn: String) async throws -> Int {
                let referral = try await Fixtures(db).candidate(at: clinic, mrn: mrn)
                let start = monday.addingTimeInterval(Double(slot) * 90 * 60)
                return try await statements(
                    db, client, scheduler, .post, "/v1/appointments",
                    "{\"referralId\":\"\(referral)\",\"kind\":\"procedure\",\"start\":\"\(iso(start))\"}",
                    expect: .created)
            }
            _ = try await book(1, from: 0, client, db, clinic, token: scheduler)
            let small = try await bookAt(1, mrn: "DSC-A")
            _ = try await book(3, from: 2, client, db, clinic, token: scheduler)
            let full = try await bookAt(5, mrn: "DSC-B")
            #expect(small >= 3, "\(small) statements for a booking")
            #expect(full == small, "\(small) statements next to one procedure, \(full) next to four")
        }
    }

    @Test(
        "a cancelled procedure's offer: the same statements with one candidate ahead who cannot take it (general anesthesia, no provider) as with four"
    )
    func waitlistOfferDoesNotGrowWithTheList() async throws {
        try await withApp { client, db in
            let (clinic, _) = try await Fixtures(db).schedulableClinic()
            let scheduler = try await Fixtures(db).token(.scheduler)
            let booked = try await book(2, from: 0, client, db, clinic, token: scheduler)
            // Urgent candidates under general anesthesia come first on the waitlist, but the clinic
            // has no anesthesia provider: the offer passes each of them to the local candidate.
            _ = try await Fixtures(db).candidate(at: clinic, mrn: "GA-0", urgent: true, anesthesia: .general)
            _ = try await Fixtures(db).candidate(at: clinic, mrn: "LOCAL-0")
            let small = try await statements(
                db, client, scheduler, .post, "/v1/appointments/\(booked[0])/cancel", #"{"reason":"patient ill"}"#)
            for index in 1...3 {
                _ = try await Fixtures(db).candidate(at: clinic, mrn: "GA-\(index)", urgent: true, anesthesia: .general)
            }
            let full = try await statements(
                db, client, scheduler, .post, "/v1/appointments/\(booked[1])/cancel", #"{"reason":"patient ill"}"#)
            #expect(small >= 3, "\(small) statements for a cancellation")
            #expect(full == small, "\(small) statements past one candidate who does not fit, \(full) past four")
            #expect(try await db.count("waitlist_offers") == 2)
        }
    }
}
