/// Why an incoming FHIR resource was refused: where (a FHIRPath expression) and why, in a sentence.
public struct FHIRIntakeError: Error, Sendable, Hashable, CustomStringConvertible {
    /// FHIRPath to the offending element, e.g. `ServiceRequest.requester.display` or `Patient.birthDate`.
    public let expression: String
    /// A sentence for the sender saying what is wrong and what is accepted.
    public let diagnostics: String
    public let code: FHIROperationOutcome.IssueCode

    public init(_ expression: String, _ diagnostics: String, code: FHIROperationOutcome.IssueCode = .invalid) {
        self.expression = expression
        self.diagnostics = diagnostics
        self.code = code
    }

    /// The error as the OperationOutcome a 400 (or 413) answer carries.
    public var operationOutcome: FHIROperationOutcome {
        FHIROperationOutcome(issues: [
            FHIROperationOutcome.Issue(severity: .error, code: code, diagnostics: diagnostics, expression: [expression])
        ])
    }

    public var description: String { expression + ": " + diagnostics }
}
