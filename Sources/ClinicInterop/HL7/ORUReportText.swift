import Foundation

/// The report text of one ORDER_OBSERVATION group, gathered from its text OBXs into the impression.
///
/// Every repetition of OBX-5 of a text type (TX, FT, ST) is a line; a coded value (CE, CWE,
/// CNE) outside 99VCF gives its text, or its code when it has none. Other value types carry no
/// report text. Reading stops once far more than intake keeps has been read, so that a flood of
/// empty lines costs little.
struct ReportText {
    private var lines: [String] = []
    private var bytes = 0
    private var truncated = false

    /// Enough to fill `maximumImpressionLength` characters even after trimming, without reading on.
    private static let byteBudget = 4 * ORUResult.maximumImpressionLength

    var isFull: Bool { truncated }

    mutating func append(_ obx: HL7Segment) throws(HL7Rejection) {
        let type = try obx.field(2).component(1).trimmingCharacters(in: .whitespaces).uppercased()
        let coded: Bool
        switch type {
        case "TX", "FT", "ST": coded = false
        case "CE", "CWE", "CNE": coded = true
        default: return
        }
        for repetition in obx.field(5).repetitions(limit: Self.byteBudget) {
            guard !truncated else { return }
            if coded {
                let text = try repetition.component(2)
                let line = text.isEmpty ? try repetition.component(1) : text
                if !line.isEmpty { add(line) }
            } else {
                add(try repetition.text)
            }
        }
    }

    private mutating func add(_ line: String) {
        lines.append(line)
        bytes += line.utf8.count + 1
        if bytes > Self.byteBudget { truncated = true }
    }

    /// The lines joined, with CR and CRLF (from \X0D\ escapes) as plain line breaks, cut to
    /// `ORUResult.maximumImpressionLength` with a note; nil when blank.
    var impression: String? {
        var text = lines.joined(separator: "\n")
        if text.unicodeScalars.contains("\r") {
            text = text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
        }
        text = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { return nil }
        let maximum = ORUResult.maximumImpressionLength
        guard truncated || text.count > maximum else { return text }
        let note = ORUResult.truncationNote
        return String(text.prefix(maximum - note.count)) + note
    }
}
