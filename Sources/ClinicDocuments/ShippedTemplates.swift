import ClinicDomain

/// The product's own wording of every letter, checked like a clinic's template the first time
/// one is asked for.
enum ShippedTemplates {
    private struct Key: Hashable {
        let document: InstructionDocument
        let format: InstructionFormat
    }

    static func source(_ document: InstructionDocument, _ format: InstructionFormat) -> String {
        switch (document, format) {
        case (.procedure, .html): ProcedureLetter.html
        case (.procedure, .text): ProcedureLetter.text
        case (.evaluation, .html): EvaluationLetter.html
        case (.evaluation, .text): EvaluationLetter.text
        case (.followUp, .html): FollowUpLetter.html
        case (.followUp, .text): FollowUpLetter.text
        case (.aftercare, .html): AftercareSheet.html
        case (.aftercare, .text): AftercareSheet.text
        }
    }

    /// Parsed and checked once per process.
    private static let templates: [Key: InstructionTemplate] = {
        var templates: [Key: InstructionTemplate] = [:]
        for document in InstructionDocument.allCases {
            for format in InstructionFormat.allCases {
                do throws(InvalidInstructionTemplate) {
                    templates[Key(document: document, format: format)] = try InstructionTemplate(
                        document: document, format: format, source: source(document, format))
                } catch {
                    // The product's own wording is code: the tests check every template, so this
                    // is a defect to fix, not a clinic's input to refuse.
                    preconditionFailure("shipped \(document.rawValue) \(format.rawValue) template: \(error.message)")
                }
            }
        }
        return templates
    }()

    static func template(_ document: InstructionDocument, _ format: InstructionFormat) -> InstructionTemplate {
        guard let template = templates[Key(document: document, format: format)] else {
            preconditionFailure("no shipped \(document.rawValue) \(format.rawValue) template")
        }
        return template
    }
}
