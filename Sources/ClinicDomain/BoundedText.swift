import Foundation

/// Trimmed text with at least one visible character and a maximum length: names, reasons, MRNs.
public struct BoundedText: Hashable, Sendable, CustomStringConvertible {
    public let value: String

    /// - Throws: `ValidationError` at pointer "" when empty after trimming, too long, or holding control characters.
    public init(_ raw: String, maxLength: Int) throws {
        if BoundedText.isPlainASCII(raw, maxLength: maxLength) {
            self.value = raw
            return
        }
        let trimmed = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw ValidationError(pointer: "", message: "must not be empty") }
        guard trimmed.count <= maxLength else {
            throw ValidationError(pointer: "", message: "must be at most \(maxLength) characters")
        }
        // NUL and other control characters have no place in clinical free text and break PostgreSQL text.
        guard
            !trimmed.unicodeScalars.contains(where: {
                $0.properties.generalCategory == .control && $0 != "\n" && $0 != "\t" && $0 != "\r"
            })
        else {
            throw ValidationError(pointer: "", message: "must not contain control characters")
        }
        self.value = trimmed
    }

    public var description: String { value }

    /// The common case, decided on the bytes (every stored name is checked again on every read):
    /// printable ASCII, tab and line breaks inside only, nothing to trim, within the length. Any
    /// other text takes the full Unicode path above, which gives the same answer for these.
    private static func isPlainASCII(_ raw: String, maxLength: Int) -> Bool {
        let bytes = raw.utf8
        guard let first = bytes.first, let last = bytes.last, bytes.count <= maxLength,
            (0x21...0x7E).contains(first), (0x21...0x7E).contains(last)
        else { return false }
        return bytes.allSatisfy { (0x20...0x7E).contains($0) || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }
    }
}
