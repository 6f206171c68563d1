import ClinicDomain

extension InstructionTemplate {
    /// The letter for `facts` in `format`: from the clinic's own template when it has one, else
    /// from the shipped one. A stored template was checked when it was saved; one this build can
    /// no longer parse falls back rather than leaving the patient without a letter.
    public static func letter(_ facts: PatientInstructions, format: InstructionFormat, clinicTemplate: String?)
        -> String
    {
        let template =
            clinicTemplate.flatMap { try? InstructionTemplate(stored: $0, document: facts.document, format: format) }
            ?? .shipped(facts.document, format)
        return template.render(facts)
    }
}
