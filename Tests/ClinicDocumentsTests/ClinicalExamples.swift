import ClinicDomain
import Foundation
import Testing

/// Patients and visits of a Denver spine clinic, as the pre-procedure plan would state them:
/// the letters only print these facts.
enum ClinicalExamples {
    // Test data written by hand: a typo here should stop the test, not be handled.
    static func date(_ iso: String) -> LocalDate { try! LocalDate(iso8601: iso) }
    static func time(_ text: String) -> LocalTime { try! LocalTime(text) }
    static func level(_ code: String) -> VertebralLevel { try! VertebralLevel(code) }

    static let frontRange = PatientInstructions.ClinicFacts(
        name: "Front Range Spine Center", phone: "303-555-0142", website: "https://frontrangespine.example",
        addressLines: ["1200 Wadsworth Blvd, Suite 300", "Lakewood, CO 80214", "United States"],
        timeZone: "America/Denver")

    static let noPhoneNoAddress = PatientInstructions.ClinicFacts(
        name: "Foothills Spine Clinic", phone: nil, website: nil, addressLines: [], timeZone: "America/Denver")

    /// Tuesday, December 8, 2026, 08:00-09:00 America/Denver, arrive 07:00.
    static let tuesdayMorningProcedure = PatientInstructions.VisitFacts(
        kind: .procedure, date: date("2026-12-08"), start: time("08:00"), end: time("09:00"),
        arrival: time("07:00"), arrivalDate: date("2026-12-08"))

    static func procedureLetter(
        clinic: PatientInstructions.ClinicFacts = frontRange, given: String = "Margaret", family: String = "Lopez",
        levels: [String] = ["L1"], anesthesia: AnesthesiaPlan = .localWithSedation,
        fasting: PatientInstructions.Fasting = sedationFasting, holds: [PatientInstructions.MedicationHold] = [],
        inrCheckOn: LocalDate? = nil
    ) -> PatientInstructions {
        PatientInstructions(
            document: .procedure, clinic: clinic, patientGivenName: given, patientFamilyName: family,
            visit: tuesdayMorningProcedure,
            procedure: .init(
                levels: levels.map(level), anesthesia: anesthesia, fasting: fasting, holds: holds,
                inrCheckOn: inrCheckOn, mayDriveFrom: date("2026-12-10")),
            aftercare: nil)
    }

    /// Sedation: no food from six hours before the 07:00 arrival, clear fluids until two hours before.
    static let sedationFasting = PatientInstructions.Fasting(
        noFoodFromDate: date("2026-12-08"), noFoodFrom: time("01:00"), clearFluidsUntilDate: date("2026-12-08"),
        clearFluidsUntil: time("05:00"))

    /// General anesthesia: nothing to eat from midnight.
    static let generalFasting = PatientInstructions.Fasting(
        noFoodFromDate: date("2026-12-08"), noFoodFrom: time("00:00"), clearFluidsUntilDate: date("2026-12-08"),
        clearFluidsUntil: time("05:00"))

    /// Warfarin held 5 days: last dose Wednesday December 2, first day without it Thursday December 3.
    static let warfarinHold = PatientInstructions.MedicationHold(
        drug: .warfarin, stopOn: date("2026-12-03"), lastDoseOn: date("2026-12-02"), lastDoseNoLaterThan: nil)

    /// A DOAC held 3 days: last dose Friday December 4, stopped from Saturday December 5.
    static let doacHold = PatientInstructions.MedicationHold(
        drug: .doac, stopOn: date("2026-12-05"), lastDoseOn: date("2026-12-04"), lastDoseNoLaterThan: nil)

    static func visit(_ kind: VisitKind, _ day: String, start: String, arrival: String)
        -> PatientInstructions.VisitFacts
    {
        PatientInstructions.VisitFacts(
            kind: kind, date: date(day), start: time(start), end: time(start), arrival: time(arrival),
            arrivalDate: date(day))
    }

    static func visitLetter(
        _ document: InstructionDocument, _ visit: PatientInstructions.VisitFacts,
        clinic: PatientInstructions.ClinicFacts = frontRange
    ) -> PatientInstructions {
        PatientInstructions(
            document: document, clinic: clinic, patientGivenName: "Harold", patientFamilyName: "Nguyen", visit: visit,
            procedure: nil, aftercare: nil)
    }

    static func aftercareSheet(
        osteoporosis: Bool, followUp: PatientInstructions.VisitFacts?,
        clinic: PatientInstructions.ClinicFacts = frontRange
    ) -> PatientInstructions {
        PatientInstructions(
            document: .aftercare, clinic: clinic, patientGivenName: "Margaret", patientFamilyName: "Lopez",
            visit: tuesdayMorningProcedure, procedure: nil,
            aftercare: .init(
                procedureDate: date("2026-12-08"), levels: [level("T12"), level("L1")], osteoporosis: osteoporosis,
                followUp: followUp))
    }
}

/// The letter with its line breaks and indentation collapsed, so that a phrase is found however
/// the template wraps it.
func flat(_ letter: String) -> String {
    letter.split(whereSeparator: \.isWhitespace).joined(separator: " ")
}

/// Each phrase must appear in the letter; a failure names the phrase missing.
func expectPhrases(_ letter: String, _ phrases: [String], sourceLocation: SourceLocation = #_sourceLocation) {
    let text = flat(letter)
    for phrase in phrases {
        #expect(text.contains(phrase), "missing: \(phrase)", sourceLocation: sourceLocation)
    }
}

func expectNoPhrases(_ letter: String, _ phrases: [String], sourceLocation: SourceLocation = #_sourceLocation) {
    let text = flat(letter)
    for phrase in phrases {
        #expect(!text.contains(phrase), "should not say: \(phrase)", sourceLocation: sourceLocation)
    }
}
