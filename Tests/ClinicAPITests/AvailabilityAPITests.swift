import ClinicDomain
import ClinicServices
import ClinicTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Availability through the API and PostgreSQL")
struct AvailabilityAPITests {
    private func slots(_ client: any TestClientProtocol, _ token: String, _ query: String) async throws -> [[String:
        Any]]
    {
        try await client.execute(uri: "/v1/availability?\(query)", method: .get, headers: .bearer(token, json: false)) {
            response in
            #expect(response.status == .ok)
            return JSONBody(response)["items"] as? [[String: Any]] ?? []
        }
    }

    /// A scheduler's referral at the schedulable clinic, whose only consult room is on leave from
    /// next Monday 07:00 for `seconds`.
    private func referralWithConsultRoomOnLeave(
        _ client: any TestClientProtocol, _ db: TestDatabase, for seconds: TimeInterval, reason: String
    ) async throws -> (scheduler: String, referral: String, monday: Date) {
        let (clinic, resources) = try await Fixtures(db).schedulableClinic()
        let scheduler = try await Fixtures(db).token(.scheduler)
        let referral = try await client.createReferral(token: scheduler, clinicID: clinic.id) {
            JSONBody($0).string("id")!
        }
        let monday = Fixtures.nextMondayMorning(in: clinic)
        let (blocked, _) = try await post(
            client, scheduler, "/v1/resources/\(resources[.consultRoom]!)/blocks",
            "{\"starts\":\"\(iso(monday))\",\"ends\":\"\(iso(monday.addingTimeInterval(seconds)))\",\"kind\":\"leave\",\"reason\":\"\(reason)\"}"
        )
        #expect(blocked == 201)
        return (scheduler, referral, monday)
    }

    @Test(
        "a consult room on leave from 07:00 to 09:00 offers its first evaluation at 09:00, and a booking at 07:00 is refused"
    )
    func blockedTimeIsNotOffered() async throws {
        try await withApp { client, db in
            let (scheduler, referral, monday) = try await referralWithConsultRoomOnLeave(
                client, db, for: 2 * 3600, reason: "Deep clean")
            let first = try await slots(
                client, scheduler, "referralId=\(referral)&kind=evaluation&limit=1&from=\(iso(monday))")
            #expect(first.first?["start"] as? String == RFC3339.format(monday.addingTimeInterval(2 * 3600)))
            let (booked, _) = try await post(
                client, scheduler, "/v1/appointments",
                "{\"referralId\":\"\(referral)\",\"kind\":\"evaluation\",\"start\":\"\(iso(monday))\"}")
            #expect(booked == 409)
        }
    }

    @Test(
        "a consult room on leave for three weeks offers its first evaluation the Monday after, past the search's first two weeks, and a page spans the cut in order"
    )
    func leaveLongerThanTheFirstSearch() async throws {
        try await withApp { client, db in
            let (scheduler, referral, monday) = try await referralWithConsultRoomOnLeave(
                client, db, for: 21 * 86_400, reason: "Renovation")
            let back = monday.addingTimeInterval(21 * 86_400)
            let first = try await slots(
                client, scheduler, "referralId=\(referral)&kind=evaluation&limit=1&from=\(iso(monday))")
            #expect(first.first?["start"] as? String == RFC3339.format(back))
            // Searched from 13 days in, a page of 50 runs on past the first two weeks' cut.
            let late = monday.addingTimeInterval(13 * 86_400)
            let page = try await slots(
                client, scheduler, "referralId=\(referral)&kind=evaluation&limit=50&from=\(iso(late))")
            let starts = page.compactMap { $0["start"] as? String }.compactMap(RFC3339.instant)
            #expect(starts.count == 50)
            #expect(starts == starts.sorted())
            #expect(starts.first.map { $0 >= back } == true)
        }
    }

    @Test(
        "searching or booking beyond two years ahead is 400 naming the field: nothing the API writes back may fall past year 9999"
    )
    func horizon() async throws {
        try await withApp { client, db in
            let (clinic, _) = try await Fixtures(db).schedulableClinic()
            let scheduler = try await Fixtures(db).token(.scheduler)
            let referral = try await client.createReferral(token: scheduler, clinicID: clinic.id) {
                JSONBody($0).string("id")!
            }
            for from in ["9999-12-31T00:00:00Z", iso(Date().addingTimeInterval(731 * 86_400))] {
                try await client.execute(
                    uri: "/v1/availability?referralId=\(referral)&kind=evaluation&from=\(from)", method: .get,
                    headers: .bearer(scheduler, json: false)
                ) { response in
                    #expect(response.status == .badRequest)
                    #expect(JSONBody(response).pointers == ["/from"])
                }
            }
            let (status, body) = try await post(
                client, scheduler, "/v1/appointments",
                "{\"referralId\":\"\(referral)\",\"kind\":\"evaluation\",\"start\":\"9999-12-31T16:00:00Z\"}")
            #expect(status == 400)
            #expect(body.pointers == ["/start"])
            #expect(try await db.count("appointments") == 0)
        }
    }

    @Test("a chosen evaluator replaces the others; their booked time is skipped")
    func chosenClinician() async throws {
        try await withApp { client, db in
            let fixtures = Fixtures(db)
            let (clinic, resources) = try await fixtures.schedulableClinic()
            let setup = ClinicSetupService.postgres(db.database)
            let second = try await setup.addResource(
                clinicID: clinic.id, kind: .evaluator, name: "Dr. Amina Yusuf", actor: Fixtures.operator_)
            _ = try await setup.setTemplate(
                resourceID: second.resource.id, windows: (1...5).map { ($0, "09:00", "17:00") },
                actor: Fixtures.operator_)
            let token = try await fixtures.token(.scheduler)
            let referral = try await client.createReferral(token: token, clinicID: clinic.id) {
                JSONBody($0).string("id")!
            }
            let monday = Fixtures.nextMondayMorning(in: clinic)
            let mine = try await slots(
                client, token,
                "referralId=\(referral)&kind=evaluation&limit=1&from=\(iso(monday))&resourceId=\(second.resource.id)")
            #expect(mine.first?["start"] as? String == RFC3339.format(monday.addingTimeInterval(2 * 3600)))
            #expect(
                (mine.first?["resources"] as? [[String: Any]])?.contains {
                    $0["id"] as? String == second.resource.id.description
                } == true)
            let any = try await slots(
                client, token, "referralId=\(referral)&kind=evaluation&limit=1&from=\(iso(monday))")
            #expect(
                (any.first?["resources"] as? [[String: Any]])?.contains {
                    $0["id"] as? String == resources[.evaluator]!.description
                } == true)
        }
    }

    @Test(
        "a referral whose window closes before any free time: every slot says so, while still within its routine evaluation target"
    )
    func windowClosesFirst() async throws {
        try await withApp { client, db in
            let fixtures = Fixtures(db)
            let (clinic, _) = try await fixtures.schedulableClinic()
            let token = try await fixtures.token(.scheduler)
            var draft = Fixtures.l1WedgeDraft(clinicID: clinic.id)
            // Onset 82 days ago: the 84-day window closes in 2 days, before next week's first free time.
            draft.symptomOnset = clinic.today(at: Date()).adding(days: -82).description
            let referral = try await fixtures.services().referrals.create(
                draft, idempotencyKey: nil, actor: Fixtures.operator_
            ).referral
            let found = try await slots(
                client, token,
                "referralId=\(referral.id)&kind=evaluation&limit=3&from=\(iso(Fixtures.nextMondayMorning(in: clinic)))")
            #expect(found.count == 3)
            #expect(found.allSatisfy { $0["beforeWindowCloses"] as? Bool == false })
            // Next week is within the 14 days a routine referral has until its evaluation.
            #expect(found.allSatisfy { $0["withinEvaluationTarget"] as? Bool == true })
        }
    }

    @Test("across the next DST change in America/Denver, 07:00 local moves by an hour in UTC")
    func denverDSTThroughTheAPI() async throws {
        try await withApp { client, db in
            let fixtures = Fixtures(db)
            let (clinic, _) = try await fixtures.schedulableClinic(timeZone: "America/Denver")
            let token = try await fixtures.token(.scheduler)
            let referral = try await client.createReferral(token: token, clinicID: clinic.id) {
                JSONBody($0).string("id")!
            }
            let zone = TimeZone(identifier: "America/Denver")!
            // A change at least a week away, so the weekday before it is still to come.
            let change = try #require(
                zone.nextDaylightSavingTimeTransition(after: Date().addingTimeInterval(7 * 86_400)))
            // The weekday mornings just before and just after the change.
            func firstWeekday(from start: Date, step: Double) -> Date {
                var calendar = Calendar(identifier: .gregorian)
                calendar.timeZone = zone
                var day = calendar.startOfDay(for: start)
                while [1, 7].contains(calendar.component(.weekday, from: day)) {
                    day = day.addingTimeInterval(step * 86_400)
                }
                return calendar.date(
                    bySettingHour: 7, minute: 0, second: 0,
                    of: calendar.startOfDay(for: day.addingTimeInterval(12 * 3600)))!
            }
            let before = firstWeekday(from: change.addingTimeInterval(-86_400), step: -1)
            let after = firstWeekday(from: change.addingTimeInterval(86_400), step: 1)
            try #require(before > Date())
            let early = try await slots(
                client, token, "referralId=\(referral)&kind=evaluation&limit=1&from=\(iso(before))")
            let late = try await slots(
                client, token, "referralId=\(referral)&kind=evaluation&limit=1&from=\(iso(after))")
            #expect(early.first?["start"] as? String == RFC3339.format(before))
            #expect(late.first?["start"] as? String == RFC3339.format(after))
            // The server's own answers are 07:00 on both sides: an hour apart in UTC.
            let utcHour = { (text: String?) -> Int? in
                text.flatMap {
                    try? Date($0, strategy: .iso8601.year().month().day().time(includingFractionalSeconds: true))
                }
                .map {
                    Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "UTC")!, from: $0).hour!
                }
            }
            let hours = (utcHour(early.first?["start"] as? String), utcHour(late.first?["start"] as? String))
            #expect(hours.0 != nil && hours.1 != nil && abs((hours.0 ?? 0) - (hours.1 ?? 0)) == 1)
        }
    }
}
