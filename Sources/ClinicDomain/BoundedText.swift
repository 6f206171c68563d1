import Foundation

/// Trimmed text with at least one visible character and a maximum length: names, reasons, MRNs.
public struct BoundedText: Hashable, Sendable, CustomStringConvertible {
    public let value: String

    /// - Throws: `ValidationError` at pointer "" when empty after trimming, too long, or holding control characters.
    public init(_ raw: String, maxLength: Int) throws {
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
}
