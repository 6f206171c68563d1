import ClinicDocuments
import ClinicDomain
import Testing

/// The aftercare sheet after a completed kyphoplasty.
@Suite("Aftercare sheet")
struct AftercareSheetTests {
    typealias Example = ClinicalExamples

    static let followUp = Example.visit(.followUp, "2026-12-22", start: "10:30", arrival: "10:15")

    static let activityAndWarnings = [
        "You had a kyphoplasty on Tuesday, December 8, 2026", "fractures at T12 and L1",
        "do not lift anything heavier than about 10 lb (4.5 kg)", "For the first weeks",
        "gentle stretching", "Return to exercise gradually", "physical therapy",
        "call the clinic on 303-555-0142 if you have:",
        "sudden severe back pain", "pain after a minor fall", "new difficulty standing upright",
        "symptoms that limit your daily routine",
        "new weakness or numbness in your legs", "loss of bladder or bowel control",
    ]

    @Test(
        "a 72-year-old with osteoporotic T12 and L1 fractures treated on December 8 2026, follow-up booked for Tuesday December 22 at 10:30: calcium and vitamin D, and the visit's date and time",
        arguments: InstructionFormat.allCases)
    func withOsteoporosis(format: InstructionFormat) {
        let letter = InstructionTemplate.shipped(.aftercare, format)
            .render(Example.aftercareSheet(osteoporosis: true, followUp: Self.followUp))
        expectPhrases(letter, Self.activityAndWarnings)
        expectPhrases(
            letter, ["osteoporosis", "calcium and vitamin D", "Tuesday, December 22, 2026", "10:15 AM", "10:30 AM"])
        expectPhrases(letter, [format == .html ? "<strong>Call 911</strong>" : "CALL 911"])
    }

    @Test(
        "a 45-year-old with traumatic T12 and L1 fractures and no osteoporosis, no follow-up booked yet: no calcium or vitamin D advice, asked to book the visit",
        arguments: InstructionFormat.allCases)
    func withoutOsteoporosis(format: InstructionFormat) {
        let letter = InstructionTemplate.shipped(.aftercare, format)
            .render(Example.aftercareSheet(osteoporosis: false, followUp: nil))
        expectPhrases(letter, Self.activityAndWarnings)
        expectNoPhrases(letter, ["calcium", "vitamin D", "osteoporosis", "December 22"])
        expectPhrases(letter, ["You do not have a follow-up visit booked yet", "call the clinic on 303-555-0142"])
    }

    @Test("without a clinic phone the sheet says to call the clinic, and 911 for emergencies")
    func noPhone() {
        for format in InstructionFormat.allCases {
            let letter = InstructionTemplate.shipped(.aftercare, format)
                .render(Example.aftercareSheet(osteoporosis: true, followUp: nil, clinic: Example.noPhoneNoAddress))
            expectPhrases(letter, ["Please call the clinic if you have:", "911"])
            expectNoPhrases(letter, ["call the clinic on"])
        }
    }
}
