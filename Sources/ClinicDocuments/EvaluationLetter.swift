/// The shipped letter for an evaluation visit with a spine specialist: when and where, and what
/// to bring so that the visit can decide on kyphoplasty (imaging, medicines, brace).
enum EvaluationLetter {
    static let html =
        LetterPage.head(title: "Your spine evaluation") + """

            <h1>Your spine evaluation</h1>
            <p>Dear {{patient.fullName}},</p>
            <p>You have an appointment with a spine specialist to talk about your back pain and the fracture seen
            on your imaging, and whether a kyphoplasty could help. All times are the clinic's local time.</p>
            \(LetterPage.visitTableHTML)

            <h2>What to bring</h2>
            <ul>
            <li>Your imaging: the reports and images of your MRI, X-ray or CT scans, or the disc you were given.</li>
            <li>A list of all the medicines you take, with their doses, including any blood thinners (such as
            warfarin, apixaban, rivaroxaban, dabigatran, edoxaban, clopidogrel or enoxaparin injections).</li>
            <li>Your back brace, if you have one.</li>
            </ul>

            <h2>If you cannot come</h2>
            <p>If you need to reschedule, or you have questions about your appointment, please \(LetterPage.callTheClinic).</p>

            """ + LetterPage.signature

    static let text =
        LetterPage.textHead(title: "YOUR SPINE EVALUATION") + """

            Dear {{patient.fullName}},

            You have an appointment with a spine specialist to talk about your back pain
            and the fracture seen on your imaging, and whether a kyphoplasty could help.
            Times are the clinic's local time.
            \(LetterPage.visitLinesText)

            WHAT TO BRING
            - Your imaging: the reports and images of your MRI, X-ray or CT scans,
              or the disc you were given.
            - A list of all the medicines you take, with their doses, including any
              blood thinners (such as warfarin, apixaban, rivaroxaban, dabigatran,
              edoxaban, clopidogrel or enoxaparin injections).
            - Your back brace, if you have one.

            IF YOU CANNOT COME
            If you need to reschedule, or you have questions about your appointment,
            please \(LetterPage.callTheClinic).

            {{clinic.name}}
            {{#clinic.website}}
            {{clinic.website}}
            {{/clinic.website}}

            """
}
