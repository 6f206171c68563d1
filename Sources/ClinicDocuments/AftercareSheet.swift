/// The shipped aftercare sheet, given once the procedure is done: activity, bone health, the
/// follow-up visit, and when to call the clinic or 911.
enum AftercareSheet {
    static let html =
        LetterPage.head(title: "After your kyphoplasty") + """

            <h1>After your kyphoplasty</h1>
            <p>Dear {{patient.fullName}},</p>
            <p>You had a kyphoplasty on {{aftercare.procedureDate}} to treat the \
            {{#aftercare.multipleLevels}}fractures{{/aftercare.multipleLevels}}\
            {{^aftercare.multipleLevels}}fracture{{/aftercare.multipleLevels}} at {{aftercare.levelsText}}.
            Most people can walk the same day and their pain eases over the following days.</p>

            <h2>Activity</h2>
            <ul>
            <li>For the first weeks, do not lift anything heavier than about 10 lb (4.5 kg), such as a full bag
            of groceries, until your clinician says you may.</li>
            <li>Do gentle stretching every day, as you were shown, and keep walking.</li>
            <li>Return to exercise gradually: start with short walks and build up over the weeks.</li>
            <li>Go to physical therapy if it was arranged for you: it strengthens the muscles that support your spine.</li>
            </ul>
            {{#aftercare.osteoporosis}}

            <h2>Bone health</h2>
            <p>{{#aftercare.multipleLevels}}These fractures are{{/aftercare.multipleLevels}}\
            {{^aftercare.multipleLevels}}This fracture is{{/aftercare.multipleLevels}} linked to osteoporosis
            (thin, weak bones). Take calcium and vitamin D as your doctor advises, and keep your appointments for bone density tests and osteoporosis treatment: they
            lower the risk of another fracture.</p>
            {{/aftercare.osteoporosis}}

            <h2>Your follow-up visit</h2>
            {{#aftercare.followUp}}
            <p>Your follow-up visit is on <strong>{{aftercare.followUp.date}}</strong>: please arrive at
            {{aftercare.followUp.arrival}}{{#aftercare.followUp.arrivalOnOtherDay}} on {{aftercare.followUp.arrivalDate}}\
            {{/aftercare.followUp.arrivalOnOtherDay}}; it starts at {{aftercare.followUp.start}} (clinic local time).</p>
            {{/aftercare.followUp}}
            {{^aftercare.followUp}}
            <p>You do not have a follow-up visit booked yet: please \(LetterPage.callTheClinic) to book one for about
            two weeks after your procedure.</p>
            {{/aftercare.followUp}}

            <h2>When to call the clinic</h2>
            <p>Please \(LetterPage.callTheClinic) if you have:</p>
            <ul>
            <li>sudden severe back pain;</li>
            <li>pain after a minor fall;</li>
            <li>new difficulty standing upright;</li>
            <li>symptoms that limit your daily routine.</li>
            </ul>
            <p class="important"><strong>Call 911</strong> for new weakness or numbness in your legs, loss of
            bladder or bowel control, chest pain or sudden shortness of breath.</p>

            """ + LetterPage.signature

    static let text =
        LetterPage.textHead(title: "AFTER YOUR KYPHOPLASTY") + """

            Dear {{patient.fullName}},

            You had a kyphoplasty on {{aftercare.procedureDate}}
            to treat the {{#aftercare.multipleLevels}}fractures{{/aftercare.multipleLevels}}\
            {{^aftercare.multipleLevels}}fracture{{/aftercare.multipleLevels}} at {{aftercare.levelsText}}.
            Most people can walk the same day and their pain eases over the following days.

            ACTIVITY
            - For the first weeks, do not lift anything heavier than about 10 lb (4.5 kg),
              such as a full bag of groceries, until your clinician says you may.
            - Do gentle stretching every day, as you were shown, and keep walking.
            - Return to exercise gradually: start with short walks and build up.
            - Go to physical therapy if it was arranged for you: it strengthens the
              muscles that support your spine.
            {{#aftercare.osteoporosis}}

            BONE HEALTH
            {{#aftercare.multipleLevels}}These fractures are{{/aftercare.multipleLevels}}\
            {{^aftercare.multipleLevels}}This fracture is{{/aftercare.multipleLevels}} linked to
            osteoporosis (thin, weak bones). Take calcium and vitamin D as your doctor
            advises, and keep your appointments for bone density tests and osteoporosis
            treatment: they lower the risk of another fracture.
            {{/aftercare.osteoporosis}}

            YOUR FOLLOW-UP VISIT
            {{#aftercare.followUp}}
            Date: {{aftercare.followUp.date}}
            Arrive at: {{aftercare.followUp.arrival}}{{#aftercare.followUp.arrivalOnOtherDay}} on \
            {{aftercare.followUp.arrivalDate}}{{/aftercare.followUp.arrivalOnOtherDay}}
            Appointment starts: {{aftercare.followUp.start}} (clinic local time)
            {{/aftercare.followUp}}
            {{^aftercare.followUp}}
            You do not have a follow-up visit booked yet: please {{#clinic.phone}}call the clinic
            on {{clinic.phone}}{{/clinic.phone}}{{^clinic.phone}}call the clinic{{/clinic.phone}} \
            to book one for about two weeks after your procedure.
            {{/aftercare.followUp}}

            WHEN TO CALL THE CLINIC
            Please \(LetterPage.callTheClinic) if you have:
            - sudden severe back pain
            - pain after a minor fall
            - new difficulty standing upright
            - symptoms that limit your daily routine

            CALL 911 for new weakness or numbness in your legs, loss of bladder or bowel
            control, chest pain or sudden shortness of breath.

            {{clinic.name}}
            {{#clinic.website}}
            {{clinic.website}}
            {{/clinic.website}}

            """
}
