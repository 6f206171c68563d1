import ClinicDomain
import ClinicInterop
import Foundation
import Testing

@Suite struct SMARTBulkPublishTests {
    @Test func manifestHasTimeRequestOutputsAndEmptyErrors() throws {
        let manifest = SMARTManifest(
            transactionTime: Date(timeIntervalSince1970: 1_772_469_000),
            requestURL: "https://clinic.example.org/fhir/$bulk-publish",
            outputs: [
                (type: "Location", url: "https://clinic.example.org/fhir/bulk/locations.ndjson"),
                (type: "Schedule", url: "https://clinic.example.org/fhir/bulk/schedules.ndjson"),
                (type: "Slot", url: "https://clinic.example.org/fhir/bulk/slots.ndjson"),
            ])
        let json = try FHIRFixtures.json(manifest)
        #expect(json.string("transactionTime") == "2026-03-02T16:30:00Z")
        #expect(json.string("request") == "https://clinic.example.org/fhir/$bulk-publish")
        #expect(json.objects("output").map { $0.string("type") } == ["Location", "Schedule", "Slot"])
        #expect(json.objects("output").last?.string("url") == "https://clinic.example.org/fhir/bulk/slots.ndjson")
        #expect((json["error"] as? [Any])?.isEmpty == true)
    }

    @Test func ndjsonIsOneCompactObjectPerLine() throws {
        let clinic = try FHIRFixtures.clinic()
        let schedule = FHIRSchedule(clinic: clinic, kind: .procedure)
        let start = Date(timeIntervalSince1970: 1_773_669_600)
        let slot = try FHIRSlot(
            scheduleID: schedule.id, start: start, end: start.addingTimeInterval(3600), status: .free,
            zone: clinic.timeZone.zone, bookingLink: nil, bookingPhone: "+1-303-555-0142")
        let bytes = try NDJSON.encode([
            .location(FHIRLocation(clinic: clinic, phone: "+1-303-555-0142")), .schedule(schedule), .slot(slot),
        ])
        #expect(bytes.last == UInt8(ascii: "\n"))
        let lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).dropLast()
        #expect(lines.count == 3)
        let types = try lines.map { line in
            let object = try #require(JSONSerialization.jsonObject(with: Data(line)) as? [String: Any])
            return object.string("resourceType")
        }
        #expect(types == ["Location", "Schedule", "Slot"])
    }

    @Test func newlinesInsideTextStayOnTheirLine() throws {
        let clinic = Clinic(
            id: FHIRFixtures.clinicID, name: try BoundedText("Front Range\nSpine Clinic", maxLength: 200),
            timeZone: try ClinicTimeZone("America/Denver"))
        let bytes = try NDJSON.encode([.location(FHIRLocation(clinic: clinic))])
        #expect(bytes.filter { $0 == UInt8(ascii: "\n") }.count == 1)
    }

    @Test func noResourcesIsAnEmptyFile() throws {
        #expect(try NDJSON.encode([]).isEmpty)
    }
}
