import ClinicDocuments
import ClinicDomain
import Testing

/// The preparation letter: every date the patient must act on comes out of the facts, in words.
@Suite("Procedure preparation letter")
struct ProcedureLetterTests {
    typealias Example = ClinicalExamples

    @Test(
        "a 68-year-old with an L1 wedge fracture under local anesthetic with sedation, on warfarin, procedure Tuesday December 8 2026 at 08:00 America/Denver, arrive 07:00: every date of the plan is printed",
        arguments: InstructionFormat.allCases)
    func warfarin(format: InstructionFormat) {
        let facts = Example.procedureLetter(holds: [Example.warfarinHold], inrCheckOn: Example.date("2026-12-07"))
        let letter = InstructionTemplate.shipped(.procedure, format).render(facts)
        expectPhrases(
            letter,
            [
                "Margaret Lopez",
                "Front Range Spine Center", "1200 Wadsworth Blvd, Suite 300", "Lakewood, CO 80214", "303-555-0142",
                "Tuesday, December 8, 2026", "7:00 AM", "8:00 AM", "L1",
                "local anesthetic with sedation", "drowsy",
                "No food from 1:00 AM on Tuesday, December 8, 2026",
                "clear fluids", "until 5:00 AM on Tuesday, December 8, 2026",
                "Stop warfarin.", "Take your last dose on Wednesday, December 2, 2026.",
                "From Thursday, December 3, 2026, do not take it",
                "INR blood test on Monday, December 7, 2026",
                "An adult must drive you home and stay with you",
                "Do not drive until Thursday, December 10, 2026",
                "Bring a list of all the medicines you take",
                "If you feel unwell", "reschedule", "call the clinic on 303-555-0142",
            ])
        expectNoPhrases(letter, ["Keep taking your usual medicines", "general anesthesia", "no later than"])
    }

    @Test(
        "a 74-year-old with T12 and L1 fractures on apixaban (a DOAC): held from Saturday December 5, last dose Friday December 4, no INR test",
        arguments: InstructionFormat.allCases)
    func doac(format: InstructionFormat) {
        let facts = Example.procedureLetter(
            given: "Walter", family: "Brandt", levels: ["T12", "L1"], holds: [Example.doacHold])
        let letter = InstructionTemplate.shipped(.procedure, format).render(facts)
        expectPhrases(
            letter,
            [
                "Walter Brandt", "T12 and L1",
                "Stop your DOAC blood thinner (apixaban, rivaroxaban, dabigatran or edoxaban).",
                "Take your last dose on Friday, December 4, 2026.",
                "From Saturday, December 5, 2026, do not take it",
            ])
        expectNoPhrases(letter, ["INR", "warfarin", "Keep taking your usual medicines"])
    }

    @Test(
        "a patient on clopidogrel and enoxaparin injections: each drug in words, the injection's latest time",
        arguments: InstructionFormat.allCases)
    func clopidogrelAndLMWH(format: InstructionFormat) {
        let holds = [
            PatientInstructions.MedicationHold(
                drug: .clopidogrel, stopOn: Example.date("2026-12-01"), lastDoseOn: Example.date("2026-11-30"),
                lastDoseNoLaterThan: nil),
            PatientInstructions.MedicationHold(
                drug: .lmwh, stopOn: Example.date("2026-12-08"), lastDoseOn: Example.date("2026-12-07"),
                lastDoseNoLaterThan: Example.time("08:00")),
        ]
        let letter = InstructionTemplate.shipped(.procedure, format).render(Example.procedureLetter(holds: holds))
        expectPhrases(
            letter,
            [
                "Stop clopidogrel.", "Take your last dose on Monday, November 30, 2026.",
                "From Tuesday, December 1, 2026, do not take it",
                "Stop therapeutic LMWH injections (enoxaparin).",
                "Take your last injection on Monday, December 7, 2026, no later than 8:00 AM.",
            ])
    }

    @Test(
        "an 81-year-old with an L2 fracture under general anesthesia, on no blood thinner: fasting from midnight, usual medicines continue",
        arguments: InstructionFormat.allCases)
    func generalAnesthesia(format: InstructionFormat) {
        let facts = Example.procedureLetter(
            given: "Ruth", family: "Okafor", levels: ["L2"], anesthesia: .general, fasting: Example.generalFasting)
        let letter = InstructionTemplate.shipped(.procedure, format).render(facts)
        expectPhrases(
            letter,
            [
                "Ruth Okafor", "L2", "general anesthesia", "fully asleep",
                "No food from 12:00 AM (midnight) on Tuesday, December 8, 2026",
                "until 5:00 AM on Tuesday, December 8, 2026",
                "Keep taking your usual medicines unless your doctor has told you otherwise.",
                "Bring a list of all the medicines you take",
            ])
        expectNoPhrases(letter, ["local anesthetic with sedation", "Stop ", "INR"])
    }

    @Test("a clinic with no phone and no address: 'call the clinic' without a number, the name alone")
    func clinicWithoutPhoneOrAddress() {
        for format in InstructionFormat.allCases {
            let letter = InstructionTemplate.shipped(.procedure, format)
                .render(Example.procedureLetter(clinic: Example.noPhoneNoAddress))
            expectPhrases(letter, ["Foothills Spine Clinic", "please call the clinic."])
            expectNoPhrases(letter, ["Phone:", "call the clinic on", "Foothills Spine Clinic,"])
        }
    }

    @Test("an early arrival that crosses midnight names the arrival's own date")
    func arrivalTheDayBefore() {
        let visit = PatientInstructions.VisitFacts(
            kind: .procedure, date: Example.date("2026-12-08"), start: Example.time("00:30"),
            end: Example.time("01:30"), arrival: Example.time("23:30"), arrivalDate: Example.date("2026-12-07"))
        let facts = Example.procedureLetter()
        let shifted = PatientInstructions(
            document: .procedure, clinic: facts.clinic, patientGivenName: "Margaret", patientFamilyName: "Lopez",
            visit: visit, procedure: facts.procedure, aftercare: nil)
        let letter = InstructionTemplate.shipped(.procedure, .text).render(shifted)
        expectPhrases(letter, ["Arrive at: 11:30 PM on Monday, December 7, 2026", "Procedure starts: 12:30 AM"])
    }
}
