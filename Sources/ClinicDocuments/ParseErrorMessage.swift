import Mustache

/// Turns the Mustache library's parse error into a sentence with its line.
enum ParseErrorMessage {
    static func message(for error: MustacheTemplate.ParserError, in source: String, linesAdded: Int) -> String {
        let line = max(1, error.context.lineNumber - linesAdded)
        let position = "line \(line), column \(error.context.columnNumber)"
        switch error.error {
        case MustacheTemplate.Error.sectionCloseNameIncorrect, MustacheTemplate.Error.expectedSectionEnd:
            // The library stops at the end of the template for a section left open: find the opener.
            return TagScanner.sectionProblem(in: source)
                ?? "\(position): a section is not closed, or closed with another name"
        case MustacheTemplate.Error.unfinishedName:
            return unclosedTag(in: source) ?? "\(position): a tag is not closed with }} or its name is not valid"
        case MustacheTemplate.Error.invalidSetDelimiter:
            return "\(position): the delimiter change is not valid (write it as {{=<% %>=}})"
        case MustacheTemplate.Error.transformAppliedToInheritanceSection,
            MustacheTemplate.Error.illegalTokenInsideInheritSection,
            MustacheTemplate.Error.textInsideInheritSection:
            return "\(position): template inheritance ({{<parent}} and {{$block}}) is not valid here;"
                + " letters cannot use partials"
        case MustacheTemplate.Error.invalidConfigVariableSyntax, MustacheTemplate.Error.unrecognisedConfigVariable:
            return "\(position): unknown pragma; the only one is {{% CONTENT_TYPE: TEXT}} or {{% CONTENT_TYPE: HTML}}"
        default:
            // The library's reader ran out of text: a tag opened with {{ and never closed.
            return unclosedTag(in: source) ?? "\(position): a tag is opened with {{ and never closed with }}"
        }
    }

    /// The library reads an unclosed tag to the end of the template and reports that: point at
    /// the tag's own line instead.
    private static func unclosedTag(in source: String) -> String? {
        TagScanner.unclosedTagLine(in: source).map { "line \($0): a tag is opened with {{ and never closed with }}" }
    }
}
