/// The shipped letter for the follow-up visit about two weeks after a kyphoplasty.
enum FollowUpLetter {
    static let html =
        LetterPage.head(title: "Your follow-up visit") + """

            <h1>Your follow-up visit</h1>
            <p>Dear {{patient.fullName}},</p>
            <p>Your follow-up visit checks how your back is healing after your kyphoplasty. All times are the
            clinic's local time.</p>
            \(LetterPage.visitTableHTML)

            <h2>What to bring</h2>
            <ul>
            <li>A list of all the medicines you take, with their doses, including pain medicines and any
            blood thinners.</li>
            <li>Your questions about pain and activity: how your pain has changed, what you may lift, and when
            you can return to exercise, work or driving. Writing them down helps.</li>
            </ul>

            <h2>If you cannot come</h2>
            <p>If you need to reschedule, or you have questions before the visit, please \(LetterPage.callTheClinic).</p>

            """ + LetterPage.signature

    static let text =
        LetterPage.textHead(title: "YOUR FOLLOW-UP VISIT") + """

            Dear {{patient.fullName}},

            Your follow-up visit checks how your back is healing after your kyphoplasty.
            Times are the clinic's local time.
            \(LetterPage.visitLinesText)

            WHAT TO BRING
            - A list of all the medicines you take, with their doses, including pain
              medicines and any blood thinners.
            - Your questions about pain and activity: how your pain has changed, what you
              may lift, and when you can return to exercise, work or driving.
              Writing them down helps.

            IF YOU CANNOT COME
            If you need to reschedule, or you have questions before the visit,
            please \(LetterPage.callTheClinic).

            {{clinic.name}}
            {{#clinic.website}}
            {{clinic.website}}
            {{/clinic.website}}

            """
}
