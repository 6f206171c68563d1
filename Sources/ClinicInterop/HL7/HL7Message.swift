import Foundation

/// An HL7 v2.x message in ER7 (pipe-delimited) form, split into segments and fields.
///
/// Built for text from systems we do not control: every problem is an `HL7Rejection`, never a
/// crash. Envelope problems (not HL7, no MSH first, bad delimiters, a character set we do not
/// read, too large) are AR; a bad escape sequence shows up when that value is read, as AE 102,
/// so that one odd field in a segment nobody reads does not cost the whole message.
public struct HL7Message: Sendable, Hashable {
    /// The largest message accepted, in bytes.
    public static let maximumBytes = 1 << 20
    /// The most segments accepted in one message.
    public static let maximumSegments = 2_000

    public let encoding: HL7EncodingCharacters
    /// Every segment in order; the first is MSH.
    public let segments: [HL7Segment]

    /// The MSH segment.
    public var header: HL7Segment { segments[0] }

    /// Parses bytes as sent on the wire; MSH-18 says whether they are UTF-8 or ISO 8859-1.
    public init(parsing bytes: [UInt8]) throws(HL7Rejection) {
        try self.init(bytes: bytes, decoded: false)
    }

    /// Parses text that is already decoded.
    public init(parsing text: String) throws(HL7Rejection) {
        try self.init(bytes: Array(text.utf8), decoded: true)
    }

    /// Every segment with this id, in order.
    public func segments(named id: String) -> [HL7Segment] {
        segments.filter { $0.id == id }
    }

    /// The first segment with this id.
    public func segment(_ id: String) -> HL7Segment? {
        segments.first { $0.id == id }
    }

    private init(bytes: [UInt8], decoded: Bool) throws(HL7Rejection) {
        guard bytes.count <= Self.maximumBytes else {
            throw .reject(
                .applicationInternalError, at: nil,
                "message is \(bytes.count) bytes; at most \(Self.maximumBytes) bytes are accepted")
        }
        var body = bytes[...]
        if body.starts(with: [0xEF, 0xBB, 0xBF]) { body = body.dropFirst(3) }
        let lines = try Self.lines(of: body)
        guard let first = lines.first else {
            throw .reject(
                .segmentSequenceError, at: HL7Location(segment: "MSH"), "message is empty; it must start with MSH")
        }
        guard first.starts(with: Array("MSH".utf8)), first.count > 3 else {
            throw .reject(
                .segmentSequenceError, at: HL7Location(segment: "MSH"),
                "message must start with an MSH segment; got \(Self.quotedID(first))")
        }
        let encoding = try Self.encodingCharacters(first)
        let characterSet = try Self.characterSet(first, encoding)
        var segments: [HL7Segment] = []
        segments.reserveCapacity(lines.count)
        var occurrences: [String: Int] = [:]
        for (index, line) in lines.enumerated() {
            let text: String
            if decoded {
                text = String(decoding: line, as: UTF8.self)
            } else if characterSet == "8859/1" {
                text = String(String.UnicodeScalarView(line.map { Unicode.Scalar($0) }))
            } else if let valid = String(validating: line, as: UTF8.self) {
                text = valid
            } else {
                throw .reject(
                    .dataTypeError, at: HL7Location(segment: "MSH", field: 18),
                    "segment \(index + 1) is not valid UTF-8; send UTF-8, or declare 8859/1 in MSH-18")
            }
            var fields = HL7Split.split(text, on: encoding.field)
            let id = fields[0]
            guard Self.isSegmentID(id) else {
                throw .reject(
                    .segmentSequenceError, at: nil,
                    "segment \(index + 1) has id \(Self.quotedID(id.utf8)); segment ids are 3 uppercase letters or digits"
                )
            }
            if id == "MSH" {
                // MSH-1 is the separator that follows "MSH": the standard counts it as a field.
                fields.insert(String(decoding: [encoding.field], as: UTF8.self), at: 1)
            }
            let sequence = occurrences[id, default: 0] + 1
            occurrences[id] = sequence
            segments.append(HL7Segment(id: id, sequence: sequence, encoding: encoding, rawFields: fields))
        }
        self.encoding = encoding
        self.segments = segments
    }

    /// Splits on CR, LF or CRLF, in any mix, leaving out blank lines.
    private static func lines(of bytes: ArraySlice<UInt8>) throws(HL7Rejection) -> [ArraySlice<UInt8>] {
        var lines: [ArraySlice<UInt8>] = []
        for line in bytes.split(omittingEmptySubsequences: true, whereSeparator: { $0 == 0x0D || $0 == 0x0A }) {
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
            guard lines.count < maximumSegments else {
                throw .reject(
                    .applicationInternalError, at: nil,
                    "message has more than \(maximumSegments) segments; at most \(maximumSegments) are accepted")
            }
            lines.append(line)
        }
        return lines
    }

    private static func encodingCharacters(_ msh: ArraySlice<UInt8>) throws(HL7Rejection) -> HL7EncodingCharacters {
        let separator = msh[msh.startIndex + 3]
        let rest = msh.dropFirst(4)
        let declared = rest.prefix(while: { $0 != separator })
        guard let encoding = HL7EncodingCharacters(fieldSeparator: separator, encodingCharacters: declared) else {
            throw .reject(
                .dataTypeError, at: HL7Location(segment: "MSH", field: 2),
                "MSH-1 and MSH-2 must declare 5 or 6 distinct punctuation characters, such as |^~\\&")
        }
        return encoding
    }

    /// Reads MSH-18 from the raw MSH, before the text is decoded, since it says how to decode it.
    private static func characterSet(_ msh: ArraySlice<UInt8>, _ encoding: HL7EncodingCharacters)
        throws(HL7Rejection) -> String
    {
        // Split into "MSH", MSH-2, MSH-3 ...: MSH-n is at index n - 1.
        let fields = msh.split(separator: encoding.field, omittingEmptySubsequences: false)
        let raw = fields.count > 17 ? fields[17] : []
        let first = raw.prefix(while: { $0 != encoding.repetition && $0 != encoding.component })
        let location = HL7Location(segment: "MSH", field: 18)
        guard first.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) else {
            throw .reject(.tableValueNotFound, at: location, "MSH-18 character set must be ASCII text")
        }
        let value = String(decoding: first, as: UTF8.self).trimmingCharacters(in: .whitespaces).uppercased()
        switch value {
        case "", "ASCII", "UNICODE UTF-8", "8859/1": return value
        default:
            throw .reject(
                .tableValueNotFound, at: location,
                "MSH-18 character set must be empty, ASCII, UNICODE UTF-8 or 8859/1; got \(HL7Escaping.shortened(value))"
            )
        }
    }

    private static func isSegmentID(_ id: String) -> Bool {
        id.utf8.count == 3
            && id.utf8.allSatisfy {
                (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0)
                    || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0)
            }
    }

    /// The id a line starts with, quoted for an error text only when it is short printable ASCII.
    private static func quotedID(_ line: some Collection<UInt8>) -> String {
        let id = line.prefix(while: { $0 != UInt8(ascii: "|") && $0 > 0x20 && $0 < 0x7F })
        guard !id.isEmpty, id.count <= 8 else { return "something else" }
        return "\"" + String(decoding: id, as: UTF8.self) + "\""
    }
}
