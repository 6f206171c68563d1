import ClinicDomain
import ClinicTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// A referral network's ServiceRequest for the 68-year-old with an L1 wedge fracture.
enum FHIRSamples {
    static func serviceRequest(
        clinic: ClinicID, identifier: String = "REF-2026-000778",
        reason: String = "Acute L1 wedge fracture, 30% height loss",
        birthDate: String = "1958-03-14", requester: String? = "Dr. Alan Reyes"
    ) -> String {
        let requesterJSON = requester.map { #","requester":{"display":"\#($0)"}"# } ?? ""
        return """
            {"resourceType":"ServiceRequest","identifier":[{"system":"urn:oid:2.16.840.1.113883.3.7812.1","value":"\(identifier)"}],
             "status":"active","intent":"order","priority":"urgent",
             "contained":[{"resourceType":"Patient","id":"p1","identifier":[{"type":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v2-0203","code":"MR"}]},"system":"urn:mrn","value":"MRN-0001"}],
               "name":[{"family":"Whitfield","given":["Eleanor"]}],"birthDate":"\(birthDate)","gender":"female"}],
             "subject":{"reference":"#p1"},"locationReference":[{"reference":"Location/\(clinic)"}]\(requesterJSON),
             "reasonCode":[{"text":"\(reason)"}]}
            """
    }
}

extension TestClientProtocol {
    /// A FHIR GET with a bearer token: the status, the Content-Type and the JSON body.
    func fhir(_ uri: String, token: String?, accept: String = "application/fhir+json") async throws -> (
        status: HTTPResponse.Status, type: String?, body: JSONBody
    ) {
        var headers: HTTPFields = [.accept: accept]
        if let token { headers[.authorization] = "Bearer \(token)" }
        return try await execute(uri: uri, method: .get, headers: headers) {
            ($0.status, $0.headers[.contentType], JSONBody($0))
        }
    }

    func postFHIR(_ uri: String, token: String, _ json: String) async throws -> (
        status: HTTPResponse.Status, location: String?, body: JSONBody
    ) {
        let headers: HTTPFields = [
            .authorization: "Bearer \(token)", .contentType: "application/fhir+json; fhirVersion=4.0",
        ]
        return try await execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(string: json)) {
            ($0.status, $0.headers[.location], JSONBody($0))
        }
    }
}

extension JSONBody {
    /// The resources of a searchset Bundle.
    var entries: [[String: Any]] {
        (object["entry"] as? [[String: Any]] ?? []).compactMap { $0["resource"] as? [String: Any] }
    }

    /// A Bundle's `next` link, as a path and query on this server.
    var next: String? {
        let links = object["link"] as? [[String: Any]] ?? []
        guard let url = links.first(where: { $0["relation"] as? String == "next" })?["url"] as? String,
            let components = URLComponents(string: url)
        else { return nil }
        return components.percentEncodedPath + (components.percentEncodedQuery.map { "?" + $0 } ?? "")
    }

    /// The first issue's code and expressions of an OperationOutcome.
    var issue: (code: String?, expression: [String]) {
        let issue = (object["issue"] as? [[String: Any]])?.first
        return (issue?["code"] as? String, issue?["expression"] as? [String] ?? [])
    }
}

@Suite("FHIR R4 at /fhir/r4")
struct FHIRAPITests {
    @Test("the CapabilityStatement is public and FHIR JSON")
    func metadata() async throws {
        try await withApp { client, _ in
            let answer = try await client.fhir("/fhir/r4/metadata", token: nil, accept: "application/json")
            #expect(answer.status == .ok)
            #expect(answer.type?.hasPrefix("application/fhir+json") == true)
            #expect(answer.body.string("resourceType") == "CapabilityStatement")
            #expect(answer.body.string("fhirVersion") == "4.0.1")
        }
    }

    @Test("a ServiceRequest posted twice makes one referral, triaged like any other")
    func serviceRequestTwice() async throws {
        try await withApp { client, db in
            let clinic = try await Fixtures(db).clinic()
            let network = try await Fixtures(db).token(.intake, scope: .clinics([clinic.id]))
            let request = FHIRSamples.serviceRequest(clinic: clinic.id)
            let first = try await client.postFHIR("/fhir/r4/ServiceRequest", token: network, request)
            #expect(first.status == .created)
            #expect(first.location?.contains("/fhir/r4/ServiceRequest/") == true)
            #expect(first.body.string("resourceType") == "ServiceRequest")
            let again = try await client.postFHIR("/fhir/r4/ServiceRequest", token: network, request)
            #expect(again.status == .ok)
            #expect(again.body.string("id") == first.body.string("id"))
            #expect(try await db.count("referrals") == 1)
            #expect(try await db.count("referral_events", where: "to_status = 'triaged'") == 1)
        }
    }

    @Test("the same identifier with another request is 422, an OperationOutcome, and changes nothing")
    func identifierReused() async throws {
        try await withApp { client, db in
            let clinic = try await Fixtures(db).clinic()
            let network = try await Fixtures(db).token(.intake)
            _ = try await client.postFHIR(
                "/fhir/r4/ServiceRequest", token: network, FHIRSamples.serviceRequest(clinic: clinic.id))
            let other = try await client.postFHIR(
                "/fhir/r4/ServiceRequest", token: network,
                FHIRSamples.serviceRequest(clinic: clinic.id, reason: "Another reason"))
            #expect(other.status == .unprocessableContent)
            #expect(other.body.string("resourceType") == "OperationOutcome")
            #expect(try await db.count("referrals") == 1)
        }
    }

    @Test("a ServiceRequest for a clinic the token does not serve is 422 naming locationReference, and stores nothing")
    func clinicOutsideScope() async throws {
        try await withApp { client, db in
            let desert = try await Fixtures(db).clinic()
            let mesa = try await Fixtures(db).clinic(name: "Mesa Spine", timeZone: "America/Denver")
            let network = try await Fixtures(db).token(.intake, scope: .clinics([desert.id]))
            let answer = try await client.postFHIR(
                "/fhir/r4/ServiceRequest", token: network, FHIRSamples.serviceRequest(clinic: mesa.id))
            #expect(answer.status == .unprocessableContent)
            #expect(answer.body.issue.expression == ["ServiceRequest.locationReference[0].reference"])
            #expect(try await db.count("referrals") == 0)
        }
    }

    @Test("a ServiceRequest without a requester is 400 naming the element, and stores nothing")
    func invalidServiceRequest() async throws {
        try await withApp { client, db in
            let clinic = try await Fixtures(db).clinic()
            let network = try await Fixtures(db).token(.intake)
            let answer = try await client.postFHIR(
                "/fhir/r4/ServiceRequest", token: network, FHIRSamples.serviceRequest(clinic: clinic.id, requester: nil)
            )
            #expect(answer.status == .badRequest)
            #expect(answer.body.issue.expression.contains { $0.hasPrefix("ServiceRequest.requester") })
            let badDate = try await client.postFHIR(
                "/fhir/r4/ServiceRequest", token: network,
                FHIRSamples.serviceRequest(clinic: clinic.id, birthDate: "1958-02-30"))
            #expect(badDate.status == .badRequest)
            #expect(badDate.body.string("resourceType") == "OperationOutcome")
            #expect(try await db.count("referrals") == 0)
        }
    }

    @Test("a referral of a clinic the token does not reach is not found, as an OperationOutcome")
    func outsideScope() async throws {
        try await withApp { client, db in
            let desert = try await Fixtures(db).clinic()
            let mesa = try await Fixtures(db).clinic(name: "Mesa Spine", timeZone: "America/Denver")
            let admin = try await Fixtures(db).token(.admin)
            let referral = try await client.createReferral(token: admin, clinicID: mesa.id) {
                JSONBody($0).string("id")!
            }
            let desertStaff = try await Fixtures(db).token(.scheduler, scope: .clinics([desert.id]))
            let answer = try await client.fhir("/fhir/r4/ServiceRequest/\(referral)", token: desertStaff)
            #expect(answer.status == .notFound)
            #expect(answer.type == "application/fhir+json")
            #expect(answer.body.issue.code == "not-found")
            #expect(try await client.fhir("/fhir/r4/ServiceRequest/\(referral)", token: admin).status == .ok)
            let search = try await client.fhir("/fhir/r4/ServiceRequest", token: desertStaff)
            #expect(search.body.entries.isEmpty)
        }
    }

    @Test("a ServiceRequest search walked by its next links returns every referral once")
    func searchPaging() async throws {
        try await withApp { client, db in
            let clinic = try await Fixtures(db).clinic()
            let scheduler = try await Fixtures(db).token(.scheduler)
            for index in 0..<7 {
                _ = try await client.createReferral(token: scheduler, clinicID: clinic.id, mrn: "MRN-\(index)") { $0 }
            }
            var seen: [String] = []
            // An unknown parameter with characters a URL must encode rides along to every page.
            var next: String? = "/fhir/r4/ServiceRequest?_count=3&status=active&_note=a%7Cb%26c"
            var pages = 0
            while let uri = next, pages < 10 {
                let page = try await client.fhir(uri, token: scheduler)
                #expect(page.status == .ok)
                #expect(page.body.string("type") == "searchset")
                seen += page.body.entries.compactMap { $0["id"] as? String }
                next = page.body.next
                pages += 1
            }
            #expect(pages == 3)
            #expect(seen.count == 7 && Set(seen).count == 7)
            let last = try await client.fhir(
                "/fhir/r4/ServiceRequest?_count=3&status=active&_note=a%7Cb%26c", token: scheduler)
            #expect(last.body.next?.contains("_note=a%7Cb%26c") == true)
        }
    }

    @Test("XML is not acceptable; a bad search parameter is 400; both as OperationOutcomes")
    func refusals() async throws {
        try await withApp { client, db in
            let scheduler = try await Fixtures(db).token(.scheduler)
            let xml = try await client.fhir("/fhir/r4/ServiceRequest", token: scheduler, accept: "application/fhir+xml")
            #expect(xml.status == .notAcceptable)
            #expect(xml.type == "application/fhir+json")
            let status = try await client.fhir("/fhir/r4/ServiceRequest?status=someday", token: scheduler)
            #expect(status.status == .badRequest)
            #expect(status.body.issue.expression == ["status"])
            let date = try await client.fhir("/fhir/r4/Appointment?date=ne2026-12-01", token: scheduler)
            #expect(date.status == .badRequest)
            let unauthenticated = try await client.fhir("/fhir/r4/Patient/\(UUID())", token: nil)
            #expect(unauthenticated.status == .unauthorized)
            #expect(unauthenticated.body.issue.code == "login")
            let notUUID = try await client.fhir("/fhir/r4/Patient/example", token: scheduler)
            #expect(notUUID.status == .notFound)
            // A window at the end of year 9999 is cut there, not a failure.
            let clinic = try await Fixtures(db).clinic()
            let lastDays = try await client.fhir(
                "/fhir/r4/Slot?schedule=\(clinic.id)-evaluation&start=ge9999-12-25T00:00:00Z", token: scheduler)
            #expect(lastDays.status == .ok)
        }
    }

    @Test("a booked evaluation is an Appointment for the patient, found by its day and by its patient")
    func appointments() async throws {
        try await withApp { client, db in
            let fixtures = Fixtures(db)
            let (clinic, _) = try await fixtures.schedulableClinic()
            let scheduler = try await fixtures.token(.scheduler)
            let referral = try await client.createReferral(token: scheduler, clinicID: clinic.id) {
                JSONBody($0).string("id")!
            }
            let monday = Fixtures.nextMondayMorning(in: clinic)
            let (booked, appointment) = try await post(
                client, scheduler, "/v1/appointments",
                "{\"referralId\":\"\(referral)\",\"kind\":\"evaluation\",\"start\":\"\(iso(monday))\"}")
            #expect(booked == 201)
            let read = try await client.fhir("/fhir/r4/Appointment/\(appointment.string("id")!)", token: scheduler)
            #expect(read.body.string("status") == "booked")
            let patient = try await client.fhir("/fhir/r4/ServiceRequest/\(referral)", token: scheduler).body
            let subject = (patient["subject"] as? [String: Any])?["reference"] as? String
            let day = LocalDate(monday, in: clinic.timeZone.zone)
            let byDay = try await client.fhir("/fhir/r4/Appointment?date=\(day)&status=booked", token: scheduler)
            #expect(byDay.body.entries.count == 1)
            let dayBefore = try await client.fhir("/fhir/r4/Appointment?date=lt\(day)", token: scheduler)
            #expect(dayBefore.body.entries.isEmpty)
            let byPatient = try await client.fhir("/fhir/r4/Appointment?patient=\(subject ?? "")", token: scheduler)
            #expect(byPatient.body.entries.count == 1)
            let readPatient = try await client.fhir("/fhir/r4/\(subject ?? "")", token: scheduler)
            #expect(readPatient.body.string("birthDate") == "1958-03-14")
        }
    }

    @Test("appointments walked one per page by their next links: each once, by start")
    func appointmentPaging() async throws {
        try await withApp { client, db in
            let fixtures = Fixtures(db)
            let (clinic, _) = try await fixtures.schedulableClinic()
            let scheduler = try await fixtures.token(.scheduler)
            let monday = Fixtures.nextMondayMorning(in: clinic)
            for index in 0..<3 {
                let referral = try await client.createReferral(
                    token: scheduler, clinicID: clinic.id, mrn: "MRN-P\(index)"
                ) {
                    JSONBody($0).string("id")!
                }
                let start = iso(monday.addingTimeInterval(Double(index) * 3_600))
                let (booked, _) = try await post(
                    client, scheduler, "/v1/appointments",
                    "{\"referralId\":\"\(referral)\",\"kind\":\"evaluation\",\"start\":\"\(start)\"}")
                #expect(booked == 201)
            }
            var seen: [String] = []
            var next: String? = "/fhir/r4/Appointment?_count=1"
            while let uri = next, seen.count < 10 {
                let page = try await client.fhir(uri, token: scheduler)
                seen += page.body.entries.compactMap { $0["start"] as? String }
                next = page.body.next
            }
            #expect(seen.count == 3 && seen == seen.sorted())
        }
    }

    @Test("the clinic's procedure schedule publishes free slots after the booked ones' offsets, in the clinic's zone")
    func slots() async throws {
        try await withApp { client, db in
            let fixtures = Fixtures(db)
            let (clinic, _) = try await fixtures.schedulableClinic()
            let scheduler = try await fixtures.token(.scheduler)
            let schedules = try await client.fhir("/fhir/r4/Schedule", token: scheduler)
            let ids = schedules.body.entries.compactMap { $0["id"] as? String }
            #expect(ids == ["\(clinic.id)-evaluation", "\(clinic.id)-procedure"])
            let monday = Fixtures.nextMondayMorning(in: clinic)
            let day = LocalDate(monday, in: clinic.timeZone.zone)
            let answer = try await client.fhir(
                "/fhir/r4/Slot?schedule=Schedule/\(clinic.id)-evaluation&start=ge\(day)&start=lt\(day.adding(days: 1))&status=free",
                token: scheduler)
            #expect(answer.status == .ok)
            let slots = answer.body.entries
            #expect(!slots.isEmpty)
            #expect(slots.allSatisfy { $0["status"] as? String == "free" })
            #expect((slots.first?["start"] as? String)?.hasSuffix("-07:00") == true)
            let starts = slots.compactMap { $0["start"] as? String }
            let ends = slots.compactMap { $0["end"] as? String }
            // One after another, never overlapping.
            #expect(zip(ends, starts.dropFirst()).allSatisfy { $0 <= $1 })
            // Walked two at a time by its next links: the same slots, each once.
            var walked: [String] = []
            var next: String? =
                "/fhir/r4/Slot?schedule=Schedule/\(clinic.id)-evaluation&start=ge\(day)&start=lt\(day.adding(days: 1))&status=free&_count=2"
            while let uri = next, walked.count <= slots.count {
                let page = try await client.fhir(uri, token: scheduler)
                walked += page.body.entries.compactMap { $0["id"] as? String }
                next = page.body.next
            }
            #expect(walked == slots.compactMap { $0["id"] as? String })
        }
    }

    @Test("a booked L1 procedure is an Appointment coded CPT 22514, and its referral's reason is coded ICD-10-CM")
    func procedureCodes() async throws {
        try await withApp { client, db in
            let fixtures = Fixtures(db)
            let (clinic, _) = try await fixtures.schedulableClinic()
            let scheduler = try await fixtures.token(.scheduler)
            let referral = try await candidateReferral(client, db, clinic)
            let monday = Fixtures.nextMondayMorning(in: clinic)
            let (booked, appointment) = try await post(
                client, scheduler, "/v1/appointments",
                "{\"referralId\":\"\(referral)\",\"kind\":\"procedure\",\"start\":\"\(iso(monday))\"}")
            #expect(booked == 201)
            let read = try await client.fhir("/fhir/r4/Appointment/\(appointment.string("id")!)", token: scheduler).body
            let codes = (read["serviceType"] as? [[String: Any]] ?? []).flatMap {
                $0["coding"] as? [[String: Any]] ?? []
            }
            #expect(codes.map { $0["code"] as? String } == ["22514"])
            #expect(codes.first?["system"] as? String == "http://www.ama-assn.org/go/cpt")
            let request = try await client.fhir("/fhir/r4/ServiceRequest/\(referral)", token: scheduler).body
            let reason = (request["reasonCode"] as? [[String: Any]])?.first
            let coding = (reason?["coding"] as? [[String: Any]])?.first
            #expect(coding?["system"] as? String == "http://hl7.org/fhir/sid/icd-10-cm")
            #expect(coding?["code"] as? String == "M48.50XA")
        }
    }

    @Test("an imaging result reads as a DiagnosticReport")
    func diagnosticReport() async throws {
        try await withApp { client, db in
            let clinic = try await Fixtures(db).clinic()
            let pacs = try await Fixtures(db).token(.intake)
            let clinician = try await Fixtures(db).token(.clinician)
            let id = try await client.postImaging(token: pacs, ImagingJSON.mri(clinicID: clinic.id)) {
                JSONBody($0).string("id")!
            }
            let report = try await client.fhir("/fhir/r4/DiagnosticReport/\(id)", token: clinician)
            #expect(report.status == .ok)
            #expect(report.body.string("status") == "final")
            #expect(report.body.string("resourceType") == "DiagnosticReport")
        }
    }
}

@Suite("SMART Scheduling Links")
struct SMARTPublishTests {
    @Test("the manifest lists each clinic's Location, Schedule and Slot files, public and cacheable")
    func manifest() async throws {
        try await withApp { client, db in
            let (clinic, _) = try await Fixtures(db).schedulableClinic()
            let answer = try await client.execute(uri: "/fhir/r4/$bulk-publish", method: .get) { response in
                (response.status, response.headers[.cacheControl], JSONBody(response))
            }
            #expect(answer.0 == .ok)
            #expect(answer.1 == "public, max-age=300")
            let outputs = answer.2["output"] as? [[String: Any]] ?? []
            #expect(outputs.compactMap { $0["type"] as? String } == ["Location", "Schedule", "Slot"])
            for output in outputs {
                let url = URLComponents(string: output["url"] as? String ?? "")
                #expect(url?.path.contains("/\(clinic.id)/") == true)
                let file = try await client.execute(uri: url?.path ?? "", method: .get) { response in
                    (response.status, String(buffer: response.body))
                }
                #expect(file.0 == .ok)
                let lines = file.1.split(separator: "\n")
                #expect(!lines.isEmpty)
                #expect(
                    lines.allSatisfy { line in
                        (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["resourceType"]
                            as? String == output["type"] as? String
                    })
            }
        }
    }
}

@Suite("PUT /v1/clinics/{id}/contact")
struct ClinicContactTests {
    static let desertContact = """
        {"phone":"+1-480-555-0142 ext. 2","website":"https://desert-spine.example.org/book",
         "address":{"lines":["4410 E Camelback Rd","Suite 200"],"city":"Phoenix","state":"AZ","postalCode":"85018","country":"US"}}
        """

    @Test("an admin's contact details are on the clinic and on its FHIR Location, as SMART asks")
    func publishedOnLocation() async throws {
        try await withApp { client, db in
            let clinic = try await Fixtures(db).clinic()
            let admin = try await Fixtures(db).token(.admin)
            let answer = try await client.execute(
                uri: "/v1/clinics/\(clinic.id)/contact", method: .put, headers: .bearer(admin),
                body: ByteBuffer(json: Self.desertContact)
            ) { ($0.status, JSONBody($0)) }
            #expect(answer.0 == .ok)
            #expect((answer.1["contact"] as? [String: Any])?["phone"] as? String == "+1-480-555-0142 ext. 2")
            let location = try await client.fhir("/fhir/r4/Location/\(clinic.id)", token: admin).body
            let telecom = location["telecom"] as? [[String: Any]] ?? []
            #expect(telecom.compactMap { $0["system"] as? String } == ["phone", "url"])
            let address = location["address"] as? [String: Any]
            #expect(address?["city"] as? String == "Phoenix")
            #expect(address?["line"] as? [String] == ["4410 E Camelback Rd", "Suite 200"])
            #expect(try await db.count("audit_log", where: "action = 'clinic.contact'") == 1)
        }
    }

    @Test("a website that is not http(s) and a country that is not two letters are 400, and nothing changes")
    func invalidContact() async throws {
        try await withApp { client, db in
            let clinic = try await Fixtures(db).clinic()
            let admin = try await Fixtures(db).token(.admin)
            let (status, body) = try await client.execute(
                uri: "/v1/clinics/\(clinic.id)/contact", method: .put, headers: .bearer(admin),
                body: ByteBuffer(json: #"{"website":"javascript:alert(1)","address":{"country":"usa"}}"#)
            ) { ($0.status, JSONBody($0)) }
            #expect(status == .badRequest)
            #expect(Set(body.pointers) == ["/website", "/address/country"])
            // One character of 42 code points is longer than the 40 a phone may have.
            let combining = try await client.execute(
                uri: "/v1/clinics/\(clinic.id)/contact", method: .put, headers: .bearer(admin),
                body: ByteBuffer(json: "{\"phone\":\"1" + String(repeating: "\u{301}", count: 41) + "\"}")
            ) { ($0.status, JSONBody($0)) }
            #expect(combining.0 == .badRequest && combining.1.pointers == ["/phone"])
            #expect(try await db.count("clinics", where: "website IS NOT NULL") == 0)
        }
    }

    @Test("a scheduler may not change a clinic's contact details")
    func adminOnly() async throws {
        try await withApp { client, db in
            let clinic = try await Fixtures(db).clinic()
            let scheduler = try await Fixtures(db).token(.scheduler)
            let status = try await client.execute(
                uri: "/v1/clinics/\(clinic.id)/contact", method: .put, headers: .bearer(scheduler),
                body: ByteBuffer(json: Self.desertContact)
            ) { $0.status }
            #expect(status == .forbidden)
        }
    }
}
