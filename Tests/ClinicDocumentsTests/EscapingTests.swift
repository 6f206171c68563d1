import ClinicDocuments
import ClinicDomain
import Testing

/// HTML letters escape every value; text letters print names exactly as registered.
@Suite("Escaping")
struct EscapingTests {
    typealias Example = ClinicalExamples

    @Test("a hostile given name <script> is escaped in every HTML letter")
    func hostileNameInHTML() {
        let hostile = "<script>alert('x')</script>"
        for document in InstructionDocument.allCases {
            let letter = InstructionTemplate.shipped(document, .html).render(facts(document, given: hostile))
            #expect(!letter.contains("<script>"), "\(document.rawValue) prints markup from a name")
            #expect(letter.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"), "\(document.rawValue)")
        }
    }

    @Test("a family name O'Brien & Sons is printed as is in every text letter")
    func textNotEscaped() {
        for document in InstructionDocument.allCases {
            let letter = InstructionTemplate.shipped(document, .text).render(facts(document, family: "O'Brien & Sons"))
            #expect(letter.contains("Margaret O'Brien & Sons"), "\(document.rawValue)")
            #expect(!letter.contains("&amp;") && !letter.contains("&#39;"), "\(document.rawValue)")
        }
    }

    @Test("a clinic's own text template needs no pragma to print names as is")
    func clinicTextTemplateNotEscaped() throws {
        let template = try InstructionTemplate(
            document: .followUp, format: .text, source: "Dear {{patient.fullName}}, see you at {{clinic.name}}.")
        let letter = template.render(facts(.followUp, family: "O'Brien & Sons"))
        #expect(letter == "Dear Margaret O'Brien & Sons, see you at Front Range Spine Center.")
    }

    @Test("the HTML letters are complete printable pages", arguments: InstructionDocument.allCases)
    func completePages(document: InstructionDocument) {
        let letter = InstructionTemplate.shipped(document, .html).render(facts(document))
        #expect(letter.hasPrefix("<!DOCTYPE html>"))
        for part in [
            "<meta charset=\"utf-8\">", "<title>", "<style>", "@media print", "<h1>", "<h2>", "<ul>", "</html>",
        ] {
            #expect(letter.contains(part), "\(document.rawValue) lacks \(part)")
        }
        #expect(!InstructionTemplate.shipped(document, .html).source.contains("{{{"))
        #expect(!InstructionTemplate.shipped(document, .html).source.contains("{{&"))
    }

    @Test(
        "text letters keep every line under 100 characters and carry no markup", arguments: InstructionDocument.allCases
    )
    func textLines(document: InstructionDocument) {
        let letter = InstructionTemplate.shipped(document, .text).render(facts(document))
        for line in letter.split(separator: "\n") {
            #expect(line.count <= 100, "\(document.rawValue): \(line)")
        }
        #expect(!letter.contains("<") && !letter.contains("{{"))
    }

    private func facts(
        _ document: InstructionDocument, given: String = "Margaret", family: String = "Lopez"
    ) -> PatientInstructions {
        switch document {
        case .procedure:
            return Example.procedureLetter(
                given: given, family: family, levels: ["T12", "L1"],
                holds: [
                    Example.warfarinHold, Example.doacHold,
                    .init(
                        drug: .lmwh, stopOn: Example.date("2026-12-08"), lastDoseOn: Example.date("2026-12-07"),
                        lastDoseNoLaterThan: Example.time("08:00")),
                ],
                inrCheckOn: Example.date("2026-12-07"))
        case .aftercare:
            let sheet = Example.aftercareSheet(
                osteoporosis: true, followUp: Example.visit(.followUp, "2026-12-22", start: "10:30", arrival: "10:15"))
            return PatientInstructions(
                document: .aftercare, clinic: sheet.clinic, patientGivenName: given, patientFamilyName: family,
                visit: sheet.visit, procedure: nil, aftercare: sheet.aftercare)
        case .evaluation, .followUp:
            let visit = Example.visit(
                document == .evaluation ? .evaluation : .followUp, "2026-09-30", start: "13:30", arrival: "13:15")
            return PatientInstructions(
                document: document, clinic: Example.frontRange, patientGivenName: given, patientFamilyName: family,
                visit: visit, procedure: nil, aftercare: nil)
        }
    }
}
