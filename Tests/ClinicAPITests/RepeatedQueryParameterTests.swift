import ClinicTestSupport
import Foundation
import HTTPTypes
import Testing

/// A query parameter the contract lets a client repeat up to `maxItems` times: one repetition
/// more is a 400 naming it (the generated server decodes every repetition and bounds none).
@Suite("Repeated query parameters")
struct RepeatedQueryParameterTests {
    static func repeated(_ name: String, _ value: String, _ times: Int) -> String {
        Array(repeating: "\(name)=\(value)", count: times).joined(separator: "&")
    }

    /// The bounded query parameters these tests send one value too many of.
    static let covered: Set<String> = ["state 7", "type 30", "resourceId 5", "date 4", "start 4"]

    /// Each query parameter of openapi.yaml with a `maxItems`, as "name bound".
    static func boundedInTheContract() throws -> Set<String> {
        let spec = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("openapi.yaml")
        var found: Set<String> = []
        var name: String?
        var inQuery = false
        for line in try String(contentsOf: spec, encoding: .utf8).split(separator: "\n") {
            let text = line.trimmingCharacters(in: .whitespaces)
            if text.hasPrefix("- name: ") {
                name = String(text.dropFirst("- name: ".count))
                inQuery = false
            } else if text == "in: query" {
                inQuery = true
            } else if text.hasPrefix("maxItems: "), inQuery, let parameter = name {
                found.insert("\(parameter) \(text.dropFirst("maxItems: ".count))")
            } else if !line.hasPrefix("        ") {
                name = nil  // back at an operation's level or above: parameters are over
            }
        }
        return found
    }

    @Test("every query parameter the contract bounds with maxItems is checked here")
    func everyBoundIsCovered() throws {
        #expect(try Self.boundedInTheContract() == Self.covered)
    }

    @Test(
        "one repetition past the contract's maxItems is 400 naming the parameter",
        arguments: [
            ("/v1/appointments?" + repeated("state", "booked", 8), "/state"),
            ("/v1/changes?" + repeated("type", "appointment.booked", 31), "/type"),
            (
                "/v1/availability?referralId=\(UUID())&kind=procedure&" + repeated("resourceId", UUID().uuidString, 6),
                "/resourceId"
            ),
        ])
    func pastTheBound(uri: String, pointer: String) async throws {
        try await withApp { client, db in
            let admin = try await Fixtures(db).token(.admin)
            try await client.execute(uri: uri, method: .get, headers: .bearer(admin, json: false)) { response in
                #expect(response.status == .badRequest)
                #expect(response.headers[.contentType] == "application/problem+json")
                #expect(JSONBody(response).pointers == [pointer])
            }
        }
    }

    @Test("the FHIR date searches take at most four bounds, and say so as an OperationOutcome")
    func fhirDateBounds() async throws {
        try await withApp { client, db in
            let clinic = try await Fixtures(db).clinic()
            let scheduler = try await Fixtures(db).token(.scheduler)
            let appointments = try await client.fhir(
                "/fhir/r4/Appointment?" + Self.repeated("date", "ge2026-12-01", 5), token: scheduler)
            #expect(appointments.status == .badRequest)
            #expect(appointments.body.issue.expression == ["date"])
            let slots = try await client.fhir(
                "/fhir/r4/Slot?schedule=\(clinic.id)-evaluation&" + Self.repeated("start", "ge2026-12-07", 5),
                token: scheduler)
            #expect(slots.status == .badRequest)
            #expect(slots.body.issue.expression == ["start"])
            let four = try await client.fhir(
                "/fhir/r4/Appointment?" + Self.repeated("date", "ge2026-12-01", 4), token: scheduler)
            #expect(four.status == .ok)
        }
    }

    @Test("every appointment state at once, seven, is a search, not a refusal")
    func atTheBound() async throws {
        try await withApp { client, db in
            let admin = try await Fixtures(db).token(.admin)
            let states = ["held", "booked", "confirmed", "checked_in", "completed", "cancelled", "no_show"]
            let uri = "/v1/appointments?" + states.map { "state=\($0)" }.joined(separator: "&")
            try await client.execute(uri: uri, method: .get, headers: .bearer(admin, json: false)) { response in
                #expect(response.status == .ok)
            }
        }
    }
}
