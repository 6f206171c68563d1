import ClinicDomain
import ClinicTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// Two clinics on one installation: Desert Spine Center, whose radiology feed and staff hold
/// scoped tokens, and Mesa Spine, which they must never reach.
@Suite("Clinic scope: intake feeds, lists and the network report")
struct ClinicScopeAPITests {
    private func get(_ client: any TestClientProtocol, _ token: String, _ uri: String) async throws -> (Int, JSONBody) {
        try await client.execute(uri: uri, method: .get, headers: .bearer(token, json: false)) {
            (Int($0.status.code), JSONBody($0))
        }
    }

    @Test("a radiology feed bound to Desert Spine stores Desert's MRI and refuses Mesa's, storing nothing of it")
    func intakeFeedServesItsClinics() async throws {
        try await withApp { client, db in
            let desert = try await Fixtures(db).clinic()
            let mesa = try await Fixtures(db).clinic(name: "Mesa Spine", timeZone: "America/Denver")
            let feed = try await Fixtures(db).token(.intake, name: "desert-ris", scope: .clinics([desert.id]))
            try await client.postImaging(token: feed, ImagingJSON.mri(clinicID: desert.id)) { response in
                #expect(response.status == .created)
            }
            try await client.postImaging(
                token: feed, ImagingJSON.mri(clinicID: mesa.id, accession: "MR-2026-2202", mrn: "MESA-77")
            ) { response in
                #expect(response.status == .unprocessableContent)
                #expect(JSONBody(response).pointers == ["/clinicId"])
                #expect(!String(buffer: response.body).contains("MESA-77"))
            }
            #expect(try await db.count("imaging_results") == 1)
            #expect(try await db.count("patients", where: "mrn = 'MESA-77'") == 0)
            #expect(
                try await db.count(
                    "audit_log",
                    where: "action = 'scope.refused' AND outcome = 'denied' AND clinic_id = '\(mesa.id)'") == 1)
        }
    }

    @Test("a referral citing an MRI of a clinic outside the token's scope is refused as an unknown result")
    func referralCitingAnotherClinicsImaging() async throws {
        try await withApp { client, db in
            let desert = try await Fixtures(db).clinic()
            let mesa = try await Fixtures(db).clinic(name: "Mesa Spine", timeZone: "America/Denver")
            let network = try await Fixtures(db).token(.intake, name: "hospital-ris")
            let mesaMRI = try await client.postImaging(token: network, ImagingJSON.mri(clinicID: mesa.id)) {
                JSONBody($0).string("id")!
            }
            let scheduler = try await Fixtures(db).token(.scheduler, scope: .clinics([desert.id]))
            let body = """
                {"imagingResultIds":["\(mesaMRI)"],"referringClinician":{"name":"Dr. Samuel Ortiz"},"reason":"Painful L1 wedge fracture"}
                """
            let nowhere = body.replacingOccurrences(of: mesaMRI, with: UUID().uuidString.lowercased())
            let (status, type, answer) = try await client.postReferral(token: scheduler, body) {
                (Int($0.status.code), JSONBody($0).string("type"), String(buffer: $0.body))
            }
            let (nowhereStatus, nowhereType) = try await client.postReferral(token: scheduler, nowhere) {
                (Int($0.status.code), JSONBody($0).string("type"))
            }
            #expect(status == 422 && nowhereStatus == 422)
            #expect(type != nil && type == nowhereType)
            #expect(!answer.contains("Whitfield") && !answer.contains("MRN-0001"))
            #expect(try await db.count("referrals") == 0)
            #expect(
                try await db.count("audit_log", where: "action = 'scope.refused' AND clinic_id = '\(mesa.id)'") == 1)
        }
    }

    @Test("a list without clinicId shows only the token's clinics; a token of both clinics sees both")
    func listWithoutClinicIdIsScoped() async throws {
        try await withApp { client, db in
            let desert = try await Fixtures(db).clinic()
            let mesa = try await Fixtures(db).clinic(name: "Mesa Spine", timeZone: "America/Denver")
            let admin = try await Fixtures(db).token(.admin)
            for (clinic, mrn) in [(desert, "DSC-1"), (desert, "DSC-2"), (mesa, "MESA-1")] {
                try await client.createReferral(token: admin, clinicID: clinic.id, mrn: mrn) { response in
                    #expect(response.status == .created)
                }
            }
            let desertOnly = try await Fixtures(db).token(.clinician, scope: .clinics([desert.id]))
            let both = try await Fixtures(db).token(.clinician, scope: .clinics([desert.id, mesa.id]))
            let mesaOnly = try await Fixtures(db).token(.clinician, scope: .clinics([mesa.id]))

            let (status, page) = try await get(client, desertOnly, "/v1/referrals")
            let desertItems = page["items"] as? [[String: Any]] ?? []
            #expect(status == 200 && desertItems.count == 2)
            #expect(desertItems.allSatisfy { $0["clinicId"] as? String == desert.id.description })

            let (_, bothPage) = try await get(client, both, "/v1/referrals")
            #expect((bothPage["items"] as? [Any])?.count == 3)
            let (_, filtered) = try await get(client, both, "/v1/referrals?clinicId=\(mesa.id)")
            #expect((filtered["items"] as? [Any])?.count == 1)

            let (_, mesaPage) = try await get(client, mesaOnly, "/v1/referrals?limit=5")
            let mesaItems = mesaPage["items"] as? [[String: Any]] ?? []
            #expect(mesaItems.count == 1 && mesaItems.first?["clinicId"] as? String == mesa.id.description)
        }
    }

    @Test("a network reporter reads every clinic's night in one report, with totals that add up")
    func networkReportAddsUpTheClinics() async throws {
        try await withApp { client, db in
            let desert = try await Fixtures(db).clinic()
            let mesa = try await Fixtures(db).clinic(name: "Mesa Spine", timeZone: "America/Denver")
            let admin = try await Fixtures(db).token(.admin)
            for (clinic, mrn) in [(desert, "DSC-1"), (desert, "DSC-2"), (mesa, "MESA-1")] {
                try await client.createReferral(token: admin, clinicID: clinic.id, mrn: mrn) { _ in }
            }
            let reporter = try await Fixtures(db).token(.reporter, name: "network reporter")
            let (status, report) = try await get(client, reporter, "/v1/reports/nightly/network?date=today")
            #expect(status == 200)
            #expect(report.string("day") == "today")
            let clinics = report["clinics"] as? [[String: Any]] ?? []
            #expect(
                Set(clinics.compactMap { ($0["clinic"] as? [String: Any])?["id"] as? String }) == [
                    desert.id.description, mesa.id.description,
                ])
            let perClinic = clinics.compactMap { ($0["newReferrals"] as? [String: Any])?["total"] as? Int }
            #expect(perClinic.sorted() == [1, 2])
            let totals = report["totals"] as? [String: Any]
            #expect(totals?["clinics"] as? Int == 2)
            #expect((totals?["newReferrals"] as? [String: Any])?["total"] as? Int == 3)
            let received = (totals?["funnelDay"] as? [[String: Any]])?.first
            #expect(received?["stage"] as? String == "received" && received?["count"] as? Int == 3)
        }
    }

    @Test(
        "a reporter of one clinic may not read the network summary, and reads its own clinic's night without naming it")
    func clinicReporterReadsOnlyItsClinic() async throws {
        try await withApp { client, db in
            let desert = try await Fixtures(db).clinic()
            let mesa = try await Fixtures(db).clinic(name: "Mesa Spine", timeZone: "America/Denver")
            let reporter = try await Fixtures(db).token(
                .reporter, name: "desert reporter", scope: .clinics([desert.id]))
            let (status, problem) = try await get(client, reporter, "/v1/reports/nightly/network?date=today")
            #expect(status == 403 && problem.string("type") == "/problems/outside-scope")
            let (ownStatus, own) = try await get(client, reporter, "/v1/reports/nightly?date=today")
            #expect(ownStatus == 200 && (own["clinic"] as? [String: Any])?["id"] as? String == desert.id.description)
            let (otherStatus, _) = try await get(client, reporter, "/v1/reports/nightly?date=today&clinicId=\(mesa.id)")
            #expect(otherStatus == 422)
            #expect(
                try await db.count("audit_log", where: "action = 'scope.refused' AND clinic_id = '\(mesa.id)'") == 1)
            #expect(try await db.count("audit_log", where: "action = 'scope.refused'") == 2)
        }
    }

    @Test("a reporter of two clinics must say which clinic's night it wants")
    func twoClinicReporterNamesTheClinic() async throws {
        try await withApp { client, db in
            let desert = try await Fixtures(db).clinic()
            let mesa = try await Fixtures(db).clinic(name: "Mesa Spine", timeZone: "America/Denver")
            let reporter = try await Fixtures(db).token(.reporter, scope: .clinics([desert.id, mesa.id]))
            let (status, problem) = try await get(client, reporter, "/v1/reports/nightly?date=today")
            #expect(status == 400 && problem.pointers == ["/clinicId"], "\(status) \(problem.object)")
            let (named, _) = try await get(client, reporter, "/v1/reports/nightly?date=today&clinicId=\(mesa.id)")
            #expect(named == 200)
        }
    }
}
