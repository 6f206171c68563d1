import ClinicDomain
import ClinicTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("GET /v1/reports/nightly")
struct NightlyReportAPITests {
    private func get(_ client: any TestClientProtocol, _ token: String, _ query: String) async throws -> (
        Int, JSONBody, String?
    ) {
        try await client.execute(uri: "/v1/reports/nightly\(query)", method: .get, headers: .bearer(token, json: false))
        {
            (Int($0.status.code), JSONBody($0), $0.headers[.contentType])
        }
    }

    @Test("a reporter reads today's report: the referral for a 68-year-old's L1 wedge fracture received today is in it")
    func reporterReadsToday() async throws {
        try await withApp { client, db in
            let clinic = try await Fixtures(db).clinic()
            let pacs = try await Fixtures(db).token(.intake)
            let result = try await client.postImaging(token: pacs, ImagingJSON.mri(clinicID: clinic.id)) {
                JSONBody($0).string("id")!
            }
            _ = try await client.postReferral(
                token: pacs,
                """
                {"imagingResultIds":["\(result)"],"referringClinician":{"name":"Dr. Samuel Ortiz"},"reason":"Painful L1 wedge fracture"}
                """
            ) { JSONBody($0).string("id")! }
            let reporter = try await Fixtures(db).token(.reporter)
            let (status, body, _) = try await get(client, reporter, "?date=today")
            #expect(status == 200)
            #expect(body.string("date") == clinic.today(at: Date()).description)
            let arrivals = body["newReferrals"] as? [String: Any]
            #expect(arrivals?["total"] as? Int == 1)
            #expect((arrivals?["bySource"] as? [[String: Any]])?.first?["key"] as? String == "desert-ris")
            let day = (body["funnel"] as? [String: Any])?["day"] as? [String: Any]
            #expect(
                (day?["stages"] as? [[String: Any]])?.map { $0["stage"] as? String } == [
                    "received", "evaluated", "candidate", "procedure_booked", "done",
                ])
            #expect(try await db.count("audit_log", where: "action = 'report.read'") == 1)
            #expect(try await db.count("report_runs") == 0)
        }
    }

    @Test("yesterday's report is the default, and it is recorded")
    func yesterdayByDefault() async throws {
        try await withApp { client, db in
            let clinic = try await Fixtures(db).clinic()
            let admin = try await Fixtures(db).token(.admin)
            let (status, body, _) = try await get(client, admin, "?clinicId=\(clinic.id)")
            #expect(status == 200)
            #expect(body.string("date") == clinic.today(at: Date()).adding(days: -1).description)
            #expect(try await db.count("report_runs") == 1)
        }
    }

    @Test("schedulers, clinicians and imaging systems may not read the report")
    func onlyReportersAndAdmins() async throws {
        try await withApp { client, db in
            try await Fixtures(db).clinic()
            for role in [Role.scheduler, .clinician, .intake] {
                let (status, _, _) = try await get(client, try await Fixtures(db).token(role), "")
                #expect(status == 403)
            }
        }
    }

    @Test(
        "a bad date, a day after today, an unknown clinic, or no clinic named among several are refused with a problem")
    func refusals() async throws {
        try await withApp { client, db in
            let clinic = try await Fixtures(db).clinic()
            let reporter = try await Fixtures(db).token(.reporter)
            for (query, pointer) in [
                ("?date=2026-02-30", "/date"), ("?date=tomorrow", "/date"),
                ("?date=\(clinic.today(at: Date()).adding(days: 1))", "/date"), ("?clinicId=not-a-uuid", "/clinicId"),
            ] {
                let (status, body, type) = try await get(client, reporter, query)
                #expect(status == 400, "\(query)")
                #expect(type == "application/problem+json", "\(query)")
                #expect(body.pointers == [pointer], "\(query)")
            }
            #expect(try await get(client, reporter, "?clinicId=\(UUID())").0 == 422)
            try await Fixtures(db).clinic(name: "Mesa Spine", timeZone: "America/Denver")
            let (status, body, _) = try await get(client, reporter, "")
            #expect(status == 400 && body.pointers == ["/clinicId"])
            #expect(try await db.count("report_runs") == 0)
        }
    }
}
