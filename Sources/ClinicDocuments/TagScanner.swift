import Foundation

/// Finds the tags of a template and their lines, to name the section or the name at fault in
/// a message: the Mustache library reports only where its parser stopped, which for a section
/// left open is the end of the template.
///
/// Reads the default `{{ }}` delimiters only and stops at a `{{= =}}` delimiter change; the
/// messages then fall back to the library's position.
struct TagScanner {
    struct Tag {
        /// The tag's sigil (`#`, `^`, `/`, `&`, `{`, `>`, ...), or nil for a plain variable.
        let sigil: Character?
        let name: String
        let line: Int
    }

    /// The tags in order, and whether the scan covers the whole template.
    static func tags(in source: String) -> (tags: [Tag], complete: Bool) {
        let scan = scan(source)
        return (scan.tags, scan.complete)
    }

    /// The line of a `{{` with no `}}` after it.
    static func unclosedTagLine(in source: String) -> Int? {
        scan(source).unclosedLine
    }

    private static func scan(_ source: String) -> (tags: [Tag], complete: Bool, unclosedLine: Int?) {
        var tags: [Tag] = []
        var line = 1
        var index = source.startIndex
        while let open = source.range(of: "{{", range: index..<source.endIndex) {
            line += source[index..<open.lowerBound].count(where: \.isNewline)
            let triple = source[open.upperBound...].first == "{"
            let closer = triple ? "}}}" : "}}"
            guard let close = source.range(of: closer, range: open.upperBound..<source.endIndex) else {
                return (tags, false, line)
            }
            var body = source[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            var sigil: Character? = nil
            if let first = body.first, "#^/!&{>$<%=".contains(first) {
                sigil = first
                body = String(body.dropFirst()).trimmingCharacters(in: .whitespaces)
            }
            if sigil == "=" { return (tags, false, nil) }
            tags.append(Tag(sigil: sigil, name: body, line: line))
            line += source[open.lowerBound..<close.upperBound].count(where: \.isNewline)
            index = close.upperBound
        }
        return (tags, true, nil)
    }

    /// The first section opened and not closed, or closed under another name.
    static func sectionProblem(in source: String) -> String? {
        var open: [Tag] = []
        for tag in tags(in: source).tags {
            switch tag.sigil {
            case "#", "^", "$", "<":
                open.append(tag)
            case "/":
                guard let innermost = open.popLast() else {
                    return "line \(tag.line): {{/\(tag.name)}} closes a section that was never opened"
                }
                guard innermost.name == tag.name else {
                    return "line \(tag.line): {{/\(tag.name)}} does not match the open section '\(innermost.name)'"
                        + " (line \(innermost.line)): close it first with {{/\(innermost.name)}}"
                }
            default:
                continue
            }
        }
        guard let unclosed = open.last else { return nil }
        return "line \(unclosed.line): unclosed section '\(unclosed.name)': add {{/\(unclosed.name)}} where it ends"
    }

    /// The first tag that uses `segment` as a part of its name, to point at a typo.
    static func firstTag(using segment: String, in source: String) -> Tag? {
        tags(in: source).tags.first { tag in
            tag.sigil != "!" && tag.sigil != "%"
                && tag.name.split(whereSeparator: { !$0.isLetter && !$0.isNumber && $0 != "_" })
                    .contains(Substring(segment))
        }
    }
}
