import Foundation

/// Splits a migration file into single statements, because the extended query protocol that
/// PostgresNIO speaks accepts one statement per message. Understands quotes, comments and
/// dollar-quoted bodies, so semicolons inside them do not split.
enum SQLScript {
    static func statements(_ script: String) -> [String] {
        var statements: [String] = []
        var current = ""
        let chars = Array(script)
        var index = 0
        func peek(_ offset: Int) -> Character? { index + offset < chars.count ? chars[index + offset] : nil }

        while index < chars.count {
            let char = chars[index]
            if char == "-", peek(1) == "-" {
                while index < chars.count, chars[index] != "\n" { index += 1 }
                continue
            }
            if char == "/", peek(1) == "*" {
                index += 2
                while index < chars.count, !(chars[index] == "*" && peek(1) == "/") { index += 1 }
                index += 2
                continue
            }
            if char == "'" || char == "\"" {
                current.append(char)
                index += 1
                while index < chars.count {
                    current.append(chars[index])
                    if chars[index] == char {
                        // A doubled quote is an escaped quote, not the end.
                        if peek(1) == char {
                            index += 1
                            current.append(chars[index])
                        } else {
                            index += 1
                            break
                        }
                    }
                    index += 1
                }
                continue
            }
            if char == "$", let tag = dollarTag(chars, from: index) {
                current += tag
                index += tag.count
                while index < chars.count {
                    if chars[index] == "$", String(chars[index..<min(chars.count, index + tag.count)]) == tag {
                        current += tag
                        index += tag.count
                        break
                    }
                    current.append(chars[index])
                    index += 1
                }
                continue
            }
            if char == ";" {
                append(&statements, current)
                current = ""
                index += 1
                continue
            }
            current.append(char)
            index += 1
        }
        append(&statements, current)
        return statements
    }

    private static func append(_ statements: inout [String], _ statement: String) {
        let trimmed = statement.trimmingCharacters(in: .whitespacesAndNewlines)
        if !trimmed.isEmpty { statements.append(trimmed) }
    }

    /// `$$` or `$name$` starting at `start`, if one does.
    private static func dollarTag(_ chars: [Character], from start: Int) -> String? {
        var end = start + 1
        while end < chars.count, chars[end] == "_" || chars[end].isLetter || chars[end].isNumber { end += 1 }
        guard end < chars.count, chars[end] == "$" else { return nil }
        return String(chars[start...end])
    }
}

/// Test access to the statement splitter, which is otherwise an implementation detail.
public enum SQLScriptProbe {
    public static func split(_ script: String) -> [String] { SQLScript.statements(script) }
}
