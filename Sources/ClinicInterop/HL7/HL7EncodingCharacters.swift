/// The delimiters a message declares in MSH-1 and MSH-2.
///
/// All are single ASCII bytes: that lets the parser split UTF-8 text on bytes without ever
/// cutting a multi-byte character.
public struct HL7EncodingCharacters: Sendable, Hashable {
    public let field: UInt8
    public let component: UInt8
    public let repetition: UInt8
    public let escape: UInt8
    public let subcomponent: UInt8
    /// The v2.7 truncation character, when MSH-2 has a fifth character.
    public let truncation: UInt8?

    /// `|^~\&`, which this server writes in its own messages.
    public static let standard = HL7EncodingCharacters(
        field: UInt8(ascii: "|"), component: UInt8(ascii: "^"), repetition: UInt8(ascii: "~"),
        escape: UInt8(ascii: "\\"), subcomponent: UInt8(ascii: "&"), truncation: nil)

    init(field: UInt8, component: UInt8, repetition: UInt8, escape: UInt8, subcomponent: UInt8, truncation: UInt8?) {
        self.field = field
        self.component = component
        self.repetition = repetition
        self.escape = escape
        self.subcomponent = subcomponent
        self.truncation = truncation
    }

    /// Reads MSH-1 and MSH-2; nil unless they are 4 or 5 distinct printable ASCII punctuation
    /// characters (letters, digits and spaces would be ambiguous with the data).
    init?(fieldSeparator: UInt8, encodingCharacters: some Collection<UInt8>) {
        let all = [fieldSeparator] + Array(encodingCharacters)
        guard (5...6).contains(all.count), Set(all).count == all.count, all.allSatisfy(Self.isDelimiterByte) else {
            return nil
        }
        self.init(
            field: all[0], component: all[1], repetition: all[2], escape: all[3], subcomponent: all[4],
            truncation: all.count == 6 ? all[5] : nil)
    }

    /// The MSH-2 text, e.g. `^~\&`.
    public var msh2: String {
        String(
            decoding: [component, repetition, escape, subcomponent] + (truncation.map { [$0] } ?? []), as: UTF8.self)
    }

    static func isDelimiterByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "!")...UInt8(ascii: "/"), UInt8(ascii: ":")...UInt8(ascii: "@"),
            UInt8(ascii: "[")...UInt8(ascii: "`"), UInt8(ascii: "{")...UInt8(ascii: "~"):
            true
        default: false
        }
    }
}
