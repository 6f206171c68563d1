import ClinicDomain
import Mustache

/// A clinic's wording of one patient letter, checked: it parses and renders a sample visit.
///
/// The template only arranges facts: every date and time comes from `PatientInstructions`,
/// already decided in the clinic's zone. The names a template may use are listed on
/// `TemplateContext`.
public struct InstructionTemplate: Sendable {
    public let document: InstructionDocument
    public let format: InstructionFormat
    public let source: String
    /// Parsed once: letters are rendered far more often than templates are saved.
    private let compiled: MustacheTemplate

    /// Checks `source` as a template of `document` in `format`: at most 100,000 characters, valid
    /// Mustache, only names the letters provide, and (in HTML) every value escaped.
    public init(document: InstructionDocument, format: InstructionFormat, source: String)
        throws(InvalidInstructionTemplate)
    {
        let compiled = try TemplateCheck.compile(source, format: format)
        try TemplateCheck.verify(compiled, source: source, document: document, format: format)
        self.document = document
        self.format = format
        self.source = source
        self.compiled = compiled
    }

    /// A clinic's template as stored: it passed every check when it was saved, so it is only
    /// parsed again here, not tried against the samples on every letter.
    init(stored source: String, document: InstructionDocument, format: InstructionFormat)
        throws(InvalidInstructionTemplate)
    {
        self.document = document
        self.format = format
        self.source = source
        self.compiled = try TemplateCheck.compile(source, format: format)
    }

    /// The wording shipped with the product.
    public static func shipped(_ document: InstructionDocument, _ format: InstructionFormat) -> InstructionTemplate {
        ShippedTemplates.template(document, format)
    }

    /// The letter for these facts. A template of one document given another document's facts
    /// renders what it can: the sections for the missing facts are empty.
    public func render(_ instructions: PatientInstructions) -> String {
        compiled.render(TemplateContext.root(for: instructions))
    }
}
