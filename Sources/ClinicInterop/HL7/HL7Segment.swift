/// One segment of a parsed message: its id and its fields, still escaped until read.
public struct HL7Segment: Sendable, Hashable {
    /// The segment id, e.g. "OBX".
    public let id: String
    /// Which occurrence of this id in the message, from 1 (what ERR-2.2 reports).
    public let sequence: Int
    public let encoding: HL7EncodingCharacters
    /// Raw fields indexed by HL7 field number; index 0 holds the id. For MSH, index 1 is the
    /// field separator itself and index 2 the encoding characters, as the standard counts them.
    let rawFields: [String]

    init(id: String, sequence: Int, encoding: HL7EncodingCharacters, rawFields: [String]) {
        self.id = id
        self.sequence = sequence
        self.encoding = encoding
        self.rawFields = rawFields
    }

    /// The highest field number present.
    public var fieldCount: Int { rawFields.count - 1 }

    /// Field `number` in HL7 numbering; an empty field when the segment is shorter.
    public func field(_ number: Int) -> HL7Field {
        let raw = number >= 1 && number < rawFields.count ? rawFields[number] : ""
        return HL7Field(
            raw: raw, location: HL7Location(segment: id, sequence: sequence, field: number), encoding: encoding,
            isVerbatim: id == "MSH" && (number == 1 || number == 2))
    }

    /// The location of this segment, or of one of its fields, for a rejection.
    public func location(field: Int? = nil, component: Int? = nil) -> HL7Location {
        HL7Location(segment: id, sequence: sequence, field: field, component: component)
    }
}

/// One field of a segment, with its repetitions.
public struct HL7Field: Sendable, Hashable {
    /// The field as sent, escapes and delimiters included.
    public let raw: String
    public let location: HL7Location
    let encoding: HL7EncodingCharacters
    /// MSH-1 and MSH-2 hold delimiters, which must not be split or unescaped.
    let isVerbatim: Bool

    public var isEmpty: Bool { raw.isEmpty }

    public var repetitions: [HL7Repetition] { repetitions(limit: .max) }

    /// The first `limit` repetitions: what a reader takes when more would only be noise or an attack.
    public func repetitions(limit: Int) -> [HL7Repetition] {
        let parts = isVerbatim ? [raw] : HL7Split.split(raw, on: encoding.repetition, limit: limit)
        return parts.enumerated().map { index, part in
            HL7Repetition(raw: part, location: location, number: index + 1, encoding: encoding, isVerbatim: isVerbatim)
        }
    }

    /// The first repetition: the value itself for a field that does not repeat.
    public var first: HL7Repetition {
        let part = isVerbatim ? raw : HL7Split.prefix(raw, upTo: encoding.repetition)
        return HL7Repetition(raw: part, location: location, number: 1, encoding: encoding, isVerbatim: isVerbatim)
    }

    /// Component `number` (from 1) of the first repetition, unescaped; its first subcomponent
    /// when it has several.
    public func component(_ number: Int) throws(HL7Rejection) -> String { try first.component(number) }

    /// The first repetition unescaped, with any component delimiters kept as they were.
    public var text: String { get throws(HL7Rejection) { try first.text } }
}

/// One repetition of a field: its components and subcomponents.
public struct HL7Repetition: Sendable, Hashable {
    /// The repetition as sent.
    public let raw: String
    /// The field's location.
    public let location: HL7Location
    /// Which repetition, from 1.
    public let number: Int
    let encoding: HL7EncodingCharacters
    let isVerbatim: Bool

    public var isEmpty: Bool { raw.isEmpty }

    /// How many components are present (at least 1).
    public var componentCount: Int { isVerbatim ? 1 : HL7Split.split(raw, on: encoding.component).count }

    /// Component `number` (from 1), unescaped; its first subcomponent when it has several; "" when absent.
    public func component(_ number: Int) throws(HL7Rejection) -> String {
        try subcomponent(1, of: number)
    }

    /// Subcomponent `subcomponent` of component `component` (both from 1), unescaped; "" when absent.
    public func subcomponent(_ subcomponent: Int, of component: Int) throws(HL7Rejection) -> String {
        if isVerbatim { return component == 1 && subcomponent == 1 ? raw : "" }
        guard component >= 1, subcomponent >= 1 else { return "" }
        let components = HL7Split.split(raw, on: encoding.component, limit: component)
        guard component <= components.count else { return "" }
        let parts = HL7Split.split(components[component - 1], on: encoding.subcomponent, limit: subcomponent)
        guard subcomponent <= parts.count else { return "" }
        return try decode(parts[subcomponent - 1], component: component)
    }

    /// The whole repetition unescaped, with any component delimiters kept as they were: how
    /// free text (TX, FT, ST) is read, since senders often leave a `^` in it unescaped.
    public var text: String {
        get throws(HL7Rejection) { isVerbatim ? raw : try decode(raw, component: nil) }
    }

    private func decode(_ value: String, component: Int?) throws(HL7Rejection) -> String {
        // `""` is HL7's explicit null: for reading, it is as good as empty.
        if value == "\"\"" { return "" }
        do {
            return try HL7Escaping.decode(value, encoding)
        } catch {
            let place = location.with(component: component)
            throw .error(.dataTypeError, at: place, "\(place) \(error.explanation)")
        }
    }
}

/// Splitting raw HL7 text on a one-byte ASCII delimiter, which never occurs inside a
/// multi-byte UTF-8 character.
enum HL7Split {
    /// The parts of `text` between `delimiter`s, empty parts kept; with `limit`, stops after
    /// that many parts (the last holding only its own part, not the rest).
    static func split(_ text: String, on delimiter: UInt8, limit: Int = .max) -> [String] {
        var parts: [String] = []
        let utf8 = text.utf8
        var start = utf8.startIndex
        var index = start
        while index != utf8.endIndex, parts.count < limit {
            if utf8[index] == delimiter {
                parts.append(String(text[start..<index]))
                start = utf8.index(after: index)
            }
            index = utf8.index(after: index)
        }
        if parts.count < limit { parts.append(String(text[start..<utf8.endIndex])) }
        return parts
    }

    static func prefix(_ text: String, upTo delimiter: UInt8) -> String {
        guard let end = text.utf8.firstIndex(of: delimiter) else { return text }
        return String(text[..<end])
    }
}
