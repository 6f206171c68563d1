/// The shipped preparation letter for a kyphoplasty: when to come, eating and drinking before
/// the anesthesia, which blood thinners to stop and when, and the ride home.
enum ProcedureLetter {
    static let html =
        LetterPage.head(title: "Preparing for your kyphoplasty") + """

            <h1>Preparing for your kyphoplasty</h1>
            <p>Dear {{patient.fullName}},</p>
            <p>Your kyphoplasty to treat the {{#procedure.multipleLevels}}fractures{{/procedure.multipleLevels}}\
            {{^procedure.multipleLevels}}fracture{{/procedure.multipleLevels}} at {{procedure.levelsText}} is booked.
            All times are the clinic's local time.</p>
            <table class="when">
            <tr><th>Date</th><td>{{visit.date}}</td></tr>
            <tr><th>Arrive at</th><td>{{visit.arrival}}{{#visit.arrivalOnOtherDay}} on {{visit.arrivalDate}}{{/visit.arrivalOnOtherDay}}</td></tr>
            <tr><th>Procedure starts</th><td>{{visit.start}}</td></tr>
            <tr><th>Levels treated</th><td>{{procedure.levelsText}}</td></tr>
            <tr><th>Where</th><td>{{clinic.name}}{{#clinic.address}}, {{clinic.address}}{{/clinic.address}}</td></tr>
            </table>

            <h2>Anesthesia, eating and drinking</h2>
            <p>You will have <strong>{{procedure.anesthesia}}</strong>.
            {{#procedure.anesthesia.isLocalWithSedation}}
            Your back is numbed where the needle goes in, and medicine through a drip makes you relaxed and drowsy.
            {{/procedure.anesthesia.isLocalWithSedation}}
            {{#procedure.anesthesia.isGeneral}}
            You will be fully asleep during the procedure.
            {{/procedure.anesthesia.isGeneral}}
            It is only safe on an empty stomach:</p>
            <ul class="important">
            <li><strong>No food from {{procedure.fasting.noFoodFrom.spoken}} on {{procedure.fasting.noFoodFromDate}}</strong>:
            nothing to eat, and no milk, chewing gum or sweets.</li>
            <li>You may drink clear fluids (water, clear apple juice, black tea or coffee without milk)
            <strong>until {{procedure.fasting.clearFluidsUntil.spoken}} on {{procedure.fasting.clearFluidsUntilDate}}</strong>.
            After that, nothing to drink.</li>
            </ul>

            <h2>Your medicines</h2>
            {{#procedure.hasHolds}}
            <p>Blood thinners make bleeding during the procedure more likely. Stop them exactly as follows:</p>
            <ul class="important">
            {{#procedure.holds}}
            <li><strong>Stop {{drugName}}.</strong>
            Take your last {{#isLmwh}}injection{{/isLmwh}}{{^isLmwh}}dose{{/isLmwh}} on {{lastDoseOn}}\
            {{#lastDoseNoLaterThan}}, no later than {{lastDoseNoLaterThan}}{{/lastDoseNoLaterThan}}.
            From {{stopOn}}, do not take it until your doctor tells you to start again.</li>
            {{/procedure.holds}}
            </ul>
            {{/procedure.hasHolds}}
            {{^procedure.hasHolds}}
            <p>Keep taking your usual medicines unless your doctor has told you otherwise.</p>
            {{/procedure.hasHolds}}
            {{#procedure.inrCheckOn}}
            <p><strong>Blood test:</strong> have an INR blood test on {{procedure.inrCheckOn}}, to check that your
            blood clots normally before the procedure.</p>
            {{/procedure.inrCheckOn}}
            <p>Bring a list of all the medicines you take, with their doses, including any blood thinners.</p>

            <h2>Going home</h2>
            <ul>
            <li>You go home the same day. An adult must drive you home and stay with you for the rest of the day
            and the night.</li>
            <li>Do not drive until {{procedure.mayDriveFrom}}.</li>
            </ul>

            <h2>If you are unwell or need to reschedule</h2>
            <p>If you feel unwell before your procedure (for example a fever, a cough or an infection), or you need
            to reschedule, please \(LetterPage.callTheClinic).</p>

            """ + LetterPage.signature

    static let text =
        LetterPage.textHead(title: "PREPARING FOR YOUR KYPHOPLASTY") + """

            Dear {{patient.fullName}},

            Your kyphoplasty at {{procedure.levelsText}} is booked. Times are the clinic's local time.
            Date: {{visit.date}}
            Arrive at: {{visit.arrival}}{{#visit.arrivalOnOtherDay}} on {{visit.arrivalDate}}{{/visit.arrivalOnOtherDay}}
            Procedure starts: {{visit.start}}
            Levels treated: {{procedure.levelsText}}
            Where: {{clinic.name}}
            {{#clinic.address}}
            {{clinic.address}}
            {{/clinic.address}}

            ANESTHESIA, EATING AND DRINKING
            You will have {{procedure.anesthesia}}.
            {{#procedure.anesthesia.isLocalWithSedation}}
            Your back is numbed where the needle goes in, and medicine through a drip
            makes you relaxed and drowsy.
            {{/procedure.anesthesia.isLocalWithSedation}}
            {{#procedure.anesthesia.isGeneral}}
            You will be fully asleep during the procedure.
            {{/procedure.anesthesia.isGeneral}}
            It is only safe on an empty stomach:
            - No food from {{procedure.fasting.noFoodFrom.spoken}} on {{procedure.fasting.noFoodFromDate}}:
              nothing to eat, and no milk, chewing gum or sweets.
            - You may drink clear fluids (water, clear apple juice, black tea or coffee
              without milk) until {{procedure.fasting.clearFluidsUntil.spoken}} on {{procedure.fasting.clearFluidsUntilDate}}.
              After that, nothing to drink.

            YOUR MEDICINES
            {{#procedure.hasHolds}}
            Blood thinners make bleeding during the procedure more likely. Stop them as follows:
            {{#procedure.holds}}
            - Stop {{drugName}}.
              Take your last {{#isLmwh}}injection{{/isLmwh}}{{^isLmwh}}dose{{/isLmwh}} on {{lastDoseOn}}{{#lastDoseNoLaterThan}},
              no later than {{lastDoseNoLaterThan}}{{/lastDoseNoLaterThan}}.
              From {{stopOn}}, do not take it until your doctor says to start again.
            {{/procedure.holds}}
            {{/procedure.hasHolds}}
            {{^procedure.hasHolds}}
            Keep taking your usual medicines unless your doctor has told you otherwise.
            {{/procedure.hasHolds}}
            {{#procedure.inrCheckOn}}
            Blood test: have an INR blood test on {{procedure.inrCheckOn}},
            to check that your blood clots normally before the procedure.
            {{/procedure.inrCheckOn}}
            Bring a list of all the medicines you take, with their doses, including any blood thinners.

            GOING HOME
            You go home the same day. An adult must drive you home and stay with you
            for the rest of the day and the night.
            Do not drive until {{procedure.mayDriveFrom}}.

            IF YOU ARE UNWELL OR NEED TO RESCHEDULE
            If you feel unwell before your procedure (for example a fever, a cough or
            an infection), or you need to reschedule, please \(LetterPage.callTheClinic).

            {{clinic.name}}
            {{#clinic.website}}
            {{clinic.website}}
            {{/clinic.website}}

            """
}
