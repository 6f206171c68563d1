import ClinicAPI
import ClinicApp
import ClinicDomain
import ClinicPostgres
import ClinicServices
import ClinicTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PostgresNIO
import Testing

/// The front desk's day: find Eleanor Whitfield (68, L1 wedge fracture, 30% height loss, STIR
/// edema, on warfarin), see her appointments, print her letter; rooms renamed, deactivated and
/// blocked; the change feed read and resumed.
@Suite("Front desk")
struct FrontDeskTests {
    /// A candidate with a procedure booked next Monday at 07:00 (Phoenix), and a network scheduler's token.
    static func booked(_ db: TestDatabase) async throws -> (
        clinic: Clinic, resources: [ResourceKind: ResourceID], referral: ReferralID, appointment: Appointment,
        token: String
    ) {
        let fixtures = Fixtures(db)
        let (clinic, resources) = try await fixtures.schedulableClinic()
        let services = try fixtures.services()
        let referral = try await fixtures.candidate(at: clinic, mrn: "DSC-4471", services: services)
        let (appointment, _) = try await services.scheduling.book(
            referralID: referral, kind: .procedure, start: Fixtures.nextMondayMorning(in: clinic), resourceIDs: nil,
            idempotencyKey: nil, actor: Fixtures.operator_)
        return (clinic, resources, referral, appointment, try await fixtures.token(.scheduler))
    }

    static func get(_ client: any TestClientProtocol, _ uri: String, _ token: String, accept: String? = nil)
        async throws -> (Int, String)
    {
        var headers = HTTPFields.bearer(token, json: false)
        if let accept { headers[.accept] = accept }
        return try await client.execute(uri: uri, method: .get, headers: headers) {
            ($0.status.code, String(buffer: $0.body))
        }
    }

    static func send(
        _ client: any TestClientProtocol, _ method: HTTPRequest.Method, _ uri: String, _ token: String, _ body: String?
    )
        async throws -> (Int, [String: Any])
    {
        try await client.execute(
            uri: uri, method: method, headers: .bearer(token, json: body != nil),
            body: body.map { ByteBuffer(json: $0) }
        ) { response in
            (
                response.status.code,
                (try? JSONSerialization.jsonObject(with: Data(buffer: response.body))) as? [String: Any] ?? [:]
            )
        }
    }

    static func json(_ text: String) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
    }

    @Test("a patient is found by MRN, or by family name in any case with the birth date, and nothing else")
    func patientSearch() async throws {
        try await withApp { client, db in
            let site = try await Self.booked(db)
            let (status, body) = try await Self.get(client, "/v1/patients?mrn=DSC-4471", site.token)
            #expect(status == 200)
            let items = Self.json(body)["items"] as? [[String: Any]] ?? []
            #expect(items.count == 1 && items.first?["familyName"] as? String == "Whitfield")
            let (_, byName) = try await Self.get(
                client, "/v1/patients?familyName=WHITFIELD&birthDate=1958-03-14", site.token)
            #expect((Self.json(byName)["items"] as? [Any])?.count == 1)
            let (_, wrongBirth) = try await Self.get(
                client, "/v1/patients?familyName=Whitfield&birthDate=1958-03-15", site.token)
            #expect((Self.json(wrongBirth)["items"] as? [Any])?.count == 0)
            for bad in [
                "/v1/patients", "/v1/patients?familyName=Whitfield", "/v1/patients?mrn=A&familyName=B",
                "/v1/patients?familyName=Whitfield&birthDate=1958-02-30", "/v1/patients?mrn=X&limit=0",
                "/v1/patients?mrn=X&cursor=forged.cursor",
            ] {
                let (code, text) = try await Self.get(client, bad, site.token)
                #expect(code == 400, "\(bad): \(code) \(text)")
            }
            // Another clinic's staff find nobody.
            let other = try await Fixtures(db).clinic(name: "Mesa Vertebral Clinic")
            let outsider = try await Fixtures(db).token(.scheduler, name: "mesa", scope: .clinics([other.id]))
            let (_, hidden) = try await Self.get(client, "/v1/patients?mrn=DSC-4471", outsider)
            #expect((Self.json(hidden)["items"] as? [Any])?.count == 0)
        }
    }

    @Test("a patient's record lists their referrals, appointments and imaging, and is audited")
    func patientRecord() async throws {
        try await withApp { client, db in
            let site = try await Self.booked(db)
            let (_, search) = try await Self.get(client, "/v1/patients?mrn=DSC-4471", site.token)
            let patientID = ((Self.json(search)["items"] as? [[String: Any]])?.first?["id"] as? String) ?? ""
            let (status, body) = try await Self.get(client, "/v1/patients/\(patientID)", site.token)
            #expect(status == 200)
            let record = Self.json(body)
            #expect((record["referrals"] as? [[String: Any]])?.first?["id"] as? String == site.referral.description)
            #expect(
                (record["appointments"] as? [[String: Any]])?.first?["id"] as? String == site.appointment.id.description
            )
            let imaging = record["imagingResultIds"] as? [String] ?? []
            #expect(imaging.count == 1)
            let (_, results) = try await Self.get(client, "/v1/imaging-results?patientId=\(patientID)", site.token)
            #expect((Self.json(results)["items"] as? [[String: Any]])?.first?["id"] as? String == imaging.first)
            let audited = try await db.database.withConnection(scope: .network) { connection in
                try await connection.query(
                    "SELECT count(*)::int FROM audit_log WHERE action = 'patient.read' AND entity_id = \(UUID(uuidString: patientID)!)",
                    logger: db.database.logger
                ).collect().first?.decode(Int.self) ?? 0
            }
            #expect(audited == 1)
            let (missing, _) = try await Self.get(client, "/v1/patients/\(UUID())", site.token)
            #expect(missing == 404)
        }
    }

    @Test("appointments list by day on the clinic's calendar, state, kind, referral and clinic")
    func appointmentList() async throws {
        try await withApp { client, db in
            let site = try await Self.booked(db)
            let day = LocalDate(site.appointment.start, in: site.clinic.timeZone.zone)
            func count(_ query: String) async throws -> Int {
                let (status, body) = try await Self.get(client, "/v1/appointments?\(query)", site.token)
                #expect(status == 200, "\(query): \(body)")
                return (Self.json(body)["items"] as? [Any])?.count ?? -1
            }
            #expect(try await count("clinicId=\(site.clinic.id)&from=\(day)&to=\(day)") == 1)
            #expect(try await count("clinicId=\(site.clinic.id)&from=\(day.adding(days: 1))") == 0)
            #expect(try await count("to=\(day.adding(days: -1))") == 0)
            #expect(try await count("referralId=\(site.referral)&kind=procedure&state=booked") == 1)
            #expect(try await count("referralId=\(site.referral)&kind=evaluation") == 0)
            #expect(try await count("referralId=\(site.referral)&state=cancelled&state=no_show") == 0)
            for bad in [
                "from=2026-13-01", "from=2026-12-10&to=2026-12-09", "limit=101", "state=lost", "kind=x",
                "referralId=nope", "cursor=abc",
            ] {
                let (code, _) = try await Self.get(client, "/v1/appointments?\(bad)", site.token)
                #expect(code == 400, "\(bad)")
            }
        }
    }

    @Test("the clinics list shows only the token's clinics, paged by name")
    func clinicList() async throws {
        try await withApp { client, db in
            let fixtures = Fixtures(db)
            let a = try await fixtures.clinic(name: "Alpine Spine")
            _ = try await fixtures.clinic(name: "Boulder Vertebral")
            _ = try await fixtures.clinic(name: "Cedar Back Care")
            let network = try await fixtures.token(.reporter)
            let (_, first) = try await Self.get(client, "/v1/clinics?limit=2", network)
            let page = Self.json(first)
            #expect(
                (page["items"] as? [[String: Any]])?.map { $0["name"] as? String } == [
                    "Alpine Spine", "Boulder Vertebral",
                ])
            let cursor = page["nextCursor"] as? String ?? ""
            let (_, second) = try await Self.get(client, "/v1/clinics?limit=2&cursor=\(cursor)", network)
            #expect(
                (Self.json(second)["items"] as? [[String: Any]])?.map { $0["name"] as? String } == ["Cedar Back Care"])
            let scoped = try await fixtures.token(.scheduler, name: "alpine", scope: .clinics([a.id]))
            let (_, own) = try await Self.get(client, "/v1/clinics", scoped)
            #expect((Self.json(own)["items"] as? [[String: Any]])?.map { $0["name"] as? String } == ["Alpine Spine"])
        }
    }

    @Test(
        "a procedure letter under sedation with warfarin names the hold, the INR check and the driver; a cancelled visit has none"
    )
    func procedureLetter() async throws {
        try await withApp { client, db in
            let site = try await Self.booked(db)
            let (status, text) = try await Self.get(
                client, "/v1/appointments/\(site.appointment.id)/instructions?format=text", site.token)
            #expect(status == 200)
            #expect(text.contains("Eleanor") && text.contains("L1"))
            #expect(text.lowercased().contains("warfarin") && text.contains("INR"))
            #expect(text.lowercased().contains("drive"))
            #expect(!text.contains("<html"))
            let (htmlStatus, html) = try await Self.get(
                client, "/v1/appointments/\(site.appointment.id)/instructions", site.token, accept: "text/html")
            #expect(htmlStatus == 200 && html.lowercased().contains("<!doctype html>"))
            let (plainStatus, plain) = try await Self.get(
                client, "/v1/appointments/\(site.appointment.id)/instructions", site.token, accept: "text/plain")
            #expect(plainStatus == 200 && plain == text)
            let (bad, _) = try await Self.get(
                client, "/v1/appointments/\(site.appointment.id)/instructions?format=pdf", site.token)
            #expect(bad == 400)
            _ = try await Fixtures(db).services().waitlist.cancel(
                appointmentID: site.appointment.id, reason: "Patient unwell", actor: Fixtures.operator_)
            let (cancelled, _) = try await Self.get(
                client, "/v1/appointments/\(site.appointment.id)/instructions", site.token)
            #expect(cancelled == 409)
        }
    }

    @Test("a clinic's own template is checked, used for its letters, and reset to the shipped one")
    func clinicTemplates() async throws {
        try await withApp { client, db in
            let site = try await Self.booked(db)
            let admin = try await Fixtures(db).token(.admin)
            let path = "/v1/clinics/\(site.clinic.id)/instruction-templates/procedure/text"
            let (broken, problem) = try await Self.send(
                client, .put, path, admin, #"{"body":"Hello {{#procedure}} unclosed"}"#)
            #expect(broken == 422 && (problem["errors"] as? [[String: Any]])?.first?["pointer"] as? String == "/body")
            let (saved, stored) = try await Self.send(
                client, .put, path, admin, #"{"body":"Desert Spine: bring your walker and this sheet."}"#)
            #expect(saved == 200 && stored["isDefault"] as? Bool == false)
            let letter = "/v1/appointments/\(site.appointment.id)/instructions?format=text"
            let (_, custom) = try await Self.get(client, letter, site.token)
            #expect(custom.contains("bring your walker"))
            let (listed, list) = try await Self.send(
                client, .get, "/v1/clinics/\(site.clinic.id)/instruction-templates", admin, nil)
            #expect(listed == 200 && (list["items"] as? [Any])?.count == 8)
            let (reset, _) = try await Self.send(client, .delete, path, admin, nil)
            #expect(reset == 204)
            let (_, shipped) = try await Self.get(client, letter, site.token)
            #expect(!shipped.contains("bring your walker") && shipped.lowercased().contains("warfarin"))
            let (forbidden, _) = try await Self.send(client, .put, path, site.token, #"{"body":"x"}"#)
            #expect(forbidden == 403)
        }
    }

    @Test("a room holding a future booking is not deactivated, and the refusal names the booking")
    func deactivation() async throws {
        try await withApp { client, db in
            let site = try await Self.booked(db)
            let admin = try await Fixtures(db).token(.admin)
            let room = site.resources[.procedureRoom]!
            let (refused, problem) = try await Self.send(
                client, .patch, "/v1/resources/\(room)", admin, #"{"active":false}"#)
            #expect(refused == 409)
            #expect(
                (problem["bookings"] as? [[String: Any]])?.first?["appointmentId"] as? String
                    == site.appointment.id.description)
            let (_, detail) = try await Self.send(client, .get, "/v1/resources/\(room)", admin, nil)
            #expect((detail["futureBookings"] as? [Any])?.count == 1)
            #expect((detail["resource"] as? [String: Any])?["active"] as? Bool == true)
            let (renamed, body) = try await Self.send(
                client, .patch, "/v1/resources/\(room)", admin, #"{"name":"Procedure Suite 1 (east)"}"#)
            #expect(
                renamed == 200 && (body["resource"] as? [String: Any])?["name"] as? String == "Procedure Suite 1 (east)"
            )
            let (taken, _) = try await Self.send(
                client, .patch, "/v1/resources/\(room)", admin, #"{"name":"Consult Room A"}"#)
            #expect(taken == 409)
            let (empty, _) = try await Self.send(client, .patch, "/v1/resources/\(room)", admin, "{}")
            #expect(empty == 400)
            // Once the booking is moved away (cancelled here), the room can go.
            _ = try await Fixtures(db).services().waitlist.cancel(
                appointmentID: site.appointment.id, reason: "Moved to another clinic", actor: Fixtures.operator_)
            let (done, after) = try await Self.send(
                client, .patch, "/v1/resources/\(room)", admin, #"{"active":false}"#)
            #expect(done == 200 && (after["resource"] as? [String: Any])?["active"] as? Bool == false)
            let (_, list) = try await Self.send(client, .get, "/v1/clinics/\(site.clinic.id)/resources", admin, nil)
            #expect(!((list["items"] as? [[String: Any]]) ?? []).contains { $0["id"] as? String == room.description })
        }
    }

    @Test("a block over a booking is refused naming it, laid when overbooking is stated, listed and lifted")
    func blocks() async throws {
        try await withApp { client, db in
            let site = try await Self.booked(db)
            let admin = try await Fixtures(db).token(.admin)
            let room = site.resources[.procedureRoom]!
            let day = site.appointment.start
            let starts = RFC3339.format(day.addingTimeInterval(-3600))
            let ends = RFC3339.format(day.addingTimeInterval(8 * 3600))
            let block = #"{"starts":"\#(starts)","ends":"\#(ends)","kind":"maintenance","reason":"C-arm service""#
            let (refused, problem) = try await Self.send(
                client, .post, "/v1/resources/\(room)/blocks", admin, block + "}")
            #expect(refused == 409)
            #expect(
                (problem["bookings"] as? [[String: Any]])?.first?["appointmentId"] as? String
                    == site.appointment.id.description)
            let (created, body) = try await Self.send(
                client, .post, "/v1/resources/\(room)/blocks", admin, block + #","overBookings":true}"#)
            #expect(created == 201 && (body["coveredBookings"] as? [Any])?.count == 1)
            let blockID = body["id"] as? String ?? ""
            let (_, list) = try await Self.send(
                client, .get, "/v1/resources/\(room)/blocks?from=\(starts.replacingOccurrences(of: "+", with: "%2B"))",
                admin, nil)
            #expect((list["items"] as? [[String: Any]])?.first?["overBookings"] as? Bool == true)
            let (lifted, _) = try await Self.send(
                client, .delete, "/v1/resources/\(room)/blocks/\(blockID)", admin, nil)
            #expect(lifted == 204)
            let (again, _) = try await Self.send(client, .delete, "/v1/resources/\(room)/blocks/\(blockID)", admin, nil)
            #expect(again == 404)
            let (_, none) = try await Self.send(client, .get, "/v1/resources/\(room)/blocks", admin, nil)
            #expect((none["items"] as? [Any])?.count == 0)
        }
    }

    @Test("the change feed is ordered, scoped, resumable from the middle, and loses no event")
    func changeFeed() async throws {
        try await withApp { client, db in
            let site = try await Self.booked(db)
            let (status, body) = try await Self.get(client, "/v1/changes?limit=1000", site.token)
            #expect(status == 200)
            let page = Self.json(body)
            let items = page["items"] as? [[String: Any]] ?? []
            let types = items.compactMap { $0["type"] as? String }
            for expected in [
                "referral.created", "referral.triaged", "referral.evaluated", "referral.procedure_scheduled",
                "appointment.booked",
            ] {
                #expect(types.contains(expected), "\(expected) in \(types)")
            }
            let positions = items.compactMap { ($0["position"] as? NSNumber)?.int64Value }
            #expect(positions == positions.sorted() && Set(positions).count == positions.count)
            #expect((page["next"] as? NSNumber)?.int64Value == positions.last)
            // Every change row is in the feed: none carries a type the API does not know.
            let stored = try await db.database.withConnection(scope: .network) { connection in
                try await connection.query("SELECT count(*)::int FROM changes", logger: db.database.logger).collect()
                    .first?.decode(Int.self) ?? -1
            }
            #expect(stored == items.count)
            // Resumed from the middle: exactly the rest.
            let middle = positions[positions.count / 2]
            let (_, rest) = try await Self.get(client, "/v1/changes?after=\(middle)", site.token)
            let restPositions = (Self.json(rest)["items"] as? [[String: Any]] ?? []).compactMap {
                ($0["position"] as? NSNumber)?.int64Value
            }
            #expect(restPositions == positions.filter { $0 > middle })
            let (_, booked) = try await Self.get(client, "/v1/changes?type=appointment.booked", site.token)
            #expect(
                (Self.json(booked)["items"] as? [[String: Any]])?.map { $0["entityId"] as? String } == [
                    site.appointment.id.description
                ])
            // Another clinic's staff see none of it.
            let other = try await Fixtures(db).clinic(name: "Mesa Vertebral Clinic")
            let outsider = try await Fixtures(db).token(.scheduler, name: "mesa", scope: .clinics([other.id]))
            let (_, hidden) = try await Self.get(client, "/v1/changes", outsider)
            #expect((Self.json(hidden)["items"] as? [Any])?.count == 0)
            for bad in ["after=-1", "limit=0", "limit=1001", "type=referral.lost", "after=abc"] {
                let (code, _) = try await Self.get(client, "/v1/changes?\(bad)", site.token)
                #expect(code == 400, "\(bad)")
            }
        }
    }

    @Test("a poll filtered by type resumes after the events it passed over, and still gets the next one of its type")
    func filteredFeedMovesOn() async throws {
        try await withApp { client, db in
            let site = try await Self.booked(db)
            func poll(_ query: String, _ token: String) async throws -> (types: [String], next: Int64?) {
                let (status, body) = try await Self.get(client, "/v1/changes?\(query)", token)
                #expect(status == 200)
                let page = Self.json(body)
                return (
                    (page["items"] as? [[String: Any]] ?? []).compactMap { $0["type"] as? String },
                    (page["next"] as? NSNumber)?.int64Value
                )
            }
            let everything = try await poll("limit=1000", site.token)
            let newest = try #require(everything.next)
            // No cancellation yet: the poll moves to the feed's newest position, not back to 0.
            let quiet = try await poll("type=appointment.cancelled", site.token)
            #expect(quiet.types.isEmpty && quiet.next == newest)
            // A full page still resumes from its last event, so nothing after it is passed over.
            let first = try await poll("type=referral.created&limit=1", site.token)
            #expect(first.types == ["referral.created"] && first.next ?? 0 < newest)
            // An `after` past the newest stays where it is.
            #expect(try await poll("after=\(newest + 50)", site.token).next == newest + 50)
            // Another clinic's staff learn nothing of this clinic's activity from `next`.
            let other = try await Fixtures(db).clinic(name: "Mesa Vertebral Clinic")
            let outsider = try await Fixtures(db).token(.scheduler, name: "mesa", scope: .clinics([other.id]))
            #expect(try await poll("type=appointment.cancelled", outsider).next == 0)

            let (cancelled, _) = try await Self.send(
                client, .post, "/v1/appointments/\(site.appointment.id)/cancel", site.token,
                #"{"reason":"Patient admitted to hospital with pneumonia"}"#)
            #expect(cancelled == 200)
            let later = try await poll("type=appointment.cancelled&after=\(newest)", site.token)
            #expect(later.types == ["appointment.cancelled"] && (later.next ?? 0) > newest)
        }
    }
}
