/// What every HTML letter shares: the head with its print style, and the clinic's letterhead.
/// Interpolated into each shipped template's literal, so each template is still one complete
/// page a clinic can copy and edit.
enum LetterPage {
    static func head(title: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(title): {{clinic.name}}</title>
        <style>
        body { font-family: Georgia, "Times New Roman", serif; font-size: 12pt; line-height: 1.45;
          color: #111; max-width: 42em; margin: 2em auto; padding: 0 1em; }
        h1 { font-size: 18pt; margin: 1em 0 0.5em; }
        h2 { font-size: 13pt; margin: 1.4em 0 0.4em; border-bottom: 1px solid #888; }
        .letterhead { margin: 0; }
        .when th { text-align: left; padding-right: 1.5em; vertical-align: top; }
        .important { border: 2px solid #111; padding: 0.5em 1em 0.5em 2em; }
        li { margin-bottom: 0.3em; }
        @media print {
          body { margin: 0; max-width: none; font-size: 11pt; }
          h2 { page-break-after: avoid; }
          li, tr { page-break-inside: avoid; }
        }
        </style>
        </head>
        <body>
        <p class="letterhead"><strong>{{clinic.name}}</strong>{{#clinic.addressLines}}<br>{{.}}{{/clinic.addressLines}}\
        {{#clinic.phone}}<br>Phone: {{clinic.phone}}{{/clinic.phone}}</p>
        """
    }

    /// "call the clinic on 303-555-0142", or "call the clinic" when it has no phone.
    static let callTheClinic =
        "{{#clinic.phone}}call the clinic on {{clinic.phone}}{{/clinic.phone}}{{^clinic.phone}}call the clinic{{/clinic.phone}}"

    static let signature = """
        <p>{{clinic.name}}{{#clinic.website}}<br>{{clinic.website}}{{/clinic.website}}</p>
        </body>
        </html>
        """

    /// When and where a consultation is, as the evaluation and follow-up letters print it.
    static let visitTableHTML = """
        <table class="when">
        <tr><th>Date</th><td>{{visit.date}}</td></tr>
        <tr><th>Arrive at</th><td>{{visit.arrival}}{{#visit.arrivalOnOtherDay}} on {{visit.arrivalDate}}{{/visit.arrivalOnOtherDay}}</td></tr>
        <tr><th>Appointment starts</th><td>{{visit.start}}</td></tr>
        <tr><th>Where</th><td>{{clinic.name}}{{#clinic.address}}, {{clinic.address}}{{/clinic.address}}</td></tr>
        </table>
        """

    /// The same, as plain text lines.
    static let visitLinesText = """
        Date: {{visit.date}}
        Arrive at: {{visit.arrival}}{{#visit.arrivalOnOtherDay}} on {{visit.arrivalDate}}{{/visit.arrivalOnOtherDay}}
        Appointment starts: {{visit.start}}
        Where: {{clinic.name}}
        {{#clinic.address}}
        {{clinic.address}}
        {{/clinic.address}}
        """

    /// The top of every text letter: the pragma that turns off HTML escaping, the title, and the
    /// clinic's name, address and phone, one per line.
    static func textHead(title: String) -> String {
        """
        {{% CONTENT_TYPE: TEXT}}
        \(title)
        {{clinic.name}}
        {{#clinic.addressLines}}
        {{.}}
        {{/clinic.addressLines}}
        {{#clinic.phone}}
        Phone: {{clinic.phone}}
        {{/clinic.phone}}

        """
    }
}
