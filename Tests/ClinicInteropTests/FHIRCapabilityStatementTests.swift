import ClinicInterop
import Foundation
import Testing

@Suite struct FHIRCapabilityStatementTests {
    let statement = FHIRCapabilityStatement.server(
        baseURL: "https://clinic.example.org/fhir", software: "1.4.0", date: Date(timeIntervalSince1970: 1_772_469_000))

    @Test func statementIsAnActiveR4JSONServerInstance() throws {
        let json = try FHIRFixtures.json(statement)
        #expect(json.string("resourceType") == "CapabilityStatement")
        #expect(json.string("status") == "active")
        #expect(json.string("kind") == "instance")
        #expect(json.string("fhirVersion") == "4.0.1")
        #expect((json["format"] as? [String])?.contains("json") == true)
        #expect(json.string("date") == "2026-03-02T16:30:00Z")
        #expect(json.object("software")?.string("version") == "1.4.0")
        #expect(json.object("implementation")?.string("url") == "https://clinic.example.org/fhir")
        let rest = try #require(json.objects("rest").first)
        #expect(rest.string("mode") == "server")
        #expect(rest.object("security")?.string("description") == "Bearer token (Authorization: Bearer <token>)")
    }

    @Test func resourcesListTheirInteractionsAndSearchParameters() throws {
        let json = try FHIRFixtures.json(statement)
        let resources = try #require(json.objects("rest").first?.objects("resource"))
        func resource(_ type: String) -> [String: Any]? { resources.first { $0.string("type") == type } }
        func interactions(_ type: String) -> [String] {
            resource(type)?.objects("interaction").compactMap { $0.string("code") } ?? []
        }
        func parameters(_ type: String) -> [String] {
            resource(type)?.objects("searchParam").compactMap { $0.string("name") } ?? []
        }
        #expect(interactions("Patient") == ["read"])
        #expect(interactions("ServiceRequest") == ["read", "search-type", "create"])
        #expect(parameters("ServiceRequest") == ["patient", "status", "priority", "_count"])
        #expect(parameters("Appointment") == ["date", "status", "patient", "_count"])
        #expect(parameters("Schedule") == ["_id", "actor"])
        #expect(interactions("Slot") == ["search-type"])
        #expect(parameters("Slot") == ["schedule", "start", "status", "_count"])
        #expect(interactions("DiagnosticReport") == ["read"])
        #expect(interactions("Location") == ["read"])
    }
}
