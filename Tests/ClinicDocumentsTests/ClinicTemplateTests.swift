import ClinicDocuments
import ClinicDomain
import Testing

/// A clinic's own wording is checked when it is saved, so that a broken template is refused at
/// the desk and not discovered in a patient's letter.
@Suite("Clinic templates")
struct ClinicTemplateTests {
    typealias Example = ClinicalExamples

    static let evaluation = Example.visitLetter(
        .evaluation, Example.visit(.evaluation, "2026-11-30", start: "13:30", arrival: "13:15"))

    static func refusal(
        _ source: String, document: InstructionDocument = .procedure, format: InstructionFormat = .html
    ) -> String? {
        do {
            _ = try InstructionTemplate(document: document, format: format, source: source)
            return nil
        } catch {
            return error.message
        }
    }

    @Test("every shipped template passes the checks a clinic's template passes")
    func shippedTemplatesAreValid() throws {
        for document in InstructionDocument.allCases {
            for format in InstructionFormat.allCases {
                let shipped = InstructionTemplate.shipped(document, format)
                #expect(shipped.document == document && shipped.format == format)
                #expect(!shipped.source.isEmpty)
                #expect(Self.refusal(shipped.source, document: document, format: format) == nil)
            }
        }
    }

    @Test("a section left open is refused, naming the section and its line")
    func unclosedSection() throws {
        let source = "Dear {{patient.fullName}},\n\n{{#procedure}}\nArrive at {{visit.arrival}}.\n"
        let message = try #require(Self.refusal(source))
        #expect(message == "line 3: unclosed section 'procedure': add {{/procedure}} where it ends")
    }

    @Test("a text template's section left open is refused with the template's own line number")
    func unclosedSectionInText() throws {
        let message = try #require(Self.refusal("Hello\n{{#clinic.phone}}\nCall {{clinic.phone}}\n", format: .text))
        #expect(message.hasPrefix("line 2: unclosed section 'clinic.phone'"))
    }

    @Test("a section closed under another name is refused with both lines")
    func mismatchedClose() throws {
        let source = "{{#procedure}}\n{{#procedure.hasHolds}}\nStop.\n{{/procedure}}\n"
        let message = try #require(Self.refusal(source))
        #expect(
            message.hasPrefix("line 4: {{/procedure}} does not match the open section 'procedure.hasHolds' (line 2)"))
    }

    @Test("a tag never closed is refused with its line")
    func unfinishedTag() throws {
        let message = try #require(Self.refusal("Dear {{patient.fullName}},\nArrive at {{visit.arrival\n"))
        #expect(message == "line 2: a tag is opened with {{ and never closed with }}")
    }

    @Test("a misspelt name is refused, naming it and its line, instead of printing nothing")
    func unknownName() throws {
        let message = try #require(Self.refusal("Dear {{patient.fullName}},\nArrive at {{visit.arival}}.\n"))
        #expect(message.hasPrefix("line 2: unknown name 'visit.arival'"))
    }

    @Test("a misspelt name inside a section the samples reach only without a phone is refused too")
    func unknownNameInInvertedSection() throws {
        let message = try #require(Self.refusal("{{^clinic.phone}}Call {{clinic.nmae}}{{/clinic.phone}}"))
        #expect(message.contains("clinic.nmae"))
    }

    @Test("an HTML template printing a value unescaped is refused")
    func unescapedHTML() throws {
        let triple = try #require(Self.refusal("<p>{{{patient.familyName}}}</p>"))
        #expect(triple.contains("without HTML escaping"))
        #expect(Self.refusal("<p>{{&clinic.name}}</p>") != nil)
        #expect(Self.refusal("{{%CONTENT_TYPE: TEXT}}\n<p>{{patient.fullName}}</p>") != nil)
    }

    @Test("an unescaped value on a path no sample takes is refused too, as are delimiter changes in HTML")
    func unescapedOnAnyPath() throws {
        let generalOnly =
            "{{#procedure.anesthesia.isGeneral}}{{{patient.fullName}}}{{/procedure.anesthesia.isGeneral}} Dear {{patient.fullName}}"
        #expect(Self.refusal(generalOnly)?.contains("without HTML escaping") == true)
        #expect(Self.refusal("Dear {{& patient.fullName}}")?.contains("without HTML escaping") == true)
        #expect(Self.refusal("{{=<% %>=}} Dear <%patient.fullName%>") != nil)
        // Text letters are never HTML-escaped, so there the same tag is fine.
        #expect(Self.refusal("Dear {{{patient.fullName}}}", format: .text) == nil)
    }

    @Test("a template using a partial is refused: letters have no partials to include")
    func partial() throws {
        let message = try #require(Self.refusal("{{> header}}\nDear {{patient.fullName}}"))
        #expect(message.hasPrefix("line 1: partials"))
    }

    @Test("an unknown pragma is refused")
    func unknownPragma() throws {
        let message = try #require(Self.refusal("{{%CONTENT_TYPE: PDF}}\nDear {{patient.fullName}}"))
        #expect(message.contains("pragma"))
    }

    @Test("a clinic's evaluation template that renders is accepted, kept and used")
    func acceptedAndUsed() throws {
        let source = """
            <!DOCTYPE html><title>{{clinic}}</title>
            <p>{{patient.givenName}}: {{visit.date.weekday}} {{visit.date.monthDay}} ({{visit.date.iso}}),
            arrive {{visit.arrival.twentyFourHour}}, starts {{visit.start}}.</p>
            {{#clinic.addressLines}}<span>{{.}}</span>{{/clinic.addressLines}}
            """
        let template = try InstructionTemplate(document: .evaluation, format: .html, source: source)
        #expect(template.source == source)
        #expect(template.document == .evaluation && template.format == .html)
        let letter = template.render(Self.evaluation)
        #expect(letter.contains("<title>Front Range Spine Center</title>"))
        #expect(letter.contains("<p>Harold: Monday November 30 (2026-11-30),\narrive 13:15, starts 1:30 PM.</p>"))
        #expect(letter.contains("<span>Lakewood, CO 80214</span>"))
    }

    @Test("a template of 100,000 characters is accepted and one of 100,001 is refused")
    func sizeLimit() throws {
        let body = "Dear {{patient.fullName}}, "
        let atLimit = body + String(repeating: "x", count: 100_000 - body.count)
        #expect(atLimit.count == 100_000)
        #expect(Self.refusal(atLimit, document: .evaluation, format: .text) == nil)
        let message = try #require(Self.refusal(atLimit + "x", document: .evaluation, format: .text))
        #expect(message == "the template has 100001 characters; the limit is 100000 characters")
    }

    @Test("a template that prints nothing is refused")
    func empty() throws {
        let message = try #require(Self.refusal("{{! a comment only }}\n", document: .followUp, format: .text))
        #expect(message.contains("prints nothing"))
    }

    @Test(
        "dates and times in US English from the facts alone: weekdays across years, midnight, noon",
        arguments: [
            ("2026-12-08", "00:30", "Tuesday, December 8, 2026", "12:30 AM", "00:30"),
            ("2028-02-29", "12:00", "Tuesday, February 29, 2028", "12:00 PM", "12:00"),
            ("2027-01-01", "13:05", "Friday, January 1, 2027", "1:05 PM", "13:05"),
            ("2026-03-08", "23:59", "Sunday, March 8, 2026", "11:59 PM", "23:59"),
            ("2000-01-01", "07:00", "Saturday, January 1, 2000", "7:00 AM", "07:00"),
        ])
    func datesAndTimes(day: String, time: String, long: String, twelve: String, twentyFour: String) throws {
        let template = try InstructionTemplate(
            document: .followUp, format: .text,
            source: "{{visit.date}}|{{visit.start}}|{{visit.start.twentyFourHour}}|{{visit.date.long}}")
        let letter = template.render(
            Example.visitLetter(.followUp, Example.visit(.followUp, day, start: time, arrival: time)))
        #expect(letter == "\(long)|\(twelve)|\(twentyFour)|\(long)")
    }
}
