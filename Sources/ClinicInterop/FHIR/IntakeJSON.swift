import Foundation

/// A parsed JSON document as a plain tree, for reading input whose shape is not trusted.
///
/// Decoded with `JSONDecoder` only after `IntakeJSON.parse` has checked the size and the nesting
/// depth on the raw bytes, so hostile input (megabytes, thousands of nested arrays) never reaches
/// a recursive parser.
enum IntakeJSON: Decodable, Sendable, Hashable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([IntakeJSON])
    case object([String: IntakeJSON])

    enum ParseFailure: Error, Hashable {
        case tooLarge
        case tooDeep
        case malformed
    }

    /// Parses `bytes` when they are at most `maximumBytes` long and nest at most `maximumDepth` deep.
    static func parse(_ bytes: [UInt8], maximumBytes: Int, maximumDepth: Int) throws(ParseFailure) -> IntakeJSON {
        guard bytes.count <= maximumBytes else { throw .tooLarge }
        guard depth(of: bytes, stoppingAfter: maximumDepth) <= maximumDepth else { throw .tooDeep }
        do {
            return try JSONDecoder().decode(IntakeJSON.self, from: Data(bytes))
        } catch {
            throw .malformed
        }
    }

    /// The deepest nesting of arrays and objects, counted on the bytes (brackets inside strings
    /// do not count); stops counting once past `limit`.
    private static func depth(of bytes: [UInt8], stoppingAfter limit: Int) -> Int {
        var depth = 0
        var deepest = 0
        var inString = false
        var escaped = false
        for byte in bytes {
            if inString {
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                depth += 1
                deepest = max(deepest, depth)
                if deepest > limit { return deepest }
            case UInt8(ascii: "]"), UInt8(ascii: "}"): depth -= 1
            default: break
            }
        }
        return deepest
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode([IntakeJSON].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: IntakeJSON].self))
        }
    }

    /// What the value is, in words for an error message.
    var kind: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}
