/// Why a value's escape sequences could not be read; the caller knows where the value was.
enum HL7EscapeProblem: Error, Sendable, Equatable {
    case unterminated
    case unsupported(String)
    case malformedHex(String)
    case notUTF8

    var explanation: String {
        switch self {
        case .unterminated: "has an escape sequence that is never closed"
        case .unsupported(let body): "has an unsupported escape sequence \\\(HL7Escaping.shortened(body))\\"
        case .malformedHex(let body):
            "has a hex escape \\\(HL7Escaping.shortened(body))\\ that is not pairs of hex digits"
        case .notUTF8: "has hex escapes that do not spell UTF-8 text"
        }
    }
}

/// Turning HL7 escape sequences into text and back.
///
/// Read: \F\ \S\ \T\ \R\ \E\ (the delimiters), \P\ (the v2.7 truncation character), \Xhh..\
/// (bytes, read as UTF-8), \.br\ and \.sp n\ (line breaks). \H\ \N\ (highlighting) and the other
/// FT formatting commands (\.fi\ \.nf\ \.in n\ \.ti n\ \.sk n\ \.ce\) only change the look and are
/// dropped. Anything else, including the character-set switches \Cxxyy\ and \Mxxyyzz\, is refused:
/// guessing at text in another character set would put wrong words in a clinical report.
enum HL7Escaping {
    /// The most line breaks one \.sp n\ may make, so that a number cannot blow the text up.
    static let maximumSpacing = 20

    static func decode(_ raw: some StringProtocol, _ encoding: HL7EncodingCharacters) throws(HL7EscapeProblem)
        -> String
    {
        guard raw.utf8.contains(encoding.escape) else { return String(raw) }
        let bytes = Array(raw.utf8)
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            guard byte == encoding.escape else {
                output.append(byte)
                index += 1
                continue
            }
            guard let end = bytes[(index + 1)...].firstIndex(of: encoding.escape) else { throw .unterminated }
            try expand(bytes[(index + 1)..<end], encoding, into: &output)
            index = end + 1
        }
        guard let text = String(validating: output, as: UTF8.self) else { throw .notUTF8 }
        return text
    }

    private static func expand(_ body: ArraySlice<UInt8>, _ encoding: HL7EncodingCharacters, into output: inout [UInt8])
        throws(HL7EscapeProblem)
    {
        let text = String(decoding: body, as: UTF8.self)
        switch text {
        case "F": output.append(encoding.field)
        case "S": output.append(encoding.component)
        case "T": output.append(encoding.subcomponent)
        case "R": output.append(encoding.repetition)
        case "E": output.append(encoding.escape)
        case "P":
            guard let truncation = encoding.truncation else { throw .unsupported(text) }
            output.append(truncation)
        case "H", "N": break
        default:
            if body.first == UInt8(ascii: "X") {
                output.append(contentsOf: try hexBytes(body.dropFirst(), body: text))
            } else if body.first == UInt8(ascii: ".") {
                output.append(contentsOf: try formatting(text.dropFirst(), body: text))
            } else {
                throw .unsupported(text)
            }
        }
    }

    private static func hexBytes(_ digits: ArraySlice<UInt8>, body: String) throws(HL7EscapeProblem) -> [UInt8] {
        guard !digits.isEmpty, digits.count % 2 == 0 else { throw .malformedHex(body) }
        var bytes: [UInt8] = []
        var high: UInt8?
        for digit in digits {
            guard let value = hexValue(digit) else { throw .malformedHex(body) }
            if let first = high {
                bytes.append(first << 4 | value)
                high = nil
            } else {
                high = value
            }
        }
        return bytes
    }

    private static func hexValue(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        default: nil
        }
    }

    /// FT formatting commands, `command` without its leading dot.
    private static func formatting(_ command: Substring, body: String) throws(HL7EscapeProblem) -> [UInt8] {
        let name = command.prefix(2)
        let argument = command.dropFirst(2).drop(while: { $0 == " " })
        let number: Int?
        if argument.isEmpty {
            number = nil
        } else {
            let digits = argument.first == "+" || argument.first == "-" ? argument.dropFirst() : argument
            guard !digits.isEmpty, digits.count <= 4, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else {
                throw .unsupported(body)
            }
            number = Int(digits)
        }
        switch name {
        case "br", "fi", "nf", "ce":
            guard number == nil else { throw .unsupported(body) }
            return name == "br" ? [UInt8(ascii: "\n")] : []
        case "sp":
            let lines = min(max(number ?? 1, 1), maximumSpacing)
            return Array(repeating: UInt8(ascii: "\n"), count: lines)
        case "in", "ti", "sk":
            return []
        default:
            throw .unsupported(body)
        }
    }

    /// Escapes text for a field written with `encoding`: every delimiter, and every control
    /// character (a CR would end the segment), becomes an escape sequence.
    static func encode(_ text: String, _ encoding: HL7EncodingCharacters = .standard) -> String {
        var output = ""
        output.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            guard scalar.isASCII else {
                output.unicodeScalars.append(scalar)
                continue
            }
            let byte = UInt8(scalar.value)
            if byte == encoding.truncation {
                output += "\\P\\"
                continue
            }
            switch byte {
            case encoding.escape: output += "\\E\\"
            case encoding.field: output += "\\F\\"
            case encoding.component: output += "\\S\\"
            case encoding.repetition: output += "\\R\\"
            case encoding.subcomponent: output += "\\T\\"
            case 0..<0x20, 0x7F: output += "\\X" + hex(byte) + "\\"
            default: output.unicodeScalars.append(scalar)
            }
        }
        return output
    }

    private static func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789ABCDEF")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]])
    }

    /// A value cut short for quoting in an error text.
    static func shortened(_ text: some StringProtocol, to length: Int = 40) -> String {
        text.count <= length ? String(text) : String(text.prefix(length)) + "..."
    }
}
