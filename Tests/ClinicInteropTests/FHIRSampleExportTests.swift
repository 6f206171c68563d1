import ClinicDomain
import ClinicInterop
import Foundation
import Testing

/// Writes one of each resource to `$FHIR_SAMPLES_DIR` for checking with an outside FHIR validator;
/// does nothing when the variable is not set.
@Suite struct FHIRSampleExportTests {
    @Test func samplesAreWrittenWhenAskedFor() throws {
        guard let directory = ProcessInfo.processInfo.environment["FHIR_SAMPLES_DIR"] else { return }
        let clinic = try FHIRFixtures.clinic()
        let start = Date(timeIntervalSince1970: 1_773_669_600)
        let cancelled = try FHIRFixtures.appointment(state: .cancelled, cancelReason: "INR 2.4", overbook: "Urgent")
        let slot = try FHIRSlot(
            scheduleID: FHIRIDs.schedule(clinicID: clinic.id, kind: .procedure), start: start,
            end: start.addingTimeInterval(3600), status: .free, zone: clinic.timeZone.zone,
            bookingLink: URL(string: "https://clinic.example.org/book?slot=1"), bookingPhone: "+1-303-555-0142")
        let samples: [String: FHIRResource] = [
            "patient": .patient(FHIRPatient(patient: try FHIRFixtures.patient())),
            "servicerequest": .serviceRequest(FHIRServiceRequest(referral: try FHIRFixtures.referral())),
            "appointment": .appointment(
                FHIRAppointment(appointment: try FHIRFixtures.appointment(), patientID: FHIRFixtures.patientID)),
            "appointment-cancelled": .appointment(
                FHIRAppointment(appointment: cancelled, patientID: FHIRFixtures.patientID, zone: clinic.timeZone.zone)),
            "schedule": .schedule(FHIRSchedule(clinic: clinic, kind: .procedure)),
            "slot": .slot(slot),
            "location": .location(
                FHIRLocation(
                    clinic: clinic, phone: "+1-303-555-0142",
                    address: FHIRAddress(line: ["1600 Clarkson St"], city: "Denver", state: "CO", postalCode: "80218"))),
            "diagnosticreport": .diagnosticReport(FHIRDiagnosticReport(result: try FHIRFixtures.imaging())),
            "capabilitystatement": .capabilityStatement(
                .server(baseURL: "https://clinic.example.org/fhir", software: "1.4.0")),
            "operationoutcome": .operationOutcome(
                .forHTTPStatus(422, detail: "The referral is closed.", expressions: ["ServiceRequest.status"])),
        ]
        for (name, resource) in samples {
            try Data(try FHIRJSON.encode(resource)).write(to: URL(fileURLWithPath: "\(directory)/\(name).json"))
        }
        let bundle = FHIRBundle.searchset(
            entries: Array(samples.values), fullURLBase: "https://clinic.example.org/fhir",
            selfURL: "https://clinic.example.org/fhir/x", nextURL: "https://clinic.example.org/fhir/x?cursor=2",
            total: 10)
        try Data(try FHIRJSON.encode(bundle)).write(to: URL(fileURLWithPath: "\(directory)/bundle.json"))
        let published = try NDJSON.encode(
            [.location(FHIRLocation(clinic: clinic))]
                + VisitKind.allCases.map { .schedule(FHIRSchedule(clinic: clinic, kind: $0)) } + [.slot(slot)])
        try Data(published).write(to: URL(fileURLWithPath: "\(directory)/published.ndjson"))
    }
}
