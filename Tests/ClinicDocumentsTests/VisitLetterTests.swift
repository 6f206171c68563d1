import ClinicDocuments
import ClinicDomain
import Testing

/// The evaluation and follow-up letters: when, where, what to bring, whom to call.
@Suite("Evaluation and follow-up letters")
struct VisitLetterTests {
    typealias Example = ClinicalExamples

    @Test(
        "a 79-year-old referred with an L3 fracture on MRI, evaluation Monday November 30 2026 at 13:30, arrive 13:15: imaging, medicines and brace to bring",
        arguments: InstructionFormat.allCases)
    func evaluation(format: InstructionFormat) {
        let visit = Example.visit(.evaluation, "2026-11-30", start: "13:30", arrival: "13:15")
        let letter = InstructionTemplate.shipped(.evaluation, format).render(Example.visitLetter(.evaluation, visit))
        expectPhrases(
            letter,
            [
                "Harold Nguyen", "Monday, November 30, 2026", "1:15 PM", "1:30 PM",
                "Front Range Spine Center", "1200 Wadsworth Blvd, Suite 300, Lakewood, CO 80214, United States",
                "reports and images of your MRI, X-ray or CT scans, or the disc",
                "list of all the medicines you take", "blood thinners", "brace",
                "call the clinic on 303-555-0142",
            ])
    }

    @Test(
        "the follow-up visit two weeks after the procedure, Tuesday December 22 2026 at 10:30: medicines and questions about pain and activity",
        arguments: InstructionFormat.allCases)
    func followUp(format: InstructionFormat) {
        let visit = Example.visit(.followUp, "2026-12-22", start: "10:30", arrival: "10:15")
        let letter = InstructionTemplate.shipped(.followUp, format).render(Example.visitLetter(.followUp, visit))
        expectPhrases(
            letter,
            [
                "Harold Nguyen", "Tuesday, December 22, 2026", "10:15 AM", "10:30 AM",
                "Front Range Spine Center", "Lakewood, CO 80214",
                "list of all the medicines you take", "questions about pain and activity",
                "call the clinic on 303-555-0142",
            ])
    }

    @Test("an evaluation at a clinic with no address and no phone prints the clinic's name alone")
    func clinicNameAlone() {
        let visit = Example.visit(.evaluation, "2026-11-30", start: "13:30", arrival: "13:15")
        for format in InstructionFormat.allCases {
            let letter = InstructionTemplate.shipped(.evaluation, format)
                .render(Example.visitLetter(.evaluation, visit, clinic: Example.noPhoneNoAddress))
            expectPhrases(letter, ["Foothills Spine Clinic", "please call the clinic."])
            expectNoPhrases(letter, ["Foothills Spine Clinic,", "Phone:", "call the clinic on"])
        }
    }
}
