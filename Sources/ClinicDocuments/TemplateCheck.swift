import ClinicDomain
import Foundation
import Mustache

/// The checks a clinic's template passes before its letters can go out, each failing with a
/// sentence an administrator can act on.
enum TemplateCheck {
    static let maximumCharacters = 100_000

    /// Text letters go to portals and SMS gateways, where `&amp;` would be printed as is: the
    /// format, not the clinic's template, decides the escaping. The pragma sits alone on its own
    /// line, so Mustache drops that line and the template's own lines keep their numbers + 1.
    private static let textPragma = "{{% CONTENT_TYPE: TEXT}}\n"

    static func compile(_ source: String, format: InstructionFormat) throws(InvalidInstructionTemplate)
        -> MustacheTemplate
    {
        // Counted as the database counts (code points), so that what passes here is stored.
        let length = source.unicodeScalars.count
        guard length <= maximumCharacters else {
            throw InvalidInstructionTemplate(
                "the template has \(length) characters; the limit is \(maximumCharacters) characters")
        }
        let prefix = format == .text ? textPragma : ""
        do {
            return try MustacheTemplate(string: prefix + source)
        } catch let error as MustacheTemplate.ParserError {
            throw InvalidInstructionTemplate(
                ParseErrorMessage.message(for: error, in: source, linesAdded: format == .text ? 1 : 0))
        } catch {
            throw InvalidInstructionTemplate("the template cannot be read as Mustache (\(error))")
        }
    }

    /// Renders the document's samples: every name must be one the letters provide, the letter
    /// must not be empty, and an HTML letter must escape every value.
    static func verify(
        _ template: MustacheTemplate, source: String, document: InstructionDocument, format: InstructionFormat
    ) throws(InvalidInstructionTemplate) {
        if let partial = TagScanner.tags(in: source).tags.first(where: { $0.sigil == ">" || $0.sigil == "<" }) {
            // There is no library of partials behind a letter: the tag would print nothing.
            throw InvalidInstructionTemplate(
                "line \(partial.line): partials ({{>\(partial.name)}}) are not available in letters;"
                    + " write the text in the template itself")
        }
        if format == .html {
            // Refused by reading, not only by rendering: a sample takes one path through the
            // template's sections, and an unescaped value on another path would go unseen.
            let scan = TagScanner.tags(in: source)
            if let raw = scan.tags.first(where: { $0.sigil == "{" || $0.sigil == "&" }) {
                throw InvalidInstructionTemplate(
                    "line \(raw.line): {{{\(raw.name)}}} and {{&\(raw.name)}} print a value without HTML escaping;"
                        + " use {{\(raw.name)}}, so that a patient's or clinic's name cannot insert markup into the page"
                )
            }
            if !scan.complete || scan.tags.contains(where: { $0.sigil == "%" }) {
                throw InvalidInstructionTemplate(
                    "HTML letters may not change delimiters ({{= =}}) or set pragmas ({{% }}): every value must stay escaped"
                )
            }
        }
        let log = LookupLog()
        var outputs: [String] = []
        for sample in SampleInstructions.samples(for: document) {
            outputs.append(template.render(TemplateContext.root(for: sample, log: log)))
        }
        let unknown = log.names.subtracting(TemplateContext.knownNames).sorted()
        if let name = unknown.first {
            throw InvalidInstructionTemplate(unknownNameMessage(name, in: source))
        }
        if outputs.allSatisfy({ $0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }) {
            throw InvalidInstructionTemplate("the template prints nothing for a sample \(document.rawValue) letter")
        }
        if format == .html, outputs.contains(where: { $0.contains(SampleInstructions.markup) }) {
            throw InvalidInstructionTemplate(
                "the template prints a value without HTML escaping ({{{name}}}, {{&name}} or CONTENT_TYPE TEXT):"
                    + " use {{name}}, so that a patient's or clinic's name cannot insert markup into the page")
        }
    }

    private static func unknownNameMessage(_ name: String, in source: String) -> String {
        let suffix = "; the names a letter may use are listed in the template documentation (TemplateContext)"
        guard let tag = TagScanner.firstTag(using: name, in: source) else {
            return "unknown name '\(name)'" + suffix
        }
        return "line \(tag.line): unknown name '\(tag.name)'" + suffix
    }
}
