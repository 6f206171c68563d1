import ClinicDomain

/// The visits a clinic's template is tried on before it is accepted: for each document, one
/// with every fact present and one with every optional fact missing, so that both sides of
/// each section are exercised. Names and address carry markup, which an HTML template must
/// escape (see `TemplateCheck`).
enum SampleInstructions {
    /// What an HTML letter must never print as is.
    static let markup = "<sample>"

    static func samples(for document: InstructionDocument) -> [PatientInstructions] {
        [full(document), sparse(document)]
    }

    static var all: [PatientInstructions] {
        InstructionDocument.allCases.flatMap(samples)
    }

    private static func full(_ document: InstructionDocument) -> PatientInstructions {
        let clinic = PatientInstructions.ClinicFacts(
            name: "Sample Spine Clinic \(markup)", phone: "555-0100 \(markup)",
            website: "https://clinic.example/\(markup)",
            addressLines: ["1 Sample Street \(markup)", "Denver, CO 80202", "United States"],
            timeZone: "America/Denver")
        return PatientInstructions(
            document: document, clinic: clinic, patientGivenName: "Alex \(markup)",
            patientFamilyName: "O'Sample & Sons \(markup)", visit: visit(document), procedure: procedure(full: true),
            aftercare: AftercareFacts(
                procedureDate: day(8), levels: levels, osteoporosis: true, followUp: followUpVisit))
    }

    private static func sparse(_ document: InstructionDocument) -> PatientInstructions {
        let clinic = PatientInstructions.ClinicFacts(
            name: "Sample Clinic", phone: nil, website: nil, addressLines: [], timeZone: "UTC")
        return PatientInstructions(
            document: document, clinic: clinic, patientGivenName: "", patientFamilyName: "Sample",
            visit: visit(document), procedure: procedure(full: false),
            aftercare: AftercareFacts(procedureDate: day(8), levels: [levels[0]], osteoporosis: false, followUp: nil))
    }

    private typealias AftercareFacts = PatientInstructions.AftercareFacts

    private static func visit(_ document: InstructionDocument) -> PatientInstructions.VisitFacts {
        let kind: VisitKind =
            switch document {
            case .evaluation: .evaluation
            case .followUp: .followUp
            case .procedure, .aftercare: .procedure
            }
        return PatientInstructions.VisitFacts(
            kind: kind, date: day(8), start: time(8, 0), end: time(9, 0), arrival: time(7, 0), arrivalDate: day(8))
    }

    private static let followUpVisit = PatientInstructions.VisitFacts(
        kind: .followUp, date: day(22), start: time(10, 30), end: time(11, 0), arrival: time(10, 15),
        arrivalDate: day(22))

    private static func procedure(full: Bool) -> PatientInstructions.ProcedureFacts {
        let holds: [PatientInstructions.MedicationHold] =
            full
            ? [
                .init(drug: .warfarin, stopOn: day(3), lastDoseOn: day(2), lastDoseNoLaterThan: nil),
                .init(drug: .lmwh, stopOn: day(7), lastDoseOn: day(6), lastDoseNoLaterThan: time(8, 0)),
            ] : []
        return PatientInstructions.ProcedureFacts(
            levels: full ? levels : [levels[0]], anesthesia: full ? .localWithSedation : .general,
            fasting: .init(
                noFoodFromDate: day(8), noFoodFrom: time(full ? 1 : 0, 0), clearFluidsUntilDate: day(8),
                clearFluidsUntil: time(5, 0)),
            holds: holds, inrCheckOn: full ? day(7) : nil, mayDriveFrom: day(10))
    }

    // The sample's dates and levels are constants known to be valid: a failure here is a typo
    // in this file, caught by the first test that checks a template.
    private static let levels = [try! VertebralLevel("T12"), try! VertebralLevel("L1")]

    private static func day(_ day: Int) -> LocalDate {
        try! LocalDate(year: 2026, month: 12, day: day)
    }

    private static func time(_ hour: Int, _ minute: Int) -> LocalTime {
        try! LocalTime(hour: hour, minute: minute)
    }
}
